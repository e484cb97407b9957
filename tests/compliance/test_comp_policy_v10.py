"""tw-ads v10 (issue 11 items 2-3, claims9): each new class with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``). The classes come from blind set 8's errors (now a development
set) read against the laws (藥事法 第66-69條, 健康食品管理法 第6條、第14條, the food and cosmetics 認定準則, 菸酒管理法
第37條, 公平交易法 第21條), each written wider than the error that showed it; the sentences were written for these
tests, none is copied from bench/data.
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
    assert load_pack("tw-ads").version >= 10  # v11 keeps every v10 class (test_comp_policy_v11.py)


# -- normalisation: a word cut by dots into short pieces, one or two characters quoted inside a word ------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("ar.thr.itis", "arthritis"),
        ("d.ia.bet.es", "diabetes"),
        ("有「益」健康", "有益健康"),
        ("抗『癌』配方", "抗癌配方"),
        ("顯示「禁止酒駕」字樣", "显示「禁止酒驾」字样"),  # a quoted term keeps its quotes
        ("see shop.example.com", "see shop.example.com"),  # pieces longer than three letters stay
    ],
)
def test_dotted_words_and_inword_quotes(text: str, expected: str) -> None:
    assert normalise(text) == expected


CASES = [
    # 藥事法 第69條: recurrence ruled out in any word order, pets' diseases, no more vet visits
    ("喝了這款茶飲，偏頭痛就不會再復發", "food", True),
    ("This balm means the eczema never comes back", "cosmetics", True),
    ("貓咪吃了三個月，腎衰竭完全康復", "general", True),
    ("Joint chews for dogs - skip the vet visits", "general", True),
    ("每年帶毛孩看獸醫做健康檢查", "general", False),
    ("本品不能預防偏頭痛復發，請遵醫囑", "food", False),
    # 食品 認定準則 annex: slimming counted in clothing sizes
    ("每天一杯，褲頭鬆了三格", "food", True),
    ("Drop two dress sizes with our shake", "food", True),
    ("褲子有S、M、L三個尺碼", "general", False),
    ("Available in two dress sizes", "general", False),
    # 食品 認定準則 annex: memory or focus raised
    ("孩子喝了專注力提升40%", "food", True),
    ("These gummies boost your kids' memory", "food", True),
    ("考前記憶力大考驗：猜謎活動", "general", False),
    # 公平交易法 第21條: a miracle medicine
    ("這罐是阿嬤的神藥，什麼都擦", "general", True),
    ("Our wonder balm for every ache", "cosmetics", True),
    # 健康食品管理法 第14條: the approved wording in its other forms is allowed
    ("衛部健食字第A00999號 牙齒保健：有助於降低齲齒的發生", "health_food", False),
    ("衛部健食字第A00998號 經人體試驗，有助於延緩餐後血糖上升（調節血糖功能）", "health_food", False),
    ("衛部健食字第A00997號 喝了蛀牙全好", "health_food", True),
    # advice to see a doctor stops at a semicolon: the function named before it is still a claim (default category)
    ("本保健飲（健康食品，調節血糖）孕婦不宜；糖尿病患者請遵醫囑", "general", True),
    ("糖尿病患者飲用前請諮詢醫師", "general", False),
    # a product warning addressed to a patient group is a caution
    (
        "Caution: people with high blood pressure should check with a doctor before using the sauna",
        "general",
        False,
    ),
    ("Made for people with high blood pressure: lowers it in a week", "general", True),
    # 菸酒管理法 第37條: drinking to excess, pregnancy, minors who endorse, warming or performance after a drink
    ("精釀啤酒派對，今晚大家一起狂飲", "alcohol", True),
    ("Craft lager night: let's get hammered", "general", True),
    ("這支啤酒好喝爆了", "alcohol", False),
    ("準媽媽每週一小杯葡萄酒，胎兒更健康。禁止酒駕 飲酒過量，有害健康", "alcohol", True),
    ("孕婦請勿飲酒。禁止酒駕 飲酒過量，有害健康", "alcohol", False),
    ("16歲模特兒開箱新款水果酒。禁止酒駕 飲酒過量，有害健康", "alcohol", True),
    ("Our sixteen-year-old ambassador loves this cider beer", "alcohol", True),
    ("冬天來一杯高粱驅寒。禁止酒駕 飲酒過量，有害健康", "alcohol", True),
    ("喝一杯威士忌，開會效率更好", "alcohol", True),
    ("威士忌禮盒，年節送禮。禁止酒駕 飲酒過量，有害健康", "alcohol", False),
    # 藥事法 第66條、第68條: cure-alls, beyond the indication, effects multiplied, gifts and lotteries, misuse made safe
    ("這條藥膏，濕疹、富貴手、灰指甲通通好", "drugs", True),
    ("本軟膏不只能緩解蚊蟲咬傷，還能治好乾癬", "drugs", True),
    ("It not only relieves heartburn but also heals ulcers", "drugs", True),
    ("連肝癌都可以一併改善", "drugs", True),
    ("提神口服液（乙類成藥）喝一瓶體力十倍，期末考必備", "drugs", True),
    ("止痛錠買二送一，再抽 Switch", "drugs", True),
    ("Buy one, get one free on our cold tablets", "drugs", True),
    ("胃散吃了，吃到飽都不怕", "drugs", True),
    ("Tumour-shrinking capsules - no surgery needed", "drugs", True),
    ("衛部藥製字第000001號 緩解胃酸過多引起之胃灼熱；請依說明書使用", "drugs", False),
    # 藥事法 第69條 with the default category: no chemo needed; a medicine named by what it treats
    ("Herbal drops - no chemo needed", "general", True),
    ("這款皮膚藥擦三天就好", "general", True),
    ("本藥局提供慢性病處方箋領藥", "general", False),
    # 公平交易法 第21條: a rank over a whole market, unless its source stands next to it; orders and firsts in time
    ("亞洲銷量冠軍的空氣清淨機", "general", True),
    ("The world's only self-cleaning water bottle", "general", True),
    ("全國第一名的滷肉飯", "food", True),
    ("全台銷售第一（資料來源：2024 年某調查公司零售統計）", "general", False),
    ("#1 in Taiwan for two years, based on retail panel data", "general", False),
    ("全台第一家門市開在台南", "general", False),
    ("Our first shop opened in 2001", "general", False),
]


@pytest.mark.parametrize("text, category, flagged", CASES)
def test_v10_classes(packs, text: str, category: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs, category)) is flagged, _flagged(text, packs, category)
