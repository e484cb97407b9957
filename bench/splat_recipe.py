"""Benchmark: held-out PSNR per training step of recipe changes, at a fixed step count (valid on a loaded machine).

    .venv/bin/python bench/splat_recipe.py --scene lego|plush --steps N --arms today,paced,paced+every50,...
        [--sfm DIR] [--work DIR] [--resolution 100|200] [--threads 2]

Every arm trains the same scene with the same seed for exactly ``--steps`` steps and is evaluated on the same
held-out views (every 8th). What a time-budgeted ``studio splat`` run does is emulated without a clock: the
trainer gets ``TrainConfig.compact(steps=2000, max_seconds=T)`` and a clock that reads ``step x T / N``, so the
time budget runs out exactly at step ``N`` whatever the machine's load (today's runs stop on the budget at a few
hundred to a thousand steps). Arm names, parts joined with ``+``:

* ``today``: the compact schedule under the emulated budget, schedule by steps (``pace_schedule=False``);
* ``paced``: the same with the schedule paced by the budget (``pace_schedule=True``);
* ``planned``: ``TrainConfig.compact(steps=N)``, no budget (what knowing N in advance would give);
* modifiers: ``everyK`` (refine_every), ``maxK`` (max_gaussians, thousands), ``gradX`` (grow_grad2d, x1e-4),
  ``stopF`` (refine_stop as a share of the steps), ``shD`` (final SH degree), ``shiF`` (sh_interval as a share
  of the steps), ``lrcF`` (lr_sh0 x F), ``lroF`` (lr_opacities x F), ``lrmF`` (lr_means x F), ``ssimW``,
  ``opaF`` (init_opacity), ``reset`` (one opacity reset at the middle of densification), ``random`` (lego:
  random initialisation instead of space carving).

Reports per arm: held-out PSNR / SSIM, Gaussians at the end, process CPU seconds (training + evaluation: the
step-cost side of a recipe; only comparable within one run) and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
BUDGET_SECONDS = 100.0  # the emulated training budget (any value: the clock is scaled to it)


def arm_config(name: str, steps: int):
    """The TrainConfig of arm ``name`` for ``steps`` steps, and whether it runs under the emulated budget."""
    from studio.splat.train import TrainConfig

    parts = name.split("+")
    base, mods = parts[0], parts[1:]
    quiet = {"progress_every": 10**9, "preview_every": 0, "checkpoint_every": 10**9}
    planned = base == "planned"
    if base not in ("today", "paced", "planned"):
        raise SystemExit(f"unknown arm base {base!r} (today, paced, planned)")
    total = steps if planned else 2000
    values: dict = {}
    if base == "today":
        values["pace_schedule"] = False
    if base == "paced":
        values["pace_schedule"] = True
    defaults = TrainConfig()
    init_random = False
    for m in mods:
        if m.startswith("every"):
            values["refine_every"] = int(m[5:])
        elif m.startswith("max"):
            values["max_gaussians"] = int(float(m[3:]) * 1000)
        elif m.startswith("grad"):
            values["grow_grad2d"] = float(m[4:]) * 1e-4
        elif m.startswith("stop"):
            values["refine_stop"] = max(1, int(float(m[4:]) * total))
        elif m.startswith("shi"):
            values["sh_interval"] = max(1, int(float(m[3:]) * total))
        elif m.startswith("sh"):
            values["sh_degree"] = int(m[2:])
        elif m.startswith("lrc"):
            values["lr_sh0"] = defaults.lr_sh0 * float(m[3:])
            values["lr_shN"] = defaults.lr_shN * float(m[3:])
        elif m.startswith("lro"):
            values["lr_opacities"] = defaults.lr_opacities * float(m[3:])
        elif m.startswith("lrm"):
            values["lr_means"] = defaults.lr_means * float(m[3:])
            values["lr_means_final"] = defaults.lr_means_final * float(m[3:])
        elif m.startswith("ssim"):
            values["ssim_weight"] = float(m[4:])
        elif m.startswith("opa"):
            values["init_opacity"] = float(m[3:])
        elif m == "reset":
            values["reset_every"] = int(0.3 * total)
        elif m == "random":
            init_random = True
        else:
            raise SystemExit(f"unknown arm part {m!r}")
    config = TrainConfig.compact(
        steps=total, max_seconds=None if planned else BUDGET_SECONDS, **quiet, **values
    )
    return config, not planned, init_random


class _StepClock:
    """Stands in for train._Clock: reads ``steps done x BUDGET_SECONDS / N`` (set by the step hook)."""

    done = 0
    per_step = 1.0

    def __init__(self, seconds, device, pausing):
        self.start = time.perf_counter() - seconds
        self.pausing = pausing

    def seconds(self) -> float:
        return _StepClock.done * _StepClock.per_step

    def sync(self) -> None:
        pass


def run_arm(scene, name: str, steps: int) -> dict:
    import studio.splat.train as train_mod

    config, budgeted, init_random = arm_config(name, steps)
    real_clock = train_mod._Clock
    _StepClock.done = 0
    _StepClock.per_step = BUDGET_SECONDS / steps
    if budgeted:
        train_mod._Clock = _StepClock

    def hook(info) -> bool:
        _StepClock.done = info.step
        return info.step >= steps

    run_scene = scene
    if init_random:
        run_scene = replace(scene, views=[replace(v, mask=None) for v in scene.views])
    load = os.getloadavg()[0]
    cpu = time.process_time()
    wall = time.perf_counter()
    try:
        result = train_mod.train(run_scene, config, on_step=hook)
    finally:
        train_mod._Clock = real_clock
    return {
        "arm": name,
        "steps": result.steps,
        "psnr": round(float(result.psnr), 3),
        "ssim": round(float(result.ssim), 4),
        "gaussians": result.gaussians.n,
        "cpu_s": round(time.process_time() - cpu, 1),
        "wall_s": round(time.perf_counter() - wall, 1),
        "load": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def load_plush(sfm_dir: Path, work: Path, resolution: int):
    from studio.splat.colmap_io import read_model
    from studio.splat.focus import focus_scene, mean_colour
    from studio.splat.inputs import detect_input, prepare_photos, scene_from_colmap

    source = detect_input(DATA / "plush_photos")
    images = work / "images"
    if not images.is_dir():
        prepare_photos(source.files, images, long_edge=1024)
    model = read_model(sfm_dir / "sparse" / "0")
    scene = scene_from_colmap(model, images, long_edge=resolution, masks="auto")
    scene = focus_scene(scene, normalise=True)[0]
    return replace(scene, background=tuple(round(c, 4) for c in mean_colour(scene.views)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scene", choices=("lego", "plush"), default="lego")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--arms", default="today,paced,planned")
    parser.add_argument("--resolution", type=int, default=None, help="long edge (lego 100, plush 200)")
    parser.add_argument("--sfm", type=Path, help="plush: an SfM work folder (sparse/0) of the 97 photos")
    parser.add_argument("--work", type=Path, default=Path("/tmp/splat-recipe"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    if args.scene == "lego":
        from studio.splat.nerf import load_nerf_transforms

        scene = load_nerf_transforms(
            DATA / "nerf_lego", long_edge=args.resolution or 100, background=(1.0, 1.0, 1.0)
        )
    else:
        if args.sfm is None:
            raise SystemExit("--scene plush needs --sfm DIR (a finished SfM work folder)")
        scene = load_plush(args.sfm, args.work, args.resolution or 200)
    v = scene.views[0]
    print(
        f"{args.scene}: {len(scene.views)} views at {v.width}x{v.height}, {len(scene.points)} points",
        flush=True,
    )
    rows = []
    for name in [a for a in args.arms.split(",") if a]:
        rows.append(run_arm(scene, name, args.steps))
        print(json.dumps(rows[-1]), flush=True)
    print(f"\n| arm ({args.scene}, {args.steps} steps) | held-out PSNR | SSIM | Gaussians | CPU s | load |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['arm']} | {r['psnr']:.2f} dB | {r['ssim']:.4f} | {r['gaussians']:,} | {r['cpu_s']} |"
            f" {r['load'][0]} -> {r['load'][1]} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
