"""Crash points for the kill-and-resume tests.

``STUDIO_CRASH_AT=name[,name...]`` makes the process SIGKILL itself (as the OOM killer or a power cut would: no
handler, no ``finally``) when it reaches ``crash_point(name)``. Unset, a crash point costs one dict lookup. The
environment is read at each call, never at import time.
"""

from __future__ import annotations

import os
import signal

ENV_CRASH_AT = "STUDIO_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here when ``STUDIO_CRASH_AT`` names ``name``."""
    wanted = os.environ.get(ENV_CRASH_AT)
    if wanted and name in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
