"""The UI is an edge over the library: it never imports the CLI (another edge)."""

from __future__ import annotations

import ast
from pathlib import Path

import studio.ui


def test_no_ui_module_imports_the_cli():
    offenders = []
    for path in Path(studio.ui.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n == "studio.cli" or n.startswith("studio.cli.")
            ]
    assert offenders == []


def test_spin_choices_come_from_the_store(tmp_path):
    from studio.store import Store
    from studio.ui.ad_tab import spin_choices
    from studio.ui.context import AppContext

    store = Store(tmp_path / "s.sqlite3")
    spin = tmp_path / "run1" / "spin.mp4"
    spin.parent.mkdir()
    spin.write_bytes(b"mp4")
    model = tmp_path / "run2" / "model.safetensors"
    model.parent.mkdir()
    model.write_bytes(b"model")
    store.add_asset(spin, "spin")
    store.add_model(model)
    store.add_model(tmp_path / "gone" / "model.safetensors")  # a deleted model is not offered
    ctx = AppContext(store=store, home=tmp_path, outputs=tmp_path)
    assert spin_choices(ctx) == [
        ("none", ""),
        ("spin: run1/spin.mp4", str(spin)),
        ("model: run2/model.safetensors", str(model)),
    ]
