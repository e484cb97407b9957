"""Video frame sampling with the real ffmpeg: the time grid, scene changes, sizes, rotation and bad files."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image

from studio.compliance import frames
from studio.errors import InputError
from studio.media import ffmpeg_exe


@pytest.fixture
def cut_video(tmp_path, media):
    """4.5 s, 320x240: a blue picture for 1.5 s, then a different (orange) picture: a cut at 1.5 s."""
    a = Image.new("RGB", (320, 240), (20, 40, 200))
    b = media.scene(3, size=(320, 240))
    return media.video(tmp_path / "cut.mp4", [a, b, b], 1.5)


def test_probe_reads_size_rate_and_duration(cut_video):
    info = frames.probe(cut_video)
    assert (info.width, info.height, info.rotation) == (320, 240, 0)
    assert info.fps == pytest.approx(30.0)
    assert info.duration == pytest.approx(4.5, abs=0.1)
    assert info.codec == "h264"


@pytest.mark.parametrize("fast", [True, False])
def test_grid_samples_plus_the_scene_change(cut_video, fast):
    sampled = frames.sample_frames(cut_video, fps=1.0, scene_threshold=0.3, fast_decode=fast)
    times = [f.time for f in sampled]
    assert times == sorted(times)
    # one frame per second of the grid (0, 1, 2, 3, 4 s, up to the frames the decoder keeps) ...
    for second in range(5):
        assert any(abs(t - second) <= 0.1 for t in times), (second, times)
    # ... plus the cut at 1.5 s, found by its scene score
    cut = [f for f in sampled if abs(f.time - 1.5) <= 0.1]
    assert cut and max(f.scene_score for f in cut) > 0.3
    for f in sampled:
        assert f.image.shape == (240, 320, 3) and f.image.dtype == np.uint8
        assert f.index == round(f.time * 30)
    # the blue first shot and the scene after the cut decode to what was encoded
    assert sampled[0].image[..., 2].mean() > 150 and sampled[0].image[..., 0].mean() < 60
    assert abs(sampled[-1].image.mean() - sampled[0].image.mean()) > 10


def test_grid_only_and_downscaled(cut_video):
    sampled = frames.sample_frames(cut_video, fps=2.0, scene_threshold=None, max_side=160)
    assert all(f.image.shape == (120, 160, 3) for f in sampled)
    assert all(f.scale == pytest.approx(0.5) for f in sampled)
    assert not any(abs(f.time - 1.5) <= 0.02 and f.time % 0.5 > 0.1 for f in sampled)
    assert 8 <= len(sampled) <= 10


def test_long_videos_are_capped(cut_video):
    sampled = frames.sample_frames(
        cut_video, fps=30.0, scene_threshold=None, max_frames=10, fast_decode=False
    )
    assert len(sampled) <= 10


def test_rotated_phone_video_is_upright(tmp_path, media):
    plain = media.video(tmp_path / "plain.mp4", [media.scene(1, size=(320, 240))], 1.0)
    rotated = tmp_path / "rotated.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-display_rotation", "90", "-i", str(plain), "-c", "copy",
         str(rotated)],
        check=True,
    )  # fmt: skip
    info = frames.probe(rotated)
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (240, 320)
    first = frames.sample_frames(rotated, fps=1.0)[0]
    assert first.image.shape == (320, 240, 3)


def test_frame_at_seeks(cut_video):
    early, scale = frames.frame_at(cut_video, 0.5)
    late, _ = frames.frame_at(cut_video, 3.0)
    assert early.shape == (240, 320, 3) and scale == pytest.approx(1.0)
    assert early[..., 2].mean() > 150  # the blue shot
    assert abs(late.mean() - early.mean()) > 10


def test_bad_videos_are_input_errors(tmp_path):
    missing = tmp_path / "missing.mp4"
    with pytest.raises(InputError, match="does not exist"):
        frames.probe(missing)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        frames.probe(empty)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError, match="garbage.mp4"):
        list(frames.iter_frames(garbage))
    audio = tmp_path / "tone.m4a"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=d=1",
            "-c:a",
            "aac",
            str(audio),
        ],
        check=True,
    )
    with pytest.raises(InputError, match="no video stream"):
        frames.probe(audio)
    with pytest.raises(InputError, match="positive"):
        list(frames.iter_frames(audio, fps=0))


def test_truncated_video_still_gives_its_frames_or_a_clear_error(cut_video, tmp_path):
    data = cut_video.read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    try:
        got = frames.sample_frames(truncated, fps=1.0)
    except InputError as exc:
        assert "truncated.mp4" in exc.message
    else:
        assert all(f.image.shape == (240, 320, 3) for f in got)


def test_decoded_size_is_even_and_bounded():
    w, h = frames.decoded_size(1081, 1921, 960)
    assert w % 2 == 0 and h % 2 == 0 and max(w, h) <= 960
    w, h = frames.decoded_size(1081, 1921, 4000)  # no upscaling: the odd source size only becomes even
    assert w % 2 == 0 and h % 2 == 0 and abs(w - 1081) == 1 and abs(h - 1921) == 1


def _fade_video(path, media):
    """2 s at 30 fps, 360x640: a scene with a 240 px picture faded in and out over 1.1-1.5 s (no scene cut)."""
    base = np.asarray(media.scene(3, size=(360, 640)), dtype=np.float32)
    small = np.asarray(media.logo(9).resize((240, 240)), dtype=np.float32)
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "360x640", "-r", "30",
         "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    for k in range(60):
        u = (k / 30 - 1.1) / 0.4
        alpha = 0.0 if not 0 <= u <= 1 else 1 - abs(2 * u - 1)
        frame = base.copy()
        frame[200:440, 60:300] = frame[200:440, 60:300] * (1 - alpha) + small * alpha
        proc.stdin.write(frame.astype(np.uint8).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return path


def test_sudden_changes_are_seen_on_small_signatures_and_only_chosen_frames_are_yielded(tmp_path, media):
    video = _fade_video(tmp_path / "fade.mp4", media)
    grid = frames.sample_frames(video, fps=2.0, scene_threshold=0.3)
    assert not any(1.05 < f.time < 1.5 for f in grid)  # the fade raises no scene cut: the grid misses it
    chosen = frames.sample_frames(video, fps=2.0, scene_threshold=0.3, change_fps=10.0)
    sudden = [f for f in chosen if f.sudden]
    assert sudden and all(1.1 <= f.time <= 1.55 for f in sudden), [(f.time, f.sudden) for f in chosen]
    # the pictures looked at 10 times a second that did not change are not yielded (not converted at full size)
    assert len(chosen) <= len(grid) + 4 < 20
    for f in chosen:
        assert f.signature is not None and f.signature.shape == (40, 22)
        # the decoder's block means agree with the block means of the converted frame
        assert float(np.abs(f.signature - frames.signature(f.image)).max()) <= 4.0


def test_sudden_change_ignores_small_block_jitter_and_catches_a_block_jump():
    a = np.full((40, 22), 100.0, dtype=np.float32)
    b = a + 5.0  # a slow zoom or codec noise: every block a few levels off
    assert not frames.sudden_change(a, b)
    c = a.copy()
    c[10:12, 5:7] += 60.0  # a 2x2 group of blocks jumped: something appeared
    assert frames.sudden_change(a, c)
    d = a.copy()
    d[::3, ::3] += 60.0  # many single blocks on edges (a jittering zoom): no area changed
    assert not frames.sudden_change(a, d)
    assert frames.sudden_change(a, a[:20])  # a different size: never assumed unchanged
