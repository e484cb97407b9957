"""Kill and resume (issue 10 item 8): SIGKILL the coordinator and its workers at seeded random moments and at
named crash points (after claim, after encode, mid-rename, before commit), then run the same command again:
every job is done exactly once, every output is complete, and no temporary file is left."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from studio.store import Store
from tests.batch.batchrun import batch_args, env_for, frame_count, leftovers, run_batch_cli
from tests.batch.catalogues import write_csv

HEADER = ["id", "product", "headline", "photos", "platforms"]
SEED = int(os.environ.get("STUDIO_RESUME_SEED", "20261201"))  # STUDIO_RESUME_ROUNDS=N: more random kills


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append((int(entry.name), cmdline))
    return found


def _processes_naming(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and int(entry.name) != os.getpid():
                pids.append(int(entry.name))
    return pids


def _wait(predicate, what: str, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)  # polling interval
    raise AssertionError(f"timed out waiting for {what}")


def _running_jobs(store: Store) -> int:
    batches = store.batches()
    return store.job_counts(batches[0].id)["running"] if batches else 0


@pytest.mark.slow
def test_kill_at_random_moments_and_crash_points_then_resume(photos, tmp_path, studio_home):
    rows = [[f"P{i}", f"Product {i}", f"Headline {i}", f"p{i % 3}.jpg", "square"] for i in range(3)]
    catalogue = write_csv(photos / "c.csv", HEADER, rows[:2])
    out = tmp_path / "out"
    args = ("--workers", "2", "--max-attempts", "20")
    rng = random.Random(SEED)
    store = Store(studio_home / "studio.sqlite3")

    # 1. seeded random SIGKILLs of the coordinator or one of its workers while jobs run
    for _round in range(int(os.environ.get("STUDIO_RESUME_ROUNDS", "1"))):
        proc = subprocess.Popen(batch_args(catalogue, out, *args), env=env_for(studio_home),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            _wait(lambda proc=proc: _running_jobs(store) > 0 or proc.poll() is not None, "a job to run")
            deadline = time.monotonic() + rng.uniform(0.0, 6.0)  # a random moment of the render
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            workers = [pid for pid, cmd in _children(proc.pid) if "spawn_main" in cmd]
            if rng.random() < 0.5 and workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                proc.wait(timeout=600)  # the coordinator notices, requeues and carries on
                assert proc.returncode == 0, proc.stderr.read()
            else:
                proc.kill()
        finally:
            proc.kill()
            proc.wait()

    # 2. the shop adds a product; each named crash point once (the first process to get there dies, the
    # next run resumes): the coordinator after a claim, mid-rename and before the commit, then a worker
    write_csv(photos / "c.csv", HEADER, rows)
    for point in ("batch-after-claim", "batch-mid-rename", "batch-before-commit", "ad-after-encode"):
        marker = tmp_path / f"crashed-{point}"
        run_batch_cli(
            catalogue, out, studio_home, *args, STUDIO_CRASH_AT=point, STUDIO_CRASH_ONCE=str(marker)
        )
        assert marker.exists(), f"the run never reached {point}"

    # 3. the same command once more finishes the batch
    final = run_batch_cli(catalogue, out, studio_home, *args)
    assert final.returncode == 0, final.stderr
    (batch,) = store.batches()
    jobs = store.jobs(batch.id)
    assert [j.status for j in jobs] == ["done"] * 3
    assert [j.completions for j in jobs] == [1, 1, 1]  # done exactly once each
    expected = {f"p{i}-square{s}" for i in range(3) for s in (".mp4", "-cover.jpg", ".srt")}
    # every published MP4 and cover carries its own compliance report (json + html)
    expected |= {
        f"p{i}-square{s}.compliance.{r}"
        for i in range(3)
        for s in (".mp4", "-cover.jpg")
        for r in ("json", "html")
    }
    assert {p.name for p in out.iterdir() if p.is_file()} == expected | {"results.csv", "contact-sheet.html"}
    for i in range(3):
        assert frame_count(out / f"p{i}-square.mp4") == 150
    assert leftovers(out) == []
    _wait(lambda: not _processes_naming(str(out)), "every encoder of a killed render to exit", timeout=120)
