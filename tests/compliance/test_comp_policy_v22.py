"""tw-ads v22 (issue 11 items 2-3): look-alikes from blind set 21.

A doctor's or pharmacist's reminder not to drink while on a medicine, a minor refused service, and the statement a
health-food permit for 不易形成體脂肪 must carry (均衡飲食及適當運動為健康瘦身之基礎) are lawful; the claims beside them
are still caught. Rules alone (``claim_model=False``); the sentences were written for these tests, none is copied
from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 22


ALLOWED = [
    ("藥師提醒：服用安眠藥或止痛藥期間，請勿飲酒", "alcohol"),
    ("Sorry, we can't sell to your 16-year-old cousin, even with a parent present.", "alcohol"),
    ("本店恕不販售酒類給 17 歲的學生，敬請見諒", "alcohol"),
    ("衛部健食字第A00000號 不易形成體脂肪。均衡飲食及適當運動為健康瘦身之基礎", "health_food"),
]


@pytest.mark.parametrize("text, category", ALLOWED)
def test_v22_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


CLAIMS = [
    ("藥師提醒：這瓶藥酒喝了就能治失眠", "alcohol"),
    ("A perfect gift for your 16-year-old cousin: our plum wine set", "alcohol"),
    ("高中生也能喝，我們不會拒絕", "alcohol"),
    ("三週瘦身 10 公斤，不用運動", "health_food"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v22_claims_still_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)
