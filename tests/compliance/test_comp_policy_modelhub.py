"""The model registry: local resolution, agreement with open_clip, and the clear error when offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import ModelError
from studio.modelhub import get_entry, is_present, list_models, model_path, pull, resolve


def test_clip_entries_agree_with_open_clip() -> None:
    from open_clip import pretrained

    clips = list_models("clip")
    assert clips
    for status in clips:
        model, tag = status.entry.open_clip
        cfg = pretrained.get_pretrained_cfg(model, tag)
        assert cfg, (model, tag)
        assert cfg["hf_hub"].rstrip("/") == status.entry.hub_id
        assert status.licence.commercial_use


def test_local_directories_resolve(studio_home: Path, tmp_path: Path) -> None:
    entry = get_entry("wan2.1-t2v-1.3b")
    folder = model_path(entry)
    assert folder == studio_home / "models" / "video" / "wan2.1-t2v-1.3b"
    with pytest.raises(ModelError, match="not on this machine") as info:
        resolve("wan2.1-t2v-1.3b")
    assert "studio models pull wan2.1-t2v-1.3b" in info.value.hint
    folder.mkdir(parents=True)
    assert not is_present(entry)  # an empty folder is not a model
    (folder / "model_index.json").write_text('{"_class_name": "WanPipeline"}', encoding="utf-8")
    assert is_present(entry) and resolve("wan2.1-t2v-1.3b") == folder
    # single-file checkpoints need their listed files
    ltx = get_entry("ltx-video-0.9.8")
    ltx_dir = model_path(ltx)
    ltx_dir.mkdir(parents=True)
    (ltx_dir / "model_index.json").write_text("{}", encoding="utf-8")
    assert not is_present(ltx)
    (ltx_dir / ltx.files[0]).write_bytes(b"\0" * 16)
    assert is_present(ltx)
    # any existing local folder is accepted as given
    mine = tmp_path / "my-finetune"
    mine.mkdir()
    with pytest.raises(ModelError, match="empty"):
        resolve(mine)
    (mine / "model_index.json").write_text("{}", encoding="utf-8")
    assert resolve(mine) == mine


def test_pull_offline_fails_clearly_and_leaves_nothing(studio_home: Path, monkeypatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError, match="Could not download") as info:
        pull("wan2.1-t2v-1.3b")
    assert "copy the weights" in info.value.hint
    assert not (studio_home / "models" / "video" / "wan2.1-t2v-1.3b").exists()
    assert not any(p.name.endswith(".partial") for p in (studio_home / "models" / "video").iterdir())
    with pytest.raises(ModelError, match="Could not download"):
        pull("clip-vit-b-32-laion2b")
