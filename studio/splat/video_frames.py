"""Frames from a walk-around video: sample evenly in time, keep the sharpest frame of each window.

The video is decoded once with ``studio.media.decode`` (PyAV), upright (phone videos' display rotation is
applied). Of the decoded pictures, ``per_window`` candidates for every frame kept are taken on an even time grid,
scaled to at most ``long_edge`` pixels and written as JPEGs to a temporary folder; each candidate's sharpness is
the variance of the Laplacian on a 640-px grey copy; the sharpest per window is kept.

``probe_sampling`` measures, before any extraction, what sampling a video will cost (decoding its first
pictures and writing a few candidates, timed on the caller's clock) for the time budget's plan
(``budget.plan_video``); ``sample_frames`` takes that plan's choices (frames, candidates per window, reference
pictures only, long edge) and a ``Deadline`` past which it stops decoding and keeps what it has.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studio.cancel import CancelToken, check
from studio.errors import InputError
from studio.media.decode import iter_frames
from studio.media.probe import VideoStream, probe_video
from studio.progress import ProgressFn, null_progress

if TYPE_CHECKING:
    from studio.splat.budget import Deadline

PROBE_PICTURES = 24  # pictures decoded (and timed) by probe_sampling ...
PROBE_CANDIDATES = 3  # ... of which this many are written as candidates (and timed)


@dataclass(frozen=True)
class SampledFrames:
    """The kept frames (JPEG paths in time order), their times (s) and sharpness scores."""

    path: Path
    info: VideoStream
    paths: list[Path]
    times: list[float]
    sharpness: list[float]
    candidates: int  # frames decoded and scored
    stopped_at: float | None = None  # the video time (s) reached when the deadline stopped decoding


@dataclass(frozen=True)
class SamplingProbe:
    """What sampling a video costs, measured on its first pictures: seconds per picture decoded and per
    candidate written at ``size`` (scaled, JPEG, sharpness), and the candidates written (``paths``)."""

    info: VideoStream
    decode_seconds: float
    candidate_seconds: float
    size: tuple[int, int]
    paths: list[Path]


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else 0.0


def _usable(path: Path, info: VideoStream) -> None:
    if info.duration <= 0 or not math.isfinite(info.duration):
        raise InputError(
            f"The video {path.name} has no usable video stream (size {info.width}x{info.height}, "
            f"{info.duration:.2f} s).",
            "Use an MP4 or MOV file with a video track.",
        )


def probe_sampling(
    video: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    long_edge: int = 1600,
    pictures: int = PROBE_PICTURES,
    candidates: int = PROBE_CANDIDATES,
    clock: Callable[[], float] | None = None,
    cancel: CancelToken | None = None,
) -> SamplingProbe:
    """Decode the first ``pictures`` pictures of ``video`` (timing each on ``clock``) and write
    ``candidates`` of them, spread over those, as JPEGs at long edge ``long_edge`` into ``out_dir`` (timing
    each). The medians are the rates; the first picture (opening the file, the codec) does not set them.
    ``InputError`` for a video that cannot be decoded."""
    from PIL import Image

    clock = clock or time.perf_counter
    path = Path(video)
    info = probe_video(path)
    _usable(path, info)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    width, height = scaled_size(info.width, info.height, long_edge)
    pictures = max(2, pictures)
    write_at = {round(i * (pictures - 1) / max(candidates, 1)) for i in range(max(candidates, 1))}
    decode: list[float] = []
    write: list[float] = []
    paths: list[Path] = []
    frames = iter_frames(path)
    try:
        for index in range(pictures):
            check(cancel, "Probing the video")
            began = clock()
            decoded = next(frames, None)
            if decoded is None:
                break
            decode.append(clock() - began)
            if index in write_at:
                began = clock()
                image = decoded.rgb(width, height)
                target = out_dir / f"probe_{len(paths):02d}.jpg"
                Image.fromarray(image).save(target, quality=95)
                frame_sharpness(image)
                write.append(clock() - began)
                paths.append(target)
    finally:
        frames.close()
    if not decode:
        raise InputError(f"Could not decode the video {path.name} (no frames).")
    return SamplingProbe(info, _median(decode[1:] or decode), _median(write), (width, height), paths)


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


def scaled_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """``width`` x ``height`` with the long edge at most ``long_edge`` (never upscaled), both even."""
    scale = min(1.0, long_edge / max(width, height))
    return max(2, 2 * round(width * scale / 2)), max(2, 2 * round(height * scale / 2))


def sample_frames(
    video: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    count: int = 60,
    per_window: int = 4,
    long_edge: int = 1600,
    fast: bool = False,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> SampledFrames:
    """Write the ``count`` sharpest-per-window frames of ``video`` as ``out_dir/frame_0000.jpg`` ...

    Frames are scaled down so the long edge is at most ``long_edge`` pixels. ``fast``: decode only the
    pictures others refer to (``iter_frames(fast=True)``, about half the decoding). ``deadline``: past it,
    decoding stops and the frames are chosen from the candidates so far (``stopped_at`` says how far it got).
    Raises ``InputError`` for a video that cannot be decoded or yields fewer than 2 frames, ``Cancelled`` when
    ``cancel`` is cancelled.
    """
    from PIL import Image

    report = on_progress or null_progress
    if count < 2:
        raise InputError(f"count must be at least 2 frames, got {count}.")
    path = Path(video)
    info = probe_video(path)
    _usable(path, info)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = count * max(1, per_window)
    rate = min(float(info.fps), wanted / info.duration)
    width, height = scaled_size(info.width, info.height, long_edge)
    candidates_dir = Path(tempfile.mkdtemp(prefix=".candidates-", dir=out_dir))
    try:
        report(0.0, f"decoding {path.name} ({info.duration:.1f} s)")
        expected = max(1, int(rate * info.duration))
        files: list[Path] = []
        scores: list[float] = []
        stamps: list[float] = []
        next_slot = 0  # candidate k is the first picture at or after k / rate seconds
        stopped_at = None
        for decoded in iter_frames(path, fast=fast):
            check(cancel, "Frame extraction")
            if deadline is not None and deadline.passed():
                stopped_at = decoded.time
                break
            if decoded.time + 0.5 / float(info.fps) < next_slot / rate:
                continue
            next_slot = math.floor(decoded.time * rate + 0.5) + 1
            image = decoded.rgb(width, height)
            target = candidates_dir / f"c_{len(files):06d}.jpg"
            Image.fromarray(image).save(target, quality=95)
            files.append(target)
            scores.append(frame_sharpness(image))
            stamps.append(decoded.time)
            report(min(len(files) / expected, 1.0) * 0.95, f"decoded {len(files)} frames")
        if len(files) < 2:
            if stopped_at is not None:
                raise InputError(
                    f"The time limit ran out while extracting frames from {path.name}: {len(files)} frame(s)"
                    f" by {stopped_at:.1f} of {info.duration:.1f} s of video.",
                    "Allow more time, or use a shorter or smaller video.",
                )
            raise InputError(
                f"The video {path.name} gave only {len(files)} frame(s).",
                "Use a video of at least a few seconds walking around the product.",
            )
        keep = select_sharpest(scores, count)
        paths, times = [], []
        for rank, index in enumerate(keep):
            target = out_dir / f"frame_{rank:04d}.jpg"
            shutil.move(str(files[index]), target)
            paths.append(target)
            times.append(stamps[index])
        report(1.0, f"kept {len(paths)} of {len(files)} frames")
        return SampledFrames(
            path=path,
            info=info,
            paths=paths,
            times=times,
            sharpness=[scores[i] for i in keep],
            candidates=len(files),
            stopped_at=stopped_at,
        )
    finally:
        shutil.rmtree(candidates_dir, ignore_errors=True)
