"""Training on a small synthetic scene: it must measurably improve held-out PSNR; checkpoints, resume, cancel,
SH schedule, previews and config checks. Ground truth is rendered from known coloured Gaussians."""

from __future__ import annotations

import math
import time
from dataclasses import asdict

import numpy as np
import pytest
import torch

from studio.cancel import CancelToken
from studio.errors import Cancelled, ConfigError, DependencyError
from studio.splat.densify import Densify
from studio.splat.gaussians import Gaussians, load_model, rgb_to_sh0
from studio.splat.rasterize import render_gaussians, to_uint8
from studio.splat.scene import Scene, View
from studio.splat.spin import look_at
from studio.splat.train import (
    StepInfo,
    TrainConfig,
    evaluate,
    initial_gaussians,
    latest_checkpoint,
    split_views,
    step_hook,
    train,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/splat/conftest.py


SIZE = 40


def _truth(n: int = 40, seed: int = 0) -> Gaussians:
    g = torch.Generator().manual_seed(seed)
    colors = torch.rand(n, 3, generator=g)
    sh = torch.zeros(n, 4, 3)
    sh[:, 0] = rgb_to_sh0(colors)
    return Gaussians(
        means=torch.randn(n, 3, generator=g) * 0.35,
        quats=torch.randn(n, 4, generator=g),
        log_scales=torch.log(torch.rand(n, 3, generator=g) * 0.12 + 0.05),
        opacity_logits=torch.full((n,), 2.5),
        sh=sh,
        sh_degree=1,
    )


def synthetic_scene(n_views: int = 12, size: int = SIZE) -> Scene:
    """Views on a ring around a cluster of coloured Gaussians, rendered with our rasterizer (white background,
    masks from the rendered alpha)."""
    truth = _truth()
    focal = 0.5 * size / math.tan(math.radians(25))
    K = np.array([[focal, 0, size / 2], [0, focal, size / 2], [0, 0, 1.0]])
    views = []
    for i in range(n_views):
        theta = 2 * math.pi * i / n_views
        elev = math.radians(20 if i % 2 else -10)
        pos = 3.0 * np.array(
            [math.cos(elev) * math.cos(theta), math.cos(elev) * math.sin(theta), math.sin(elev)]
        )
        w2c = look_at(pos, np.zeros(3), np.array([0.0, 0.0, 1.0]))
        with torch.no_grad():
            out = render_gaussians(truth, K, w2c, size, size, (1.0, 1.0, 1.0))
        views.append(View(f"v{i:02d}", to_uint8(out.image), out.alpha.numpy().astype(np.float32), K, w2c))
    return Scene(
        views,
        np.zeros((0, 3)),
        np.zeros((0, 3), np.uint8),
        (1.0, 1.0, 1.0),
        np.array([0, 0, 1.0]),
        np.zeros(3),
        1.0,
    )


@pytest.fixture(scope="module")
def scene() -> Scene:
    return synthetic_scene()


FAST = {
    "steps": 40,
    "holdout_every": 4,
    "init_points": 300,
    "sh_degree": 1,
    "sh_interval": 1000,
    "refine_start": 10,
    "refine_every": 10,
    "checkpoint_every": 10,
    "progress_every": 1,
    "preview_every": 0,
    "reset_every": 0,
    "grow_grad2d": 1e-5,
}


def test_training_improves_held_out_psnr(scene):
    config = TrainConfig(
        steps=200,
        holdout_every=4,
        init_points=300,
        sh_degree=1,
        sh_interval=100,
        densify=Densify(refine_start=50, refine_every=50, reset_every=0),
    )
    train_views, holdout = split_views(scene.views, 4)
    assert [v.name for v in holdout] == ["v00", "v04", "v08"]
    start, kind = initial_gaussians(scene, train_views, config)
    assert kind == "carved"  # masks exist, no SfM points
    before = evaluate(start, holdout, scene.background)
    previews: list[np.ndarray] = []
    progress: list[float] = []
    hook = step_hook(lambda f, m: progress.append(f), previews.append, progress_every=25, preview_every=100)
    result = train(scene, config, on_step=hook)
    assert result.steps == 200 and not result.stopped_early and result.device == "cpu"
    assert result.holdout_views == ["v00", "v04", "v08"] and len(result.train_views) == 9
    assert result.psnr is not None and result.ssim is not None
    assert result.psnr > before.psnr + 4.0, (before.psnr, result.psnr)
    assert result.ssim > before.ssim + 0.05
    assert result.gaussians.n > start.n  # densification grew the model
    assert set(result.per_view) == {"v00", "v04", "v08"}
    # Metrics and orbit hints are stored with the model.
    meta = result.gaussians.meta
    assert meta["metrics"]["psnr"] == pytest.approx(result.psnr)
    assert meta["train"]["holdout_views"] == result.holdout_views and meta["up"] == [0.0, 0.0, 1.0]
    # Progress is monotone and ends at the hook's share; previews are uint8 renders of the first held-out view.
    assert progress == sorted(progress) and len(progress) == 8 and progress[-1] == pytest.approx(0.95)
    assert len(previews) == 2 and previews[0].shape == (SIZE, SIZE, 3) and previews[0].dtype == np.uint8


def test_checkpoint_resume_matches_an_uninterrupted_run(scene, tmp_path):
    config = TrainConfig.from_dict(FAST)
    straight = train(scene, config)

    cancel = CancelToken()

    def stop_at_20(fraction: float, message: str) -> None:
        if message.startswith("step 20/"):
            cancel.cancel()

    output = tmp_path / "model.safetensors"
    with pytest.raises(Cancelled, match="step 20 of 40"):
        train(
            scene,
            config,
            on_step=step_hook(stop_at_20, cancel=cancel, progress_every=1),
            checkpoint_dir=tmp_path / "ckpt",
            output=output,
        )
    ckpt = latest_checkpoint(tmp_path / "ckpt")
    assert ckpt is not None and ckpt.name == "step_0000020.safetensors"
    assert not output.exists()  # a cancelled run leaves no final model
    assert not [p for p in (tmp_path / "ckpt").iterdir() if ".part" in p.name]

    messages: list[str] = []
    resumed = train(
        scene,
        config,
        on_step=step_hook(lambda f, m: messages.append(m), progress_every=10),
        checkpoint_dir=tmp_path / "ckpt",
        resume=True,
        output=output,
    )
    assert messages[0] == "Resuming from step 20." and messages[1].startswith("step 30/40: ")
    assert resumed.steps == 40
    a, b = straight.gaussians, resumed.gaussians
    assert a.n == b.n and a.n != 300  # densification ran (before and after the interruption)
    for name, t in a.tensors().items():
        assert torch.allclose(getattr(b, name), t, atol=1e-6), name
    assert resumed.psnr == pytest.approx(straight.psnr, abs=1e-4)
    saved = load_model(output)
    assert saved.n == a.n and saved.meta["metrics"]["psnr"] == pytest.approx(resumed.psnr)


def test_resume_refuses_a_different_setup(scene, tmp_path):
    config = TrainConfig.from_dict({**FAST, "steps": 10})
    train(scene, config, checkpoint_dir=tmp_path)
    with pytest.raises(ConfigError, match="seed"):
        train(
            scene,
            TrainConfig.from_dict({**FAST, "steps": 20, "seed": 5}),
            checkpoint_dir=tmp_path,
            resume=True,
        )
    other = Scene(scene.views[:6], scene.points, scene.colors, scene.background, scene.up, scene.center, 1.0)
    with pytest.raises(ConfigError, match="different views"):
        train(other, TrainConfig.from_dict({**FAST, "steps": 20}), checkpoint_dir=tmp_path, resume=True)


def test_sh_degree_schedule(scene):
    early = train(scene, TrainConfig.from_dict({**FAST, "steps": 15, "sh_interval": 20, "holdout_every": 0}))
    assert early.psnr is None
    assert float(early.gaussians.sh[:, 1:].abs().max()) == 0.0  # only the DC colour is trained before step 20
    later = train(scene, TrainConfig.from_dict({**FAST, "steps": 30, "sh_interval": 20, "holdout_every": 0}))
    assert float(later.gaussians.sh[:, 1:].abs().max()) > 0.0


def test_max_seconds_stops_early_and_still_evaluates(scene):
    result = train(scene, TrainConfig.from_dict({**FAST, "steps": 100_000, "max_seconds": 1.0}))
    assert result.stopped_early and 0 < result.steps < 100_000 and result.psnr is not None


def test_the_step_hook_sees_every_step_and_a_paused_clock_leaves_its_time_out(scene, monkeypatch):
    """The hook runs after every step with the run's numbers; with pause_clock_in_hook its time (here: a
    preview render and a model copy at every step, as a benchmark's evaluation) is not training time, so it
    neither eats the max_seconds budget nor shows in the result's seconds.

    No wall-clock comparison: the trainer's clock is shifted by an hour inside each hook call (a hook "taking"
    an hour); paused, none of those hours is training time; counted, all of them are."""
    import studio.splat.train as train_module

    class ShiftedTime:  # the time module as train.py sees it, perf_counter shifted by ``offset`` seconds
        offset = 0.0

        def perf_counter(self) -> float:
            return time.perf_counter() + self.offset

        def __getattr__(self, name):
            return getattr(time, name)

    shifted = ShiftedTime()
    monkeypatch.setattr(train_module, "time", shifted)
    hour = 3600.0
    calls: list[StepInfo] = []

    def evaluating_hook(info: StepInfo) -> None:
        calls.append(info)
        assert info.preview().shape == (SIZE, SIZE, 3)  # the first costly read pauses the clock
        assert info.model().n == info.gaussians
        shifted.offset += hour

    config = TrainConfig.from_dict({**FAST, "steps": 23, "max_seconds": 600.0})
    result = train(scene, config, on_step=evaluating_hook, pause_clock_in_hook=True)
    assert [c.step for c in calls] == list(range(1, 24)) and [c.last for c in calls] == [False] * 22 + [True]
    assert all(c.steps == 23 and c.fraction == pytest.approx(c.step / 23) for c in calls)
    assert all(math.isfinite(c.loss) and c.loss > 0 for c in calls)
    seconds = [c.seconds for c in calls]
    assert seconds == sorted(seconds) and seconds[-1] <= result.seconds < hour  # no hook hour counted
    assert result.steps == 23 and not result.stopped_early  # 23 h of hook > max_seconds = 10 min
    assert calls[-1].gaussians == result.gaussians.n
    calls.clear()
    counted = train(scene, TrainConfig.from_dict({**FAST, "steps": 23}), on_step=evaluating_hook)
    assert counted.seconds >= 23 * hour  # by default the hook's time is training time


def test_the_step_hook_can_stop_training_and_changes_nothing_else(scene):
    config = TrainConfig.from_dict({**FAST, "steps": 20})
    plain = train(scene, config)
    watched = train(scene, config, on_step=lambda info: info.model() and None, pause_clock_in_hook=True)
    for name, t in plain.gaussians.tensors().items():
        assert torch.equal(getattr(watched.gaussians, name), t), name
    stopped = train(scene, config, on_step=lambda info: info.step >= 10)
    assert stopped.steps == 10 and stopped.stopped_early and stopped.psnr is not None


# Held-out PSNR / SSIM of this run measured on the code before the training loop was split into a strategy
# and a step hook (main at 5385f08, one intra-op thread): the refactor must not change a single number.
FIXED_SEED_RUN = {
    "steps": 60,
    "seed": 3,
    "holdout_every": 4,
    "init_points": 300,
    "sh_degree": 1,
    "sh_interval": 20,
    "refine_start": 10,
    "refine_every": 10,
    "refine_stop": 50,
    "reset_every": 30,
    "grow_grad2d": 1e-5,
}
# With the fused CPU kernels (the CPU default since issue 12): float rounding differs from the PyTorch path's,
# and 60 steps of training carry it to +0.0009 dB (the PyTorch path gave 16.35975451855676 / 0.5653492510318756).
FIXED_SEED_PSNR = 16.360694198617782
FIXED_SEED_SSIM = 0.5658656855424246
FIXED_SEED_GAUSSIANS = 2400


def test_a_fixed_seed_gives_the_same_held_out_psnr_as_before(scene):
    """Clone, split (seeded), prune, opacity reset and the SH schedule all run within these 60 steps."""
    result = train(scene, TrainConfig.from_dict(FIXED_SEED_RUN))
    assert result.gaussians.n == FIXED_SEED_GAUSSIANS
    assert result.psnr == pytest.approx(FIXED_SEED_PSNR, abs=1e-4)
    assert result.ssim == pytest.approx(FIXED_SEED_SSIM, abs=1e-5)


def test_config_and_device_errors(scene):
    with pytest.raises(ConfigError, match="ssim_weight"):
        TrainConfig(ssim_weight=1.5)
    with pytest.raises(ConfigError, match="Unknown training settings: stepz"):
        TrainConfig.from_dict({"stepz": 3})
    assert TrainConfig.from_dict({"steps": 3}).steps == 3
    compact = TrainConfig.compact(steps=600, max_seconds=60, seed=3)
    assert (
        compact.densify.refine_stop,
        compact.sh_interval,
        compact.densify.max_gaussians,
        compact.seed,
    ) == (
        360,
        100,
        30_000,
        3,
    )
    with pytest.raises(ConfigError, match="Unknown"):
        TrainConfig.compact(stepz=1)
    # densification settings: flat or nested, and what asdict() writes reads back the same
    nested = TrainConfig.from_dict({"steps": 5, "densify": {"refine_stop": 3}, "grow_grad2d": 0.1})
    assert nested.densify == Densify(refine_stop=3, grow_grad2d=0.1)
    assert TrainConfig.from_dict(asdict(compact)) == compact
    with pytest.raises(ConfigError, match="refine_every"):
        TrainConfig.from_dict({"refine_every": 0})
    with pytest.raises(ConfigError, match="Unknown training settings: refine_stp"):
        TrainConfig.from_dict({"densify": {"refine_stp": 3}})
    if not torch.cuda.is_available():
        with pytest.raises(DependencyError, match="CUDA"):
            train(scene, TrainConfig(steps=1), device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_training_on_cuda_improves_held_out_psnr(scene):
    pytest.importorskip("gsplat")
    config = TrainConfig(
        steps=200,
        holdout_every=4,
        init_points=300,
        sh_degree=1,
        densify=Densify(refine_start=50, refine_every=50, reset_every=0),
    )
    train_views, holdout = split_views(scene.views, 4)
    start, _ = initial_gaussians(scene, train_views, config)
    before = evaluate(start, holdout, scene.background)
    result = train(scene, config, device="cuda")
    assert result.device == "cuda" and result.psnr > before.psnr + 4.0


def test_initialisation_follows_the_scene(scene):
    train_views, _ = split_views(scene.views, 4)
    config = TrainConfig(init_points=200, sh_degree=2)
    pts = np.random.default_rng(0).normal(size=(50, 3)) * 0.3
    cols = np.full((50, 3), 200, np.uint8)
    with_points = Scene(scene.views, pts, cols, scene.background, scene.up, scene.center, scene.radius)
    g, kind = initial_gaussians(with_points, train_views, config)
    assert kind == "points" and g.n == 50 and g.sh.shape == (50, 9, 3)  # masked views: no fill
    assert torch.allclose(g.means, torch.tensor(pts, dtype=torch.float32))
    assert torch.allclose(0.5 + 0.28209479177387814 * g.sh[:, 0], torch.full((50, 3), 200 / 255), atol=1e-6)
    no_masks = [View(v.name, v.image, None, v.K, v.world_to_cam) for v in train_views]
    g, kind = initial_gaussians(scene, no_masks, config)
    assert kind == "random" and g.n == 200
    assert float(g.means.norm(dim=1).max()) <= scene.radius + 1e-5  # inside the scene sphere
    g, kind = initial_gaussians(scene, train_views, config)
    assert kind == "carved" and g.n == 200
    # Carved points project inside every mask that sees them.
    for view in train_views:
        cam = g.means.double().numpy() @ view.world_to_cam[:3, :3].T + view.world_to_cam[:3, 3]
        uv = cam @ view.K.T
        col, row = np.floor(uv[:, 0] / uv[:, 2]).astype(int), np.floor(uv[:, 1] / uv[:, 2]).astype(int)
        ok = (col >= 0) & (col < view.width) & (row >= 0) & (row < view.height)
        assert np.all(view.mask[row[ok], col[ok]] >= 0.5)


def test_unmasked_captures_get_coloured_fill_points(scene):
    """Without masks, SfM points are topped up with random points coloured from the nearest view's pixels."""
    train_views, _ = split_views(scene.views, 4)
    no_masks = [View(v.name, v.image, None, v.K, v.world_to_cam) for v in train_views]
    pts = np.random.default_rng(1).normal(size=(100, 3)) * 0.3
    cols = np.full((100, 3), 200, np.uint8)
    with_points = Scene(no_masks, pts, cols, scene.background, scene.up, scene.center, scene.radius)
    g, kind = initial_gaussians(with_points, no_masks, TrainConfig(sh_degree=0, fill_fraction=0.5))
    assert kind == "points+fill" and g.n == 150
    assert torch.allclose(g.means[:100], torch.tensor(pts, dtype=torch.float32))
    extra = g.means[100:].double().numpy()
    reach = np.percentile(np.linalg.norm(pts, axis=1), 99)
    assert np.linalg.norm(extra, axis=1).max() <= reach + 1e-6
    rgb = (0.5 + 0.28209479177387814 * g.sh[100:, 0]).numpy() * 255
    for point, colour in zip(extra, rgb):
        # the colour is the pixel under the point in the nearest view that sees it
        best, expect = np.inf, None
        for view in no_masks:
            cam = view.world_to_cam[:3, :3] @ point + view.world_to_cam[:3, 3]
            u, v = (view.K @ cam)[:2] / cam[2]
            col, row = int(np.floor(u)), int(np.floor(v))
            dist = np.linalg.norm(point - view.camera_center)
            if cam[2] > 0 and 0 <= col < view.width and 0 <= row < view.height and dist < best:
                best, expect = dist, view.image[row, col]
        assert expect is not None and np.allclose(colour, expect, atol=0.6)
    g, kind = initial_gaussians(with_points, no_masks, TrainConfig(sh_degree=0, fill_fraction=0.0))
    assert kind == "points" and g.n == 100
    with pytest.raises(ConfigError, match="fill_fraction"):
        TrainConfig(fill_fraction=-1)


def test_opacity_reset_and_model_size_cap(scene):
    reset = train(scene, TrainConfig.from_dict({**FAST, "steps": 20, "reset_every": 20, "refine_stop": 100}))
    assert float(reset.gaussians.opacities.max()) <= 0.01 + 1e-6  # reset to 2 x prune_opacity at step 20
    capped = train(
        scene, TrainConfig.from_dict({**FAST, "steps": 40, "max_gaussians": 350, "grow_grad2d": 0.0})
    )
    assert 300 < capped.gaussians.n <= 350  # every Gaussian wanted to grow; the cap held


def test_mask_loss_pulls_alpha_towards_the_masks(scene):
    """A white object on a white background: colour cannot say where the object is, only the masks can."""
    white = [View(v.name, np.full_like(v.image, 255), v.mask, v.K, v.world_to_cam) for v in scene.views]
    blank = Scene(white, scene.points, scene.colors, scene.background, scene.up, scene.center, scene.radius)
    train_views, _ = split_views(blank.views, 4)

    def alpha_error(g: Gaussians) -> float:
        errs = []
        for v in train_views:
            out = render_gaussians(g, v.K, v.world_to_cam, v.width, v.height, blank.background)
            errs.append(float((out.alpha - torch.from_numpy(v.mask)).abs().mean()))
        return float(np.mean(errs))

    base = {**FAST, "steps": 60, "init_opacity": 0.5, "refine_start": 10**6}  # the loss term alone
    without = alpha_error(train(blank, TrainConfig.from_dict(base)).gaussians)
    with_mask = alpha_error(train(blank, TrainConfig.from_dict({**base, "mask_weight": 1.0})).gaussians)
    assert with_mask < 0.8 * without, (with_mask, without)


def test_coarse_to_fine_trains_the_first_share_at_half_resolution():
    """Half-resolution targets are the 2x2 box filter of the images, seen through K / 2: a render at half size
    matches the box-filtered full-size render, so the coarse phase fits the same model."""
    from studio.splat.train import _Target

    scene = synthetic_scene(n_views=8, size=64)
    full = _Target.of(scene.views[1], torch.device("cpu"))
    half = full.half()
    assert (half.width, half.height) == (32, 32) and torch.allclose(half.K[:2], full.K[:2] / 2)
    assert torch.allclose(half.image, full.image.reshape(32, 2, 32, 2, 3).mean(dim=(1, 3)))
    with torch.no_grad():
        coarse_render = render_gaussians(_truth(), half.K, half.world_to_cam, 32, 32, (1.0, 1.0, 1.0)).image
    assert float((coarse_render - half.image).abs().mean()) < 0.02  # same scene, same framing
    assert _Target.of(synthetic_scene(n_views=2, size=40).views[0], torch.device("cpu")).half().width == 40

    sizes: list[tuple[int, int]] = []
    config = TrainConfig.from_dict({**FAST, "steps": 20, "holdout_every": 4, "coarse_fraction": 0.5})
    result = train(scene, config, on_step=lambda info: sizes.append(info.size))
    assert sizes == [(32, 32)] * 10 + [(64, 64)] * 10  # steps 0..9 are the first half (step / (steps - 1))
    assert result.psnr is not None and result.psnr > 12.0


def test_training_stops_when_the_held_out_like_loss_stops_improving(scene):
    """Epochs of 9 training views; densification stops at step 10, so the epoch ending at step 18 is the first
    that counts and, at a 50 % improvement required, the one ending at step 27 has not improved: stop."""
    config = TrainConfig.from_dict(
        {**FAST, "steps": 200, "refine_stop": 10, "plateau_epochs": 1, "plateau_tol": 0.5}
    )
    result = train(scene, config)
    assert result.steps == 27 and result.stopped_early and result.stop_reason == "plateau"
    assert result.gaussians.meta["train"]["stopped"] == "plateau"
    assert result.psnr is not None
    never = train(scene, TrainConfig.from_dict({**FAST, "steps": 30, "refine_stop": 10}))
    assert never.steps == 30 and never.stop_reason is None
    with pytest.raises(ConfigError, match="coarse_fraction"):
        TrainConfig(coarse_fraction=1.0)
