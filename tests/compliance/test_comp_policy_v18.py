"""tw-ads v18 (issue 11 items 2-3): claim classes from blind set 16's errors, and their look-alikes.

Mechanisms, each wider than the sentence that showed it: a disease that no longer flares or aches in 台語 (無閣發作,
袂痠), every illness gone (百病攏無去), reading glasses no longer needed, a spine corrected, a clinic no longer needed,
news-style drug reports, numbers before and after a dose, effects within days, neighbours' testimony, everyone
helped, professionals counted, weight lost by the number in a time; for alcohol, school uniforms or IDs as the
ticket, drunk customers rewarded, 台語 drinking to the bottom. Look-alikes: a question answered with advice to see
a doctor, the glucose wording with 血糖值, the calcium statement, short refusals to sell to minors. Rules alone
(``claim_model=False``); the sentences were written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 18


CLAIMS = [
    ("這條護腰帶綁一個月，坐骨神經痛攏無閣發作", "general"),
    ("薑母茶啉了，膝頭攏袂疼", "food"),
    ("藥草浴一泡，百病全消", "general"),
    ("決明子茶天天喝，近視眼鏡都不用戴", "food"),
    ("矯正鞋墊穿半年，脊椎側彎改善", "general"),
    ("擦這條乳霜，眼科攏免去", "cosmetics"),
    ("本台報導：新型止咳糖漿一週斷根", "drugs"),
    ("吃藥前血壓180，吃藥後120", "drugs"),
    ("濕疹藥膏3天就好了", "drugs"),
    ("厝邊隔壁攏咧食這罐顧筋骨", "drugs"),
    ("Recommended by 8 out of 10 dentists", "general"),
    ("一週瘦3公斤，不用運動", "food"),
    ("Our tea helps you lose 5 kg in two weeks", "general"),
    ("穿國中制服來，啤酒買一送一", "alcohol"),
    ("Show your high school ID at the bar for a free beer", "alcohol"),
    ("喝醉的客人 結帳送一杯", "alcohol"),
    ("高粱酒一杯接一杯，今仔日乾予焦", "alcohol"),
]

LOOKALIKES = [
    ("Q：泡腳可以治失眠嗎？A：本店僅提供放鬆服務，失眠請就醫。", "general"),
    ("衛部健食字第A00000號：有助於延緩餐後血糖值上升", "health_food"),
    ("骨質保健 衛部健食字第A00000號 適度運動及攝取足夠的鈣，可減少骨質疏鬆症的發生", "health_food"),
    ("清酒禮盒 宅配簽收時核對證件，未成年一律不賣", "alcohol"),
    ("三天到貨，七天鑑賞期", "general"),
    ("使用前請搖勻，使用後請蓋緊", "cosmetics"),
    ("學生制服訂做，一套 NT$1,200", "general"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v18_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v18_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)
