"""End to end: the app in headless Chromium (Debian's package, driven by Playwright's Python client).

Upload photos, fill the form, Generate, and a playable <video> appears for each chosen aspect ratio.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import make_photo

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("app_home")
    port = _free_port()
    env = {**os.environ, "STUDIO_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(home / "app.log", "w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--no-sample"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((home / "app.log").read_text())
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("the app did not start: " + (home / "app.log").read_text())
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is needed (make test installs Debian's chromium package)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


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
    page.wait_for_timeout(1500)  # let the uploads finish
    page.locator("#generate").click()
    video = page.locator("#video-tiktok video")
    video.wait_for(state="attached", timeout=240_000)
    square = page.locator("#video-square video")
    square.wait_for(state="attached", timeout=30_000)
    playable = video.evaluate("""v => new Promise(resolve => {
        const done = () => resolve({ready: v.readyState, duration: v.duration, w: v.videoWidth, h: v.videoHeight,
                                    error: v.error && v.error.code});
        if (v.readyState >= 2) return done();
        v.addEventListener('loadeddata', done); v.addEventListener('error', done);
        setTimeout(done, 20000); v.load();
    })""")
    assert playable["error"] is None, playable
    assert playable["ready"] >= 2 and (playable["w"], playable["h"]) == (1080, 1920), playable
    assert abs(playable["duration"] - 5.0) < 0.1
    played = video.evaluate("""v => new Promise(resolve => { v.muted = true;
        v.play().then(() => setTimeout(() => resolve(v.currentTime), 1200)).catch(e => resolve(-1)); })""")
    assert played > 0.2, "the video plays"
    page.screenshot(path=str(tmp_path / "app.png"))
    history = page.locator("#history").inner_text()
    assert "done" in history
