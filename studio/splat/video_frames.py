"""Frames from a walk-around video: sample evenly in time, keep the sharpest frame of each window.

Decoding uses the ffmpeg binary that ships with imageio-ffmpeg (no system ffmpeg). ffmpeg applies the video's
rotation metadata itself, so phone videos come out upright. The video is decoded once at a reduced rate
(``per_window`` candidates for every frame kept) to JPEG candidates in a temporary folder; each candidate's
sharpness is the variance of the Laplacian on a 640-px grey copy; the sharpest per window is kept.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.cancel import CancelToken, check
from studio.errors import Cancelled, InputError
from studio.media import ffmpeg_exe
from studio.progress import ProgressFn, null_progress

VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts", ".3gp"}


@dataclass(frozen=True)
class VideoInfo:
    """``duration`` and ``fps`` in seconds and frames per second; ``width``/``height`` as displayed (pixels,
    rotation applied); ``rotate`` is the legacy rotate tag in degrees when present (0 otherwise)."""

    path: Path
    duration: float
    fps: float
    width: int
    height: int
    rotate: int


@dataclass(frozen=True)
class SampledFrames:
    """The kept frames (JPEG paths in time order), their times (s) and sharpness scores."""

    info: VideoInfo
    paths: list[Path]
    times: list[float]
    sharpness: list[float]
    candidates: int  # frames decoded and scored


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Duration, frame rate and displayed size of ``path``; ``InputError`` when it is not a readable video."""
    import imageio_ffmpeg

    path = Path(path)
    if not path.is_file():
        raise InputError(f"The video {path} does not exist.", "Check the path.")
    if path.stat().st_size == 0:
        raise InputError(f"The video {path.name} is empty (0 bytes).", "Upload it again.")
    # imageio-ffmpeg logs a warning for every rotated (portrait phone) video; the size it reports is already
    # the displayed one, which is what we want, so keep that warning out of the user's console.
    log = logging.getLogger("imageio_ffmpeg")
    level = log.level
    log.setLevel(logging.ERROR)
    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
    except (OSError, RuntimeError, StopIteration) as exc:
        raise InputError(
            f"The video {path.name} cannot be decoded ({str(exc).strip().splitlines()[-1][:160] if str(exc) else exc}).",
            "Use an MP4 or MOV file from a phone or camera.",
        ) from exc
    finally:
        reader.close()
        log.setLevel(level)
    size = meta.get("size") or (0, 0)
    rotate = int(meta.get("rotate") or 0) % 360
    width, height = int(size[0]), int(size[1])
    duration = float(meta.get("duration") or 0.0)
    fps = float(meta.get("fps") or 0.0)
    if width <= 0 or height <= 0 or duration <= 0 or not math.isfinite(duration):
        raise InputError(
            f"The video {path.name} has no usable video stream (size {width}x{height}, {duration:.2f} s).",
            "Use an MP4 or MOV file with a video track.",
        )
    return VideoInfo(
        path=path, duration=duration, fps=fps if fps > 0 else 30.0, width=width, height=height, rotate=rotate
    )


def frame_sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian of an [H, W, 3] uint8 (or [H, W] grey) image scaled to a 640-px long edge."""
    import cv2

    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    scale = 640 / max(grey.shape)
    if scale < 1:
        grey = cv2.resize(
            grey, (round(grey.shape[1] * scale), round(grey.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    return float(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F, ksize=1).var())


def select_sharpest(scores: list[float], count: int) -> list[int]:
    """Indices (ascending) of the sharpest score in each of ``count`` equal windows over ``scores``."""
    n = len(scores)
    if count >= n:
        return list(range(n))
    edges = np.linspace(0, n, count + 1)
    chosen = []
    for k in range(count):
        lo, hi = round(edges[k]), max(round(edges[k + 1]), round(edges[k]) + 1)
        window = scores[lo:hi]
        chosen.append(lo + int(np.argmax(window)))
    return sorted(set(chosen))


def sample_frames(
    video: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    count: int = 60,
    per_window: int = 4,
    long_edge: int = 1600,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> SampledFrames:
    """Write the ``count`` sharpest-per-window frames of ``video`` as ``out_dir/frame_0000.jpg`` ...

    Frames are scaled down so the long edge is at most ``long_edge`` pixels. Raises ``InputError`` for a video
    that cannot be decoded or yields fewer than 2 frames, ``Cancelled`` when ``cancel`` is cancelled.
    """
    from PIL import Image

    report = on_progress or null_progress
    if count < 2:
        raise InputError(f"count must be at least 2 frames, got {count}.")
    info = probe_video(video)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = count * max(1, per_window)
    rate = min(info.fps, wanted / info.duration)
    scale = (
        f"scale='if(gte(iw,ih),min({long_edge},iw),-2)':'if(gte(iw,ih),-2,min({long_edge},ih))':flags=area"
    )
    candidates_dir = Path(tempfile.mkdtemp(prefix=".candidates-", dir=out_dir))
    try:
        command = [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(info.path),
            "-an",
            "-vf",
            f"fps={rate:.6f},{scale}",
            "-q:v",
            "2",
            "-start_number",
            "0",
            str(candidates_dir / "c_%06d.jpg"),
        ]
        report(0.0, f"decoding {info.path.name} ({info.duration:.1f} s)")
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        expected = max(1, int(rate * info.duration))
        while True:
            try:
                proc.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                if cancel is not None and cancel.cancelled:
                    proc.kill()
                    proc.wait()
                    raise Cancelled("Frame extraction was cancelled.") from None
                done = len(os.listdir(candidates_dir))
                report(min(0.7 * done / expected, 0.7), f"decoded {done} frames")
        stderr = proc.stderr.read().decode("utf-8", errors="replace") if proc.stderr else ""
        files = sorted(candidates_dir.glob("c_*.jpg"))
        if proc.returncode != 0 and not files:
            raise InputError(
                f"The video {info.path.name} cannot be decoded: {stderr.strip()[-200:] or 'ffmpeg failed'}.",
                "Use an MP4 or MOV file from a phone or camera.",
            )
        if len(files) < 2:
            raise InputError(
                f"The video {info.path.name} gave only {len(files)} frame(s).",
                "Use a video of at least a few seconds walking around the product.",
            )
        scores = []
        for index, path in enumerate(files):
            check(cancel, "Frame extraction")
            with Image.open(path) as image:
                scores.append(frame_sharpness(np.asarray(image.convert("RGB"))))
            report(0.7 + 0.3 * (index + 1) / len(files), f"scored {index + 1}/{len(files)} frames")
        keep = select_sharpest(scores, count)
        paths, times = [], []
        for rank, index in enumerate(keep):
            target = out_dir / f"frame_{rank:04d}.jpg"
            shutil.move(str(files[index]), target)
            paths.append(target)
            times.append(index / rate)
        return SampledFrames(
            info=info, paths=paths, times=times, sharpness=[scores[i] for i in keep], candidates=len(files)
        )
    finally:
        shutil.rmtree(candidates_dir, ignore_errors=True)
