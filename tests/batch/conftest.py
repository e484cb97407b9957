"""Catalogue fixtures: generated photos and shop exports written the way shops and Excel write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_photo


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A catalogue folder with three photos (p0.jpg, p1.jpg, p2.jpg)."""
    folder = tmp_path / "shop"
    folder.mkdir()
    for i in range(3):
        make_photo(folder / f"p{i}.jpg", size=(480, 600), seed=i)
    return folder


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray for the whole session (never attaching to a cluster that happens to be running)."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        from studio.batch.engines import start_local_ray

        start_local_ray(
            2
        )  # ray.init(address="local", num_cpus=2, include_dashboard=False), as --engine ray does
    yield ray
    ray.shutdown()
