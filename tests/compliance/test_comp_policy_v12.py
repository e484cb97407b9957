"""tw-ads v12 (issue 11 items 2-3): public-service, charity and placeholder wording that is not a claim.

Found in blind set 10's false alarms (read after its one score, so it is a development set now). Each class is
written wider than the line that showed it, with a claim of the same words it must still stop. Rules alone
(``claim_model=False``); the sentences were written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_versions() -> None:
    assert load_pack("tw-ads").version >= 12  # v13 keeps every v12 class (test_comp_policy_v13.py)
    assert load_pack("platform-general").version >= 2


CASES = [
    # standing water (積水) in a dengue or household notice is not the medical 積水 (effusion)
    ("防疫宣導：雨後請清除積水，倒掉花盆底盤的水", "general", False),
    ("社區大掃除，一起巡檢住家積水容器", "general", False),
    ("浴室止滑地墊，快乾不積水", "general", False),
    ("陽台排水設計，下雨也不會積水", "general", False),
    ("熱敷護膝一週，膝蓋積水全部消除", "general", True),
    # a charity or foundation named after a disease, and support for patients, is not a claim
    ("每筆訂單捐5元給台灣抗癌關懷協會", "food", False),
    ("義賣所得全數捐給兒童癌症基金會，陪伴病童抗癌", "cosmetics", False),
    ("與癌症希望基金會合作，陪伴病友抗癌", "general", False),
    ("喝這款茶可以抗癌", "food", True),
    ("這塊手工皂有抗癌效果", "cosmetics", True),
    # a phone number or code written with placeholders is not adult content
    ("長照居家服務預約專線 0800-xxx-xxx", "general", False),
    ("Call us on 02-xxxx-xxxx for bookings", "general", False),
    ("xxx videos, no age check", "general", True),
]


@pytest.mark.parametrize("text, category, stop", CASES)
def test_v12_class(text: str, category: str, stop: bool, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert bool(flagged) == stop, (text, category, flagged)
