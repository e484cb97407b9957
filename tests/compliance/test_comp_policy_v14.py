"""tw-ads v14 (issue 11 items 2-3): claim classes from blind set 12's errors, and their look-alikes.

Each class is a mechanism, written wider than the line that showed it: a disease marker abbreviated (BP, DM2, in
full-width letters too), an authority said to certify a cure or a medical breakthrough, a Chinese disease word with
an English cure verb, a mark 100 % gone or gone for good in 台語, zero soreness and lactic acid flushed at once, a
drug without a licence or said to equal the originator's drug, a vitamin that raises a child's intelligence or
grades, a self-styled 健康食品 with a function, teeth that repair themselves; and the look-alikes: approved
health-food functions in English and 不易造成齲齒, an English meta-disclaimer ("we can't say it treats …"), advice to
ask a doctor in plain words, alcohol-free drinks for children and minors let in but not served. Rules alone
(``claim_model=False``); the sentences were written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_versions() -> None:
    assert load_pack("tw-ads").version >= 14
    assert load_pack("platform-general").version == 2


CLAIMS = [
    # a disease marker abbreviated, full-width letters included
    ("磁石枕頭｜睡三晚，ＢＰ就降下來", "general"),
    ("喝了半年，阿爸的DM控制得越來越好", "food"),
    # an authority certifying a cure or a medical breakthrough
    ("These compression socks were approved by the FDA as a treatment for varicose veins.", "general"),
    ("A clinical breakthrough for knee pain, now in a pillow.", "general"),
    ("本按摩椅經世衛認證，可治療坐骨神經痛", "general"),
    # a Chinese disease word, an English cure verb
    ("Grandma's 濕疹 was so bad, this balm healed it in days!", "cosmetics"),
    ("This tea cured my 便秘 overnight lol", "food"),
    # a mark 100 % gone, gone for good in 台語, zero soreness, lactic acid flushed
    ("淡斑精華，老人斑百分之百消失", "general"),
    ("皺紋抹三禮拜攏清氣", "cosmetics"),
    ("膝蓋貼布，永久不用再擔心", "general"),
    ("運動後喝一瓶，隔天零酸痛", "food"),
    ("爬山前一包，乳酸馬上代謝掉", "health_food"),
    # a drug without a licence or equal to the originator's drug; a patient group's 福音
    ("這款學名藥藥效和原廠藥一樣，價格卻便宜一半", "drugs"),
    ("雖然還沒拿到藥證，但效果很好，大家放心買", "general"),
    ("新上市藥錠，糖尿病患者的福音", "drugs"),
    ("Not yet licensed in Taiwan, but it works just as well.", "drugs"),
    # a vitamin or tonic raising a child's intelligence or grades
    ("兒童綜合維他命，讓孩子更聰明，考試成績突飛猛進", "drugs"),
    # a self-styled health food with a function, no permit
    ("家傳古法黑糖薑母茶，純天然健康食品，幫助改善手腳冰冷", "food"),
    ("Our homemade health food powder helps protect your liver.", "general"),
    # teeth that repair themselves, no dentist needed
    ("天天嚼這顆軟糖，牙洞會自己長回來", "food"),
    ("No need to see a dentist: this rinse makes cavities repair themselves.", "general"),
]

LOOKALIKES = [
    # approved health-food functions in English and in their other wordings, with a permit
    ("MOHW permit A01234: may help regulate blood pressure. Not a medicine.", "health_food"),
    (
        "Permit A09876 (health food): assists blood glucose regulation; keep taking your prescribed medication.",
        "health_food",
    ),
    ("衛部健食字第A01111號 無糖軟糖：牙齒保健，不易形成蛀牙。", "health_food"),
    # an English meta-disclaimer
    ("We can't claim this tea cures insomnia — it's just a calm evening blend.", "food"),
    ("Sorry, we cannot say the gel treats arthritis; it is a warming massage gel.", "health_food"),
    # advice to ask a doctor in plain words
    ("電熱毯有定時功能，有高血壓的長輩使用前請先問醫生。", "general"),
    # an alcohol-free drink for children; minors let in but not served
    ("品酒會現場另有無酒精氣泡飲供兒童享用。", "alcohol"),
    ("酒莊導覽每週六開放，未成年人可參觀，現場不提供試飲。", "alcohol"),
    # near the new patterns: a petrol brand BP, 100 % cotton, a cleaning product, a pharmacy's generic
    # price list, a study-desk lamp, a dental clinic's booking
    ("BP 加油站 24 小時營業", "general"),
    ("百分之百純棉床單，洗了不縮水也不會消失顏色", "general"),
    ("學名藥與原廠藥價格比較表，請洽藥師。", "general"),
    ("護眼檯燈，讓孩子讀書時光線更均勻", "general"),
    ("定期看牙醫，蛀牙早發現", "general"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v14_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v14_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


@pytest.mark.parametrize(
    "text, category, rule",
    [
        (
            "A clinical breakthrough for knee pain, now in a pillow.",
            "general",
            "tw-ads.medical.authority-endorsement",
        ),
        ("This tea cured my 便秘 overnight lol", "food", "tw-ads.medical.mixed-script-cure"),
        ("這款學名藥藥效和原廠藥一樣，價格卻便宜一半", "drugs", "tw-ads.drugs.originator-equivalence"),
        ("家傳古法黑糖薑母茶，純天然健康食品，幫助改善手腳冰冷", "food", "tw-ads.health-food.self-styled"),
        ("天天嚼這顆軟糖，牙洞會自己長回來", "food", "tw-ads.medical.no-doctor-needed"),
        ("磁石枕頭｜睡三晚，ＢＰ就降下來", "general", "tw-ads.efficacy.lab-values"),
        ("兒童綜合維他命，讓孩子更聰明，考試成績突飛猛進", "drugs", "tw-ads.drugs.indication-widened"),
        ("運動後喝一瓶，隔天零酸痛", "food", "tw-ads.efficacy.exaggerated"),
    ],
)
def test_v14_rule_named(text: str, category: str, rule: str, packs) -> None:
    assert rule in claim_rules(text, packs, category), (text, category)


def test_v14_authority_suggestion(packs) -> None:
    from studio.compliance.text import check_text

    findings = check_text("Our mattress is a medical breakthrough.", packs, "general", claim_model=False)
    hits = [f for f in findings if f.rule == "tw-ads.medical.authority-endorsement"]
    assert hits and hits[0].legal.startswith("藥事法")
    assert hits[0].suggestion and "not a cure" in hits[0].suggestion
