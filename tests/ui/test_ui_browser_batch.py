"""End to end in headless Chromium: the Batch tab takes a catalogue and its photos, previews the plan and shows the
row that cannot be planned, with its row number and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import make_photo

pytestmark = pytest.mark.browser


def test_upload_catalogue_and_preview_shows_a_row_error(app_url, browser, tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "tea.jpg", size=(480, 600))
    catalogue = tmp_path / "shop.csv"
    with open(catalogue, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "product", "headline", "selling_points", "price", "photos"])
        writer.writerow(["tea", "高山烏龍", "一口阿里山的清晨", "手採嫩葉|低溫烘焙", "NT$ 680", "tea.jpg"])
        writer.writerow(["gone", "不見的照片", "標題", "賣點", "NT$ 1", "missing.jpg"])
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(app_url)
    page.get_by_role("tab", name="Batch").click()
    page.locator("#batch-catalogue input[type=file]").set_input_files(str(catalogue))
    page.locator("#batch-photos input[type=file]").set_input_files([str(photo)])
    # uploaded: each file has its download link from the server
    page.locator("#batch-catalogue a[href*='shop.csv']").wait_for(timeout=30_000)
    page.locator("#batch-photos a[href*='tea.jpg']").wait_for(timeout=30_000)
    page.locator("#batch-platforms").get_by_label("square (1:1)").check()
    page.locator("#batch-preview").click()
    status = page.locator("#batch-status")
    expect(status).to_contain_text("1 jobs to run", timeout=60_000)
    assert "1 row error" in status.inner_text()
    errors = page.locator("#batch-errors")
    expect(errors).to_contain_text("missing.jpg", timeout=10_000)
    table = errors.inner_text()
    assert "photos" in table and "2" in table
    plan = page.locator("#batch-plan").inner_text()
    assert "tea" in plan and "square" in plan and "to run" in plan
    page.screenshot(path=str(tmp_path / "batch-tab.png"), full_page=True)
    page.close()
