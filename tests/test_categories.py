"""The one list of product categories: the spec, the rules, the CLI and the app agree on it."""

from __future__ import annotations

import pytest

from studio import categories
from studio.categories import CATEGORIES, LABELS_ZH_TW, Category, parse_category
from studio.compliance.rules import check_category
from studio.errors import InputError


def test_values_labels_and_order():
    assert CATEGORIES == (
        "general", "food", "health_food", "cosmetics", "alcohol", "tobacco", "drugs", "gambling"
    )  # fmt: skip
    assert set(LABELS_ZH_TW) == set(Category)
    assert Category.HEALTH_FOOD.label == "健康食品 (health_food)"
    assert categories.choices()[0] == ("一般商品 (general)", "general")
    assert [value for _, value in categories.choices()] == list(CATEGORIES)
    assert all(c in categories.help_text() for c in CATEGORIES)


def test_parse_is_exact_and_names_the_choices():
    assert parse_category("food") is Category.FOOD and str(Category.FOOD) == "food"
    for bad in ("Food", "snacks", ""):
        with pytest.raises(InputError, match="Unknown product category") as info:
            parse_category(bad)
        assert "health_food" in info.value.one_line()
    assert check_category("tobacco") == "tobacco"
    with pytest.raises(InputError, match="'snacks'"):
        check_category("snacks")


def test_every_home_uses_the_one_list():
    import studio.spec
    from studio.ui import ad_tab, compliance_tab

    assert studio.spec.AdSpec.model_fields["category"].default == "general"
    assert ad_tab.CATEGORY_CHOICES == compliance_tab.CATEGORY_CHOICES == categories.choices()
