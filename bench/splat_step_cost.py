"""Benchmark: cost of one CPU training step (rasterize forward + backward) of our rasterizer against a baseline.

    .venv/bin/python bench/splat_step_cost.py [--baseline 5385f08] [--sizes 10000,30000] [--px 100,200]

The baseline is the rasterizer as it was at ``--baseline`` (a git revision; default: the commit before tiles and
depth-sorted culling), read with ``git show REV:studio/splat/rasterize.py`` and imported as its own module, so
both run in this one process, alternately, on the same inputs, and each arm's fastest step is reported (on
a shared machine the least disturbed one; only the ratio is meaningful). The model is synthetic and product-like (no data needed): Gaussians on the surfaces of a box and a
sphere, flattened along the surface, mostly opaque, footprints of a few pixels, as a trained object model has;
views all round it at 20 degrees elevation. Each timed step renders one view (SH degree 1), takes an L1-like
loss of image and alpha, and runs the backward pass; the first step of each arm is a warm-up.

Also printed: the cost of a coarse-to-fine step (``TrainConfig.coarse_fraction``: half the size, K / 2) with the
new rasterizer, against the baseline's full-size step; and the largest image difference and the relative gradient difference between the two, which must be
float rounding (the bench exits 1 otherwise).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BASELINE = "5385f08"  # main before the tiled, depth-culled compositing


def load_baseline(rev: str):
    """The rasterizer module as of git revision ``rev``, imported under its own name."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:studio/splat/rasterize.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="raster_baseline_")) / "rasterize_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("rasterize_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def product_model(n: int, seed: int = 0):
    """``n`` Gaussians on a sphere (radius 0.45) sitting on a box (1.2 x 0.8 x 0.5): means, quats, scales,
    opacities, SH (degree 1)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    k = n // 2
    d = torch.randn(k, 3, generator=g)
    sphere = d / d.norm(dim=1, keepdim=True) * 0.45 + torch.tensor([0.0, 0.0, 0.2])
    face = torch.randint(0, 6, (n - k,), generator=g)
    uv = torch.rand(n - k, 2, generator=g) * 2 - 1
    box = torch.zeros(n - k, 3)
    axis, sign = face // 2, (face % 2) * 2 - 1.0
    for a in range(3):
        sel = axis == a
        u, v = (b for b in range(3) if b != a)
        box[sel, a] = sign[sel]
        box[sel, u] = uv[sel, 0]
        box[sel, v] = uv[sel, 1]
    box = box * torch.tensor([0.6, 0.4, 0.25]) + torch.tensor([0.0, 0.0, -0.3])
    means = torch.cat([sphere, box])
    area = 4 * math.pi * 0.45**2 + 2 * (1.2 * 0.8 + 1.2 * 0.5 + 0.8 * 0.5)
    scales = torch.exp(torch.randn(n, 3, generator=g) * 0.3) * math.sqrt(area / n) * 0.6
    scales[:, 2] *= 0.2
    quats = torch.randn(n, 4, generator=g)
    opacities = torch.sigmoid(torch.randn(n, generator=g) * 1.5 + 2.0)
    sh = torch.randn(n, 4, 3, generator=g) * 0.2
    return means, quats, scales, opacities, sh


def cameras(px: int, count: int):
    import numpy as np
    import torch

    from studio.splat.spin import intrinsics, look_at

    K = torch.tensor(intrinsics(px, px, 40), dtype=torch.float32)
    out = []
    for i in range(count):
        a, e = 2 * math.pi * i / count, math.radians(20)
        pos = 2.6 * np.array([math.cos(e) * math.sin(a), -math.cos(e) * math.cos(a), math.sin(e)])
        view = torch.tensor(look_at(pos, np.zeros(3), np.array([0.0, 0.0, 1.0])), dtype=torch.float32)
        out.append((view, K))
    return out


def step(module, model, view, K, px: int):
    """One training step's rasterizer work; returns ((wall s, CPU s), image, alpha, gradients)."""
    import torch

    means, quats, scales, opacities, sh = (t.clone().requires_grad_(True) for t in model)
    began, cpu = time.perf_counter(), time.process_time()
    out = module.rasterize(means, quats, scales, opacities, sh, 1, view, K, px, px, torch.ones(3))
    loss = (out.image - 0.5).abs().mean() + out.alpha.mean()
    loss.backward()
    seconds = (time.perf_counter() - began, time.process_time() - cpu)
    grads = [t.grad for t in (means, quats, scales, opacities, sh)]
    return seconds, out.image.detach(), out.alpha.detach(), grads


def _halved(view, K):
    """The camera of a half-resolution step (as train's coarse phase: K / 2)."""
    K2 = K.clone()
    K2[:2] = K2[:2] / 2.0
    return view, K2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline rasterizer")
    parser.add_argument("--sizes", default="10000,30000", help="Gaussian counts, comma-separated")
    parser.add_argument("--px", default="100,200", help="image sizes (square), comma-separated")
    parser.add_argument("--views", type=int, default=6, help="timed steps per arm (one view each)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from studio.splat import rasterize as current

    baseline = load_baseline(args.baseline)
    print(f"baseline {args.baseline} vs working tree; {args.threads} threads, torch {torch.__version__}")
    ok = True
    for n in (int(x) for x in args.sizes.split(",")):
        model = product_model(n)
        for px in (int(x) for x in args.px.split(",")):
            views = cameras(px, args.views + 1)
            times: dict[str, list[tuple[float, float]]] = {"baseline": [], "new": []}
            worst_img, worst_grad = 0.0, 0.0
            for i, (view, K) in enumerate(views):
                t_old, img_old, a_old, g_old = step(baseline, model, view, K, px)
                t_new, img_new, a_new, g_new = step(current, model, view, K, px)
                if i == 0:
                    continue  # warm-up
                times["baseline"].append(t_old)
                times["new"].append(t_new)
                worst_img = max(
                    worst_img, float((img_old - img_new).abs().max()), float((a_old - a_new).abs().max())
                )
                for a, b in zip(g_old, g_new):
                    worst_grad = max(worst_grad, float((a - b).norm() / a.norm().clamp_min(1e-30)))
            # the least disturbed step of each (wall), and CPU seconds (both threads), the steadier measure
            old, new = (min(s[0] for s in times[k]) for k in ("baseline", "new"))
            old_cpu, new_cpu = (min(s[1] for s in times[k]) for k in ("baseline", "new"))
            half = [step(current, model, *_halved(view, K), px // 2)[0] for view, K in views[1:]]
            half_cpu = min(s[1] for s in half)
            print(
                f"{n:>6} Gaussians {px:>4} px: wall baseline {old * 1000:7.1f} ms, new {new * 1000:7.1f} ms"
                f" (x{old / new:.2f}); CPU baseline {old_cpu * 1000:7.1f} ms, new {new_cpu * 1000:7.1f} ms"
                f" (x{old_cpu / new_cpu:.2f}); coarse-to-fine step at {px // 2} px: CPU {half_cpu * 1000:.1f} ms"
                f" (x{old_cpu / half_cpu:.2f}) | max image diff {worst_img:.1e}, rel. grad diff {worst_grad:.1e}"
            )
            ok &= worst_img < 1e-4 and worst_grad < 1e-3
    if not ok:
        print("the new rasterizer disagrees with the baseline beyond float rounding", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
