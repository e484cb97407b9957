"""The CLIP embedder with a tiny seeded random open_clip model: loading paths, shapes, missing weights."""

from __future__ import annotations

import numpy as np
import pytest

from studio.compliance import embed
from studio.compliance.embed import ClipEmbedder
from studio.errors import ConfigError, DependencyError, InputError, ModelError


def test_checkpoint_file_gives_unit_vectors(tiny_clip, media):
    embedder = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    assert "not loaded yet" in repr(embedder)  # lazy: nothing built by load()
    images = [media.logo(0), np.asarray(media.scene(1)), media.logo(0)]
    vectors = embedder.embed_images(images)
    assert "not loaded yet" not in repr(embedder)
    assert vectors.shape == (3, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(vectors[0] @ vectors[2]) == pytest.approx(1.0, abs=1e-5)  # the same picture
    assert float(vectors[0] @ vectors[1]) < 0.999
    texts = embedder.embed_texts(["a photo of a gun", "a photo of a product", "一張商品照片"])
    assert texts.shape == (3, 32) and np.allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    assert embedder.dim == 32
    assert embedder.embed_images([]).shape == (0, 32)


def test_batches_give_the_same_vectors(tiny_clip, media):
    one = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint, batch_size=1)
    many = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint, batch_size=8)
    images = [media.logo(i) for i in range(5)]
    assert np.allclose(one.embed_images(images), many.embed_images(images), atol=1e-5)


def test_local_folder_and_file_load_the_same_weights(tiny_clip, media):
    from_file = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    from_dir = ClipEmbedder.load("", checkpoint=tiny_clip.folder)
    from_schema = ClipEmbedder.load(f"local-dir:{tiny_clip.folder}")
    image = [media.logo(4)]
    assert np.allclose(from_file.embed_images(image), from_dir.embed_images(image), atol=1e-5)
    assert np.allclose(from_dir.embed_images(image), from_schema.embed_images(image), atol=1e-5)
    assert from_file.name.startswith(tiny_clip.name + "@")


def test_imported_checkpoint_loads_by_tag(tiny_clip, media):
    target = embed.import_clip_checkpoint(tiny_clip.name, "seed0", tiny_clip.checkpoint)
    assert target == embed.clip_weights_path(tiny_clip.name, "seed0") and target.is_file()
    by_tag = ClipEmbedder.load(tiny_clip.name, pretrained="seed0")
    direct = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    assert by_tag.name == f"{tiny_clip.name}/seed0"
    assert np.allclose(by_tag.embed_images([media.logo(1)]), direct.embed_images([media.logo(1)]), atol=1e-5)


def test_missing_weights_say_how_to_get_them(monkeypatch):
    with pytest.raises(ModelError, match="ViT-B-32/laion2b_s34b_b79k are not on this machine") as info:
        ClipEmbedder.load("ViT-B-32", pretrained="laion2b_s34b_b79k")
    assert "studio models pull clip" in info.value.one_line()
    monkeypatch.delenv(embed.ENV_MODEL, raising=False)
    assert embed.try_default_embedder() is None
    reason = embed.default_embedder_reason()
    assert reason and "studio models pull clip" in reason
    assert embed.last_unavailable_reason() == reason


def test_default_embedder_from_the_environment(tiny_clip, monkeypatch):
    monkeypatch.setenv(embed.ENV_MODEL, str(tiny_clip.folder))
    embedder = embed.try_default_embedder()
    assert embedder is not None and embed.default_embedder_reason() is None
    monkeypatch.setenv(embed.ENV_MODEL, "not a model")
    assert embed.try_default_embedder() is None
    assert "STUDIO_CLIP_MODEL" in (embed.default_embedder_reason() or "")


def test_bad_requests_are_clear(tiny_clip, tmp_path):
    with pytest.raises(ConfigError, match="Hugging Face"):
        ClipEmbedder.load("hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K")
    with pytest.raises(InputError, match="Unknown CLIP architecture"):
        ClipEmbedder.load("no-such-arch", checkpoint=tiny_clip.checkpoint)
    with pytest.raises(ModelError, match="does not exist"):
        ClipEmbedder.load(tiny_clip.name, checkpoint=tmp_path / "nope.safetensors")
    with pytest.raises(InputError, match="No weights"):
        ClipEmbedder.load(tiny_clip.name)
    with pytest.raises(InputError, match="Unknown device"):
        ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint, device="tpu")
    with pytest.raises(InputError, match="not valid"):
        embed.clip_weights_path("../evil", "x")
    folder = tmp_path / "no_config"
    folder.mkdir()
    with pytest.raises(ModelError, match="open_clip_config.json"):
        ClipEmbedder.load("", checkpoint=folder)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the no-CUDA message")
def test_cuda_without_a_gpu(tiny_clip):
    with pytest.raises(DependencyError, match="CUDA"):
        ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint, device="cuda")


def test_corrupt_or_mismatched_checkpoints_fail_on_first_use(tiny_clip, tmp_path, media):
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x00" * 64)
    embedder = ClipEmbedder.load(tiny_clip.name, checkpoint=corrupt)
    with pytest.raises(ModelError, match="Could not load the CLIP weights"):
        embedder.embed_images([media.logo(0)])
    import json

    import open_clip

    other = tmp_path / "studio-tiny-clip-wide.json"
    config = json.loads(json.dumps(tiny_clip.config))
    config["embed_dim"] = 48  # another architecture: the projection shapes differ
    other.write_text(json.dumps(config))
    open_clip.add_model_config(other)
    wrong = ClipEmbedder.load("studio-tiny-clip-wide", checkpoint=tiny_clip.checkpoint)
    with pytest.raises(ModelError, match="studio-tiny-clip-wide"):
        wrong.embed_texts(["x"])
    with pytest.raises(ModelError, match="does not load"):
        embed.import_clip_checkpoint("studio-tiny-clip-wide", "mine", tiny_clip.checkpoint)


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs CUDA")
def test_cuda_embeddings_match_cpu(tiny_clip, media):
    cpu = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    gpu = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint, device="cuda")
    images = [media.logo(i) for i in range(3)]
    assert np.allclose(cpu.embed_images(images), gpu.embed_images(images), atol=1e-3)
