"""Platform delivery presets: exact size, fps, duration limits and the UI-safe zone of each platform.

Safe zones are the margins (px) the platform's own UI covers (captions, buttons, the profile column); on-screen text
must stay inside. Figures from the platforms' published specs as summarised in FIELD_NOTES section 2 (TikTok:
top 150, bottom 440, right 150 of 1080x1920; Instagram: about 14 % at the top); re-check before changing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from studio.errors import InputError

MIN_WIDTH = 240  # px: below this the copy's smallest type is unreadable


@dataclass(frozen=True)
class SafeZone:
    top: int
    bottom: int
    left: int
    right: int


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    width: int
    height: int
    fps: int
    safe: SafeZone
    min_seconds: float
    max_seconds: float

    @property
    def aspect(self) -> str:
        """The platform's aspect ratio ("9:16", ...), also for a size rounded to even pixels (540x304)."""
        ratios = {"9:16": 9 / 16, "4:5": 4 / 5, "1:1": 1.0, "16:9": 16 / 9}
        return min(ratios, key=lambda name: abs(math.log(ratios[name] * self.height / self.width)))

    def at_width(self, width: int | None) -> Preset:
        """This platform rendered ``width`` px wide (None: its own size): the same aspect (the height rounded to
        an even number, as H.264 needs), the safe margins scaled with it (rounded up, so text keeps clear of the
        platform's UI) and the same fps. Templates size type and spacing from the frame, so the layout scales.
        Raises ``InputError`` for an odd width or one outside ``MIN_WIDTH``..the platform's own width."""
        if width is None or width == self.width:
            return self
        check_width(width)
        if width > self.width:
            raise InputError(
                f"The width {width} px is outside {MIN_WIDTH}..{self.width} px for {self.label}.",
                f"Give an even width from {MIN_WIDTH} up to the platform's own {self.width} px.",
            )
        scale = width / self.width
        height = max(2, round(self.height * scale / 2) * 2)
        s = self.safe
        margins = (math.ceil(m * scale) for m in (s.top, s.bottom, s.left, s.right))
        return replace(self, width=width, height=height, safe=SafeZone(*margins))

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the area text may use."""
        return (self.safe.left, self.safe.top, self.width - self.safe.right, self.height - self.safe.bottom)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("tiktok", "TikTok 9:16", 1080, 1920, 30, SafeZone(150, 440, 60, 150), 5, 60),
        Preset("reels", "Instagram Reels 9:16", 1080, 1920, 30, SafeZone(270, 420, 60, 120), 5, 90),
        Preset("shorts", "YouTube Shorts 9:16", 1080, 1920, 30, SafeZone(180, 420, 60, 140), 5, 60),
        Preset("instagram-feed", "Instagram feed 4:5", 1080, 1350, 30, SafeZone(70, 70, 60, 60), 3, 60),
        Preset("square", "Square 1:1", 1080, 1080, 30, SafeZone(60, 60, 60, 60), 3, 60),
        Preset("youtube", "YouTube / web 16:9", 1920, 1080, 30, SafeZone(54, 54, 96, 96), 3, 120),
    )
}

ALIASES = {
    "9:16": "tiktok",
    "4:5": "instagram-feed",
    "1:1": "square",
    "16:9": "youtube",
    "feed": "instagram-feed",
    "instagram": "instagram-feed",
    "landscape": "youtube",
}


def check_width(width: int | None) -> None:
    """Raise ``InputError`` unless ``width`` is None or an even number of pixels, at least ``MIN_WIDTH``."""
    if width is None:
        return
    if isinstance(width, bool) or not isinstance(width, int) or width % 2 or width < MIN_WIDTH:
        raise InputError(
            f"The width must be an even number of pixels, at least {MIN_WIDTH}; got {width!r}.",
            "For example 540 (half of a 1080 px platform).",
        )


def get_preset(name: str) -> Preset:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    preset = PRESETS.get(key)
    if preset is None:
        raise InputError(
            f"Unknown platform {name!r}.",
            f"Expected one of {', '.join(sorted(PRESETS))} (or {', '.join(sorted(ALIASES))}).",
        )
    return preset


def platform_names() -> list[str]:
    return list(PRESETS)
