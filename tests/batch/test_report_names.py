"""A batch's reports name the published outputs, never the temporary staging folder the workers render into."""

from __future__ import annotations

import json
from pathlib import Path

from studio.batch.engines import LocalEngine
from studio.batch.plan import plan_batch
from studio.batch.run import STAGING, published_names, run_batch
from studio.compliance.gate import list_quarantine, quarantine_dir
from studio.store import Store
from tests.batch.catalogues import write_csv

HEADER = ["id", "product", "headline", "selling_points", "price", "photos", "platforms", "duration", "music",
          "category"]  # fmt: skip


def test_reports_and_quarantine_name_the_final_output(photos: Path, tmp_path: Path):
    catalogue = write_csv(photos / "c.csv", HEADER, [
        ["good", "Tea", "Fresh tea", "", "", "p0.jpg", "square", "5", "", "food"],
        ["bad", "Tea", "喝了降血壓", "", "", "p1.jpg", "square", "5", "", "food"],  # a banned health claim
    ])  # fmt: skip
    out = tmp_path / "out"
    store = Store(tmp_path / "studio.sqlite3")
    plan = plan_batch(catalogue, out, width=240, store=store)
    summary = run_batch(plan, store, LocalEngine(1), preset="ultrafast", screen=True, max_attempts=1)
    assert (summary.counts["done"], summary.counts["failed"]) == (1, 1)
    (item,) = list_quarantine()
    assert item.final_path == out.resolve() / "bad-square.mp4"  # released, it goes where the batch publishes
    texts = {"summary": json.dumps(summary.to_json(), ensure_ascii=False)}
    for path in [*out.rglob("*"), *quarantine_dir().rglob("*")]:
        if path.is_file() and path.suffix in (".csv", ".html", ".json", ".srt", ".log"):
            texts[str(path)] = path.read_text(encoding="utf-8-sig")
    for job in store.jobs(summary.batch_id):
        texts[f"job {job.product_id}"] = json.dumps([job.error, job.outputs], ensure_ascii=False)
    assert any(".compliance.json" in name for name in texts) and any("report.json" in n for n in texts)
    assert [name for name, text in texts.items() if STAGING in text] == []
    report = json.loads((out / "good-square.mp4.compliance.json").read_text(encoding="utf-8"))
    assert report["media"]["name"] == "good-square.mp4"


def test_error_messages_name_the_output_not_the_staging_folder():
    staging = Path("/shop/out") / STAGING / "job-3-1"
    message = f"ffmpeg could not write {staging}/.studio-render-0-1a2b3c/t1-square.mp4 (disk full)"
    assert published_names(message, staging, Path("/shop/out")) == (
        "ffmpeg could not write /shop/out/t1-square.mp4 (disk full)"
    )
    assert published_names("no path here", staging, Path("/shop/out")) == "no path here"
