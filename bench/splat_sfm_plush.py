"""Benchmark 12c: structure-from-motion on the plush capture (97 phone photos, 1008 px), CPU: today's settings
against each faster choice, in one run.

Runs the path ``studio splat`` uses: photos prepared once (EXIF-upright JPEGs, focal prior from EXIF), then the
pycolmap worker process for each variant in turn on the same prepared images:

- ``today``: the settings before issue 12 (every pair, 8,192 SIFT features at up to 1600 px, incremental mapper);
- ``features``: features chosen for the photo count (``sfm.features_for_count``), still every pair, incremental;
- ``retrieval``: those features, planned pairs (capture-order neighbours + loop closure + 10 nearest images by
  visual words), incremental mapper;
- ``auto``: what ``studio splat`` now picks (``sfm.choose_sfm``): retrieval pairs and the global mapper;
- ``sequential``: neighbours + loop closure only (the video-frame matcher), global mapper;
- ``MATCHER-EDGE-FEATURES[-OVERLAP]`` (e.g. ``sequential-768-4096``): that matcher, SIFT long edge and
  features (and sequential overlap), global mapper where available.

For each: registered images, 3D points, seconds per stage, and how far its poses are from today's (median and
90th percentile of the relative-rotation difference over pairs of images registered by both, degrees).

    .venv/bin/python bench/splat_sfm_plush.py [--photos DIR] [--work DIR] [--variants today,auto] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from studio.splat.inputs import detect_input, prepare_photos
from studio.splat.sfm import SfmOptions, choose_sfm, features_for_count, run_sfm

VARIANTS = ("today", "features", "retrieval", "auto", "sequential")


def variant_options(name: str, n: int) -> SfmOptions:
    edge, features = features_for_count(n)
    common = {"min_registered": 8, "seed": 0}
    if name == "today":
        return SfmOptions(matcher="exhaustive", mapper="incremental", max_image_size=1600, **common)
    if name == "features":
        return SfmOptions(
            matcher="exhaustive", mapper="incremental", max_image_size=edge, max_features=features, **common
        )
    if name == "retrieval":
        return SfmOptions(
            matcher="retrieval", mapper="incremental", max_image_size=edge, max_features=features, **common
        )
    if name == "auto":
        return choose_sfm(n, **common)
    if name == "sequential":
        return choose_sfm(n, matcher="sequential", **common)
    parts = name.split("-")  # MATCHER-EDGE-FEATURES[-OVERLAP], e.g. sequential-768-4096: global mapper
    if len(parts) in (3, 4) and parts[0] in ("exhaustive", "sequential", "retrieval"):
        extra = {"sequential_overlap": int(parts[3])} if len(parts) == 4 else {}
        return choose_sfm(
            n, matcher=parts[0], max_image_size=int(parts[1]), max_features=int(parts[2]), **extra, **common
        )
    raise SystemExit(f"unknown variant {name}")


def rotation_agreement(model, reference) -> dict[str, float]:
    """Relative-rotation differences (degrees) between two models over pairs of images both registered."""
    mine = {image.name: image.world_to_cam()[:3, :3] for image in model.images.values()}
    ref = {image.name: image.world_to_cam()[:3, :3] for image in reference.images.values()}
    common = sorted(set(mine) & set(ref))
    errors = []
    for a_index, a in enumerate(common):
        for b in common[a_index + 1 :: 3]:  # every third partner: enough pairs, quick
            rel_mine = mine[a] @ mine[b].T
            rel_ref = ref[a] @ ref[b].T
            delta = rel_mine @ rel_ref.T
            cos = np.clip((np.trace(delta) - 1) / 2, -1.0, 1.0)
            errors.append(float(np.degrees(np.arccos(cos))))
    if not errors:
        return {"median_deg": float("nan"), "p90_deg": float("nan"), "pairs": 0}
    return {
        "median_deg": round(float(np.median(errors)), 3),
        "p90_deg": round(float(np.percentile(errors, 90)), 3),
        "pairs": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", default="/work/shared/data/plush_photos")
    parser.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--reference",
        default=None,
        help="a sparse model (e.g. an earlier run's sfm-today/sparse/0) to compare poses with when the run has"
        " no today variant",
    )
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    work = Path(args.work or tempfile.mkdtemp(prefix="sfm-plush-"))
    source = detect_input(args.photos)
    started = time.perf_counter()
    prepared = prepare_photos(source.files, work / "images", long_edge=1600)
    prep_seconds = time.perf_counter() - started
    names = [p.name for p in prepared.images]
    priors = {p.name: p.focal_px for p in prepared.images if p.focal_px}
    rows = []
    reference = None
    if args.reference:
        from studio.splat.colmap_io import read_model

        reference = read_model(args.reference)
    for name in args.variants.split(","):
        options = variant_options(name, len(names))
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        result = run_sfm(work / "images", work / f"sfm-{name}", names, options=options, focal_priors=priors)
        total = time.perf_counter() - started
        worker = json.loads((work / f"sfm-{name}" / "sfm_result.json").read_text())
        if name == "today" or reference is None:
            reference = result.model
        rows.append(
            {
                "variant": name,
                "matcher": options.matcher,
                "mapper": worker.get("mapper", options.mapper),
                "long_edge": options.max_image_size,
                "features": options.max_features,
                "registered": len(result.registered),
                "photos": len(names),
                "verified_pairs": result.verified_pairs,
                "points": len(result.model.xyz),
                "seconds": {**{k: round(v, 1) for k, v in result.timings.items()}, "total": round(total, 1)},
                "cpu_seconds": worker.get("cpu_seconds", {}),  # per stage, the worker's (all threads)
                "rotation_vs_today": rotation_agreement(result.model, reference),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    base = next((r for r in rows if r["variant"] == "today"), None)
    if base is None and args.reference:
        worker = json.loads((Path(args.reference).parents[1] / "sfm_result.json").read_text())
        base = {"seconds": {"total": sum(worker["timings"].values())}}
    base = base or rows[0]
    out = {"prepare_seconds": round(prep_seconds, 1), "cpus": os.cpu_count(), "work": str(work), "runs": rows}
    print(json.dumps(out, indent=2))
    if args.markdown:
        print(
            "| variant | matcher / mapper | long edge, features | registered | verified pairs | points |"
            " extract | match | map | SfM total | speed-up | CPU s (extract / match / map) |"
            " rotation vs today (median / p90) | load |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            s = r["seconds"]
            rot = r["rotation_vs_today"]
            print(
                f"| {r['variant']} | {r['matcher']} / {r['mapper']} | {r['long_edge']} px, {r['features']} |"
                f" {r['registered']}/{r['photos']} | {r['verified_pairs']} | {r['points']} | {s['extract']} s |"
                f" {s['match']} s | {s['map']} s | {s['total']} s | {base['seconds']['total'] / s['total']:.2f}x |"
                f" {' / '.join(str(round(v, 1)) for v in r['cpu_seconds'].values()) or '-'} |"
                f" {rot['median_deg']} / {rot['p90_deg']} deg | {r['load_average'][0]} -> {r['load_average'][1]} |"
            )


if __name__ == "__main__":
    main()
