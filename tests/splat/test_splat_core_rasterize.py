"""The CPU rasterizer against a brute-force per-pixel reference, finite differences, gsplat's torch reference
functions (CPU) and, where a GPU exists, gsplat's CUDA rasterizer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from studio.errors import DependencyError, InputError
from studio.splat import rasterize as R
from studio.splat.gaussians import Gaussians

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/splat/conftest.py


def _scene(n: int = 24, seed: int = 0, dtype=torch.float64, opacity=(0.05, 0.95)):
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(n, 3, generator=g, dtype=dtype) * 0.4
    quats = torch.randn(n, 4, generator=g, dtype=dtype)
    scales = torch.rand(n, 3, generator=g, dtype=dtype) * 0.15 + 0.02
    lo, hi = opacity
    opac = torch.rand(n, generator=g, dtype=dtype) * (hi - lo) + lo
    sh = torch.randn(n, 16, 3, generator=g, dtype=dtype) * 0.3
    view = torch.eye(4, dtype=dtype)
    view[:3, :3] = torch.tensor(
        [[1.0, 0, 0], [0, math.cos(0.3), -math.sin(0.3)], [0, math.sin(0.3), math.cos(0.3)]]
    )
    view[2, 3] = 3.0
    K = torch.tensor([[40.0, 0, 16.5], [0, 38.0, 11.0], [0, 0, 1]], dtype=dtype)
    return means, quats, scales, opac, sh, view, K


def _brute_force(means2d, conics, opac, colors, radii, depths, bg, W, H):
    """Per pixel, per Gaussian in depth order, exactly the rules of the 3DGS / gsplat forward pass."""
    image = torch.zeros(H, W, 3, dtype=torch.float64)
    alpha_img = torch.zeros(H, W, dtype=torch.float64)
    stops = 0
    order = torch.argsort(depths).tolist()
    for i in range(H):
        for j in range(W):
            T = 1.0
            c = torch.zeros(3, dtype=torch.float64)
            for g in order:
                if not bool((radii[g] > 0).all()):
                    continue
                dx = j + 0.5 - float(means2d[g, 0])
                dy = i + 0.5 - float(means2d[g, 1])
                sigma = 0.5 * (float(conics[g, 0]) * dx * dx + float(conics[g, 2]) * dy * dy)
                sigma += float(conics[g, 1]) * dx * dy
                a = min(0.999, float(opac[g]) * math.exp(-sigma))
                if sigma < 0 or a < 1 / 255:
                    continue
                if T * (1 - a) <= 1e-4:
                    stops += 1
                    break
                c += a * T * colors[g]
                T *= 1 - a
            image[i, j] = c + T * bg
            alpha_img[i, j] = 1 - T
    return image, alpha_img, stops


@pytest.mark.parametrize(("n", "opacity"), [(24, (0.05, 0.95)), (80, (0.97, 1.0))])
def test_forward_matches_brute_force_reference(n, opacity):
    means, quats, scales, opac, sh, view, K = _scene(n=n, opacity=opacity)
    W, H = 33, 22
    bg = torch.tensor([0.2, 0.5, 0.9], dtype=torch.float64)
    m2, con, dep, rad = R.project(means, quats, scales, opac, view, K, W, H)
    assert int((rad > 0).all(-1).sum()) >= 10, "the test scene must put Gaussians on screen"
    cols = R.sh_to_rgb(sh, 3, means - (-view[:3, :3].T @ view[:3, 3]))
    ref_img, ref_alpha, stops = _brute_force(m2, con, opac, cols, rad, dep, bg, W, H)
    img, alpha = R.composite(m2, con, opac, cols, rad, dep, bg, W, H)
    assert torch.allclose(img, ref_img, atol=1e-10)
    assert torch.allclose(alpha, ref_alpha, atol=1e-10)
    # The forward-only chunked path (tiny chunks, so the transmittance is carried many times) agrees too.
    img_c, alpha_c = R.composite_chunked(m2, con, opac, cols, rad, dep, bg, W, H, pair_budget=40)
    assert torch.allclose(img_c, ref_img, atol=1e-10)
    assert torch.allclose(alpha_c, ref_alpha, atol=1e-10)
    # So does the differentiable path cut into front-to-back chunks (depth-sorted, tile-culled).
    img_k, alpha_k = R.composite(m2, con, opac, cols, rad, dep, bg, W, H, first_chunk=30)
    assert torch.allclose(img_k, ref_img, atol=1e-10)
    assert torch.allclose(alpha_k, ref_alpha, atol=1e-10)
    if opacity[0] >= 0.9:  # dense opaque scene: the transmittance cut-off must have been exercised
        assert stops >= 10


@pytest.mark.parametrize("opacity", [(0.05, 0.6), (0.9, 1.0)])
def test_composite_gradients_match_finite_differences(opacity):
    means, quats, scales, opac, sh, view, K = _scene(n=10, seed=3, opacity=opacity)
    W, H = 20, 14
    m2, con, dep, rad = R.project(means, quats, scales, opac, view, K, W, H)
    cols = R.sh_to_rgb(sh, 3, means - (-view[:3, :3].T @ view[:3, 3]))
    inputs = tuple(t.detach().clone().requires_grad_() for t in (m2, con, opac, cols))
    bg = torch.tensor([0.3, 0.6, 0.1], dtype=torch.float64, requires_grad=True)

    wi = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    wa = torch.rand(H, W, generator=torch.Generator().manual_seed(5), dtype=torch.float64)

    def f(a, b, c, d, e, first_chunk=None):  # a random linear functional of image and alpha
        img, alpha = R.composite(a, b, c, d, rad, dep.detach(), e, W, H, first_chunk=first_chunk)
        return (img * wi).sum() + (alpha * wa).sum()

    assert torch.autograd.gradcheck(f, (*inputs, bg), eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=True)
    # chunked front to back (the transmittance carried between chunks): the same gradients
    whole = torch.autograd.grad(f(*inputs, bg), (*inputs, bg))
    chunked = torch.autograd.grad(f(*inputs, bg, first_chunk=20), (*inputs, bg))
    for a, b in zip(whole, chunked):
        assert torch.allclose(a, b, atol=1e-10)


def test_full_rasterize_gradients_match_finite_differences():
    """Projection + SH + compositing: our analytic backward chained with autograd, against finite differences."""
    means, quats, scales, opac, sh, view, K = _scene(n=6, seed=5)
    bg = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    params = [t.clone().requires_grad_() for t in (means, quats, torch.log(scales), torch.logit(opac), sh)]

    weights = torch.rand(12, 18, 3, generator=torch.Generator().manual_seed(6), dtype=torch.float64)

    def f(m, q, ls, ol, s):
        out = R.rasterize(m, q, ls.exp(), torch.sigmoid(ol), s, 3, view, K, 18, 12, bg)
        return (out.image * weights).sum()

    assert torch.autograd.gradcheck(f, tuple(params), eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=True)


def test_gradients_of_float32_training_path_agree_with_float64():
    means, quats, scales, opac, sh, view, K = _scene(n=40, seed=7)
    target = torch.rand(24, 32, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    grads = {}
    for dtype in (torch.float64, torch.float32):
        ps = [t.to(dtype).clone().requires_grad_() for t in (means, scales, opac, sh)]
        out = R.rasterize(
            ps[0],
            quats.to(dtype),
            ps[1],
            ps[2],
            ps[3],
            3,
            view.to(dtype),
            K.to(dtype),
            32,
            24,
            torch.ones(3, dtype=dtype),
        )
        ((out.image - target.to(dtype)) ** 2).mean().backward()
        grads[dtype] = [p.grad.double() for p in ps]
    for g64, g32 in zip(grads[torch.float64], grads[torch.float32]):
        assert torch.allclose(g32, g64, rtol=2e-3, atol=1e-6 * float(g64.abs().max()))


def test_projection_and_sh_match_gsplat_torch_reference():
    torch_impl = pytest.importorskip("gsplat.cuda._torch_impl")
    means, quats, scales, opac, sh, view, K = _scene(n=50, seed=2)
    W, H = 40, 30
    covars, _ = torch_impl._quat_scale_to_covar_preci(quats, scales, compute_preci=False)
    _, m2_ref, depth_ref, con_ref, _ = torch_impl._fully_fused_projection(
        means, covars, view[None], K[None], W, H
    )
    m2, con, dep, _rad = R.project(means, quats, scales, opac, view, K, W, H)
    assert torch.allclose(m2, m2_ref[0], atol=1e-9)
    assert torch.allclose(con, con_ref[0], atol=1e-9)
    assert torch.allclose(dep, depth_ref[0], atol=1e-12)
    dirs = torch.randn(50, 3, dtype=torch.float64)
    for degree in range(4):
        ref = torch_impl._spherical_harmonics(degree, dirs, sh)
        ours = (
            R.sh_basis(degree, torch.nn.functional.normalize(dirs, dim=-1))[..., None]
            * sh[:, : (degree + 1) ** 2]
        ).sum(-2)
        assert torch.allclose(ours, ref, atol=1e-12)


def test_culling_and_empty_views():
    means, quats, scales, opac, sh, view, K = _scene(n=5)
    behind = means.clone()
    behind[:, 2] = -5.0  # all behind the camera (camera at z = -3 looking along +z)
    bg = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    out = R.rasterize(behind, quats, scales, opac, sh, 3, view, K, 16, 12, bg)
    assert int(out.radii.count_nonzero()) == 0
    assert torch.allclose(out.image, bg.expand(12, 16, 3))
    assert float(out.alpha.abs().max()) == 0.0
    # Transparent Gaussians (opacity < 1/255) are culled too; gradients of an empty render are zero.
    p = means.clone().requires_grad_()
    out = R.rasterize(p, quats, scales, torch.full_like(opac, 1e-3), sh, 3, view, K, 16, 12, bg)
    out.image.sum().backward()
    assert int(out.radii.count_nonzero()) == 0 and float(p.grad.abs().max()) == 0.0


def test_depth_sorted_culling_skips_gaussians_behind_finished_tiles():
    """A Gaussian whose bounding box lies only on tiles whose pixels are all finished makes no pairs; one that
    touches an unfinished tile is kept, and nothing is culled before any pixel is finished."""
    W, H = 3 * R.TILE, 2 * R.TILE
    cover = R._Coverage(W, H)
    means2d = torch.tensor([[4.0, 4.0], [4.0 + R.TILE, 4.0], [R.TILE - 1.0, 4.0], [20.0, 12.0]])
    radii = torch.tensor([[2, 2], [2, 2], [2, 2], [2, 2]], dtype=torch.int32)
    ids = torch.arange(4)
    assert cover.visible(means2d, radii, ids).tolist() == [0, 1, 2, 3]
    rows, cols = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    first_tile = ((rows < R.TILE) & (cols < R.TILE)).flatten()
    cover.finish(torch.nonzero(first_tile).squeeze(1))
    # 0 lies inside the finished tile; 2 straddles it and the next one; 1 and 3 lie on unfinished tiles
    assert cover.visible(means2d, radii, ids).tolist() == [1, 2, 3]


def test_render_view_and_errors():
    g = Gaussians(
        means=torch.zeros(1, 3),
        quats=torch.tensor([[1.0, 0, 0, 0]]),
        log_scales=torch.full((1, 3), math.log(0.3)),
        opacity_logits=torch.tensor([5.0]),
        sh=torch.tensor([[[1.5, -1.7, -1.7]]]),  # DC: reddish
        sh_degree=0,
    )
    K = np.array([[30.0, 0, 16], [0, 30.0, 12], [0, 0, 1]])
    w2c = np.eye(4)
    w2c[2, 3] = 3.0
    img = R.render_view(g, K, w2c, 32, 24, (0.0, 0.0, 1.0))
    assert img.shape == (24, 32, 3) and img.dtype == np.uint8
    assert img[12, 16, 0] > 200 and img[12, 16, 2] < 60  # the Gaussian's centre is red
    assert tuple(img[0, 0]) == (0, 0, 255)  # the corner shows the blue background
    with pytest.raises(InputError):
        R.render_view(g, K, w2c, 0, 24)
    with pytest.raises(InputError):
        R.rasterize(
            g.means,
            g.quats,
            g.scales,
            g.opacities,
            g.sh,
            0,
            torch.eye(4),
            torch.eye(3),
            4,
            4,
            torch.ones(3),
            backend="vulkan",
        )  # type: ignore[arg-type]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error path")
def test_gsplat_backend_without_cuda_is_a_dependency_error():
    means, quats, scales, opac, sh, view, K = _scene(n=3, dtype=torch.float32)
    with pytest.raises(DependencyError):
        R.rasterize(means, quats, scales, opac, sh, 3, view, K, 8, 8, torch.ones(3), backend="gsplat")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA for gsplat's rasterizer")
def test_torch_and_gsplat_rasterizers_agree_on_images_and_gradients():
    pytest.importorskip("gsplat")
    means, quats, scales, opac, sh, view, K = _scene(n=300, seed=11, dtype=torch.float32)
    W, H = 64, 48
    target = torch.rand(H, W, 3, generator=torch.Generator().manual_seed(2))
    results = {}
    for backend, device in (("torch", "cpu"), ("gsplat", "cuda")):
        ps = [t.to(device).clone().requires_grad_() for t in (means, quats, scales, opac, sh)]
        out = R.rasterize(
            *ps, 3, view.to(device), K.to(device), W, H, torch.ones(3, device=device), backend=backend
        )
        loss = ((out.image - target.to(device)) ** 2).mean()
        loss.backward()
        results[backend] = (out.image.detach().cpu(), [p.grad.detach().cpu() for p in ps])
    img_t, grads_t = results["torch"]
    img_g, grads_g = results["gsplat"]
    assert float((img_t - img_g).abs().max()) < 2e-3
    for name, gt, gg in zip(("means", "quats", "scales", "opacities", "sh"), grads_t, grads_g):
        scale = float(gg.abs().max()) + 1e-12
        assert float((gt - gg).abs().max()) / scale < 2e-2, name
