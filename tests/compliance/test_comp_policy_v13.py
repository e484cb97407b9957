"""tw-ads v13 (issue 11 items 2-3): claim classes from blind sets 10 and 11b's misses, and their look-alikes.

Each class is a mechanism, written wider than the line that showed it: a medicine offered without a prescription
or a doctor's visit (English and Chinese, default category), a drug's indication widened or given a cure rate, a
lab value or organ marker promised back to normal, a product likened to a medicine or a medical procedure, stopping
a treatment, a new skin or face from a cosmetic, a season without colds, a health food whose permit is pending; and
the look-alikes: the patient's attending doctor (主治醫師), an alcohol caution addressed to minors in English, a
permit disclaimer that claims nothing. Rules alone (``claim_model=False``); the sentences were written for these
tests, none is copied from bench/data. Every claim and every named rule below is unflagged on tw-ads v12 (main at
8eacb34); the first three look-alikes were flagged there, the others guard the new patterns from their neighbours.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import claim_rules


def test_pack_versions() -> None:
    assert load_pack("tw-ads").version >= 13  # v14 keeps every v13 class (test_comp_policy_v14.py)
    assert load_pack("platform-general").version == 2


CLAIMS = [
    # a prescription medicine offered without a prescription or a visit, the category left at general
    ("Fill out a short form and we mail you minoxidil tablets, no doctor's appointment needed.", "general"),
    ("Semaglutide pens in stock, shipped without a prescription.", "general"),
    ("減重針劑線上下單，免看診直接寄到家", "general"),
    # a drug's indication widened beyond its licence; a cure rate
    ("Our heartburn chewables are also great for migraines and back pain.", "drugs"),
    ("這款止咳糖漿也可以治過敏性鼻炎", "drugs"),
    ("綜合維他命錠，可治療焦慮與巴金森", "drugs"),
    ("本藥錠治癒率高達95%", "drugs"),
    ("Our wart remover has a 97% cure rate.", "general"),
    # lab values and organ markers promised back to normal, with or without a date
    ("Three weeks of our capsules and my ALT and AST were back in the normal range.", "health_food"),
    ("每天一包，膽固醇紅字全綠", "health_food"),
    # a product likened to a medicine or a medical procedure
    ("This jelly works like Ozempic.", "food"),
    ("這瓶精華液就像打了一針肉毒", "cosmetics"),
    ("抹一瓶等於做了一次皮秒", "cosmetics"),
    ("Faster than seeing a doctor: our throat spray.", "general"),
    # stopping a treatment
    ("Grandpa tossed his cane after one box of our joint jelly.", "food"),
    ("Ditch your inhaler after a month of our breathing tea.", "food"),
    # a new skin or face from a cosmetic
    ("Overnight mask for a brand-new face by morning.", "cosmetics"),
    ("果酸棉片在家就能換一層皮", "cosmetics"),
    ("A complete skin renewal in one bottle.", "general"),
    # a season or a year without a cold
    ("小朋友喝了這罐，整個冬天都不會感冒", "food"),
    ("Take two gummies a day and never catch a cold all winter.", "health_food"),
    # diseases listed and all gone at once
    ("青草茶一喝，口臭、便秘通通好", "food"),
    # a health food whose permit is pending, with a function claimed
    ("查驗登記審核中，有助於調節血糖", "health_food"),
    # alcohol: driving, sleep and tasting by minors
    ("Our lager makes you a safer driver on the way home.", "alcohol"),
    ("One glass of this port and you'll sleep like a baby.", "alcohol"),
    ("未滿18歲也可以試喝看看喔", "alcohol"),
    # drinking that names no drink, category left at general
    ("一口乾的那桌，今晚全部免單", "general"),
]

LOOKALIKES = [
    # the attending doctor and the advice to discuss with a doctor
    ("術後流質餐，少油少鹽，請與主治醫師討論是否適合", "food"),
    ("本店營養師會依主治醫師的建議調整菜單", "food"),
    # an alcohol caution addressed to minors or pregnant women, in English
    ("Plum wine 12% — pregnant women and minors should not drink alcohol.", "alcohol"),
    ("Craft cider. Not for sale to minors.", "alcohol"),
    # a permit disclaimer that claims nothing
    ("本產品為一般食品，尚未申請健康食品認證，不宣稱任何保健功效", "health_food"),
    # lab values as information, not a promise
    ("健檢報告的肝指數參考值請洽醫療院所", "general"),
    ("Blood pressure monitor shows whether your readings are in the normal range.", "general"),
    # a new product line, a prescription lens, a vitamin without a disease
    ("Meet our new skincare line for dry winters.", "cosmetics"),
    ("Sunglasses with prescription lenses, book an eye exam in store.", "general"),
    ("維他命B群錠，補充日常所需營養", "drugs"),
    # a cold season wished away without a claim
    ("冬天到了，熱熱的薑母鴨最對味", "food"),
    # wording next to the new patterns: an air-quality index, a new colleague, hypoallergenic earrings, an OTC
    # indication list, a telehealth visit, a wheelchair repair, a renovated shop
    ("空氣品質指數恢復正常，適合戶外運動", "general"),
    ("Meet a new face at our front desk: Amy joins the team.", "general"),
    ("鈦金屬耳環，敏感耳戴了都不過敏", "general"),
    ("本品可緩解頭痛、牙痛，也可緩解經痛", "drugs"),
    ("Also relieves nasal congestion and sinus pressure.", "drugs"),
    ("Telehealth: video consult with a doctor, no clinic visit needed.", "general"),
    ("Drop your wheelchair off for a free tune-up.", "general"),
    ("店面重新裝潢，脫胎換骨", "general"),
]


@pytest.mark.parametrize("text, category", CLAIMS)
def test_v13_claim_caught(text: str, category: str, packs) -> None:
    assert claim_rules(text, packs, category), (text, category)


@pytest.mark.parametrize("text, category", LOOKALIKES)
def test_v13_lookalike_allowed(text: str, category: str, packs) -> None:
    flagged = claim_rules(text, packs, category)
    assert not flagged, (text, category, flagged)


@pytest.mark.parametrize(
    "text, category, rule",
    [
        ("Order finasteride today, no prescription required.", "general", "tw-ads.drugs.named-for-general"),
        ("Allergy tablets also great for eczema.", "drugs", "tw-ads.drugs.indication-widened"),
        ("每天一包，膽固醇紅字全綠", "health_food", "tw-ads.efficacy.lab-values"),
        ("This jelly works like Ozempic.", "food", "tw-ads.medical.drug-comparison"),
        (
            "Grandpa tossed his cane after one box of our joint jelly.",
            "food",
            "tw-ads.medical.stop-treatment",
        ),
        ("A full skin renewal overnight.", "general", "tw-ads.cosmetics.skin-renewal"),
        ("整個冬天都不感冒", "health_food", "tw-ads.medical.prevention-promise"),
        ("查驗登記審核中，有助於調節血糖", "health_food", "tw-ads.health-food.permit-pending"),
    ],
)
def test_v13_rule_named(text: str, category: str, rule: str, packs) -> None:
    assert rule in claim_rules(text, packs, category), (text, category)


def test_v13_skin_renewal_suggestion(packs) -> None:
    from studio.compliance.text import check_text

    findings = check_text("A full skin renewal overnight.", packs, "general", claim_model=False)
    renewal = [f for f in findings if f.rule == "tw-ads.cosmetics.skin-renewal"]
    assert renewal and renewal[0].legal.startswith("化粧品衛生安全管理法")
    assert renewal[0].suggestion == "gently removes dead skin cells"
