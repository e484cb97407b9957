"""Licence rules: commercial use, revenue caps, territories, disclosure duties, bundled assets."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.compliance.licences import assets_for_paths, check_licences, load_registry
from studio.errors import ConfigError, InputError


def _rules(findings) -> list[tuple[str, str, str]]:
    return [(f.rule, f.action, f.reference) for f in findings]


@pytest.fixture()
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(
        "version: 1\nassets:\n"
        "  - {id: font.noto-sans-tc, path: fonts/NotoSansTC-Regular.otf, kind: font, licence: OFL-1.1,"
        " commercial_use: true, source: Google Fonts, sha256: x}\n"
        "  - {id: music.demo-nc, path: music/demo.mp3, kind: music, licence: CC-BY-NC-4.0, commercial_use: false}\n"
        "  - {id: music.credit, path: music/credit.mp3, kind: music, licence: CC-BY-4.0, commercial_use: true}\n",
        encoding="utf-8",
    )
    return path


def test_registry_has_the_video_models_and_says_it_is_unverified() -> None:
    reg = load_registry()
    assert reg.verified is False  # the data file says: verify against the primary texts
    assert reg.licence_of_model("wan2.1-t2v-1.3b").id == "apache-2.0"
    assert reg.licence_of_model("wan2.2-ti2v-5b").commercial_use is True
    assert reg.licence_of_model("ltx-video-0.9.8").revenue_cap_usd == 10_000_000
    assert reg.licence_of_model("ltx-video-0.9.1").commercial_use is False
    assert reg.licence_of_model("svd-xt").revenue_cap_usd == 1_000_000
    assert reg.licence_of_model("cogvideox-2b").id == "apache-2.0"
    assert reg.licence_of_model("cogvideox-5b").requires_registration is True
    hunyuan = reg.licence_of_model("hunyuanvideo")
    assert set(hunyuan.excluded_territories) == {"EU", "UK", "KR"} and hunyuan.disclosure == "label"
    assert {m.kind for m in reg.models.values()} == {"video", "clip"}


def test_apache_models_pass_any_revenue_anywhere() -> None:
    assert check_licences(["wan2.1-t2v-1.3b", "cogvideox-2b"], [], 5e9, "DE") == []


def test_revenue_caps() -> None:
    assert _rules(check_licences(["ltx-video-0.9.8"], [], 20e6, "TW", visible_label=True)) == [
        ("licence.revenue-cap", "block", "ltx-video-0.9.8")
    ]
    assert check_licences(["ltx-video-0.9.8"], [], 9.9e6, "TW", visible_label=True) == []
    (svd,) = check_licences(["svd-xt"], [], 2e6, "TW")
    assert (svd.rule, svd.score, svd.threshold) == ("licence.revenue-cap", 2e6, 1e6)
    assert "1,000,000" in svd.message
    # revenue not declared: cannot decide -> review
    assert _rules(check_licences(["svd"], [], None, "TW")) == [
        ("licence.revenue-undeclared", "review", "svd")
    ]


def test_non_commercial_and_registration_only_licences_block() -> None:
    assert _rules(check_licences(["ltx-video-0.9.1"], [], 0, "TW")) == [
        ("licence.non-commercial", "block", "ltx-video-0.9.1")
    ]
    (cog,) = check_licences(["cogvideox-5b"], [], 0, "TW")
    assert cog.action == "block" and "registered" in cog.message


def test_territory_exclusions_include_every_eu_member() -> None:
    for territory in ("DE", "fr", "UK", "GB", "KR"):
        rules = _rules(check_licences(["hunyuanvideo"], [], 0, territory, visible_label=True))
        assert rules == [("licence.territory", "block", "hunyuanvideo")], territory
    assert check_licences(["hunyuanvideo"], [], 0, "TW", visible_label=True) == []
    assert check_licences(["hunyuanvideo"], [], 0, "US", visible_label=True) == []


def test_disclosure_duty() -> None:
    assert _rules(check_licences(["hunyuanvideo"], [], 0, "TW", visible_label=False)) == [
        ("licence.disclosure", "review", "hunyuanvideo")
    ]
    assert [f.action for f in check_licences(["framepack"], [], 0, "TW")] == ["warn"]  # label unknown
    assert check_licences(["wan2.1-t2v-14b"], [], 0, "TW", visible_label=False) == []


def test_unknown_models_and_bad_input() -> None:
    assert _rules(check_licences(["my-finetune"], [], 0, "TW")) == [
        ("licence.unknown-model", "review", "my-finetune")
    ]
    with pytest.raises(InputError, match="revenue"):
        check_licences([], [], -1, "TW")
    with pytest.raises(InputError, match="territory"):
        check_licences([], [], 0, "T W 1")


def test_bundled_assets(manifest: Path) -> None:
    reg = load_registry(assets_manifest=manifest)
    assert check_licences([], ["font.noto-sans-tc"], 1e9, "TW", registry=reg) == []
    assert _rules(check_licences([], ["music.demo-nc"], 0, "TW", registry=reg)) == [
        ("licence.non-commercial", "block", "music.demo-nc")
    ]
    assert _rules(check_licences([], ["music.credit"], 0, "TW", registry=reg)) == [
        ("licence.attribution", "warn", "music.credit")
    ]
    assert _rules(check_licences([], ["font.unknown"], 0, "TW", registry=reg)) == [
        ("licence.unknown-asset", "review", "font.unknown")
    ]


def test_assets_for_paths_maps_bundled_files_to_ids(manifest: Path, tmp_path: Path) -> None:
    from studio.settings import assets_dir

    reg = load_registry(assets_manifest=manifest)
    font = assets_dir() / "fonts" / "NotoSansTC-Regular.otf"
    stray = assets_dir() / "fonts" / "NotoSansTC-Bold.otf"
    user_file = tmp_path / "my-font.otf"
    ids = assets_for_paths([font, font, stray, user_file], registry=reg)
    assert ids == ("font.noto-sans-tc", "asset:fonts/NotoSansTC-Bold.otf")
    assert _rules(check_licences([], ids, 0, "TW", registry=reg)) == [
        ("licence.unlisted-bundled-asset", "warn", "asset:fonts/NotoSansTC-Bold.otf")
    ]


def test_malformed_registry_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "licences.yaml"
    bad.write_text(
        "version: 1\nlicences:\n  - {id: mit, name: MIT, commercial_use: true}\n"
        "models:\n  - {id: m, name: M, kind: video, hub_id: a/b, licence: gpl}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"licences\.yaml.*not listed: \['gpl'\]"):
        load_registry(bad)
    bad.write_text("version: 1\nlicences: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"licences\.yaml:\d+: malformed YAML"):
        load_registry(bad)
