"""A single render survives kills and signals (issue 10 item 5): real `studio ad` processes, real signals.

Every wait polls a condition (the store's row, a temp file, the process table); nothing sleeps a fixed time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.store import Store
from tests.helpers import ffprobe, make_photo

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 240.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)  # a polling interval, not a wait for an assumed duration
    raise AssertionError(f"timed out waiting for {what}")


def env_for(home: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "STUDIO_HOME": str(home), "PYTHONPATH": path, **extra}


def write_spec(tmp_path: Path, platforms: list[str], product: str = "Oolong") -> Path:
    photo = make_photo(tmp_path / "photo.jpg")
    spec = {
        "product": product,
        "photos": [str(photo)],
        "headline": "Fresh oolong",
        "duration": 5,
        "platforms": platforms,
        "music": None,
    }
    path = tmp_path / "ad.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def start_ad(spec: Path, out: Path, home: Path, *extra: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "studio", "ad", str(spec), "-o", str(out), "--draft", "--no-screen", *extra],
        env=env_for(home, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def running_row(store: Store):
    rows = [r for r in store.renders(kind="ad") if r.status == "running" and r.scratch is not None]
    return rows[0] if rows else None


def ffmpeg_writing_into(folder: Path) -> list[int]:
    """Pids of live processes whose command line names ``folder`` (the encoder writing into it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(folder) in cmdline and state != "Z" and int(entry.name) != os.getpid():
            pids.append(int(entry.name))
    return pids


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def mid_encode(store: Store) -> Path | None:
    """The temp MP4 of the running render once the encoder has written into it."""
    row = running_row(store)
    if row is None or not row.scratch.is_dir():
        return None
    parts = [p for p in row.scratch.glob("*.mp4") if p.stat().st_size > 0]
    return parts[0] if parts else None


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def test_sigkill_mid_render_is_interrupted_at_next_start(tmp_path, studio_home):
    spec = write_spec(tmp_path, ["square"])
    out = tmp_path / "out"
    proc = start_ad(spec, out, studio_home)
    store = Store(studio_home / "studio.sqlite3")
    try:
        part = wait_until(lambda: mid_encode(store), "the encoder to write its temp file")
        # a live render of another process is never settled
        from studio.ads import recover_renders

        assert recover_renders(store) == []
        assert running_row(store) is not None
    finally:
        proc.kill()
        proc.wait()
    row = store.renders(kind="ad")[0]
    assert row.status == "running"  # what a kill leaves: the next start settles it
    history = subprocess.run(
        [sys.executable, "-m", "studio", "history", "--json"],
        env=env_for(studio_home),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(history.stdout)[0]["status"] == "interrupted"
    row = store.render(row.id)
    assert row.status == "interrupted" and "killed or crashed" in row.reason
    assert not part.parent.exists()
    wait_until(lambda: not ffmpeg_writing_into(part.parent), "the orphaned encoder to exit", timeout=60)
    assert files_in(out) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_cancels_cleans_up_and_records_cancelled(tmp_path, studio_home, signum, code):
    spec = write_spec(tmp_path, ["square"])
    out = tmp_path / "out"
    proc = start_ad(spec, out, studio_home)
    store = Store(studio_home / "studio.sqlite3")
    try:
        part = wait_until(lambda: mid_encode(store), "the encoder to write its temp file")
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == code, stderr
    assert "cancelled" in stderr and "Traceback" not in stderr
    row = store.renders(kind="ad")[0]
    assert row.status == "cancelled" and signal.Signals(signum).name in row.reason
    assert files_in(out) == [] and ffmpeg_writing_into(part.parent) == []


def test_kill_during_the_renames_is_completed_at_next_start(tmp_path, studio_home):
    spec = write_spec(tmp_path, ["square", "tiktok"])
    out = tmp_path / "out"
    proc = start_ad(spec, out, studio_home, STUDIO_CRASH_AT="ad-mid-rename")
    proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL
    store = Store(studio_home / "studio.sqlite3")
    row = store.renders(kind="ad")[0]
    assert row.status == "running" and row.journal is not None
    finals = [Path(b) for _, b in row.journal["moves"]]
    # per platform: MP4, cover, .srt and (--no-screen) the two "unscreened" reports
    assert len(finals) == 10 and 1 <= sum(f.exists() for f in finals) < 10  # half a set on disk
    from studio.ads import recover_renders

    assert recover_renders(store) == [row.id]
    row = store.render(row.id)
    assert row.status == "unscreened" and "completed at the next start" in row.reason  # still not "done"
    assert all(f.is_file() for f in finals) and not row.scratch.exists()
    assert files_in(out) == sorted(f.name for f in finals)
    for output in row.outputs:
        (video,) = [s for s in ffprobe(Path(output["path"]))["streams"] if s["codec_type"] == "video"]
        assert int(video["nb_read_frames"]) == 150
    assert {a.path for a in store.assets(kind="video")} == {Path(o["path"]) for o in row.outputs}


GATED_RENDER = """
import json, sys
from pathlib import Path
from studio.ads import make_ad
from studio.spec import load_spec
from studio.store import open_store
from studio.media.encode import EncodeSettings

from studio.compliance.gate import ad_gate

store = open_store()
gate = ad_gate(store, load_clip=False)  # the real gate: it stages its reports next to the scratch file
make_ad(load_spec(sys.argv[1]), sys.argv[2], store=store, gate=gate, encode=EncodeSettings(preset="veryfast"))
"""


def test_kill_after_the_gate_leaves_no_orphan_pass_report(tmp_path, studio_home):
    spec = write_spec(tmp_path, ["square"])
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-c", GATED_RENDER, str(spec), str(out)],
        env=env_for(studio_home, STUDIO_CRASH_AT="ad-after-gate"),
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    left = files_in(out)
    # the gate's report waits in the scratch folder with its file: a kill leaves no orphan report in the folder
    assert "oolong-square.mp4" not in left and not [n for n in left if n.endswith(".compliance.json")]
    store = Store(studio_home / "studio.sqlite3")
    from studio.ads import recover_renders

    (settled,) = recover_renders(store)
    assert store.render(settled).status == "interrupted"
    assert files_in(out) == []
    # without a crash the report is published together with its MP4
    result = subprocess.run([sys.executable, "-c", GATED_RENDER, str(spec), str(out)], env=env_for(studio_home),
                            capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert files_in(out) == [  # every published picture with its own report
        "oolong-square-cover.jpg",
        "oolong-square-cover.jpg.compliance.html",
        "oolong-square-cover.jpg.compliance.json",
        "oolong-square.mp4",
        "oolong-square.mp4.compliance.html",
        "oolong-square.mp4.compliance.json",
        "oolong-square.srt",
    ]


def test_two_renders_of_one_product_at_once_both_succeed(tmp_path, studio_home):
    spec = write_spec(tmp_path, ["square"])
    out = tmp_path / "out"
    store = Store(studio_home / "studio.sqlite3")
    procs = [start_ad(spec, out, studio_home, "--json")]
    wait_until(lambda: mid_encode(store), "the first render to be encoding")
    procs.append(start_ad(spec, out, studio_home, "--json"))  # same product, same folder, same names
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    first, second = sorted(store.renders(kind="ad"), key=lambda r: r.id)
    assert first.status == second.status == "unscreened"  # start_ad passes --no-screen
    assert second.created < first.finished  # they really overlapped
    assert files_in(out) == [
        "oolong-square-cover.jpg",
        "oolong-square-cover.jpg.compliance.json",
        "oolong-square.mp4",
        "oolong-square.mp4.compliance.json",
        "oolong-square.srt",
    ]
    (video,) = [s for s in ffprobe(out / "oolong-square.mp4")["streams"] if s["codec_type"] == "video"]
    assert int(video["nb_read_frames"]) == 150
