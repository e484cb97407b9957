"""The fused CPU projection: :func:`studio.splat.rasterize.project` (EWA) and its backward, compiled by numba.

Same formulas as the PyTorch projection (its docstring and comments): camera-space mean, covariance
``R_cam R_g S S^T R_g^T R_cam^T`` pushed through the pinhole Jacobian evaluated at a point clamped to 1.3x the
field of view, ``eps2d`` on the diagonal, the conic its inverse, the opacity-aware radii and the same culling.
Once the compositing was compiled (:mod:`studio.splat.raster_cpu`), the projection's ~80 small PyTorch ops and
their autograd were half of a CPU training step; here it is one pass over the Gaussians each way, computed in
float64 and returned in float32. The backward is analytic (chain rule written out below); gradients flow to
means, quaternions and scales (not to the camera: training does not move cameras, and the PyTorch projection
runs when a camera needs gradients).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from numba import njit
from torch import Tensor

_EXTEND_MAX = 3.33  # rasterize.EXTEND_MAX
_ALPHA_MIN = 1.0 / 255.0  # rasterize.ALPHA_MIN


@njit(inline="always")
def _rotation(qw, qx, qy, qz):  # pragma: no cover - compiled
    """Unit quaternion (from any norm) -> its norm and the rotation's 9 entries, row-major."""
    n = max(math.sqrt(qw * qw + qx * qx + qy * qy + qz * qz), 1e-12)
    w, x, y, z = qw / n, qx / n, qy / n, qz / n
    return (
        n,
        w,
        x,
        y,
        z,
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


@njit(nogil=True, cache=True)
def _project_forward(
    means, quats, scales, opacities, rc, tv, fx, fy, cx, cy, width, height, eps2d, near,
    means2d, conics, depths, radii, det_ok,
):  # pragma: no cover - compiled  # fmt: skip
    """Per Gaussian: means2d [N, 2], conics [N, 3], depths [N], radii [N, 2] int32 (0 = culled) and det_ok
    [N] (the 2D covariance's determinant above its clamp: its gradient flows), written into the outputs."""
    lim_xp = (width - cx) / fx + 0.3 * (0.5 * width / fx)
    lim_xn = cx / fx + 0.3 * (0.5 * width / fx)
    lim_yp = (height - cy) / fy + 0.3 * (0.5 * height / fy)
    lim_yn = cy / fy + 0.3 * (0.5 * height / fy)
    for i in range(means.shape[0]):
        px, py, pz = np.float64(means[i, 0]), np.float64(means[i, 1]), np.float64(means[i, 2])
        tx = rc[0, 0] * px + rc[0, 1] * py + rc[0, 2] * pz + tv[0]
        ty = rc[1, 0] * px + rc[1, 1] * py + rc[1, 2] * pz + tv[1]
        tz = rc[2, 0] * px + rc[2, 1] * py + rc[2, 2] * pz + tv[2]
        sz = 1e-6 if abs(tz) < 1e-6 else tz
        iz = 1.0 / sz
        u = min(max(tx * iz, -lim_xn), lim_xp)
        v = min(max(ty * iz, -lim_yn), lim_yp)
        _, _, _, _, _, r00, r01, r02, r10, r11, r12, r20, r21, r22 = _rotation(
            np.float64(quats[i, 0]), np.float64(quats[i, 1]), np.float64(quats[i, 2]), np.float64(quats[i, 3])
        )
        R = ((r00, r01, r02), (r10, r11, r12), (r20, r21, r22))
        sc = (np.float64(scales[i, 0]), np.float64(scales[i, 1]), np.float64(scales[i, 2]))
        a = eps2d
        b = 0.0
        c = eps2d
        for j in range(3):  # column j of W = R_cam R_g S, then the rows t0, t1 of J W
            w0 = (rc[0, 0] * R[0][j] + rc[0, 1] * R[1][j] + rc[0, 2] * R[2][j]) * sc[j]
            w1 = (rc[1, 0] * R[0][j] + rc[1, 1] * R[1][j] + rc[1, 2] * R[2][j]) * sc[j]
            w2 = (rc[2, 0] * R[0][j] + rc[2, 1] * R[1][j] + rc[2, 2] * R[2][j]) * sc[j]
            t0 = fx * iz * (w0 - u * w2)
            t1 = fy * iz * (w1 - v * w2)
            a += t0 * t0
            b += t0 * t1
            c += t1 * t1
        det_raw = a * c - b * b
        det = max(det_raw, 1e-12)
        conics[i, 0] = c / det
        conics[i, 1] = -b / det
        conics[i, 2] = a / det
        mx = fx * tx * iz + cx
        my = fy * ty * iz + cy
        means2d[i, 0] = mx
        means2d[i, 1] = my
        depths[i] = tz
        det_ok[i] = det_raw >= 1e-12
        op = max(np.float64(opacities[i]), 1e-12)
        extend = min(math.sqrt(2.0 * max(math.log(op / _ALPHA_MIN), 0.0)), _EXTEND_MAX)
        rx = math.ceil(extend * math.sqrt(a))
        ry = math.ceil(extend * math.sqrt(c))
        ok = (
            tz > near
            and op >= _ALPHA_MIN
            and det_raw > 1e-12
            and rx > 0
            and ry > 0
            and math.isfinite(mx)
            and math.isfinite(my)
            and mx + rx > 0
            and mx - rx < width
            and my + ry > 0
            and my - ry < height
        )
        radii[i, 0] = rx if ok else 0
        radii[i, 1] = ry if ok else 0


@njit(nogil=True, cache=True)
def _project_backward(
    means, quats, scales, rc, tv, fx, fy, cx, cy, width, height, eps2d,
    g_means2d, g_conics, g_depths, g_means, g_quats, g_scales,
):  # pragma: no cover - compiled  # fmt: skip
    """Gradients of means [N, 3], quats [N, 4], scales [N, 3] from those of means2d, conics and depths."""
    lim_xp = (width - cx) / fx + 0.3 * (0.5 * width / fx)
    lim_xn = cx / fx + 0.3 * (0.5 * width / fx)
    lim_yp = (height - cy) / fy + 0.3 * (0.5 * height / fy)
    lim_yn = cy / fy + 0.3 * (0.5 * height / fy)
    W = np.empty((3, 3))  # W = R_cam R_g S, rows i, columns j
    gW = np.empty((3, 3))
    for i in range(means.shape[0]):
        px, py, pz = np.float64(means[i, 0]), np.float64(means[i, 1]), np.float64(means[i, 2])
        tx = rc[0, 0] * px + rc[0, 1] * py + rc[0, 2] * pz + tv[0]
        ty = rc[1, 0] * px + rc[1, 1] * py + rc[1, 2] * pz + tv[1]
        tz = rc[2, 0] * px + rc[2, 1] * py + rc[2, 2] * pz + tv[2]
        sz = 1e-6 if abs(tz) < 1e-6 else tz
        iz = 1.0 / sz
        ux, vy = tx * iz, ty * iz
        u = min(max(ux, -lim_xn), lim_xp)
        v = min(max(vy, -lim_yn), lim_yp)
        n, w, x, y, z, r00, r01, r02, r10, r11, r12, r20, r21, r22 = _rotation(
            np.float64(quats[i, 0]), np.float64(quats[i, 1]), np.float64(quats[i, 2]), np.float64(quats[i, 3])
        )
        R = ((r00, r01, r02), (r10, r11, r12), (r20, r21, r22))
        s = (np.float64(scales[i, 0]), np.float64(scales[i, 1]), np.float64(scales[i, 2]))
        for k in range(3):
            for j in range(3):
                W[k, j] = (rc[k, 0] * R[0][j] + rc[k, 1] * R[1][j] + rc[k, 2] * R[2][j]) * s[j]
        A0, A1 = fx * iz, fy * iz
        a, b, c = eps2d, 0.0, eps2d
        for j in range(3):
            t0 = A0 * (W[0, j] - u * W[2, j])
            t1 = A1 * (W[1, j] - v * W[2, j])
            a += t0 * t0
            b += t0 * t1
            c += t1 * t1
        det_raw = a * c - b * b
        det = max(det_raw, 1e-12)
        gc0, gc1, gc2 = np.float64(g_conics[i, 0]), np.float64(g_conics[i, 1]), np.float64(g_conics[i, 2])
        # conic = (c, -b, a) / det, det = a c - b^2 (no gradient through the clamp)
        g_det = -(gc0 * c - gc1 * b + gc2 * a) / (det * det) if det_raw >= 1e-12 else 0.0
        g_a = gc2 / det + g_det * c
        g_b = -gc1 / det - 2.0 * g_det * b
        g_c = gc0 / det + g_det * a
        g_u = 0.0
        g_v = 0.0
        g_iz = 0.0
        for j in range(3):
            t0 = A0 * (W[0, j] - u * W[2, j])
            t1 = A1 * (W[1, j] - v * W[2, j])
            gt0 = 2.0 * g_a * t0 + g_b * t1
            gt1 = 2.0 * g_c * t1 + g_b * t0
            gW[0, j] = A0 * gt0
            gW[1, j] = A1 * gt1
            gW[2, j] = -(A0 * u * gt0 + A1 * v * gt1)
            g_u -= A0 * W[2, j] * gt0
            g_v -= A1 * W[2, j] * gt1
            g_iz += fx * (W[0, j] - u * W[2, j]) * gt0 + fy * (W[1, j] - v * W[2, j]) * gt1
        g_tx, g_ty = 0.0, 0.0
        if -lim_xn <= ux <= lim_xp:
            g_tx += g_u * iz
            g_iz += g_u * tx
        if -lim_yn <= vy <= lim_yp:
            g_ty += g_v * iz
            g_iz += g_v * ty
        gmx, gmy = np.float64(g_means2d[i, 0]), np.float64(g_means2d[i, 1])
        g_tx += gmx * fx * iz
        g_ty += gmy * fy * iz
        g_iz += gmx * fx * tx + gmy * fy * ty
        g_tz = np.float64(g_depths[i])
        if abs(tz) >= 1e-6:
            g_tz -= g_iz * iz * iz
        for k in range(3):  # t = R_cam mean + t_cam
            g_means[i, k] = rc[0, k] * g_tx + rc[1, k] * g_ty + rc[2, k] * g_tz
        # W = R_cam M, M[k, j] = R_g[k, j] s_j: gM = R_cam^T gW, g_s_j = sum_k gM[k, j] R_g[k, j]
        g00 = g01 = g02 = g10 = g11 = g12 = g20 = g21 = g22 = 0.0
        for j in range(3):
            gm0 = rc[0, 0] * gW[0, j] + rc[1, 0] * gW[1, j] + rc[2, 0] * gW[2, j]
            gm1 = rc[0, 1] * gW[0, j] + rc[1, 1] * gW[1, j] + rc[2, 1] * gW[2, j]
            gm2 = rc[0, 2] * gW[0, j] + rc[1, 2] * gW[1, j] + rc[2, 2] * gW[2, j]
            g_scales[i, j] = gm0 * R[0][j] + gm1 * R[1][j] + gm2 * R[2][j]
            if j == 0:
                g00, g10, g20 = gm0 * s[0], gm1 * s[0], gm2 * s[0]
            elif j == 1:
                g01, g11, g21 = gm0 * s[1], gm1 * s[1], gm2 * s[1]
            else:
                g02, g12, g22 = gm0 * s[2], gm1 * s[2], gm2 * s[2]
        # R_g from the unit quaternion (w, x, y, z)
        gw = 2.0 * (-z * g01 + y * g02 + z * g10 - x * g12 - y * g20 + x * g21)
        gx = 2.0 * (y * g01 + z * g02 + y * g10 - 2 * x * g11 - w * g12 + z * g20 + w * g21 - 2 * x * g22)
        gy = 2.0 * (-2 * y * g00 + x * g01 + w * g02 + x * g10 + z * g12 - w * g20 + z * g21 - 2 * y * g22)
        gz = 2.0 * (-2 * z * g00 - w * g01 + x * g02 + w * g10 - 2 * z * g11 + y * g12 + x * g20 + y * g21)
        # normalisation q / |q|
        dot = w * gw + x * gx + y * gy + z * gz
        g_quats[i, 0] = (gw - w * dot) / n
        g_quats[i, 1] = (gx - x * dot) / n
        g_quats[i, 2] = (gy - y * dot) / n
        g_quats[i, 3] = (gz - z * dot) / n


def _camera(viewmat: Tensor, K: Tensor):
    view = viewmat.detach().to(torch.float64).numpy()
    k = K.detach().to(torch.float64)
    return (
        np.ascontiguousarray(view[:3, :3]),
        np.ascontiguousarray(view[:3, 3]),
        float(k[0, 0]),
        float(k[1, 1]),
        float(k[0, 2]),
        float(k[1, 2]),
    )


def _f32(t: Tensor) -> np.ndarray:
    return t.detach().to(torch.float32).contiguous().numpy()


class FusedProject(torch.autograd.Function):
    """``rasterize.project`` as one compiled pass: means2d [N, 2], conics [N, 3], depths [N] (differentiable
    in means, quats, scales) and radii [N, 2] int32."""

    @staticmethod
    def forward(ctx, means, quats, scales, opacities, viewmat, K, width, height, eps2d, near_plane):  # type: ignore[override]
        n = means.shape[0]
        cam = _camera(viewmat, K)
        m, q, s = _f32(means), _f32(quats), _f32(scales)
        means2d = np.empty((n, 2), np.float32)
        conics = np.empty((n, 3), np.float32)
        depths = np.empty(n, np.float32)
        radii = np.empty((n, 2), np.int32)
        det_ok = np.empty(n, np.bool_)
        _project_forward(
            m, q, s, _f32(opacities), *cam, int(width), int(height), float(eps2d), float(near_plane),
            means2d, conics, depths, radii, det_ok,
        )  # fmt: skip
        ctx.arrays = (m, q, s)
        ctx.cam = cam
        ctx.size = (int(width), int(height), float(eps2d))
        ctx.dtypes = (means.dtype, quats.dtype, scales.dtype)
        radii_t = torch.from_numpy(radii)
        ctx.mark_non_differentiable(radii_t)
        return torch.from_numpy(means2d), torch.from_numpy(conics), torch.from_numpy(depths), radii_t

    @staticmethod
    def backward(ctx, g_means2d, g_conics, g_depths, _g_radii):  # type: ignore[override]
        m, q, s = ctx.arrays
        n = m.shape[0]
        zeros = torch.zeros
        g_means2d = zeros(n, 2) if g_means2d is None else g_means2d
        g_conics = zeros(n, 3) if g_conics is None else g_conics
        g_depths = zeros(n) if g_depths is None else g_depths
        g_m = np.empty((n, 3), np.float32)
        g_q = np.empty((n, 4), np.float32)
        g_s = np.empty((n, 3), np.float32)
        width, height, eps2d = ctx.size
        _project_backward(
            m, q, s, *ctx.cam, width, height, eps2d, _f32(g_means2d), _f32(g_conics), _f32(g_depths),
            g_m, g_q, g_s,
        )  # fmt: skip
        dm, dq, ds = ctx.dtypes
        return (
            torch.from_numpy(g_m).to(dm),
            torch.from_numpy(g_q).to(dq),
            torch.from_numpy(g_s).to(ds),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )
