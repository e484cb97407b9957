"""tw-ads v6 (issue 11 items 2-3, claims5): each new rule with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``). The classes come from blind set 4's errors (now a development
set) read against the laws (藥事法 第22/27/66-69條, 菸酒管理法 第37條, 健康食品管理法 第14條, the food and cosmetics
認定準則); the sentences were written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from tests.helpers import stopping_rules as _flagged


# -- English patterns right after Chinese copy; 無限 is not a negation -----------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        (
            "夏日特調 drink till you drop",
            "alcohol",
            True,
        ),  # the space next to 調 is dropped: \b must still hold
        ("暢飲無限 all night, drink till sunrise", "alcohol", True),  # 無限 = unlimited, not a negation
        ("膠原蛋白飲 whitening from the inside", "general", True),
        ("夏日特調 drink responsibly", "alcohol", False),
        ("無酒精 drink for the whole family", "general", False),
    ],
)
def test_english_after_chinese_and_unlimited(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 藥事法 第69條: medical efficacy for every non-drug ---------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        # chat spellings of 好了 and a symptom that stopped
        ("擦了兩週，濕疹竟然好惹", True),
        ("女兒的鼻子過敏，睡這顆枕頭後晚上就不咳了", True),
        ("這家店的滷肉飯好惹味", False),
        ("天氣變暖，早上起床不冷了", False),
        # a medicine stopped or cut
        ("媽媽喝了半年，降血糖的藥就停了", True),
        ("Grandpa came off his heart medication after a month of this tea.", True),
        ("喝了一年，降血糖的藥就可以不用再吃了", True),
        ("喝這壺茶，量血糖都不用擔心了", True),
        ("每天量血糖，記錄更安心", False),
        ("停車場旁邊就有藥局，買藥很方便", False),
        ("Keep all medicines out of the reach of children.", False),
        # every disease at once, a product named for a disease
        ("喝這壺茶，全家百病不侵", True),
        ("嘴破貼片，一貼就舒服", True),
        ("Arthritis cream with a warming feel", True),
        ("百貨公司週年慶，全館八折", False),
        ("Cold cream for winter hands", False),
        ("Lemon drops with real honey", False),
        # a measured value before and after
        ("睡了三個月，血糖從250降到110", True),
        ("My cholesterol went from 260 to 180 on this oat milk.", True),
        ("Before: blood pressure 165. After eight weeks of our walks: 128.", True),
        ("The price went from 260 to 180 dollars this week.", False),
        ("Before: 250 g per pack. After the upgrade: 300 g.", False),
        # drunkenness and hangovers, in English
        ("Hangover-proof jelly for the office party", True),
        ("Our hangover brunch is served until 3 pm.", False),
        # states of a body function and an organ
        ("戴上這條手鍊，血液循環變好", True),
        ("這台循環扇讓房間空氣循環變好", False),
        ("Eat two a day and your eyesight comes back.", True),
        ("Our best-selling jacket comes back in three colours.", False),
        ("Say goodbye to the three highs with this oolong.", True),
        ("Say goodbye to the three flights of stairs: we deliver.", False),
        # drinking your way to whiter or slimmer
        ("每天一瓶，喝出透白肌", True),
        ("每天一瓶，喝出好心情", False),
        ("吃了就瘦的零食", True),
        ("吃了就睡的午後", False),
        # charities named after an organ or a disease
        ("Every bottle sold supports the liver foundation's free screening day.", False),
        ("Supports your liver while you sleep.", True),
        # dental caries
        ("嚼一嚼，蛀牙自己長回來", True),
        ("含氟牙膏，早晚刷牙預防蛀牙", False),
    ],
)
def test_medical_efficacy_classes(packs, text: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, "general")) is flagged


def test_cured_meat_is_not_a_cure(packs) -> None:
    assert not _flagged("Dry-cured ham, aged for two years.", packs, "food")
    assert _flagged("This broth cured my cough.", packs, "food")


# -- exaggeration for every product ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("Dentists hate this: a gum that whitens teeth overnight.", True),
        ("吃了三個月，醫生都嚇到了", True),
        ("Dentists recommend brushing twice a day.", False),
        ("醫生提醒：每天喝足水", False),
        ("去斑精華，不復發", True),
        ("It dissolves cellulite and belly fat in weeks.", True),
        ("The enzyme dissolves grease and baked-on fat from pans.", False),
        ("喝了皮膚變白，逆齡十歲", True),
        ("十歲的孩子也愛喝", False),
        ("體脂肪兩週少五公斤", True),
        ("體脂計一台只要九百元", False),
        ("細紋全消的眼霜", True),
        ("Hair tonic: 100% regrowth or your money back", True),
        ("100% cotton, money-back guarantee", False),
    ],
)
def test_exaggeration_classes(packs, text: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, "general")) is flagged


# -- the rest of the food 認定準則 annex's examples (body appearance, physiological functions, cited books) ------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("黑芝麻粉，使頭髮烏黑", "food", True),
        ("黑芝麻粉，香濃好沖泡", "food", False),
        ("每天一杯，預防乳房下垂", "food", True),
        ("哺乳媽媽的發奶茶", "food", True),
        ("哺乳媽媽的下午茶", "food", False),
        ("本草綱目記載，紅棗能補血", "general", True),
        ("本草綱目的插畫展，週末開放", "general", False),
        ("阻斷澱粉吸收的膠囊", "general", True),
        ("Our carb blocker capsules", "general", True),
        ("Blackout curtains block light and heat.", "general", False),
        ("枸杞菊花茶，清肝明目", "general", True),
        ("明目張膽的低價", "general", False),
        ("這款米餅讓孩子吃了更聰明", "general", True),
        ("益智積木，親子一起玩", "general", False),
    ],
)
def test_food_annex_examples(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- drug ads: beyond any OTC indication, testimonials, dose safety, unapproved ads ---------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("這瓶胃乳吃了，連胃癌都不用怕", True),
        ("Our eye drops dissolve cataracts in a month.", True),
        ("緩解胃酸過多引起的不適", False),  # an OTC indication
        ("藥布：連椎間盤突出都能消", True),
        ("藥布：緩解肩頸痠痛", False),
        ("One tablet for everything: it cures it all.", True),
        ("One tablet every four hours, no more than six a day.", False),
        ("止痛錠長期服用還能保護心臟", True),
        ("止痛錠請勿長期服用", False),
        ("兒童感冒糖漿，多喝幾瓶也沒關係", True),
        ("兒童感冒糖漿，請依年齡服用", False),
        ("Tastes like candy, so the kids ask for more.", True),
        ("部落客真心推薦的胃腸藥", True),
        ("藥師提醒：飯後服用", False),
        ("A patient says: 'This cream changed my life.'", True),
        ("Ask your pharmacist before use.", False),
        ("藥廣字申請中，先搶先贏", True),
        ("日本帶回的眼藥水，現貨", True),
        ("不用去藥局，在家就能買到", True),
        ("衛部藥廣字第000000號，請依說明使用", False),
        ("正品保證，保證非水貨", False),
        ("Guaranteed authentic, every box carries its licence number.", False),
    ],
)
def test_drug_ads(packs, text: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, "drugs")) is flagged


# -- 菸酒管理法 第37條: alcohol ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("這支高粱不傷肝，天天喝都可以", True),
        ("每天來一杯也沒關係", True),
        ("懷孕也能放心喝的低酒精果酒", True),
        ("喝完再測，酒測值比較低", True),
        ("喝兩杯反應更快", True),
        ("飲酒過量有害健康？騙人的", True),
        ("This batch skips the boring health warning.", True),
        ("暢飲無限，喝到天亮", True),
        ("酒廠導覽：未成年需家長陪同，不提供試飲", False),
        ("禁止酒駕，飲酒過量有害健康", False),
        ("孕婦及未成年人請勿飲用", False),
        ("Every pint sold supports the heart foundation's CPR classes.", False),
        ("A glass a day supports the heart.", True),
        ("這款啤酒冰過更好喝", False),
    ],
)
def test_alcohol_classes(packs, text: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, "alcohol")) is flagged


def test_alcohol_rules_run_under_the_default_category_when_the_copy_names_a_drink(packs) -> None:
    assert _flagged("這款威士忌不會傷肝", packs, "general")
    assert not _flagged("這款威士忌冰過更順口", packs, "general")
    # drinking words that name no drink are category cues too
    assert _flagged("Two pints and you'll still pass the breathalyser.", packs, "general")
    assert _flagged("下班喝兩杯，這支不傷肝", packs, "general")
    assert not _flagged("A pint of fresh milk for breakfast.", packs, "general")
    assert not _flagged("下班喝兩杯咖啡提神", packs, "general")


# -- health-food function names in English ------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("A yogurt that helps improve gut function.", "general", True),
        ("Ginseng tablets that relieve physical fatigue.", "food", True),
        ("A yogurt that helps improve gut function.", "health_food", False),
        ("A yogurt with a smooth, creamy texture.", "general", False),
    ],
)
def test_health_food_function_names_in_english(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged
