"""Benchmark: cost of one CPU training step (rasterize forward + backward) and of a forward-only render (a spin
frame) of our rasterizer against a baseline.

    .venv/bin/python bench/splat_step_cost.py [--baseline 1ee7069] [--sizes 10000,30000] [--px 100,480]

Arms, run alternately in this one process on the same inputs (so a changing load hits them alike):

- ``baseline``: the rasterizer as it was at ``--baseline`` (a git revision; default: main before the fused
  kernel, i.e. the PyTorch pair compositor), read with ``git show REV:studio/splat/rasterize.py`` and imported
  as its own module;
- ``torch``: the working tree's PyTorch compositor (``fused=False``), which should cost what the baseline does;
- ``fused``: the working tree's default CPU path, the compiled kernel of ``studio/splat/raster_cpu.py``
  (``fused=True``; compiled, or loaded from numba's cache, before timing).

Each arm's fastest step is reported (on a shared machine the least disturbed one), as wall and as process CPU
seconds (both threads; the steadier figure): only the ratios are meaningful. The model is synthetic and
product-like (no data needed): Gaussians on the surfaces of a box and a sphere, flattened along the surface,
mostly opaque, footprints of a few pixels, as a trained object model has; views all round it at 20 degrees
elevation. Each timed step renders one view (SH degree 1), takes an L1-like loss of image and alpha, and runs
the backward pass; the first step of each arm is a warm-up. The forward-only render is the same view under
``torch.no_grad()`` (the spin's path).

Also printed: the largest and the mean absolute image difference and the relative gradient difference of
each arm against the baseline. The fused projection computes in float64 what the PyTorch one computes in
float32, so a few pairs right at the 1/255 alpha cut-off fall on the other side of it: single pixels differ by
up to ~1/255, the mean by ~1e-6. The bench exits 1 beyond that (max > 1e-2, mean > 1e-5 or relative gradient
difference > 1e-2).
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
BASELINE = "1ee7069"  # main before the fused kernel: the PyTorch pair compositor


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


def step(rasterize, model, view, K, px: int):
    """One training step's rasterizer work; returns ((wall s, CPU s), image, alpha, gradients)."""
    import torch

    means, quats, scales, opacities, sh = (t.clone().requires_grad_(True) for t in model)
    began, cpu = time.perf_counter(), time.process_time()
    out = rasterize(means, quats, scales, opacities, sh, 1, view, K, px, px, torch.ones(3))
    loss = (out.image - 0.5).abs().mean() + out.alpha.mean()
    loss.backward()
    seconds = (time.perf_counter() - began, time.process_time() - cpu)
    grads = [t.grad for t in (means, quats, scales, opacities, sh)]
    return seconds, out.image.detach(), out.alpha.detach(), grads


def frame(rasterize, model, view, K, px: int):
    """One forward-only render (a spin frame's rasterizer work); returns ((wall s, CPU s), image)."""
    import torch

    began, cpu = time.perf_counter(), time.process_time()
    with torch.no_grad():
        out = rasterize(*model, 1, view, K, px, px, torch.ones(3))
    return (time.perf_counter() - began, time.process_time() - cpu), out.image


def _best(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return min(s[0] for s in samples), min(s[1] for s in samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline rasterizer")
    parser.add_argument("--sizes", default="10000,30000", help="Gaussian counts, comma-separated")
    parser.add_argument("--px", default="100,480", help="image sizes (square), comma-separated")
    parser.add_argument("--views", type=int, default=6, help="timed steps per arm (one view each)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-torch-arm", action="store_true", help="skip the working tree's PyTorch arm")
    args = parser.parse_args(argv)

    import functools

    import torch

    torch.set_num_threads(args.threads)
    from studio.splat import rasterize as current

    began = time.perf_counter()
    if current.fused_kernel() is None:
        print(f"the fused kernel cannot run here: {current.fused_problem()}", file=sys.stderr)
        return 1
    print(f"fused kernel ready in {time.perf_counter() - began:.1f} s (compile or numba cache)")
    baseline = load_baseline(args.baseline)
    arms = {"baseline": baseline.rasterize}
    if not args.no_torch_arm:
        arms["torch"] = functools.partial(current.rasterize, fused=False)
    arms["fused"] = functools.partial(current.rasterize, fused=True)
    print(f"baseline {args.baseline} vs working tree; {args.threads} threads, torch {torch.__version__}")
    print("| Gaussians | size | render | " + " | ".join(f"{a} CPU ms (wall ms)" for a in arms) + " | fused ratio"
          " CPU (wall) | image diff max / mean | rel. grad diff |")  # fmt: skip
    print("|---" * (5 + len(arms)) + "|")
    ok = True
    for n in (int(x) for x in args.sizes.split(",")):
        model = product_model(n)
        for px in (int(x) for x in args.px.split(",")):
            views = cameras(px, args.views + 1)
            steps: dict[str, list[tuple[float, float]]] = {a: [] for a in arms}
            frames: dict[str, list[tuple[float, float]]] = {a: [] for a in arms}
            worst_img, worst_grad, worst_frame, worst_mean = 0.0, 0.0, 0.0, 0.0
            for i, (view, K) in enumerate(views):
                ref = None
                for name, fn in arms.items():
                    t_step, img, alpha, grads = step(fn, model, view, K, px)
                    t_frame, img_f = frame(fn, model, view, K, px)
                    if ref is None:
                        ref = (img, alpha, grads, img_f)
                    else:
                        worst_img = max(
                            worst_img, float((ref[0] - img).abs().max()), float((ref[1] - alpha).abs().max())
                        )
                        worst_frame = max(worst_frame, float((ref[3] - img_f).abs().max()))
                        worst_mean = max(
                            worst_mean,
                            float((ref[0] - img).abs().mean()),
                            float((ref[3] - img_f).abs().mean()),
                        )
                        for a, b in zip(ref[2], grads):
                            worst_grad = max(worst_grad, float((a - b).norm() / a.norm().clamp_min(1e-30)))
                    if i > 0:  # the first view is a warm-up
                        steps[name].append(t_step)
                        frames[name].append(t_frame)
            for render, table in (("step (fwd+bwd)", steps), ("forward only", frames)):
                best = {a: _best(table[a]) for a in arms}
                cells = " | ".join(f"{best[a][1] * 1000:.1f} ({best[a][0] * 1000:.1f})" for a in arms)
                base, fused = best["baseline"], best["fused"]
                diff = worst_img if render.startswith("step") else worst_frame
                diff_text = f"{diff:.1e} / {worst_mean:.1e}"
                grad = f"{worst_grad:.1e}" if render.startswith("step") else "-"
                print(
                    f"| {n:,} | {px} px | {render} | {cells} | x{base[1] / fused[1]:.2f} (x{base[0] / fused[0]:.2f})"
                    f" | {diff_text} | {grad} |",
                    flush=True,
                )
            ok &= max(worst_img, worst_frame) < 1e-2 and worst_mean < 1e-5 and worst_grad < 1e-2
    if not ok:
        print("an arm disagrees with the baseline beyond float rounding", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
