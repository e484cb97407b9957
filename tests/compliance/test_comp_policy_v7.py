"""tw-ads v7 (issue 11 items 2-3, claims6): each new class with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``). The classes come from blind set 5's errors (now a development
set) read against the laws (藥事法 第67-69條, 菸酒管理法 第37條, the food and cosmetics 認定準則); the sentences were
written for these tests, none is copied from bench/data.
"""

from __future__ import annotations

import pytest

from studio.compliance.rules import load_pack
from tests.helpers import stopping_rules as _flagged


def test_pack_version() -> None:
    assert load_pack("tw-ads").version >= 7  # v8 keeps every v7 class (test_comp_policy_v8.py)


# -- negations: a quantifier after the cue, a question answered "no" --------------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("本枕頭為一般寢具，沒有任何療效。", "general", False),  # 任何 between 沒有 and 療效
        ("本品不具一切醫療效能，請安心選購。", "general", False),
        ("本枕頭有神奇療效，睡一晚就好。", "general", True),
        ("Q：哺乳中可以喝嗎？ A：不建議，哺乳期間請勿飲酒。", "alcohol", False),
        ("Hangover-free cider? No such thing: pace yourself and never drink and drive.", "alcohol", False),
        ("Hangover-free cider? Yes, every single time!", "alcohol", True),  # answered yes: still a claim
        ("喝了會不會宿醉？不會！", "alcohol", True),  # 不會 after a question about a harm asserts the claim
        ("孕婦可以喝嗎？可以，放心喝！", "alcohol", True),
    ],
)
def test_negation_quantifier_and_answered_question(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- drugs named with the default category; smoking cessation is no tobacco promotion ----------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("Rx-only weight-loss pen, delivered to your door", "general", True),
        ("Quitting smoking? These lozenges help relieve nicotine cravings.", "drugs", False),
        ("Smoking cessation support gum, ask your pharmacist", "drugs", False),
        ("Smoking lounge upstairs, cigars on sale", "general", True),
    ],
)
def test_rx_only_and_smoking_cessation(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category) - {"tw-ads.drugs.permit"}) is flagged


# -- 藥事法 第69條 and the cosmetics 認定準則: a medical procedure made unnecessary, a medicine stopped gradually,
# an illness that never came, a liver value before and after --------------------------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("擦了這瓶淡斑精華，根本不用再打雷射", "cosmetics", True),
        ("Skip the laser: this serum fades age spots for good", "cosmetics", True),
        ("雷射術後可搭配使用的保濕精華，請依醫師指示", "cosmetics", False),
        ("Gentle enough to use after laser treatments, as your dermatologist advises.", "cosmetics", False),
        ("每天兩顆，糖尿病友可慢慢停藥", "health_food", True),
        ("服藥中請勿自行停藥，請先諮詢醫師", "health_food", False),
        ("喝了一整個冬天，全家都沒感冒", "food", True),
        ("I haven't caught a single cold since I started this tea", "food", True),
        ("全家都沒時間煮飯？交給我們的便當", "food", False),
        ("Three months in, my ALT went from 98 to 30", "general", True),
        ("肝指數從120降到40，醫生都說神奇", "food", True),
        ("Our ALT key shortcut works from 2 to 30 apps", "general", False),
    ],
)
def test_medical_procedure_medicine_and_values(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- exaggeration (食品 認定準則 annex; 公平交易法 第21條) -------------------------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("This serum erases crow's feet within 10 days", "cosmetics", True),
        ("Down two sizes: no diet, no exercise, just this tea", "food", True),
        ("Lost 5 kg without dieting or exercise!", "general", True),
        ("兩個月骨密度增加 15%，長輩最愛", "health_food", True),
        ("Erases pencil marks cleanly", "general", False),
        ("A gentle routine: balanced diet, daily exercise and this tea", "food", False),
        ("本品含鈣 200 mg，佔每日所需 20%", "health_food", False),
    ],
)
def test_exaggeration_v7(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- drug ads (藥事法 第66-68條, 第67條) ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("祖傳藥丸專治高血壓，一盒見真章", True),  # a prescription-only disease
        ("喉糖 衛部藥製字第000001號，還能預防新冠", True),
        ("These lozenges even prevent covid", True),
        ("This antacid also flushes toxins from your stomach", True),
        ("本藥排毒又養顏", True),
        ("社區講座現場加贈降血糖藥一盒", True),  # a prescription medicine given away
        ("Rx-only strength now at our shop", True),
        ("down 6 kg in a month with this capsule", True),
        ("服用降血壓藥者，使用前請諮詢醫師或藥師", False),
        ("高血壓患者使用前請先諮詢醫師", False),
        ("緩解感冒引起之鼻塞、流鼻水 衛部藥製字第000001號 衛部藥廣字第000001號", False),
    ],
)
def test_drug_ads_v7(packs, text: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, "drugs") - {"tw-ads.drugs.permit"}) is flagged


# -- 菸酒管理法 第37條: minors invited to drink along ----------------------------------------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("畢業派對指定調酒，未滿18歲也可以一起乾杯", "alcohol", True),
        ("精釀啤酒節，未滿 20 歲也能一起嗨", "general", True),
        ("精釀啤酒節，未滿18歲請勿飲酒，可入場參觀", "alcohol", False),
        ("親子音樂會，未滿18歲也能一起嗨", "general", False),  # no drink named
    ],
)
def test_minors_drink_along(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged
