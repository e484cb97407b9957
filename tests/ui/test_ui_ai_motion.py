"""The Ad Studio's AI motion section: its status line (GPU found? weights present? what is missing), computed from
the registry, the model folder's files and the GPU without loading a model; the form's section becomes the spec's
``ai_motion`` and its mistakes are named like the other fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _folder(path, weight_bytes: int = 0):
    """A diffusers folder as the status reads it: model_index.json and a weights file of ``weight_bytes`` (sparse)."""
    path.mkdir()
    (path / "model_index.json").write_text(
        json.dumps({"_class_name": "WanImageToVideoPipeline", "expand_timesteps": True}), encoding="utf-8"
    )
    (path / "transformer").mkdir()
    with open(path / "transformer" / "diffusion_pytorch_model.safetensors", "wb") as fh:
        fh.truncate(weight_bytes)
    return path


def test_status_line_of_a_registry_engine_without_weights():
    from studio.ui.ad_tab import ai_status

    line = ai_status("wan2.2-ti2v-5b")
    assert line.startswith("AI motion off, the weight-free motion is used (wan2.2-ti2v-5b)")
    assert "weights not on this machine (run `studio models pull wan2.2-ti2v-5b`)" in line
    assert ("no CUDA GPU found" in line) != _cuda() and "\n" not in line


def test_status_line_of_local_folders(tmp_path):
    from studio.ui.ad_tab import ai_status
    from studio.video.ai_shots import motion_status

    small = ai_status(str(_folder(tmp_path / "tiny", 1000)))
    assert small.startswith("AI motion ready with tiny (wan2.2-ti2v-5b)") and "local folder present" in small
    if _cuda():
        pytest.skip("the rest is about a machine without CUDA")
    assert "no CUDA GPU found" in small and "small enough for the CPU" in small
    big = motion_status(str(_folder(tmp_path / "big", 600 * 1024**2)))  # over the CPU limit: never a CPU run
    assert not big.runnable and big.full_size and big.missing == ("a CUDA GPU",)
    assert big.line.startswith("AI motion off") and "local folder present (629.1 MB)" in big.line


def test_status_line_of_bad_choices(tmp_path):
    from studio.ui.ad_tab import ai_status

    assert ai_status("") == "AI motion off: choose an engine (or give a local diffusers folder)."
    assert ai_status("wan9").startswith("AI motion off: Unknown model 'wan9'")
    (tmp_path / "empty").mkdir()
    assert "not a diffusers folder" in ai_status(str(tmp_path / "empty"))


def test_the_status_loads_no_model(tmp_path):
    code = (
        "import sys; from studio.video.ai_shots import status_line; print(status_line('wan2.2-ti2v-5b'));"
        " print(sorted(m for m in ('diffusers', 'transformers') if m in sys.modules))"
    )
    env = {**os.environ, "STUDIO_HOME": str(tmp_path), "PYTHONPATH": os.getcwd()}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.splitlines()[-1] == "[]"


def test_the_form_section_becomes_the_spec_and_its_mistakes_are_named(tmp_path):
    from studio.store import Store
    from studio.ui.ad_tab import PLATFORM_CHOICES, ai_motion_section, broll_section, generate
    from studio.ui.context import AppContext
    from tests.helpers import make_photo

    assert ai_motion_section(" ", [2, 1], " ", "orbit", "group", False) == {
        "engine": "wan2.2-ti2v-5b", "photos": [1, 2], "prompt": None, "preset": "orbit", "profile": "group",
        "faithful": False,
    }  # fmt: skip
    assert broll_section("", "  morning   mist ", 2.5, "auto") == {
        "engine": "wan2.2-ti2v-5b", "prompt": "morning mist", "seconds": 2.5, "profile": "auto",
    }  # fmt: skip
    ctx = AppContext(store=Store(tmp_path / "s.sqlite3"), home=tmp_path, outputs=tmp_path / "out")
    form = [[str(make_photo(tmp_path / "a.jpg"))], None, "Tea", "Tea", "", "", "", "showcase", ["square"], 5,
            "en", "none", "general", "#1F5F4A", "#E8B04B", "", True]  # fmt: skip
    with pytest.warns(UserWarning, match="AI motion: photo 2 is chosen to move, but there are 1 photo"):
        result = generate(ctx, *form, ai_on=True, ai_engine="wan2.2-ti2v-5b", ai_photos=[2])
    status = result[len(PLATFORM_CHOICES) + 1]
    assert status.startswith("**Not rendered:**") and "AI motion" in status and "photo 2" in status

    # B-roll only (no photo chosen to move): its length is checked against the ad like the spec's
    with pytest.warns(UserWarning, match="B-roll shots last 8 s, more than half of the 5 s ad"):
        result = generate(ctx, *form, ai_on=True, ai_photos=[], ai_broll="mist over tea", ai_broll_seconds=8)
    assert "B-roll" in result[len(PLATFORM_CHOICES) + 1]
