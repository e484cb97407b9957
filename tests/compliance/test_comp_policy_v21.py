"""tw-ads v21 (issue 11 items 2-3): alcohol copy of unknown category, from blind set 19.

Two changes. The learned claim classifier scores copy of the default category as every category the copy names
(``infer_categories``) as well, and the highest score counts: with the category unknown it read "一人一瓶喝完再睡"
in a whisky ad as nothing, though it flags the same words in alcohol copy. And ``category_cues`` take patterns:
drinking named by what is done rather than by a drink (a six-pack drunk up, a drink downed against the clock, a
drinking game's forfeit, IDs not checked, a pitcher finished). The sentences were written for these tests, none is
copied from bench/data.
"""

from __future__ import annotations

import numpy as np
import pytest

from studio.compliance import claim_model as cm
from studio.compliance.rules import load_pack
from studio.compliance.text import check_text, infer_categories
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 21


# -- the classifier scores the inferred category too ----------------------------------------------------------
def _one_gram_model(gram: str, category: str) -> cm.ClaimModel:
    """A model that flags exactly the sentences holding ``gram`` when scored as ``category``."""
    dim = 1 << 12
    weights = np.zeros(dim, np.float32)
    names, idx = cm.features(gram, category, dim, 1)
    weights[idx[2 * names.index(gram) + 1]] = 12.0  # the n-gram crossed with the category (see ``features``)
    # features are scaled by 1/sqrt(their number): 12 is enough for a sentence of up to about 30 characters
    return cm.ClaimModel(weights=weights, bias=-1.0, threshold=0.5, ngram_max=1)


def test_the_model_scores_the_category_the_copy_names(packs) -> None:
    model = _one_gram_model("睡", "alcohol")
    whisky = check_text("威士忌一人一瓶，喝完再睡", packs, "general", claim_model=model)
    assert [f.rule for f in whisky] == [cm.RULE]
    assert whisky[0].message.endswith("(category inferred from 「威士忌」: alcohol).")
    # the same words naming no drink are scored as general only, and this model sees nothing there
    assert check_text("枕頭一人一個，躺好再睡", packs, "general", claim_model=model) == []
    # a declared category is never widened: a food ad is scored as food
    assert check_text("威士忌一人一瓶，喝完再睡", packs, "food", claim_model=model) == []


def test_the_shipped_model_reads_over_drinking_in_copy_of_unknown_category(packs) -> None:
    found = check_text("周末露營帶一瓶威士忌，大家一人一瓶喝完才准睡", packs, "general")
    assert [f.rule for f in found] == [cm.RULE], found
    assert "(category inferred from 「威士忌」: alcohol)" in found[0].message


# -- pattern cues ----------------------------------------------------------------------------------------------
NAMED_BY_DRINKING = [
    ("尾牙續攤，再乾完兩手", "乾完兩手"),
    ("同學會一人喝掉一打", "喝掉一打"),
    ("海產店挑戰：五分鐘乾光一整手", "五分鐘乾光"),
    ("划拳輸了一杯不乾罰兩杯", "不乾罰"),
    ("週五夜免驗證件，直接入座", "免驗證件"),
    ("Trivia night: chug a whole pitcher, win a T-shirt", "chug a whole pitcher"),
]


@pytest.mark.parametrize("text, cue", NAMED_BY_DRINKING)
def test_drinking_acts_name_alcohol(text: str, cue: str, packs) -> None:
    assert infer_categories(text, packs).get("alcohol") == cue


NOT_DRINKING = [
    "每天喝完兩瓶水，補充水分",
    "吹風機 3 分鐘吹完一頭長髮",
    "免帶證件，憑手機條碼即可取貨",
    "油漆 10 分鐘就乾，隔天可上第二層",
    "一手掌握的迷你吹風機",
    "健身房入會需查驗證件",
]


@pytest.mark.parametrize("text", NOT_DRINKING)
def test_look_alikes_name_no_drink(text: str, packs) -> None:
    assert "alcohol" not in infer_categories(text, packs), text


# -- the alcohol rules -----------------------------------------------------------------------------------------
DEFAULT_CLAIMS = [
    "一手海尼根十分鐘乾完，整桌招待",
    "未成年免驗證件，直接入場暢飲",
    "Stage challenge: finish a whole pitcher first and drink free all night!",
    "啤酒節：一人啉完兩手送紀念杯",
]


@pytest.mark.parametrize("text", DEFAULT_CLAIMS)
def test_v21_alcohol_claim_caught_with_the_default_category(text: str, packs) -> None:
    assert claim_rules(text, packs, "general"), text


ALLOWED = [
    ("啤酒 6 入一手，冷藏後風味最佳；未成年請勿飲酒", "alcohol"),
    ("Pitchers of our lager are NT$480; please drink responsibly", "alcohol"),
    ("健身房入會需查驗證件", "general"),
]


@pytest.mark.parametrize("text, category", ALLOWED)
def test_v21_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


# -- from blind set 20: FAQ answers, a fluoride toothpaste, minors told not to buy, children's charities ------------
ALLOWED_V21B = [
    ("Q：這台除濕機能治氣喘嗎？答：本產品為一般家電，無醫療效能。", "general"),
    ("Q：喝了能降血糖嗎？答：本品為一般食品，不具治療疾病之功效。", "food"),
    ("Q：可以治療乾眼症嗎？A 不行，乾眼問題請洽眼科醫師。", "general"),
    ("Q：洗面乳能治粉刺嗎？答：僅能清潔肌膚，粉刺問題請洽皮膚科醫師。", "cosmetics"),
    ("兒童含氟牙膏 1000ppm，每天早晚刷牙，幫助預防蛀牙", "cosmetics"),
    ("Fluoride toothpaste, 1450 ppm: helps prevent cavities when you brush twice a day", "cosmetics"),
    ("精釀啤酒 6 入，未滿18歲者一律不得購買", "alcohol"),
    ("每賣出一瓶紅酒，捐出 10 元給偏鄉兒童課輔班", "alcohol"),
    ("Every pint this month supports the children's hospital ward upgrade", "alcohol"),
    ("[開箱] 這罐燕麥奶很順口，但我不覺得有什麼療效，就是早餐方便", "food"),
]


@pytest.mark.parametrize("text, category", ALLOWED_V21B)
def test_v21_answers_and_lookalikes_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


STILL_CLAIMS = [
    ("Q：能治氣喘嗎？答：可以！而且不具副作用", "general"),  # the answer itself claims
    ("這款木糖醇軟糖含氟，可以預防齲齒", "food"),  # not a toothpaste: the allowance names one
    ("未成年也能喝的水果酒，甜甜的", "alcohol"),
    ("兒童最愛的氣泡酒，生日派對必備", "alcohol"),
]


@pytest.mark.parametrize("text, category", STILL_CLAIMS)
def test_v21_claims_next_to_the_lookalikes_still_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


# -- the pack format: allow_patterns ------------------------------------------------------------------------------
_PACK = """\
pack: demo
version: 1
rules:
  - id: demo.caries
    detector: phrase
    action: block
    phrases: [預防齲齒]
    allow_patterns: ['{pattern}']
"""


def test_allow_patterns_mask_matches_round_trip_and_are_checked(tmp_path) -> None:
    from studio.compliance.rules import parse_pack, write_pack
    from studio.errors import ConfigError

    pack = parse_pack(_PACK.format(pattern="牙膏[^。]{0,20}?預防齲齒"))
    assert pack.rules[0].allow_patterns == ("牙膏[^。]{0,20}?預防齲齒",)
    assert check_text("含氟牙膏，每天刷牙預防齲齒", [pack], "general") == []
    assert [f.rule for f in check_text("軟糖預防齲齒", [pack], "general")] == ["demo.caries"]
    out = write_pack(pack, tmp_path / "demo.yaml")
    assert parse_pack(out.read_text(encoding="utf-8")) == pack
    with pytest.raises(ConfigError, match=r"<rule pack>:8: rule 'demo.caries' allow_patterns.0: "):
        parse_pack(_PACK.format(pattern="(?:牙+)+膏"))
