"""Decoding: video frames with PyAV (upright, scaled only when asked), audio samples with one ffmpeg call.

``iter_frames(path)`` yields a ``DecodedFrame`` per decoded picture in presentation order. A frame is cheap until
it is converted: ``frame.rgb(width, height)`` / ``frame.grey(width, height)`` scale with FFmpeg's swscale and
turn the picture upright (the display rotation of phone videos), so a sampler can look at every frame through a
small grey copy and convert only the frames it keeps. ``fast=True`` skips the frames no other frame refers to
(``skip_frame=NONREF``: most B-frames), about halving decode time when a sampler does not need every frame.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.errors import InputError
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.probe import _reason, check_file, open_container

_INTERPOLATION = {
    "point": "POINT",
    "area": "AREA",
    "bilinear": "BILINEAR",
    "bicubic": "BICUBIC",
    "lanczos": "LANCZOS",
}


@dataclass
class DecodedFrame:
    """One decoded picture. ``time`` in seconds from the stream's start; ``index`` = round(time * average fps);
    ``width``/``height`` as displayed (rotation applied)."""

    index: int
    time: float
    width: int
    height: int
    rotation: int  # counter-clockwise degrees the picture is turned by to be upright
    _frame: object  # av.VideoFrame

    def rgb(
        self, width: int | None = None, height: int | None = None, interpolation: str = "area"
    ) -> np.ndarray:
        """The picture as [height, width, 3] uint8 RGB, upright; scaled to ``width`` x ``height`` when given.

        ``interpolation="point"`` samples without averaging (the mean difference of two frames' samples then
        estimates the full-resolution one); "area" is the right filter for downscaled pictures."""
        return self._convert("rgb24", width, height, interpolation)

    def grey(
        self, width: int | None = None, height: int | None = None, interpolation: str = "area"
    ) -> np.ndarray:
        """The luma as [height, width] uint8, upright."""
        return self._convert("gray", width, height, interpolation)

    def yuv420(self) -> Yuv420 | None:
        """The picture's 8-bit 4:2:0 planes as zero-copy numpy views, or None when it is stored otherwise (another
        pixel format, a bit depth above 8) or must be turned upright first (a rotation): then use ``rgb``/``grey``.

        For samplers that look at many pictures and convert few: reading the planes costs nothing, while each
        ``rgb``/``grey`` call builds a scaler (swscale) for the picture."""
        frame: Any = self._frame
        if self.rotation or frame.format.name not in ("yuv420p", "yuvj420p"):
            return None
        w, h = frame.width, frame.height
        sizes = ((w, h), ((w + 1) // 2, (h + 1) // 2), ((w + 1) // 2, (h + 1) // 2))
        y, u, v = (
            np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:ph, :pw]
            for plane, (pw, ph) in zip(frame.planes, sizes)
        )
        full = frame.format.name == "yuvj420p" or frame.color_range == 2  # 2: AVCOL_RANGE_JPEG
        return Yuv420(y, u, v, bt709=frame.colorspace == 1, full_range=full)  # 1: AVCOL_SPC_BT709

    def _convert(self, fmt: str, width: int | None, height: int | None, interpolation: str) -> np.ndarray:
        w, h = width or self.width, height or self.height
        turned = self.rotation in (90, 270)
        sw, sh = (h, w) if turned else (w, h)  # scale in the stored orientation, then turn
        frame = self._frame.reformat(  # type: ignore[attr-defined]
            width=sw, height=sh, format=fmt, interpolation=_INTERPOLATION[interpolation]
        )
        array = frame.to_ndarray()
        if self.rotation:
            array = np.ascontiguousarray(np.rot90(array, k=self.rotation // 90))
        return array


@dataclass(frozen=True)
class Yuv420:
    """A decoded picture's 8-bit 4:2:0 planes (read-only views into the decoder's buffers): ``y`` [H, W],
    ``u`` and ``v`` [ceil(H/2), ceil(W/2)] uint8; ``bt709``: the stream says BT.709 (else BT.601, swscale's default
    for untagged video); ``full_range``: 0-255 (else 16-235 luma, 16-240 chroma)."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    bt709: bool
    full_range: bool


def iter_frames(
    path: str | os.PathLike[str],
    *,
    fast: bool = False,
    threads: int = 2,
    start: float | None = None,
) -> Iterator[DecodedFrame]:
    """Every decoded picture of ``path``'s first video stream, in order (from ``start`` seconds when given).

    Raises ``InputError`` naming the file when it cannot be opened, has no video, or fails while decoding (a
    truncated or corrupt file: what was decoded before the failure has been yielded; the screen fails closed).
    """
    import av

    path = check_file(path, "video")
    container = open_container(path)
    try:
        if not container.streams.video:
            raise InputError(f"The file {path.name} has no video stream.", "Give a video file.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = max(0, int(threads))
        if fast:
            stream.codec_context.skip_frame = "NONREF"
            stream.codec_context.options = {"skip_loop_filter": "all"}
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        start_time = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        if start:
            container.seek(int((start + start_time) / stream.time_base), stream=stream, backward=True)
        count = 0
        try:
            for frame in container.decode(stream):
                t = (float(frame.time) if frame.time is not None else count / rate) - start_time
                if start and t < start - 0.5 / rate:
                    continue
                rotation = round(getattr(frame, "rotation", 0) or 0) % 360
                w, h = (frame.height, frame.width) if rotation in (90, 270) else (frame.width, frame.height)
                count += 1
                yield DecodedFrame(round(t * rate), max(0.0, t), w, h, rotation, frame)
        except av.FFmpegError as exc:
            raise InputError(
                f"Could not decode the video {path.name} ({_reason(exc)}).",
                "Check that the file plays; re-export it as H.264 MP4.",
            ) from exc
        if count == 0:
            raise InputError(
                f"Could not decode the video {path.name} (no frames).",
                "Check that the file plays; re-export it as H.264 MP4.",
            )
    finally:
        container.close()


def frame_at(path: str | os.PathLike[str], time_s: float) -> DecodedFrame:
    """The picture shown at ``time_s`` seconds (the last frame starting at or before it). One seek."""
    frames = iter_frames(
        path, start=max(0.0, float(time_s) - 1.0)
    )  # a second early: the frame showing at time_s
    try:
        chosen = next(frames)
        for frame in frames:
            if frame.time > time_s + 1e-6:
                break
            chosen = frame
        return chosen
    finally:
        frames.close()


def read_frames(
    path: str | os.PathLike[str], *, width: int | None = None, height: int | None = None
) -> np.ndarray:
    """All frames as [N, H, W, 3] uint8 RGB (for short clips and tests)."""
    return np.stack([f.rgb(width, height) for f in iter_frames(path)])


def decode_audio(
    path: str | os.PathLike[str], *, sample_rate: int = 48_000, channels: int = 2, what: str = "audio file"
) -> np.ndarray:
    """Any file ffmpeg reads -> float32 [samples, channels] at ``sample_rate``. ``InputError`` if it has no audio."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"The {what} {path} does not exist.", "Give an audio file (m4a, mp3, wav, flac).")
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-vn", "-ac", str(channels),
           "-ar", str(sample_rate), "-f", "f32le", "-"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise InputError(
            f"The {what} {path.name} could not be decoded: "
            f"{proc.stderr.decode('utf-8', 'replace').strip()[-200:] or 'no audio stream'}.",
            "Use an m4a, mp3, wav or flac file.",
        )
    return np.frombuffer(proc.stdout, dtype=np.float32).reshape(-1, channels).copy()


class FittedStream:
    """A video decoded by an ffmpeg child straight to ``size`` and ``fps``, read frame by frame in order.

    For compositing a clip into a frame: ffmpeg scales (``fit="cover"``: fill and crop the overflow; ``"contain"``:
    fit inside, pad with ``matte``), resamples to ``fps`` and, with ``loop``, repeats the clip forever, in its own
    process, so decoding overlaps the compositor. ``fps=None`` keeps the clip's own frames (one per decoded picture,
    for a caller that retimes them itself). ``read()`` returns the next [H, W, 3] RGB frame's bytes or None
    at the end. Always ``close()`` it (the child is killed and reaped).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        size: tuple[int, int],
        fps: int | None,
        *,
        fit: str = "cover",
        matte: tuple[int, int, int] = (0, 0, 0),
        loop: bool = False,
    ):
        width, height = size
        if fit == "cover":
            vf = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"
        elif fit == "contain":
            r, g, b = matte
            vf = (
                f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=0x{r:02x}{g:02x}{b:02x}"
            )
        else:
            raise ValueError(f"fit must be 'cover' or 'contain', got {fit!r}")
        self.size = (width, height)
        self.frame_bytes = width * height * 3
        cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", *(["-stream_loop", "-1"] if loop else []),
               "-i", str(path), "-vf", vf if fps is None else f"{vf},fps={fps}",
               *(["-fps_mode", "passthrough"] if fps is None else []), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]  # fmt: skip
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def read(self) -> bytes | None:
        data = self._proc.stdout.read(self.frame_bytes) if self._proc.stdout else b""
        return data if len(data) == self.frame_bytes else None

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
