"""Loading user photos robustly: EXIF orientation, CMYK, 16-bit, palette and transparent images.

``load_photo`` either returns a correct 8-bit RGB or RGBA ``PIL.Image`` or raises ``InputError`` naming the file
and what was expected. Nothing here guesses silently: a corrupt or unsupported file is an error.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.errors import InputError

SUPPORTED_FORMATS = {"JPEG", "PNG", "WEBP", "TIFF", "BMP", "MPO"}
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 80_000_000  # a 10000x8000 photo; bigger is almost certainly a mistake (or a decompression bomb)


def load_photo(
    path: str | os.PathLike[str],
    *,
    min_size: int = 0,
    keep_alpha: bool = True,
    what: str = "photo",
) -> Image.Image:
    """Open ``path`` as an upright 8-bit RGB (or RGBA when it has real transparency and ``keep_alpha``).

    ``min_size`` is the smallest allowed short edge in pixels.
    """
    return _load(path, min_size=min_size, keep_alpha=keep_alpha, what=what, long_edge=None)[0]


def load_photo_reduced(
    path: str | os.PathLike[str], long_edge: int, *, keep_alpha: bool = True, what: str = "photo"
) -> tuple[Image.Image, tuple[int, int]]:
    """``load_photo`` decoded at reduced size: the long edge stays at least ``long_edge`` px (JPEG: DCT scaling
    while decoding, ``draft``; then an integer box reduction), so a big photo that is only needed small is never
    decoded whole. Returns the image and the photo's full upright size (width, height)."""
    return _load(path, min_size=0, keep_alpha=keep_alpha, what=what, long_edge=max(1, int(long_edge)))


def _load(
    path: str | os.PathLike[str], *, min_size: int, keep_alpha: bool, what: str, long_edge: int | None
) -> tuple[Image.Image, tuple[int, int]]:
    path = Path(path)
    if not path.exists():
        raise InputError(f"The {what} {path} does not exist.", "Check the path.")
    if not path.is_file():
        raise InputError(f"The {what} {path} is not a file.", "Give an image file (JPEG, PNG, WebP).")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"The {what} {path.name} is empty (0 bytes).", "Upload the image again.")
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"The {what} {path.name} is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB.",
            "Export a smaller JPEG.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            fmt = image.format
            if fmt not in SUPPORTED_FORMATS:
                raise InputError(
                    f"The {what} {path.name} is a {fmt} image, which is not supported.",
                    "Use JPEG, PNG, WebP, TIFF or BMP.",
                )
            if image.width * image.height > MAX_PIXELS:
                raise InputError(
                    f"The {what} {path.name} is {image.width}x{image.height}, over {MAX_PIXELS // 1_000_000} MP.",
                    "Downscale it first.",
                )
            full = image.size
            if image.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientations that swap the axes
                full = (full[1], full[0])
            if long_edge is not None and fmt in ("JPEG", "MPO"):
                scale = long_edge / max(image.size)
                if scale < 1.0:  # the decoder picks 1/2, 1/4 or 1/8 with both sides at least this size
                    image.draft(None, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
            image.load()
    except InputError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InputError(
            f"The {what} {path.name} is not a readable image ({type(exc).__name__}).",
            "Use a JPEG, PNG or WebP file.",
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(
            f"The {what} {path.name} is corrupt or truncated ({exc}).", "Export or upload it again."
        ) from exc

    image = ImageOps.exif_transpose(image)
    image = to_8bit(image, keep_alpha=keep_alpha)
    if long_edge is not None and max(image.size) >= 2 * long_edge:
        image = image.reduce(max(image.size) // long_edge)  # box filter; the long edge stays >= long_edge
    if min_size and min(image.size) < min_size:
        raise InputError(
            f"The {what} {path.name} is {image.width}x{image.height}; its short edge must be at least"
            f" {min_size} px.",
            "Use a larger photo.",
        )
    return image, full


def to_8bit(image: Image.Image, *, keep_alpha: bool = True) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB, or RGBA when the image has any transparent pixel."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit (or 32-bit integer) greyscale: scale the used range down, not a clip to 255.
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if array.max() > 255 else 255.0
        array = np.clip(array / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(array).convert("RGB")
    if mode == "F":
        array = np.asarray(image, dtype=np.float64)
        array = (array - array.min()) / max(float(np.ptp(array)), 1e-9) * 255.0
        return Image.fromarray(array.astype(np.uint8)).convert("RGB")
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3]
        if keep_alpha and alpha.min() < 255:
            return rgba
        return rgba.convert("RGB")
    if mode == "CMYK":
        # Pillow's CMYK->RGB ignores ICC profiles; good enough for product photos, and never inverted.
        return image.convert("RGB")
    if mode == "RGB":
        return image
    return image.convert("RGB")


def flatten(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGBA -> RGB over a solid background; RGB passes through."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    base = Image.new("RGB", image.size, background)
    base.paste(image, mask=image.getchannel("A"))
    return base
