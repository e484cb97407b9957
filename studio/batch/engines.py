"""Where jobs run: a local pool of worker processes (the default) or a Ray cluster.

Both take a ``JobTask`` and give back a ``concurrent.futures.Future`` of a ``JobResult``, so the coordinator
(``studio.batch.run``) is the same for both. Neither touches the store.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from studio.batch.jobs import JobResult, JobTask, run_ad_job
from studio.errors import DependencyError

AD_MEMORY = 1 << 30  # bytes an ad render needs (about 1 GB at 1080 px)


def default_workers() -> int:
    """From cores and memory: one worker per core, at most one per GB of available memory."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, available_memory() // AD_MEMORY or 1))


def available_memory() -> int:
    """Bytes the kernel says are available (MemAvailable: free plus reclaimable cache)."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return AD_MEMORY * (os.cpu_count() or 1)


# -- local pool --------------------------------------------------------------------------------------------------
_worker_cancel = None  # the worker process's token (set by the initializer, not at import)


def _worker_init() -> None:
    """A worker stops its render cleanly on SIGTERM (the coordinator's cancel); SIGINT is the coordinator's."""
    global _worker_cancel
    from studio.cancel import CancelToken

    _worker_cancel = CancelToken()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: _worker_cancel.cancel("the batch was cancelled"))


def _die_with_parent() -> None:
    """Linux: the kernel SIGKILLs this worker when its coordinator dies, so a killed coordinator leaves no render
    running on (the next run reclaims and redoes its jobs)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the call
        os._exit(1)


def _run_in_worker(task: JobTask) -> JobResult:
    return run_ad_job(task, cancel=_worker_cancel)


class LocalEngine:
    """``workers`` processes (spawned: no state shared with the coordinator but the task)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
        )

    def submit(self, task: JobTask) -> cf.Future:
        try:
            return self._pool.submit(_run_in_worker, task)
        except BrokenProcessPool:
            self.restart()
            return self._pool.submit(_run_in_worker, task)

    def restart(self) -> None:
        """A worker died (killed, out of memory): the pool is broken; start a fresh one."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def worker_pids(self) -> list[int]:
        return list(getattr(self._pool, "_processes", {}) or {})  # the executor keeps no public list

    def cancel(self) -> None:
        """Stop every running job: SIGTERM lets each worker's render clean up and raise ``Cancelled``."""
        for pid in self.worker_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# -- Ray -----------------------------------------------------------------------------------------------------------
def start_local_ray(num_cpus: int) -> None:
    """Start a Ray on this machine only (``address="local"``: never attaching to a cluster that happens to run).

    Its workers run at this process's priority, as the local pool's do: Ray's default lowers its workers' priority
    by 15 (``worker_niceness``), so on a machine shared with other work a batch on Ray would render at a fraction
    of the speed of the same batch on the local pool (measured in bench/README.md). The object store is small:
    jobs pass only their task and result, files go through the output folder."""
    import ray

    ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
             object_store_memory=100 * 1024 * 1024, _system_config={"worker_niceness": 0})  # fmt: skip


class RayEngine:
    """Jobs as Ray tasks with CPU and memory requests. With no ``address`` a local Ray is started (never a bare
    ``ray.init()``, which attaches to whatever cluster it finds). Ray's own retries are off: the coordinator
    retries, counted in the store."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None, num_cpus_per_job: float = 1.0):
        try:
            import ray
        except ImportError as exc:
            raise DependencyError(
                "--engine ray needs Ray.", 'Install it with: pip install "studio[ray]"'
            ) from exc
        self._ray = ray
        self.workers = workers or default_workers()
        if not ray.is_initialized():
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            else:
                start_local_ray(self.workers)
        self._remote = ray.remote(num_cpus=num_cpus_per_job, memory=AD_MEMORY // 2, max_retries=0)(run_ad_job)
        self._refs: dict[cf.Future, Any] = {}

    def submit(self, task: JobTask) -> cf.Future:
        ref = self._remote.remote(task)
        future = ref.future()
        self._refs[future] = ref
        future.add_done_callback(lambda f: self._refs.pop(f, None))
        return future

    def restart(self) -> None:
        pass  # Ray replaces dead workers itself

    def worker_pids(self) -> list[int]:
        return []

    def cancel(self) -> None:
        for ref in list(self._refs.values()):
            self._ray.cancel(ref, force=True)

    def close(self) -> None:
        pass  # a Ray started here stops with the process; an attached cluster stays up


def make_engine(name: str, workers: int | None = None, address: str | None = None):
    if name == "local":
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(workers, address)
    from studio.errors import InputError

    raise InputError(f"Unknown engine {name!r}.", "Use --engine local or --engine ray.")
