"""The model manager against a local stand-in hub (a folder laid out like the Hugging Face Hub; no network):
safetensors only, progress, resume after an interruption, the SHA-256 manifest that verify checks, remove, path,
engine names accepted, the free-disk check, HF_HUB_OFFLINE, and the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from studio.errors import DependencyError, InputError, ModelError
from studio.modelhub import LocalHub, get_entry, model_path, pull, remove, resolve, verify


@pytest.fixture
def hub(tmp_path) -> Path:
    """A stand-in hub holding Wan-AI/Wan2.1-T2V-1.3B-Diffusers: configs, safetensors weights and a pickle."""
    from safetensors.numpy import save_file

    repo = tmp_path / "hub" / "Wan-AI" / "Wan2.1-T2V-1.3B-Diffusers"
    (repo / "transformer").mkdir(parents=True)
    (repo / "vae").mkdir()
    (repo / "model_index.json").write_text('{"_class_name": "WanPipeline"}', encoding="utf-8")
    (repo / "LICENSE.txt").write_text("Apache License 2.0", encoding="utf-8")
    (repo / "transformer" / "config.json").write_text("{}", encoding="utf-8")
    rng = np.random.default_rng(0)
    save_file(
        {"w": rng.standard_normal((512, 700)).astype(np.float32)}, str(repo / "transformer" / "m.safetensors")
    )
    save_file({"w": rng.standard_normal((64, 64)).astype(np.float32)}, str(repo / "vae" / "m.safetensors"))
    (repo / "transformer" / "m.bin").write_bytes(b"pickle, never fetched")
    return tmp_path / "hub"


def test_pull_verify_path_remove(hub, studio_home):
    progress: list[float] = []
    path = pull("wan2.1-t2v-1.3b", hub=LocalHub(hub), on_progress=lambda f, m: progress.append(f))
    assert path == studio_home / "models" / "video" / "wan2.1-t2v-1.3b"
    names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    assert "transformer/m.bin" not in names  # safetensors only
    assert {"model_index.json", "LICENSE.txt", "transformer/m.safetensors", "vae/m.safetensors"} <= set(names)
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert verify("wan2.1-t2v-1.3b").ok and resolve("wan2.1-t2v-1.3b") == path
    # a corrupted file is caught by its hash
    weights = path / "vae" / "m.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    report = verify("wan2.1-t2v-1.3b")
    assert not report.ok and any("SHA-256" in p for p in report.problems)
    assert remove("wan2.1-t2v-1.3b") == path and not path.exists()
    with pytest.raises(ModelError, match="not on this machine"):
        resolve("wan2.1-t2v-1.3b")
    with pytest.raises(InputError, match="not on this machine"):
        remove("wan2.1-t2v-1.3b")


def test_an_interrupted_pull_resumes(hub, studio_home):
    class Flaky(LocalHub):
        """Stops after 100 kB of the big file, as a dropped connection would."""

        calls = 0

        def download(self, repo_id, name, dest, on_bytes):
            if name == "transformer/m.safetensors" and Flaky.calls == 0:
                Flaky.calls += 1
                source = self.root / repo_id / name
                dest.with_name(dest.name + ".part").write_bytes(source.read_bytes()[:100_000])
                raise ConnectionError("connection reset")
            super().download(repo_id, name, dest, on_bytes)

    with pytest.raises(ModelError, match="connection reset") as info:
        pull("wan2.1-t2v-1.3b", hub=Flaky(hub))
    assert "resume" in info.value.hint
    path = model_path(get_entry("wan2.1-t2v-1.3b"))
    assert not path.exists()  # nothing under the final name
    staging = path.with_name(f".{path.name}.partial")
    assert (staging / "transformer" / "m.safetensors.part").stat().st_size == 100_000
    seen: list[str] = []
    pull("wan2.1-t2v-1.3b", hub=Flaky(hub), on_progress=lambda f, m: seen.append(m))
    assert verify("wan2.1-t2v-1.3b").ok and not staging.exists()


def test_engine_names_disk_check_and_offline(hub, studio_home, monkeypatch):
    assert get_entry("ltx-video").id == "ltx-video-0.9.6-distilled"  # an engine name names its checkpoint
    with pytest.raises(ModelError, match="Could not download"):
        pull("ltx-video", hub=LocalHub(hub))  # not in the stand-in hub
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**12, 10**12, 1000))
    with pytest.raises(DependencyError, match="disk space"):
        pull("wan2.1-t2v-1.3b", hub=LocalHub(hub))
    monkeypatch.undo()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="HF_HUB_OFFLINE"):
        pull("wan2.1-t2v-1.3b")  # the real hub is never contacted


def test_models_cli(hub, studio_home, capsys):
    from studio.cli import main

    assert main(["models", "pull", "wan2.1-t2v-1.3b", "--from", str(hub)]) == 0
    assert main(["models", "verify", "wan2.1-t2v-1.3b", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["ok"] is True
    assert main(["models", "path", "wan2.1-t2v-1.3b"]) == 0
    assert capsys.readouterr().out.strip().endswith(os.path.join("video", "wan2.1-t2v-1.3b"))
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["wan2.1-t2v-1.3b"]["present"] and not rows["wan2.2-ti2v-5b"]["present"]
    assert rows["wan2.1-vace-1.3b"]["licence"] == "apache-2.0"
    assert main(["models", "remove", "wan2.1-t2v-1.3b"]) == 0
    assert main(["models", "verify", "wan2.1-t2v-1.3b"]) == 2
    assert "studio models pull wan2.1-t2v-1.3b" in capsys.readouterr().err
