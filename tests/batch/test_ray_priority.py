"""The local Ray that `--engine ray` starts runs its jobs at the coordinator's priority, as the local pool does
(Ray's own default lowers its workers' priority by 15: on a shared machine the same batch then ran far slower)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.batch.batchrun import env_for

CODE = """
import os, ray
from studio.batch.engines import start_local_ray
start_local_ray(1)
niceness = ray.get(ray.remote(num_cpus=1)(lambda: os.nice(0)).remote())
print(os.nice(0), niceness)
ray.shutdown()
"""


def test_a_local_ray_runs_jobs_at_the_coordinators_priority(studio_home):
    pytest.importorskip("ray")
    result = subprocess.run([sys.executable, "-c", CODE], env=env_for(studio_home), capture_output=True, text=True,
                            timeout=300, check=False, preexec_fn=lambda: os.nice(3))  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    coordinator, worker = map(int, result.stdout.split()[-2:])
    assert worker == coordinator >= 3
