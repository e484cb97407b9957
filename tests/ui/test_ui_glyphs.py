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


def test_the_html_report_embeds_the_font_for_its_own_text(tmp_path):
    """The downloaded report is read offline, mailed, archived: it carries the bundled font, subset to the
    characters it uses (a few KB), so its Chinese never depends on the reader's fonts."""
    import base64
    import io
    import re

    from studio.compliance.gate import screen_text
    from studio.compliance.report_html import write_html_report
    from studio.compliance.rules import load_packs

    report = screen_text("喝了可以治療近視，還能排毒素", load_packs(None, "food"), "food")
    page = write_html_report(report, tmp_path / "r.html").read_text(encoding="utf-8")
    faces = re.findall(r'src: url\("data:font/otf;base64,([A-Za-z0-9+/=]+)"\)', page)
    assert len(faces) == 2 and 'font-family: "Studio Noto Sans TC"' in page
    assert len(page) < 400_000, "the fonts are subset, not the 5 MB originals"
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    needed = {ord(ch) for ch in body if ord(ch) > 127}
    for face in faces:
        cmap = TTFont(io.BytesIO(base64.b64decode(face))).getBestCmap()
        assert needed <= set(cmap), sorted(chr(c) for c in needed - set(cmap))
