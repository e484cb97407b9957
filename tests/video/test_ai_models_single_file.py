"""`studio models pull ltx-video`: Lightricks' single-file checkpoint made into a diffusers folder, offline.

The stand-in hub holds what the real one does, at toy size: ``Lightricks/LTX-Video`` with the original-format
single file (the tiny LTX transformer under ``model.diffusion_model.`` and the tiny VAE under ``vae.``, keys renamed
back from diffusers' names), its licence text and decoys (the root's old configs, another checkpoint), and
``Lightricks/LTX-Video-0.9.5`` as a diffusers folder (configs, scheduler, tokenizer, T5 text encoder) whose own
transformer and VAE weights are different ones that must not be taken. The real ``pull`` converts the file; the
folder loads with ``load_pipeline`` and makes the same frames, for the same seed, as the model it came from.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from studio.errors import Cancelled, DependencyError, ModelError
from studio.modelhub import LocalHub, get_entry, model_path, pull, remove, resolve, verify
from studio.video.engines import ENGINES

ENGINE = ENGINES["ltx-video"]
LICENCE = "LTX-Video-Open-Weights-License-0.X.txt"

# diffusers' names of the tiny VAE's blocks -> the original checkpoint's (the inverse of the 0.9.0 layout's
# renaming, which diffusers picks for a VAE whose encoder output is not 2048 channels wide: the tiny one).
# Longest prefix first; checked below by running diffusers' own conversion on the result.
VAE_BLOCKS = {
    "decoder": [
        ("mid_block", "up_blocks.0"), ("up_blocks.0", "up_blocks.1"), ("up_blocks.1.upsamplers.0", "up_blocks.2"),
        ("up_blocks.1", "up_blocks.3"), ("up_blocks.2.conv_in", "up_blocks.4"),
        ("up_blocks.2.upsamplers.0", "up_blocks.5"), ("up_blocks.2", "up_blocks.6"),
        ("up_blocks.3.conv_in", "up_blocks.7"), ("up_blocks.3.upsamplers.0", "up_blocks.8"),
        ("up_blocks.3", "up_blocks.9"),
    ],
    "encoder": [
        ("down_blocks.0.downsamplers.0", "down_blocks.1"), ("down_blocks.0.conv_out", "down_blocks.2"),
        ("down_blocks.0", "down_blocks.0"), ("down_blocks.1.downsamplers.0", "down_blocks.4"),
        ("down_blocks.1.conv_out", "down_blocks.5"), ("down_blocks.1", "down_blocks.3"),
        ("down_blocks.2.downsamplers.0", "down_blocks.7"), ("down_blocks.2", "down_blocks.6"),
        ("down_blocks.3", "down_blocks.8"), ("mid_block", "down_blocks.9"),
    ],
}  # fmt: skip
TRANSFORMER_NAMES = {
    "proj_in": "patchify_proj",
    "time_embed": "adaln_single",
    "norm_q": "q_norm",
    "norm_k": "k_norm",
}


def _original_vae_key(key: str) -> str:
    if key == "latents_mean":
        return "vae.per_channel_statistics.mean-of-means"
    if key == "latents_std":
        return "vae.per_channel_statistics.std-of-means"
    half, rest = key.split(".", 1)
    for ours, theirs in sorted(VAE_BLOCKS.get(half, []), key=lambda p: -len(p[0])):
        if rest.startswith(ours + "."):
            rest = theirs + rest[len(ours) :]
            break
    rest = rest.replace("resnets.", "res_blocks.").replace("conv_shortcut.conv", "conv_shortcut")
    return f"vae.{half}.{rest}"


def _original_transformer_key(key: str) -> str:
    for ours, theirs in TRANSFORMER_NAMES.items():
        key = key.replace(ours, theirs)
    return "model.diffusion_model." + key


def original_checkpoint(transformer, vae) -> dict:
    """The tiny models' weights as Lightricks' single file names them (plus a statistic diffusers drops)."""
    out = {
        _original_transformer_key(k): v.detach().clone().contiguous()
        for k, v in transformer.state_dict().items()
    }
    out.update({_original_vae_key(k): v.detach().clone().contiguous() for k, v in vae.state_dict().items()})
    out["vae.per_channel_statistics.mean-of-stds"] = vae.state_dict()["latents_std"].clone()
    return out


@pytest.fixture(scope="session")
def ltx_single_file(tiny_pipes, tmp_path_factory) -> Path:
    """The tiny LTX pipeline's transformer + VAE as one original-format safetensors file, checked against
    diffusers' own conversion (so the test's inverse renaming cannot hide a mistake)."""
    import torch
    from diffusers.loaders.single_file_utils import (
        convert_ltx_transformer_checkpoint_to_diffusers,
        convert_ltx_vae_checkpoint_to_diffusers,
    )
    from safetensors.torch import save_file

    pipe = tiny_pipes["ltx_t2v"]
    original = original_checkpoint(pipe.transformer, pipe.vae)
    for model, convert in (
        (pipe.transformer, convert_ltx_transformer_checkpoint_to_diffusers),
        (pipe.vae, convert_ltx_vae_checkpoint_to_diffusers),
    ):
        back = convert(dict(original))
        want = model.state_dict()
        assert set(back) == set(want)
        assert all(torch.equal(back[k], want[k]) for k in want)
    path = tmp_path_factory.mktemp("ltx_single") / ENGINE.weight_file
    save_file(original, str(path))
    return path


@pytest.fixture
def ltx_hub(tiny_pipes, ltx_single_file, tmp_path) -> Path:
    """A stand-in hub with Lightricks/LTX-Video (the single file) and Lightricks/LTX-Video-0.9.5 (the configs)."""
    import torch
    from diffusers import AutoencoderKLLTXVideo, LTXVideoTransformer3DModel
    from safetensors.torch import save_file

    root = tmp_path / "hub"
    weights = root / ENGINE.repo_id
    weights.mkdir(parents=True)
    shutil.copy(ltx_single_file, weights / ENGINE.weight_file)
    (weights / LICENCE).write_text("LTXV Open Weights License (stand-in)", encoding="utf-8")
    (weights / "model_index.json").write_text(
        '{"_class_name": "LTXPipeline", "_note": "0.9.0"}', encoding="utf-8"
    )
    (weights / "vae").mkdir()
    (weights / "vae" / "config.json").write_text('{"_note": "the 0.9.0 VAE"}', encoding="utf-8")
    save_file({"w": torch.zeros(4)}, str(weights / "ltxv-13b-0.9.8-distilled.safetensors"))
    configs = root / ENGINE.config_repo
    pipe = tiny_pipes["ltx_t2v"]
    pipe.save_pretrained(configs)
    torch.manual_seed(1)  # the config repo's own (0.9.5) weights: never taken for the 0.9.6 checkpoint
    LTXVideoTransformer3DModel.from_config(pipe.transformer.config).save_pretrained(configs / "transformer")
    AutoencoderKLLTXVideo.from_config(pipe.vae.config).save_pretrained(configs / "vae")
    save_file({"w": torch.zeros(4)}, str(configs / "ltx-video-2b-v0.9.5.safetensors"))
    (configs / "README.md").write_text("model card", encoding="utf-8")
    (configs / "text_encoder" / "pytorch_model.bin").write_bytes(b"pickle, never fetched")
    index = json.loads((configs / "model_index.json").read_text(encoding="utf-8"))
    index["_class_name"] = (
        "LTXConditionPipeline"  # what diffusers' 0.9.5+ LTX repositories name; loads as LTXPipeline
    )
    (configs / "model_index.json").write_text(json.dumps(index), encoding="utf-8")
    return root


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _request():
    from studio.video.ai_generate import MotionRequest

    return MotionRequest(task="t2v", prompt="a tea box, the camera slowly pushes in", width=32, height=32, frames=9,
                         steps=2, guidance=1.0, seed=3)  # fmt: skip


def test_pull_converts_the_single_file_into_a_folder_that_loads_and_generates(
    tiny_pipes, ltx_hub, studio_home
):
    import torch

    from studio.video.ai_clip import load_pipeline
    from studio.video.ai_generate import generate_frames

    seen: list[tuple[float, str]] = []
    path = pull("ltx-video", hub=LocalHub(ltx_hub), on_progress=lambda f, m: seen.append((f, m)))
    assert path == studio_home / "models" / "video" / "ltx-video-0.9.6-distilled"
    names = _files(path)
    configs = ltx_hub / ENGINE.config_repo
    assert {"model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
            "text_encoder/model.safetensors", "tokenizer/tokenizer.json", "transformer/config.json",
            "transformer/diffusion_pytorch_model.safetensors", "vae/config.json",
            "vae/diffusion_pytorch_model.safetensors", LICENCE, ".studio-manifest.json"} <= names  # fmt: skip
    # the single file is converted, not kept; no decoy, pickle, model card or half-made folder came along
    assert not names & {ENGINE.weight_file, "ltxv-13b-0.9.8-distilled.safetensors", "ltx-video-2b-v0.9.5.safetensors",
                        "README.md", "text_encoder/pytorch_model.bin"}  # fmt: skip
    assert (
        not any(n.startswith(".converting") for n in names)
        and not path.with_name(f".{path.name}.partial").exists()
    )
    assert (path / "model_index.json").read_bytes() == (configs / "model_index.json").read_bytes()
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and fractions[-2] < 1.0
    assert any("converting" in m for _, m in seen) and any("converted the vae" in m for _, m in seen)
    manifest = json.loads((path / ".studio-manifest.json").read_text(encoding="utf-8"))
    assert manifest["config_repo"] == "Lightricks/LTX-Video-0.9.5"
    assert (
        manifest["converted_from"]["file"] == ENGINE.weight_file
        and len(manifest["converted_from"]["sha256"]) == 64
    )
    assert verify("ltx-video").ok and resolve("ltx-video") == path
    assert pull("ltx-video", hub=LocalHub(ltx_hub)) == path  # present: nothing fetched again

    tiny = tiny_pipes["ltx_t2v"]
    loaded = load_pipeline(path, ENGINE, "t2v", profile="full", device="cpu")
    for part in ("transformer", "vae"):
        got, want = getattr(loaded, part).state_dict(), getattr(tiny, part).state_dict()
        assert set(got) == set(want) and all(torch.equal(got[k], want[k]) for k in want), part
    a = generate_frames(loaded, ENGINE, _request())
    b = generate_frames(tiny, ENGINE, _request())
    # same seed, same frames as the source model: equal weights, but a model loaded from files may run kernels on
    # another memory layout, so a pixel may round one level apart (seen once: 1 of 27,648 values); a 1e-3 nudge of
    # one weight tensor changes 2.3 % of them
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    assert a.shape == (9, 32, 32, 3) and diff.max() <= 1 and (diff > 0).mean() < 0.001
    assert (
        type(load_pipeline(path, ENGINE, "i2v", profile="full", device="cpu")).__name__
        == "LTXImageToVideoPipeline"
    )
    # a converted file corrupted on disk is caught by the manifest
    weights = path / "transformer" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert any("SHA-256" in p for p in verify("ltx-video").problems)
    assert remove("ltx-video") == path and not path.exists()


def test_a_corrupt_single_file_fails_in_one_line_and_leaves_nothing(ltx_hub, studio_home):
    (ltx_hub / ENGINE.repo_id / ENGINE.weight_file).write_bytes(
        b"\x08\x00\x00\x00\x00\x00\x00\x00not json" * 64
    )
    with pytest.raises(
        ModelError, match="Could not convert ltxv-2b-0.9.6-distilled-04-25.safetensors"
    ) as info:
        pull("ltx-video", hub=LocalHub(ltx_hub))
    assert "\n" not in info.value.message and "pull ltx-video-0.9.6-distilled" in info.value.hint
    videos = studio_home / "models" / "video"
    assert list(videos.iterdir()) == []  # no final folder, no staging, no half-converted component
    with pytest.raises(ModelError, match="not on this machine") as info:
        resolve("ltx-video")
    assert "a diffusers folder converted from ltxv-2b-0.9.6-distilled-04-25.safetensors" in info.value.hint


def test_a_checkpoint_lacking_weights_is_refused(tiny_pipes, ltx_hub, studio_home):
    from safetensors.torch import load_file, save_file

    single = ltx_hub / ENGINE.repo_id / ENGINE.weight_file
    state = load_file(str(single))
    del state["model.diffusion_model.proj_out.weight"]  # diffusers leaves it on the meta device
    save_file(state, str(single))
    with pytest.raises(ModelError, match=r"lacks some of the transformer's weights"):
        pull("ltx-video", hub=LocalHub(ltx_hub))
    assert list((studio_home / "models" / "video").iterdir()) == []


def test_the_disk_check_counts_the_conversion_and_a_cancel_keeps_the_downloads(
    ltx_hub, studio_home, monkeypatch
):
    import shutil as sh
    from collections import namedtuple

    single = (ltx_hub / ENGINE.repo_id / ENGINE.weight_file).stat().st_size
    download = single + sum(  # what pull fetches: the file, the licence, the configs repo minus its decoys
        p.stat().st_size
        for p in (ltx_hub / ENGINE.config_repo).rglob("*")
        if p.is_file() and p.name not in {"README.md", "pytorch_model.bin", "ltx-video-2b-v0.9.5.safetensors"}
        and not (p.parent.name in {"transformer", "vae"} and p.suffix == ".safetensors")
    ) + len("LTXV Open Weights License (stand-in)")  # fmt: skip
    usage = namedtuple("usage", "total used free")
    real = sh.disk_usage
    monkeypatch.setattr(
        sh, "disk_usage", lambda p: usage(10**12, 10**12, int((download + single // 2) / 0.98))
    )
    with pytest.raises(DependencyError, match="disk space"):  # room for the download, not for its conversion
        pull("ltx-video", hub=LocalHub(ltx_hub))
    monkeypatch.setattr(sh, "disk_usage", real)

    from studio.cancel import CancelToken

    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("converting"):
            token.cancel()

    with pytest.raises(Cancelled):
        pull("ltx-video", hub=LocalHub(ltx_hub), on_progress=progress, cancel=token)
    path = model_path(get_entry("ltx-video"))
    staging = path.with_name(f".{path.name}.partial")
    assert not path.exists() and (staging / ENGINE.weight_file).is_file()  # downloads kept for the next pull
    assert not (staging / ".converting").exists()
    assert pull("ltx-video", hub=LocalHub(ltx_hub)) == path and verify("ltx-video").ok


def test_the_cli_pulls_verifies_and_names_the_converted_folder(ltx_hub, studio_home, capsys):
    from studio.cli import main

    assert main(["models", "pull", "ltx-video", "--from", str(ltx_hub)]) == 0
    assert main(["models", "verify", "ltx-video", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["ok"] is True
    assert main(["models", "path", "ltx-video"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert folder.name == "ltx-video-0.9.6-distilled" and (folder / "transformer" / "config.json").is_file()
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["ltx-video-0.9.6-distilled"]["present"]


def test_a_config_repo_with_only_a_pickled_text_encoder_is_refused(ltx_hub, studio_home):
    encoder = ltx_hub / ENGINE.config_repo / "text_encoder"
    (encoder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="text_encoder only as pickled weights"):
        pull("ltx-video", hub=LocalHub(ltx_hub))
    assert not model_path(get_entry("ltx-video")).exists()


def test_a_folder_an_older_pull_left_unconverted_is_converted_without_fetching_the_file_again(
    ltx_hub, studio_home
):
    path = model_path(get_entry("ltx-video"))
    path.mkdir(
        parents=True
    )  # what the pull did before: the single file and the repository root's 0.9.0 configs
    shutil.copy(ltx_hub / ENGINE.repo_id / ENGINE.weight_file, path / ENGINE.weight_file)
    shutil.copy(ltx_hub / ENGINE.repo_id / "model_index.json", path / "model_index.json")
    with pytest.raises(ModelError, match="not on this machine"):
        resolve("ltx-video")  # not loadable, so not present
    fetched: list[str] = []

    class Counting(LocalHub):
        def download(self, repo_id, name, dest, on_bytes):
            fetched.append(name)
            super().download(repo_id, name, dest, on_bytes)

    assert pull("ltx-video", hub=Counting(ltx_hub)) == path
    assert ENGINE.weight_file not in fetched and "text_encoder/model.safetensors" in fetched
    assert verify("ltx-video").ok and not (path / ENGINE.weight_file).exists()
    index = json.loads((path / "model_index.json").read_text(encoding="utf-8"))
    assert index["_class_name"] == "LTXConditionPipeline"  # the config repo's, not the old root's
