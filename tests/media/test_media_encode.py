"""The delivery encoder, checked on the files it writes: H.264 High, yuv420p, BT.709 tags, +faststart, AAC 48 kHz
stereo (ads and product spins alike); temp-then-rename with nothing left and no ffmpeg left running after a
failure or a cancel; and published files' permissions as the umask gives (MP4s like their cover JPEGs)."""

from __future__ import annotations

import os
import tempfile
import wave

import numpy as np
import pytest
from PIL import Image

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError, RenderError
from studio.fsutil import atomic_output, default_file_mode, publish
from studio.media.decode import decode_audio, read_frames
from studio.media.encode import EncodeSettings, FrameEncoder, delivery_problems, encode_frames
from studio.media.probe import moov_first, probe

FAST = EncodeSettings(preset="veryfast")


def _frames(n: int, w: int = 64, h: int = 48) -> list[np.ndarray]:
    """A grey gradient with a white 8x8 square moving right by 2 px per frame."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 // w), (y * 255 // h), np.full_like(x, 60)], axis=-1).astype(np.uint8)
    out = []
    for i in range(n):
        frame = base.copy()
        left = (2 * i) % (w - 8)
        frame[8:16, left : left + 8] = 255
        out.append(frame)
    return out


def test_encoded_clip_conforms_and_keeps_its_frames(tmp_path):
    frames = _frames(24)
    out = encode_frames(
        frames, tmp_path / "clip.mp4", width=64, height=48, fps=24, frame_count=24, settings=FAST
    )
    assert delivery_problems(out) == []
    info = probe(out)
    v = info.video
    assert (v.width, v.height, v.fps, v.frames) == (64, 48, 24, 24)
    assert (v.profile, v.pix_fmt, v.color_space, v.color_primaries, v.color_transfer, v.color_range) == (
        "High", "yuv420p", "bt709", "bt709", "bt709", "tv",
    )  # fmt: skip
    assert moov_first(out)
    assert [(a.codec, a.sample_rate, a.channels) for a in info.audio] == [("aac", 48000, 2)]
    assert np.abs(decode_audio(out)).max() < 1e-4  # the silent track is silent
    decoded = read_frames(out)
    assert decoded.shape == (24, 48, 64, 3)
    # lossy, but each decoded frame is the frame written at that position, not a neighbour
    for i in (0, 11, 23):
        here = np.abs(decoded[i].astype(int) - frames[i]).mean()
        assert here < 0.6 * np.abs(decoded[i].astype(int) - frames[(i + 4) % 24]).mean()
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_audio_track_and_upscaled_input(tmp_path):
    wav = tmp_path / "tone.wav"
    t = np.arange(48000) / 48000
    pcm = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(wav), "wb") as fh:
        fh.setnchannels(1), fh.setsampwidth(2), fh.setframerate(48000)
        fh.writeframes(pcm.tobytes())
    images = [Image.fromarray(f) for f in _frames(15, 32, 24)]
    out = encode_frames(
        images, tmp_path / "up.mp4", width=64, height=48, fps=30, frame_count=15, audio_wav=wav,
        input_size=(32, 24), settings=FAST,
    )  # fmt: skip
    assert delivery_problems(out) == []
    info = probe(out)
    assert (info.video.width, info.video.height, info.video.frames) == (64, 48, 15)
    assert info.duration == pytest.approx(0.5, abs=0.05)  # cut to the video's length
    assert np.abs(decode_audio(out)).max() > 0.2


def test_cancel_kills_ffmpeg_and_leaves_nothing(tmp_path):
    token = CancelToken()

    def frames():
        for i, frame in enumerate(_frames(30)):
            if i == 10:
                token.cancel()
            yield frame

    with pytest.raises(Cancelled):
        encode_frames(frames(), tmp_path / "c.mp4", width=64, height=48, fps=30, frame_count=30, cancel=token)
    assert list(tmp_path.iterdir()) == []
    # the same through the context manager: the ffmpeg child has exited (no orphan) and nothing is left
    encoder = FrameEncoder(tmp_path / "d.mp4", width=64, height=48, fps=30, settings=FAST)
    with pytest.raises(RuntimeError, match="boom"), encoder:
        encoder.write(_frames(1)[0])
        raise RuntimeError("boom")
    assert encoder._proc is not None and encoder._proc.poll() is not None
    assert list(tmp_path.iterdir()) == []


def test_failures_are_render_errors_and_leave_nothing(tmp_path):
    with pytest.raises(RenderError, match="expected uint8"):
        encode_frames([np.zeros((10, 10, 3), np.uint8)], tmp_path / "a.mp4", width=64, height=48, fps=30,
                      frame_count=1)  # fmt: skip
    with pytest.raises(RenderError, match="1 frames, expected 5"):
        encode_frames(
            _frames(1), tmp_path / "b.mp4", width=64, height=48, fps=30, frame_count=5, settings=FAST
        )
    with pytest.raises(RenderError, match="ffmpeg failed"):
        encode_frames(_frames(3), tmp_path / "c.mp4", width=64, height=48, fps=30, frame_count=3,
                      settings=EncodeSettings(preset="no-such-preset"))  # fmt: skip
    with pytest.raises(InputError, match="even"):
        FrameEncoder(tmp_path / "d.mp4", width=63, height=48, fps=30)
    assert list(tmp_path.iterdir()) == []


def test_spin_is_delivery_conformant(tmp_path):
    import torch

    from studio.splat.gaussians import Gaussians, rgb_to_sh0
    from studio.splat.spin import render_orbit

    g = Gaussians(
        means=torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.4]]),
        quats=torch.tensor([[1.0, 0, 0, 0]] * 2),
        log_scales=torch.log(torch.tensor([[0.25, 0.25, 0.3], [0.1, 0.1, 0.1]])),
        opacity_logits=torch.full((2,), 4.0),
        sh=rgb_to_sh0(torch.tensor([[0.9, 0.1, 0.1], [0.1, 0.2, 0.9]]))[:, None, :],
        sh_degree=0,
        meta={"center": [0.0, 0.0, 0.1], "up": [0.0, 0.0, 1.0], "front": [0.0, -1.0, 0.0], "radius": 1.0},
    )
    out = render_orbit(g, tmp_path / "spin.mp4", width=48, height=32, seconds=0.5, fps=12)
    assert delivery_problems(out) == []  # High, yuv420p, bt709 x3 + limited, +faststart, AAC 48 kHz
    v = probe(out).video
    assert (v.profile, v.pix_fmt, v.color_primaries, v.frames) == ("High", "yuv420p", "bt709", 6)
    assert moov_first(out)


def test_published_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert default_file_mode() == 0o640
        clip = encode_frames(_frames(2), tmp_path / "a.mp4", width=64, height=48, fps=30, frame_count=2,
                             settings=FAST)  # fmt: skip
        cover = tmp_path / "a.jpg"
        Image.new("RGB", (8, 8)).save(cover)
        with atomic_output(tmp_path / "b.json") as tmp:  # mkstemp makes 0600 files
            tmp.write_text("{}")
        modes = {p.name: p.stat().st_mode & 0o777 for p in (clip, cover, tmp_path / "b.json")}
        assert modes == {"a.mp4": 0o640, "a.jpg": 0o640, "b.json": 0o640}
        # replacing a file in place (C2PA signing does) keeps that file's mode
        os.chmod(clip, 0o604)
        fd, name = tempfile.mkstemp(dir=tmp_path)
        os.close(fd)
        publish(name, clip)
        assert clip.stat().st_mode & 0o777 == 0o604
    finally:
        os.umask(old)
