"""Medical claims in every category, exaggerated efficacy, and bad input (issue 11, items 2 and 6).

The sentences here were written for these tests; none is copied from bench/data/claims_corpus.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.compliance.regexcheck import backtracking_risk
from studio.compliance.rules import CATEGORIES, load_pack, load_packs, parse_pack
from studio.compliance.text import WorkMeter, check_text, normalise
from studio.errors import ConfigError


@pytest.fixture(scope="module")
def packs():
    return load_packs(None, "general")


def _flagged(text: str, packs, category: str = "general") -> list[tuple[str, str, str]]:
    """(rule, action, reference) of the findings that stop publication (block or review)."""
    return [
        (f.rule, f.action, f.reference)
        for f in check_text(text, packs, category, claim_model=False)
        if f.action != "warn"
    ]


# -- item 2: medical efficacy in every category that is not a drug -----------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "這款枕頭能緩解偏頭痛",  # efficacy verb + symptom
        "每天按摩，告別坐骨神經痛與五十肩",
        "遠離骨質疏鬆的好選擇",
        "尿酸不再高，痛風剋星",  # target, then a word that says it is gone
        "多年的關節炎竟然治好了",  # target first, the efficacy verb after it
        "喝了顧肝又補腎",  # organ claims
        "穩定血糖的秘密",  # body function
        "讓你增強免疫力",
        "This blanket relieves joint pain.",
        "Our drink lowers blood sugar naturally.",
        "Say goodbye to migraines with this pillow.",
        "A tea that keeps colds away.",
        "Boosts your immune system every morning.",
    ],
)
def test_medical_claims_are_blocked_with_the_default_category(packs, text: str) -> None:
    hits = _flagged(text, packs)
    assert any(rule == "tw-ads.medical.efficacy" and action == "block" for rule, action, _ in hits), hits


def test_medical_rule_screens_every_category_but_drugs(packs) -> None:
    pack = load_pack("tw-ads")
    covered = {
        c
        for r in ("tw-ads.medical.efficacy", "tw-ads.health-food.medical-efficacy")
        for c in pack.rule(r).applies_to
    }
    assert covered == set(CATEGORIES) - {"drugs"}
    for category in set(CATEGORIES) - {"drugs"}:
        assert _flagged("可以治好你的胃痛", packs, category), category
    assert _flagged("可以治好你的胃痛", packs, "drugs") == []  # a licensed drug may state its indication


def test_finding_names_rule_phrase_legal_basis_and_suggestion(packs) -> None:
    (finding,) = check_text("喝了改善便秘問題", packs, "general")
    assert finding.rule == "tw-ads.medical.efficacy" and finding.action == "block"
    assert finding.reference == "改善+便秘"  # the claim's verb and target, as the lexicon writes them
    assert finding.legal.startswith("藥事法 第69條")
    assert finding.suggestion == "使排便順暢" and "「改善便秘」" in finding.message
    (english,) = check_text("It cures insomnia.", packs, "general")
    assert english.reference == "cure+insomnia" and english.suggestion == "helps you fall asleep"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("療癒系文具，上班心情好", "general"),  # 療癒 = comforting
        ("本品不含香料與酒精", "general"),
        ("防滑設計，預防摔倒", "general"),  # 摔倒 is not a disease
        ("專業處理壁癌問題", "general"),  # 壁癌: damp walls
        ("調整體質的黑糖薑茶", "food"),
        ("幫助消化的優格", "food"),
        ("Helps your digestion feel easy and light.", "food"),
        ("Treat your family to a weekend brunch.", "food"),
        ("有助於調節血脂（健康食品核可功效）", "health_food"),
        ("如有高血壓請先諮詢醫師", "health_food"),  # a warning naming a disease
        ("Gentle moisturiser for dry skin.", "cosmetics"),
        ("淡化細紋，肌膚透亮", "cosmetics"),
        ("緩解鼻塞與流鼻水", "drugs"),
        ("未成年禁止飲酒，酒後不開車", "alcohol"),  # the warnings themselves
        ("Relieves minor aches of the back.", "drugs"),
    ],
)
def test_allowed_wording_and_look_alikes_pass(packs, text: str, category: str) -> None:
    assert _flagged(text, packs, category) == []


def test_negated_claims_are_disclaimers_not_blocks(packs) -> None:
    for text in (
        "本產品不能治療任何疾病",
        "This cream is not a treatment for eczema.",
        "It is not meant to diagnose, treat, cure or prevent illness.",  # a list continues the negated clause
    ):
        findings = check_text(text, packs, "general")
        assert findings and all(f.action == "warn" for f in findings), (text, findings)
    # a negation of something else does not excuse the claim
    assert _flagged("No added sugar, and it cures colds.", packs)
    assert _flagged("不加糖，還能降血壓", packs)
    assert _flagged("吃了不再失眠", packs)  # 不再 is a claim, not a negation
    # a target before its verb: a cue between the two negates (症狀未減輕), a 不 inside the target does not
    assert [f.action for f in check_text("若症狀未減輕請就醫", packs, "general")] == ["warn"]
    assert _flagged("經期不適一掃而空", packs)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("兩週見效", True),
        ("兩天到貨", False),
        ("永久有效", True),
        ("永久保固", False),
        ("100%有效", True),
        ("100%羊毛", False),
        ("保證改善", True),
        ("品質保證", False),
        ("完全沒有副作用", True),
        ("Results in 14 days or less.", True),
        ("Delivered in 14 days.", False),
        ("Guaranteed to work.", True),
        ("You will never feel tired again.", True),
    ],
)
def test_exaggerated_efficacy(packs, text: str, flagged: bool) -> None:
    hits = _flagged(text, packs)
    assert bool(hits) is flagged, hits
    if flagged:
        assert all(action == "review" for _, action, _ in hits if "exaggerated" in _), hits


def test_drug_ads_may_state_the_indication_but_not_promise(packs) -> None:
    assert _flagged("減輕經痛", packs, "drugs") == []
    assert _flagged("保證三天痊癒", packs, "drugs")
    assert _flagged("藥師一致推薦的止咳藥", packs, "drugs")
    assert _flagged("Recommended by doctors everywhere.", packs, "drugs")


def test_cosmetics_medical_wording(packs) -> None:
    for text in ("生髮洗髮精", "除疤凝膠", "治痘精華", "消炎鎮定", "活化毛囊", "Regrows thinning hair."):
        assert any(a == "block" for _, a, _ in _flagged(text, packs, "cosmetics")), text


# -- item 6: bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(a+)+$", "nested quantifier"),
        ("(?:治|療)*x", ""),  # fine: the alternatives differ
        ("(x|x)*y", "repeated alternation"),
        ("(ab|a)+c", "repeated alternation"),
        ("(\\\\w+\\\\s?)*!", "nested quantifier"),
        ("(.)\\\\1", "backreference"),
        ("([", "does not compile"),
    ],
)
def test_pack_with_backtracking_regex_is_refused_with_file_and_line(
    tmp_path: Path, pattern: str, words: str
) -> None:
    text = (
        "pack: demo\nversion: 1\nrules:\n"
        "  - id: demo.claim\n    action: block\n    detector: phrase\n"
        f"    patterns:\n      - 'ok'\n      - \"{pattern}\"\n"
    )
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    if not words:
        assert load_pack(path).rules[0].patterns == ("ok", pattern.replace("\\\\", "\\"))
        return
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    assert f"{path}:9:" in str(info.value) and words in str(info.value) and "demo.claim" in str(info.value)


def test_shipped_patterns_pass_the_static_check() -> None:
    for name in ("tw-ads", "platform-general", "ip"):
        for rule in load_pack(name).rules:
            for pattern in rule.patterns:
                assert backtracking_risk(pattern) is None, (rule.id, pattern)


def test_claims_need_known_lexicons(tmp_path: Path) -> None:
    text = (
        "pack: demo\nversion: 1\nlexicons:\n  verbs: [治療]\nrules:\n"
        "  - id: demo.claim\n    action: block\n    detector: phrase\n"
        "    claims:\n      - {verbs: [verbs], targets: [diseases]}\n"
    )
    with pytest.raises(ConfigError, match=r"demo\.yaml:10: rule 'demo.claim' claims.0: unknown lexicons"):
        parse_pack(text, source=tmp_path / "demo.yaml")


@pytest.mark.parametrize(
    "unit",
    [
        "不含糖也不能治療糖尿病又說壁癌調整體質降血壓",  # one clause, many matches, negation cues, allow-list hits
        "not only cures colds, never again, guaranteed, prevent cancer ",
        "能治·療糖尿病。",
        "a b c d e f ",  # spelled-out letters: the joining pass
        "好" * 7,  # nothing to find
        "《逆轉糖尿病》胰臟功能恢復正常請諮詢醫師",  # titles, organ states, advice in one sentence
        "treated for diabetes and keeps triglycerides down, talk to your doctor ",
        "《能治療糖尿病",  # an unclosed title mark
        # category cues (the alcohol, drug and health-food rules join in), disclaimers, permit wording
        "精釀啤酒小朋友也愛，衛部健食字號有助於降低血中總膽固醇，處方藥特價免看醫生。",
        "我們不敢說它能治失眠，beer for teens, no id needed ",
    ],
)
def test_long_copy_is_screened_with_linear_work(packs, unit: str) -> None:
    def work(n: int) -> WorkMeter:
        meter = WorkMeter()
        check_text((unit * (n // len(unit) + 1))[:n], packs, "general", meter=meter)
        return meter

    short, long = work(1_000), work(10_000)
    assert long.scans == short.scans  # a fixed number of regex passes, whatever the length
    assert long.steps <= 11 * short.steps  # the rest grows in proportion (a quadratic step would be x100)


def test_split_spaced_and_disguised_phrases_are_normalised(packs) -> None:
    for text in (
        "能治·療糖尿病",
        "能治.療糖尿病",
        "能治-療糖尿病",
        "能治_療糖尿病",
        "能治 · 療糖尿病",
        "能治\u200b療糖尿病",
        "能治．療糖尿病",  # full-width full stop
        "能治－療糖尿病",  # full-width hyphen
        "能治疗糖尿病",  # simplified
    ):
        hits = _flagged(text, packs)
        assert hits == [("tw-ads.medical.efficacy", "block", "治療+糖尿病")], text
    for text in (
        "ｃｕｒｅｓ ｄｉａｂｅｔｅｓ",
        "c.u.r.e.s diabetes",
        "c u r e s diabetes",
        "C-U-R-E-S diabetes",
        "\u0441ur\u0435s diabetes",  # mixed scripts: a Cyrillic с and е inside a Latin word
    ):
        assert _flagged(text, packs) == [("tw-ads.medical.efficacy", "block", "cure+diabetes")], text
    for text, category in (("生發液", "cosmetics"), ("降血压", "food"), ("预防骨质疏松", "general")):
        assert _flagged(text, packs, category), text
    # the finding quotes the copy as the user wrote it
    (finding,) = check_text("這顆石頭能治·療糖尿病！", packs, "general")
    assert "「治·療糖尿病」" in finding.message
    (mixed,) = check_text("Our tea \u0441ur\u0435s diabetes.", packs, "general")
    assert "「\u0441ur\u0435s diabetes」" in mixed.message
    assert normalise("привет") == "привет"  # a word that is all Cyrillic is left alone
    # joining never crosses a clause: a full stop between two sentences stays
    assert normalise("好喝。降價中") == "好喝。降价中"
    assert _flagged("調·整體質", packs, "food") == []  # an allowed phrase stays allowed
    assert normalise("PM2.5 filter") == "pm2.5 filter"


def test_fold_table_covers_every_lexicon_character() -> None:
    """Each Traditional character of the shipped packs folds to OpenCC's Simplified form (so 治疗 == 治療)."""
    opencc = pytest.importorskip("opencc")
    from studio.compliance.text import _fold_table, _is_cjk

    convert = opencc.OpenCC("t2s").convert
    fold = _fold_table()
    chars: set[str] = set()
    for name in ("tw-ads", "platform-general", "ip"):
        pack = load_pack(name)
        for terms in pack.lexicons.values():
            chars.update("".join(terms))
        for rule in pack.rules:
            chars.update("".join((*rule.phrases, *rule.allow, *rule.patterns, *rule.required)))
        for cue in pack.category_cues.values():
            chars.update("".join((*cue.terms, *cue.patterns, *cue.allow)))
    wrong = {
        ch: (fold.get(ord(ch)), convert(ch))
        for ch in sorted(c for c in chars if _is_cjk(c))
        if convert(ch) != ch and fold.get(ord(ch)) != convert(ch)
    }
    assert wrong == {}, wrong


def test_prefix_tree_regex_matches_exactly_the_words_longest_first() -> None:
    import re

    from studio.compliance.text import _trie_regex

    words = {"失眠", "失智", "失智症", "糖尿病", "糖", "高血壓"}
    pattern = re.compile(_trie_regex(words))
    assert all(pattern.fullmatch(w) for w in words)
    assert not any(pattern.fullmatch(w) for w in ("失", "糖尿", "高血", "失智症狀"))
    assert (
        pattern.match("失智症狀").group() == "失智症"
    )  # the longest word at a position, like the alternation
    assert pattern.match("糖尿病人").group() == "糖尿病"


# -- tw-ads v3: claims built from open vocabularies, not phrase lists ---------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "這款茶讓胰臟功能恢復正常",  # organ + function + a state word (no listed phrase)
        "紅麴讓三酸甘油酯降下來",  # physiological quantity, then the change
        "每晚一杯，血液不再黏稠",
        "能量石專治蜘蛛痣",  # a treatment verb needs no listed disease
        "手環讓肋間神經痛不見了",  # an unlisted disease ending in 痛
        "乳霜讓汗皰疹的癢不再來",
        "專為乾癬患者設計的乳液",  # a product aimed at patients
        "護腰讓椎間盤歸位",
        "喝了就能免開刀",  # replacing medical care
        "關節不退化的秘密",  # a body part "not" degenerating is a claim, not a negation
        "Clinically shown to calm psoriasis.",
        "It fades keratosis pilaris.",  # English disease morphology (-osis)
        "Our serum relieves dermatitis in days.",
        "A pendant that normalises your heart rhythm.",  # body function
        "Keeps your triglyceride levels down.",
        "Say farewell to achy joints.",  # a symptom adjective on a body part
        "The natural alternative to statins.",  # a drug's substitute
        "Kill 99% of the flu virus in your body.",
        "Helps your pancreas make more insulin.",
    ],
)
def test_open_vocabulary_claims_are_blocked_with_the_default_category(packs, text: str) -> None:
    hits = _flagged(text, packs)
    assert any(rule == "tw-ads.medical.efficacy" and action == "block" for rule, action, _ in hits), hits


@pytest.mark.parametrize(
    "text, category",
    [
        ("除濕機防止黴菌滋生", "general"),  # mould in a house is not a disease
        ("空氣清淨機去除過敏原", "general"),
        ("血壓計測量血壓穩定準確", "general"),  # measuring is not changing
        ("物理治療師推薦的居家伸展", "general"),
        ("專業抓漏，根治壁癌", "general"),
        ("鈣質有助於骨骼與牙齒的正常發育", "food"),  # a permitted nutrient-function claim
        ("洗髮精讓頭髮恢復光澤", "cosmetics"),
        ("重新歸位的收納系統，家裡恢復整齊", "general"),
        ("Our reverse osmosis system removes 99% of impurities.", "general"),  # osmosis is not a disease
        ("Improves skin condition and texture.", "cosmetics"),
        ("Our app brings your heart rate data to your phone.", "general"),
        ("A shampoo that wakes up tired hair.", "cosmetics"),
        ("Academia meets industry at our fair.", "general"),
        ("A heartfelt story full of nostalgia and empathy.", "general"),
    ],
)
def test_open_vocabulary_look_alikes_pass(packs, text: str, category: str) -> None:
    assert _flagged(text, packs, category) == []


def test_open_vocabulary_claims_keep_rule_phrase_legal_basis_and_suggestion(packs) -> None:
    (finding,) = [f for f in check_text("這款茶讓胰臟功能恢復正常", packs, "general") if f.action == "block"]
    assert finding.rule == "tw-ads.medical.efficacy" and finding.reference == "胰臟+功能恢復"
    assert "藥事法 第69條" in (finding.legal or "") and "「胰臟功能恢復」" in finding.message
    (english,) = [f for f in check_text("It cures keratosis.", packs, "general") if f.action == "block"]
    assert english.reference == "cures keratosis" and english.legal
    (negated,) = check_text("本產品不能治療任何疾病", packs, "general")
    assert negated.action == "warn"  # a disclaimer is read by somebody, not blocked
    drug = check_text("緩解胃食道逆流引起的火燒心", packs, "drugs")
    assert [f for f in drug if f.rule == "tw-ads.medical.efficacy"] == []  # a licensed drug's indication
    (massage,) = check_text("按摩墊能改善腰痠背痛", packs, "general")
    assert massage.suggestion == "舒適放鬆" and massage.legal


def test_advice_to_see_a_doctor_and_titles_are_not_claims(packs) -> None:
    for text in (
        "若您正在接受高血壓治療，請先詢問醫師。",
        "If you are being treated for diabetes, talk to your doctor.",
        "《逆轉糖尿病的飲食》新書發表會",  # a book's title
    ):
        findings = check_text(text, packs, "general")
        assert findings and all(f.action == "warn" for f in findings), (text, findings)
    # ... but the copy that asserts the effect itself stays a claim, advice or not
    for text in (
        "能治療糖尿病，請遵醫囑",
        "This tea treats diabetes; consult your doctor.",
        "逆轉糖尿病的飲食",
        "《逆轉糖尿病的飲食",  # an unclosed title mark hides nothing
    ):
        assert any(f.action == "block" for f in check_text(text, packs, "general")), text


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("兩週內皺紋全部消失", True),  # a time to the effect, then the effect, in one clause
        ("一抹就白，效果看得見", True),
        ("效果維持一輩子", True),  # permanence of an effect
        ("永久淡化斑點", True),
        ("保證不復胖", True),
        ("Lose 10 kg in a month without dieting.", True),
        ("Instantly erases dark spots.", True),
        ("Clears your skin for good.", True),
        ("Results you can feel from the first use, or it's free.", True),
        ("三十天無條件退貨，七天鑑賞期", False),  # a return policy is not an effect
        ("當天下單，隔天到貨", False),
        ("永久保固，終身免費維修", False),
        ("五分鐘快速恢復原廠設定", False),
        ("Dries overnight, removes easily with water.", False),
        ("Ships in 2 days; free returns within 30 days.", False),
    ],
)
def test_open_exaggeration_patterns(packs, text: str, flagged: bool) -> None:
    hits = [h for h in _flagged(text, packs) if h[0] == "tw-ads.efficacy.exaggerated"]
    assert bool(hits) == flagged, hits
