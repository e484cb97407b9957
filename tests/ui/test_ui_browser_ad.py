"""End to end: the app in headless Chromium (Debian's package, driven by Playwright's Python client; the
``app`` and ``browser`` fixtures are in conftest.py).

Upload photos, fill the form, Generate, and a playable <video> appears for each chosen aspect ratio.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import make_photo, video_state

pytestmark = pytest.mark.browser


def test_app_binds_to_localhost_only(app_url):
    assert app_url.startswith("http://127.0.0.1:")


def test_chinese_renders_with_the_bundled_font(app_url, browser):
    """The app serves its own CJK font, so Chinese is never tofu, even where the system has no CJK font."""
    page = browser.new_page()
    page.goto(app_url)
    page.locator("#headline textarea, #headline input").first.fill("把山上的霧，泡進杯裡")
    faces = page.evaluate("""() => document.fonts.load('16px "Studio Noto Sans TC"', '山嵐茶坊')
                             .then(list => list.map(f => f.status))""")
    assert faces and all(status == "loaded" for status in faces)
    assert page.evaluate("""() => document.fonts.check('16px "Studio Noto Sans TC"', '山嵐茶坊')""")
    page.close()


def test_upload_generate_and_play(app_url, browser, tmp_path):
    photos = [str(make_photo(tmp_path / f"p{i}.jpg", seed=i)) for i in range(2)]
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(app_url)
    page.locator("#photos input[type=file]").set_input_files(photos)
    page.locator("#headline textarea, #headline input").first.fill("一口喝見阿里山的清晨")
    page.locator("#points textarea").fill("高山茶區手採嫩葉\n低溫烘焙 回甘不苦澀")
    page.locator("#price textarea, #price input").first.fill("NT$ 680")
    page.get_by_label("Square 1:1").check()
    duration = page.locator("#duration input[type=number]")
    duration.fill("5")
    duration.press("Enter")
    page.locator("#draft input").check()
    for photo in photos:  # the uploads have finished when the file list shows them
        expect(page.locator("#photos").get_by_role("cell", name=Path(photo).name)).to_be_visible(
            timeout=60_000
        )
    page.locator("#generate").click()
    video = page.locator("#video-tiktok video")
    video.wait_for(state="attached", timeout=240_000)
    square = page.locator("#video-square video")
    square.wait_for(state="attached", timeout=30_000)
    playable = video_state(video)
    assert playable["error"] is None, playable
    assert playable["ready"] >= 2 and (playable["w"], playable["h"]) == (1080, 1920), playable
    assert abs(playable["duration"] - 5.0) < 0.1
    played = video.evaluate("""v => new Promise(resolve => { v.muted = true;
        v.play().then(() => setTimeout(() => resolve(v.currentTime), 1200)).catch(e => resolve(-1)); })""")
    assert played > 0.2, "the video plays"
    page.screenshot(path=str(tmp_path / "app.png"))
    history = page.locator("#history").inner_text()
    assert "done" in history
