"""tw-ads v8 (issue 11 items 2-3, claims7): each new class with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``). The classes come from blind set 6's errors (now a development
set) read against the laws (藥事法 第68-69條, 菸酒管理法 第37條, the food, health-food and cosmetics 認定準則, 公平交易法
第21條); the sentences were written for these tests, none is copied from bench/data.
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
    assert load_pack("tw-ads").version >= 8  # v9 keeps every v8 class (test_comp_policy_v9.py)


# -- evasion: leetspeak inside a Latin word, zhuyin syllables inside a Chinese word -------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("cures d1abetes", "cures diabetes"),
        ("fights c@ncer", "fights cancer"),
        ("protects your l!ver", "protects your liver"),
        ("h3art d1sease", "heart disease"),
        # digits that are part of a name stay: vitamin d3, b12, covid19, spf50, 3rd, h2o, hba1c
        (
            "vitamin d3, b12, covid19, spf50, 3rd, h2o, hba1c",
            "vitamin d3, b12, covid19, spf50, 3rd, h2o, hba1c",
        ),
        ("ㄐㄧㄤˋ血糖", "降血糖"),
        ("ㄒㄩㄝˋㄧㄚ", "血压"),  # folded like any Traditional character (壓 -> 压)
        ("治ㄉㄡˋ", "治痘"),
        ("好了ㄌ", "好了ㄌ"),  # a lone particle stays as written
    ],
)
def test_evasion_normalised(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("This tea basically cured my d1abetes", "general", True),
        ("Our balm shrinks c@ncer tumours", "general", True),
        ("每天一杯 ㄐㄧㄤˋ血糖 超有感", "food", True),
        ("穿這款護膝一個月，我的ㄒㄩㄝˋㄧㄚ降下來了", "general", True),
        ("Vitamin D3 and B12 in every tablet", "food", False),
        ("新品上市ㄌ～快來看看ㄟ", "general", False),
    ],
)
def test_evasion_claims(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 菸酒管理法 第37條: excess, schoolchildren, health; drinking cues with the default category --------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("生啤暢飲到天亮，週五見！", "alcohol", True),
        ("威士忌一口氣乾完三杯送一杯", "alcohol", True),
        ("酒量大才算真朋友，今晚不醉不休", "alcohol", True),
        ("Happy hour: chug 5 beers and the sixth is on us", "alcohol", True),
        ("果味氣泡酒禮盒，國中生最愛的卡通包裝", "alcohol", True),
        ("Our gin is basically vitamins in a glass", "alcohol", True),
        ("The rum that won't hurt your liver", "alcohol", True),
        ("聚會必備：一人一打才盡興", "general", True),  # names no drink: 一人一打 is the cue
        # look-alikes
        ("啤酒燉雞（含酒精）孕婦及兒童請斟酌食用", "alcohol", False),
        ("威士忌品飲會，每人三款各 15 ml，飲酒過量，有害健康", "alcohol", False),
        ("為畢業乾杯！鮮榨果汁第二杯半價", "general", False),  # a toast alone names no drink
        ("一人一份早餐套餐，附果汁", "general", False),
    ],
)
def test_alcohol_excess_minors_health(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- 藥事法 第68條 (endorsements, advertorials), 第67條 (no prescription, no return visit), cure-alls ----------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("Dr. Wu, a surgeon in Kaohsiung, personally recommends this ointment.", "drugs", True),
        ("Health weekly advertorial: our syrup and the family that swears by it", "drugs", True),
        ("After one bottle her hepatitis C was gone, her daughter told us", "drugs", True),
        ("祖傳萬應油，頭痛中風都好用", "drugs", True),
        ("Sleeping tablets, order today, no prescription, without prescription", "drugs", True),
        ("慢性病處方藥 免回診 每月宅配", "drugs", True),
        (
            "Licensed drug: the No.1 doctor-recommended sleep pill",
            "general",
            True,
        ),  # 'licensed drug' names a medicine
        # look-alikes
        ("Ask your pharmacist which antacid suits you; your doctor can recommend a dose.", "drugs", False),
        ("第二類成藥 止痛錠 衛部成製字第000000號 請依說明書使用", "drugs", False),
    ],
)
def test_drug_endorsement_and_prescription(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- every product: weight lost in a stated time, never breaks, eyesight restored, "won't get" a disease, OUT ------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("纖體茶 兩週掉 4 公斤", "food", True),
        ("果醋飲 10 天甩油 2kg", "general", True),
        ("這台洗碗機永不故障", "general", True),
        ("The VisionPad restores perfect eyesight in a month", "general", True),
        ("擦了這款乳液就不會得濕疹", "cosmetics", True),
        ("喝這款茶 痛風OUT", "general", True),
        # look-alikes
        ("一週運動 3 次，每次 30 分鐘", "general", False),
        ("保固兩年，故障免費到府維修", "general", False),
        (
            "Anti-dandruff shampoo: removes flakes and reduces scalp itch caused by dandruff",
            "cosmetics",
            False,
        ),
        ("Blue-light glasses for long hours at the screen", "general", False),
    ],
)
def test_exaggeration_and_medical(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged


# -- disclaimers: 不代表 / 未宣稱 govern what follows; the approved dental health-food wording ------------------------
@pytest.mark.parametrize(
    "text, category, flagged",
    [
        ("痠痛貼布 衛部藥製字第000001號（本廣告不代表療效保證）", "drugs", False),
        ("本品非健康食品，亦未宣稱任何保健功效", "alcohol", False),
        ("本酒有保健功效", "alcohol", True),
        ("木糖醇錠 衛部健食字第A00000號 不易形成齲齒", "health_food", False),
    ],
)
def test_disclaimers_and_dental_wording(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged
