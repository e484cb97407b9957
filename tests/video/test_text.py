from __future__ import annotations

import pytest

from studio.errors import InputError
from studio.video.text import fit_text, load_font, resolve_font, tokens, wrap

FONT = resolve_font("noto-sans-tc")


def test_tokens_keep_latin_words_and_split_cjk():
    assert tokens("NT$ 680 買二送一") == ["NT$", " ", "680", " ", "買", "二", "送", "一"]


def test_cjk_wraps_per_character_and_latin_per_word():
    font = load_font(FONT.regular, 60)
    cjk = wrap("高山茶區手採嫩葉低溫烘焙回甘不苦澀", font, 400)
    assert len(cjk) > 1 and all(font.getlength(line) <= 400 for line in cjk)
    assert "".join(cjk) == "高山茶區手採嫩葉低溫烘焙回甘不苦澀"
    latin = wrap("Hand picked high mountain oolong leaves", font, 500)
    assert len(latin) > 1
    for line in latin:  # never split inside a word
        assert all(
            word in ["Hand", "picked", "high", "mountain", "oolong", "leaves"] for word in line.split()
        )


def test_closing_punctuation_never_starts_a_line():
    font = load_font(FONT.regular, 60)
    for width in range(200, 700, 20):
        for line in wrap("好喝，回甘。再來一杯！真的、超讚？", font, width):
            assert line[0] not in "，。、！？"


def test_shrink_to_fit_then_error_when_too_long():
    fitted = fit_text(
        "一口喝見阿里山的清晨",
        FONT.bold,
        box_width=500,
        box_height=300,
        max_size=120,
        min_size=30,
        max_lines=2,
        field="headline",
    )
    assert 30 <= fitted.size < 120 and len(fitted.lines) <= 2 and fitted.width <= 500
    with pytest.raises(InputError, match="headline .* does not fit"):
        fit_text(
            "很長的標題" * 20,
            FONT.bold,
            box_width=500,
            box_height=200,
            max_size=80,
            min_size=40,
            max_lines=2,
            field="headline",
        )


def test_missing_glyph_is_a_clear_error():
    with pytest.raises(InputError, match="U\\+1F375"):
        fit_text(
            "Tea time 🍵",
            FONT.regular,
            box_width=800,
            box_height=200,
            max_size=60,
            min_size=20,
            max_lines=2,
            field="headline",
        )


def test_balanced_lines_avoid_orphans():
    fitted = fit_text(
        "一口喝見阿里山的清晨",
        FONT.bold,
        box_width=760,
        box_height=400,
        max_size=92,
        min_size=44,
        max_lines=3,
        field="headline",
    )
    if len(fitted.lines) > 1:
        assert min(len(line) for line in fitted.lines) >= 3
