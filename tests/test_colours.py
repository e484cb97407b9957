"""The one colour parser: #RRGGBB in specs, what the app's picker sends, backgrounds; one clear error for the rest."""

from __future__ import annotations

import pytest

from studio.colours import ColourError, from_picker, hex_to_rgb, parse_hex, rgb_to_hex
from studio.errors import ConfigError, InputError
from studio.spec import parse_spec
from studio.splat.pipeline import parse_background


def test_hex_round_trip_and_upper_case():
    assert parse_hex("#1f5f4a") == "#1F5F4A"
    assert hex_to_rgb("#1F5F4A") == (31, 95, 74)
    assert rgb_to_hex((31, 95, 74)) == "#1F5F4A"
    assert rgb_to_hex((1.0, 0.5, 0.0), scale=1.0) == "#FF8000"
    assert rgb_to_hex((300, -4, 0)) == "#FF0000"  # clamped


@pytest.mark.parametrize("bad", ["red", "#12345", "#1234567", "1F5F4A", "#GGGGGG", "", None, 123])
def test_anything_else_is_one_clear_error(bad):
    with pytest.raises(ColourError) as info:
        parse_hex(bad, "brand colour")
    assert isinstance(info.value, InputError) and isinstance(info.value, ValueError)
    assert info.value.one_line() == (
        f"The brand colour {bad!r} is not a colour like #1F5F4A. (Write it as # and six hex digits (#RRGGBB).)"
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("#1f5f4a", "#1F5F4A"),
        ("#abc", "#AABBCC"),
        ("rgb(31, 95, 74)", "#1F5F4A"),
        ("rgba(31.2, 94.8, 74, 1)", "#1F5F4A"),
        (" RGBA(255,255,255,0.5) ", "#FFFFFF"),
    ],
)
def test_what_the_picker_sends(value, expected):
    assert from_picker(value) == expected


@pytest.mark.parametrize(
    "bad", ["rgb", "rgb 1 2 3", "rgba(1, 2)", "rgb(1, 2, x)", "rgb(1, 2, 300)", "rgb(1,2,3", ""]
)
def test_a_broken_picker_value_is_named_not_substring_not_found(bad):
    with pytest.raises(ColourError, match="is not a colour like #1F5F4A"):
        from_picker(bad)


def test_the_spec_names_the_field_and_the_value(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"")
    data = {"product": "Tea", "photos": ["a.jpg"], "headline": "Tea", "brand": {"accent": "#12"}}
    with pytest.raises(ConfigError) as info:
        parse_spec(data, base_dir=tmp_path)
    assert (
        "'brand.accent'" in info.value.message and "'#12' is not a colour like #1F5F4A" in info.value.message
    )


def test_backgrounds_use_the_same_parser():
    assert parse_background("#FF0000") == (1.0, 0.0, 0.0)
    with pytest.raises(ColourError, match="The background '#ff00' is not a colour"):
        parse_background("#ff00")
