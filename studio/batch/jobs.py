"""The job function: one product's ad for one platform, rendered into a staging folder the coordinator names.

The same function runs in a local worker process and in a Ray task. It never opens the store for writing (the
coordinator owns the store: SQLite WAL is not for network file systems) and never writes outside ``staging``;
the coordinator renames the staged files into the output folder and only then records the job done. Running it
twice for one job (a retry after a kill) gives the same files: outputs are idempotent.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.cancel import CancelToken


@dataclass(frozen=True)
class JobTask:
    """What a worker needs (picklable; no store, no open files)."""

    job_id: int
    attempt: int
    spec: dict[str, Any]  # AdSpec data for one platform
    staging: str  # an empty folder for this attempt's files
    preset: str = "veryfast"  # x264 preset
    screen: bool = True  # run the compliance export gate
    store_path: str | None = None  # a store snapshot the gate reads (read-only) for the bank; None: no bank
    stem: str | None = None  # output name stem (the product id's), so reports name the final file
    width: int | None = None  # render width in px (the platform's aspect kept); None: the platform's size
    outdir: str | None = (
        None  # where the coordinator publishes the files: what the reports and quarantine name
    )


@dataclass(frozen=True)
class JobResult:
    job_id: int
    attempt: int
    files: tuple[str, ...]  # names in the staging folder, to be published
    verdict: str | None  # the compliance verdict, None when not screened
    seconds: float  # wall time of the job function
    cpu_seconds: float = 0.0  # CPU time of the job function's process and the encoders it ran (user + system)
    encoder_cpu_seconds: float = 0.0  # the part of ``cpu_seconds`` its child processes (ffmpeg) used
    stages: dict[str, float] | None = None  # make_ad's timings (prepare, render_PLATFORM, total), seconds


def run_ad_job(task: JobTask, cancel: CancelToken | None = None) -> JobResult:
    """Render ``task`` into ``task.staging``; raises a ``StudioError`` for a bad row or a failed render."""
    from studio.ads import make_ad
    from studio.media.encode import EncodeSettings
    from studio.spec import parse_spec

    started, cpu, children = time.perf_counter(), _cpu_seconds(), _cpu_seconds(children_only=True)
    spec = parse_spec(task.spec, source=f"job {task.job_id}")
    staging = Path(task.staging)
    gate, gate_seconds = None, []
    if task.screen:
        from studio.compliance.gate import ad_gate
        from studio.store import Store

        # read-only: the coordinator alone writes the store (and brought the bank's data up to date)
        gate = ad_gate(Store.open_read_only(task.store_path) if task.store_path else None)
        if task.outdir is not None:
            gate = _judged_as_published(gate, Path(task.outdir))
        gate = _timed(gate, gate_seconds)
    made = make_ad(spec, staging, store=None, gate=gate, encode=EncodeSettings(preset=task.preset), cancel=cancel,
            stem=task.stem, width=task.width)  # fmt: skip
    files = tuple(sorted(p.name for p in staging.iterdir() if p.is_file() and not p.name.startswith(".")))
    verdict = None
    for name in files:
        if name.endswith(".compliance.json"):
            verdict = json.loads((staging / name).read_text(encoding="utf-8")).get("verdict")
    return JobResult(task.job_id, task.attempt, files, verdict, time.perf_counter() - started,
                     _cpu_seconds() - cpu, _cpu_seconds(children_only=True) - children,
                     {**made.timings, "gate": sum(gate_seconds)})  # fmt: skip


def _judged_as_published(gate: Any, outdir: Path) -> Any:
    """``gate`` told each file's published path (``outdir/NAME``, not the staging folder), so its reports, its
    Content Credentials and a quarantined file's way back name the output people get; the reports it stages
    still go to the staging folder, for the coordinator to publish."""
    from dataclasses import replace

    def judged(tmp: Path, final: Path, timeline: Any, spec: Any) -> Any:
        result = gate(tmp, outdir / final.name, timeline, spec)
        staged = tuple((report, final.parent / Path(target).name) for report, target in result.staged)
        return replace(result, staged=staged)

    return judged


def _timed(gate: Any, seconds: list[float]) -> Any:
    """``gate``, adding the seconds of each call to ``seconds`` (the job's timings show the screen's share)."""

    def timed(*args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return gate(*args)
        finally:
            seconds.append(time.perf_counter() - t0)

    return timed


def _cpu_seconds(children_only: bool = False) -> float:
    """User + system CPU seconds of this process and of its finished children (ffmpeg, ffprobe); or of the
    children only."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: this process only
        return time.process_time()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = children.ru_utime + children.ru_stime
    return spent if children_only else own.ru_utime + own.ru_stime + spent
