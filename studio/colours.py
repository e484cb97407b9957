"""Colours: the one parser for ``#RRGGBB`` (specs, brand colours, backgrounds) and the conversions around it.

Specs hold colours as ``#RRGGBB`` (upper case after parsing). The app's colour picker may hand over ``#rgb`` or
``rgb(...)``/``rgba(...)``; :func:`from_picker` turns those into ``#RRGGBB`` and refuses anything else with the
same one-line error as the spec.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from studio.errors import InputError

RGB = tuple[int, int, int]
EXAMPLE = "#1F5F4A"
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_SHORT_HEX = re.compile(r"#[0-9a-fA-F]{3}")
_FUNCTIONAL = re.compile(r"rgba?\(\s*([^()]*)\)", re.IGNORECASE)


class ColourError(InputError, ValueError):
    """A value that is not a colour. A ``ValueError`` too, so pydantic validators report it with its field."""

    def __init__(self, value: object, what: str = "colour"):
        super().__init__(
            f"The {what} {value!r} is not a colour like {EXAMPLE}.",
            "Write it as # and six hex digits (#RRGGBB).",
        )


def parse_hex(value: object, what: str = "colour") -> str:
    """``value`` as ``#RRGGBB`` (upper case) when it is exactly ``#`` + six hex digits; ``ColourError`` otherwise."""
    if not isinstance(value, str) or not _HEX.fullmatch(value.strip()):
        raise ColourError(value, what)
    return value.strip().upper()


def hex_to_rgb(value: str, what: str = "colour") -> RGB:
    """``"#1F5F4A"`` -> ``(31, 95, 74)``."""
    text = parse_hex(value, what)
    return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))


def rgb_to_hex(rgb: Sequence[float], scale: float = 255.0) -> str:
    """``(31, 95, 74)`` (or 0..1 floats with ``scale=1``) -> ``"#1F5F4A"``; channels are rounded and clamped."""
    if len(rgb) != 3:
        raise ValueError(f"expected three channels, got {len(rgb)}")
    channels = [min(255, max(0, round(255.0 * float(c) / scale))) for c in rgb]
    return "#" + "".join(f"{c:02X}" for c in channels)


def from_picker(value: str | None, what: str = "colour") -> str:
    """What a colour picker gives (``#rgb``, ``#rrggbb``, ``rgb(r, g, b)``, ``rgba(r, g, b, a)``) as ``#RRGGBB``."""
    text = (value or "").strip()
    if _SHORT_HEX.fullmatch(text):
        return "#" + "".join(c * 2 for c in text[1:]).upper()
    match = _FUNCTIONAL.fullmatch(text)
    if match:
        parts = [p.strip() for p in match.group(1).split(",")]
        try:
            numbers = [float(p) for p in parts[:3]]
        except ValueError:
            raise ColourError(value, what) from None
        if len(parts) not in (3, 4) or any(not math.isfinite(n) or not 0 <= n <= 255 for n in numbers):
            raise ColourError(value, what)
        return rgb_to_hex(numbers)
    return parse_hex(text, what)
