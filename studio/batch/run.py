"""`studio batch run`: the coordinator. It alone writes the store; workers (local or Ray) only render (their
compliance screens read the reference bank from a read-only snapshot of the store in the output folder).

A run: open the batch of the output folder, queue the plan's jobs (known ones keep their state), reclaim leases
of dead or expired owners, sweep stray staging folders, then claim -> submit -> publish -> record until no job is
left. Publishing renames a job's staged files onto their final names (fsynced) before the job is recorded done,
so a kill at any moment leaves either a finished, recorded job or one that runs again; a re-run of the same
command finishes the batch with every ad made once.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import re
import shutil
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.batch.jobs import JobResult, JobTask
from studio.batch.plan import Plan, batch_key
from studio.cancel import CancelToken
from studio.crash import crash_point
from studio.errors import Cancelled, ComplianceError, ConfigError, InputError, StudioError
from studio.fsutil import ensure_writable_dir, fsync_dir, fsync_file
from studio.progress import ProgressFn, null_progress
from studio.store import JobRow, LeaseLost, Owner, Store

log = logging.getLogger(__name__)
STAGING = ".batch-staging"
SNAPSHOT = "store-snapshot.sqlite3"  # in STAGING: what the workers' screens read (see run_batch)
LEASE_SECONDS = 120.0
PERMANENT = (InputError, ConfigError, ComplianceError)  # a retry would fail the same way


@dataclass(frozen=True)
class BatchSummary:
    batch_id: int
    outdir: Path
    counts: dict[str, int]
    skipped: int
    seconds: float
    ads_per_minute: float
    results_csv: Path
    contact_sheet: Path
    machinery_seconds: float = 0.0  # coordinator time outside waiting for workers
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "outdir": str(self.outdir),
            "counts": self.counts,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "ads_per_minute": round(self.ads_per_minute, 2),
            "machinery_seconds": round(self.machinery_seconds, 3),
            "results_csv": str(self.results_csv),
            "contact_sheet": str(self.contact_sheet),
            "row_errors": self.errors,
        }


def run_batch(
    plan: Plan,
    store: Store,
    engine: Any,
    *,
    max_attempts: int = 3,
    preset: str
    | None = None,  # None: the draft preset for the plan's width (studio.media.encode.draft_preset)
    screen: bool = True,
    lease_seconds: float = LEASE_SECONDS,
    cancel: CancelToken | None = None,
    on_progress: ProgressFn | None = None,
) -> BatchSummary:
    """Run every job of ``plan`` on ``engine``; returns the summary (results CSV and contact sheet written)."""
    from studio.batch.sheet import write_contact_sheet, write_results_csv
    from studio.media.encode import draft_preset

    report = on_progress or null_progress
    preset = preset or draft_preset(plan.options.get("width"))
    outdir = ensure_writable_dir(plan.outdir).resolve()
    batch_id = store.open_batch(batch_key(outdir), plan.catalogue.path.name, outdir, plan.options)
    ids = store.add_jobs(batch_id, [j.new_job() for j in plan.jobs])
    store.add_jobs(batch_id, [j.new_job() for j in plan.skipped])
    for job_id, job in zip(ids, plan.jobs):
        if job.redo:
            store.requeue_job(job_id)
    store.reclaim_jobs(batch_id)
    sweep_staging(store, batch_id, outdir)
    snapshot = None
    if screen:
        try:
            prepare_reference_bank(store)
        except Exception:  # the workers' screens then compute (or fail) it themselves
            log.warning("could not bring the reference bank up to date before the batch", exc_info=True)
        # the workers read the bank from a copy in the output folder (every worker can reach it, even on other
        # machines); the store itself stays the coordinator's
        snapshot = store.snapshot(outdir / STAGING / SNAPSHOT)
    (outdir / "logs").mkdir(exist_ok=True)
    owner = str(Owner.me())
    started = time.perf_counter()
    waiting = 0.0
    in_flight: dict[cf.Future, tuple[JobRow, Path, float]] = {}  # job, staging folder, submitted at
    finished_now = 0
    total = sum(store.job_counts(batch_id).values())
    last_heartbeat = time.monotonic()
    cancelled = False
    try:
        while True:
            if not cancelled and (
                (cancel is not None and cancel.cancelled) or store.batch(batch_id).status == "cancelled"
            ):
                cancelled = True
                store.cancel_batch(batch_id)
                engine.cancel()
            while not cancelled and len(in_flight) < engine.workers:
                job = store.claim_job(batch_id, owner, lease_seconds, max_attempts)
                if job is None:
                    break
                crash_point("batch-after-claim")
                staging = outdir / STAGING / f"job-{job.id}-{job.attempts}"
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir(parents=True)
                task = JobTask(job.id, job.attempts, job.payload, str(staging), preset, screen,
                               str(snapshot) if snapshot else None,
                               stem=job.stem, width=plan.options.get("width"), outdir=str(outdir))  # fmt: skip
                _log(outdir, job, f"attempt {job.attempts} started")
                in_flight[engine.submit(task)] = (job, staging, time.perf_counter())
            if not in_flight:
                break
            t = time.perf_counter()
            done, _ = cf.wait(
                list(in_flight), timeout=min(0.5, lease_seconds / 4), return_when=cf.FIRST_COMPLETED
            )
            waiting += time.perf_counter() - t
            if time.monotonic() - last_heartbeat > lease_seconds / 4:
                store.extend_leases(owner, [j.id for j, _, _ in in_flight.values()], lease_seconds)
                last_heartbeat = time.monotonic()
            broken = False
            for future in done:
                job, staging, submitted = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    _settle_lost_worker(store, outdir, job, owner, max_attempts, cancelled)
                except BaseException as exc:  # noqa: BLE001 - recorded against the job
                    _settle_error(store, outdir, job, owner, exc, max_attempts, cancelled, staging)
                else:
                    _publish(store, outdir, job, owner, staging, result, time.perf_counter() - submitted)
                    finished_now += 1
                shutil.rmtree(staging, ignore_errors=True)
            if broken:
                for future, (job, staging, _) in list(in_flight.items()):
                    in_flight.pop(future)
                    _settle_lost_worker(store, outdir, job, owner, max_attempts, cancelled)
                    shutil.rmtree(staging, ignore_errors=True)
                engine.restart()
            counts = store.job_counts(batch_id)
            elapsed = time.perf_counter() - started
            rate = finished_now / elapsed * 60 if elapsed > 0 else 0.0
            left = counts["queued"] + counts["interrupted"] + counts["running"]
            eta = left / rate * 60 if rate > 0 else None
            report(
                (counts["done"] + counts["failed"]) / max(total, 1),
                f"{counts['done']} done, {counts['failed']} failed, {rate:.1f} ads/min"
                + (f", ETA {eta:.0f} s" if eta is not None else ""),
            )
    except BaseException:
        engine.cancel()
        raise
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    if snapshot is not None:
        snapshot.unlink(missing_ok=True)
    root = outdir / STAGING
    if root.is_dir() and not any(root.iterdir()):
        root.rmdir()
    jobs = store.jobs(batch_id)
    csv_path = write_results_csv(jobs, outdir / "results.csv", plan.errors)
    sheet = write_contact_sheet(
        jobs, plan.errors, outdir / "contact-sheet.html", title=plan.catalogue.path.name
    )
    counts = store.job_counts(batch_id)
    summary = BatchSummary(
        batch_id=batch_id,
        outdir=outdir,
        counts=counts,
        skipped=len(plan.skipped),
        seconds=seconds,
        ads_per_minute=finished_now / seconds * 60 if seconds > 0 else 0.0,
        results_csv=csv_path,
        contact_sheet=sheet,
        machinery_seconds=max(0.0, seconds - waiting),
        errors=[{"row": e.row, "column": e.column, "message": e.message} for e in plan.errors],
    )
    report(1.0, f"{counts['done']} done, {counts['failed']} failed")
    if cancelled:
        raise Cancelled(
            f"The batch was cancelled: {counts['done']} of {total} jobs done.",
            "Run `studio batch retry BATCH` and the same `studio batch run` to finish it.",
        )
    return summary


def _publish(
    store: Store, outdir: Path, job: JobRow, owner: str, staging: Path, result: JobResult, latency: float
) -> None:
    """Rename the staged files onto the job's output names (fsynced), then record the job done.

    Timings kept with the job: ``render`` (the job function's wall seconds), ``cpu`` (its CPU seconds) and
    ``latency`` (submit to result, seen by the coordinator: ``latency - render`` is the engine's overhead)."""
    moves = [(staging / name, outdir / name) for name in result.files]  # staged under their final names
    for tmp, _ in moves:
        fsync_file(tmp)
    for k, (tmp, final) in enumerate(moves):
        os.replace(tmp, final)
        if k == 0:
            crash_point("batch-mid-rename")
    fsync_dir(outdir)
    crash_point("batch-before-commit")
    outputs = [{"kind": _kind(final), "path": final.name} for _, final in moves]
    try:
        store.complete_job(
            job.id, owner, outputs=outputs, verdict=result.verdict,
            timings={"render": result.seconds, "cpu": result.cpu_seconds, "encoder_cpu": result.encoder_cpu_seconds,
                     "latency": latency, **{f"ad_{k}": v for k, v in (result.stages or {}).items()}},
        )  # fmt: skip
    except LeaseLost:
        _log(outdir, job, "finished after its lease was taken over; the other attempt records it")
        return
    _log(outdir, job, f"done in {result.seconds:.1f} s ({result.verdict or 'not screened'})")


def _kind(path: Path) -> str:
    name = path.name
    if name.endswith(".compliance.json"):
        return "report"
    if name.endswith(".compliance.html"):
        return "report-html"
    if name.endswith("-cover.jpg"):
        return "cover"
    return {".mp4": "video", ".srt": "subtitles"}.get(path.suffix, "file")


def published_names(message: str, staging: Path | None, outdir: Path) -> str:
    """``message`` with every path inside ``staging`` (and a render's scratch folder in it) named as the file
    it would have been published as in ``outdir``: reports name the final output, never a temporary folder."""
    if staging is None:
        return message
    pattern = re.escape(str(staging)) + r"(?:/\.studio-render-[^/\s]+)?(?:/work)?"
    return re.sub(pattern, lambda _: str(outdir), message)


def _settle_error(store, outdir, job, owner, exc, max_attempts, cancelled, staging=None) -> None:
    if isinstance(exc, Cancelled) or cancelled:
        message = exc.one_line() if isinstance(exc, StudioError) else "cancelled"
        message = published_names(message, staging, outdir)
        try:
            store.fail_job(job.id, owner, message, max_attempts=max_attempts, status="cancelled")
        except LeaseLost:
            pass
        _log(outdir, job, f"cancelled: {message}")
        return
    message = exc.one_line() if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
    message = published_names(message, staging, outdir)
    verdict = "block" if isinstance(exc, ComplianceError) else None
    _settle_failure(store, outdir, job, owner, message, max_attempts, isinstance(exc, PERMANENT), verdict)


def _settle_lost_worker(store, outdir, job, owner, max_attempts, cancelled) -> None:
    if cancelled:
        _settle_error(store, outdir, job, owner, Cancelled("The batch was cancelled."), max_attempts, True)
    else:
        _settle_failure(store, outdir, job, owner, "a worker process died", max_attempts, False)


def _settle_failure(store, outdir, job, owner, message, max_attempts, permanent, verdict=None) -> None:
    try:
        state = store.fail_job(job.id, owner, message, max_attempts=max_attempts, permanent=permanent,
                               verdict=verdict)  # fmt: skip
    except LeaseLost:
        return
    _log(outdir, job, f"attempt {job.attempts} failed ({state}): {message}")


def prepare_reference_bank(store: Store, clip: Any = None) -> None:
    """Bring the reference bank's stored matching data up to date before any job runs (references hashed by an
    older scheme are rehashed; CLIP embeddings missing or made by another model are computed with the model the
    workers load), so the workers only read the store. ``clip``: a ``ClipHandle`` (default: the default model's;
    it loads the network only when something needs embedding). Nothing to do for an empty bank."""
    from studio.compliance.embed import ClipHandle
    from studio.compliance.refbank import ReferenceBank

    bank = ReferenceBank(store)
    if len(bank) == 0:
        return
    index = bank.index()  # rehashes and stores references of an older hash scheme
    embedder = (clip or ClipHandle()).get()
    if embedder is None:  # no CLIP here: the workers' screens skip (or fail) the CLIP checks themselves
        return
    usable = [e.ref.id for e in index.entries if e.rgb is not None or e.ref.embed_model == embedder.name]
    if usable:
        bank.embeddings(embedder, usable)  # computes and stores only the stale ones


def sweep_staging(store: Store, batch_id: int, outdir: Path) -> list[Path]:
    """Remove staging folders of jobs that are not running under a live lease (left by a kill)."""
    root = outdir / STAGING
    if not root.is_dir():
        return []
    live = {j.id for j in store.jobs(batch_id, "running")}
    removed = []
    for folder in root.iterdir():
        if not folder.is_dir():  # a store snapshot (or its temp file) left by a killed run: written anew
            folder.unlink(missing_ok=True)
            removed.append(folder)
            continue
        try:
            job_id = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            job_id = -1
        if job_id not in live:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if not any(root.iterdir()):
        root.rmdir()
    return removed


def _log(outdir: Path, job: JobRow, message: str) -> None:
    """One line per event in the job's own log file (logs/STEM-PLATFORM.log)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with open(outdir / "logs" / f"{job.stem}-{job.platform}.log", "a", encoding="utf-8") as fh:
        fh.write(f"{stamp} job {job.id} {message}\n")
