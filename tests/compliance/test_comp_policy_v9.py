"""tw-ads v9 (issue 11 items 2-3, claims8): each new class with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``). The classes come from blind set 7's errors (now a development
set) read against the laws (藥事法 第20條、第66-69條, 健康食品管理法 第6條、第14條, the food and cosmetics 認定準則,
菸酒管理法 第37條, 公平交易法 第21條); the sentences were written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from studio.compliance.text import normalise
from tests.helpers import stopping_rules


def _flagged(text: str, packs, category: str) -> set[str]:
    return stopping_rules(text, packs, category) - {
        "tw-ads.drugs.permit"
    }  # every drug ad is reviewed for its permit


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 9  # v10 keeps every v9 class (test_comp_policy_v10.py)


# -- normalisation: a zhuyin syllable with the wrong tone, prescriptions ----------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("降ㄒㄩㄝˇ脂", "降血脂"),  # 血 is ㄒㄩㄝˋ; the tone a writer puts does not hide it
        ("免ㄔㄨˋ方", "免处方"),  # folded like any Traditional character (處 -> 处)
    ],
)
def test_zhuyin_tones_and_prescriptions(text: str, expected: str) -> None:
    assert normalise(text) == expected


# -- disclaimers: "does not replace the treatment", "not intended to" ----------------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("每日一包 衛部健食字第A00000號 調節血脂；本品不能取代醫師的治療", "health_food", False),
        (
            "Tracks your resting heart rate. Not intended to diagnose or treat heart disease.",
            "general",
            False,
        ),
        ("本品能取代醫師的治療", "health_food", True),
        ("Our ring can diagnose and treat heart disease", "general", True),
    ],
)
def test_disclaimers(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 藥事法 第66條、第68條, drug ads: testimonials with a time to the result, celebrity or coach picks, "the only
#    medicine", other medicines stopped; a licensed drug stating its indication is allowed ---------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("我爸擦了這條藥膏兩天就能下床走路", "drugs", True),
        ("My grandpa took two tablets and was back on the golf course the next morning", "drugs", True),
        ("止癢軟膏 三天就好", "drugs", True),
        ("TV doctor Chen's favourite cough syrup", "drugs", True),
        ("Trainer's pick: ibuprofen gel after leg day", "drugs", True),
        ("The only allergy medicine you will ever need", "drugs", True),
        ("這帖藥草喝了可以停西藥", "drugs", True),
        ("護眼滴劑點兩週，度數少50度", "drugs", True),
        # look-alikes: the indication, the leaflet, advice
        ("衛部藥製字第000000號 北市衛藥廣字第000000000號 止癢軟膏：緩解蚊蟲叮咬引起之搔癢", "drugs", False),
        (
            "Relieves minor aches for up to 8 hours. Read the leaflet; ask your pharmacist if unsure.",
            "drugs",
            False,
        ),
        ("症狀持續三天未改善請就醫", "drugs", False),
    ],
)
def test_drug_testimonials_and_outcomes(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 藥事法 第20條、第66條、第67條: a shop's own mixture, an ad permit never obtained, prescription medicines as a reward
#    or without a consultation; a prescription-only text for health professionals is allowed -------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("本草堂自行調配的藥粉，宅配到府", "drugs", True),
        ("廟方香灰配藥包免費結緣", "drugs", True),
        ("本草堂獨門藥方湯藥包", "general", True),  # names a medicine with the default category
        ("腸胃錠 衛部藥製字第000000號（尚未取得廣告核准）", "drugs", True),
        ("Cough drops: ad approval not yet obtained", "drugs", True),
        ("Refer a friend and win a month of prescription diet pills!", "drugs", True),
        ("Prescription sleeping tablets as a free gift with every order", "drugs", True),
        ("Hair-loss tablets shipped to you, no consultation required", "drugs", True),
        ("Rx-only weight-loss injections, order today", "drugs", True),
        # look-alikes
        (
            "Prescription-only: this material is for healthcare professionals and medical journals",
            "drugs",
            False,
        ),
        ("Duty-free shop: prescription medicines are not sold here", "drugs", False),
        ("本店藥膳排骨湯，中藥材依古法熬煮", "food", False),
    ],
)
def test_drug_channels_and_permits(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 健康食品管理法 第6條、第14條: a function claimed while the permit is pending, safe for everyone, never ill ----------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("輔助調節血壓的膠囊，健康食品許可送審中", "health_food", True),
        ("Immune regulation drink (health food permit not yet issued)", "health_food", True),
        ("Certified health food: safe for kids, pregnant women and seniors", "health_food", True),
        ("健康食品 男女老少都能安心吃", "health_food", True),
        ("吃了這罐益生菌，全年不感冒", "health_food", True),
        ("薑母茶天天喝，從此不感冒", "food", True),
        ("Mix a scoop into breakfast and you can finally give up your statins", "food", True),
        ("Our No.1 health food for g-o-u-t", "health_food", True),  # a supplement named for a disease
        # look-alikes
        ("健康食品許可審核中，目前依一般食品販售，不宣稱保健功效", "health_food", False),
        ("孕婦、哺乳期婦女請先諮詢醫師", "health_food", False),
        ("感冒時請多休息、多喝水", "food", False),
        ("A supplement for busy mornings", "food", False),
    ],
)
def test_health_food_beyond_permit(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- every product (公平交易法 第21條, the food and cosmetics 認定準則): as good as surgery, a measure before and after,
#    girth in a stated time, growing taller, postpartum and lactation, injury-free guaranteed ------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("這款緊緻霜效果比醫美還好", "cosmetics", True),
        ("A neck cream with results comparable to a facelift", "cosmetics", True),
        ("Slimming gel: thighs down 3 cm in ten days", "cosmetics", True),
        ("Fat-dissolving body cream", "cosmetics", True),
        ("膠原蛋白飲 wrinkles down 30% in 4 weeks", "food", True),
        ("熱敷墊用一週，疼痛指數從7降到2", "general", True),
        ("代餐吃一個月 體重從70變62", "food", True),
        ("轉大人必喝，喝了就會長高", "food", True),
        ("增高精油 睡前按摩膝蓋", "cosmetics", True),
        ("坐月子必備：幫助子宮收縮、排惡露", "food", True),
        ("Postpartum soup that helps the womb recover", "food", True),
        ("哺乳媽媽喝了，奶量三天加倍", "food", True),
        ("每天一杯黑木耳露，降ㄒㄩㄝˇ糖", "food", True),
        ("Running shoes: injury-free guaranteed", "general", True),
        ("Cough spray for kids", "general", True),
        ("Sedative gummies for a calm night", "general", True),  # a medicine named with the default category
        # look-alikes
        ("Fluoride toothpaste that helps prevent tooth decay", "cosmetics", False),  # like 預防蛀牙
        ("比上一代更好推的粉底液", "cosmetics", False),
        ("室溫從30降到26度，冷氣更省電", "general", False),
        ("這棵樹三年長高了兩公尺", "general", False),
        ("月子餐：每日配送，菜單由營養師設計", "food", False),
        ("Cold spray for the beach cooler", "general", False),
    ],
)
def test_exaggeration_and_medical(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 菸酒管理法 第37條 with the default category: a drink named in other words; sexual function ----------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("拉格買一送一，學生證再折50", "general", True),
        ("Irish coffee: two for one with your student card", "general", True),
        ("Deer-antler liquor boosts male virility", "alcohol", True),
        ("Ginseng wine, a kidney tonic for men", "alcohol", True),
        ("Wear the copper bracelet and your eczema clears up", "general", True),
        # look-alikes
        ("Six-pack abs start in the kitchen: our meal plans", "general", False),
        ("學生證享飲料第二杯半價", "general", False),
    ],
)
def test_alcohol_cues_and_more(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- the same laws, classes the rules alone missed on the older development sets (the classifier caught them) -------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        # drugs: a named patient's cure story, a doctor's patients all on it, safer than a prescription, no surgery
        ("陳太太用了這罐藥膏一個月，濕疹完全好了", "drugs", True),
        ("主持人說他診所的病人都在吃這款胃藥", "drugs", True),
        ("這款退燒糖漿比醫院開的藥更溫和", "drugs", True),
        ("Joint capsules: no more hip surgery", "drugs", True),
        ("口腔凝膠一抹就不痛", "drugs", True),
        ("止痛貼布，完全沒副作用", "drugs", True),
        ("Capsules indicated for seasonal allergies", "general", True),  # an indication names a medicine
        # every non-drug: an organ kept healthy, the body detoxed, cup sizes, fewer medicines, no return visit,
        # years off the clock, a steady value, sinews, a disease that won't hurt again, cleared out
        ("Olive oil shots keep your arteries healthy", "food", True),
        ("Foot patches that detox your whole body overnight", "general", True),
        ("Firming balm: up two cup sizes", "cosmetics", True),
        ("喝了這款茶，醫生開的藥可以慢慢減量", "food", True),
        ("穿上磁石護腰，不用回診", "general", True),
        ("A serum that turns back your skin's clock", "cosmetics", True),
        ("每天一匙 血糖穩穩", "food", True),
        ("黑芝麻糊 顧筋骨", "food", True),
        ("戴上手環，偏頭痛就不會再痛了", "general", True),
        ("吃了這罐益生菌不會感染腸病毒", "health_food", True),
        ("酵素粉喝三天 宿便全清", "food", True),
        ("纖腰褲 穿一週 腰圍-3cm", "general", True),
        ("天然礦石手鍊保證轉運，無效全額退", "general", True),
        ("學習檯燈用半年 度數 -50 度", "general", True),
        ("膠原錠 健康食品等級", "health_food", True),
        ("保健飲 健康食品認證中，喝了延緩疲勞", "health_food", True),
        # alcohol: driving after a drink, a drink good for the baby, a double negation that commands excess
        ("Two pints in and you'll drive better", "alcohol", True),
        ("孕媽咪每天喝一點米酒對寶寶很好", "alcohol", True),
        ("今天不乾到天亮不准走", "alcohol", True),
        # look-alikes
        ("藥妝店週年慶全館減半", "general", False),
        ("Do not drink and drive", "alcohol", False),
        ("孕婦請勿飲酒", "alcohol", False),
        ("活動筋骨，每天散步三十分鐘", "general", False),
        ("這支護手霜比上一支更溫和", "cosmetics", False),
        ("七天鑑賞期，不滿意全額退款", "general", False),
    ],
)
def test_classes_from_older_sets(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged
