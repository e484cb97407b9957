"""The category named by the copy itself, and the alcohol, drug and health-food rules of tw-ads v4 (issue 11).

With the default category ``general`` the copy's own words may name its product category (啤酒 -> alcohol,
處方藥 -> drugs, 衛部健食字號 -> health_food): those categories' phrase rules apply too, and each finding says which
word the category was inferred from. The sentences here were written for these tests from the laws (菸酒管理法
第37條, 藥事法 第66-69條, 健康食品管理法 第6/13/14條); none is copied from bench/data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.compliance.rules import CategoryCues, load_packs, parse_pack, write_pack
from studio.compliance.text import TimedText, check_text, check_texts, infer_categories
from studio.errors import ConfigError


@pytest.fixture(scope="module")
def packs():
    return load_packs(None, "general")


def _flagged(text: str, packs, category: str = "general") -> list[str]:
    """Rule ids of the findings that stop publication (block or review)."""
    return [
        f.rule
        for f in check_text(text, packs, category, claim_model=False)
        if f.action in ("block", "review")
    ]


# -- inferring the category from the copy --------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("冰涼的精釀啤酒，週五來一杯", {"alcohol": "精釀"}),
        ("A smooth single malt whisky with notes of oak.", {"alcohol": "whisky"}),
        ("台灣高粱，窖藏五年", {"alcohol": "高粱"}),
        ("處方藥限時特價", {"drugs": "處方藥"}),
        ("Our cough syrup tastes of honey.", {"drugs": "cough syrup"}),
        ("衛部健食字第A00XXX號", {"health_food": "衛部健食"}),
        # look-alikes: no category named
        ("無酒精啤酒，開車也能享受麥香", {}),
        ("Ginger ale and root beer floats all summer.", {}),
        ("Team spirit wins games.", {}),
        ("藥妝店熱銷的化妝棉", {}),
        ("本品沒有健食字號", {}),
        ("紅酒燉牛肉，週末限定", {}),
        ("Beer-battered fish and chips.", {}),
        ("啤酒鴨套餐，小朋友半價", {}),
        ("生日派對不醉不歸", {"alcohol": "不醉不歸"}),
    ],
)
def test_categories_named_by_the_copy(packs, text: str, expected: dict) -> None:
    assert infer_categories(text, packs) == expected


def test_an_uncategorised_alcohol_ad_gets_the_alcohol_rules_and_says_why(packs) -> None:
    text = "氣泡啤酒甜甜的，小朋友也喝得下"
    findings = [f for f in check_text(text, packs, "general") if f.rule == "tw-ads.alcohol.health-claim"]
    assert findings and findings[0].action == "block" and "菸酒管理法" in (findings[0].legal or "")
    assert "category inferred from 「啤酒」: alcohol" in findings[0].message
    # the same words without an alcohol word are not an alcohol ad
    assert _flagged("氣泡果汁甜甜的，小朋友也喝得下", packs) == []
    # and a declared category is never second-guessed: a food ad naming beer is screened as food only
    assert "tw-ads.alcohol.health-claim" not in _flagged(text, packs, "food")


def test_inferred_category_does_not_demand_its_required_warnings(packs) -> None:
    texts = [TimedText("精釀啤酒，麥香濃郁", 0.0, 5.0)]
    assert [
        f for f in check_texts(texts, packs, "general", duration=5.0) if f.detector == "required_text"
    ] == []
    assert [f for f in check_texts(texts, packs, "alcohol", duration=5.0) if f.detector == "required_text"]


# -- alcohol: 菸酒管理法 第37條 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "喝我們的人蔘酒，補氣又顧身體",  # health benefit of any kind
        "這款紅酒富含抗氧化物，延緩衰老",
        "Red wine full of antioxidants that keep you young.",
        "Our stout boosts your stamina.",
        "The perfect hangover cure: another beer.",
        "學生憑證件調酒半價",  # minors and students
        "高中畢業派對指定啤酒",
        "Teens love our fruit wine, grab one after school!",
        "Under 18? No problem, no ID needed.",
        "乾杯到天亮，一杯接一杯",  # excess
        "越喝越年輕的梅酒",
        "喝兩杯再開車也OK，酒精濃度很低",  # drinking and driving
        "Our light lager won't affect your driving.",
        "全台第一的精釀啤酒，沒有之一",
        "每天一杯紅酒，心血管更健康",
        "喝了這杯威士忌，壓力全消、一夜好眠",
        "Beer is the best post-workout recovery drink.",
        "Beer: the natural sleeping pill.",
        "Drink until you drop: unlimited beer tonight!",
        "Our sake is good for your skin.",
        "Whisky that helps you digest a heavy meal.",
        "Perfect for your sweet sixteen party!",
        "Red wine is the healthy choice for dinner.",
        "今晚一起喝醉吧",
        "喝多了也不會頭痛的好酒",
        "Hangover-free craft lager.",
    ],
)
def test_alcohol_promotion_rules(packs, text: str) -> None:
    assert _flagged(text, packs, "alcohol")


@pytest.mark.parametrize(
    "text",
    [
        "威士忌帶有香草與橡木桶香氣。禁止酒駕。飲酒過量，有害健康。",
        "未滿十八歲請勿飲酒",
        "喝酒不開車，開車不喝酒",
        "酒後請找代駕",
        "Don't drink and drive. Enjoy responsibly.",
        "Not for sale to persons under 18.",
        "Cured meats and a glass of our red: the perfect pairing.",
        "父親節限定威士忌禮盒，送給最愛的爸爸",
        "冬天來一杯熱紅酒，香料氣息暖心",
        "梅酒以台灣青梅釀造，酸甜好入口",
        "啤酒節限定：五款精釀一次品嚐",
        "喝醉了請不要開車，找代駕",
        "Keep a balanced life: enjoy our lager responsibly.",
    ],
)
def test_alcohol_look_alikes_pass(packs, text: str) -> None:
    assert _flagged(text, packs, "alcohol") == []
    assert _flagged(text, packs, "general") == []


def test_age_checks_are_required_for_any_product(packs) -> None:
    assert "tw-ads.minors.age-restricted" in _flagged("未滿18歲也能買，線上下單免驗證年齡", packs)
    assert _flagged("未滿18歲請由家長陪同購買", packs) == []


# -- drugs: 藥事法 第66-68條 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, rule",
    [
        ("處方藥限時特價，宅配到府", "tw-ads.drugs.prescription-to-public"),
        ("這款安眠藥線上直接寄送", "tw-ads.drugs.prescription-to-public"),
        ("免看醫生，感冒藥直接寄", "tw-ads.drugs.prescription-to-public"),
        ("Buy antibiotics online, no prescription needed.", "tw-ads.drugs.prescription-to-public"),
        ("電視節目證實，這款胃藥根治胃潰瘍", "tw-ads.drugs.exaggerated"),
        ("吃了這顆，其他降血糖藥都可以停", "tw-ads.drugs.exaggerated"),
        ("不必開刀，擦這條痔瘡藥膏就好", "tw-ads.drugs.exaggerated"),
        ("Twice as fast as any other painkiller.", "tw-ads.drugs.exaggerated"),
        ("保證不復發的香港腳藥膏", "tw-ads.efficacy.exaggerated"),  # every product's guarantee rule names it
        ("Doctors across Asia agree it works.", "tw-ads.drugs.exaggerated"),
        ("全台藥局銷售冠軍的胃藥", "tw-ads.drugs.exaggerated"),
        ("孕婦小孩都能放心吃的感冒藥", "tw-ads.drugs.exaggerated"),
        ("Clinically proven to cure 99% of headaches.", "tw-ads.drugs.exaggerated"),
        ("Get strong antibiotics delivered to your door.", "tw-ads.drugs.prescription-to-public"),
        ("Nine out of ten doctors recommend our pills.", "tw-ads.drugs.exaggerated"),
        ("醫院指定使用的感冒藥", "tw-ads.drugs.exaggerated"),
        ("The only cure for migraines that works every time.", "tw-ads.drugs.exaggerated"),
        ("Recommended by Taiwan's top hospitals.", "tw-ads.drugs.exaggerated"),
        ("Order sleeping pills online, delivered in 24 hours.", "tw-ads.drugs.prescription-to-public"),
    ],
)
def test_drug_ad_rules(packs, text: str, rule: str) -> None:
    assert rule in _flagged(text, packs, "drugs")


@pytest.mark.parametrize(
    "text",
    [
        "緩解鼻塞、流鼻水、打噴嚏",  # the approved indication
        "本藥須經醫師處方使用",
        "處方藥須經醫師診斷開立，請勿自行購買",  # a caution, not a promotion
        "Relieves headache and fever. Read the label before use.",
        "如症狀持續，請就醫",
        "Do not take with other medicines containing paracetamol.",
        "第一次使用前請詳閱說明書",
        "GMP藥廠製造，品質保證",
    ],
)
def test_drug_ad_look_alikes_pass(packs, text: str) -> None:
    assert _flagged(text, packs, "drugs") == []


def test_uncategorised_drug_ad_gets_the_drug_rules(packs) -> None:
    findings = [f for f in check_text("網路直送處方藥，限時特價", packs, "general") if f.action == "block"]
    assert any(
        f.rule == "tw-ads.drugs.prescription-to-public" and "inferred from 「處方藥」" in f.message
        for f in findings
    )


# -- health food: 健康食品管理法 -----------------------------------------------------------------------------
def test_permit_wording_is_allowed_for_a_health_food_only(packs) -> None:
    claim = "經人體試驗，有助於降低血中三酸甘油酯"
    assert _flagged(claim, packs, "health_food") == []
    assert _flagged("健康食品認證，有助於增加骨質密度", packs, "health_food") == []
    # the same function claimed by a product that does not name a permit, or by a food: blocked
    assert "tw-ads.health-food.function-claim" in _flagged(claim, packs, "general")
    assert _flagged(claim, packs, "food")
    # copy that names its permit, under the default category, is still screened as a general product (tw-ads
    # v5: the health-care function is a claim until the category is health_food), with a note on the permit
    named = check_text("衛部健食字第A00XXX號：" + claim, packs, "general", claim_model=False)
    assert any(f.action == "block" for f in named)
    assert any(f.rule == "tw-ads.health-food.permit-named" for f in named)
    assert _flagged("衛部健食字第A00XXX號：" + claim, packs, "health_food") == []
    # a health food still may not claim a cure
    assert _flagged("衛部健食字號，能治療高血脂", packs, "general")
    assert _flagged("衛部健食字號，能治療高血脂", packs, "health_food")


def test_a_product_without_a_permit_may_not_compare_itself_to_a_health_food(packs) -> None:
    assert "tw-ads.health-food.no-permit" in _flagged("沒有健食字號，但一樣能調節血脂", packs, "health_food")
    assert "tw-ads.health-food.no-permit" in _flagged("效果比健康食品還好", packs, "general")
    assert _flagged("健康食品並非藥品，均衡飲食最重要", packs, "general") == []


# -- exaggeration and disclaimers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, flagged",
    [
        ("保證三天斷根", True),
        ("一定瘦，無效退費", True),
        ("吃越多越健康的燕麥", True),
        ("一顆見效的止痛貼布", True),
        ("最有效的按摩椅", True),
        ("穿上就讓脂肪自動燃燒的塑身衣", True),
        ("Our shorts burn fat while you sit.", True),
        ("Our tea burns belly fat while you sleep.", True),
        ("長高秘方，孩子多長十公分", True),
        ("Kids who drink our milk grow 5 cm taller.", True),
        ("吃了這個雞精，保證考試第一名", True),
        ("Gluten-free bread that heals your gut.", True),
        ("Hearing loss? Our ear drops restore hearing in a week.", True),
        ("Our green juice cleans your blood.", True),
        ("Anti-wrinkle cream as good as Botox.", True),
        ("A body wash that gently cleans your skin.", False),
        ("Restore old photos in one click.", False),
        ("Rich in protein to support muscle after exercise.", False),
        ("清爽低糖，怕胖的你也能安心喝", False),
        ("保證正品，假一賠十", False),
        ("最有效率的收納方式", False),
        ("保證金全額退還", False),
        ("一定要試試看的台南小吃", False),
        ("Three times faster charging than our last model.", False),
        ("從此出門不用再帶鑰匙：智慧門鎖", False),
    ],
)
def test_more_exaggeration_patterns(packs, text: str, flagged: bool) -> None:
    assert bool(_flagged(text, packs)) is flagged


def test_a_disowned_claim_is_a_disclaimer(packs) -> None:
    disowned = check_text("我們不敢說它能治失眠，只想讓睡前更放鬆", packs, "general")
    assert disowned and {f.action for f in disowned} == {"warn"}
    assert _flagged("它能治失眠，讓睡前更放鬆", packs)


# -- the pack format ------------------------------------------------------------------------------------------
_PACK = """\
pack: demo
version: 1
category_cues:
  {category}:
    terms: [啤酒, beer]
    patterns: ['乾完一?手']
    allow: [無酒精啤酒]
rules:
  - id: demo.minors
    detector: phrase
    applies_to: [alcohol]
    action: block
    phrases: [小朋友]
"""


def test_category_cues_are_validated_and_round_trip(tmp_path: Path) -> None:
    pack = parse_pack(_PACK.format(category="alcohol"))
    assert pack.category_cues == {"alcohol": CategoryCues(("啤酒", "beer"), ("乾完一?手",), ("無酒精啤酒",))}
    assert [f.rule for f in check_text("啤酒小朋友", [pack], "general")] == ["demo.minors"]
    assert check_text("無酒精啤酒小朋友", [pack], "general") == []
    found = check_text("十分鐘乾完一手，小朋友也來", [pack], "general")  # a pattern names the drink
    assert [f.rule for f in found] == ["demo.minors"]
    assert "(category inferred from 「乾完一手」: alcohol)" in found[0].message
    assert infer_categories("乾完一杯果汁", [pack]) == {}
    out = write_pack(pack, tmp_path / "demo.yaml")
    assert parse_pack(out.read_text(encoding="utf-8")) == pack
    for wrong in ("general", "spirits"):
        with pytest.raises(ConfigError, match=r"<rule pack>:\d+: category_cues"):
            parse_pack(_PACK.format(category=wrong))


def test_category_cue_patterns_are_checked_like_rule_patterns() -> None:
    risky = _PACK.format(category="alcohol").replace("'乾完一?手'", "'(?:乾+)+完'")
    with pytest.raises(ConfigError, match=r"<rule pack>:6: category_cues.alcohol.patterns.0: .*乾"):
        parse_pack(risky)
    empty = _PACK.format(category="alcohol").replace(
        "    terms: [啤酒, beer]\n    patterns: ['乾完一?手']\n", ""
    )
    with pytest.raises(ConfigError, match="needs a non-empty 'terms' or 'patterns'"):
        parse_pack(empty)


# -- the scorer: violating_if_general is an alias of general -------------------------------------------------
def test_bench_scorer_reads_violating_if_general_as_general(tmp_path: Path) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "compliance_claims.py"
    spec = importlib.util.spec_from_file_location("bench_compliance_claims", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = tmp_path / "set.yaml"
    rows.write_text(
        "sentences:\n"
        "- {text: 有助於延緩骨質流失, category: health_food, violating: false, violating_if_general: true}\n"
        "- {text: 緩解鼻塞, category: drugs, violating: false}\n"
        "- {text: 緩解頭痛, category: drugs, violating: false, general: true}\n",
        encoding="utf-8",
    )
    items = bench.load_file(rows)
    assert [(i["label"], i["general"]) for i in items] == [
        ("allowed", "violating"),
        ("allowed", ""),  # an approved indication: out of the default figures
        ("allowed", "violating"),
    ]
    both = tmp_path / "both.yaml"
    both.write_text(
        "- {text: x, category: food, violating: false, general: true, violating_if_general: true}\n"
    )
    with pytest.raises(SystemExit, match="not both"):
        bench.load_file(both)
