"""A sixth fresh held-out set for the visual near-copy benchmark (fresh6; ``compliance_visual.py --fresh6``).

Written by someone who had not read how the screen works (nothing under ``studio/compliance``, nor its tests, nor
the fourth and fifth set modules, nor the benchmark's visual sections of bench/README.md), and never screened
while it was made: only rendered and looked at. Not yet scored. Everything is procedural and seeded (PIL + numpy,
the system's DejaVu fonts and the Noto Sans TC the studio ships); the product photos are read from
``shared/data`` at run time and never stored.

References (29 with ``shared``, 24 without), eight kinds no earlier set had, 3 of each:
    embroidered patches on denim (satin fill, merrowed edge, a stitched motif and a word), risograph two-colour
    prints (misregistered inks that multiply, grain, a title), isometric room illustrations (no text), Memphis
    pattern posters (squiggles, confetti, a headline box), festival lanterns at night (ribs, gold caps, tassels,
    glow, characters on the paper), bento boxes seen from above (no text), event tickets with a stub, perforation
    and barcode, and record sleeves with the disc sliding out; and 2 plush photos and 3 lego renders at positions
    no earlier set used (four plush positions 3+ away from all earlier ones were not left).

Edits (``EDITS``, written for this set): MILD: hue rotations, colour grades (split toning, warm / cold / faded
filters), mirror, 5-20 degree rotations over a background, quarter turns, downscale + double JPEG. HARD: caption
bands and lower thirds over 15-35 % of the height, stickers / emoji / price tags over 8-20 % of the area, crops
keeping 55-75 % of the area, the copy at 110-200 px in a corner of a 1080x1920 ad, a print photographed at an
angle (one side 75-92 % of the other) over a background, photo cards on a coloured ad page, a 9:16 blurred
backdrop of the copy itself, split screens with another picture, carousels / grids with other pictures, a
product-on-shelf mock-up, a rounded-corner mask with a vignette in a frame, and a screenshot of a social post
with its UI chrome. Flash clips (``FLASH_EDITS``, ``render_flash``): a 0.3 s hard cut and a 0.4 s fade of the copy
inside a 3 s 1080x1920 clip drifting diagonally over a background, on the first ``VIDEO_REFS`` references.

Look-alikes (320, 20 per family in 16 families; none contains a reference): the eight generators with other seeds,
designs (palette and layout) no reference has and disjoint words; promo cards; flat colour cards with white text;
and the edits' own layouts (photo card, blurred backdrop, split, grid, corner, caption) around unrelated
pictures (look-alike generator pictures or backgrounds). Names are ``f6-<family>:<k>``.

Seeds (a new range): generators 900000-959999, edits ``EDIT_SEED`` + seed.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import compliance_visual_data as data
import numpy as np
from compliance_visual_data import Item
from compliance_visual_fresh3 import _contrast, _font, _jitter, _luma, _pick, _rgb
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

EDIT_SEED = 96600  # the edits: np.random.default_rng(EDIT_SEED + seed)
VIDEO_REFS = 10  # the first references (interleaved kinds) get the two flash clips

KINDS = ("patch", "riso", "iso", "memphis", "lantern", "bento", "ticket", "vinyl")
REF_SEEDS = {kind: range(900000 + 1000 * k, 900000 + 1000 * k + 3) for k, kind in enumerate(KINDS)}
PLUSH = (
    61,
    89,
)  # sorted positions (of 97 photos), each 3+ away from every earlier set's (fresh 5 15 25 45 55
# 65 85; fresh2 2 33 40 72 94; fresh3 12 20 58 80; fresh5 9 36 51 77; fresh4's, unread, checked by the test only):
# only 61-62 and 88-91 were left, and neighbouring photos are near views of one plush, so two, not four
LEGO = (
    5,
    43,
    77,
)  # sorted by number (fresh 10 50 90; fresh2 30 70; fresh3 20 60; fresh5 37 83); a third lego
# render stands in for the missing plush photos
KITCHENS = range(910000, 910008)  # backgrounds of the edits
NIGHTS = range(911000, 911008)
SHELVES = range(912000, 912008)
LOOKALIKE_BASE = 930000  # family k's seeds start at LOOKALIKE_BASE + 1000 * k
PER_FAMILY = 20

LATIN_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerifCondensed-Bold.ttf",
)

# palettes (paper, primary, secondary, accent, ink), shared by references and look-alikes
PALETTES = (
    ((244, 236, 220), (226, 60, 110), (40, 110, 200), (250, 200, 60), (30, 30, 50)),  # riso pink + blue
    ((250, 246, 232), (240, 120, 40), (20, 140, 130), (250, 220, 120), (40, 30, 30)),  # orange + teal
    ((236, 240, 248), (120, 80, 200), (250, 150, 170), (80, 200, 170), (30, 24, 56)),
    ((252, 240, 228), (200, 40, 40), (230, 170, 30), (40, 90, 60), (50, 20, 16)),  # lantern red + gold
    ((232, 244, 236), (30, 130, 90), (250, 120, 90), (240, 220, 90), (20, 50, 40)),
    ((30, 28, 44), (250, 90, 130), (80, 210, 240), (250, 230, 90), (246, 246, 250)),  # night
    ((246, 232, 210), (120, 70, 40), (210, 150, 90), (90, 130, 170), (50, 34, 24)),
    ((255, 250, 240), (40, 60, 140), (240, 90, 70), (130, 200, 220), (20, 24, 50)),
    ((240, 230, 244), (160, 40, 110), (250, 180, 80), (60, 150, 110), (50, 20, 40)),
    ((228, 238, 232), (60, 80, 70), (200, 90, 60), (230, 200, 160), (20, 30, 26)),
)

# word pools: references draw from REF_ ones, look-alikes from LOOK_ ones (disjoint)
REF_ZH = ("鹿港燈會", "阿里山茶", "府城便當", "淡水夜曲", "九份茶坊", "宜蘭米香")
REF_LATIN = ("MOONBEAM", "Riverside", "KITE CLUB", "Nova Tapes", "PAPAYA", "Ember")
REF_TICKETS = (("鹿港燈會", "A-12"), ("NIGHT BLOOM FEST", "C-07"), ("淡水夜曲", "B-21"))
LOOK_ZH = (
    "台南祭典", "恆春音樂", "北投溫泉", "大稻埕節", "花蓮海岸", "新竹米粉", "嘉義雞飯", "澎湖花火", "三峽藍染",
    "美濃紙傘", "平溪天燈", "關山便當", "旗津渡輪", "礁溪冬山", "苗栗客庄", "彰化肉圓",
)  # fmt: skip
LOOK_LATIN = (
    "SUNDIAL", "Harbour", "BLOOM BOX", "Velvet", "ORCHID", "Tidal", "NEON KOI", "Saffron", "COMET", "Willow",
    "RADAR", "Juniper", "PRISM", "Marigold", "ATLAS", "Pebble",
)  # fmt: skip
CAPTIONS = (
    "限時 48 小時 全站 79 折",
    "訂閱頻道 追蹤更多",
    "秋季新品 AUTUMN DROP",
    "滿千免運 FREE SHIPPING",
    "獨家聯名 COLLAB",
    "今晚 8 點 直播開賣",
)
PROMO_HEAD = ("中秋禮盒", "週末快閃", "春節特輯", "母親節限定", "跨年倒數", "會員日", "清倉出清", "新店開幕")
PROMO_SUB = (
    "任選 2 件 88 折",
    "滿 1,500 折 150",
    "加 1 元多 1 件",
    "消費送抽獎券",
    "首購享 9 折",
    "限量 100 份",
)
PROMO_LATIN = ("FLASH SALE", "NEW ARRIVAL", "LIMITED", "TODAY ONLY", "SHOP NOW")
CTA = ("立即搶購", "了解更多", "加入購物車", "BUY NOW", "立即預訂")
PRICES = ("NT$ 149", "NT$ 980", "NT$ 39", "$ 420", "NT$ 1,590", "NT$ 66")
HANDLES = ("@daily.taipei", "@shop_formosa", "@lulu.makes", "@kaohsiung.eats", "@studio.tw")


# -- helpers -----------------------------------------------------------------------------------------------------


def _has_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


def _word_font(text: str, rng: np.random.Generator) -> str:
    return "noto-bold" if _has_cjk(text) else _pick(rng, LATIN_FONTS)


def _fit(draw: ImageDraw.ImageDraw, text: str, name: str, size: float, width: float):
    font = _font(name, size)
    box = draw.textbbox((0, 0), text, font=font)
    if box[2] - box[0] > width:
        font = _font(name, size * width / (box[2] - box[0]))
    return font


def _text_at(draw: ImageDraw.ImageDraw, centre, text: str, font, fill, *, outline: int = 0) -> None:
    box = draw.textbbox((0, 0), text, font=font, stroke_width=outline)
    xy = (centre[0] - (box[0] + box[2]) / 2, centre[1] - (box[1] + box[3]) / 2)
    draw.text(xy, text, font=font, fill=fill, stroke_width=outline, stroke_fill=(20, 20, 24))


def _grain(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    array = np.asarray(image, dtype=np.float32) + rng.normal(0, sigma, (image.height, image.width, 1))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def _gradient(size, a, b, *, angle: float = 90.0) -> Image.Image:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = xx * np.cos(np.radians(angle)) + yy * np.sin(np.radians(angle))
    t = ((d - d.min()) / max(1e-6, float(d.max() - d.min())))[..., None]
    return Image.fromarray((np.array(a) * (1 - t) + np.array(b) * t).astype(np.uint8))


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    return data._cover(img, size)


def _contain(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``img`` scaled to fit inside ``size`` (aspect kept)."""
    f = min(size[0] / img.width, size[1] / img.height)
    return img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.BILINEAR)


def _soft_blur(img: Image.Image, radius: float) -> Image.Image:
    """A cheap wide blur: a quarter-size blur scaled back up."""
    small = img.resize((max(8, img.width // 4), max(8, img.height // 4)), Image.BILINEAR)
    return small.filter(ImageFilter.GaussianBlur(radius / 4)).resize(img.size, Image.BILINEAR)


def _design(rng: np.random.Generator, kinds: int) -> tuple[int, int]:
    """The first two draws of every generator: palette index and layout variant."""
    return int(rng.integers(len(PALETTES))), int(rng.integers(kinds))


def seeds_off(base: int, n: int, kinds: int, taken) -> list[int]:
    """The first ``n`` seeds from ``base`` whose design (palette, variant) none of the ``taken`` seeds has."""
    used = {_design(np.random.default_rng(s), kinds) for s in taken}
    out, s = [], base
    while len(out) < n:
        if _design(np.random.default_rng(s), kinds) not in used:
            out.append(s)
        s += 1
    return out


# -- 1. embroidered patches ----------------------------------------------------------------------------------------
PATCH_SHAPES = 4


def _denim(size, rng: np.random.Generator) -> Image.Image:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array(_jitter((60, 86, 130), rng, 14), np.float32)
    twill = np.sin((xx + yy) * 1.4) * 10 + np.sin(xx * 0.35) * 3
    array = base + twill[..., None] + rng.normal(0, 7, (h, w, 1))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def _shape_poly(shape: int, cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    if shape == 0:  # circle
        return [
            (cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 90, endpoint=False)
        ]
    if shape == 1:  # shield
        return [(cx - r, cy - r * 0.8), (cx + r, cy - r * 0.8), (cx + r, cy + r * 0.1), (cx, cy + r),
                (cx - r, cy + r * 0.1)]  # fmt: skip
    if shape == 2:  # hexagon
        return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(np.pi / 6, 2 * np.pi + np.pi / 6, 6,
                                                                             endpoint=False)]  # fmt: skip
    return [
        (cx - r, cy - r * 0.62),
        (cx + r, cy - r * 0.62),
        (cx + r, cy + r * 0.62),
        (cx - r, cy + r * 0.62),
    ]


def embroidered_patch(seed: int, word: str) -> Image.Image:
    """A stitched patch on denim: satin-stitch fill, a thick merrowed border with stitch ticks, a motif (a
    mountain with a sun, a star, waves or a flower) in thread lines, the word on a band; 640 x 640."""
    rng = np.random.default_rng(seed)
    pal, shape = _design(rng, PATCH_SHAPES)
    paper, primary, secondary, accent, ink = PALETTES[pal]
    s = 640
    image = _denim((s, s), rng)
    cx, cy, r = s / 2 + rng.uniform(-15, 15), s / 2 + rng.uniform(-15, 15), s * rng.uniform(0.36, 0.42)
    fill = _jitter(_pick(rng, (primary, ink, secondary)), rng, 10)
    layer = Image.new("RGB", (s, s), fill)
    ld = ImageDraw.Draw(layer)
    angle = rng.uniform(0, np.pi)
    for t in np.arange(-s, s, 4):  # satin stitch lines
        dx, dy = np.cos(angle) * s, np.sin(angle) * s
        ox, oy = -np.sin(angle) * t + s / 2, np.cos(angle) * t + s / 2
        ld.line([(ox - dx, oy - dy), (ox + dx, oy + dy)], fill=_jitter(fill, rng, 14), width=2)
    motif = int(rng.integers(4))
    thread = _contrast(fill, accent, paper, secondary)
    w = int(rng.integers(7, 12))
    my = cy - r * 0.15
    if motif == 0:
        ld.line([(cx - r * 0.6, my + r * 0.3), (cx - r * 0.15, my - r * 0.35), (cx + r * 0.1, my),
                 (cx + r * 0.3, my - r * 0.2), (cx + r * 0.6, my + r * 0.3)], fill=thread, width=w, joint="curve")  # fmt: skip
        ld.ellipse([cx + r * 0.15, my - r * 0.65, cx + r * 0.45, my - r * 0.35], outline=accent, width=w)
    elif motif == 1:
        pts = [(cx + (r * 0.5 if k % 2 == 0 else r * 0.22) * np.cos(np.pi * k / 5 - np.pi / 2),
                my + (r * 0.5 if k % 2 == 0 else r * 0.22) * np.sin(np.pi * k / 5 - np.pi / 2)) for k in range(10)]  # fmt: skip
        ld.polygon(pts, fill=thread, outline=_contrast(thread), width=3)
    elif motif == 2:
        for k in range(3):
            yk = my - r * 0.3 + k * r * 0.25
            ld.line([(cx - r * 0.6 + i * r * 0.06, yk + np.sin(i * 0.9 + k) * r * 0.06) for i in range(21)],
                    fill=thread, width=w)  # fmt: skip
    else:
        for k in range(6):
            a = k * np.pi / 3
            px, py = cx + np.cos(a) * r * 0.25, my + np.sin(a) * r * 0.25
            ld.ellipse([px - r * 0.17, py - r * 0.17, px + r * 0.17, py + r * 0.17], fill=thread)
        ld.ellipse([cx - r * 0.14, my - r * 0.14, cx + r * 0.14, my + r * 0.14], fill=accent)
    band_y = cy + r * 0.42
    band = _jitter(_contrast(fill, paper, accent), rng, 8)
    ld.rectangle([cx - r * 0.8, band_y - r * 0.16, cx + r * 0.8, band_y + r * 0.16], fill=band)
    font = _fit(ld, word, _word_font(word, rng), r * 0.24, r * 1.45)
    _text_at(ld, (cx, band_y), word, font, _contrast(band, ink, fill))
    poly = _shape_poly(shape, cx, cy, r)
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).polygon(poly, fill=255)
    shadow = mask.filter(ImageFilter.GaussianBlur(8))
    image.paste((20, 24, 40), (6, 8), shadow.point(lambda v: v * 0.6))
    image.paste(layer, (0, 0), mask)
    border = _jitter(_pick(rng, (accent, ink, paper)), rng, 10)
    d = ImageDraw.Draw(image)
    d.line([*poly, poly[0]], fill=border, width=int(r * 0.09), joint="curve")
    for k in range(len(poly)):  # stitch ticks across the border
        a, b = np.array(poly[k]), np.array(poly[(k + 1) % len(poly)])
        n = max(2, int(np.linalg.norm(b - a) / 9))
        for t in np.linspace(0, 1, n, endpoint=False):
            p = a + (b - a) * t
            v = p - np.array((cx, cy))
            v = v / max(1e-6, np.linalg.norm(v)) * r * 0.045
            d.line([tuple(p - v), tuple(p + v)], fill=_jitter(border, rng, 30), width=2)
    return image


# -- 2. risograph two-colour prints --------------------------------------------------------------------------------
RISO_LAYOUTS = 4


def riso_print(seed: int, title: str) -> Image.Image:
    """Two inks that multiply on cream paper, the second one 3-9 px out of register, with dot grain and a title
    in one ink; layouts: sun over hills, stacked circles, stripes and a figure-like arch, a dot grid; 600 x 800."""
    rng = np.random.default_rng(seed)
    pal, layout = _design(rng, RISO_LAYOUTS)
    paper, primary, secondary, _accent, _ink = PALETTES[pal]
    w, h = 600, 800
    layers = [Image.new("L", (w, h), 0), Image.new("L", (w, h), 0)]
    a, b = (ImageDraw.Draw(x) for x in layers)
    if layout == 0:
        r = rng.uniform(90, 140)
        cx = rng.uniform(180, 420)
        a.ellipse([cx - r, 160, cx + r, 160 + 2 * r], fill=230)
        for k in range(3):
            y = 380 + k * 70
            b.polygon([(0, h), (0, y + rng.uniform(-30, 30)), (w * rng.uniform(0.3, 0.7), y - 80),
                       (w, y + rng.uniform(-30, 30)), (w, h)], fill=120 + 45 * k)  # fmt: skip
    elif layout == 1:
        for k in range(int(rng.integers(4, 7))):
            r = rng.uniform(50, 130)
            x, y = rng.uniform(100, 500), rng.uniform(120, 560)
            (a if k % 2 else b).ellipse([x - r, y - r, x + r, y + r], fill=int(rng.integers(140, 256)))
    elif layout == 2:
        for k in range(int(rng.integers(6, 11))):
            y = 80 + k * rng.uniform(40, 60)
            a.rectangle([0, y, w, y + rng.uniform(12, 26)], fill=200)
        x = rng.uniform(200, 400)
        b.rounded_rectangle([x - 110, 200, x + 110, 640], radius=110, fill=230)
        b.ellipse([x - 60, 120, x + 60, 240], fill=230)
    else:
        step = rng.uniform(38, 60)
        for y in np.arange(60, 640, step):
            for x in np.arange(40, w - 20, step):
                r = step * 0.42 * (0.4 + 0.6 * abs(np.sin(x / 90 + y / 120 + seed % 7)))
                a.ellipse([x - r, y - r, x + r, y + r], fill=255)
        b.polygon([(w * rng.uniform(0, 0.4), 640), (w * rng.uniform(0.4, 0.6), 120), (w * rng.uniform(0.6, 1), 640)],
                  fill=190)  # fmt: skip
    font = _fit(a, title, _word_font(title, rng), 88, 520)
    ld = a if rng.random() < 0.5 else b
    ld.text((40, 672), title, font=font, fill=255)
    shift = (int(rng.integers(3, 10)) * (1 if rng.random() < 0.5 else -1), int(rng.integers(-6, 7)))
    layers[1] = ImageChops.offset(layers[1], *shift)
    canvas = np.ones((h, w, 3), np.float32) * np.array(paper, np.float32) / 255
    for layer, colour in zip(layers, (primary, secondary)):
        m = np.asarray(layer, np.float32)[..., None] / 255
        dots = rng.random((h, w, 1)) < 0.88
        m = m * dots
        canvas *= 1 - m * (1 - np.array(colour, np.float32) / 255)
    out = Image.fromarray((np.clip(canvas, 0, 1) * 255).astype(np.uint8))
    return _grain(out, rng, 5)


# -- 3. isometric rooms ------------------------------------------------------------------------------------------
ISO_ROOMS = 3


def _iso_box(draw: ImageDraw.ImageDraw, o, u: float, size, colour, *, top=None) -> None:
    """An isometric box with its near-bottom corner ``o`` (x right-down, y left-down, z up in units of ``u``)."""
    x, y, z = size
    ex, ey = (
        np.array((np.cos(np.pi / 6), np.sin(np.pi / 6))) * u,
        np.array((-np.cos(np.pi / 6), np.sin(np.pi / 6))) * u,
    )
    ez = np.array((0, -u))
    o = np.array(o, np.float32)

    def p(a, b, c):
        return tuple(o + ex * a + ey * b + ez * c)

    c = np.array(colour, np.float32)
    draw.polygon([p(0, 0, 0), p(x, 0, 0), p(x, 0, z), p(0, 0, z)], fill=_rgb(c * 0.82))  # right face (y=0)
    draw.polygon([p(0, 0, 0), p(0, y, 0), p(0, y, z), p(0, 0, z)], fill=_rgb(c * 0.66))  # left face (x=0)
    draw.polygon([p(0, 0, z), p(x, 0, z), p(x, y, z), p(0, y, z)], fill=_rgb(top if top is not None else c))


def isometric_room(seed: int) -> Image.Image:
    """An isometric room corner: floor diamond, two walls with a window and a frame, furniture boxes (bed, sofa,
    desk, shelf, counter...), a rug and a plant; no text; 700 x 700."""
    rng = np.random.default_rng(seed)
    pal, room = _design(rng, ISO_ROOMS)
    paper, primary, secondary, accent, ink = PALETTES[pal]
    s, u = 700, 34.0
    image = Image.new("RGB", (s, s), _jitter(paper, rng, 8))
    d = ImageDraw.Draw(image)
    n = 9
    ex, ey = (
        np.array((np.cos(np.pi / 6), np.sin(np.pi / 6))) * u,
        np.array((-np.cos(np.pi / 6), np.sin(np.pi / 6))) * u,
    )
    origin = np.array((s / 2, s * 0.3))  # the far corner of the floor

    def P(a, b, c=0.0):
        return tuple(origin + ex * a + ey * b + np.array((0, -u)) * c)

    wall_l, wall_r = _jitter(secondary, rng, 20), _jitter(secondary, rng, 20)
    floor = _jitter(_pick(rng, ((200, 160, 120), (170, 180, 190), accent)), rng, 14)
    h = 7
    d.polygon([P(0, 0), P(0, n), P(0, n, h), P(0, 0, h)], fill=_rgb(np.array(wall_l) * 0.85))
    d.polygon([P(0, 0), P(n, 0), P(n, 0, h), P(0, 0, h)], fill=wall_r)
    d.polygon([P(0, 0), P(n, 0), P(n, n), P(0, n)], fill=floor)
    for k in range(1, n):  # floor boards
        d.line([P(k, 0), P(k, n)], fill=_rgb(np.array(floor) * 0.9), width=1)
    wx = rng.uniform(2, 5)  # a window on the right wall
    d.polygon([P(wx, 0, 2.5), P(wx + 2.5, 0, 2.5), P(wx + 2.5, 0, 5.5), P(wx, 0, 5.5)], fill=(190, 225, 245))
    d.line([P(wx + 1.25, 0, 2.5), P(wx + 1.25, 0, 5.5)], fill=(250, 250, 250), width=4)
    fy = rng.uniform(2, 6)  # a frame on the left wall
    d.polygon(
        [P(0, fy, 3), P(0, fy + 1.8, 3), P(0, fy + 1.8, 5), P(0, fy, 5)], fill=_jitter(primary, rng, 20)
    )
    rug = _jitter(primary, rng, 30)
    rx, ry = rng.uniform(2.5, 4), rng.uniform(2.5, 4)
    d.polygon([P(rx, ry), P(rx + 3.5, ry), P(rx + 3.5, ry + 3), P(rx, ry + 3)], fill=rug)
    furniture = {
        0: [
            ((0.2, 0.3), (2.2, 3.6, 1.0), accent),
            ((0.2, 5.0), (1.2, 1.2, 1.6), primary),
        ],  # bed, night stand
        1: [((0.2, 0.3), (5.5, 1.3, 1.6), primary), ((0.2, 6.0), (1.3, 2.2, 3.2), ink)],  # counter, fridge
        2: [((0.2, 0.5), (3.0, 1.4, 1.4), ink), ((0.2, 6.2), (1.0, 2.4, 4.2), accent)],  # desk, shelf
    }[room]
    for (a, b), size, colour in sorted(furniture, key=lambda f: -(f[0][0] + f[0][1])):
        d_ = (a + rng.uniform(0, 0.6), b + rng.uniform(0, 0.6))
        _iso_box(d, P(d_[0], d_[1]), u, size, _jitter(colour, rng, 20))
    px, py = rng.uniform(6, 7.5), rng.uniform(6, 7.5)  # a plant
    _iso_box(d, P(px, py), u, (0.8, 0.8, 0.8), _jitter((200, 110, 70), rng, 20))
    top = np.array(P(px + 0.4, py + 0.4, 0.8))
    for k in range(7):
        a = k * np.pi / 3.5 + rng.uniform(-0.2, 0.2)
        tip = top + np.array((np.cos(a) * 40, -abs(np.sin(a)) * 55 - 20))
        d.line([tuple(top), tuple(tip)], fill=_jitter((50, 140, 70), rng, 20), width=9)
    return image


# -- 4. Memphis-pattern posters ----------------------------------------------------------------------------------
MEMPHIS_BOXES = 3


def memphis_poster(seed: int, headline: str) -> Image.Image:
    """A pastel field full of Memphis shapes (squiggles, triangles, dots, zigzags, rings, grids), a headline in a
    box (offset shadow, pill or tilted slab); 600 x 800."""
    rng = np.random.default_rng(seed)
    pal, box = _design(rng, MEMPHIS_BOXES)
    paper, primary, secondary, accent, ink = PALETTES[pal]
    w, h = 600, 800
    image = Image.new("RGB", (w, h), _jitter(paper, rng, 10))
    d = ImageDraw.Draw(image)
    colours = (primary, secondary, accent, ink)
    for _ in range(int(rng.integers(26, 40))):
        kind = int(rng.integers(6))
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(14, 46)
        c = _jitter(_pick(rng, colours), rng, 10)
        if kind == 0:
            d.line([(x + i * r * 0.25, y + np.sin(i * 1.3) * r * 0.35) for i in range(12)], fill=c, width=6)
        elif kind == 1:
            a = rng.uniform(0, 2 * np.pi)
            d.polygon(
                [(x + r * np.cos(a + k * 2.094), y + r * np.sin(a + k * 2.094)) for k in range(3)], fill=c
            )
        elif kind == 2:
            d.ellipse([x - r * 0.3, y - r * 0.3, x + r * 0.3, y + r * 0.3], fill=c)
        elif kind == 3:
            d.line([(x + i * r * 0.3, y + (i % 2) * r * 0.4) for i in range(8)], fill=c, width=5)
        elif kind == 4:
            d.ellipse([x - r, y - r, x + r, y + r], outline=c, width=7)
        else:
            for i in range(4):
                for j in range(4):
                    d.rectangle([x + i * 12, y + j * 12, x + i * 12 + 4, y + j * 12 + 4], fill=c)
    bw, bh = w * rng.uniform(0.72, 0.86), h * rng.uniform(0.2, 0.26)
    bx, by = (w - bw) / 2, h * rng.uniform(0.34, 0.5)
    slab = _jitter(_pick(rng, (primary, ink, secondary)), rng, 10)
    if box == 0:
        d.rectangle([bx + 14, by + 14, bx + bw + 14, by + bh + 14], fill=ink)
        d.rectangle([bx, by, bx + bw, by + bh], fill=slab)
    elif box == 1:
        d.rounded_rectangle([bx, by, bx + bw, by + bh], radius=int(bh / 2), fill=slab, outline=ink, width=6)
    else:
        t = bh * 0.25
        d.polygon([(bx, by + t), (bx + bw, by), (bx + bw, by + bh - t), (bx, by + bh)], fill=slab)
    font = _fit(d, headline, _word_font(headline, rng), bh * 0.5, bw * 0.86)
    _text_at(d, (w / 2, by + bh / 2), headline, font, _contrast(slab, paper, accent))
    small = _pick(rng, ("EST. 2026", "VOL. 3", "POP-UP", "No. 07"))
    d.text((30, h - 60), small, font=_font("DejaVuSansMono-Bold.ttf", 28), fill=_contrast(paper, ink))
    return image


# -- 5. festival lanterns ----------------------------------------------------------------------------------------
LANTERN_COUNTS = 3


def lantern_night(seed: int, word: str) -> Image.Image:
    """1-3 paper lanterns at night: a dark gradient, a string, ribbed ovals with gold caps and tassels, a warm
    glow, a character of ``word`` on each (vertical); 600 x 800."""
    rng = np.random.default_rng(seed)
    pal, count = _design(rng, LANTERN_COUNTS)
    _paper, primary, _secondary, _accent, _ink = PALETTES[pal]
    count += 1
    w, h = 600, 800
    image = _gradient((w, h), _jitter((20, 18, 44), rng, 12), _jitter((70, 30, 60), rng, 20))
    glow = Image.new("RGB", (w, h), (0, 0, 0))
    gd = ImageDraw.Draw(glow)
    d = ImageDraw.Draw(image)
    sag = rng.uniform(40, 90)
    d.line([(x, 70 + sag * np.sin(np.pi * x / w)) for x in range(0, w + 1, 20)], fill=(40, 36, 40), width=4)
    body = _jitter(_pick(rng, ((210, 40, 40), primary, (240, 140, 40))), rng, 14)
    chars = [ch for ch in word if _has_cjk(ch)] or list(word[:3])
    xs = [w * (k + 1) / (count + 1) for k in range(count)]
    lanterns = []
    for k, x in enumerate(xs):
        top = 70 + sag * np.sin(np.pi * x / w)
        lw, lh = w / (count + 1.4) * rng.uniform(0.8, 0.95), rng.uniform(260, 380) / (1 + 0.2 * (count - 1))
        y0 = top + 40
        gd.ellipse([x - lw, y0 - lh * 0.3, x + lw, y0 + lh * 1.3], fill=_rgb(np.array(body) * 0.8))
        lanterns.append((x, top, lw, lh, y0, chars[k % len(chars)]))
    glow = glow.filter(ImageFilter.GaussianBlur(50))
    image = ImageChops.add(image, glow)
    d = ImageDraw.Draw(image)
    gold = _jitter((230, 180, 60), rng, 14)
    for x, top, lw, lh, y0, ch in lanterns:
        d.line([(x, top), (x, y0)], fill=(60, 50, 40), width=3)
        d.ellipse([x - lw / 2, y0, x + lw / 2, y0 + lh], fill=body)
        for t in np.linspace(-0.8, 0.8, 7):  # ribs
            d.arc([x - lw / 2 * abs(t), y0, x + lw / 2 * abs(t), y0 + lh], 90 if t < 0 else 270,
                  270 if t < 0 else 90, fill=_rgb(np.array(body) * 0.75), width=2)  # fmt: skip
        d.rectangle([x - lw * 0.22, y0 - 10, x + lw * 0.22, y0 + 12], fill=gold)
        d.rectangle([x - lw * 0.22, y0 + lh - 12, x + lw * 0.22, y0 + lh + 10], fill=gold)
        for t in np.linspace(-8, 8, 5):
            d.line(
                [(x + t, y0 + lh + 10), (x + t * 1.6, y0 + lh + 70)],
                fill=_jitter((230, 50, 40), rng, 20),
                width=3,
            )
        font = _fit(d, ch, "noto-bold", lh * 0.36, lw * 0.6)
        _text_at(d, (x, y0 + lh / 2), ch, font, _pick(rng, (gold, (30, 20, 20))))
    return _grain(image, rng, 4)


# -- 6. bento boxes ----------------------------------------------------------------------------------------------
BENTO_GRIDS = 4


def bento_box(seed: int) -> Image.Image:
    """A bento box from above on a table: a lacquer box with compartments (four grids), rice with sesame and an
    umeboshi, egg-roll slices, broccoli, sausages, tomatoes, pickles; chopsticks beside; no text; 760 x 560."""
    rng = np.random.default_rng(seed)
    pal, grid = _design(rng, BENTO_GRIDS)
    paper, primary, _secondary, _accent, _ink = PALETTES[pal]
    w, h = 760, 560
    image = _grain(Image.new("RGB", (w, h), _jitter(paper, rng, 14)), rng, 6)
    d = ImageDraw.Draw(image)
    x0, y0, x1, y1 = 60, 50, 620, 510
    d.rounded_rectangle([x0 + 10, y0 + 12, x1 + 10, y1 + 12], radius=30, fill=(60, 50, 50))
    lacquer = _jitter(_pick(rng, ((150, 30, 30), (30, 30, 34), primary)), rng, 10)
    d.rounded_rectangle([x0, y0, x1, y1], radius=30, fill=lacquer)
    cells = {
        0: [(0, 0, 0.5, 1), (0.5, 0, 1, 0.5), (0.5, 0.5, 1, 1)],
        1: [(0, 0, 0.6, 1), (0.6, 0, 1, 0.33), (0.6, 0.33, 1, 0.66), (0.6, 0.66, 1, 1)],
        2: [(0, 0, 1, 0.5), (0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1)],
        3: [(0, 0, 0.5, 0.5), (0.5, 0, 1, 0.5), (0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1)],
    }[grid]
    pad, iw, ih = 18, x1 - x0 - 36, y1 - y0 - 36
    foods = list(rng.permutation(5))
    for k, (a, b, c, e) in enumerate(cells):
        cx0, cy0 = x0 + pad + a * iw + 6, y0 + pad + b * ih + 6
        cx1, cy1 = x0 + pad + c * iw - 6, y0 + pad + e * ih - 6
        d.rounded_rectangle([cx0, cy0, cx1, cy1], radius=12, fill=_rgb(np.array(lacquer) * 0.7))
        food = 5 if k == 0 else foods[k % 5]
        cw, ch = cx1 - cx0, cy1 - cy0
        if food == 5:  # rice, sesame and an umeboshi
            d.rounded_rectangle([cx0 + 6, cy0 + 6, cx1 - 6, cy1 - 6], radius=10, fill=(246, 244, 236))
            for _ in range(int(cw * ch / 500)):
                x, y = rng.uniform(cx0 + 10, cx1 - 10), rng.uniform(cy0 + 10, cy1 - 10)
                d.ellipse(
                    [x - 2, y - 1, x + 2, y + 1], fill=(236, 232, 220) if rng.random() < 0.8 else (30, 30, 30)
                )
            ux, uy = rng.uniform(cx0 + 40, cx1 - 40), rng.uniform(cy0 + 40, cy1 - 40)
            d.ellipse([ux - 24, uy - 22, ux + 24, uy + 22], fill=(190, 40, 60))
        elif food == 0:  # egg roll slices
            n = max(2, int(cw // 70))
            for i in range(n):
                x = cx0 + 10 + i * (cw - 20) / n
                d.rounded_rectangle(
                    [x + 2, cy0 + 14, x + (cw - 20) / n - 4, cy1 - 14], radius=8, fill=(246, 206, 70)
                )
                mx, my = x + (cw - 20) / n / 2, (cy0 + cy1) / 2
                d.arc([mx - 18, my - 18, mx + 18, my + 18], 0, 300, fill=(220, 170, 40), width=4)
        elif food == 1:  # broccoli
            for _ in range(int(rng.integers(4, 8))):
                x, y, r = (
                    rng.uniform(cx0 + 30, cx1 - 30),
                    rng.uniform(cy0 + 30, cy1 - 30),
                    rng.uniform(20, 34),
                )
                for _ in range(6):
                    ox, oy = rng.uniform(-r * 0.5, r * 0.5, 2)
                    d.ellipse([x + ox - r * 0.6, y + oy - r * 0.6, x + ox + r * 0.6, y + oy + r * 0.6],
                              fill=_jitter((60, 130, 50), rng, 20))  # fmt: skip
        elif food == 2:  # sausages
            for _ in range(int(rng.integers(3, 6))):
                x, y = rng.uniform(cx0 + 40, cx1 - 40), rng.uniform(cy0 + 25, cy1 - 25)
                d.rounded_rectangle(
                    [x - 36, y - 16, x + 36, y + 16], radius=16, fill=_jitter((200, 60, 50), rng, 14)
                )
                for t in (-14, 0, 14):
                    d.line([(x + t - 4, y - 10), (x + t + 4, y + 10)], fill=(150, 40, 30), width=3)
        elif food == 3:  # tomatoes and lettuce
            d.rectangle([cx0 + 8, cy0 + 8, cx1 - 8, cy1 - 8], fill=_jitter((120, 190, 80), rng, 20))
            for _ in range(int(rng.integers(3, 6))):
                x, y, r = (
                    rng.uniform(cx0 + 30, cx1 - 30),
                    rng.uniform(cy0 + 30, cy1 - 30),
                    rng.uniform(20, 30),
                )
                d.ellipse([x - r, y - r, x + r, y + r], fill=_jitter((220, 40, 40), rng, 14))
                d.ellipse([x - r * 0.3, y - r * 0.6, x, y - r * 0.3], fill=(250, 200, 200))
        else:  # pickles
            for _ in range(int(rng.integers(5, 10))):
                x, y = rng.uniform(cx0 + 20, cx1 - 20), rng.uniform(cy0 + 20, cy1 - 20)
                d.rectangle([x - 14, y - 9, x + 14, y + 9], fill=_jitter((240, 210, 60), rng, 20))
    cx = rng.uniform(655, 700)  # chopsticks
    for t in (-10, 10):
        d.line([(cx + t, 60), (cx + t * 2.2, 500)], fill=_jitter((170, 120, 70), rng, 14), width=10)
    return image


# -- 7. event tickets --------------------------------------------------------------------------------------------
TICKET_STYLES = 3


def ticket(seed: int, event: str, seat: str) -> Image.Image:
    """An event ticket: a main part (the event name, a date, a venue line, a seat) and a stub behind a perforated
    line with a barcode, on a plain desk; 840 x 420."""
    rng = np.random.default_rng(seed)
    pal, style = _design(rng, TICKET_STYLES)
    paper, primary, secondary, accent, ink = PALETTES[pal]
    w, h = 840, 420
    image = _grain(Image.new("RGB", (w, h), _jitter((90, 90, 96), rng, 30)), rng, 5)
    d = ImageDraw.Draw(image)
    x0, y0, x1, y1 = 30, 40, 810, 380
    stub = x0 + (x1 - x0) * rng.uniform(0.68, 0.76)
    body = _jitter(_pick(rng, (primary, secondary, paper)), rng, 10)
    d.rounded_rectangle([x0, y0, x1, y1], radius=18, fill=body)
    if style == 0:
        d.rectangle([x0, y0 + 60, stub, y0 + 80], fill=accent)
    elif style == 1:
        for k in range(6):
            d.line([(x0 + k * 50, y1), (x0 + k * 50 + 160, y0)], fill=_rgb(np.array(body) * 0.88), width=14)
    else:
        d.ellipse([stub - 260, y0 + 40, stub - 40, y0 + 260], fill=_jitter(accent, rng, 10))
    for cy in (y0, y1):  # the notches
        d.ellipse([stub - 16, cy - 16, stub + 16, cy + 16], fill=image.getpixel((10, 10)))
    for y in np.arange(y0 + 24, y1 - 20, 14):
        d.line([(stub, y), (stub, y + 7)], fill=_contrast(body), width=3)
    text = _contrast(body, ink, paper)
    font = _fit(d, event, _word_font(event, rng), 70, stub - x0 - 70)
    d.text((x0 + 34, y0 + 100), event, font=font, fill=text)
    when = (
        f"2026.{int(rng.integers(1, 13)):02d}.{int(rng.integers(1, 29)):02d}  {int(rng.integers(17, 22))}:30"
    )
    d.text((x0 + 34, y0 + 200), when, font=_font("DejaVuSansMono-Bold.ttf", 32), fill=text)
    d.text((x0 + 34, y0 + 250), _pick(rng, ("入場請出示票券", "ADMIT ONE", "全票 FULL")), font=_font("noto", 30),
           fill=text)  # fmt: skip
    d.text((stub + 30, y0 + 30), seat, font=_font("DejaVuSans-Bold.ttf", 44), fill=text)
    bars = rng.integers(1, 4, 40)
    x = stub + 30
    for k, b in enumerate(bars):
        if k % 2 == 0:
            d.rectangle([x, y0 + 120, x + b * 2, y1 - 40], fill=text)
        x += b * 2 + 1
        if x > x1 - 24:
            break
    return image


# -- 8. record sleeves -------------------------------------------------------------------------------------------
SLEEVE_DESIGNS = 4


def record_sleeve(seed: int, artist: str) -> Image.Image:
    """A square record sleeve (concentric rings, diagonal bands, a big type block, a photo-like gradient with a
    circle) with the black disc and its label sliding out to the right; 800 x 600."""
    rng = np.random.default_rng(seed)
    pal, design = _design(rng, SLEEVE_DESIGNS)
    paper, primary, secondary, accent, ink = PALETTES[pal]
    w, h = 800, 600
    image = Image.new("RGB", (w, h), _jitter((228, 224, 216), rng, 16))
    d = ImageDraw.Draw(image)
    s, x0, y0 = 500, 40, 50
    dx = x0 + s * rng.uniform(0.38, 0.52)  # the disc
    cy = y0 + s / 2
    d.ellipse([dx, cy - s / 2 + 10, dx + s - 20, cy + s / 2 - 10], fill=(18, 18, 20))
    for r in range(60, int(s / 2) - 14, 9):
        d.ellipse([dx + s / 2 - 10 - r, cy - r, dx + s / 2 - 10 + r, cy + r], outline=(36, 36, 40), width=1)
    label = _jitter(accent, rng, 16)
    d.ellipse([dx + s / 2 - 90, cy - 80, dx + s / 2 + 70, cy + 80], fill=label)
    d.ellipse([dx + s / 2 - 16, cy - 6, dx + s / 2 - 4, cy + 6], fill=(10, 10, 10))
    sleeve = Image.new("RGB", (s, s), _jitter(paper, rng, 10))
    sd = ImageDraw.Draw(sleeve)
    if design == 0:
        for r in range(int(s * 0.7), 10, -int(rng.integers(24, 40))):
            sd.ellipse([s / 2 - r, s * 0.42 - r, s / 2 + r, s * 0.42 + r],
                       fill=_pick(rng, (primary, secondary, accent, paper)))  # fmt: skip
    elif design == 1:
        for k in range(-4, 8):
            sd.polygon([(k * 80, 0), (k * 80 + 40, 0), (k * 80 + 40 + s, s), (k * 80 + s, s)],
                       fill=(primary, secondary, accent)[k % 3])  # fmt: skip
    elif design == 2:
        sd.rectangle([0, s * 0.5, s, s], fill=primary)
        font = _fit(sd, artist, _word_font(artist, rng), 170, s * 0.9)
        sd.text((24, s * 0.08), artist, font=font, fill=ink)
    else:
        sleeve.paste(
            _gradient((s, s), _jitter(secondary, rng, 20), _jitter(ink, rng, 20), angle=rng.uniform(0, 180))
        )
        r = rng.uniform(90, 150)
        sd.ellipse([s / 2 - r, s * 0.4 - r, s / 2 + r, s * 0.4 + r], fill=accent)
    strip = _jitter(ink if design != 2 else paper, rng, 10)
    sd.rectangle([0, s * 0.8, s, s * 0.94], fill=strip)
    font = _fit(sd, artist, _word_font(artist, rng), s * 0.09, s * 0.7)
    sd.text((24, s * 0.82), artist, font=font, fill=_contrast(strip, paper, accent))
    sd.text(
        (s - 90, s * 0.84), "LP", font=_font("DejaVuSans-Bold.ttf", s * 0.06), fill=_contrast(strip, paper)
    )
    d.rectangle([x0 + 8, y0 + 10, x0 + s + 8, y0 + s + 10], fill=(150, 146, 140))
    image.paste(sleeve, (x0, y0))
    return _grain(image, rng, 3)


# -- look-alike-only generators ----------------------------------------------------------------------------------
def promo_card(seed: int) -> Image.Image:
    """A text-heavy promo card: a colour block with rounded corners, a zh-TW headline, a Latin kicker, an offer
    line, a price burst and a CTA; 1080 x 1350 or 1080 x 1080."""
    rng = np.random.default_rng(seed)
    paper, primary, secondary, accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    w, h = (1080, 1350) if rng.random() < 0.5 else (1080, 1080)
    image = _gradient(
        (w, h), _jitter(primary, rng, 20), _jitter(secondary, rng, 20), angle=rng.uniform(0, 180)
    )
    d = ImageDraw.Draw(image)
    m = 60
    d.rounded_rectangle([m, h * 0.32, w - m, h - m], radius=40, fill=_jitter(paper, rng, 8))
    head = _pick(rng, PROMO_HEAD)
    font = _fit(d, head, "noto-bold", h * 0.12, w - 2 * m)
    _text_at(d, (w / 2, h * 0.16), head, font, (255, 255, 255), outline=4)
    kick = _pick(rng, PROMO_LATIN)
    d.text((m + 40, h * 0.36), kick, font=_fit(d, kick, _pick(rng, LATIN_FONTS), h * 0.06, w * 0.7), fill=ink)
    sub = _pick(rng, PROMO_SUB)
    d.text((m + 40, h * 0.48), sub, font=_fit(d, sub, "noto-bold", h * 0.07, w * 0.75), fill=primary)
    price = _pick(rng, PRICES)
    cx, cy, r = w * 0.72, h * 0.72, h * 0.11
    pts = [(cx + (r if k % 2 == 0 else r * 0.8) * np.cos(np.pi * k / 12),
            cy + (r if k % 2 == 0 else r * 0.8) * np.sin(np.pi * k / 12)) for k in range(24)]  # fmt: skip
    d.polygon(pts, fill=accent)
    _text_at(d, (cx, cy), price, _fit(d, price, "DejaVuSans-Bold.ttf", r * 0.45, r * 1.4), _contrast(accent))
    cta = _pick(rng, CTA)
    d.rounded_rectangle([m + 40, h * 0.8, m + 460, h * 0.8 + 90], radius=45, fill=ink)
    _text_at(d, (m + 250, h * 0.8 + 45), cta, _font("noto-bold", 46), _contrast(ink, paper))
    d.text((m + 40, h - m - 50), "*活動至 2026/10/31 止，詳見官網", font=_font("noto", 26), fill=ink)
    return image


def flat_white_text(seed: int) -> Image.Image:
    """A flat (or two-stop) colour card with one or two lines of white text; ad sizes."""
    rng = np.random.default_rng(seed)
    _paper, primary, secondary, _accent, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    size = _pick(rng, ((1080, 1920), (1080, 1080), (1080, 1350), (1920, 1080)))
    a = _jitter(_pick(rng, (primary, ink, secondary)), rng, 20)
    if _luma(a) > 150:
        a = _rgb(np.array(a) * 0.55)
    image = Image.new("RGB", size, a) if rng.random() < 0.6 else _gradient(size, a, _rgb(np.array(a) * 0.6))
    d = ImageDraw.Draw(image)
    lines = [_pick(rng, PROMO_HEAD + PROMO_SUB + CAPTIONS)]
    if rng.random() < 0.6:
        lines.append(_pick(rng, PROMO_LATIN + CTA))
    w, h = size
    for k, line in enumerate(lines):
        font = _fit(
            d, line, "noto-bold" if _has_cjk(line) else "DejaVuSans-Bold.ttf", h * (0.09 - 0.03 * k), w * 0.84
        )
        _text_at(d, (w / 2, h * (0.45 + 0.14 * k)), line, font, (255, 255, 255))
    return image


# -- backgrounds -------------------------------------------------------------------------------------------------
def kitchen_counter(seed: int) -> Image.Image:
    """A kitchen counter: a tiled splashback, a stone worktop with speckles, a jar and a cutting board out of
    focus; 1080 x 1080."""
    rng = np.random.default_rng(seed)
    w = h = 1080
    image = Image.new("RGB", (w, h), _jitter((226, 226, 220), rng, 20))
    d = ImageDraw.Draw(image)
    tile = rng.uniform(60, 110)
    grout = _jitter((180, 180, 176), rng, 20)
    face = _jitter(_pick(rng, ((236, 240, 238), (140, 180, 170), (220, 200, 170))), rng, 14)
    split = h * rng.uniform(0.45, 0.6)
    for y in np.arange(0, split, tile / 2):
        off = (int(y / (tile / 2)) % 2) * tile / 2
        for x in np.arange(-tile, w, tile):
            d.rectangle(
                [x + off + 2, y + 2, x + off + tile - 2, y + tile / 2 - 2], fill=_jitter(face, rng, 6)
            )
        d.line([(0, y), (w, y)], fill=grout, width=2)
    top = _jitter(_pick(rng, ((60, 60, 64), (230, 226, 220), (120, 100, 90))), rng, 14)
    d.rectangle([0, split, w, h], fill=top)
    for _ in range(1500):
        x, y = rng.uniform(0, w), rng.uniform(split, h)
        d.point((x, y), fill=_jitter(top, rng, 50))
    bx = rng.uniform(80, 600)
    d.rounded_rectangle(
        [bx, split + 60, bx + 380, split + 260], radius=30, fill=_jitter((190, 140, 90), rng, 20)
    )
    jx = rng.uniform(650, 950)
    d.rounded_rectangle(
        [jx, split - 180, jx + 110, split + 30], radius=20, fill=_jitter((200, 220, 230), rng, 20)
    )
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(2, 5))))
    return _grain(image, rng, 4)


def night_street(seed: int) -> Image.Image:
    """A street at night: a dark sky, building silhouettes, bokeh lights of shop signs and lamps, wet asphalt
    reflections; 900 x 1300."""
    rng = np.random.default_rng(seed)
    w, h = 900, 1300
    image = _gradient((w, h), _jitter((10, 12, 30), rng, 8), _jitter((40, 30, 50), rng, 14))
    d = ImageDraw.Draw(image)
    x = 0.0
    while x < w:
        bw = rng.uniform(100, 220)
        top = h * rng.uniform(0.1, 0.4)
        d.rectangle([x, top, x + bw, h * 0.75], fill=_jitter((24, 24, 32), rng, 10))
        x += bw
    d.rectangle([0, h * 0.75, w, h], fill=_jitter((30, 30, 36), rng, 8))
    lights = Image.new("RGB", (w, h), (0, 0, 0))
    ld = ImageDraw.Draw(lights)
    for _ in range(int(rng.integers(30, 60))):
        x, y, r = rng.uniform(0, w), rng.uniform(h * 0.2, h * 0.72), rng.uniform(8, 36)
        c = _pick(rng, ((255, 80, 120), (80, 200, 255), (255, 200, 90), (160, 255, 140), (255, 255, 230)))
        ld.ellipse([x - r, y - r, x + r, y + r], fill=_jitter(c, rng, 20))
        ld.rectangle(
            [x - r * 0.3, h * 1.5 - y - r * 0.3, x + r * 0.3, h * 1.5 - y + r * 2],
            fill=_rgb(np.array(c) * 0.4),
        )
    lights = lights.filter(ImageFilter.GaussianBlur(float(rng.uniform(6, 12))))
    image = ImageChops.add(image, lights)
    return _grain(image, rng, 5)


def shelf_wall(seed: int) -> Image.Image:
    """A shop wall with wooden shelves and plain boxes / jars on them (no text), softly lit; 1080 x 1350."""
    rng = np.random.default_rng(seed)
    w, h = 1080, 1350
    image = _gradient((w, h), _jitter((220, 214, 200), rng, 20), _jitter((170, 160, 150), rng, 20))
    d = ImageDraw.Draw(image)
    wood = _jitter((150, 105, 70), rng, 20)
    for y in np.arange(rng.uniform(250, 330), h, rng.uniform(300, 380)):
        x = rng.uniform(20, 60)
        while x < w - 80:
            bw, bh = rng.uniform(70, 170), rng.uniform(90, 220)
            c = _jitter(
                _pick(rng, ((220, 90, 70), (70, 120, 170), (240, 220, 180), (90, 150, 100), (40, 40, 44))),
                rng,
                20,
            )
            if rng.random() < 0.3:
                d.rounded_rectangle([x, y - bh, x + bw * 0.7, y], radius=20, fill=c)
            else:
                d.rectangle([x, y - bh, x + bw, y], fill=c)
                d.rectangle([x, y - bh, x + bw * 0.12, y], fill=_rgb(np.array(c) * 0.8))
            x += bw + rng.uniform(10, 40)
        d.rectangle([0, y, w, y + 26], fill=wood)
        d.rectangle([0, y + 26, w, y + 40], fill=_rgb(np.array(wood) * 0.6))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(1.5, 4))))
    return _grain(image, rng, 3)


def backgrounds(cache: Path | None = None) -> list[Image.Image]:
    """The edits' backgrounds: 8 kitchen counters, 8 night streets and 8 shop shelves (no reference in them)."""
    return (
        [kitchen_counter(s) for s in KITCHENS]
        + [night_street(s) for s in NIGHTS]
        + [shelf_wall(s) for s in SHELVES]
    )


# -- the edits (this set's own) ----------------------------------------------------------------------------------
Edit = Callable[[Image.Image, np.random.Generator, Image.Image], Image.Image]


def _hue_shift(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The hue turned by 30-150 degrees either way."""
    hsv = np.asarray(img.convert("HSV"), dtype=np.int16)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(21, 107)) * (1 if rng.random() < 0.5 else -1)) % 256
    return Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")


def _colour_grade(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A colour grade: teal-and-orange split toning, a warm or cold filter, or a faded film look (lifted blacks,
    lower saturation), with a contrast change."""
    a = np.asarray(img, np.float32) / 255
    kind = int(rng.integers(3))
    luma = (a @ np.array((0.299, 0.587, 0.114), np.float32))[..., None]
    if kind == 0:
        shadows, highlights = np.array((0.0, 0.35, 0.45)), np.array((1.0, 0.6, 0.3))
        tone = shadows * (1 - luma) + highlights * luma
        a = a * (1 - 0.35) + tone * luma * 0.35 + (1 - luma) * tone * 0.1
    elif kind == 1:
        gains = np.array((1.12, 1.0, 0.82)) if rng.random() < 0.5 else np.array((0.85, 0.98, 1.15))
        a = a * gains
    else:
        a = 0.12 + 0.8 * (luma + (a - luma) * 0.6)
    a = (a - 0.5) * rng.uniform(0.8, 1.25) + 0.5
    return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))


def _mirror(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose(Image.FLIP_LEFT_RIGHT)


def _rotate_small(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Rotated by 5-20 degrees either way over a piece of the background (the corners show it)."""
    angle = rng.uniform(5, 20) * (1 if rng.random() < 0.5 else -1)
    rgba = img.convert("RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
    back = _cover(bg, rgba.size)
    back.paste(rgba, (0, 0), rgba)
    return back


def _rotate_90(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose(Image.ROTATE_90 if rng.random() < 0.5 else Image.ROTATE_270)


def _recompress(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Downscaled to 25-55 %, JPEG at quality 15-35, then JPEG again at 45-70 (a re-share)."""
    f = rng.uniform(0.25, 0.55)
    out = img.resize((max(16, int(img.width * f)), max(16, int(img.height * f))), Image.BILINEAR)
    for quality in (int(rng.integers(15, 36)), int(rng.integers(45, 71))):
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=quality)
        out = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return out


def _caption(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A caption band (top or bottom, nearly opaque) or a lower third (a translucent band with a coloured tab and
    two lines) over 15-35 % of the height."""
    out = img.convert("RGBA")
    h = int(img.height * rng.uniform(0.15, 0.35))
    band = Image.new("RGBA", out.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(band)
    text = _pick(rng, CAPTIONS)
    if rng.random() < 0.5:
        y0 = 0 if rng.random() < 0.4 else img.height - h
        colour = _rgb(rng.integers(0, 80, 3)) if rng.random() < 0.6 else _rgb(rng.integers(180, 256, 3))
        d.rectangle([0, y0, img.width, y0 + h - 1], fill=(*colour, int(rng.integers(220, 256))))
        font = _fit(d, text, "noto-bold", h * 0.42, img.width * 0.9)
        _text_at(d, (img.width / 2, y0 + h / 2), text, font, (*_contrast(colour), 255))
    else:
        y0 = int(img.height * rng.uniform(0.6, 0.7))
        y0 = min(y0, img.height - h)
        d.rectangle([0, y0, img.width, y0 + h - 1], fill=(10, 10, 20, int(rng.integers(150, 200))))
        tab = _rgb(rng.integers(0, 256, 3))
        d.rectangle([0, y0, int(img.width * 0.03) + 4, y0 + h - 1], fill=(*tab, 255))
        font = _fit(d, text, "noto-bold", h * 0.32, img.width * 0.85)
        d.text((img.width * 0.06, y0 + h * 0.1), text, font=font, fill=(255, 255, 255, 255))
        sub = _pick(rng, HANDLES)
        d.text((img.width * 0.06, y0 + h * 0.58), sub, font=_fit(d, sub, "DejaVuSans.ttf", h * 0.22, img.width * 0.6),
               fill=(230, 230, 230, 255))  # fmt: skip
    return Image.alpha_composite(out, band).convert("RGB")


def _sticker(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A sticker over 8-20 % of the area: an emoji face, a price tag (a tilted tag with a hole), a 'NEW' burst or
    a speech bubble, with the white keyline sticker tools add."""
    out = img.convert("RGBA")
    area = rng.uniform(0.08, 0.2) * img.width * img.height
    side = float(np.sqrt(area))
    side = min(side, img.width - 4, img.height - 4)
    layer = Image.new("RGBA", (int(side), int(side)), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    s = side
    kind = int(rng.integers(4))
    colour = _rgb(rng.integers(0, 256, 3))
    if kind == 0:  # emoji
        d.ellipse(
            [2, 2, s - 2, s - 2],
            fill=(255, 206, 50, 255),
            outline=(255, 255, 255, 255),
            width=max(3, int(s * 0.03)),
        )
        for x in (0.33, 0.67):
            d.ellipse([s * (x - 0.06), s * 0.3, s * (x + 0.06), s * 0.48], fill=(60, 40, 20, 255))
        d.chord([s * 0.25, s * 0.4, s * 0.75, s * 0.8], 0, 180, fill=(140, 40, 40, 255))
    elif kind == 1:  # a price tag
        d.polygon([(0, s * 0.5), (s * 0.3, s * 0.2), (s, s * 0.2), (s, s * 0.8), (s * 0.3, s * 0.8)],
                  fill=(*colour, 255), outline=(255, 255, 255, 255), width=max(3, int(s * 0.03)))  # fmt: skip
        d.ellipse([s * 0.18, s * 0.45, s * 0.26, s * 0.55], fill=(0, 0, 0, 0))
        text = _pick(rng, PRICES)
        _text_at(
            d,
            (s * 0.64, s * 0.5),
            text,
            _fit(d, text, "DejaVuSans-Bold.ttf", s * 0.2, s * 0.6),
            (*_contrast(colour), 255),
        )
    elif kind == 2:  # a burst
        n = 14
        pts = [(s / 2 + (s / 2 - 2 if k % 2 == 0 else s * 0.38) * np.cos(np.pi * k / n),
                s / 2 + (s / 2 - 2 if k % 2 == 0 else s * 0.38) * np.sin(np.pi * k / n)) for k in range(2 * n)]  # fmt: skip
        d.polygon(pts, fill=(*colour, 255), outline=(255, 255, 255, 255), width=3)
        text = _pick(rng, ("NEW", "新品", "HOT", "限定", "-20%"))
        _text_at(
            d, (s / 2, s / 2), text, _fit(d, text, "noto-bold", s * 0.3, s * 0.6), (*_contrast(colour), 255)
        )
    else:  # a speech bubble
        d.rounded_rectangle([2, 2, s - 2, s * 0.72], radius=int(s * 0.15), fill=(255, 255, 255, 255), outline=(*colour, 255),
                            width=max(3, int(s * 0.03)))  # fmt: skip
        d.polygon([(s * 0.25, s * 0.7), (s * 0.2, s * 0.98), (s * 0.5, s * 0.7)], fill=(255, 255, 255, 255))
        text = _pick(rng, ("好吃!", "WOW", "必買", "+1"))
        _text_at(d, (s / 2, s * 0.37), text, _fit(d, text, "noto-bold", s * 0.3, s * 0.8), (30, 30, 30, 255))
    layer = layer.rotate(rng.uniform(-20, 20), resample=Image.BICUBIC)
    x = int(rng.integers(0, max(1, img.width - layer.width + 1)))
    y = int(rng.integers(0, max(1, img.height - layer.height + 1)))
    out.paste(layer, (x, y), layer)
    return out.convert("RGB")


def _crop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Keep 55-75 % of the area (each side 0.6-1.0 of what a square crop of that area would keep), at a random
    offset: at least a quarter of the picture gone."""
    keep = rng.uniform(0.55, 0.75)
    aspect = rng.uniform(0.8, 1.25)
    fw = min(0.95, np.sqrt(keep) * aspect)
    fh = min(0.95, keep / fw)
    cw, ch = int(img.width * fw), int(img.height * fh)
    x, y = int(rng.integers(0, img.width - cw + 1)), int(rng.integers(0, img.height - ch + 1))
    return img.crop((x, y, x + cw, y + ch))


def _ad_frame(bg: Image.Image, rng: np.random.Generator) -> Image.Image:
    frame = _cover(bg, (1080, 1920))
    d = ImageDraw.Draw(frame)
    head = _pick(rng, PROMO_HEAD)
    _text_at(
        d,
        (540, 1920 * rng.uniform(0.38, 0.5)),
        head,
        _fit(d, head, "noto-bold", 120, 900),
        (255, 255, 255),
        outline=5,
    )
    sub = _pick(rng, PROMO_SUB)
    _text_at(d, (540, 1920 * 0.6), sub, _fit(d, sub, "noto-bold", 70, 900), (255, 255, 255), outline=4)
    cta = _pick(rng, CTA)
    pill = _rgb(rng.integers(0, 256, 3))
    d.rounded_rectangle([290, 1560, 790, 1670], radius=55, fill=pill)
    _text_at(d, (540, 1615), cta, _font("noto-bold", 54), _contrast(pill, (255, 255, 255)))
    return frame


def _corner(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy at 110-200 px (its longer side) in a corner of a 1080x1920 ad frame."""
    frame = _ad_frame(bg, rng)
    side = int(rng.integers(110, 201))
    f = side / max(img.size)
    small = img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.LANCZOS)
    mx, my = int(rng.integers(24, 80)), int(rng.integers(40, 220))
    x = mx if rng.random() < 0.5 else 1080 - small.width - mx
    y = my if rng.random() < 0.5 else 1920 - small.height - my
    frame.paste(small, (x, y))
    return frame


def _perspective_coeffs(src, dst) -> list[float]:
    """PIL's PERSPECTIVE coefficients that map output points ``dst`` to input points ``src``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return list(np.linalg.solve(np.array(rows, np.float64), np.array(rhs, np.float64)))


def _perspective(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A print of the copy (a white border) photographed at an angle: one side 75-92 % of the opposite one, over
    the background, with a light falloff and a little blur; the print covers 55-80 % of the frame width."""
    pad = int(max(img.size) * 0.04)
    card = Image.new("RGB", (img.width + 2 * pad, img.height + 2 * pad), (248, 246, 240))
    card.paste(img, (pad, pad))
    W = 1080
    H = int(W * rng.uniform(1.0, 1.35))
    back = _cover(bg, (W, H))
    pw = W * rng.uniform(0.55, 0.8)
    ph = pw * card.height / card.width
    if ph > H * 0.85:
        pw, ph = pw * H * 0.85 / ph, H * 0.85
    ratio = rng.uniform(0.75, 0.92)
    cx, cy = W / 2 + rng.uniform(-60, 60), H / 2 + rng.uniform(-60, 60)
    if rng.random() < 0.5:  # the left or right side nearer
        near = 1 if rng.random() < 0.5 else -1
        lh, rh = (ph, ph * ratio) if near > 0 else (ph * ratio, ph)
        quad = [
            (cx - pw / 2, cy - lh / 2),
            (cx + pw / 2, cy - rh / 2),
            (cx + pw / 2, cy + rh / 2),
            (cx - pw / 2, cy + lh / 2),
        ]
    else:  # the bottom (or top) side nearer
        tw, bw = (pw * ratio, pw) if rng.random() < 0.5 else (pw, pw * ratio)
        quad = [
            (cx - tw / 2, cy - ph / 2),
            (cx + tw / 2, cy - ph / 2),
            (cx + bw / 2, cy + ph / 2),
            (cx - bw / 2, cy + ph / 2),
        ]
    src = [(0, 0), (card.width, 0), (card.width, card.height), (0, card.height)]
    coeffs = _perspective_coeffs(src, quad)
    warped = card.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    mask = Image.new("L", card.size, 255).transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    shadow = mask.filter(ImageFilter.GaussianBlur(12)).point(lambda v: v * 0.5)
    back.paste((10, 10, 10), (10, 14), shadow)
    back.paste(warped, (0, 0), mask)
    light = _gradient((W, H), (255, 255, 255), _rgb([rng.uniform(190, 230)] * 3), angle=rng.uniform(0, 360))
    back = ImageChops.multiply(back, light)
    return back.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.0))))


def _photo_card(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A coloured ad page (1080x1350 or 1080x1920) with the copy in a card: a white or coloured border, rounded
    corners or not, a drop shadow, at 60-82 % of the width; a headline above and a CTA below."""
    H = 1920 if rng.random() < 0.5 else 1350
    paper, primary, secondary, _accent, ink = _pick(rng, PALETTES)
    page = _gradient(
        (1080, H), _jitter(primary, rng, 20), _jitter(secondary, rng, 20), angle=rng.uniform(40, 140)
    )
    width = int(1080 * rng.uniform(0.6, 0.82))
    copy = img.resize((width, max(8, int(img.height * width / img.width))), Image.BILINEAR)
    if copy.height > H * 0.6:
        copy = _contain(img, (width, int(H * 0.6)))
    border = int(rng.integers(12, 36))
    card = Image.new("RGB", (copy.width + 2 * border, copy.height + 2 * border),
                     (255, 255, 255) if rng.random() < 0.6 else _jitter(paper, rng, 10))  # fmt: skip
    card.paste(copy, (border, border))
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [0, 0, card.width - 1, card.height - 1], radius=int(rng.integers(0, 40)), fill=255
    )
    x = (1080 - card.width) // 2
    y = int((H - card.height) * rng.uniform(0.4, 0.6))
    shadow = Image.new("L", page.size, 0)
    shadow.paste(mask, (x + 14, y + 20))
    page.paste((0, 0, 0), (0, 0), _soft_blur(shadow, 24).point(lambda v: v * 0.5))
    page.paste(card, (x, y), mask)
    d = ImageDraw.Draw(page)
    head = _pick(rng, PROMO_HEAD)
    _text_at(
        d,
        (540, y / 2),
        head,
        _fit(d, head, "noto-bold", min(110, y * 0.5), 940),
        _contrast(primary, paper, ink),
    )
    cta = _pick(rng, CTA)
    cy = y + card.height + (H - y - card.height) / 2
    d.rounded_rectangle([310, cy - 45, 770, cy + 45], radius=45, fill=ink)
    _text_at(d, (540, cy), cta, _font("noto-bold", 44), _contrast(ink, paper))
    return page


def _blurred_backdrop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """9:16: the copy enlarged to fill 1080x1920, blurred (radius 30-60) and darkened, the sharp copy at 80-100 %
    of the width in the middle, a caption line below."""
    back = _soft_blur(_cover(img, (1080, 1920)), float(rng.uniform(30, 60)))
    back = ImageEnhance.Brightness(back).enhance(rng.uniform(0.55, 0.8))
    width = int(1080 * rng.uniform(0.8, 1.0))
    front = img.resize((width, max(8, int(img.height * width / img.width))), Image.BILINEAR)
    if front.height > 1400:
        front = _contain(img, (width, 1400))
    y = (1920 - front.height) // 2 + int(rng.integers(-80, 81))
    back.paste(front, ((1080 - front.width) // 2, y))
    d = ImageDraw.Draw(back)
    text = _pick(rng, CAPTIONS)
    _text_at(
        d,
        (540, min(1840, y + front.height + 110)),
        text,
        _fit(d, text, "noto-bold", 60, 960),
        (255, 255, 255),
        outline=4,
    )
    return back


def _split(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A split screen: 1080x1920 top / bottom or 1080x1080 left / right, the copy fitted whole into one half (on a
    flat colour), the other half a piece of the background with a 'VS' or arrow chip in between."""
    other = (
        bg.crop((0, 0, bg.width, bg.height)).transpose(Image.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else bg
    )
    colour = _jitter(_pick(rng, PALETTES)[0], rng, 20)
    if rng.random() < 0.5:
        W, H = 1080, 1920
        canvas = Image.new("RGB", (W, H), colour)
        half = (W, H // 2)
        mine = 0 if rng.random() < 0.5 else H // 2
        canvas.paste(_cover(other, half), (0, H // 2 - mine))
        copy = _contain(img, (W - 40, H // 2 - 40))
        canvas.paste(copy, ((W - copy.width) // 2, mine + (H // 2 - copy.height) // 2))
        chip = (W / 2, H / 2)
    else:
        W = H = 1080
        canvas = Image.new("RGB", (W, H), colour)
        half = (W // 2, H)
        mine = 0 if rng.random() < 0.5 else W // 2
        canvas.paste(_cover(other, half), (W // 2 - mine, 0))
        copy = _contain(img, (W // 2 - 24, H - 200))
        canvas.paste(copy, (mine + (W // 2 - copy.width) // 2, (H - copy.height) // 2))
        chip = (W / 2, H * 0.88)
    d = ImageDraw.Draw(canvas)
    d.ellipse(
        [chip[0] - 60, chip[1] - 60, chip[0] + 60, chip[1] + 60],
        fill=(250, 250, 250),
        outline=(20, 20, 20),
        width=4,
    )
    text = _pick(rng, ("VS", "→", "前", "後"))
    _text_at(d, chip, text, _font("noto-bold", 56), (20, 20, 20))
    return canvas


def _grid(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A carousel / grid post (1080x1080): 2x2, 3x2 or 3x3 cells with gutters; one cell is the copy fitted whole
    on white, the others are pieces of the background (shifted, flipped, tinted: other pictures)."""
    cols, rows = _pick(rng, ((2, 2), (3, 2), (3, 3)))
    W = 1080
    gut = int(rng.integers(8, 24))
    canvas = Image.new("RGB", (W, W), (255, 255, 255) if rng.random() < 0.7 else (24, 24, 28))
    cw, ch = (W - gut * (cols + 1)) // cols, (W - gut * (rows + 1)) // rows
    mine = int(rng.integers(cols * rows))
    for k in range(cols * rows):
        x, y = gut + (k % cols) * (cw + gut), gut + (k // cols) * (ch + gut)
        if k == mine:
            cell = Image.new("RGB", (cw, ch), (246, 246, 244))
            copy = _contain(img, (cw, ch))
            cell.paste(copy, ((cw - copy.width) // 2, (ch - copy.height) // 2))
        else:
            f = rng.uniform(0.3, 0.7)
            bw, bh = int(bg.width * f), int(bg.height * f)
            ox, oy = int(rng.integers(0, bg.width - bw + 1)), int(rng.integers(0, bg.height - bh + 1))
            cell = _cover(bg.crop((ox, oy, ox + bw, oy + bh)), (cw, ch))
            if rng.random() < 0.5:
                cell = cell.transpose(Image.FLIP_LEFT_RIGHT)
            cell = Image.blend(
                cell,
                Image.new("RGB", cell.size, _rgb(rng.integers(0, 256, 3))),
                float(rng.uniform(0.1, 0.45)),
            )
        canvas.paste(cell, (x, y))
    if rng.random() < 0.5:  # carousel dots
        d = ImageDraw.Draw(canvas)
        for i in range(5):
            d.ellipse(
                [470 + i * 30, 1050, 482 + i * 30, 1062], fill=(60, 130, 250) if i == 0 else (200, 200, 200)
            )
    return canvas


def _shelf(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A product-on-shelf mock-up: the copy printed on the front of a box (shaded side and top) standing on a
    shelf of the background, other plain boxes beside it; 1080 x 1080."""
    W = 1080
    back = _cover(bg, (W, W))
    d = ImageDraw.Draw(back)
    shelf_y = int(W * rng.uniform(0.72, 0.82))
    wood = _jitter((160, 115, 75), rng, 20)
    d.rectangle([0, shelf_y, W, shelf_y + 40], fill=wood)
    d.rectangle([0, shelf_y + 40, W, shelf_y + 60], fill=_rgb(np.array(wood) * 0.6))
    fw = int(W * rng.uniform(0.38, 0.55))
    front = img.resize((fw, max(8, int(img.height * fw / img.width))), Image.BILINEAR)
    if front.height > shelf_y - 80:
        front = _contain(img, (fw, shelf_y - 80))
    x = int(W * rng.uniform(0.25, 0.45))
    y = shelf_y - front.height
    depth = int(front.width * rng.uniform(0.12, 0.22))
    side = _jitter(_pick(rng, PALETTES)[1], rng, 20)
    for bx in (x - 240, x + front.width + depth + 30):  # neighbours
        bh = int(rng.uniform(0.5, 0.9) * front.height)
        c = _jitter(_pick(rng, PALETTES)[2], rng, 30)
        d.rectangle([bx, shelf_y - bh, bx + 200, shelf_y], fill=c)
        d.polygon([(bx + 200, shelf_y - bh), (bx + 200 + depth, shelf_y - bh - depth // 2), (bx + 200 + depth, shelf_y - depth // 2),
                   (bx + 200, shelf_y)], fill=_rgb(np.array(c) * 0.7))  # fmt: skip
    d.polygon([(x, y), (x + depth, y - depth // 2), (x + front.width + depth, y - depth // 2), (x + front.width, y)],
              fill=_rgb(np.array(side) * 1.1))  # fmt: skip
    d.polygon([(x + front.width, y), (x + front.width + depth, y - depth // 2), (x + front.width + depth, shelf_y - depth // 2),
               (x + front.width, shelf_y)], fill=_rgb(np.array(side) * 0.7))  # fmt: skip
    shade = _gradient(front.size, (255, 255, 255), _rgb([rng.uniform(200, 235)] * 3), angle=0)
    back.paste(ImageChops.multiply(front, shade), (x, y))
    tag = _pick(rng, PRICES)
    d.rectangle([x + 20, shelf_y + 4, x + 220, shelf_y + 38], fill=(250, 250, 240))
    _text_at(d, (x + 120, shelf_y + 21), tag, _font("DejaVuSans-Bold.ttf", 26), (200, 30, 30))
    return back


def _rounded_vignette(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A marketer's frame: the copy with rounded corners (radius 8-18 % of the short side) and a dark vignette,
    at 70-90 % of the width on a flat or gradient 4:5 page with a small logo chip and a handle."""
    a = np.asarray(img, np.float32)
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    strength = rng.uniform(0.35, 0.6)
    a = a * (1 - strength * np.clip(r2 - 0.3, 0, 1.4)[..., None] / 1.4)
    vig = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    W, H = 1080, 1350
    paper, primary, secondary, _accent, ink = _pick(rng, PALETTES)
    page = _gradient((W, H), _jitter(paper, rng, 14), _jitter(secondary, rng, 30)) if rng.random() < 0.5 else Image.new(
        "RGB", (W, H), _jitter(paper, rng, 14))  # fmt: skip
    width = int(W * rng.uniform(0.7, 0.9))
    copy = vig.resize((width, max(8, int(h * width / w))), Image.BILINEAR)
    if copy.height > H * 0.78:
        copy = _contain(vig, (width, int(H * 0.78)))
    mask = Image.new("L", copy.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, copy.width - 1, copy.height - 1],
                                           radius=int(min(copy.size) * rng.uniform(0.08, 0.18)), fill=255)  # fmt: skip
    x, y = (W - copy.width) // 2, (H - copy.height) // 2 + int(rng.integers(-40, 41))
    page.paste(copy, (x, y), mask)
    d = ImageDraw.Draw(page)
    d.ellipse([40, 40, 120, 120], fill=primary)
    _text_at(d, (80, 80), _pick(rng, ("店", "S", "新", "M")), _font("noto-bold", 44), _contrast(primary))
    d.text((140, 58), _pick(rng, HANDLES), font=_font("DejaVuSans-Bold.ttf", 34), fill=_contrast(paper, ink))
    return page


def _social_post(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A phone screenshot of a social post (1080x1920): a status bar, the account row (avatar, handle, a follow
    button), the copy at full width (at most 4:5 tall, else fitted on grey), the like / comment / share row, likes
    and a caption in zh-TW, a tab bar; light or dark mode."""
    dark = rng.random() < 0.35
    paper, fg, sub = (
        ((0, 0, 0), (245, 245, 245), (160, 160, 160))
        if dark
        else ((255, 255, 255), (20, 20, 20), (120, 120, 120))
    )
    W, H = 1080, 1920
    page = Image.new("RGB", (W, H), paper)
    d = ImageDraw.Draw(page)
    d.text(
        (50, 24),
        f"{int(rng.integers(8, 23))}:{int(rng.integers(0, 60)):02d}",
        font=_font("DejaVuSans-Bold.ttf", 36),
        fill=fg,
    )
    d.rectangle([930, 34, 1000, 64], outline=fg, width=3)
    d.rectangle([936, 40, 936 + int(rng.integers(20, 58)), 58], fill=fg)
    d.line([(0, 200), (W, 200)], fill=sub, width=1)
    d.text((40, 110), "‹", font=_font("DejaVuSans-Bold.ttf", 60), fill=fg)
    d.text((420, 120), "貼文", font=_font("noto-bold", 44), fill=fg)
    ay = 230
    d.ellipse([40, ay, 140, ay + 100], fill=_rgb(rng.integers(40, 230, 3)))
    handle = _pick(rng, HANDLES)
    d.text((170, ay + 22), handle.lstrip("@"), font=_font("DejaVuSans-Bold.ttf", 38), fill=fg)
    d.rounded_rectangle([800, ay + 20, 1040, ay + 80], radius=14, fill=(0, 149, 246))
    _text_at(d, (920, ay + 50), "追蹤", _font("noto-bold", 34), (255, 255, 255))
    top = ay + 130
    copy = img.resize((W, max(8, int(img.height * W / img.width))), Image.BILINEAR)
    box_h = copy.height
    if copy.height > W * 1.25:
        box_h = int(W * 1.25)
        d.rectangle([0, top, W, top + box_h], fill=(40, 40, 40) if dark else (239, 239, 239))
        copy = _contain(img, (W, box_h))
    page.paste(copy, ((W - copy.width) // 2, top + (box_h - copy.height) // 2))
    y = top + box_h + 30
    for k, glyph in enumerate(("♡", "○", "➤")):
        d.text((40 + k * 110, y), glyph, font=_font("DejaVuSans.ttf", 64), fill=fg)
    d.text((960, y), "⚑", font=_font("DejaVuSans.ttf", 60), fill=fg)
    y += 100
    likes = f"{int(rng.integers(120, 98000)):,} 個讚"
    d.text((40, y), likes, font=_font("noto-bold", 36), fill=fg)
    caption = _pick(rng, CAPTIONS) + " " + _pick(rng, ("#台灣", "#週末去哪", "#新品", "#好物推薦"))
    if y + 60 < H - 200:
        d.text(
            (40, y + 56), handle.lstrip("@") + " " + caption, font=_fit(d, caption, "noto", 34, 900), fill=fg
        )
    d.rectangle([0, H - 150, W, H], fill=paper)
    d.line([(0, H - 150), (W, H - 150)], fill=sub, width=1)
    for k in range(5):
        x = 108 + k * 216
        d.rounded_rectangle([x - 28, H - 105, x + 28, H - 49], radius=10, outline=fg, width=4)
    return page


EDITS: dict[str, Edit] = {
    "hue_30-150deg": _hue_shift,
    "colour_grade": _colour_grade,
    "mirror": _mirror,
    "rotate_5-20deg": _rotate_small,
    "rotate_90": _rotate_90,
    "downscale_recompress": _recompress,
    "caption_15-35": _caption,
    "sticker_8-20": _sticker,
    "crop_55-75": _crop,
    "corner_110-200px": _corner,
    "perspective_print": _perspective,
    "photo_card": _photo_card,
    "blurred_backdrop_9x16": _blurred_backdrop,
    "split_screen": _split,
    "carousel_grid": _grid,
    "shelf_mockup": _shelf,
    "rounded_vignette": _rounded_vignette,
    "social_post": _social_post,
}
MILD = ("hue_30-150deg", "colour_grade", "mirror", "rotate_5-20deg", "rotate_90", "downscale_recompress")
FLASH_EDITS = ("flash_cut_0.3s", "flash_fade_0.4s")  # ``render_flash``, one clip seed drawn per clip


def render_flash(img: Image.Image, bg: Image.Image, path: Path, seed: int, *, fade: bool, seconds: float = 3.0,
                 fps: int = 30, size: tuple[int, int] = (1080, 1920)) -> Path:  # fmt: skip
    """A ``size`` (1080x1920) H.264 clip drifting diagonally over ``bg`` (with a slow brightness swell), the copy at
    45-70 % of the width at a random place, shown for 0.3 s (hard cut in and out) or faded in and out over 0.4 s
    (peak in the middle), starting at 0.4-2.3 s. Every random choice comes from ``seed``."""
    from studio.media import ffmpeg_exe

    w, h = size
    drift = max(2, w // 6)
    rng = np.random.default_rng(seed)
    base = np.asarray(_cover(bg, (w + drift, h + drift)), dtype=np.float32)
    scale = rng.uniform(0.45, 0.7) * w / img.width
    if img.height * scale > h * 0.7:
        scale = h * 0.7 / img.height
    small = np.asarray(
        img.resize((max(2, int(img.width * scale)), max(2, int(img.height * scale))), Image.BILINEAR),
        np.float32,
    )
    sy, sx = small.shape[:2]
    x = int(rng.integers(0, w - sx + 1))
    y = int(rng.integers(0, h - sy + 1))
    start = rng.uniform(0.4, 2.3)
    length = 0.4 if fade else 0.3
    flip = rng.random() < 0.5
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r",
         str(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    n = round(seconds * fps)
    for k in range(n):
        t = k / fps
        p = t / seconds
        ox = int(drift * (1 - p if flip else p))
        oy = int(drift * p)
        frame = base[oy : oy + h, ox : ox + w] * (0.9 + 0.1 * np.sin(np.pi * p))
        # the frame index decides (not float time), so a 0.3 s cut is exactly round(0.3 * fps) frames
        first = round(start * fps)
        count = round(length * fps)
        if fade:
            u = (k - first + 0.5) / count
            alpha = max(0.0, 1 - abs(2 * u - 1)) if 0 <= u <= 1 else 0.0
        else:
            alpha = 1.0 if first <= k < first + count else 0.0
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
    s = REF_SEEDS
    words = {
        "patch": (REF_LATIN[2], REF_ZH[1], REF_LATIN[4]),
        "riso": (REF_ZH[3], REF_LATIN[1], REF_ZH[5]),
        "memphis": (REF_LATIN[0], REF_ZH[4], REF_LATIN[5]),
        "lantern": ("福壽平安", REF_ZH[0], "春節元宵"),
        "vinyl": (REF_LATIN[3], REF_ZH[3], REF_LATIN[0]),
    }
    makers = {
        "patch": embroidered_patch,
        "riso": riso_print,
        "memphis": memphis_poster,
        "lantern": lantern_night,
        "vinyl": record_sleeve,
    }
    for kind in KINDS:
        for k, seed in enumerate(s[kind]):
            name = f"f6-ref-{kind}:{seed}"
            if kind in makers:
                specs.append((name, lambda f=makers[kind], seed=seed, w=words[kind][k]: f(seed, w)))
            elif kind == "iso":
                specs.append((name, lambda seed=seed: isometric_room(seed)))
            elif kind == "bento":
                specs.append((name, lambda seed=seed: bento_box(seed)))
            else:
                specs.append((name, lambda seed=seed, k=k: ticket(seed, *REF_TICKETS[k])))
    return specs


REF_WORDS = (*REF_ZH, *REF_LATIN, "福壽平安", "春節元宵", *(t for t, _ in REF_TICKETS))


def references(shared: Path | None, cache: Path | None = None) -> list[Item]:
    """The fresh6 protected references: 24 procedural ones (3 of each of 8 kinds) and, with ``shared``, 2 plush
    photos and 3 lego renders (read at run time, never stored): 29 in all."""
    items = []
    if shared is not None and (shared / "plush_photos").is_dir():
        plush = sorted((shared / "plush_photos").glob("*.jpg"))
        for k in PLUSH:
            items.append(Item(f"f6-ref-plush:{plush[k].stem}", data._rgb(Image.open(plush[k]))))
    if shared is not None and (shared / "nerf_lego" / "train").is_dir():
        lego = sorted((shared / "nerf_lego" / "train").glob("*.png"), key=lambda p: int(p.stem.split("_")[1]))
        for k in LEGO:
            items.append(Item(f"f6-ref-lego:{lego[k].stem}", data._rgb(Image.open(lego[k]))))
    items += [Item(name, make()) for name, make in _ref_specs()]
    return data.interleave_by_kind(items)  # the first VIDEO_REFS get the flash clips


# -- the look-alikes ---------------------------------------------------------------------------------------------
DESIGN_KINDS = {
    "patch": PATCH_SHAPES, "riso": RISO_LAYOUTS, "iso": ISO_ROOMS, "memphis": MEMPHIS_BOXES,
    "lantern": LANTERN_COUNTS, "bento": BENTO_GRIDS, "ticket": TICKET_STYLES, "vinyl": SLEEVE_DESIGNS,
}  # fmt: skip
LAYOUTS = ("card", "backdrop", "split", "grid", "corner", "caption")
FAMILIES = (*KINDS, "promo", "flat", *LAYOUTS)


def _look_word(rng: np.random.Generator) -> str:
    return _pick(rng, LOOK_ZH) if rng.random() < 0.5 else _pick(rng, LOOK_LATIN)


def _look_seat(rng: np.random.Generator) -> str:
    return f"{'DEFGH'[int(rng.integers(5))]}-{int(rng.integers(30, 99))}"  # reference seats are A-C, 07-21


def _generated(kind: str, seed: int) -> Image.Image:
    """Look-alike ``kind`` drawn from the first seed at or after ``seed`` whose design no reference of the kind
    has, with look-alike words."""
    s = seeds_off(seed, 1, DESIGN_KINDS[kind], REF_SEEDS[kind])[0]
    rng = np.random.default_rng(s + 7)
    word = _look_word(rng)
    if kind == "patch":
        return embroidered_patch(s, word)
    if kind == "riso":
        return riso_print(s, word)
    if kind == "iso":
        return isometric_room(s)
    if kind == "memphis":
        return memphis_poster(s, word)
    if kind == "lantern":
        return lantern_night(s, _pick(rng, LOOK_ZH))
    if kind == "bento":
        return bento_box(s)
    if kind == "ticket":
        return ticket(s, word, _look_seat(rng))
    return record_sleeve(s, word)


def _picture(seed: int) -> Image.Image:
    """An unrelated picture for a layout look-alike: a look-alike generator picture (70 %) or a background."""
    rng = np.random.default_rng(seed)
    if rng.random() < 0.7:
        return _generated(_pick(rng, KINDS), seed + 100)
    return _pick(rng, (kitchen_counter, night_street, shelf_wall))(seed + 200)


def _layout(seed: int, kind: str) -> Image.Image:
    """The edits' own layouts around an unrelated picture over an unrelated background."""
    rng = np.random.default_rng(seed)
    picture = _picture(seed)
    bg = (kitchen_counter, night_street, shelf_wall)[seed % 3](seed + 300)
    fn = {"card": _photo_card, "backdrop": _blurred_backdrop, "split": _split, "grid": _grid, "corner": _corner,
          "caption": _caption}[kind]  # fmt: skip
    return fn(picture, rng, bg)


def lookalike_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    """(name, maker) of every look-alike, in order; cheap: nothing is drawn until a maker is called."""
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    for f, family in enumerate(FAMILIES):
        base = LOOKALIKE_BASE + 1000 * f
        for k in range(PER_FAMILY):
            seed = base + 37 * k  # room between seeds for seeds_off to skip a reference's design
            if family in KINDS:
                make = lambda fam=family, s=seed: _generated(fam, s)
            elif family == "promo":
                make = lambda s=seed: promo_card(s)
            elif family == "flat":
                make = lambda s=seed: flat_white_text(s)
            else:
                make = lambda fam=family, s=seed: _layout(s, fam)
            specs.append((f"f6-{family}:{k}", make))
    return specs


def lookalikes(cache: Path | None = None) -> list[Item]:
    """The 320 fresh6 look-alikes (20 per family in 16 families), in ``lookalike_specs`` order."""
    return [Item(name, make()) for name, make in lookalike_specs()]
