"""tw-ads v20 (issue 11 items 2-3): alcohol copy recognised when the category is unknown, from blind sets 17 and 18.

With the default category (``general``) the alcohol rules run only when the copy names drinking
(``category_cues``): beer brands, 台語 drinking to a stupor (啉予茫), drinking challenges and the people who make
spirits now name it. And in alcohol copy: a drink word between the verb and the count ("down 10 tequila shots"),
more drinks for drinking more, a drink for new mothers' recovery, a drink given to a child of a stated age. Rules
alone (``claim_model=False``); the sentences were written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 20


DEFAULT_CLAIMS = [
    "海尼根一手六罐，喝越多送越多",
    "今晚啉予茫，毋醉毋歸",
    "Drinking challenge: finish eight vodka shots in three minutes",
    "Our master distiller's grandmother drank a glass daily and lived to 101",
    "送剛滿16歲的兒子人生第一瓶威士忌",
    "月子米酒 產後恢復最快",
]

ALLOWED = [
    ("Distilled water, 5 L, for your steam iron", "general"),
    ("每天喝水兩公升，喝越多不代表越健康，請依需求補充", "general"),
    ("台啤罐裝 24 入，未成年請勿飲酒", "alcohol"),
]


@pytest.mark.parametrize("text", DEFAULT_CLAIMS)
def test_v20_alcohol_claim_caught_with_the_default_category(text: str, packs) -> None:
    assert claim_rules(text, packs, "general"), text


@pytest.mark.parametrize("text, category", ALLOWED)
def test_v20_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)
