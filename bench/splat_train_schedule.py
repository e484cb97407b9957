"""Benchmark: does coarse-to-fine (``TrainConfig.coarse_fraction``) or the plateau stop (``plateau_epochs``) pay
on the CPU? Held-out PSNR of NeRF lego at 100 px, arms alternating in one process.

    .venv/bin/python bench/splat_train_schedule.py [--data ../shared/data/nerf_lego] [--seconds 60]
        [--steps 2000] [--wall-arms today,coarse0.3,coarse0.5] [--step-arms today,coarse0.3,coarse0.3+plateau3]

Two comparisons on the same loaded scene (100 views at 100x100, every 8th held out: 13), same seed:

* equal wall budget: ``TrainConfig.compact(steps=2000, max_seconds=--seconds)`` per arm (what a time-budgeted
  ``studio splat`` run does: the schedule is paced by whichever of steps and time ends first);
* equal step budget: ``TrainConfig.compact(steps=--steps)`` without a time cap; reports the seconds each arm
  needed (wall and CPU), and for a plateau arm where it stopped.

Arm names: ``today`` (the compact defaults), ``coarseF`` (``coarse_fraction=F``), ``plateauE``
(``plateau_epochs=E``), joined with ``+``. The order of the arms alternates between the two comparisons so a
change in the machine's load does not always hit the same arm. Prints one JSON line per run and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "nerf_lego"
if not DEFAULT_DATA.is_dir():
    DEFAULT_DATA = Path("/work/shared/data/nerf_lego")


def arm_overrides(name: str) -> dict:
    """``today`` -> {}, ``coarse0.3+plateau3`` -> {"coarse_fraction": 0.3, "plateau_epochs": 3}."""
    values: dict = {}
    for part in name.split("+"):
        if part == "today":
            continue
        if part.startswith("coarse"):
            values["coarse_fraction"] = float(part[len("coarse") :])
        elif part.startswith("plateau"):
            values["plateau_epochs"] = int(part[len("plateau") :])
        else:
            raise SystemExit(f"unknown arm part {part!r} (today, coarseF, plateauE)")
    return values


def run_arm(scene, name: str, *, steps: int, max_seconds: float | None) -> dict:
    from studio.splat.train import TrainConfig, train

    config = TrainConfig.compact(
        steps=steps,
        max_seconds=max_seconds,
        progress_every=10**9,
        preview_every=0,
        checkpoint_every=10**9,
        **arm_overrides(name),
    )
    load = os.getloadavg()[0]
    cpu = time.process_time()
    result = train(scene, config)
    return {
        "arm": name,
        "budget": f"{max_seconds:.0f} s" if max_seconds else f"{steps} steps",
        "psnr": round(float(result.psnr), 3),
        "ssim": round(float(result.ssim), 4),
        "steps": result.steps,
        "stopped": result.stop_reason,
        "gaussians": result.gaussians.n,
        "train_wall": round(result.seconds, 1),
        "process_cpu": round(time.process_time() - cpu, 1),  # training + evaluation, both threads
        "load": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--long-edge", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="the equal wall budget per arm")
    parser.add_argument("--steps", type=int, default=2000, help="the equal step budget per arm")
    parser.add_argument("--wall-arms", default="today,coarse0.3,coarse0.5")
    parser.add_argument("--step-arms", default="today,coarse0.3,coarse0.3+plateau3")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if not (args.data / "transforms_train.json").is_file():
        print(f"lego data not found under {args.data}", file=sys.stderr)
        return 2

    import torch

    torch.set_num_threads(args.threads)
    from studio.splat.nerf import load_nerf_transforms

    scene = load_nerf_transforms(args.data, long_edge=args.long_edge, background=(1.0, 1.0, 1.0))
    rows = []
    wall_arms = [a for a in args.wall_arms.split(",") if a]
    step_arms = [a for a in args.step_arms.split(",") if a]
    for name in wall_arms:
        rows.append(run_arm(scene, name, steps=2000, max_seconds=args.seconds))
        print(json.dumps(rows[-1]), flush=True)
    for name in reversed(step_arms):
        rows.append(run_arm(scene, name, steps=args.steps, max_seconds=None))
        print(json.dumps(rows[-1]), flush=True)
    print(
        "| budget | arm | held-out PSNR | SSIM | steps | stopped | Gaussians | training wall s | CPU s | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['budget']} | {r['arm']} | {r['psnr']:.2f} dB | {r['ssim']:.4f} | {r['steps']} |"
            f" {r['stopped'] or '-'} | {r['gaussians']:,} | {r['train_wall']} | {r['process_cpu']} |"
            f" {r['load'][0]} -> {r['load'][1]} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
