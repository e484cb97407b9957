"""Data for the visual compliance benchmark: public-domain references, edited near-copies, unrelated distractors.

References
    * 13 public-domain / CC0 photographs bundled in scikit-image's wheel (``skimage/data``; the licence of each
      is quoted from ``skimage/data/_fetchers.py`` in ``PUBLIC_DOMAIN``). They are read from an installed
      scikit-image if there is one, else from a wheel downloaded with ``pip download scikit-image --no-deps`` into
      a cache folder (package registries are the only network here). scikit-image is not a dependency of studio.
    * 16 procedurally generated "logos" (shapes and letters drawn with PIL, seeded).

Distractors (must not match any reference)
    * 16 other procedural logos (same generator, other seeds: the hardest unrelated images),
    * the three CC0 texture photographs of scikit-image (brick, grass, gravel),
    * photographs from ``shared/data`` when present (the plush-toy phone photos and the NeRF lego renders),
    * random crops of those photos and procedurally generated scenes.

Edits (``EDITS``): 12 types, ``MILD`` ones keep the whole picture.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

# file -> licence note, quoted from scikit-image 0.26 ``skimage/data/_fetchers.py``
PUBLIC_DOMAIN: dict[str, str] = {
    "astronaut.png": "NASA, 'No known copyright restrictions, released into the public domain.'",
    "camera.png": "'No copyright restrictions. CC0 by the photographer (Lav Varshney).'",
    "chelsea.png": "'No copyright restrictions. CC0 by the photographer (Stefan van der Walt).'",
    "coffee.png": "'No copyright restrictions. CC0 by the photographer (Rachel Michetti).'",
    "hubble_deep_field.jpg": "NASA, 'may be freely used in the public domain'",
    "rocket.jpg": "SpaceX, 'released in the public domain'",
    "coins.png": "Brooklyn Museum, 'No known copyright restrictions.'",
    "clock_motion.png": "'Released into the public domain by the photographer (Stefan van der Walt).'",
    "horse.png": "openclipart, 'No copyright restrictions. CC0 given by owner (Andreas Preuss (marauder)).'",
    "ihc.png": "'No known copyright restrictions.'",
    "retina.jpg": "Wikimedia, 'Creative Commons CC0 1.0 Universal Public Domain Dedication.'",
    "cell.png": "'This image is CC0, dedicated to the public domain.'",
    "text.png": "Wikipedia File:Corner.png, 'No known copyright restrictions, released into the public domain.'",
}
CC0_TEXTURES: dict[str, str] = {
    "brick.png": "CC0Textures Bricks25, 'Creative Commons CC0 License'",
    "grass.png": "DeviantArt linolafett Grass-01, 'Creative Commons CC0 License'",
    "gravel.png": "CC0Textures Gravel04, 'Creative Commons CC0 License'",
}
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Item:
    name: str
    image: Image.Image  # RGB


# -- sources ---------------------------------------------------------------------------------------------
def skimage_data_dir(cache: Path) -> Path:
    """scikit-image's ``data`` folder: the installed package's, or one unpacked from a downloaded wheel."""
    try:
        import skimage  # noqa: F401 - only its data folder is used

        folder = Path(sys.modules["skimage"].__file__).parent / "data"
        if (folder / "astronaut.png").is_file():
            return folder
    except ImportError:
        pass
    folder = cache / "skimage" / "data"
    if all((folder / name).is_file() for name in [*PUBLIC_DOMAIN, *CC0_TEXTURES]):
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("scikit_image-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "scikit-image", "--no-deps", "-q", "-d", str(cache)],
            check=True,
        )
        wheels = sorted(cache.glob("scikit_image-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as archive:
        for name in [*PUBLIC_DOMAIN, *CC0_TEXTURES]:
            archive.extract(f"skimage/data/{name}", cache)
    return folder


def public_domain_references(cache: Path) -> list[Item]:
    folder = skimage_data_dir(cache)
    return [Item(f"pd:{Path(n).stem}", _rgb(Image.open(folder / n))) for n in PUBLIC_DOMAIN]


def textures(cache: Path) -> list[Item]:
    folder = skimage_data_dir(cache)
    return [Item(f"texture:{Path(n).stem}", _rgb(Image.open(folder / n))) for n in CC0_TEXTURES]


def logo(seed: int) -> Image.Image:
    """A procedural logo: a coloured tile with 2-4 shapes and a 2-5 letter word (seeded)."""
    rng = np.random.default_rng(seed)
    wide = rng.random() < 0.4
    size = (640, 320) if wide else (480, 480)
    bg = tuple(int(v) for v in rng.integers(0, 256, 3))
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    w, h = size
    for _ in range(int(rng.integers(2, 5))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        r = rng.uniform(0.12, 0.35) * min(w, h)
        kind = rng.integers(0, 4)
        if kind == 0:
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        elif kind == 1:
            draw.rectangle([cx - r, cy - r * 0.6, cx + r, cy + r * 0.6], fill=colour)
        elif kind == 2:
            n = int(rng.integers(3, 8))
            angles = np.sort(rng.uniform(0, 2 * np.pi, n))
            draw.polygon([(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles], fill=colour)
        else:
            draw.arc([cx - r, cy - r, cx + r, cy + r], 0, int(rng.integers(90, 300)), fill=colour,
                     width=int(r / 4))  # fmt: skip
    letters = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(2, 6))))
    font = ImageFont.truetype(FONT, int(h * rng.uniform(0.18, 0.3)))
    colour = tuple(int(255 - v) for v in bg)
    box = draw.textbbox((0, 0), letters, font=font)
    x = rng.uniform(0.05, 0.95) * (w - (box[2] - box[0]))
    y = rng.uniform(0.05, 0.95) * (h - (box[3] - box[1]))
    draw.text((x, y), letters, font=font, fill=colour)
    return image


def scene(seed: int, size: tuple[int, int] = (720, 960)) -> Image.Image:
    """A procedural 'product shot': a gradient backdrop, a soft-shadowed blob, a few props and sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    array = (top * (1 - t) + bottom * t) * np.ones((1, w, 1))
    image = Image.fromarray(array.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 9))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        x1, y1 = x0 + rng.uniform(40, w / 2), y0 + rng.uniform(40, h / 2)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 3))))
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def shared_photos(shared: Path, limit: int = 200) -> list[Item]:
    """Photos from ``shared/data`` (plush phone photos, lego renders flattened on white), when present."""
    items = []
    plush = shared / "plush_photos"
    if plush.is_dir():
        for path in sorted(plush.glob("*.jpg"))[:limit]:
            items.append(Item(f"plush:{path.stem}", _rgb(Image.open(path))))
    lego = shared / "nerf_lego" / "train"
    if lego.is_dir():
        for path in sorted(lego.glob("*.png"))[:limit]:
            items.append(Item(f"lego:{path.stem}", _rgb(Image.open(path))))
    return items


def references(cache: Path, n_logos: int = 16) -> list[Item]:
    return public_domain_references(cache) + [Item(f"logo:{i}", logo(1000 + i)) for i in range(n_logos)]


def distractors(cache: Path, shared: Path | None, *, n_logos: int = 16, n_scenes: int = 60,
                n_crops: int = 60, seed: int = 7) -> list[Item]:  # fmt: skip
    rng = np.random.default_rng(seed)
    items = [Item(f"logo:{i}", logo(5000 + i)) for i in range(n_logos)]
    items += textures(cache)
    items += [Item(f"scene:{i}", scene(9000 + i)) for i in range(n_scenes)]
    photos = shared_photos(shared) if shared is not None else []
    items += photos
    for i in range(n_crops if photos else 0):
        source = photos[int(rng.integers(len(photos)))].image
        w, h = source.size
        cw, ch = int(w * rng.uniform(0.3, 0.6)), int(h * rng.uniform(0.3, 0.6))
        x, y = int(rng.integers(0, w - cw)), int(rng.integers(0, h - ch))
        items.append(Item(f"crop:{i}", source.crop((x, y, x + cw, y + ch))))
    return items


# -- edits -------------------------------------------------------------------------------------------------
Edit = Callable[[Image.Image, np.random.Generator, Image.Image], Image.Image]


def _scale(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    f = rng.uniform(0.35, 0.6)
    return img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.BILINEAR)


def _jpeg(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=int(rng.integers(15, 31)))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _colour(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    hsv = np.asarray(img.convert("HSV"), dtype=np.int16)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(10, 30)) * (1 if rng.random() < 0.5 else -1)) % 256
    out = Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")
    out = ImageEnhance.Color(out).enhance(rng.uniform(0.6, 1.4))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.8, 1.2))
    return ImageEnhance.Contrast(out).enhance(rng.uniform(0.8, 1.2))


def _blur(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.0) * max(img.size) / 512))


def _noise(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    array = np.asarray(img, dtype=np.float32) + rng.normal(0, rng.uniform(8, 16), (img.height, img.width, 3))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def _flip(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose(Image.FLIP_LEFT_RIGHT if rng.random() < 0.7 else Image.FLIP_TOP_BOTTOM)


def _rotate90(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose([Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270][int(rng.integers(3))])


def _text(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """An ad caption: a translucent band with a line of text over the lower part (about 15 % of the height)."""
    out = img.copy().convert("RGBA")
    band = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    h = out.height
    y0 = int(h * rng.uniform(0.65, 0.8))
    draw.rectangle([0, y0, out.width, y0 + int(h * 0.15)], fill=(0, 0, 0, 150))
    font = ImageFont.truetype(FONT, max(10, int(h * 0.08)))
    words = ["SALE 50% OFF", "NEW ARRIVAL", "BUY NOW", "LIMITED TIME", "FREE SHIPPING"]
    draw.text((int(out.width * 0.05), y0 + int(h * 0.03)), words[int(rng.integers(len(words)))], font=font,
              fill=(255, 255, 255, 255))  # fmt: skip
    return Image.alpha_composite(out, band).convert("RGB")


def _crop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Keep 70-85 % of each side (49-72 % of the area) at a random offset."""
    fw, fh = rng.uniform(0.7, 0.85), rng.uniform(0.7, 0.85)
    cw, ch = int(img.width * fw), int(img.height * fh)
    x, y = int(rng.integers(0, img.width - cw + 1)), int(rng.integers(0, img.height - ch + 1))
    return img.crop((x, y, x + cw, y + ch))


def _rotate(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Rotate by 4-10 degrees either way; the corners are filled black."""
    angle = rng.uniform(4, 10) * (1 if rng.random() < 0.5 else -1)
    return img.rotate(angle, resample=Image.BILINEAR, expand=False)


def _paste(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The reference shrunk to 25-45 % of the frame width, pasted into a 1080x1920 frame over a photo."""
    frame = _cover(bg, (1080, 1920))
    scale = rng.uniform(0.25, 0.45) * 1080 / img.width
    small = img.resize((max(8, int(img.width * scale)), max(8, int(img.height * scale))), Image.BILINEAR)
    x = int(rng.integers(0, 1080 - small.width + 1))
    y = int(rng.integers(0, 1920 - small.height + 1))
    frame.paste(small, (x, y))
    return frame


EDITS: dict[str, Edit] = {
    "scale": _scale,
    "jpeg_q15-30": _jpeg,
    "colour_shift": _colour,
    "blur": _blur,
    "noise": _noise,
    "flip": _flip,
    "rotate_90": _rotate90,
    "text_overlay": _text,
    "crop": _crop,
    "rotate_4-10deg": _rotate,
    "pasted_small": _paste,
}
MILD = ("scale", "jpeg_q15-30", "colour_shift", "blur", "noise", "flip", "rotate_90")
VIDEO_EDIT = "in_rendered_video"  # handled by ``render_video``: the 12th edit type


def render_video(img: Image.Image, bg: Image.Image, path: Path, rng: np.random.Generator,
                 seconds: float = 3.0) -> Path:  # fmt: skip
    """A 1080x1920 H.264 clip: ``bg`` for a second, then the reference at 50-80 % of the width over it."""
    from studio.media import ffmpeg_exe

    frame = _cover(bg, (1080, 1920))
    scale = rng.uniform(0.5, 0.8) * 1080 / img.width
    small = img.resize((int(img.width * scale), int(img.height * scale)), Image.BILINEAR)
    shown = frame.copy()
    shown.paste(small, ((1080 - small.width) // 2, int((1920 - small.height) * rng.uniform(0.2, 0.8))))
    folder = path.parent
    a, b = folder / f".{path.stem}.a.png", folder / f".{path.stem}.b.png"
    frame.save(a)
    shown.save(b)
    try:
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-y", "-loop", "1", "-t", "1", "-i", str(a), "-loop", "1", "-t",
             str(seconds - 1), "-i", str(b), "-filter_complex", "[0:v][1:v]concat=n=2:v=1,fps=30,format=yuv420p",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", str(path)],
            check=True,
        )  # fmt: skip
    finally:
        for p in (a, b):
            if p.exists():
                os.unlink(p)
    return path


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale and centre-crop ``img`` to fill ``size``."""
    w, h = size
    scale = max(w / img.width, h / img.height)
    big = img.resize((int(np.ceil(img.width * scale)), int(np.ceil(img.height * scale))), Image.BILINEAR)
    x, y = (big.width - w) // 2, (big.height - h) // 2
    return big.crop((x, y, x + w, y + h)).convert("RGB")


def _rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return img.convert("RGB")
