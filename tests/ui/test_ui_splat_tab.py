"""The 3D Studio tab's handlers, called directly (no browser), and its wiring in a gr.Blocks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from studio.errors import InputError
from studio.store import Store
from studio.ui import splat_tab
from studio.ui.context import GPU_QUEUE, AppContext
from tests.splat.test_splat_io_synthetic import render_views, write_views


@pytest.fixture
def ctx(tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    return AppContext(store=Store(tmp_path / "studio.sqlite3"), home=tmp_path, outputs=outputs)


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    """Paths as gradio hands them over (temporary upload files)."""
    root = tmp_path_factory.mktemp("uploads")
    _, images, _ = render_views(12, 400, 300, seed=0)
    return [str(p) for p in write_views(root, images)]


FAST = {
    "steps": 10,
    "max_minutes": 0,
    "resolution": 64,
    "background": "white",
    "masks": "auto",
    "holdout": 4,
    "device": "cpu",
}


def run_build(ctx, uploads, **overrides):
    values = {**FAST, **overrides}
    return splat_tab.reconstruct_handler(
        ctx,
        uploads,
        None,
        values["steps"],
        values["max_minutes"],
        values["resolution"],
        values["background"],
        values["masks"],
        values["holdout"],
        values["device"],
        preview_every=5,
        **({"formats": values["formats"]} if "formats" in values else {}),
    )


def test_uploads_are_checked_and_copied(ctx, uploads, tmp_path, monkeypatch):
    with pytest.raises(InputError, match="Upload photos"):
        splat_tab.stage_uploads(ctx, None, None)
    with pytest.raises(InputError, match="not both"):
        splat_tab.stage_uploads(ctx, uploads[:2], uploads[0])
    source, job = splat_tab.stage_uploads(ctx, [{"path": uploads[0]}, uploads[1], uploads[1]], None)
    assert sorted(p.name for p in source.iterdir()) == ["view_00.jpg", "view_01.jpg", "view_01_1.jpg"]
    assert job.parent == ctx.outputs
    monkeypatch.setattr(splat_tab, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(InputError, match="the limit is"):
        splat_tab.stage_uploads(ctx, uploads[:1], None)


def test_check_capture_shows_the_report(ctx, uploads, tmp_path):
    text, data = splat_tab.check_capture_handler(ctx, uploads, None)
    assert "12 images, 12 usable (12 distinct)" in text and data["ok"] is True
    assert not any(ctx.outputs.iterdir())  # the staged copies are removed after the check
    same = [str(tmp_path / f"s{i}.jpg") for i in range(9)]
    image = Image.open(uploads[0])
    for i, path in enumerate(same):
        image.save(path, quality=80 + i)
    text, data = splat_tab.check_capture_handler(ctx, same, None)
    assert data["ok"] is False and "× Only 1 distinct usable image" in text


@pytest.fixture(scope="module")
def built(tmp_path_factory, uploads):
    """One Build through the handler (12 photos, 10 steps at 64 px, the default preview cadence), shared below."""
    home = tmp_path_factory.mktemp("ui_home")
    (home / "outputs").mkdir()
    ctx = AppContext(store=Store(home / "studio.sqlite3"), home=home, outputs=home / "outputs")
    progress_calls = []

    class Progress:
        def __call__(self, fraction, desc=None):
            progress_calls.append((fraction, desc))

    gen = splat_tab.reconstruct_handler(
        ctx, uploads, None, 10, 0, 64, "white", "auto", 4, "cpu", progress=Progress()
    )
    return ctx, list(gen), progress_calls


def test_build_streams_status_and_previews_then_the_model(built):
    ctx, outputs, progress_calls = built
    *updates, final = outputs
    assert updates and all(u[2] is None and u[3] == [] for u in updates)  # no model until the end
    previews = {id(u[1]): u[1] for u in updates if u[1] is not None}.values()
    assert all(isinstance(p, np.ndarray) and p.dtype == np.uint8 for p in previews)
    # a 10-step run shows ~PREVIEWS_PER_RUN previews (the trainer's default, every 250 steps, showed none)
    assert len(previews) == 10
    status, _preview, viewer, downloads, model = final
    assert status.startswith("**Done**") and "12/12 images posed" in status
    # the synthetic box stands on a textured ground: no masks, and the user is told what that means
    assert "▲ No masks" in status and "chosen background #FFFFFF" in status
    assert viewer["path"].endswith("viewer.splat") and Path(viewer["path"]).is_file()
    alpha, beta, radius = viewer["camera_position"]  # the framed copy's camera (focus.viewer_framing)
    assert 0 < beta < 90 and radius > 1
    update = splat_tab.viewer_update(viewer)
    assert update["value"] == viewer["path"] and update["camera_position"] == (alpha, beta, radius)
    assert {Path(d).suffix for d in downloads} == {".safetensors", ".ply", ".splat", ".spz", ".json"}
    assert Path(model).name == "model.safetensors" and Path(model).is_file()
    fractions = [f for f, _ in progress_calls]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    (render,) = ctx.store.renders(kind="splat")
    assert render.status == "done"


def test_the_user_chooses_the_export_formats(ctx, uploads):
    *_, final = run_build(ctx, uploads, formats=["ply"])
    downloads = final[3]
    assert {Path(d).suffix for d in downloads} == {".safetensors", ".ply", ".json"}, downloads


def test_use_in_ad_renders_a_spin_asset(built):
    ctx, outputs, _ = built
    model = outputs[-1][4]
    message, video = splat_tab.use_in_ad_handler(ctx, model, seconds=1, size=64, device="cpu")
    assert Path(video).suffix == ".mp4" and Path(video).is_file() and "asset #" in message
    rows = ctx.store.assets(kind="spin")
    assert [(str(r.path), r.width, r.height) for r in rows] == [(video, 64, 64)]
    # gated and signed like `studio splat render`'s spin (it was published unscreened before)
    from studio.compliance.provenance import read_manifest

    report = json.loads(Path(video + ".compliance.json").read_text(encoding="utf-8"))
    assert report["verdict"] in ("pass", "warn") and report["media"]["name"] == Path(video).name
    assert read_manifest(video).verdict == report["verdict"] and "compliance:" in message
    with pytest.raises(InputError, match="Build a 3D model first"):
        splat_tab.use_in_ad_handler(ctx, "")


def test_closing_the_generator_cancels_the_run(ctx, uploads):
    gen = run_build(ctx, uploads, steps=200)
    first = next(gen)  # the first status update: the run is under way
    assert "%" in first[0]
    gen.close()  # what Gradio does on the Cancel button
    (render,) = ctx.store.renders(kind="splat")
    assert render.status == "cancelled"
    assert ctx.store.models() == []
    assert not list(ctx.outputs.glob("*/model/model.*"))


def test_bad_uploads_raise_gradio_errors(ctx, tmp_path):
    rng = np.random.default_rng(0)
    noise = [
        str(p)
        for p in write_views(
            tmp_path / "noise", [(rng.random((300, 400, 3)) * 255).astype(np.uint8) for _ in range(9)]
        )
    ]
    with pytest.raises(gr.Error, match="None of the 9 images could be placed"):
        list(run_build(ctx, noise))
    assert ctx.store.renders(kind="splat")[0].status == "failed"


def test_tab_builds_with_the_gpu_queue(ctx):
    with gr.Blocks() as demo, gr.Tab("3D Studio"):
        splat_tab.build_splat_tab(ctx)
    deps = demo.config["dependencies"]
    by_name = {d.get("api_name"): d for d in deps}
    assert {"splat_check", "splat_build", "splat_use_in_ad"} <= set(by_name)
    for name in ("splat_build", "splat_use_in_ad"):
        assert demo.fns[by_name[name]["id"]].concurrency_id == GPU_QUEUE
        assert demo.fns[by_name[name]["id"]].concurrency_limit == 1
    assert any(d.get("cancels") for d in deps)  # the Cancel button cancels the build
    # the 3D viewer is set by a plain event after the build, not by the streaming build (gradio's Model3D
    # drops a model that arrives as the last update of a stream, and the viewer stayed empty)
    viewer_ids = {b._id for b in demo.blocks.values() if isinstance(b, gr.Model3D)}
    assert viewer_ids and not viewer_ids & set(by_name["splat_build"]["outputs"])
    assert any(
        viewer_ids & set(d["outputs"]) and d["trigger_after"] == by_name["splat_build"]["id"] for d in deps
    )
