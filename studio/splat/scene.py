"""The posed-image scene that Gaussian-splat training consumes: views (image, mask, intrinsics, pose) + init points.

Camera conventions (used everywhere in ``studio.splat``):

* ``world_to_cam`` is a 4x4 rigid transform in the OpenCV convention: camera x right, y down, z forward.
* ``K`` is a 3x3 pinhole matrix in pixels for the view's own image size. Pixel ``(row i, column j)`` covers
  ``[j, j + 1) x [i, i + 1)`` and its centre is at ``(j + 0.5, i + 0.5)`` (the gsplat / NeRF convention), so
  resizing an image by a factor ``s`` scales the first two rows of ``K`` by ``s``, nothing more.

Everything here is plain data: frozen dataclasses checked at construction, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from studio.errors import InputError


@dataclass(frozen=True)
class View:
    """One posed training image."""

    name: str
    image: np.ndarray  # [H, W, 3] uint8 RGB (already composited on the training background where masked)
    mask: np.ndarray | None  # [H, W] float32 in [0, 1], 1 = object; None when there is no mask
    K: np.ndarray  # [3, 3] float64 pinhole intrinsics, pixels, for this image's size
    world_to_cam: np.ndarray  # [4, 4] float64, OpenCV convention (x right, y down, z forward)

    def __post_init__(self) -> None:
        image = np.asarray(self.image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InputError(
                f"View {self.name!r}: the image must be an [H, W, 3] uint8 RGB array, "
                f"got shape {image.shape} dtype {image.dtype}.",
                "Convert the photo to 8-bit RGB first.",
            )
        if self.mask is not None:
            mask = np.asarray(self.mask)
            if mask.shape != image.shape[:2]:
                raise InputError(
                    f"View {self.name!r}: the mask is {mask.shape} but the image is {image.shape[:2]}.",
                    "Give one [H, W] mask per image, the same size as the image.",
                )
            object.__setattr__(self, "mask", mask.astype(np.float32, copy=False))
        K = np.asarray(self.K, dtype=np.float64)
        if K.shape != (3, 3) or not np.all(np.isfinite(K)) or K[0, 0] <= 0 or K[1, 1] <= 0:
            raise InputError(
                f"View {self.name!r}: K must be a finite [3, 3] pinhole matrix with positive focal lengths, got {K!r}.",
                "Check the camera intrinsics.",
            )
        pose = np.asarray(self.world_to_cam, dtype=np.float64)
        if pose.shape != (4, 4) or not np.all(np.isfinite(pose)):
            raise InputError(
                f"View {self.name!r}: world_to_cam must be a finite [4, 4] matrix, got shape {pose.shape}.",
                "Check the camera pose.",
            )
        R = pose[:3, :3]
        if not np.allclose(R @ R.T, np.eye(3), atol=1e-4) or np.linalg.det(R) < 0:
            raise InputError(
                f"View {self.name!r}: the rotation part of world_to_cam is not a proper rotation.",
                "Give a rigid world-to-camera transform (OpenCV convention).",
            )
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "world_to_cam", pose)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def camera_center(self) -> np.ndarray:
        """[3] camera position in world space."""
        R = self.world_to_cam[:3, :3]
        t = self.world_to_cam[:3, 3]
        return -R.T @ t

    def resized(self, long_edge: int) -> View:
        """This view scaled so its long edge is ``long_edge`` pixels (area filter), K scaled to match."""
        h, w = self.image.shape[:2]
        scale = long_edge / max(h, w)
        new_w = max(1, round(w * scale))
        new_h = max(1, round(h * scale))
        if (new_w, new_h) == (w, h):
            return self
        image = np.asarray(Image.fromarray(self.image).resize((new_w, new_h), Image.Resampling.BOX))
        mask = None
        if self.mask is not None:
            mask = np.asarray(
                Image.fromarray(self.mask.astype(np.float32)).resize((new_w, new_h), Image.Resampling.BOX),
                dtype=np.float32,
            ).clip(0.0, 1.0)
        K = self.K.copy()
        K[0, :] *= new_w / w
        K[1, :] *= new_h / h
        return View(name=self.name, image=image, mask=mask, K=K, world_to_cam=self.world_to_cam.copy())


@dataclass(frozen=True)
class Scene:
    """Posed views plus what training needs to start: init points, background, and where the object is."""

    views: list[View]
    points: np.ndarray  # [P, 3] float32 initial points (SfM sparse points), may be empty (P = 0)
    colors: np.ndarray  # [P, 3] uint8 colours of ``points``
    background: tuple[float, float, float]  # training background colour, RGB in 0..1
    up: np.ndarray  # [3] unit up vector in world space (used by the orbit)
    center: np.ndarray  # [3] object centre in world space (used by init and the orbit)
    radius: float  # scene radius around ``center``, world units (used by init and the orbit)
    meta: dict[str, str] = field(default_factory=dict)  # free-form provenance (source folder, loader name)

    def __post_init__(self) -> None:
        if not self.views:
            raise InputError("The scene has no views.", "Give at least one posed image.")
        names = [v.name for v in self.views]
        if len(set(names)) != len(names):
            raise InputError("The scene has two views with the same name.", "View names must be unique.")
        points = np.asarray(self.points, dtype=np.float32).reshape(-1, 3)
        colors = np.asarray(self.colors).reshape(-1, 3)
        if len(colors) != len(points):
            raise InputError(
                f"The scene has {len(points)} points but {len(colors)} colours.", "Give one colour per point."
            )
        if colors.dtype != np.uint8:
            raise InputError(f"Point colours must be uint8, got {colors.dtype}.", "Use 0..255 RGB colours.")
        bg = tuple(float(c) for c in self.background)
        if len(bg) != 3 or not all(0.0 <= c <= 1.0 for c in bg):
            raise InputError(f"The background must be three numbers in 0..1, got {self.background!r}.")
        up = np.asarray(self.up, dtype=np.float64).reshape(3)
        norm = float(np.linalg.norm(up))
        if not np.isfinite(norm) or norm < 1e-9:
            raise InputError(f"The up vector must be non-zero, got {self.up!r}.")
        center = np.asarray(self.center, dtype=np.float64).reshape(3)
        if not (np.isfinite(self.radius) and self.radius > 0):
            raise InputError(f"The scene radius must be positive, got {self.radius!r}.")
        object.__setattr__(self, "views", list(self.views))
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "background", bg)
        object.__setattr__(self, "up", up / norm)
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "radius", float(self.radius))

    def resized(self, long_edge: int) -> Scene:
        """The scene with every image (and mask) scaled to ``long_edge`` pixels on its long side, K to match."""
        if long_edge < 8:
            raise InputError(f"long_edge must be at least 8 pixels, got {long_edge}.")
        return Scene(
            views=[v.resized(long_edge) for v in self.views],
            points=self.points,
            colors=self.colors,
            background=self.background,
            up=self.up,
            center=self.center,
            radius=self.radius,
            meta=dict(self.meta),
        )
