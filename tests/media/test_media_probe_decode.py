"""studio.media probing and decoding against files made by the real ffmpeg: exact rates, counts, colour tags,
rotation, audio streams, bad files; and the one table of file types."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from studio.errors import InputError
from studio.media import ffmpeg_exe
from studio.media.decode import decode_audio, frame_at, iter_frames, read_frames
from studio.media.probe import moov_first, probe, probe_video
from studio.media.types import AUDIO_SUFFIXES, IMAGE_SUFFIXES, VIDEO_SUFFIXES, is_image, is_video, media_kind


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-nostdin", *args], check=True)


@pytest.fixture(scope="module")
def ntsc_clip(tmp_path_factory):
    """2 s of testsrc at 30000/1001 fps, 96x64, tagged BT.709 limited, with a 44.1 kHz mono tone; no faststart."""
    path = tmp_path_factory.mktemp("media") / "ntsc.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=s=96x64:r=30000/1001", "-f", "lavfi", "-i", "sine=d=2:r=44100",
            "-frames:v", "60", "-vf", "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709",
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
            "-c:a", "aac", str(path))  # fmt: skip
    return path


def test_probe_gives_exact_typed_stream_info(ntsc_clip):
    info = probe(ntsc_clip)
    v = info.video
    assert v is not None
    assert v.fps == Fraction(30000, 1001)  # exact, not 29.97
    assert (v.width, v.height, v.rotation) == (96, 64, 0)
    assert v.frames_exact and v.frames == 60
    assert v.duration == pytest.approx(2.0, abs=0.05)
    assert (v.codec, v.profile, v.pix_fmt) == ("h264", "Main", "yuv420p")
    assert (v.color_space, v.color_primaries, v.color_transfer, v.color_range) == ("bt709",) * 3 + ("tv",)
    assert len(info.audio) == 1
    a = info.audio[0]
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 44100, 1)
    assert not moov_first(ntsc_clip)  # written without +faststart


def test_untagged_colour_is_none_and_audio_only_has_no_video(tmp_path):
    plain = tmp_path / "plain.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=64x64:r=10:d=1", "-c:v", "libx264", "-preset", "ultrafast", str(plain)
    )
    v = probe_video(plain)
    assert v.color_primaries is None and v.color_transfer is None
    tone = tmp_path / "tone.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(tone))
    assert probe(tone).video is None
    with pytest.raises(InputError, match="tone.m4a has no video stream"):
        probe_video(tone)
    samples = decode_audio(tone, sample_rate=48000)
    assert samples.shape[1] == 2 and samples.dtype == np.float32
    assert samples.shape[0] == pytest.approx(48000, rel=0.05)


def test_bad_files_are_input_errors_naming_the_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        probe(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        probe(empty)
    garbage = tmp_path / "garbage.mov"
    garbage.write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError, match="garbage.mov cannot be decoded"):
        probe(garbage)
    with pytest.raises(InputError, match="garbage.mov"):
        list(iter_frames(garbage))


def test_decoded_frames_are_upright_like_ffmpeg_autorotate(ntsc_clip, tmp_path):
    rotated = tmp_path / "rotated.mp4"
    _ffmpeg("-display_rotation", "90", "-i", str(ntsc_clip), "-c", "copy", str(rotated))
    v = probe_video(rotated)
    assert (
        v.rotation == 90 and (v.width, v.height) == (64, 96) and (v.coded_width, v.coded_height) == (96, 64)
    )
    ours = read_frames(rotated)
    assert ours.shape == (60, 96, 64, 3)
    # the ffmpeg CLI applies the display matrix itself (autorotate): the same upright pictures
    cli = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(rotated), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    theirs = np.frombuffer(cli, np.uint8).reshape(-1, 96, 64, 3)
    assert len(theirs) == 60
    assert np.abs(ours.astype(int) - theirs.astype(int)).mean() < 2.0
    small = next(iter_frames(rotated)).rgb(32, 48)
    assert small.shape == (48, 32, 3)


def test_frames_times_and_seek(ntsc_clip):
    frames = list(iter_frames(ntsc_clip))
    assert len(frames) == 60
    assert [f.index for f in frames] == list(range(60))
    assert frames[30].time == pytest.approx(30 * 1001 / 30000, abs=1e-3)
    at = frame_at(ntsc_clip, 1.0)
    assert at.index == 29  # frame 29 starts at 0.968 s, frame 30 at 1.001 s
    assert np.array_equal(at.rgb(), frames[29].rgb())
    fast = list(iter_frames(ntsc_clip, fast=True))
    assert 0 < len(fast) <= 60


def test_one_table_of_file_types():
    assert not IMAGE_SUFFIXES & VIDEO_SUFFIXES and not VIDEO_SUFFIXES & AUDIO_SUFFIXES
    assert is_video("loop.GIF") and not is_image("loop.gif")  # every frame of a GIF gets screened
    assert (
        is_video("clip.mts") and is_video("phone.3gp") and is_image("a.JPEG") and media_kind("a.txt") is None
    )
    # every reader uses this table, not a copy of it
    from studio.compliance import gate
    from studio.splat import inputs

    assert gate.VIDEO_SUFFIXES is VIDEO_SUFFIXES and gate.IMAGE_SUFFIXES is IMAGE_SUFFIXES
    assert inputs.VIDEO_SUFFIXES is VIDEO_SUFFIXES and inputs.IMAGE_SUFFIXES is IMAGE_SUFFIXES


def test_animated_gif_is_screened_as_a_video(tmp_path):
    from PIL import Image

    from studio.compliance.frames import sample_frames

    pictures = [Image.new("RGB", (40, 30), c) for c in [(200, 0, 0), (0, 200, 0), (0, 0, 200), (200, 200, 0)]]
    gif = tmp_path / "anim.gif"
    pictures[0].save(gif, save_all=True, append_images=pictures[1:], duration=500, loop=0)
    sampled = sample_frames(gif, fps=2.0, scene_threshold=None)
    colours = {tuple(int(c) for c in f.image.reshape(-1, 3).mean(0) // 100) for f in sampled}
    assert len(sampled) >= 4 and len(colours) >= 4  # all four pictures reach the screen, not only the first
