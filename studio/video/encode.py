"""One-pass H.264/AAC encoding: raw RGB frames piped into ffmpeg, with the delivery settings every output needs.

H.264 High, yuv420p, BT.709 (matrix, primaries, transfer, limited range) tagged; AAC 48 kHz stereo; ``+faststart``.
Frames are written from a separate thread so Python's compositing overlaps x264's encoding.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from studio.cancel import CancelToken, check
from studio.errors import RenderError
from studio.media import ffmpeg_exe
from studio.progress import ProgressFn, null_progress


@dataclass(frozen=True)
class EncodeSettings:
    preset: str = "medium"  # x264 speed/size trade-off; "veryfast" for drafts and tests (still High profile)
    crf: int = 20  # constant quality; 18-23 is the usual range for delivery
    audio_bitrate: str = "192k"
    gop_seconds: float = 2.0  # a keyframe every 2 s: platforms re-encode anyway, seeking stays quick


def video_args(width: int, height: int, fps: int, settings: EncodeSettings) -> list[str]:
    """Encoder arguments shared by the renderer and the encode-only benchmark floor."""
    return [
        "-vf",
        (
            "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
            "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
        ),
        "-c:v",
        "libx264",
        "-preset",
        settings.preset,
        "-crf",
        str(settings.crf),
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(round(fps * settings.gop_seconds)),
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
    ]


def encode_frames(
    frames: Iterable[Image.Image],
    out_path: Path,
    *,
    width: int,
    height: int,
    fps: int,
    frame_count: int,
    audio_wav: Path | None,
    settings: EncodeSettings = EncodeSettings(),
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> None:
    """Encode ``frames`` (exactly ``frame_count`` RGB images of ``width``x``height``) plus an audio track to
    ``out_path`` (MP4). ``audio_wav`` None gives a silent AAC track. Raises ``RenderError`` with ffmpeg's message."""
    report = on_progress or null_progress
    duration = frame_count / fps
    audio_in = (
        ["-i", str(audio_wav)]
        if audio_wav is not None
        else ["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
    )
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
        *audio_in,
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        *video_args(width, height, fps, settings),
        "-c:a",
        "aac",
        "-b:a",
        settings.audio_bitrate,
        "-ar",
        "48000",
        "-ac",
        "2",
        "-t",
        f"{duration:.6f}",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(out_path),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    frames_queue: queue.Queue[bytes | None] = queue.Queue(maxsize=6)
    writer_error: list[BaseException] = []

    def writer() -> None:
        try:
            while True:
                data = frames_queue.get()
                if data is None:
                    break
                proc.stdin.write(data)  # type: ignore[union-attr]
        except BaseException as exc:  # noqa: BLE001 - reported below
            writer_error.append(exc)
            while frames_queue.get() is not None:  # drain so the producer never blocks
                pass

    thread = threading.Thread(target=writer, name="ffmpeg-writer", daemon=True)
    thread.start()
    written = 0
    try:
        for frame in frames:
            check(cancel, "The render")
            if frame.size != (width, height) or frame.mode != "RGB":
                raise RenderError(
                    f"Frame {written} is {frame.mode} {frame.size}, expected RGB {width}x{height}."
                )
            if writer_error:
                break
            frames_queue.put(frame.tobytes())
            written += 1
            if written % 15 == 0:
                report(written / frame_count, f"frame {written}/{frame_count}")
            if written >= frame_count:
                break
    except BaseException:
        frames_queue.put(None)
        thread.join()
        proc.kill()
        proc.wait()
        raise
    frames_queue.put(None)
    thread.join()
    try:
        proc.stdin.close()  # type: ignore[union-attr]
    except OSError:
        pass
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = proc.wait()
    if code != 0 or writer_error:
        raise RenderError(f"ffmpeg failed (exit {code}): {stderr.strip()[-600:] or writer_error}")
    if written != frame_count:
        raise RenderError(f"The timeline produced {written} frames, expected {frame_count}.")
    report(1.0, "encoded")
