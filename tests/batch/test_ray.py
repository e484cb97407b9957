"""The same jobs on Ray (a real local Ray, started once per session): outputs, cancellation."""

from __future__ import annotations

from studio.batch.engines import RayEngine
from studio.batch.plan import plan_batch
from studio.batch.run import run_batch
from studio.store import Store
from tests.batch.batchrun import frame_count, leftovers
from tests.batch.catalogues import write_csv

HEADER = ["id", "product", "headline", "photos", "platforms"]


def test_ray_engine_runs_the_batch(ray_local, photos, tmp_path):
    catalogue = write_csv(photos / "c.csv", HEADER, [
        ["R1", "Tea", "Fresh tea", "p0.jpg", "square"],
        ["R2", "Mug", "Stone mug", "p1.jpg", "square"],
    ])  # fmt: skip
    store = Store(tmp_path / "s.sqlite3")
    out = tmp_path / "out"
    plan = plan_batch(catalogue, out, defaults={"duration": 5, "music": None}, store=store)
    engine = RayEngine(workers=2)
    summary = run_batch(plan, store, engine, screen=False)
    assert summary.counts["done"] == 2 and summary.counts["failed"] == 0
    for stem in ("r1", "r2"):
        assert frame_count(out / f"{stem}-square.mp4") == 150
    assert leftovers(out) == []
    again = plan_batch(catalogue, out, defaults={"duration": 5, "music": None}, store=store)
    assert len(again.jobs) == 0 and len(again.skipped) == 2


def test_ray_batch_cancel_stops_running_jobs(ray_local, photos, tmp_path):
    import threading

    import pytest

    from studio.cancel import CancelToken
    from studio.errors import Cancelled

    catalogue = write_csv(photos / "c.csv", HEADER, [[f"C{i}", "Tea", "Fresh tea", "p0.jpg", "square"]
                                                       for i in range(3)])  # fmt: skip
    store = Store(tmp_path / "s.sqlite3")
    out = tmp_path / "out"
    plan = plan_batch(catalogue, out, defaults={"duration": 5, "music": None})
    cancel = CancelToken()

    def cancel_once_running() -> None:
        while not cancel.cancelled:
            batches = store.batches()
            if batches and store.job_counts(batches[0].id)["running"]:
                cancel.cancel("test")
            cancel.wait(0.05)

    watcher = threading.Thread(target=cancel_once_running)
    watcher.start()
    with pytest.raises(Cancelled, match="cancelled"):
        run_batch(plan, store, RayEngine(workers=2), screen=False, cancel=cancel)
    watcher.join()
    (batch,) = store.batches()
    counts = store.job_counts(batch.id)
    assert counts["running"] == 0 and counts["queued"] == 0 and counts["cancelled"] >= 1
    assert store.batch(batch.id).status == "cancelled"
    assert leftovers(out) == []
