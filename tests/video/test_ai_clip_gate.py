"""Standalone AI clips (``studio video i2v|t2v``) go through the export gate like every output: the licence rules
read the engine's licence for the declared use (an LTX clip for a company above LTX's USD 10M cap is blocked and
waits in the quarantine with its sidecar), the visible AI label is drawn where the licence requires it, C2PA
marks the clip AI-generated, and a faithful clip whose fidelity cannot be measured is reviewed (fail closed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio.compliance.gate import list_quarantine
from studio.compliance.provenance import read_manifest
from studio.errors import ComplianceError
from studio.video.ai_clip import ClipJob, make_ai_clip


@pytest.fixture(scope="session")
def ltx_folder(tiny_pipes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_ltx") / "ltx_t2v"
    tiny_pipes["ltx_t2v"].save_pretrained(folder)
    return folder


def _ltx_job(folder, out, size=(32, 32), **kw) -> ClipJob:
    return ClipJob(task="t2v", model=str(folder), out=out, prompt="tea box on a table", size=size, frames=9,
                   steps=2, seed=2, device="cpu", **kw)  # fmt: skip


def test_an_ltx_clip_above_the_revenue_cap_is_blocked_and_quarantined(tiny_pipes, ltx_folder, tmp_path):
    out = tmp_path / "broll.mp4"
    job = _ltx_job(ltx_folder, out, company_revenue_usd=2e7)
    with pytest.raises(ComplianceError, match=r"licence\.revenue-cap"):
        make_ai_clip(job, pipe=tiny_pipes["ltx_t2v"])
    assert list(tmp_path.iterdir()) == []  # nothing published, nothing staged left behind
    (item,) = list_quarantine()
    assert item.file.name == "broll.mp4" and item.context["models"] == ["ltx-video"]
    sidecar = json.loads((item.folder / "broll.json").read_text(encoding="utf-8"))
    assert sidecar["engine"] == "ltx-video" and sidecar["licence"] == "ltxv-open-weights"


def test_an_ltx_clip_gets_the_label_its_licence_requires(tiny_pipes, ltx_folder, tmp_path):
    out = tmp_path / "broll.mp4"
    size = (64, 64)  # the badge (12 px type at least) spans rows 5..28 of 64
    pipe = tiny_pipes["ltx_t2v"]
    plain = make_ai_clip(_ltx_job(ltx_folder, tmp_path / "plain.mp4", size, screen=False), pipe=pipe)
    result = make_ai_clip(_ltx_job(ltx_folder, out, size, company_revenue_usd=1e6), pipe=pipe)
    assert result.verdict == "warn" and result.path == out  # published, with the label it was not asked for
    report = json.loads((tmp_path / "broll.mp4.compliance.json").read_text(encoding="utf-8"))
    assert [f["rule"] for f in report["findings"]] == ["gate.ai-label"]
    assert "LTXV Open Weights" in report["findings"][0]["message"]
    manifest = read_manifest(out)
    assert manifest.ai_generated is True and manifest.digital_source_type.endswith("trainedAlgorithmicMedia")
    assert manifest.compliance["visible_label"] is True and manifest.compliance["models"] == ["ltx-video"]
    # the label's pixels: the same seed without the gate differs only where the badge is (top of the frame)
    from studio.media.decode import read_frames

    diff = np.abs(read_frames(out).astype(int) - read_frames(plain.path).astype(int)).mean(axis=(0, 3))
    print(f"mean |difference| in the badge's rows {diff[8:24].mean():.1f}, below it {diff[40:].mean():.1f}")
    assert diff[8:24].mean() > 3 * diff[40:].mean() and diff[8:24].mean() > 10
    # --no-screen: still C2PA (AI-generated), and a report saying it was not screened
    assert plain.verdict == "unscreened" and read_manifest(plain.path).ai_generated is True
    unscreened = json.loads((tmp_path / "plain.mp4.compliance.json").read_text(encoding="utf-8"))
    assert unscreened["verdict"] == "unscreened"
    assert json.loads((tmp_path / "broll.json").read_text(encoding="utf-8"))["compliance"] == "warn"


def test_a_faithful_clip_whose_fidelity_cannot_be_measured_is_reviewed(tiny_pipes, tiny_folders, tmp_path):
    # a product a few pixels wide: too small to measure, so the gate must not pass it unseen
    rgba = np.zeros((60, 60, 4), np.uint8)
    rgba[28:31, 28:31] = (200, 40, 40, 255)
    Image.fromarray(rgba).save(tmp_path / "speck.png")
    job = ClipJob(task="i2v", model=str(tiny_folders["wan_ti2v"]), out=tmp_path / "clip.mp4",
                  image=tmp_path / "speck.png", product="tea box", size=(64, 64), frames=5, steps=2, seed=1,
                  device="cpu", move="static")  # fmt: skip
    result = make_ai_clip(job, pipe=tiny_pipes["wan_ti2v"])
    assert result.verdict == "review" and "error" in result.fidelity
    assert any("could not be measured" in m for m in result.messages)
    report = json.loads((tmp_path / "clip.mp4.compliance.json").read_text(encoding="utf-8"))
    (finding,) = [f for f in report["findings"] if f["rule"].startswith("ai.")]
    assert (finding["rule"], finding["action"], finding["reference"]) == (
        "ai.fidelity-unmeasured",
        "review",
        "clip.json",
    )
