"""Product-faithful motion: the product's pixels come from the photo, the model only makes the world move.

A photo-to-video model redraws the whole frame, so logos smear and label text melts. Faithful mode keeps the
product out of the model's hands:

1. ``product_mask``: the product's mask from the photo's alpha, or the splat package's weight-free background
   separation (``studio.splat.focus.background_mask``) for a photo on a plain backdrop;
2. the model generates the scene around the (fitted) photo;
3. ``correct_colour_drift``: Wan's VAE shifts colours after the first frame (frame 0 is the VAE round trip of
   the photo, the later frames drift); each later frame's mean colour outside the product is pulled back to
   frame 0's (at most ``max_shift`` levels, so intended light changes survive; ``colour_drift`` measures it);
4. ``composite_product``: the original product pasted back onto every frame along a known 2D move (``static``,
   ``push-in``, ``parallax``), with a feathered edge, a soft contact shadow and a gain following the generated
   light, bounded by the fidelity budget (``light_match_bound``: the gain alone may cost the product no more
   than ``LIGHT_MATCH_PSNR``, so light matching is on by default and never takes the clip below the threshold;
   ``studio.video.ai_clip`` composites again without it if the measured clip still falls below);
5. ``product_fidelity``: luma PSNR, SSIM and colour shift of the product region **in the decoded MP4** against
   the photo moved the same way, recorded with the clip (the gate reviews a clip below ``FIDELITY_MIN_PSNR``).

Pure numpy/OpenCV on [F, H, W, 3] uint8 frames and [H, W] float32 masks (1 = product).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.errors import InputError

MOVES = ("static", "push-in", "parallax")
FIDELITY_MIN_PSNR = 35.0  # dB over the product region of the decoded clip (luma PSNR, worst frame)
# The most product fidelity the light matching may spend on its own (dB of luma PSNR of the gain's change against
# the photo): 42 dB is an MSE of 4.1 levels^2 of the 20.6 that 35 dB allows, leaving the rest to the encoder
# (CRF 18 typically keeps a product at 40-45 dB). For a mid-grey product that is a gain within about +-1.5 %.
LIGHT_MATCH_PSNR = 42.0


@dataclass(frozen=True)
class Move:
    """A 2D move of the product over the clip: ``kind`` and its strength (push-in: zoom at the end, e.g. 0.08 =
    8 % larger; parallax: horizontal travel as a fraction of the width)."""

    kind: str = "push-in"
    amount: float = 0.06

    def matrix(self, t: float, width: int, height: int) -> np.ndarray:
        """The [2, 3] affine map of frame ``t`` (0..1) in output pixels, about the frame centre, eased."""
        if self.kind not in MOVES:
            raise InputError(f"Unknown move {self.kind!r}.", f"Use one of: {', '.join(MOVES)}.")
        e = 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))
        scale, dx = 1.0, 0.0
        if self.kind == "push-in":
            scale = 1.0 + self.amount * e
        elif self.kind == "parallax":
            dx = (e - 0.5) * self.amount * width
        cx, cy = width / 2, height / 2
        return np.array([[scale, 0.0, cx - scale * cx + dx], [0.0, scale, cy - scale * cy]], dtype=np.float64)


def product_mask(photo) -> np.ndarray:
    """[H, W] float32 in 0..1 (1 = product) for a PIL photo: its alpha when it has real transparency, else the
    weight-free separation of a plain backdrop. ``InputError`` when neither works."""
    from studio.splat.focus import alpha_mask, background_mask

    if photo.mode in ("RGBA", "LA") or "transparency" in photo.info:
        mask = alpha_mask(np.asarray(photo.convert("RGBA")))
        if 0.002 < mask.mean() < 0.98:
            return mask
    found = background_mask(np.asarray(photo.convert("RGB")))
    if found is None:
        raise InputError(
            "The product cannot be separated from this photo's background.",
            "Use a PNG with transparency or a photo on a plain backdrop, or --free (the model redraws everything).",
        )
    return found.astype(np.float32)


def fit_mask(mask: np.ndarray, size: tuple[int, int], placement) -> np.ndarray:
    """``mask`` of the source photo placed like ``fit_photo`` placed the photo (``Placement``) in ``size``."""
    import cv2

    width, height = size
    m = np.array([[placement.scale, 0.0, placement.x], [0.0, placement.scale, placement.y]], dtype=np.float64)
    return cv2.warpAffine(mask.astype(np.float32), m, (width, height), flags=cv2.INTER_AREA, borderValue=0.0)


def colour_drift(frames: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[F, 3] float32: each frame's mean RGB outside ``mask`` minus frame 0's (levels of 255; zeros when the
    background is too small to measure)."""
    outside = mask < 0.05
    if outside.sum() < 16:
        return np.zeros((len(frames), 3), np.float32)
    means = np.stack([f[outside].reshape(-1, 3).astype(np.float32).mean(axis=0) for f in frames])
    return means - means[0]


def correct_colour_drift(frames: np.ndarray, mask: np.ndarray, *, max_shift: float = 12.0) -> np.ndarray:
    """Pull each frame's mean RGB outside ``mask`` back toward frame 0's, by at most ``max_shift`` levels per
    channel: the colour shift Wan's VAE puts on the frames after the first is removed, a larger intended change of
    the scene's light keeps all but ``max_shift`` of itself. [F, H, W, 3] uint8 in and out; frame 0 unchanged."""
    drift = colour_drift(frames, mask)
    if not np.any(drift):
        return frames
    out = frames.astype(np.float32)
    out -= np.clip(drift, -max_shift, max_shift)[:, None, None, :]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _feathered(mask: np.ndarray, feather: float) -> np.ndarray:
    import cv2

    if feather <= 0:
        return mask
    core = cv2.erode(
        (mask > 0.5).astype(np.float32), np.ones((3, 3), np.uint8), iterations=max(1, round(feather / 2))
    )
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), feather / 2)
    return np.maximum(core, np.minimum(soft, mask))  # the interior stays exactly 1: only the rim softens


def _shadow(mask: np.ndarray) -> np.ndarray:
    """A soft elliptical contact shadow [H, W] (0..1) under the product's bottom edge."""
    import cv2

    ys, xs = np.nonzero(mask > 0.5)
    h, w = mask.shape
    shadow = np.zeros((h, w), np.float32)
    if len(xs) == 0:
        return shadow
    x0, x1, bottom = xs.min(), xs.max(), ys.max()
    axes = (max(2, round((x1 - x0) * 0.55)), max(1, round((x1 - x0) * 0.08)))
    cv2.ellipse(shadow, ((x0 + x1) // 2, min(h - 1, bottom)), axes, 0, 0, 360, 1.0, -1)
    return cv2.GaussianBlur(shadow, (0, 0), max(1.0, axes[1]))


def _ring(mask: np.ndarray) -> np.ndarray:
    """The background just around the product: where the generated light on it is read."""
    import cv2

    return (cv2.dilate((mask > 0.5).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0) & (mask < 0.05)


def light_match_bound(photo: np.ndarray, mask: np.ndarray, budget_db: float = LIGHT_MATCH_PSNR) -> float:
    """The largest gain deviation |g - 1| whose change of the product (luma, inside ``mask``) against the photo
    stays at ``budget_db`` of PSNR or better: sqrt(MSE allowed) / RMS luma of the product."""
    inside = mask > 0.5
    if not inside.any():
        return 0.0
    rms = float(np.sqrt(np.mean(_luma(photo[inside]) ** 2)))
    if rms < 1.0:
        return 0.0
    return math.sqrt(255.0**2 / 10 ** (budget_db / 10)) / rms


def light_gains(frames: np.ndarray, mask: np.ndarray, bound: float) -> np.ndarray:
    """[F] gains: the brightness of the background around the product against frame 0's, clipped to
    1 +- ``bound`` (ones when ``bound`` is 0 or there is no background to read)."""
    ring = _ring(mask)
    gains = np.ones(len(frames), np.float64)
    if bound <= 0 or not ring.any():
        return gains
    ref = float(frames[0][ring].mean())
    if ref <= 1:
        return gains
    for i, frame in enumerate(frames):
        gains[i] = float(np.clip(frame[ring].mean() / ref, 1 - bound, 1 + bound))
    return gains


def composite_product(
    frames: np.ndarray,
    photo: np.ndarray,
    mask: np.ndarray,
    move: Move = Move(),
    *,
    feather: float = 2.0,
    shadow: float = 0.3,
    light_gain: float | None = None,
) -> np.ndarray:
    """Every frame of ``frames`` [F, H, W, 3] with the product of ``photo`` [H, W, 3] (uint8, fitted) under
    ``mask`` [H, W] pasted back, moved by ``move``. ``shadow``: contact-shadow darkness (0: none).

    ``light_gain``: the product follows the generated scene's brightness change against frame 0 by at most this
    fraction. None (the default): ``light_match_bound(photo, mask)``, the most the fidelity budget allows (about
    1.5 % for a mid-grey product); 0: off. Light matching costs fidelity by definition (the product's pixels move
    away from the photo's), which is why it is bounded by the budget rather than free: an unbounded 20 % gain
    takes a product far below ``FIDELITY_MIN_PSNR`` (tests/video/test_ai_faithful.py measures both)."""
    import cv2

    count, height, width = frames.shape[:3]
    if photo.shape != (height, width, 3) or mask.shape != (height, width):
        raise InputError(
            f"The photo {photo.shape} and mask {mask.shape} must match the frames' {width}x{height}.",
            "Fit them to the clip size first.",
        )
    out = np.empty_like(frames)
    bound = light_match_bound(photo, mask) if light_gain is None else float(light_gain)
    gains = light_gains(frames, mask, bound)
    for i in range(count):
        t = i / max(1, count - 1)
        m = move.matrix(t, width, height)
        moved = cv2.warpAffine(
            photo, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        alpha = cv2.warpAffine(mask.astype(np.float32), m, (width, height), flags=cv2.INTER_LINEAR)
        alpha = _feathered(alpha, feather)[..., None]
        frame = frames[i].astype(np.float32)
        if shadow > 0:
            frame *= 1.0 - shadow * _shadow(alpha[..., 0])[..., None]
        product = moved.astype(np.float32) * np.float32(gains[i])
        out[i] = np.clip(frame * (1 - alpha) + product * alpha + 0.5, 0, 255).astype(np.uint8)
    return out


def _ssim(a: np.ndarray, b: np.ndarray, region: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004, Gaussian window sigma 1.5) of two grey images over ``region``."""
    import cv2

    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)
    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(ssim[region].mean())


def _luma(rgb: np.ndarray) -> np.ndarray:
    """BT.709 luma of [..., 3] RGB, float64 in 0..255."""
    rgb = rgb.astype(np.float64)
    return 0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return 99.0 if mse == 0 else 10 * math.log10(255.0**2 / mse)


def product_fidelity(clip, photo: np.ndarray, mask: np.ndarray, move: Move = Move()) -> dict:
    """How well the **decoded** ``clip`` (an MP4 path) keeps the product: over the mask's interior (the feathered
    rim and a 2-px margin left out), against ``photo`` moved by ``move``, per frame:

    * ``psnr_db``: PSNR of the BT.709 luma, as video coding measures it: logos, lettering and texture live in
      luma; every 4:2:0 delivery halves the chroma resolution, which alone costs a sharp coloured edge a few dB
      of RGB PSNR at small sizes (``psnr_rgb_db`` is reported too);
    * ``ssim``: SSIM of the luma;
    * ``colour_shift``: the largest per-channel difference of the region's mean colour (levels of 255): the
      colour drift of a model or a VAE.

    ``passed``: the worst frame's luma PSNR is at least ``FIDELITY_MIN_PSNR``.
    """
    import cv2

    from studio.media.decode import read_frames

    decoded = read_frames(clip)
    count, height, width = decoded.shape[:3]
    psnrs, rgb_psnrs, ssims, shifts = [], [], [], []
    for i in range(count):
        m = move.matrix(i / max(1, count - 1), width, height)
        ref = cv2.warpAffine(photo, m, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        alpha = cv2.warpAffine(mask.astype(np.float32), m, (width, height), flags=cv2.INTER_LINEAR)
        region = cv2.erode((alpha > 0.99).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        if region.sum() < 16:
            raise InputError("The product region is too small to measure its fidelity.")
        got, want = decoded[i], ref
        psnrs.append(_psnr(_luma(got)[region], _luma(want)[region]))
        rgb_psnrs.append(_psnr(got[region], want[region]))
        ssims.append(_ssim(_luma(got), _luma(want), region))
        shifts.append(
            float(np.abs(got[region].mean(axis=0) - want[region].astype(np.float64).mean(axis=0)).max())
        )
    result = {
        "psnr_db_min": round(min(psnrs), 2),
        "psnr_db_mean": round(float(np.mean(psnrs)), 2),
        "psnr_rgb_db_min": round(min(rgb_psnrs), 2),
        "ssim_min": round(min(ssims), 4),
        "colour_shift_max": round(max(shifts), 2),
        "frames": count,
        "threshold_psnr_db": FIDELITY_MIN_PSNR,
        "measured_on": "BT.709 luma (Y) of the decoded MP4; psnr_rgb_db_min for reference",
    }
    result["passed"] = result["psnr_db_min"] >= FIDELITY_MIN_PSNR
    return result
