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

The real-edit set (``REAL_EDITS``, ``FLASH_EDITS``, ``lookalike_distractors``; issue 11) is the development
material since visual3 (both of its halves have been looked at). The fresh held-out set (``fresh_references``,
``fresh_backgrounds``, ``fresh_lookalikes``, seeds ``FRESH_*``) was made before visual3 tuned anything and is
scored once, at the end: 31 new references (procedural logos, emblems and posters of unused seeds, plush photos,
crops of plush photos and lego renders from ``shared/data``, scikit-image's CC0 ``microaneurysms``), the same 8
still edits and 2 flash clips with new random draws, and 306 look-alikes. Captions and headlines are drawn in the
Noto Sans TC the studio ships (``cjk_font``), so zh-TW text shows real glyphs.
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
# scikit-image 0.26 ``_fetchers.py``, ``microaneurysms``: "No copyright restrictions. CC0 given by owner (Andreas
# Maier)." (a reference of the fresh held-out set only)
CC0_EXTRA: dict[str, str] = {
    "microaneurysms.png": "'No copyright restrictions. CC0 given by owner (Andreas Maier).'"
}
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def cjk_font() -> str:
    """The Noto Sans TC Bold the studio ships (``assets/fonts``): ad captions in zh-TW with their Latin words,
    so caption bands and headlines show real glyphs, not the tofu boxes DejaVu draws for CJK."""
    from studio.settings import assets_dir

    return str(assets_dir() / "fonts" / "NotoSansTC-Bold.otf")


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
    if all((folder / name).is_file() for name in [*PUBLIC_DOMAIN, *CC0_TEXTURES, *CC0_EXTRA]):
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
        for name in [*PUBLIC_DOMAIN, *CC0_TEXTURES, *CC0_EXTRA]:
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
MILD = ("scale", "jpeg_q15-30", "colour_shift", "blur", "noise", "flip", "rotate_90", "hue_rotate")
VIDEO_EDIT = "in_rendered_video"  # handled by ``render_video``: the 12th edit type


# -- the real-edit set (issue 11): what ads do to a picture they reuse -------------------------------------------
def _crop_hard(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Cut away 25-40 % of each side (keep 60-75 %: 36-56 % of the area) at a random offset."""
    fw, fh = rng.uniform(0.6, 0.75), rng.uniform(0.6, 0.75)
    cw, ch = int(img.width * fw), int(img.height * fh)
    x, y = int(rng.integers(0, img.width - cw + 1)), int(rng.integers(0, img.height - ch + 1))
    return img.crop((x, y, x + cw, y + ch))


def _hue_rotate(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A recoloured copy: the hue turned by 40-140 degrees, saturation 0.7-1.3."""
    hsv = np.asarray(img.convert("HSV"), dtype=np.int16)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(28, 100)) * (1 if rng.random() < 0.5 else -1)) % 256
    out = Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")
    return ImageEnhance.Color(out).enhance(rng.uniform(0.7, 1.3))


def _sticker(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A price sticker (a filled circle with text) over 15-25 % of the picture's area, anywhere."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    r = int(np.sqrt(rng.uniform(0.15, 0.25) * img.width * img.height / np.pi))
    cx, cy = int(rng.integers(r // 2, img.width - r // 2)), int(rng.integers(r // 2, img.height - r // 2))
    colour = tuple(int(v) for v in rng.integers(0, 256, 3))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    font = ImageFont.truetype(FONT, max(10, r // 3))
    draw.text((cx - r * 0.7, cy - r * 0.2), "-50%", font=font, fill=(255, 255, 255))
    return out


def _caption_band(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """An opaque caption band over 20-30 % of the height (top or bottom) with a line of text."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    h = int(img.height * rng.uniform(0.2, 0.3))
    y0 = 0 if rng.random() < 0.3 else img.height - h
    draw.rectangle([0, y0, img.width, y0 + h], fill=tuple(int(v) for v in rng.integers(0, 80, 3)))
    font = ImageFont.truetype(cjk_font(), max(10, int(h * 0.4)))
    draw.text((int(img.width * 0.05), y0 + int(h * 0.15)), "限時優惠 SALE", font=font, fill=(255, 255, 255))
    return out


def _corner_small(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The reference at 120-140 px wide in a corner of a 1080x1920 frame over a photo (a watermark)."""
    frame = _cover(bg, (1080, 1920))
    side = int(rng.integers(120, 141))
    small = img.resize((side, max(8, int(img.height * side / img.width))), Image.LANCZOS)
    margin = int(rng.integers(24, 60))
    x = margin if rng.random() < 0.5 else 1080 - small.width - margin
    y = margin + 150 if rng.random() < 0.5 else 1920 - small.height - margin - 440
    frame.paste(small, (x, y))
    return frame


def _photo_card(img: Image.Image, rng: np.random.Generator, bg: Image.Image, *, mirror: bool) -> Image.Image:
    """The ad's promo layout: a brand-colour stage, the copy in a white-bordered photo card (tilted 0-4
    degrees), a headline above it; optionally mirrored."""
    stage = Image.new("RGB", (1080, 1920), tuple(int(v) for v in rng.integers(0, 256, 3)))
    picture = img.transpose(Image.FLIP_LEFT_RIGHT) if mirror else img
    width = int(1080 * rng.uniform(0.6, 0.8))
    card = picture.resize((width, max(8, int(picture.height * width / picture.width))), Image.BILINEAR)
    border = Image.new("RGB", (card.width + 36, card.height + 36), (255, 255, 255))
    border.paste(card, (18, 18))
    tilted = border.rotate(
        rng.uniform(-4, 4), resample=Image.BICUBIC, expand=True, fillcolor=stage.getpixel((0, 0))
    )
    stage.paste(tilted, ((1080 - tilted.width) // 2, int(1920 * 0.28)))
    draw = ImageDraw.Draw(stage)
    draw.text((90, 240), "NEW 新品上市", font=ImageFont.truetype(cjk_font(), 88), fill=(255, 255, 255))
    return stage


def _blurred_backdrop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The ad's fit layout for a photo of another aspect: the copy blurred and darkened as a full-bleed backdrop,
    the sharp copy contained in the middle at 85-95 % of the width."""
    back = ImageEnhance.Brightness(_cover(img, (1080, 1920)).filter(ImageFilter.GaussianBlur(40))).enhance(
        0.6
    )
    width = int(1080 * rng.uniform(0.85, 0.95))
    front = img.resize((width, max(8, int(img.height * width / img.width))), Image.BILINEAR)
    if front.height > 1700:
        front = front.resize((max(8, int(front.width * 1700 / front.height)), 1700), Image.BILINEAR)
    back.paste(front, ((1080 - front.width) // 2, (1920 - front.height) // 2))
    return back


REAL_EDITS: dict[str, Edit] = {
    "hue_rotate": _hue_rotate,
    "caption_band_20-30": _caption_band,
    "sticker": _sticker,
    "crop_25-40": _crop_hard,
    "corner_130px": _corner_small,
    "photo_card": lambda img, rng, bg: _photo_card(img, rng, bg, mirror=False),
    "photo_card_mirrored": lambda img, rng, bg: _photo_card(img, rng, bg, mirror=True),
    "blurred_backdrop": _blurred_backdrop,
}
FLASH_EDITS = ("flash_cut_0.3s", "flash_fade_0.4s")  # handled by ``render_flash``


def render_flash(img: Image.Image, bg: Image.Image, path: Path, rng: np.random.Generator, *, fade: bool,
                 seconds: float = 3.0, fps: int = 30) -> Path:  # fmt: skip
    """A 1080x1920 H.264 clip of ``bg`` slowly zooming, with the reference (60-80 % of the width) shown for
    0.3 s (a hard cut in and out) or faded in and out over 0.4 s, starting between two 2-fps grid samples."""
    from studio.media import ffmpeg_exe

    base = np.asarray(_cover(bg, (1188, 2112)), dtype=np.float32)
    scale = rng.uniform(0.6, 0.8) * 1080 / img.width
    small = np.asarray(
        img.resize((int(img.width * scale), int(img.height * scale)), Image.BILINEAR), np.float32
    )
    sy, sx = small.shape[:2]
    y = int((1920 - sy) * rng.uniform(0.2, 0.8))
    x = (1080 - sx) // 2
    start = 1.0 + rng.uniform(0.1, 0.15)  # just after the grid sample at 1.0 s
    length = 0.4 if fade else 0.3
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "1080x1920", "-r",
         str(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    for k in range(int(seconds * fps)):
        t = k / fps
        zoom = 1 + 0.08 * t / seconds
        cw, ch = int(1188 / zoom), int(2112 / zoom)
        x0, y0 = (1188 - cw) // 2, (2112 - ch) // 2
        frame = np.asarray(
            Image.fromarray(base[y0 : y0 + ch, x0 : x0 + cw].astype(np.uint8)).resize(
                (1080, 1920), Image.BILINEAR
            ),
            dtype=np.float32,
        )
        u = (t - start) / length
        alpha = 0.0 if not 0 <= u <= 1 else (1.0 if not fade else 1 - abs(2 * u - 1))
        if alpha > 0:
            region = frame[y : y + sy, x : x + sx]
            frame[y : y + sy, x : x + sx] = region * (1 - alpha) + small * alpha
        proc.stdin.write(np.clip(frame, 0, 255).astype(np.uint8).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed writing {path}")
    return path


def gradient_card(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A flat brand-colour card of ``size`` (w, h): a random colour fading down to 50-90 % of itself."""
    top = rng.integers(0, 256, 3)
    bottom = top * rng.uniform(0.5, 0.9)
    t = np.linspace(0, 1, size[1])[:, None, None]
    return Image.fromarray(((top * (1 - t) + bottom * t) * np.ones((1, size[0], 1))).astype(np.uint8))


def lookalike_distractors(seed: int = 11, n_logos: int = 40, n_cards: int = 40) -> list[Item]:
    """Unrelated pictures that share the references' fonts, colours and layouts: logos of the same generator
    (same font, same letter placement), flat brand-colour cards with lines of text in that font, and the ad's
    own end cards (studio's templates, plain brand colours and white text, no logo) on 4 platforms."""
    rng = np.random.default_rng(seed)
    items = [Item(f"lookalike-logo:{i}", logo(7000 + i)) for i in range(n_logos)]
    words = ["SALE", "NEW", "BUY NOW", "TEA", "MOUNTAIN MIST", "OOLONG", "NT$ 680", "限時優惠", "立即選購"]
    for i in range(n_cards):
        size = [(1080, 1920), (1080, 1080), (1920, 1080), (480, 480)][i % 4]
        card = gradient_card(rng, size)
        draw = ImageDraw.Draw(card)
        for line in range(int(rng.integers(1, 4))):
            font = ImageFont.truetype(cjk_font(), int(size[1] * rng.uniform(0.04, 0.1)))
            draw.text((size[0] * 0.1, size[1] * (0.3 + 0.15 * line)), words[int(rng.integers(len(words)))],
                      font=font, fill=(255, 255, 255))  # fmt: skip
        items.append(Item(f"text-card:{i}", card))
    items += end_cards()
    return items


def end_cards(
    primaries: tuple[str, ...] = ("#1E4A38", "#1F5F4A", "#2E7D32"),
    products: tuple[tuple[str, str | None], ...] = (
        ("山嵐茶坊 高山烏龍", "每罐 NT$680"),
        ("Mountain Mist Tea", None),
        ("Tea", None),
    ),
) -> list[Item]:
    """The ad's own end cards (showcase template, no logo, white text on the brand colour), rendered by studio."""
    from studio.ads import build_timeline, resolve_resources
    from studio.settings import assets_dir
    from studio.spec import load_spec, parse_spec
    from studio.video.compose import render_frame

    spec = load_spec(assets_dir().parent / "examples" / "sample-ad.yaml")
    items = []
    for primary in primaries:
        for product, price in products:
            data = spec.to_data()
            data.pop("logo", None)
            data["brand"]["primary"], data["product"], data["price"] = primary, product, price
            data["platforms"] = ["tiktok", "square", "youtube", "instagram-feed"]
            ad = parse_spec(data)
            resources = resolve_resources(ad)
            for platform in ad.platforms:
                timeline = build_timeline(ad, platform, resources)
                items.append(Item(f"end-card:{primary}:{product}:{platform}",
                                  render_frame(timeline, timeline.duration - 0.3).convert("RGB")))  # fmt: skip
    return items


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


# -- the fresh held-out set (visual3) ----------------------------------------------------------------------------
# Made before anything of visual3 was tuned, and screened once, at the end, by the final code and by main's. No
# seed below was used by any earlier set (logos 1000+/5000+/7000+, scenes 9000+, edits 100+/300+, look-alikes 11).
# Everything here is held out; the earlier real-edit set (both of its halves) is the development material.
FRESH_EDIT_SEED = 900  # edits: np.random.default_rng(FRESH_EDIT_SEED + seed)
FRESH_LOGOS = range(20000, 20008)  # references
FRESH_EMBLEMS = range(21000, 21006)
FRESH_POSTERS = range(22000, 22006)
FRESH_PLUSH = (5, 25, 45, 65, 85)  # positions in the sorted plush photos: whole photos as references
FRESH_PLUSH_CROPS = (15, 55)  # ... and 55-65 % crops of these
FRESH_LEGO = (10, 50, 90)  # positions in the sorted lego renders
FRESH_SCENES = range(30000, 30040)  # backgrounds of the fresh edits (with the scikit-image photos)
FRESH_VIDEO_REFS = 8  # the first references of the fresh list get the two flash clips
FRESH_WORDS = (
    "限時優惠",
    "新品上市",
    "立即選購",
    "買一送一",
    "山嵐茶坊",
    "SALE",
    "NEW",
    "NT$ 399",
    "免運",
    "週年慶",
)


def emblem(seed: int) -> Image.Image:
    """A procedural round badge: a coloured field, one or two rings, a star or polygon and a 2-4 character
    zh-TW or Latin word in the middle (the shipped Noto Sans TC), 480 x 480 (seeded)."""
    rng = np.random.default_rng(seed)
    size = 480
    bg = tuple(int(v) for v in rng.integers(0, 256, 3))
    ink = tuple(int(255 - v) for v in bg)
    accent = tuple(int(v) for v in rng.integers(0, 256, 3))
    image = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(image)
    c = size / 2
    r = size * rng.uniform(0.38, 0.46)
    draw.ellipse([c - r, c - r, c + r, c + r], outline=ink, width=int(rng.integers(6, 16)))
    if rng.random() < 0.6:
        r2 = r * rng.uniform(0.78, 0.88)
        draw.ellipse([c - r2, c - r2, c + r2, c + r2], outline=accent, width=int(rng.integers(3, 9)))
    n = int(rng.integers(5, 9))
    spikes = rng.random() < 0.6
    rot = rng.uniform(0, 2 * np.pi)
    points = []
    for k in range(2 * n if spikes else n):
        rr = r * (0.62 if (not spikes or k % 2 == 0) else 0.3)
        a = rot + np.pi * k / n if spikes else rot + 2 * np.pi * k / n
        points.append((c + rr * np.cos(a), c * rng.uniform(0.9, 1.1) + rr * np.sin(a)))
    draw.polygon(points, fill=accent)
    for _ in range(int(rng.integers(0, 4))):  # small dots around the ring
        a = rng.uniform(0, 2 * np.pi)
        d = r * rng.uniform(0.9, 1.0)
        s = size * 0.02
        draw.ellipse([c + d * np.cos(a) - s, c + d * np.sin(a) - s, c + d * np.cos(a) + s,
                      c + d * np.sin(a) + s], fill=ink)  # fmt: skip
    word = FRESH_WORDS[int(rng.integers(len(FRESH_WORDS)))]
    font = ImageFont.truetype(cjk_font(), int(size * rng.uniform(0.1, 0.16)))
    box = draw.textbbox((0, 0), word, font=font)
    draw.text((c - (box[2] - box[0]) / 2, c - (box[3] - box[1]) / 2 + size * rng.uniform(-0.05, 0.12)), word,
              font=font, fill=ink)  # fmt: skip
    return image


def poster(seed: int) -> Image.Image:
    """Procedural artwork: a two-colour gradient, 6-12 overlapping shapes (some soft), diagonal stripes and a
    headline in the shipped Noto Sans TC, with a little grain; 720 x 960 or 960 x 720 (seeded)."""
    rng = np.random.default_rng(seed)
    w, h = (720, 960) if rng.random() < 0.6 else (960, 720)
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = np.linspace(0, 1, w)[None, :, None] * 0.5 + np.linspace(0, 1, h)[:, None, None] * 0.5
    image = Image.fromarray((a * (1 - t) + b * t).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 13))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x0, y0 = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        x1, y1 = x0 + rng.uniform(0.08, 0.45) * w, y0 + rng.uniform(0.08, 0.45) * h
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.polygon([(x0, y1), ((x0 + x1) / 2, y0), (x1, y1)], fill=colour)
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 2.0))))
        draw = ImageDraw.Draw(image)
    stripe = tuple(int(v) for v in rng.integers(0, 256, 3))
    step = int(rng.integers(24, 60))
    offset = int(rng.integers(0, w))
    for k in range(int(rng.integers(3, 8))):
        x = offset + k * step
        draw.line([(x, 0), (x - h * 0.6, h)], fill=stripe, width=int(rng.integers(3, 10)))
    word = " ".join(FRESH_WORDS[int(i)] for i in rng.integers(0, len(FRESH_WORDS), int(rng.integers(1, 3))))
    font = ImageFont.truetype(cjk_font(), int(h * rng.uniform(0.06, 0.1)))
    draw.text((w * rng.uniform(0.05, 0.3), h * rng.uniform(0.05, 0.8)), word, font=font, fill=(255, 255, 255))
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 3, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def fresh_references(shared: Path | None, cache: Path) -> list[Item]:
    """The fresh held-out references (31 with ``shared``, 21 without): 8 logos, 6 emblems and 6 posters of new
    seeds; 5 plush photos, 2 crops of other plush photos and 3 lego renders from ``shared/data`` (read at run
    time, never stored); scikit-image's CC0 ``microaneurysms`` (a 102 px retina detail) enlarged to 408 px."""
    items = [Item(f"fresh-logo:{s}", logo(s)) for s in FRESH_LOGOS]
    items += [Item(f"fresh-emblem:{s}", emblem(s)) for s in FRESH_EMBLEMS]
    items += [Item(f"fresh-poster:{s}", poster(s)) for s in FRESH_POSTERS]
    if shared is not None:
        plush = sorted((shared / "plush_photos").glob("*.jpg"))
        for k in FRESH_PLUSH:
            items.append(Item(f"fresh-plush:{plush[k].stem}", _rgb(Image.open(plush[k]))))
        rng = np.random.default_rng(23)
        for k in FRESH_PLUSH_CROPS:
            photo = _rgb(Image.open(plush[k]))
            f = rng.uniform(0.55, 0.65)
            cw, ch = int(photo.width * f), int(photo.height * f)
            x, y = int(rng.integers(0, photo.width - cw)), int(rng.integers(0, photo.height - ch))
            items.append(Item(f"fresh-plush-crop:{plush[k].stem}", photo.crop((x, y, x + cw, y + ch))))
        lego = sorted((shared / "nerf_lego" / "train").glob("*.png"), key=lambda p: int(p.stem.split("_")[1]))
        for k in FRESH_LEGO:
            items.append(Item(f"fresh-lego:{lego[k].stem}", _rgb(Image.open(lego[k]))))
    folder = skimage_data_dir(cache)
    if (folder / "microaneurysms.png").is_file():  # CC0 given by owner (Andreas Maier), _fetchers.py
        small = _rgb(Image.open(folder / "microaneurysms.png"))
        items.append(Item("fresh-pd:microaneurysms", small.resize((408, 408), Image.BICUBIC)))
    return interleave_by_kind(items)  # so the flash clips (the first FRESH_VIDEO_REFS) get every kind


def interleave_by_kind(items: list[Item]) -> list[Item]:
    """Round-robin over the kinds (the name before ``:``), in the order each kind first appears: the first few
    references of a list then cover every kind (the ones that get the flash clips)."""
    kinds: dict[str, list[Item]] = {}
    for item in items:
        kinds.setdefault(item.name.split(":")[0], []).append(item)
    out: list[Item] = []
    while any(kinds.values()):
        for group in kinds.values():
            if group:
                out.append(group.pop(0))
    return out


def fresh_backgrounds(cache: Path) -> list[Image.Image]:
    """Backgrounds of the fresh edits: the 13 scikit-image photos (not in the fresh bank) and new scenes."""
    return [i.image for i in public_domain_references(cache)] + [scene(s) for s in FRESH_SCENES]


def fresh_lookalikes(cache: Path) -> list[Item]:
    """306 look-alikes of the fresh references, none of them a copy: 50 logos, 30 emblems and 30 posters of the
    same generators (other seeds: same fonts, colours, placement), 50 brand-colour cards with zh-TW/Latin lines
    in Noto Sans TC, 36 of studio's end cards in other brand colours and products, and the fresh edits' own
    layouts around unrelated pictures: 40 photo cards (upright and mirrored) and 40 caption bands over the
    scikit-image photos and scenes, 30 price stickers over look-alike logos and emblems."""
    rng = np.random.default_rng(44)
    items = [Item(f"fl-logo:{s}", logo(s)) for s in range(40000, 40050)]
    items += [Item(f"fl-emblem:{s}", emblem(s)) for s in range(41000, 41030)]
    items += [Item(f"fl-poster:{s}", poster(s)) for s in range(42000, 42030)]
    for i in range(50):
        size = [(1080, 1920), (1080, 1080), (1920, 1080), (480, 480), (720, 960)][i % 5]
        card = gradient_card(rng, size)
        draw = ImageDraw.Draw(card)
        for line in range(int(rng.integers(1, 4))):
            font = ImageFont.truetype(cjk_font(), int(size[1] * rng.uniform(0.04, 0.1)))
            draw.text((size[0] * rng.uniform(0.05, 0.2), size[1] * (0.25 + 0.15 * line)),
                      FRESH_WORDS[int(rng.integers(len(FRESH_WORDS)))], font=font,
                      fill=(255, 255, 255) if rng.random() < 0.7 else (20, 20, 20))  # fmt: skip
        items.append(Item(f"fl-text-card:{i}", card))
    items += [
        Item(f"fl-{item.name}", item.image)
        for item in end_cards(
            primaries=("#8B1E3F", "#1B3A6B", "#C25E00"),
            products=(("森林咖啡 冷萃", "每瓶 NT$120"), ("Forest Cold Brew", None), ("Brew", None)),
        )
    ]
    unrelated = fresh_backgrounds(cache)
    for i in range(40):
        picture = unrelated[int(rng.integers(len(unrelated)))]
        items.append(Item(f"fl-photo-card:{i}", _photo_card(picture, rng, picture, mirror=i % 2 == 1)))
    for i in range(40):
        picture = unrelated[int(rng.integers(len(unrelated)))]
        items.append(Item(f"fl-caption:{i}", _caption_band(picture, rng, picture)))
    for i in range(30):
        base = logo(40100 + i) if i % 2 == 0 else emblem(41100 + i)
        items.append(Item(f"fl-sticker:{i}", _sticker(base, rng, base)))
    return items
