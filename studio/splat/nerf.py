"""Load a NeRF / Blender-style ``transforms.json`` capture (RGBA or RGB images + camera-to-world poses) as a Scene.

Conventions of the format: ``transform_matrix`` is camera-to-world with the Blender / OpenGL camera (x right,
y up, z backwards); ``camera_angle_x`` is the horizontal field of view in radians (or ``fl_x`` / ``fl_y`` /
``cx`` / ``cy`` in pixels, instant-ngp style). We convert to OpenCV world-to-camera (x right, y down, z forward)
by flipping the camera's y and z axes. RGBA images are composited on ``background`` and their alpha becomes the
view's mask. Every image path must stay inside the manifest's folder.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.cancel import CancelToken, check
from studio.errors import InputError
from studio.fsutil import resolve_inside
from studio.images import load_photo, load_photo_reduced
from studio.media.types import IMAGE_SUFFIXES
from studio.progress import ProgressFn, null_progress
from studio.splat.scene import Scene, View

if TYPE_CHECKING:
    from studio.splat.budget import Deadline

# a frame's file_path may omit its extension (NeRF-synthetic: ./train/r_0): PNG first, as those sets write
_FRAME_SUFFIXES = (".png", *sorted(IMAGE_SUFFIXES - {".png"}))

# The one lookup order for a capture folder (input detection, the nerfstudio and the NeRF-synthetic loaders): the
# whole capture (nerfstudio's transforms.json) before NeRF-synthetic's training split; studio holds views out itself.
TRANSFORMS_NAMES = ("transforms.json", "transforms_train.json")
BLENDER_TO_OPENCV = np.diag([1.0, -1.0, -1.0, 1.0])  # flips the camera's y and z axes
# on_image(name, decoded photo, full (width, height)): each frame as it is read, for the capture check
ImageHook = Callable[[str, Any, tuple[int, int]], None]


def read_frame(path: Path, decode_edge: int | None, *, what: str) -> tuple[Any, tuple[int, int], float]:
    """A frame image (upright 8-bit RGB/RGBA PIL image), its full (width, height), and the scale from full to
    decoded pixels. ``decode_edge``: decode at reduced size, the long edge at least that (``load_photo_reduced``:
    JPEG DCT scaling, integer box reduction, so the scale is exactly 1/k); None: the full image."""
    if decode_edge is None:
        photo = load_photo(path, keep_alpha=True, what=what)
        return photo, photo.size, 1.0
    photo, full = load_photo_reduced(path, decode_edge, keep_alpha=True, what=what)
    if photo.size == full:
        return photo, full, 1.0
    k = max(full) / max(photo.size)
    if abs(k - round(k)) < 0.02 * k:  # an integer reduction: the pixel grid scales by exactly 1/k
        k = float(round(k))
    return photo, full, 1.0 / k


def scale_K(K: np.ndarray, scale: float) -> np.ndarray:
    """``K`` for an image decoded at ``scale`` x its size (pixel centres at +0.5 stay consistent)."""
    if scale == 1.0:
        return K
    K = np.array(K, dtype=np.float64)
    K[:2] *= scale
    return K


def find_manifest(path: str | os.PathLike[str]) -> Path:
    """The transforms JSON at ``path`` (a file, or a folder: see :func:`find_transforms`)."""
    path = Path(path)
    if path.is_dir():
        found = find_transforms(path)
        if found is not None:
            return found
        raise InputError(
            f"The folder {path} has no {' or '.join(TRANSFORMS_NAMES)}.",
            "Point to a NeRF-style capture folder.",
        )
    if not path.is_file():
        raise InputError(f"The transforms file {path} does not exist.", "Check the path.")
    return path


def find_transforms(folder: Path) -> Path | None:
    """The first of ``TRANSFORMS_NAMES`` that is a file in ``folder``, or None."""
    for name in TRANSFORMS_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def _number(value: Any, what: str, manifest: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{manifest.name}: {what} must be a finite number, got {value!r}.")
    return float(value)


def _image_path(folder: Path, raw: Any, manifest: Path, index: int) -> Path:
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(
            f"{manifest.name}: frame {index} has no file_path.", "Give each frame a file_path string."
        )
    return resolve_frame_file(folder, raw, manifest.name)


def resolve_frame_file(base: Path, file_path: str, manifest: str = "transforms.json") -> Path:
    """The image a frame's ``file_path`` names, inside ``base`` (both layouts, and the capture check): the
    extension may be missing (NeRF-synthetic writes ``./train/r_0``)."""
    target = resolve_inside(base, file_path, what="frame file_path")
    if target.is_file():
        return target
    for suffix in _FRAME_SUFFIXES + tuple(s.upper() for s in _FRAME_SUFFIXES):
        candidate = target.with_name(target.name + suffix)
        if candidate.is_file():
            return resolve_inside(base, candidate.relative_to(base.resolve()), what="frame file_path")
    raise InputError(
        f"The frame image {file_path!r} named in {manifest} was not found (it does not exist with or without an extension).",
        f"Put the images where file_path says, relative to {base}.",
    )


def _pose(raw: Any, manifest: Path, index: int) -> np.ndarray:
    try:
        c2w = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{manifest.name}: frame {index} transform_matrix is not numeric.") from exc
    if c2w.shape == (3, 4):
        c2w = np.vstack([c2w, [0.0, 0.0, 0.0, 1.0]])
    if c2w.shape != (4, 4) or not np.all(np.isfinite(c2w)):
        raise InputError(
            f"{manifest.name}: frame {index} transform_matrix must be a finite 4x4 matrix, got shape {c2w.shape}."
        )
    R = c2w[:3, :3]
    # Some exporters bake a uniform scale into the rotation; remove it rather than fail.
    s = np.cbrt(np.linalg.det(R))
    if not np.isfinite(s) or s <= 1e-9 or not np.allclose((R / s) @ (R / s).T, np.eye(3), atol=1e-3):
        raise InputError(f"{manifest.name}: frame {index} transform_matrix is not a rigid camera pose.")
    c2w[:3, :3] = R / s
    c2w_cv = c2w @ BLENDER_TO_OPENCV
    return np.linalg.inv(c2w_cv)


def _composite(rgba: np.ndarray, background: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32)
    bg = np.asarray(background, dtype=np.float32) * 255.0
    out = rgb * alpha + bg * (1.0 - alpha)
    return np.clip(np.round(out), 0, 255).astype(np.uint8), alpha[..., 0]


def camera_layout(views: list[View]) -> tuple[np.ndarray, np.ndarray, float]:
    """(center, up, radius) estimated from the cameras: the point nearest every optical axis, the mean camera
    up direction, and 1.25x the mean half-width of the views at the centre's depth (a generous object bound)."""
    A = np.zeros((3, 3))
    b = np.zeros(3)
    ups = []
    for view in views:
        R = view.world_to_cam[:3, :3]
        origin = view.camera_center
        d = R.T @ np.array([0.0, 0.0, 1.0])
        P = np.eye(3) - np.outer(d, d)
        A += P
        b += P @ origin
        ups.append(R.T @ np.array([0.0, -1.0, 0.0]))
    centres = np.stack([v.camera_center for v in views])
    if len(views) >= 2 and np.linalg.cond(A) < 1e8:
        center = np.linalg.solve(A, b)
    else:
        first = views[0]
        center = first.camera_center + first.world_to_cam[:3, :3].T @ np.array([0.0, 0.0, 1.0])
    up = np.mean(ups, axis=0)
    up = up / max(np.linalg.norm(up), 1e-12)
    half_widths = []
    for view in views:
        depth = float((view.world_to_cam[:3, :3] @ center + view.world_to_cam[:3, 3])[2])
        half = min(view.width / (2 * view.K[0, 0]), view.height / (2 * view.K[1, 1]))
        half_widths.append(abs(depth) * half)
    radius = 1.25 * float(np.mean(half_widths)) if half_widths else 1.0
    if not np.isfinite(radius) or radius <= 0:
        radius = float(np.linalg.norm(centres - center, axis=1).mean()) or 1.0
    return center, up, radius


def load_nerf_transforms(
    path: str | os.PathLike[str],
    *,
    long_edge: int | None = None,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    frames: Sequence[int] | None = None,
    decode_edge: int | None = None,
    on_image: ImageHook | None = None,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Scene:
    """Read a NeRF ``transforms*.json`` (or its folder) into a :class:`Scene` (no initial points).

    ``long_edge`` resizes every image (and its mask and K) so its long side has that many pixels. ``frames``:
    only these frames (indices into the manifest's list, in that order); ``decode_edge``: decode each image no
    larger than needed for that long edge (``read_frame``); ``on_image`` sees each decoded image.
    ``deadline``: frames are read coarse to fine and none after it has passed (fewer views, in frame order).
    """
    from studio.splat.budget import coarse_to_fine

    report = on_progress or null_progress
    manifest = find_manifest(path)
    folder = manifest.parent
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{manifest.name} is not valid JSON ({exc}).", "Fix or regenerate the file."
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("frames"), list) or not data["frames"]:
        raise InputError(
            f"{manifest.name} has no frames.", "Expected an object with a non-empty 'frames' list."
        )
    if long_edge is not None and long_edge < 8:
        raise InputError(f"long_edge must be at least 8 pixels, got {long_edge}.")
    bg = tuple(float(c) for c in background)
    if len(bg) != 3 or not all(0.0 <= c <= 1.0 for c in bg):
        raise InputError(f"The background must be three numbers in 0..1, got {background!r}.")

    views: list[View] = []
    chosen = list(range(len(data["frames"])) if frames is None else frames)
    read_at: list[int] = []  # position in chosen of each view
    for done, position in enumerate(
        coarse_to_fine(len(chosen)) if deadline is not None else range(len(chosen))
    ):
        check(cancel, "Loading transforms.json")
        if deadline is not None and views and deadline.passed():  # one view at least: a Scene
            break
        index = chosen[position]
        frame = data["frames"][index]
        if not isinstance(frame, dict):
            raise InputError(f"{manifest.name}: frame {index} is not an object.")
        image_path = _image_path(folder, frame.get("file_path"), manifest, index)
        w2c = _pose(frame.get("transform_matrix"), manifest, index)
        photo, full, scale = read_frame(image_path, decode_edge, what=f"image of frame {index}")
        if on_image is not None:
            on_image(image_path.name, photo, full)
        pixels = np.asarray(photo)
        if pixels.ndim == 3 and pixels.shape[2] == 4:
            image, mask = _composite(pixels, bg)  # type: ignore[arg-type]
        else:
            image, mask = np.ascontiguousarray(pixels[..., :3]), None
        K = scale_K(_intrinsics({**data, **frame}, full[0], full[1], manifest), scale)
        name = Path(str(frame["file_path"])).as_posix()
        view = View(name=name, image=image, mask=mask, K=K, world_to_cam=w2c)
        if long_edge is not None:
            view = view.resized(long_edge)
        views.append(view)
        read_at.append(position)
        report((done + 1) / max(len(chosen), 1), f"loaded {done + 1}/{len(chosen)} frames")
    views = [v for _, v in sorted(zip(read_at, views), key=lambda pair: pair[0])]

    center, up, radius = camera_layout(views)
    return Scene(
        views=views,
        points=np.zeros((0, 3), dtype=np.float32),
        colors=np.zeros((0, 3), dtype=np.uint8),
        background=bg,  # type: ignore[arg-type]
        up=up,
        center=center,
        radius=radius,
        meta={"source": str(manifest), "loader": "nerf"},
    )


def _intrinsics(data: dict[str, Any], width: int, height: int, manifest: Path) -> np.ndarray:
    """K for an image of width x height from camera_angle_x / fl_x (instant-ngp keys win when present).

    ``w`` / ``h`` in the manifest, when given, are the size the pixel values refer to; they are rescaled to the
    actual image size."""
    ref_w = _number(data["w"], "w", manifest) if "w" in data else float(width)
    ref_h = _number(data["h"], "h", manifest) if "h" in data else float(height)
    sx, sy = width / ref_w, height / ref_h
    if "fl_x" in data:
        fx = _number(data["fl_x"], "fl_x", manifest) * sx
    elif "camera_angle_x" in data:
        angle = _number(data["camera_angle_x"], "camera_angle_x", manifest)
        if not 0.0 < angle < math.pi:
            raise InputError(f"{manifest.name}: camera_angle_x must be in (0, pi) radians, got {angle}.")
        fx = 0.5 * width / math.tan(0.5 * angle)
    else:
        raise InputError(
            f"{manifest.name} gives no focal length.", "Add camera_angle_x (radians) or fl_x (pixels)."
        )
    if "fl_y" in data:
        fy = _number(data["fl_y"], "fl_y", manifest) * sy
    elif "camera_angle_y" in data:
        fy = 0.5 * height / math.tan(0.5 * _number(data["camera_angle_y"], "camera_angle_y", manifest))
    else:
        fy = fx
    cx = _number(data["cx"], "cx", manifest) * sx if "cx" in data else width / 2.0
    cy = _number(data["cy"], "cy", manifest) * sy if "cy" in data else height / 2.0
    if fx <= 0 or fy <= 0:
        raise InputError(f"{manifest.name}: focal lengths must be positive, got fx={fx}, fy={fy}.")
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
