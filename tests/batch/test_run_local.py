"""`studio batch run` on the local worker pool: outputs, results CSV, contact sheet, re-runs, failures."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from studio.store import Store
from tests.batch.batchrun import frame_count, leftovers, run_batch_cli
from tests.batch.catalogues import write_csv

HEADER = ["id", "product", "headline", "selling_points", "price", "photos", "platforms"]


def test_local_batch_end_to_end_and_rerun(photos, tmp_path, studio_home):
    catalogue = write_csv(photos / "c.csv", HEADER, [
        ["T1", "高山烏龍茶", "今年新茶", "手採|冷泡", "NT$ 680", "p0.jpg", "square"],
        ["T2", "高山烏龍茶", "Same title, other product", "", "", "p1.jpg", "square"],
        ["T3", "Broken", "Broken row", "", "", "nothing.jpg", "square"],
    ])  # fmt: skip
    out = tmp_path / "out"
    result = run_batch_cli(catalogue, out, studio_home, "--workers", "2", "--json")
    assert result.returncode == 1, result.stderr  # a row could not be planned: reported, the rest ran
    summary = json.loads(result.stdout)
    assert summary["counts"]["done"] == 2 and summary["counts"]["failed"] == 0
    assert [e["row"] for e in summary["row_errors"]] == [3]
    for stem in ("t1", "t2"):  # one name per product id, though both have the same title
        assert frame_count(out / f"{stem}-square.mp4") == 150
        assert (out / f"{stem}-square-cover.jpg").is_file() and (out / f"{stem}-square.srt").is_file()
        assert (out / "logs" / f"{stem}-square.log").read_text().count("done in") == 1
    assert leftovers(out) == []
    with open(out / "results.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["product"], r["platform"], r["status"], r["path"]) for r in rows[:2]] == [
        ("T1", "square", "done", "t1-square.mp4"),
        ("T2", "square", "done", "t2-square.mp4"),
    ]
    assert rows[2]["status"] == "invalid" and "nothing.jpg" in rows[2]["error"]
    sheet = (out / "contact-sheet.html").read_text(encoding="utf-8")
    assert '<img src="t1-square-cover.jpg"' in sheet and "nothing.jpg" in sheet
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    # the same command again: nothing is rendered twice
    again = run_batch_cli(catalogue, out, studio_home, "--workers", "2", "--json")
    data = json.loads(again.stdout)
    assert data["skipped"] == 2 and data["counts"]["done"] == 2
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")} == mtimes
    store = Store(studio_home / "studio.sqlite3")
    (batch,) = store.batches()
    assert all(j.completions == 1 and j.attempts == 1 for j in store.jobs(batch.id))


def test_a_failing_render_fails_only_its_job(photos, tmp_path, studio_home):
    jobs = photos / "jobs.yaml"
    jobs.write_text(
        "jobs:\n"
        "  - {id: good, spec: {product: Tea, headline: Fresh tea, photos: [p0.jpg], platforms: [square]}}\n"
        "  - {id: bad, spec: {product: Mug, headline: Mug, photos: [p1.jpg], platforms: [square],"
        " font: no-such-font}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_batch_cli(jobs, out, studio_home, "--workers", "1", "--json")
    assert result.returncode == 1
    store = Store(studio_home / "studio.sqlite3")
    (batch,) = store.batches()
    good, bad = store.jobs(batch.id)
    assert (good.product_id, good.status) == ("good", "done")
    assert (bad.status, bad.attempts) == (
        "failed",
        1,
    ) and "no-such-font" in bad.error  # no retry of bad input
    assert frame_count(out / "good-square.mp4") == 150 and not list(out.glob("bad-*"))
    status = subprocess.run([sys.executable, "-m", "studio", "batch", "status", "--json"], capture_output=True,
                            text=True, check=True, env={**os.environ, "STUDIO_HOME": str(studio_home)})  # fmt: skip
    assert json.loads(status.stdout)["counts"]["failed"] == 1


def test_sigterm_cancels_the_batch_and_retry_finishes_it(photos, tmp_path, studio_home):
    import signal
    import time

    from tests.batch.batchrun import batch_args, env_for

    catalogue = write_csv(photos / "c.csv", HEADER, [[f"S{i}", "Tea", "Fresh", "", "", "p0.jpg", "square"]
                                                       for i in range(2)])  # fmt: skip
    out = tmp_path / "out"
    proc = subprocess.Popen(batch_args(catalogue, out, "--workers", "1"), env=env_for(studio_home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    store = Store(studio_home / "studio.sqlite3")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        batches = store.batches()
        if batches and store.job_counts(batches[0].id)["running"]:
            break
        time.sleep(0.05)  # polling interval
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 143, stderr
    (batch,) = store.batches()
    counts = store.job_counts(batch.id)
    assert counts["cancelled"] == 2 and counts["running"] == 0, counts
    assert leftovers(out) == [] and not list(out.glob("*.mp4"))
    retry = subprocess.run([sys.executable, "-m", "studio", "batch", "retry", str(batch.id)], capture_output=True,
                           text=True, env=env_for(studio_home), check=True)  # fmt: skip
    assert retry.stdout.startswith("2 jobs queued again")
    again = run_batch_cli(catalogue, out, studio_home, "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.glob("*.mp4")) == ["s0-square.mp4", "s1-square.mp4"]
