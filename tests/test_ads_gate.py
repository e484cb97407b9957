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
