"""A second fresh held-out set for the visual near-copy benchmark (fresh2; ``compliance_visual.py --fresh2``).

Written without looking at how the screen works and never screened while it was made: only rendered and
looked at. Scored once on 2026-12-02 (main at 1066fd3, figures in bench/README.md "fresh2 scored once"); its
errors were read then, so it is development material now, like the visual2 and visual3 sets. Everything is procedural and seeded (PIL + numpy, the system's DejaVu fonts and the Noto Sans TC the
studio ships); the product photos are read from ``shared/data`` at run time and never stored.

References (33 with ``shared``, 26 without), new kinds of marks of a Taiwanese marketing studio:
    monogram badges, flat mascots built from shapes, zh-TW + Latin wordmarks with a symbol, packaging fronts with
    a label panel, patterned textile prints (woven texture, no text), app-icon squircles, 印章 seals (eroded ink
    on paper), and plush photos / a plush crop / lego renders at positions no earlier set used.

Look-alikes (310, none contains a reference): the same generators with other seeds and disjoint word pools
(same fonts, palettes, layouts), promo cards and price tags in zh-TW/Latin, studio's own end cards in other
brand colours, the edits' own layouts (caption bands, photo cards, blurred backdrops, stickers, corner marks)
around unrelated pictures, and plain flat / gradient cards. Names are ``f2-<family>:<k>``.

Seeds (none used by an earlier set): generators 610000-689999, edits ``EDIT_SEED`` + seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import compliance_visual_data as data
import numpy as np
from compliance_visual_data import Item
from PIL import Image, ImageDraw, ImageFilter, ImageFont

EDIT_SEED = 7770  # the real edits: np.random.default_rng(EDIT_SEED + seed)
VIDEO_REFS = 10  # the first references (interleaved kinds) get the two flash clips

# reference generator seeds (one range per kind)
REF_BADGES = range(610000, 610004)
REF_MASCOTS = range(611000, 611004)
REF_WORDMARKS = range(612000, 612004)
REF_PACKS = range(613000, 613004)
REF_TEXTILES = range(614000, 614004)
REF_APPS = range(615000, 615003)
REF_SEALS = range(616000, 616003)
PLUSH = (2, 33, 72, 94)  # positions in the sorted plush photos (fresh used 5, 15, 25, 45, 55, 65, 85)
PLUSH_CROPS = (40,)  # a 55-65 % crop of this one
LEGO = (30, 70)  # positions in the lego renders sorted by number (fresh used 10, 50, 90)
CROP_SEED = 617000
BACKDROPS = range(620000, 620024)  # backgrounds of the edits
SCENES = range(621000, 621016)
LOOKALIKE_SEED = 630000  # the layout look-alikes' draws
PER_FAMILY = 22

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LATIN_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSans.ttf",
    "DejaVuSansMono-Bold.ttf",
)

# palettes of Taiwanese brands (tea green, vermilion, indigo, mustard, cream, ...), shared by references and
# look-alikes: (background, primary, accent, ink)
PALETTES = (
    ((242, 234, 215), (30, 74, 56), (200, 162, 88), (30, 40, 35)),
    ((255, 255, 255), (178, 34, 34), (240, 190, 60), (40, 20, 20)),
    ((236, 240, 245), (27, 58, 107), (230, 120, 60), (20, 30, 50)),
    ((250, 245, 230), (214, 150, 30), (60, 110, 70), (50, 40, 20)),
    ((30, 36, 48), (240, 200, 80), (90, 180, 200), (245, 245, 240)),
    ((255, 248, 240), (230, 90, 110), (90, 160, 140), (60, 30, 40)),
    ((245, 245, 245), (20, 20, 20), (220, 60, 50), (20, 20, 20)),
    ((228, 238, 225), (70, 120, 60), (240, 170, 60), (30, 50, 30)),
    ((250, 236, 220), (150, 70, 40), (40, 90, 110), (60, 35, 25)),
    ((20, 60, 70), (240, 230, 210), (230, 150, 90), (250, 250, 245)),
)

# word pools: references draw from the first, look-alikes from the second (disjoint: a look-alike never carries
# a reference's name, it only shares fonts, palettes and layouts)
REF_ZH = ("青禾米舖", "晴空烘焙", "海風手作", "小島咖啡", "日和選物", "木森家居", "花蓮蜂蜜", "竹林醬園")
REF_LATIN = ("KOMA", "Aurora", "ISLE & CO", "MOCHI", "Nami", "TAIPEI BREW", "Lumi", "HAVEN")
REF_LETTERS = ("KM", "AY", "TS", "HL", "RJ", "QW")
REF_SEAL = ("陳氏之印", "林記", "福", "王大明印", "雅集", "蘇印")
LOOK_ZH = (
    "春田農場", "雲朵甜點", "金沙海鹽", "北投湯屋", "鹿港糕餅", "玉山茶行", "橘子工坊", "星空露營", "白鷺書店",
    "暖陽麵包", "阿嬤灶腳", "大稻埕布行", "九份芋圓", "墾丁衝浪", "宜蘭米香", "台南豆花",
)  # fmt: skip
LOOK_LATIN = (
    "KAZE", "Nova", "BLOOM", "ORCHID", "Mori", "FORMOSA", "Pebble", "SORA", "Tide", "EMBER", "Yuzu", "HINOKI",
    "Papaya", "OOLONG LAB", "Kumo", "MANGO BAY",
)  # fmt: skip
LOOK_SURNAMES = "張李黃吳劉蔡楊許鄭謝郭洪曾邱廖賴周葉"
LOOK_SEAL_SUFFIX = ("氏之印", "印", "記", "之章", "私印", "")
LOOK_GIVEN = "志美華玉文宏淑芬俊傑"
PRODUCTS_ZH = ("高山烏龍", "手工鳳梨酥", "冷壓苦茶油", "黑糖薑母茶", "花生麻糬", "芒果乾", "牛軋糖", "米餅")
TAGLINES = ("天然手作", "台灣在地", "新鮮直送", "職人嚴選", "100% 台灣製", "無添加")
PROMO_HEAD = ("週末限定", "年終慶", "母親節特惠", "開幕慶", "雙 12 狂歡", "會員日", "春季新品", "中秋禮盒")
PROMO_SUB = (
    "全館 8 折", "買二送一", "滿千折百", "第二件半價", "限時 48 小時", "免運到府", "加購價 NT$99", "新會員首購 9 折",
)  # fmt: skip
PROMO_LATIN = (
    "WEEKEND SALE",
    "UP TO 50% OFF",
    "FREE SHIPPING",
    "NEW ARRIVALS",
    "MEMBERS ONLY",
    "LAST CHANCE",
)
CTA = ("立即搶購", "馬上選購", "了解更多", "SHOP NOW", "加入購物車", "領取優惠")


# -- helpers -----------------------------------------------------------------------------------------------------
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    if name in ("noto-bold", "noto"):
        path = data.cjk_font()
        if name == "noto":
            path = path.replace("Bold", "Regular")
        return ImageFont.truetype(path, max(8, int(size)))
    return ImageFont.truetype(str(_FONT_DIR / name), max(8, int(size)))


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _jitter(colour, rng: np.random.Generator, amount: int = 18) -> tuple[int, int, int]:
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in colour)


def _luma(colour) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


def _readable(against, *candidates) -> tuple[int, int, int]:
    """The first of ``candidates`` that stands out from ``against`` (luma differs by 90+), else black or white."""
    for colour in candidates:
        if abs(_luma(colour) - _luma(against)) >= 90:
            return tuple(colour)
    return (20, 20, 20) if _luma(against) > 128 else (250, 250, 250)


def _centered(draw: ImageDraw.ImageDraw, xy, text: str, font, fill) -> None:
    box = draw.textbbox((0, 0), text, font=font)
    draw.text((xy[0] - (box[0] + box[2]) / 2, xy[1] - (box[1] + box[3]) / 2), text, font=font, fill=fill)


def _fit(draw: ImageDraw.ImageDraw, text: str, name: str, size: float, width: float):
    """The font ``name`` at ``size`` or smaller, so ``text`` fits in ``width`` pixels."""
    font = _font(name, size)
    box = draw.textbbox((0, 0), text, font=font)
    if box[2] - box[0] > width:
        font = _font(name, size * width / (box[2] - box[0]))
    return font


def _grain(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    array = np.asarray(image, dtype=np.float32) + rng.normal(0, sigma, (image.height, image.width, 1))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def _vgradient(size, top, bottom) -> Image.Image:
    w, h = size
    t = np.linspace(0, 1, h)[:, None, None]
    array = (np.array(top) * (1 - t) + np.array(bottom) * t) * np.ones((1, w, 1))
    return Image.fromarray(array.astype(np.uint8))


def _squircle_mask(size: int, n: float = 5.0, scale: float = 1.0) -> Image.Image:
    c = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size]
    r = c * scale
    inside = (np.abs((x - c) / r) ** n + np.abs((y - c) / r) ** n) <= 1
    return Image.fromarray((inside * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))


def _design(rng: np.random.Generator, kinds: int) -> tuple[int, int]:
    """The first two draws of the badge and packaging generators: palette index and shape kind (so look-alikes
    can be kept off a reference's design: same template and colours with other words would be a copy)."""
    return int(rng.integers(len(PALETTES))), int(rng.integers(kinds))


def _seeds_off(base: int, n: int, kinds: int, taken: range, *, by_kind: bool = False) -> list[int]:
    """The first ``n`` seeds from ``base`` whose (palette, kind) (or kind alone, ``by_kind``) is not one of the
    ``taken`` seeds' designs."""

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


def _seeds_round_robin(base: int, n: int, kinds: int, taken: range) -> list[int]:
    """``n`` seeds from ``base`` whose kinds go round the kinds none of the ``taken`` seeds has."""
    used = {_design(np.random.default_rng(s), kinds)[1] for s in taken}
    free = [k for k in range(kinds) if k not in used]
    out, s = [], base
    while len(out) < n:
        if _design(np.random.default_rng(s), kinds)[1] == free[len(out) % len(free)]:
            out.append(s)
        s += 1
    return out


# -- reference (and look-alike) generators ----------------------------------------------------------------------
def badge(seed: int, letters: str) -> Image.Image:
    """A monogram badge: a circle, shield, hexagon, diamond or rounded square with a ring, two serif or sans
    letters, a small line of text ("EST. 2016", "台北 · TAIPEI") and a few dots or a bar; 512 x 512."""
    rng = np.random.default_rng(seed)
    palette, shape = _design(rng, 5)
    bg, primary, accent, ink = PALETTES[palette]
    if rng.random() < 0.3:
        bg = primary if sum(primary) > 300 else (250, 248, 242)
    size = 512
    image = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(image)
    c, r = size / 2, size * rng.uniform(0.36, 0.44)
    fill = primary if bg != primary else accent

    def outline(rr: float) -> list[tuple[float, float]]:
        if shape == 1:  # shield
            return [(c - rr, c - rr * 0.9), (c + rr, c - rr * 0.9), (c + rr, c + rr * 0.1), (c, c + rr * 1.05),
                    (c - rr, c + rr * 0.1)]  # fmt: skip
        if shape == 2:  # hexagon
            return [
                (c + rr * np.cos(a), c + rr * np.sin(a))
                for a in np.linspace(0, 2 * np.pi, 7)[:-1] + np.pi / 6
            ]
        if shape == 3:  # diamond
            return [(c, c - rr), (c + rr, c), (c, c + rr), (c - rr, c)]
        return []

    if shape in (0, 4):
        box = [c - r, c - r, c + r, c + r]
        if shape == 0:
            draw.ellipse(box, fill=fill)
            draw.ellipse(
                [c - r * 0.88, c - r * 0.88, c + r * 0.88, c + r * 0.88], outline=bg, width=int(r * 0.04)
            )
        else:
            draw.rounded_rectangle(box, radius=int(r * 0.3), fill=fill)
            q = r * 0.88
            draw.rounded_rectangle([c - q, c - q, c + q, c + q], radius=int(r * 0.25), outline=bg,
                                   width=int(r * 0.04))  # fmt: skip
    else:
        draw.polygon(outline(r), fill=fill)
        draw.line(outline(r * 0.88) + outline(r * 0.88)[:1], fill=bg, width=int(r * 0.04), joint="curve")
    on = bg if fill != bg else ink
    narrow = shape in (1, 3)  # the shield and the diamond narrow towards the bottom: smaller, higher letters
    font = _font(_pick(rng, LATIN_FONTS[:4]), r * rng.uniform(0.7, 0.95) * (0.75 if narrow else 1.0))
    _centered(draw, (c, c - r * (0.15 if narrow else 0.05)), letters, font, on)
    small = _pick(rng, ("EST. 2016", "SINCE 1987", "台北 · TAIPEI", "TAINAN", "手作 · HANDMADE", "EST. 2021"))
    y_small = c + r * (0.45 if narrow else 0.62)
    _centered(
        draw, (c, y_small), small, _fit(draw, small, "noto-bold", r * 0.13, r * (0.75 if narrow else 1.1)), on
    )
    for k in range(int(rng.integers(0, 4))):
        x = c + (k - 1) * r * 0.22
        draw.ellipse(
            [x - r * 0.03, c - r * 0.62 - r * 0.03, x + r * 0.03, c - r * 0.62 + r * 0.03], fill=accent
        )
    if rng.random() < 0.5:
        bar = c + r * (0.28 if narrow else 0.4)
        draw.rectangle([c - r * 0.45, bar, c + r * 0.45, bar + r * 0.03], fill=accent)
    return image


def mascot(seed: int, name: str | None) -> Image.Image:
    """A flat mascot built from shapes: a body (round, egg, bean or bun), ears (round, pointed, bunny or a
    leaf), eyes with highlights, cheeks, a mouth, little arms; a backing disc and an optional name; 600 x 600."""
    rng = np.random.default_rng(seed)
    bg, primary, accent, ink = _pick(rng, PALETTES)
    size = 600
    image = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(image)
    cx, cy = size / 2, size * (0.5 if name is None else 0.45)
    if rng.random() < 0.6:
        rr = size * rng.uniform(0.36, 0.44)
        draw.ellipse([cx - rr, cy - rr, cx + rr, cy + rr], fill=_jitter(accent, rng, 30))
    body = _jitter(primary, rng, 25)
    if sum(body) < 150:
        body = (200, 140, 90)
    w, h = size * rng.uniform(0.22, 0.3), size * rng.uniform(0.2, 0.3)
    kind = int(rng.integers(4))
    ears = int(rng.integers(4))
    ear = _jitter(body, rng, 30)
    if ears == 0:
        for s in (-1, 1):
            ex, ey, er = cx + s * w * 0.7, cy - h * 0.85, w * 0.28
            draw.ellipse([ex - er, ey - er, ex + er, ey + er], fill=ear)
    elif ears == 1:
        for s in (-1, 1):
            draw.polygon([(cx + s * w * 0.25, cy - h * 0.8), (cx + s * w * 0.95, cy - h * 0.5),
                          (cx + s * w * 0.8, cy - h * 1.35)], fill=ear)  # fmt: skip
    elif ears == 2:
        for s in (-1, 1):
            ex = cx + s * w * 0.4
            draw.ellipse([ex - w * 0.16, cy - h * 1.9, ex + w * 0.16, cy - h * 0.6], fill=ear)
            draw.ellipse([ex - w * 0.07, cy - h * 1.75, ex + w * 0.07, cy - h * 0.8], fill=(250, 200, 210))
    else:
        draw.ellipse([cx - w * 0.05, cy - h * 1.45, cx + w * 0.45, cy - h * 0.95], fill=(80, 160, 80))
        draw.line([(cx, cy - h * 0.9), (cx + w * 0.05, cy - h * 1.2)], fill=(60, 110, 50), width=8)
    for s in (-1, 1):  # arms
        ax = cx + s * w * rng.uniform(0.9, 1.05)
        draw.ellipse([ax - w * 0.18, cy + h * 0.05, ax + w * 0.18, cy + h * 0.45], fill=ear)
    if kind == 0:
        draw.ellipse([cx - w, cy - h, cx + w, cy + h], fill=body)
    elif kind == 1:
        draw.ellipse([cx - w * 0.85, cy - h * 1.1, cx + w * 0.85, cy + h], fill=body)
        draw.ellipse([cx - w, cy - h * 0.3, cx + w, cy + h], fill=body)
    elif kind == 2:
        draw.rounded_rectangle([cx - w, cy - h, cx + w, cy + h], radius=int(w * 0.7), fill=body)
    else:  # a bun with a pleat on top
        draw.chord([cx - w, cy - h * 1.2, cx + w, cy + h * 1.2], 180, 360, fill=body)
        draw.rectangle([cx - w, cy - 1, cx + w, cy + h * 0.6], fill=body)
        draw.ellipse([cx - w, cy + h * 0.2, cx + w, cy + h], fill=body)
        for k in range(-2, 3):
            draw.arc([cx + k * w * 0.15 - w * 0.2, cy - h * 1.25, cx + k * w * 0.15 + w * 0.2, cy - h * 0.7],
                     200, 340, fill=_jitter(body, rng, 40), width=4)  # fmt: skip
    eye_dx, eye_y, er = (
        w * rng.uniform(0.3, 0.45),
        cy - h * rng.uniform(0.05, 0.25),
        w * rng.uniform(0.08, 0.14),
    )
    dark = (35, 30, 30)
    for s in (-1, 1):
        ex = cx + s * eye_dx
        if rng.random() < 0.8 or s == -1:
            draw.ellipse([ex - er, eye_y - er, ex + er, eye_y + er], fill=dark)
            draw.ellipse(
                [ex - er * 0.2, eye_y - er * 0.7, ex + er * 0.35, eye_y - er * 0.15], fill=(255, 255, 255)
            )
        else:  # a wink
            draw.arc(
                [ex - er, eye_y - er, ex + er, eye_y + er], 200, 340, fill=dark, width=max(3, int(er * 0.35))
            )
        cheek = (245, 140, 150)
        draw.ellipse([ex + s * er * 0.6 - er * 1.1, eye_y + er * 1.6, ex + s * er * 0.6 + er * 1.1,
                      eye_y + er * 2.6], fill=cheek)  # fmt: skip
    my = eye_y + er * 2.2
    if rng.random() < 0.5:
        draw.arc(
            [cx - er * 1.2, my - er, cx + er * 1.2, my + er], 20, 160, fill=dark, width=max(3, int(er * 0.3))
        )
    else:
        draw.chord([cx - er, my - er * 0.6, cx + er, my + er * 1.2], 0, 180, fill=(190, 60, 60))
    if name is not None:
        font = _fit(draw, name, "noto-bold", size * 0.1, size * 0.8)
        _centered(draw, (size / 2, size * 0.9), name, font, ink if sum(bg) > 380 else (250, 250, 250))
    return image


def _symbol(image: Image.Image, rng: np.random.Generator, cx, cy, r, colour, accent) -> None:
    """A brand symbol of one of six kinds (leaf, drop, peaks, sun over waves, steaming bowl, blossom), its
    proportions, counts and tilt drawn from ``rng`` (two symbols of one kind are never the same drawing), pasted
    centred on (cx, cy) with radius ``r``."""
    kind = int(rng.integers(6))
    side = int(2.6 * r)
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    c = side / 2
    colour, accent = (*colour, 255), (*accent, 255)
    tilt = 0.0
    if kind == 0:  # leaf: two halves, a vein, sometimes a second smaller leaf
        wdt = rng.uniform(0.3, 0.6)
        draw.chord([c - r * wdt, c - r, c + r * wdt, c + r], 90, 270, fill=colour)
        draw.chord(
            [c - r * wdt, c - r, c + r * wdt, c + r], 270, 90, fill=accent if rng.random() < 0.6 else colour
        )
        draw.line([(c, c - r), (c, c + r * 1.1)], fill=(255, 255, 255, 255), width=max(2, int(r * 0.06)))
        if rng.random() < 0.5:
            q = rng.uniform(0.3, 0.5)
            draw.chord([c + r * 0.4, c, c + r * (0.4 + q), c + r], 0, 360, fill=accent)
        tilt = rng.uniform(-35, 35)
    elif kind == 1:  # drop, with a highlight
        wdt = rng.uniform(0.45, 0.7)
        draw.ellipse([c - r * wdt, c - r * 0.1, c + r * wdt, c + r * 1.0], fill=colour)
        draw.polygon([(c - r * wdt * 0.87, c + r * 0.25), (c, c - r * rng.uniform(0.8, 1.1)),
                      (c + r * wdt * 0.87, c + r * 0.25)], fill=colour)  # fmt: skip
        hx = c - r * wdt * rng.uniform(0.2, 0.6)
        draw.ellipse([hx - r * 0.1, c + r * 0.3, hx + r * 0.1, c + r * 0.6], fill=accent)
        tilt = rng.uniform(-20, 20)
    elif kind == 2:  # 2-4 peaks of random heights and widths, the tallest in front
        n = int(rng.integers(2, 5))
        peaks = sorted(
            ((rng.uniform(-0.6, 0.6), rng.uniform(0.5, 1.0)) for _ in range(n)), key=lambda p: p[1]
        )
        for k, (dx, sc) in enumerate(peaks):
            draw.polygon([(c + dx * r - r * sc * 0.9, c + r * 0.8), (c + dx * r, c + r * 0.8 - 1.6 * r * sc),
                          (c + dx * r + r * sc * 0.9, c + r * 0.8)], fill=colour if k == n - 1 else accent)  # fmt: skip
        if rng.random() < 0.5:
            sx, sy, sr = c + r * rng.uniform(-0.7, 0.7), c - r * 0.9, r * 0.18
            draw.ellipse([sx - sr, sy - sr, sx + sr, sy + sr], fill=accent)
    elif kind == 3:  # a sun over 2-4 waves
        sun = rng.uniform(0.6, 1.0)
        draw.pieslice(
            [c - r * sun, c + r * 0.4 - r * sun, c + r * sun, c + r * 0.4 + r * sun], 180, 360, fill=accent
        )
        n = int(rng.integers(2, 5))
        for k in range(n):
            y = c + r * 0.45 + k * r * 0.5 / n
            amp = r * rng.uniform(0.12, 0.25)
            draw.arc([c - r, y - amp, c, y + amp], 180, 360, fill=colour, width=max(3, int(r * 0.1)))
            draw.arc([c, y - amp, c + r, y + amp], 0, 180, fill=colour, width=max(3, int(r * 0.1)))
    elif kind == 4:  # a bowl with 1-3 wisps of steam
        depth = rng.uniform(0.8, 1.3)
        draw.chord([c - r, c - r * 0.3 * depth, c + r, c + r * depth], 0, 180, fill=colour)
        draw.rectangle([c - r * 0.35, c + r * 0.55 * depth, c + r * 0.35, c + r * 0.7 * depth], fill=colour)
        wisps = int(rng.integers(1, 4))
        for dx in np.linspace(-0.35, 0.35, wisps) if wisps > 1 else [0.0]:
            x = c + dx * r
            width = max(3, int(r * 0.08))
            draw.arc(
                [x - r * 0.15, c - r * 0.9, x + r * 0.15, c - r * 0.5], 90, 270, fill=accent, width=width
            )
            draw.arc(
                [x - r * 0.15, c - r * 0.55, x + r * 0.15, c - r * 0.15], 270, 90, fill=accent, width=width
            )
    else:  # a blossom of 4-8 petals
        n = int(rng.integers(4, 9))
        pr = r * rng.uniform(0.3, 0.45)
        for k in range(n):
            a = -np.pi / 2 + 2 * np.pi * k / n
            px, py = c + r * 0.55 * np.cos(a), c + r * 0.55 * np.sin(a)
            draw.ellipse([px - pr, py - pr, px + pr, py + pr], fill=colour)
        cr = r * rng.uniform(0.18, 0.3)
        draw.ellipse([c - cr, c - cr, c + cr, c + cr], fill=accent)
        tilt = rng.uniform(0, 360 / n)
    if tilt:
        layer = layer.rotate(tilt, resample=Image.BICUBIC)
    image.paste(layer, (int(cx - c), int(cy - c)), layer)


def wordmark(seed: int, zh: str, latin: str) -> Image.Image:
    """A wordmark: a symbol (leaf, drop, peaks, sun over waves, bowl, blossom) beside or above the zh-TW name in
    Noto Sans TC and the Latin name in a DejaVu face, sometimes a rule and a tagline; 960 x 400 or 600 x 600."""
    rng = np.random.default_rng(seed)
    bg, primary, accent, ink = _pick(rng, PALETTES)
    stacked = rng.random() < 0.4
    size = (600, 600) if stacked else (960, 400)
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    w, h = size
    text_colour = _readable(bg, primary, ink)
    latin_font = _pick(rng, LATIN_FONTS)
    if stacked:
        _symbol(image, rng, w / 2, h * 0.28, h * 0.17, primary, accent)
        font = _fit(draw, zh, "noto-bold", h * 0.15, w * 0.85)
        _centered(draw, (w / 2, h * 0.62), zh, font, text_colour)
        font = _fit(draw, latin, latin_font, h * 0.07, w * 0.8)
        _centered(draw, (w / 2, h * 0.77), latin.upper() if rng.random() < 0.6 else latin, font, text_colour)
        if rng.random() < 0.6:
            draw.rectangle([w * 0.35, h * 0.86, w * 0.65, h * 0.865], fill=accent)
    else:
        _symbol(image, rng, h * 0.5, h * 0.5, h * 0.3, primary, accent)
        x0 = h * 0.95
        font = _fit(draw, zh, "noto-bold", h * 0.28, w - x0 - 30)
        draw.text((x0, h * 0.14), zh, font=font, fill=text_colour)
        font = _fit(draw, latin, latin_font, h * 0.12, w - x0 - 30)
        draw.text(
            (x0 + 4, h * 0.56), latin.upper() if rng.random() < 0.5 else latin, font=font, fill=text_colour
        )
        if rng.random() < 0.6:
            tag = _pick(rng, TAGLINES)
            draw.text((x0 + 4, h * 0.76), tag, font=_font("noto", h * 0.075), fill=accent)
    return image


def packaging(seed: int, brand: str, product: str) -> Image.Image:
    """A packaging front on a studio backdrop: a box, pouch, jar or can with shading and a label panel (brand,
    product name, a tagline, 淨重 / NET WT), a small illustration and a colour band; 720 x 960, with grain."""
    rng = np.random.default_rng(seed)
    palette, kind = _design(rng, 4)
    bg, primary, accent, ink = PALETTES[palette]
    w, h = 720, 960
    back = _vgradient((w, h), _jitter((225, 222, 215), rng, 25), _jitter((170, 165, 160), rng, 25))
    image = back.copy()
    draw = ImageDraw.Draw(image)
    pw, ph = w * rng.uniform(0.5, 0.62), h * rng.uniform(0.6, 0.72)
    x0, y0 = (w - pw) / 2, h * 0.88 - ph
    draw.ellipse([x0 - 20, h * 0.86, x0 + pw + 20, h * 0.92], fill=(120, 115, 110))  # contact shadow
    body = Image.new("RGB", (int(pw), int(ph)), primary)
    mask = Image.new("L", body.size, 0)
    md = ImageDraw.Draw(mask)
    if kind == 0:  # box
        md.rectangle([0, 0, pw, ph], fill=255)
    elif kind == 1:  # pouch with a zip top
        md.rounded_rectangle([0, ph * 0.04, pw, ph], radius=int(pw * 0.08), fill=255)
        md.rectangle([pw * 0.02, 0, pw * 0.98, ph * 0.08], fill=255)
    elif kind == 2:  # jar with a lid
        md.rounded_rectangle([0, ph * 0.15, pw, ph], radius=int(pw * 0.12), fill=255)
        md.rectangle([pw * 0.1, 0, pw * 0.9, ph * 0.16], fill=255)
    else:  # can
        md.rounded_rectangle([0, 0, pw, ph], radius=int(pw * 0.06), fill=255)
    shade = np.linspace(-1, 1, body.width)
    light = 1.0 - (0.35 if kind in (2, 3) else 0.15) * shade**2 + 0.08 * (shade < -0.3) * (kind in (2, 3))
    array = np.asarray(body, np.float32) * light[None, :, None]
    body = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    bd = ImageDraw.Draw(body)
    if kind == 2:
        bd.rectangle([0, 0, pw, ph * 0.16], fill=_jitter(accent, rng, 20))
    band_y = ph * rng.uniform(0.08, 0.2)
    bd.rectangle([0, band_y, pw, band_y + ph * 0.05], fill=accent)
    lx0, ly0, lx1, ly1 = pw * 0.1, ph * 0.3, pw * 0.9, ph * 0.86
    label = bg if sum(bg) > 380 else (245, 240, 228)
    title = _readable(label, primary, accent, ink)
    body_text = _readable(label, ink, primary)
    bd.rounded_rectangle([lx0, ly0, lx1, ly1], radius=int(pw * 0.05), fill=label, outline=accent, width=4)
    lw = lx1 - lx0
    _symbol(body, rng, pw / 2, ly0 + (ly1 - ly0) * 0.2, lw * 0.12, title, accent)
    font = _fit(bd, brand, "noto-bold", lw * 0.16, lw * 0.85)
    _centered(bd, (pw / 2, ly0 + (ly1 - ly0) * 0.44), brand, font, title)
    font = _fit(bd, product, "noto-bold", lw * 0.12, lw * 0.85)
    _centered(bd, (pw / 2, ly0 + (ly1 - ly0) * 0.62), product, font, body_text)
    _centered(bd, (pw / 2, ly0 + (ly1 - ly0) * 0.76), _pick(rng, TAGLINES), _font("noto", lw * 0.07), title)
    weight = f"淨重 {int(rng.integers(5, 60)) * 10}g  NET WT"
    _centered(bd, (pw / 2, ly0 + (ly1 - ly0) * 0.9), weight, _font("noto", lw * 0.055), body_text)
    image.paste(body, (int(x0), int(y0)), mask.filter(ImageFilter.GaussianBlur(1)))
    gloss = Image.new("L", image.size, 0)
    ImageDraw.Draw(gloss).rectangle([x0 + pw * 0.12, y0 + 8, x0 + pw * 0.18, y0 + ph - 8], fill=40)
    image = Image.composite(
        Image.new("RGB", image.size, (255, 255, 255)), image, gloss.filter(ImageFilter.GaussianBlur(6))
    )
    return _grain(image, rng, 3.0)


TEXTILE_KINDS = 9


def textile(seed: int) -> Image.Image:
    """Patterned textile/print artwork, no text: a tile of florals, plaid, waves (青海波), chevrons, dots,
    checked diamonds, stripes, eight-point stars or a lattice in 2-4 colours, repeated, on a woven texture
    (thread modulation and grain); 800 x 800."""
    rng = np.random.default_rng(seed)
    palette, kind = _design(rng, TEXTILE_KINDS)
    bg, primary, accent, ink = PALETTES[palette]
    colours = [_jitter(c, rng, 30) for c in (bg, primary, accent, ink)]
    t = int(rng.integers(90, 180))
    tile = Image.new("RGB", (t, t), colours[0])
    d = ImageDraw.Draw(tile)
    if kind == 0:  # florals
        for cx, cy in ((t * 0.3, t * 0.3), (t * 0.8, t * 0.75)):
            pr = t * rng.uniform(0.1, 0.16)
            for k in range(int(rng.integers(5, 8))):
                a = 2 * np.pi * k / 6 + rng.uniform(0, 0.3)
                px, py = cx + pr * np.cos(a), cy + pr * np.sin(a)
                d.ellipse([px - pr * 0.7, py - pr * 0.7, px + pr * 0.7, py + pr * 0.7], fill=colours[1])
            d.ellipse([cx - pr * 0.5, cy - pr * 0.5, cx + pr * 0.5, cy + pr * 0.5], fill=colours[2])
        d.ellipse([t * 0.72, t * 0.15, t * 0.82, t * 0.25], fill=colours[3])
    elif kind == 1:  # plaid
        for k, (c, wdt) in enumerate(((colours[1], 0.3), (colours[2], 0.08), (colours[3], 0.03))):
            off = t * (0.2 + 0.25 * k)
            d.rectangle([off, 0, off + t * wdt, t], fill=c)
            d.rectangle([0, off, t, off + t * wdt], fill=c)
    elif kind == 2:  # waves: concentric arcs
        for cx, cy in ((0, t), (t, t), (t / 2, t / 2), (0, 0), (t, 0)):
            for k in range(4, 0, -1):
                r = t * 0.5 * k / 4
                d.ellipse(
                    [cx - r, cy - r, cx + r, cy + r], fill=colours[k % 2 + 1], outline=colours[3], width=2
                )
    elif kind == 3:  # chevrons
        for k in range(4):
            y = t * k / 4
            d.line([(0, y), (t / 2, y + t / 4), (t, y)], fill=colours[1 + k % 3], width=max(4, t // 12))
    elif kind == 4:  # dots, offset rows
        r = t * rng.uniform(0.08, 0.15)
        for cx, cy, c in (
            (t / 4, t / 4, colours[1]),
            (t * 3 / 4, t * 3 / 4, colours[2]),
            (t * 3 / 4, t / 4, colours[3]),
        ):
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=c)
    elif kind == 5:  # checked diamonds
        d.polygon([(t / 2, 0), (t, t / 2), (t / 2, t), (0, t / 2)], fill=colours[1])
        d.polygon(
            [(t / 2, t * 0.25), (t * 0.75, t / 2), (t / 2, t * 0.75), (t * 0.25, t / 2)], fill=colours[2]
        )
        d.ellipse([t * 0.45, t * 0.45, t * 0.55, t * 0.55], fill=colours[3])
    elif kind == 6:  # stripes of 3-5 widths
        x = 0.0
        for k in range(int(rng.integers(3, 6))):
            wdt = t * rng.uniform(0.05, 0.25)
            d.rectangle([x, 0, x + wdt, t], fill=colours[1 + k % 3])
            x += wdt + t * rng.uniform(0.03, 0.12)
    elif kind == 7:  # eight-point stars
        c, r = t / 2, t * rng.uniform(0.3, 0.42)
        points = [(c + (r if k % 2 == 0 else r * 0.45) * np.cos(np.pi * k / 8),
                   c + (r if k % 2 == 0 else r * 0.45) * np.sin(np.pi * k / 8)) for k in range(16)]  # fmt: skip
        d.polygon(points, fill=colours[1])
        d.ellipse([c - r * 0.25, c - r * 0.25, c + r * 0.25, c + r * 0.25], fill=colours[2])
        for x, y in ((0, 0), (t, 0), (0, t), (t, t)):
            d.ellipse([x - t * 0.06, y - t * 0.06, x + t * 0.06, y + t * 0.06], fill=colours[3])
    else:  # a lattice with crosses at the joints
        width = max(3, int(t * rng.uniform(0.03, 0.08)))
        d.line([(t / 2, 0), (t / 2, t)], fill=colours[1], width=width)
        d.line([(0, t / 2), (t, t / 2)], fill=colours[1], width=width)
        d.line([(0, 0), (t, t)], fill=colours[2], width=max(2, width // 2))
        d.line([(t, 0), (0, t)], fill=colours[2], width=max(2, width // 2))
        q = t * 0.09
        d.rectangle([t / 2 - q, t / 2 - q, t / 2 + q, t / 2 + q], fill=colours[3])
    size = 800
    big = Image.new("RGB", (int(size * 1.42) + t, int(size * 1.42) + t))  # room for a 45-degree turn
    shift = int(t / 2) if rng.random() < 0.5 else 0
    for row, y in enumerate(range(0, big.height, t)):
        for x in range(-t, big.width, t):
            big.paste(tile, (x + (shift if row % 2 else 0), y))
    angle = float(rng.choice([0.0, 0.0, 45.0, rng.uniform(-15, 15)]))
    if angle:
        big = big.rotate(angle, resample=Image.BICUBIC)
    m = (big.width - size) // 2
    image = big.crop((m, m, m + size, m + size))
    period = rng.uniform(3.0, 5.0)
    across = np.sin(2 * np.pi * np.arange(size, dtype=np.float32) / period)
    down = np.sign(np.sin(2 * np.pi * np.arange(size, dtype=np.float32) / (2 * period)))
    weave = 1 + 0.06 * np.outer(down, across)  # threads: over-under every other row
    noise = rng.standard_normal((size, size), dtype=np.float32) * 5
    array = np.asarray(image, np.float32) * weave[..., None] + noise[..., None]
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))


def app_icon(seed: int, glyph: str) -> Image.Image:
    """An app icon: a squircle with a two-colour diagonal gradient, a soft shadow, a glyph (a letter, a CJK
    character or a symbol) and sometimes a small badge dot, on a light or dark home-screen tint; 512 x 512."""
    rng = np.random.default_rng(seed)
    _, primary, accent, _ = _pick(rng, PALETTES)
    size = 512
    page = (244, 244, 246) if rng.random() < 0.6 else (28, 28, 32)
    image = Image.new("RGB", (size, size), page)
    s = int(size * 0.8)
    yy, xx = np.mgrid[0:s, 0:s] / s
    t = (xx * rng.uniform(0.3, 0.7) + yy * rng.uniform(0.3, 0.7))[..., None]
    t = t / t.max()
    a, b = np.array(_jitter(primary, rng, 30)), np.array(_jitter(accent, rng, 30))
    fill = Image.fromarray((a * (1 - t) + b * t).astype(np.uint8))
    mask = _squircle_mask(s)
    off = (size - s) // 2
    shadow = Image.new("L", (size, size), 0)
    shadow.paste(mask.point(lambda v: v * 0.45), (off, off + 10))
    image = Image.composite(
        Image.new("RGB", image.size, (0, 0, 0)), image, shadow.filter(ImageFilter.GaussianBlur(12))
    )
    image.paste(fill, (off, off), mask)
    draw = ImageDraw.Draw(image)
    c = size / 2
    white = (255, 255, 255)
    if glyph == "*bubble":
        draw.rounded_rectangle([c - 110, c - 90, c + 110, c + 60], radius=50, fill=white)
        draw.polygon([(c - 40, c + 50), (c - 70, c + 110), (c + 10, c + 55)], fill=white)
    elif glyph == "*camera":
        draw.rounded_rectangle([c - 120, c - 70, c + 120, c + 95], radius=30, outline=white, width=18)
        draw.ellipse([c - 55, c - 40, c + 55, c + 70], outline=white, width=18)
        draw.ellipse([c + 65, c - 50, c + 90, c - 25], fill=white)
    elif glyph == "*cart":
        draw.line([(c - 130, c - 90), (c - 90, c - 90), (c - 55, c + 50), (c + 90, c + 50), (c + 120, c - 50),
                   (c - 75, c - 50)], fill=white, width=20, joint="curve")  # fmt: skip
        for x in (c - 40, c + 70):
            draw.ellipse([x - 20, c + 75, x + 20, c + 115], fill=white)
    else:
        name = "noto-bold" if ord(glyph[0]) > 0x2E80 else _pick(rng, LATIN_FONTS[:3])
        _centered(draw, (c, c), glyph, _fit(draw, glyph, name, s * 0.55, s * 0.7), white)
    if rng.random() < 0.35:
        draw.ellipse([off + s - 80, off - 10, off + s + 10, off + 80], fill=(235, 60, 50))
        _centered(
            draw,
            (off + s - 35, off + 35),
            str(int(rng.integers(1, 10))),
            _font("DejaVuSans-Bold.ttf", 50),
            white,
        )
    return image


def seal(seed: int, chars: str) -> Image.Image:
    """A 印章 seal impression: a vermilion square, round or oval stamp, red characters on paper (朱文) or paper
    characters on red (白文), laid out in columns read right to left, with eroded ink, a rough edge and paper
    fibres; 512 x 512."""
    rng = np.random.default_rng(seed)
    size = 512
    paper = np.array(_jitter((243, 236, 220), rng, 10), np.float32)
    red = np.array(_jitter((190, 40, 35), rng, 20), np.float32)
    ink = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(ink)
    shape = int(rng.integers(3))
    c = size / 2
    r = size * rng.uniform(0.36, 0.42)
    box = [c - r, c - r, c + r, c + r] if shape != 2 else [c - r * 0.75, c - r, c + r * 0.75, c + r]
    white_text = rng.random() < 0.5
    border = int(r * rng.uniform(0.06, 0.1))
    if shape == 1 or shape == 2:
        d.ellipse(box, fill=255 if white_text else 0, outline=255, width=border)
    else:
        d.rounded_rectangle(box, radius=int(r * rng.uniform(0.02, 0.12)), fill=255 if white_text else 0,
                            outline=255, width=border)  # fmt: skip
    n = len(chars)
    cols = 1 if n == 1 else 2 if n in (2, 4) else 2 if n == 3 else 3
    rows = int(np.ceil(n / cols))
    inner = (box[2] - box[0]) - 2.8 * border
    cell_w, cell_h = inner / cols, ((box[3] - box[1]) - 2.8 * border) / rows
    if n == 2:  # two characters read top to bottom in one column, or side by side
        cols, rows = (1, 2) if rng.random() < 0.5 else (2, 1)
        cell_w, cell_h = inner / cols, ((box[3] - box[1]) - 2.8 * border) / rows
    font = _font("noto-bold", min(cell_w, cell_h) * 0.92)
    for k, ch in enumerate(chars):
        col, row = cols - 1 - k // rows, k % rows  # right to left, top to bottom
        x = box[0] + 1.4 * border + (col + 0.5) * cell_w
        y = box[1] + 1.4 * border + (row + 0.5) * cell_h
        _centered(d, (x, y), ch, font, 0 if white_text else 255)
    mask = np.asarray(ink, np.float32) / 255
    blot = (
        np.asarray(
            Image.fromarray((rng.random((size // 8, size // 8)) * 255).astype(np.uint8)).resize(
                (size, size), Image.BICUBIC
            ),
            np.float32,
        )
        / 255
    )
    speck = rng.random((size, size))
    mask = mask * (blot > rng.uniform(0.12, 0.25)) * (speck > 0.08)
    mask = (
        np.asarray(
            Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2)), np.float32
        )
        / 255
    )
    mask = mask * rng.uniform(0.8, 0.95)
    fibre = (
        rng.normal(0, 4, (size, size, 1))
        + np.asarray(
            Image.fromarray(rng.normal(128, 40, (size, 4)).astype(np.uint8)).resize(
                (size, size), Image.BILINEAR
            ),
            np.float32,
        )[..., None]
        * 0.05
    )
    array = paper * (1 - mask[..., None]) + red * mask[..., None] + fibre - 6
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


# -- cards (look-alikes only) -------------------------------------------------------------------------------------
def promo_card(seed: int) -> Image.Image:
    """A text-heavy promo card: a headline, an offer, a Latin line, 2-3 bullets, a date range and a call-to-action
    button on a brand colour or gradient, a few decorative shapes; 1080 x 1350, 1080 x 1920 or 1080 x 1080."""
    rng = np.random.default_rng(seed)
    bg, primary, accent, ink = _pick(rng, PALETTES)
    size = _pick(rng, ((1080, 1350), (1080, 1920), (1080, 1080)))
    w, h = size
    base = primary if rng.random() < 0.6 else bg
    image = _vgradient(size, _jitter(base, rng, 20), _jitter(base, rng, 40))
    draw = ImageDraw.Draw(image)
    text = _readable(base, (255, 255, 255), ink, (20, 20, 20))
    for _ in range(int(rng.integers(2, 6))):  # decoration along the right edge and the bottom
        x, y, r = rng.uniform(0.8, 1.05) * w, rng.uniform(0, h), rng.uniform(40, 160)
        if rng.random() < 0.4:
            x, y = rng.uniform(0.5, 1.0) * w, rng.uniform(0.75, 1.0) * h
        draw.ellipse([x - r, y - r, x + r, y + r], fill=_jitter(accent, rng, 40))
    y = h * rng.uniform(0.08, 0.15)
    head = _pick(rng, PROMO_HEAD)
    font = _fit(draw, head, "noto-bold", w * 0.13, w * 0.85)
    draw.text((w * 0.07, y), head, font=font, fill=text)
    y += w * 0.17
    sub = _pick(rng, PROMO_SUB)
    font = _fit(draw, sub, "noto-bold", w * 0.1, w * 0.85)
    draw.text((w * 0.07, y), sub, font=font, fill=_readable(base, accent, primary, text))
    y += w * 0.14
    draw.text(
        (w * 0.07, y), _pick(rng, PROMO_LATIN), font=_font(_pick(rng, LATIN_FONTS), w * 0.055), fill=text
    )
    y += w * 0.1
    for _ in range(int(rng.integers(2, 4))):
        line = f"• {_pick(rng, PRODUCTS_ZH)} NT${int(rng.integers(5, 60)) * 10}"
        draw.text((w * 0.09, y), line, font=_font("noto-bold", w * 0.055), fill=text)
        y += w * 0.085
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 25))
    draw.text((w * 0.07, min(y + 20, h * 0.8)), f"活動期間 {month}/{day} - {month}/{day + 3}",
              font=_font("noto", w * 0.05), fill=text)  # fmt: skip
    bx, by = w * 0.07, h * 0.86
    draw.rounded_rectangle([bx, by, bx + w * 0.5, by + h * 0.08], radius=int(h * 0.04), fill=accent)
    cta = _pick(rng, CTA)
    _centered(draw, (bx + w * 0.25, by + h * 0.04), cta, _fit(draw, cta, "noto-bold", h * 0.04, w * 0.44),
              _readable(accent, (255, 255, 255), (20, 20, 20)))  # fmt: skip
    return image


def price_tag(seed: int) -> Image.Image:
    """A price tag or shelf label: a hang tag with a hole and string, or a shelf strip, with the product name, a
    big NT$ price, the struck-through original price, a unit line and a barcode, on a backdrop; 800 x 800 or
    1000 x 500."""
    rng = np.random.default_rng(seed)
    bg, primary, accent, ink = _pick(rng, PALETTES)
    hang = rng.random() < 0.55
    size = (800, 800) if hang else (1000, 500)
    w, h = size
    image = _vgradient(size, _jitter((220, 215, 205), rng, 30), _jitter((180, 175, 170), rng, 30))
    draw = ImageDraw.Draw(image)
    tag_colour = bg if _luma(bg) > 150 else (252, 250, 244)
    text = _readable(tag_colour, ink, primary)
    red = (200, 30, 30)
    name = _pick(rng, PRODUCTS_ZH)
    price = int(rng.integers(3, 100)) * 10 - 1
    big = f"NT${price}"
    old = f"原價 NT${price + int(rng.integers(2, 20)) * 10}"
    unit = f"每 100g NT${int(rng.integers(10, 90))}"

    def barcode(bx: float, by: float, height: float, limit: float) -> None:
        while bx < limit:
            width = int(rng.integers(1, 5))
            draw.rectangle([bx, by, bx + width, by + height], fill=(20, 20, 20))
            bx += width + int(rng.integers(1, 4))

    def struck(xy, font) -> None:
        draw.text(xy, old, font=font, fill=(110, 110, 110))
        box = draw.textbbox(xy, old, font=font)
        mid = (box[1] + box[3]) / 2
        draw.line([(box[0], mid), (box[2], mid)], fill=(110, 110, 110), width=3)

    if hang:
        x0, y0, x1, y1 = w * 0.2, h * 0.12, w * 0.8, h * 0.9
        tw = x1 - x0
        draw.polygon([(x0, y0 + 80), (w / 2, y0), (x1, y0 + 80), (x1, y1), (x0, y1)], fill=tag_colour)
        draw.ellipse(
            [w / 2 - 18, y0 + 40, w / 2 + 18, y0 + 76], fill=tuple(int(v) for v in np.asarray(image)[5, 5])
        )
        draw.line([(w / 2, y0 + 58), (w * 0.35, 0)], fill=(120, 90, 60), width=5)
        if rng.random() < 0.5:
            draw.rectangle([x0, y0 + 110, x1, y0 + 122], fill=accent)
        lx, y = x0 + tw * 0.08, y0 + 140
        draw.text((lx, y), name, font=_fit(draw, name, "noto-bold", tw * 0.11, tw * 0.84), fill=text)
        draw.text(
            (lx, y + tw * 0.16),
            big,
            font=_fit(draw, big, "DejaVuSans-Bold.ttf", tw * 0.2, tw * 0.84),
            fill=red,
        )
        f = _font("noto", tw * 0.06)
        struck((lx, y + tw * 0.42), f)
        draw.text((lx, y + tw * 0.52), unit, font=f, fill=text)
        barcode(lx, y1 - tw * 0.2, tw * 0.12, x1 - tw * 0.3)
    else:
        x0, y0, x1, y1 = w * 0.05, h * 0.18, w * 0.95, h * 0.82
        th = y1 - y0
        draw.rectangle([x0, y0, x1, y1], fill=tag_colour)
        strip = primary if rng.random() < 0.7 else accent
        draw.rectangle([x0, y0, x1, y0 + th * 0.24], fill=strip)
        draw.text((x0 + 24, y0 + th * 0.03), name, font=_fit(draw, name, "noto-bold", th * 0.16, (x1 - x0) * 0.6),
                  fill=_readable(strip, (255, 255, 255), ink))  # fmt: skip
        draw.text((x0 + 24, y0 + th * 0.32), big, font=_fit(draw, big, "DejaVuSans-Bold.ttf", th * 0.42,
                  (x1 - x0) * 0.5), fill=red)  # fmt: skip
        rx = x0 + (x1 - x0) * 0.6
        f = _font("noto", th * 0.1)
        struck((rx, y0 + th * 0.34), f)
        draw.text((rx, y0 + th * 0.5), unit, font=f, fill=text)
        barcode(rx, y0 + th * 0.7, th * 0.2, x1 - 24)
    return _grain(image, rng, 2.0)


def flat_card(seed: int) -> Image.Image:
    """A plain card: a flat colour, a vertical or diagonal gradient or a radial glow, no text; ad sizes."""
    rng = np.random.default_rng(seed)
    size = _pick(rng, ((1080, 1920), (1080, 1080), (1920, 1080), (720, 960), (512, 512)))
    w, h = size
    kind = int(rng.integers(4))
    a = np.array(_pick(rng, PALETTES)[int(rng.integers(4))], np.float32)
    b = np.array(_jitter(a, rng, 60), np.float32)
    if kind == 0:
        return Image.new("RGB", size, tuple(int(v) for v in a))
    if kind == 1:
        return data.gradient_card(rng, size)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 2:
        t = (xx / w * 0.5 + yy / h * 0.5)[..., None]
    else:
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        t = np.clip(np.hypot(xx - cx, yy - cy) / max(w, h), 0, 1)[..., None]
    return Image.fromarray((a * (1 - t) + b * t).astype(np.uint8))


# -- backgrounds --------------------------------------------------------------------------------------------------
def backdrop(seed: int) -> Image.Image:
    """A photo-like backdrop: a warm or cool room gradient, out-of-focus bokeh lights, a table edge and grain;
    960 x 1280 (what an ad puts behind a product)."""
    rng = np.random.default_rng(seed)
    w, h = 960, 1280
    image = _vgradient((w, h), _jitter((120, 110, 100), rng, 90), _jitter((40, 40, 45), rng, 30))
    light = Image.new("RGB", (w, h), (0, 0, 0))
    d = ImageDraw.Draw(light)
    for _ in range(int(rng.integers(12, 40))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.7), rng.uniform(15, 90)
        d.ellipse([x - r, y - r, x + r, y + r], fill=_jitter((200, 170, 120), rng, 55))
    light = light.filter(ImageFilter.GaussianBlur(float(rng.uniform(6, 18))))
    array = np.asarray(image, np.float32) + 0.6 * np.asarray(light, np.float32)
    edge = int(h * rng.uniform(0.62, 0.8))
    table = np.array(_jitter((150, 110, 80), rng, 50), np.float32)
    ramp = np.linspace(1.0, 0.7, h - edge)[:, None, None]
    array[edge:] = table * ramp + rng.normal(0, 6, (h - edge, 1, 1))  # wood grain streaks
    array += rng.normal(0, 4, (h, w, 1))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def backgrounds(cache: Path | None = None) -> list[Image.Image]:
    """The edits' backgrounds: 24 backdrops and 16 procedural scenes of new seeds (no reference in them)."""
    return [backdrop(s) for s in BACKDROPS] + [data.scene(s) for s in SCENES]


# -- the references -------------------------------------------------------------------------------------------
def _ref_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    for k, s in enumerate(REF_BADGES):
        specs.append((f"f2-ref-badge:{s}", lambda s=s, k=k: badge(s, REF_LETTERS[k])))
    for k, s in enumerate(REF_MASCOTS):
        specs.append((f"f2-ref-mascot:{s}", lambda s=s, k=k: mascot(s, None if k % 2 else REF_LATIN[k])))
    for k, s in enumerate(REF_WORDMARKS):
        specs.append((f"f2-ref-wordmark:{s}", lambda s=s, k=k: wordmark(s, REF_ZH[k], REF_LATIN[k + 2])))
    for k, s in enumerate(REF_PACKS):
        specs.append((f"f2-ref-pack:{s}", lambda s=s, k=k: packaging(s, REF_ZH[k + 4], PRODUCTS_ZH[k])))
    for s in REF_TEXTILES:
        specs.append((f"f2-ref-textile:{s}", lambda s=s: textile(s)))
    for k, s in enumerate(REF_APPS):
        specs.append((f"f2-ref-app:{s}", lambda s=s, k=k: app_icon(s, ("禾", "*bubble", "N")[k])))
    for k, s in enumerate(REF_SEALS):
        specs.append((f"f2-ref-seal:{s}", lambda s=s, k=k: seal(s, REF_SEAL[k])))
    return specs


def references(shared: Path | None, cache: Path | None = None) -> list[Item]:
    """The fresh2 protected references: 26 procedural marks (4 badges, 4 mascots, 4 wordmarks, 4 packaging
    fronts, 4 textile prints, 3 app icons, 3 seals) and, with ``shared``, 4 plush photos, 1 crop of another
    and 2 lego renders (read at run time, never stored): 33 in all."""
    items = [Item(name, make()) for name, make in _ref_specs()]
    if shared is not None and (shared / "plush_photos").is_dir():
        plush = sorted((shared / "plush_photos").glob("*.jpg"))
        for k in PLUSH:
            items.append(Item(f"f2-ref-plush:{plush[k].stem}", data._rgb(Image.open(plush[k]))))
        rng = np.random.default_rng(CROP_SEED)
        for k in PLUSH_CROPS:
            photo = data._rgb(Image.open(plush[k]))
            f = rng.uniform(0.55, 0.65)
            cw, ch = int(photo.width * f), int(photo.height * f)
            x, y = int(rng.integers(0, photo.width - cw)), int(rng.integers(0, photo.height - ch))
            items.append(Item(f"f2-ref-plush-crop:{plush[k].stem}", photo.crop((x, y, x + cw, y + ch))))
    if shared is not None and (shared / "nerf_lego" / "train").is_dir():
        lego = sorted((shared / "nerf_lego" / "train").glob("*.png"), key=lambda p: int(p.stem.split("_")[1]))
        for k in LEGO:
            items.append(Item(f"f2-ref-lego:{lego[k].stem}", data._rgb(Image.open(lego[k]))))
    return data.interleave_by_kind(items)  # the first VIDEO_REFS (the flash clips) cover every kind


# -- the look-alikes ----------------------------------------------------------------------------------------------
def _look_letters(rng: np.random.Generator) -> str:
    while True:
        letters = "".join(chr(int(c)) for c in rng.integers(65, 91, 2))
        if letters not in REF_LETTERS and letters[::-1] not in REF_LETTERS:
            return letters


def _look_seal(rng: np.random.Generator) -> str:
    """A look-alike seal's text: a surname with a suffix (張氏之印, 李記 ...) or a full name (許志明)."""
    surname = _pick(rng, LOOK_SURNAMES)
    if rng.random() < 0.3:
        return surname + _pick(rng, LOOK_GIVEN) + _pick(rng, LOOK_GIVEN)
    return surname + _pick(rng, LOOK_SEAL_SUFFIX)


def _mark(seed: int) -> Image.Image:
    """An unrelated mark for the layout look-alikes: one of the look-alike generators (seed picks which)."""
    rng = np.random.default_rng(seed)
    kind = int(rng.integers(7))
    if kind == 0:
        return badge(_seeds_off(seed, 1, 5, REF_BADGES)[0], _look_letters(rng))
    if kind == 1:
        return mascot(seed, _pick(rng, LOOK_LATIN) if rng.random() < 0.5 else None)
    if kind == 2:
        return wordmark(seed, _pick(rng, LOOK_ZH), _pick(rng, LOOK_LATIN))
    if kind == 3:
        return packaging(_seeds_off(seed, 1, 4, REF_PACKS)[0], _pick(rng, LOOK_ZH), _pick(rng, PRODUCTS_ZH))
    if kind == 4:  # a print of another motif than the references' (one motif in new colours is a recolour)
        return textile(_seeds_off(seed, 1, TEXTILE_KINDS, REF_TEXTILES, by_kind=True)[0])
    if kind == 5:
        return app_icon(seed, _pick(rng, ("春", "K", "*camera", "*cart", "雲", "M")))
    return seal(seed, _look_seal(rng))


FAMILIES = (
    "badge", "mascot", "wordmark", "pack", "textile", "app", "seal", "promo", "price", "endcard", "caption",
    "card", "sticker", "flat",
)  # fmt: skip


def lookalike_specs() -> list[tuple[str, Callable[[], Image.Image] | None]]:
    """(name, maker) of every look-alike, in order; the end cards (rendered by studio in one batch) have no maker
    here. Cheap: nothing is drawn until a maker is called."""
    specs: list[tuple[str, Callable[[], Image.Image] | None]] = []
    n = PER_FAMILY

    def add(family: str, base: int | list[int], make: Callable[[int], Image.Image]) -> None:
        seeds = range(base, base + n) if isinstance(base, int) else base
        for k, seed in enumerate(seeds):
            specs.append((f"f2-{family}:{k}", lambda s=seed: make(s)))

    badges, packs = _seeds_off(640000, n, 5, REF_BADGES), _seeds_off(643000, n, 4, REF_PACKS)
    add("badge", badges, lambda s: badge(s, _look_letters(np.random.default_rng(s + 1))))
    add(
        "mascot",
        641000,
        lambda s: mascot(s, _pick(np.random.default_rng(s + 1), LOOK_LATIN + LOOK_ZH) if s % 2 else None),
    )
    add(
        "wordmark",
        642000,
        lambda s: wordmark(s, LOOK_ZH[s % len(LOOK_ZH)], LOOK_LATIN[(s * 7) % len(LOOK_LATIN)]),
    )
    add(
        "pack",
        packs,
        lambda s: packaging(s, LOOK_ZH[s % len(LOOK_ZH)], PRODUCTS_ZH[(s // 3) % len(PRODUCTS_ZH)]),
    )
    add("textile", _seeds_round_robin(644000, n, TEXTILE_KINDS, REF_TEXTILES), textile)
    add(
        "app",
        645000,
        lambda s: app_icon(s, ("春", "K", "*camera", "*cart", "雲", "M", "茶", "B", "森", "食")[s % 10]),
    )
    add("seal", 646000, lambda s: seal(s, _look_seal(np.random.default_rng(s + 1))))
    add("promo", 647000, promo_card)
    add("price", 648000, price_tag)
    for primary in ENDCARD_PRIMARIES:
        for product, _ in ENDCARD_PRODUCTS:
            for platform in ENDCARD_PLATFORMS:
                specs.append((f"f2-endcard:{primary}:{product}:{platform}", None))
    add("caption", 650000, lambda s: _layout(s, "caption"))
    add("card", 651000, lambda s: _layout(s, "card"))
    add("sticker", 652000, lambda s: _layout(s, "sticker"))
    add("flat", 653000, flat_card)
    return specs


ENDCARD_PRIMARIES = ("#5B2A86", "#0F6E6E")
ENDCARD_PRODUCTS = (("阿里山 金萱茶", "每盒 NT$450"), ("Jade Spring Soap", None), ("Soap", None))
ENDCARD_PLATFORMS = ("tiktok", "square", "youtube", "instagram-feed")


def _layout(seed: int, kind: str) -> Image.Image:
    """The edits' own layouts around an unrelated picture (a look-alike mark or a backdrop): caption bands,
    photo cards (half mirrored) and blurred backdrops, stickers and small corner marks."""
    rng = np.random.default_rng(seed)
    picture = _mark(seed + 100) if rng.random() < 0.6 else backdrop(seed + 200)
    bg = backdrop(seed + 300)
    if kind == "caption":
        return data._caption_band(picture, rng, bg)
    if kind == "card":
        if seed % 3 == 2:
            return data._blurred_backdrop(picture, rng, bg)
        return data._photo_card(picture, rng, bg, mirror=seed % 3 == 1)
    if seed % 2:
        return data._corner_small(_mark(seed + 100), rng, bg)
    return data._sticker(picture, rng, bg)


def _end_cards() -> list[Item]:
    return [
        Item("f2-endcard:" + item.name.split(":", 1)[1], item.image)
        for item in data.end_cards(primaries=ENDCARD_PRIMARIES, products=ENDCARD_PRODUCTS)
        if item.name.split(":")[-1] in ENDCARD_PLATFORMS
    ]


def lookalikes(cache: Path | None = None) -> list[Item]:
    """The 310 fresh2 look-alikes (22 per family, 24 end cards), in ``lookalike_specs`` order."""
    cards = {item.name: item for item in _end_cards()}
    items = []
    for name, make in lookalike_specs():
        items.append(cards[name] if make is None else Item(name, make()))
    return items
