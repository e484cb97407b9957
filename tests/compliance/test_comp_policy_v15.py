"""tw-ads v15 (issue 11 items 2-3): claim classes from blind set 14's errors, and their look-alikes.

Each class is a mechanism, written wider than the line that showed it: a virus test turned negative or a blockage
opened (B肝轉陰, 血管打通了), a disease process inhibited or suppressed, a single scar or psoriasis plaques, a marker
"back down", a virus killed in the body, a skin disease turned clear in a before/after arrow, a tonic that makes a
child cleverer or scores full marks, pupils named by school and drinking to excess in 台語 or by chugging; and the
look-alikes: treatment by a dentist or a doctor the copy refers to, a meta-disclaimer in other verbs (不能說),
a refusal to sell to pupils, referrals to a dentist or an instructor, a public screening's logistics, hair as a
plain noun. Rules alone (``claim_model=False``); the sentences were written for these tests, none is copied from
bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 15


CLAIMS = [
    # a virus test turned negative, a blockage opened
    ("阿伯吃了兩罐，B肝竟然轉陰", "food"),
    ("每天按摩十分鐘，塞住的血管就打通了", "general"),
    ("鼻子過敏的人聞一下，鼻塞馬上通了", "general"),
    # a disease process inhibited or suppressed
    ("Our mushroom extract inhibits tumour growth.", "food"),
    ("This pillow spray suppressed my migraines for a month.", "general"),
    # a single scar, burn scars, psoriasis plaques
    ("The balm faded my burn scars in two weeks.", "cosmetics"),
    ("Clears psoriasis plaques without steroids.", "general"),
    # a marker back down
    ("Two cups a day and my cholesterol is back down.", "food"),
    # a virus killed or cleared in the body
    ("喝這杯蔬果汁可以幫身體清除病毒", "food"),
    ("益生菌軟糖，殺死病毒不生病", "general"),
    # a skin disease turned clear in a before/after
    ("濕疹手 → 光滑手，只用了一條護手霜", "cosmetics"),
    ("eczema ➜ smooth skin in 7 days", "cosmetics"),
    # a tonic that makes a child cleverer, full marks
    ("兒童魚油，吃了補腦又變聰明", "drugs"),
    ("吃了這罐維他命，考試都能考100分", "drugs"),
    ("Chewable vitamins for smarter kids and better grades.", "drugs"),
    # pupils by school, drinking to excess in 台語, chugging
    ("啤酒買一送一，高中的學弟妹憑證入場", "alcohol"),
    ("尾牙啤酒暢飲，今晚啉予醉！", "alcohol"),
    ("Chug the whole pitcher and the next one's on us 🍺", "alcohol"),
]

LOOKALIKES = [
    # treatment by a dentist or a doctor, referred to
    ("本漱口水不能取代牙醫治療，牙齦出血請就診。", "general"),
    ("中醫治療期間如需飲用，請先詢問您的醫師。", "food"),
    # a meta-disclaimer in other verbs
    ("依法我們不能說它能治療失眠，只能說香味很放鬆。", "general"),
    # a refusal to sell to pupils
    ("本店不販售酒類給國中生、高中生，請見諒。", "alcohol"),
    # referrals to a dentist, an instructor
    ("牙齒敏感持續一週以上，請看牙醫。", "cosmetics"),
    ("有膝蓋舊傷的會員，上課前請詢問教練。", "general"),
    # a public screening's logistics
    ("週六衛生所到場免費篩檢血糖，請攜帶健保卡。", "general"),
    # hair as a plain noun; a snail dish; a skin type
    ("Protects hair from heat styling up to 230°C.", "cosmetics"),
    ("夜市燒酒螺一包五十元", "general"),
    ("Gel cleanser for oily, acne-prone to normal skin.", "cosmetics"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v15_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v15_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


@pytest.mark.parametrize(
    "text, category, rule",
    [
        ("阿伯吃了兩罐，B肝竟然轉陰", "food", "tw-ads.efficacy.lab-values"),
        ("濕疹手 → 光滑手，只用了一條護手霜", "cosmetics", "tw-ads.medical.efficacy"),
        ("吃了這罐維他命，考試都能考100分", "drugs", "tw-ads.drugs.exaggerated"),
        ("尾牙啤酒暢飲，今晚啉予醉！", "alcohol", "tw-ads.alcohol.health-claim"),
    ],
)
def test_v15_rule_named(text: str, category: str, rule: str, packs) -> None:
    assert rule in claim_rules(text, packs, category), (text, category)


def test_v15_drink_emoji_names_alcohol(packs) -> None:
    """With the default category, a drink emoji makes the copy an alcohol ad: its rules apply, the cue is named."""
    from studio.compliance.text import check_text

    findings = check_text("週五晚上 🍺 無限暢飲", packs, "general", claim_model=False)
    hits = [f for f in findings if f.rule == "tw-ads.alcohol.health-claim"]
    assert hits, [f.rule for f in findings]
