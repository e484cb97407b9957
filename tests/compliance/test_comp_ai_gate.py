"""AI clips at the export gate: their sidecars (a fidelity below its threshold, a missing record, an unmeasured
fidelity: review), the engines' licences read from the engine registry (an LTX clip above the USD 10M revenue
cap: block; an unknown model: review), and the visible AI label drawn where a licence, the platform or the
territory requires it, checked in the decoded frames."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from studio.compliance.ai_clips import FIDELITY_MIN_PSNR, clip_records, read_clip_record
from studio.compliance.gate import (
    ExportContext,
    ad_context,
    gate_output,
    list_quarantine,
    release_quarantined,
)
from studio.compliance.licences import check_licences, load_registry, registry_path
from studio.compliance.provenance import label_image, label_position, read_manifest
from studio.errors import ComplianceError, ConfigError
from studio.store import Store

BACKGROUND = (40, 90, 160)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite3")


def _flat_video(path: Path, size: tuple[int, int] = (360, 640), seconds: float = 0.5) -> Path:
    from studio.media import ffmpeg_exe

    r, g, b = BACKGROUND
    subprocess.run(
        [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
         f"color=c=0x{r:02x}{g:02x}{b:02x}:size={size[0]}x{size[1]}:rate=24", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _sidecar(path: Path, *, engine: str = "wan2.2-ti2v-5b", faithful: bool = True, fidelity=None, task="i2v"):
    data = {
        "generator": "studio AI motion",
        "engine": engine,
        "model": "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
        "task": task,
        "settings": {"faithful": faithful, "move": "push-in"},
        "fidelity": fidelity,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


GOOD = {"psnr_db_min": 41.3, "ssim_min": 0.98, "threshold_psnr_db": 35.0, "passed": True}
LOW = {"psnr_db_min": 31.2, "ssim_min": 0.91, "threshold_psnr_db": 35.0, "passed": False}


def _findings(result_or_report, prefix: str = "ai.") -> list:
    report = getattr(result_or_report, "report", result_or_report)
    return [f for f in report.findings if f.rule.startswith(prefix)]


def test_the_gate_reviews_a_clip_below_its_fidelity_threshold(tmp_path: Path, store: Store) -> None:
    clip = _flat_video(tmp_path / ".ad.part.mp4")
    low = read_clip_record(_sidecar(tmp_path / "shot-1.json", fidelity=LOW))
    good = read_clip_record(_sidecar(tmp_path / "shot-2.json", fidelity=GOOD))
    context = ExportContext(kind="ad", ai_clips=(good, low), models=("wan2.2-ti2v-5b",))
    result = gate_output(clip, tmp_path / "ad.mp4", context, store=store)
    assert result.report.verdict == "review"  # published for a person to check, never a silent pass
    (finding,) = _findings(result)
    assert (finding.rule, finding.action, finding.reference) == (
        "ai.product-fidelity",
        "review",
        "shot-1.json",
    )
    assert (finding.score, finding.threshold) == (31.2, 35.0)
    assert "shot-1.json" in finding.message and "31.20 dB" in finding.message and "35 dB" in finding.message
    manifest = read_manifest(clip)
    assert manifest.ai_generated is True and manifest.compliance["verdict"] == "review"
    assert [c["sidecar"] for c in manifest.compliance["ai_clips"]] == ["shot-2.json", "shot-1.json"]
    # a clip recording a laxer threshold of its own is still judged against the project's
    lax = read_clip_record(_sidecar(tmp_path / "lax.json", fidelity={**LOW, "threshold_psnr_db": 30.0}))
    (finding,) = _findings(gate_output(_flat_video(tmp_path / "b.mp4"), tmp_path / "B.mp4",
                                       ExportContext(kind="ad", ai_clips=(lax,)), store=store))  # fmt: skip
    assert finding.rule == "ai.product-fidelity" and finding.threshold == FIDELITY_MIN_PSNR


def test_missing_or_unreadable_records_and_unmeasured_fidelity_are_reviewed(tmp_path: Path) -> None:
    from studio.compliance.ai_clips import clip_findings

    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    _sidecar(tmp_path / "nofid.json", fidelity=None)
    _sidecar(tmp_path / "err.json", fidelity={"error": "the product region is too small", "passed": False})
    _sidecar(tmp_path / "nan.json", fidelity={**GOOD, "psnr_db_min": "NaN"})
    _sidecar(tmp_path / "broll.json", faithful=False, fidelity=None, task="t2v")
    records = clip_records([tmp_path / "gone.json", tmp_path / "broken.json", tmp_path / "nofid.json",
                            tmp_path / "err.json", tmp_path / "nan.json", tmp_path / "broll.json"])  # fmt: skip
    rules = [(f.rule, f.action, f.reference) for f in clip_findings(records)]
    assert rules == [
        ("ai.clip-record-missing", "review", "gone.json"),
        ("ai.clip-record-missing", "review", "broken.json"),
        ("ai.fidelity-unmeasured", "review", "nofid.json"),
        ("ai.fidelity-unmeasured", "review", "err.json"),
        ("ai.fidelity-unmeasured", "review", "nan.json"),
    ]  # B-roll from a prompt has no product to keep: nothing to find
    assert "too small" in clip_findings(records[3:4])[0].message
    # a photo clip made without faithful mode: the model redrew the product
    _sidecar(tmp_path / "free.json", faithful=False, fidelity=None)
    (free,) = clip_findings(clip_records([tmp_path / "free.json"]))
    assert (free.rule, free.action) == ("ai.product-redrawn", "warn")
    # the record list as a render writes it: a list, a JSON string, one path per line; an MP4 names its sidecar
    assert clip_records(None) == clip_records("") == ()
    assert [r.name for r in clip_records(json.dumps([str(tmp_path / "nofid.json")]))] == ["nofid.json"]
    assert [r.name for r in clip_records(f"{tmp_path / 'err.json'}\n{tmp_path / 'free.mp4'}")] == [
        "err.json",
        "free.json",
    ]
    assert clip_records("[oops")[0].error is not None


def test_ad_context_reads_the_ai_clips_of_the_timeline(tmp_path: Path, store: Store) -> None:
    from studio.spec import Compliance
    from studio.video.timeline import Shot, Timeline

    _sidecar(tmp_path / "shot.json", fidelity=GOOD)
    timeline = Timeline(width=360, height=640, fps=30, shots=(Shot(2.0, ()),))
    timeline.meta.update(
        models="wan2.2-ti2v-5b, wan2.1-t2v-1.3b",
        ai_clips=[str(tmp_path / "shot.json"), str(tmp_path / "lost.json")],
        platform="youtube",
    )  # fmt: skip
    spec = SimpleNamespace(category="general", compliance=Compliance(company_revenue_usd=1e6))
    ctx = ad_context(timeline, spec)
    assert (
        ctx.models == ("wan2.2-ti2v-5b", "wan2.1-t2v-1.3b") and ctx.ai_generated and ctx.platform == "youtube"
    )
    assert [c.name for c in ctx.ai_clips] == ["shot.json", "lost.json"] and ctx.ai_clips[1].error
    result = gate_output(_flat_video(tmp_path / ".a.part.mp4"), tmp_path / "a.mp4", ctx, store=store)
    assert result.report.verdict == "review"
    assert [(f.rule, f.reference) for f in _findings(result)] == [("ai.clip-record-missing", "lost.json")]
    # an ad whose only AI is in a clip's sidecar is still AI-generated
    only = dataclasses.replace(timeline, meta={"ai_clips": str(tmp_path / "shot.json")})
    ctx = ad_context(only, spec)
    assert ctx.ai_generated and ctx.models == () and ctx.ai_clips[0].engine == "wan2.2-ti2v-5b"


# -- licences from the engine registry -------------------------------------------------------------------------
def test_engine_licences_are_read_from_the_engine_registry() -> None:
    from studio.video.engines import ENGINES

    listed = {m["id"] for m in yaml.safe_load(registry_path().read_text(encoding="utf-8"))["models"]}
    assert not listed & {e.model_id for e in ENGINES.values()}  # one copy of each licence fact
    reg = load_registry()
    for engine in ENGINES.values():
        entry = reg.resolve(engine.name)
        assert entry is not None and entry.id == engine.model_id and entry.licence == engine.licence
        assert entry.licence_source == engine.licence_source and entry.engine == engine.name
    assert reg.licence_of_model("ltx-video").revenue_cap_usd == 10_000_000
    assert reg.licence_of_model("ltx-video").disclosure == "label"
    # the registry is the source: change an engine's licence there and the rules follow
    apache_ltx = dataclasses.replace(ENGINES["ltx-video"], licence="apache-2.0")
    other = load_registry(engines={**ENGINES, "ltx-video": apache_ltx})
    assert check_licences(["ltx-video"], [], 5e7, "TW", registry=other) == []
    with pytest.raises(ConfigError, match="does not define"):
        load_registry(engines={"x": dataclasses.replace(apache_ltx, licence="no-such-licence")})


def test_an_engine_listed_in_licences_yaml_too_is_refused(tmp_path: Path) -> None:
    doc = yaml.safe_load(registry_path().read_text(encoding="utf-8"))
    doc["models"].append(
        {"id": "wan2.2-ti2v-5b", "name": "W", "kind": "video", "hub_id": "a/b", "licence": "apache-2.0"}
    )
    path = tmp_path / "licences.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="engine registry"):
        load_registry(path)


def test_an_ltx_clip_above_the_revenue_cap_is_blocked_by_engine_name(tmp_path: Path, store: Store) -> None:
    (cap,) = check_licences(["ltx-video"], [], 2e7, "TW", visible_label=True)
    assert (cap.rule, cap.action, cap.reference) == ("licence.revenue-cap", "block", "ltx-video")
    assert (cap.score, cap.threshold) == (2e7, 1e7) and "10,000,000" in cap.message
    assert "LTX-Video-Open-Weights-License" in cap.legal  # the engine's own licence source
    assert check_licences(["ltx-video"], [], 9.9e6, "TW", visible_label=True) == []
    assert [f.rule for f in check_licences(["ltx-video"], [], None, "TW", visible_label=True)] == [
        "licence.revenue-undeclared"
    ]
    # at the gate, with the engine named only by the clip's sidecar (as an ad records it)
    record = read_clip_record(_sidecar(tmp_path / "ltx.json", engine="ltx-video", faithful=False, task="t2v"))
    context = ExportContext(kind="ad", ai_clips=(record,), company_revenue_usd=2e7)
    with pytest.raises(ComplianceError, match=r"licence\.revenue-cap"):
        gate_output(_flat_video(tmp_path / ".ad.part.mp4"), tmp_path / "ad.mp4", context, store=store)
    assert not (tmp_path / "ad.mp4").exists()
    (item,) = list_quarantine()
    assert item.context["models"] == ["ltx-video"] and item.context["draw_label"] is True


def test_an_unknown_model_is_reviewed(tmp_path: Path, store: Store) -> None:
    context = ExportContext(kind="ad", models=("my-finetune",))
    result = gate_output(_flat_video(tmp_path / ".a.part.mp4"), tmp_path / "a.mp4", context, store=store)
    assert result.report.verdict == "review"
    assert [(f.rule, f.reference) for f in result.report.findings if f.detector == "licence"] == [
        ("licence.unknown-model", "my-finetune")
    ]


# -- the visible AI label where it is required -----------------------------------------------------------------
def _label_box(width: int, height: int) -> tuple[int, int, int, int]:
    badge = label_image(width, height)
    x, y = label_position(width, height, badge.size)
    return x, y, x + badge.width, y + badge.height


def _expected_frame(width: int, height: int) -> np.ndarray:
    from PIL import Image

    base = Image.new("RGBA", (width, height), (*BACKGROUND, 255))
    badge = label_image(width, height)
    base.alpha_composite(badge, label_position(width, height, badge.size))
    return np.asarray(base.convert("RGB")).astype(np.float64)


def _label_in_decoded(path: Path) -> float:
    """PSNR (dB) of the label's box in the decoded MP4's middle frame against the badge drawn on the background."""
    from studio.media.decode import read_frames

    frames = read_frames(path)
    frame = frames[len(frames) // 2].astype(np.float64)
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = _label_box(width, height)
    want = _expected_frame(width, height)[y0:y1, x0:x1]
    mse = float(((frame[y0:y1, x0:x1] - want) ** 2).mean())
    return 10 * np.log10(255.0**2 / max(mse, 1e-9))


@pytest.mark.parametrize(
    "why, context",
    [
        ("licence", ExportContext(kind="clip", models=("ltx-video",), company_revenue_usd=1e6)),
        ("platform", ExportContext(kind="ad", models=("wan2.2-ti2v-5b",), platform="tiktok")),
        ("territory", ExportContext(kind="ad", models=("wan2.1-t2v-1.3b",), territory="CN")),
    ],
)
def test_the_ai_label_is_drawn_where_required_without_being_asked(tmp_path, store, why, context) -> None:
    assert context.visible_label is False  # the user did not ask
    clip = _flat_video(tmp_path / ".clip.part.mp4")
    result = gate_output(clip, tmp_path / "clip.mp4", context, store=store)
    assert _label_in_decoded(clip) > 25.0  # the badge's own pixels, in the decoded frames
    (note,) = [f for f in result.report.findings if f.rule == "gate.ai-label"]
    assert note.action == "warn" and why in note.message
    assert not [f for f in result.report.findings if f.rule == "licence.disclosure"]  # the duty is met
    assert read_manifest(clip).compliance["visible_label"] is True


def test_no_label_where_nothing_requires_it_and_the_user_did_not_ask(tmp_path: Path, store: Store) -> None:
    from studio.media.decode import read_frames

    clip = _flat_video(tmp_path / ".clip.part.mp4")
    context = ExportContext(kind="ad", models=("wan2.2-ti2v-5b",), platform="youtube", territory="TW")
    result = gate_output(clip, tmp_path / "clip.mp4", context, store=store)
    assert _label_in_decoded(clip) < 20.0
    frame = read_frames(clip)[3].astype(int)
    assert np.abs(frame - BACKGROUND).max() < 8  # the flat picture, untouched
    assert result.report.verdict == "pass" and read_manifest(clip).compliance["visible_label"] is False
    # not AI at all: no label even on TikTok
    plain = _flat_video(tmp_path / ".plain.part.mp4")
    gate_output(plain, tmp_path / "plain.mp4", ExportContext(kind="ad", platform="tiktok"), store=store)
    assert _label_in_decoded(plain) < 20.0


def test_a_released_clip_gets_the_label_it_requires(tmp_path: Path, store: Store) -> None:
    context = ExportContext(kind="clip", models=("ltx-video",), company_revenue_usd=5e7)
    with pytest.raises(ComplianceError):
        gate_output(_flat_video(tmp_path / ".c.part.mp4"), tmp_path / "c.mp4", context, store=store)
    (item,) = list_quarantine()
    released = release_quarantined(
        item.folder, "Lightricks commercial licence signed 2026-11-30", store=store
    )
    assert released == tmp_path / "c.mp4" and _label_in_decoded(released) > 25.0
    assert read_manifest(released).compliance["visible_label"] is True


def test_label_requirements_name_their_reasons_and_a_bad_rules_file_names_itself(tmp_path: Path) -> None:
    from studio.compliance.disclosure import label_requirements, load_disclosure

    rules = load_disclosure()
    assert rules.verified is False and "tiktok" in rules.platforms and "CN" in rules.territories
    assert (
        label_requirements(("wan2.2-ti2v-5b",), platform="youtube", territory="TW", ai_generated=True) == []
    )
    assert (
        label_requirements((), platform="tiktok", territory="CN", ai_generated=False) == []
    )  # no AI, no duty
    (licence,) = label_requirements(("ltx-video",), platform=None, territory="TW", ai_generated=True)
    assert "ltx-video (LTXV Open Weights License)" in licence
    both = label_requirements(("wan2.1-t2v-1.3b",), platform="TikTok", territory="cn", ai_generated=True)
    assert [r.split(":")[0] for r in both] == ["the platform tiktok", "the territory CN"]
    bad = tmp_path / "disclosure.yaml"
    bad.write_text(
        "version: 1\nplatforms:\n  - {id: tiktok, visible_label: maybe, reason: x}\n", encoding="utf-8"
    )
    with pytest.raises(
        ConfigError, match=r"disclosure\.yaml: invalid disclosure rules: platforms\.0\.visible_label"
    ):
        load_disclosure(bad)


def test_a_required_label_on_a_file_without_pictures_is_a_review(tmp_path: Path, store: Store) -> None:
    tmp = tmp_path / "model.part.ply"
    tmp.write_bytes(b"ply\nformat binary_little_endian 1.0\nelement vertex 0\nend_header\n")
    context = ExportContext(kind="splat", ai_generated=True, platform="tiktok")
    result = gate_output(tmp, tmp_path / "model.ply", context, store=store)
    (finding,) = [f for f in result.report.findings if f.rule == "gate.ai-label"]
    assert finding.action == "review" and ".ply file cannot carry one" in finding.message
    assert tmp.read_bytes().startswith(b"ply\n")  # nothing drawn into it
