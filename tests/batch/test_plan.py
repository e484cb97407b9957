"""`studio batch plan`: every row validated, jobs keyed by content, nothing written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from studio.batch.plan import plan_batch
from studio.store import Store
from tests.batch.catalogues import write_csv

HEADER = ["id", "product", "headline", "selling_points", "price", "photos", "platforms"]


def _catalogue(folder, rows):
    return write_csv(folder / "c.csv", HEADER, rows)


def test_plan_reports_row_errors_and_counts_jobs(photos, tmp_path):
    path = _catalogue(photos, [
        ["T1", "Tea", "Fresh tea", "Hand picked|Cold brew", "NT$ 680", "p0.jpg|p1.jpg", "square|tiktok"],
        ["T2", "Mug", "Stone mug", "", "", "missing.jpg", ""],
        ["T3", "Cup", "Cup", "", "", "../../etc/passwd", ""],
        ["T4", "Pot", "Pot", "", "", "p2.jpg", "snapchat"],
        ["T1", "Tea again", "dup", "", "", "p0.jpg", ""],
    ])  # fmt: skip
    plan = plan_batch(path, tmp_path / "out", defaults={"duration": 5, "music": None})
    assert [(j.product_id, j.platform) for j in plan.jobs] == [("T1", "square"), ("T1", "tiktok")]
    errors = {e.row: e for e in plan.errors}
    assert sorted(errors) == [2, 3, 4, 5]
    assert errors[2].column == "photos" and "does not exist" in errors[2].message
    assert errors[3].column == "photos" and "outside" in errors[3].message
    assert errors[4].column == "platforms" and "snapchat" in errors[4].message
    assert errors[5].column == "id" and "also on row 1" in errors[5].message
    assert not (tmp_path / "out").exists()  # a dry run writes nothing


def test_spec_hash_follows_content_not_paths(photos, tmp_path):
    path = _catalogue(photos, [["T1", "Tea", "Fresh tea", "", "", "p0.jpg", "square"]])
    first = plan_batch(path, tmp_path / "out", defaults={"duration": 5}).jobs[0]
    moved = shutil.copytree(photos, tmp_path / "elsewhere")
    again = plan_batch(moved / "c.csv", tmp_path / "out", defaults={"duration": 5}).jobs[0]
    assert first.spec_hash == again.spec_hash and first.spec["photos"] != again.spec["photos"]
    (moved / "p0.jpg").write_bytes((photos / "p1.jpg").read_bytes())  # a new photo under the same name
    changed = plan_batch(moved / "c.csv", tmp_path / "out", defaults={"duration": 5}).jobs[0]
    assert changed.spec_hash != first.spec_hash


def test_output_stems_are_unique_per_product_id(photos, tmp_path):
    path = _catalogue(photos, [
        ["Tea/1", "Same title", "h", "", "", "p0.jpg", "square"],
        ["Tea 1", "Same title", "h", "", "", "p1.jpg", "square"],
        ["mug", "Same title", "h", "", "", "p2.jpg", "square"],
    ])  # fmt: skip
    plan = plan_batch(path, tmp_path / "out", defaults={"duration": 5})
    stems = [j.stem for j in plan.jobs]
    assert len(set(stems)) == 3 and stems[2] == "mug" and all(s.startswith("tea-1-") for s in stems[:2])


def test_photos_matched_from_an_images_folder(photos, tmp_path):
    images = tmp_path / "downloads"
    images.mkdir()
    shutil.copy(photos / "p0.jpg", images / "a.jpg")
    shutil.copy(photos / "p1.jpg", images / "SKU-2.jpg")
    path = _catalogue(photos, [
        ["T1", "Tea", "h", "", "", "https://cdn.example/x/a.jpg?v=3", "square"],
        ["SKU-2", "Mug", "h", "", "", "", "square"],
        ["T3", "Cup", "h", "", "", "https://cdn.example/x/zzz.jpg", "square"],
    ])  # fmt: skip
    plan = plan_batch(path, tmp_path / "out", images_dir=images, defaults={"duration": 5})
    assert [j.spec["photos"] for j in plan.jobs] == [[str(images / "a.jpg")], [str(images / "SKU-2.jpg")]]
    (error,) = plan.errors
    assert error.row == 3 and "not been downloaded" in error.message and "--images" in error.message


def test_cli_plan_json(photos, tmp_path, studio_home):
    path = _catalogue(
        photos, [["T1", "Tea", "h", "", "", "p0.jpg", "square"], ["T2", "", "h", "", "", "", ""]]
    )
    result = subprocess.run(
        [sys.executable, "-m", "studio", "batch", "plan", str(path), "-o", str(tmp_path / "out"), "--duration", "5",
         "--json"], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["format"], data["jobs"], data["skipped"]) == ("studio-csv", 1, 0)
    assert data["errors"] == [{"row": 2, "column": "product", "message": "no product name"}]
    assert not (tmp_path / "out").exists()
    assert Store(studio_home / "studio.sqlite3").batches() == []


def test_done_jobs_are_skipped_unless_their_files_are_gone(photos, tmp_path):
    from studio.batch.plan import batch_key

    path = _catalogue(photos, [["T1", "Tea", "h", "", "", "p0.jpg", "square"]])
    out = tmp_path / "out"
    out.mkdir()
    store = Store(tmp_path / "s.sqlite3")
    (job,) = plan_batch(path, out, defaults={"duration": 5}, store=store).jobs
    batch = store.open_batch(batch_key(out), "c.csv", out)
    (job_id,) = store.add_jobs(batch, [job.new_job()])
    store.claim_job(batch, "me", 60, 3)
    store.complete_job(job_id, "me", outputs=[{"kind": "video", "path": "t1-square.mp4"}])
    (out / "t1-square.mp4").write_bytes(b"made")
    plan = plan_batch(path, out, defaults={"duration": 5}, store=store)
    assert (len(plan.jobs), len(plan.skipped)) == (0, 1)
    (out / "t1-square.mp4").unlink()
    (redo,) = plan_batch(path, out, defaults={"duration": 5}, store=store).jobs
    assert redo.redo and redo.spec_hash == job.spec_hash
    store.requeue_job(job_id)
    assert (store.job(job_id).status, store.job(job_id).attempts) == ("queued", 0)
