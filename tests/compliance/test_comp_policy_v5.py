"""tw-ads v5 (issue 11 items 2-3): each new rule with a claim it must stop and a look-alike it must pass.

The rules alone are checked (``claim_model=False``): the learned classifier has its own tests. The sentences were
written for these tests from the laws (菸酒管理法 第37條, 藥事法 第66-69條, 健康食品管理法 第3/6/14條, the food and
cosmetics 認定準則); none is copied from bench/data.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from studio.compliance import claim_model as cm
from studio.compliance.text import check_text, normalise
from tests.helpers import stopping_rules as _rules


# -- the default category: health-food functions and medicines stay claims --------------------------------------
def test_a_health_food_function_is_a_claim_for_a_product_of_unknown_category(packs) -> None:
    copy = "衛部健食字第A00XXX號，經人體試驗，有助於延緩骨質流失"
    assert _rules(copy, packs, "general")  # v4 screened it as a health food: a warning only
    assert _rules(copy, packs, "health_food") == set()
    found = check_text(copy, packs, "general", claim_model=False)
    assert any(f.rule == "tw-ads.health-food.permit-named" for f in found)


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("每天一包，幫助免疫調節", True),
        ("抗疲勞配方的提神飲", True),
        ("Our oat bar delays ageing from the inside.", True),
        ("抗疲勞地墊，久站也舒服", False),
        ("Anti-fatigue mats for the kitchen floor.", False),
    ],
)
def test_health_food_function_names(packs, text: str, flagged: bool) -> None:
    assert ("tw-ads.health-food.function-name" in _rules(text, packs, "food")) is flagged


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("感冒糖漿新口味上市", True),
        ("Nicotine patches to help you through the first week.", True),
        ("衛部藥製字第000000號", True),
        ("藥妝店週年慶，全館八折", False),
        ("不含類固醇的溫和乳液", False),
        ("Prescription glasses with free frames.", False),
    ],
)
def test_a_medicine_named_in_a_general_ad_goes_to_review(packs, text: str, flagged: bool) -> None:
    assert ("tw-ads.drugs.named-for-general" in _rules(text, packs)) is flagged


# -- negated lists and disclaimers -----------------------------------------------------------------------------
def test_a_negated_list_of_claims_is_a_disclaimer(packs) -> None:
    assert _rules("本品為一般食品，不具治療或預防疾病之功效", packs, "food") == set()
    assert _rules("本產品不具生髮或治療落髮之效果", packs, "cosmetics") == set()
    # the look-alike: the negation governs 糖 only, the claim stands
    assert _rules("不含糖，能治療或預防糖尿病", packs, "food")


def test_a_warning_not_to_replace_medicine_is_not_a_claim(packs) -> None:
    assert _rules("糖尿病患者請勿以本品取代藥物", packs, "health_food") == set()
    assert _rules("以本品取代藥物，效果更好", packs, "health_food")


# -- alcohol: 菸酒管理法 第37條 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("放學後一起來罐水果啤酒", True),  # minors and school life
        ("Perfect for your 15th birthday.", True),
        ("This cider won't give you a hangover.", True),  # health
        ("運動後來罐啤酒補水最快", True),
        ("挑戰十分鐘喝完一整箱", True),  # excess
        ("Drink as many as you like, no matter how many.", True),
        ("今晚喝到斷片才回家", True),
        ("孕婦及未成年人請勿飲用", False),  # the standard warnings
        ("未成年者禁止飲酒", False),
        ("同學會聚餐訂位專線", False),
        ("Celebrating our brewery's 16th anniversary with a new lager.", False),
        ("冰涼啤酒，夏日消暑", False),
        ("啤酒一箱24罐，宅配到府", False),
        ("買一整箱更划算，宅配到府", False),
        ("調酒挑戰賽：調酒師現場比手藝", False),
        ("Cheers to our taproom's 15th birthday!", False),
        ("慶祝酒廠十二歲生日，全品項九折", False),
    ],
)
def test_alcohol_minors_health_and_excess(packs, text: str, flagged: bool) -> None:
    assert ("tw-ads.alcohol.health-claim" in _rules(text, packs, "alcohol")) is flagged


# -- drugs: 藥事法 第66-68條 (exaggeration) and 第67條 (prescription drugs to the public) -------------------------
@pytest.mark.parametrize(
    "text, rule, flagged",
    [
        ("不用醫師處方，私訊下單", "tw-ads.drugs.prescription-to-public", True),
        ("Skip the pharmacist and order by the box.", "tw-ads.drugs.prescription-to-public", True),
        ("代購國外減肥藥，量大優惠", "tw-ads.drugs.prescription-to-public", True),
        ("請依醫師處方使用", "tw-ads.drugs.prescription-to-public", False),
        ("Ask your pharmacist before use.", "tw-ads.drugs.prescription-to-public", False),
        ("百病皆治的祖傳藥粉", "tw-ads.drugs.exaggerated", True),
        ("三帖治好糖尿病", "tw-ads.drugs.exaggerated", True),
        ("Safe for kids of any age.", "tw-ads.drugs.exaggerated", True),
        ("Relief in seconds that lasts forever.", "tw-ads.drugs.exaggerated", True),
        ("高血壓藥可以不用再吃了", "tw-ads.drugs.exaggerated", True),
        ("適用於十二歲以上兒童，請依說明書服用", "tw-ads.drugs.exaggerated", False),
        ("For adults and children over 12 years.", "tw-ads.drugs.exaggerated", False),
    ],
)
def test_drug_ads(packs, text: str, rule: str, flagged: bool) -> None:
    assert (rule in _rules(text, packs, "drugs")) is flagged


def test_no_prescription_wording_names_a_medicine_under_the_default_category(packs) -> None:
    assert _rules("免醫師處方，今天下單明天到", packs, "general")
    assert _rules("獨家天然處方，溫和不刺激", packs, "general") == set()  # 處方 as a formula


# -- exaggeration for every product -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("躺著也能瘦的神奇腰帶", True),
        ("Lose weight while you sleep.", True),
        ("永久白皙的秘密", True),
        ("一擦年輕十歲", True),
        ("一抹回到十八歲的肌膚", True),
        ("重返18歲的畢業旅行行程", False),
        ("皺紋完全消失", True),
        ("穿一晚腰圍小三吋", True),
        ("Wake up ten years younger.", True),
        ("躺著看電影的懶骨頭沙發", False),
        ("Track your weight while you sleep with our smart scale.", False),
        ("永久保固，終身維修", False),
        ("品牌成立十年，感謝有你", False),
        ("字跡會在三十秒後完全消失的魔術筆", False),
    ],
)
def test_exaggeration_without_a_listed_word(packs, text: str, flagged: bool) -> None:
    assert ("tw-ads.efficacy.exaggerated" in _rules(text, packs, "general")) is flagged


# -- medical efficacy: results stated as facts ----------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("聞一聞焦慮症就會好", True),
        ("戴上就不用再看復健科", True),
        ("喝了癌細胞無法生存", True),
        ("穿上免疫力提升兩倍", True),
        ("餐後一杯，血糖穩穩降", True),
        ("補腦又增強記憶力", True),
        ("泡腳排出體內毒素", True),
        ("吃了就可以停藥", True),
        ("整夜不咳嗽的枕頭", True),
        ("Wakes up dormant hair follicles.", True),
        ("Like a laser treatment in a tube.", True),
        ("Feel the toxins leave your body.", True),
        ("睡一覺就會好的好心情", False),
        ("不用再看科幻片也能體驗太空", False),
        ("癌症希望基金會義賣", False),
        ("血壓計週年慶降價", False),
        ("記憶卡容量提升一倍", False),
        ("排出廢氣的抽風機", False),
        ("請勿自行停藥", False),
        ("適量飲酒，避免宿醉", False),
        ("Wakes up early with a gentle alarm.", False),
        ("Laser-cut leather straps.", False),
        ("Paint free of toxins.", False),
    ],
)
def test_medical_results_stated_as_facts(packs, text: str, flagged: bool) -> None:
    assert ("tw-ads.medical.efficacy" in _rules(text, packs, "general")) is flagged


# -- the classifier does not overrule a rule's negation --------------------------------------------------------
def test_the_classifier_skips_sentences_a_rule_judged_negated(packs) -> None:
    # a model that scores everything as a claim: only the skip can keep it quiet
    model = cm.ClaimModel(weights=np.full(1 << 10, 5.0, dtype=np.float32), bias=5.0, threshold=0.5)
    negated = "本產品不能改善失眠。"
    assert not [f for f in check_text(negated, packs, "general", claim_model=model) if f.rule == cm.RULE]
    # the same model still scores a sentence the rules did not judge
    both = negated + "每天一杯，整個人都不一樣。"
    found = [f for f in check_text(both, packs, "general", claim_model=model) if f.rule == cm.RULE]
    assert len(found) == 1 and "整個人" in found[0].reference
    norm = normalise(both)
    assert cm.score_text(model, norm, "general", skip=[(0, len(norm))]) is None


# -- the scorer: `general: true` flips the label; several files --------------------------------------------------
def test_bench_scorer_flips_general_true_and_reads_several_files(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parents[2] / "bench" / "compliance_claims.py"
    spec = importlib.util.spec_from_file_location("bench_compliance_claims_v5", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(
        "sentences:\n"
        "- {text: 放學後來一罐, category: alcohol, violating: true, general: true}\n"
        "- {text: 有助於調節血脂, category: health_food, violating: false, general: true}\n"
        "- {text: 能治療失眠, category: food, violating: true}\n"
        "- {text: 能治療失眠, category: food, violating: true, general: allowed}\n",
        encoding="utf-8",
    )
    b.write_text("- {text: 好喝的茶, category: food, violating: false}\n", encoding="utf-8")
    items = [item for p in (a, b) for item in bench.load_file(p)]
    assert [(i["label"], i["general"]) for i in items] == [
        ("violating", "allowed"),  # an alcohol-only violation: harmless for a general product
        ("allowed", "violating"),  # an approved function: a claim for a general product
        ("violating", "violating"),
        ("violating", "allowed"),  # an explicit answer
        ("allowed", "allowed"),
    ]
    spelled = tmp_path / "c.yaml"
    spelled.write_text("- {text: 好喝的茶, category: Health-Food, violating: false}\n", encoding="utf-8")
    assert bench.load_file(spelled)[0]["cat"] == "health_food"
    result = bench.evaluate(items=items, claim_model=False)
    assert set(result["figures"]["category"]) == {str(a), str(b), "all files"}
    assert result["figures"]["category"]["all files"]["all"]["n"] == 5
