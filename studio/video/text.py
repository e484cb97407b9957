"""Text for ads: bundled fonts, glyph coverage, CJK/Latin line wrapping, shrink-to-fit and RGBA rendering.

CJK wraps per character (with simple kinsoku rules: no closing punctuation at a line start, no opening punctuation
at a line end); Latin wraps per word. ``fit_text`` shrinks the size until the text fits its box within
``max_lines``; below ``min_size`` it raises ``InputError`` naming the text and the box.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from studio.errors import InputError
from studio.settings import assets_dir

BUNDLED_FONTS = {
    "noto-sans-tc": ("fonts/NotoSansTC-Regular.otf", "fonts/NotoSansTC-Bold.otf"),
}
NO_LINE_START = set("，。、！？：；）」』】》〉…,.!?:;)]}%’”・ー〜～")
NO_LINE_END = set("（「『【《〈([{‘“$＄")
_TOKEN = re.compile(r"[A-Za-z0-9À-ɏ'’\-\.%$#&+/@]+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class FontChoice:
    regular: Path
    bold: Path


def resolve_font(name_or_path: str) -> FontChoice:
    """A bundled font id (``noto-sans-tc``) or a path to a .otf/.ttf (used for both weights)."""
    if name_or_path in BUNDLED_FONTS:
        regular, bold = (assets_dir() / rel for rel in BUNDLED_FONTS[name_or_path])
        for path in (regular, bold):
            if not path.is_file():
                raise InputError(
                    f"The bundled font file {path} is missing.", "Reinstall studio from a full checkout."
                )
        return FontChoice(regular, bold)
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() not in (".otf", ".ttf", ".ttc") or not path.is_file():
        raise InputError(
            f"Font {name_or_path!r} is neither a bundled font nor an existing .otf/.ttf file.",
            f"Use one of {', '.join(BUNDLED_FONTS)} or a font file path.",
        )
    return FontChoice(path, path)


@functools.lru_cache(maxsize=8)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=0, lazy=True)
    return frozenset(font.getBestCmap().keys())


def check_glyphs(text: str, font_path: Path, *, field: str) -> None:
    """Raise ``InputError`` naming any character the font cannot draw (it would render as a tofu box)."""
    cmap = _cmap(font_path)
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
    if missing:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing[:5])
        raise InputError(
            f"The {field} contains characters the font {font_path.name} cannot draw: {shown}.",
            "Remove them (emoji are not supported) or choose a font that has them.",
        )


@functools.lru_cache(maxsize=64)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size=size, layout_engine=ImageFont.Layout.BASIC)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def tokens(text: str) -> list[str]:
    """Latin words, numbers and spaces stay whole; every other character (CJK) is its own token."""
    return _TOKEN.findall(text)


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Greedy wrap by measured width. Explicit newlines are kept. A single token wider than the line is an error
    for the caller to catch (returned as an over-wide line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for token in tokens(paragraph):
            if not current and token.isspace():
                continue
            candidate = current + token
            if font.getlength(candidate.rstrip()) <= max_width or not current:
                current = candidate
                continue
            # Kinsoku: closing punctuation may not start a line; pull the previous char down with it.
            if token in NO_LINE_START and len(current) > 1 and not current[-1].isspace():
                lines.append(current[:-1].rstrip())
                current = current[-1] + token
                continue
            if current and current[-1] in NO_LINE_END and len(current) > 1:
                lines.append(current[:-1].rstrip())
                current = current[-1] + token.lstrip()
                continue
            lines.append(current.rstrip())
            current = token.lstrip()
        lines.append(current.rstrip())
    return [line for line in lines if line] or [""]


def balance(text: str, font: ImageFont.FreeTypeFont, lines: list[str], width: float) -> list[str]:
    """Narrow the wrap width as far as the line count allows, so the last line is not a lonely orphan."""
    if len(lines) < 2:
        return lines
    lo, hi = width * 0.4, width
    best = lines
    for _ in range(12):
        mid = (lo + hi) / 2
        trial = wrap(text, font, mid)
        if len(trial) <= len(lines) and max(font.getlength(line) for line in trial) <= mid + 0.5:
            best, hi = trial, mid
        else:
            lo = mid
    return best


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    size: int
    line_height: int
    width: int
    height: int
    font_path: Path


def fit_text(
    text: str,
    font_path: Path,
    *,
    box_width: int,
    box_height: int,
    max_size: int,
    min_size: int,
    max_lines: int,
    field: str,
    line_spacing: float = 1.22,
) -> FittedText:
    """The largest size in [min_size, max_size] at which ``text`` wraps into the box within ``max_lines``."""
    text = normalise(text)
    check_glyphs(text, font_path, field=field)
    size = max_size
    while size >= min_size:
        font = load_font(font_path, size)
        lines = wrap(text, font, box_width)
        line_height = round(size * line_spacing)
        widest = max(font.getlength(line) for line in lines)
        height = line_height * (len(lines) - 1) + size
        if len(lines) <= max_lines and widest <= box_width and height <= box_height:
            lines = balance(text, font, lines, box_width)
            widest = max(font.getlength(line) for line in lines)
            return FittedText(tuple(lines), size, line_height, int(widest + 0.999), int(height), font_path)
        size = size - 2 if size > 40 else size - 1
    raise InputError(
        f"The {field} {text[:24]!r}{'...' if len(text) > 24 else ''} ({len(text)} characters) does not fit"
        f" its {box_width}x{box_height} px box in {max_lines} line(s) even at {min_size} px.",
        f"Shorten the {field}.",
    )


def render_text(
    fitted: FittedText,
    *,
    color: tuple[int, int, int],
    align: str = "left",
    pill: tuple[int, int, int] | None = None,
    pad: int = 0,
    shadow: bool = False,
    scale: float = 1.0,
) -> Image.Image:
    """The fitted text as a tight RGBA image (with an optional rounded 'pill' background and soft shadow).

    ``scale``: the frame's size against the 1080 px design (0.5 for a 540 px frame): the pill's corners and the
    shadow's blur and offset scale with it, as the type does. The image has ``shadow_margin(scale)`` px of
    transparent border on each side when ``shadow``."""
    from PIL import ImageFilter

    font = load_font(fitted.font_path, fitted.size)
    ascent, descent = font.getmetrics()
    extra = max(0, ascent + descent - fitted.size)
    width = fitted.width + 2 * pad
    height = fitted.height + extra + 2 * pad
    margin = shadow_margin(scale) if shadow else 0
    image = Image.new("RGBA", (width + 2 * margin, height + 2 * margin), (0, 0, 0, 0))
    if pill is not None:
        ImageDraw.Draw(image).rounded_rectangle(
            (margin, margin, margin + width - 1, margin + height - 1),
            radius=min(height // 2, max(1, round(28 * scale))),
            fill=(*pill, 255),
        )
    text_layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(text_layer)
    y = margin + pad
    for line in fitted.lines:
        line_width = font.getlength(line)
        if align == "center":
            x = margin + pad + (fitted.width - line_width) / 2
        elif align == "right":
            x = margin + pad + fitted.width - line_width
        else:
            x = margin + pad
        draw.text((x, y), line, font=font, fill=(*color, 255))
        y += fitted.line_height
    if shadow:
        alpha = text_layer.getchannel("A").filter(ImageFilter.GaussianBlur(6 * scale))
        shade = Image.new("RGBA", image.size, (0, 0, 0, 0))
        shade.putalpha(alpha.point(lambda a: a * 0.55))
        image = Image.alpha_composite(
            image, shade.transform(shade.size, Image.AFFINE, (1, 0, -2 * scale, 0, 1, -3 * scale))
        )
    return Image.alpha_composite(image, text_layer)


def shadow_margin(scale: float = 1.0) -> int:
    """Transparent border (px) around a text image with a shadow (see ``render_text``)."""
    return math.ceil(12 * scale)
