"""Every character the app's own messages use exists in the bundled font: no emoji or symbol that renders as a
missing-glyph box on a machine without an emoji or CJK font."""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont

from studio.settings import assets_dir

UI = Path(__file__).resolve().parents[2] / "studio" / "ui"


def test_ui_strings_use_only_glyphs_of_the_bundled_font():
    font = TTFont(assets_dir() / "fonts" / "NotoSansTC-Regular.otf", lazy=True)
    cmap = font.getBestCmap()
    missing = {}
    for source in sorted(UI.glob("*.py")):
        for ch in set(source.read_text(encoding="utf-8")):
            if ord(ch) > 127 and ord(ch) not in cmap and ch != "\ufe0f":
                missing.setdefault(source.name, []).append(f"{ch} U+{ord(ch):04X}")
    assert not missing, f"characters the bundled font cannot draw (tofu): {missing}"
