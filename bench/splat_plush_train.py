"""Benchmark: training on a real cluttered phone capture (the plush on a bed, no masks), CPU, held-out PSNR.

The photos' backdrop is a room (bed, walls, door), so no mask is found and the whole scene is trained. Plain walls
give SfM no points; this compares, at the same step count and seed, the training choices for such captures:

- ``white``: the white training background and SfM points only (studio before 2026-11-26);
- ``mean``: the photos' mean colour as the training background (what ``studio splat`` now does without masks);
- ``mean+fill``: that plus coloured random fill points (``TrainConfig.fill_fraction``, the default 0.4).

    .venv/bin/python bench/splat_plush_train.py --work DIR [--steps 400] [--resolution 200] [--variants ...]

SfM runs once into ``DIR/sfm`` (the path ``studio splat`` uses: prepared EXIF-upright photos, exhaustive
matching) and is reused on later runs with the same DIR. Held out: every 8th view (13 of 97).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

from studio.splat.focus import focus_scene, mean_colour
from studio.splat.inputs import detect_input, prepare_photos, scene_from_colmap
from studio.splat.scene import Scene
from studio.splat.sfm import SfmOptions, load_sfm_result, run_sfm
from studio.splat.train import TrainConfig, train

VARIANTS = {
    "white": {"mean_background": False, "fill_fraction": 0.0},
    "mean": {"mean_background": True, "fill_fraction": 0.0},
    "mean+fill": {"mean_background": True, "fill_fraction": 0.4},
}


def load_scene(photos: Path, work: Path, resolution: int) -> Scene:
    source = detect_input(photos)
    prepared = prepare_photos(source.files, work / "images", long_edge=1600)
    names = [p.name for p in prepared.images]
    options = SfmOptions(matcher="exhaustive", min_registered=8, seed=0, max_image_size=1600)
    sfm = load_sfm_result(work / "sfm", names, options)
    if sfm is None:
        priors = {p.name: p.focal_px for p in prepared.images if p.focal_px}
        sfm = run_sfm(work / "images", work / "sfm", names, options=options, focal_priors=priors)
    scene = scene_from_colmap(sfm.model, work / "images", long_edge=resolution, masks="auto")
    return focus_scene(scene, normalise=True)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=Path("/work/shared/data/plush_photos"))
    parser.add_argument("--work", type=Path, required=True, help="work folder (SfM is cached there)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--resolution", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    scene = load_scene(args.photos, args.work, args.resolution)
    masked = sum(v.mask is not None for v in scene.views)
    mean = mean_colour(scene.views)
    print(
        f"{len(scene.views)} views at {scene.views[0].width}x{scene.views[0].height}, {masked} masked, "
        f"{len(scene.points)} SfM points; mean colour {tuple(round(c, 3) for c in mean)}",
        flush=True,
    )
    rows = []
    for name in args.variants.split(","):
        variant = VARIANTS[name]
        run_scene = replace(scene, background=mean if variant["mean_background"] else (1.0, 1.0, 1.0))
        config = TrainConfig.compact(steps=args.steps, fill_fraction=variant["fill_fraction"])
        load = os.getloadavg()[0]
        started = time.perf_counter()
        result = train(run_scene, config)
        row = {
            "variant": name,
            "steps": result.steps,
            "gaussians": result.gaussians.n,
            "psnr": round(result.psnr, 2),
            "ssim": round(result.ssim, 4),
            "seconds": round(time.perf_counter() - started, 1),
            "load": f"{load:.1f} -> {os.getloadavg()[0]:.1f}",
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| variant | steps | Gaussians | held-out PSNR | SSIM | seconds | load avg |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['variant']} | {r['steps']} | {r['gaussians']:,} | {r['psnr']:.2f} dB | {r['ssim']:.4f} | "
            f"{r['seconds']:.1f} s | {r['load']} |"
        )


if __name__ == "__main__":
    main()
