"""Product spin: a turntable orbit around a trained splat, rendered to an H.264 MP4 on a clean background.

Camera maths (``orbit_cameras``) is pure numpy; ``render_orbit`` renders each frame and pipes raw RGB frames
into studio's delivery encoder (``studio.media.encode``: H.264 High, yuv420p, BT.709, +faststart), atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError
from studio.media.encode import EncodeSettings, FrameEncoder
from studio.progress import ProgressFn, null_progress
from studio.splat import SPIN_FPS, SPIN_SECONDS, SPIN_SIZE
from studio.splat.gaussians import Gaussians, load_model
from studio.splat.rasterize import depth_order, render_view

if TYPE_CHECKING:
    from studio.splat.scene import Scene

DEFAULT_UP = (0.0, 0.0, 1.0)
FRAME_BATCH = 4  # frames rendered together, sharing one depth order (render_frames)
FRAME_WORKERS = 2  # threads rendering a batch's frames at once


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
    arc_deg: tuple[float, float] | None = None,
    max_distance: float | list[list[float]] | None = None,
    max_fov_deg: float = 75.0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_frames`` cameras (K [3, 3], world_to_cam [4, 4]) around ``up`` through ``center``, ``elevation_deg``
    above the equator, far enough that a sphere of ``radius`` (times ``margin``) fits the shorter side of a
    ``fov_deg`` view.

    Without ``arc_deg``: one full turn starting on the ``front`` side. With ``arc_deg = (start, end)``
    (azimuths in degrees from ``front`` towards ``up x front``): a swing across that arc and back, easing at
    both ends and starting in its middle (a product photographed from one side is never shown from behind).
    Either way the last frame leads back into the first, so the video loops seamlessly.
    With ``max_distance`` (a number, or ``[[azimuth_deg, distance], ...]`` interpolated along the path) the
    camera comes no further out than that (where the photos were taken: further out there may be walls, or
    nothing trained); the field of view widens to fit the object, up to ``max_fov_deg``."""
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
    fit_distance = margin * radius / math.sin(math.radians(fov_deg) / 2.0)
    if arc_deg is not None:
        start, end = (float(a) for a in arc_deg)
        if not end > start:
            raise InputError(f"The orbit arc must go from a smaller to a larger angle, got {arc_deg}.")
        if end - start >= 360.0:
            arc_deg = None
    cap = _distance_cap(max_distance, periodic=arc_deg is None)
    elev = math.radians(elevation_deg)
    cameras = []
    for i in range(n_frames):
        if arc_deg is None:
            theta = 2.0 * math.pi * i / n_frames
        else:
            mid, half = 0.5 * (start + end), 0.5 * (end - start)
            theta = math.radians(mid + half * math.sin(2.0 * math.pi * i / n_frames))
        distance, fov = fit_distance, fov_deg
        limit = cap(math.degrees(theta)) if cap is not None else None
        if limit is not None and 0 < limit < fit_distance:
            distance = limit
            fit = min(1.0, margin * radius / distance)
            fov = min(max(fov_deg, 2.0 * math.degrees(math.asin(fit))), max(fov_deg, max_fov_deg))
        direction = math.cos(elev) * (math.cos(theta) * front + math.sin(theta) * side) + math.sin(elev) * up
        cameras.append((intrinsics(width, height, fov), look_at(center + distance * direction, center, up)))
    return cameras


def _distance_cap(max_distance, *, periodic: bool):
    """``max_distance`` as a function of the azimuth in degrees (None: no cap)."""
    if max_distance is None:
        return None
    if isinstance(max_distance, (int, float)):
        value = float(max_distance)
        return lambda _azimuth: value
    table = np.asarray(max_distance, dtype=np.float64).reshape(-1, 2)
    if len(table) == 0:
        return None
    order = np.argsort(table[:, 0])
    az, dist = table[order, 0], table[order, 1]
    if periodic:
        return lambda azimuth: float(np.interp(azimuth, az, dist, period=360.0))
    return lambda azimuth: float(np.interp(azimuth, az, dist))


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


def orbit_hints(scene: Scene) -> dict[str, Any]:
    """Where the object is and which side was photographed first, for product spins."""
    up = np.asarray(scene.up, dtype=np.float64)
    front = scene.views[0].camera_center - scene.center
    front = front - up * float(front @ up)
    norm = float(np.linalg.norm(front))
    if norm < 1e-9:
        helper = np.array([1.0, 0.0, 0.0]) if abs(up[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        front = np.cross(up, helper)
        norm = float(np.linalg.norm(front))
    front = front / norm
    hints: dict[str, Any] = {
        "center": [float(x) for x in scene.center],
        "up": [float(x) for x in up],
        "radius": float(scene.radius),
        "front": [float(x) for x in front],
        "background": [float(x) for x in scene.background],
    }
    # Where the photos were taken from: a spin should stay on the sides that were photographed (a product
    # against a wall was never seen from behind) and not fly further out than the cameras were.
    offsets = np.stack([v.camera_center for v in scene.views]) - np.asarray(scene.center, dtype=np.float64)
    heights = offsets @ up
    flat = offsets - heights[:, None] * up[None, :]
    side = np.cross(up, front)
    azimuths = np.degrees(np.arctan2(flat @ side, flat @ front))
    distances = np.linalg.norm(offsets, axis=1)
    arc = covered_arc(azimuths)
    if arc is not None:
        # the swing keeps to where most photos were taken (5th..95th percentile), not the odd outlier
        unwrapped = np.mod(azimuths - arc[0], 360.0) + arc[0]
        lo, hi = (float(x) for x in np.percentile(unwrapped, [5, 95]))
        if hi - lo >= 10.0:
            arc = (lo, hi)
        hints["arc"] = [round(arc[0], 2), round(arc[1], 2)]
        samples = np.linspace(arc[0], arc[1], 13)
        around = np.abs(unwrapped[None, :] - samples[:, None])
    else:
        samples = np.linspace(-180.0, 180.0, 25)[:-1]
        around = np.abs((azimuths[None, :] - samples[:, None] + 180.0) % 360.0 - 180.0)
    # How far out the cameras stood around the object (median of those within 15 degrees, else the nearest
    # one): cameras squeezed between a product and a wall stood close, and so must the spin there.
    profile = []
    for k, sample in enumerate(samples):
        near = around[k] <= 15.0
        d = float(np.median(distances[near])) if near.any() else float(distances[int(np.argmin(around[k]))])
        profile.append([round(float(sample), 2), round(d, 4)])
    hints["camera_distance"] = profile
    elevations = np.degrees(np.arcsin(np.clip(heights / np.maximum(distances, 1e-12), -1.0, 1.0)))
    hints["camera_elevation"] = float(np.median(elevations))
    return hints


def covered_arc(azimuths_deg, min_gap: float = 60.0) -> tuple[float, float] | None:
    """The arc (start, end) in degrees, end > start, that camera azimuths span around the up axis, when they
    leave a gap wider than ``min_gap`` degrees; None when they go all the way round."""
    a = np.sort(np.mod(np.asarray(azimuths_deg, dtype=np.float64), 360.0))
    if len(a) < 2:
        return None
    gaps = np.diff(np.concatenate([a, a[:1] + 360.0]))
    i = int(np.argmax(gaps))
    if gaps[i] <= min_gap:
        return None
    start = float(a[(i + 1) % len(a)])
    end = float(a[i])
    if end < start:
        end += 360.0
    if start > 180.0:  # keep the numbers near zero (the front)
        start, end = start - 360.0, end - 360.0
    return start, end


def orbit_path(meta: dict) -> dict[str, object]:
    """The swing arc, distance cap and elevation recorded at training time (:func:`orbit_hints`), as
    ``orbit_cameras`` keyword arguments; empty for models without them (a .ply from elsewhere)."""
    out: dict[str, object] = {}
    arc = meta.get("arc")
    if isinstance(arc, (list, tuple)) and len(arc) == 2 and float(arc[1]) > float(arc[0]):
        out["arc_deg"] = (float(arc[0]), float(arc[1]))
    distance = meta.get("camera_distance")
    if isinstance(distance, (int, float)) and distance > 0:
        out["max_distance"] = float(distance)
    elif (
        isinstance(distance, list) and distance and all(isinstance(p, list) and len(p) == 2 for p in distance)
    ):
        out["max_distance"] = [[float(a), float(d)] for a, d in distance]
    elevation = meta.get("camera_elevation")
    if isinstance(elevation, (int, float)):
        out["elevation_deg"] = float(min(max(elevation, -10.0), 45.0))
    return out


def preview_images(
    g: Gaussians, *, n: int = 4, size: int = 256, background: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> list[np.ndarray]:
    """``n`` views around the model ([size, size, 3] uint8 each): what the compliance screen looks at for a
    model file, which has no pictures of its own."""
    c0, up_v, front_v, radius = orbit_setup(g)
    path = orbit_path(g.meta)
    cameras = orbit_cameras(c0, up_v, front_v, radius, n_frames=n, width=size, height=size, **path)  # type: ignore[arg-type]
    return [render_view(g, K, w2c, size, size, background) for K, w2c in cameras]


def render_orbit(
    model_or_path: Gaussians | str | os.PathLike[str],
    out_mp4: str | os.PathLike[str],
    *,
    width: int = SPIN_SIZE,
    height: int = SPIN_SIZE,
    seconds: float = SPIN_SECONDS,
    fps: int = SPIN_FPS,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    elevation_deg: float | None = None,
    on_progress: ProgressFn | None = None,
    fov_deg: float = 30.0,
    center=None,
    up=None,
    front=None,
    radius: float | None = None,
    crf: int = 18,
    cancel: CancelToken | None = None,
    render_long_edge: int | None = None,
) -> Path:
    """Render a turntable MP4 (H.264, yuv420p, ``fps``, ``round(seconds * fps)`` frames) of a splat model.

    The orbit goes around the model's recorded ``up`` through its ``center`` (training metadata; override with
    ``center`` / ``up`` / ``front`` / ``radius``); the radius defaults to the visible object's extent. Models
    that record where their photos were taken (``orbit_path``) swing across the photographed arc instead of a
    full turn when the photos leave a side out, stay within the cameras' distance, and take the cameras'
    elevation (within -10..45 degrees) unless ``elevation_deg`` is given (default 15).

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
    path = orbit_path(meta)
    if elevation_deg is not None:
        path["elevation_deg"] = float(elevation_deg)
    path.setdefault("elevation_deg", 15.0)
    cameras = orbit_cameras(
        c0,
        up_v,
        front_v,
        float(radius),
        n_frames=n_frames,
        width=rw,
        height=rh,
        fov_deg=fov_deg,
        **path,  # type: ignore[arg-type]
    )
    out_mp4 = Path(out_mp4)
    if out_mp4.suffix.lower() != ".mp4":
        raise InputError(f"The spin must be written to an .mp4 file, got {out_mp4.name!r}.")
    # the delivery encoder (studio.media.encode): H.264 High, yuv420p, BT.709, +faststart, silent AAC;
    # frames rendered smaller than the output are upscaled there with Lanczos
    settings = EncodeSettings(crf=int(crf))
    with FrameEncoder(
        out_mp4,
        width=width,
        height=height,
        fps=fps,
        frame_count=n_frames,
        input_size=(rw, rh),
        settings=settings,
    ) as encoder:
        for i, frame in enumerate(render_frames(g, cameras, rw, rh, bg)):
            if cancel is not None and cancel.cancelled:
                raise Cancelled(f"The spin render was cancelled at frame {i} of {n_frames}.")
            encoder.write(np.ascontiguousarray(frame))
            report((i + 1) / n_frames, f"frame {i + 1}/{n_frames}")
    return out_mp4


def render_frames(
    g: Gaussians,
    cameras: list[tuple[np.ndarray, np.ndarray]],
    width: int,
    height: int,
    background=(1.0, 1.0, 1.0),
    *,
    batch: int = FRAME_BATCH,
    workers: int = FRAME_WORKERS,
) -> Iterator[np.ndarray]:
    """uint8 [H, W, 3] frames of ``cameras`` ((K, world_to_cam) pairs), in order.

    Frames are rendered ``batch`` at a time by ``workers`` threads (torch releases the GIL; many of the
    rasterizer's steps - sorts, scans, scatters - run on one core each, so two frames at once fill two cores),
    and the frames of a batch share one depth order, sorted once for the batch's middle view: an orbit's
    neighbouring frames are a degree or two apart, where the front-to-back order only differs between
    Gaussians of nearly the same depth. The next batch renders while the caller consumes this one.
    """
    if batch < 1 or workers < 1:
        raise InputError(f"batch and workers must be >= 1, got {batch} and {workers}.")
    if not cameras:
        return
    batches = [cameras[i : i + batch] for i in range(0, len(cameras), batch)]

    def render_batch(views: list[tuple[np.ndarray, np.ndarray]]) -> list[Future]:
        order = depth_order(g.means, views[len(views) // 2][1]) if g.device.type == "cpu" else None
        return [pool.submit(render_view, g, K, w2c, width, height, background, order) for K, w2c in views]

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="spin-frame")
    try:
        pending = render_batch(batches[0])
        for k in range(len(batches)):
            ahead = render_batch(batches[k + 1]) if k + 1 < len(batches) else []
            for future in pending:
                yield future.result()
            pending = ahead
    finally:  # a consumer that stops early (cancel, a failed encode) does not wait for frames it will not use
        pool.shutdown(wait=True, cancel_futures=True)


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
