"""The local Ray that `--engine ray` starts runs its jobs at the coordinator's priority, as the local pool does
(Ray's own default lowers its workers' priority by 15: on a shared machine the same batch then ran far slower)."""

from __future__ import annotations

import os


def test_a_local_ray_runs_jobs_at_the_coordinators_priority(ray_local):
    niceness = ray_local.get(ray_local.remote(num_cpus=1)(lambda: os.nice(0)).remote(), timeout=300)
    assert niceness == os.nice(0)
