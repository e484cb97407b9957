"""Differentiable rasterization of 3D Gaussians: our own CPU (pure PyTorch) path and gsplat's CUDA path.

Both follow the same image formation (the 3DGS / gsplat "classic" model), so a model trained on one renders the
same on the other:

1. Projection (EWA): camera-space mean ``t``, covariance ``R S S^T R^T`` pushed through the Jacobian of the pinhole
   projection (with ``t_x/t_z`` clamped to 1.3x the field of view, as gsplat does), plus ``eps2d = 0.3`` px^2 on the
   diagonal. Gaussians with depth <= ``near_plane``, opacity < 1/255 or no pixel on screen are culled.
2. Colour from spherical harmonics (degree 0..3, Inria's basis order) at the view direction ``mean - camera``,
   then ``max(colour + 0.5, 0)``.
3. Per pixel (centre at ``(j + 0.5, i + 0.5)``), Gaussians front to back by camera depth:
   ``alpha = min(0.999, opacity * exp(-0.5 d^T conic d))``, skipped below 1/255; compositing stops before the
   Gaussian that would take the transmittance to <= 1e-4; the background fills the remaining transmittance.

The CPU path enumerates the exact (pixel, Gaussian) pairs inside each Gaussian's opacity-aware bounding box
(``radius = ceil(min(3.33, sqrt(2 ln(255 opacity))) * sigma)`` per axis: outside it alpha < 1/255, so nothing is
missed), sorts them by pixel (a stable sort keeps depth order), and composites with segmented cumulative sums.
Its backward pass is analytic (``_Composite``), so autograd never stores per-pair intermediates.

That PyTorch compositor is the reference. The CPU default, for float32 inputs, is the fused kernel of
:mod:`studio.splat.raster_cpu` (numba: tiles, no pair tensors, same rules, same results up to float32
rounding); where numba is missing or broken the PyTorch path runs and :func:`fused_problem` says why (logged
once).
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from studio.errors import DependencyError, InputError

ALPHA_MIN = 1.0 / 255.0  # pairs below this alpha are skipped (gsplat's ALPHA_THRESHOLD)
ALPHA_MAX = 0.999  # per-pair alpha clamp
T_MIN = 1e-4  # compositing stops before the transmittance would drop to this
EXTEND_MAX = 3.33  # bounding-box half-size cap, in standard deviations
PAIR_BUDGET = 4_000_000  # (pixel, Gaussian) pairs per chunk at most (bounds memory)
TILE = 8  # side, in pixels, of the tiles that depth-sorted culling tracks as finished
FIRST_CHUNK = 2  # the front-most chunk of Gaussians covers about this x the image's pixels (bounding boxes)

Backend = Literal["torch", "gsplat"]

log = logging.getLogger(__name__)

# Real spherical-harmonic basis constants (degrees 0..3).
_C0 = 0.28209479177387814
_C1 = 0.4886025119029199
_C2 = (1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396)
_C3 = (
    -0.5900435899266435,
    2.890611442640554,
    -0.4570457994644658,
    0.3731763325901154,
    -0.4570457994644658,
    1.445305721320277,
    -0.5900435899266435,
)


@dataclass(frozen=True)
class RenderOutput:
    """One rendered view."""

    image: Tensor  # [H, W, 3] float32 RGB, background included, not clamped (roughly 0..1)
    alpha: Tensor  # [H, W] float32 accumulated opacity in [0, 1]
    means2d: (
        Tensor  # [N, 2] ([1, N, 2] from gsplat) projected centres, px; retain_grad() it for densification
    )
    radii: Tensor  # [N, 2] int32 bounding-box half sizes in pixels; 0 = not drawn in this view
    depths: Tensor  # [N] float32 camera-space depth (z), world units


# ----------------------------------------------------------------------------------------------- geometry


def quat_to_rotmat(quats: Tensor) -> Tensor:
    """Rotation matrices [..., 3, 3] from quaternions [..., 4] (w, x, y, z; normalised here)."""
    w, x, y, z = F.normalize(quats, dim=-1).unbind(-1)
    rows = (
        1 - 2 * (y * y + z * z),
        2 * (x * y - w * z),
        2 * (x * z + w * y),
        2 * (x * y + w * z),
        1 - 2 * (x * x + z * z),
        2 * (y * z - w * x),
        2 * (x * z - w * y),
        2 * (y * z + w * x),
        1 - 2 * (x * x + y * y),
    )
    return torch.stack(rows, dim=-1).reshape(quats.shape[:-1] + (3, 3))


def sh_basis(degree: int, dirs: Tensor) -> Tensor:
    """Real SH basis [..., (degree+1)^2] at unit directions [..., 3] (Inria / gsplat order and signs)."""
    if not 0 <= degree <= 3:
        raise InputError(f"sh_degree must be 0..3, got {degree}.")
    x, y, z = dirs.unbind(-1)
    out = [torch.full_like(x, _C0)]
    if degree >= 1:
        out += [-_C1 * y, _C1 * z, -_C1 * x]
    if degree >= 2:
        xx, yy, zz = x * x, y * y, z * z
        out += [
            _C2[0] * x * y,
            _C2[1] * y * z,
            _C2[2] * (2 * zz - xx - yy),
            _C2[3] * x * z,
            _C2[4] * (xx - yy),
        ]
    if degree >= 3:
        out += [
            _C3[0] * y * (3 * xx - yy),
            _C3[1] * x * y * z,
            _C3[2] * y * (4 * zz - xx - yy),
            _C3[3] * z * (2 * zz - 3 * xx - 3 * yy),
            _C3[4] * x * (4 * zz - xx - yy),
            _C3[5] * z * (xx - yy),
            _C3[6] * x * (xx - 3 * yy),
        ]
    return torch.stack(out, dim=-1)


def sh_to_rgb(sh: Tensor, degree: int, dirs: Tensor) -> Tensor:
    """Colours [N, 3] = max(SH(dirs) + 0.5, 0) from coefficients sh [N, K, 3] and view directions dirs [N, 3]."""
    n_coeffs = (degree + 1) ** 2
    if sh.shape[-2] < n_coeffs:
        raise InputError(f"sh has {sh.shape[-2]} coefficients, degree {degree} needs {n_coeffs}.")
    basis = sh_basis(degree, F.normalize(dirs, dim=-1))  # [N, n]
    rgb = (basis[..., None] * sh[..., :n_coeffs, :]).sum(dim=-2)
    return torch.clamp_min(rgb + 0.5, 0.0)


def project(
    means: Tensor,  # [N, 3] world
    quats: Tensor,  # [N, 4] wxyz (any norm)
    scales: Tensor,  # [N, 3] standard deviations, world units
    opacities: Tensor,  # [N] in (0, 1)
    viewmat: Tensor,  # [4, 4] world-to-camera, OpenCV
    K: Tensor,  # [3, 3] pixels
    width: int,
    height: int,
    eps2d: float = 0.3,
    near_plane: float = 0.01,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """EWA projection. Returns means2d [N, 2] px, conics [N, 3] (inverse 2D covariance: xx, xy, yy, px^-2),
    depths [N] and radii [N, 2] int32 (0 = culled). Differentiable in means2d, conics and depths."""
    R = viewmat[:3, :3]
    t_c = means @ R.T + viewmat[:3, 3]  # [N, 3]
    tx, ty, tz = t_c.unbind(-1)
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    safe_z = torch.where(tz.abs() < 1e-6, torch.full_like(tz, 1e-6), tz)
    inv_z = 1.0 / safe_z
    # The Jacobian is evaluated at a point clamped to 1.3x the field of view (gsplat / Inria), which keeps
    # huge Gaussians just outside the frustum from blowing up.
    lim_xp = (width - cx) / fx + 0.3 * (0.5 * width / fx)
    lim_xn = cx / fx + 0.3 * (0.5 * width / fx)
    lim_yp = (height - cy) / fy + 0.3 * (0.5 * height / fy)
    lim_yn = cy / fy + 0.3 * (0.5 * height / fy)
    u = torch.clamp(tx * inv_z, min=-lim_xn, max=lim_xp)
    v = torch.clamp(ty * inv_z, min=-lim_yn, max=lim_yp)
    # Camera-space covariance = W W^T with W = R_cam R_g S; its image-plane projection through the Jacobian
    # J = [[fx/z, 0, -fx u/z], [0, fy/z, -fy v/z]] is T T^T with T = J W (rows t0, t1), written out
    # element-wise: batched 2x3 / 3x3 matmuls are slow on CPU.
    M = quat_to_rotmat(quats) * scales[:, None, :]  # [N, 3, 3] = R_g S
    Wt = (M.transpose(1, 2).reshape(-1, 3) @ R.T).reshape(-1, 3, 3)  # [N, 3, 3] = (R_cam M)^T, one GEMM
    w0, w1, w2 = Wt[:, :, 0], Wt[:, :, 1], Wt[:, :, 2]
    t0 = (fx * inv_z)[:, None] * (w0 - u[:, None] * w2)
    t1 = (fy * inv_z)[:, None] * (w1 - v[:, None] * w2)
    a = (t0 * t0).sum(-1) + eps2d
    b = (t0 * t1).sum(-1)
    c = (t1 * t1).sum(-1) + eps2d
    det = (a * c - b * b).clamp_min(1e-12)
    conics = torch.stack([c / det, -b / det, a / det], dim=-1)
    means2d = torch.stack([fx * tx * inv_z + cx, fy * ty * inv_z + cy], dim=-1)

    with torch.no_grad():
        op = opacities.detach().clamp_min(1e-12)
        extend = torch.sqrt(2.0 * torch.log(op / ALPHA_MIN).clamp_min(0.0)).clamp_max(EXTEND_MAX)
        rx = torch.ceil(extend * torch.sqrt(a.detach()))
        ry = torch.ceil(extend * torch.sqrt(c.detach()))
        m = means2d.detach()
        ok = (
            (tz.detach() > near_plane)
            & (op >= ALPHA_MIN)
            & (det.detach() > 1e-12)
            & (rx > 0)
            & (ry > 0)
            & (m[:, 0] + rx > 0)
            & (m[:, 0] - rx < width)
            & (m[:, 1] + ry > 0)
            & (m[:, 1] - ry < height)
            & torch.isfinite(m).all(dim=-1)
        )
        radii = torch.stack([rx, ry], dim=-1).masked_fill(~ok[:, None], 0).to(torch.int32)
    return means2d, conics, tz, radii


# ----------------------------------------------------------------------------------------------- pairs


@torch.no_grad()
def _pixel_pairs(
    means2d: Tensor, conics: Tensor, opacities: Tensor, radii: Tensor, ids: Tensor, width: int, height: int
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Every (pixel, Gaussian) pair with alpha >= 1/255 for the Gaussians ``ids`` (given front to back).

    Works row by row: on pixel row ``y`` the pixels with ``opacity * exp(-sigma) >= 1/255`` form one interval
    (the ellipse ``sigma <= ln(255 opacity)``), found by solving a quadratic, so no pair is evaluated in vain.

    Returns, in generation order (grouped by Gaussian in ``ids`` order, then row-major):
    gid [P] int64, pix [P] int64 (row-major pixel index), alpha [P] (0 for the rare boundary pair that rounds
    below 1/255) and lengths [M] (pairs per Gaussian of ``ids``).
    """
    dtype = means2d.dtype
    m = means2d.index_select(0, ids)
    con = conics.index_select(0, ids)
    op = opacities.index_select(0, ids)
    ry = radii.index_select(0, ids)[:, 1].to(dtype)
    n_ids = len(ids)
    y0 = torch.ceil(m[:, 1] - ry - 0.5).clamp(0, height).to(torch.int64)
    y1 = torch.floor(m[:, 1] + ry - 0.5).clamp(-1, height - 1).to(torch.int64)
    bh = (y1 - y0 + 1).clamp_min(0)
    n_rows = int(bh.sum())
    if n_rows == 0:
        empty = torch.empty(0, dtype=torch.int64)
        return empty, empty, torch.empty(0, dtype=dtype), torch.zeros(n_ids, dtype=torch.int64)
    # --- rows: one entry per (Gaussian, pixel row)
    row_g = torch.repeat_interleave(torch.arange(n_ids), bh)
    row_y = y0.index_select(0, row_g) + (
        torch.arange(n_rows) - (torch.cumsum(bh, 0) - bh).index_select(0, row_g)
    )
    mg = m.index_select(0, row_g)
    cg = con.index_select(0, row_g)
    a, b, c = cg[:, 0], cg[:, 1], cg[:, 2]
    level = 2.0 * torch.log(op / ALPHA_MIN).clamp_min(0.0).index_select(0, row_g)  # 2 sigma_max
    dy = row_y.to(dtype) + 0.5 - mg[:, 1]
    disc = (b * dy) ** 2 - a * (c * dy * dy - level)
    centre = mg[:, 0] - b * dy / a
    half = torch.sqrt(disc.clamp_min(0.0)) / a
    # Pixel j is inside when its centre j + 0.5 lies in [centre - half, centre + half] (widened by a hair;
    # the alpha test below drops what rounding lets in).
    x0 = torch.ceil(centre - half - 0.5 - 1e-3).clamp(0, width).to(torch.int64)
    x1 = torch.floor(centre + half - 0.5 + 1e-3).clamp(-1, width - 1).to(torch.int64)
    cnt = torch.where(disc >= 0, (x1 - x0 + 1).clamp_min(0), torch.zeros_like(x0))
    lengths = torch.zeros(n_ids, dtype=torch.int64).index_add_(0, row_g, cnt)
    total = int(cnt.sum())
    if total == 0:
        empty = torch.empty(0, dtype=torch.int64)
        return empty, empty, torch.empty(0, dtype=dtype), lengths
    # --- pairs: sigma(dx) = A dx^2 + B dx + C along the row, dx = pixel centre - mean
    feats = torch.stack(
        [x0.to(dtype) + 0.5 - mg[:, 0], 0.5 * a, b * dy, 0.5 * c * dy * dy, op.index_select(0, row_g)], dim=1
    )
    pair_r = torch.repeat_interleave(torch.arange(n_rows), cnt)
    off = torch.arange(total) - (torch.cumsum(cnt, 0) - cnt).index_select(0, pair_r)
    f = feats.index_select(0, pair_r)
    dx = off.to(dtype) + f[:, 0]
    sigma = (f[:, 1] * dx + f[:, 2]) * dx + f[:, 3]
    alpha = torch.clamp_max(f[:, 4] * torch.exp(-sigma), ALPHA_MAX)
    alpha = torch.where((alpha >= ALPHA_MIN) & (sigma >= 0), alpha, torch.zeros_like(alpha))
    pix = (row_y * width + x0).index_select(0, pair_r) + off
    gid = ids.index_select(0, row_g).index_select(0, pair_r)
    return gid, pix, alpha, lengths


@dataclass(frozen=True)
class _Sorted:
    """Pairs reordered pixel-major (front to back within a pixel) and the pixel segments."""

    perm: Tensor  # [P] int64: sorted[i] = generation[perm[i]]
    pix: Tensor  # [P] int64 sorted pixel of each pair
    gid: Tensor  # [P] int64 Gaussian of each sorted pair
    alpha: Tensor  # [P] alpha of each sorted pair
    counts: Tensor  # [n_pix] int64 pairs per pixel
    starts: Tensor  # [n_pix] int64 first sorted pair of each pixel (clamped into range)


def _sort_pairs(gid: Tensor, pix: Tensor, alpha: Tensor, n_pix: int) -> _Sorted:
    # A stable sort by pixel keeps the generation (depth) order within each pixel. int32 keys sort faster.
    pix_s32, perm = torch.sort(pix.to(torch.int32), stable=True)
    pix_s = pix_s32.to(torch.int64)
    counts = torch.bincount(pix_s, minlength=n_pix)
    starts = (torch.cumsum(counts, 0) - counts).clamp_max(max(len(pix) - 1, 0))
    return _Sorted(perm, pix_s, gid.index_select(0, perm), alpha.index_select(0, perm), counts, starts)


def _segment_prefix(values: Tensor, srt: _Sorted, exclusive: bool) -> Tensor:
    """Cumulative sum of ``values`` (sorted order) restarting at each pixel, in float64 for accuracy."""
    v = values.to(torch.float64)
    cs = torch.cumsum(v, 0)
    excl = cs - v
    base = excl.index_select(0, srt.starts).index_select(0, srt.pix)
    return (excl if exclusive else cs) - base


def _transmittance(
    srt: _Sorted, log_start: Tensor | None, carry: bool = True
) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """Per sorted pair: T before it, whether it is composited (T stays above T_MIN), its weight, and the
    float64 log-transmittance each pixel has after its composited pairs. ``log_start`` [n_pix] float64: the
    pixels' log-transmittance before these pairs (None = 0); ``carry=False`` skips the last output (None)."""
    alpha = srt.alpha
    log_1ma = torch.log1p(-alpha).to(torch.float64)
    log_t = _segment_prefix(log_1ma, srt, exclusive=True)
    if log_start is not None:
        log_t = log_t + log_start.index_select(0, srt.pix)
    trans = torch.exp(log_t).to(alpha.dtype)
    keep = trans * (1.0 - alpha) > T_MIN
    w = torch.where(keep, alpha * trans, torch.zeros_like(alpha))
    if not carry:
        return trans, keep, w, None
    log_after = torch.segment_reduce(
        torch.where(keep, log_1ma, torch.zeros_like(log_1ma)), "sum", lengths=srt.counts, unsafe=True
    )
    if log_start is not None:
        log_after = log_after + log_start
    return trans, keep, w, log_after


def _pixel_sums(values: Tensor, srt: _Sorted) -> Tensor:
    """Sum of per-pair rows [P, F] over each pixel -> [n_pix, F]."""
    return torch.segment_reduce(values, "sum", lengths=srt.counts, axis=0, unsafe=True)


def _pixel_centres(width: int, height: int, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Per pixel (row-major) centre coordinates x + 0.5 and y + 0.5, [H * W] each."""
    xs = torch.arange(width, dtype=dtype) + 0.5
    ys = torch.arange(height, dtype=dtype) + 0.5
    return xs.repeat(height), ys.repeat_interleave(width)


def _chunks(box: Tensor, first: int, cap: int, growth: float = 2.0) -> list[tuple[int, int]]:
    """Split Gaussians (front to back, bounding-box pixels ``box`` [M]) into consecutive chunks of about
    ``first`` box pixels, each next chunk ``growth`` times the last (at most ``cap``): small chunks in front,
    where they decide which pixels are covered, big ones behind, where most of them are culled anyway."""
    bounds = torch.cumsum(box, 0)
    out: list[tuple[int, int]] = []
    start, budget, m = 0, float(min(first, cap)), len(box)
    while start < m:
        limit = (int(bounds[start - 1]) if start else 0) + int(budget)
        stop = max(start + 1, int(torch.searchsorted(bounds, limit, right=True)))
        out.append((start, min(stop, m)))
        start = stop
        budget = min(budget * growth, float(cap))
    return out


class _Coverage:
    """Which pixels are finished (transmittance cut off) and which ``TILE`` x ``TILE`` tiles are all finished:
    a Gaussian whose bounding box lies in finished tiles only is culled before its pairs are made."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.done = torch.zeros(width * height, dtype=torch.bool)
        self.tiles_x = -(-width // TILE)
        self.tiles_y = -(-height // TILE)
        self.open_area: Tensor | None = None  # [ty + 1, tx + 1] summed-area table of unfinished tiles

    def finish(self, pix: Tensor) -> None:
        if len(pix) == 0:
            return
        self.done[pix] = True
        pad_w, pad_h = self.tiles_x * TILE, self.tiles_y * TILE
        grid = torch.ones(pad_h, pad_w, dtype=torch.bool)  # pixels past the image edge count as finished
        grid[: self.height, : self.width] = self.done.view(self.height, self.width)
        tile_done = grid.view(self.tiles_y, TILE, self.tiles_x, TILE).all(dim=3).all(dim=1)
        area = torch.zeros(self.tiles_y + 1, self.tiles_x + 1, dtype=torch.int32)
        area[1:, 1:] = (~tile_done).to(torch.int32).cumsum(0).cumsum(1)
        self.open_area = area

    def visible(self, means2d: Tensor, radii: Tensor, ids: Tensor) -> Tensor:
        """The Gaussians of ``ids`` whose bounding box touches an unfinished tile."""
        if self.open_area is None:
            return ids
        m = means2d.index_select(0, ids)
        r = radii.index_select(0, ids).to(m.dtype)
        x0 = ((m[:, 0] - r[:, 0]) / TILE).floor().clamp(0, self.tiles_x - 1).to(torch.int64)
        x1 = ((m[:, 0] + r[:, 0]) / TILE).floor().clamp(0, self.tiles_x - 1).to(torch.int64) + 1
        y0 = ((m[:, 1] - r[:, 1]) / TILE).floor().clamp(0, self.tiles_y - 1).to(torch.int64)
        y1 = ((m[:, 1] + r[:, 1]) / TILE).floor().clamp(0, self.tiles_y - 1).to(torch.int64) + 1
        a = self.open_area
        n_open = a[y1, x1] - a[y0, x1] - a[y1, x0] + a[y0, x0]
        return ids[n_open > 0]


def _composite_front_to_back(
    means2d: Tensor,
    conics: Tensor,
    opacities: Tensor,
    colors: Tensor,
    radii: Tensor,
    ids: Tensor,
    width: int,
    height: int,
    first_chunk: int,
    keep_pairs: bool,
    pair_budget: int = PAIR_BUDGET,
) -> tuple[Tensor, Tensor, list[tuple[Tensor, ...]]]:
    """Composite the Gaussians ``ids`` (front to back) chunk by chunk, carrying each pixel's transmittance.

    Depth-sorted culling: after each chunk the pixels whose transmittance was cut off are finished; later
    Gaussians lying only on finished tiles make no pairs at all, and pairs on finished pixels are dropped before
    sorting. The transmittance is carried as a float64 logarithm, so chunks change nothing but float rounding.
    Returns the colour sums [n_pix, 3], the final transmittance [n_pix] and, with ``keep_pairs``, the
    composited pairs of each chunk (pix, gid, alpha, T before the pair, weight), pixel-major within a chunk.
    """
    n_pix = width * height
    dtype = colors.dtype
    rgb = torch.zeros(n_pix, 3, dtype=dtype)
    acc = torch.zeros(n_pix, dtype=dtype)
    log_t: Tensor | None = None  # float64 log-transmittance carried from chunk to chunk
    cover = _Coverage(width, height)
    kept: list[tuple[Tensor, ...]] = []
    r = radii.index_select(0, ids).to(torch.int64)
    box = ((2 * r[:, 0] + 1) * (2 * r[:, 1] + 1)).clamp_max(n_pix)
    chunks = _chunks(box, first_chunk, pair_budget)
    for k, (start, stop) in enumerate(chunks):
        last = k == len(chunks) - 1
        chunk = cover.visible(means2d, radii, ids[start:stop])
        if len(chunk) == 0:
            continue
        gid, pix, alpha, _ = _pixel_pairs(means2d, conics, opacities, radii, chunk, width, height)
        if cover.open_area is not None:  # drop the pairs on finished pixels before sorting
            live = torch.nonzero((alpha > 0) & ~cover.done.index_select(0, pix)).squeeze(1)
            if len(live) == 0:
                continue
            gid, pix, alpha = (
                gid.index_select(0, live),
                pix.index_select(0, live),
                alpha.index_select(0, live),
            )
        srt = _sort_pairs(gid, pix, alpha, n_pix)
        del gid, pix, alpha
        t_pair, keep, w, log_t = _transmittance(srt, log_t, carry=not last)
        sums = _pixel_sums(torch.cat([w[:, None], w[:, None] * colors.index_select(0, srt.gid)], dim=1), srt)
        rgb += sums[:, 1:]
        acc += sums[:, 0]
        if keep_pairs:
            sel = torch.nonzero(keep & (srt.alpha > 0)).squeeze(1)
            kept.append(tuple(x.index_select(0, sel) for x in (srt.pix, srt.gid, srt.alpha, t_pair, w)))
        if last:
            break
        cover.finish(srt.pix[~keep])
        if bool(cover.done.all()):
            break
    return rgb, (1.0 - acc).clamp_min(0.0), kept


class _Composite(torch.autograd.Function):
    """Front-to-back alpha compositing of (pixel, Gaussian) pairs with an analytic backward.

    The forward keeps only the composited pairs (alpha > 0, transmittance not yet cut off), pixel-major, so the
    backward's work is proportional to them, not to every pair in the bounding boxes.
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx,
        means2d: Tensor,  # [N, 2]
        conics: Tensor,  # [N, 3]
        opacities: Tensor,  # [N]
        colors: Tensor,  # [N, 3]
        background: Tensor,  # [3]
        radii: Tensor,  # [N, 2] int32
        ids: Tensor,  # [M] int64 drawn Gaussians, front to back
        width: int,
        height: int,
        first_chunk: int,
    ) -> tuple[Tensor, Tensor]:
        ctx.width, ctx.height = width, height
        r = radii.index_select(0, ids).to(torch.int64)
        if int(((2 * r[:, 0] + 1) * (2 * r[:, 1] + 1)).sum()) <= first_chunk:
            return _Composite._one_pass(ctx, means2d, conics, opacities, colors, background, radii, ids)
        rgb, t_final, chunks = _composite_front_to_back(
            means2d, conics, opacities, colors, radii, ids, width, height, first_chunk, keep_pairs=True
        )
        img = rgb + t_final[:, None] * background[None, :]
        if not chunks:
            empty = torch.empty(0, dtype=torch.int64)
            none = torch.empty(0, dtype=colors.dtype)
            saved = (empty, empty, none, none, none)
        elif len(chunks) == 1:
            saved = chunks[0]
        else:  # pixel-major across chunks: a stable sort keeps the chunks' (front-to-back) order in a pixel
            pix, gid, alpha, trans, w = (torch.cat(parts) for parts in zip(*chunks))
            order = torch.sort(pix.to(torch.int32), stable=True)[1]
            saved = tuple(x.index_select(0, order) for x in (pix, gid, alpha, trans, w))
        ctx.save_for_backward(means2d, conics, opacities, colors, background, *saved, t_final)
        return img, 1.0 - t_final

    @staticmethod
    def _one_pass(ctx, means2d, conics, opacities, colors, background, radii, ids) -> tuple[Tensor, Tensor]:
        """All pairs at once (a view within one chunk): no coverage bookkeeping, no carried transmittance."""
        width, height = ctx.width, ctx.height
        n_pix = width * height
        gid, pix, alpha, _ = _pixel_pairs(means2d, conics, opacities, radii, ids, width, height)
        if len(gid) == 0:
            empty = torch.empty(0, dtype=torch.int64)
            none = torch.empty(0, dtype=colors.dtype)
            t_final = torch.ones(n_pix, dtype=colors.dtype)
            ctx.save_for_backward(
                means2d, conics, opacities, colors, background, empty, empty, none, none, none, t_final
            )
            return background[None, :].expand(n_pix, 3).clone(), torch.zeros(n_pix, dtype=colors.dtype)
        srt = _sort_pairs(gid, pix, alpha, n_pix)
        del gid, pix, alpha
        trans, keep, w, _ = _transmittance(srt, None, carry=False)
        col = colors.index_select(0, srt.gid)
        acc = torch.segment_reduce(w, "sum", lengths=srt.counts, unsafe=True)
        rgb = torch.segment_reduce(w[:, None] * col, "sum", lengths=srt.counts, axis=0, unsafe=True)
        t_final = (1.0 - acc).clamp_min(0.0)
        img = rgb + t_final[:, None] * background[None, :]
        live = torch.nonzero(keep & (srt.alpha > 0)).squeeze(1)
        saved = (x.index_select(0, live) for x in (srt.pix, srt.gid, srt.alpha, trans, w))
        ctx.save_for_backward(means2d, conics, opacities, colors, background, *saved, t_final)
        return img, acc

    @staticmethod
    def backward(ctx, g_img: Tensor, g_acc: Tensor):  # type: ignore[override]
        means2d, conics, opacities, colors, background, pix, gid, alpha, trans, w, t_final = ctx.saved_tensors
        width, height = ctx.width, ctx.height
        n = means2d.shape[0]
        g_background = (g_img * t_final[:, None]).sum(0)
        if len(pix) == 0:
            return (
                torch.zeros_like(means2d),
                torch.zeros_like(conics),
                torch.zeros_like(opacities),
                torch.zeros_like(colors),
                g_background,
                None,
                None,
                None,
                None,
                None,
            )
        g_img = g_img.contiguous()
        g_acc = g_acc.contiguous()
        n_pix = width * height
        counts = torch.bincount(pix, minlength=n_pix)
        starts = torch.cumsum(counts, 0) - counts
        # Composited pairs only, pixel-major, front to back. With C = sum_i c_i a_i T_i + T_f bg and
        # A = 1 - T_f:  dL/da_i = G.c_i T_i - (sum_{j>i} w_j G.c_j + T_f (G.bg - gA)) / (1 - a_i).
        G = g_img.index_select(0, pix)  # [K, 3]
        col = colors.index_select(0, gid)  # [K, 3]
        gc = (G * col).sum(1)
        q = (w * gc).to(torch.float64)
        incl = torch.cumsum(q, 0)
        last = incl.index_select(0, (starts + counts - 1).clamp_min(0))  # running sum at each pixel's end
        suffix = last.index_select(0, pix) - incl  # sum over the later pairs of the same pixel
        pixel_term = t_final * ((g_img @ background) - g_acc)  # [n_pix]
        tail = suffix.to(w.dtype) + pixel_term.index_select(0, pix)
        g_alpha = gc * trans - tail / (1.0 - alpha)
        # alpha = min(0.999, o exp(-sigma)): no gradient through the clamp (as gsplat).
        g_alpha = torch.where(alpha < ALPHA_MAX, g_alpha, torch.zeros_like(g_alpha))
        op = opacities.index_select(0, gid)
        m = means2d.index_select(0, gid)
        con = conics.index_select(0, gid)
        cx, cy = _pixel_centres(width, height, m.dtype)
        dx = cx.index_select(0, pix) - m[:, 0]
        dy = cy.index_select(0, pix) - m[:, 1]
        g_sigma = -g_alpha * alpha  # sigma = 0.5 (a dx^2 + c dy^2) + b dx dy with d = pixel - mean
        a, b, c = con.unbind(1)
        columns = (
            -(a * dx + b * dy) * g_sigma,  # mean x
            -(b * dx + c * dy) * g_sigma,  # mean y
            0.5 * dx * dx * g_sigma,  # conic a
            dx * dy * g_sigma,  # conic b
            0.5 * dy * dy * g_sigma,  # conic c
            g_alpha * alpha / op.clamp_min(1e-12),  # opacity: d alpha / d o = exp(-sigma)
            w * G[:, 0],  # colour
            w * G[:, 1],
            w * G[:, 2],
        )
        rows = torch.zeros(9, n, dtype=g_sigma.dtype)
        for k, column in enumerate(columns):  # nine 1-D scatters beat one [K, 9] scatter on CPU
            rows[k].index_add_(0, gid, column)
        grads = rows.T
        return (
            grads[:, 0:2],
            grads[:, 2:5],
            rows[5],
            grads[:, 6:9],
            g_background,
            None,
            None,
            None,
            None,
            None,
        )


# ----------------------------------------------------------------------------------------------- fused kernel

_fused_lock = threading.Lock()
_fused_state: dict[str, object] = {}  # process-wide: "module" (the loaded kernel) or "problem" (why not)


def _probe_fused() -> ModuleType:
    """Import the fused kernel and run it once on a tiny scene (compiling it, or loading numba's cache), so a
    broken numba shows here and not in the middle of training."""
    raster_cpu = importlib.import_module("studio.splat.raster_cpu")  # through sys.modules (tests stub it)
    view = torch.eye(4)
    view[2, 3] = 2.0
    K = torch.tensor([[20.0, 0.0, 10.0], [0.0, 20.0, 9.0], [0.0, 0.0, 1.0]])
    g = torch.Generator().manual_seed(0)  # its own generator: the global one belongs to the caller (training)
    params = [torch.rand(6, 3, generator=g) - 0.5, torch.rand(6, 4, generator=g), torch.full((6, 3), 0.05)]
    params = [t.requires_grad_() for t in params]
    m2, con, _, _ = raster_cpu.FusedProject.apply(*params, torch.full((6,), 0.7), view, K, 20, 18, 0.3, 0.01)
    (m2.sum() + con.sum()).backward()
    means2d = (torch.rand(6, 2, generator=g) * 20).requires_grad_()
    conics = torch.tensor([[0.2, 0.01, 0.3]]).repeat(6, 1).requires_grad_()
    opac = torch.full((6,), 0.7, requires_grad=True)
    colors = torch.rand(6, 3, generator=g, requires_grad=True)
    radii = torch.full((6, 2), 6, dtype=torch.int32)
    ids = torch.arange(6)
    bg = torch.ones(3)
    img, acc = raster_cpu.FusedComposite.apply(means2d, conics, opac, colors, bg, radii, ids, 20, 18)
    (img.sum() + acc.sum()).backward()
    raster_cpu.forward(means2d.detach(), conics.detach(), opac.detach(), colors.detach(), radii, ids, 20, 18)
    finite = [means2d.grad, img, *(p.grad for p in params)]
    if not all(bool(torch.isfinite(t).all()) for t in finite):
        raise RuntimeError("the compiled kernel returned non-finite values on a test scene")
    return raster_cpu


def fused_kernel() -> ModuleType | None:
    """The fused CPU compositor (:mod:`studio.splat.raster_cpu`), or None when it cannot run here; the first
    call imports and tries it (seconds: numba compiles it, or loads its on-disk cache)."""
    with _fused_lock:
        if not _fused_state:
            try:
                with torch.enable_grad():  # the first render may well be a forward-only one (a spin)
                    _fused_state["module"] = _probe_fused()
            except Exception as exc:  # noqa: BLE001 - any failure (ImportError, numba typing or lowering errors, a broken llvmlite) means the reference path, with the reason
                text = str(exc).strip()
                reason = f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
                _fused_state["problem"] = reason
                log.warning(
                    "The fused CPU rasterizer (numba) cannot run (%s); using the slower PyTorch path. "
                    "A working numba (pip install numba) makes CPU training and spins several times faster.",
                    _fused_state["problem"],
                )
        module = _fused_state.get("module")
        return module if isinstance(module, ModuleType) else None


def fused_problem() -> str | None:
    """Why the fused CPU compositor is not used (None when it is, or when no CPU render has asked yet)."""
    problem = _fused_state.get("problem")
    return problem if isinstance(problem, str) else None


def _use_fused(fused: bool | None, *tensors: Tensor) -> ModuleType | None:
    """The kernel module when this call should use it: ``fused=None`` for float32 inputs when it loads,
    ``True`` always (DependencyError if it cannot), ``False`` never."""
    if fused is False:
        return None
    if fused is None and any(t.dtype != torch.float32 for t in tensors):
        return None  # float32 kernel; other dtypes (references, gradient checks) take the PyTorch path
    module = fused_kernel()
    if module is None and fused:
        raise DependencyError(
            f"The fused CPU rasterizer cannot run: {fused_problem()}.",
            "pip install numba, or pass fused=None.",
        )
    return module


def _draw_order(radii: Tensor, depths: Tensor) -> Tensor:
    """Indices of the drawn Gaussians (radii > 0), front to back."""
    visible = torch.nonzero((radii > 0).all(dim=-1)).squeeze(1)
    return visible.index_select(0, torch.argsort(depths.index_select(0, visible), stable=True))


def composite(
    means2d: Tensor,
    conics: Tensor,
    opacities: Tensor,
    colors: Tensor,
    radii: Tensor,
    depths: Tensor,
    background: Tensor,
    width: int,
    height: int,
    first_chunk: int | None = None,
    fused: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """Composite projected Gaussians into an image [H, W, 3] and an alpha [H, W] (differentiable, CPU).

    means2d [N, 2] px, conics [N, 3], opacities [N], colors [N, 3], radii [N, 2] (0 = skip), depths [N],
    background [3]. ``fused``: the compiled kernel (None: for float32 inputs when numba works, see
    :func:`_use_fused`; False: the PyTorch compositor). ``first_chunk`` (PyTorch compositor only; giving it
    selects that path): bounding-box pixels of the front-most chunk of Gaussians (chunks then double, see
    :func:`_composite_front_to_back`). The default, ``PAIR_BUDGET``, composites a training view in one
    pass: at training sizes (100-500 px) the chunks' overhead and the backward's extra sort outweighed what
    culling saved (bench/splat_step_cost.py), so only views bigger than the budget are chunked.
    """
    with torch.no_grad():
        ids = _draw_order(radii, depths.detach())
    kernel = None if first_chunk is not None else _use_fused(fused, means2d, conics, opacities, colors)
    if kernel is not None:
        img, acc = kernel.FusedComposite.apply(
            means2d, conics, opacities, colors, background, radii, ids, width, height
        )
        return img.reshape(height, width, 3), acc.reshape(height, width)
    first = first_chunk if first_chunk is not None else PAIR_BUDGET
    img, acc = _Composite.apply(
        means2d, conics, opacities, colors, background, radii, ids, width, height, first
    )
    return img.reshape(height, width, 3), acc.reshape(height, width)


@torch.no_grad()
def composite_chunked(
    means2d: Tensor,
    conics: Tensor,
    opacities: Tensor,
    colors: Tensor,
    radii: Tensor,
    depths: Tensor,
    background: Tensor,
    width: int,
    height: int,
    pair_budget: int | None = None,
    order: Tensor | None = None,
    fused: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """Forward-only :func:`composite`: the fused kernel (``fused`` as there) or, with the PyTorch compositor,
    in bounded memory (chunks of at most ``pair_budget`` bounding-box pixels, default ``PAIR_BUDGET``;
    giving it selects that path). ``order``: the drawn Gaussians front to back, if the caller has them (a spin
    reuses one view's order for its neighbours: Gaussians not drawn here are skipped, and an order slightly
    off only changes pairs of nearly equal depth). Same image as :func:`composite` up to float rounding (with
    its own order)."""
    if order is None:
        order = _draw_order(radii, depths)
    else:
        order = order[(radii.index_select(0, order) > 0).all(dim=-1)]
    kernel = None if pair_budget is not None else _use_fused(fused, means2d, conics, opacities, colors)
    if kernel is not None:
        rgb, trans = kernel.forward(means2d, conics, opacities, colors, radii, order, width, height)
        img = rgb + trans[:, None] * background.to(torch.float32)[None, :]
        return img.reshape(height, width, 3), (1.0 - trans).reshape(height, width)
    rgb, trans, _ = _composite_front_to_back(
        means2d,
        conics,
        opacities,
        colors,
        radii,
        order,
        width,
        height,
        FIRST_CHUNK * width * height,
        keep_pairs=False,
        pair_budget=PAIR_BUDGET if pair_budget is None else pair_budget,
    )
    img = rgb + trans[:, None] * background[None, :]
    return img.reshape(height, width, 3), (1.0 - trans).reshape(height, width)


# ----------------------------------------------------------------------------------------------- entry point


def rasterize(
    means: Tensor,  # [N, 3] world
    quats: Tensor,  # [N, 4] wxyz
    scales: Tensor,  # [N, 3] standard deviations (activated), world units
    opacities: Tensor,  # [N] (activated) in (0, 1)
    sh: Tensor,  # [N, K, 3] SH coefficients, K >= (sh_degree + 1)^2
    sh_degree: int,
    viewmat: Tensor,  # [4, 4] world-to-camera, OpenCV
    K: Tensor,  # [3, 3] pixels
    width: int,
    height: int,
    background: Tensor,  # [3] RGB 0..1
    *,
    backend: Backend = "torch",
    eps2d: float = 0.3,
    near_plane: float = 0.01,
    order: Tensor | None = None,
    fused: bool | None = None,
) -> RenderOutput:
    """Render one view. ``backend="torch"`` runs anywhere (our rasterizer; differentiable when inputs require
    grad, forward-only otherwise); ``backend="gsplat"`` calls ``gsplat.rasterization`` on CUDA tensors.
    ``order`` (forward-only, torch backend): Gaussian indices front to back from a nearby view, reused instead
    of sorting this view's depths (see :func:`composite_chunked`). ``fused`` (torch backend): the compiled
    projection (:mod:`studio.splat.project_cpu`) and compositor (None = when they can run, for float32;
    False = the PyTorch ones; see :func:`composite`).
    """
    if width <= 0 or height <= 0:
        raise InputError(f"Image size must be positive, got {width}x{height}.")
    if backend == "gsplat":
        return _rasterize_gsplat(
            means,
            quats,
            scales,
            opacities,
            sh,
            sh_degree,
            viewmat,
            K,
            width,
            height,
            background,
            eps2d,
            near_plane,
        )
    if backend != "torch":
        raise InputError(f"Unknown rasterizer backend {backend!r}.", "Use 'torch' or 'gsplat'.")
    if means.device.type != "cpu":
        raise InputError("The torch rasterizer runs on CPU tensors.", "Use backend='gsplat' on CUDA.")
    kernel = None
    if not (viewmat.requires_grad or K.requires_grad):  # the compiled projection has no camera gradients
        kernel = _use_fused(fused, means, quats, scales, opacities)
    if kernel is not None:
        means2d, conics, depths, radii = kernel.FusedProject.apply(
            means, quats, scales, opacities, viewmat, K, width, height, eps2d, near_plane
        )
    else:
        means2d, conics, depths, radii = project(
            means, quats, scales, opacities, viewmat, K, width, height, eps2d=eps2d, near_plane=near_plane
        )
    cam_pos = -viewmat[:3, :3].T @ viewmat[:3, 3]
    colors = sh_to_rgb(sh, sh_degree, means - cam_pos)
    needs_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in (means, quats, scales, opacities, sh, background)
    )
    if needs_grad:
        image, alpha = composite(
            means2d, conics, opacities, colors, radii, depths, background, width, height, fused=fused
        )
    else:
        image, alpha = composite_chunked(
            means2d.detach(),
            conics.detach(),
            opacities.detach(),
            colors.detach(),
            radii,
            depths.detach(),
            background.detach(),
            width,
            height,
            order=order,
            fused=fused,
        )
    return RenderOutput(image=image, alpha=alpha, means2d=means2d, radii=radii, depths=depths)


def _rasterize_gsplat(
    means, quats, scales, opacities, sh, sh_degree, viewmat, K, width, height, background, eps2d, near_plane
) -> RenderOutput:
    if not torch.cuda.is_available():
        raise DependencyError(
            "The gsplat rasterizer needs a CUDA GPU and none is available.", "Train with device='cpu'."
        )
    try:
        from gsplat import rasterization
    except ImportError as exc:  # pragma: no cover - gsplat is a declared dependency
        raise DependencyError("gsplat is not installed.", "pip install gsplat") from exc
    if means.device.type != "cuda":
        raise InputError("The gsplat rasterizer needs CUDA tensors.", "Move the model to 'cuda' first.")
    colors, alphas, info = rasterization(
        means,
        quats,
        scales,
        opacities,
        sh,
        viewmat[None],
        K[None],
        width,
        height,
        near_plane=near_plane,
        eps2d=eps2d,
        sh_degree=sh_degree,
        packed=False,
        backgrounds=background[None],
    )
    return RenderOutput(
        image=colors[0],
        alpha=alphas[0, ..., 0],
        means2d=info["means2d"],
        radii=info["radii"][0],
        depths=info["depths"][0],
    )


def tensor_size_ok(width: int, height: int) -> None:
    """Raise if an image of ``width`` x ``height`` cannot be rendered (guards absurd sizes)."""
    if width < 1 or height < 1 or width * height > 64_000_000:
        raise InputError(f"Cannot render {width}x{height} pixels.", "Use 1..8000 pixels per side.")


# ----------------------------------------------------------------------------------------------- conveniences


def render_gaussians(
    gaussians,
    K,
    world_to_cam,
    width: int,
    height: int,
    background=(1.0, 1.0, 1.0),
    *,
    sh_degree: int | None = None,
    backend: Backend | None = None,
    order=None,
) -> RenderOutput:
    """Render a :class:`~studio.splat.gaussians.Gaussians` model from a camera (K [3, 3] px, world_to_cam
    [4, 4] OpenCV; numpy or torch). The backend defaults to gsplat for CUDA models, ours otherwise."""
    device = gaussians.device
    if backend is None:
        backend = "gsplat" if device.type == "cuda" else "torch"
    degree = gaussians.sh_degree if sh_degree is None else min(sh_degree, gaussians.sh_degree)
    n_coeffs = (degree + 1) ** 2
    K_t = torch.as_tensor(K, dtype=torch.float32, device=device)
    view_t = torch.as_tensor(world_to_cam, dtype=torch.float32, device=device)
    bg = torch.as_tensor(background, dtype=torch.float32, device=device)
    tensor_size_ok(width, height)
    return rasterize(
        gaussians.means,
        gaussians.quats,
        gaussians.scales,
        gaussians.opacities,
        gaussians.sh[:, :n_coeffs],
        degree,
        view_t,
        K_t,
        int(width),
        int(height),
        bg,
        backend=backend,
        order=order,
    )


def depth_order(means: Tensor, world_to_cam) -> Tensor:
    """Indices of all Gaussians front to back (camera depth) as seen by ``world_to_cam`` [4, 4]: a view's order
    that nearby views can reuse (``render_gaussians(..., order=...)``)."""
    view = torch.as_tensor(world_to_cam, dtype=means.dtype, device=means.device)
    depths = means @ view[2, :3] + view[2, 3]
    return torch.argsort(depths, stable=True)


def to_uint8(image: Tensor):
    """[H, W, 3] float 0..1 tensor -> numpy uint8 (rounded, clamped)."""
    return (image.detach().clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).cpu().numpy()


def render_view(
    gaussians,
    K,
    world_to_cam,
    width: int,
    height: int,
    background=(1.0, 1.0, 1.0),
    order: Tensor | None = None,
):
    """Render ``gaussians`` as an [H, W, 3] uint8 RGB numpy image (no gradients); ``order`` as in
    :func:`render_gaussians`."""
    with torch.no_grad():
        out = render_gaussians(gaussians, K, world_to_cam, width, height, background, order=order)
    return to_uint8(out.image)
