"""The store is written by the coordinator only: the job function opens it read-only (a batch worker may run on
another machine, and SQLite WAL is not for network file systems); what the workers' screens need (the reference
bank's CLIP embeddings) the coordinator stores before the jobs start."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import studio.store
from studio.batch.engines import LocalEngine
from studio.batch.jobs import JobTask, run_ad_job
from studio.batch.plan import plan_batch
from studio.batch.run import STAGING, run_batch
from studio.compliance.gate import list_quarantine
from studio.compliance.refbank import ReferenceBank
from studio.errors import ComplianceError
from studio.store import Store
from tests.batch.batchrun import leftovers
from tests.batch.catalogues import write_csv
from tests.compliance.conftest import TinyClip, tiny_clip  # noqa: F401 - the session fixture, shared
from tests.helpers import make_logo

HEADER = ["id", "product", "headline", "selling_points", "price", "photos", "platforms", "duration", "music"]


@pytest.fixture
def banked(photos: Path, tmp_path: Path, monkeypatch, tiny_clip: TinyClip):  # noqa: F811
    """A store whose reference bank holds one protected logo with no CLIP embedding yet, the tiny CLIP model as
    the default one, and a one-job catalogue."""
    monkeypatch.setenv("STUDIO_CLIP_MODEL", str(tiny_clip.folder))
    store = Store(tmp_path / "studio.sqlite3")
    (ref_id,) = ReferenceBank(store).add([make_logo(tmp_path / "brand.png")], owner="Another brand")
    assert store.ref(ref_id).embedding is None
    catalogue = write_csv(photos / "c.csv", HEADER, [["T1", "Tea", "Fresh tea", "", "", "p0.jpg", "square", "5",
                                                      ""]])  # fmt: skip
    return store, ref_id, catalogue


def test_the_job_function_opens_the_store_read_only_and_writes_nothing(banked, tmp_path, monkeypatch):
    store, ref_id, catalogue = banked
    (job,) = plan_batch(catalogue, tmp_path / "out", width=240).jobs
    staging = tmp_path / "staging"
    staging.mkdir()
    opened: list[tuple[str, bool]] = []
    connect = sqlite3.connect

    def spy(database, *args, **kwargs):
        opened.append((str(database), bool(kwargs.get("uri"))))
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(studio.store.sqlite3, "connect", spy)
    before = (store.ref(ref_id), store.schema_version())
    task = JobTask(1, 1, job.spec, str(staging), "ultrafast", True, str(store.path), stem=job.stem, width=240,
                   outdir=str(tmp_path / "out"))  # fmt: skip
    try:
        run_ad_job(task)
        report_path = staging / "t1-square.mp4.compliance.json"
    except ComplianceError:  # the tiny random CLIP finds every picture alike: a near-copy, blocked
        report_path = list_quarantine()[0].folder / "report.json"
    ours = [
        (db, uri)
        for db, uri in opened
        if Path(db.split("?")[0].removeprefix("file:")).name == store.path.name
    ]
    assert ours, "the gate did not read the store (its reference bank)"
    assert all(uri and db.endswith("?mode=ro") for db, uri in ours), ours
    assert (store.ref(ref_id), store.schema_version()) == before  # the embedding was made in memory only
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert "clip_reference" in report["checks_run"]  # the bank was screened with CLIP all the same


def test_a_read_only_store_refuses_writes(tmp_path):
    Store(tmp_path / "s.sqlite3").project("tea")
    reader = Store.open_read_only(tmp_path / "s.sqlite3")
    assert reader.read_only and reader.schema_version() == len(studio.store.MIGRATIONS)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.project("mug")
    from studio.errors import ConfigError

    with pytest.raises(ConfigError):
        Store.open_read_only(tmp_path / "missing.sqlite3")
    assert not (tmp_path / "missing.sqlite3").exists()


class Recording(LocalEngine):
    """The local pool, keeping each task it was given (and whether its store file existed then)."""

    def __init__(self, workers: int):
        super().__init__(workers)
        self.tasks: list[tuple[JobTask, bool]] = []

    def submit(self, task: JobTask):
        self.tasks.append((task, Path(task.store_path).is_file()))
        return super().submit(task)


def test_the_coordinator_stores_the_embeddings_before_the_jobs(banked, tmp_path):
    store, ref_id, catalogue = banked
    out = tmp_path / "out"
    plan = plan_batch(catalogue, out, width=240, store=store)
    engine = Recording(1)
    summary = run_batch(plan, store, engine, preset="ultrafast", screen=True, max_attempts=1)
    ((task, existed),) = engine.tasks
    # the workers were given a snapshot in the output folder (reachable from any worker), never the store itself
    assert existed and Path(task.store_path).parent == out.resolve() / STAGING
    assert Path(task.store_path).resolve() != store.path.resolve()
    assert leftovers(out) == []  # the snapshot went with the staging folder
    row = store.ref(ref_id)
    assert row.embedding and row.embed_model  # written by the coordinator (the worker could not)
    (job,) = store.jobs(summary.batch_id)
    assert job.status in ("done", "failed") and job.verdict  # screened (the tiny CLIP may block it), settled


def test_a_snapshot_is_a_rollback_journal_copy_readers_open_read_only(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    store.project("tea")
    copy = store.snapshot(tmp_path / "shared" / "snap.sqlite3")
    store.project("mug")  # later writes stay in the store only
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal/-shm: fine on a share
    reader = Store.open_read_only(copy)
    names = {row[0] for row in reader._execute("SELECT name FROM projects")}
    assert names == {"tea"}
    assert sorted(p.name for p in copy.parent.iterdir()) == ["snap.sqlite3"]  # no temp file left
