"""bench/ai_motion_gpu.py (issue 9 item 10) in its --tiny mode on the CPU: both architectures' pipelines are built
from configs with random weights, every arm (diffusers' plain call, studio's profile with the fixed-schedule
cache, the 24 GB profile through group offload) makes a clip of the asked shape, and the report is complete and
written after every arm. The GPU figures need a CUDA GPU (bench/README.md has the command)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "ai_motion_gpu.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_ai_motion_gpu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_the_full_size_configs_are_the_published_architectures(bench):
    ti2v, small = bench.FULL["wan2.2-ti2v-5b"], bench.FULL["wan2.1-t2v-1.3b"]
    assert (ti2v.width, ti2v.height, ti2v.frames, ti2v.task) == (704, 1280, 121, "i2v")
    assert (small.width, small.height, small.frames, small.task) == (832, 480, 81, "t2v")
    # hidden size heads x 128: 3072 for TI2V-5B, 1536 for the 1.3B; the 5B's VAE has 48 latent channels
    assert ti2v.transformer["num_attention_heads"] * 128 == 3072 and ti2v.vae["z_dim"] == 48
    assert small.transformer["num_attention_heads"] * 128 == 1536 and small.transformer["ffn_dim"] == 8960
    assert ti2v.text["d_model"] == ti2v.transformer["text_dim"] == 4096
    # built on the meta device (no memory): the published sizes, TI2V-5B 5.0B, Wan2.1 1.3B 1.42B, UMT5-XXL 5.68B
    import torch
    from diffusers import AutoencoderKLWan, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    def billions(module) -> float:
        return sum(p.numel() for p in module.parameters()) / 1e9

    with torch.device("meta"):
        assert billions(WanTransformer3DModel(**ti2v.transformer)) == pytest.approx(5.0, abs=0.01)
        assert billions(WanTransformer3DModel(**small.transformer)) == pytest.approx(1.419, abs=0.01)
        assert billions(AutoencoderKLWan(**ti2v.vae)) == pytest.approx(0.705, abs=0.01)
        assert billions(AutoencoderKLWan(**small.vae)) == pytest.approx(0.127, abs=0.005)
        assert billions(UMT5EncoderModel(UMT5Config(**ti2v.text))) == pytest.approx(5.68, abs=0.01)


def test_tiny_mode_runs_every_arm_and_writes_the_report(bench, tmp_path):
    out = tmp_path / "report.json"
    report = bench.main(["--tiny", "--json", str(out)])
    assert json.loads(out.read_text(encoding="utf-8")) == report
    ti2v, small = report["archs"]
    assert set(ti2v["arms"]) == {"plain", "studio", "studio@24GB"} and set(small["arms"]) == {
        "plain",
        "studio",
    }
    for arch in report["archs"]:
        for arm in arch["arms"].values():
            assert arm["frames_shape"] == [9, 32, 32, 3] and arm["seconds"] > 0
        assert (
            arch["arms"]["studio"]["speed"] == ["cache=taylorseer"] and arch["speedup_plain_over_studio"] > 0
        )
    assert ti2v["arms"]["studio@24GB"]["profile"] == "group"
    assert ti2v["parameters_m"]["transformer"] > 0
