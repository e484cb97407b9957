"""Render integration: real ffmpeg encodes checked with ffprobe, a loudness measurement and the MP4 layout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.ads import make_ad
from studio.media import ffmpeg_exe
from studio.media.decode import decode_audio
from studio.media.encode import EncodeSettings
from studio.spec import parse_spec
from studio.store import Store
from studio.video.audio import SAMPLE_RATE, loudness_lufs, true_peak_db
from tests.helpers import ffprobe, make_logo, make_photo, top_level_atoms

FAST = EncodeSettings(preset="veryfast")


def _tone_music(path: Path, seconds: float = 4.0) -> Path:
    """A quiet two-tone chord (about -30 LUFS) so normalisation has real work to do; shorter than the ad so it
    must loop."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=220:duration={seconds}:sample_rate=44100",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=330:duration={seconds}:sample_rate=44100",
            "-filter_complex",
            "[0][1]amix=inputs=2,volume=0.05[a]",
            "-map",
            "[a]",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    photos = [str(make_photo(tmp / f"p{i}.jpg", seed=i)) for i in range(2)]
    spec = parse_spec(
        {
            "product": "Mountain Mist Tea",
            "photos": photos,
            "logo": str(make_logo(tmp / "logo.png")),
            "headline": "一口喝見阿里山的清晨",
            "selling_points": ["手採嫩葉", "回甘不苦澀"],
            "price": "NT$ 680",
            "cta": "立即選購",
            "duration": 6,
            "platforms": ["tiktok", "youtube"],
            "music": str(_tone_music(tmp / "tone.m4a")),
        }
    )
    store = Store(tmp / "store.sqlite3")
    result = make_ad(spec, tmp / "out", store=store, encode=FAST)
    return spec, result, store, tmp / "out"


def test_outputs_meet_delivery_conventions(rendered):
    _spec, result, _, _ = rendered
    assert [o.platform for o in result.outputs] == ["tiktok", "youtube"]
    for output, size in zip(result.outputs, [(1080, 1920), (1920, 1080)]):
        info = ffprobe(output.path)
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
        assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
        assert (video["width"], video["height"]) == size
        assert video["color_space"] == "bt709" and video["color_primaries"] == "bt709"
        assert video["color_transfer"] == "bt709" and video["color_range"] == "tv"
        assert video["r_frame_rate"] == "30/1" and int(video["nb_read_frames"]) == 180
        assert abs(float(info["format"]["duration"]) - 6.0) < 0.05
        assert (audio["codec_name"], int(audio["sample_rate"]), audio["channels"]) == ("aac", 48000, 2)
        atoms = top_level_atoms(output.path)
        assert atoms.index("moov") < atoms.index("mdat"), "+faststart puts moov first"
        assert (output.width, output.height, output.duration) == (*size, 6.0)


def test_music_is_normalised_to_minus_14_lufs(rendered):
    _, result, _, _ = rendered
    samples = decode_audio(result.outputs[0].path)
    assert len(samples) == pytest.approx(6.0 * SAMPLE_RATE, abs=SAMPLE_RATE * 0.05)
    assert loudness_lufs(samples) == pytest.approx(-14.0, abs=1.0)
    assert true_peak_db(samples) <= -1.0
    tail = samples[-int(0.1 * SAMPLE_RATE) :]
    assert np.abs(tail).max() < np.abs(samples).max() * 0.2, "faded out at the end"


def test_cover_srt_and_store(rendered):
    _spec, result, store, outdir = rendered
    from PIL import Image

    for output in result.outputs:
        with Image.open(output.cover) as cover:
            assert cover.size == (output.width, output.height)
        srt = output.srt.read_text(encoding="utf-8")
        assert "一口喝見阿里山的清晨" in srt and "-->" in srt
    row = store.render(result.render_id)
    assert row.status == "done" and len(row.outputs) == 2 and row.timings["total"] > 0
    assert not [p for p in outdir.iterdir() if ".part" in p.name], "no temporary files left"


def test_silent_track_without_music(tmp_path):
    spec = parse_spec(
        {
            "product": "T",
            "photos": [str(make_photo(tmp_path / "a.jpg"))],
            "headline": "Quiet",
            "duration": 5,
            "platforms": ["square"],
            "music": None,
        }
    )
    result = make_ad(spec, tmp_path / "out", encode=FAST)
    info = ffprobe(result.outputs[0].path)
    assert any(s["codec_type"] == "audio" and s["codec_name"] == "aac" for s in info["streams"])
    assert np.abs(decode_audio(result.outputs[0].path)).max() < 1e-3
