"""Where studio keeps its state: ``STUDIO_HOME`` (default ``~/.studio``).

Nothing is read at import time; every function takes the environment as it is when called, so tests point
``STUDIO_HOME`` at a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENV_HOME = "STUDIO_HOME"


def studio_home(create: bool = True) -> Path:
    """The studio home folder: ``$STUDIO_HOME`` or ``~/.studio``."""
    raw = os.environ.get(ENV_HOME)
    home = Path(raw).expanduser() if raw else Path.home() / ".studio"
    if create:
        home.mkdir(parents=True, exist_ok=True)
    return home


def store_path() -> Path:
    return studio_home() / "studio.sqlite3"


def cache_dir(name: str) -> Path:
    """A named cache folder under the home (``models``, ``uploads``, ``renders`` ...)."""
    path = studio_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def portable(value: Any) -> Any:
    """``value`` (a string, or lists/dicts of them) with this machine's folders written portably: the studio home
    as ``$STUDIO_HOME``, the user's home as ``~``. For what leaves the machine with an output (its reports)."""
    if isinstance(value, str):
        home = str(studio_home(create=False))
        user = str(Path.home())
        value = value.replace(home, "$STUDIO_HOME")
        return value.replace(user + os.sep, "~" + os.sep) if len(user) > 1 else value
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    return value


def assets_dir() -> Path:
    """The bundled assets folder (fonts, music, sample product) next to the package."""
    return Path(__file__).resolve().parent.parent / "assets"
