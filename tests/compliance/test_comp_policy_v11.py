"""tw-ads v11 (issue 11 items 2-3, claims10): each new class with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``). The classes come from blind set 9's errors (now a development
set) read against the laws (藥事法 第66-69條, 健康食品管理法 第14條 and TFDA's standard statements of the approved
functions, the food and cosmetics 認定準則, 菸酒管理法 第37條), each written wider than the error that showed it; the
sentences were written for these tests, none is copied from bench/data.
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
    assert load_pack("tw-ads").version >= 11


# -- normalisation: more zhuyin syllables of the disease vocabulary -------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("乳房纖維ㄌㄧㄡˊ", "乳房纤维瘤"),
        ("足ㄒㄩㄢˇ", "足癣"),
        ("ㄌㄟ", "ㄌㄟ"),  # a lone chat particle stays as written
    ],
)
def test_zhuyin_disease_syllables(text: str, expected: str) -> None:
    assert normalise(text) == expected


CASES = [
    # 藥事法 第69條: gone in other verbs and in Taiwanese (就消, 消掉, 落來), a tumour spelt in zhuyin
    ("這包熱敷墊，甲狀腺結節一個月慢慢消掉", "general", True),
    ("薄荷膏擦一下，蚊蟲咬傷的紅腫馬上就消", "cosmetics", True),
    ("每天一杯，血壓就落來", "food", True),
    ("本店消費滿千送百，尿布買一送一", "general", False),
    ("這條手鍊戴著，乳房纖維ㄌㄧㄡˊ都不見了", "general", True),
    # 藥事法 第69條: the patient's medicine stopped or the doctor made unnecessary, Taiwanese and English
    ("阿伯食這款茶，降血糖的藥仔就會使停", "food", True),
    ("食了這罐，免閣食藥仔", "food", True),
    ("喝這款精力湯，以後免閣予醫生看", "general", True),
    ("Drink this tea daily and ditch your cholesterol pills", "food", True),
    ("Never stop taking your medication without talking to your doctor", "food", False),
    ("請勿自行停藥，用藥問題請洽藥師", "general", False),
    # 藥事法 第69條: a patient able to walk or sleep normally after use; germs killed by percent; "acne treatment"
    ("這款護腰，椎間盤突出患者戴三天就能正常走路", "general", True),
    ("Arthritis sufferers walk pain-free again in these insoles", "general", True),
    ("步道平緩，行動不便的長者也能輕鬆散步", "general", False),
    ("This foam kills 99.9% of acne bacteria overnight", "cosmetics", True),
    ("A gentle acne treatment gel for teens", "cosmetics", True),
    ("A gentle cleanser for oily, acne-prone skin", "cosmetics", False),
    # 化粧品 認定準則 (生理機能): the vagina tightened or restored
    ("產後私處緊實噴霧，讓陰道恢復彈性", "cosmetics", True),
    ("Our vaginal tightening gel works in a week", "cosmetics", True),
    ("私密處清潔凝露，弱酸性配方，溫和潔淨", "cosmetics", False),
    # cosmetics: melasma removed is a skin disease treated; spots faded is allowed cosmetic wording
    ("美白精華讓肝斑完全去除", "cosmetics", True),
    ("美白精華，淡化黑色素，使膚色均勻", "cosmetics", False),
    ("卸妝乳溫和去除防水彩妝", "cosmetics", False),
    # 健康食品管理法 第14條: the approved function's standard statement after its name is lawful; beyond it is not
    ("衛部健食字第A00991號 免疫調節功能：經動物實驗，有助於增強免疫力", "health_food", False),
    ("衛部健食字第A00992號 輔助調節血壓功能：經人體試驗，有助於調節血壓", "health_food", False),
    ("衛部健食字第A00993號 有助於增強免疫力，吃了從此不感冒", "health_food", True),
    ("衛部健食字第A00994號 有助於調節血壓，高血壓可以停藥", "health_food", True),
    # 健康食品管理法 第14條 (不得虛偽誇張): the strongest health food of a market
    ("衛部健食字第A00995號 全台最強的護肝健康食品", "health_food", True),
    ("衛部健食字第A00996號 護肝功能，台灣製造", "health_food", False),
    # 菸酒管理法 第37條: an age under 18 set as the threshold to join or buy
    ("梅酒品飲課，年滿十六歲即可報名。禁止酒駕 飲酒過量，有害健康", "alcohol", True),
    ("Cider tasting, ages 16+ welcome. 禁止酒駕 飲酒過量，有害健康", "alcohol", True),
    ("梅酒品飲課，年滿十八歲即可報名。禁止酒駕 飲酒過量，有害健康", "alcohol", False),
    # 藥事法 第66條: drug ads beyond the indication (還能 + an unrelated effect, a structural disease made to vanish)
    ("衛部藥製字第058888號 胃腸藥，吃了還能瘦身", "drugs", True),
    ("衛部成製字第012345號 痠痛藥布，貼一週骨刺自己消失", "drugs", True),
    ("衛部藥輸字第023456號 This cold tablet even cures pneumonia", "drugs", True),
    ("衛部藥製字第034567號 本品用於緩解頭痛、牙痛，服藥後仍不適請就醫", "drugs", False),
    ("衛部成製字第045678號 痠痛貼布，緩解肩頸痠痛；骨刺患者請先諮詢醫師", "drugs", False),
]


@pytest.mark.parametrize("text, category, flagged", CASES)
def test_v11_classes(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged, _flagged(text, packs, category)
