"""Product categories: the one list the ad spec, the compliance rules, the CLI and the app all use.

A category chooses which compliance rules apply (``applies_to`` in a rule pack) and which products may not be
advertised at all. The value (``"health_food"``) is what specs, rule packs and the store hold; the zh-TW label is what
a person reads in the app.
"""

from __future__ import annotations

from enum import Enum

from studio.errors import InputError


class Category(str, Enum):
    GENERAL = "general"
    FOOD = "food"
    HEALTH_FOOD = "health_food"  # 健康食品 (Health Food Control Act)
    COSMETICS = "cosmetics"  # 化粧品 (Cosmetic Hygiene and Safety Act)
    ALCOHOL = "alcohol"
    TOBACCO = "tobacco"
    DRUGS = "drugs"  # 藥品 (Pharmaceutical Affairs Act)
    GAMBLING = "gambling"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The zh-TW name with the value, as the app shows it: ``"健康食品 (health_food)"``."""
        return f"{LABELS_ZH_TW[self]} ({self.value})"


LABELS_ZH_TW: dict[Category, str] = {
    Category.GENERAL: "一般商品",
    Category.FOOD: "食品",
    Category.HEALTH_FOOD: "健康食品",
    Category.COSMETICS: "化粧品",
    Category.ALCOHOL: "酒類",
    Category.TOBACCO: "菸品",
    Category.DRUGS: "藥品",
    Category.GAMBLING: "博弈",
}

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
"""The values, in display order (``"general"`` first)."""

DEFAULT_CATEGORY = Category.GENERAL


def parse_category(value: str | Category) -> Category:
    """The ``Category`` whose value is exactly ``value``; ``InputError`` (naming the choices) otherwise."""
    if isinstance(value, Category):
        return value
    try:
        return Category(value)
    except ValueError:
        raise InputError(
            f"Unknown product category {value!r}.", f"Use one of: {', '.join(CATEGORIES)}."
        ) from None


def choices() -> list[tuple[str, str]]:
    """``(label, value)`` pairs for a dropdown: the person reads zh-TW, the code gets the value."""
    return [(c.label, c.value) for c in Category]


def help_text() -> str:
    """One line for a CLI option's help."""
    return "Product category for the compliance rules: " + ", ".join(CATEGORIES) + "."
