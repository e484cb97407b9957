"""tw-ads v16 (issue 11 items 2-3): claim classes from blind set 14's errors, and their look-alikes.

Mechanisms, each wider than the sentence that showed it: breast enlargement in 注音 or in cup sizes, a phrase split
by slashes (清/血), toxins drawn out by a cosmetic and an effect promised for ever, a drug that heals fast, regrows
tissue or let a patient drop the doctor, quick weight loss, drinking as much as one can or a bottle in one go,
the more you drink in 台語, school divisions and school sport, minors welcome, cider as a drink; and the
look-alikes: cancer patients supported in the other word order, a warning against believing a cosmetic treats,
a spray said to have no medical efficacy, when to see a doctor, a prescription's conditions stated by a pharmacy,
a notice that alcohol is not sold, cider vinegar. Rules alone (``claim_model=False``); the sentences were written
for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 16


CLAIMS = [
    ("豆漿配這包粉，豐ㄒㄩㄥ效果看得見", "food"),
    ("每天一杯，三個月從A升到C罩杯", "general"),
    ("山楂飲一瓶就能降/血/脂", "food"),
    ("Charcoal mask that draws out toxins from deep inside your skin", "cosmetics"),
    ("緊緻精華，毛孔永久縮小", "cosmetics"),
    ("Serum that tightens sagging skin permanently.", "cosmetics"),
    ("喉嚨痛含一顆，馬上就好", "drugs"),
    ("補骨丸吃三個月，骨頭裡的裂縫長回來", "drugs"),
    ("I quit my cardiologist after two months on these tablets!", "drugs"),
    ("New slimming pill for quick weight loss before the wedding", "drugs"),
    ("生日趴，想喝多少就喝多少，喝掛我們負責叫車", "alcohol"),
    ("壽星一口氣乾掉整壺送招牌", "alcohol"),
    ("中秋烤肉配啤酒，啉較濟較歡喜", "alcohol"),
    ("高中部畢業典禮限定：調酒買二送一", "alcohol"),
    ("未滿20歲照樣歡迎，啤酒暢飲", "alcohol"),
    ("Official drinks partner of the high school league finals 🍻", "alcohol"),
    ("Hard cider happy hour for the middle school PTA night", "general"),
]

LOOKALIKES = [
    ("園遊會收入捐給癌友關懷協會，陪伴抗癌鬥士", "general"),
    ("別以為面霜能治療異位性皮膚炎，嚴重時請看皮膚科", "cosmetics"),
    ("本產品為芳香用途，不具醫療效能", "general"),
    ("講座主題：膝蓋痛的就醫時機", "general"),
    ("安眠藥須經醫師處方，本藥局不接受電話訂購", "drugs"),
    ("本活動場地禁止販售酒類給任何參加者", "alcohol"),
    ("Apple cider vinegar, 500 ml, for salad dressings", "food"),
    ("男/女款同價，尺寸請參考表格", "general"),
    ("開瓶後請冷藏，建議三天內喝完", "food"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v16_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v16_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


def test_v16_slash_split_phrase_named(packs) -> None:
    """A phrase split by slashes is matched whole and reported as written."""
    from studio.compliance.text import check_text

    findings = check_text("一口就能清/血", packs, "food", claim_model=False)
    hits = [f for f in findings if f.action == "block"]
    assert hits and "清/血" in hits[0].message, [f.message for f in hits]
