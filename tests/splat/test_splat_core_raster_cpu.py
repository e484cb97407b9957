"""The fused (numba) CPU compositor against the PyTorch compositor: images, alphas and gradients on random
float32 scenes with the edge cases (off screen, behind the camera, huge, transparent, a tile with hundreds of
Gaussians), forward-only renders, thread counts, a tiny training run, and the fallback when numba is missing."""

from __future__ import annotations

import logging
import math
import sys

import pytest
import torch

from studio.errors import DependencyError
from studio.splat import rasterize as R
from studio.splat.train import TrainConfig, step_hook, train

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/splat/conftest.py

W, H = 45, 37  # not multiples of the tile size: edge tiles are partial
CROWD, CROWD_OPACITY = 400, 0.015  # faint Gaussians stacked on one spot


@pytest.fixture(scope="module")
def kernel():
    """Compiled once per session (numba caches it on disk for the next one)."""
    module = R.fused_kernel()
    assert module is not None, f"the fused kernel must run where numba is installed: {R.fused_problem()}"
    return module


def _camera():
    view = torch.eye(4)
    c, s = math.cos(0.3), math.sin(0.3)
    view[:3, :3] = torch.tensor([[1.0, 0, 0], [0, c, -s], [0, s, c]])
    view[2, 3] = 3.0
    K = torch.tensor([[45.0, 0, 22.0], [0, 43.0, 18.5], [0, 0, 1]])
    return view, K


def _scene(seed: int, n: int = 160, opacity=(0.05, 0.95)):
    """Random Gaussians in front of the camera plus the edge cases, float32: a few behind the camera, a few far
    off screen, one huge one, two with opacity 0, and a crowd of 400 faint small ones inside one 16 x 16 tile
    (more than 255 Gaussians composited in some pixels)."""
    g = torch.Generator().manual_seed(seed)
    lo, hi = opacity
    means = torch.randn(n, 3, generator=g) * 0.5
    scales = torch.rand(n, 3, generator=g) * 0.12 + 0.01
    opac = torch.rand(n, generator=g) * (hi - lo) + lo
    extra_means = [
        torch.tensor([[0.1, 0.0, -3.5], [0.0, 0.2, -4.0]]),  # behind the camera (it sits at z = -3)
        torch.tensor([[9.0, 0.0, 0.0], [-7.0, 6.0, 1.0]]),  # off screen
        torch.tensor([[0.2, -0.1, 1.5]]),  # huge
        torch.tensor([[0.0, 0.0, 0.0], [0.1, 0.1, 0.1]]),  # transparent
        # the crowd: small ones around one point (image centre ~ (22, 18), inside tile (1, 1))
        torch.randn(CROWD, 3, generator=g) * torch.tensor([0.01, 0.01, 0.3]),
    ]
    extra_scales = [
        torch.full((2, 3), 0.1),
        torch.full((2, 3), 0.2),
        torch.tensor([[4.0, 3.0, 2.0]]),
        torch.full((2, 3), 0.1),
        torch.full((CROWD, 3), 0.15),
    ]
    extra_opac = [torch.full((2,), 0.8), torch.full((2,), 0.8), torch.tensor([0.6]), torch.zeros(2)]
    extra_opac.append(torch.full((CROWD,), CROWD_OPACITY))
    means = torch.cat([means, *extra_means])
    scales = torch.cat([scales, *extra_scales])
    opac = torch.cat([opac, *extra_opac])
    m = len(means)
    quats = torch.randn(m, 4, generator=g)
    sh = torch.randn(m, 4, 3, generator=g) * 0.3
    return means, quats, scales, opac, sh


def _render(params, fused: bool | None, bg):
    view, K = _camera()
    return R.rasterize(*params, 1, view, K, W, H, bg, fused=fused)


def _grads(scene, fused: bool, bg_values):
    params = [t.clone().requires_grad_() for t in scene]
    bg = torch.tensor(bg_values, requires_grad=True)
    out = _render(params, fused, bg)
    wi = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(11))
    wa = torch.rand(H, W, generator=torch.Generator().manual_seed(12))
    ((out.image * wi).sum() + (out.alpha * wa).sum()).backward()
    return out, [p.grad for p in params] + [bg.grad]


@pytest.mark.parametrize(("seed", "opacity"), [(0, (0.05, 0.95)), (1, (0.9, 1.0))])
def test_fused_forward_and_gradients_equal_the_pytorch_compositor(kernel, seed, opacity):
    scene = _scene(seed, opacity=opacity)
    view, K = _camera()
    m2, _, _, radii = R.project(*scene[:4], view, K, W, H)
    drawn = (radii > 0).all(-1)
    assert not bool(drawn[160:162].any()) and not bool(drawn[162:164].any()), "behind / off screen: culled"
    assert bool(drawn[164]) and int(radii[164].max()) > W, "the huge one is drawn and covers the image"
    assert not bool(drawn[165:167].any()), "opacity 0: culled"
    crowd = m2[167:]
    in_tile = ((crowd // 16) == torch.tensor([1.0, 1.0])).all(-1) & drawn[167:]
    assert int(in_tile.sum()) > 255, "one tile holds more than 255 Gaussians"

    bg = (0.2, 0.5, 0.9)
    ref, g_ref = _grads(scene, False, bg)
    out, g_fused = _grads(scene, True, bg)
    assert torch.allclose(out.image, ref.image, atol=1e-5)
    assert torch.allclose(out.alpha, ref.alpha, atol=1e-5)
    assert (
        float(ref.alpha.detach().max()) > 0.99 and float(ref.alpha.detach().min()) < 0.5
    )  # opaque and open pixels both
    names = ["means", "quats", "scales", "opacities", "sh", "background"]
    for name, a, b in zip(names, g_ref, g_fused):
        scale = float(a.abs().max())
        assert scale > 0, name
        assert torch.allclose(b, a, rtol=1e-3, atol=1e-4 * scale), (name, float((a - b).abs().max()), scale)


def test_fused_projection_equals_the_pytorch_projection(kernel):
    """Outputs and gradients of every Gaussian, culled ones included (behind the camera, off screen: the
    Jacobian's clamp to 1.3x the field of view is active there), under a random linear loss."""
    means, quats, scales, opac, _ = _scene(6)
    means = torch.cat([means, torch.tensor([[0.0, 0.0, -3.0], [2.0, 0.5, -2.0]])])  # at / near the camera
    quats = torch.cat([quats, torch.randn(2, 4, generator=torch.Generator().manual_seed(1))])
    scales = torch.cat([scales, torch.full((2, 3), 0.1)])
    opac = torch.cat([opac, torch.full((2,), 0.5)])
    view, K = _camera()
    results = []
    for fused in (False, True):
        params = [t.clone().requires_grad_() for t in (means, quats, scales)]
        if fused:
            out = kernel.FusedProject.apply(*params, opac, view, K, W, H, 0.3, 0.01)
        else:
            out = R.project(*params, opac, view, K, W, H)
        g = torch.Generator().manual_seed(2)
        m2, con, dep, _ = out
        loss = (m2 * torch.randn(m2.shape, generator=g)).sum() + (
            dep * torch.randn(dep.shape, generator=g)
        ).sum()
        loss = loss + (con * torch.randn(con.shape, generator=g)).sum() * 1e-2
        loss.backward()
        results.append(([t.detach() for t in out], [p.grad for p in params]))
    (ref, g_ref), (got, g_got) = results
    assert torch.equal(got[3], ref[3])  # radii: the same culling
    for a, b in zip(ref[:3], got[:3]):
        assert torch.allclose(b, a, rtol=1e-4, atol=1e-4)
    for a, b in zip(g_ref, g_got):
        assert torch.allclose(b, a, rtol=1e-3, atol=1e-5 * float(a.abs().max()))


def test_fused_and_pytorch_agree_in_a_pixel_with_hundreds_of_gaussians(kernel):
    """Only the crowd: in its centre more than 255 faint Gaussians are composited one after another."""
    means, quats, scales, opac, sh = (t[167:] for t in _scene(0))
    scene = (means, quats, scales, opac, sh)
    ref, g_ref = _grads(scene, False, (1.0, 1.0, 1.0))
    out, g_fused = _grads(scene, True, (1.0, 1.0, 1.0))
    # 1 - alpha = prod(1 - a_i) with every a_i <= CROWD_OPACITY: this alpha needs more than 255 of them
    assert float(ref.alpha.detach().max()) > 1.0 - (1.0 - CROWD_OPACITY) ** 255
    assert torch.allclose(out.image, ref.image, atol=1e-5)
    assert torch.allclose(out.alpha, ref.alpha, atol=1e-5)
    for a, b in zip(g_ref, g_fused):  # (isotropic scales: the quaternions' gradients are rounding noise)
        assert torch.allclose(b, a, rtol=1e-3, atol=max(1e-4 * float(a.abs().max()), 1e-6))


def test_forward_only_renders_and_a_reused_order(kernel):
    scene = _scene(2)
    bg = torch.tensor([0.1, 0.2, 0.3])
    with torch.no_grad():
        ref = _render(scene, False, bg)
        out = _render(scene, True, bg)
        assert torch.allclose(out.image, ref.image, atol=1e-5)
        assert torch.allclose(out.alpha, ref.alpha, atol=1e-5)
        # a reused depth order (the spin's path): the view's own order gives the same image
        view, K = _camera()
        order = R.depth_order(scene[0], view)
        again = R.rasterize(*scene, 1, view, K, W, H, bg, order=order, fused=True)
        assert torch.allclose(again.image, out.image, atol=1e-6)
        # nothing on screen: the background
        away = scene[0] + torch.tensor([0.0, 0.0, -10.0])
        empty = R.rasterize(away, *scene[1:], 1, view, K, W, H, bg, fused=True)
        assert torch.equal(empty.image, bg.expand(H, W, 3)) and float(empty.alpha.max()) == 0.0


def test_gaussians_drawn_but_between_pixel_centres_are_binned_nowhere(kernel):
    """A box that overlaps the image but holds no pixel centre (x in (-1, 0)) is skipped by the binning; its
    row range was once left uninitialised, and the second pass looped over garbage (a training run hung)."""
    import numpy as np

    junk = np.full(1 << 20, 1 << 40, np.int64)  # leave big integers in memory the allocator may hand back
    del junk
    n = 5000
    means2d = np.zeros((n, 2), np.float32)
    means2d[:, 0] = -0.9  # x1 = floor(-0.9 + 1 - 0.5) = -1: no pixel column
    means2d[:, 1] = 10.0
    radii = np.ones((n, 2), np.int32)
    means2d[0] = (5.0, 5.0)  # one ordinary Gaussian
    starts, entries = kernel._bin_tiles(means2d, radii, 40, 30, kernel.TILE_SIZE)
    assert entries.tolist() == [0] and int(starts[-1]) == 1


def test_results_do_not_depend_on_the_thread_count(kernel):
    scene = _scene(3)
    results = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        results.append(_grads(scene, True, (1.0, 1.0, 1.0)))
    torch.set_num_threads(1)
    (a, ga), (b, gb) = results
    assert torch.equal(a.image, b.image) and torch.equal(a.alpha, b.alpha)
    for x, y in zip(ga, gb):
        assert torch.equal(x, y)


def test_float64_inputs_take_the_pytorch_compositor(kernel):
    scene = [t.double() for t in _scene(4)]
    view, K = _camera()
    out = R.rasterize(*scene, 1, view.double(), K.double(), W, H, torch.ones(3, dtype=torch.float64))
    assert out.image.dtype == torch.float64  # the float32 kernel would have returned float32 values


def test_a_tiny_training_run_with_the_kernel_lowers_the_loss(kernel):
    from tests.splat.test_splat_core_train import synthetic_scene

    scene = synthetic_scene(n_views=6, size=32)
    losses: list[float] = []
    messages: list[str] = []

    def record(info):
        losses.append(info.loss)

    hook = step_hook(lambda f, m: messages.append(m), progress_every=10)
    config = TrainConfig(steps=60, holdout_every=3, init_points=200, sh_degree=0, progress_every=10)
    result = train(scene, config, on_step=lambda info: (record(info), hook(info))[1])
    assert R.fused_problem() is None
    assert not any("PyTorch rasterizer" in m for m in messages)
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.7 * first, (first, last)
    assert result.psnr is not None and result.psnr > 14.0


def test_a_forward_only_first_render_loads_the_kernel(kernel, monkeypatch):
    """The first CPU render of a process may be a spin frame, under no_grad: the kernel's probe (which runs a
    backward) must still pass there."""
    monkeypatch.setattr(R, "_fused_state", {})
    with torch.no_grad():
        _render(_scene(7), None, torch.ones(3))
    assert R.fused_problem() is None and R.fused_kernel() is not None


def test_without_numba_the_pytorch_compositor_runs_and_says_why(monkeypatch, caplog):
    """numba missing: the import of the kernel fails, the PyTorch path renders the same image, the reason is
    logged once and shown on the first progress line of a training run; fused=True is a DependencyError."""
    scene = _scene(5)
    bg = torch.ones(3)
    with torch.no_grad():
        expected = _render(scene, False, bg).image
    monkeypatch.setattr(R, "_fused_state", {})
    monkeypatch.setitem(sys.modules, "numba", None)  # "import numba" raises ImportError
    monkeypatch.delitem(sys.modules, "studio.splat.raster_cpu", raising=False)
    with caplog.at_level(logging.WARNING, logger="studio.splat.rasterize"), torch.no_grad():
        image = R.rasterize(*scene, 1, *_camera(), W, H, bg).image
        R.rasterize(*scene, 1, *_camera(), W, H, bg)
    assert torch.equal(image, expected)
    warnings = [r for r in caplog.records if "fused CPU rasterizer" in r.getMessage()]
    assert len(warnings) == 1 and "numba" in warnings[0].getMessage()
    assert "numba" in (R.fused_problem() or "")
    with pytest.raises(DependencyError, match="numba"):
        _render(scene, True, bg)

    from tests.splat.test_splat_core_train import synthetic_scene

    messages: list[str] = []
    hook = step_hook(lambda f, m: messages.append(m), progress_every=2)
    train(
        synthetic_scene(n_views=4, size=24),
        TrainConfig(steps=4, holdout_every=0, init_points=50),
        on_step=hook,
    )
    noted = [m for m in messages if "PyTorch rasterizer" in m]
    assert len(noted) == 1 and noted[0] == messages[0] and "numba" in noted[0]
