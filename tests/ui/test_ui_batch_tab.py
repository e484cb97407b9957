"""The Batch tab's handlers, called directly with a real store: uploads (files and ZIPs, refused when they escape
the folder or exceed the upload limit), the plan with its row errors, a real run on the local pool with its job
table, contact sheet and outputs ZIP, a re-preview that skips what is done, and Stop."""

from __future__ import annotations

import csv
import stat
import threading
import time
import zipfile
from pathlib import Path

import gradio as gr
import pytest

from studio.errors import InputError
from studio.store import Store
from studio.ui import batch_tab as tab
from studio.ui.context import AppContext
from tests.helpers import make_photo

HEADER = ["id", "product", "headline", "selling_points", "price", "photos"]


@pytest.fixture()
def ctx(studio_home: Path) -> AppContext:
    outputs = studio_home / "outputs"
    outputs.mkdir()
    return AppContext(store=Store(studio_home / "studio.sqlite3"), home=studio_home, outputs=outputs)


def _catalogue(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _two_products(folder: Path, seed: int = 0) -> tuple[Path, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    photos = [
        str(make_photo(folder / f"tea-{seed}-{k}.jpg", size=(480, 600), seed=seed + k)) for k in range(2)
    ]
    cat = _catalogue(folder / "catalogue.csv", [
        [f"tea-{seed}", "高山烏龍", "一口阿里山的清晨", "手採嫩葉|低溫烘焙", "NT$ 680", Path(photos[0]).name],
        [f"mug-{seed}", "陶瓷馬克杯", "早晨的第一杯", "台灣製造", "NT$ 450", Path(photos[1]).name],
    ])  # fmt: skip
    return cat, photos


def _zip(path: Path, entries: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


# -- uploads -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../escape.jpg", "photos/../../escape.jpg", "/tmp/abs.jpg", "C:/win.jpg"])
def test_zip_entries_escaping_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "photos.zip", {"ok.jpg": b"x", name: b"y"})
    dest = tmp_path / "dest"
    with pytest.raises(InputError, match="outside the upload folder"):
        tab.extract_zip(archive, dest)
    assert not (tmp_path / "escape.jpg").exists()
    assert list(dest.iterdir()) == []  # checked before anything is written


def test_zip_links_are_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "photos.zip", {"ok.jpg": b"x"}, links=("link.jpg",))
    with pytest.raises(InputError, match="symbolic link"):
        tab.extract_zip(archive, tmp_path / "dest")


def test_zip_over_the_upload_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _zip(tmp_path / "photos.zip", {"a.jpg": b"\0" * 5000, "b.jpg": b"\0" * 5000})
    assert archive.stat().st_size < 1000  # small on the wire, large unpacked
    monkeypatch.setattr(tab, "MAX_UPLOAD_BYTES", 8000)
    with pytest.raises(InputError, match="unpacks to"):
        tab.extract_zip(archive, tmp_path / "dest")
    assert not (tmp_path / "dest" / "a.jpg").exists()
    assert [p.name for p in tab.extract_zip(archive, tmp_path / "dest2", limit=20_000)] == ["a.jpg", "b.jpg"]


def test_an_upload_over_the_limit_is_a_clear_error(ctx: AppContext, tmp_path: Path, monkeypatch) -> None:
    cat, photos = _two_products(tmp_path / "shop")
    monkeypatch.setattr(tab, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(gr.Error, match="limit is"):
        tab.preview(ctx, str(cat), photos, ["square"], 5, "")


def test_no_catalogue_is_a_clear_error(ctx: AppContext, tmp_path: Path) -> None:
    _, photos = _two_products(tmp_path / "shop")
    with pytest.raises(gr.Error, match="Upload a catalogue"):
        tab.preview(ctx, None, photos, ["square"], 5, "")


# -- plan ----------------------------------------------------------------------------------------------------------
def test_preview_lists_row_errors_and_the_jobs(ctx: AppContext, tmp_path: Path) -> None:
    cat, photos = _two_products(tmp_path / "shop")
    _catalogue(cat, [
        ["tea", "高山烏龍", "一口阿里山的清晨", "手採嫩葉", "NT$ 680", Path(photos[0]).name],
        ["gone", "不見的照片", "標題", "賣點", "NT$ 1", "missing.jpg"],
        ["", "沒有編號", "標題", "賣點", "NT$ 1", Path(photos[1]).name],
    ])  # fmt: skip
    summary, errors, planned, session = tab.preview(ctx, str(cat), photos, ["square", "tiktok"], 5, "")
    assert "2 jobs to run" in summary and "2 row errors" in summary
    assert sorted((e[0], e[1]) for e in errors) == [(2, "photos"), (3, "id")]
    assert [(r[1], r[2], r[3]) for r in planned] == [("tea", "square", "to run"), ("tea", "tiktok", "to run")]
    assert Path(session["input"], "catalogue.csv").is_file()
    assert not Path(session["outdir"]).exists()  # a preview writes no outputs


def test_a_zip_of_the_catalogue_folder_is_enough(ctx: AppContext, tmp_path: Path) -> None:
    cat, photos = _two_products(tmp_path / "shop")
    _catalogue(cat, [["tea", "高山烏龍", "標題", "賣點", "NT$ 680", "photos/" + Path(photos[0]).name]])
    archive = _zip(tmp_path / "shop.zip", {"shop/catalogue.csv": cat.read_bytes(),
                                           "shop/photos/" + Path(photos[0]).name: Path(photos[0]).read_bytes()})  # fmt: skip
    summary, errors, planned, session = tab.preview(ctx, None, [str(archive)], ["square"], 5, "")
    assert errors == [] and len(planned) == 1, summary
    assert Path(session["catalogue"]).relative_to(session["input"]).as_posix() == "shop/catalogue.csv"


# -- run -----------------------------------------------------------------------------------------------------------
def test_start_renders_the_batch_then_a_preview_skips_it(ctx: AppContext, tmp_path: Path) -> None:
    cat, photos = _two_products(tmp_path / "shop")
    _, _, _, session = tab.preview(ctx, str(cat), photos, ["square"], 5, "")
    seen: list[float] = []
    status, rows, sheet, archive = tab.start(ctx, tab.BatchRunner(), session, 2, True,
                                             progress=lambda f, desc="": seen.append(f))  # fmt: skip
    assert status.startswith("**Finished**") and "2 done" in status, status
    assert sorted((r[1], r[2], r[3]) for r in rows) == [
        ("mug-0", "square", "done"),
        ("tea-0", "square", "done"),
    ]
    assert all(r[5] in ("pass", "warn") and r[7].endswith("-square.mp4") for r in rows), rows
    assert seen and seen[-1] == pytest.approx(1.0)
    # the contact sheet: framed, covers served by the app from the output folder
    assert sheet.startswith("<iframe") and "/gradio_api/file=" in sheet and "-square-cover.jpg" in sheet
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
    assert {"tea-0-square.mp4", "mug-0-square.mp4", "results.csv", "contact-sheet.html"} <= names
    assert not any(n.startswith(".") for n in names)
    assert Path(archive).parent == Path(session["folder"])
    # the same uploads again: the same batch, nothing left to run
    summary, _, planned, again = tab.preview(ctx, str(cat), photos, ["square"], 5, "")
    assert again["outdir"] == session["outdir"]
    assert "0 jobs to run" in summary and {r[3] for r in planned} == {"done already"}
    assert tab.download_all(again).endswith("-outputs.zip")


def test_stop_cancels_the_running_batch(ctx: AppContext, tmp_path: Path) -> None:
    cat, photos = _two_products(tmp_path / "shop", seed=7)
    _, _, _, session = tab.preview(ctx, str(cat), photos, ["square"], 5, "")
    runner = tab.BatchRunner()
    assert tab.stop(runner, session) == "Nothing is running."
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(result=tab.start(ctx, runner, session, 1, False)))
    thread.start()
    deadline = time.monotonic() + 120
    while not any(r[3] == "running" for r in tab.job_rows(ctx, session)):  # a job is claimed and rendering
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(gr.Error, match="already running"):
        tab.start(ctx, runner, session, 1, False)
    assert tab.stop(runner, session).startswith("Stopping")
    thread.join(120)
    assert not thread.is_alive()
    status = out["result"][0]
    assert status.startswith("**Stopped.**"), status
    assert {r[3] for r in tab.job_rows(ctx, session)} <= {"cancelled", "done"}
    assert "cancelled" in {r[3] for r in tab.job_rows(ctx, session)}
    assert not runner.running(session["outdir"])
