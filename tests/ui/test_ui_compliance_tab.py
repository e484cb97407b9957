"""The Compliance tab: its handlers (screen, reference bank, quarantine + override) and its wiring."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from studio.compliance.gate import ExportContext, gate_output
from studio.store import Store
from studio.ui import compliance_tab as tab
from studio.ui.context import GPU_QUEUE, MAX_UPLOAD_BYTES, AppContext
from studio.ui.jobs import QUICK_QUEUE, SCREEN_QUEUE


@pytest.fixture()
def ctx(studio_home: Path) -> AppContext:
    outputs = studio_home / "outputs"
    outputs.mkdir()
    return AppContext(store=Store(studio_home / "studio.sqlite3"), home=studio_home, outputs=outputs)


def _picture(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8).repeat(6, 0).repeat(6, 1)).save(path)
    return path


def test_screen_copy_only(ctx: AppContext) -> None:
    markdown, rows, files = tab.screen(ctx, tab.ClipCache(), None, "改善體質，降血壓", "food", [], False)
    assert "BLOCK" in markdown and "ad copy" in markdown
    assert [(r[0], r[1], r[8]) for r in rows] == [
        ("block", "tw-ads.food.medical-efficacy", ""),
        ("review", "tw-ads.food.exaggerated", "調整體質"),
    ]
    json_file = next(Path(f) for f in files if f.endswith(".json"))
    assert json_file.parent == ctx.outputs / "compliance"
    assert json.loads(json_file.read_text(encoding="utf-8"))[0]["verdict"] == "block"


def test_screen_file_with_copy_and_missing_clip_is_said(ctx: AppContext, tmp_path: Path) -> None:
    picture = _picture(tmp_path / "ad.png")
    markdown, rows, _files = tab.screen(ctx, tab.ClipCache(), str(picture), "幫助消化", "food", [], True)
    assert "PASS" in markdown and rows == []
    assert (
        "not run" in markdown and "clip" in markdown.lower()
    )  # the weights are absent here: said, not hidden


def test_screen_bad_input(ctx: AppContext, tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match="Upload an image"):
        tab.screen(ctx, tab.ClipCache(), None, "  ", "general", [], False)
    huge = tmp_path / "huge.mp4"
    with open(huge, "wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(gr.Error, match="limit is 50 MB"):
        tab.screen(ctx, tab.ClipCache(), str(huge), "", "general", [], False)
    with pytest.raises(gr.Error, match="Unknown product category"):
        tab.screen(ctx, tab.ClipCache(), None, "hello", "cars", [], False)


def test_screen_corrupt_upload_is_a_clear_error(ctx: AppContext, tmp_path: Path) -> None:
    pytest.importorskip("studio.compliance.visual")  # decoding images is the visual screen's
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image" * 20)
    with pytest.raises(gr.Error, match="broken.jpg"):
        tab.screen(ctx, tab.ClipCache(), str(broken), "", "general", [], False)


def test_reference_bank_add_screen_remove(ctx: AppContext, tmp_path: Path) -> None:
    pytest.importorskip("studio.compliance.refbank")
    logo = _picture(tmp_path / "logo.png", seed=3)
    with pytest.raises(gr.Error, match="owner"):
        tab.add_references(ctx, tab.ClipCache(), [str(logo)], " ", "", "", "protected", False)
    status, rows = tab.add_references(ctx, tab.ClipCache(), [str(logo)], "ACME", "all rights reserved", "", "protected",
                                      False)  # fmt: skip
    assert status.startswith("Added 1") and rows[0][1:4] == ["ACME", "protected", "all rights reserved"]
    markdown, found, _ = tab.screen(ctx, tab.ClipCache(), str(logo), "", "general", [], False)
    assert "BLOCK" in markdown and found[0][1] == "ip.near-copy" and found[0][4] == f"ref:{rows[0][0]}"
    status, rows = tab.remove_reference(ctx, rows[0][0])
    assert status.startswith("Removed") and rows == []
    with pytest.raises(gr.Error, match="no reference with id 99"):
        tab.remove_reference(ctx, 99)


def test_quarantine_and_override(ctx: AppContext, tmp_path: Path) -> None:
    part = _picture(tmp_path / "part.png")
    final = tmp_path / "final.png"
    with pytest.raises(Exception, match="blocked"):
        gate_output(part, final, ExportContext(kind="image", category="tobacco"), store=ctx.store)
    (row,) = tab.quarantine_rows()
    assert row[1] == "block" and row[2] == "tw-ads.tobacco.ban" and row[3] == final.name  # no server path
    with pytest.raises(gr.Error, match="reason"):
        tab.override(ctx, row[0], "ok", "amy")
    with pytest.raises(gr.Error, match="Pick"):
        tab.override(ctx, None, "a long enough reason", "amy")
    message, _choices, q_rows, audit, downloads = tab.override(
        ctx, row[0], "Approved by legal for the anti-smoking PSA", "amy"
    )
    assert message.startswith("Published") and final.is_file() and q_rows == []
    assert str(final.parent) not in message and downloads == [str(final)]  # a download, not a server path
    assert audit[0][2:5] == ["amy", "block", str(final)]


def test_tab_builds_with_stable_api_names_off_the_gpu_queue(ctx: AppContext) -> None:
    """Screening never waits behind a render: copy in the quick queue, files in the screening queue."""
    with gr.Blocks() as demo, gr.Tab("Compliance"):
        parts = tab.build_compliance_tab(ctx)
    fns = {fn.api_name: fn for fn in demo.fns.values()}
    assert {
        "screen",
        "screen_copy",
        "add_references",
        "remove_reference",
        "override",
        "refresh_quarantine",
    } <= set(fns)
    assert not any(fn.concurrency_id == GPU_QUEUE for fn in fns.values() if fn.api_name)
    assert fns["screen_copy"].concurrency_id == QUICK_QUEUE
    assert fns["screen"].concurrency_id == SCREEN_QUEUE and fns["screen"].concurrency_limit == 1
    for name in ("remove_reference", "override", "refresh_quarantine"):
        assert fns[name].concurrency_id == QUICK_QUEUE
    assert len(parts.lists) == 2 and parts.jobs  # the lists reload on page load and after each job
