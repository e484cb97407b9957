"""Every runtime dependency does runtime work: each one in pyproject's ``dependencies`` is imported by studio/ or
app.py, and what only the benchmark uses (moviepy) sits in the ``bench`` extra."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
# distribution name -> the module it is imported as, where they differ
IMPORT_NAMES = {
    "pillow": "PIL",
    "pyyaml": "yaml",
    "fonttools": "fontTools",
    "imageio-ffmpeg": "imageio_ffmpeg",
    "huggingface-hub": "huggingface_hub",
    "open-clip-torch": "open_clip",
    "imagehash": "imagehash",
    "c2pa-python": "c2pa",
    "opencv-python-headless": "cv2",
}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].strip().lower()


def _runtime_imports() -> set[str]:
    found: set[str] = set()
    files = [*sorted((ROOT / "studio").rglob("*.py")), ROOT / "app.py"]
    pattern = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
    for path in files:
        found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_runtime_dependency_is_imported_by_runtime_code():
    imported = _runtime_imports()
    unused = []
    for requirement in _project()["dependencies"]:
        name = _name(requirement)
        module = IMPORT_NAMES.get(name, name.replace("-", "_"))
        if module not in imported:
            unused.append(f"{name} (import {module})")
    assert unused == [], f"runtime dependencies nothing in studio/ or app.py imports: {unused}"


def test_bench_only_packages_are_in_the_bench_extra():
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    assert "moviepy" not in runtime and "ffmpeg-python" not in runtime
    assert "moviepy" in {_name(r) for r in project["optional-dependencies"]["bench"]}
    assert "moviepy" not in _runtime_imports()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "'.[bench]'" in makefile and "bench: $(VENV)/.installed-bench" in makefile
