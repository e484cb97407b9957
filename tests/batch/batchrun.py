"""Running `studio batch` as a user does (a real subprocess) and checking what it left."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ffprobe

ROOT = Path(__file__).resolve().parents[2]


def env_for(home: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "STUDIO_HOME": str(home), "PYTHONPATH": path, **extra}


def batch_args(catalogue: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "studio", "batch", "run", str(catalogue), "-o", str(out), "--duration", "5",
            "--music", "none", "--no-screen", *extra]  # fmt: skip


def run_batch_cli(
    catalogue: Path, out: Path, home: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(batch_args(catalogue, out, *extra), env=env_for(home, **env), capture_output=True,
                          text=True, timeout=900, check=False)  # fmt: skip


def frame_count(path: Path) -> int:
    (video,) = [s for s in ffprobe(path)["streams"] if s["codec_type"] == "video"]
    return int(video["nb_read_frames"])


def leftovers(out: Path) -> list[str]:
    """Anything temporary under the output folder (staging, render scratch, .part files)."""
    names = []
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        if rel.startswith(".") or "/." in rel or ".part" in path.name:
            names.append(rel)
    return names
