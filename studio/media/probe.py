"""Typed stream information read with PyAV (FFmpeg's libraries): no tool log is parsed.

``probe(path)`` opens the container once and returns a ``MediaInfo``: the first video stream (``VideoStream``:
displayed size, exact frame rate as a ``Fraction``, frame count, duration, codec and profile, pixel format, colour
tags, rotation) and every audio stream (``AudioStream``). ``moov_first(path)`` reads the MP4's top-level boxes
to tell whether the file is laid out for web playback (``+faststart``).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from studio.errors import InputError

# FFmpeg's AVCOL_* codes (libavutil/pixfmt.h) as the names ffmpeg's own tools print.
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}  # fmt: skip
_TRANSFER = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
             13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"}  # fmt: skip
_MATRIX = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
           9: "bt2020nc", 10: "bt2020c"}  # fmt: skip
_RANGE = {1: "tv", 2: "pc"}


@dataclass(frozen=True)
class VideoStream:
    """The first video stream. ``width``/``height`` are as displayed (rotation applied), in pixels."""

    width: int
    height: int
    fps: Fraction  # average frame rate, frames per second (exact: 30000/1001 stays 30000/1001)
    frames: int  # frame count: the container's when it records one, else round(duration * fps)
    frames_exact: bool  # True when ``frames`` comes from the container, not estimated
    duration: float  # seconds
    codec: str  # "h264", "hevc", "vp9", "gif", ...
    profile: str | None  # "High", "Main", ... (None when the codec has none)
    pix_fmt: str  # "yuv420p", ...
    color_range: str | None  # "tv" (limited) | "pc" (full) | None (untagged)
    color_space: str | None  # matrix coefficients: "bt709", "smpte170m", ... | None (untagged)
    color_primaries: str | None
    color_transfer: str | None
    rotation: int  # display rotation, counter-clockwise degrees: 0, 90, 180 or 270
    coded_width: int  # the stored picture, before rotation
    coded_height: int
    bit_rate: int | None  # bits per second, when known

    @property
    def fps_float(self) -> float:
        return float(self.fps)


@dataclass(frozen=True)
class AudioStream:
    codec: str  # "aac", "mp3", ...
    sample_rate: int  # Hz
    channels: int
    duration: float  # seconds (0.0 when unknown)
    profile: str | None  # "LC" for AAC-LC


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str  # the demuxer's name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration: float  # seconds, the container's (longest stream)
    video: VideoStream | None
    audio: tuple[AudioStream, ...]


def check_file(path: str | os.PathLike[str], what: str = "file") -> Path:
    """``path`` as a Path when it is an existing, non-empty file; ``InputError`` naming it otherwise."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"The {what} {path} does not exist.", "Check the path.")
    if not path.is_file():
        raise InputError(f"{path} is not a file.", "Give a video or image file.")
    if path.stat().st_size == 0:
        raise InputError(f"The {what} {path.name} is empty (0 bytes).", "Export or upload it again.")
    return path


def open_container(path: Path, what: str = "video"):
    """``av.open(path)`` with FFmpeg's errors turned into an ``InputError`` naming the file."""
    import av

    try:
        return av.open(str(path))
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"The {what} {path.name} cannot be decoded: it is corrupt or not a media file ({_reason(exc)}).",
            "Use an MP4, MOV or WebM file that plays in a video player.",
        ) from exc


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """The streams of ``path``. Raises ``InputError`` naming the file when it is missing, empty or unreadable.

    A file without a video stream is not an error here (``info.video is None``); ``probe_video`` requires one.
    """
    import av

    path = check_file(path)
    with open_container(path) as container:
        duration = container.duration / 1_000_000 if container.duration else 0.0
        video = None
        if container.streams.video:
            video = _video_stream(container, container.streams.video[0], duration, path)
        audio = tuple(_audio_stream(s, duration) for s in container.streams.audio)
        fmt = container.format.name if isinstance(container, av.container.InputContainer) else ""
    return MediaInfo(path=path, container=fmt, duration=duration, video=video, audio=audio)


def probe_video(path: str | os.PathLike[str]) -> VideoStream:
    """The first video stream of ``path``; ``InputError`` when there is none or it has no pictures."""
    info = probe(path)
    if info.video is None:
        raise InputError(f"The file {info.path.name} has no video stream.", "Give a video file.")
    return info.video


def _video_stream(container, stream, container_duration: float, path: Path) -> VideoStream:
    import av

    cc = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = Fraction(rate) if rate else Fraction(0)
    duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
    duration = duration or container_duration
    rotation = 0
    first = None
    try:  # the display matrix is per frame in FFmpeg 7+: read it from the first picture
        for frame in container.decode(stream):
            first = frame
            break
    except av.FFmpegError:
        first = None
    if first is not None:
        rotation = round(getattr(first, "rotation", 0) or 0) % 360
    if not fps:
        fps = Fraction(25)
    frames = int(stream.frames or 0)
    exact = frames > 0
    if not exact:
        frames = max(1, round(duration * fps)) if duration > 0 else (1 if first is not None else 0)
    if first is None and frames == 0:
        raise InputError(f"The video {path.name} has no decodable pictures.", "Check that the file plays.")
    width, height = int(cc.width), int(cc.height)
    if width <= 0 or height <= 0:
        if first is None:
            raise InputError(f"The video {path.name} has no picture size.", "Check that the file plays.")
        width, height = first.width, first.height
    shown = (height, width) if rotation in (90, 270) else (width, height)
    return VideoStream(
        width=shown[0],
        height=shown[1],
        fps=fps,
        frames=frames,
        frames_exact=exact,
        duration=duration,
        codec=cc.name,
        profile=cc.profile or None,
        pix_fmt=cc.format.name if cc.format is not None else "",
        color_range=_RANGE.get(int(cc.color_range)),
        color_space=_MATRIX.get(int(cc.colorspace)),
        color_primaries=_PRIMARIES.get(int(cc.color_primaries)),
        color_transfer=_TRANSFER.get(int(cc.color_trc)),
        rotation=rotation,
        coded_width=width,
        coded_height=height,
        bit_rate=int(cc.bit_rate) if cc.bit_rate else None,
    )


def _audio_stream(stream, container_duration: float) -> AudioStream:
    cc = stream.codec_context
    duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
    return AudioStream(
        codec=cc.name,
        sample_rate=int(cc.sample_rate or 0),
        channels=int(cc.channels or 0),
        duration=duration or container_duration,
        profile=cc.profile or None,
    )


def moov_first(path: str | os.PathLike[str]) -> bool:
    """Whether an MP4's ``moov`` box (the index) comes before ``mdat`` (the media): playable while downloading.

    Reads only the top-level box headers. False for a file with no ``moov`` or ``mdat`` box.
    """
    order: list[bytes] = []
    with open(path, "rb") as fh:
        size_total = os.fstat(fh.fileno()).st_size
        pos = 0
        while pos + 8 <= size_total and len(order) < 64:
            fh.seek(pos)
            size, kind = struct.unpack(">I4s", fh.read(8))
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
            elif size == 0:
                size = size_total - pos
            if size < 8:
                break
            order.append(kind)
            pos += size
    if b"moov" not in order or b"mdat" not in order:
        return False
    return order.index(b"moov") < order.index(b"mdat")


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[-1][:200] if lines else type(exc).__name__
