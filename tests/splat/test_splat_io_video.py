"""Video frame sampling with the bundled ffmpeg: sharpest frame per window, rotation, bad files, cancel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_synthetic import render_views, ring_poses

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError
from studio.media.probe import probe_video
from studio.splat.video_frames import sample_frames, select_sharpest


def write_video(path: Path, frames: list[np.ndarray], fps: int = 12) -> None:
    h, w = frames[0].shape[:2]
    writer = imageio_ffmpeg.write_frames(
        str(path), (w, h), fps=fps, quality=9, macro_block_size=16, ffmpeg_log_level="error"
    )
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
    writer.close()


@pytest.fixture(scope="module")
def orbit_video(tmp_path_factory):
    """48 frames of an orbit; every 4th frame (index % 4 == 1) is motion-blurred."""
    root = tmp_path_factory.mktemp("video")
    _, images, _ = render_views(48, 320, 240, seed=5, poses=ring_poses(48))
    frames = [cv2.GaussianBlur(im, (0, 0), 3) if i % 4 == 1 else im for i, im in enumerate(images)]
    path = root / "orbit.mp4"
    write_video(path, frames)
    return path, images


def test_probe_reads_duration_rate_and_size(orbit_video):
    path, _ = orbit_video
    info = probe_video(path)
    assert info.duration == pytest.approx(4.0, abs=0.1)
    assert info.fps == pytest.approx(12.0)
    assert (info.width, info.height) == (320, 240)


def test_sample_keeps_the_sharpest_frame_of_each_window(orbit_video, tmp_path):
    path, images = orbit_video
    result = sample_frames(path, tmp_path / "frames", count=12, per_window=4)
    assert result.candidates == 48 and len(result.paths) == 12
    assert [p.name for p in result.paths] == [f"frame_{i:04d}.jpg" for i in range(12)]
    assert result.times == sorted(result.times)
    # each kept frame is one of the sharp originals, never a blurred one
    for kept, t in zip(result.paths, result.times):
        index = round(t * 12)
        assert index % 4 != 1
        frame = np.asarray(Image.open(kept).convert("RGB"), dtype=np.float32)
        # the file is the frame at that time: closer to it than to its neighbours (H.264 + JPEG are lossy)
        here = np.abs(frame - images[index]).mean()
        for other in (index - 1, index + 1):
            if 0 <= other < len(images):
                assert here < 0.7 * np.abs(frame - images[other]).mean()
    blurred_score = min(result.sharpness)
    assert blurred_score > 0
    assert not list((tmp_path / "frames").glob(".candidates-*"))  # the temporary candidates are gone


def test_long_edge_limit_and_rotation_metadata(orbit_video, tmp_path):
    path, _ = orbit_video
    rotated = tmp_path / "portrait.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-display_rotation:v:0",
            "90",
            "-i",
            str(path),
            "-c",
            "copy",
            str(rotated),
        ],
        check=True,
    )
    info = probe_video(rotated)
    assert (info.width, info.height) == (240, 320)
    result = sample_frames(rotated, tmp_path / "frames", count=4, long_edge=160)
    with Image.open(result.paths[0]) as image:
        assert image.size == (120, 160)  # upright portrait, long edge 160


def test_select_sharpest_windows():
    scores = [1, 5, 2, 2, 9, 1, 3, 3, 0, 4]
    assert select_sharpest(scores, 2) == [4, 9]  # windows 0-4 and 5-9
    assert select_sharpest(scores, 5) == [1, 2, 4, 6, 9]  # pairs; ties keep the first
    assert select_sharpest(scores, 20) == list(range(10))


def test_corrupt_and_missing_videos_are_clear_errors(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 10)
    with pytest.raises(InputError, match="broken.mp4 cannot be decoded"):
        sample_frames(bad, tmp_path / "frames")
    with pytest.raises(InputError, match="does not exist"):
        probe_video(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mov"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        probe_video(empty)


def test_cancel_stops_decoding(orbit_video, tmp_path):
    path, _ = orbit_video
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        sample_frames(path, tmp_path / "frames", count=12, cancel=cancel)
    assert not list((tmp_path / "frames").glob("*.jpg"))
    assert not list((tmp_path / "frames").glob(".candidates-*"))
