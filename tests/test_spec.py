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
