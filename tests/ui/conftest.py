"""Browser-test helpers for the UI: an app started with the bundled sample, a folder for screenshots, and the
check that no Chinese glyph renders as a missing-glyph box ("tofu")."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningApp, running_app


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """``python app.py`` with the bundled sample in the form (the ``app`` fixture starts without it)."""
    with running_app(tmp_path_factory.mktemp("sample_app_home")) as running:
        yield running


@pytest.fixture
def artefacts(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where a browser test saves its screenshots: ``$STUDIO_TEST_ARTEFACTS/<test>`` or the test's tmp_path."""
    root = os.environ.get("STUDIO_TEST_ARTEFACTS")
    folder = Path(root) / request.node.name if root else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


# For each CJK character under `root` (at most `limit`): draw it on a canvas in the font the page gives its
# element, in the bundled font alone, and in a family without CJK (the font "removed": Chromium falls back, which
# on a machine without a CJK font is the missing-glyph box). As shown must equal the bundled font, and the bundled
# font must differ from the fallback (it really drew a glyph). Returns {checked, bad: [...], families: [...]}.
TOFU_JS = """async ([selector, limit]) => {
  const roots = [...document.querySelectorAll(selector)];
  const cjk = /[\\u3400-\\u9fff\\uf900-\\ufaff\\uff01-\\uff5e]/;
  const found = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode()) && found.length < limit) {
      for (const ch of node.textContent) if (cjk.test(ch) && found.length < limit) found.push([ch, node.parentElement]);
    }
  }
  await document.fonts.load('32px "Studio Noto Sans TC"', found.map(f => f[0]).join(''));
  await document.fonts.load('bold 32px "Studio Noto Sans TC"', found.map(f => f[0]).join(''));
  await document.fonts.ready;
  const canvas = document.createElement('canvas'); canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, font) => { ctx.clearRect(0, 0, 48, 48); ctx.font = font; ctx.fillStyle = '#000';
                               ctx.textBaseline = 'top'; ctx.fillText(ch, 6, 6);
                               return ctx.getImageData(0, 0, 48, 48).data; };
  const diff = (a, b) => { let d = 0; for (let i = 3; i < a.length; i += 4) d += Math.abs(a[i] - b[i]); return d / 255; };
  const bad = [], families = new Set();
  for (const [ch, el] of found) {
    const st = getComputedStyle(el);
    families.add(st.fontFamily);
    const shown = draw(ch, `${st.fontWeight} 32px ${st.fontFamily}`);
    const bundled = draw(ch, `${st.fontWeight} 32px "Studio Noto Sans TC"`);
    const removed = draw(ch, `${st.fontWeight} 32px "studio-no-such-font", sans-serif`);
    const asBundled = diff(shown, bundled), vsRemoved = diff(bundled, removed);
    if (asBundled > 2 || vsRemoved < 20) bad.push({ch, asBundled, vsRemoved, family: st.fontFamily});
  }
  return {checked: found.length, bad, families: [...families]};
}"""


def assert_no_tofu(page, selector: str, *, at_least: int = 2, limit: int = 60) -> dict:
    """Every Chinese character under ``selector`` renders in the bundled CJK font, none as a missing glyph."""
    result = page.evaluate(TOFU_JS, [selector, limit])
    assert result["checked"] >= at_least, f"{selector}: expected Chinese text to check, found {result}"
    assert not result["bad"], f"{selector}: tofu or a fallback font: {result['bad'][:5]}"
    return result
