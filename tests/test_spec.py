from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import ConfigError, InputError
from studio.spec import load_spec, parse_spec
from tests.helpers import make_photo


def _spec(tmp_path: Path, **extra) -> dict:
    make_photo(tmp_path / "a.jpg")
    return {"product": "Tea", "photos": ["a.jpg"], "headline": "Hello", **extra}


def test_valid_spec_resolves_paths_relative_to_its_folder(tmp_path):
    spec = parse_spec(_spec(tmp_path), base_dir=tmp_path)
    assert spec.photos == [tmp_path / "a.jpg"]
    assert spec.platforms == ["tiktok"] and spec.template == "showcase" and spec.version == 1


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"colour": "red"}, "colour"),
        ({"platforms": ["tiktk"]}, "platforms"),
        ({"template": "fancy"}, "template"),
        ({"duration": 90}, "duration"),
        ({"brand": {"primary": "green"}}, "brand.primary"),
        ({"selling_points": ["x" * 80]}, "selling_points"),
        ({"language": "fr"}, "language"),
        ({"version": 2}, "version"),
    ],
)
def test_bad_fields_are_named(tmp_path, extra, field):
    with pytest.raises(ConfigError) as info:
        parse_spec(_spec(tmp_path, **extra), base_dir=tmp_path)
    assert f"'{field}" in info.value.message


def test_platform_aliases_and_dedup(tmp_path):
    spec = parse_spec(_spec(tmp_path, platforms=["9:16", "tiktok", "16:9", "4:5", "1:1"]), base_dir=tmp_path)
    assert spec.platforms == ["tiktok", "youtube", "instagram-feed", "square"]


def test_paths_may_not_leave_the_spec_folder(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    make_photo(tmp_path / "outside.jpg")
    with pytest.raises(InputError, match="outside its folder"):
        parse_spec({"product": "x", "photos": ["../outside.jpg"], "headline": "h"}, base_dir=inner)


def test_assets_prefix_resolves_inside_bundled_assets(tmp_path):
    with pytest.raises(InputError, match="outside its folder"):
        parse_spec(
            {"product": "x", "photos": ["assets:../pyproject.toml"], "headline": "h"}, base_dir=tmp_path
        )


def test_yaml_is_safe_loaded(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("product: !!python/object/apply:os.system ['echo pwned']\nphotos: []\nheadline: h\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_spec(path)


def test_json_spec_and_missing_file(tmp_path):
    make_photo(tmp_path / "a.jpg")
    path = tmp_path / "ad.json"
    path.write_text('{"product": "T", "photos": ["a.jpg"], "headline": "H", "platforms": ["square"]}')
    assert load_spec(path).platforms == ["square"]
    with pytest.raises(InputError, match="does not exist"):
        load_spec(tmp_path / "nope.yaml")


def test_example_spec_is_valid():
    example = Path(__file__).resolve().parent.parent / "examples" / "sample-ad.yaml"
    spec = load_spec(example)
    assert all(Path(p).is_file() for p in spec.photos)
    assert spec.logo is not None and Path(spec.logo).is_file()


# -- bad input a tester found (issue 8, item 7) -------------------------------------------------------------
SPEC_YAML = "product: 茶\nphotos: [a.jpg]\nheadline: 好喝的烏龍茶\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_a_spec_with_a_byte_order_mark_is_read(tmp_path, encoding):
    make_photo(tmp_path / "a.jpg")
    (tmp_path / "ad.yaml").write_bytes(SPEC_YAML.encode(encoding))  # Python writes the BOM for these
    spec = load_spec(tmp_path / "ad.yaml")
    assert spec.product == "茶" and spec.headline == "好喝的烏龍茶"


@pytest.mark.parametrize(
    "data, hint",
    [
        (SPEC_YAML.encode("big5"), "Save it as UTF-8"),
        (SPEC_YAML.encode("utf-16-le"), "UTF-16 without a byte-order mark"),  # no BOM
        (
            "product: tea\n".encode("utf-16-be"),
            "UTF-16 without a byte-order mark",
        ),  # ASCII: valid UTF-8 + NULs
        (
            b"\xff\xfe" + b"\x00\xd8" + b"a\x00",
            "Save it again as UTF-8",
        ),  # a UTF-16 BOM, then a lone surrogate
    ],
)
def test_a_spec_that_is_not_utf8_is_one_clear_error(tmp_path, data, hint):
    (tmp_path / "ad.yaml").write_bytes(data)
    with pytest.raises(InputError) as info:
        load_spec(tmp_path / "ad.yaml")
    line = info.value.one_line()
    assert "The spec file ad.yaml" in line and hint in line and "\n" not in line


@pytest.mark.parametrize(
    "name, text, key",
    [
        ("ad.yaml", SPEC_YAML + "headline: again\n", "'headline' twice (lines 3 and 4)"),
        ("ad.yaml", SPEC_YAML + "brand:\n  primary: '#111111'\n  primary: '#222222'\n", "'primary' twice"),
        (
            "ad.json",
            '{"product": "a", "photos": ["a.jpg"], "headline": "x", "product": "b"}',
            "'product' twice",
        ),
    ],
)
def test_duplicate_keys_are_rejected_naming_the_key(tmp_path, name, text, key):
    make_photo(tmp_path / "a.jpg")
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_spec(tmp_path / name)
    assert f"The spec file {name} gives the key {key}" in info.value.one_line()


def test_font_and_music_files_stay_inside_the_spec_folder_or_the_assets(tmp_path, monkeypatch):
    folder = tmp_path / "spec"
    folder.mkdir()
    data = _spec(folder)
    outside = tmp_path / "outside.ttf"
    outside.write_bytes(b"not a font")
    for font in (str(outside), "../outside.ttf", "fonts/../../outside.ttf"):
        with pytest.raises(InputError, match="font path .* points outside its folder"):
            parse_spec({**data, "font": font}, base_dir=folder)
    assert parse_spec({**data, "font": "brand.otf"}, base_dir=folder).font == str(folder / "brand.otf")
    bundled = parse_spec({**data, "font": "assets:fonts/NotoSansTC-Regular.otf"}, base_dir=folder).font
    assert bundled.endswith("assets/fonts/NotoSansTC-Regular.otf") and Path(bundled).is_file()
    assert (
        parse_spec({**data, "font": "noto-sans-tc"}, base_dir=folder).font == "noto-sans-tc"
    )  # a bundled id

    # a bare music name is a file in the spec's folder, never one in the current folder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "track").write_bytes(b"x")
    spec = parse_spec({**data, "music": "track"}, base_dir=folder)
    assert spec.music == str(folder / "track")
    for music in ("../track", str(tmp_path / "track")):
        with pytest.raises(InputError, match="music path .* points outside its folder"):
            parse_spec({**data, "music": music}, base_dir=folder)
    assert parse_spec({**data, "music": "default"}, base_dir=folder).music == "default"


@pytest.mark.parametrize("value", [float("nan"), "nan", float("inf")])
def test_a_nan_duration_is_not_a_number_not_a_range_error(tmp_path, value):
    with pytest.raises(ConfigError) as info:
        parse_spec(_spec(tmp_path, duration=value), base_dir=tmp_path)
    message = info.value.message
    assert "'duration'" in message and "finite number" in message and "60" not in message


def test_the_implicit_product_name_fits(tmp_path):
    from studio.spec import PRODUCT_MAX, implicit_product_name

    english = (
        "Hand picked high mountain oolong from Alishan, roasted twice, sealed fresh for you today, try it"
    )
    name = implicit_product_name(english)
    assert len(english) > PRODUCT_MAX >= len(name) and name.endswith("…")
    assert english.startswith(name[:-1]) and not name[:-1].endswith(" ")  # cut at a word boundary
    chinese = "阿里山高山烏龍茶" * 12  # 96 characters, no spaces
    assert implicit_product_name(chinese) == chinese[: PRODUCT_MAX - 1] + "…"
    assert implicit_product_name("  Short   name ") == "Short name"
    spec = parse_spec(
        _spec(tmp_path, product=implicit_product_name(chinese), headline=chinese), base_dir=tmp_path
    )
    assert len(spec.product) == PRODUCT_MAX


@pytest.mark.parametrize("field", ["max_minutes", "sfm_timeout_minutes", "mask_weight"])
def test_splat_options_say_nan_is_not_a_number(field):
    from studio.splat.pipeline import ReconstructOptions

    with pytest.raises(InputError, match=f"Bad splat option {field}: Input should be a finite number"):
        ReconstructOptions.build(**{field: float("nan")})
