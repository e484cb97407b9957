"""The ffmpeg binary every encoder of studio pipes into (ads, spins, motion clips, labels)."""

from __future__ import annotations

import functools
import shutil

from studio.errors import DependencyError


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """The ffmpeg shipped by imageio-ffmpeg (libx264 + aac), or one on PATH."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # any failure means "not available"
        found = shutil.which("ffmpeg")
        if found:
            return found
        raise DependencyError(
            f"ffmpeg was not found ({exc}).",
            "Install the imageio-ffmpeg package (`make run` does) or put ffmpeg on PATH.",
        ) from exc
