"""The layers of CONTRIBUTING.md, checked on the code's own imports: only studio/ui imports gradio; nothing outside
the edges (and `python -m studio`) imports studio.cli or studio.ui; the bottom modules import nothing of studio's above them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "studio"
BOTTOM = ("errors", "cancel", "progress", "settings", "logs", "categories", "colours", "devices", "fsutil")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), _imports(path)


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_only_the_ui_imports_gradio():
    offenders = [
        rel
        for rel, names in _modules()
        if not rel.startswith("ui/") and any(_under(n, "gradio") for n in names)
    ]
    assert offenders == []


def test_the_library_never_imports_an_edge():
    offenders = []
    for rel, names in _modules():
        for edge in ("cli", "ui"):
            if (
                rel != "__main__.py"
                and not rel.startswith(f"{edge}/")
                and any(_under(n, f"studio.{edge}") for n in names)
            ):
                offenders.append(f"{rel} imports studio.{edge}")
    assert offenders == []


def test_the_bottom_modules_import_only_each_other():
    allowed = {f"studio.{name}" for name in BOTTOM} | {"studio"}
    offenders = []
    for name in BOTTOM:
        for imported in _imports(ROOT / f"{name}.py"):
            if _under(imported, "studio") and imported not in allowed:
                offenders.append(f"{name}.py imports {imported}")
    assert offenders == []
