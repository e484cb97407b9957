"""The export gate: screen, report, quarantine or sign; overrides in the audit trail; screen_text/screen_file."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from studio.compliance.gate import (
    ExportContext,
    TimedText,
    ad_context,
    gate_output,
    list_quarantine,
    overrides,
    parse_srt,
    release_quarantined,
    screen_file,
    screen_text,
)
from studio.compliance.provenance import read_manifest
from studio.compliance.rules import load_pack
from studio.errors import ComplianceError, InputError
from studio.store import Store

REASON = "Legal reviewed the wording on 2026-11-20 (ticket LEG-42)"


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite3")


def _still(path: Path) -> Path:
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (200, 160, 3), dtype=np.uint8)).save(path, "JPEG")
    return path


def _row_count(store: Store) -> int:
    return len(store.overrides())


def test_clean_output_is_reported_and_signed(tmp_path: Path, store: Store) -> None:
    tmp = _still(tmp_path / ".ad.part.jpg")
    final = tmp_path / "out" / "ad.jpg"
    ctx = ExportContext(kind="image", texts=(TimedText("幫助消化，調整體質"),), category="food")
    result = gate_output(tmp, final, ctx, store=store)
    assert result.report.verdict == "pass" and result.signed and result.quarantined is None
    assert tmp.is_file() and not final.exists()  # the caller publishes
    assert not result.report_path.exists()  # staged next to the signed file until it is published
    staged = json.loads(tmp.with_name(tmp.name + ".compliance.json").read_text(encoding="utf-8"))
    assert staged["media"]["name"] == "ad.jpg" and len(staged["media"]["sha256"]) == 64
    summary = read_manifest(tmp)
    result.publish(tmp, final)
    saved = json.loads(result.report_path.read_text(encoding="utf-8"))
    assert result.report_path == final.with_name("ad.jpg.compliance.json") and not tmp.exists()
    assert saved["verdict"] == "pass" and saved["packs"] == {
        "tw-ads": load_pack("tw-ads").version,
        "platform-general": 2,
        "ip": 1,
    }
    assert "licence" in saved["checks_run"] and "phrase" in saved["checks_run"]
    if importlib.util.find_spec("studio.compliance.report_html") is not None:
        assert result.html_path == final.with_name("ad.jpg.compliance.html") and result.html_path.is_file()
        assert "PASS" in result.html_path.read_text(encoding="utf-8")
    assert summary.validation_state == "Trusted" and summary.verdict == "pass"
    assert summary.ai_generated is False and summary.compliance["overridden"] is False
    assert _row_count(store) == 0


def test_blocked_output_is_quarantined_with_its_report(tmp_path: Path, store: Store) -> None:
    tmp = _still(tmp_path / ".ad.part.jpg")
    final = tmp_path / "out" / "ad.jpg"
    ctx = ExportContext(kind="image", texts=(TimedText("三天降血壓", 0, 3),), category="health_food")
    with pytest.raises(ComplianceError, match=r"tw-ads\.food\.medical-efficacy") as info:
        gate_output(tmp, final, ctx, store=store)
    assert "quarantine" in info.value.message and "override" in info.value.hint
    assert not tmp.exists() and not final.exists()
    (item,) = list_quarantine()
    assert (
        item.file.name == "ad.jpg"
        and item.final_path == final
        and item.rules == ["tw-ads.food.medical-efficacy"]
    )
    assert json.loads((item.folder / "report.json").read_text(encoding="utf-8"))["verdict"] == "block"
    assert read_manifest(item.file).found is False  # blocked files are not signed
    # releasing needs a real reason, then records it, signs and publishes
    with pytest.raises(InputError, match="reason"):
        release_quarantined(item.folder, "ok", store=store)
    published = release_quarantined(item.folder, REASON, store=store, user="amy")
    assert published == final and final.is_file() and not item.folder.exists()
    (row,) = overrides(store)
    assert (row.verdict, row.reason, row.user, row.file) == ("block", REASON, "amy", str(final))
    summary = read_manifest(final)
    assert summary.verdict == "block" and summary.compliance["overridden"] is True
    assert summary.compliance["override_id"] == row.id
    assert list_quarantine() == []


def test_release_refuses_paths_outside_the_quarantine(tmp_path: Path, store: Store) -> None:
    with pytest.raises(InputError):
        release_quarantined("../../etc", REASON, store=store)
    with pytest.raises(InputError, match="not in the quarantine"):
        release_quarantined(tmp_path, REASON, store=store)


def test_override_in_the_context_is_audited_and_signed(tmp_path: Path, store: Store) -> None:
    tmp = _still(tmp_path / ".ad.part.jpg")
    ctx = ExportContext(
        kind="image",
        texts=(TimedText("降血壓"),),
        category="food",
        override_reason=REASON,
        user="ben",
        ai_generated=True,
        models=("wan2.1-t2v-1.3b",),
    )
    result = gate_output(tmp, tmp_path / "ad.jpg", ctx, store=store)
    assert result.report.verdict == "block" and result.override_id is not None and result.signed
    (row,) = store.overrides()
    assert (row.verdict, row.reason, row.user) == ("block", REASON, "ben")
    assert row.report["findings"][0]["rule"] == "tw-ads.food.medical-efficacy"
    summary = read_manifest(tmp)
    assert summary.ai_generated is True and summary.compliance["models"] == ["wan2.1-t2v-1.3b"]
    with pytest.raises(InputError, match="at least 8 characters"):
        gate_output(tmp, tmp_path / "b.jpg", dataclasses.replace(ctx, override_reason="fine"), store=store)


def test_alcohol_warnings_tobacco_ban_and_licences_decide(tmp_path: Path, store: Store) -> None:
    warnings = (TimedText("禁止酒駕", 0, 10), TimedText("飲酒過量，有害健康", 0, 10))
    ok = ExportContext(kind="ad", texts=warnings, duration=10.0, category="alcohol")
    assert (
        gate_output(_still(tmp_path / "a.jpg"), tmp_path / "A.jpg", ok, store=store).report.verdict == "pass"
    )
    short = dataclasses.replace(ok, texts=(warnings[0], TimedText("飲酒過量，有害健康", 0, 4)))
    with pytest.raises(ComplianceError, match="required-warnings"):
        gate_output(_still(tmp_path / "b.jpg"), tmp_path / "B.jpg", short, store=store)
    tobacco = ExportContext(kind="image", category="tobacco")
    with pytest.raises(ComplianceError, match=r"tw-ads\.tobacco\.ban"):
        gate_output(_still(tmp_path / "c.jpg"), tmp_path / "C.jpg", tobacco, store=store)
    research = ExportContext(kind="image", models=("ltx-video-0.9.1",), ai_generated=True, visible_label=True)
    with pytest.raises(ComplianceError, match=r"licence\.non-commercial"):
        gate_output(_still(tmp_path / "d.jpg"), tmp_path / "D.jpg", research, store=store)
    big = ExportContext(
        kind="image", models=("ltx-video-0.9.8",), company_revenue_usd=5e7, visible_label=True
    )
    with pytest.raises(ComplianceError, match=r"licence\.revenue-cap"):
        gate_output(_still(tmp_path / "e.jpg"), tmp_path / "E.jpg", big, store=store)
    assert len(list_quarantine()) == 4


def test_visible_label_is_drawn_for_ai_outputs(tmp_path: Path, store: Store) -> None:
    tmp = tmp_path / "a.png"
    Image.new("RGB", (540, 960), (10, 10, 10)).save(tmp)
    ctx = ExportContext(kind="image", ai_generated=True, visible_label=True)
    result = gate_output(tmp, tmp_path / "A.png", ctx, store=store)
    pixels = np.asarray(Image.open(tmp).convert("RGB"))
    assert (pixels != 10).any() and result.signed
    assert read_manifest(tmp).compliance["visible_label"] is True


def test_splat_without_previews_is_not_signed_and_says_why(tmp_path: Path, store: Store) -> None:
    tmp = tmp_path / "model.part.ply"
    tmp.write_bytes(b"ply\nformat binary_little_endian 1.0\nelement vertex 0\nend_header\n")
    result = gate_output(tmp, tmp_path / "model.ply", ExportContext(kind="splat"), store=store)
    assert result.report.verdict == "pass" and result.signed is False
    assert "no pictures" in result.report.checks_skipped["visual"]


def test_gate_bad_input(tmp_path: Path, store: Store) -> None:
    with pytest.raises(InputError, match="does not exist"):
        gate_output(tmp_path / "none.jpg", tmp_path / "x.jpg", ExportContext(kind="image"), store=store)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        gate_output(empty, tmp_path / "x.jpg", ExportContext(kind="image"), store=store)
    still = _still(tmp_path / "s.jpg")
    with pytest.raises(InputError, match="Unknown export kind"):
        gate_output(still, tmp_path / "x.jpg", ExportContext(kind="poster"), store=store)
    with pytest.raises(InputError, match="Unknown product category"):
        gate_output(still, tmp_path / "x.jpg", ExportContext(kind="image", category="cars"), store=store)


def test_ad_context_reads_the_timeline_and_spec() -> None:
    from studio.spec import Compliance
    from studio.video.timeline import Shot, TextLayer, Timeline

    timeline = Timeline(
        width=1080,
        height=1920,
        fps=30,
        shots=(
            Shot(4.0, (TextLayer(text="禁止酒駕", lines=("禁止酒駕",)),)),
            Shot(6.0, (TextLayer(text="好喝", lines=("好喝",), start=1.0, end=3.0),)),
        ),
    )
    spec = SimpleNamespace(category="alcohol", compliance=Compliance(company_revenue_usd=1e6, territory="JP"))
    ctx = ad_context(timeline, spec)
    assert ctx.kind == "ad" and ctx.duration == pytest.approx(10.0) and ctx.category == "alcohol"
    assert ctx.texts == (TimedText("禁止酒駕", 0.0, 4.0), TimedText("好喝", 5.0, 7.0))
    assert (ctx.company_revenue_usd, ctx.territory, ctx.models, ctx.ai_generated) == (1e6, "JP", (), False)


def test_screen_text_and_text_files(tmp_path: Path) -> None:
    report = screen_text("改善體質，降血壓", category="food")
    assert report.verdict == "block" and report.file == "<text>"
    assert report.rules() == ["tw-ads.food.medical-efficacy", "tw-ads.food.exaggerated"]
    with pytest.raises(InputError, match="empty"):
        screen_text("   ")
    srt = tmp_path / "ad.srt"
    srt.write_text(
        "1\n00:00:00,000 --> 00:00:10,000\n禁止酒駕\n\n2\n00:00:00,000 --> 00:00:05,500\n飲酒過量，有害健康\n",
        encoding="utf-8",
    )
    assert parse_srt(srt.read_text(encoding="utf-8"))[1] == TimedText("飲酒過量，有害健康", 0.0, 5.5)
    report = screen_file(srt, category="alcohol")
    (finding,) = report.findings
    assert finding.reference == "飲酒過量，有害健康" and finding.time == pytest.approx(5.5)
    copy = tmp_path / "copy.txt"
    copy.write_text("新品上市\n快速減肥\n", encoding="utf-8")
    assert screen_file(copy, category="food").rules() == ["tw-ads.food.exaggerated"]


def test_screen_file_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        screen_file(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="is a folder"):
        screen_file(tmp_path)
    odd = tmp_path / "model.xyz"
    odd.write_bytes(b"123")
    with pytest.raises(InputError, match="unsupported file type .xyz"):
        screen_file(odd)
    bad_srt = tmp_path / "bad.srt"
    bad_srt.write_text("1\nnot a time\nhello\n", encoding="utf-8")
    with pytest.raises(InputError, match="no time line"):
        screen_file(bad_srt)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        screen_file(latin)


def test_a_near_copy_of_a_protected_reference_is_blocked(tmp_path: Path, store: Store) -> None:
    pytest.importorskip("studio.compliance.visual")  # the visual screen (comp-visual's module)
    from studio.compliance.refbank import ReferenceBank

    rng = np.random.default_rng(7)
    logo = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8).repeat(8, axis=0).repeat(8, axis=1)
    ref_path = tmp_path / "mascot.png"
    Image.fromarray(logo).save(ref_path)
    (ref_id,) = ReferenceBank(store).add([ref_path], owner="ACME Corp", licence="all rights reserved")
    copy = tmp_path / ".ad.part.jpg"
    Image.fromarray(logo).resize((448, 336)).save(copy, "JPEG", quality=80)  # rescaled, recompressed
    with pytest.raises(ComplianceError, match=r"ip\.near-copy"):
        gate_output(copy, tmp_path / "ad.jpg", ExportContext(kind="image"), store=store)
    (item,) = list_quarantine()
    report = json.loads((item.folder / "report.json").read_text(encoding="utf-8"))
    near = [f for f in report["findings"] if f["rule"] == "ip.near-copy"]
    assert near and near[0]["reference"] == f"ref:{ref_id}" and near[0]["score"] <= near[0]["threshold"]


def test_quarantine_lists_newest_first_within_one_second(tmp_path: Path, store: Store, monkeypatch) -> None:
    """Folder names carry the second only; two outputs blocked in the same second still list newest first."""
    from studio.compliance import gate

    monkeypatch.setattr(gate.time, "strftime", lambda fmt, *a: "20261201-120000")
    ctx = ExportContext(kind="image", texts=(TimedText("三天降血壓"),), category="health_food")
    for name in ("b-first.jpg", "a-second.jpg"):  # by name the first one would sort last
        with pytest.raises(ComplianceError):
            gate_output(_still(tmp_path / f".{name}.part.jpg"), tmp_path / "out" / name, ctx, store=store)
    assert [i.file.name for i in list_quarantine()] == ["a-second.jpg", "b-first.jpg"]
