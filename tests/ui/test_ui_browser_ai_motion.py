"""The Ad Studio's AI motion section in headless Chromium: its status line before a render (no GPU, no weights in
a fresh home: what is missing and the pull command), and an ad rendered with AI motion on (a moving photo and a
B-roll prompt), which keeps the weight-free motion for both and says why in the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import make_photo

pytestmark = pytest.mark.browser


def test_ai_motion_section_status_and_fallback(app_url, browser, tmp_path):
    photo = str(make_photo(tmp_path / "p.jpg"))
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(app_url)
    page.locator("#ai-motion").get_by_text("AI motion (GPU)").click()
    status = page.locator("#ai-status")
    expect(status).to_contain_text("weights not on this machine", timeout=60_000)
    expect(status).to_contain_text("studio models pull wan2.2-ti2v-5b")
    page.locator("#ai-on input").check()
    page.locator("#ai-broll textarea, #ai-broll input").first.fill("morning mist over tea fields")
    page.locator("#photos input[type=file]").set_input_files([photo])
    expect(page.locator("#photos").get_by_role("cell", name="p.jpg")).to_be_visible(timeout=60_000)
    page.locator("#headline textarea, #headline input").first.fill("Morning tea")
    page.get_by_label("TikTok 9:16").uncheck()
    page.get_by_label("Square 1:1").check()
    duration = page.locator("#duration input[type=number]")
    duration.fill("8")
    duration.press("Enter")
    page.locator("#draft input").check()
    page.locator("#generate").click()
    result = page.locator("#status")
    expect(result).to_contain_text("Rendered in", timeout=240_000)
    expect(result).to_contain_text("AI motion, photo 1 (square): weight-free motion instead")
    expect(result).to_contain_text("AI motion, b-roll 1 (square): weight-free motion instead")
    page.screenshot(path=str(tmp_path / "ai-motion.png"), full_page=True)
    page.close()
