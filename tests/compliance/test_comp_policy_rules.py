"""Rule packs: the shipped packs load, round-trip through write_pack, and malformed packs name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.compliance.findings import Finding, Report, verdict_of
from studio.compliance.rules import (
    CATEGORIES,
    available_packs,
    default_packs_for,
    load_pack,
    parse_pack,
    write_pack,
)
from studio.errors import ConfigError, InputError

GOOD = """\
pack: demo
version: 2
market: TW
rules:
  - id: demo.claim
    action: block
    detector: phrase
    phrases: [治療]
    allow: [不能治療疾病]
    suggestions: {治療: 調理}
  - id: demo.concept
    action: review
    detector: clip_concept
    concepts: [a photo of a gun]
    threshold: 0.27
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_packs_load_with_expected_rules() -> None:
    assert {"tw-ads", "platform-general", "ip"} <= set(available_packs())
    tw = load_pack("tw-ads")
    assert tw.market == "TW" and tw.version >= 1
    medical = tw.rule("tw-ads.food.medical-efficacy")
    assert medical.action == "block" and medical.detector == "phrase"
    assert medical.applies("food") and medical.applies("health_food") and not medical.applies("cosmetics")
    assert "降血壓" in medical.phrases and "調整體質" in medical.allow
    exaggerated = tw.rule("tw-ads.food.exaggerated")
    assert exaggerated.suggestions["改善體質"] == "調整體質"
    alcohol = tw.rule("tw-ads.alcohol.required-warnings")
    assert alcohol.detector == "required_text" and set(alcohol.required) == {"禁止酒駕", "飲酒過量，有害健康"}
    assert "1/10" in alcohol.notes
    assert tw.rule("tw-ads.tobacco.ban").detector == "banned_category"
    ip = load_pack("ip")
    near = ip.rule("ip.near-copy")
    assert (near.pdq_max_distance, near.phash_max_distance, near.action) == (31, 10, "block")
    platform = load_pack("platform-general")
    categories = {r.category for r in platform.rules}
    assert {"weapons", "drugs", "gambling", "adult"} <= categories
    assert all(r.threshold is not None for r in platform.by_detector("clip_concept"))
    # the line of each rule in its file is kept for messages
    source_lines = tw.source.read_text(encoding="utf-8").splitlines()
    assert "tw-ads.food.medical-efficacy" in source_lines[medical.line - 1]


@pytest.mark.parametrize("name", ["tw-ads", "platform-general", "ip"])
def test_write_pack_round_trips(tmp_path: Path, name: str) -> None:
    pack = load_pack(name)
    out = write_pack(pack, tmp_path / f"{name}.yaml")
    assert load_pack(out) == pack


def test_with_updates_bumps_version_and_validates(tmp_path: Path) -> None:
    pack = parse_pack(GOOD)
    updated = pack.with_updates({"demo.concept": {"threshold": 0.31}})
    assert updated.version == 3 and updated.rule("demo.concept").threshold == 0.31
    assert pack.rule("demo.concept").threshold == 0.27  # the original is untouched
    with pytest.raises(ConfigError, match="threshold"):
        pack.with_updates({"demo.concept": {"threshold": "high"}})
    with pytest.raises(InputError, match="no rule"):
        pack.with_updates({"demo.missing": {"threshold": 0.3}})


def test_user_pack_overrides_builtin(studio_home: Path) -> None:
    tw = load_pack("tw-ads")
    write_pack(tw.with_updates({}), studio_home / "packs" / "tw-ads.yaml")
    assert load_pack("tw-ads").version == tw.version + 1


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # YAML syntax error: the scanner's own line
        (GOOD.replace("    phrases: [治療]", "    phrases: [治療"), 9, "malformed YAML"),
        # unknown field in a rule: the line of that field
        (GOOD.replace("    threshold: 0.27", "    treshold: 0.27"), 15, "treshold"),
        # wrong action value
        (GOOD.replace("action: review", "action: stop"), 12, "demo.concept"),
        # field of another detector
        (GOOD.replace("    suggestions: {治療: 調理}", "    concepts: [x]"), 5, "do not belong"),
        # clip rule without threshold
        (GOOD.replace("    threshold: 0.27\n", ""), 11, "threshold"),
        # duplicate id
        (GOOD.replace("id: demo.concept", "id: demo.claim"), 11, "twice"),
        # unknown category
        (GOOD.replace("    detector: phrase", "    applies_to: [fod]\n    detector: phrase"), 7, "fod"),
        # suggestion for a phrase that is not in the list
        (GOOD.replace("{治療: 調理}", "{消炎: 舒緩}"), 5, "suggestions"),
        # version is not an integer
        (GOOD.replace("version: 2", "version: two"), 2, "version"),
    ],
)
def test_malformed_pack_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    message = info.value.message
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


def test_empty_and_non_mapping_packs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty"):
        load_pack(_write(tmp_path, ""))
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_pack(_write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        path = tmp_path / "latin.yaml"
        path.write_bytes("pack: caf\xe9\n".encode("latin-1"))
        load_pack(path)


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    evil = GOOD.replace("market: TW", "market: !!python/object/apply:os.system ['echo hacked']")
    with pytest.raises(ConfigError, match=r"demo\.yaml:3"):
        load_pack(_write(tmp_path, evil))


def test_unknown_pack_and_category() -> None:
    with pytest.raises(InputError, match="No rule pack called 'nope'"):
        load_pack("nope")
    with pytest.raises(InputError, match="Unknown product category"):
        default_packs_for("cars")
    for category in CATEGORIES:
        assert default_packs_for(category) == ["tw-ads", "platform-general", "ip"]


def test_verdict_is_worst_action_and_report_json_round_trips() -> None:
    warn = Finding("a.warn", "warn", "phrase", 1.0, 1.0, "w")
    block = Finding(
        "a.block", "block", "pdq", 12, 31, "b", reference="ref:3", frame=4, time=2.0, box=(0, 0, 5, 5)
    )
    assert verdict_of([]) == "pass"
    assert verdict_of([warn]) == "warn"
    assert verdict_of([warn, block]) == "block"
    report = Report.build("x.mp4", [warn, block], checks_run=["pdq", "pdq", "phrase"], packs={"ip": 1})
    assert (
        report.verdict == "block" and report.findings[0] is block and report.checks_run == ["pdq", "phrase"]
    )
    data = report.to_json()
    assert data["findings"][0]["box"] == [0, 0, 5, 5] and data["findings"][0]["reference"] == "ref:3"
    assert Report.from_json(data) == report
