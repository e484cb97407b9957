"""tw-ads v17 (issue 11 items 2-3): claim classes from blind set 15's errors, and their look-alikes.

Mechanisms, each wider than the sentence that showed it: a pain or an itch "better at once" in 台語 (隨好), an
effect guaranteed within a number of days, a product called a health food with its permit pending in brackets,
IDs not checked at a drinks counter, pupils welcome to drink, drinking like a sailor and shots by the dozen; and
the look-alikes: a donation to a children's charity in an alcohol ad, an FAQ answered "No —" in English, a
health food that says it does not replace the medicine, an approved bone-health wording, a health food whose
permit is pending and which claims nothing. Rules alone (``claim_model=False``); the sentences were written for
these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 17


CLAIMS = [
    ("薑黃貼布，貼落去腰痠隨好", "general"),
    ("這罐藥膏擦一下，皮膚癢即好", "drugs"),
    ("咳嗽糖漿一匙，咳隨就好", "drugs"),
    ("淡斑霜保證14天淡到看不見", "cosmetics"),
    ("瘦身茶保證兩週瘦5公斤", "food"),
    ("本品是健康食品(審核中)，可調節血糖", "health_food"),
    ("生啤暢飲，免看證件直接入座", "alcohol"),
    ("國中生都可以來喝一杯水果調酒", "alcohol"),
    ("Drink like a fish tonight, the bar is open till 4", "alcohol"),
    ("Fifteen shots for NT$500, only on Fridays", "alcohol"),
]

LOOKALIKES = [
    ("每賣出一箱啤酒，捐50元給家扶基金會", "alcohol"),
    (
        "Q: Can I stop my diabetes pills if I take this? No — it does not replace your medication.",
        "health_food",
    ),
    ("本品不能取代藥物，服用慢性病藥物者請諮詢醫師", "health_food"),
    ("衛部健食字第A00000號 鈣片：有助於減少骨質流失", "health_food"),
    ("健康食品許可申請中，現以一般食品販售，不宣稱任何保健功效", "health_food"),
    ("保證七天到貨，逾期全額退款", "general"),
    ("保證 100 天內免費換新", "general"),
    ("入場請出示證件，未成年不販售酒類", "alcohol"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v17_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v17_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)
