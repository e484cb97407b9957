"""Product spin: orbit camera maths, and the MP4 itself probed with ffmpeg (codec, pixel format, size, frame
count, duration) and compared with direct renders."""

from __future__ import annotations

import math
import re
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import torch

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError
from studio.splat.gaussians import Gaussians, rgb_to_sh0
from studio.splat.metrics import psnr
from studio.splat.rasterize import render_view
from studio.splat.spin import look_at, object_bounds, orbit_cameras, render_orbit

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/splat/conftest.py


def _product() -> Gaussians:
    """A red body and a blue cap along +z: asymmetric, so a wrong up axis or orbit would show."""
    means = torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.45], [0.35, 0.0, 0.0]])
    colors = torch.tensor([[0.9, 0.1, 0.1], [0.1, 0.2, 0.9], [0.1, 0.8, 0.2]])
    sh = rgb_to_sh0(colors)[:, None, :]
    return Gaussians(
        means=means,
        quats=torch.tensor([[1.0, 0, 0, 0]] * 3),
        log_scales=torch.log(torch.tensor([[0.25, 0.25, 0.3], [0.15, 0.15, 0.1], [0.1, 0.1, 0.1]])),
        opacity_logits=torch.full((3,), 4.0),
        sh=sh,
        sh_degree=0,
        meta={"center": [0.0, 0.0, 0.1], "up": [0.0, 0.0, 1.0], "front": [0.0, -1.0, 0.0], "radius": 1.0},
    )


def test_look_at_is_an_opencv_camera():
    w2c = look_at(np.array([0.0, -4.0, 0.0]), np.zeros(3), np.array([0.0, 0.0, 1.0]))
    assert np.allclose(w2c[:3, :3] @ w2c[:3, :3].T, np.eye(3)) and np.linalg.det(w2c[:3, :3]) > 0
    cam = lambda p: w2c[:3, :3] @ p + w2c[:3, 3]
    assert np.allclose(cam(np.zeros(3)), [0, 0, 4])  # target straight ahead (+z)
    assert cam(np.array([0, 0, 1.0]))[1] < 0  # world up is image up (-y)
    assert cam(np.array([1.0, 0, 0]))[0] > 0  # world +x is to the right from -y
    with pytest.raises(InputError):
        look_at(np.array([0, 0, 5.0]), np.zeros(3), np.array([0, 0, 1.0]))


def test_orbit_cameras_circle_the_object():
    center = np.array([0.5, -0.2, 1.0])
    cams = orbit_cameras(
        center,
        [0, 0, 2.0],
        [0, -1.0, 0],
        0.8,
        n_frames=12,
        width=64,
        height=48,
        elevation_deg=20.0,
        fov_deg=30.0,
    )
    assert len(cams) == 12
    positions, heights = [], []
    for K, w2c in cams:
        c = w2c[:3, :3] @ center + w2c[:3, 3]
        uv = K @ c
        assert np.allclose(uv[:2] / uv[2], [32, 24])  # the centre is in the middle of every frame
        pos = -w2c[:3, :3].T @ w2c[:3, 3]
        positions.append(pos)
        heights.append(pos[2] - center[2])
    dist = np.linalg.norm(np.array(positions) - center, axis=1)
    assert np.allclose(dist, dist[0])
    assert dist[0] == pytest.approx(1.15 * 0.8 / math.sin(math.radians(15)))
    assert np.allclose(np.degrees(np.arcsin(np.array(heights) / dist)), 20.0)
    first = positions[0] - center
    assert first[1] < 0 and abs(first[0]) < 1e-9  # starts on the front side (-y)
    step = np.degrees(
        np.arccos(
            np.clip(
                np.dot(positions[0][:2] - center[:2], positions[1][:2] - center[:2])
                / np.linalg.norm(positions[0][:2] - center[:2]) ** 2,
                -1,
                1,
            )
        )
    )
    assert step == pytest.approx(30.0)  # 12 frames over one full turn, no repeated frame


def _probe(path) -> str:
    proc = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        check=False,
        capture_output=True,
        text=True,
    )
    return proc.stderr


def _decode(path, width: int, height: int) -> np.ndarray:
    proc = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, height, width, 3)


def test_render_orbit_writes_a_probed_h264_mp4(tmp_path):
    g = _product()
    progress: list[float] = []
    out = render_orbit(
        g,
        tmp_path / "spin.mp4",
        width=64,
        height=48,
        seconds=1.0,
        fps=12,
        on_progress=lambda f, m: progress.append(f),
    )
    info = _probe(out)
    assert re.search(r"Video: h264 .*yuv420p", info), info
    assert re.search(r"\b64x48\b", info) and re.search(r"\b12 fps\b", info)
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info)
    assert duration and float(duration.group(3)) == pytest.approx(1.0, abs=0.05)
    frames = _decode(out, 64, 48)
    assert len(frames) == 12 and progress[-1] == 1.0 and len(progress) == 12
    # The first frame is the front view, on the white background.
    cams = orbit_cameras(
        [0, 0, 0.1],
        [0, 0, 1],
        [0, -1, 0],
        object_bounds(g, np.array([0, 0, 0.1]))[1],
        n_frames=12,
        width=64,
        height=48,
        elevation_deg=15.0,
    )
    direct = render_view(g, *cams[0], 64, 48, (1.0, 1.0, 1.0))
    assert psnr(frames[0], direct) > 30.0
    assert np.all(frames[0][0, 0] > 240)  # background corner stays white
    # The spin turns: a quarter turn later the frame differs from the first.
    assert psnr(frames[3], frames[0]) < 25.0
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_spin_from_a_saved_model_and_bad_requests(tmp_path):
    path = _product().save(tmp_path / "m.safetensors")
    out = render_orbit(
        path, tmp_path / "a.mp4", width=32, height=32, seconds=0.5, fps=10, background=(0, 0, 0)
    )
    frames = _decode(out, 32, 32)
    assert len(frames) == 5 and np.all(frames[0][0, 0] < 16)  # black background
    with pytest.raises(InputError, match="even"):
        render_orbit(path, tmp_path / "b.mp4", width=33, height=32, seconds=1.0)
    with pytest.raises(InputError, match="seconds"):
        render_orbit(path, tmp_path / "b.mp4", width=32, height=32, seconds=0)
    with pytest.raises(InputError, match=".mp4"):
        render_orbit(path, tmp_path / "b.gif", width=32, height=32, seconds=1.0)
    assert not (tmp_path / "b.mp4").exists()


def test_cancelled_spin_leaves_no_file(tmp_path):
    cancel = CancelToken()

    def stop(fraction: float, message: str) -> None:
        if fraction >= 0.3:
            cancel.cancel()

    with pytest.raises(Cancelled):
        render_orbit(
            _product(),
            tmp_path / "spin.mp4",
            width=32,
            height=32,
            seconds=1.0,
            fps=10,
            on_progress=stop,
            cancel=cancel,
        )
    assert list(tmp_path.iterdir()) == []


def test_frames_render_at_the_models_useful_resolution_and_are_upscaled(tmp_path):
    from studio.splat.spin import render_size

    meta = {"train": {"image_size": [100, 80]}}
    assert render_size(1080, 1920, None, meta) == (224, 400)  # 4x the training long edge
    assert render_size(200, 120, None, meta) == (200, 120)  # never above the output
    assert render_size(1080, 1920, None, {}) == (1080, 1920)  # unknown: full size
    assert render_size(1080, 1920, 960, {}) == (540, 960)
    g = _product().with_meta(train={"image_size": [8, 8]})  # -> rendered at 256 px, upscaled to 320
    out = render_orbit(g, tmp_path / "up.mp4", width=320, height=320, seconds=0.2, fps=10)
    assert re.search(r"\b320x320\b", _probe(out))
    frames = _decode(out, 320, 320)
    assert len(frames) == 2
    cams = orbit_cameras([0, 0, 0.1], [0, 0, 1], [0, -1, 0], object_bounds(g, np.array([0, 0, 0.1]))[1],
                         n_frames=2, width=320, height=320, elevation_deg=15.0)  # fmt: skip
    assert psnr(frames[0], render_view(g, *cams[0], 320, 320, (1.0, 1.0, 1.0))) > 28.0


def _azimuth(position, center, front, up):
    flat = np.asarray(position, dtype=float) - center
    flat = flat - up * (flat @ up)
    return math.degrees(math.atan2(flat @ np.cross(up, front), flat @ front))


def test_a_partial_capture_gets_a_swing_across_the_photographed_arc():
    """A product against a wall was photographed from one side: the spin swings across that arc and back,
    starting in its middle, easing at the ends, looping, and never further out than the cameras stood."""
    center, up, front = np.zeros(3), np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])
    profile = [[-60.0, 1.5], [0.0, 3.0], [80.0, 2.0]]
    cams = orbit_cameras(center, up, front, 1.0, n_frames=40, width=64, height=64, elevation_deg=10.0,
                         arc_deg=(-60.0, 80.0), max_distance=profile)  # fmt: skip
    positions = [-w2c[:3, :3].T @ w2c[:3, 3] for _, w2c in cams]
    az = np.array([_azimuth(p, center, front, up) for p in positions])
    assert az.min() == pytest.approx(-60.0, abs=0.5) and az.max() == pytest.approx(80.0, abs=0.5)
    assert az[0] == pytest.approx(10.0, abs=1e-6)  # starts in the middle of the arc
    assert np.abs(np.diff(az)).max() < 12.0  # no jump: a swing, not a turn
    assert abs(az[-1] - az[0]) < 12.0  # ... that loops back to its start
    dist = np.linalg.norm(np.array(positions) - center, axis=1)
    assert np.all(dist <= np.interp(az, [-60, 0, 80], [1.5, 3.0, 2.0]) + 1e-6)
    for (K, w2c), d in zip(cams, dist):  # closer cameras widen the view so the object still fits
        half_fov = math.atan(32.0 / K[0, 0])
        assert math.sin(half_fov) >= min(1.0, 1.15 / d) - 1e-6 or math.degrees(2 * half_fov) >= 75.0 - 1e-6
    full = orbit_cameras(center, up, front, 1.0, n_frames=8, width=64, height=64, arc_deg=(-180.0, 180.0))
    az_full = [_azimuth(-w2c[:3, :3].T @ w2c[:3, 3], center, front, up) for _, w2c in full]
    assert az_full[:3] == pytest.approx([0.0, 45.0, 90.0])  # a whole circle is an ordinary turn
    with pytest.raises(InputError, match="arc"):
        orbit_cameras(center, up, front, 1.0, n_frames=4, width=64, height=64, arc_deg=(30.0, 10.0))


def test_covered_arc_and_the_orbit_hints_from_the_cameras():
    from studio.splat.scene import Scene, View
    from studio.splat.spin import covered_arc, orbit_hints, orbit_path

    assert covered_arc(np.arange(0, 360, 20)) is None  # all the way round
    assert covered_arc([350, 10, 30, 50]) == pytest.approx((-10.0, 50.0))  # across the front
    assert covered_arc([100, 140, 200]) == pytest.approx((100.0, 200.0))

    K = np.array([[50.0, 0, 32], [0, 50.0, 32], [0, 0, 1]])
    image = np.zeros((64, 64, 3), np.uint8)

    def scene_at(azimuths, distances):
        views = []
        for i, (a, d) in enumerate(zip(azimuths, distances)):
            t = math.radians(a)
            pos = d * np.array([math.cos(t), math.sin(t), 0.3])
            views.append(View(f"v{i}", image, None, K, look_at(pos, np.zeros(3), np.array([0, 0, 1.0]))))
        return Scene(views, np.zeros((0, 3)), np.zeros((0, 3), np.uint8), (1.0, 1.0, 1.0),
                     np.array([0, 0, 1.0]), np.zeros(3), 1.0)  # fmt: skip

    side = np.linspace(-40, 100, 30)  # photographed from one side, closer at the ends
    hints = orbit_hints(scene_at(side, np.where(np.abs(side - 30) > 45, 1.5, 3.0)))
    lo, hi = hints["arc"]
    # azimuths count from the first photo's side (-40 degrees here): the 5th..95th percentile of the cameras'
    assert 0 < lo < 15 and 125 < hi < 140
    profile = np.array(hints["camera_distance"])
    assert profile[0, 1] < 2.5 and profile[6, 1] == pytest.approx(3.0 * math.hypot(1, 0.3), abs=1e-3)
    assert hints["camera_elevation"] == pytest.approx(math.degrees(math.atan(0.3)), abs=1e-6)
    path = orbit_path(hints)
    assert path["arc_deg"] == (lo, hi) and path["elevation_deg"] == pytest.approx(16.7, abs=0.1)
    ring = orbit_hints(scene_at(np.arange(0, 360, 30), [2.0] * 12))
    assert "arc" not in ring and all(
        d == pytest.approx(2.0 * math.hypot(1, 0.3), abs=1e-3) for _, d in ring["camera_distance"]
    )
    assert orbit_path({}) == {}  # a model from elsewhere: an ordinary turn


def test_frames_render_in_batches_with_a_shared_depth_order():
    """Batched, threaded frames come in camera order and match frame-by-frame renders: a batch's shared depth
    order only swaps Gaussians of nearly equal depth (in this dense, self-intersecting cloud, the worst case,
    still > 45 dB from the exact frame)."""
    from studio.splat.rasterize import depth_order
    from studio.splat.spin import render_frames

    g_ = torch.Generator().manual_seed(2)
    n = 300
    colors = torch.rand(n, 3, generator=g_)
    g = Gaussians(
        means=torch.randn(n, 3, generator=g_) * 0.3,
        quats=torch.randn(n, 4, generator=g_),
        log_scales=torch.log(torch.rand(n, 3, generator=g_) * 0.05 + 0.02),
        opacity_logits=torch.full((n,), 1.5),
        sh=rgb_to_sh0(colors)[:, None, :],
        sh_degree=0,
    )
    cameras = orbit_cameras(
        np.zeros(3), np.array([0, 0, 1.0]), np.array([0, -1.0, 0]), 2.5, n_frames=120, width=48, height=40
    )[:9]  # a 4 s spin at 30 fps: frames 3 degrees apart
    frames = list(render_frames(g, cameras, 48, 40, (1.0, 1.0, 1.0), batch=4, workers=2))
    assert len(frames) == 9 and all(f.shape == (40, 48, 3) and f.dtype == np.uint8 for f in frames)
    for frame, (K, w2c) in zip(frames, cameras):
        own = render_view(g, K, w2c, 48, 40, (1.0, 1.0, 1.0))
        close = psnr(torch.from_numpy(frame) / 255.0, torch.from_numpy(own) / 255.0)
        assert close > 45.0, close
    # the order of a neighbour really differs from a frame's own one (else the test shows nothing)
    assert not torch.equal(depth_order(g.means, cameras[0][1]), depth_order(g.means, cameras[2][1]))
    with pytest.raises(InputError, match="batch"):
        list(render_frames(g, cameras, 48, 40, batch=0))
