"""The delivery encoder: raw frames piped into one ffmpeg, with the one set of H.264/AAC settings studio ships.

Every MP4 studio writes (ads, product spins, AI motion clips) is H.264 High profile, yuv420p, BT.709 tagged
(matrix, primaries, transfer, limited range) and converted with the BT.709 matrix, a keyframe every
``gop_seconds``, ``+faststart`` (the index first, for web playback) and AAC-LC 48 kHz stereo (a silent track when
there is no sound: platforms and editors expect one). ``delivery_problems(path)`` checks a file against exactly
these settings.

Frames are written from a separate thread so the producer (the compositor, the splat rasteriser, a diffusion
decode) overlaps x264's encoding in the ffmpeg process. The output is written to a hidden temporary file next to
the target and renamed onto it only when ffmpeg succeeded and every frame arrived; any failure or cancellation
kills ffmpeg, waits for it and removes the temporary file. The file is created by ffmpeg, so its permissions
follow the umask like any other file the user writes.
"""

from __future__ import annotations

import os
import queue
import secrets
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.cancel import CancelToken, check
from studio.errors import InputError, RenderError
from studio.fsutil import ensure_writable_dir, publish
from studio.media.ffmpeg import ffmpeg_exe
from studio.progress import ProgressFn, null_progress

AUDIO_RATE = 48_000  # Hz, AAC-LC stereo


@dataclass(frozen=True)
class EncodeSettings:
    preset: str = "medium"  # x264 speed/size trade-off; "veryfast" for drafts and tests (still High profile)
    crf: int = 20  # constant quality; 18-23 is the usual range for delivery
    audio_bitrate: str = "192k"
    gop_seconds: float = 2.0  # a keyframe every 2 s: platforms re-encode anyway, seeking stays quick


def draft_preset(width: int | None) -> str:
    """The draft x264 preset (``studio ad --draft``, the batch's default) for renders ``width`` px wide (None: the platforms' own 1080 px): the fastest
    preset whose encode keeps SSIM >= 0.98 against its own frames, luma and all planes (bench/README.md, issue
    10): ``ultrafast`` at 540 px (0.992 / 0.993), where at 1080 px it loses luma detail (0.978) and ``superfast``
    is the fastest that holds (0.982 / 0.986). Only the two measured widths are claimed: up to 540 px, above."""
    return "ultrafast" if width is not None and width <= 540 else "superfast"


def delivery_filter(width: int, height: int, *, source_size: tuple[int, int] | None = None) -> str:
    """The filter chain every output ends with: BT.709 limited-range conversion to yuv420p, tagged; a source of
    another size (w, h) is first scaled with Lanczos. Append it to a filtergraph that draws onto the video."""
    resize = source_size is not None and tuple(source_size) != (width, height)
    scale = f"scale={width}:{height}:flags=lanczos:" if resize else "scale="
    return (
        f"{scale}out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
    )


def codec_args(width: int, height: int, fps: float, settings: EncodeSettings) -> list[str]:
    """The H.264 encoder arguments of every output (without the filter)."""
    return [
        "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf), "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-g", str(max(1, round(fps * settings.gop_seconds))),
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        "-s", f"{width}x{height}", "-r", str(fps),
    ]  # fmt: skip


def video_args(
    width: int, height: int, fps: int, settings: EncodeSettings, *, source_size: tuple[int, int] | None = None
) -> list[str]:
    """The H.264 arguments of every output: ``delivery_filter`` as ``-vf`` plus ``codec_args``."""
    return [
        "-vf",
        delivery_filter(width, height, source_size=source_size),
        *codec_args(width, height, fps, settings),
    ]


def audio_args(settings: EncodeSettings) -> list[str]:
    """The AAC arguments of every output."""
    return ["-c:a", "aac", "-b:a", settings.audio_bitrate, "-ar", str(AUDIO_RATE), "-ac", "2"]


def container_args() -> list[str]:
    return ["-movflags", "+faststart", "-f", "mp4"]


def _check_size(width: int, height: int, fps: int) -> None:
    if width < 2 or height < 2 or width % 2 or height % 2:
        raise InputError(
            f"An H.264 yuv420p video needs an even width and height, got {width}x{height}.",
            "Use even sizes such as 1080x1920.",
        )
    if not 1 <= fps <= 240:
        raise InputError(f"fps must be within 1..240, got {fps}.")


class FrameEncoder:
    """``with FrameEncoder(out, width=..., height=..., fps=...) as enc: enc.write(frame)`` -> ``out`` (MP4).

    Frames are RGB ``PIL.Image`` or [H, W, 3] uint8 arrays of ``input_size`` (default: the output size; a
    different input size is scaled with Lanczos). ``frame_count``: when given, exactly that many frames must be
    written and the output lasts ``frame_count / fps`` seconds. ``audio``: a sound file for the AAC track (cut to
    the video's length); None: a silent track.
    """

    def __init__(
        self,
        out_path: str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fps: int,
        frame_count: int | None = None,
        audio: str | os.PathLike[str] | None = None,
        input_size: tuple[int, int] | None = None,
        settings: EncodeSettings = EncodeSettings(),
    ):
        _check_size(width, height, fps)
        self.out_path = Path(out_path)
        self.width, self.height, self.fps = width, height, fps
        self.frame_count = frame_count
        self.audio = Path(audio) if audio is not None else None
        self.input_size = tuple(input_size) if input_size is not None else (width, height)
        self.settings = settings
        self.written = 0
        self._proc: subprocess.Popen | None = None
        self._tmp: Path | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=6)
        self._thread: threading.Thread | None = None
        self._writer_error: list[BaseException] = []

    # -- lifecycle --------------------------------------------------------------------------------------------
    def __enter__(self) -> FrameEncoder:  # noqa: PYI034 - typing.Self needs Python 3.11
        ensure_writable_dir(self.out_path.parent)
        if self.audio is not None and not self.audio.is_file():
            raise InputError(f"The audio file {self.audio} does not exist.", "Give a WAV/M4A file or none.")
        self._tmp = self.out_path.with_name(f".{self.out_path.stem}.{secrets.token_hex(4)}.part.mp4")
        iw, ih = self.input_size
        audio_in = (
            ["-i", str(self.audio)]
            if self.audio is not None
            else ["-f", "lavfi", "-i", f"anullsrc=channel_layout=stereo:sample_rate={AUDIO_RATE}"]
        )
        duration = ["-t", f"{self.frame_count / self.fps:.6f}"] if self.frame_count else ["-shortest"]
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{iw}x{ih}", "-r", str(self.fps), "-i", "-",
            *audio_in, "-map", "0:v:0", "-map", "1:a:0",
            *video_args(self.width, self.height, self.fps, self.settings, source_size=(iw, ih)),
            *audio_args(self.settings), *duration, *container_args(), str(self._tmp),
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._thread = threading.Thread(target=self._pump, name="ffmpeg-writer", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self._finish()
        else:
            self._abort()

    def _pump(self) -> None:
        try:
            while True:
                data = self._queue.get()
                if data is None:
                    return
                self._proc.stdin.write(data)  # type: ignore[union-attr]
        except BaseException as exc:  # noqa: BLE001 - reported by write() / _finish()
            self._writer_error.append(exc)
            while self._queue.get() is not None:  # drain so the producer never blocks
                pass

    # -- frames -----------------------------------------------------------------------------------------------
    def write(self, frame) -> None:
        """Queue one frame (RGB image or [H, W, 3] uint8 array of ``input_size``)."""
        if self._proc is None:
            raise RuntimeError("FrameEncoder.write() outside its `with` block")
        iw, ih = self.input_size
        if isinstance(frame, np.ndarray):
            if frame.shape != (ih, iw, 3) or frame.dtype != np.uint8:
                raise RenderError(
                    f"Frame {self.written} is {frame.dtype} {tuple(frame.shape)}, expected uint8 ({ih}, {iw}, 3)."
                )
            data = np.ascontiguousarray(frame).tobytes()
        else:
            if frame.size != (iw, ih) or frame.mode != "RGB":
                raise RenderError(
                    f"Frame {self.written} is {frame.mode} {frame.size}, expected RGB {iw}x{ih}."
                )
            data = frame.tobytes()
        if self._writer_error:
            raise RenderError(f"ffmpeg failed while encoding: {self._stderr()}")
        if self.frame_count is not None and self.written >= self.frame_count:
            raise RenderError(f"More than the {self.frame_count} frames announced were written.")
        self._queue.put(data)
        self.written += 1

    # -- ending -----------------------------------------------------------------------------------------------
    def _finish(self) -> None:
        proc = self._proc
        assert proc is not None and self._thread is not None and self._tmp is not None
        self._queue.put(None)
        self._thread.join()
        try:
            proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        code = proc.wait()
        try:
            if code != 0 or self._writer_error:
                raise RenderError(
                    f"ffmpeg failed (exit {code}): {stderr.strip()[-600:] or self._writer_error}"
                )
            if self.frame_count is not None and self.written != self.frame_count:
                raise RenderError(f"{self.written} frames were encoded, expected {self.frame_count}.")
            if self.written == 0:
                raise RenderError("No frames were encoded.")
            publish(self._tmp, self.out_path)
        finally:
            self._cleanup()

    def _abort(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if proc is not None:
            proc.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        proc = self._proc
        if proc is not None:
            for pipe in (proc.stdin, proc.stderr):
                try:
                    if pipe is not None:
                        pipe.close()
                except OSError:
                    pass
        if self._tmp is not None and self._tmp.exists():
            self._tmp.unlink()

    def _stderr(self) -> str:
        proc = self._proc
        if proc is None:
            return ""
        try:
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
            text = proc.stderr.read().decode("utf-8", "replace") if proc.stderr is not None else ""
        except (OSError, ValueError, subprocess.TimeoutExpired):
            text = ""
        return " ".join(text.split())[-400:] or f"exit code {proc.returncode}"


def encode_frames(
    frames: Iterable,
    out_path: str | os.PathLike[str],
    *,
    width: int,
    height: int,
    fps: int,
    frame_count: int,
    audio_wav: str | os.PathLike[str] | None = None,
    settings: EncodeSettings = EncodeSettings(),
    input_size: tuple[int, int] | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    what: str = "The render",
) -> Path:
    """Encode ``frames`` (exactly ``frame_count`` RGB images or arrays) plus ``audio_wav`` (None: silence) into
    ``out_path``. Raises ``RenderError`` with ffmpeg's message, ``Cancelled`` (nothing is left) on ``cancel``."""
    report = on_progress or null_progress
    out = Path(out_path)
    with FrameEncoder(
        out, width=width, height=height, fps=fps, frame_count=frame_count, audio=audio_wav,
        input_size=input_size, settings=settings,
    ) as encoder:  # fmt: skip
        for frame in frames:
            check(cancel, what)
            encoder.write(frame)
            if encoder.written % 15 == 0:
                report(encoder.written / frame_count, f"frame {encoder.written}/{frame_count}")
            if encoder.written >= frame_count:
                break
        check(cancel, what)
        if encoder.written != frame_count:
            raise RenderError(f"{what} produced {encoder.written} frames, expected {frame_count}.")
    report(1.0, "encoded")
    return out


def delivery_problems(path: str | os.PathLike[str]) -> list[str]:
    """What keeps ``path`` from studio's delivery settings (empty when it conforms): H.264 High, yuv420p, BT.709
    tagged limited range, ``+faststart``, AAC 48 kHz stereo."""
    from studio.media.probe import moov_first, probe

    info = probe(path)
    problems = []
    v = info.video
    if v is None:
        return ["no video stream"]
    if v.codec != "h264":
        problems.append(f"video codec {v.codec}, expected h264")
    if v.profile != "High":
        problems.append(f"H.264 profile {v.profile}, expected High")
    if v.pix_fmt != "yuv420p":
        problems.append(f"pixel format {v.pix_fmt}, expected yuv420p")
    for name, value in (
        ("colour matrix", v.color_space),
        ("colour primaries", v.color_primaries),
        ("transfer", v.color_transfer),
    ):
        if value != "bt709":
            problems.append(f"{name} {value or 'untagged'}, expected bt709")
    if v.color_range != "tv":
        problems.append(f"colour range {v.color_range or 'untagged'}, expected tv (limited)")
    if not moov_first(info.path):
        problems.append("the index (moov) is not at the start: no +faststart")
    if len(info.audio) != 1:
        problems.append(f"{len(info.audio)} audio streams, expected 1")
    else:
        a = info.audio[0]
        if (a.codec, a.sample_rate, a.channels) != ("aac", AUDIO_RATE, 2):
            problems.append(f"audio {a.codec} {a.sample_rate} Hz x{a.channels}, expected aac 48000 Hz x2")
    return problems
