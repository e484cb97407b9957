"""Video frames for screening: sampled at a fixed rate and at scene changes, decoded small, in one ffmpeg call.

One ``ffmpeg`` process (the ``imageio_ffmpeg`` binary) decodes the video, keeps the frames on a fixed time grid
(``fps`` per second) plus every frame whose scene-change score exceeds ``scene_threshold`` (ffmpeg's ``select``
filter), scales only those down to ``max_side`` pixels and streams them as raw RGB into numpy. Nothing touches
the disk and the full-resolution frames never reach Python.

Speed: by default the decoder skips frames that no other frame refers to (``-skip_frame noref``: most B-frames)
and the in-loop deblocking filter (``-skip_loop_filter all``). A 15 s 1080x1920 H.264 ad then decodes in about
half the time; a sampled frame may come from up to two frames (~66 ms at 30 fps) away from its grid point, and
looks very slightly blockier, which the perceptual hashes do not notice. ``fast_decode=False`` decodes everything.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.errors import InputError
from studio.media import ffmpeg_exe

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".mpg", ".mpeg", ".gif"})
DEFAULT_FPS = 2.0
DEFAULT_SCENE_THRESHOLD = 0.3  # ffmpeg's scene score in [0, 1]; 0.3-0.4 is the usual cut detector setting
DEFAULT_MAX_SIDE = 960  # long side of the decoded frames in pixels
MAX_FRAMES = 1200  # a longer video is sampled more sparsely, never more frames than this


@dataclass(frozen=True)
class VideoInfo:
    """What ``ffmpeg -i`` says about the first video stream; sizes are as displayed (after rotation)."""

    width: int
    height: int
    fps: float  # average frame rate (frames per second)
    duration: float  # seconds
    codec: str
    rotation: int  # degrees of the display matrix, 0/90/180/270

    @property
    def frames(self) -> int:
        """Estimated number of frames."""
        return max(1, round(self.duration * self.fps))


@dataclass(frozen=True)
class Frame:
    """One sampled frame: ``image`` is [H, W, 3] uint8 RGB at the decoded (reduced) size."""

    index: int  # frame number in the source video (from the timestamp and the average frame rate)
    time: float  # seconds from the start
    image: np.ndarray
    scene_score: float  # ffmpeg's scene-change score against the previous decoded frame, 0..1
    scale: float  # decoded pixels per source pixel (boxes in source pixels = boxes / scale)


def is_video(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` looks like a video by its suffix."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})[\s,\[]")
_FPS = re.compile(r"([\d.]+) fps")
_TBR = re.compile(r"([\d.]+k?) tbr")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Read size, frame rate, duration and rotation of ``path``'s first video stream.

    Raises ``InputError`` naming the file when it is missing, empty, not a media file or has no video.
    """
    path = _check_file(path)
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
        check=False,  # ffmpeg -i without an output always exits 1; the log is what matters
    )
    text = proc.stderr
    if "Invalid data found" in text or "moov atom not found" in text or "Input #0" not in text:
        raise InputError(
            f"The video {path.name} is corrupt or not a video ({_last_line(text)}).",
            "Use an MP4, MOV or WebM file that plays in a video player.",
        )
    video = _VIDEO.search(text)
    if not video:
        raise InputError(f"The file {path.name} has no video stream.", "Screen a video or an image file.")
    codec, width, height = video.group(1), int(video.group(2)), int(video.group(3))
    stream_line = text[video.start() : text.find("\n", video.start())]
    fps_match = _FPS.search(stream_line) or _TBR.search(stream_line)
    fps = _parse_rate(fps_match.group(1)) if fps_match else 25.0
    duration_match = _DURATION.search(text)
    duration = 0.0
    if duration_match:
        h, m, s = duration_match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    rotation_match = _ROTATION.search(text)
    rotation = round(float(rotation_match.group(1))) % 360 if rotation_match else 0
    if rotation in (90, 270):
        width, height = height, width
    return VideoInfo(width=width, height=height, fps=fps, duration=duration, codec=codec, rotation=rotation)


def decoded_size(info: VideoInfo, max_side: int) -> tuple[int, int]:
    """The (width, height) frames are decoded at: the long side at most ``max_side``, both even."""
    scale = min(1.0, max_side / max(info.width, info.height))
    width = max(2, round(info.width * scale / 2) * 2)
    height = max(2, round(info.height * scale / 2) * 2)
    return width, height


def iter_frames(
    path: str | os.PathLike[str],
    *,
    fps: float = DEFAULT_FPS,
    scene_threshold: float | None = DEFAULT_SCENE_THRESHOLD,
    max_side: int = DEFAULT_MAX_SIDE,
    max_frames: int = MAX_FRAMES,
    fast_decode: bool = True,
    info: VideoInfo | None = None,
) -> Iterator[Frame]:
    """Yield the sampled frames of ``path`` in time order.

    ``fps``: grid samples per second (> 0). ``scene_threshold``: also yield frames whose scene score is above it
    (None: grid only). ``max_frames`` bounds the work on long videos (the grid gets sparser; extra scene-change
    frames past the bound are dropped). Raises ``InputError`` for an unreadable video.
    """
    if not fps > 0:
        raise InputError(f"The sampling rate must be positive, got fps={fps}.", "Use e.g. fps=2.")
    path = _check_file(path)
    info = info or probe(path)
    if info.duration > 0 and info.duration * fps > max_frames:
        fps = max_frames / info.duration
    width, height = decoded_size(info, max_side)
    scale = width / info.width
    grid = f"isnan(prev_t)+gt(floor(t*{fps:.6f})\\,floor(prev_t*{fps:.6f}))"
    # The scene score is always computed, so every selected frame carries one metadata record (its timestamp);
    # a threshold above 1 never fires.
    threshold = 2.0 if scene_threshold is None else float(scene_threshold)
    select = f"{grid}+gt(scene\\,{threshold:.4f})"
    vf = f"select='{select}',metadata=mode=print,scale={width}:{height}:flags=area"
    decode = ["-skip_frame", "noref", "-skip_loop_filter", "all"] if fast_decode else []
    command = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "info", "-threads", "2", *decode,
        "-i", str(path), "-an", "-sn", "-dn", "-vf", vf, "-fps_mode", "vfr", "-frames:v", str(max_frames),
        "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1",
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records: queue.Queue[tuple[float, float] | None] = queue.Queue()
    log: list[str] = []
    reader = threading.Thread(target=_read_metadata, args=(proc.stderr, records, log), daemon=True)
    reader.start()
    frame_bytes = width * height * 3
    count = 0
    try:
        assert proc.stdout is not None
        while True:
            data = proc.stdout.read(frame_bytes)
            if len(data) < frame_bytes:
                break
            record = records.get(timeout=60)
            if record is None:  # ffmpeg ended its log before this frame's record: cannot happen in order
                break
            time_s, score = record
            image = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
            yield Frame(
                index=round(time_s * info.fps),
                time=time_s,
                image=image,
                scene_score=score,
                scale=scale,
            )
            count += 1
        proc.wait(timeout=60)
        reader.join(timeout=10)
        if proc.returncode != 0 or count == 0:
            raise InputError(
                f"Could not decode the video {path.name} ({_last_line(''.join(log)) or 'no frames'}).",
                "Check that the file plays; re-export it as H.264 MP4.",
            )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def sample_frames(path: str | os.PathLike[str], **kwargs: object) -> list[Frame]:
    """All frames of ``iter_frames`` as a list (the arguments are the same)."""
    return list(iter_frames(path, **kwargs))  # type: ignore[arg-type]


def frame_at(
    path: str | os.PathLike[str],
    time_s: float,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
    info: VideoInfo | None = None,
) -> tuple[np.ndarray, float]:
    """The frame shown at ``time_s`` seconds as [H, W, 3] uint8 (long side <= ``max_side``) and its scale.

    For report thumbnails: one seek and one decoded frame. Raises ``InputError`` if nothing can be decoded there.
    """
    path = _check_file(path)
    info = info or probe(path)
    width, height = decoded_size(info, max_side)
    start = max(0.0, min(float(time_s), max(0.0, info.duration - 0.05)))
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{start:.3f}", "-i", str(path),
         "-an", "-frames:v", "1", "-vf", f"scale={width}:{height}:flags=area", "-pix_fmt", "rgb24",
         "-f", "rawvideo", "pipe:1"],
        capture_output=True,
        timeout=120,
        check=False,  # a short read is reported below, with ffmpeg's last line
    )  # fmt: skip
    if len(proc.stdout) < width * height * 3:
        raise InputError(
            f"Could not decode a frame of {path.name} at {start:.2f} s"
            f" ({_last_line(proc.stderr.decode('utf-8', 'replace')) or 'no frame'}).",
            "Check that the file plays.",
        )
    image = np.frombuffer(proc.stdout[: width * height * 3], dtype=np.uint8).reshape(height, width, 3)
    return image, width / info.width


_PTS = re.compile(r"pts_time:\s*(-?[\d.]+(?:e-?\d+)?)")
_SCENE = re.compile(r"lavfi\.scene_score=([\d.]+)")


def _read_metadata(stream, records: queue.Queue, log: list[str]) -> None:
    """Parse ffmpeg's ``metadata=print`` log: one (pts_time, scene_score) per selected frame, in order."""
    pending: float | None = None
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace")
        if "Parsed_metadata" not in line:
            log.append(line)
            del log[:-20]
            continue
        pts = _PTS.search(line)
        if pts:
            if pending is not None:
                records.put((pending, 0.0))
            pending = float(pts.group(1))
            continue
        scene = _SCENE.search(line)
        if scene and pending is not None:
            records.put((pending, float(scene.group(1))))
            pending = None
    if pending is not None:
        records.put((pending, 0.0))
    records.put(None)


def _check_file(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"The file {path} does not exist.", "Check the path.")
    if not path.is_file():
        raise InputError(f"{path} is not a file.", "Give a video or image file.")
    if path.stat().st_size == 0:
        raise InputError(f"The file {path.name} is empty (0 bytes).", "Export or upload it again.")
    return path


def _parse_rate(text: str) -> float:
    value = float(text[:-1]) * 1000 if text.endswith("k") else float(text)
    return value if value > 0 else 25.0


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
