"""The fused CPU compositor: tile-binned, depth-sorted alpha compositing and its backward, compiled by numba.

The same image formation as :mod:`studio.splat.rasterize` (its docstring has the rules), without the
(pixel, Gaussian) pair tensors of the PyTorch path:

1. Binning: each drawn Gaussian (front to back) is listed in every ``TILE_SIZE`` x ``TILE_SIZE`` tile its
   opacity-aware bounding box touches; each tile's list is in depth order.
2. Forward, tile by tile (tiles are independent; threads take them as they get free, the compiled loops
   release the GIL): the tile's Gaussians in order, each over the pixels of its per-row ellipse
   ``sigma <= ln(255 opacity)`` inside the tile (the interval the PyTorch path enumerates). Per pixel it
   keeps the transmittance, the colour sum and the position (in the tile's list) after its last composited
   Gaussian; the tile stops when every pixel's transmittance is cut off.
3. Backward (the 3DGS backward): each tile's list back to front from its pixels' last composited Gaussian,
   the transmittance before each Gaussian recovered by dividing by ``1 - alpha``, the colour behind it summed
   as it goes. Gradients are written per (tile, Gaussian) entry, then summed per Gaussian in one serial pass:
   no races between threads, and the same result for any thread count.

Float32 throughout (the training dtype); the PyTorch path serves other dtypes. This module imports numba at
import time: :mod:`studio.splat.rasterize` imports it only when the CPU path first runs and falls back to
PyTorch, saying why, when numba is missing or broken.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
import torch
from numba import njit
from torch import Tensor

from studio.splat.project_cpu import FusedProject  # re-exported: rasterize loads the kernels from here

__all__ = ["TILE_SIZE", "FusedComposite", "FusedProject", "forward"]

TILE_SIZE = 16  # tile side in pixels (the unit of binning, of parallel work and of the early stop)

# float32 constants (numba keeps global np.float32 values float32, so the arithmetic stays float32 as in
# the PyTorch path; a Python float would promote it to float64).
_ALPHA_MIN = np.float32(1.0 / 255.0)
_ALPHA_MAX = np.float32(0.999)
_T_MIN = np.float32(1e-4)
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)
_WIDEN = np.float32(1e-3)  # the row intervals are widened by a hair, as in rasterize._pixel_pairs
_TINY = np.float32(1e-12)


@njit(cache=True)
def _bin_tiles(means2d, radii, width, height, tile):  # pragma: no cover - compiled
    """Tile lists. means2d [M, 2] f32, radii [M, 2] i32 of the drawn Gaussians, front to back.
    Returns starts [n_tiles + 1] int64 and entries [E] int32 (indices into M, depth order per tile)."""
    n_tx = (width + tile - 1) // tile
    n_ty = (height + tile - 1) // tile
    m = means2d.shape[0]
    boxes = np.empty((m, 4), np.int64)  # tile x0, x1, y0, y1 (inclusive); x1 < x0 and y1 < y0 = none
    counts = np.zeros(n_tx * n_ty + 1, np.int64)
    for g in range(m):
        # every field set, also for the skipped: the second pass loops over the rows of each box
        boxes[g, 0], boxes[g, 1], boxes[g, 2], boxes[g, 3] = 0, -1, 0, -1
        rx = np.float32(radii[g, 0])
        ry = np.float32(radii[g, 1])
        if rx <= 0 or ry <= 0:
            continue
        x0 = min(max(np.ceil(means2d[g, 0] - rx - _HALF), 0.0), width)
        x1 = min(max(np.floor(means2d[g, 0] + rx - _HALF), -1.0), width - 1.0)
        y0 = min(max(np.ceil(means2d[g, 1] - ry - _HALF), 0.0), height)
        y1 = min(max(np.floor(means2d[g, 1] + ry - _HALF), -1.0), height - 1.0)
        if x1 < x0 or y1 < y0:
            continue
        tx0, tx1 = int(x0) // tile, int(x1) // tile
        ty0, ty1 = int(y0) // tile, int(y1) // tile
        boxes[g, 0], boxes[g, 1], boxes[g, 2], boxes[g, 3] = tx0, tx1, ty0, ty1
        for ty in range(ty0, ty1 + 1):
            for tx in range(tx0, tx1 + 1):
                counts[ty * n_tx + tx + 1] += 1
    starts = np.cumsum(counts)
    fill = starts[:-1].copy()
    entries = np.empty(starts[-1], np.int32)
    for g in range(m):
        for ty in range(boxes[g, 2], boxes[g, 3] + 1):
            for tx in range(boxes[g, 0], boxes[g, 1] + 1):
                t = ty * n_tx + tx
                entries[fill[t]] = g
                fill[t] += 1
    return starts, entries


@njit(inline="always")
def _rows(my, ry, py0, py1, height):  # pragma: no cover - compiled
    """The pixel rows [lo, hi] of a Gaussian's bounding box inside the tile rows [py0, py1)."""
    lo = min(max(np.ceil(my - ry - _HALF), 0.0), height)
    hi = min(max(np.floor(my + ry - _HALF), -1.0), height - 1.0)
    return max(int(lo), py0), min(int(hi), py1 - 1)


@njit(inline="always")
def _span(mx, a, b, c, level, dy, px0, px1):  # pragma: no cover - compiled
    """The pixels [lo, hi] of row offset ``dy`` (pixel centre - mean) where sigma <= level / 2, clipped to
    the tile columns [px0, px1); hi < lo when none."""
    bdy = b * dy
    disc = bdy * bdy - a * (c * dy * dy - level)
    if disc < _ZERO or a <= _ZERO:
        return 1, 0
    centre = mx - bdy / a
    half = np.sqrt(disc) / a
    lo = np.ceil(centre - half - _HALF - _WIDEN)
    hi = np.floor(centre + half - _HALF + _WIDEN)
    if not (hi >= px0 and lo < px1):  # also when NaN
        return 1, 0
    lo_i = px0 if lo < px0 else int(lo)  # clamped before the cast (a huge float has no int)
    hi_i = px1 - 1 if hi > px1 - 1 else int(hi)
    return lo_i, hi_i


@njit(nogil=True, cache=True)
def _forward(
    tiles, means2d, conics, opacities, colors, radii, level, starts, entries, width, height, tile,
    rgb_out, t_out, last_out,
):  # pragma: no cover - compiled  # fmt: skip
    """Composite the tiles ``tiles`` (indices, row-major), writing their pixels of rgb_out [H*W, 3] (colour
    sums, no background), t_out [H*W] (final transmittance) and last_out [H*W] (the entry index + 1 of the
    pixel's last composited Gaussian, 0 = none). Tiles own disjoint pixels: threads may share the outputs."""
    n_tx = (width + tile - 1) // tile
    trans = np.empty(tile * tile, np.float32)
    rgb = np.empty((tile * tile, 3), np.float32)
    done = np.empty(tile * tile, np.bool_)
    last = np.empty(tile * tile, np.int64)
    for k in range(tiles.shape[0]):
        t = tiles[k]
        px0 = (t % n_tx) * tile
        py0 = (t // n_tx) * tile
        px1 = min(px0 + tile, width)
        py1 = min(py0 + tile, height)
        n_tile = (px1 - px0) * (py1 - py0)
        trans[:] = _ONE
        rgb[:] = _ZERO
        done[:] = False
        last[:] = 0
        n_done = 0
        for e in range(starts[t], starts[t + 1]):
            g = entries[e]
            mx, my = means2d[g, 0], means2d[g, 1]
            a, b, c = conics[g, 0], conics[g, 1], conics[g, 2]
            op = opacities[g]
            ha, hc = _HALF * a, _HALF * c
            y_lo, y_hi = _rows(my, np.float32(radii[g, 1]), py0, py1, height)
            for y in range(y_lo, y_hi + 1):
                dy = np.float32(y) + _HALF - my
                x_lo, x_hi = _span(mx, a, b, c, level[g], dy, px0, px1)
                bdy = b * dy
                cdy = hc * dy * dy
                for x in range(x_lo, x_hi + 1):
                    p = (y - py0) * tile + (x - px0)
                    if done[p]:
                        continue
                    dx = np.float32(x) + _HALF - mx
                    sigma = (ha * dx + bdy) * dx + cdy
                    if sigma < _ZERO:
                        continue
                    alpha = min(op * np.exp(-sigma), _ALPHA_MAX)
                    if alpha < _ALPHA_MIN:
                        continue
                    t_next = trans[p] * (_ONE - alpha)
                    if t_next <= _T_MIN:
                        done[p] = True
                        n_done += 1
                        continue
                    w = alpha * trans[p]
                    rgb[p, 0] += w * colors[g, 0]
                    rgb[p, 1] += w * colors[g, 1]
                    rgb[p, 2] += w * colors[g, 2]
                    trans[p] = t_next
                    last[p] = e + 1
            if n_done == n_tile:
                break
        for y in range(py0, py1):
            for x in range(px0, px1):
                p = (y - py0) * tile + (x - px0)
                q = y * width + x
                rgb_out[q, 0] = rgb[p, 0]
                rgb_out[q, 1] = rgb[p, 1]
                rgb_out[q, 2] = rgb[p, 2]
                t_out[q] = trans[p]
                last_out[q] = last[p]


@njit(nogil=True, cache=True)
def _backward(
    tiles, means2d, conics, opacities, colors, radii, level, starts, entries, width, height, tile,
    background, t_final, last_px, g_img, g_acc, grads,
):  # pragma: no cover - compiled  # fmt: skip
    """Gradients of the tiles ``tiles`` per entry, into grads [E, 9]: mean x, y; conic a, b, c; opacity;
    colour r, g, b (see rasterize._Composite.backward for the formulas). Tiles own disjoint entries."""
    n_tx = (width + tile - 1) // tile
    bg0, bg1, bg2 = background[0], background[1], background[2]
    trans = np.empty(tile * tile, np.float32)  # transmittance in front of the Gaussian being walked
    behind = np.empty(tile * tile, np.float32)  # sum over the later composited Gaussians of w G.c
    outer = np.empty(tile * tile, np.float32)  # T_final (G.bg - g_acc)
    gi = np.empty((tile * tile, 3), np.float32)
    last = np.empty(tile * tile, np.int64)
    for k in range(tiles.shape[0]):
        t = tiles[k]
        px0 = (t % n_tx) * tile
        py0 = (t // n_tx) * tile
        px1 = min(px0 + tile, width)
        py1 = min(py0 + tile, height)
        behind[:] = _ZERO
        stop = starts[t]
        for y in range(py0, py1):
            for x in range(px0, px1):
                p = (y - py0) * tile + (x - px0)
                q = y * width + x
                trans[p] = t_final[q]
                gi[p, 0], gi[p, 1], gi[p, 2] = g_img[q, 0], g_img[q, 1], g_img[q, 2]
                outer[p] = t_final[q] * (g_img[q, 0] * bg0 + g_img[q, 1] * bg1 + g_img[q, 2] * bg2 - g_acc[q])
                last[p] = last_px[q]
                stop = max(stop, last_px[q])
        for e in range(stop - 1, starts[t] - 1, -1):
            g = entries[e]
            mx, my = means2d[g, 0], means2d[g, 1]
            a, b, c = conics[g, 0], conics[g, 1], conics[g, 2]
            op = opacities[g]
            c0, c1, c2 = colors[g, 0], colors[g, 1], colors[g, 2]
            ha, hc = _HALF * a, _HALF * c
            s_mx = s_my = s_a = s_b = s_c = s_o = s_r = s_g = s_b2 = _ZERO
            y_lo, y_hi = _rows(my, np.float32(radii[g, 1]), py0, py1, height)
            for y in range(y_lo, y_hi + 1):
                dy = np.float32(y) + _HALF - my
                x_lo, x_hi = _span(mx, a, b, c, level[g], dy, px0, px1)
                bdy = b * dy
                cdy = hc * dy * dy
                for x in range(x_lo, x_hi + 1):
                    p = (y - py0) * tile + (x - px0)
                    if e >= last[p]:
                        continue
                    dx = np.float32(x) + _HALF - mx
                    sigma = (ha * dx + bdy) * dx + cdy
                    if sigma < _ZERO:
                        continue
                    alpha = min(op * np.exp(-sigma), _ALPHA_MAX)
                    if alpha < _ALPHA_MIN:
                        continue
                    one_minus = _ONE - alpha
                    tr = trans[p] / one_minus  # the transmittance in front of this Gaussian
                    trans[p] = tr
                    w = alpha * tr
                    gc = gi[p, 0] * c0 + gi[p, 1] * c1 + gi[p, 2] * c2
                    g_alpha = gc * tr - (behind[p] + outer[p]) / one_minus
                    behind[p] += w * gc
                    s_r += w * gi[p, 0]
                    s_g += w * gi[p, 1]
                    s_b2 += w * gi[p, 2]
                    if alpha < _ALPHA_MAX:  # no gradient through the clamp
                        g_sigma = -g_alpha * alpha
                        s_mx -= (a * dx + b * dy) * g_sigma
                        s_my -= (b * dx + c * dy) * g_sigma
                        s_a += _HALF * dx * dx * g_sigma
                        s_b += dx * dy * g_sigma
                        s_c += _HALF * dy * dy * g_sigma
                        s_o += g_alpha * alpha / max(op, _TINY)
            grads[e, 0], grads[e, 1], grads[e, 2], grads[e, 3], grads[e, 4] = s_mx, s_my, s_a, s_b, s_c
            grads[e, 5], grads[e, 6], grads[e, 7], grads[e, 8] = s_o, s_r, s_g, s_b2


@njit(cache=True)
def _sum_entries(grads, entries, m):  # pragma: no cover - compiled
    """Per-entry gradients [E, 9] summed per Gaussian -> [M, 9] (serial, so deterministic)."""
    out = np.zeros((m, 9), np.float32)
    for e in range(entries.shape[0]):
        g = entries[e]
        for k in range(9):
            out[g, k] += grads[e, k]
    return out


# ----------------------------------------------------------------------------------------------- torch glue


def _run_tiles(kernel, costs: np.ndarray, *args) -> None:
    """Run ``kernel(tiles, *args)`` over all tiles on ``torch.get_num_threads()`` threads (the kernels release
    the GIL). Tiles differ a lot in cost (the object sits in the middle), so they go out dearest first in
    small batches that each thread takes as it gets free."""
    n_threads = max(1, min(torch.get_num_threads(), len(costs)))
    order = np.argsort(-costs, kind="stable").astype(np.int64)
    if n_threads == 1:
        kernel(order, *args)
        return
    size = max(1, len(order) // (8 * n_threads))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    counter = itertools.count()  # next() on it is atomic under the GIL
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while (i := next(counter)) < len(batches):
                kernel(batches[i], *args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(n_threads - 1)]
    for thread in threads:
        thread.start()
    work()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _f32(t: Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).contiguous().numpy()


class _Inputs:
    """The drawn Gaussians' parameters, front to back, as float32 numpy arrays, and their tile lists."""

    def __init__(self, means2d, conics, opacities, colors, radii, ids, width: int, height: int):
        self.m = _f32(means2d.index_select(0, ids))
        self.con = _f32(conics.index_select(0, ids))
        op = opacities.detach().index_select(0, ids).to(torch.float32)
        self.op = op.contiguous().numpy()
        # 2 ln(255 o), as rasterize._pixel_pairs computes it (float32)
        self.level = (2.0 * torch.log(op / (1.0 / 255.0)).clamp_min(0.0)).contiguous().numpy()
        self.col = _f32(colors.index_select(0, ids))
        self.rad = radii.index_select(0, ids).to(torch.int32).contiguous().numpy()
        self.width, self.height = width, height
        self.starts, self.entries = _bin_tiles(self.m, self.rad, width, height, TILE_SIZE)

    def forward(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """rgb [H*W, 3] without background, final transmittance [H*W], last composited entry + 1 [H*W]."""
        n_pix = self.width * self.height
        rgb = np.zeros((n_pix, 3), np.float32)
        trans = np.ones(n_pix, np.float32)
        last = np.zeros(n_pix, np.int64)
        _run_tiles(
            _forward, np.diff(self.starts), self.m, self.con, self.op, self.col, self.rad, self.level,
            self.starts, self.entries, self.width, self.height, TILE_SIZE, rgb, trans, last,
        )  # fmt: skip
        return rgb, trans, last

    def backward(self, background, t_final, last, g_img, g_acc) -> np.ndarray:
        """Per-entry gradients [E, 9] (see :func:`_backward`)."""
        grads = np.zeros((len(self.entries), 9), np.float32)
        _run_tiles(
            _backward, np.diff(self.starts), self.m, self.con, self.op, self.col, self.rad, self.level,
            self.starts, self.entries, self.width, self.height, TILE_SIZE, background, t_final, last,
            g_img, g_acc, grads,
        )  # fmt: skip
        return grads


def forward(
    means2d: Tensor,  # [N, 2] px
    conics: Tensor,  # [N, 3]
    opacities: Tensor,  # [N]
    colors: Tensor,  # [N, 3]
    radii: Tensor,  # [N, 2] int32
    ids: Tensor,  # [M] int64 drawn Gaussians, front to back
    width: int,
    height: int,
) -> tuple[Tensor, Tensor]:
    """Forward only: colour sums [H*W, 3] (background not added) and final transmittance [H*W], float32."""
    if len(ids) == 0:
        return torch.zeros(width * height, 3), torch.ones(width * height)
    rgb, trans, _ = _Inputs(means2d, conics, opacities, colors, radii, ids, width, height).forward()
    return torch.from_numpy(rgb), torch.from_numpy(trans)


class FusedComposite(torch.autograd.Function):
    """The kernel as an autograd function: the inputs and outputs of ``rasterize._Composite`` (image [H*W, 3]
    with background, accumulated alpha [H*W]), gradients for means2d, conics, opacities, colours, background."""

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
    ) -> tuple[Tensor, Tensor]:
        n_pix = width * height
        dtype = colors.dtype
        ctx.width, ctx.height, ctx.n = width, height, means2d.shape[0]
        ctx.dtypes = (means2d.dtype, conics.dtype, opacities.dtype, colors.dtype)
        if len(ids) == 0:
            ctx.inputs = None
            t_final = torch.ones(n_pix, dtype=dtype)
            ctx.save_for_backward(ids, t_final, background)
            return background.detach()[None, :].expand(n_pix, 3).clone(), torch.zeros(n_pix, dtype=dtype)
        inputs = _Inputs(means2d, conics, opacities, colors, radii, ids, width, height)
        rgb, trans, last = inputs.forward()
        ctx.inputs, ctx.last = inputs, last
        t_final = torch.from_numpy(trans)
        img = torch.from_numpy(rgb) + t_final[:, None] * background.detach().to(torch.float32)[None, :]
        ctx.save_for_backward(ids, t_final, background)
        return img.to(dtype), (1.0 - t_final).to(dtype)

    @staticmethod
    def backward(ctx, g_img: Tensor, g_acc: Tensor):  # type: ignore[override]
        ids, t_final, background = ctx.saved_tensors
        g_background = (g_img * t_final.to(g_img.dtype)[:, None]).sum(0).to(background.dtype)
        n = ctx.n
        md, cd, od, kd = ctx.dtypes
        inputs: _Inputs | None = ctx.inputs
        if inputs is None:
            return (
                torch.zeros(n, 2, dtype=md),
                torch.zeros(n, 3, dtype=cd),
                torch.zeros(n, dtype=od),
                torch.zeros(n, 3, dtype=kd),
                g_background,
                None,
                None,
                None,
                None,
            )
        per_entry = inputs.backward(_f32(background), t_final.numpy(), ctx.last, _f32(g_img), _f32(g_acc))
        local = torch.from_numpy(_sum_entries(per_entry, inputs.entries, len(ids)))
        grads = torch.zeros(n, 9, dtype=torch.float32).index_copy_(0, ids, local)
        return (
            grads[:, 0:2].to(md),
            grads[:, 2:5].to(cd),
            grads[:, 5].to(od),
            grads[:, 6:9].to(kd),
            g_background,
            None,
            None,
            None,
            None,
        )
