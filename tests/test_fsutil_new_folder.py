"""new_folder: jobs started in the same second get folders of their own, even when they race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from studio.fsutil import new_folder


def test_same_name_twice_gives_a_second_folder(tmp_path: Path) -> None:
    first = new_folder(tmp_path / "outputs", "ad-20261201-120000")
    (first / "kept.mp4").write_bytes(b"x")
    second = new_folder(tmp_path / "outputs", "ad-20261201-120000")
    assert first.name == "ad-20261201-120000" and second.name == "ad-20261201-120000-2"
    assert second.is_dir() and not any(second.iterdir()) and (first / "kept.mp4").is_file()


def test_racing_callers_never_share_a_folder(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: new_folder(tmp_path, "splat-20261201-120000"), range(16)))
    assert len(set(folders)) == 16 and all(f.is_dir() for f in folders)
