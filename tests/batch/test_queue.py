"""The job queue in the store: claims, leases, fencing, reclaim, cancel and retry (real SQLite, real processes)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from studio.store import LeaseLost, NewJob, Owner, Store


def _jobs(n: int) -> list[NewJob]:
    return [NewJob(f"p{i}", "square", f"hash{i}", f"p{i}", {"product": f"P{i}"}, row=i + 1) for i in range(n)]


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "s.sqlite3")


def test_jobs_are_keyed_and_never_duplicated(store, tmp_path):
    batch = store.open_batch(str(tmp_path / "out"), "c.csv", tmp_path / "out")
    assert store.open_batch(str(tmp_path / "out"), "c.csv", tmp_path / "out") == batch
    ids = store.add_jobs(batch, _jobs(3))
    assert store.add_jobs(batch, _jobs(3)) == ids  # the same catalogue again: the same rows
    changed = NewJob("p0", "square", "other-hash", "p0", {})
    assert store.add_jobs(batch, [changed])[0] not in ids  # an edited product is a new job
    assert store.job_counts(batch)["queued"] == 4
    job = store.job(ids[1])
    assert (job.product_id, job.platform, job.stem, job.payload, job.row) == ("p1", "square", "p1",
                                                                              {"product": "P1"}, 2)  # fmt: skip
    assert store.find_job(batch, "p1", "square", "hash1") == job


def test_claim_complete_and_fence(store, tmp_path):
    batch = store.open_batch("k", "c.csv", tmp_path)
    store.add_jobs(batch, _jobs(2))
    first = store.claim_job(batch, "me", 60, max_attempts=3)
    second = store.claim_job(batch, "me", 60, max_attempts=3)
    assert (first.status, first.attempts, first.lease_owner) == ("running", 1, "me")
    assert first.id != second.id and store.claim_job(batch, "me", 60, 3) is None
    store.complete_job(first.id, "me", outputs=[{"kind": "video", "path": "p0-square.mp4"}], verdict="pass")
    done = store.job(first.id)
    assert (done.status, done.completions, done.verdict, done.lease_owner) == ("done", 1, "pass", None)
    with pytest.raises(LeaseLost):  # a second completion of the same job is refused
        store.complete_job(first.id, "me", outputs=[])
    with pytest.raises(LeaseLost):  # so is any owner but the lease holder
        store.complete_job(second.id, "someone-else", outputs=[])
    assert store.extend_leases("me", [second.id], 60) == 1 and store.extend_leases("x", [second.id], 60) == 0


def test_failures_retry_up_to_max_attempts(store, tmp_path):
    batch = store.open_batch("k", "c.csv", tmp_path)
    (job_id,) = store.add_jobs(batch, _jobs(1))
    for attempt in (1, 2):
        job = store.claim_job(batch, "me", 60, max_attempts=3)
        assert job.attempts == attempt
        assert store.fail_job(job_id, "me", "ffmpeg failed", max_attempts=3) == "queued"
    job = store.claim_job(batch, "me", 60, max_attempts=3)
    assert store.fail_job(job_id, "me", "ffmpeg failed", max_attempts=3) == "failed"
    assert store.claim_job(batch, "me", 60, max_attempts=3) is None
    assert store.job(job_id).error == "ffmpeg failed"
    # a bad row fails at once; retry gives every failed job fresh attempts
    assert store.retry_batch(batch) == 1
    store.claim_job(batch, "me", 60, max_attempts=3)
    assert store.fail_job(job_id, "me", "bad photo", max_attempts=3, permanent=True) == "failed"
    assert store.job(job_id).attempts == 1


def test_expired_and_dead_leases_are_reclaimed(store, tmp_path):
    batch = store.open_batch("k", "c.csv", tmp_path)
    store.add_jobs(batch, _jobs(3))
    expired = store.claim_job(batch, "me", -1, max_attempts=3)  # a lease already past its expiry
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead_owner = str(Owner(Owner.me().host, child.pid, "gone"))
    dead = store.claim_job(batch, dead_owner, 600, max_attempts=3)
    live = store.claim_job(batch, str(Owner.me()), 600, max_attempts=3)
    assert sorted(store.reclaim_jobs(batch)) == sorted([expired.id, dead.id])
    assert store.job(expired.id).status == store.job(dead.id).status == "interrupted"
    assert store.job(live.id).status == "running"
    with pytest.raises(LeaseLost):  # the old owner can no longer record its result
        store.complete_job(expired.id, "me", outputs=[])
    again = store.claim_job(batch, "new", 60, max_attempts=3)
    assert again.id == expired.id and again.attempts == 2


def test_cancel_batch(store, tmp_path):
    batch = store.open_batch("k", "c.csv", tmp_path)
    store.add_jobs(batch, _jobs(3))
    running = store.claim_job(batch, "me", 60, 3)
    assert store.cancel_batch(batch) == 2 and store.batch(batch).status == "cancelled"
    assert store.job(running.id).status == "running"  # its coordinator stops it
    assert store.fail_job(running.id, "me", "cancelled", max_attempts=3, status="cancelled") == "cancelled"
    assert store.job_counts(batch)["cancelled"] == 3
    assert store.retry_batch(batch) == 3 and store.batch(batch).status == "open"


CLAIMER = """
import sys
from studio.store import Store
store = Store(sys.argv[1])
got = []
while (job := store.claim_job(int(sys.argv[2]), sys.argv[3], 600, 3)) is not None:
    got.append(job.id)
    store.complete_job(job.id, sys.argv[3], outputs=[])
print(",".join(map(str, got)))
"""


def test_concurrent_claimers_never_share_a_job(store, tmp_path):
    batch = store.open_batch("k", "c.csv", tmp_path)
    ids = store.add_jobs(batch, _jobs(40))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, str(store.path), str(batch), f"worker{i}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    claimed = []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        claimed += [int(x) for x in out.strip().split(",") if x]
    assert sorted(claimed) == sorted(ids)  # every job once, none twice
    assert all(store.job(i).completions == 1 for i in ids)
