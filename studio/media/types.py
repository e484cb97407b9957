"""The one table of file types studio accepts: every reader (the screen, the gate, the splat inputs, the app's
uploads) asks here.

``.gif`` is a video: an animated GIF has many frames and each must be screened (a still GIF is a one-frame
video). Phone and camera containers (``.mts``, ``.m2ts``, ``.3gp``) are videos everywhere, not only in splat.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})
VIDEO_SUFFIXES: frozenset[str] = frozenset(
    {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".mpg", ".mpeg", ".mts", ".m2ts", ".3gp", ".gif"}
)
AUDIO_SUFFIXES: frozenset[str] = frozenset({".m4a", ".mp3", ".wav", ".flac", ".aac", ".ogg", ".opus"})

MediaKind = Literal["image", "video", "audio"]


def media_kind(path: str | os.PathLike[str]) -> MediaKind | None:
    """``"image"``, ``"video"`` or ``"audio"`` by the suffix of ``path``; None for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    return None


def is_image(path: str | os.PathLike[str]) -> bool:
    return media_kind(path) == "image"


def is_video(path: str | os.PathLike[str]) -> bool:
    return media_kind(path) == "video"
