"""The ad renderer runs the compliance export gate before any output is written."""

from __future__ import annotations

import json

import pytest

from studio.ads import make_ad
from studio.compliance.gate import ad_gate
from studio.errors import ComplianceError
from studio.media.encode import EncodeSettings
from studio.spec import parse_spec
from studio.store import Store
from tests.helpers import make_photo

FAST = EncodeSettings(preset="veryfast")


def _spec(tmp_path, **extra):
    return parse_spec(
        {
            "product": "Tea",
            "photos": [str(make_photo(tmp_path / "a.jpg"))],
            "duration": 5,
            "platforms": ["square"],
            "music": None,
            "headline": "Tea",
            **extra,
        }
    )


def test_clean_ad_passes_with_report_and_provenance(tmp_path, studio_home):
    from studio.compliance.provenance import read_manifest

    store = Store(tmp_path / "s.sqlite3")
    result = make_ad(
        _spec(tmp_path, headline="幫助消化 每天一杯"),
        tmp_path / "out",
        store=store,
        encode=FAST,
        gate=ad_gate(store, load_clip=False),
    )
    output = result.outputs[0].path
    report = json.loads(output.with_name(output.name + ".compliance.json").read_text())
    assert report["verdict"] in ("pass", "warn")
    assert "clip_reference" in report["checks_skipped"]  # no CLIP weights in tests: said, not hidden
    assert read_manifest(output) is not None
    # the reports travel with the ad: they name the file, not the folders of this machine
    assert report["file"] == output.name
    for suffix in (".compliance.json", ".compliance.html"):
        text = output.with_name(output.name + suffix).read_text(encoding="utf-8")
        assert str(tmp_path) not in text and str(studio_home) not in text, suffix
    # a signed MP4 is published like its cover and reports: the umask's mode, not mkstemp's 0600 (issue 8 item 7)
    from studio.fsutil import default_file_mode

    modes = {p.stat().st_mode & 0o777 for p in (output, result.outputs[0].cover, output.with_suffix(".srt"))}
    assert modes == {default_file_mode()}


def test_blocked_claim_is_quarantined_not_written(tmp_path, studio_home):
    store = Store(tmp_path / "s.sqlite3")
    spec = _spec(tmp_path, headline="喝了降血壓 改善體質", category="food")
    with pytest.raises(ComplianceError) as info:
        make_ad(spec, tmp_path / "out", store=store, encode=FAST, gate=ad_gate(store, load_clip=False))
    assert "tw-ads" in info.value.message
    assert list((tmp_path / "out").iterdir()) == []
    row = store.renders()[0]
    assert row.status == "blocked" and "tw-ads" in row.reason
    assert list(studio_home.glob("quarantine/*/*.mp4")), (
        "the blocked video waits in quarantine with its report"
    )


def _report(path):
    return json.loads(path.with_name(path.name + ".compliance.json").read_text(encoding="utf-8"))


def test_make_ad_screens_and_signs_by_default_video_and_cover(tmp_path):
    from studio.compliance.embed import ClipHandle
    from studio.compliance.provenance import read_manifest

    store = Store(tmp_path / "s.sqlite3")
    clip = ClipHandle.unavailable("no CLIP in this test")
    result = make_ad(
        _spec(tmp_path, headline="幫助消化"), tmp_path / "out", store=store, encode=FAST, clip=clip
    )
    (output,) = result.outputs
    assert result.screened and store.renders()[0].status == "done"
    for published in (output.path, output.cover):  # every published picture: screened, reported, signed
        assert _report(published)["verdict"] in ("pass", "warn")
        assert read_manifest(published).verdict in ("pass", "warn")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")) == []


def test_publishing_unscreened_is_an_explicit_choice_the_store_and_report_record(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    result = make_ad(
        _spec(tmp_path, headline="喝了降血壓"), tmp_path / "out", store=store, encode=FAST, screen=False
    )
    (output,) = result.outputs
    assert not result.screened
    row = store.renders()[0]
    assert row.status == "unscreened" and "without the compliance screen" in row.reason
    for published in (output.path, output.cover):
        saved = _report(published)
        assert saved["verdict"] == "unscreened" and saved["checks_run"] == []


def test_a_compliance_module_that_cannot_load_publishes_nothing(tmp_path, monkeypatch):
    import sys

    from studio.errors import DependencyError

    monkeypatch.setitem(sys.modules, "studio.compliance.gate", None)
    store = Store(tmp_path / "s.sqlite3")
    with pytest.raises(DependencyError, match="compliance screen cannot be loaded"):
        make_ad(_spec(tmp_path), tmp_path / "out", store=store, encode=FAST)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert store.renders()[0].status == "failed"


def test_a_blocked_rerender_keeps_the_earlier_good_ad_and_its_report(tmp_path):
    from studio.compliance.provenance import read_manifest
    from studio.fsutil import sha256_file

    store = Store(tmp_path / "s.sqlite3")
    gate = ad_gate(store, load_clip=False)
    good = make_ad(
        _spec(tmp_path, headline="幫助消化"), tmp_path / "out", store=store, encode=FAST, gate=gate
    )
    path = good.outputs[0].path
    before = path.with_name(path.name + ".compliance.json").read_bytes()
    spec = _spec(tmp_path, headline="喝了降血壓", category="food")
    with pytest.raises(ComplianceError):
        make_ad(spec, tmp_path / "out", store=store, encode=FAST, gate=gate)
    assert path.with_name(path.name + ".compliance.json").read_bytes() == before
    assert json.loads(before)["media"]["sha256"] == sha256_file(path)
    assert read_manifest(path).verdict in ("pass", "warn")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no staged leftovers


def _blocking_one_platform(store, platform):
    """The real gate, except that ``platform``'s video carries a banned claim in its copy."""
    import dataclasses

    from studio.compliance.gate import ExportContext, TimedText, ad_context, gate_output

    def gate(tmp, final, timeline, spec):
        context: ExportContext = ad_context(timeline, spec)
        if f"-{platform}." in final.name:
            context = dataclasses.replace(context, texts=(TimedText("三天降血壓", 0, 1),), category="food")
        return gate_output(tmp, final, context, store=store)

    return gate


def test_a_platform_the_screen_blocks_does_not_discard_the_others(tmp_path, studio_home):
    store = Store(tmp_path / "s.sqlite3")
    spec = _spec(tmp_path, platforms=["square", "tiktok"])
    result = make_ad(
        spec, tmp_path / "out", store=store, encode=FAST, gate=_blocking_one_platform(store, "tiktok")
    )
    assert [o.platform for o in result.outputs] == ["square"]
    assert [b.platform for b in result.blocked] == ["tiktok"] and "tw-ads" in result.blocked[0].message
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "tea-square.mp4" in names and not [n for n in names if "tiktok" in n]
    row = store.renders()[0]
    assert row.status == "blocked" and "tiktok" in row.reason and len(row.outputs) == 1
    assert list(studio_home.glob("quarantine/*/tea-tiktok.mp4"))


def test_all_or_nothing_publishes_nothing_when_one_platform_is_blocked(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    spec = _spec(tmp_path, platforms=["square", "tiktok"])
    with pytest.raises(ComplianceError):
        make_ad(spec, tmp_path / "out", store=store, encode=FAST, gate=_blocking_one_platform(store, "tiktok"),
                all_or_nothing=True)  # fmt: skip
    assert list((tmp_path / "out").iterdir()) == []
