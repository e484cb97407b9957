"""Benchmark: spin frame rendering (forward-only, 540 px), today's per-frame loop against batched frames.

    .venv/bin/python bench/splat_spin_speed.py [--baseline 5385f08] [--gaussians 30000] [--frames 16]

The baseline renders each frame on its own with the rasterizer as of ``--baseline`` (``git show``, imported as
its own module; the spin's loop of that commit: ``render_view`` per frame, one after the other). The new arm is
``spin.render_frames``: batches of frames sharing one depth order, rendered by two threads, with the
rasterizer's depth-sorted, tile-culled compositing. Both render the same consecutive frames of a 4 s, 30 fps
orbit (3 degrees apart) of a synthetic product model (bench/splat_step_cost.py's), alternating batch by batch
so that a busy machine slows both alike; the ratio is the figure (encoding is not timed: it is the same
ffmpeg call in both). Also printed: the PSNR of the new frames against the baseline's (must exceed 40 dB) and
the whole 120-frame spin time projected from the new per-frame time, and the new arm with one worker thread
(what culling and the shared order give alone: on a machine busy with other jobs a second thread also wins a
bigger share of the CPU, so the two-thread ratio flatters there).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="5385f08", help="git revision of the baseline rasterizer")
    parser.add_argument("--gaussians", type=int, default=30_000)
    parser.add_argument("--size", type=int, default=540, help="frame size (square), pixels")
    parser.add_argument("--frames", type=int, default=16, help="frames timed per arm (of the 120-frame spin)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from splat_step_cost import load_baseline, product_model

    from studio.splat.gaussians import Gaussians
    from studio.splat.metrics import psnr
    from studio.splat.spin import FRAME_BATCH, orbit_cameras, render_frames

    baseline = load_baseline(args.baseline)
    means, quats, scales, opacities, sh = product_model(args.gaussians)
    g = Gaussians(
        means=means,
        quats=quats,
        log_scales=torch.log(scales),
        opacity_logits=torch.logit(opacities),
        sh=sh,
        sh_degree=1,
    )
    px = args.size
    cameras = orbit_cameras(
        np.zeros(3),
        np.array([0.0, 0.0, 1.0]),
        np.array([0.0, -1.0, 0.0]),
        2.6,
        n_frames=120,
        width=px,
        height=px,
        elevation_deg=20.0,
    )[: args.frames]
    bg = (1.0, 1.0, 1.0)
    old_s = new_s = one_s = 0.0
    cpu = {"baseline": 0.0, "new": 0.0, "one": 0.0}
    worst = float("inf")
    for start in range(0, len(cameras), FRAME_BATCH):
        views = cameras[start : start + FRAME_BATCH]
        began, c0 = time.perf_counter(), time.process_time()
        old = [baseline.render_view(g, K, w2c, px, px, bg) for K, w2c in views]
        old_s += time.perf_counter() - began
        cpu["baseline"] += time.process_time() - c0
        began, c0 = time.perf_counter(), time.process_time()
        new = list(render_frames(g, views, px, px, bg))
        new_s += time.perf_counter() - began
        cpu["new"] += time.process_time() - c0
        began, c0 = time.perf_counter(), time.process_time()
        list(render_frames(g, views, px, px, bg, workers=1))
        one_s += time.perf_counter() - began
        cpu["one"] += time.process_time() - c0
        for a, b in zip(old, new):
            worst = min(worst, psnr(torch.from_numpy(b) / 255.0, torch.from_numpy(a) / 255.0))
    n = len(cameras)
    print(f"{args.gaussians} Gaussians, {px}x{px} px, {n} frames, {args.threads} threads")
    print(f"baseline {old_s / n:.3f} s/frame, new {new_s / n:.3f} s/frame: speed-up x{old_s / new_s:.2f}")
    print(f"  of which without the second thread (workers=1): x{old_s / one_s:.2f}")
    print(
        f"CPU seconds per frame: baseline {cpu['baseline'] / n:.3f}, new {cpu['new'] / n:.3f}"
        f" (x{cpu['baseline'] / cpu['new']:.2f}), new with one worker {cpu['one'] / n:.3f}"
    )
    print(f"new frames vs baseline: PSNR >= {worst:.1f} dB")
    print(f"a 4 s 30 fps spin (120 frames) at the new rate: {120 * new_s / n:.0f} s of rendering")
    return 0 if worst > 40.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
