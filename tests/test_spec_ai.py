"""The spec's AI shots (``ai_motion``, ``broll``): validated fields, errors naming the field, paths kept inside the
spec's folder."""

from __future__ import annotations

import json

import pytest

from studio.errors import ConfigError, InputError
from studio.spec import load_spec, parse_spec

BASE = {"product": "Tea", "photos": ["a.jpg", "b.jpg"], "headline": "Tea"}


def test_defaults_and_a_full_section():
    spec = parse_spec({**BASE, "ai_motion": {}, "broll": [{"prompt": "mist over tea fields"}]})
    ai = spec.ai_motion
    assert (ai.engine, ai.photos, ai.faithful, ai.profile, ai.prompt, ai.steps) == (
        "wan2.2-ti2v-5b", [1], True, "auto", None, None)  # fmt: skip
    assert spec.broll[0].seconds == 3.0 and spec.broll[0].engine == "wan2.2-ti2v-5b"
    full = parse_spec({**BASE, "ai_motion": {"engine": "ltx-video", "photos": [2, 1, 2], "prompt": "steam",
                       "seed": 4, "profile": "group_fp8", "faithful": False, "steps": 8, "size": "512X768",
                       "preset": "steam"}})  # fmt: skip
    assert full.ai_motion.photos == [2, 1] and full.ai_motion.size == "512x768"
    assert json.loads(json.dumps(full.to_data()))["ai_motion"]["profile"] == "group_fp8"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"ai_motion": {"engine": "wan3"}}, "'ai_motion.engine': unknown engine 'wan3'"),
        ({"ai_motion": {"engine": "wan2.1-t2v-1.3b"}}, "wan2.1-t2v-1.3b cannot move a photo"),
        ({"broll": [{"prompt": "x", "engine": "wan2.1-vace-1.3b"}]}, "cannot make a clip from a prompt"),
        ({"ai_motion": {"photos": [3]}}, "'ai_motion': photo 3 is chosen to move, but there are 2 photo(s)"),
        ({"ai_motion": {"photos": [0]}}, "'ai_motion.photos': photo numbers start at 1"),
        ({"ai_motion": {"profile": "turbo"}}, "'ai_motion.profile': unknown profile 'turbo'"),
        ({"ai_motion": {"steps": 0}}, "'ai_motion.steps'"),
        ({"ai_motion": {"faithful": "sometimes"}}, "'ai_motion.faithful'"),
        ({"ai_motion": {"preset": "spin"}}, "unknown motion preset 'spin'"),
        ({"ai_motion": {"size": "big"}}, "size 'big' is not WIDTHxHEIGHT"),
        ({"ai_motion": {"seeds": 1}}, "'ai_motion.seeds': unknown field"),
        ({"broll": [{"seconds": 2}]}, "'broll[0].prompt': Field required"),
        ({"broll": [{"prompt": "x", "seconds": 20}]}, "'broll[0].seconds'"),
        (
            {"broll": [{"prompt": "a", "seconds": 5}, {"prompt": "b", "seconds": 5}]},
            "more than half of the 15 s",
        ),
    ],
)
def test_bad_ai_fields_name_the_field(extra, message):
    with pytest.raises(ConfigError) as caught:
        parse_spec({**BASE, **extra})
    assert message in caught.value.one_line()


def test_a_model_folder_in_a_spec_file_stays_inside_its_folder(tmp_path):
    (tmp_path / "models" / "tiny").mkdir(parents=True)
    (tmp_path / "models" / "tiny" / "model_index.json").write_text('{"_class_name": "WanPipeline"}')
    (tmp_path / "not-a-model").mkdir()
    spec_file = tmp_path / "ad.json"
    doc = {**BASE, "broll": [{"prompt": "mist", "engine": "models/tiny"}]}
    spec_file.write_text(json.dumps(doc), encoding="utf-8")
    assert load_spec(spec_file).broll[0].engine == str(tmp_path / "models" / "tiny")
    spec_file.write_text(
        json.dumps({**doc, "broll": [{"prompt": "m", "engine": "not-a-model"}]}), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="not a diffusers model folder"):
        load_spec(spec_file)
    spec_file.write_text(json.dumps({**doc, "ai_motion": {"engine": "../elsewhere"}}), encoding="utf-8")
    with pytest.raises(InputError, match="points outside its folder"):
        load_spec(spec_file)
