"""A fifth fresh held-out set for the visual near-copy benchmark (fresh5; ``compliance_visual.py --fresh5``).

Written by someone who had not read how the screen works (nothing under ``studio/compliance``, nor its tests, nor
the fresh4 module, nor the benchmark's visual sections of bench/README.md), and never screened while it was made:
only rendered and looked at. Scored once on 2026-12-02 (main at 35bbeea, bench/README.md "fresh5 scored once");
a development set from the next change to the screen on. Everything is procedural and seeded (PIL +
numpy, the system's DejaVu fonts and the Noto Sans TC the studio ships); the product photos are read from
``shared/data`` at run time and never stored.

References (30 with ``shared``, 24 without), eight kinds no earlier set had, 3 of each:
    watercolour washes with a word, 招牌 vertical shop signboards (直式), retro 80s posters (sun, grid floor,
    chrome word), linocut prints with carved gouge lines and a pencilled edition, chalkboard menus with a doodle,
    Roman-style tesserae mosaics (no text), topographic contour maps with a title cartouche, stained-glass windows
    (lead lines, arch); and 4 plush photos and 2 lego renders at positions no earlier set used.

Edits (``EDITS``, written for this set): hue rotations, tone shifts, mirror, quarter / half turns, downscale +
double JPEG (``MILD``); perspective tilts over a background, lower-third caption bands over 18-32 % of the height,
price bursts and stickers over 8-18 % of the area, crops keeping 55-80 % of each side, the copy at 100-180 px in a
corner of a 1080x1920 ad, the copy in a phone mock-up, in a rounded photo card, as its own blurred backdrop, in a
split screen with another picture, and under a grid of text callouts. Flash clips (``FLASH_EDITS``,
``render_flash``): a 0.3 s hard cut and a 0.4 s fade of the copy inside a 3 s 1080x1920 clip slowly zooming into
a background, on the first ``VIDEO_REFS`` references.

Look-alikes (320, none contains a reference): the eight generators with other seeds and disjoint words (mosaics and
stained glass never a reference's motif nor palette, linocuts nor its scene in its palette), text-heavy promo
cards, flat / gradient cards, and the edits' own layouts (caption bands, cards and phones and blurred backdrops,
stickers, corner marks, split screens, callout grids) around unrelated pictures. No photo is a look-alike. Names
are ``f5-<family>:<k>``.

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

# fresh3's colour, text and layout helpers, used here unchanged (pure functions of their arguments)
from compliance_visual_fresh3 import _contrast, _cover, _gradient, _has_cjk, _jitter, _pick, _rgb
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

EDIT_SEED = 51515  # the edits: np.random.default_rng(EDIT_SEED + seed)
VIDEO_REFS = 10  # the first references (interleaved kinds) get the two flash clips

# reference generator seeds (one range per kind)
REF_WASHES = range(800000, 800003)
REF_SIGNS = range(801000, 801003)
REF_RETROS = range(802000, 802003)
REF_LINOS = range(803000, 803003)
REF_CHALKS = range(804000, 804003)
REF_MOSAICS = range(805000, 805003)
REF_CONTOURS = range(806000, 806003)
REF_GLASSES = range(807000, 807003)
# positions in the sorted plush photos (fresh: 5 15 25 45 55 65 85; fresh2: 2 33 40 72 94; fresh3: 12 20 58 80)
PLUSH = (9, 36, 51, 77)
LEGO = (
    37,
    83,
)  # positions in the lego renders sorted by number (fresh: 10 50 90; fresh2: 30 70; fresh3: 20 60)
CAFES = range(820000, 820020)  # backgrounds of the edits
PARKS = range(821000, 821020)
LOOKALIKE_BASE = 830000  # family k's seeds start at LOOKALIKE_BASE + 1000 * k
PER_FAMILY = 20

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LATIN_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSerif.ttf",
)

# palettes (paper, a, b, c, ink), shared by references and look-alikes
PALETTES = (
    ((247, 243, 232), (214, 92, 74), (70, 130, 170), (236, 186, 80), (40, 36, 44)),
    ((240, 244, 238), (46, 120, 96), (230, 150, 60), (150, 70, 120), (26, 40, 36)),
    ((250, 240, 230), (180, 40, 60), (30, 60, 120), (240, 200, 90), (30, 20, 30)),
    ((236, 240, 248), (80, 90, 190), (240, 120, 160), (90, 200, 190), (30, 30, 60)),
    ((244, 236, 220), (120, 80, 40), (200, 140, 60), (70, 110, 80), (50, 34, 20)),
    ((252, 250, 246), (230, 70, 40), (30, 150, 130), (250, 210, 40), (24, 24, 28)),
    ((238, 230, 240), (120, 60, 150), (230, 110, 60), (60, 160, 200), (40, 24, 50)),
    ((232, 240, 240), (20, 110, 140), (220, 80, 90), (160, 190, 60), (16, 40, 50)),
)
RETRO_SKIES = (  # (sky top, sky horizon, sun top, sun bottom, grid, floor)
    ((20, 10, 60), (240, 80, 140), (255, 230, 90), (250, 60, 130), (250, 60, 200), (20, 6, 40)),
    ((10, 20, 50), (60, 180, 220), (255, 240, 160), (255, 120, 60), (60, 230, 250), (8, 14, 36)),
    ((40, 10, 50), (255, 140, 60), (255, 250, 200), (240, 40, 80), (255, 120, 40), (30, 8, 30)),
    ((8, 8, 20), (120, 40, 200), (250, 200, 255), (200, 60, 250), (140, 255, 200), (10, 4, 24)),
)

# word pools: references draw from the REF_ ones, look-alikes from the LOOK_ ones (disjoint)
REF_ZH = ("晴川茶舍", "木棉書房", "潮汐冰店", "霧峰麵屋", "青苔咖啡", "月見甜品")
REF_LATIN = ("SOLSTICE", "Brambly", "NEON MILE", "Quarry", "Tidewell", "OKRA", "Lumen & Ash", "VELA")
REF_SIGNS_TEXT = ("林記麵線", "永興五金行", "阿嬤粿店")
REF_MENU = (
    ("Flat white", "120"),
    ("烏龍拿鐵", "95"),
    ("Scone", "80"),
    ("肉桂捲", "75"),
    ("Cold brew", "130"),
)
LOOK_ZH = (
    "山嵐食堂", "白沙灣店", "橘子工坊", "燈塔書屋", "竹籬甜湯", "海鹽麵包", "石板烘焙", "野餐日和", "楓葉旅店",
    "老宅茶室", "漁光小舖", "雲朵鬆餅", "花園餐桌", "銀河唱片", "稻草人", "北門酒館",
)  # fmt: skip
LOOK_LATIN = (
    "AMBER", "Pebble", "RETRO WAVE", "Harbor", "THISTLE", "Juniper", "CASCADE", "Nook", "MIRAGE", "Willow",
    "SUNDIAL", "Ember", "KESTREL", "Parlour", "ZENITH", "Marigold",
)  # fmt: skip
LOOK_SIGNS_TEXT = (
    "陳家豆花", "大同電器", "福利麵包", "順發鐘錶", "金龍銀樓", "美華洗衣", "新光眼鏡", "老周牛肉麵", "和平藥局",
    "天天水果行",
)  # fmt: skip
LOOK_MENU = (("Mocha", "110"), ("黑糖鮮奶", "85"), ("Bagel", "70"), ("抹茶鬆餅", "150"), ("Chai", "100"),
             ("Espresso", "60"), ("焦糖布丁", "65"), ("Toast", "55"))  # fmt: skip
CAPTIONS = ("限時 48 小時 全面 8 折", "新品上市 NEW ARRIVAL", "滿千免運 FREE SHIPPING", "會員日 點數 5 倍送",
            "本週精選 WEEKLY PICK", "開幕慶 OPENING SALE")  # fmt: skip
PROMO_HEAD = ("春季新品", "週末快閃", "中秋禮盒", "暖冬特賣", "品牌週年", "早鳥預購", "夏日冰品", "開學必備")
PROMO_SUB = ("全館 79 折", "買二送一", "滿 1,500 折 150", "限量 300 組", "指定品項 半價", "加購價 NT$ 49")
PROMO_LATIN = ("FLASH SALE", "LIMITED", "NEW SEASON", "SHOP NOW", "TODAY ONLY")
CTA = ("立即選購", "馬上領券", "了解更多", "SHOP NOW", "預約體驗")
PRICES = ("NT$ 299", "NT$ 1,580", "NT$ 39", "$ 420", "NT$ 3,600", "NT$ 129")
CALLOUTS = ("100% 純棉", "台灣製造", "FREE GIFT", "輕量設計", "NEW", "防潑水", "限量版", "BEST", "免運",
            "低糖", "ORGANIC", "好評 4.9")  # fmt: skip
TAGLINES = ("since 1982", "手作 · 每日新鮮", "est. 2014", "open daily 8-18", "台北 · 大稻埕")


# -- helpers -----------------------------------------------------------------------------------------------------
def _font(name: str, size: float) -> ImageFont.FreeTypeFont:
    """``noto-bold`` / ``noto``: the shipped Noto Sans TC; otherwise a DejaVu file name."""
    if name in ("noto-bold", "noto"):
        path = data.cjk_font()
        if name == "noto":
            path = path.replace("Bold", "Regular")
        return ImageFont.truetype(path, max(8, int(size)))
    return ImageFont.truetype(str(_FONT_DIR / name), max(8, int(size)))


def _face(text: str, latin: str = "DejaVuSans-Bold.ttf") -> str:
    return "noto-bold" if _has_cjk(text) else latin


def _fit(draw: ImageDraw.ImageDraw, text: str, name: str, size: float, width: float):
    """The font ``name`` at ``size`` or smaller, so that ``text`` fits in ``width`` pixels."""
    font = _font(name, size)
    box = draw.textbbox((0, 0), text, font=font)
    if box[2] - box[0] > width:
        font = _font(name, size * width / (box[2] - box[0]))
    return font


def _text_at(draw: ImageDraw.ImageDraw, centre, text: str, font, fill, *, outline: int = 0) -> None:
    """``text`` centred on ``centre``; with ``outline``, a dark keyline that many px wide."""
    box = draw.textbbox((0, 0), text, font=font, stroke_width=outline)
    xy = (centre[0] - (box[0] + box[2]) / 2, centre[1] - (box[1] + box[3]) / 2)
    draw.text(xy, text, font=font, fill=fill, stroke_width=outline, stroke_fill=(20, 20, 24))


def _noise(rng: np.random.Generator, w: int, h: int, cell: float) -> np.ndarray:
    """Smooth value noise in 0..1, ``cell`` px per random value (a small random grid resized bicubically)."""
    gw, gh = max(2, int(w / cell) + 2), max(2, int(h / cell) + 2)
    small = Image.fromarray((rng.random((gh, gw)) * 255).astype(np.uint8))
    return np.asarray(small.resize((w, h), Image.BICUBIC), np.float32) / 255


def _contain(img: Image.Image, w: int, h: int) -> Image.Image:
    """``img`` scaled to fit inside ``w`` x ``h`` (aspect kept)."""
    f = min(w / img.width, h / img.height)
    return img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.LANCZOS)


def _design(rng: np.random.Generator, kinds: int) -> tuple[int, int]:
    """The first two draws of the motif generators (linocut, mosaic, stained glass): palette and motif."""
    return int(rng.integers(len(PALETTES))), int(rng.integers(kinds))


def seeds_avoiding(base: int, n: int, kinds: int, taken, *, whole: bool = False) -> list[int]:
    """The first ``n`` seeds from ``base`` whose design is none of the ``taken`` seeds' designs: with ``whole``,
    neither their motif nor their palette (mosaics, stained glass: no text, so a motif in another palette would be
    a recolour); otherwise not the same (palette, motif) pair."""
    designs = [_design(np.random.default_rng(s), kinds) for s in taken]
    out, s = [], base
    while len(out) < n:
        d = _design(np.random.default_rng(s), kinds)
        if whole:
            ok = d[1] not in {m for _, m in designs} and d[0] not in {p for p, _ in designs}
        else:
            ok = d not in designs
        if ok:
            out.append(s)
        s += 1
    return out


# -- 1. watercolour washes -------------------------------------------------------------------------------------------
def watercolour(seed: int, word: str) -> Image.Image:
    """2-4 overlapping transparent washes (darker rims, granulation) on textured paper and a word in ink; 640 x 480."""
    rng = np.random.default_rng(seed)
    paper, a, b, c, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    w, h = 640, 480
    tooth = _noise(rng, w, h, 3) * 0.06 + _noise(rng, w, h, 40) * 0.04
    out = np.ones((h, w, 3), np.float32) * np.array(paper, np.float32) * (0.95 + tooth[..., None])
    for _ in range(int(rng.integers(2, 5))):
        colour = np.array(_pick(rng, (a, b, c)), np.float32) / 255
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.25, 0.7) * h
        r = rng.uniform(0.18, 0.34) * w
        angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        radii = r * (1 + 0.25 * np.convolve(np.tile(rng.normal(0, 1, 48), 3), np.ones(5) / 5, "same")[48:96])
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).polygon(
            [(cx + q * np.cos(t), cy + 0.7 * q * np.sin(t)) for q, t in zip(radii, angles)], fill=255
        )
        soft = np.asarray(mask.filter(ImageFilter.GaussianBlur(float(rng.uniform(4, 10)))), np.float32) / 255
        rim = np.clip(soft - np.asarray(mask.filter(ImageFilter.GaussianBlur(14)), np.float32) / 255, 0, 1)
        grain = 0.75 + 0.5 * _noise(rng, w, h, 6)
        alpha = np.clip((soft * rng.uniform(0.35, 0.65) + rim * 0.9) * grain, 0, 1)[..., None]
        out = out * (1 - alpha * (1 - colour))
    image = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    name = _face(
        word, _pick(rng, ("DejaVuSerif-BoldItalic.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSans-Bold.ttf"))
    )
    font = _fit(draw, word, name, h * rng.uniform(0.14, 0.19), w * 0.82)
    cy = h * rng.uniform(0.45, 0.55)
    _text_at(draw, (w / 2, cy), word, font, ink)
    tag = _pick(rng, TAGLINES)
    _text_at(draw, (w / 2, cy + h * 0.17), tag, _fit(draw, tag, _face(tag, "DejaVuSerif-Italic.ttf"), 24, w * 0.6),
             _jitter(ink, rng, 20))  # fmt: skip
    return image


# -- 2. 招牌 vertical signboards --------------------------------------------------------------------------------------
def signboard(seed: int, name: str) -> Image.Image:
    """A vertical lightbox shop sign (直式招牌): a metal frame with screws, a lit panel, the shop name one
    character a row, a round mark on top and a phone number up the side; 420 x 1000."""
    rng = np.random.default_rng(seed)
    w, h = 420, 1000
    body = _pick(rng, ((200, 30, 36), (250, 250, 244), (240, 200, 40), (20, 70, 150), (30, 110, 60)))
    body = _jitter(body, rng, 12)
    text = _contrast(body, _pick(rng, ((255, 255, 255), (200, 20, 30), (20, 20, 30), (250, 220, 60))))
    image = Image.new("RGB", (w, h), _jitter((120, 124, 128), rng, 10))
    draw = ImageDraw.Draw(image)
    m = int(rng.integers(16, 26))
    draw.rectangle([m, m, w - m, h - m], fill=body)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    glow = 1 + 0.12 * np.exp(-(((xx - w / 2) / (w * 0.5)) ** 2 + ((yy - h / 2) / (h * 0.5)) ** 2))
    image = Image.fromarray(np.clip(np.asarray(image, np.float32) * glow[..., None], 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    inner = int(rng.integers(10, 18))
    draw.rectangle(
        [m + inner, m + inner, w - m - inner, h - m - inner], outline=text, width=int(rng.integers(3, 7))
    )
    for x, y in ((m / 2, m / 2), (w - m / 2, m / 2), (m / 2, h - m / 2), (w - m / 2, h - m / 2)):
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(200, 200, 205), outline=(70, 70, 74))
    top = m + inner + 30
    r = w * 0.16
    draw.ellipse([w / 2 - r, top, w / 2 + r, top + 2 * r], fill=text)
    _text_at(draw, (w / 2, top + r), name[0], _font("noto-bold", r * 1.2), body)
    chars = list(name)
    y0, y1 = top + 2 * r + 30, h - m - inner - 30
    step = (y1 - y0) / len(chars)
    side = rng.random() < 0.6
    size = min(step * 0.86, w * (0.5 if side else 0.62))
    cx = w * (0.44 if side else 0.5)
    font = _font("noto-bold", size)
    for k, ch in enumerate(chars):
        _text_at(draw, (cx, y0 + step * (k + 0.5)), ch, font, text)
    if side:  # the phone number, up the right edge
        phone = (
            f"電話 0{int(rng.integers(2, 9))}-{int(rng.integers(2000, 9999))}-{int(rng.integers(1000, 9999))}"
        )
        strip = Image.new("L", (int(y1 - y0), 50), 0)
        sd = ImageDraw.Draw(strip)
        _text_at(sd, (strip.width / 2, 25), phone, _fit(sd, phone, "noto", 34, strip.width * 0.9), 255)
        strip = strip.rotate(90, expand=True)
        image.paste(text, (int(w - m - inner - 62), int(y0)), strip)
    return image


# -- 3. retro 80s posters ----------------------------------------------------------------------------------------------
def retro_poster(seed: int, word: str) -> Image.Image:
    """An 80s synth poster: a gradient sky with stars, a striped sun, mountains, a glowing perspective grid and a
    chrome word with a small line; 600 x 800."""
    rng = np.random.default_rng(seed)
    top, horizon_c, sun_a, sun_b, grid_c, floor_c = _pick(rng, RETRO_SKIES)
    w, h = 600, 800
    horizon = int(h * rng.uniform(0.56, 0.66))
    image = Image.new("RGB", (w, h), floor_c)
    image.paste(_gradient((w, horizon), top, horizon_c), (0, 0))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(30, 80))):
        x, y, s = rng.uniform(0, w), rng.uniform(0, horizon * 0.6), rng.uniform(0.6, 2.2)
        draw.ellipse([x - s, y - s, x + s, y + s], fill=(255, 255, 255))
    r = w * rng.uniform(0.2, 0.3)
    cx, cy = w * rng.uniform(0.35, 0.65), horizon - r * rng.uniform(0.2, 0.6)
    sun = _gradient((int(2 * r), int(2 * r)), sun_a, sun_b)
    disc = Image.new("L", sun.size, 0)
    dd = ImageDraw.Draw(disc)
    dd.ellipse([0, 0, 2 * r - 1, 2 * r - 1], fill=255)
    bars = int(rng.integers(4, 8))
    for k in range(bars):
        y = r * (1.0 + 0.9 * k / bars)
        dd.rectangle([0, y, 2 * r, y + 2 + k * rng.uniform(1.5, 3)], fill=0)
    image.paste(sun, (int(cx - r), int(cy - r)), disc)
    if rng.random() < 0.7:  # mountains
        xs = np.linspace(-10, w + 10, int(rng.integers(6, 12)))
        pts = [(float(x), horizon - float(rng.uniform(10, h * 0.14))) for x in xs]
        draw.polygon([(-10, horizon), *pts, (w + 10, horizon)], fill=_jitter(floor_c, rng, 10))
        draw.line(pts, fill=grid_c, width=2)
    grid = Image.new("L", (w, h), 0)
    gd = ImageDraw.Draw(grid)
    rows = int(rng.integers(9, 15))
    for k in range(1, rows + 1):
        y = horizon + (h - horizon) * (k / rows) ** 2
        gd.line([(0, y), (w, y)], fill=255, width=2)
    for k in range(-12, 13):
        gd.line([(w / 2, horizon), (w / 2 + k * w * 0.16, h)], fill=255, width=2)
    glow = grid.filter(ImageFilter.GaussianBlur(4)).point(lambda v: min(255, v * 2))
    image.paste(grid_c, (0, 0), glow.point(lambda v: v // 2))
    image.paste(grid_c, (0, 0), grid)
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    name = _face(word, _pick(rng, ("DejaVuSans-BoldOblique.ttf", "DejaVuSansCondensed-BoldOblique.ttf")))
    font = _fit(md, word, name, h * 0.12, w * 0.88)
    ty = h * rng.uniform(0.12, 0.2)
    _text_at(md, (w / 2, ty), word, font, 255)
    chrome = _gradient((w, h), (250, 250, 255), (120, 60, 160))
    band = np.asarray(chrome, np.float32)
    band[int(ty) - 4 : int(ty) + 4] *= 0.6  # the chrome's horizon line
    image.paste(grid_c, (4, 5), mask)
    image.paste(Image.fromarray(band.astype(np.uint8)), (0, 0), mask)
    sub = _pick(rng, ("WORLD TOUR 1986", "REWIND · 夜行", "SIDE A", "LIVE AT MIDNIGHT", "VOL. 2"))
    _text_at(
        draw, (w / 2, ty + h * 0.1), sub, _fit(draw, sub, _face(sub, "DejaVuSans.ttf"), 26, w * 0.7), grid_c
    )
    return image


# -- 4. linocut prints -----------------------------------------------------------------------------------------------
LINO_SCENES = 5


def linocut(seed: int, title: str) -> Image.Image:
    """A one- or two-colour linocut: an inked block carved with gouge lines (sky, ground), a scene (mountain and sun,
    a wave, a fish, a tree, a boat) with carved details, rough edges, and a pencilled edition and title below;
    560 x 720."""
    rng = np.random.default_rng(seed)
    palette, scene = _design(rng, LINO_SCENES)
    paper, a, _, _, ink = PALETTES[palette]
    ink = _jitter(ink, rng, 8)
    w, h = 560, 720
    x0, y0, x1, y1 = 50, 50, w - 50, h - 150
    bw, bh = x1 - x0, y1 - y0
    inked = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(inked)
    d.rectangle([x0, y0, x1, y1], fill=255)
    ground = y0 + bh * rng.uniform(0.62, 0.78)
    for y in np.arange(y0 + 10, ground, rng.uniform(9, 14)):  # sky gouges: short horizontal strokes
        x = x0 + rng.uniform(4, 30)
        while x < x1 - 10:
            length = rng.uniform(15, 70)
            d.line(
                [(x, y), (min(x1 - 6, x + length), y + rng.uniform(-1.5, 1.5))],
                fill=0,
                width=int(rng.integers(2, 5)),
            )
            x += length + rng.uniform(8, 30)
    p = lambda u, v: (x0 + u * bw, y0 + v * bh)
    second = Image.new("L", (w, h), 0)  # the second colour (sun, fish belly, ...)
    sd = ImageDraw.Draw(second)
    if scene == 0:  # mountain and sun
        sd.ellipse([*p(0.6, 0.1), *p(0.85, 0.1 + 0.25 * bw / bh)], fill=255)
        d.polygon([p(0.0, 0.8), p(0.35, 0.28), p(0.55, 0.5), p(0.7, 0.38), p(1.0, 0.8)], fill=255)
        for k in range(6):
            d.line([p(0.35, 0.3 + 0.02 * k), p(0.2 + 0.03 * k, 0.72)], fill=0, width=3)
    elif scene == 1:  # a breaking wave
        for k in range(5):
            d.arc([*p(0.1 + 0.03 * k, 0.25 + 0.03 * k), *p(0.9 - 0.03 * k, 0.95 - 0.03 * k)], 180, 330, fill=255,
                  width=18)  # fmt: skip
        d.pieslice([*p(0.05, 0.2), *p(0.95, 1.0)], 180, 360, fill=255)
        for k in range(7):
            d.arc(
                [*p(0.12 + 0.04 * k, 0.28 + 0.04 * k), *p(0.88 - 0.04 * k, 0.92 - 0.04 * k)],
                190,
                340,
                fill=0,
                width=3,
            )
        sd.ellipse([*p(0.08, 0.08), *p(0.22, 0.08 + 0.14 * bw / bh)], fill=255)
    elif scene == 2:  # a fish
        d.ellipse([*p(0.12, 0.28), *p(0.72, 0.62)], fill=255)
        d.polygon([p(0.68, 0.45), p(0.92, 0.28), p(0.92, 0.62)], fill=255)
        for k in range(8):
            d.arc([*p(0.2 + 0.05 * k, 0.34), *p(0.3 + 0.05 * k, 0.56)], 300, 60, fill=0, width=3)
        d.ellipse([*p(0.2, 0.38), *p(0.25, 0.38 + 0.05 * bw / bh)], fill=0)
        sd.ellipse([*p(0.25, 0.48), *p(0.6, 0.6)], fill=255)
    elif scene == 3:  # a tree
        d.rectangle([*p(0.45, 0.45), *p(0.55, 0.8)], fill=255)
        d.ellipse([*p(0.15, 0.08), *p(0.85, 0.55)], fill=255)
        for k in range(10):
            u = 0.22 + 0.06 * k
            d.arc(
                [*p(u - 0.05, 0.2 + 0.02 * (k % 3)), *p(u + 0.05, 0.32 + 0.02 * (k % 3))],
                20,
                160,
                fill=0,
                width=3,
            )
        sd.ellipse([*p(0.7, 0.08), *p(0.9, 0.08 + 0.2 * bw / bh)], fill=255)
    else:  # a sailing boat
        d.polygon([p(0.2, 0.62), p(0.8, 0.62), p(0.7, 0.72), p(0.3, 0.72)], fill=255)
        d.polygon([p(0.5, 0.12), p(0.5, 0.58), p(0.22, 0.58)], fill=255)
        d.polygon([p(0.54, 0.2), p(0.54, 0.58), p(0.78, 0.58)], fill=255)
        for k in range(5):
            d.line([p(0.48, 0.2 + 0.08 * k), p(0.3 + 0.03 * k, 0.56)], fill=0, width=3)
        sd.polygon([p(0.54, 0.2), p(0.54, 0.58), p(0.78, 0.58)], fill=255)
    d.rectangle([x0, ground, x1, y1], fill=255)  # ground: solid, carved with wavy lines
    for y in np.arange(ground + 12, y1 - 6, rng.uniform(12, 18)):
        xs = np.linspace(x0 + 8, x1 - 8, 30)
        d.line([(float(x), float(y + 3 * np.sin(x / rng.uniform(14, 30)))) for x in xs], fill=0, width=3)
    rough = np.asarray(inked.filter(ImageFilter.GaussianBlur(1.4)), np.float32) / 255
    rough = rough + (_noise(rng, w, h, 2) - 0.5) * 0.5
    ink_mask = (rough > 0.5) & (rng.random((h, w)) > 0.04)  # speckles where the ink did not take
    out = (
        np.ones((h, w, 3), np.float32)
        * np.array(paper, np.float32)
        * (0.96 + 0.04 * _noise(rng, w, h, 4))[..., None]
    )
    two = np.asarray(second, np.float32)[..., None] / 255 * (rng.random() < 0.75)
    out = out * (1 - two) + np.array(a, np.float32) * two
    out[ink_mask] = ink
    image = Image.fromarray(out.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    font = _fit(draw, title, _face(title, "DejaVuSerif-Bold.ttf"), 44, w * 0.7)
    _text_at(draw, (w / 2, y1 + 55), title, font, ink)
    pencil = (110, 110, 116)
    draw.text(
        (x0, y1 + 100),
        f"{int(rng.integers(1, 30))}/30",
        font=_font("DejaVuSerif-Italic.ttf", 22),
        fill=pencil,
    )
    sig = _pick(rng, ("K. Lin", "M. Tsai", "H. Wu", "Y. Chen"))
    draw.text((x1 - 90, y1 + 100), sig, font=_font("DejaVuSerif-Italic.ttf", 22), fill=pencil)
    return image


# -- 5. chalkboard menus -----------------------------------------------------------------------------------------------
def _doodle(d: ImageDraw.ImageDraw, kind: int, x: float, y: float, s: float) -> None:
    if kind == 0:  # a cup with steam
        d.line(
            [(x, y), (x + 0.1 * s, y + s), (x + 0.7 * s, y + s), (x + 0.8 * s, y), (x, y)], fill=255, width=4
        )
        d.arc([x + 0.7 * s, y + 0.2 * s, x + 1.0 * s, y + 0.6 * s], 270, 90, fill=255, width=4)
        for u in (0.25, 0.55):
            d.arc([x + u * s, y - 0.4 * s, x + (u + 0.12) * s, y - 0.1 * s], 90, 270, fill=255, width=3)
    elif kind == 1:  # a croissant-ish crescent
        d.arc([x, y, x + s, y + 0.8 * s], 200, 340, fill=255, width=6)
        for k in range(4):
            d.line(
                [(x + (0.2 + 0.2 * k) * s, y + 0.05 * s), (x + (0.25 + 0.2 * k) * s, y + 0.3 * s)],
                fill=255,
                width=3,
            )
    elif kind == 2:  # a leaf sprig
        d.line([(x, y + s), (x + s, y)], fill=255, width=4)
        for t in (0.25, 0.5, 0.75):
            cx, cy = x + t * s, y + (1 - t) * s
            d.ellipse([cx - 0.18 * s, cy - 0.3 * s, cx + 0.02 * s, cy - 0.05 * s], outline=255, width=3)
    else:  # a star burst
        for k in range(8):
            a = np.pi * k / 4
            d.line([(x + s / 2, y + s / 2), (x + s / 2 + s / 2 * np.cos(a), y + s / 2 + s / 2 * np.sin(a))], fill=255,
                   width=4)  # fmt: skip


def chalk_menu(seed: int, title: str, items) -> Image.Image:
    """A café chalkboard in a wooden frame: smudged slate, a chalk title with an underline swash, 4-5 items with
    dotted leaders and prices, and a doodle; 640 x 480."""
    rng = np.random.default_rng(seed)
    w, h = 640, 480
    slate = np.array(_pick(rng, ((36, 54, 46), (34, 36, 40), (40, 48, 60))), np.float32)
    haze = _noise(rng, w, h, 60) * 40 + _noise(rng, w, h, 8) * 10
    out = slate + haze[..., None]
    chalk = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(chalk)
    colour_mask = Image.new("L", (w, h), 0)  # the coloured chalk (title)
    cd = ImageDraw.Draw(colour_mask)
    font = _fit(cd, title, _face(title, "DejaVuSerif-BoldItalic.ttf"), 60, w * 0.7)
    _text_at(cd, (w / 2, 80), title, font, 255)
    cd.arc([w * 0.25, 105, w * 0.75, 140], 20, 160, fill=255, width=4)
    shown = [items[int(k)] for k in rng.permutation(len(items))[: int(rng.integers(4, 6))]]
    for k, (item, price) in enumerate(shown):
        y = 175 + k * 52
        f = _font(_face(item, "DejaVuSans.ttf"), 28)
        d.text((70, y), item, font=f, fill=255)
        d.text((w - 140, y), price, font=_font("DejaVuSans.ttf", 28), fill=255)
        end = 70 + d.textbbox((0, 0), item, font=f)[2] + 10
        for x in np.arange(end, w - 150, 12):
            d.ellipse([x, y + 24, x + 3, y + 27], fill=255)
    _doodle(d, int(rng.integers(4)), w * rng.uniform(0.06, 0.12), 40, 60)
    speck = rng.random((h, w)) > 0.28
    white = (np.asarray(chalk) > 100) & speck
    coloured = (np.asarray(colour_mask) > 100) & speck
    out[white] = (236, 236, 228)
    out[coloured] = _pick(rng, ((250, 226, 120), (250, 170, 190), (160, 220, 250), (240, 240, 234)))
    image = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    draw = ImageDraw.Draw(image)
    wood = _jitter((130, 86, 50), rng, 20)
    f = int(rng.integers(16, 26))
    for k in range(f):
        tone = _rgb(np.array(wood) * (0.8 + 0.3 * np.sin(k * 1.7)))
        draw.rectangle([k, k, w - 1 - k, h - 1 - k], outline=tone)
    return image


# -- 6. tesserae mosaics ---------------------------------------------------------------------------------------------
MOSAIC_MOTIFS = 6


def _mosaic_class(motif: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The colour class (0 field, 1-3 figure) of a mosaic motif at centred coordinates ``u``, ``v`` in -1..1."""
    r, a = np.hypot(u, v), np.arctan2(v, u)
    if motif == 0:  # a sun with rays
        return np.where(r < 0.35, 1, np.where((r < 0.75) & (np.cos(a * 12) > 0.3), 2, 0))
    if motif == 1:  # a fish
        body = (u / 0.6) ** 2 + (v / 0.32) ** 2 < 1
        tail = (u > 0.45) & (u < 0.9) & (np.abs(v) < (u - 0.45) * 0.9)
        return np.where(body | tail, np.where(v > 0.1, 2, 1), np.where(np.abs(v + 0.7) < 0.06, 3, 0))
    if motif == 2:  # concentric rings
        return (np.floor(r * 5) % 4).astype(int)
    if motif == 3:  # wave bands
        return (np.floor((v + 0.15 * np.sin(u * 6)) * 4) % 4).astype(int)
    if motif == 4:  # a flower
        petal = r < 0.35 + 0.35 * np.abs(np.cos(a * 2.5))
        return np.where(r < 0.18, 3, np.where(petal, 1, np.where(np.abs(u) + np.abs(v) > 1.6, 2, 0)))
    return ((np.floor((u + v) * 3) + np.floor((u - v) * 3)) % 3).astype(int) + (r < 0.3)  # a lattice


def mosaic(seed: int) -> Image.Image:
    """Tesserae (small jittered quads, grout between) laying a motif out in a palette, with a dark border band; no
    text; 576 x 576."""
    rng = np.random.default_rng(seed)
    palette, motif = _design(rng, MOSAIC_MOTIFS)
    paper, a, b, c, ink = PALETTES[palette]
    size, cell = 576, int(rng.integers(14, 19))
    image = Image.new("RGB", (size, size), _jitter((200, 196, 186), rng, 10))
    draw = ImageDraw.Draw(image)
    colours = (paper, a, b, c)
    n = size // cell
    for j in range(n):
        for i in range(n):
            x, y = i * cell + cell / 2, j * cell + cell / 2
            border = min(i, j, n - 1 - i, n - 1 - j) < 2
            u, v = (x / size) * 2 - 1, (y / size) * 2 - 1
            k = int(_mosaic_class(motif, np.array(u * 1.15), np.array(v * 1.15)))
            colour = ink if border else colours[k % 4]
            hw = cell * rng.uniform(0.36, 0.44)
            t = rng.uniform(-0.2, 0.2)
            pts = [
                (x + hw * np.cos(t + q) * 1.41, y + hw * np.sin(t + q) * 1.41)
                for q in (0.785, 2.356, 3.927, 5.498)
            ]
            draw.polygon(pts, fill=_jitter(colour, rng, 18))
    arr = np.asarray(image, np.float32) * (0.93 + 0.07 * _noise(rng, size, size, 5))[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


# -- 7. topographic contour maps --------------------------------------------------------------------------------------
def contour_map(seed: int, title: str) -> Image.Image:
    """A topographic sheet: hypsometric tints, contour lines (every fifth thicker), a lake, a dashed trail, a north
    arrow, and a title cartouche with a scale bar; 640 x 560."""
    rng = np.random.default_rng(seed)
    w, h = 640, 560
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    z = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(5, 10))):
        cx, cy, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(50, 160)
        z += rng.uniform(0.4, 1.2) * np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s)))
    z += _noise(rng, w, h, 50) * 0.25
    z = (z - z.min()) / max(1e-6, float(z.max() - z.min()))
    tints = np.array(((200, 226, 240), (214, 232, 196), (232, 236, 196), (238, 222, 186), (230, 204, 170),
                      (222, 190, 160)), np.float32)  # fmt: skip
    band = np.clip((z * 24).astype(int), 0, 23)
    out = tints[np.clip(band // 4, 0, 5)]
    water = z < rng.uniform(0.08, 0.16)
    out[water] = (170, 206, 236)
    edge = (band != np.roll(band, 1, 0)) | (band != np.roll(band, 1, 1))
    index = edge & (band % 5 == 0)
    index = index | np.roll(index, 1, 0) | np.roll(index, 1, 1)
    out[edge] = (170, 120, 80)
    out[index] = (130, 80, 50)
    image = Image.fromarray(out.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    pts = [(rng.uniform(0, w * 0.2), rng.uniform(0, h))]
    for _ in range(12):
        pts.append(
            (pts[-1][0] + rng.uniform(30, 70), float(np.clip(pts[-1][1] + rng.uniform(-60, 60), 20, h - 20)))
        )
    for k in range(len(pts) - 1):
        if k % 2 == 0:
            draw.line([pts[k], pts[k + 1]], fill=(200, 40, 40), width=3)
    nx, ny = w - 50, 50
    draw.polygon([(nx, ny - 30), (nx - 12, ny + 10), (nx, ny), (nx + 12, ny + 10)], fill=(30, 30, 30))
    draw.text((nx - 6, ny + 12), "N", font=_font("DejaVuSans-Bold.ttf", 18), fill=(30, 30, 30))
    bx, by = int(rng.uniform(20, 60)), h - 130
    draw.rectangle([bx, by, bx + 300, by + 110], fill=(250, 248, 240), outline=(40, 40, 40), width=2)
    font = _fit(draw, title, _face(title, "DejaVuSerif-Bold.ttf"), 38, 270)
    _text_at(draw, (bx + 150, by + 32), title, font, (30, 30, 30))
    sheet = f"1:{_pick(rng, ('25 000', '50 000', '10 000'))}  ·  sheet {int(rng.integers(1, 99))}"
    _text_at(draw, (bx + 150, by + 66), sheet, _font("DejaVuSans.ttf", 16), (60, 60, 60))
    for k in range(4):
        draw.rectangle([bx + 50 + k * 50, by + 84, bx + 100 + k * 50, by + 94], fill=(30, 30, 30) if k % 2 == 0 else
                       (250, 248, 240), outline=(30, 30, 30))  # fmt: skip
    return image


# -- 8. stained glass -------------------------------------------------------------------------------------------------
GLASS_MOTIFS = 6


def stained_glass(seed: int, word: str | None) -> Image.Image:
    """An arched window: Voronoi panes coloured by a motif (rose, tulip, sun rays, diamonds, tree, waves), thick
    lead lines, back light, stone around it and, with ``word``, a lettered panel at the foot; 540 x 720."""
    rng = np.random.default_rng(seed)
    palette, motif = _design(rng, GLASS_MOTIFS)
    paper, a, b, c, ink = PALETTES[palette]
    w, h = 540, 720
    q = 3  # panes computed at a third of the size
    sw, sh = w // q, h // q
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    pts = rng.uniform(0, 1, (int(rng.integers(70, 110)), 2)) * (sw, sh)
    dist = (xx[..., None] - pts[:, 0]) ** 2 + (yy[..., None] - pts[:, 1]) ** 2
    cells = np.argmin(dist, axis=-1)
    u, v = (xx / sw) * 2 - 1, (yy / sh) * 2 - 1
    r, ang = np.hypot(u, v * 1.2), np.arctan2(v, u)
    if motif == 0:
        cls = np.where(r < 0.25, 1, np.where(r < 0.6, 2 + (np.cos(ang * 8) > 0), 0))
    elif motif == 1:
        petals = (np.abs(u) < 0.35 - 0.4 * (v + 0.3) ** 2) & (v < 0.1) & (v > -0.6)
        cls = np.where(petals, 1, np.where((np.abs(u) < 0.05) & (v > 0), 2, np.where(v > 0.6, 3, 0)))
    elif motif == 2:
        cls = np.where(r < 0.2, 1, (np.floor(ang / (np.pi / 6)) % 2).astype(int) * 2)
    elif motif == 3:
        cls = ((np.floor((u + v) * 3) + np.floor((u - v) * 3)) % 3).astype(int) + 1
    elif motif == 4:
        cls = np.where(np.hypot(u, (v + 0.25) * 1.3) < 0.55, 1, np.where((np.abs(u) < 0.1) & (v > 0), 2, 0))
    else:
        cls = (np.floor((v + 0.2 * np.sin(u * 5)) * 3) % 4).astype(int)
    colours = np.array((paper, a, b, c), np.float32)
    label = cells * 4 + cls
    jit = rng.uniform(0.8, 1.15, (label.max() + 1, 1))
    out = colours[cls] * jit[label]
    lead = (label != np.roll(label, 1, 0)) | (label != np.roll(label, 1, 1))
    big = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)).resize((w, h), Image.NEAREST)
    lead_big = (
        Image.fromarray((lead * 255).astype(np.uint8))
        .resize((w, h), Image.NEAREST)
        .filter(ImageFilter.MaxFilter(5))
    )
    arr = np.asarray(big, np.float32)
    Y, X = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 0.8 + 0.35 * np.exp(-(((X - w * 0.5) / 300) ** 2 + ((Y - h * 0.35) / 380) ** 2))
    arr = arr * (light * (0.94 + 0.12 * _noise(rng, w, h, 10)))[..., None]
    arr[np.asarray(lead_big) > 0] = (38, 36, 40)
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    window = Image.new("L", (w, h), 0)
    wd = ImageDraw.Draw(window)
    m = 34
    wd.rectangle([m, w / 2, w - m, h - m], fill=255)
    wd.ellipse([m, m, w - m, w - 2 * m + m], fill=255)
    stone = (
        np.ones((h, w, 3), np.float32)
        * np.array(_jitter((150, 140, 128), rng, 12))
        * (0.8 + 0.3 * _noise(rng, w, h, 12))[..., None]
    )
    result = Image.fromarray(np.clip(stone, 0, 255).astype(np.uint8))
    frame = window.filter(ImageFilter.MaxFilter(13))
    result.paste((50, 46, 44), (0, 0), frame)
    result.paste(image, (0, 0), window)
    if word:
        draw = ImageDraw.Draw(result)
        y0 = h - m - 90
        draw.rectangle(
            [m + 40, y0, w - m - 40, y0 + 60], fill=_jitter(paper, rng, 8), outline=(38, 36, 40), width=6
        )
        font = _fit(draw, word, _face(word, "DejaVuSerif-Bold.ttf"), 38, w - 2 * m - 110)
        _text_at(draw, (w / 2, y0 + 30), word, font, ink)
    return result


# -- look-alike only generators: promo cards, flat cards ---------------------------------------------------------------
def promo_card(seed: int) -> Image.Image:
    """A text-heavy promo card: a headline block, a Latin kicker, an offer in a ribbon, three bullet lines, a CTA
    button and small print over a two-tone field; 1080 x 1350 or 1080 x 1080."""
    rng = np.random.default_rng(seed)
    paper, a, b, c, ink = PALETTES[int(rng.integers(len(PALETTES)))]
    w, h = (1080, 1350) if rng.random() < 0.5 else (1080, 1080)
    image = _gradient((w, h), _jitter(paper, rng, 10), _jitter(b, rng, 20), angle=rng.uniform(0, 180))
    draw = ImageDraw.Draw(image)
    split = w * rng.uniform(0.35, 0.6)
    draw.polygon([(0, 0), (split, 0), (split - w * 0.15, h), (0, h)], fill=_jitter(a, rng, 10))
    kicker = _pick(rng, PROMO_LATIN)
    draw.text(
        (60, 60),
        kicker,
        font=_fit(draw, kicker, _pick(rng, LATIN_FONTS), 60, w * 0.7),
        fill=_contrast(a, paper),
    )
    head = _pick(rng, PROMO_HEAD)
    _text_at(draw, (w / 2, h * 0.28), head, _fit(draw, head, "noto-bold", h * 0.14, w * 0.86), ink, outline=0)
    sub = _pick(rng, PROMO_SUB)
    y = h * 0.45
    draw.rectangle([0, y, w, y + h * 0.1], fill=_jitter(c, rng, 10))
    _text_at(
        draw, (w / 2, y + h * 0.05), sub, _fit(draw, sub, "noto-bold", h * 0.07, w * 0.8), _contrast(c, ink)
    )
    for k in range(3):
        line = "· " + _pick(rng, CALLOUTS)
        draw.text(
            (w * 0.12, h * (0.6 + 0.07 * k)),
            line,
            font=_font("noto-bold", h * 0.045),
            fill=_contrast(paper, ink),
        )
    cta = _pick(rng, CTA)
    draw.rounded_rectangle([w * 0.25, h * 0.84, w * 0.75, h * 0.92], radius=30, fill=ink)
    _text_at(draw, (w / 2, h * 0.88), cta, _font("noto-bold", h * 0.04), _contrast(ink, paper))
    draw.text((40, h * 0.955), "*優惠以結帳頁面為準，本公司保留活動變更權利", font=_font("noto", h * 0.02),
              fill=_contrast(b, ink))  # fmt: skip
    return image


def flat_card(seed: int) -> Image.Image:
    """A plain card: a flat colour or a two-stop gradient, sometimes a soft circle or a thin frame; 1080 x 1080
    or 1080 x 1920."""
    rng = np.random.default_rng(seed)
    size = (1080, 1080) if rng.random() < 0.5 else (1080, 1920)
    a, b = _rgb(rng.integers(0, 256, 3)), _rgb(rng.integers(0, 256, 3))
    image = (
        _gradient(size, a, b, angle=rng.uniform(0, 360)) if rng.random() < 0.6 else Image.new("RGB", size, a)
    )
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.4:
        r = size[0] * rng.uniform(0.2, 0.4)
        cx, cy = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_jitter(b, rng, 30))
    if rng.random() < 0.4:
        draw.rectangle([40, 40, size[0] - 40, size[1] - 40], outline=_contrast(a), width=4)
    return image


# -- backgrounds -----------------------------------------------------------------------------------------------------
def cafe(seed: int) -> Image.Image:
    """An out-of-focus café interior: a plaster wall, shelves with jars, pendant lights, a counter; 1080 x 1350."""
    rng = np.random.default_rng(seed)
    w, h = 1080, 1350
    wall = _jitter((214, 200, 180), rng, 30)
    arr = np.ones((h, w, 3), np.float32) * np.array(wall) * (0.85 + 0.2 * _noise(rng, w, h, 90))[..., None]
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for k in range(int(rng.integers(2, 4))):
        y = h * (0.2 + 0.18 * k)
        draw.rectangle([w * 0.1, y, w * 0.9, y + 14], fill=_jitter((120, 80, 50), rng, 20))
        x = w * 0.12
        while x < w * 0.86:
            jw, jh = rng.uniform(40, 90), rng.uniform(60, 140)
            draw.rectangle(
                [x, y - jh, x + jw, y],
                fill=_jitter(_pick(rng, ((180, 120, 60), (90, 120, 100), (230, 230, 220))), rng, 30),
            )
            x += jw + rng.uniform(10, 40)
    for _ in range(int(rng.integers(2, 5))):
        x = rng.uniform(100, w - 100)
        draw.line([(x, 0), (x, h * 0.08)], fill=(40, 40, 40), width=3)
        draw.ellipse([x - 40, h * 0.08, x + 40, h * 0.08 + 60], fill=(255, 226, 160))
    draw.rectangle([0, h * 0.78, w, h], fill=_jitter((90, 60, 40), rng, 20))
    return image.filter(ImageFilter.GaussianBlur(float(rng.uniform(5, 10))))


def park(seed: int) -> Image.Image:
    """A sunny park in bokeh: a sky, blurred tree masses, light discs and a path; 1080 x 1350."""
    rng = np.random.default_rng(seed)
    w, h = 1080, 1350
    image = _gradient((w, h), _jitter((150, 200, 240), rng, 30), _jitter((120, 170, 90), rng, 30))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(8, 16))):
        x, y, r = rng.uniform(0, w), rng.uniform(h * 0.1, h * 0.6), rng.uniform(80, 220)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=_jitter((60, 120, 60), rng, 30))
    draw.polygon(
        [(w * 0.4, h), (w * 0.48, h * 0.6), (w * 0.52, h * 0.6), (w * 0.7, h)],
        fill=_jitter((200, 180, 140), rng, 20),
    )
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(8, 14))))
    glow = Image.new("L", (w, h), 0)
    gd = ImageDraw.Draw(glow)
    for _ in range(int(rng.integers(10, 30))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.7), rng.uniform(15, 50)
        gd.ellipse([x - r, y - r, x + r, y + r], fill=int(rng.integers(60, 140)))
    image.paste((255, 250, 220), (0, 0), glow.filter(ImageFilter.GaussianBlur(3)))
    return image


def backgrounds(cache: Path | None = None) -> list[Image.Image]:
    """The edits' backgrounds: 20 café interiors and 20 parks of new seeds (no reference in them)."""
    return [cafe(s) for s in CAFES] + [park(s) for s in PARKS]


# -- the edits (this set's own) ----------------------------------------------------------------------------------
Edit = Callable[[Image.Image, np.random.Generator, Image.Image], Image.Image]


def _hue(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The hue turned by 35-160 degrees either way, saturation x0.8-1.25."""
    hsv = np.asarray(img.convert("HSV"), dtype=np.int16)
    hsv[..., 0] = (hsv[..., 0] + int(rng.integers(25, 114)) * (1 if rng.random() < 0.5 else -1)) % 256
    out = Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")
    return ImageEnhance.Color(out).enhance(rng.uniform(0.8, 1.25))


def _tone(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A filter: saturation x0.5-1.6, brightness x0.8-1.2, contrast x0.7-1.35, gamma 0.75-1.35, a warm or cool cast."""
    out = ImageEnhance.Color(img).enhance(rng.uniform(0.5, 1.6))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.8, 1.2))
    out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.7, 1.35))
    gamma = rng.uniform(0.75, 1.35)
    cast = rng.uniform(-12, 12)
    lut = []
    for shift in (cast, 0, -cast):
        lut += [int(np.clip(255 * (v / 255) ** gamma + shift, 0, 255)) for v in range(256)]
    return out.point(lut)


def _mirror(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    return img.transpose(Image.FLIP_LEFT_RIGHT if rng.random() < 0.85 else Image.FLIP_TOP_BOTTOM)


def _turn(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A quarter turn either way or a half turn."""
    return img.transpose((Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270)[int(rng.integers(3))])


def _recompress(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Downscaled to 35-65 %, JPEG at quality 20-45, then re-shared as JPEG at 55-80."""
    f = rng.uniform(0.35, 0.65)
    out = img.resize((max(16, int(img.width * f)), max(16, int(img.height * f))), Image.BILINEAR)
    for quality in (int(rng.integers(20, 46)), int(rng.integers(55, 81))):
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=quality)
        out = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return out


def _perspective(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy in perspective (one side 75-92 % of the other, a 3-10 degree turn) over the background, filling
    70-88 % of a frame 1.25 times its size (a print photographed at an angle)."""
    w, h = img.size
    W, H = int(w * 1.25), int(h * 1.25)
    back = _cover(bg, (W, H))
    k = rng.uniform(0.75, 0.92)
    fill = rng.uniform(0.7, 0.88)
    qw, qh = W * fill, H * fill
    cx, cy = W / 2 + rng.uniform(-0.05, 0.05) * W, H / 2 + rng.uniform(-0.05, 0.05) * H
    quad = np.array([(-qw / 2, -qh / 2), (qw / 2, -qh / 2 * k), (qw / 2, qh / 2 * k), (-qw / 2, qh / 2)])
    if rng.random() < 0.5:
        quad[:, 0] *= -1
        quad = quad[[1, 0, 3, 2]]
    t = np.radians(rng.uniform(3, 10) * (1 if rng.random() < 0.5 else -1))
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    quad = quad @ rot.T + (cx, cy)
    src = np.array([(0, 0), (w, 0), (w, h), (0, h)], np.float64)
    A, B = [], []  # solve for the transform mapping output quad corners to source corners
    for (x, y), (u, v) in zip(quad, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        B += [u, v]
    coeffs = np.linalg.solve(np.array(A), np.array(B))
    rgba = img.convert("RGBA").transform((W, H), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC)
    back.paste(rgba, (0, 0), rgba)
    return back


def _lower_third(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A lower-third / caption band over 18-32 % of the height (bottom, top or lower third), a coloured tab at its
    left and a line of zh-TW / Latin text, 80-100 % opaque."""
    out = img.convert("RGBA")
    h = int(img.height * rng.uniform(0.18, 0.32))
    where = rng.random()
    y0 = img.height - h if where < 0.5 else 0 if where < 0.75 else int(img.height * 0.62)
    y0 = min(y0, img.height - h)
    band = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    colour = _rgb(rng.integers(0, 80, 3)) if rng.random() < 0.6 else _rgb(rng.integers(180, 256, 3))
    draw.rectangle([0, y0, img.width, y0 + h], fill=(*colour, int(rng.integers(205, 256))))
    tab = _rgb(rng.integers(0, 256, 3))
    draw.rectangle([0, y0, int(img.width * 0.04), y0 + h], fill=(*tab, 255))
    text = _pick(rng, CAPTIONS)
    font = _fit(draw, text, "noto-bold", h * 0.4, img.width * 0.86)
    _text_at(draw, (img.width * 0.52, y0 + h / 2), text, font, (*_contrast(colour), 255))
    return Image.alpha_composite(out, band).convert("RGB")


def _sticker(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A sticker over 8-18 % of the area: a price burst, a ribbon corner, a speech bubble or a rounded tag."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    r = float(np.sqrt(rng.uniform(0.08, 0.18) * img.width * img.height / np.pi))
    r = min(r, img.width / 2 - 2, img.height / 2 - 2)
    cx, cy = rng.uniform(r, img.width - r), rng.uniform(r, img.height - r)
    colour = _rgb(rng.integers(0, 256, 3))
    kind = int(rng.integers(4))
    text = _pick(rng, PRICES if kind == 0 else ("-40%", "8折", "HOT", "NEW", "買一送一", "SALE"))
    if kind == 0:
        n = int(rng.integers(14, 22))
        pts = [(cx + (r if k % 2 == 0 else r * 0.84) * np.cos(np.pi * k / n),
                cy + (r if k % 2 == 0 else r * 0.84) * np.sin(np.pi * k / n)) for k in range(2 * n)]  # fmt: skip
        draw.polygon(pts, fill=colour, outline=(255, 255, 255), width=3)
    elif kind == 1:
        draw.polygon([(cx - r * 1.2, cy - r * 0.45), (cx + r * 1.2, cy - r * 0.45), (cx + r, cy + r * 0.45),
                      (cx - r, cy + r * 0.45)], fill=colour, outline=(255, 255, 255))  # fmt: skip
    elif kind == 2:
        draw.ellipse(
            [cx - r, cy - r * 0.75, cx + r, cy + r * 0.75], fill=colour, outline=(255, 255, 255), width=3
        )
        draw.polygon(
            [(cx - r * 0.3, cy + r * 0.6), (cx - r * 0.7, cy + r * 1.0), (cx, cy + r * 0.7)], fill=colour
        )
    else:
        draw.rounded_rectangle([cx - r, cy - r * 0.6, cx + r, cy + r * 0.6], radius=int(r * 0.3), fill=colour,
                               outline=(255, 255, 255), width=4)  # fmt: skip
    font = _fit(draw, text, _face(text), r * 0.5, r * 1.5)
    _text_at(draw, (cx, cy), text, font, _contrast(colour))
    return out


def _crop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """Keep 55-80 % of each side at a random offset."""
    fw, fh = rng.uniform(0.55, 0.8), rng.uniform(0.55, 0.8)
    cw, ch = int(img.width * fw), int(img.height * fh)
    x, y = int(rng.integers(0, img.width - cw + 1)), int(rng.integers(0, img.height - ch + 1))
    return img.crop((x, y, x + cw, y + ch))


def _ad_frame(bg: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A 1080x1920 ad frame: the background, a dark gradient at the bottom, a headline, an offer and a CTA button."""
    frame = _cover(bg, (1080, 1920))
    shade = _gradient((1080, 900), (0, 0, 0), (0, 0, 0))
    mask = _gradient((1080, 900), (0, 0, 0), (170, 170, 170)).convert("L")
    frame.paste(shade, (0, 1020), mask)
    draw = ImageDraw.Draw(frame)
    head = _pick(rng, PROMO_HEAD)
    _text_at(draw, (540, 1300), head, _fit(draw, head, "noto-bold", 120, 900), (255, 255, 255), outline=4)
    sub = _pick(rng, PROMO_SUB)
    _text_at(draw, (540, 1450), sub, _fit(draw, sub, "noto-bold", 70, 900), (255, 240, 200))
    cta = _pick(rng, CTA)
    pill = _rgb(rng.integers(0, 256, 3))
    draw.rounded_rectangle([290, 1620, 790, 1730], radius=55, fill=pill)
    _text_at(draw, (540, 1675), cta, _font("noto-bold", 54), _contrast(pill, (255, 255, 255)))
    return frame


def _corner(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy at 100-180 px (its longer side) in a corner of a 1080x1920 ad frame."""
    frame = _ad_frame(bg, rng)
    side = int(rng.integers(100, 181))
    f = side / max(img.size)
    small = img.resize((max(8, int(img.width * f)), max(8, int(img.height * f))), Image.LANCZOS)
    mx, my = int(rng.integers(24, 80)), int(rng.integers(40, 180))
    x = mx if rng.random() < 0.5 else 1080 - small.width - mx
    y = my if rng.random() < 0.5 else 1920 - small.height - my
    frame.paste(small, (x, y))
    return frame


def _shadowed(stage: Image.Image, piece: Image.Image, xy, blur: float = 16, offset=(12, 18)) -> None:
    shadow = Image.new("RGBA", piece.size, (0, 0, 0, 0))
    shadow.putalpha(piece.getchannel("A").point(lambda v: v * 0.45).filter(ImageFilter.GaussianBlur(blur)))
    stage.paste(shadow, (xy[0] + offset[0], xy[1] + offset[1]), shadow)
    stage.paste(piece, xy, piece)


def _phone(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A 1080x1920 ad with a phone mock-up (dark bezel, status bar, app header, like and comment row) showing the
    copy at the screen's width, tilted -5..5 degrees, over the blurred background, a headline above."""
    stage = _cover(bg, (1080, 1920)).filter(ImageFilter.GaussianBlur(10))
    pw = int(rng.integers(640, 780))
    ph = int(pw * 2.05)
    phone = Image.new("RGBA", (pw, ph), (0, 0, 0, 0))
    d = ImageDraw.Draw(phone)
    d.rounded_rectangle([0, 0, pw - 1, ph - 1], radius=int(pw * 0.12), fill=(24, 24, 28, 255))
    b = int(pw * 0.04)
    screen = Image.new("RGB", (pw - 2 * b, ph - 2 * b), (250, 250, 250))
    sd = ImageDraw.Draw(screen)
    sd.text((40, 22), "9:41", font=_font("DejaVuSans-Bold.ttf", 26), fill=(20, 20, 20))
    sd.ellipse([30, 80, 90, 140], fill=_rgb(rng.integers(0, 256, 3)))
    sd.text((110, 92), _pick(rng, ("shop.daily", "tw_goodfinds", "weekend.market", "cafe.notes")),
            font=_font("DejaVuSans-Bold.ttf", 28), fill=(20, 20, 20))  # fmt: skip
    copy = _contain(img, screen.width, int(screen.height * 0.62))
    screen.paste(copy, ((screen.width - copy.width) // 2, 165))
    y = 165 + copy.height + 26
    for k in range(3):
        sd.ellipse([30 + k * 80, y, 80 + k * 80, y + 50], outline=(30, 30, 30), width=4)
    caption = _pick(rng, CAPTIONS)
    sd.text((30, y + 80), caption, font=_fit(sd, caption, "noto", 30, screen.width - 60), fill=(40, 40, 40))
    phone.paste(screen, (b, b))
    tilted = phone.rotate(rng.uniform(-5, 5), resample=Image.BICUBIC, expand=True)
    x = (1080 - tilted.width) // 2 + int(rng.integers(-30, 31))
    y = max(0, 1920 - tilted.height - int(rng.integers(20, 120)))
    _shadowed(stage, tilted, (x, y))
    draw = ImageDraw.Draw(stage)
    head = _pick(rng, PROMO_HEAD)
    _text_at(
        draw, (540, max(90, y / 2)), head, _fit(draw, head, "noto-bold", 100, 900), (255, 255, 255), outline=5
    )
    return stage


def _photo_card(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """A 1080x1350 post: a tinted background, the copy in a white rounded card (60-80 % of the width, tilted
    -4..4 degrees, soft shadow) with a name and a price line under it."""
    stage = _cover(bg, (1080, 1350))
    stage = Image.blend(
        stage, Image.new("RGB", stage.size, _rgb(rng.integers(0, 256, 3))), float(rng.uniform(0.25, 0.5))
    )
    width = int(1080 * rng.uniform(0.6, 0.8))
    copy = _contain(img, width, 900)
    pad = 28
    card = Image.new("RGBA", (copy.width + 2 * pad, copy.height + pad + 150), (0, 0, 0, 0))
    cd = ImageDraw.Draw(card)
    cd.rounded_rectangle([0, 0, card.width - 1, card.height - 1], radius=36, fill=(255, 255, 255, 255))
    card.paste(copy, (pad, pad))
    name = _pick(rng, PROMO_HEAD)
    cd.text(
        (pad, copy.height + pad + 20),
        name,
        font=_fit(cd, name, "noto-bold", 50, card.width - 2 * pad),
        fill=(30, 30, 30),
    )
    cd.text(
        (pad, copy.height + pad + 86),
        _pick(rng, PRICES),
        font=_font("DejaVuSans-Bold.ttf", 40),
        fill=(210, 50, 50),
    )
    tilted = card.rotate(rng.uniform(-4, 4), resample=Image.BICUBIC, expand=True)
    x = max(0, (1080 - tilted.width) // 2 + int(rng.integers(-40, 41)))
    y = max(0, (1350 - tilted.height) // 2 + int(rng.integers(-40, 41)))
    _shadowed(stage, tilted, (x, y))
    return stage


def _blur_backdrop(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy blurred (radius 20-45), darkened to 55-80 %, as a 1080x1920 backdrop; the sharp copy at 70-90 % of
    the width, centred at 38-58 % of the height; a subtitle at the bottom."""
    back = _cover(img, (1080, 1920)).filter(ImageFilter.GaussianBlur(float(rng.uniform(20, 45))))
    back = ImageEnhance.Brightness(back).enhance(rng.uniform(0.55, 0.8))
    front = _contain(img, int(1080 * rng.uniform(0.7, 0.9)), 1450)
    cy = int(1920 * rng.uniform(0.38, 0.58))
    y = int(np.clip(cy - front.height / 2, 0, 1920 - front.height))
    back.paste(front, ((1080 - front.width) // 2, y))
    draw = ImageDraw.Draw(back)
    text = _pick(rng, CAPTIONS)
    _text_at(draw, (540, 1810), text, _fit(draw, text, "noto-bold", 60, 960), (255, 255, 255), outline=4)
    return back


def _split(
    img: Image.Image, rng: np.random.Generator, bg: Image.Image, other: Image.Image | None = None
) -> Image.Image:
    """A split screen: the copy fitted into one half (top / bottom of a 1080x1920 story or left / right of a
    1080x1080 post) on a plain colour, the background (or ``other``) filling the other half, a divider and a
    'BEFORE / AFTER' or 'VS' label."""
    other = bg if other is None else other
    colour = _rgb(rng.integers(0, 256, 3))
    if rng.random() < 0.5:
        W, H = 1080, 1920
        stage = Image.new("RGB", (W, H), colour)
        halves = ((0, 0, W, H // 2), (0, H // 2, W, H))
    else:
        W, H = 1080, 1080
        stage = Image.new("RGB", (W, H), colour)
        halves = ((0, 0, W // 2, H), (W // 2, 0, W, H))
    mine, theirs = halves if rng.random() < 0.5 else halves[::-1]
    mw, mh = mine[2] - mine[0], mine[3] - mine[1]
    copy = _contain(img, int(mw * 0.94), int(mh * 0.94))
    stage.paste(copy, (mine[0] + (mw - copy.width) // 2, mine[1] + (mh - copy.height) // 2))
    stage.paste(_cover(other, (theirs[2] - theirs[0], theirs[3] - theirs[1])), theirs[:2])
    draw = ImageDraw.Draw(stage)
    if W == H:
        draw.rectangle([W // 2 - 4, 0, W // 2 + 4, H], fill=(255, 255, 255))
    else:
        draw.rectangle([0, H // 2 - 4, W, H // 2 + 4], fill=(255, 255, 255))
    label = _pick(rng, ("VS", "BEFORE | AFTER", "A or B?", "你選哪個？"))
    font = _fit(draw, label, _face(label), 64, 400)
    box = draw.textbbox((0, 0), label, font=font)
    cx, cy = W // 2, H // 2
    draw.rounded_rectangle([cx - (box[2] - box[0]) / 2 - 24, cy - 50, cx + (box[2] - box[0]) / 2 + 24, cy + 50],
                           radius=30, fill=(20, 20, 24))  # fmt: skip
    _text_at(draw, (cx, cy), label, font, (255, 255, 255))
    return stage


def _callout_grid(img: Image.Image, rng: np.random.Generator, bg: Image.Image) -> Image.Image:
    """The copy at 1080 px wide under a 2x2 to 3x3 grid of translucent text callouts (feature pills) spread over it,
    as product-feature posts do."""
    copy = (
        _contain(img, 1080, 1350)
        if img.width < img.height
        else img.resize((1080, max(8, int(img.height * 1080 / img.width))), Image.LANCZOS)
    )
    out = copy.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cols, rows = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    words = [CALLOUTS[int(k)] for k in rng.permutation(len(CALLOUTS))[: cols * rows]]
    fill = (*_rgb(rng.integers(0, 256, 3)), int(rng.integers(150, 210)))
    size = out.height / rows * 0.16
    for k, word in enumerate(words):
        cx = out.width * ((k % cols) + 0.5) / cols + rng.uniform(-20, 20)
        cy = out.height * ((k // cols) + 0.5) / rows + rng.uniform(-20, 20)
        font = _fit(draw, word, _face(word), size, out.width / cols * 0.7)
        box = draw.textbbox((0, 0), word, font=font)
        tw, th = box[2] - box[0], box[3] - box[1]
        draw.rounded_rectangle([cx - tw / 2 - 18, cy - th / 2 - 12, cx + tw / 2 + 18, cy + th / 2 + 12],
                               radius=int(th / 2 + 12), fill=fill)  # fmt: skip
        _text_at(draw, (cx, cy), word, font, (*_contrast(fill[:3]), 255))
    return Image.alpha_composite(out, layer).convert("RGB")


EDITS: dict[str, Edit] = {
    "hue_35-160deg": _hue,
    "tone_filter": _tone,
    "mirror": _mirror,
    "turn_90-180": _turn,
    "downscale_jpeg2": _recompress,
    "perspective_over_bg": _perspective,
    "lower_third_18-32": _lower_third,
    "sticker_8-18": _sticker,
    "crop_55-80": _crop,
    "corner_100-180px": _corner,
    "phone_mockup": _phone,
    "photo_card": _photo_card,
    "blurred_backdrop": _blur_backdrop,
    "split_screen": _split,
    "callout_grid": _callout_grid,
}
MILD = ("hue_35-160deg", "tone_filter", "mirror", "turn_90-180", "downscale_jpeg2")
FLASH_EDITS = ("flash_cut_0.3s", "flash_fade_0.4s")  # ``render_flash``, one clip seed drawn per clip


def render_flash(img: Image.Image, bg: Image.Image, path: Path, seed: int, *, fade: bool, seconds: float = 3.0,
                 fps: int = 30, size: tuple[int, int] = (1080, 1920)) -> Path:  # fmt: skip
    """A ``size`` (1080x1920) H.264 clip slowly zooming into ``bg`` (1.0 to 1.12), with the copy at 45-70 % of the
    width at a random place, shown for 0.3 s (hard cut in and out) or faded in and out over 0.4 s, starting at
    0.4-2.3 s. Every random choice comes from ``seed``."""
    from studio.media import ffmpeg_exe

    w, h = size
    rng = np.random.default_rng(seed)
    zoom_to = rng.uniform(1.06, 1.12)
    big = _cover(bg, (int(w * zoom_to) + 2, int(h * zoom_to) + 2))
    scale = rng.uniform(0.45, 0.7) * w / img.width
    if img.height * scale > h * 0.7:
        scale = h * 0.7 / img.height
    small = np.asarray(img.resize((max(2, int(img.width * scale)), max(2, int(img.height * scale))), Image.BILINEAR),
                       np.float32)  # fmt: skip
    sy, sx = small.shape[:2]
    x, y = int(rng.integers(0, w - sx + 1)), int(rng.integers(0, h - sy + 1))
    start = rng.uniform(0.4, 2.3)
    length = 0.4 if fade else 0.3
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r",
         str(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
         str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    for k in range(round(seconds * fps)):
        t = k / fps
        z = zoom_to - (zoom_to - 1) * (1 - t / seconds)  # 1.0 .. zoom_to
        cw, ch = w * zoom_to / z, h * zoom_to / z
        ox, oy = (big.width - cw) / 2, (big.height - ch) / 2
        frame = np.asarray(
            big.resize((w, h), Image.BILINEAR, box=(ox, oy, ox + cw, oy + ch)), np.float32
        ).copy()
        u = (t - start) / length
        if fade:
            alpha = max(0.0, 1 - abs(2 * u - 1)) if 0 <= u <= 1 else 0.0
        else:
            alpha = 1.0 if 0 <= u < 1 - 1e-9 else 0.0
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
    for k, s in enumerate(REF_WASHES):
        word = (REF_ZH[0], REF_LATIN[1], REF_LATIN[7])[k]
        specs.append((f"f5-ref-watercolour:{s}", lambda s=s, w=word: watercolour(s, w)))
    for k, s in enumerate(REF_SIGNS):
        specs.append((f"f5-ref-signboard:{s}", lambda s=s, k=k: signboard(s, REF_SIGNS_TEXT[k])))
    for k, s in enumerate(REF_RETROS):
        word = (REF_LATIN[2], REF_LATIN[0], REF_ZH[2])[k]
        specs.append((f"f5-ref-retro:{s}", lambda s=s, w=word: retro_poster(s, w)))
    for k, s in enumerate(REF_LINOS):
        word = (REF_ZH[3], REF_LATIN[3], REF_LATIN[4])[k]
        specs.append((f"f5-ref-linocut:{s}", lambda s=s, w=word: linocut(s, w)))
    for k, s in enumerate(REF_CHALKS):
        word = (REF_ZH[4], REF_LATIN[5], REF_ZH[5])[k]
        specs.append((f"f5-ref-chalk:{s}", lambda s=s, w=word: chalk_menu(s, w, REF_MENU)))
    for s in REF_MOSAICS:
        specs.append((f"f5-ref-mosaic:{s}", lambda s=s: mosaic(s)))
    for k, s in enumerate(REF_CONTOURS):
        word = (REF_ZH[1], REF_LATIN[6], REF_ZH[0])[k]
        specs.append((f"f5-ref-contour:{s}", lambda s=s, w=word: contour_map(s, w)))
    for k, s in enumerate(REF_GLASSES):
        word = (None, REF_LATIN[0], None)[k]
        specs.append((f"f5-ref-glass:{s}", lambda s=s, w=word: stained_glass(s, w)))
    return specs


def references(shared: Path | None, cache: Path | None = None) -> list[Item]:
    """The fresh5 protected references: 24 procedural ones (3 of each of 8 kinds) and, with ``shared``, 4 plush
    photos and 2 lego renders (read at run time, never stored): 30 in all."""
    items = []  # the photos first: interleaved, the flash clips' first references then cover both photo kinds
    if shared is not None and (shared / "plush_photos").is_dir():
        plush = sorted((shared / "plush_photos").glob("*.jpg"))
        for k in PLUSH:
            items.append(Item(f"f5-ref-plush:{plush[k].stem}", data._rgb(Image.open(plush[k]))))
    if shared is not None and (shared / "nerf_lego" / "train").is_dir():
        lego = sorted((shared / "nerf_lego" / "train").glob("*.png"), key=lambda p: int(p.stem.split("_")[1]))
        for k in LEGO:
            items.append(Item(f"f5-ref-lego:{lego[k].stem}", data._rgb(Image.open(lego[k]))))
    items += [Item(name, make()) for name, make in _ref_specs()]
    return data.interleave_by_kind(items)  # the first VIDEO_REFS get the flash clips


# -- the look-alikes ----------------------------------------------------------------------------------------------
def _look_word(rng: np.random.Generator) -> str:
    return _pick(rng, LOOK_ZH) if rng.random() < 0.5 else _pick(rng, LOOK_LATIN)


def _mark(seed: int) -> Image.Image:
    """An unrelated picture for the layout look-alikes: one of the eight generators with a look-alike seed and word."""
    rng = np.random.default_rng(seed)
    kind = int(rng.integers(8))
    word = _look_word(rng)
    makers = (
        lambda: watercolour(seed, word),
        lambda: signboard(seed, _pick(rng, LOOK_SIGNS_TEXT)),
        lambda: retro_poster(seed, word),
        lambda: linocut(seeds_avoiding(seed, 1, LINO_SCENES, REF_LINOS)[0], word),
        lambda: chalk_menu(seed, word, LOOK_MENU),
        lambda: mosaic(seeds_avoiding(seed, 1, MOSAIC_MOTIFS, REF_MOSAICS, whole=True)[0]),
        lambda: contour_map(seed, word),
        lambda: stained_glass(seeds_avoiding(seed, 1, GLASS_MOTIFS, REF_GLASSES, whole=True)[0], None),
    )
    return makers[kind]()


def _picture(seed: int) -> Image.Image:
    """A look-alike mark (60 %), a promo card (15 %) or a background."""
    rng = np.random.default_rng(seed)
    roll = rng.random()
    if roll < 0.6:
        return _mark(seed + 100)
    if roll < 0.75:
        return promo_card(seed + 150)
    return cafe(seed + 200) if rng.random() < 0.5 else park(seed + 200)


def _layout(seed: int, kind: str) -> Image.Image:
    """The edits' own layouts around an unrelated picture."""
    rng = np.random.default_rng(seed)
    bg = cafe(seed + 300) if seed % 2 else park(seed + 300)
    if kind == "corner":
        return _corner(_mark(seed + 100), rng, bg)
    picture = _picture(seed)
    if kind == "caption":
        return _lower_third(picture, rng, bg)
    if kind == "card":
        return (_phone, _photo_card, _blur_backdrop)[seed % 3](picture, rng, bg)
    if kind == "badge":
        return _sticker(picture, rng, bg)
    if kind == "split":
        return _split(picture, rng, bg, other=_mark(seed + 400))
    return _callout_grid(picture, rng, bg)


FAMILIES = (
    "watercolour", "signboard", "retro", "linocut", "chalk", "mosaic", "contour", "glass", "promo", "flat",
    "caption", "card", "badge", "corner", "split", "grid",
)  # fmt: skip


def lookalike_specs() -> list[tuple[str, Callable[[], Image.Image]]]:
    """(name, maker) of every look-alike, in order; cheap: nothing is drawn until a maker is called."""
    specs: list[tuple[str, Callable[[], Image.Image]]] = []
    n = PER_FAMILY

    def base(family: str) -> int:
        return LOOKALIKE_BASE + 1000 * FAMILIES.index(family)

    def add(family: str, seeds, make: Callable[[int], Image.Image]) -> None:
        for k, seed in enumerate(seeds):
            specs.append((f"f5-{family}:{k}", lambda s=seed: make(s)))

    def word(s: int) -> str:
        return _look_word(np.random.default_rng(s + 1))

    def span(family: str) -> range:
        return range(base(family), base(family) + n)

    add("watercolour", span("watercolour"), lambda s: watercolour(s, word(s)))
    add("signboard", span("signboard"), lambda s: signboard(s, LOOK_SIGNS_TEXT[s % len(LOOK_SIGNS_TEXT)]))
    add("retro", span("retro"), lambda s: retro_poster(s, word(s)))
    add("linocut", seeds_avoiding(base("linocut"), n, LINO_SCENES, REF_LINOS), lambda s: linocut(s, word(s)))
    add("chalk", span("chalk"), lambda s: chalk_menu(s, word(s), LOOK_MENU))
    add("mosaic", seeds_avoiding(base("mosaic"), n, MOSAIC_MOTIFS, REF_MOSAICS, whole=True), mosaic)
    add("contour", span("contour"), lambda s: contour_map(s, word(s)))
    add(
        "glass",
        seeds_avoiding(base("glass"), n, GLASS_MOTIFS, REF_GLASSES, whole=True),
        lambda s: stained_glass(s, word(s) if s % 3 == 0 else None),
    )
    add("promo", span("promo"), promo_card)
    add("flat", span("flat"), flat_card)
    for kind in ("caption", "card", "badge", "corner", "split", "grid"):
        add(kind, span(kind), lambda s, kind=kind: _layout(s, kind))
    return specs


def lookalikes(cache: Path | None = None) -> list[Item]:
    """The 320 fresh5 look-alikes (20 per family), in ``lookalike_specs`` order."""
    return [Item(name, make()) for name, make in lookalike_specs()]
