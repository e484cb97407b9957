"""Crash points for the kill-and-resume tests.

``STUDIO_CRASH_AT=name[,name...]`` makes the process SIGKILL itself (as the OOM killer or a power cut would: no
handler, no ``finally``) when it reaches ``crash_point(name)``. With ``STUDIO_CRASH_ONCE=FILE`` only the first
process to get there dies (it creates FILE first), so a retried job then goes through. Unset, a crash point
costs one dict lookup. The environment is read at each call, never at import time.
"""

from __future__ import annotations

import os
import signal

ENV_CRASH_AT = "STUDIO_CRASH_AT"
ENV_CRASH_ONCE = "STUDIO_CRASH_ONCE"


def crash_point(name: str) -> None:
    """Die here when ``STUDIO_CRASH_AT`` names ``name``."""
    wanted = os.environ.get(ENV_CRASH_AT)
    if not wanted or name not in wanted.split(","):
        return
    once = os.environ.get(ENV_CRASH_ONCE)
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)
