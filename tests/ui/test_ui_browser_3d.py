"""End to end: the 3D Studio tab in headless Chromium, the way a designer uses it (fixtures in conftest.py).

Upload a synthetic capture (12 views of the textured box, which pycolmap really registers), Check capture,
Build 3D model with the smallest settings, then see the training preview, the model in the 3D viewer, the
downloads, and Use in an ad: a playable spin video. A screenshot of every stage is saved under the test's
tmp_path (``screens/``).
"""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.helpers import video_state
from tests.splat.test_splat_io_synthetic import render_views, write_views

pytestmark = pytest.mark.browser

ERROR_TOAST = '[data-testid="toast-body"]'  # gr.Error (and warning / info) messages
# the smallest build the settings offer: 10 steps at 64 px, one minute at most; the shortest spin
TINY = {"splat-steps": 10, "splat-resolution": 64, "splat-minutes": 1, "splat-spin-seconds": 3}
EXPORTS = {"model.safetensors", "model.ply", "model.splat", "model.spz", "capture_report.json"}


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> list[str]:
    """12 photos of the textured box around a ring (the capture the splat UI and pipeline tests use)."""
    _, images, _ = render_views(12, 400, 300, seed=0)
    return [str(p) for p in write_views(tmp_path_factory.mktemp("capture"), images)]


def set_number(page, elem_id: str, value: int) -> None:
    """Type into a gr.Number's or gr.Slider's number box and commit it with Enter, as a user does."""
    box = page.locator(f"#{elem_id} input[type=number]")
    for _ in range(3):  # a box typed into while the accordion is still mounting can be replaced: type again
        box.fill(str(value))
        box.press("Enter")
        page.wait_for_timeout(300)
        if box.input_value() == str(value):
            return
    raise AssertionError(f"#{elem_id} does not keep {value}: it shows {box.input_value()!r}")


def toasts(page) -> list[str]:
    return page.locator(ERROR_TOAST).all_inner_texts()


def test_photos_to_model_to_spin(app, browser, capture, tmp_path):
    shots = tmp_path / "screens"
    shots.mkdir()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    fetched = []  # (url, status) of every model file the page loaded: the viewer fetches its file by URL
    page.on("response", lambda r: fetched.append((r.url, r.status)) if "model." in r.url else None)
    page.goto(app.url)
    page.get_by_role("tab", name="3D Studio").click()
    page.locator("#splat-build").wait_for(state="visible")

    # 1. "Check capture" with nothing uploaded says what to do (and shows that error toasts are seen here)
    page.locator("#splat-check").click()
    page.locator(ERROR_TOAST).first.wait_for(timeout=20_000)
    assert "Upload photos" in toasts(page)[0]
    page.screenshot(path=str(shots / "1-nothing-uploaded.png"))  # the viewport: the toast is fixed top right
    page.locator('[data-testid="toast-close"]').first.click()  # close it, as a user would
    page.locator(ERROR_TOAST).first.wait_for(state="detached", timeout=20_000)

    # 2. upload the photos, check the capture
    page.locator("#splat-photos input[type=file]").set_input_files(capture)
    expect(page.locator("#splat-photos a[download]")).to_have_count(len(capture), timeout=30_000)  # uploaded
    page.locator("#splat-check").click()
    report = page.locator("#splat-report")
    report.get_by_text("12 images, 12 usable (12 distinct)").wait_for(timeout=60_000)
    assert "×" not in report.inner_text()
    page.screenshot(path=str(shots / "2-checked.png"), full_page=True)

    # 3. the smallest settings: a tiny build, a short spin of the smallest size
    page.locator("#splat-settings").get_by_text("Settings").click()
    page.locator("#splat-steps input").wait_for(state="visible")
    for elem_id, value in TINY.items():
        set_number(page, elem_id, value)
    page.locator("#splat-spin-size input").click()
    page.get_by_role("option", name="480").click()
    assert page.locator("#splat-spin-size input").input_value() == "480"
    shown = {elem_id: page.locator(f"#{elem_id} input[type=number]").input_value() for elem_id in TINY}
    assert shown == {elem_id: str(value) for elem_id, value in TINY.items()}, "the settings stayed"
    page.screenshot(path=str(shots / "3-settings.png"), full_page=True)

    # 4. build: the status streams, a training preview shows, then "Done"
    page.locator("#splat-build").click()
    status = page.locator("#splat-status")
    preview = page.locator("#splat-preview img")
    preview_during_training = False
    deadline = time.time() + 120
    while "Done" not in status.inner_text():
        assert not toasts(page), toasts(page)
        assert time.time() < deadline, f"no model after 120 s; status {status.inner_text()!r}\n{app.log()}"
        if not preview_during_training and preview.count():
            preview_during_training = True
            page.screenshot(path=str(shots / "4-training.png"), full_page=True)
        page.wait_for_timeout(100)
    done = status.inner_text()
    assert re.search(r"Done in \d+ s: 12/12 images posed, [\d,]+ Gaussians", done), done
    assert preview_during_training or preview.count(), "a training preview was shown"
    assert preview.get_attribute("src")
    (result_json,) = app.home.glob("outputs/splat-*/model/result.json")
    result = json.loads(result_json.read_text())
    assert (result["steps"], result["registered"]) == (10, 12), result  # the settings typed in the page

    # 5. the model in the viewer (a canvas that shows something), the downloads, a real PLY
    viewer = page.locator("#splat-viewer canvas")
    viewer.wait_for(timeout=30_000)
    assert page.locator("#splat-viewer a[download]").get_attribute("download") == "model.splat"
    deadline = time.time() + 30
    while not any(url.endswith("/model.splat") and code == 200 for url, code in fetched):
        assert time.time() < deadline, f"the viewer did not load the model: {fetched}"
        page.wait_for_timeout(100)
    page.wait_for_timeout(1500)  # a few frames drawn
    page.screenshot(path=str(shots / "5-built.png"), full_page=True)
    pixels = np.asarray(Image.open(io.BytesIO(viewer.screenshot())).convert("L"), dtype=np.float32)
    assert pixels.std() > 5, "the 3D viewer draws the model, not a blank canvas"
    links = dict(
        page.locator("#splat-downloads a[download]").evaluate_all("els => els.map(a => [a.download, a.href])")
    )
    assert set(links) == EXPORTS, links
    with urllib.request.urlopen(links["model.ply"], timeout=30) as response:
        head = response.read(64)
    assert head.startswith(b"ply\nformat binary_little_endian 1.0\n"), head

    # 6. use in an ad: a spin video that plays, recorded as an asset
    page.locator("#splat-use").click()
    video = page.locator("#splat-spin video")
    video.wait_for(state="attached", timeout=120_000)
    assert video.get_attribute("src")
    playable = video_state(video)
    assert playable["error"] is None, playable
    assert playable["ready"] >= 2 and (playable["w"], playable["h"]) == (480, 480), playable
    assert abs(playable["duration"] - 3.0) < 0.2, playable
    page.locator("#splat-use-status").get_by_text("Spin saved (asset #").wait_for(timeout=10_000)
    assert not toasts(page), toasts(page)
    page.screenshot(path=str(shots / "6-spin.png"), full_page=True)
    page.close()
