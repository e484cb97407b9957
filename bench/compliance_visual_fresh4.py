"""A fourth fresh held-out set for the visual near-copy benchmark (fresh4; ``compliance_visual.py --fresh4``).

Written by someone who had not read how the screen works (nothing under ``studio/compliance``, nor its tests,
nor the benchmark's visual sections of bench/README.md) and had not seen the earlier sets' scores; never
screened while it was made, only rendered and looked at. Scored once on 2026-12-02 (main at 621e6d7, figures in
bench/README.md "fresh4 scored once"); its errors were read then, so it is development material now. Everything is procedural and seeded (PIL +
numpy, the system's DejaVu fonts and the Noto Sans TC the studio ships); the product photos are read from
``shared/data`` at run time and never stored.

References (30 with ``shared``, 24 without), eight kinds no earlier set had, 3 of each:
    neon signs glowing on a dark brick wall, 剪紙 paper-cuts (n-fold symmetric, red on cream), blue-and-white
    porcelain plates, embroidered patches with stitched borders, kraft-paper labels with stamped lettering,
    isometric block towns, brush-stroke marks (ensō, sweeps), gradient-mesh abstract logos; and 4 plush photos
    and 2 lego renders at positions no earlier set used.

Edits (``EDITS``, this set's own): hue rotations of 30-160 degrees, tone shifts, mirror, 90 / 270 degree turns,
downscale + double JPEG, 5-15 degree rotations over a background, caption bands over 22-38 % of the height,
stickers over part, crops keeping 55-75 % of each side, the copy at 120-180 px in a corner of a 1080x1920 ad,
photo cards on a blurred stage, blurred backdrops of the copy; ``MILD`` names the mild ones. Flash clips
(``FLASH_EDITS``, ``render_flash``): a 0.3 s hard cut and a 0.4 s fade inside a 3 s 1080x1920 clip that zooms
slowly into a background, on the first ``VIDEO_REFS`` references.

Look-alikes (308, none contains a reference): the eight generators with other seeds and other words / motifs
(a reference's motif index, word or symbol is never a look-alike's), promo cards, price tags, flat cards, and
the edits' own layouts (caption bands, photo cards, corner marks) around unrelated pictures. No photo is a
look-alike. Names are ``f4-<family>:<k>``.

Seeds (none used by an earlier set): generators 800000-859999, edits ``EDIT_SEED`` + seed.
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

EDIT_SEED = 9190  # the edits: np.random.default_rng(EDIT_SEED + seed)
VIDEO_REFS = 10  # the first references (interleaved kinds) get the two flash clips

KINDS = ("neon", "papercut", "porcelain", "patch", "kraft", "iso", "brush", "mesh")
REF_SEEDS = {kind: tuple(800000 + 1000 * k + j for j in range(3)) for k, kind in enumerate(KINDS)}
PLUSH = (
    8,
    30,
    50,
    68,
)  # positions in the sorted plush photos (earlier sets: 2 5 12 15 20 25 33 40 45 55 ...)
LEGO = (40, 80)  # positions in the lego renders sorted by number (earlier: 10 20 30 50 60 70 90)
WALLS = range(820000, 820020)  # backgrounds of the edits
DESKS = range(821000, 821020)
LOOKALIKE_BASE = 840000  # family k's seeds start at LOOKALIKE_BASE + 1000 * k
PER_FAMILY = 22

# motifs: the references take indices 0-2, the look-alikes only 3 and up
NEON_MOTIFS = ("heart", "bolt", "cup", "star", "moon", "arrow", "ring", "diamond", "wave")
CUT_FOLDS = (6, 8, 5, 7, 9, 10, 12, 4, 11)  # the paper-cut's symmetry
PLATE_MOTIFS = ("fish", "lotus", "clouds", "waves", "bamboo", "spiral", "lattice", "dots", "sun")
PATCH_SHAPES = ("circle", "shield", "hexagon", "rounded", "diamond", "octagon", "oval", "square", "arch")
BRUSH_MOTIFS = ("enso", "sweep", "cross", "double", "hook", "dot", "zigzag", "arc", "tail")

REF_WORDS = (
    "OPEN LATE", "微醺酒場", "NOODLE", "山嵐茶", "REEF CLUB", "禾穗米", "KAIHO", "青石", "MOKU", "墨隱", "ZEN INK",
    "筆耕", "LUMA", "霧光", "ORBITAL",
)  # fmt: skip  # one word per reference: neon 0-2, patch 3-5, kraft 6-8, brush 9-11, mesh 12-14
REF_SYMBOLS = ("福", "春", "喜")  # the paper-cuts' centre characters
LOOK_WORDS = (
    "BAR 24", "深夜食堂", "KARAOKE", "芒果冰", "DIVE SHOP", "黑糖粉圓", "HIKE", "野薑花", "OCEAN", "炭焙",
    "RAMEN", "柚子", "CAMPING", "木耳", "FERRY", "雪花冰", "SURF", "紅茶", "LOTUS", "米苔目", "DELI", "阿里山",
)  # fmt: skip
LOOK_SYMBOLS = ("壽", "財", "吉", "安", "樂", "和")
CAPTIONS = ("限時 48 小時 全面 79 折", "聖誕交換禮物 推薦", "新會員 首購免運", "人氣回購 TOP 1", "買一送一 今天最後一天",
            "NEW ARRIVAL 新品上架")  # fmt: skip
PROMO_HEADS = (
    "跨年倒數",
    "母親節禮盒",
    "中秋烤肉",
    "端午粽香",
    "春季大掃除",
    "暑假出遊",
    "秋冬新色",
    "開幕慶",
)
PROMO_SUBS = ("滿千折百", "全品項 8 折起", "加 1 元多 1 件", "下單抽好禮", "限量 100 組", "現折 NT$ 150")
CTAS = ("馬上搶購", "立即預訂", "了解更多", "SHOP NOW", "加入購物車")
PRICES = ("NT$ 129", "NT$ 460", "NT$ 1,590", "NT$ 75", "$ 320", "NT$ 3,200")

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LATIN = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
)

# palettes (ground, main, second, accent, ink)
PALETTES = (
    ((250, 244, 232), (200, 30, 40), (240, 190, 60), (30, 110, 90), (40, 20, 20)),
    ((240, 244, 250), (30, 60, 150), (90, 150, 220), (230, 120, 60), (20, 30, 60)),
    ((236, 226, 206), (120, 80, 50), (190, 150, 100), (60, 110, 80), (50, 34, 20)),
    ((30, 30, 40), (250, 90, 120), (80, 220, 240), (250, 230, 90), (250, 250, 250)),
    ((246, 246, 240), (60, 140, 70), (200, 220, 90), (240, 100, 90), (20, 40, 24)),
    ((250, 238, 244), (150, 60, 150), (250, 160, 120), (60, 170, 190), (50, 20, 50)),
)


# -- helpers -----------------------------------------------------------------------------------------------------
def _font(name: str, size: float) -> ImageFont.FreeTypeFont:
    """``noto`` / ``noto-regular``: the shipped Noto Sans TC; otherwise a DejaVu file name."""
    if name.startswith("noto"):
        path = data.cjk_font()
        if name == "noto-regular":
            path = path.replace("Bold", "Regular")
        return ImageFont.truetype(path, max(8, int(size)))
    return ImageFont.truetype(str(_FONT_DIR / name), max(8, int(size)))


def _text_font(rng: np.random.Generator, text: str) -> str:
    return "noto" if any(ord(c) > 0x2E80 for c in text) else LATIN[int(rng.integers(len(LATIN)))]


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _rgb(c) -> tuple[int, int, int]:
    return tuple(int(np.clip(v, 0, 255)) for v in c)


def _vary(c, rng: np.random.Generator, amount: int = 14) -> tuple[int, int, int]:
    return _rgb(v + rng.integers(-amount, amount + 1) for v in c)


def _centred(draw: ImageDraw.ImageDraw, xy, text: str, font_name: str, size: float, width: float, fill, **kw):
    """``text`` centred on ``xy``, shrunk until it fits in ``width`` px."""
    font = _font(font_name, size)
    box = draw.textbbox((0, 0), text, font=font, stroke_width=kw.get("stroke_width", 0))
    if box[2] - box[0] > width:
        font = _font(font_name, size * width / (box[2] - box[0]))
        box = draw.textbbox((0, 0), text, font=font, stroke_width=kw.get("stroke_width", 0))
    draw.text(
        (xy[0] - (box[0] + box[2]) / 2, xy[1] - (box[1] + box[3]) / 2), text, font=font, fill=fill, **kw
    )


def _noise(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    a = np.asarray(image, np.float32) + rng.normal(0, sigma, (image.height, image.width, 1))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    return data._cover(img, size)


def _poly(cx: float, cy: float, r: float, n: int, rot: float = 0.0) -> list[tuple[float, float]]:
    return [
        (cx + r * np.cos(rot + 2 * np.pi * k / n), cy + r * np.sin(rot + 2 * np.pi * k / n)) for k in range(n)
    ]


# -- 1. neon signs ---------------------------------------------------------------------------------------------
def _neon_shape(
    draw: ImageDraw.ImageDraw, motif: str, c: tuple[float, float], s: float, fill, w: int
) -> None:
    x, y = c
    if motif == "heart":
        pts = [(x + s * 16 * np.sin(t) ** 3 / 17, y - s * (13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t)
                - np.cos(4 * t)) / 17) for t in np.linspace(0, 2 * np.pi, 80)]  # fmt: skip
        draw.line(pts, fill=fill, width=w, joint="curve")
    elif motif == "bolt":
        draw.line([(x + 0.2 * s, y - s), (x - 0.4 * s, y + 0.1 * s), (x + 0.1 * s, y + 0.1 * s),
                   (x - 0.2 * s, y + s), (x + 0.5 * s, y - 0.2 * s), (x, y - 0.2 * s), (x + 0.2 * s, y - s)],
                  fill=fill, width=w, joint="curve")  # fmt: skip
    elif motif == "cup":
        draw.line([(x - 0.6 * s, y - 0.3 * s), (x - 0.45 * s, y + 0.8 * s), (x + 0.45 * s, y + 0.8 * s),
                   (x + 0.6 * s, y - 0.3 * s), (x - 0.6 * s, y - 0.3 * s)], fill=fill, width=w, joint="curve")  # fmt: skip
        draw.arc([x + 0.4 * s, y - 0.1 * s, x + 0.95 * s, y + 0.5 * s], 270, 90, fill=fill, width=w)
        for dx in (-0.25, 0.05, 0.35):
            draw.arc(
                [x + (dx - 0.1) * s, y - s, x + (dx + 0.1) * s, y - 0.5 * s], 100, 260, fill=fill, width=w
            )
    elif motif == "star":
        pts = [(x + (s if k % 2 == 0 else 0.42 * s) * np.cos(-np.pi / 2 + np.pi * k / 5),
                y + (s if k % 2 == 0 else 0.42 * s) * np.sin(-np.pi / 2 + np.pi * k / 5)) for k in range(11)]  # fmt: skip
        draw.line(pts, fill=fill, width=w, joint="curve")
    elif motif == "moon":
        draw.arc([x - s, y - s, x + s, y + s], 60, 300, fill=fill, width=w)
        draw.arc([x - 0.4 * s, y - 0.85 * s, x + 1.1 * s, y + 0.85 * s], 110, 250, fill=fill, width=w)
    elif motif == "arrow":
        draw.line([(x - s, y + 0.4 * s), (x + 0.7 * s, y + 0.4 * s)], fill=fill, width=w)
        draw.line(
            [(x + 0.3 * s, y), (x + 0.8 * s, y + 0.4 * s), (x + 0.3 * s, y + 0.8 * s)], fill=fill, width=w
        )
        draw.line([(x - s, y - 0.6 * s), (x + 0.2 * s, y - 0.6 * s)], fill=fill, width=w)
    elif motif == "ring":
        draw.ellipse([x - s, y - s, x + s, y + s], outline=fill, width=w)
        draw.ellipse([x - 0.55 * s, y - 0.55 * s, x + 0.55 * s, y + 0.55 * s], outline=fill, width=w)
    elif motif == "diamond":
        draw.line(
            [(x, y - s), (x + 0.7 * s, y), (x, y + s), (x - 0.7 * s, y), (x, y - s)], fill=fill, width=w
        )
        draw.line([(x - 0.7 * s, y), (x + 0.7 * s, y)], fill=fill, width=w)
    else:  # wave
        pts = [(x - s + 2 * s * t, y + 0.35 * s * np.sin(t * 4 * np.pi)) for t in np.linspace(0, 1, 60)]
        draw.line(pts, fill=fill, width=w, joint="curve")
        draw.line([(px, py + 0.5 * s) for px, py in pts], fill=fill, width=w, joint="curve")


def neon_sign(seed: int, word: str, motif: int) -> Image.Image:
    """A neon sign on a dark brick wall: a tube pictogram and a word, each glowing (blurred copies added)."""
    rng = np.random.default_rng(seed)
    w, h = 640, 480
    wall = Image.new("RGB", (w, h), _vary((46, 30, 30), rng, 10))
    d = ImageDraw.Draw(wall)
    bh, bw = int(rng.integers(26, 36)), int(rng.integers(60, 84))
    for row in range(h // bh + 1):
        off = (row % 2) * bw // 2
        for col in range(-1, w // bw + 1):
            x0, y0 = col * bw + off, row * bh
            d.rectangle([x0 + 2, y0 + 2, x0 + bw - 2, y0 + bh - 2], fill=_vary((70, 40, 36), rng, 12))
    wall = _noise(wall, rng, 6)
    tube = Image.new("RGB", (w, h), (0, 0, 0))
    t = ImageDraw.Draw(tube)
    colours = ((255, 60, 160), (60, 230, 255), (255, 220, 60), (120, 255, 110), (255, 120, 40))
    a, b = rng.choice(len(colours), 2, replace=False)
    side = rng.random() < 0.5
    cx = w * (0.28 if side else 0.5)
    cy = h * (0.5 if side else 0.36)
    _neon_shape(t, NEON_MOTIFS[motif], (cx, cy), 90 + rng.uniform(-10, 10), colours[a], 7)
    tx, ty, tw = (w * 0.7, h * 0.5, w * 0.5) if side else (w * 0.5, h * 0.78, w * 0.84)
    _centred(t, (tx, ty), word, _text_font(rng, word), 80, tw, colours[b])
    glow = ImageChops.add(tube.filter(ImageFilter.GaussianBlur(16)), tube.filter(ImageFilter.GaussianBlur(5)))
    core = tube.point(lambda v: min(255, v + 90) if v else 0)
    return ImageChops.add(
        ImageChops.add(wall, glow), ImageChops.multiply(core, core.convert("L").convert("RGB"))
    )


# -- 2. 剪紙 paper-cuts ----------------------------------------------------------------------------------------
def paper_cut(seed: int, symbol: str, motif: int) -> Image.Image:
    """A red paper-cut on cream paper: a disc with CUT_FOLDS[motif]-fold cut-outs (petals, holes, crescents) and a
    centre character cut out of a diamond, a drop shadow."""
    rng = np.random.default_rng(seed)
    size = 560
    folds = CUT_FOLDS[motif]
    red = _vary((196, 28, 36), rng, 16)
    mask = Image.new("L", (size, size), 0)
    m = ImageDraw.Draw(mask)
    c = size / 2
    r = size * 0.44
    m.polygon(
        _poly(c, c, r, folds * 2, np.pi / folds) if rng.random() < 0.5 else _poly(c, c, r, 90), fill=255
    )
    rings = int(rng.integers(2, 4))
    for ring in range(rings):
        rad = r * (0.35 + 0.5 * (ring + 1) / (rings + 1))
        kind = int(rng.integers(3))
        size_k = r * rng.uniform(0.06, 0.11)
        for k in range(folds):
            a = 2 * np.pi * k / folds + ring * np.pi / folds
            x, y = c + rad * np.cos(a), c + rad * np.sin(a)
            if kind == 0:
                m.ellipse([x - size_k, y - size_k, x + size_k, y + size_k], fill=0)
            elif kind == 1:
                m.polygon([(x + 2.2 * size_k * np.cos(a), y + 2.2 * size_k * np.sin(a)),
                           (x + size_k * np.cos(a + 1.6), y + size_k * np.sin(a + 1.6)),
                           (x - 1.6 * size_k * np.cos(a), y - 1.6 * size_k * np.sin(a)),
                           (x + size_k * np.cos(a - 1.6), y + size_k * np.sin(a - 1.6))], fill=0)  # fmt: skip
            else:
                m.chord([x - 1.4 * size_k, y - 1.4 * size_k, x + 1.4 * size_k, y + 1.4 * size_k],
                        np.degrees(a) + 30, np.degrees(a) + 210, fill=0)  # fmt: skip
    m.polygon(_poly(c, c, r * 0.36, 4, rng.uniform(0, 0.3)), fill=0)
    m.polygon(_poly(c, c, r * 0.31, 4, 0.0), fill=255)
    glyph = Image.new("L", (size, size), 0)
    _centred(ImageDraw.Draw(glyph), (c, c), symbol, "noto", r * 0.36, r * 0.4, 255)
    mask = ImageChops.subtract(mask, glyph)
    paper = Image.new("RGB", (size, size), _vary((242, 232, 208), rng, 8))
    paper = _noise(paper, rng, 4)
    shadow = mask.filter(ImageFilter.GaussianBlur(6)).point(lambda v: v * 0.5)
    paper.paste((90, 70, 60), (8, 10), shadow)
    paper.paste(red, (0, 0), mask)
    return paper


# -- 3. blue-and-white porcelain -------------------------------------------------------------------------------
def porcelain(seed: int, motif: int) -> Image.Image:
    """A blue-and-white plate from above: glaze, rings, a border of repeated scallops or dots, a centre motif
    (PLATE_MOTIFS[motif]) in cobalt with washes."""
    rng = np.random.default_rng(seed)
    size = 560
    blue = _vary((28, 56, 140), rng, 14)
    wash = _rgb(np.array(blue) * 0.4 + np.array((250, 250, 250)) * 0.6)
    img = Image.new("RGB", (size, size), _vary((206, 200, 190), rng, 14))
    d = ImageDraw.Draw(img)
    c, r = size / 2, size * 0.46
    d.ellipse([c - r + 8, c - r + 12, c + r + 8, c + r + 12], fill=(150, 146, 140))
    d.ellipse([c - r, c - r, c + r, c + r], fill=(246, 247, 250))
    d.ellipse([c - r * 0.97, c - r * 0.97, c + r * 0.97, c + r * 0.97], outline=blue, width=5)
    d.ellipse([c - r * 0.7, c - r * 0.7, c + r * 0.7, c + r * 0.7], outline=blue, width=4)
    n = int(rng.integers(14, 26))
    for k in range(n):
        a = 2 * np.pi * k / n
        x, y = c + r * 0.835 * np.cos(a), c + r * 0.835 * np.sin(a)
        e = r * 0.1
        if seed % 2:
            d.pieslice(
                [x - e, y - e, x + e, y + e], np.degrees(a) + 90, np.degrees(a) + 270, fill=wash, outline=blue
            )
        else:
            d.ellipse([x - e * 0.5, y - e * 0.5, x + e * 0.5, y + e * 0.5], fill=blue)
    name = PLATE_MOTIFS[motif]
    s = r * 0.55
    if name == "fish":
        for k in range(2):
            fx, fy = c + (-0.3 + 0.6 * k) * s, c + (0.25 - 0.5 * k) * s
            d.ellipse(
                [fx - 0.45 * s, fy - 0.18 * s, fx + 0.3 * s, fy + 0.18 * s], fill=wash, outline=blue, width=3
            )
            d.polygon(
                [(fx + 0.25 * s, fy), (fx + 0.5 * s, fy - 0.2 * s), (fx + 0.5 * s, fy + 0.2 * s)], fill=blue
            )
            d.ellipse([fx - 0.33 * s, fy - 0.05 * s, fx - 0.25 * s, fy + 0.03 * s], fill=blue)
    elif name == "lotus":
        for k in range(7):
            a = np.pi + np.pi * k / 6
            d.ellipse([c + 0.45 * s * np.cos(a) - 0.16 * s, c + 0.45 * s * np.sin(a) - 0.3 * s + 0.2 * s,
                       c + 0.45 * s * np.cos(a) + 0.16 * s, c + 0.45 * s * np.sin(a) + 0.3 * s + 0.2 * s],
                      fill=wash, outline=blue, width=3)  # fmt: skip
        d.line([(c, c + 0.3 * s), (c, c + s)], fill=blue, width=5)
    elif name == "clouds":
        for k in range(5):
            x, y = c + rng.uniform(-0.6, 0.6) * s, c + rng.uniform(-0.6, 0.6) * s
            for j in range(4):
                e = (0.25 - 0.05 * j) * s
                d.arc([x - e, y - e, x + e, y + e], 180, 360 + 90 * j, fill=blue, width=4)
    elif name == "waves":
        for row in range(5):
            for col in range(5):
                x, y = c + (col - 2) * 0.4 * s, c + (row - 2) * 0.35 * s
                for j in range(3):
                    e = (0.2 - 0.06 * j) * s
                    d.arc([x - e, y - e, x + e, y + e], 180, 360, fill=blue, width=3)
    elif name == "bamboo":
        for k in range(3):
            x = c + (k - 1) * 0.45 * s
            d.line([(x, c - s), (x, c + s)], fill=blue, width=10)
            for y in np.arange(c - s, c + s, 0.4 * s):
                d.line([(x - 12, y), (x + 12, y)], fill=wash, width=4)
                d.polygon([(x, y), (x + 0.3 * s, y - 0.1 * s), (x + 0.35 * s, y - 0.02 * s)], fill=blue)
    elif name == "spiral":
        pts = [(c + 0.08 * s * t * np.cos(t), c + 0.08 * s * t * np.sin(t)) for t in np.linspace(0, 12, 200)]
        d.line(pts, fill=blue, width=6)
    elif name == "lattice":  # drawn on its own layer, kept inside the inner ring
        layer = Image.new("L", img.size, 0)
        ld = ImageDraw.Draw(layer)
        for k in range(-4, 5):
            ld.line([(c + k * 0.25 * s - s, c - s), (c + k * 0.25 * s + s, c + s)], fill=255, width=3)
            ld.line([(c + k * 0.25 * s + s, c - s), (c + k * 0.25 * s - s, c + s)], fill=255, width=3)
        disc = Image.new("L", img.size, 0)
        ImageDraw.Draw(disc).ellipse([c - 0.62 * r, c - 0.62 * r, c + 0.62 * r, c + 0.62 * r], fill=255)
        img.paste(blue, (0, 0), ImageChops.multiply(layer, disc))
    elif name == "dots":
        for row in range(-3, 4):
            for col in range(-3, 4):
                if row * row + col * col <= 10:
                    x, y = c + col * 0.3 * s, c + row * 0.3 * s
                    d.ellipse([x - 9, y - 9, x + 9, y + 9], fill=blue if (row + col) % 2 else wash)
    else:  # sun
        d.ellipse([c - 0.35 * s, c - 0.35 * s, c + 0.35 * s, c + 0.35 * s], fill=wash, outline=blue, width=4)
        for k in range(12):
            a = np.pi * k / 6
            d.line([(c + 0.45 * s * np.cos(a), c + 0.45 * s * np.sin(a)),
                    (c + 0.85 * s * np.cos(a), c + 0.85 * s * np.sin(a))], fill=blue, width=6)  # fmt: skip
    return _noise(img, rng, 3)


# -- 4. embroidered patches ------------------------------------------------------------------------------------
def _shape(name: str, c: float, r: float) -> list[tuple[float, float]]:
    if name == "circle":
        return _poly(c, c, r, 90)
    if name == "shield":
        return [
            (c - r, c - r * 0.9),
            (c + r, c - r * 0.9),
            (c + r, c + r * 0.1),
            (c, c + r),
            (c - r, c + r * 0.1),
        ]
    if name == "hexagon":
        return _poly(c, c, r, 6, np.pi / 6)
    if name == "rounded":
        return [(c + r * np.sign(np.cos(t)) * abs(np.cos(t)) ** 0.3, c + 0.7 * r * np.sign(np.sin(t)) *
                 abs(np.sin(t)) ** 0.3) for t in np.linspace(0, 2 * np.pi, 90)]  # fmt: skip
    if name == "diamond":
        return _poly(c, c, r, 4)
    if name == "octagon":
        return _poly(c, c, r, 8, np.pi / 8)
    if name == "oval":
        return [(c + r * np.cos(t), c + 0.72 * r * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 90)]
    if name == "square":
        return _poly(c, c, r * 1.2, 4, np.pi / 4)
    return [(c - r, c + r * 0.7), (c - r, c - 0.1 * r), *[(c - r * np.cos(t), c - 0.1 * r - 0.8 * r * np.sin(t))
            for t in np.linspace(0, np.pi, 40)], (c + r, c + r * 0.7)]  # fmt: skip


def patch(seed: int, word: str, motif: int) -> Image.Image:
    """An embroidered patch on denim: PATCH_SHAPES[motif] in a twill fill, a satin border and a dashed stitch
    line, a stitched mountain-and-sun or star emblem and a word."""
    rng = np.random.default_rng(seed)
    size = 560
    pal = _pick(rng, PALETTES)
    img = Image.new("RGB", (size, size), _vary((60, 80, 120), rng, 14))
    d = ImageDraw.Draw(img)
    for k in range(-size, size, 6):  # denim twill
        d.line([(k, 0), (k + size, size)], fill=_vary((70, 92, 134), rng, 8), width=2)
    c, r = size / 2, size * 0.4
    outline = _shape(PATCH_SHAPES[motif], c, r)
    d.polygon([(x + 6, y + 8) for x, y in outline], fill=(36, 44, 64))
    d.polygon(outline, fill=pal[1], outline=pal[4])
    d.line(outline + outline[:1], fill=pal[4], width=14, joint="curve")
    fill = Image.new("RGB", (size, size), (0, 0, 0))
    f = ImageDraw.Draw(fill)
    for k in range(-size, size, 4):
        f.line([(k, 0), (k + size * 0.5, size)], fill=(22, 22, 22), width=1)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).polygon(outline, fill=255)
    img = Image.composite(ImageChops.subtract(img, fill), img, mask)
    d = ImageDraw.Draw(img)
    inner = _shape(PATCH_SHAPES[motif], c, r * 0.9)
    for (x0, y0), (x1, y1) in zip(inner, inner[1:] + inner[:1]):
        n = max(1, int(np.hypot(x1 - x0, y1 - y0) // 14))
        for k in range(n):
            t0, t1 = k / n, (k + 0.55) / n
            d.line([(x0 + (x1 - x0) * t0, y0 + (y1 - y0) * t0), (x0 + (x1 - x0) * t1, y0 + (y1 - y0) * t1)],
                   fill=pal[0], width=3)  # fmt: skip
    if rng.random() < 0.5:
        d.ellipse([c + 0.1 * r, c - 0.55 * r, c + 0.4 * r, c - 0.25 * r], fill=pal[3])
        d.polygon([(c - 0.55 * r, c + 0.15 * r), (c - 0.15 * r, c - 0.45 * r), (c + 0.1 * r, c - 0.1 * r),
                   (c + 0.3 * r, c - 0.3 * r), (c + 0.6 * r, c + 0.15 * r)], fill=pal[2], outline=pal[4])  # fmt: skip
    else:
        star = [(c + (0.45 if k % 2 == 0 else 0.2) * r * np.cos(-np.pi / 2 + np.pi * k / 5),
                 c - 0.18 * r + (0.45 if k % 2 == 0 else 0.2) * r * np.sin(-np.pi / 2 + np.pi * k / 5))
                for k in range(10)]  # fmt: skip
        d.polygon(star, fill=pal[3], outline=pal[4])
    _centred(d, (c, c + 0.42 * r), word, _text_font(rng, word), 70, 1.3 * r, pal[0], stroke_width=3,
             stroke_fill=pal[4])  # fmt: skip
    return _noise(img, rng, 5)


# -- 5. kraft-paper labels -------------------------------------------------------------------------------------
def kraft_label(seed: int, word: str) -> Image.Image:
    """A kraft-paper label: fibrous brown paper, a twine hole, rules and a word stamped in ink that misses in
    places (a noise mask), a small round stamp with a year."""
    rng = np.random.default_rng(seed)
    w, h = 600, 420
    base = np.ones((h, w, 3), np.float32) * np.array(_vary((184, 146, 104), rng, 14), np.float32)
    fibres = rng.normal(0, 1, (h, w)).astype(np.float32)
    fibres = np.asarray(Image.fromarray(((fibres * 40) + 128).clip(0, 255).astype(np.uint8)).filter(
        ImageFilter.BoxBlur(1)), np.float32) - 128  # fmt: skip
    img = Image.fromarray(np.clip(base + fibres[..., None] * 0.4, 0, 255).astype(np.uint8))
    ink_colour = _pick(rng, ((40, 30, 26), (150, 30, 30), (30, 50, 100), (30, 70, 40)))
    stamp = Image.new("L", (w, h), 0)
    s = ImageDraw.Draw(stamp)
    s.rectangle([30, 30, w - 30, h - 30], outline=255, width=4)
    s.rectangle([42, 42, w - 42, h - 42], outline=255, width=2)
    _centred(s, (w / 2, h * 0.46), word, _text_font(rng, word), 110, w * 0.78, 255)
    s.line([(w * 0.2, h * 0.68), (w * 0.8, h * 0.68)], fill=255, width=3)
    year = str(int(rng.integers(1950, 2020)))
    _centred(s, (w / 2, h * 0.78), f"EST. {year}", "DejaVuSansMono-Bold.ttf", 30, w * 0.5, 255)
    wear = (rng.random((h // 4, w // 4)) * 255).astype(np.uint8)
    wear = Image.fromarray(wear).resize((w, h), Image.BILINEAR).point(lambda v: 255 if v > 60 else 90)
    stamp = ImageChops.multiply(stamp, wear)
    img.paste(ink_colour, (0, 0), stamp)
    d = ImageDraw.Draw(img)
    d.ellipse([w - 92, 56, w - 62, 86], fill=(236, 226, 206), outline=(120, 90, 60), width=3)
    return img


# -- 6. isometric block towns ------------------------------------------------------------------------------------
def isometric(seed: int) -> Image.Image:
    """An isometric town on a tile: a 4x4 grid of blocks of random heights, each with a lit top and two shaded
    sides, windows on the tall ones, a tree or two."""
    rng = np.random.default_rng(seed)
    size = 600
    pal = _pick(rng, PALETTES)
    img = Image.new("RGB", (size, size), _vary(pal[0], rng, 10))
    d = ImageDraw.Draw(img)
    u = 46.0
    ox, oy = size / 2, size * 0.42

    def iso(x: float, y: float, z: float) -> tuple[float, float]:
        return (ox + (x - y) * u * 0.866, oy + (x + y) * u * 0.5 - z * u)

    d.polygon(
        [iso(-0.3, -0.3, 0), iso(4.3, -0.3, 0), iso(4.3, 4.3, 0), iso(-0.3, 4.3, 0)], fill=_vary(pal[2], rng)
    )
    d.polygon([iso(4.3, -0.3, 0), iso(4.3, 4.3, 0), (iso(4.3, 4.3, 0)[0], iso(4.3, 4.3, 0)[1] + 24),
               (iso(4.3, -0.3, 0)[0], iso(4.3, -0.3, 0)[1] + 24)], fill=_rgb(np.array(pal[2]) * 0.7))  # fmt: skip
    d.polygon([iso(-0.3, 4.3, 0), iso(4.3, 4.3, 0), (iso(4.3, 4.3, 0)[0], iso(4.3, 4.3, 0)[1] + 24),
               (iso(-0.3, 4.3, 0)[0], iso(-0.3, 4.3, 0)[1] + 24)], fill=_rgb(np.array(pal[2]) * 0.55))  # fmt: skip
    heights = rng.integers(0, 5, (4, 4))
    for gx in range(4):
        for gy in range(4):
            z = float(heights[gx, gy]) * 0.7
            x0, y0, x1, y1 = gx + 0.1, gy + 0.1, gx + 0.9, gy + 0.9
            if z == 0:
                if rng.random() < 0.5:
                    bx, by = iso(gx + 0.5, gy + 0.5, 0)
                    d.line([(bx, by), (bx, by - 30)], fill=(90, 60, 40), width=5)
                    d.ellipse([bx - 18, by - 62, bx + 18, by - 26], fill=_vary((70, 150, 80), rng, 20))
                continue
            colour = np.array(_pick(rng, pal[1:4]), np.float32)
            d.polygon(
                [iso(x0, y0, z), iso(x1, y0, z), iso(x1, y1, z), iso(x0, y1, z)], fill=_rgb(colour * 1.1 + 10)
            )
            d.polygon(
                [iso(x1, y0, z), iso(x1, y1, z), iso(x1, y1, 0), iso(x1, y0, 0)], fill=_rgb(colour * 0.8)
            )
            d.polygon(
                [iso(x0, y1, z), iso(x1, y1, z), iso(x1, y1, 0), iso(x0, y1, 0)], fill=_rgb(colour * 0.6)
            )
            for level in np.arange(0.3, z, 0.45):
                for t in (0.3, 0.65):
                    a, b = iso(x1, y0 + t * 0.8, level), iso(x1, y0 + t * 0.8 + 0.18, level + 0.2)
                    d.rectangle([min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])],
                                fill=(250, 236, 170))  # fmt: skip
    return img


# -- 7. brush-stroke marks -------------------------------------------------------------------------------------
def _stroke(layer: np.ndarray, pts: np.ndarray, width: np.ndarray, rng: np.random.Generator) -> None:
    """Stamp a dry brush along ``pts``: each bristle is a small disc; some bristles run dry near the end."""
    h, w = layer.shape
    bristles = rng.uniform(-0.5, 0.5, 24)
    dry = rng.uniform(0.55, 1.0, 24)
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(1, len(pts)):
        t = i / len(pts)
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        nx, ny = -(y1 - y0), x1 - x0
        norm = max(1e-6, np.hypot(nx, ny))
        nx, ny = nx / norm, ny / norm
        for b, end in zip(bristles, dry):
            if t > end:
                continue
            cx, cy = x1 + nx * b * width[i], y1 + ny * b * width[i]
            r = max(1.5, width[i] / 14)
            x_lo, x_hi = int(max(0, cx - r)), int(min(w, cx + r + 1))
            y_lo, y_hi = int(max(0, cy - r)), int(min(h, cy + r + 1))
            if x_lo >= x_hi or y_lo >= y_hi:
                continue
            sub = (xx[y_lo:y_hi, x_lo:x_hi] - cx) ** 2 + (yy[y_lo:y_hi, x_lo:x_hi] - cy) ** 2 <= r * r
            layer[y_lo:y_hi, x_lo:x_hi][sub] = 1.0


def brush_mark(seed: int, word: str, motif: int) -> Image.Image:
    """A brush-stroke mark on rice paper: BRUSH_MOTIFS[motif] drawn with a dry brush (bristle discs along a path,
    swelling and thinning), a red seal square and a word."""
    rng = np.random.default_rng(seed)
    size = 520
    layer = np.zeros((size, size), np.float32)
    name = BRUSH_MOTIFS[motif]
    c = size / 2
    n = 140
    t = np.linspace(0, 1, n)
    paths = []
    if name == "enso":
        a = -np.pi / 2 + rng.uniform(-0.3, 0.3) + t * 2 * np.pi * rng.uniform(0.82, 0.94)
        paths.append(np.stack([c + 170 * np.cos(a), c - 20 + 160 * np.sin(a)], 1))
    elif name == "sweep":
        paths.append(np.stack([80 + 360 * t, c + 90 - 160 * t + 70 * np.sin(t * np.pi)], 1))
    elif name == "cross":
        paths.append(np.stack([110 + 300 * t, 110 + 260 * t], 1))
        paths.append(np.stack([410 - 300 * t, 110 + 260 * t], 1))
    elif name == "double":
        for k in range(2):
            paths.append(np.stack([90 + 340 * t, 150 + 120 * k + 30 * np.sin(t * 3 + k)], 1))
    elif name == "hook":
        paths.append(np.stack([c - 40 + 20 * t, 80 + 300 * t], 1))
        paths.append(np.stack([c - 20 - 120 * t, 380 - 60 * t], 1))
    elif name == "dot":
        a = t * 2 * np.pi * 2
        paths.append(np.stack([c + 60 * t * np.cos(a), c - 20 + 60 * t * np.sin(a)], 1))
    elif name == "zigzag":
        paths.append(
            np.stack(
                [
                    80 + 360 * t,
                    c - 20 + 90 * np.sign(np.sin(t * 3 * np.pi)) * np.abs(np.sin(t * 3 * np.pi)) ** 0.5,
                ],
                1,
            )
        )
    elif name == "arc":
        a = np.pi + t * np.pi
        paths.append(np.stack([c + 180 * np.cos(a), c + 60 + 180 * np.sin(a)], 1))
    else:  # tail
        paths.append(np.stack([100 + 320 * t, 120 + 250 * t**2], 1))
    for pts in paths:
        pts = pts + rng.normal(0, 1.2, pts.shape)
        width = (28 + 40 * np.sin(np.pi * np.clip(t * 1.2, 0, 1)) ** 0.7) * rng.uniform(0.8, 1.2)
        _stroke(layer, pts, width, rng)
    paper = np.ones((size, size, 3), np.float32) * np.array(_vary((240, 232, 214), rng, 8), np.float32)
    paper += rng.normal(0, 3, (size, size, 1))
    ink = np.array(_pick(rng, ((22, 20, 20), (30, 34, 60), (60, 30, 26))), np.float32)
    soft = np.asarray(Image.fromarray((layer * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2)),
                      np.float32)[..., None] / 255  # fmt: skip
    img = Image.fromarray(np.clip(paper * (1 - soft) + ink * soft, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    sx, sy = size - 110, size - 150
    d.rectangle([sx, sy, sx + 56, sy + 56], fill=(186, 36, 36))
    d.rectangle([sx + 6, sy + 6, sx + 50, sy + 50], outline=(240, 220, 200), width=2)
    _centred(d, (c - 40, size - 60), word, _text_font(rng, word), 48, size * 0.6, tuple(int(v) for v in ink))
    return img


# -- 8. gradient-mesh abstract logos ---------------------------------------------------------------------------
def mesh_logo(seed: int, word: str) -> Image.Image:
    """A gradient-mesh logo: a smooth blob (a few low harmonics on a circle) filled with a bilinear blend of four
    colours, a soft highlight, on white, the word under it."""
    rng = np.random.default_rng(seed)
    w, h = 560, 600
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r0 = w / 2, h * 0.4, 180.0
    ang = np.arctan2(yy - cy, xx - cx)
    rad = np.hypot(xx - cx, yy - cy)
    edge = r0 * (
        1 + sum(rng.uniform(-0.16, 0.16) * np.cos(k * ang + rng.uniform(0, 6.28)) for k in range(2, 5))
    )
    inside = np.clip((edge - rad) / 2.5, 0, 1)[..., None]
    corners = rng.integers(30, 256, (4, 3)).astype(np.float32)
    u = ((xx - (cx - r0)) / (2 * r0)).clip(0, 1)[..., None]
    v = ((yy - (cy - r0)) / (2 * r0)).clip(0, 1)[..., None]
    warp = 0.15 * np.sin(v * rng.uniform(3, 7))
    u = (u + warp).clip(0, 1)
    fill = (
        corners[0] * (1 - u) * (1 - v)
        + corners[1] * u * (1 - v)
        + corners[2] * (1 - u) * v
        + corners[3] * u * v
    )
    hx, hy = cx - r0 * 0.3, cy - r0 * 0.35
    fill = fill + 90 * np.exp(-((xx - hx) ** 2 + (yy - hy) ** 2) / (2 * (r0 * 0.3) ** 2))[..., None]
    out = 255 * (1 - inside) + fill * inside
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    _centred(
        d,
        (w / 2, h * 0.86),
        word,
        _text_font(rng, word),
        64,
        w * 0.8,
        _rgb(corners[int(rng.integers(4))] * 0.6),
    )
    return img


# -- look-alike only: promo cards, price tags, flat cards ------------------------------------------------------
def promo_card(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    pal = _pick(rng, PALETTES)
    w, h = 720, 900
    img = Image.new("RGB", (w, h), pal[1])
    d = ImageDraw.Draw(img)
    for k in range(int(rng.integers(3, 7))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(60, 220)
        d.ellipse([x - r, y - r, x + r, y + r], fill=_vary(pal[2], rng, 30))
    _centred(d, (w / 2, h * 0.3), _pick(rng, PROMO_HEADS), "noto", 130, w * 0.86, pal[0], stroke_width=4,
             stroke_fill=pal[4])  # fmt: skip
    _centred(d, (w / 2, h * 0.52), _pick(rng, PROMO_SUBS), "noto", 80, w * 0.8, pal[3], stroke_width=3,
             stroke_fill=pal[4])  # fmt: skip
    d.rounded_rectangle([w * 0.2, h * 0.74, w * 0.8, h * 0.86], radius=40, fill=pal[0])
    _centred(d, (w / 2, h * 0.8), _pick(rng, CTAS), "noto", 56, w * 0.5, pal[4])
    return img


def price_tag(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    pal = _pick(rng, PALETTES)
    w, h = 640, 400
    img = Image.new("RGB", (w, h), _vary((214, 210, 200), rng, 20))
    d = ImageDraw.Draw(img)
    d.polygon([(40, h / 2), (130, 50), (w - 40, 50), (w - 40, h - 50), (130, h - 50)], fill=pal[0],
              outline=pal[4])  # fmt: skip
    d.ellipse(
        [92, h / 2 - 16, 124, h / 2 + 16], fill=_vary((214, 210, 200), rng, 20), outline=pal[4], width=3
    )
    _centred(d, (w * 0.6, h * 0.4), _pick(rng, PRICES), "DejaVuSans-Bold.ttf", 100, w * 0.6, pal[1])
    _centred(d, (w * 0.6, h * 0.68), _pick(rng, PROMO_SUBS), "noto", 44, w * 0.6, pal[4])
    return img


def flat_card(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    pal = _pick(rng, PALETTES)
    w, h = 600, 600
    a, b = _vary(pal[1], rng, 30), _vary(pal[2], rng, 30)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = Image.fromarray((np.array(a) * (1 - t) + np.array(b) * t).repeat(w, 1).astype(np.uint8))
    d = ImageDraw.Draw(img)
    if rng.random() < 0.6:
        word = _pick(rng, LOOK_WORDS)
        _centred(d, (w / 2, h / 2), word, _text_font(rng, word), 90, w * 0.8, pal[0])
    return img


# -- backgrounds -----------------------------------------------------------------------------------------------
def wall(seed: int) -> Image.Image:
    """A shop interior, out of focus: a plaster wall gradient, shelves with boxes, warm lamp bokeh; 1000 x 1300."""
    rng = np.random.default_rng(seed)
    w, h = 1000, 1300
    top, bottom = _vary((200, 190, 170), rng, 40), _vary((120, 100, 90), rng, 30)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = Image.fromarray((np.array(top) * (1 - t) + np.array(bottom) * t).repeat(w, 1).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for y in np.arange(rng.uniform(200, 350), h * 0.9, rng.uniform(220, 320)):
        d.rectangle([0, y, w, y + 18], fill=_vary((110, 80, 60), rng, 20))
        x = rng.uniform(0, 60)
        while x < w:
            bw, bh = rng.uniform(50, 140), rng.uniform(60, 180)
            d.rectangle(
                [x, y - bh, x + bw, y], fill=_vary(_pick(rng, PALETTES)[int(rng.integers(1, 4))], rng, 30)
            )
            x += bw + rng.uniform(5, 50)
    for _ in range(12):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.5), rng.uniform(20, 60)
        d.ellipse([x - r, y - r, x + r, y + r], fill=_vary((255, 230, 170), rng, 20))
    return _noise(img.filter(ImageFilter.GaussianBlur(float(rng.uniform(5, 10)))), rng, 4)


def desk(seed: int) -> Image.Image:
    """A desk from above: linen or slate texture, a soft vignette; 1080 x 1080."""
    rng = np.random.default_rng(seed)
    n = 1080
    base = np.array(_vary(_pick(rng, ((220, 212, 196), (70, 76, 82), (190, 160, 130))), rng, 16), np.float32)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    weave = 6 * np.sin(xx / rng.uniform(1.5, 3)) * np.sin(yy / rng.uniform(1.5, 3))
    vignette = 1 - 0.3 * (((xx - n / 2) ** 2 + (yy - n / 2) ** 2) / (n * n / 2))
    a = (base + weave[..., None]) * vignette[..., None] + rng.normal(0, 4, (n, n, 1))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def backgrounds(cache: Path | None = None) -> list[Image.Image]:
    """The edits' backgrounds: 20 shop walls and 20 desks (no reference in them)."""
    return [wall(s) for s in WALLS] + [desk(s) for s in DESKS]


# -- the edits (this set's own) ----------------------------------------------------------------------------------
Edit = Callable[[Image.Image, np.random.Generator, Image.Image], Image.Image]


def _hue(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Hue rotated by 30-160 degrees either way."""
    hsv = np.asarray(img.convert("HSV")).copy()
    shift = int(rng.uniform(30, 160) / 360 * 256) * (1 if rng.random() < 0.5 else -1)
    hsv[..., 0] = (hsv[..., 0].astype(int) + shift) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


def _tone(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Saturation 0.4-1.6, brightness 0.75-1.25, contrast 0.75-1.3 and a warm or cool cast of up to 20."""
    out = ImageEnhance.Color(img).enhance(rng.uniform(0.4, 1.6))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.75, 1.25))
    out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.75, 1.3))
    cast = rng.integers(-20, 21)
    a = np.asarray(out, np.int16) + np.array([cast, 0, -cast], np.int16)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _mirror(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose(Image.FLIP_LEFT_RIGHT)


def _turn(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A 90 or 270 degree turn."""
    return img.transpose(Image.ROTATE_90 if rng.random() < 0.5 else Image.ROTATE_270)


def _recompress(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Downscaled to 35-65 %, then JPEG twice (quality 45-75, then 35-65)."""
    f = rng.uniform(0.35, 0.65)
    out = img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.BILINEAR)
    for q in (int(rng.integers(45, 76)), int(rng.integers(35, 66))):
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=q)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out


def _rotate(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Rotated 5-15 degrees either way over the background (the canvas grows to hold it)."""
    angle = rng.uniform(5, 15) * (1 if rng.random() < 0.5 else -1)
    turned = img.convert("RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
    stage = _cover(bg, turned.size)
    stage.paste(turned, (0, 0), turned)
    return stage


def _caption(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A caption band over 22-38 % of the height at the top or bottom: a solid or 80 % opaque colour, zh-TW text."""
    out = img.copy()
    band = int(img.height * rng.uniform(0.22, 0.38))
    y0 = 0 if rng.random() < 0.4 else img.height - band
    colour = _pick(rng, ((20, 20, 24), (250, 250, 250), (220, 40, 60), (250, 200, 40)))
    layer = Image.new("RGB", (img.width, band), colour)
    region = out.crop((0, y0, img.width, y0 + band))
    out.paste(Image.blend(region, layer, 1.0 if rng.random() < 0.5 else 0.8), (0, y0))
    d = ImageDraw.Draw(out)
    ink = (255, 255, 255) if sum(colour) < 400 else (20, 20, 24)
    _centred(
        d, (img.width / 2, y0 + band / 2), _pick(rng, CAPTIONS), "noto", band * 0.45, img.width * 0.9, ink
    )
    return out


def _sticker(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A sticker over part of the copy: a round "HOT" / price sticker or a star burst, 30-45 % of the shorter
    side across, with a white die-cut edge, somewhere over the copy."""
    out = img.copy()
    side = int(min(img.size) * rng.uniform(0.3, 0.45))
    sticker = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(sticker)
    colour = _pick(rng, ((240, 60, 60), (250, 190, 30), (40, 160, 230), (120, 200, 80)))
    c = side / 2
    if rng.random() < 0.5:
        d.ellipse([0, 0, side - 1, side - 1], fill=(255, 255, 255, 255))
        d.ellipse([side * 0.06, side * 0.06, side * 0.94, side * 0.94], fill=colour + (255,))
    else:
        pts = [(c + (c if k % 2 == 0 else c * 0.72) * np.cos(np.pi * k / 12),
                c + (c if k % 2 == 0 else c * 0.72) * np.sin(np.pi * k / 12)) for k in range(24)]  # fmt: skip
        d.polygon(pts, fill=colour + (255,), outline=(255, 255, 255, 255))
    _centred(d, (c, c), _pick(rng, ("HOT", "SALE", "限定", "-30%", "NT$ 99", "新品")), "noto", side * 0.3, side * 0.7,
             (255, 255, 255, 255))  # fmt: skip
    sticker = sticker.rotate(rng.uniform(-20, 20), resample=Image.BICUBIC)
    x = int(rng.uniform(0, img.width - side))
    y = int(rng.uniform(0, img.height - side))
    out.paste(sticker, (x, y), sticker)
    return out


def _crop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A crop keeping 55-75 % of the width and of the height (so 44-70 % of the area), placed anywhere."""
    fw, fh = rng.uniform(0.55, 0.75), rng.uniform(0.55, 0.75)
    cw, ch = int(img.width * fw), int(img.height * fh)
    x, y = int(rng.integers(0, img.width - cw + 1)), int(rng.integers(0, img.height - ch + 1))
    return img.crop((x, y, x + cw, y + ch))


def _frame(bg: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A 1080x1920 ad frame: the background, a headline up top, a CTA pill at the bottom."""
    frame = _cover(bg, (1080, 1920))
    d = ImageDraw.Draw(frame)
    _centred(d, (540, 360), _pick(rng, PROMO_HEADS), "noto", 120, 940, (255, 255, 255), stroke_width=5,
             stroke_fill=(20, 20, 20))  # fmt: skip
    d.rounded_rectangle([300, 1620, 780, 1730], radius=55, fill=_pick(rng, ((250, 250, 250), (240, 70, 70))))
    _centred(d, (540, 1675), _pick(rng, CTAS), "noto", 52, 420, (30, 30, 30))
    return frame


def _corner(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy at 120-180 px (its longer side) in a corner of a 1080x1920 ad frame."""
    frame = _frame(bg, rng)
    f = rng.uniform(120, 180) / max(img.size)
    small = img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.LANCZOS)
    mx, my = int(rng.integers(24, 80)), int(rng.integers(30, 160))
    x = mx if rng.random() < 0.5 else 1080 - small.width - mx
    y = my if rng.random() < 0.5 else 1920 - small.height - my
    frame.paste(small, (x, y))
    return frame


def _photo_card(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The ad's photo card: a blurred, darkened stage from the background, the copy at 60-80 % of the width in a
    rounded white card with a soft shadow, a price line under it, a headline and a CTA."""
    stage = ImageEnhance.Brightness(_cover(bg, (1080, 1920)).filter(ImageFilter.GaussianBlur(18))).enhance(
        rng.uniform(0.55, 0.85))  # fmt: skip
    width = int(1080 * rng.uniform(0.6, 0.8))
    height = max(8, int(img.height * width / img.width))
    if height > 1000:
        width, height = max(8, int(width * 1000 / height)), 1000
    pad = 28
    card = Image.new("RGBA", (width + 2 * pad, height + 2 * pad + 110), (0, 0, 0, 0))
    cd = ImageDraw.Draw(card)
    cd.rounded_rectangle([0, 0, card.width - 1, card.height - 1], radius=36, fill=(255, 255, 255, 255))
    card.paste(img.resize((width, height), Image.BILINEAR), (pad, pad))
    _centred(cd, (card.width / 2, height + 2 * pad + 45), _pick(rng, PRICES), "DejaVuSans-Bold.ttf", 60,
             card.width * 0.8, (220, 40, 50))  # fmt: skip
    shadow = Image.new("RGBA", card.size, (0, 0, 0, 0))
    shadow.putalpha(card.getchannel("A").point(lambda v: v * 0.5).filter(ImageFilter.GaussianBlur(18)))
    x = (1080 - card.width) // 2
    y = int(rng.integers(420, max(421, 1560 - card.height)))
    stage.paste(shadow, (x + 12, y + 22), shadow)
    stage.paste(card, (x, y), card)
    d = ImageDraw.Draw(stage)
    _centred(d, (540, 240), _pick(rng, PROMO_HEADS), "noto", 110, 920, (255, 255, 255), stroke_width=4,
             stroke_fill=(20, 20, 20))  # fmt: skip
    d.rounded_rectangle([290, 1740, 790, 1850], radius=55, fill=(255, 214, 60))
    _centred(d, (540, 1795), _pick(rng, CTAS), "noto", 52, 440, (30, 30, 30))
    return stage


def _backdrop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy blurred (radius 20-45) and dimmed to 45-70 % filling 1080x1920, the sharp copy at 80-95 % of the
    width centred at 35-55 % of the height, a caption line near the bottom."""
    back = _cover(img, (1080, 1920)).filter(ImageFilter.GaussianBlur(float(rng.uniform(20, 45))))
    back = ImageEnhance.Brightness(back).enhance(rng.uniform(0.45, 0.7))
    width = int(1080 * rng.uniform(0.8, 0.95))
    front = img.resize((width, max(8, int(img.height * width / img.width))), Image.BILINEAR)
    if front.height > 1400:
        front = front.resize((max(8, int(front.width * 1400 / front.height)), 1400), Image.BILINEAR)
    y = int(np.clip(1920 * rng.uniform(0.35, 0.55) - front.height / 2, 0, 1920 - front.height))
    back.paste(front, ((1080 - front.width) // 2, y))
    _centred(ImageDraw.Draw(back), (540, 1780), _pick(rng, CAPTIONS), "noto", 62, 960, (255, 255, 255),
             stroke_width=4, stroke_fill=(20, 20, 20))  # fmt: skip
    return back


EDITS: dict[str, Edit] = {
    "hue_30-160deg": _hue,
    "tone_cast": _tone,
    "mirror": _mirror,
    "turn_90": _turn,
    "recompress_35-65": _recompress,
    "rotate_5-15deg": _rotate,
    "caption_22-38": _caption,
    "sticker_over": _sticker,
    "crop_55-75": _crop,
    "corner_120-180px": _corner,
    "photo_card": _photo_card,
    "blurred_backdrop": _backdrop,
}
MILD = ("hue_30-160deg", "tone_cast", "mirror", "turn_90", "recompress_35-65")
FLASH_EDITS = ("flash_cut_0.3s", "flash_fade_0.4s")  # ``render_flash``, one clip seed drawn per clip


def render_flash(img: Image.Image, bg: Image.Image, path: Path, seed: int, *, fade: bool, seconds: float = 3.0,
                 fps: int = 30, size: tuple[int, int] = (1080, 1920)) -> Path:  # fmt: skip
    """A ``size`` (1080x1920) H.264 clip zooming slowly (100 -> 112 %) into ``bg``, with the copy at 45-70 % of
    the width somewhere in the frame for 0.3 s (hard cut: 9 frames at 30 fps) or faded in and out over 0.4 s,
    starting at 0.6-2.1 s. Every random choice comes from ``seed``."""
    from studio.media import ffmpeg_exe

    w, h = size
    rng = np.random.default_rng(seed)
    big = _cover(bg, (int(w * 1.12) + 2, int(h * 1.12) + 2))
    scale = rng.uniform(0.45, 0.7) * w / img.width
    if img.height * scale > h * 0.7:
        scale = h * 0.7 / img.height
    small = np.asarray(img.resize((max(2, int(img.width * scale)), max(2, int(img.height * scale))),
                                  Image.BILINEAR), np.float32)  # fmt: skip
    sy, sx = small.shape[:2]
    x, y = int(rng.integers(0, w - sx + 1)), int(rng.integers(0, h - sy + 1))
    start = rng.uniform(0.6, 2.1)
    frames = round(seconds * fps)
    first = round(start * fps)
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r",
         str(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "24", "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    for k in range(frames):
        zoom = 1.12 - 0.12 * (1 - k / max(1, frames - 1))  # 1.0 -> 1.12 of the frame: the crop shrinks
        cw, ch = int(big.width / zoom), int(big.height / zoom)
        left, top = (big.width - cw) // 2, (big.height - ch) // 2
        frame = np.asarray(
            big.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR), np.float32
        )
        if fade:
            n = round(0.4 * fps)
            alpha = 1 - abs(2 * (k - first + 0.5) / n - 1) if first <= k < first + n else 0.0
        else:
            alpha = 1.0 if first <= k < first + round(0.3 * fps) else 0.0
        if alpha > 0:
            frame = frame.copy()
            frame[y : y + sy, x : x + sx] = frame[y : y + sy, x : x + sx] * (1 - alpha) + small * alpha
        proc.stdin.write(np.clip(frame, 0, 255).astype(np.uint8).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed writing {path}")
    return path


# -- the references ----------------------------------------------------------------------------------------------
def _ref_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    """(name, maker) of the 24 procedural references: motif index k (0-2) and the reference words."""
    s = REF_SEEDS
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    for k in range(3):
        specs += [
            (f"f4-ref-neon:{s['neon'][k]}", lambda k=k: neon_sign(s["neon"][k], REF_WORDS[k], k)),
            (
                f"f4-ref-papercut:{s['papercut'][k]}",
                lambda k=k: paper_cut(s["papercut"][k], REF_SYMBOLS[k], k),
            ),
            (f"f4-ref-porcelain:{s['porcelain'][k]}", lambda k=k: porcelain(s["porcelain"][k], k)),
            (f"f4-ref-patch:{s['patch'][k]}", lambda k=k: patch(s["patch"][k], REF_WORDS[3 + k], k)),
            (f"f4-ref-kraft:{s['kraft'][k]}", lambda k=k: kraft_label(s["kraft"][k], REF_WORDS[6 + k])),
            (f"f4-ref-iso:{s['iso'][k]}", lambda k=k: isometric(s["iso"][k])),
            (
                f"f4-ref-brush:{s['brush'][k]}",
                lambda k=k: brush_mark(s["brush"][k], REF_WORDS[9 + k], k),
            ),
            (f"f4-ref-mesh:{s['mesh'][k]}", lambda k=k: mesh_logo(s["mesh"][k], REF_WORDS[12 + k])),
        ]
    return specs


def references(shared: Path | None, cache: Path | None = None) -> list[Item]:
    """The fresh4 protected references: 24 procedural ones (3 of each of 8 kinds) and, with ``shared``, 4 plush
    photos and 2 lego renders (read at run time, never stored): 30 in all; interleaved by kind."""
    items = []
    if shared is not None and (shared / "plush_photos").is_dir():
        plush = sorted((shared / "plush_photos").glob("*.jpg"))
        items += [Item(f"f4-ref-plush:{plush[k].stem}", data._rgb(Image.open(plush[k]))) for k in PLUSH]
    if shared is not None and (shared / "nerf_lego" / "train").is_dir():
        lego = sorted((shared / "nerf_lego" / "train").glob("*.png"), key=lambda p: int(p.stem.split("_")[1]))
        items += [Item(f"f4-ref-lego:{lego[k].stem}", data._rgb(Image.open(lego[k]))) for k in LEGO]
    items += [Item(name, make()) for name, make in _ref_specs()]
    return data.interleave_by_kind(items)  # the first VIDEO_REFS get the flash clips


# -- the look-alikes ----------------------------------------------------------------------------------------------
def _look_motif(seed: int, kinds: int) -> int:
    """A look-alike's motif: never 0-2 (the references')."""
    return 3 + seed % (kinds - 3)


def _look_word(seed: int) -> str:
    return LOOK_WORDS[seed % len(LOOK_WORDS)]


def _mark(seed: int) -> Image.Image:
    """An unrelated picture for the layout look-alikes: one of the eight generators as a look-alike."""
    kind = KINDS[seed % len(KINDS)]
    return _GENERATORS[kind](seed)


_GENERATORS: dict[str, Callable[[int], Image.Image]] = {
    "neon": lambda s: neon_sign(s, _look_word(s), _look_motif(s, len(NEON_MOTIFS))),
    "papercut": lambda s: paper_cut(s, LOOK_SYMBOLS[s % len(LOOK_SYMBOLS)], _look_motif(s, len(CUT_FOLDS))),
    "porcelain": lambda s: porcelain(s, _look_motif(s, len(PLATE_MOTIFS))),
    "patch": lambda s: patch(s, _look_word(s), _look_motif(s, len(PATCH_SHAPES))),
    "kraft": lambda s: kraft_label(s, _look_word(s)),
    "iso": isometric,
    "brush": lambda s: brush_mark(s, _look_word(s), _look_motif(s, len(BRUSH_MOTIFS))),
    "mesh": lambda s: mesh_logo(s, _look_word(s)),
}


def _layout(seed: int, kind: str) -> Image.Image:
    """The edits' own layouts around an unrelated picture (a look-alike mark, or a background)."""
    rng = np.random.default_rng(seed)
    picture = _mark(seed + 100) if seed % 4 else (wall(seed + 200) if seed % 8 else desk(seed + 200))
    bg = wall(seed + 300) if seed % 2 else desk(seed + 300)
    if kind == "caption":
        return _caption(picture, rng, bg)
    if kind == "card":
        return _backdrop(picture, rng, bg) if seed % 3 == 0 else _photo_card(picture, rng, bg)
    return _corner(_mark(seed + 100), rng, bg)


FAMILIES = (*KINDS, "promo", "price", "flat", "caption", "card", "corner")


def lookalike_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    """(name, maker) of every look-alike, in order; cheap: nothing is drawn until a maker is called."""
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    makers: dict[str, Callable[[int], Image.Image]] = {
        **_GENERATORS, "promo": promo_card, "price": price_tag, "flat": flat_card,
        "caption": lambda s: _layout(s, "caption"), "card": lambda s: _layout(s, "card"),
        "corner": lambda s: _layout(s, "corner"),
    }  # fmt: skip
    for f, family in enumerate(FAMILIES):
        for k in range(PER_FAMILY):
            seed = LOOKALIKE_BASE + 1000 * f + k
            specs.append((f"f4-{family}:{k}", lambda s=seed, m=makers[family]: m(s)))
    return specs


def lookalikes(cache: Path | None = None) -> list[Item]:
    """The 308 fresh4 look-alikes (22 per family), in ``lookalike_specs`` order."""
    return [Item(name, make()) for name, make in lookalike_specs()]
