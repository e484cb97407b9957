"""tw-ads v19 (issue 11 items 2-3): claim classes from blind set 17's errors, and their look-alikes.

Mechanisms, each wider than the sentence that showed it: a disease that "got better" in 台語 (嘛好矣), aches gone
after wearing or sleeping on a product, wounds healing fast, 宿便 emptied, hair growing in 台語, English symptoms
said to disappear, breast enlargement as a cup-size boost, patients cured by the tenth (九成痊癒), shades whiter
within days, cured outright, a hospital's doctor or a named specialist recommending; for alcohol, drinking until
guests are drunk, 台語 飲予茫, strength and long life from a drink. Look-alikes: a size chart's waist range, advice
not to stop a medicine on one's own, a patch test and when to stop a cosmetic, minors given a soft drink on a
distillery tour, the bone wording 延緩骨質疏鬆 with a permit. Rules alone (``claim_model=False``); the sentences were
written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 19


CLAIMS = [
    ("這粒枕頭睏落去，鼻子過敏嘛好矣", "general"),
    ("護膝穿了，一整天攏袂痠", "general"),
    ("雞精手術後喝，傷口癒合特別快", "food"),
    ("酵素果凍，清光宿便", "food"),
    ("育毛液抹落去，頭毛一直生出來", "cosmetics"),
    ("Three weeks on this pillow and my back pain went away", "general"),
    ("Soy shake for a natural cup-size boost", "food"),
    ("臨床實驗八成患者痊癒", "drugs"),
    ("精華液十天白三個色階", "cosmetics"),
    ("Take two and you'll be completely cured by Monday", "drugs"),
    ("台大醫院李主任推薦的魚油", "food"),
    ("Dr. Chen, a renowned dermatologist, personally recommends this cream", "cosmetics"),
    ("尾牙紅酒任你喝，喝到同事全醉才算數", "alcohol"),
    ("高粱飲予醉，煩惱攏無", "alcohol"),
    ("阮的藥酒一工一杯，身體勇健", "alcohol"),
    ("A whisky for longevity", "alcohol"),
]

LOOKALIKES = [
    ("束腹尺寸：M 腰圍 64-72 cm、L 72-80 cm", "general"),
    ("衛部健食字第A00000號 輔助調節血壓；已服用降血壓藥者，請勿自行停藥", "health_food"),
    ("Patch test on your wrist and stop use if swelling appears", "cosmetics"),
    ("酒莊導覽：未成年同行者僅提供無酒精葡萄汁", "alcohol"),
    ("衛部健食字第A00000號 骨質保健：有助於延緩骨質疏鬆", "health_food"),
    ("七天鑑賞期，白色款兩個尺寸", "general"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v19_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v19_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)
