"""The AI video engines studio knows, as data (``Engine``): one module per model family, one registry here.

``ENGINES`` maps a name to its ``Engine``; ``DEFAULT_ENGINE`` is Wan 2.2 TI2V-5B (one model for photo-to-video
and text-to-video). Add an engine by declaring it in its family's module (or a new ``<family>.py``) and listing it
in that module's ``ENGINES``; the CLI, the model manager and the licence rules pick it up from here.
"""

from __future__ import annotations

from studio.errors import InputError
from studio.video.engines import ltx, wan
from studio.video.engines.base import PROFILE_NOTES, PROFILES, Engine, FrameRule

ENGINES: dict[str, Engine] = {e.name: e for e in (*wan.ENGINES, *ltx.ENGINES)}
DEFAULT_ENGINE = "wan2.2-ti2v-5b"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "PROFILES", "PROFILE_NOTES", "Engine", "FrameRule", "get_engine"]


def get_engine(name: str) -> Engine:
    """The engine called ``name``; ``InputError`` listing the known ones otherwise."""
    engine = ENGINES.get(name)
    if engine is None:
        raise InputError(f"Unknown video engine {name!r}.", f"Known engines: {', '.join(sorted(ENGINES))}.")
    return engine
