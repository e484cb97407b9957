"""The 3D product spin shot: a clip layer in the timeline, from a spin MP4 or a splat model orbited at render."""

from __future__ import annotations

import subprocess
from dataclasses import replace

import numpy as np

from studio.ads import make_ad, resolve_resources
from studio.media import ffmpeg_exe
from studio.media.encode import EncodeSettings
from studio.spec import parse_spec
from studio.video.compose import render_frame
from studio.video.templates import timeline_for
from studio.video.timeline import ClipLayer
from tests.helpers import make_photo

FAST = EncodeSettings(preset="veryfast")


def _spin_clip(path):
    """A 3 s solid magenta clip standing in for a rendered turntable."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=0xFF00FF:s=320x320:d=3:r=30",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path


def _spin_time(timeline) -> float:
    for start, shot in zip(timeline.shot_starts(), timeline.shots):
        if any(isinstance(layer, ClipLayer) for layer in shot.layers):
            return start + shot.duration / 2
    raise AssertionError("no spin shot in the timeline")


def test_spin_clip_becomes_a_shot_in_every_template(tmp_path):
    clip = _spin_clip(tmp_path / "spin.mp4")
    for template in ("showcase", "promo", "features"):
        spec = parse_spec(
            {
                "product": "Tea",
                "photos": [str(make_photo(tmp_path / "a.jpg"))],
                "headline": "Tea",
                "duration": 10,
                "music": None,
                "spin": str(clip),
                "template": template,
            }
        )
        res = replace(resolve_resources(spec), spin_clip=clip)
        timeline = timeline_for(spec, "tiktok", res)
        assert abs(timeline.duration - 10) < 1e-6
        frame = np.asarray(render_frame(timeline, _spin_time(timeline)))
        magenta = (frame[..., 0] > 200) & (frame[..., 1] < 60) & (frame[..., 2] > 200)
        assert magenta.mean() > 0.15, template


def test_spin_from_a_splat_model_is_orbited_into_the_ad(tmp_path, monkeypatch):
    import studio.ads
    from studio.splat.gaussians import init_from_points

    rng = np.random.default_rng(0)
    points = rng.normal(0, 0.3, (150, 3))
    colours = np.tile([[230, 20, 20]], (150, 1))
    model = tmp_path / "model.safetensors"
    init_from_points(points, colours, sh_degree=0, opacity=0.95).save(model)
    monkeypatch.setattr(studio.ads, "SPIN_SIZE", 96)  # a small orbit keeps the CPU rasterizer quick in tests
    spec = parse_spec(
        {
            "product": "Tea",
            "photos": [str(make_photo(tmp_path / "a.jpg"))],
            "headline": "Tea",
            "duration": 8,
            "music": None,
            "spin": str(model),
            "platforms": ["square"],
        }
    )
    result = make_ad(spec, tmp_path / "out", encode=FAST)
    output = result.outputs[0]
    assert output.duration == 8.0
    # the middle of the spin shot shows the red model on the brand background
    probe = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-ss",
            "4.5",
            "-i",
            str(output.path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    frame = np.frombuffer(probe, np.uint8).reshape(1080, 1080, 3)
    red = (frame[..., 0] > 150) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
    assert red.mean() > 0.01
