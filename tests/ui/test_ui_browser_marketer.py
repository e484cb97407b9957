"""The app as a marketer meets it, in headless Chromium (Debian's package, through Playwright): Chinese in every
table, toast and report renders in the bundled font (no tofu); lists come from the store on every page load and
after every job; quick work never waits behind a render; a render shows the time left and stops from the page; a
blocked ad opens an override form and publishes as a download; messages name the form's fields; a new upload
clears the sample. Screenshots go to the folder each test prints (``$STUDIO_TEST_ARTEFACTS`` or its tmp_path).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import make_photo
from tests.ui.conftest import TOFU_JS, assert_no_tofu

pytestmark = pytest.mark.browser

WAIT = 60_000  # ms: the longest a quick step may take on a loaded 2-core CI machine
RENDER_WAIT = 300_000


def _open(browser, url: str, **kwargs):
    page = browser.new_page(viewport={"width": 1400, "height": 1500}, **kwargs)
    page.goto(url)
    expect(page.locator("#generate")).to_be_visible(timeout=WAIT)
    return page


def _uploaded(page, elem_id: str, name: str) -> None:
    """Wait until the file list of ``elem_id`` shows ``name`` (the upload finished)."""
    expect(page.locator(f"#{elem_id}").get_by_role("cell", name=name)).to_be_visible(timeout=WAIT)


def _choose(page, elem_id: str, option: str) -> None:
    """Pick ``option`` in a gradio dropdown (its value, shown alone or as "label (value)") and wait until it
    shows."""
    box = page.locator(f"#{elem_id} input")
    box.click()
    shown = re.compile(rf"^(.*\({re.escape(option)}\)|{re.escape(option)})$")
    page.get_by_role("option", name=shown).click()
    expect(box).to_have_value(shown)


def _seed(home: Path, monkeypatch, tmp_path: Path) -> dict:
    """Rows written by other work after the page was built: renders (one blocked with a server path in its
    reason), a quarantined output, a reference with a Chinese owner, an override with a Chinese reason."""
    from PIL import Image

    from studio.compliance.gate import ExportContext, TimedText, gate_output, release_quarantined
    from studio.compliance.refbank import ReferenceBank
    from studio.errors import ComplianceError
    from studio.store import Store

    monkeypatch.setenv("STUDIO_HOME", str(home))
    store = Store(home / "studio.sqlite3")
    project = store.project("山嵐茶坊")
    done = store.start_render("ad", {"product": "山嵐茶坊 高山烏龍", "template": "promo"}, project)
    store.finish_render(done, "done", outputs=[{"platform": "tiktok"}], timings={"total": 12.0})
    blocked = store.start_render("ad", {"product": "山嵐茶坊 禮盒", "template": "showcase"}, project)
    store.finish_render(
        blocked, "blocked", reason=f"山嵐茶坊-tiktok.mp4 被擋下; it was moved to {home}/quarantine/x."
    )
    for k, name in enumerate(("菸盒廣告.png", "第二支.png")):
        picture = tmp_path / f"part{k}.png"  # the gate moves it into the quarantine
        Image.new("RGB", (320, 240), (200, 120, 40)).save(picture)
        with pytest.raises(ComplianceError):
            gate_output(picture, tmp_path / name, ExportContext(kind="image", category="tobacco",
                        texts=(TimedText("香菸特價 買一送一"),)), store=store)  # fmt: skip
    from studio.compliance.gate import list_quarantine

    first = next(i for i in list_quarantine() if i.file.name == "菸盒廣告.png")
    release_quarantined(first.folder.name, "法務已核准這支公益廣告", store=store, user="小美")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 200), (30, 60, 200)).save(logo)
    ReferenceBank(store).add([logo], "山嵐茶坊法務部", "版權所有", "競品商標", "protected")
    store.close()
    return {"home": home}


def test_lists_load_on_every_page_load_and_no_table_shows_tofu(
    app, browser, monkeypatch, tmp_path, artefacts
):
    page = _open(browser, app.url)
    expect(page.locator("#history")).to_be_visible()
    _seed(app.home, monkeypatch, tmp_path)  # written after the page was built: only a reload can show them
    page.reload()
    history = page.locator("#history")
    expect(history).to_contain_text("山嵐茶坊 禮盒", timeout=WAIT)
    expect(history).to_contain_text("blocked")
    expect(history).not_to_contain_text(str(app.home))  # reasons in plain words, no server paths
    history.scroll_into_view_if_needed()
    history.screenshot(path=str(artefacts / "history.png"))
    assert_no_tofu(page, "#history")
    # the control: with the font taken away, the same check sees the fallback (tofu where no CJK font exists)
    page.add_style_tag(
        content="#history, #history * { font-family: 'studio-no-such-font', sans-serif !important; }"
    )
    control = page.evaluate(TOFU_JS, ["#history", 20])
    assert control["checked"] and len(control["bad"]) == control["checked"], control
    history.screenshot(path=str(artefacts / "history-font-removed.png"))
    page.reload()

    page.get_by_role("tab", name="Compliance").click()
    page.get_by_role("tab", name="Quarantine & overrides").click()
    quarantine = page.locator("#quarantine_table")
    expect(quarantine).to_contain_text("第二支.png", timeout=WAIT)  # the other one was published
    audit = page.locator("#audit_table")
    expect(audit).to_contain_text("法務已核准這支公益廣告")
    audit.screenshot(path=str(artefacts / "audit.png"))
    quarantine.screenshot(path=str(artefacts / "quarantine.png"))
    assert_no_tofu(page, "#quarantine_table", at_least=3)
    assert_no_tofu(page, "#audit_table")

    page.get_by_role("tab", name="Reference bank").click()
    refs = page.locator("#ref_table")
    expect(refs).to_contain_text("山嵐茶坊法務部", timeout=WAIT)
    refs.screenshot(path=str(artefacts / "references.png"))
    assert_no_tofu(page, "#ref_table")

    # screening copy: the findings table (reference, suggestion, message) and the HTML report, opened offline
    page.get_by_role("tab", name="Screen").click()
    page.locator("#screen_copy textarea").fill("喝了可以治療近視，降血壓，還能排毒素")
    _choose(page, "screen_category", "food")
    page.locator("#screen_go").click()
    findings = page.locator("#screen_findings")
    expect(findings).to_contain_text("治療近視", timeout=WAIT)
    findings.screenshot(path=str(artefacts / "findings.png"))
    assert_no_tofu(page, "#screen_findings", at_least=6)
    reports = page.locator("#screen_reports")
    expect(reports).to_contain_text("html")
    assert_no_tofu(page, "#screen_verdict", at_least=0)
    html = next((app.home / "outputs" / "compliance").glob("*.compliance.html"))
    offline = browser.new_context(offline=True, viewport={"width": 1200, "height": 1400})
    report_page = offline.new_page()
    report_page.goto(html.as_uri())
    report_page.screenshot(path=str(artefacts / "report.png"), full_page=True)
    assert_no_tofu(report_page, "body", at_least=10)
    offline.close()
    page.close()


def test_field_errors_name_the_form_fields_in_plain_words(app, browser, tmp_path, artefacts):
    page = _open(browser, app.url)
    page.locator("#photos input[type=file]").set_input_files([str(make_photo(tmp_path / "山嵐茶坊正面.jpg"))])
    _uploaded(page, "photos", "山嵐茶坊正面.jpg")
    page.locator("#photos").screenshot(path=str(artefacts / "file-list.png"))
    assert_no_tofu(page, "#photos")  # a file list with a Chinese name
    page.locator("#product textarea, #product input").first.fill("山嵐茶坊")
    page.locator("#generate").click()
    toast = page.locator('[data-testid="toast-body"]').last
    expect(toast).to_contain_text("Headline is empty", timeout=WAIT)
    expect(page.locator("#status")).to_contain_text("Headline is empty")
    expect(page.locator("#history")).not_to_contain_text("Error")
    page.locator("#headline textarea, #headline input").first.fill("一口喝見阿里山的清晨")
    page.locator("#points textarea").fill("高山茶區手採嫩葉" * 8)
    page.locator("#generate").click()
    toast = page.locator('[data-testid="toast-body"]', has_text="Selling point")
    expect(toast).to_contain_text("at most 60", timeout=WAIT)
    expect(toast).not_to_contain_text("form field")
    toast.screenshot(path=str(artefacts / "toast.png"))
    assert_no_tofu(page, '[data-testid="toast-body"]')
    page.close()


def test_quick_screen_never_waits_behind_a_render_which_shows_time_left_and_stops(
    app, browser, tmp_path, artefacts
):
    page = _open(browser, app.url)
    page.locator("#photos input[type=file]").set_input_files([str(make_photo(tmp_path / "a.jpg"))])
    _uploaded(page, "photos", "a.jpg")
    page.locator("#headline textarea, #headline input").first.fill("停下來的廣告")
    duration = page.locator("#duration input[type=number]")
    duration.fill("40")
    duration.press("Enter")
    page.locator("#generate").click()
    expect(page.get_by_text(re.compile(r"about .+ left")).first).to_be_visible(timeout=RENDER_WAIT)
    page.screenshot(path=str(artefacts / "render-progress.png"))
    # a second page screens ad copy while the render holds the GPU queue
    other = _open(browser, app.url)
    other.get_by_role("tab", name="Compliance").click()
    other.locator("#screen_copy textarea").fill("喝了可以治療近視")
    _choose(other, "screen_category", "food")
    other.locator("#screen_go").click()
    expect(other.locator("#screen_verdict")).to_contain_text("BLOCK", timeout=WAIT)
    assert page.get_by_text(re.compile(r"about .+ left")).first.is_visible(), "the render finished first"
    other.close()
    page.locator("#stop").click()
    expect(page.locator("#status")).to_contain_text("Stopped", timeout=WAIT)
    history = page.locator("#history")
    expect(history).to_contain_text("cancelled", timeout=WAIT)  # the list refreshed after the job
    page.screenshot(path=str(artefacts / "stopped.png"))
    page.close()


def test_a_blocked_ad_opens_the_override_form_and_publishes_as_a_download(app, browser, tmp_path, artefacts):
    page = _open(browser, app.url)
    page.locator("#photos input[type=file]").set_input_files([str(make_photo(tmp_path / "b.jpg"))])
    _uploaded(page, "photos", "b.jpg")
    page.locator("#product textarea, #product input").first.fill("山嵐菸草")
    page.locator("#headline textarea, #headline input").first.fill("香菸特價")
    _choose(page, "category", "tobacco")
    duration = page.locator("#duration input[type=number]")
    duration.fill("5")
    duration.press("Enter")
    page.locator("#draft input").check()
    page.locator("#generate").click()
    expect(page.locator("#status")).to_contain_text("Blocked", timeout=RENDER_WAIT)
    toast = page.locator('[data-testid="toast-body"]', has_text="blocked")
    expect(toast).to_contain_text("override form")
    assert str(app.home) not in toast.inner_text() and "/" not in toast.inner_text()
    form = page.locator("#override-form").first
    expect(form).to_be_visible()
    expect(page.locator("#downloads").get_by_role("cell", name="report.html")).to_be_visible()
    history = page.locator("#history")
    expect(history).to_contain_text("blocked")
    expect(history).not_to_contain_text("Error")
    page.screenshot(path=str(artefacts / "blocked.png"), full_page=True)
    page.locator("#ad-override-reason textarea").fill("公益廣告，法務已核准")
    page.locator("#ad-override-go").click()
    expect(page.locator("#status")).to_contain_text("Published", timeout=WAIT)
    expect(page.locator("#downloads")).to_contain_text("mp4")
    expect(form).to_be_hidden()
    page.screenshot(path=str(artefacts / "published.png"), full_page=True)
    page.close()


def test_new_photos_clear_the_sample_and_the_capture_report_is_a_table(
    sample_app, browser, tmp_path, artefacts
):
    page = _open(browser, sample_app.url)
    headline = page.locator("#headline textarea, #headline input").first
    assert headline.input_value(), "the sample fills the form"
    assert "general" not in page.locator("#category input").input_value()
    page.locator("#photos input[type=file]").set_input_files([str(make_photo(tmp_path / "mine.jpg"))])
    _uploaded(page, "photos", "mine.jpg")
    expect(headline).to_have_value("", timeout=WAIT)
    expect(page.locator("#points textarea")).to_have_value("")
    expect(page.locator("#category input")).to_have_value(re.compile(r"\(general\)$"))
    expect(page.locator("#photos").get_by_role("cell", name="photo-1-hero.jpg")).to_have_count(0)  # replaced
    page.screenshot(path=str(artefacts / "cleared.png"))

    page.get_by_role("tab", name="3D Studio").click()
    shots = [str(make_photo(tmp_path / f"view_{i:02d}.jpg", (480, 360), seed=i)) for i in range(4)]
    page.locator("#splat-photos input[type=file]").set_input_files(shots)
    _uploaded(page, "splat-photos", "view_03.jpg")
    page.locator("#splat-check").click()
    table = page.locator("#splat-capture-table")
    expect(table).to_contain_text("view_00.jpg", timeout=WAIT)
    expect(table).to_contain_text("usable")
    expect(table).not_to_contain_text('"blur_median"')
    table.screenshot(path=str(artefacts / "capture-table.png"))
    page.close()
