"""A third fresh held-out set for the visual near-copy benchmark (fresh3; ``compliance_visual.py --fresh3``).

Written by someone who had not read how the screen works (nothing under ``studio/compliance``, nor its tests,
nor the benchmark's visual sections of bench/README.md), and never screened while it was made: only rendered
and looked at. Scored once on 2026-12-02 (main at cee3044, figures in bench/README.md "fresh3 scored once"); its
errors were read then, so it is development material now, like the earlier sets. Everything is procedural and seeded (PIL +
numpy, the system's DejaVu fonts and the Noto Sans TC the studio ships); the product photos are read from
``shared/data`` at run time and never stored.

References (36 with ``shared``, 30 without), ten kinds no earlier set had, 3 of each:
    stroke line-art icons in a frame with a word, overlapping translucent geometric logos, 花磚 majolica tile
    patterns (repeating, no text), halftone duotone posters, shaded 3D spheres on a floor, die-cut sticker
    characters with thick outlines, pixel-art sprites, sports crests with stripes, postage stamps with
    perforations, botanical illustrations with a Latin label; and 3 plush photos, 1 plush crop and 2 lego renders
    at positions no earlier set used.

Edits (``EDITS``, written for this set, not ``compliance_visual_data.REAL_EDITS``): hue rotations, tone shifts
(saturation, brightness, contrast, gamma), mirror, quarter turns, downscale + double JPEG, 5-15 degree tilts over a
background, caption bands over 20-35 % of the height, badges (starburst price, round discount, emoji face, heart)
over part, crops keeping 60-75 % of each side, the copy at 110-160 px in a corner of a 1080x1920 ad, polaroid
photo cards (upright and mirrored), blurred backdrops of the copy itself; ``MILD`` names the mild ones. Flash
clips (``FLASH_EDITS``, ``render_flash``): a 0.3 s hard cut and a 0.4 s fade of the copy inside a 3 s 1080x1920
clip panning over a background, on the first ``VIDEO_REFS`` references.

Look-alikes (306, none contains a reference): the ten generators with other seeds and disjoint words (same fonts,
palettes, layouts; icons and tiles never reuse a reference's motif, tiles nor its palette, crests and stamps nor
its shape or scene in its palette), text-heavy promo cards, hang-tag price tags, flat / gradient cards, and the
edits' own layouts (caption bands, photo cards and blurred backdrops, badges, corner marks) around unrelated
pictures. No photo is a look-alike. Names are ``f3-<family>:<k>``.

Seeds (none used by an earlier set): generators 700000-759999, edits ``EDIT_SEED`` + seed.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import compliance_visual_data as data
import numpy as np
from compliance_visual_data import Item
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

EDIT_SEED = 8880  # the edits: np.random.default_rng(EDIT_SEED + seed)
VIDEO_REFS = 10  # the first references (interleaved kinds) get the two flash clips

# reference generator seeds (one range per kind)
REF_ICONS = (700000, 700002, 700004)  # three different pictograms (700001 is another fish)
REF_GEOS = range(701000, 701003)
REF_TILES = range(702000, 702003)
REF_HALFTONES = range(703000, 703003)
REF_SPHERES = range(704000, 704003)
REF_CHARACTERS = range(705000, 705003)
REF_PIXELS = range(706000, 706003)
REF_CRESTS = range(707000, 707003)
REF_STAMPS = (708000, 708002, 708005)  # three different scenes (708001 is another lighthouse)
REF_BOTANICALS = range(709000, 709003)
PLUSH = (
    12,
    58,
    80,
)  # positions in the sorted plush photos (fresh: 5 15 25 45 55 65 85; fresh2: 2 33 40 72 94)
PLUSH_CROPS = (20,)  # a 60-70 % crop of this one
LEGO = (20, 60)  # positions in the lego renders sorted by number (fresh: 10 50 90; fresh2: 30 70)
CROP_SEED = 710000
STREETS = range(720000, 720020)  # backgrounds of the edits
TABLETOPS = range(721000, 721020)
LOOKALIKE_BASE = 740000  # family k's seeds start at LOOKALIKE_BASE + 1000 * k
PER_FAMILY = 18

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LATIN_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSans.ttf",
    "DejaVuSerifCondensed-Bold.ttf",
)

# palettes (paper, primary, secondary, accent, ink), shared by references and look-alikes: 花磚 cobalt and
# turquoise, temple red and gold, betel-nut green, milk-tea brown, night-market neon, ...
PALETTES = (
    ((246, 240, 226), (32, 76, 150), (64, 170, 180), (232, 178, 60), (28, 34, 60)),
    ((252, 246, 236), (190, 40, 40), (236, 180, 50), (40, 120, 90), (50, 20, 20)),
    ((238, 244, 236), (46, 110, 70), (150, 196, 90), (236, 120, 90), (24, 48, 30)),
    ((244, 232, 214), (140, 90, 56), (210, 170, 120), (90, 140, 160), (56, 36, 24)),
    ((24, 22, 40), (250, 80, 150), (70, 220, 230), (250, 220, 80), (248, 248, 250)),
    ((255, 255, 255), (230, 110, 40), (60, 60, 70), (120, 190, 230), (30, 30, 36)),
    ((236, 238, 246), (110, 70, 170), (240, 150, 190), (90, 200, 160), (36, 28, 60)),
    ((250, 244, 220), (220, 60, 90), (40, 140, 200), (250, 200, 40), (40, 30, 40)),
    ((220, 232, 240), (20, 90, 120), (240, 130, 70), (250, 230, 200), (16, 40, 56)),
    ((248, 238, 240), (170, 40, 80), (250, 190, 150), (80, 110, 60), (60, 20, 34)),
)

# word pools: references draw from the REF_ ones, look-alikes from the LOOK_ ones (disjoint: a look-alike never
# carries a reference's name, it only shares fonts, palettes and layouts)
REF_ZH = ("山城豆行", "港邊冰室", "金萱小館", "稻埕選品", "老街花磚", "貓村手作", "潮間帶", "光點書房")
REF_LATIN = ("SALT & PINE", "Kettle", "ORBIT", "Hoppa", "JADE FC", "Lantern", "Fika", "TORO")
REF_INITIALS = ("SP", "JF", "KC")
REF_STAMP = (("島嶼郵政", "NT$ 12"), ("FORMOSA POST", "NT$ 25"), ("海港郵便", "NT$ 8"))
REF_LABELS = ("Camellia sinensis", "Osmanthus fragrans", "Hibiscus taiwanensis")
LOOK_ZH = (
    "晨光豆漿", "後山果園", "南寮漁港", "紅磚書店", "鹹水雞舖", "六堆客家", "溫泉旅宿", "藍染工房", "廟口小吃",
    "港都夜市", "雨林咖啡", "眷村麵館", "梅子汽水", "茶山步道", "鳳凰花開", "稻浪民宿",
)  # fmt: skip
LOOK_LATIN = (
    "HALO", "Dune", "PIXEL PUB", "Marlo", "RIVET", "Coral", "BRISK", "Oasis", "FERN", "Maple", "QUILL",
    "Sprout", "NORTH FC", "Vesta", "ZEPHYR", "Cocoa",
)  # fmt: skip
LOOK_STAMP_NAMES = ("寶島郵便", "ISLAND MAIL", "山海郵政", "東港郵局", "REPUBLIK POS", "花東郵政")
LOOK_LABELS = (
    "Ficus microcarpa", "Bougainvillea glabra", "Lilium formosanum", "Nepenthes alata", "Bambusa oldhamii",
    "Rhododendron simsii", "Cinnamomum camphora", "Ipomoea batatas", "Musa basjoo", "Prunus campanulata",
)  # fmt: skip
CAPTIONS = (
    "週年慶 全館 85 折",
    "今日下單 明天到貨",
    "夏日限定 SUMMER ONLY",
    "會員獨享 NT$ 99 加購",
    "新品開賣 NEW IN",
    "最後 3 天 LAST CALL",
)
PROMO_HEAD = ("開學季", "清涼一夏", "年貨大街", "雙 11 預購", "冬至暖心", "父親節特惠", "品牌日", "早鳥優惠")
PROMO_SUB = ("滿 888 送 88", "指定商品 7 折", "第二件 1 元", "滿額贈好禮", "全台免運", "限量 200 組")
PROMO_LATIN = ("MEGA DEAL", "BEST SELLER", "HOT PICK", "COMING SOON", "ONLINE ONLY")
CTA = ("立即購買", "點我搶優惠", "看更多", "ORDER NOW", "馬上預約")
PRICES = ("NT$ 199", "NT$ 1,280", "NT$ 59", "$ 350", "NT$ 2,990", "NT$ 88")


# -- helpers -----------------------------------------------------------------------------------------------------
def _font(name: str, size: float) -> ImageFont.FreeTypeFont:
    """``noto-bold`` / ``noto``: the shipped Noto Sans TC (zh-TW glyphs); otherwise a DejaVu file name."""
    if name in ("noto-bold", "noto"):
        path = data.cjk_font()
        if name == "noto":
            path = path.replace("Bold", "Regular")
        return ImageFont.truetype(path, max(8, int(size)))
    return ImageFont.truetype(str(_FONT_DIR / name), max(8, int(size)))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _rgb(colour) -> tuple[int, int, int]:
    return tuple(int(np.clip(c, 0, 255)) for c in colour)


def _jitter(colour, rng: np.random.Generator, amount: int = 16) -> tuple[int, int, int]:
    return _rgb(c + rng.integers(-amount, amount + 1) for c in colour)


def _luma(colour) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


def _contrast(against, *candidates) -> tuple[int, int, int]:
    """The first of ``candidates`` whose luma differs from ``against`` by 90+, else near-black or near-white."""
    for colour in candidates:
        if abs(_luma(colour) - _luma(against)) >= 90:
            return tuple(colour)
    return (20, 20, 24) if _luma(against) > 128 else (250, 250, 248)


def _fit(draw: ImageDraw.ImageDraw, text: str, name: str, size: float, width: float):
    """The font ``name`` at ``size`` or smaller, so that ``text`` fits in ``width`` pixels."""
    font = _font(name, size)
    box = draw.textbbox((0, 0), text, font=font)
    if box[2] - box[0] > width:
        font = _font(name, size * width / (box[2] - box[0]))
    return font


def _text_at(draw: ImageDraw.ImageDraw, centre, text: str, font, fill, *, outline: int = 0) -> None:
    """``text`` centred on ``centre``; with ``outline``, a dark keyline that many px wide (ad text over photos)."""
    box = draw.textbbox((0, 0), text, font=font, stroke_width=outline)
    xy = (centre[0] - (box[0] + box[2]) / 2, centre[1] - (box[1] + box[3]) / 2)
    draw.text(xy, text, font=font, fill=fill, stroke_width=outline, stroke_fill=(20, 20, 24))


def _has_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


def _grain(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    array = np.asarray(image, dtype=np.float32) + rng.normal(0, sigma, (image.height, image.width, 1))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def _gradient(size, a, b, *, angle: float = 90.0) -> Image.Image:
    """A linear gradient from ``a`` to ``b`` along ``angle`` degrees (90: top to bottom)."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = xx * np.cos(np.radians(angle)) + yy * np.sin(np.radians(angle))
    t = ((d - d.min()) / max(1e-6, float(d.max() - d.min())))[..., None]
    return Image.fromarray((np.array(a) * (1 - t) + np.array(b) * t).astype(np.uint8))


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    return data._cover(img, size)


def _grow(mask: Image.Image, px: float) -> Image.Image:
    """``mask`` (L, 0/255) grown by about ``px`` pixels (shrunk when negative): a blur and a threshold."""
    if px < 0:
        return _grow(mask.point(lambda v: 255 - v), -px).point(lambda v: 255 - v)
    return mask.filter(ImageFilter.GaussianBlur(px / 2)).point(lambda v: 255 if v > 6 else 0)


def _design(rng: np.random.Generator, kinds: int) -> tuple[int, int]:
    """The first two draws of the icon, tile and crest generators: palette index and motif / shape (so that
    look-alikes can be kept off a reference's design: one motif in other colours would be a recolour)."""
    return int(rng.integers(len(PALETTES))), int(rng.integers(kinds))


def seeds_off(base: int, n: int, kinds: int, taken: range, *, by_kind: bool = False) -> list[int]:
    """The first ``n`` seeds from ``base`` whose design (palette and motif, or the motif alone with ``by_kind``)
    is none of the ``taken`` seeds' designs."""

    def key(s: int):
        design = _design(np.random.default_rng(s), kinds)
        return design[1] if by_kind else design

    used = {key(s) for s in taken}
    out, s = [], base
    while len(out) < n:
        if key(s) not in used:
            out.append(s)
        s += 1
    return out


def seeds_round_robin(base: int, n: int, kinds: int, taken, *, other_palettes: bool = False) -> list[int]:
    """``n`` seeds from ``base`` whose motifs go round the motifs none of the ``taken`` seeds has (look-alike
    icons and tiles: every free motif, none of the references'); with ``other_palettes``, none of their palettes
    either (a tile panel is mostly its palette and its grid)."""
    designs = [_design(np.random.default_rng(s), kinds) for s in taken]
    free = [k for k in range(kinds) if k not in {d[1] for d in designs}]
    palettes = {d[0] for d in designs} if other_palettes else set()
    out, s = [], base
    while len(out) < n:
        palette, motif = _design(np.random.default_rng(s), kinds)
        if motif == free[len(out) % len(free)] and palette not in palettes:
            out.append(s)
        s += 1
    return out


# -- 1. stroke line-art icons --------------------------------------------------------------------------------------
ICON_KINDS = 10


def _icon_strokes(draw: ImageDraw.ImageDraw, kind: int, c: float, s: float, w: int, ink, rng) -> None:
    """One line-art pictogram of ``kind`` centred at (c, c), ``s`` across, strokes ``w`` px wide."""
    x0, y0 = c - s / 2, c - s / 2

    def p(u, v):
        return (x0 + u * s, y0 + v * s)

    def line(*pts):
        draw.line([p(*q) for q in pts], fill=ink, width=w, joint="curve")

    def arc(u0, v0, u1, v1, a0, a1):
        draw.arc([*p(u0, v0), *p(u1, v1)], a0, a1, fill=ink, width=w)

    lean = rng.uniform(-0.04, 0.04)
    if kind == 0:  # a cup with steam
        line((0.18, 0.42), (0.26, 0.9), (0.7, 0.9), (0.78, 0.42), (0.18, 0.42))
        arc(0.68, 0.5, 0.98, 0.76, 270, 90)
        for u in (0.34, 0.48, 0.62):
            arc(u - 0.06 + lean, 0.08, u + 0.06 + lean, 0.22, 90, 270)
            arc(u - 0.06 + lean, 0.2, u + 0.06 + lean, 0.34, 270, 90)
    elif kind == 1:  # a leaf with veins
        arc(0.1, 0.1, 0.9, 1.3, 200, 340)
        arc(0.1, -0.3, 0.9, 0.9, 20, 160)
        line((0.16, 0.72), (0.86, 0.3))
        for t in (0.3, 0.5, 0.7):
            u, v = 0.16 + 0.7 * t, 0.72 - 0.42 * t
            line((u, v), (u - 0.06, v - 0.16))
            line((u, v), (u + 0.1, v + 0.1))
    elif kind == 2:  # a house with a door and window
        line((0.1, 0.5), (0.5, 0.12 + lean), (0.9, 0.5))
        line((0.2, 0.42), (0.2, 0.9), (0.8, 0.9), (0.8, 0.42))
        line((0.42, 0.9), (0.42, 0.66), (0.58, 0.66), (0.58, 0.9))
        draw.rectangle([*p(0.26, 0.5), *p(0.36, 0.6)], outline=ink, width=max(2, w // 2))
    elif kind == 3:  # a bicycle
        arc(0.02, 0.5, 0.4, 0.88, 0, 360)
        arc(0.6, 0.5, 0.98, 0.88, 0, 360)
        line((0.21, 0.69), (0.38, 0.4), (0.7, 0.4), (0.79, 0.69))
        line((0.38, 0.4), (0.5, 0.69), (0.7, 0.4))
        line((0.33, 0.3), (0.45, 0.3))
        line((0.7, 0.4), (0.66, 0.26), (0.76, 0.24))
    elif kind == 4:  # a fish
        arc(0.08, 0.26, 0.78, 0.9, 200, 340)
        arc(0.08, 0.1, 0.78, 0.74, 20, 160)
        line((0.74, 0.5), (0.94, 0.32), (0.94, 0.68), (0.74, 0.5))
        draw.ellipse([*p(0.22, 0.42), *p(0.3, 0.5)], fill=ink)
        arc(0.3, 0.34, 0.46, 0.66, 300, 60)
    elif kind == 5:  # mountains and a sun
        line((0.04, 0.86), (0.36, 0.36 + lean), (0.56, 0.62), (0.7, 0.46), (0.96, 0.86), (0.04, 0.86))
        arc(0.62, 0.08, 0.86, 0.32, 0, 360)
        line((0.26, 0.52), (0.36, 0.6), (0.44, 0.52))
    elif kind == 6:  # a bubble-tea cup with a straw
        line((0.24, 0.3), (0.32, 0.94), (0.68, 0.94), (0.76, 0.3), (0.24, 0.3))
        arc(0.22, 0.14, 0.78, 0.44, 180, 360)
        line((0.56, 0.3), (0.68, 0.02))
        for u, v in ((0.4, 0.84), (0.5, 0.8), (0.6, 0.84), (0.45, 0.72), (0.56, 0.72)):
            draw.ellipse([*p(u - 0.035, v - 0.035), *p(u + 0.035, v + 0.035)], fill=ink)
    elif kind == 7:  # a lantern
        arc(0.2, 0.2, 0.8, 0.84, 0, 360)
        line((0.4, 0.2), (0.6, 0.2))
        line((0.4, 0.84), (0.6, 0.84))
        line((0.5, 0.04), (0.5, 0.2))
        line((0.5, 0.84), (0.5, 0.98))
        arc(0.34, 0.2, 0.66, 0.84, 90, 270)
        arc(0.34, 0.2, 0.66, 0.84, 270, 90)
    elif kind == 8:  # an umbrella
        arc(0.06, 0.14, 0.94, 0.86, 180, 360)
        line((0.06, 0.5), (0.94, 0.5))
        line((0.5, 0.14), (0.5, 0.84))
        arc(0.5, 0.76, 0.66, 0.92, 0, 180)
        for u in (0.28, 0.72):
            line((u, 0.5), (0.5, 0.16))
    else:  # a bowl with chopsticks
        arc(0.1, 0.2, 0.9, 0.9, 0, 180)
        line((0.1, 0.55), (0.9, 0.55))
        line((0.34, 0.9), (0.66, 0.9))
        line((0.56, 0.46), (0.9, 0.08))
        line((0.66, 0.48), (0.98, 0.16))


def line_icon(seed: int, word: str) -> Image.Image:
    """A stroke line-art pictogram (one of ``ICON_KINDS``) in a circle or rounded square, a word below; 512 x 512."""
    rng = np.random.default_rng(seed)
    palette, kind = _design(rng, ICON_KINDS)
    paper, primary, secondary, accent, ink = PALETTES[palette]
    size = 512
    image = Image.new("RGB", (size, size), paper)
    draw = ImageDraw.Draw(image)
    w = int(rng.integers(10, 18))
    frame = int(rng.integers(3))
    c, r = size / 2, size * 0.34
    cy = size * 0.42
    if frame == 0:
        draw.ellipse([c - r, cy - r, c + r, cy + r], outline=primary, width=w)
    elif frame == 1:
        draw.rounded_rectangle([c - r, cy - r, c + r, cy + r], radius=int(r * 0.3), outline=primary, width=w)
    else:
        draw.ellipse([c - r, cy - r, c + r, cy + r], fill=_jitter(secondary, rng, 10))
    stroke = ink if frame == 2 else primary
    box = Image.new("RGB", (size, size), paper)  # the strokes, drawn centred at (c, c) then moved up
    mask = Image.new("L", (size, size), 0)
    _icon_strokes(ImageDraw.Draw(mask), kind, c, r * 1.1, w, 255, rng)
    box.paste(stroke, (0, 0, size, size))
    image.paste(box, (0, int(cy - c)), mask)
    if rng.random() < 0.6:  # an accent dot
        a = rng.uniform(0, 2 * np.pi)
        d = size * 0.025
        ax, ay = c + r * np.cos(a), cy + r * np.sin(a)
        draw.ellipse([ax - d, ay - d, ax + d, ay + d], fill=accent)
    name = "noto-bold" if _has_cjk(word) else _pick(rng, LATIN_FONTS)
    font = _fit(draw, word, name, size * rng.uniform(0.1, 0.13), size * 0.86)
    _text_at(draw, (c, size * 0.885), word, font, _contrast(paper, ink, primary))
    return image


# -- 2. overlapping geometric logos --------------------------------------------------------------------------------
def geo_logo(seed: int, word: str) -> Image.Image:
    """3-5 overlapping translucent shapes (circles, triangles, squares, half discs, rings) multiplied over paper
    and a word beside or below them; 640 x 400 or 512 x 512."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    if _luma(paper) < 100:
        paper, ink = (250, 248, 244), (30, 30, 40)
    wide = rng.random() < 0.5
    w, h = (640, 400) if wide else (512, 512)
    canvas = np.full((h, w, 3), 1.0, np.float32)
    cx, cy = (w * 0.27, h * 0.5) if wide else (w * 0.5, h * 0.4)
    r = min(w, h) * (0.26 if wide else 0.21)
    for k in range(int(rng.integers(3, 6))):
        colour = np.array(_pick(rng, (primary, secondary, accent)), np.float32) / 255
        layer = Image.new("L", (w, h), 0)
        d = ImageDraw.Draw(layer)
        ox, oy = cx + rng.uniform(-1, 1) * r * 0.8, cy + rng.uniform(-1, 1) * r * 0.8
        rr = r * rng.uniform(0.55, 1.0)
        kind = int(rng.integers(5))
        if kind == 0:
            d.ellipse([ox - rr, oy - rr, ox + rr, oy + rr], fill=255)
        elif kind == 1:
            a = rng.uniform(0, 2 * np.pi)
            d.polygon(
                [(ox + rr * np.cos(a + t), oy + rr * np.sin(a + t)) for t in (0, 2.094, 4.189)], fill=255
            )
        elif kind == 2:
            a = rng.uniform(0, np.pi / 2)
            d.polygon([(ox + rr * np.cos(a + t), oy + rr * np.sin(a + t)) for t in (0, 1.571, 3.142, 4.712)],
                      fill=255)  # fmt: skip
        elif kind == 3:
            start = int(rng.integers(0, 360))
            d.pieslice([ox - rr, oy - rr, ox + rr, oy + rr], start, start + 180, fill=255)
        else:
            d.ellipse([ox - rr, oy - rr, ox + rr, oy + rr], outline=255, width=int(rr * 0.28))
        alpha = np.asarray(layer, np.float32)[..., None] / 255 * rng.uniform(0.75, 0.95)
        canvas *= 1 - alpha * (1 - colour)  # multiply: overlaps darken into a third colour
    image = Image.fromarray((canvas * np.array(paper, np.float32)).clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    name = "noto-bold" if _has_cjk(word) else _pick(rng, LATIN_FONTS)
    if wide:
        font = _fit(draw, word, name, h * 0.16, w * 0.44)
        box = draw.textbbox((0, 0), word, font=font)
        draw.text((w * 0.52, h / 2 - (box[1] + box[3]) / 2), word, font=font, fill=ink)
    else:
        font = _fit(draw, word, name, h * 0.11, w * 0.84)
        _text_at(draw, (w / 2, h * 0.84), word, font, ink)
    return image


# -- 3. 花磚 majolica tiles ---------------------------------------------------------------------------------------
TILE_MOTIFS = 6


def _tile(size: int, motif: int, palette, rng: np.random.Generator) -> Image.Image:
    """One square majolica tile: a field, corner quarter-motifs (they join into a second motif across tiles), a
    border, and an 8-fold central motif of ``motif``."""
    paper, primary, secondary, accent, ink = palette
    big = size * 3  # drawn large, then reduced (smooth edges)
    tile = Image.new("RGB", (big, big), paper)
    d = ImageDraw.Draw(tile)
    c = big / 2
    q = big * rng.uniform(0.22, 0.3)
    for x, y in ((0, 0), (big, 0), (0, big), (big, big)):  # corner quarters
        d.ellipse([x - q, y - q, x + q, y + q], fill=secondary)
        d.ellipse([x - q * 0.55, y - q * 0.55, x + q * 0.55, y + q * 0.55], fill=accent)
    band = big * 0.04
    d.rectangle([band, band, big - band, big - band], outline=primary, width=int(big * 0.018))
    petals = 8 if motif != 3 else 4
    R = big * rng.uniform(0.3, 0.36)
    for k in range(petals):
        a = 2 * np.pi * k / petals + (np.pi / petals if motif == 4 else 0)
        px, py = c + R * 0.55 * np.cos(a), c + R * 0.55 * np.sin(a)
        if motif in (0, 4):  # petals: ellipses pointing out
            long, wide = R * 0.42, R * (0.16 if motif == 0 else 0.12)
            pts = [(px + long * np.cos(t) * np.cos(a) - wide * np.sin(t) * np.sin(a),
                    py + long * np.cos(t) * np.sin(a) + wide * np.sin(t) * np.cos(a))
                   for t in np.linspace(0, 2 * np.pi, 28)]  # fmt: skip
            d.polygon(pts, fill=primary if k % 2 == 0 or motif == 0 else secondary)
        elif motif == 1:  # octagram points
            d.polygon([(c, c), (c + R * np.cos(a - 0.3), c + R * np.sin(a - 0.3)),
                       (c + R * 1.08 * np.cos(a), c + R * 1.08 * np.sin(a)),
                       (c + R * np.cos(a + 0.3), c + R * np.sin(a + 0.3))], fill=primary)  # fmt: skip
        elif motif == 2:  # ring of dots
            s = R * 0.16
            d.ellipse([px + R * 0.3 * np.cos(a) - s, py + R * 0.3 * np.sin(a) - s,
                       px + R * 0.3 * np.cos(a) + s, py + R * 0.3 * np.sin(a) + s], fill=primary)  # fmt: skip
        elif motif == 3:  # quatrefoil lobes
            s = R * 0.42
            d.ellipse([px - s, py - s, px + s, py + s], fill=primary)
        else:  # motif 5: a cross of lozenges
            if k % 2 == 0:
                d.polygon([(c, c), (c + R * 0.3 * np.cos(a + 0.6), c + R * 0.3 * np.sin(a + 0.6)),
                           (c + R * np.cos(a), c + R * np.sin(a)),
                           (c + R * 0.3 * np.cos(a - 0.6), c + R * 0.3 * np.sin(a - 0.6))], fill=primary)  # fmt: skip
    if motif == 3:
        d.rectangle([c - R * 0.5, c - R * 0.5, c + R * 0.5, c + R * 0.5], fill=secondary)
    s = R * rng.uniform(0.18, 0.28)
    d.ellipse([c - s, c - s, c + s, c + s], fill=accent, outline=ink, width=int(big * 0.008))
    if motif in (1, 5):
        d.ellipse(
            [c - R * 1.1, c - R * 1.1, c + R * 1.1, c + R * 1.1], outline=secondary, width=int(big * 0.012)
        )
    return tile.resize((size, size), Image.LANCZOS)


def tile_pattern(seed: int) -> Image.Image:
    """A panel of 3 x 3 or 4 x 4 identical 花磚 tiles with grout lines and a little glaze variation, no text."""
    rng = np.random.default_rng(seed)
    palette, motif = _design(rng, TILE_MOTIFS)
    n = int(rng.choice([3, 4]))
    size = 180 if n == 3 else 136
    tile = _tile(size, motif, PALETTES[palette], rng)
    grout = 4
    side = n * size + (n + 1) * grout
    panel = Image.new("RGB", (side, side), (200, 196, 188))
    for i in range(n):
        for j in range(n):
            glaze = ImageEnhance.Brightness(tile).enhance(rng.uniform(0.95, 1.05))
            panel.paste(glaze, (grout + i * (size + grout), grout + j * (size + grout)))
    return _grain(panel, rng, 2.5)


# -- 4. halftone duotone posters -----------------------------------------------------------------------------------
def halftone_poster(seed: int, headline: str) -> Image.Image:
    """A duotone poster: a smooth picture (sun, hills, a big round subject) halftoned into dots of two inks
    on paper at two screen angles, and a headline band; 720 x 960."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, _, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    if _luma(paper) < 100:
        paper = (244, 238, 226)
    w, h = 720, 960
    tone = Image.new("L", (w, h), 0)  # the picture, as ink coverage 0-255
    d = ImageDraw.Draw(tone)
    horizon = h * rng.uniform(0.5, 0.7)
    for k in range(int(rng.integers(2, 4))):  # hills
        pts = [(x, horizon - h * 0.12 * np.sin(x / w * np.pi * rng.uniform(1, 3) + rng.uniform(0, 6)) + k * 60)
               for x in np.linspace(0, w, 24)]  # fmt: skip
        d.polygon([(0, h), *pts, (w, h)], fill=int(110 + 50 * k))
    sx, sy, sr = w * rng.uniform(0.25, 0.75), h * rng.uniform(0.2, 0.4), w * rng.uniform(0.14, 0.24)
    d.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=230)
    tone = tone.filter(ImageFilter.GaussianBlur(float(rng.uniform(8, 20))))
    t = np.asarray(tone, np.float32) / 255

    def screen(angle: float, cell: int, coverage: np.ndarray) -> np.ndarray:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        u = xx * np.cos(angle) + yy * np.sin(angle)
        v = -xx * np.sin(angle) + yy * np.cos(angle)
        du, dv = (u % cell) - cell / 2, (v % cell) - cell / 2
        dist = np.hypot(du, dv) / (cell * 0.72)
        return (dist < np.sqrt(coverage)).astype(np.float32)

    cell = int(rng.integers(9, 15))
    a = screen(np.radians(rng.uniform(10, 30)), cell, t)
    b = screen(np.radians(rng.uniform(55, 80)), cell, np.clip(1 - t, 0, 1) * rng.uniform(0.3, 0.6))
    out = np.ones((h, w, 3), np.float32) * np.array(paper, np.float32)
    for mask, colour in ((b, secondary), (a, primary)):
        out = out * (1 - mask[..., None]) + np.array(colour, np.float32) * mask[..., None]
    image = Image.fromarray(out.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    top = rng.random() < 0.5
    band = (0, 0, w, int(h * 0.16)) if top else (0, int(h * 0.84), w, h)
    draw.rectangle(band, fill=ink if _luma(ink) < 128 else primary)
    font = _fit(
        draw, headline, "noto-bold" if _has_cjk(headline) else "DejaVuSans-Bold.ttf", h * 0.08, w * 0.9
    )
    _text_at(draw, (w / 2, (band[1] + band[3]) / 2), headline, font, paper)
    return _grain(image, rng, 3)


# -- 5. shaded 3D spheres ------------------------------------------------------------------------------------------
def spheres(seed: int) -> Image.Image:
    """2-5 shaded spheres (diffuse + specular from one light, soft contact shadows) on a gradient floor, no text;
    600 x 600."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    w = h = 600
    back = np.asarray(_gradient((w, h), _jitter(paper, rng, 20), _jitter(secondary, rng, 30)), np.float32)
    out = back.copy()
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.array([rng.uniform(-0.7, 0.7), rng.uniform(-0.9, -0.3), 0.8])
    light /= np.linalg.norm(light)
    balls = []
    for _ in range(int(rng.integers(2, 6))):
        r = rng.uniform(60, 150)
        balls.append((rng.uniform(r, w - r), rng.uniform(h * 0.35, h * 0.8), r,
                      np.array(_pick(rng, (primary, accent, secondary, ink)), np.float32)))  # fmt: skip
    balls.sort(key=lambda b: b[1] + b[2])  # far (higher up) first
    shadow = np.zeros((h, w), np.float32)
    for cx, cy, r, _ in balls:
        shadow += np.exp(
            -(((xx - cx - light[0] * -r * 0.5) / (r * 1.1)) ** 2 + ((yy - cy - r) / (r * 0.25)) ** 2)
        )
    out *= 1 - 0.45 * np.clip(shadow, 0, 1)[..., None]
    for cx, cy, r, colour in balls:
        nx, ny = (xx - cx) / r, (yy - cy) / r
        inside = nx**2 + ny**2 <= 1
        nz = np.sqrt(np.clip(1 - nx**2 - ny**2, 0, 1))
        diffuse = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0, 1)
        spec = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0, 1) ** 40
        shade = colour * (0.25 + 0.75 * diffuse[..., None]) + 255 * 0.6 * spec[..., None]
        edge = np.clip((1 - np.sqrt(nx**2 + ny**2)) * r, 0, 1)[..., None]  # 1 px anti-aliased rim
        out = np.where(inside[..., None], out * (1 - edge) + shade * edge, out)
    return _grain(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), rng, 2)


# -- 6. die-cut sticker characters ---------------------------------------------------------------------------------
def sticker_character(seed: int, name: str | None) -> Image.Image:
    """A round character (body, ears or horns or leaf, face) with a thick dark outline and a white die-cut
    border, on a flat colour; a name tag below when ``name``; 512 x 512."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, _ = PALETTES[int(rng.integers(len(PALETTES)))]
    size = 512
    scale = 2
    S = size * scale
    shape = Image.new("L", (S, S), 0)
    d = ImageDraw.Draw(shape)
    cx, cy = S / 2, S * (0.46 if name else 0.52)
    bw, bh = S * rng.uniform(0.26, 0.34), S * rng.uniform(0.22, 0.3)
    d.ellipse([cx - bw, cy - bh, cx + bw, cy + bh], fill=255)
    top = int(rng.integers(3))
    ears = []
    for side in (-1, 1):
        ex, ey = cx + side * bw * rng.uniform(0.45, 0.7), cy - bh * rng.uniform(0.75, 0.95)
        er = S * rng.uniform(0.06, 0.1)
        if top == 0:
            ears.append([ex - er, ey - er, ex + er, ey + er])
            d.ellipse(ears[-1], fill=255)
        elif top == 1:
            d.polygon(
                [(ex - er, ey + er), (ex + side * er * 0.4, ey - er * 1.6), (ex + er, ey + er)], fill=255
            )
    if top == 2:  # a leaf sprout
        d.ellipse([cx - S * 0.02, cy - bh - S * 0.14, cx + S * 0.12, cy - bh + S * 0.02], fill=255)
    for side in (-1, 1):  # feet
        fx = cx + side * bw * 0.5
        d.ellipse([fx - S * 0.07, cy + bh * 0.8, fx + S * 0.07, cy + bh * 0.8 + S * 0.09], fill=255)
    outline = int(S * rng.uniform(0.018, 0.028))
    border = int(S * 0.035)
    inner = _grow(shape, -outline)
    lined = shape
    die = _grow(shape, border)
    image = Image.new("RGB", (S, S), _jitter(paper if _luma(paper) < 200 else secondary, rng, 10))
    image.paste((255, 255, 255), (0, 0, S, S), die)
    image.paste((24, 20, 28), (0, 0, S, S), lined)
    body = _jitter(_pick(rng, (primary, accent, secondary)), rng, 12)
    image.paste(body, (0, 0, S, S), inner)
    fd = ImageDraw.Draw(image)
    if top == 0:
        for box in ears:
            x0, y0, x1, y1 = box
            m = (x1 - x0) * 0.28
            fd.ellipse([x0 + m, y0 + m, x1 - m, y1 - m], fill=(250, 180, 190))
    eye = S * rng.uniform(0.022, 0.035)
    gap = bw * rng.uniform(0.3, 0.45)
    ey = cy - bh * rng.uniform(0.05, 0.25)
    for side in (-1, 1):
        ex = cx + side * gap
        if rng.random() < 0.7:
            fd.ellipse([ex - eye, ey - eye * 1.2, ex + eye, ey + eye * 1.2], fill=(24, 20, 28))
            fd.ellipse([ex - eye * 0.2, ey - eye * 0.9, ex + eye * 0.4, ey - eye * 0.3], fill=(255, 255, 255))
        else:
            fd.arc([ex - eye * 1.5, ey - eye, ex + eye * 1.5, ey + eye * 1.5], 200, 340, fill=(24, 20, 28),
                   width=int(eye * 0.6))  # fmt: skip
        blush = S * 0.03
        bx = cx + side * (gap + eye * 2.4)
        fd.ellipse([bx - blush, ey + eye * 2, bx + blush, ey + eye * 2 + blush], fill=(250, 150, 160))
    mw = S * rng.uniform(0.03, 0.06)
    fd.arc(
        [cx - mw, ey + eye, cx + mw, ey + eye + mw * 1.4], 20, 160, fill=(24, 20, 28), width=int(S * 0.008)
    )
    image = image.resize((size, size), Image.LANCZOS)
    if name:
        draw = ImageDraw.Draw(image)
        font = _fit(
            draw, name, "noto-bold" if _has_cjk(name) else "DejaVuSans-Bold.ttf", size * 0.085, size * 0.7
        )
        box = draw.textbbox((0, 0), name, font=font)
        tw, th = box[2] - box[0], box[3] - box[1]
        y = size * 0.88
        draw.rounded_rectangle([size / 2 - tw / 2 - 18, y - th / 2 - 12, size / 2 + tw / 2 + 18, y + th / 2 + 12],
                               radius=int(th / 2 + 12), fill=(24, 20, 28))  # fmt: skip
        _text_at(draw, (size / 2, y), name, font, (255, 255, 255))
    return image


# -- 7. pixel art ------------------------------------------------------------------------------------------------
def pixel_sprite(seed: int) -> Image.Image:
    """A 16 x 16 left-right symmetric sprite (random cells smoothed by a neighbour rule, outlined, a highlight
    and a shadow colour) scaled by 28 with nearest-neighbour onto a flat or checkered field; 512 x 512, no text."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    n = 16
    half = rng.random((n - 4, (n - 4) // 2)) < rng.uniform(0.45, 0.6)
    for _ in range(2):  # cellular smoothing: a cell lives with 4+ of its 8 neighbours alive
        padded = np.pad(half, 1)
        count = sum(np.roll(np.roll(padded, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1))[1:-1, 1:-1]
        half = (count - half) >= 4 - half
    body = np.zeros((n, n), bool)
    body[2 : n - 2, 2 : n // 2] = half
    body[:, n // 2 :] = body[:, : n // 2][:, ::-1]
    padded = np.pad(body, 1)
    ring = np.zeros_like(body)
    for i, j in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ring |= np.roll(np.roll(padded, i, 0), j, 1)[1:-1, 1:-1]
    ring &= ~body
    cells = np.zeros((n, n, 3), np.uint8)
    field = np.array(paper, np.uint8)
    cells[:] = field
    if rng.random() < 0.5:  # a checker field
        alt = np.array(_jitter(paper, rng, 24), np.uint8)
        check = (np.add.outer(np.arange(n), np.arange(n)) % 2).astype(bool)
        cells[check] = alt
    colours = np.array([primary, secondary, accent], np.uint8)
    shade = (np.arange(n)[:, None] / n + rng.random((n, n)) * 0.4) // 0.5
    shade = np.clip(shade, 0, 2).astype(int)
    cells[body] = colours[shade[body]]
    cells[ring] = np.array(ink if _luma(ink) < 128 else (20, 20, 24), np.uint8)
    eyes = int(rng.integers(4, 8))
    if body[eyes, n // 2 - 3] and body[eyes, n // 2 + 2]:
        cells[eyes, n // 2 - 3] = cells[eyes, n // 2 + 2] = (250, 250, 250)
    return Image.fromarray(cells).resize((512, 512), Image.NEAREST)


# -- 8. sports crests --------------------------------------------------------------------------------------------
CREST_SHAPES = 4


def crest(seed: int, initials: str, club: str) -> Image.Image:
    """A club crest: a shield (heater, round, pointed or a badge) filled with stripes (vertical, diagonal,
    hoops or a chevron), a thick outline, initials on a band, stars above and a club ribbon below; 512 x 600."""
    rng = np.random.default_rng(seed)
    palette, shape = _design(rng, CREST_SHAPES)
    paper, primary, secondary, accent, ink = PALETTES[palette]
    w, h = 512, 600
    S = 2
    W, H = w * S, h * S
    mask = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(mask)
    x0, x1, y0, y1 = W * 0.16, W * 0.84, H * 0.14, H * 0.8
    if shape == 0:  # heater
        d.polygon([(x0, y0), (x1, y0), (x1, y0 + (y1 - y0) * 0.5), ((x0 + x1) / 2, y1), (x0, y0 + (y1 - y0) * 0.5)],
                  fill=255)  # fmt: skip
        d.pieslice([x0, y0 + (y1 - y0) * 0.05, x1, y1 + (y1 - y0) * 0.2], 0, 180, fill=255)
    elif shape == 1:  # round-bottomed
        d.rectangle([x0, y0, x1, (y0 + y1) / 2], fill=255)
        d.ellipse([x0, y0 + (y1 - y0) * 0.1, x1, y1], fill=255)
    elif shape == 2:  # pointed with a notched top
        m = (x1 - x0) * 0.18
        d.polygon([(x0, y0), (x0 + m, y0 + m * 0.5), ((x0 + x1) / 2, y0), (x1 - m, y0 + m * 0.5), (x1, y0),
                   (x1, (y0 + y1) * 0.52), ((x0 + x1) / 2, y1), (x0, (y0 + y1) * 0.52)], fill=255)  # fmt: skip
    else:  # a round badge
        r = (x1 - x0) / 2
        d.ellipse([x0, (y0 + y1) / 2 - r, x1, (y0 + y1) / 2 + r], fill=255)
    field = Image.new("RGB", (W, H), primary)
    fd = ImageDraw.Draw(field)
    stripes = int(rng.integers(4))
    n = int(rng.integers(3, 7))
    step = (x1 - x0) / (2 * n)
    for k in range(2 * n + 4):
        if k % 2:
            continue
        if stripes == 0:
            fd.rectangle([x0 + k * step, 0, x0 + (k + 1) * step, H], fill=secondary)
        elif stripes == 1:
            x = x0 - (y1 - y0) + k * step * 1.4
            fd.polygon([(x, y1), (x + step * 1.4, y1), (x + step * 1.4 + (y1 - y0), y0), (x + (y1 - y0), y0)],
                       fill=secondary)  # fmt: skip
        elif stripes == 2:
            fd.rectangle([0, y0 + k * step, W, y0 + (k + 1) * step], fill=secondary)
    if stripes == 3:
        cxm = (x0 + x1) / 2
        for k, colour in enumerate((secondary, accent)):
            off = k * step * 1.2
            fd.line([(x0, y0 + (y1 - y0) * 0.7 - off), (cxm, y0 + (y1 - y0) * 0.35 - off),
                     (x1, y0 + (y1 - y0) * 0.7 - off)], fill=colour, width=int(step * 1.2))  # fmt: skip
    backdrop = paper if _luma(paper) > 60 else (236, 236, 236)
    image = Image.new("RGB", (W, H), backdrop)
    outline = _grow(mask, W * 0.015)
    image.paste(ink if _luma(ink) < 128 else (20, 24, 36), (0, 0, W, H), outline)
    image.paste(field, (0, 0), mask)
    draw = ImageDraw.Draw(image)
    by = y0 + (y1 - y0) * rng.uniform(0.38, 0.5)
    bh = (y1 - y0) * 0.17
    band = Image.new("L", (W, H), 0)
    ImageDraw.Draw(band).rectangle([0, by - bh / 2, W, by + bh / 2], fill=255)
    image.paste(_contrast(primary, paper, (250, 250, 250)), (0, 0, W, H), ImageChops.multiply(band, mask))
    font = _fit(
        draw, initials, _pick(rng, ("DejaVuSerif-Bold.ttf", "DejaVuSans-Bold.ttf")), bh * 0.8, W * 0.5
    )
    _text_at(draw, ((x0 + x1) / 2, by), initials, font, ink if _luma(ink) < 128 else primary)
    for k in range(int(rng.integers(0, 4))):  # stars above the shield
        sx = W / 2 + (k - 1) * W * 0.09
        pts = [(sx + (22 if j % 2 == 0 else 9) * S * np.cos(-np.pi / 2 + j * np.pi / 5),
                y0 * 0.55 + (22 if j % 2 == 0 else 9) * S * np.sin(-np.pi / 2 + j * np.pi / 5)) for j in range(10)]  # fmt: skip
        draw.polygon(pts, fill=accent)
    ry = H * 0.88
    draw.polygon([(W * 0.1, ry - H * 0.05), (W * 0.9, ry - H * 0.05), (W * 0.84, ry), (W * 0.9, ry + H * 0.05),
                  (W * 0.1, ry + H * 0.05), (W * 0.16, ry)], fill=_contrast(backdrop, ink, primary))  # fmt: skip
    font = _fit(
        draw, club, "noto-bold" if _has_cjk(club) else "DejaVuSansCondensed-Bold.ttf", H * 0.06, W * 0.62
    )
    _text_at(draw, (W / 2, ry), club, font, backdrop)
    return image.resize((w, h), Image.LANCZOS)


# -- 9. postage stamps -------------------------------------------------------------------------------------------
STAMP_SCENES = 4


def postage_stamp(seed: int, country: str, value: str) -> Image.Image:
    """A stamp: a perforated paper edge on a dark envelope colour, an inner frame, a small scene (a bird, a
    flower, a temple roof or a lighthouse over hills), the country name and the value; 480 x 600."""
    rng = np.random.default_rng(seed)
    palette, scene = _design(rng, STAMP_SCENES)
    paper, primary, secondary, accent, ink = PALETTES[palette]
    if _luma(paper) < 100:
        paper = (246, 242, 232)
    w, h = 480, 600
    image = Image.new("RGB", (w, h), _jitter((70, 64, 60), rng, 30))
    draw = ImageDraw.Draw(image)
    m = 22
    draw.rectangle([m, m, w - m, h - m], fill=paper)
    hole = int(rng.integers(7, 10))
    pitch = hole * 2 + int(rng.integers(6, 10))
    back = image.getpixel((2, 2))
    for x in np.arange(m, w - m + 1, pitch):
        for y in (m, h - m):
            draw.ellipse([x - hole, y - hole, x + hole, y + hole], fill=back)
    for y in np.arange(m, h - m + 1, pitch):
        for x in (m, w - m):
            draw.ellipse([x - hole, y - hole, x + hole, y + hole], fill=back)
    fx0, fy0, fx1, fy1 = 56, 56, w - 56, h - 150
    sky = _gradient((fx1 - fx0, fy1 - fy0), _jitter(secondary, rng, 20), _jitter(paper, rng, 10))
    image.paste(sky, (fx0, fy0))
    sd = ImageDraw.Draw(image)
    gw, gh = fx1 - fx0, fy1 - fy0
    ground = fy0 + gh * rng.uniform(0.62, 0.78)
    pts = [(fx0 + x, ground - gh * 0.08 * np.sin(x / gw * np.pi * rng.uniform(1, 2.5) + rng.uniform(0, 6)))
           for x in np.linspace(0, gw, 20)]  # fmt: skip
    sd.polygon([(fx0, fy1), *pts, (fx1, fy1)], fill=primary)
    cx = fx0 + gw * rng.uniform(0.35, 0.65)
    if scene == 0:  # a bird in flight
        by = fy0 + gh * rng.uniform(0.25, 0.4)
        sd.ellipse([cx - 40, by - 16, cx + 40, by + 16], fill=ink)
        sd.polygon([(cx - 10, by), (cx - 80, by - 70), (cx + 20, by - 6)], fill=ink)
        sd.polygon([(cx + 36, by - 6), (cx + 62, by - 2), (cx + 36, by + 6)], fill=accent)
    elif scene == 1:  # a flower
        fy = ground - gh * 0.22
        sd.line([(cx, ground), (cx, fy)], fill=(60, 110, 60), width=8)
        for k in range(6):
            a = k * np.pi / 3
            sd.ellipse([cx + 34 * np.cos(a) - 26, fy + 34 * np.sin(a) - 26, cx + 34 * np.cos(a) + 26,
                        fy + 34 * np.sin(a) + 26], fill=accent)  # fmt: skip
        sd.ellipse([cx - 18, fy - 18, cx + 18, fy + 18], fill=ink)
    elif scene == 2:  # a temple roof with swallowtail ridges
        ry = ground - gh * 0.25
        sd.rectangle([cx - 70, ry, cx + 70, ground], fill=accent)
        sd.polygon(
            [(cx - 120, ry + 6), (cx - 100, ry - 40), (cx + 100, ry - 40), (cx + 120, ry + 6)], fill=ink
        )
        sd.polygon([(cx - 120, ry - 36), (cx - 140, ry - 80), (cx - 96, ry - 42)], fill=ink)
        sd.polygon([(cx + 120, ry - 36), (cx + 140, ry - 80), (cx + 96, ry - 42)], fill=ink)
        sd.rectangle([cx - 18, ry + 20, cx + 18, ground], fill=ink)
    else:  # a lighthouse
        sd.polygon([(cx - 26, ground), (cx - 14, ground - gh * 0.45), (cx + 14, ground - gh * 0.45),
                    (cx + 26, ground)], fill=(250, 250, 250))  # fmt: skip
        for k in range(3):
            yb = ground - gh * (0.1 + 0.12 * k)
            sd.rectangle([cx - 24, yb - 12, cx + 24, yb], fill=accent)
        sd.polygon([(cx, ground - gh * 0.45), (cx - gh * 0.5, ground - gh * 0.55),
                    (cx - gh * 0.5, ground - gh * 0.42)], fill=(255, 240, 180))  # fmt: skip
    sd.rectangle([fx0, fy0, fx1, fy1], outline=ink, width=4)
    name = "noto-bold" if _has_cjk(country) else "DejaVuSerif-Bold.ttf"
    font = _fit(sd, country, name, 44, w - 130)
    _text_at(sd, (w / 2, fy1 + 44), country, font, ink)
    font = _fit(sd, value, "DejaVuSans-Bold.ttf", 46, w * 0.5)
    _text_at(sd, (w / 2, fy1 + 100), value, font, primary if _luma(primary) < 160 else ink)
    if rng.random() < 0.5:  # a cancellation mark: wavy lines over a corner
        for k in range(4):
            yy = h * 0.12 + k * 16
            sd.line([(x, yy + 6 * np.sin(x / 14)) for x in range(int(w * 0.55), w - 30, 6)],
                    fill=(40, 40, 50), width=3)  # fmt: skip
    return _grain(image, rng, 2.5)


# -- 10. botanical illustrations -------------------------------------------------------------------------------------
def _branch(dw, dl, rng: np.random.Generator, base, bend, tip, green, *, scale: float) -> None:
    """A curved stem (a quadratic Bezier from ``base`` through ``bend`` to ``tip``) with alternate leaves:
    watercolour fills on ``dw``, ink lines (midrib, veins, outline) on ``dl``."""
    ts = np.linspace(0, 1, 60)
    stem = [(1 - t) ** 2 * base + 2 * (1 - t) * t * bend + t**2 * tip for t in ts]
    dl.line([tuple(p) for p in stem], fill=255, width=5)
    for k, t in enumerate(np.linspace(0.12, 0.8, int(rng.integers(3, 8)))):
        p = stem[int(t * 59)]
        q = stem[min(59, int(t * 59) + 1)]
        tangent = np.arctan2(q[1] - p[1], q[0] - p[0])
        side = 1 if k % 2 else -1
        a = tangent + side * rng.uniform(0.7, 1.2)
        length = rng.uniform(90, 150) * (1.1 - t * 0.5) * scale
        width = length * rng.uniform(0.2, 0.42)
        tipx, tipy = p[0] + length * np.cos(a), p[1] + length * np.sin(a)
        pts = []
        for s in np.linspace(0, 1, 16):
            off = width * np.sin(np.pi * s) ** 0.8
            mx, my = p[0] + (tipx - p[0]) * s, p[1] + (tipy - p[1]) * s
            pts.append((mx - off * np.sin(a), my + off * np.cos(a)))
        for s in np.linspace(1, 0, 16):
            off = width * np.sin(np.pi * s) ** 0.8
            mx, my = p[0] + (tipx - p[0]) * s, p[1] + (tipy - p[1]) * s
            pts.append((mx + off * np.sin(a), my - off * np.cos(a)))
        dw.polygon(pts, fill=_jitter(green, rng, 20))
        dl.line(pts + [pts[0]], fill=255, width=2)
        dl.line([tuple(p), (tipx, tipy)], fill=255, width=2)
        for s in (0.3, 0.5, 0.7):
            mx, my = p[0] + (tipx - p[0]) * s, p[1] + (tipy - p[1]) * s
            for sgn in (-1, 1):
                vx = mx + width * 0.7 * (np.cos(a) * 0.5 - sgn * np.sin(a))
                vy = my + width * 0.7 * (np.sin(a) * 0.5 + sgn * np.cos(a))
                dl.line([(mx, my), (vx, vy)], fill=255, width=1)


def _bloom(dw, dl, rng: np.random.Generator, tip, colour, kind: int, *, scale: float) -> None:
    """A flower at ``tip``: round petals around a yellow heart (0), a trumpet lily (1) or a berry cluster (2)."""
    pr = rng.uniform(40, 70) * scale
    if kind == 0:
        petals = int(rng.integers(5, 9))
        for k in range(petals):
            a = 2 * np.pi * k / petals + rng.uniform(-0.1, 0.1)
            px, py = tip[0] + pr * 0.7 * np.cos(a), tip[1] + pr * 0.7 * np.sin(a)
            box = [px - pr * 0.55, py - pr * 0.55, px + pr * 0.55, py + pr * 0.55]
            dw.ellipse(box, fill=_jitter(colour, rng, 20))
            dl.ellipse(box, outline=255, width=2)
        dw.ellipse([tip[0] - pr * 0.25, tip[1] - pr * 0.25, tip[0] + pr * 0.25, tip[1] + pr * 0.25],
                   fill=(230, 190, 60))  # fmt: skip
    elif kind == 1:
        for a in np.radians([-120, -90, -60]) + rng.uniform(-0.15, 0.15):
            pts = [(tip[0] + pr * 1.5 * s * np.cos(a) - pr * 0.35 * np.sin(np.pi * s) * np.sin(a) * sgn,
                    tip[1] + pr * 1.5 * s * np.sin(a) + pr * 0.35 * np.sin(np.pi * s) * np.cos(a) * sgn)
                   for sgn in (1, -1) for s in (np.linspace(0, 1, 10) if sgn == 1 else np.linspace(1, 0, 10))]  # fmt: skip
            dw.polygon(pts, fill=_jitter(colour, rng, 20))
            dl.line(pts + [pts[0]], fill=255, width=2)
    else:
        for _ in range(int(rng.integers(5, 10))):
            bx, by = tip[0] + rng.uniform(-1, 1) * pr, tip[1] + rng.uniform(-1, 0.6) * pr
            r = pr * rng.uniform(0.2, 0.32)
            dl.line([tuple(tip), (bx, by)], fill=255, width=2)
            dw.ellipse([bx - r, by - r, bx + r, by + r], fill=_jitter(colour, rng, 25))
            dl.ellipse([bx - r, by - r, bx + r, by + r], outline=255, width=2)


def botanical(seed: int, label: str) -> Image.Image:
    """A botanical plate: a curved stem with alternate leaves (midrib and veins, watercolour fills), a flower or
    berries at the tip (one or two stems), on textured paper, a Latin label in serif italics; 600 x 800."""
    rng = np.random.default_rng(seed)
    w, h = 600, 800
    paper = _jitter((246, 240, 226), rng, 8)
    leaf_green = _jitter(_pick(rng, ((70, 120, 60), (90, 140, 80), (50, 100, 70), (110, 140, 60))), rng, 14)
    bloom = _jitter(_pick(rng, ((220, 70, 90), (240, 200, 90), (250, 250, 240), (200, 90, 160), (240, 130, 60))),
                    rng, 14)  # fmt: skip
    ink = (50, 44, 40)
    wash = Image.new("RGB", (w, h), paper)
    lines = Image.new("L", (w, h), 0)
    dw, dl = ImageDraw.Draw(wash), ImageDraw.Draw(lines)
    flower = int(rng.integers(3))
    for stem_k in range(int(rng.integers(1, 3))):
        base = np.array([w * rng.uniform(0.4, 0.6), h * 0.86])
        tip = np.array([w * rng.uniform(0.25, 0.75), h * rng.uniform(0.12, 0.22) + stem_k * h * 0.18])
        bend = np.array([w * rng.uniform(0.2, 0.8), h * 0.5])
        _branch(dw, dl, rng, base, bend, tip, leaf_green, scale=1.0 - 0.3 * stem_k)
        _bloom(dw, dl, rng, tip, bloom, flower, scale=1.0 - 0.25 * stem_k)
    wash = wash.filter(ImageFilter.GaussianBlur(2.5))  # watercolour edges bleed a little under the ink lines
    image = _grain(wash, rng, 5)
    image.paste(ink, (0, 0, w, h), lines)
    draw = ImageDraw.Draw(image)
    font = _fit(draw, label, "DejaVuSerif-BoldItalic.ttf", 34, w * 0.8)
    _text_at(draw, (w / 2, h * 0.94), label, font, ink)
    draw.line([(w * 0.3, h * 0.905), (w * 0.7, h * 0.905)], fill=ink, width=1)
    return image


# -- look-alike only generators: promo cards, price tags, flat cards ---------------------------------------------------
def promo_card(seed: int) -> Image.Image:
    """A text-heavy promo card: a diagonal colour block, a big zh-TW headline, a Latin line, a sub-offer, a CTA pill
    and small print; 1080 x 1350 or 1080 x 1080."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    w, h = (1080, 1350) if rng.random() < 0.6 else (1080, 1080)
    image = _gradient(
        (w, h), _jitter(paper, rng, 10), _jitter(secondary, rng, 20), angle=rng.uniform(30, 150)
    )
    draw = ImageDraw.Draw(image)
    y = h * rng.uniform(0.45, 0.6)
    draw.polygon([(0, y), (w, y - h * rng.uniform(0.05, 0.2)), (w, h), (0, h)], fill=primary)
    head = _pick(rng, PROMO_HEAD)
    font = _fit(draw, head, "noto-bold", h * 0.13, w * 0.84)
    back = image.getpixel((int(w * 0.1), int(h * 0.2)))
    draw.text((w * 0.08, h * 0.1), head, font=font, fill=_contrast(back, ink, primary))
    latin = _pick(rng, PROMO_LATIN)
    font = _fit(draw, latin, _pick(rng, LATIN_FONTS), h * 0.06, w * 0.8)
    draw.text((w * 0.08, h * 0.28), latin, font=font, fill=_contrast(back, accent, ink))
    sub = _pick(rng, PROMO_SUB)
    font = _fit(draw, sub, "noto-bold", h * 0.08, w * 0.8)
    draw.text((w * 0.08, y + h * 0.06), sub, font=font, fill=_contrast(primary, paper, (255, 255, 255)))
    cta = _pick(rng, CTA)
    font = _font("noto-bold", h * 0.045)
    box = draw.textbbox((0, 0), cta, font=font)
    bx, by = w * 0.08, h * 0.84
    draw.rounded_rectangle([bx, by, bx + box[2] + 80, by + h * 0.08], radius=int(h * 0.04), fill=accent)
    _text_at(
        draw, (bx + (box[2] + 80) / 2, by + h * 0.04), cta, font, _contrast(accent, ink, (255, 255, 255))
    )
    font = _font("noto", h * 0.02)
    draw.text((w * 0.08, h * 0.95), "*活動期間 2026/12/01-12/31，數量有限，售完為止", font=font,
              fill=_contrast(primary, paper))  # fmt: skip
    return image


def price_tag(seed: int) -> Image.Image:
    """A hang tag (a notched card with a hole and a string) with a product name, a struck-out old price and the
    new price, on a plain or gradient field; 600 x 800."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    w, h = 600, 800
    image = _gradient((w, h), _jitter(secondary, rng, 20), _jitter(paper, rng, 20))
    draw = ImageDraw.Draw(image)
    tilt = rng.uniform(-8, 8)
    tag = Image.new("RGBA", (420, 600), (0, 0, 0, 0))
    td = ImageDraw.Draw(tag)
    colour = _pick(rng, (primary, paper, accent))
    td.polygon([(70, 0), (350, 0), (420, 80), (420, 600), (0, 600), (0, 80)], fill=(*colour, 255))
    td.ellipse([190, 40, 230, 80], fill=(0, 0, 0, 0))
    text = _contrast(colour, ink, (255, 255, 255))
    product = _pick(rng, LOOK_ZH)
    font = _fit(td, product, "noto-bold", 60, 360)
    _text_at(td, (210, 170), product, font, (*text, 255))
    old = _pick(rng, PRICES)
    font = _font("DejaVuSans.ttf", 40)
    _text_at(td, (210, 290), old, font, (*text, 200))
    box = td.textbbox((0, 0), old, font=font)
    td.line([(210 - box[2] / 2, 292), (210 + box[2] / 2, 292)], fill=(*accent, 255), width=4)
    new = _pick(rng, PRICES)
    font = _fit(td, new, "DejaVuSans-Bold.ttf", 84, 380)
    _text_at(td, (210, 400), new, font, (*text, 255))
    font = _font("noto", 30)
    _text_at(td, (210, 520), _pick(rng, ("限時特價", "會員價", "店長推薦", "含運")), font, (*text, 255))
    tag = tag.rotate(tilt, resample=Image.BICUBIC, expand=True)
    x, y = (w - tag.width) // 2, 130
    draw.line([(w / 2 - 80, 0), (x + tag.width / 2, y + 60)], fill=(90, 70, 50), width=4)
    image.paste(tag, (x, y), tag)
    return image


def flat_card(seed: int) -> Image.Image:
    """A flat colour, a linear gradient, a radial gradient or a two-tone split, at an ad size; no text."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    size = _pick(rng, ((1080, 1920), (1080, 1080), (1920, 1080), (600, 800)))
    kind = int(rng.integers(4))
    a, b = (
        _jitter(_pick(rng, (primary, secondary, paper)), rng, 20),
        _jitter(_pick(rng, (accent, ink)), rng, 20),
    )
    if kind == 0:
        return Image.new("RGB", size, a)
    if kind == 1:
        return _gradient(size, a, b, angle=rng.uniform(0, 180))
    w, h = size
    if kind == 2:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        t = np.clip(
            np.hypot(xx - w * rng.uniform(0.2, 0.8), yy - h * rng.uniform(0.2, 0.8)) / max(w, h), 0, 1
        )
        return Image.fromarray(
            (np.array(a) * (1 - t[..., None]) + np.array(b) * t[..., None]).astype(np.uint8)
        )
    image = Image.new("RGB", size, a)
    ImageDraw.Draw(image).rectangle([0, int(h * rng.uniform(0.3, 0.7)), w, h], fill=b)
    return image


# -- backgrounds -------------------------------------------------------------------------------------------------
def street(seed: int) -> Image.Image:
    """A photo-like street at dusk: a sky gradient, building blocks with lit windows and signboards, out of
    focus, with grain; 960 x 1280."""
    rng = np.random.default_rng(seed)
    w, h = 960, 1280
    image = _gradient((w, h), _jitter((80, 100, 150), rng, 50), _jitter((230, 160, 120), rng, 30))
    draw = ImageDraw.Draw(image)
    x = -20.0
    while x < w:
        bw = rng.uniform(120, 260)
        top = h * rng.uniform(0.15, 0.5)
        wall = _jitter((70, 66, 70), rng, 30)
        draw.rectangle([x, top, x + bw, h], fill=wall)
        for wy in np.arange(top + 30, h * 0.8, rng.uniform(40, 70)):
            for wx in np.arange(x + 14, x + bw - 20, rng.uniform(30, 50)):
                if rng.random() < 0.55:
                    draw.rectangle([wx, wy, wx + 16, wy + 22], fill=_jitter((250, 210, 140), rng, 30))
        if rng.random() < 0.6:  # a vertical signboard
            sx = x + bw * rng.uniform(0.1, 0.7)
            draw.rectangle([sx, top + 40, sx + 36, top + 40 + rng.uniform(120, 260)],
                           fill=_jitter(_pick(rng, ((220, 40, 50), (240, 200, 60), (40, 160, 200))), rng, 20))  # fmt: skip
        x += bw + rng.uniform(0, 20)
    draw.rectangle([0, h * 0.82, w, h], fill=_jitter((50, 50, 55), rng, 15))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(3, 8))))
    return _grain(image, rng, 4)


def tabletop(seed: int) -> Image.Image:
    """A top-down table: wood planks (or a terrazzo slab) with grain noise and a soft window light; 1080 x 1080."""
    rng = np.random.default_rng(seed)
    w = h = 1080
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.6:
        base = np.array(_jitter(np.array((160, 120, 85)) * rng.uniform(0.7, 1.25), rng, 10), np.float32)
        plank = (xx // rng.uniform(140, 220)).astype(int)
        streak = (
            np.sin(xx / rng.uniform(3, 7) + np.sin(yy / rng.uniform(60, 140) + plank) * 3 + plank * 3.1) * 9
        )
        array = base + streak[..., None] + (plank % 3)[..., None] * 8
        array[(xx % rng.uniform(140, 220)) < 3] *= 0.6
    else:
        array = np.ones((h, w, 3), np.float32) * np.array(_jitter((220, 218, 210), rng, 20), np.float32)
        chips = Image.new("RGB", (w, h), (0, 0, 0))
        cd = ImageDraw.Draw(chips)
        for _ in range(900):
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 14)
            cd.polygon([(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.sort(rng.uniform(0, 6.28, 5))],
                       fill=_jitter(_pick(rng, ((180, 60, 50), (60, 90, 120), (200, 170, 90))), rng, 30))  # fmt: skip
        chip = np.asarray(chips, np.float32)
        array = np.where(chip.sum(-1, keepdims=True) > 0, chip, array)
    light = 1 + 0.25 * np.exp(-(((xx - w * rng.uniform(0, 1)) / 600) ** 2 + ((yy - h * 0.2) / 500) ** 2))
    array = array * light[..., None] + rng.normal(0, 3, (h, w, 1))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def backgrounds(cache: Path | None = None) -> list[Image.Image]:
    """The edits' backgrounds: 20 dusk streets and 20 table tops of new seeds (no reference in them)."""
    return [street(s) for s in STREETS] + [tabletop(s) for s in TABLETOPS]


# -- the edits (this set's own) ----------------------------------------------------------------------------------
Edit = Callable[[Image.Image, np.random.Generator, Image.Image], Image.Image]


def _hue_shift(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The hue turned by 40-150 degrees either way, saturation x0.75-1.3."""
    hsv = np.asarray(img.convert("HSV"), dtype=np.int16)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(28, 107)) * (1 if rng.random() < 0.5 else -1)) % 256
    out = Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")
    return ImageEnhance.Color(out).enhance(rng.uniform(0.75, 1.3))


def _tone_shift(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Saturation x0.4-1.7, brightness x0.75-1.25, contrast x0.75-1.3 and a gamma of 0.7-1.4 (a filter)."""
    out = ImageEnhance.Color(img).enhance(rng.uniform(0.4, 1.7))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.75, 1.25))
    out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.75, 1.3))
    gamma = rng.uniform(0.7, 1.4)
    lut = [int(255 * (v / 255) ** gamma) for v in range(256)] * 3
    return out.point(lut)


def _mirror(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose(Image.FLIP_LEFT_RIGHT if rng.random() < 0.8 else Image.FLIP_TOP_BOTTOM)


def _quarter_turn(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose((Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270)[int(rng.integers(3))])


def _recompress(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Downscaled to 30-60 %, saved as JPEG at quality 18-40, then re-shared: JPEG again at 50-75."""
    f = rng.uniform(0.3, 0.6)
    out = img.resize((max(16, int(img.width * f)), max(16, int(img.height * f))), Image.BICUBIC)
    for quality in (int(rng.integers(18, 41)), int(rng.integers(50, 76))):
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=quality)
        out = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return out


def _tilt(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Rotated by 5-15 degrees either way over a piece of the background (the corners show it)."""
    angle = rng.uniform(5, 15) * (1 if rng.random() < 0.5 else -1)
    rgba = img.convert("RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
    back = _cover(bg, rgba.size)
    back.paste(rgba, (0, 0), rgba)
    return back


def _caption(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A caption band over 20-35 % of the height (top, bottom or lower third), nearly opaque, with a line of
    zh-TW / Latin text."""
    out = img.convert("RGBA")
    h = int(img.height * rng.uniform(0.2, 0.35))
    where = rng.random()
    y0 = 0 if where < 0.3 else img.height - h if where < 0.75 else int(img.height * 0.55)
    y0 = min(y0, img.height - h)
    band = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    colour = _rgb(rng.integers(0, 90, 3)) if rng.random() < 0.7 else _rgb(rng.integers(170, 256, 3))
    draw.rectangle([0, y0, img.width, y0 + h], fill=(*colour, int(rng.integers(215, 256))))
    text = _pick(rng, CAPTIONS)
    font = _fit(draw, text, "noto-bold", h * 0.42, img.width * 0.9)
    _text_at(draw, (img.width / 2, y0 + h / 2), text, font, (*_contrast(colour), 255))
    return Image.alpha_composite(out, band).convert("RGB")


def _badge(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A badge over 10-20 % of the area, anywhere inside: a starburst price, a round discount, an emoji face or
    a heart (with a thin white keyline, as stickers in ad tools have)."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    area = rng.uniform(0.1, 0.2) * img.width * img.height
    r = float(np.sqrt(area / np.pi))
    r = min(r, img.width / 2 - 2, img.height / 2 - 2)
    cx, cy = rng.uniform(r, img.width - r), rng.uniform(r, img.height - r)
    kind = int(rng.integers(4))
    colour = _rgb(rng.integers(0, 256, 3))
    if kind == 0:  # starburst price
        n = int(rng.integers(12, 20))
        pts = [(cx + (r if k % 2 == 0 else r * 0.82) * np.cos(np.pi * k / n),
                cy + (r if k % 2 == 0 else r * 0.82) * np.sin(np.pi * k / n)) for k in range(2 * n)]  # fmt: skip
        draw.polygon(pts, fill=colour, outline=(255, 255, 255), width=3)
        text = _pick(rng, PRICES)
        font = _fit(draw, text, "DejaVuSans-Bold.ttf", r * 0.45, r * 1.4)
        _text_at(draw, (cx, cy), text, font, _contrast(colour))
    elif kind == 1:  # round discount
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour, outline=(255, 255, 255), width=4)
        text = _pick(rng, ("-30%", "7折", "SALE", "-15%", "買1送1"))
        font = _fit(draw, text, "noto-bold", r * 0.6, r * 1.5)
        _text_at(draw, (cx, cy), text, font, _contrast(colour))
    elif kind == 2:  # an emoji face
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(252, 206, 60), outline=(200, 140, 20), width=3)
        for side in (-1, 1):
            draw.ellipse([cx + side * r * 0.35 - r * 0.1, cy - r * 0.35, cx + side * r * 0.35 + r * 0.1, cy - r * 0.05],
                         fill=(60, 40, 20))  # fmt: skip
        draw.arc([cx - r * 0.55, cy - r * 0.3, cx + r * 0.55, cy + r * 0.6], 20, 160, fill=(60, 40, 20),
                 width=max(3, int(r * 0.08)))  # fmt: skip
    else:  # a heart
        red = _jitter((230, 50, 80), rng, 20)
        draw.ellipse([cx - r, cy - r * 0.8, cx, cy + r * 0.2], fill=red)
        draw.ellipse([cx, cy - r * 0.8, cx + r, cy + r * 0.2], fill=red)
        draw.polygon([(cx - r * 0.97, cy - r * 0.15), (cx + r * 0.97, cy - r * 0.15), (cx, cy + r)], fill=red)
    return out


def _crop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Keep 60-75 % of each side at a random offset."""
    fw, fh = rng.uniform(0.6, 0.75), rng.uniform(0.6, 0.75)
    cw, ch = int(img.width * fw), int(img.height * fh)
    x, y = int(rng.integers(0, img.width - cw + 1)), int(rng.integers(0, img.height - ch + 1))
    return img.crop((x, y, x + cw, y + ch))


def _ad_frame(bg: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A 1080x1920 ad frame: the background, a headline near the middle, a CTA pill lower down."""
    frame = _cover(bg, (1080, 1920))
    draw = ImageDraw.Draw(frame)
    head = _pick(rng, PROMO_HEAD + PROMO_SUB)
    font = _fit(draw, head, "noto-bold", 110, 900)
    _text_at(draw, (540, 1920 * rng.uniform(0.4, 0.55)), head, font, (255, 255, 255), outline=5)
    cta = _pick(rng, CTA)
    font = _font("noto-bold", 56)
    pill = _rgb(rng.integers(0, 256, 3))
    draw.rounded_rectangle([300, 1500, 780, 1610], radius=55, fill=pill)
    _text_at(draw, (540, 1555), cta, font, _contrast(pill, (255, 255, 255)))
    return frame


def _corner(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy at 110-160 px (its longer side) in one of the four corners of a 1080x1920 ad frame."""
    frame = _ad_frame(bg, rng)
    side = int(rng.integers(110, 161))
    f = side / max(img.size)
    small = img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.LANCZOS)
    mx, my = int(rng.integers(20, 70)), int(rng.integers(40, 200))
    x = mx if rng.random() < 0.5 else 1080 - small.width - mx
    y = my if rng.random() < 0.5 else 1920 - small.height - my
    frame.paste(small, (x, y))
    return frame


def _polaroid(img: Image.Image, rng: np.random.Generator, bg: Image.Image, *, mirror: bool) -> Image.Image:
    """The ad's photo-card layout: a blurred, tinted stage from the background, the copy (mirrored when
    ``mirror``) in a polaroid card (white border, wider at the bottom, tilted -6..6 degrees, soft shadow) at
    55-75 % of the width, a headline and a CTA."""
    stage = _cover(bg, (1080, 1920)).filter(ImageFilter.GaussianBlur(12))
    tint = Image.new("RGB", stage.size, _rgb(rng.integers(0, 256, 3)))
    stage = Image.blend(stage, tint, float(rng.uniform(0.3, 0.6)))
    picture = img.transpose(Image.FLIP_LEFT_RIGHT) if mirror else img
    width = int(1080 * rng.uniform(0.55, 0.75))
    height = max(8, int(picture.height * width / picture.width))
    if height > 1150:
        width, height = max(8, int(width * 1150 / height)), 1150
    copy = picture.resize((width, height), Image.BILINEAR)
    pad = int(width * 0.05)
    card = Image.new("RGBA", (width + 2 * pad, height + pad + int(pad * 3.5)), (252, 252, 250, 255))
    card.paste(copy, (pad, pad))
    tilted = card.rotate(rng.uniform(-6, 6), resample=Image.BICUBIC, expand=True)
    shadow = Image.new("RGBA", tilted.size, (0, 0, 0, 0))
    shadow.putalpha(tilted.getchannel("A").point(lambda v: v * 0.45).filter(ImageFilter.GaussianBlur(14)))
    x = (1080 - tilted.width) // 2 + int(rng.integers(-40, 41))
    y = int(rng.integers(330, max(331, 1500 - tilted.height)))
    stage.paste(shadow, (x + 16, y + 20), shadow)
    stage.paste(tilted, (x, y), tilted)
    draw = ImageDraw.Draw(stage)
    head = _pick(rng, PROMO_HEAD)
    font = _fit(draw, head, "noto-bold", 100, 900)
    _text_at(draw, (540, 200), head, font, (255, 255, 255), outline=5)
    cta = _pick(rng, CTA)
    draw.rounded_rectangle([280, 1700, 800, 1810], radius=55, fill=(255, 255, 255))
    _text_at(draw, (540, 1755), cta, _font("noto-bold", 54), (30, 30, 30))
    return stage


def _blur_backdrop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy blurred (radius 25-50) and darkened to 50-75 % as a 1080x1920 backdrop, the sharp copy at 75-92 %
    of the width centred at 40-60 % of the height, a subtitle line at the bottom."""
    back = _cover(img, (1080, 1920)).filter(ImageFilter.GaussianBlur(float(rng.uniform(25, 50))))
    back = ImageEnhance.Brightness(back).enhance(rng.uniform(0.5, 0.75))
    width = int(1080 * rng.uniform(0.75, 0.92))
    front = img.resize((width, max(8, int(img.height * width / img.width))), Image.BILINEAR)
    if front.height > 1500:
        front = front.resize((max(8, int(front.width * 1500 / front.height)), 1500), Image.BILINEAR)
    cy = int(1920 * rng.uniform(0.4, 0.6))
    y = int(np.clip(cy - front.height / 2, 0, 1920 - front.height))
    back.paste(front, ((1080 - front.width) // 2, y))
    draw = ImageDraw.Draw(back)
    text = _pick(rng, CAPTIONS)
    font = _fit(draw, text, "noto-bold", 64, 960)
    _text_at(draw, (540, 1800), text, font, (255, 255, 255), outline=4)
    return back


EDITS: dict[str, Edit] = {
    "hue_40-150deg": _hue_shift,
    "tone_shift": _tone_shift,
    "mirror": _mirror,
    "rotate_quarter": _quarter_turn,
    "recompress_downscale": _recompress,
    "tilt_5-15deg": _tilt,
    "caption_20-35": _caption,
    "badge_over": _badge,
    "crop_60-75": _crop,
    "corner_110-160px": _corner,
    "polaroid_card": lambda img, rng, bg: _polaroid(img, rng, bg, mirror=False),
    "polaroid_card_mirrored": lambda img, rng, bg: _polaroid(img, rng, bg, mirror=True),
    "blurred_backdrop": _blur_backdrop,
}
MILD = ("hue_40-150deg", "tone_shift", "mirror", "rotate_quarter", "recompress_downscale")
FLASH_EDITS = ("flash_cut_0.3s", "flash_fade_0.4s")  # ``render_flash``, one clip seed drawn per clip


def render_flash(img: Image.Image, bg: Image.Image, path: Path, seed: int, *, fade: bool, seconds: float = 3.0,
                 fps: int = 30, size: tuple[int, int] = (1080, 1920)) -> Path:  # fmt: skip
    """A ``size`` (1080x1920) H.264 clip of ``bg`` panning slowly sideways, with the copy at 50-75 % of the width
    at a random place, shown for 0.3 s (hard cut in and out) or faded in and out over 0.4 s, starting at 0.5-2.2 s.
    Every random choice comes from ``seed``."""
    from studio.media import ffmpeg_exe

    w, h = size
    pan = w // 5
    rng = np.random.default_rng(seed)
    base = np.asarray(_cover(bg, (w + pan, h)), dtype=np.float32)
    scale = rng.uniform(0.5, 0.75) * w / img.width
    if img.height * scale > h * 0.78:
        scale = h * 0.78 / img.height
    small = np.asarray(
        img.resize((max(2, int(img.width * scale)), max(2, int(img.height * scale))), Image.BILINEAR),
        np.float32,
    )
    sy, sx = small.shape[:2]
    x = int(rng.integers(0, w - sx + 1))
    y = int(rng.integers(0, h - sy + 1))
    start = rng.uniform(0.5, 2.2)
    length = 0.4 if fade else 0.3
    direction = 1 if rng.random() < 0.5 else -1
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r",
         str(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    for k in range(round(seconds * fps)):
        t = k / fps
        offset = int(pan * (t / seconds if direction > 0 else 1 - t / seconds))
        frame = base[:, offset : offset + w].copy()
        u = (t - start) / length
        if fade:
            alpha = max(0.0, 1 - abs(2 * u - 1)) if 0 <= u <= 1 else 0.0
        else:
            alpha = 1.0 if 0 <= u < 1 else 0.0
        if alpha > 0:
            region = frame[y : y + sy, x : x + sx]
            frame[y : y + sy, x : x + sx] = region * (1 - alpha) + small * alpha
        proc.stdin.write(np.clip(frame, 0, 255).astype(np.uint8).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed writing {path}")
    return path


# -- the references ----------------------------------------------------------------------------------------------
def _ref_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    for k, s in enumerate(REF_ICONS):
        word = (REF_ZH[0], REF_LATIN[1], REF_ZH[1])[k]
        specs.append((f"f3-ref-icon:{s}", lambda s=s, w=word: line_icon(s, w)))
    for k, s in enumerate(REF_GEOS):
        word = (REF_LATIN[2], REF_ZH[2], REF_LATIN[3])[k]
        specs.append((f"f3-ref-geo:{s}", lambda s=s, w=word: geo_logo(s, w)))
    for s in REF_TILES:
        specs.append((f"f3-ref-tile:{s}", lambda s=s: tile_pattern(s)))
    for k, s in enumerate(REF_HALFTONES):
        word = (REF_ZH[3], REF_LATIN[5], REF_ZH[4])[k]
        specs.append((f"f3-ref-halftone:{s}", lambda s=s, w=word: halftone_poster(s, w)))
    for s in REF_SPHERES:
        specs.append((f"f3-ref-sphere:{s}", lambda s=s: spheres(s)))
    for k, s in enumerate(REF_CHARACTERS):
        name = (REF_ZH[5], None, REF_LATIN[6])[k]
        specs.append((f"f3-ref-character:{s}", lambda s=s, n=name: sticker_character(s, n)))
    for s in REF_PIXELS:
        specs.append((f"f3-ref-pixel:{s}", lambda s=s: pixel_sprite(s)))
    for k, s in enumerate(REF_CRESTS):
        club = (REF_LATIN[4], REF_ZH[6], REF_LATIN[7])[k]
        specs.append((f"f3-ref-crest:{s}", lambda s=s, k=k, c=club: crest(s, REF_INITIALS[k], c)))
    for k, s in enumerate(REF_STAMPS):
        specs.append((f"f3-ref-stamp:{s}", lambda s=s, k=k: postage_stamp(s, *REF_STAMP[k])))
    for k, s in enumerate(REF_BOTANICALS):
        specs.append((f"f3-ref-botanical:{s}", lambda s=s, k=k: botanical(s, REF_LABELS[k])))
    return specs


def references(shared: Path | None, cache: Path | None = None) -> list[Item]:
    """The fresh3 protected references: 30 procedural ones (3 of each of 10 kinds) and, with ``shared``, 3 plush
    photos, 1 crop of another and 2 lego renders (read at run time, never stored): 36 in all."""
    items = []  # the photos first: interleaved, the flash clips' first references then cover every photo kind
    if shared is not None and (shared / "plush_photos").is_dir():
        plush = sorted((shared / "plush_photos").glob("*.jpg"))
        for k in PLUSH:
            items.append(Item(f"f3-ref-plush:{plush[k].stem}", data._rgb(Image.open(plush[k]))))
        rng = np.random.default_rng(CROP_SEED)
        for k in PLUSH_CROPS:
            photo = data._rgb(Image.open(plush[k]))
            f = rng.uniform(0.6, 0.7)
            cw, ch = int(photo.width * f), int(photo.height * f)
            x, y = int(rng.integers(0, photo.width - cw)), int(rng.integers(0, photo.height - ch))
            items.append(Item(f"f3-ref-plush-crop:{plush[k].stem}", photo.crop((x, y, x + cw, y + ch))))
    if shared is not None and (shared / "nerf_lego" / "train").is_dir():
        lego = sorted((shared / "nerf_lego" / "train").glob("*.png"), key=lambda p: int(p.stem.split("_")[1]))
        for k in LEGO:
            items.append(Item(f"f3-ref-lego:{lego[k].stem}", data._rgb(Image.open(lego[k]))))
    items += [Item(name, make()) for name, make in _ref_specs()]
    return data.interleave_by_kind(items)  # the first VIDEO_REFS get the flash clips


# -- the look-alikes ----------------------------------------------------------------------------------------------
def _look_word(rng: np.random.Generator) -> str:
    return _pick(rng, LOOK_ZH) if rng.random() < 0.5 else _pick(rng, LOOK_LATIN)


def look_initials(rng: np.random.Generator) -> str:
    while True:
        letters = "".join(chr(int(c)) for c in rng.integers(65, 91, 2))
        if letters not in REF_INITIALS and letters[::-1] not in REF_INITIALS:
            return letters


def _mark(seed: int) -> Image.Image:
    """An unrelated mark for the layout look-alikes: one of the look-alike generators (the seed picks which)."""
    rng = np.random.default_rng(seed)
    kind = int(rng.integers(10))
    word = _look_word(rng)
    makers = (
        lambda: line_icon(seeds_off(seed, 1, ICON_KINDS, REF_ICONS, by_kind=True)[0], word),
        lambda: geo_logo(seed, word),
        lambda: tile_pattern(seeds_round_robin(seed, 1, TILE_MOTIFS, REF_TILES, other_palettes=True)[0]),
        lambda: halftone_poster(seed, word),
        lambda: spheres(seed),
        lambda: sticker_character(seed, word if rng.random() < 0.5 else None),
        lambda: pixel_sprite(seed),
        lambda: crest(seeds_off(seed, 1, CREST_SHAPES, REF_CRESTS)[0], look_initials(rng), word),
        lambda: postage_stamp(
            seeds_off(seed, 1, STAMP_SCENES, REF_STAMPS)[0], _pick(rng, LOOK_STAMP_NAMES), _pick(rng, PRICES)
        ),
        lambda: botanical(seed, _pick(rng, LOOK_LABELS)),
    )
    return makers[kind]()


def _picture(seed: int) -> Image.Image:
    """An unrelated picture for a layout look-alike: a look-alike mark (60 %) or a background."""
    rng = np.random.default_rng(seed)
    if rng.random() < 0.6:
        return _mark(seed + 100)
    return street(seed + 200) if rng.random() < 0.5 else tabletop(seed + 200)


def _layout(seed: int, kind: str) -> Image.Image:
    """The edits' own layouts around an unrelated picture: caption bands, photo cards (upright and mirrored)
    and blurred backdrops, badges, and small corner marks in an ad frame."""
    rng = np.random.default_rng(seed)
    picture = _picture(seed)
    bg = street(seed + 300) if seed % 2 else tabletop(seed + 300)
    if kind == "caption":
        return _caption(picture, rng, bg)
    if kind == "card":
        if seed % 3 == 2:
            return _blur_backdrop(picture, rng, bg)
        return _polaroid(picture, rng, bg, mirror=seed % 3 == 1)
    if kind == "badge":
        return _badge(picture, rng, bg)
    return _corner(_mark(seed + 100), rng, bg)


FAMILIES = (
    "icon", "geo", "tile", "halftone", "sphere", "character", "pixel", "crest", "stamp", "botanical", "promo",
    "price", "flat", "caption", "card", "badge", "corner",
)  # fmt: skip


def lookalike_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    """(name, maker) of every look-alike, in order; cheap: nothing is drawn until a maker is called."""
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    n = PER_FAMILY

    def base(family: str) -> int:
        return LOOKALIKE_BASE + 1000 * FAMILIES.index(family)

    def add(family: str, seeds, make: Callable[[int], Image.Image]) -> None:
        for k, seed in enumerate(seeds):
            specs.append((f"f3-{family}:{k}", lambda s=seed: make(s)))

    def word(s: int) -> str:
        return _look_word(np.random.default_rng(s + 1))

    def span(family: str) -> range:
        return range(base(family), base(family) + n)

    add(
        "icon",
        seeds_round_robin(base("icon"), n, ICON_KINDS, REF_ICONS),
        lambda s: line_icon(s, word(s)),
    )
    add("geo", span("geo"), lambda s: geo_logo(s, word(s)))
    add("tile", seeds_round_robin(base("tile"), n, TILE_MOTIFS, REF_TILES, other_palettes=True), tile_pattern)
    add("halftone", span("halftone"), lambda s: halftone_poster(s, word(s)))
    add("sphere", span("sphere"), spheres)
    add("character", span("character"), lambda s: sticker_character(s, word(s) if s % 3 else None))
    add("pixel", span("pixel"), pixel_sprite)
    add(
        "crest",
        seeds_off(base("crest"), n, CREST_SHAPES, REF_CRESTS),
        lambda s: crest(s, look_initials(np.random.default_rng(s + 2)), word(s)),
    )
    add(
        "stamp",
        seeds_off(base("stamp"), n, STAMP_SCENES, REF_STAMPS),
        lambda s: postage_stamp(
            s, LOOK_STAMP_NAMES[s % len(LOOK_STAMP_NAMES)], PRICES[(s // 7) % len(PRICES)]
        ),
    )
    add("botanical", span("botanical"), lambda s: botanical(s, LOOK_LABELS[s % len(LOOK_LABELS)]))
    add("promo", span("promo"), promo_card)
    add("price", span("price"), price_tag)
    add("flat", span("flat"), flat_card)
    for kind in ("caption", "card", "badge", "corner"):
        add(kind, span(kind), lambda s, kind=kind: _layout(s, kind))
    return specs


def lookalikes(cache: Path | None = None) -> list[Item]:
    """The 306 fresh3 look-alikes (18 per family), in ``lookalike_specs`` order."""
    return [Item(name, make()) for name, make in lookalike_specs()]
