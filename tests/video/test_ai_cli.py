"""`studio video i2v|t2v|engines` as a user runs it: a local diffusers folder (written with save_pretrained) loaded
by path, JSON out, an ffprobe-checked clip with its sidecar; and one line, not a CPU run, for a full-size model
without CUDA."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import make_photo


def run(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "STUDIO_HOME": str(home), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "studio", "video", *args], capture_output=True, text=True, env=env, timeout=900,
        check=False,
    )  # fmt: skip


def test_i2v_from_a_local_folder_json_and_a_conformant_clip(tiny_folders, tmp_path, studio_home):
    from studio.media.encode import delivery_problems
    from studio.media.probe import probe_video

    # a portrait photo: fitted (padded), not stretched, into the square clip
    photo = make_photo(tmp_path / "tea.jpg", (90, 160), seed=3)
    out = tmp_path / "clip.mp4"
    result = run(
        "i2v", "--model", str(tiny_folders["wan_ti2v"]), "--image", str(photo), "--product", "tea box",
        "--free", "--size", "40x36", "--frames", "8", "--steps", "2", "--seed", "5", "--device", "cpu", "-o", str(out),
        "--json", home=studio_home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["engine"] == "wan2.2-ti2v-5b"  # read from the folder's model_index.json (expand_timesteps)
    assert (data["size"], data["frames"], data["fps"], data["seed"]) == ("32x32", 9, 24, 5)
    assert data["device"] == "cpu" and data["profile"] == "full"
    assert {"generate", "encode"} <= set(data["seconds"]) and data["fidelity"] is None
    assert any("40x36 -> 32x32" in m for m in data["messages"]) and any(
        "9 frames" in m for m in data["messages"]
    )
    assert delivery_problems(out) == []
    v = probe_video(out)
    assert (v.width, v.height, v.frames) == (32, 32, 9)
    sidecar = json.loads((tmp_path / "clip.json").read_text(encoding="utf-8"))
    assert sidecar["licence"] == "apache-2.0" and sidecar["seed"] == 5 and "tea box" in sidecar["prompt"]
    assert sidecar["model"] == "local:wan_ti2v" and str(tiny_folders["wan_ti2v"]) not in json.dumps(sidecar)
    assert sidecar["digital_source_type"].endswith("trainedAlgorithmicMedia")
    assert "watermark" in sidecar["negative_prompt"] and sidecar["settings"]["frames"] == 9
    from studio.compliance.provenance import read_manifest

    manifest = read_manifest(out)  # the export gate signed it: C2PA Content Credentials, AI-generated
    assert manifest.found and manifest.ai_generated is True
    assert manifest.compliance["ai_clips"][0]["engine"] == "wan2.2-ti2v-5b"
    assert manifest.compliance["models"] == ["wan2.2-ti2v-5b"]
    # --free: the model redrew the product, which the gate's report says (a warning, published)
    report = json.loads((tmp_path / "clip.mp4.compliance.json").read_text(encoding="utf-8"))
    assert data["verdict"] == report["verdict"] == manifest.compliance["verdict"] == "warn"
    assert [f["rule"] for f in report["findings"]] == ["ai.product-redrawn"]
    assert sidecar["compliance"] == "warn"
    assert (
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    )  # nothing staged is left


def test_t2v_without_cuda_says_so_in_one_line_for_a_full_size_model(tmp_path, studio_home):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = run("t2v", "--model", "wan2.2-ti2v-5b", "--prompt", "tea", "-o", str(tmp_path / "a.mp4"),
                 home=studio_home)  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "No CUDA GPU found" in lines[0] and "weight-free motion" in lines[0]
    assert not list(tmp_path.iterdir())


def test_engines_and_bad_input(tmp_path, studio_home):
    from studio.cli import main

    listed = run("engines", "--json", home=studio_home)
    assert listed.returncode == 0
    names = [e["name"] for e in json.loads(listed.stdout)]
    assert names[:1] == ["wan2.2-ti2v-5b"] and "ltx-video" in names
    assert main(["video", "t2v", "--model", "nope", "--prompt", "x", "-o", str(tmp_path / "a.mp4")]) == 2
    assert (
        main(["video", "t2v", "--model", str(tmp_path), "--prompt", "x", "-o", str(tmp_path / "a.mp4")]) == 2
    )
