"""The Gaussian-splat model: parameters, initialisation, and the model file (safetensors + JSON metadata).

Parameters are stored raw, as the optimiser sees them and as Inria's PLY stores them: log standard deviations,
opacity logits, unnormalised-safe quaternions (w, x, y, z) and SH coefficients ``sh[:, 0]`` = DC.

The model file is one ``.safetensors`` file (no pickle): tensors ``means``, ``quats``, ``log_scales``,
``opacity_logits``, ``sh`` and, in the safetensors metadata, ``studio_splat`` (format version), ``sh_degree``
and ``meta`` (JSON: metrics, training set-up, and the orbit hints ``center``, ``up``, ``radius``, ``front``).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from studio.errors import InputError, ModelError
from studio.fsutil import atomic_output

SH_C0 = 0.28209479177387814  # degree-0 SH basis constant: rgb = 0.5 + SH_C0 * dc
MODEL_FORMAT = "1"
MODEL_SUFFIX = ".safetensors"


def num_sh_coeffs(degree: int) -> int:
    return (degree + 1) ** 2


def rgb_to_sh0(rgb: Tensor) -> Tensor:
    """DC coefficient [..., 3] for a colour in 0..1."""
    return (rgb - 0.5) / SH_C0


def sh0_to_rgb(sh0: Tensor) -> Tensor:
    return sh0 * SH_C0 + 0.5


@dataclass(frozen=True)
class Gaussians:
    """N anisotropic 3D Gaussians with SH colour. All tensors share a device; float32."""

    means: Tensor  # [N, 3] centres, world units
    quats: Tensor  # [N, 4] rotations (w, x, y, z); need not be unit
    log_scales: Tensor  # [N, 3] log of the standard deviations along the local axes
    opacity_logits: Tensor  # [N] logit of the opacity
    sh: Tensor  # [N, K, 3] SH coefficients, K = (sh_degree + 1)^2; sh[:, 0] is the DC term
    sh_degree: int  # 0..3
    meta: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable: metrics, orbit hints, provenance

    def __post_init__(self) -> None:
        n = self.means.shape[0]
        k = num_sh_coeffs(self.sh_degree)
        expected = {
            "means": (n, 3),
            "quats": (n, 4),
            "log_scales": (n, 3),
            "opacity_logits": (n,),
            "sh": (n, k, 3),
        }
        for name, shape in expected.items():
            got = tuple(getattr(self, name).shape)
            if got != shape:
                raise ModelError(f"Gaussians.{name} has shape {got}, expected {shape}.")
        if not 0 <= self.sh_degree <= 3:
            raise ModelError(f"sh_degree must be 0..3, got {self.sh_degree}.")

    # ------------------------------------------------------------------ views
    @property
    def n(self) -> int:
        return int(self.means.shape[0])

    @property
    def scales(self) -> Tensor:
        """[N, 3] standard deviations, world units."""
        return torch.exp(self.log_scales)

    @property
    def opacities(self) -> Tensor:
        """[N] opacities in (0, 1)."""
        return torch.sigmoid(self.opacity_logits)

    @property
    def device(self) -> torch.device:
        return self.means.device

    def tensors(self) -> dict[str, Tensor]:
        return {
            "means": self.means,
            "quats": self.quats,
            "log_scales": self.log_scales,
            "opacity_logits": self.opacity_logits,
            "sh": self.sh,
        }

    def to(self, device: str | torch.device) -> Gaussians:
        return replace(self, **{k: v.to(device) for k, v in self.tensors().items()})

    def detach(self) -> Gaussians:
        return replace(self, **{k: v.detach().clone() for k, v in self.tensors().items()})

    def with_sh_degree(self, degree: int) -> Gaussians:
        """The same Gaussians with SH truncated (or zero-padded) to ``degree``."""
        k = num_sh_coeffs(degree)
        sh = self.sh[:, :k]
        if sh.shape[1] < k:
            sh = torch.cat([sh, torch.zeros(self.n, k - sh.shape[1], 3, dtype=sh.dtype, device=sh.device)], 1)
        return replace(self, sh=sh.contiguous(), sh_degree=degree)

    def with_meta(self, **updates: Any) -> Gaussians:
        return replace(self, meta={**self.meta, **updates})

    # ------------------------------------------------------------------ file
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to ``path`` (``.safetensors``), atomically. Returns the path."""
        from safetensors.torch import save_file

        path = Path(path)
        if path.suffix != MODEL_SUFFIX:
            raise InputError(
                f"The model file must end in {MODEL_SUFFIX}, got {path.name!r}.",
                "Use export() for .ply / .splat / .spz files.",
            )
        tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in self.tensors().items()}
        metadata = {
            "studio_splat": MODEL_FORMAT,
            "sh_degree": str(self.sh_degree),
            "meta": json.dumps(self.meta, sort_keys=True, default=_json_default),
        }
        with atomic_output(path) as tmp:
            save_file(tensors, str(tmp), metadata=metadata)
        return path


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.ndarray, Tensor)):
        return np.asarray(value.tolist() if isinstance(value, Tensor) else value).tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def load_model(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Gaussians:
    """Read a model: our ``.safetensors`` model file, or a standard 3DGS ``.ply`` / ``.splat`` / ``.spz``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"The model file {path} does not exist.", "Train a model first or check the path.")
    suffix = path.suffix.lower()
    if suffix in {".ply", ".splat", ".spz"}:
        from studio.splat import export

        reader = {".ply": export.read_ply, ".splat": export.read_splat, ".spz": export.read_spz}[suffix]
        return reader(path).to(device)
    if suffix != MODEL_SUFFIX:
        raise InputError(
            f"{path.name} is not a splat model.", "Give a .safetensors model or a .ply / .splat / .spz file."
        )
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            metadata = fh.metadata() or {}
            if metadata.get("studio_splat") != MODEL_FORMAT:
                raise ModelError(
                    f"{path.name} is a safetensors file but not a studio splat model (format "
                    f"{metadata.get('studio_splat')!r}, expected {MODEL_FORMAT!r}).",
                    "Give a model written by studio's splat training.",
                )
            tensors = {k: fh.get_tensor(k) for k in ("means", "quats", "log_scales", "opacity_logits", "sh")}
    except SafetensorError as exc:
        raise ModelError(f"{path.name} is not a readable safetensors file ({exc}).") from exc
    except KeyError as exc:
        raise ModelError(
            f"{path.name} lacks the tensor {exc}.", "The file is damaged or from elsewhere."
        ) from exc
    try:
        meta = json.loads(metadata.get("meta", "{}"))
        degree = int(metadata["sh_degree"])
    except (ValueError, KeyError) as exc:
        raise ModelError(f"{path.name} has malformed metadata ({exc}).") from exc
    return Gaussians(
        **{k: v.to(device, torch.float32) for k, v in tensors.items()}, sh_degree=degree, meta=meta
    )


# ------------------------------------------------------------------------------------------ initialisation


def init_from_points(
    points: np.ndarray,
    colors: np.ndarray,
    *,
    sh_degree: int,
    opacity: float = 0.1,
    scale_cap: float | None = None,
) -> Gaussians:
    """Gaussians at ``points`` [P, 3] with ``colors`` [P, 3] uint8; each isotropic with the mean distance to its
    3 nearest neighbours as scale (3DGS), optionally capped at ``scale_cap`` world units."""
    from scipy.spatial import cKDTree

    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(pts) < 4:
        raise InputError(f"At least 4 initial points are needed, got {len(pts)}.")
    dist, _ = cKDTree(pts).query(pts, k=4)
    d = np.sqrt(np.mean(dist[:, 1:] ** 2, axis=1))
    d = np.maximum(d, 1e-7)
    if scale_cap is not None:
        d = np.minimum(d, scale_cap)
    n = len(pts)
    rgb = torch.as_tensor(np.asarray(colors, dtype=np.float32).reshape(-1, 3) / 255.0)
    sh = torch.zeros(n, num_sh_coeffs(sh_degree), 3)
    sh[:, 0] = rgb_to_sh0(rgb)
    quats = torch.zeros(n, 4)
    quats[:, 0] = 1.0
    return Gaussians(
        means=torch.as_tensor(pts, dtype=torch.float32),
        quats=quats,
        log_scales=torch.log(torch.as_tensor(d, dtype=torch.float32))[:, None].repeat(1, 3),
        opacity_logits=torch.full((n,), math.log(opacity / (1.0 - opacity))),
        sh=sh,
        sh_degree=sh_degree,
    )


def sample_in_sphere(n: int, center: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """[n, 3] points uniformly inside the ball (center, radius)."""
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True) + 1e-12
    r = radius * rng.random(n) ** (1.0 / 3.0)
    return np.asarray(center, dtype=np.float64)[None, :] + direction * r[:, None]


def _project_to_pixels(view, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(in_frame [P] bool, row [P], col [P]) of world points in ``view``'s image."""
    cam = pts @ view.world_to_cam[:3, :3].T + view.world_to_cam[:3, 3]
    z = cam[:, 2]
    front = z > 1e-6
    safe_z = np.where(front, z, 1.0)
    col = np.floor((view.K[0, 0] * cam[:, 0] + view.K[0, 2] * z) / safe_z).astype(np.int64)
    row = np.floor((view.K[1, 1] * cam[:, 1] + view.K[1, 2] * z) / safe_z).astype(np.int64)
    ok = front & (col >= 0) & (col < view.width) & (row >= 0) & (row < view.height)
    return ok, np.where(ok, row, 0), np.where(ok, col, 0)


def fill_points(
    points: np.ndarray, center: np.ndarray, views: list, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` coloured random points for a capture without masks: uniform in the ball around ``center`` that holds
    99 % of the SfM ``points``, kept where some view sees them, each coloured by the pixel it projects to in the
    view whose camera is nearest (the likeliest to see it unoccluded).

    Plain walls, sky and other textureless background yield no SfM points; without these the first renders show
    the training background there and densification takes long to grow into it. Returns (points [Q, 3] float64,
    colors [Q, 3] uint8), Q <= n.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if n <= 0 or len(pts) == 0 or not views:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.uint8)
    centre = np.asarray(center, dtype=np.float64)
    radius = float(np.percentile(np.linalg.norm(pts - centre, axis=1), 99))
    cand = sample_in_sphere(2 * n, centre, max(radius, 1e-6), rng)
    best = np.full(len(cand), np.inf)
    colors = np.zeros((len(cand), 3), dtype=np.uint8)
    for view in views:
        ok, row, col = _project_to_pixels(view, cand)
        dist = np.linalg.norm(cand - view.camera_center[None, :], axis=1)
        better = ok & (dist < best)
        best[better] = dist[better]
        colors[better] = view.image[row[better], col[better]]
    seen = np.nonzero(np.isfinite(best))[0][:n]
    return cand[seen], colors[seen]


def carve_points(candidates: np.ndarray, views: list) -> tuple[np.ndarray, np.ndarray]:
    """Space carving: keep the candidate points [P, 3] that fall inside the object mask (>= 0.5) of every
    masked view that sees them, and colour them with the mean of the pixels they project to.

    ``views`` are :class:`studio.splat.scene.View`; views without a mask do not vote. Points seen by no masked
    view are dropped. Returns (points [Q, 3] float64, colors [Q, 3] uint8).
    """
    pts = np.asarray(candidates, dtype=np.float64).reshape(-1, 3)
    masked = [v for v in views if v.mask is not None]
    alive = np.arange(len(pts))
    seen = np.zeros(len(pts), dtype=np.int64)
    for view in masked:  # rejected points leave the working set at once, so this gets cheaper as it goes
        ok, row, col = _project_to_pixels(view, pts[alive])
        inside = view.mask[row, col] >= 0.5
        seen[alive[ok]] += 1
        alive = alive[~ok | inside]
        if len(alive) == 0:
            break
    alive = alive[seen[alive] > 0]
    kept = pts[alive]
    color_sum = np.zeros((len(kept), 3))
    hits = np.zeros(len(kept))
    for view in masked:
        ok, row, col = _project_to_pixels(view, kept)
        color_sum[ok] += view.image[row[ok], col[ok]]
        hits[ok] += 1
    colors = color_sum / np.maximum(hits, 1)[:, None]
    return kept, np.clip(np.round(colors), 0, 255).astype(np.uint8)
