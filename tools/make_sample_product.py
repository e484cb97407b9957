"""Make the sample product: photos of a fictional Taiwanese tea tin and its logo, procedurally (numpy + Pillow).

The brand 「山嵐茶坊 Mountain Mist Tea」 and its 「高山烏龍茶 High Mountain Oolong」 tin are invented for this project.
Everything written here is made by this script, so it is CC0-1.0 (see assets/README.md).

How the photos are made (no 3D library, no downloaded texture):

* an orthographic "long lens" camera tilted down by a few degrees; every object is a surface of revolution
  (the tin: two cylinders and a disk; the cup: a truncated cone with an inner wall and a tea surface) and each
  pixel's ray is intersected analytically (a quadratic per cone), with 2x2 supersampling for clean edges;
* shading in linear light: Lambert diffuse from a key and fill light plus a hemisphere ambient, Fresnel-weighted
  reflections of an analytic studio environment (soft boxes as Gaussian lobes in azimuth), so a cylinder gets
  the vertical highlight streaks of a real tin; the label is a texture printed with the bundled Noto Sans TC;
* floor shadows computed in floor coordinates (a tight contact shadow plus a soft cast shadow away from the key);
* props (rolled oolong leaves, fresh leaves, a linen cloth, a wooden table, a kraft card) from seeded noise;
* a filmic tone curve, lens vignette and fine grain, then JPEG quality 92.

Deterministic: fixed seeds, no clock, no threads. Usage::

    python tools/make_sample_product.py             # writes assets/sample/*.jpg, logo.png, product.yaml
    python tools/make_sample_product.py --out /tmp/sample --only hero
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

REPO = Path(__file__).resolve().parent.parent
FONT_REGULAR = REPO / "assets" / "fonts" / "NotoSansTC-Regular.otf"
FONT_BOLD = REPO / "assets" / "fonts" / "NotoSansTC-Bold.otf"
DEFAULT_OUT = REPO / "assets" / "sample"

# ---------------------------------------------------------------------------------------------------------------
# Product facts: printed on the tin and written to product.yaml for the example ad spec.
# Wording follows Taiwan's food-advertising rules: taste, origin and craft only, no health or efficacy claims.
# ---------------------------------------------------------------------------------------------------------------
PRODUCT = {
    "brand": {"zh-TW": "山嵐茶坊", "en": "Mountain Mist Tea"},
    "product": {"zh-TW": "高山烏龍茶", "en": "High Mountain Oolong"},
    "net_weight": {"zh-TW": "淨重 150 公克", "en": "Net Wt. 150 g"},
    "origin": {"zh-TW": "台灣製造", "en": "Made in Taiwan"},
    "headlines": [
        {"zh-TW": "把山上的霧，泡進杯裡", "en": "Brew the mountain mist"},
        {"zh-TW": "一口高山的清新", "en": "A sip of high-mountain freshness"},
        {"zh-TW": "雲霧裡長大的好茶", "en": "Tea grown in the clouds"},
    ],
    "selling_points": [
        {"zh-TW": "海拔 1,500 公尺茶園，手工採摘", "en": "Hand-picked at 1,500 m above sea level"},
        {"zh-TW": "輕焙火，花香清雅，回甘持久", "en": "Lightly roasted, floral aroma, long sweet finish"},
        {"zh-TW": "熱泡冷泡都好喝，可回沖 5 次", "en": "Great hot or cold-brewed, up to 5 infusions"},
    ],
    "price": {"zh-TW": "每罐 NT$680｜兩罐 NT$1,200", "en": "NT$680 per tin | 2 tins for NT$1,200"},
    "call_to_action": {"zh-TW": "立即選購", "en": "Shop now"},
    "colours": {"tin_green": "#1E4A38", "gold": "#C8A258", "cream": "#F2EAD7", "seal_red": "#B3342A"},
}

GREEN = "#1E4A38"
GREEN_DARK = "#143326"
GOLD = "#C8A258"
CREAM = "#F2EAD7"
SEAL_RED = "#B3342A"
INK = "#22302A"


# ---------------------------------------------------------------------------------------------------------------
# Colour helpers (linear light inside, sRGB outside)
# ---------------------------------------------------------------------------------------------------------------
def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def lin(value: str) -> np.ndarray:
    """A hex sRGB colour as a linear float32 triple."""
    return srgb_to_linear(np.array(hex_rgb(value), dtype=np.float32) / 255.0)


def tonemap(x: np.ndarray, exposure: float = 1.0) -> np.ndarray:
    """Filmic curve (Narkowicz's ACES fit), linear in -> linear display out, in [0, 1]."""
    x = np.maximum(x * exposure, 0.0)
    return np.clip((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0)


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def value_noise(shape: tuple[int, int], cell: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise in [-1, 1] with features about ``cell`` pixels wide (a small random grid, bicubic-upscaled)."""
    h, w = shape
    gh, gw = max(2, int(h / cell) + 3), max(2, int(w / cell) + 3)
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    img = Image.fromarray(grid).resize((int(gw * cell), int(gh * cell)), Image.BICUBIC)
    arr = np.asarray(img, dtype=np.float32)[:h, :w]
    return arr / (np.abs(arr).max() + 1e-6)


def fbm(shape: tuple[int, int], cell: float, rng: np.random.Generator, octaves: int = 4) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    amp, total = 1.0, 0.0
    for i in range(octaves):
        out += amp * value_noise(shape, max(cell / 2**i, 1.5), rng)
        total += amp
        amp *= 0.5
    return out / total


# ---------------------------------------------------------------------------------------------------------------
# Fonts and text
# ---------------------------------------------------------------------------------------------------------------
_FONT_CACHE: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
_CMAP: set[int] | None = None


def font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    path = FONT_BOLD if bold else FONT_REGULAR
    key = (str(path), size)
    if key not in _FONT_CACHE:
        if not path.exists():
            raise SystemExit(f"{path} is missing: run tools/subset_font.py first")
        _FONT_CACHE[key] = ImageFont.truetype(str(path), size)
    return _FONT_CACHE[key]


def check_glyphs(text: str) -> None:
    """Refuse to print a character the bundled font lacks (it would show as a tofu box)."""
    global _CMAP
    if _CMAP is None:
        from fontTools.ttLib import TTFont

        _CMAP = set(TTFont(str(FONT_REGULAR), lazy=True).getBestCmap())
    missing = [ch for ch in text if not ch.isspace() and ord(ch) not in _CMAP]
    if missing:
        raise SystemExit(f"the bundled font has no glyph for {missing!r} in {text!r}")


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill,
    bold: bool = False,
    anchor: str = "mm",
    tracking: float = 0.0,
) -> None:
    """Draw ``text``; ``tracking`` adds that fraction of ``size`` between letters (letter-spaced caps)."""
    check_glyphs(text)
    f = font(bold, size)
    if tracking == 0.0:
        draw.text(xy, text, font=f, fill=fill, anchor=anchor)
        return
    widths = [f.getlength(ch) for ch in text]
    gap = tracking * size
    total = sum(widths) + gap * (len(text) - 1)
    x = xy[0] - total / 2 if anchor[0] == "m" else xy[0]
    for ch, w in zip(text, widths, strict=True):
        draw.text((x, xy[1]), ch, font=f, fill=fill, anchor="l" + anchor[1])
        x += w + gap


def draw_vertical(
    draw: ImageDraw.ImageDraw,
    center_x: float,
    top: float,
    text: str,
    size: int,
    fill,
    bold: bool = True,
    leading: float = 1.08,
) -> None:
    """Stack CJK characters top to bottom (traditional vertical setting)."""
    check_glyphs(text)
    for i, ch in enumerate(text):
        draw.text((center_x, top + i * size * leading), ch, font=font(bold, size), fill=fill, anchor="mt")


# ---------------------------------------------------------------------------------------------------------------
# The brand mark (used on the label and as the logo)
# ---------------------------------------------------------------------------------------------------------------
def draw_mark(
    size: int, disc: str | None, mountain: str, mist: str, sun: str | None = SEAL_RED
) -> Image.Image:
    """The mark: layered peaks cut by two mist lines in a disc. Returns an RGBA image ``size`` x ``size``."""
    s = size * 4  # draw large, downsample for anti-aliasing
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    mask_disc = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask_disc).ellipse((0, 0, s - 1, s - 1), fill=255)
    art = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(art)
    if disc is not None:
        d.ellipse((0, 0, s - 1, s - 1), fill=disc)
    if sun is not None:
        r = 0.085 * s
        d.ellipse((0.66 * s - r, 0.27 * s - r, 0.66 * s + r, 0.27 * s + r), fill=sun)

    def peak_poly(points):
        return [(x * s, y * s) for x, y in points]

    back = [
        (0.0, 0.78),
        (0.22, 0.50),
        (0.33, 0.58),
        (0.52, 0.34),
        (0.75, 0.60),
        (0.86, 0.52),
        (1.0, 0.66),
        (1.0, 1.0),
        (0.0, 1.0),
    ]
    front = [(0.0, 0.86), (0.18, 0.70), (0.38, 0.84), (0.62, 0.62), (1.0, 0.90), (1.0, 1.0), (0.0, 1.0)]
    d.polygon(peak_poly(back), fill=mountain)
    # the nearer ridge: the peak colour blended towards the disc (or darkened without a disc), for depth
    mc = np.array(hex_rgb(mountain), np.float32)
    near = 0.62 * mc + 0.38 * np.array(hex_rgb(disc), np.float32) if disc is not None else 0.75 * mc
    d.polygon(peak_poly(front), fill=(*[int(c) for c in near], 255))
    # two mist bands: smooth sine strokes across the peaks
    xs = np.linspace(-0.05, 1.05, 200)
    for y0, amp, width, phase in ((0.60, 0.025, 0.040, 0.0), (0.74, 0.02, 0.032, 1.7)):
        pts = [(x * s, (y0 + amp * math.sin(2 * math.pi * 1.3 * x + phase)) * s) for x in xs]
        d.line(pts, fill=mist, width=int(width * s), joint="curve")
    if disc is not None:
        art.putalpha(Image.fromarray(np.minimum(np.asarray(art.getchannel("A")), np.asarray(mask_disc))))
    img.alpha_composite(art)
    return img.resize((size, size), Image.LANCZOS)


def make_logo(size: int = 800) -> Image.Image:
    """Transparent PNG logo: the mark over the wordmark 「山嵐茶坊」 and MOUNTAIN MIST TEA."""
    k = 3
    s = size * k
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    mark = draw_mark(int(0.50 * s), disc=GREEN, mountain=CREAM, mist=GOLD)
    img.alpha_composite(mark, (int(0.25 * s), int(0.05 * s)))
    d = ImageDraw.Draw(img)
    draw_text(d, (s / 2, 0.70 * s), PRODUCT["brand"]["zh-TW"], int(0.145 * s), GREEN, bold=True)
    draw_text(d, (s / 2, 0.855 * s), "MOUNTAIN MIST TEA", int(0.052 * s), GREEN, bold=True, tracking=0.28)
    d.line((0.30 * s, 0.925 * s, 0.70 * s, 0.925 * s), fill=GOLD, width=int(0.006 * s))
    return img.resize((size, size), Image.LANCZOS)


# ---------------------------------------------------------------------------------------------------------------
# The tin's printed wrap (texture) and its material map
# ---------------------------------------------------------------------------------------------------------------
PAPER, LACQUER, FOIL = 0, 1, 2


@dataclass
class Wrap:
    rgb: np.ndarray  # [H, W, 3] float32 linear albedo
    material: np.ndarray  # [H, W] uint8: PAPER / LACQUER / FOIL


def make_wrap(radius_px: float, body_height_ratio: float, seed: int = 7) -> Wrap:
    """Unwrapped print for the tin body: x = angle (-180..180 deg, 0 = front), y = top..bottom of the body.

    ``radius_px`` sets the resolution (texture width = 2 pi radius); the height is ``body_height_ratio`` radii.
    """
    rng = np.random.default_rng(seed)
    w = round(2 * math.pi * radius_px)
    h = round(body_height_ratio * radius_px)
    img = Image.new("RGB", (w, h), GREEN)
    mat = Image.new("L", (w, h), LACQUER)
    d = ImageDraw.Draw(img)
    dm = ImageDraw.Draw(mat)
    u = radius_px  # layout unit: one tin radius in texture pixels

    def ax(deg: float) -> float:  # angle -> texture x
        return (deg + 180.0) / 360.0 * w

    # fine gold mist lines running round the tin (printed foil), thinning out towards the front panel
    for i in range(9):
        y0 = h * (0.10 + 0.1 * i)
        pts = []
        for xx in np.linspace(0, w, 400):
            pts.append((xx, y0 + 0.035 * u * math.sin(xx / w * 2 * math.pi * 6 + i * 1.1)))
        d.line(pts, fill=GOLD, width=max(2, int(0.006 * u)))
        dm.line(pts, fill=FOIL, width=max(2, int(0.006 * u)))
    # gold bands at the top and bottom of the body
    for y0, y1 in ((0, 0.035 * u), (h - 0.05 * u, h)):
        d.rectangle((0, y0, w, y1), fill=GOLD)
        dm.rectangle((0, y0, w, y1), fill=FOIL)

    # front panel: cream paper label with a thin gold frame. Layout in radii ("u") from the panel top; the
    # panel is about 2.1 u tall on the standard tin.
    half = 54.0
    x0, x1 = ax(-half), ax(half)
    y0, y1 = 0.075 * h, 0.95 * h
    d.rectangle((x0, y0, x1, y1), fill=CREAM)
    dm.rectangle((x0, y0, x1, y1), fill=PAPER)
    inset = 0.035 * u
    frame = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)
    d.rectangle(frame, outline=GOLD, width=max(2, int(0.01 * u)))
    dm.rectangle(frame, outline=FOIL, width=max(2, int(0.01 * u)))
    # subtle paper fibre texture on the label
    fib = value_noise((int(y1 - y0), int(x1 - x0)), 0.02 * u, rng)
    panel = np.asarray(img, dtype=np.float32)
    panel[int(y0) : int(y0) + fib.shape[0], int(x0) : int(x0) + fib.shape[1]] *= (1 + 0.025 * fib)[..., None]
    img = Image.fromarray(np.clip(panel, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)

    cx = ax(0.0)
    mark = draw_mark(int(0.40 * u), disc=GREEN, mountain=CREAM, mist=GOLD)
    img.paste(mark, (int(cx - mark.width / 2), int(y0 + 0.10 * u)), mark)
    draw_text(d, (cx, y0 + 0.68 * u), PRODUCT["brand"]["zh-TW"], int(0.27 * u), GREEN, bold=True)
    draw_text(d, (cx, y0 + 0.90 * u), "MOUNTAIN MIST TEA", int(0.072 * u), GREEN, bold=True, tracking=0.25)
    ry = y0 + 0.99 * u
    d.line((cx - 0.45 * u, ry, cx + 0.45 * u, ry), fill=GOLD, width=max(2, int(0.008 * u)))
    dm.line((cx - 0.45 * u, ry, cx + 0.45 * u, ry), fill=FOIL, width=max(2, int(0.008 * u)))
    # the product name set vertically in vermilion, a red seal beside it
    vsize = int(0.17 * u)
    draw_vertical(d, cx - 0.13 * u, y0 + 1.06 * u, "高山烏龍", vsize, SEAL_RED, bold=True, leading=1.04)
    sx, sy, sw = cx + 0.17 * u, y0 + 1.08 * u, 0.16 * u
    d.rounded_rectangle((sx - sw / 2, sy, sx + sw / 2, sy + sw * 1.85), radius=0.015 * u, fill=SEAL_RED)
    draw_vertical(d, sx, sy + 0.03 * u, "山嵐", int(0.115 * u), CREAM, bold=True, leading=1.12)
    draw_vertical(d, sx, sy + sw * 1.85 + 0.05 * u, "茶", int(0.12 * u), GREEN, bold=False)
    draw_text(d, (cx, y0 + 1.86 * u), "HIGH MOUNTAIN OOLONG", int(0.060 * u), INK, bold=False, tracking=0.18)
    draw_text(d, (cx, y0 + 1.97 * u), "淨重 150 公克 ・ Net Wt. 150 g", int(0.052 * u), INK)

    # side and back print (seen at the edges): vertical brand text in cream, ingredients on the back
    for deg in (-112.0, 112.0):
        draw_vertical(d, ax(deg), 0.22 * h, "山嵐茶坊", int(0.22 * u), CREAM, bold=True, leading=1.25)
    small = int(0.055 * u)
    back_lines = [
        "品名：高山烏龍茶",
        "成分：烏龍茶葉",
        "產地：台灣",
        "保存期限：二年",
        "沖泡：95°C 熱水 150 毫升",
        "3 公克茶葉，浸泡 60 秒",
        "製造商：山嵐茶坊（虛構品牌）",
        "台灣製造 Made in Taiwan",
    ]
    for i, line in enumerate(back_lines):
        for edge in (ax(-180.0) + 0.25 * u, ax(180.0) - 1.9 * u):
            draw_text(d, (edge, 0.40 * h + i * small * 1.7), line, small, CREAM, anchor="lm")
    rgb = srgb_to_linear(np.asarray(img, dtype=np.float32) / 255.0)
    return Wrap(rgb=rgb, material=np.asarray(mat, dtype=np.uint8))


# ---------------------------------------------------------------------------------------------------------------
# Camera, rays and surfaces of revolution
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Camera:
    """Orthographic camera tilted down by ``elevation_deg``; world units are output pixels.

    World: x right, y up, z towards the camera (at zero elevation). The world origin (a point on the floor)
    lands on screen pixel (cx, cy).
    """

    width: int
    height: int
    cx: float
    cy: float
    elevation_deg: float
    ss: int = 2  # supersampling factor per axis

    @property
    def e(self) -> float:
        return math.radians(self.elevation_deg)

    def view(self) -> np.ndarray:
        """Unit vector from the scene towards the camera."""
        return np.array([0.0, math.sin(self.e), math.cos(self.e)], np.float32)

    def floor_to_screen(self, x: float, z: float, y: float = 0.0) -> tuple[float, float]:
        return self.cx + x, self.cy - (y * math.cos(self.e) - z * math.sin(self.e))


@dataclass
class Rays:
    """One ray per (sub)pixel of a screen box: P(s) = (a, p + q s, m + n s)."""

    a: np.ndarray
    p: np.ndarray
    m: np.ndarray
    q: float
    n: float
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in output pixels

    @classmethod
    def for_box(cls, cam: Camera, box: tuple[int, int, int, int]) -> Rays:
        x0, y0, x1, y1 = box
        us = x0 + (np.arange((x1 - x0) * cam.ss, dtype=np.float32) + 0.5) / cam.ss
        vs = y0 + (np.arange((y1 - y0) * cam.ss, dtype=np.float32) + 0.5) / cam.ss
        a = np.broadcast_to((us - cam.cx)[None, :], (vs.size, us.size))
        b = np.broadcast_to((cam.cy - vs)[:, None], (vs.size, us.size))
        e = cam.e
        return cls(a=a, p=b * math.cos(e), m=-b * math.sin(e), q=-math.sin(e), n=-math.cos(e), box=box)

    def point(self, s: np.ndarray, x0: float = 0.0, z0: float = 0.0) -> np.ndarray:
        """World points (relative to an object at floor position x0, z0) at ray parameters ``s``: [..., 3]."""
        return np.stack([self.a - x0, self.p + self.q * s, self.m - z0 + self.n * s], axis=-1)


def cone_hits(rays: Rays, x0: float, z0: float, r0: float, r1: float, ylo: float, yhi: float):
    """Ray / truncated cone (axis vertical at floor position x0, z0; radius r0 at ylo to r1 at yhi).

    Returns (s_front, ok_front, s_back, ok_back): the near and far roots and whether each lies on the cone.
    """
    k = (r1 - r0) / (yhi - ylo)
    x = rays.a - x0
    m = rays.m - z0
    a0 = r0 + k * (rays.p - ylo)
    a1 = k * rays.q
    qa = rays.n**2 - a1**2
    qb = 2 * (m * rays.n - a0 * a1)
    qc = x * x + m * m - a0 * a0
    disc = qb * qb - 4 * qa * qc
    hit = disc >= 0
    root = np.sqrt(np.maximum(disc, 0))
    s1 = (-qb - root) / (2 * qa)
    s2 = (-qb + root) / (2 * qa)
    out = []
    for s in (s1, s2):
        y = rays.p + rays.q * s
        ok = hit & (y >= ylo) & (y <= yhi) & (r0 + k * (y - ylo) >= 0)
        out.append((s, ok))
    return out[0][0], out[0][1], out[1][0], out[1][1]


def disk_hit(rays: Rays, x0: float, z0: float, y: float, r_out: float, r_in: float = 0.0):
    """Ray / horizontal annulus at height y. Returns (s, ok)."""
    s = (y - rays.p) / rays.q
    x = rays.a - x0
    z = rays.m - z0 + rays.n * s
    rr = np.sqrt(x * x + z * z)
    return s, (rr <= r_out) & (rr >= r_in)


def cone_normal(pt: np.ndarray, r0: float, r1: float, ylo: float, yhi: float) -> np.ndarray:
    k = (r1 - r0) / (yhi - ylo)
    r = r0 + k * (pt[..., 1] - ylo)
    nrm = np.stack([pt[..., 0], -k * r, pt[..., 2]], axis=-1)
    return nrm / np.linalg.norm(nrm, axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------------------------
# Lighting
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lobe:
    """A soft box seen in reflections: Gaussian in azimuth, smooth band in elevation (degrees)."""

    az: float
    width: float
    el_lo: float
    el_hi: float
    intensity: float
    colour: tuple[float, float, float] = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Lighting:
    key_dir: tuple[float, float, float]  # towards the key light
    key: float
    fill_dir: tuple[float, float, float]
    fill: float
    sky: tuple[float, float, float]  # hemisphere ambient from above
    ground: tuple[float, float, float]  # and from below (floor bounce)
    lobes: tuple[Lobe, ...]
    env_above: tuple[float, float, float] = (0.18, 0.17, 0.16)
    env_below: tuple[float, float, float] = (0.30, 0.28, 0.25)
    warm: tuple[float, float, float] = (1.0, 0.97, 0.92)

    def irradiance(self, nrm: np.ndarray) -> np.ndarray:
        kd = np.asarray(self.key_dir, np.float32)
        kd = kd / np.linalg.norm(kd)
        fd = np.asarray(self.fill_dir, np.float32)
        fd = fd / np.linalg.norm(fd)
        key = np.maximum(nrm @ kd, 0)[..., None] * self.key * np.asarray(self.warm, np.float32)
        fill = np.maximum(nrm @ fd, 0)[..., None] * self.fill
        t = (0.5 + 0.5 * nrm[..., 1])[..., None]
        amb = np.asarray(self.ground, np.float32) * (1 - t) + np.asarray(self.sky, np.float32) * t
        return (key + fill + amb).astype(np.float32)

    def environment(self, refl: np.ndarray, rough: float = 0.0) -> np.ndarray:
        """Radiance seen in direction ``refl`` [..., 3]; ``rough`` (degrees) widens every lobe."""
        az = np.degrees(np.arctan2(refl[..., 0], refl[..., 2]))
        el = np.degrees(np.arcsin(np.clip(refl[..., 1], -1, 1)))
        t = smoothstep(-15.0, 10.0, el)[..., None]
        out = np.asarray(self.env_below, np.float32) * (1 - t) + np.asarray(self.env_above, np.float32) * t
        for lobe in self.lobes:
            w = math.hypot(lobe.width, rough)
            d = (az - lobe.az + 180.0) % 360.0 - 180.0
            soft = 4.0 + rough
            band = smoothstep(lobe.el_lo - soft, lobe.el_lo + soft, el) * (
                1 - smoothstep(lobe.el_hi - soft, lobe.el_hi + soft, el)
            )
            g = np.exp(-0.5 * (d / w) ** 2) * band * lobe.intensity * lobe.width / w
            out = out + g[..., None] * np.asarray(lobe.colour, np.float32)
        return out


def fresnel(cos_t: np.ndarray, f0) -> np.ndarray:
    return f0 + (1 - f0) * np.power(np.clip(1 - cos_t, 0, 1), 5)


def reflect(view: np.ndarray, nrm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ndv = np.clip(nrm @ view, 0, 1)
    return 2 * ndv[..., None] * nrm - view, ndv


# ---------------------------------------------------------------------------------------------------------------
# Objects: each returns a layer at supersampled resolution (colour, mask, depth s)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Layer:
    rgb: np.ndarray  # [h, w, 3] linear
    mask: np.ndarray  # [h, w] bool
    depth: np.ndarray  # [h, w] ray parameter; smaller is nearer


def sample_bilinear(tex: np.ndarray, rows: np.ndarray, cols: np.ndarray, order: int = 1) -> np.ndarray:
    coords = [rows.ravel(), cols.ravel()]
    if tex.ndim == 2:
        return ndimage.map_coordinates(tex, coords, order=order, mode="wrap").reshape(rows.shape)
    chans = [
        ndimage.map_coordinates(tex[..., c], coords, order=order, mode="wrap") for c in range(tex.shape[2])
    ]
    return np.stack(chans, axis=-1).reshape(*rows.shape, tex.shape[2])


@dataclass(frozen=True)
class Tin:
    x0: float
    z0: float
    radius: float
    height_ratio: float = 3.0  # total height / radius
    lid_ratio: float = 0.55  # lid band height / radius
    turn_deg: float = -10.0  # rotation of the print about the axis (0 = front panel faces the camera)
    wrap_seed: int = 7

    @property
    def height(self) -> float:
        return self.radius * self.height_ratio

    def render(self, rays: Rays, cam: Camera, light: Lighting) -> Layer:
        r, h = self.radius, self.height
        lid_y = h - self.lid_ratio * r
        r_lid = r * 1.012
        view = cam.view()
        s_body, ok_body, _, _ = cone_hits(rays, self.x0, self.z0, r, r, 0.0, lid_y)
        s_lid, ok_lid, _, _ = cone_hits(rays, self.x0, self.z0, r_lid, r_lid, lid_y, h)
        s_top, ok_top = disk_hit(rays, self.x0, self.z0, h, r_lid)
        inf = np.float32(np.inf)
        cand = np.stack(
            [np.where(ok_body, s_body, inf), np.where(ok_lid, s_lid, inf), np.where(ok_top, s_top, inf)]
        )
        which = np.argmin(cand, axis=0)
        depth = np.min(cand, axis=0)
        mask = np.isfinite(depth)
        rgb = np.zeros((*depth.shape, 3), np.float32)

        # body: printed wrap
        sel = mask & (which == 0)
        if sel.any():
            pt = rays.point(np.where(sel, s_body, 0), self.x0, self.z0)[sel]
            nrm = cone_normal(pt, r, r, 0.0, lid_y)
            theta = np.degrees(np.arctan2(pt[:, 0], pt[:, 2])) - self.turn_deg
            wrap = _wrap_for(r * cam.ss, (lid_y) / r, self.wrap_seed)
            th, tw = wrap.material.shape
            cols = ((theta + 180.0) % 360.0) / 360.0 * tw - 0.5
            rows = (lid_y - pt[:, 1]) / lid_y * th - 0.5
            albedo = sample_bilinear(wrap.rgb, rows, cols)
            material = sample_bilinear(wrap.material, rows, cols, order=0)
            irr = light.irradiance(nrm)
            ao = 1 - 0.45 * np.exp(-pt[:, 1] / (0.05 * r))  # contact darkening at the foot
            refl, ndv = reflect(view, nrm)
            env_sharp = light.environment(refl, rough=3.0)
            env_soft = light.environment(refl, rough=25.0)
            gold = lin(GOLD)
            col = np.empty_like(albedo)
            paper = material == PAPER
            lacq = material == LACQUER
            foil = material == FOIL
            # printed and varnished: mostly diffuse, with a soft sheen of the soft boxes
            col[paper] = albedo[paper] * irr[paper] * 0.95 + fresnel(ndv[paper], 0.04)[:, None] * (
                0.5 * env_soft[paper] + 0.5 * light.environment(refl[paper], rough=8.0)
            )
            col[lacq] = albedo[lacq] * irr[lacq] + fresnel(ndv[lacq], 0.05)[:, None] * env_sharp[lacq]
            col[foil] = 0.15 * albedo[foil] * irr[foil] + gold * 0.85 * light.environment(
                refl[foil], rough=10.0
            )
            rgb[sel] = col * ao[:, None]

        # lid band: brushed gold metal with a rolled edge at the top and a seam shadow at the bottom
        sel = mask & (which == 1)
        if sel.any():
            pt = rays.point(np.where(sel, s_lid, 0), self.x0, self.z0)[sel]
            nrm = cone_normal(pt, r_lid, r_lid, lid_y, h)
            # bend the normal up near the rolled top edge and down just above the seam
            t = (pt[:, 1] - lid_y) / (h - lid_y)
            bend = 0.9 * smoothstep(0.82, 1.0, t) - 0.5 * (1 - smoothstep(0.0, 0.12, t))
            nrm = nrm + bend[:, None] * np.array([0, 1, 0], np.float32)
            nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
            refl, ndv = reflect(view, nrm)
            gold = lin(GOLD)
            col = gold * (0.9 * light.environment(refl, rough=7.0) + 0.12 * light.irradiance(nrm))
            seam = 1 - 0.55 * np.exp(-(((pt[:, 1] - lid_y) / (0.012 * r)) ** 2))
            rgb[sel] = col * seam[:, None]

        # top of the lid: a flat gold disk with a pressed ring
        sel = mask & (which == 2)
        if sel.any():
            pt = rays.point(np.where(sel, s_top, 0), self.x0, self.z0)[sel]
            rr = np.hypot(pt[:, 0], pt[:, 2]) / r_lid
            nrm = np.zeros_like(pt)
            nrm[:, 1] = 1.0
            # pressed ring at 0.86 R and the rolled rim: tilt the normal radially
            radial = np.stack([pt[:, 0], np.zeros_like(rr), pt[:, 2]], axis=-1) / (rr[:, None] * r_lid + 1e-6)
            tilt = (
                0.5 * np.exp(-(((rr - 0.84) / 0.015) ** 2))
                - 0.5 * np.exp(-(((rr - 0.88) / 0.015) ** 2))
                + 1.2 * smoothstep(0.95, 1.0, rr)
            )
            nrm = nrm + tilt[:, None] * radial
            nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
            refl, ndv = reflect(view, nrm)
            gold = lin(GOLD)
            # flat metal under an orthographic camera would mirror one direction everywhere: vary it across the
            # disk as a real (slightly perspective) view does
            spread = np.stack([pt[:, 0] / r_lid * 0.35, np.zeros_like(rr), pt[:, 2] / r_lid * 0.25], axis=-1)
            refl2 = refl + spread
            refl2 /= np.linalg.norm(refl2, axis=-1, keepdims=True)
            col = gold * (0.8 * light.environment(refl2, rough=14.0) + 0.25 * light.irradiance(nrm))
            brushed = 1 + 0.035 * np.sin(rr * r_lid * 1.3) * np.sin(rr * r_lid * 0.071 + 1.0)
            rgb[sel] = col * brushed[:, None]
        return Layer(rgb=rgb, mask=mask, depth=np.where(mask, depth, np.inf))

    def screen_box(self, cam: Camera, margin: int = 8) -> tuple[int, int, int, int]:
        r = self.radius * 1.02
        u0, v0 = cam.floor_to_screen(self.x0, self.z0)
        top = v0 - self.height * math.cos(cam.e) - r * math.sin(cam.e)
        bottom = v0 + r * math.sin(cam.e)
        return _clip_box(cam, (u0 - r - margin, top - margin, u0 + r + margin, bottom + margin))


_WRAP_CACHE: dict[tuple[int, float, int], Wrap] = {}


def _wrap_for(radius_px: float, ratio: float, seed: int) -> Wrap:
    key = (int(radius_px), round(ratio, 4), seed)
    if key not in _WRAP_CACHE:
        _WRAP_CACHE.clear()
        _WRAP_CACHE[key] = make_wrap(radius_px, ratio, seed)
    return _WRAP_CACHE[key]


def _clip_box(cam: Camera, box) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (
        max(0, math.floor(x0)),
        max(0, math.floor(y0)),
        min(cam.width, math.ceil(x1)),
        min(cam.height, math.ceil(y1)),
    )


@dataclass(frozen=True)
class Cup:
    """A handle-less celadon tea cup (truncated cone) holding oolong tea."""

    x0: float
    z0: float
    r_bottom: float
    r_top: float
    height: float
    wall: float = 7.0
    fill: float = 0.78  # tea level as a fraction of the height
    glaze: str = "#DCE3D3"
    tea: str = "#B7832C"

    def render(self, rays: Rays, cam: Camera, light: Lighting) -> Layer:
        h, rb, rt, w = self.height, self.r_bottom, self.r_top, self.wall
        foot = 0.09 * h
        view = cam.view()
        s_out, ok_out, _, _ = cone_hits(rays, self.x0, self.z0, rb, rt, foot, h)
        s_foot, ok_foot, _, _ = cone_hits(rays, self.x0, self.z0, rb * 0.82, rb * 0.86, 0.0, foot)
        s_rim, ok_rim = disk_hit(rays, self.x0, self.z0, h, rt, rt - w)
        _, _, s_in, ok_in = cone_hits(rays, self.x0, self.z0, rb - w, rt - w, foot + w, h)
        y_tea = foot + w + self.fill * (h - foot - w)
        r_tea = (rb - w) + (rt - rb) * (y_tea - foot - w) / (h - foot - w)
        s_tea, ok_tea = disk_hit(rays, self.x0, self.z0, y_tea, r_tea)
        y_in = rays.p + rays.q * s_in
        ok_in = ok_in & (y_in >= y_tea)
        inf = np.float32(np.inf)
        cand = np.stack(
            [
                np.where(ok, s, inf)
                for s, ok in (
                    (s_out, ok_out),
                    (s_foot, ok_foot),
                    (s_rim, ok_rim),
                    (s_in, ok_in),
                    (s_tea, ok_tea),
                )
            ]
        )
        which = np.argmin(cand, axis=0)
        depth = np.min(cand, axis=0)
        mask = np.isfinite(depth)
        rgb = np.zeros((*depth.shape, 3), np.float32)
        glaze = lin(self.glaze)

        def glazed(sel, s, nrm_fn, inward=False, shade=1.0):
            pt = rays.point(np.where(sel, s, 0), self.x0, self.z0)[sel]
            nrm = nrm_fn(pt)
            if inward:
                nrm = -nrm
            refl, ndv = reflect(view, nrm)
            irr = light.irradiance(nrm)
            col = glaze * irr * shade + fresnel(ndv, 0.045)[:, None] * light.environment(refl, rough=2.0)
            return pt, col

        sel = mask & (which == 0)
        if sel.any():
            pt, col = glazed(sel, s_out, lambda p: cone_normal(p, rb, rt, foot, h))
            rgb[sel] = col
        sel = mask & (which == 1)
        if sel.any():
            pt, col = glazed(
                sel, s_foot, lambda p: cone_normal(p, rb * 0.82, rb * 0.86, 0.0, foot), shade=0.55
            )
            rgb[sel] = col * lin("#C9B79A") / glaze  # unglazed foot ring
        sel = mask & (which == 2)
        if sel.any():
            _, col = glazed(sel, s_rim, lambda p: np.tile(np.array([0, 1, 0], np.float32), (len(p), 1)))
            rgb[sel] = col * 1.05
        sel = mask & (which == 3)
        if sel.any():
            pt, col = glazed(
                sel, s_in, lambda p: cone_normal(p, rb - w, rt - w, foot + w, h), inward=True, shade=0.85
            )
            rgb[sel] = col
        sel = mask & (which == 4)
        if sel.any():
            pt = rays.point(np.where(sel, s_tea, 0), self.x0, self.z0)[sel]
            rr = np.hypot(pt[:, 0], pt[:, 2]) / r_tea
            nrm = np.zeros_like(pt)
            nrm[:, 1] = 1
            refl, ndv = reflect(view, nrm)
            spread = np.stack([pt[:, 0] / r_tea * 0.25, np.zeros_like(rr), np.zeros_like(rr)], axis=-1)
            refl2 = refl + spread
            refl2 /= np.linalg.norm(refl2, axis=-1, keepdims=True)
            tea = lin(self.tea)
            # light passes through the liquid and returns from the pale glaze below: brighter at the centre
            body = tea * (0.55 + 0.35 * (1 - rr**2))[:, None] * light.irradiance(nrm) * 0.8
            meniscus = 1 - 0.35 * smoothstep(0.9, 1.0, rr)
            rgb[sel] = body * meniscus[:, None] + fresnel(ndv, 0.02)[:, None] * light.environment(
                refl2, rough=4
            )
        return Layer(rgb=rgb, mask=mask, depth=np.where(mask, depth, np.inf))

    def screen_box(self, cam: Camera, margin: int = 8) -> tuple[int, int, int, int]:
        r = self.r_top * 1.02
        u0, v0 = cam.floor_to_screen(self.x0, self.z0)
        top = v0 - self.height * math.cos(cam.e) - r * math.sin(cam.e)
        bottom = v0 + self.r_bottom * math.sin(cam.e)
        return _clip_box(cam, (u0 - r - margin, top - margin, u0 + r + margin, bottom + margin))


def render_objects(cam: Camera, light: Lighting, objects: list) -> tuple[np.ndarray, np.ndarray]:
    """Render ``objects`` (nearest wins per subpixel); return premultiplied linear RGB [H, W, 3] and alpha [H, W]."""
    boxes = [o.screen_box(cam) for o in objects]
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    rays = Rays.for_box(cam, (x0, y0, x1, y1))
    best_depth = np.full(rays.a.shape, np.inf, np.float32)
    best_rgb = np.zeros((*rays.a.shape, 3), np.float32)
    for obj in objects:
        layer = obj.render(rays, cam, light)
        nearer = layer.depth < best_depth
        best_depth = np.where(nearer, layer.depth, best_depth)
        best_rgb[nearer] = layer.rgb[nearer]
    cover = np.isfinite(best_depth).astype(np.float32)
    ss = cam.ss
    hh, ww = cover.shape[0] // ss, cover.shape[1] // ss
    alpha_box = cover.reshape(hh, ss, ww, ss).mean(axis=(1, 3))
    rgb_box = (best_rgb * cover[..., None]).reshape(hh, ss, ww, ss, 3).mean(axis=(1, 3))
    rgb = np.zeros((cam.height, cam.width, 3), np.float32)
    alpha = np.zeros((cam.height, cam.width), np.float32)
    rgb[y0:y1, x0:x1] = rgb_box
    alpha[y0:y1, x0:x1] = alpha_box
    return rgb, alpha


# ---------------------------------------------------------------------------------------------------------------
# Floor, shadows, props
# ---------------------------------------------------------------------------------------------------------------
def floor_coords(cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """World (x, z) where each output pixel's ray meets the floor y = 0 (any ray tilted down does)."""
    us = np.arange(cam.width, dtype=np.float32) + 0.5
    vs = np.arange(cam.height, dtype=np.float32) + 0.5
    a = np.broadcast_to((us - cam.cx)[None, :], (cam.height, cam.width))
    b = np.broadcast_to((cam.cy - vs)[:, None], (cam.height, cam.width))
    e = cam.e
    s = (b * math.cos(e)) / math.sin(e)  # p + q s = 0
    z = -b * math.sin(e) - math.cos(e) * s
    return np.ascontiguousarray(a), z.astype(np.float32)


def floor_shadow(
    fx: np.ndarray,
    fz: np.ndarray,
    x0: float,
    z0: float,
    radius: float,
    height: float,
    away: tuple[float, float],
    strength: float = 0.55,
) -> np.ndarray:
    """Multiplicative shadow factor on the floor for an upright object of ``radius`` at (x0, z0).

    A tight contact shadow (ambient occlusion) hugging the foot plus a soft cast shadow pushed ``away`` from the
    key light (a unit floor vector) and stretched with the object's height.
    """
    dx, dz = fx - x0, fz - z0
    rho = np.sqrt(dx * dx + dz * dz)
    contact = np.exp(-np.maximum(rho - radius, 0) / (0.07 * radius)) * (rho > radius * 0.9)
    contact = np.where(rho <= radius, 1.0, contact)
    ax_, az_ = away
    along = dx * ax_ + dz * az_
    across = -dx * az_ + dz * ax_
    length = 0.55 * height
    cast = np.exp(
        -0.5 * (np.maximum(along - 0.25 * radius, 0) / length) ** 2
        - 0.5 * (across / (1.05 * radius + 0.12 * np.maximum(along, 0))) ** 2
    )
    cast = cast * smoothstep(-radius * 1.1, -radius * 0.2, along)
    ambient = np.exp(-np.maximum(rho - radius, 0) / (0.4 * radius))
    return (1 - strength * 0.75 * contact) * (1 - strength * 0.55 * cast) * (1 - strength * 0.25 * ambient)


def leaf_ball_sprites(
    rng: np.random.Generator, n: int, centre: tuple[float, float], spread: tuple[float, float], size: float
) -> list[dict]:
    """Positions and shapes of ``n`` rolled oolong leaves scattered around ``centre`` (screen px)."""
    out = []
    for _ in range(n):
        r = abs(rng.normal(0, 1))
        ang = rng.uniform(0, 2 * math.pi)
        u = centre[0] + math.cos(ang) * r * spread[0]
        v = centre[1] + math.sin(ang) * r * spread[1]
        rx = size * rng.uniform(0.75, 1.25)
        out.append(
            {
                "u": u,
                "v": v,
                "rx": rx,
                "ry": rx * rng.uniform(0.65, 0.95),
                "rot": rng.uniform(0, math.pi),
                "tone": rng.uniform(0.7, 1.25),
                "hue": rng.uniform(-1, 1),
                "seed": int(rng.integers(0, 2**31 - 1)),
            }
        )
    return out


def paint_leaf_balls(
    canvas: np.ndarray,
    sprites: list[dict],
    light_dir2d: tuple[float, float],
    shadow_offset: tuple[float, float],
    blur: float = 0.0,
) -> None:
    """Paint rolled leaves onto a linear canvas [H, W, 3] in place, back to front (by screen v)."""
    hgt, wid = canvas.shape[:2]
    lx, ly = light_dir2d
    lvec = np.array([lx, ly, 0.75], np.float32)
    lvec /= np.linalg.norm(lvec)
    base_green = lin("#3C4A24")
    base_brown = lin("#4A3E22")
    for sp in sorted(sprites, key=lambda d: d["v"]):
        rx, ry = sp["rx"], sp["ry"]
        ext = int(max(rx, ry) * 2.2) + 4
        u0, v0 = int(sp["u"]) - ext, int(sp["v"]) - ext
        u1, v1 = int(sp["u"]) + ext, int(sp["v"]) + ext
        if u1 <= 0 or v1 <= 0 or u0 >= wid or v0 >= hgt:
            continue
        cu0, cv0, cu1, cv1 = max(u0, 0), max(v0, 0), min(u1, wid), min(v1, hgt)
        yy, xx = np.mgrid[cv0:cv1, cu0:cu1].astype(np.float32)
        rng = np.random.default_rng(sp["seed"])
        # cast shadow first
        sx, sy = xx - sp["u"] - shadow_offset[0] * rx, yy - sp["v"] - shadow_offset[1] * rx
        dsh = (sx / (rx * 1.15)) ** 2 + (sy / (ry * 1.0)) ** 2
        shadow = 1 - 0.55 * np.exp(-dsh * 1.6)
        canvas[cv0:cv1, cu0:cu1] *= shadow[..., None]
        # ellipse in local rotated coords, with a lumpy outline
        c, s = math.cos(sp["rot"]), math.sin(sp["rot"])
        dx, dy = xx - sp["u"], yy - sp["v"]
        lx_, ly_ = (dx * c + dy * s) / rx, (-dx * s + dy * c) / ry
        ang = np.arctan2(ly_, lx_)
        lump = 1 + 0.08 * np.sin(3 * ang + rng.uniform(0, 6)) + 0.05 * np.sin(5 * ang + rng.uniform(0, 6))
        d = np.sqrt(lx_ * lx_ + ly_ * ly_) / lump
        cov = np.clip((1.0 - d) * min(rx, ry) + 0.5, 0, 1)
        if not cov.any():
            continue
        nz = np.sqrt(np.clip(1 - np.minimum(d, 0.999) ** 2, 0, 1))
        bumps = np.sin(lx_ * 9 + rng.uniform(0, 6)) * np.sin(ly_ * 7 + rng.uniform(0, 6))
        nx = (dx / rx) * 0.9 + 0.2 * bumps
        ny = -(dy / ry) * 0.9 + 0.2 * np.cos(lx_ * 6)
        nrm = np.stack([nx, ny, nz + 0.2], axis=-1)
        nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
        diff = np.clip(nrm @ lvec, 0, 1)
        half = lvec + np.array([0, 0, 1], np.float32)
        half /= np.linalg.norm(half)
        spec = np.clip(nrm @ half, 0, 1) ** 30 * 0.25
        albedo = (base_green * (1 + sp["hue"]) / 2 + base_brown * (1 - sp["hue"]) / 2) * sp["tone"] * 0.7
        crease = 0.75 + 0.25 * np.clip(bumps + 0.5, 0, 1)
        col = albedo * (0.25 + 1.3 * diff[..., None]) * crease[..., None] + spec[..., None] * 0.9
        col = col * (0.55 + 0.45 * nz[..., None])
        if blur > 0:
            cov = ndimage.gaussian_filter(cov, blur)
        canvas[cv0:cv1, cu0:cu1] = canvas[cv0:cv1, cu0:cu1] * (1 - cov[..., None]) + col * cov[..., None]


def paint_fresh_leaf(
    canvas: np.ndarray,
    centre: tuple[float, float],
    length: float,
    angle_deg: float,
    light_dir2d: tuple[float, float],
    seed: int,
    colour: str = "#355A26",
    shadow: tuple[float, float] = (10.0, 14.0),
) -> None:
    """A fresh tea leaf (elliptic, serrated, glossy, with a midrib and veins) seen from above."""
    rng = np.random.default_rng(seed)
    hgt, wid = canvas.shape[:2]
    ext = int(length * 0.75) + 20
    cu0, cv0 = max(int(centre[0]) - ext, 0), max(int(centre[1]) - ext, 0)
    cu1, cv1 = min(int(centre[0]) + ext, wid), min(int(centre[1]) + ext, hgt)
    yy, xx = np.mgrid[cv0:cv1, cu0:cu1].astype(np.float32)
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)

    def leaf_field(px, py):
        t = ((px - centre[0]) * c + (py - centre[1]) * s) / length + 0.5  # 0 at stem, 1 at tip
        y = (-(px - centre[0]) * s + (py - centre[1]) * c) / length
        half_w = 0.21 * np.power(np.clip(np.sin(np.pi * np.clip(t, 0, 1)), 0, 1), 0.85) * (1 - 0.25 * t)
        serr = 1 - 0.03 * (0.5 + 0.5 * np.sin(t * 2 * np.pi * 16))
        return t, y, half_w * serr

    # shadow
    t, y, hw = leaf_field(xx - shadow[0], yy - shadow[1])
    inside = np.clip((hw - np.abs(y)) * length, 0, 1) * ((t > 0) & (t < 1))
    canvas[cv0:cv1, cu0:cu1] *= (1 - 0.35 * ndimage.gaussian_filter(inside, 6))[..., None]
    t, y, hw = leaf_field(xx, yy)
    cov = np.clip((hw - np.abs(y)) * length + 0.5, 0, 1) * ((t > -0.01) & (t < 1.01))
    stem = (t < 0.02) & (t > -0.12) & (np.abs(y) < 0.012)
    cov = np.maximum(cov, stem.astype(np.float32))
    side = np.sign(y)
    fold = 0.45 * side * np.exp(-np.abs(y) / 0.05)  # the leaf folds up along the midrib
    nx, ny = -fold * s, fold * c
    nrm = np.stack([nx, -ny, np.ones_like(nx)], axis=-1)
    nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
    lvec = np.array([light_dir2d[0], light_dir2d[1], 0.8], np.float32)
    lvec /= np.linalg.norm(lvec)
    diff = np.clip(nrm @ lvec, 0, 1)
    half = lvec + np.array([0, 0, 1], np.float32)
    half /= np.linalg.norm(half)
    spec = np.clip(nrm @ half, 0, 1) ** 40 * 0.35
    base = lin(colour) * (0.85 + 0.3 * rng.random())
    veins = np.exp(-np.abs(y) / 0.004) * 0.6
    for k in range(7):
        tk = 0.15 + 0.11 * k
        vein_y = (t - tk) * 0.9
        veins += 0.35 * np.exp(-np.abs(np.abs(y) - vein_y) / 0.004) * (np.abs(y) < hw * 0.85) * (t > tk)
    # darker towards the edges (the blade curls down a little), lighter veins, a waxy sheen
    edge = 1 - 0.35 * np.clip(np.abs(y) / np.maximum(hw, 1e-3), 0, 1) ** 2
    col = (
        base * (0.3 + 0.75 * diff[..., None]) * edge[..., None] * (1 + 0.35 * np.clip(veins, 0, 1)[..., None])
    )
    col = col + spec[..., None]
    canvas[cv0:cv1, cu0:cu1] = canvas[cv0:cv1, cu0:cu1] * (1 - cov[..., None]) + col * cov[..., None]


# ---------------------------------------------------------------------------------------------------------------
# Finishing: tone curve, vignette, grain
# ---------------------------------------------------------------------------------------------------------------
def finish(
    linear: np.ndarray,
    rng: np.random.Generator,
    exposure: float = 1.0,
    vignette: float = 0.22,
    grain: float = 0.012,
) -> Image.Image:
    h, w = linear.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rr = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)) / math.sqrt(2)
    vig = 1 - vignette * smoothstep(0.25, 1.05, rr) ** 1.2
    img = tonemap(linear * vig[..., None], exposure)
    srgb = linear_to_srgb(img)
    # film-like grain: luminance-dominant, slightly coloured, a touch coarser than one pixel
    g = rng.standard_normal((h, w)).astype(np.float32)
    g = 0.6 * g + 0.4 * ndimage.uniform_filter(g, 2) * 2
    gc = rng.standard_normal((h, w, 3)).astype(np.float32) * 0.35
    srgb = srgb + grain * (g[..., None] + gc)
    return Image.fromarray(np.clip(srgb * 255 + 0.5, 0, 255).astype(np.uint8))


def composite(bg: np.ndarray, fg: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``fg`` is premultiplied."""
    return bg * (1 - alpha[..., None]) + fg


# ---------------------------------------------------------------------------------------------------------------
# Scenes
# ---------------------------------------------------------------------------------------------------------------
def studio_light(key_az: float = -40.0, warmth: float = 1.0, dark_room: bool = False) -> Lighting:
    """A key soft box at azimuth ``key_az`` (degrees, negative = camera left), a fill card, two rim strips.

    ``dark_room``: the surroundings seen in reflections are dark (a moody table shot) instead of a white studio.
    """
    ka = math.radians(key_az)
    env = {"env_above": (0.035, 0.03, 0.027), "env_below": (0.12, 0.08, 0.05)} if dark_room else {}
    return Lighting(
        **env,
        key_dir=(math.sin(ka) * 0.8, 0.6, math.cos(ka) * 0.8),
        key=1.25,
        fill_dir=(0.8, 0.25, 0.55),
        fill=0.22,
        sky=(0.30, 0.30, 0.31),
        ground=(0.20, 0.19, 0.17),
        lobes=(
            Lobe(az=key_az * 2 * 0.55, width=11.0, el_lo=-30, el_hi=55, intensity=9.0),
            Lobe(az=62.0, width=6.0, el_lo=-30, el_hi=50, intensity=1.8, colour=(1.0, 0.98, 0.95)),
            Lobe(az=150.0, width=9.0, el_lo=-20, el_hi=60, intensity=2.2),
            Lobe(az=-150.0, width=6.0, el_lo=-20, el_hi=60, intensity=0.9),
        ),
        warm=(1.0, 0.96 * warmth + (1 - warmth), 0.90 * warmth + (1 - warmth)),
    )


def scene_hero(seed: int = 11) -> Image.Image:
    """Portrait 1600x2000: the tin alone on a seamless sage paper sweep, a few rolled leaves in front."""
    rng = np.random.default_rng(seed)
    cam = Camera(width=1600, height=2000, cx=800.0, cy=1520.0, elevation_deg=10.0)
    light = studio_light()
    tin = Tin(x0=0.0, z0=0.0, radius=330.0, turn_deg=8.0)
    fx, fz = floor_coords(cam)
    vs = (np.arange(cam.height, dtype=np.float32) / cam.height)[:, None]
    wall = lin("#D9DDD2")
    floor_c = lin("#E6E3DA")
    sweep = smoothstep(0.45, 0.85, vs)[..., None]
    bg = wall * (1 - sweep) + floor_c * sweep
    pool = np.exp(-((fx + 120) ** 2 + (fz + 500) ** 2) / (2 * 1400.0**2))
    bg = bg * (0.62 + 0.48 * pool[..., None])
    bg = bg * (1 + 0.012 * fbm((cam.height, cam.width), 300, rng)[..., None])
    bg = (
        bg
        * floor_shadow(fx, fz, 0.0, 0.0, tin.radius, tin.height, away=(0.86, -0.51), strength=0.95)[..., None]
    )
    leaves_back = leaf_ball_sprites(rng, 6, (1110, 1560), (60, 14), 17)
    paint_leaf_balls(bg, leaves_back, (-0.6, 0.6), (0.35, 0.2), blur=0.6)
    rgb, alpha = render_objects(cam, light, [tin])
    img = composite(bg, rgb, alpha)
    front = leaf_ball_sprites(rng, 26, (560, 1700), (110, 30), 21) + leaf_ball_sprites(
        rng, 5, (1020, 1790), (90, 20), 22
    )
    paint_leaf_balls(img, front, (-0.6, 0.6), (0.35, 0.2), blur=0.9)
    return finish(img, rng, exposure=1.05)


def scene_label(seed: int = 12) -> Image.Image:
    """Landscape 2000x1600: a close-up of the label with the lid edge, background softly out of focus."""
    rng = np.random.default_rng(seed)
    r = 860.0
    cam = Camera(width=2000, height=1600, cx=1000.0, cy=2720.0, elevation_deg=7.0)
    light = studio_light(key_az=-45.0)
    tin = Tin(x0=0.0, z0=0.0, radius=r, turn_deg=-8.0)
    vs = (np.arange(cam.height, dtype=np.float32) / cam.height)[:, None]
    us = (np.arange(cam.width, dtype=np.float32) / cam.width)[None, :]
    bg = lin("#C9CFC3") * (0.55 + 0.5 * np.exp(-((us - 0.2) ** 2 + (vs - 0.2) ** 2) / 0.25))[..., None]
    bg = np.broadcast_to(bg, (cam.height, cam.width, 3)).copy()
    rgb, alpha = render_objects(cam, light, [tin])
    img = composite(bg, rgb, alpha)
    return finish(img, rng, exposure=1.1, vignette=0.28)


def scene_cup(seed: int = 13) -> Image.Image:
    """Landscape 2000x1600: the tin and a cup of oolong on a wooden table, dark wall behind, leaves in front."""
    rng = np.random.default_rng(seed)
    cam = Camera(width=2000, height=1600, cx=1000.0, cy=1180.0, elevation_deg=13.0)
    light = studio_light(key_az=-55.0, warmth=1.2, dark_room=True)
    tin = Tin(x0=-330.0, z0=-140.0, radius=250.0, turn_deg=10.0)
    cup = Cup(x0=330.0, z0=160.0, r_bottom=100.0, r_top=165.0, height=150.0, glaze="#C8D6BE", tea="#94621C")
    fx, fz = floor_coords(cam)
    # wooden table: planks running left-right; long fibres along x, growth rings warped by low noise, all in
    # floor coordinates so the grain foreshortens with the view
    tex = fbm((512, 2048), 40, rng)
    plank = np.floor(fz / 260.0)
    plank_tone = (np.sin(plank * 12.9898) * 43758.5453) % 1.0  # a fixed pseudo-random tone per plank
    warp = ndimage.map_coordinates(
        tex, [((fz / 4.0) % 512).ravel(), ((fx / 30.0 + plank * 97) % 2048).ravel()], order=1, mode="wrap"
    ).reshape(fx.shape)
    rings = 0.5 + 0.5 * np.sin(2 * np.pi * (fz / 70.0 + 1.8 * warp + plank * 0.37))
    rings = rings**3
    fibres = ndimage.map_coordinates(
        tex, [((fz / 0.9) % 512).ravel(), ((fx / 60.0) % 2048).ravel()], order=1, mode="wrap"
    ).reshape(fx.shape)
    wood_a, wood_b = lin("#6E4C33"), lin("#4A3122")
    t = np.clip(0.45 * rings + 0.25 * (0.5 + 0.5 * fibres) + 0.3 * plank_tone, 0, 1)[..., None]
    table = wood_a * (1 - t) + wood_b * t
    seam = 1 - 0.5 * np.exp(-(((fz - 260.0 * np.round(fz / 260.0)) / 2.5) ** 2))
    table = table * seam[..., None]
    table = table * (0.75 + 0.45 * np.exp(-((fx + 500) ** 2 + (fz + 200) ** 2) / (2 * 1300.0**2)))[..., None]
    # the table ends at z = -900; behind it a dark, out-of-focus wall with a few warm bokeh spots
    edge = smoothstep(-905.0, -895.0, fz)[..., None]
    wall_y = np.arange(cam.height, dtype=np.float32)[:, None] / cam.height
    wall = lin("#2E2A26") * (0.6 + 0.5 * (1 - wall_y))[..., None] * np.ones((1, cam.width, 1), np.float32)
    for _ in range(6):
        bx, by, br = rng.uniform(0, cam.width), rng.uniform(0, 0.3 * cam.height), rng.uniform(25, 70)
        yy, xx = np.ogrid[0 : cam.height, 0 : cam.width]
        disk = np.clip((br - np.hypot(xx - bx, yy - by)) / 6.0, 0, 1)
        wall = wall + disk[..., None] * lin("#FFD9A0") * rng.uniform(0.03, 0.09)
    bg = wall * (1 - edge) + table * edge
    shade = floor_shadow(fx, fz, tin.x0, tin.z0, tin.radius, tin.height, away=(0.8, -0.6), strength=1.0)
    shade *= floor_shadow(fx, fz, cup.x0, cup.z0, cup.r_bottom, cup.height, away=(0.8, -0.6), strength=0.9)
    bg = bg * shade[..., None]
    # depth of field: the far table and wall blur
    blurred = np.stack([ndimage.gaussian_filter(bg[..., c], 9) for c in range(3)], axis=-1)
    far = smoothstep(-300.0, -800.0, fz)[..., None]
    bg = bg * (1 - far) + blurred * far
    behind = leaf_ball_sprites(rng, 8, (720, 1170), (70, 10), 15)
    paint_leaf_balls(bg, behind, (-0.7, 0.5), (0.4, 0.15), blur=1.0)
    rgb, alpha = render_objects(cam, light, [tin, cup])
    img = composite(bg, rgb, alpha)
    front = leaf_ball_sprites(rng, 30, (980, 1420), (120, 26), 19)
    paint_leaf_balls(img, front, (-0.7, 0.5), (0.4, 0.15), blur=0.6)
    for i, (u, v, ang) in enumerate(((1290, 1460, 160.0), (1190, 1500, 20.0))):
        paint_fresh_leaf(img, (u, v), 190, ang, (-0.7, 0.5), seed=100 + i, shadow=(6.0, 6.0))
    return finish(img, rng, exposure=1.25, vignette=0.3)


def scene_flatlay(seed: int = 14) -> Image.Image:
    """Portrait 1600x2000 top-down flat lay on linen: the tin lying down, a cup of tea, leaves, a kraft card."""
    rng = np.random.default_rng(seed)
    w, h = 1600, 2000
    light2d = (-0.55, 0.65)  # light from the top left (x right, y up)
    # linen: warp and weft threads + soft wrinkles
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rows_n = value_noise((h, 1), 3, rng)[:, 0:1]
    cols_n = value_noise((1, w), 3, rng)[0:1, :]
    weave = 0.5 + 0.25 * np.sin(xx * 1.9) * np.sin(yy * 1.9)
    threads = 0.04 * rows_n + 0.04 * cols_n + 0.03 * (weave - 0.5)
    wrinkles = fbm((h, w), 260, rng)
    wz = ndimage.gaussian_filter(wrinkles, 10)
    gy, gx = np.gradient(wz)
    shade = 1 + 60 * (gx * light2d[0] - gy * light2d[1])
    linen = lin("#D8CDB7") * ((1 + threads) * shade * (0.92 + 0.12 * (1 - yy / h)))[..., None]
    img = linen.astype(np.float32)

    # the tin lying on its side: render it upright, side-on (elevation 0), then rotate into place
    r = 300.0
    tin = Tin(x0=0.0, z0=0.0, radius=r, turn_deg=-4.0)
    # a few degrees of elevation show a sliver of the lid's end, as a real lens above the table would
    tilt = 7.0
    lift = r * math.sin(math.radians(tilt))
    tw, th = int(2 * r + 40), int(tin.height + 2 * lift + 40)
    cam = Camera(width=tw, height=th, cx=tw / 2, cy=th - 20 - lift, elevation_deg=tilt)
    angle = -28.0  # image rotation (degrees, counter-clockwise) that lays the tin down
    a = math.radians(-angle)
    lx, ly = light2d  # express the top-left light in the rotated frame of the tin
    key2d = (lx * math.cos(a) - ly * math.sin(a), lx * math.sin(a) + ly * math.cos(a))
    top_light = Lighting(
        key_dir=(key2d[0], key2d[1], 0.6),
        key=1.5,
        fill_dir=(-key2d[0], -key2d[1], 0.6),
        fill=0.12,
        sky=(0.16, 0.16, 0.16),
        ground=(0.14, 0.13, 0.12),
        lobes=(
            Lobe(az=math.degrees(math.atan2(key2d[0], 0.6)), width=12.0, el_lo=-60, el_hi=70, intensity=6.0),
            Lobe(az=120.0, width=10.0, el_lo=-60, el_hi=70, intensity=1.2),
        ),
        env_above=(0.22, 0.21, 0.19),
        env_below=(0.22, 0.21, 0.19),
    )
    rgb, alpha = render_objects(cam, top_light, [tin])
    tin_img = np.concatenate([rgb, alpha[..., None]], axis=-1)
    # rotate the premultiplied layer channel by channel (float images)
    chans = [
        Image.fromarray(np.ascontiguousarray(tin_img[..., c])).rotate(angle, Image.BICUBIC, expand=True)
        for c in range(4)
    ]
    layer = np.stack([np.asarray(c, np.float32) for c in chans], axis=-1)
    px, py = 600, 1080  # where the tin's centre goes
    lh, lw = layer.shape[:2]
    y0, x0 = py - lh // 2, px - lw // 2
    alpha_l = np.clip(layer[..., 3], 0, 1)
    sh = ndimage.gaussian_filter(alpha_l, 22)
    sh_full = np.zeros((h, w), np.float32)
    sx, sy = x0 + 28, y0 + 34
    _paste_add(sh_full, sh, sx, sy)
    contact = np.zeros((h, w), np.float32)
    _paste_add(contact, ndimage.gaussian_filter(alpha_l, 5), x0 + 6, y0 + 8)
    img *= (1 - 0.45 * sh_full - 0.25 * contact)[..., None]

    # kraft card under the cup
    card = Image.new("RGBA", (560, 360), (0, 0, 0, 0))
    dc = ImageDraw.Draw(card)
    dc.rectangle((0, 0, 559, 359), fill=(196, 160, 118, 255))
    draw_text(dc, (280, 120), PRODUCT["brand"]["zh-TW"], 84, GREEN_DARK, bold=True)
    draw_text(dc, (280, 205), "MOUNTAIN MIST TEA", 28, GREEN_DARK, bold=True, tracking=0.25)
    draw_text(dc, (280, 275), "高山烏龍 ・ 手工採摘", 30, GREEN_DARK)
    card_arr = np.asarray(card, dtype=np.float32) / 255.0
    fib = value_noise((360, 560), 4, rng) * 0.05 + fbm((360, 560), 80, rng) * 0.04
    card_arr[..., :3] *= (1 + fib)[..., None]
    card_img = Image.fromarray(np.clip(card_arr * 255, 0, 255).astype(np.uint8)).rotate(
        14, Image.BICUBIC, expand=True
    )
    ca = np.asarray(card_img, np.float32) / 255.0
    cx0, cy0 = 930, 1480
    csh = np.zeros((h, w), np.float32)
    _paste_add(csh, ndimage.gaussian_filter(ca[..., 3], 10), cx0 + 12, cy0 + 16)
    img *= (1 - 0.3 * csh)[..., None]
    _paste_over(img, srgb_to_linear(ca[..., :3]) * 0.95, ca[..., 3], cx0, cy0)

    # the tin itself
    _paste_over(img, layer[..., :3] / np.maximum(alpha_l, 1e-4)[..., None], alpha_l, x0, y0)

    # cup of tea from above
    paint_cup_top(img, (1230, 430), 195.0, light2d, rng)
    # leaves: a pile near the cup, a few scattered, a fresh sprig
    sprites = leaf_ball_sprites(rng, 40, (1300, 1020), (100, 70), 20) + leaf_ball_sprites(
        rng, 12, (330, 1800), (130, 50), 20
    )
    paint_leaf_balls(img, sprites, light2d, (0.35, 0.45))
    for i, (u, v, ang, ln) in enumerate(
        ((250, 260, -30.0, 300), (370, 190, 20.0, 260), (200, 400, -75.0, 240))
    ):
        paint_fresh_leaf(img, (u, v), ln, ang, light2d, seed=200 + i)
    return finish(img, rng, exposure=1.15, vignette=0.25)


def paint_cup_top(
    img: np.ndarray,
    centre: tuple[float, float],
    r_out: float,
    light2d: tuple[float, float],
    rng: np.random.Generator,
) -> None:
    """A celadon cup seen from straight above: shadow, outer rim, inner wall, tea with a window reflection."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = xx - centre[0], yy - centre[1]
    rr = np.hypot(dx, dy)
    shadow = np.exp(-np.maximum(np.hypot(dx - 26, dy - 34) - r_out * 0.95, 0) / 26.0)
    img *= (1 - 0.45 * shadow * (rr > r_out - 2))[..., None]
    glaze = lin("#DCE3D3")
    cov = np.clip(r_out - rr + 0.5, 0, 1)
    r_in = r_out - 9
    r_tea = r_out * 0.72
    # rim: a rounded lip, lit from the light side
    cosang = (dx * -light2d[0] + dy * light2d[1]) / (rr + 1e-3)
    lip = np.exp(-(((rr - (r_out - 4.5)) / 3.5) ** 2))
    rim = glaze * (0.95 + 0.25 * lip * cosang)[..., None]
    # inner wall: lit on the side away from the light
    t = np.clip((rr - r_tea) / (r_in - r_tea), 0, 1)
    wall = glaze * (0.55 + 0.35 * (-cosang) * 0.5 + 0.25 * t)[..., None]
    tea = lin("#A9742A") * (0.45 + 0.45 * (1 - (rr / r_tea) ** 2))[..., None]
    # the window's reflection on the tea surface: a soft bright patch towards the light
    hx, hy = centre[0] - 0.35 * r_tea, centre[1] - 0.35 * r_tea
    refl = np.exp(-(((xx - hx) / (0.28 * r_tea)) ** 2 + ((yy - hy) / (0.18 * r_tea)) ** 2))
    tea = tea + 0.45 * refl[..., None]
    menisc = np.clip(r_tea - rr + 0.5, 0, 1)
    inner = tea * menisc[..., None] + wall * (1 - menisc[..., None])
    in_m = np.clip(r_in - rr + 0.5, 0, 1)
    col = inner * in_m[..., None] + rim * (1 - in_m[..., None])
    img[:] = img * (1 - cov[..., None]) + col * cov[..., None]


def _paste_add(dst: np.ndarray, src: np.ndarray, x0: int, y0: int) -> None:
    h, w = dst.shape[:2]
    sh, sw = src.shape[:2]
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + sw, w), min(y0 + sh, h)
    if ax0 < ax1 and ay0 < ay1:
        dst[ay0:ay1, ax0:ax1] += src[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]


def _paste_over(dst: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x0: int, y0: int) -> None:
    h, w = dst.shape[:2]
    sh, sw = alpha.shape
    ax0, ay0, ax1, ay1 = max(x0, 0), max(y0, 0), min(x0 + sw, w), min(y0 + sh, h)
    if ax0 >= ax1 or ay0 >= ay1:
        return
    a = np.clip(alpha[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0], 0, 1)[..., None]
    c = rgb[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
    dst[ay0:ay1, ax0:ax1] = dst[ay0:ay1, ax0:ax1] * (1 - a) + c * a


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shot:
    name: str
    file: str
    make: Callable[[], Image.Image]
    size: tuple[int, int]
    description: str = field(default="")


SHOTS = (
    Shot(
        "hero", "photo-1-hero.jpg", scene_hero, (1600, 2000), "hero shot: the tin on a seamless sage backdrop"
    ),
    Shot("label", "photo-2-label.jpg", scene_label, (2000, 1600), "close-up of the label"),
    Shot("cup", "photo-3-cup.jpg", scene_cup, (2000, 1600), "the tin with a cup of oolong on a wooden table"),
    Shot("flatlay", "photo-4-flatlay.jpg", scene_flatlay, (1600, 2000), "flat lay on linen, top-down"),
)


def save_jpeg(img: Image.Image, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.part")
    try:
        img.save(tmp, format="JPEG", quality=92, optimize=True, subsampling="4:2:0")
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def save_png(img: Image.Image, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.part")
    try:
        img.save(tmp, format="PNG", optimize=True)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_product_yaml(path: Path) -> None:
    import yaml

    text = "# Product facts of the fictional sample brand (made up for this project, CC0-1.0).\n"
    text += yaml.safe_dump(PRODUCT, allow_unicode=True, sort_keys=False, width=110)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the sample product photos and logo.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", choices=[s.name for s in SHOTS] + ["logo"], action="append")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for shot in SHOTS:
        if args.only and shot.name not in args.only:
            continue
        img = shot.make()
        assert img.size == shot.size, (shot.name, img.size)
        save_jpeg(img, args.out / shot.file)
        print(
            f"{shot.file}: {img.size[0]}x{img.size[1]}, {(args.out / shot.file).stat().st_size / 1e6:.2f} MB"
        )
    if not args.only or "logo" in args.only:
        save_png(make_logo(), args.out / "logo.png")
        write_product_yaml(args.out / "product.yaml")
        print("logo.png, product.yaml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
