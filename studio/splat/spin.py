"""Product spin: a turntable orbit around a trained splat, rendered to an H.264 MP4 on a clean background.

Camera maths (``orbit_cameras``) is pure numpy; ``render_orbit`` renders each frame and pipes raw RGB frames
into the ffmpeg that imageio-ffmpeg ships (libx264, yuv420p, BT.709, +faststart), writing atomically.
"""

from __future__ import annotations

import math
import os
import subprocess
import threading
from pathlib import Path

import numpy as np
import torch

from studio.errors import Cancelled, InputError, RenderError
from studio.fsutil import atomic_output
from studio.media import ffmpeg_exe
from studio.progress import ProgressFn, null_progress
from studio.splat.gaussians import Gaussians, load_model
from studio.splat.rasterize import render_view

DEFAULT_UP = (0.0, 0.0, 1.0)


def look_at(position: np.ndarray, target: np.ndarray, up: np.ndarray) -> np.ndarray:
    """[4, 4] OpenCV world-to-camera matrix of a camera at ``position`` looking at ``target``, ``up`` up."""
    position = np.asarray(position, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.asarray(up, dtype=np.float64))
    if np.linalg.norm(right) < 1e-9:
        raise InputError(
            "The camera looks straight along the up vector.", "Use an elevation below 90 degrees."
        )
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])
    out = np.eye(4)
    out[:3, :3] = R
    out[:3, 3] = -R @ position
    return out


def intrinsics(width: int, height: int, fov_deg: float) -> np.ndarray:
    """[3, 3] pinhole K with ``fov_deg`` across the shorter image side."""
    focal = 0.5 * min(width, height) / math.tan(math.radians(fov_deg) / 2.0)
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])


def orbit_cameras(
    center,
    up,
    front,
    radius: float,
    *,
    n_frames: int,
    width: int,
    height: int,
    elevation_deg: float = 15.0,
    fov_deg: float = 30.0,
    margin: float = 1.15,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_frames`` cameras (K [3, 3], world_to_cam [4, 4]) on one full turn around ``up`` through ``center``,
    starting on the ``front`` side, ``elevation_deg`` above the equator, far enough that a sphere of
    ``radius`` (times ``margin``) fits the shorter side of a ``fov_deg`` view. The last frame stops one step
    short of the first, so the video loops seamlessly."""
    if n_frames < 1:
        raise InputError(f"An orbit needs at least one frame, got {n_frames}.")
    if not -89.0 <= elevation_deg <= 89.0:
        raise InputError(f"elevation_deg must be within -89..89, got {elevation_deg}.")
    if not 1.0 <= fov_deg <= 150.0:
        raise InputError(f"fov_deg must be within 1..150, got {fov_deg}.")
    if not radius > 0:
        raise InputError(f"The orbit radius must be positive, got {radius}.")
    center = np.asarray(center, dtype=np.float64).reshape(3)
    up = np.asarray(up, dtype=np.float64).reshape(3)
    up /= np.linalg.norm(up)
    front = np.asarray(front, dtype=np.float64).reshape(3)
    front = front - up * float(front @ up)
    if np.linalg.norm(front) < 1e-9:
        front = np.cross(up, [1.0, 0.0, 0.0] if abs(up[0]) < 0.9 else [0.0, 1.0, 0.0])
    front /= np.linalg.norm(front)
    side = np.cross(up, front)
    distance = margin * radius / math.sin(math.radians(fov_deg) / 2.0)
    K = intrinsics(width, height, fov_deg)
    elev = math.radians(elevation_deg)
    cameras = []
    for i in range(n_frames):
        theta = 2.0 * math.pi * i / n_frames
        direction = math.cos(elev) * (math.cos(theta) * front + math.sin(theta) * side) + math.sin(elev) * up
        cameras.append((K.copy(), look_at(center + distance * direction, center, up)))
    return cameras


def object_bounds(g: Gaussians, center: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """(center, radius) of the visible object: opacity >= 0.3 Gaussians, 98th-percentile distance plus two
    standard deviations of their size. ``center`` defaults to their median position."""
    with torch.no_grad():
        opaque = g.opacities >= 0.3
        means = g.means[opaque] if bool(opaque.sum() >= 8) else g.means
        scales = g.scales[opaque] if bool(opaque.sum() >= 8) else g.scales
        means = means.detach().double().cpu().numpy()
        size = scales.max(dim=1).values.detach().double().cpu().numpy()
    c = np.median(means, axis=0) if center is None else np.asarray(center, dtype=np.float64)
    dist = np.linalg.norm(means - c, axis=1) + 2.0 * size
    return c, float(max(np.percentile(dist, 98), 1e-6))


def orbit_setup(g: Gaussians, center=None, up=None, front=None, radius: float | None = None):
    """(center [3], up [3], front [3], radius) of the orbit: the model's recorded hints (training metadata),
    overridden by the arguments; the radius defaults to the visible object's extent."""
    meta = g.meta
    c0 = np.asarray(center if center is not None else meta.get("center", np.zeros(3)), dtype=np.float64)
    if center is None and "center" not in meta:
        c0, _ = object_bounds(g)
    up_v = np.asarray(up if up is not None else meta.get("up", DEFAULT_UP), dtype=np.float64)
    front_v = np.asarray(front if front is not None else meta.get("front", (1.0, 0.0, 0.0)), dtype=np.float64)
    if radius is None:
        _, radius = object_bounds(g, c0)
        if "radius" in meta:
            radius = min(radius, 1.5 * float(meta["radius"]))
    return c0, up_v, front_v, float(radius)


def preview_images(
    g: Gaussians, *, n: int = 4, size: int = 256, background: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> list[np.ndarray]:
    """``n`` views around the model ([size, size, 3] uint8 each): what the compliance screen looks at for a
    model file, which has no pictures of its own."""
    c0, up_v, front_v, radius = orbit_setup(g)
    cameras = orbit_cameras(c0, up_v, front_v, radius, n_frames=n, width=size, height=size)
    return [render_view(g, K, w2c, size, size, background) for K, w2c in cameras]


def render_orbit(
    model_or_path: Gaussians | str | os.PathLike[str],
    out_mp4: str | os.PathLike[str],
    *,
    width: int,
    height: int,
    seconds: float,
    fps: int = 30,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    elevation_deg: float = 15.0,
    on_progress: ProgressFn | None = None,
    fov_deg: float = 30.0,
    center=None,
    up=None,
    front=None,
    radius: float | None = None,
    crf: int = 18,
    cancel: threading.Event | None = None,
    render_long_edge: int | None = None,
) -> Path:
    """Render a turntable MP4 (H.264, yuv420p, ``fps``, ``round(seconds * fps)`` frames) of a splat model.

    The orbit goes around the model's recorded ``up`` through its ``center`` (training metadata; override with
    ``center`` / ``up`` / ``front`` / ``radius``); the radius defaults to the visible object's extent.

    Frames are rendered with at most ``render_long_edge`` pixels on the long side and upscaled by ffmpeg
    (Lanczos) to ``width`` x ``height``: a model trained on small images holds no more detail, and CPU render
    time grows with the pixel count. ``None`` picks 4x the training images' long edge (at least 256 px) when the
    model records it, else the full output size.
    """
    report = on_progress or null_progress
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise InputError(
            f"The spin size must be even and at least 16x16 (H.264 yuv420p), got {width}x{height}."
        )
    if width * height > 3840 * 2160:
        raise InputError(f"{width}x{height} is larger than 4K.", "Render at most 3840x2160.")
    if not 0 < seconds <= 120:
        raise InputError(f"The spin must last 0..120 seconds, got {seconds}.")
    if not 1 <= fps <= 120:
        raise InputError(f"fps must be within 1..120, got {fps}.")
    bg = tuple(float(c) for c in background)
    if len(bg) != 3 or not all(0.0 <= c <= 1.0 for c in bg):
        raise InputError(f"The background must be three numbers in 0..1, got {background!r}.")
    g = model_or_path if isinstance(model_or_path, Gaussians) else load_model(model_or_path)
    meta = g.meta
    c0, up_v, front_v, radius = orbit_setup(g, center, up, front, radius)
    n_frames = max(1, round(seconds * fps))
    rw, rh = render_size(width, height, render_long_edge, meta)
    cameras = orbit_cameras(
        c0,
        up_v,
        front_v,
        float(radius),
        n_frames=n_frames,
        width=rw,
        height=rh,
        elevation_deg=elevation_deg,
        fov_deg=fov_deg,
    )
    scale_filter = "scale=out_color_matrix=bt709:out_range=tv"
    if (rw, rh) != (width, height):
        scale_filter = f"scale={width}:{height}:flags=lanczos:out_color_matrix=bt709:out_range=tv"

    ffmpeg = ffmpeg_exe()
    out_mp4 = Path(out_mp4)
    if out_mp4.suffix.lower() != ".mp4":
        raise InputError(f"The spin must be written to an .mp4 file, got {out_mp4.name!r}.")
    with atomic_output(out_mp4) as tmp:
        cmd = [
            ffmpeg,
            "-y",
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{rw}x{rh}",
            "-r",
            str(fps),
            "-i",
            "-",
            "-an",
            "-vf",
            scale_filter,
            "-c:v",
            "libx264",
            "-preset",
            "medium",
            "-crf",
            str(int(crf)),
            "-pix_fmt",
            "yuv420p",
            "-colorspace",
            "bt709",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(tmp),
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for i, (K, w2c) in enumerate(cameras):
                if cancel is not None and cancel.is_set():
                    raise Cancelled(f"The spin render was cancelled at frame {i} of {n_frames}.")
                frame = render_view(g, K, w2c, rw, rh, bg)
                try:
                    assert proc.stdin is not None
                    proc.stdin.write(np.ascontiguousarray(frame).tobytes())
                except BrokenPipeError as exc:
                    raise RenderError(f"ffmpeg stopped while encoding the spin: {_stderr(proc)}") from exc
                report((i + 1) / n_frames, f"frame {i + 1}/{n_frames}")
            assert proc.stdin is not None
            proc.stdin.close()
            if proc.wait() != 0:
                raise RenderError(f"ffmpeg failed to encode the spin: {_stderr(proc)}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
    return out_mp4


def render_size(width: int, height: int, render_long_edge: int | None, meta: dict) -> tuple[int, int]:
    """The (even) size frames are rendered at before ffmpeg scales them to ``width`` x ``height``."""
    if render_long_edge is None:
        trained = meta.get("train", {}).get("image_size") if isinstance(meta.get("train"), dict) else None
        if not trained:
            return width, height
        render_long_edge = max(256, 4 * int(max(trained)))
    if render_long_edge < 16:
        raise InputError(f"render_long_edge must be at least 16 pixels, got {render_long_edge}.")
    scale = min(1.0, render_long_edge / max(width, height))
    if scale >= 1.0:
        return width, height
    return max(16, 2 * round(width * scale / 2)), max(16, 2 * round(height * scale / 2))


def _stderr(proc: subprocess.Popen) -> str:
    try:
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
        text = proc.stderr.read().decode("utf-8", "replace") if proc.stderr is not None else ""
    except (OSError, subprocess.TimeoutExpired):
        text = ""
    return " ".join(text.split())[-400:] or f"exit code {proc.returncode}"

