"""The Batch tab's handlers (called directly, as the other tab tests do): plan preview, run, sheet and ZIP."""

from __future__ import annotations

import zipfile

import pytest

from studio.errors import InputError
from studio.store import Store
from studio.ui import batch_tab
from studio.ui.context import AppContext
from tests.helpers import make_photo


@pytest.fixture
def ctx(tmp_path) -> AppContext:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    return AppContext(store=Store(tmp_path / "s.sqlite3"), home=tmp_path, outputs=outputs)


def test_plan_run_sheet_and_zip(ctx, tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    catalogue = uploads / "shop.csv"
    catalogue.write_text("id,product,headline,photos\nT1,Tea,Fresh tea,\nT2,Mug,Stone mug,nothing.jpg\n",
                         encoding="utf-8")  # fmt: skip
    photo = make_photo(tmp_path / "T1.jpg", size=(480, 600))
    pack = uploads / "photos.zip"
    with zipfile.ZipFile(pack, "w") as archive:
        archive.write(photo, "T1.jpg")
    summary, errors, staged = batch_tab.plan_handler(ctx, str(catalogue), [str(pack)], ["square"], "", 5)
    assert "1 ads to make" in summary and [e[0] for e in errors] == [2]
    updates = list(batch_tab.run_handler(ctx, staged, ["square"], "", 5, screen=False, workers=1))
    status, jobs, sheet, archive_path = updates[-1]
    assert status == "1 done" and jobs == [["T1", "square", "done", 1, "", ""]]
    assert sheet.endswith("contact-sheet.html")
    with zipfile.ZipFile(archive_path) as archive:
        names = set(archive.namelist())
    assert {
        "t1-square.mp4",
        "t1-square-cover.jpg",
        "t1-square.srt",
        "results.csv",
        "contact-sheet.html",
    } <= names


def test_zip_entries_cannot_escape(ctx, tmp_path):
    catalogue = tmp_path / "shop.csv"
    catalogue.write_text("id,product,photos\nT1,Tea,p.jpg\n", encoding="utf-8")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escaped.txt", "x")
    with pytest.raises(InputError, match="outside"):
        batch_tab.stage_catalogue(ctx, str(catalogue), [str(evil)])
    assert not (tmp_path / "escaped.txt").exists()
    with pytest.raises(InputError, match="Preview the plan first"):
        next(batch_tab.run_handler(ctx, "", [], "", 5, screen=False))
