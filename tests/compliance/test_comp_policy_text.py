"""Text checks: whole phrases, allow-lists, negation, normalisation, suggestions and required on-screen texts."""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_packs, parse_pack
from studio.compliance.text import (
    MAX_TEXT_CHARS,
    TimedText,
    check_text,
    check_texts,
    find_phrases,
    normalise,
    suggest_rewrite,
)
from studio.errors import InputError


@pytest.fixture(scope="module")
def packs():
    return load_packs(None, "general")


def _hits(text: str, packs, category: str = "food") -> list[tuple[str, str, str]]:
    return [(f.rule, f.action, f.reference) for f in check_text(text, packs, category, claim_model=False)]


def test_allowed_lookalike_passes_and_banned_phrase_gets_suggestion(packs) -> None:
    assert _hits("天天喝，幫助消化，調整體質", packs) == []
    findings = check_text("天天喝，改善體質", packs, "food")
    assert [(f.rule, f.action, f.suggestion) for f in findings] == [
        ("tw-ads.food.exaggerated", "review", "調整體質")
    ]
    assert "改善體質" in findings[0].message and findings[0].legal.startswith("食品安全衛生管理法")
    assert suggest_rewrite("天天喝，改善體質又防止便秘", packs, "food") == "天天喝，調整體質又使排便順暢"


def test_rules_apply_only_to_their_categories(packs) -> None:
    assert _hits("降血壓", packs, "food") == [("tw-ads.food.medical-efficacy", "block", "降血壓")]
    # the food rule does not screen a phone ad, but 藥事法 §69 does: no product that is not a drug may claim it
    assert _hits("降血壓", packs, "general") == [("tw-ads.medical.efficacy", "block", "降血壓")]
    assert _hits("降血壓", packs, "drugs") == []  # a licensed drug may state its indication
    assert [r for r, _, _ in _hits("消除痘痘", packs, "cosmetics")] == ["tw-ads.cosmetics.medical-efficacy"]


def test_allow_list_masks_but_a_longer_banned_phrase_still_wins() -> None:
    pack = parse_pack(
        "pack: t\nversion: 1\nrules:\n"
        "  - id: t.r\n    action: block\n    detector: phrase\n"
        "    phrases: [體質, 改善體質好轉]\n    allow: [調整體質, 改善體質]\n"
    )
    rule = pack.rules[0]
    assert find_phrases("調整體質", rule.phrases, rule.allow) == []  # 體質 inside an allowed phrase
    assert find_phrases("改善體質", rule.phrases, rule.allow) == []
    matches = find_phrases("服用後改善體質好轉", rule.phrases, rule.allow)
    assert [(m.phrase, m.matched) for m in matches] == [("改善體質好轉", "改善體質好轉")]
    assert [m.phrase for m in find_phrases("體質很重要", rule.phrases, rule.allow)] == ["體質"]


def test_overlapping_banned_phrases_keep_the_longest(packs) -> None:
    # 治療 and 治療近視 are both banned; one finding for the longer phrase
    assert _hits("可以治療近視", packs) == [("tw-ads.food.medical-efficacy", "block", "治療近視")]


def test_english_word_boundaries_and_inflections(packs) -> None:
    # the claim "cures colds" (verb + disease) covers the food rule's bare "cure": reported once
    assert _hits("This tea cures colds and lowers blood pressure.", packs) == [
        ("tw-ads.food.medical-efficacy", "block", "lower blood pressure"),
        ("tw-ads.medical.efficacy", "block", "cure+colds"),
    ]
    assert _hits("Healing herbs", packs)[0][2] == "heal"
    # substrings of longer words are not matches
    assert _hits("A secure, healthy, treatment-free snack", packs) == []
    assert _hits("Weight-loss shake", packs) == [("tw-ads.food.exaggerated", "review", "weight loss")]
    assert _hits("weight   loss", packs)[0][2] == "weight loss"


def test_negation_drops_or_lowers_as_the_rule_says(packs) -> None:
    # medical-efficacy: negation -> warn (a disclaimer worth reading)
    assert _hits("本品不含降血壓成分", packs) == [("tw-ads.food.medical-efficacy", "warn", "降血壓")]
    assert _hits("Does not cure any disease", packs) == [("tw-ads.medical.efficacy", "warn", "cure+disease")]
    # exaggerated: negation -> drop
    assert _hits("無排毒功效", packs) == []
    assert _hits("This is not a detox product", packs) == []
    # negation in another clause does not count
    assert _hits("不含糖，降血壓", packs) == [("tw-ads.food.medical-efficacy", "block", "降血壓")]
    # a negation cue too far before the phrase does not count (無 governs 副作用)
    assert _hits("無副作用降血壓", packs) == [
        ("tw-ads.food.medical-efficacy", "block", "降血壓"),
        ("tw-ads.efficacy.exaggerated", "review", "無副作用"),  # "no side effects" is itself a claim
    ]
    # look-alikes that are not negations
    assert _hits("不只降血壓", packs) == [("tw-ads.food.medical-efficacy", "block", "降血壓")]
    assert _hits("Not only lowers blood pressure", packs)[0][1] == "block"
    assert _hits("不再復胖，快速減肥", packs) == [("tw-ads.food.exaggerated", "review", "減肥")]
    # a scope breaker ends the negation
    assert _hits("No sugar but lowers blood pressure", packs)[0][1] == "block"


def test_normalisation_width_script_spacing_and_invisible_characters(packs) -> None:
    assert normalise("ＤＥＴＯＸ１００％") == "detox100%"
    for text in ("降血压", "降 血 壓", "降\u200b血壓", "ＤＥＴＯＸ飲品"):
        assert check_text(text, packs, "food"), text
    # findings quote what the user wrote, not the normalised form
    (finding,) = check_text("快來 降 血 压！", packs, "food")
    assert "「降 血 压」" in finding.message
    # 菸 and 煙 are the same word for tobacco
    assert _hits("新款電子煙", packs, "general") == [("tw-ads.tobacco.mention", "review", "電子菸")]
    assert _hits("本店全面禁菸", packs, "general") == []


def test_required_texts_cover_the_whole_video(packs) -> None:
    ok = [TimedText("禁止酒駕", 0.0, 15.0), TimedText("飲酒過量,有害健康", 0.0, 15.0)]
    assert check_texts(ok, packs, "alcohol", duration=15.0) == []
    # split display with a gap shorter than the tolerance still counts as covering
    split = [TimedText("禁止酒駕", 0.0, 7.5), TimedText("禁止酒駕", 7.52, 15.0), ok[1]]
    assert check_texts(split, packs, "alcohol", duration=15.0) == []
    partial = [TimedText("禁止酒駕", 0.0, 15.0), TimedText("飲酒過量 有害健康", 0.0, 10.0)]
    (finding,) = check_texts(partial, packs, "alcohol", duration=15.0)
    assert finding.rule == "tw-ads.alcohol.required-warnings" and finding.action == "block"
    assert finding.score == pytest.approx(10 / 15, abs=1e-3) and finding.time == pytest.approx(10.0)
    assert finding.reference == "飲酒過量，有害健康" and "1/10" in finding.message
    missing = check_texts([TimedText("好喝的啤酒", 0, 15)], packs, "alcohol", duration=15.0)
    assert sorted(f.reference for f in missing) == ["禁止酒駕", "飲酒過量，有害健康"]
    assert all(f.score == 0.0 for f in missing)
    # without a duration (copy, a still) presence is enough
    assert check_texts([TimedText("禁止酒駕 飲酒過量，有害健康")], packs, "alcohol") == []
    # not an alcohol ad: no warnings needed
    assert check_texts([TimedText("好喝的茶", 0, 15)], packs, "food", duration=15.0) == []


def test_timed_findings_carry_the_time_on_screen(packs) -> None:
    (finding,) = check_texts([TimedText("降血壓", 3.5, 6.0)], packs, "food", duration=15.0)
    assert finding.time == 3.5 and finding.frame is None


def test_bad_text_input(packs) -> None:
    with pytest.raises(InputError, match="must be a string"):
        check_text(b"bytes", packs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="limit is"):
        check_text("a" * (MAX_TEXT_CHARS + 1), packs)
    with pytest.raises(InputError, match="ends"):
        check_texts([TimedText("x", 5.0, 1.0)], packs)
    with pytest.raises(InputError, match="duration must be positive"):
        check_texts([TimedText("x", 0.0, 1.0)], packs, duration=0.0)
    with pytest.raises(InputError, match="Unknown product category"):
        check_text("x", packs, "cars")
    assert check_text("", packs) == []


def test_labelled_benchmark_sentences() -> None:
    """bench/compliance_text.py on its 141 labelled sentences: every listed claim caught, no allowed wording hit."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "compliance_text.py"
    spec = importlib.util.spec_from_file_location("bench_compliance_text", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.evaluate()
    assert result["sentences"] >= 100 and result["languages"]["en"] >= 25
    kinds = result["per_kind"]
    assert kinds["claim"]["fn"] == 0 and kinds["allowed"]["fp"] == 0
    # rule categories compared (tw-ads v2 adds every-product rules); most "false positives" left are a second
    # category on a sentence that is violating anyway (增強抵抗力: exaggerated in the food annex, medical in v2)
    assert result["overall"]["precision"] >= 0.85 and result["overall"]["recall"] >= 0.9


def test_long_spaced_copy_is_normalised(packs) -> None:
    # single letters spelled out with spaces are joined (c u r e s -> cures), in one pass
    assert normalise("a " * 50_000) == "a" * 50_000
    assert normalise("Free of any detox claims") == "free of any detox claims"
    assert _hits("Free of any detox claims", packs) == []
