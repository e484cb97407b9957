"""Image metrics for splat training and evaluation: PSNR and SSIM (differentiable, torch).

SSIM is the standard one (Wang et al. 2004): 11x11 Gaussian window with sigma 1.5, C1 = 0.01^2, C2 = 0.03^2,
on images in 0..1, averaged over pixels and channels ("valid" window positions only, as skimage / 3DGS eval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from studio.errors import InputError

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5


def _as_float_image(image: Tensor | np.ndarray) -> Tensor:
    """[H, W, 3] float32 in 0..1 from a uint8 array or a float tensor."""
    if isinstance(image, np.ndarray):
        t = torch.from_numpy(np.array(image, copy=True))
        return t.to(torch.float32) / 255.0 if image.dtype == np.uint8 else t.to(torch.float32)
    return image.to(torch.float32) if image.dtype != torch.uint8 else image.to(torch.float32) / 255.0


def psnr(image: Tensor | np.ndarray, reference: Tensor | np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of ``image`` against ``reference`` ([H, W, C], 0..1 or uint8)."""
    a, b = _as_float_image(image), _as_float_image(reference)
    if a.shape != b.shape:
        raise InputError(f"PSNR needs images of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}.")
    mse = float(torch.mean((a.clamp(0, 1) - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * math.log10(1.0 / mse)


def _band(n: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """[n - 10, n] matrix applying the normalised 11-tap Gaussian at each valid position."""
    x = torch.arange(SSIM_WINDOW, dtype=dtype, device=device) - SSIM_WINDOW // 2
    g = torch.exp(-(x**2) / (2 * SSIM_SIGMA**2))
    g = g / g.sum()
    m = n - SSIM_WINDOW + 1
    band = torch.zeros(m, n, dtype=dtype, device=device)
    rows = torch.arange(m, device=device)[:, None]
    band[rows, rows + torch.arange(SSIM_WINDOW, device=device)[None, :]] = g
    return band


def ssim_map(image: Tensor, reference: Tensor) -> Tensor:
    """SSIM per valid window position, [C, H - 10, W - 10], for [H, W, C] float images (differentiable)."""
    if image.shape != reference.shape or image.ndim != 3:
        raise InputError(
            f"SSIM needs two [H, W, C] images of one shape, got {tuple(image.shape)}, "
            f"{tuple(reference.shape)}."
        )
    h, w, c = image.shape
    if min(h, w) < SSIM_WINDOW:
        raise InputError(f"SSIM needs images of at least {SSIM_WINDOW}x{SSIM_WINDOW} pixels, got {w}x{h}.")
    x = image.permute(2, 0, 1)  # [C, H, W]
    y = reference.permute(2, 0, 1).to(x.dtype)
    # The separable Gaussian blur as two small matrix products (much faster on CPU than conv2d backward).
    bh = _band(h, x.dtype, x.device)
    bw = _band(w, x.dtype, x.device)
    moments = torch.cat([x, y, x * x, y * y, x * y], dim=0)  # [5C, H, W]
    stacked = bh @ moments @ bw.T  # [5C, H - 10, W - 10]
    mu_x, mu_y, xx, yy, xy = stacked.split(c, dim=0)
    var_x = xx - mu_x * mu_x
    var_y = yy - mu_y * mu_y
    cov = xy - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    num = (2 * mu_x * mu_y + c1) * (2 * cov + c2)
    den = (mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2)
    return num / den


def ssim(image: Tensor | np.ndarray, reference: Tensor | np.ndarray) -> float:
    """Mean SSIM of two [H, W, C] images (0..1 floats or uint8)."""
    a, b = _as_float_image(image).clamp(0, 1), _as_float_image(reference)
    with torch.no_grad():
        return float(ssim_map(a, b).mean())


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a model on a set of held-out views."""

    psnr: float  # mean PSNR over views, dB
    ssim: float  # mean SSIM over views
    per_view: dict[str, tuple[float, float]]  # view name -> (psnr dB, ssim)

    def summary(self) -> str:
        return f"held-out PSNR {self.psnr:.2f} dB, SSIM {self.ssim:.4f} over {len(self.per_view)} views"
