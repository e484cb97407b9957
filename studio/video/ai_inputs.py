"""Inputs for AI motion, prepared before any model runs (pure functions, no torch):

* ``snap_size`` / ``snap_frames``: the engine's nearest allowed size and frame count, with a message saying what
  was changed (diffusers floors or stretches silently; studio says so);
* ``fit_photo``: the photo fitted to that size **without stretching** (Wan and LTX both resize the conditioning
  image to (height, width) whatever its aspect): a uniform scale, then either padding with a blurred, dimmed
  copy of the photo itself or a crop kept around the product's box; the placement is returned so the product's
  own pixels can be put back later;
* ``build_prompt``: a prompt from the spec's product, selling points and a motion preset, plus the default
  negative prompt against added text, logos and watermarks (users report them in about 30 % of outputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageEnhance, ImageFilter

from studio.errors import InputError
from studio.video.engines.base import Engine

MOTION_PRESETS: dict[str, str] = {
    "push-in": "the camera slowly pushes in toward the product",
    "orbit": "the camera slowly orbits around the product",
    "parallax": "a gentle sideways camera move with soft parallax in the background",
    "steam": "soft steam rises gently behind the product",
    "light-sweep": "a soft band of light sweeps slowly across the scene",
    "static": "the camera holds still while the background moves gently",
}
DEFAULT_PRESET = "push-in"
DEFAULT_NEGATIVE_PROMPT = (
    "text, letters, words, captions, subtitles, watermark, logo, brand name, signature, label changes, "
    "distorted packaging, melting text, deformed product, extra products, duplicated objects, "
    "flicker, jitter, blurry, low quality, jpeg artifacts, oversaturated, still image, static frame"
)


@dataclass(frozen=True)
class Snapped:
    """A value snapped to an engine's rule: ``value`` and, when it differs from the request, why."""

    value: object
    message: str | None  # None when the request was used as given


@dataclass(frozen=True)
class Placement:
    """Where the photo sits in the fitted frame: output pixel = source pixel * scale + (x, y)."""

    scale: float
    x: float
    y: float
    mode: str  # "pad" | "crop"


def _aspect_distance(a: tuple[int, int], b: tuple[int, int]) -> float:
    return abs(math.log((a[0] / a[1]) / (b[0] / b[1])))


def snap_size(
    engine: Engine,
    width: int | None = None,
    height: int | None = None,
    *,
    aspect: tuple[int, int] | None = None,
) -> Snapped:
    """The (width, height) to generate at.

    ``aspect`` (e.g. the platform's 1080x1920): the engine's trained size nearest in aspect. ``width`` and
    ``height``: rounded to the engine's multiple and scaled down (aspect kept) to at most its largest trained
    size's pixel count. The message names the request, the result and the rule.
    """
    if width is None or height is None:
        if aspect is None:
            return Snapped(engine.sizes[0], None)
        if aspect[0] <= 0 or aspect[1] <= 0:
            raise InputError(f"The aspect must be positive, got {aspect[0]}x{aspect[1]}.")
        best = min(engine.sizes, key=lambda s: _aspect_distance(s, aspect))
        message = None
        if _aspect_distance(best, aspect) > 0.01:
            message = (
                f"{engine.name} generates {' or '.join(f'{w}x{h}' for w, h in engine.sizes)}: using {best[0]}x{best[1]}"
                f" for the {aspect[0]}x{aspect[1]} frame (the clip is fitted to it when the ad is cut, not stretched)."
            )
        return Snapped(best, message)
    if width < engine.multiple or height < engine.multiple:
        raise InputError(
            f"The size {width}x{height} is too small for {engine.name}.",
            f"Both sides must be at least {engine.multiple} pixels.",
        )
    scale = min(1.0, math.sqrt(engine.max_pixels / (width * height)))
    m = engine.multiple
    w = max(m, round(width * scale / m) * m)
    h = max(m, round(height * scale / m) * m)
    reasons = []
    if scale < 1.0:
        reasons.append(f"at most {engine.max_pixels:,} pixels")
    if (w, h) != (round(width * scale), round(height * scale)):
        reasons.append(f"sides in multiples of {m}")
    message = None
    if (w, h) != (width, height):
        message = f"Size {width}x{height} -> {w}x{h} ({engine.name} needs {' and '.join(reasons)})."
    return Snapped((w, h), message)


def snap_frames(engine: Engine, frames: int | None = None, *, seconds: float | None = None) -> Snapped:
    """The frame count to generate: ``frames`` (or ``seconds`` at the engine's fps) snapped to the nearest
    ``step * k + 1`` within the engine's bounds. None for both: the engine's default."""
    rule = engine.frames
    if frames is None and seconds is None:
        return Snapped(engine.default_frames, None)
    if frames is not None and seconds is not None:
        raise InputError("Give the clip's length as frames or as seconds, not both.")
    if seconds is not None:
        if not (math.isfinite(seconds) and seconds > 0):
            raise InputError(f"The clip length must be a positive number of seconds, got {seconds}.")
        wanted = seconds * engine.fps
        label = f"{seconds:g} s at {engine.fps} fps ({wanted:g} frames)"
    else:
        if frames < 1:
            raise InputError(f"The frame count must be positive, got {frames}.")
        wanted = float(frames)
        label = f"{frames} frames"
    k = max(0, round((wanted - 1) / rule.step))
    snapped = min(max(rule.step * k + 1, rule.min_frames), rule.max_frames)
    if snapped == wanted:
        return Snapped(snapped, None)
    why = f"{engine.name} makes {rule.step}k+1 frames, {rule.min_frames}..{rule.max_frames}"
    return Snapped(snapped, f"{label} -> {snapped} frames = {snapped / engine.fps:.2f} s ({why}).")


def fit_photo(
    photo: Image.Image,
    size: tuple[int, int],
    *,
    mode: str = "pad",
    box: tuple[float, float, float, float] | None = None,
) -> tuple[Image.Image, Placement]:
    """``photo`` fitted into ``size`` (width, height) with one uniform scale: never stretched.

    ``mode="pad"``: the whole photo, centred, over a backdrop made from the photo itself (scaled to cover,
    blurred, dimmed), so the model sees a plausible scene to extend rather than bars. ``mode="crop"``: the photo
    scaled to cover the frame and cropped, keeping ``box`` (x0, y0, x1, y1 in photo pixels, the product) inside
    and as central as possible. Transparent photos are composited over the backdrop (pad) or white (crop).
    Returns the RGB frame and the ``Placement`` of the photo in it.
    """
    width, height = size
    if photo.width < 1 or photo.height < 1:
        raise InputError("The photo is empty.")
    rgba = photo.convert("RGBA")
    if mode == "pad":
        scale = min(width / photo.width, height / photo.height)
        cover = max(width / photo.width, height / photo.height)
        back = rgba.convert("RGB").resize(
            (max(width, round(photo.width * cover)), max(height, round(photo.height * cover))), Image.LANCZOS
        )
        left, top = (back.width - width) // 2, (back.height - height) // 2
        back = back.crop((left, top, left + width, top + height))
        back = back.filter(ImageFilter.GaussianBlur(max(width, height) / 40))
        back = ImageEnhance.Brightness(back).enhance(0.8)
        fg = rgba.resize(
            (max(1, round(photo.width * scale)), max(1, round(photo.height * scale))), Image.LANCZOS
        )
        x, y = (width - fg.width) // 2, (height - fg.height) // 2
        out = back.convert("RGBA")
        out.alpha_composite(fg, (x, y))
        return out.convert("RGB"), Placement(scale=scale, x=float(x), y=float(y), mode="pad")
    if mode != "crop":
        raise InputError(f"The fit mode must be 'pad' or 'crop', got {mode!r}.")
    scale = max(width / photo.width, height / photo.height)
    sw, sh = round(photo.width * scale), round(photo.height * scale)
    if box is None:
        cx, cy = sw / 2, sh / 2
    else:
        x0, y0, x1, y1 = box
        if not (0 <= x0 < x1 <= photo.width and 0 <= y0 < y1 <= photo.height):
            raise InputError(f"The product box {box} is not inside the {photo.width}x{photo.height} photo.")
        cx, cy = (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale
    left = min(max(round(cx - width / 2), 0), sw - width)
    top = min(max(round(cy - height / 2), 0), sh - height)
    scaled = rgba.resize((sw, sh), Image.LANCZOS)
    white = Image.new("RGBA", scaled.size, (255, 255, 255, 255))
    white.alpha_composite(scaled)
    out = white.convert("RGB").crop((left, top, left + width, top + height))
    return out, Placement(scale=scale, x=float(-left), y=float(-top), mode="crop")


def build_prompt(
    product: str,
    *,
    selling_points: tuple[str, ...] | list[str] = (),
    preset: str = DEFAULT_PRESET,
    scene: str | None = None,
    extra: str | None = None,
) -> str:
    """A video prompt: the product as the unchanged subject, the motion preset, the scene, one or two selling
    points as mood (never as text to draw). Raises ``InputError`` for an unknown preset or an empty product."""
    if preset not in MOTION_PRESETS:
        raise InputError(f"Unknown motion preset {preset!r}.", f"Use one of: {', '.join(MOTION_PRESETS)}.")
    product = " ".join(str(product).split())
    if not product:
        raise InputError("The product name is empty.", "Give the product's name for the prompt.")
    parts = [
        f"A high-end product commercial shot of {product}",
        "the product stays exactly as it is, sharp and centred, its packaging and label unchanged",
        MOTION_PRESETS[preset],
    ]
    if scene:
        parts.append(" ".join(scene.split()))
    points = [" ".join(p.split()) for p in selling_points if p and p.strip()][:2]
    if points:
        parts.append("the mood conveys " + " and ".join(points))
    parts.append("soft studio lighting, shallow depth of field, smooth natural motion, no on-screen text")
    if extra:
        parts.append(" ".join(extra.split()))
    return ", ".join(parts) + "."
