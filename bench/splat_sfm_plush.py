"""Benchmark 12c: structure-from-motion on the plush capture (97 phone photos, 1008 px), CPU.

Runs the same path as ``studio splat``: photos prepared (EXIF-upright JPEGs, focal prior from EXIF), then the
pycolmap worker (SIFT extraction, exhaustive matching, incremental mapping). Prints one JSON object with the
registered count and seconds per stage; ``--markdown`` also prints a results-table row.

    .venv/bin/python bench/splat_sfm_plush.py [--photos /work/shared/data/plush_photos] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from studio.splat.inputs import detect_input, prepare_photos
from studio.splat.sfm import SfmOptions, run_sfm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", default="/work/shared/data/plush_photos")
    parser.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--long-edge", type=int, default=1600)
    parser.add_argument("--matcher", choices=["exhaustive", "sequential"], default="exhaustive")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    work = Path(args.work or tempfile.mkdtemp(prefix="sfm-plush-"))
    source = detect_input(args.photos)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    prepared = prepare_photos(source.files, work / "images", long_edge=args.long_edge)
    prep_seconds = time.perf_counter() - started
    priors = {p.name: p.focal_px for p in prepared.images if p.focal_px}
    started = time.perf_counter()
    result = run_sfm(
        work / "images",
        work / "sfm",
        [p.name for p in prepared.images],
        options=SfmOptions(matcher=args.matcher, min_registered=8),
        focal_priors=priors,
    )
    total = time.perf_counter() - started
    out = {
        "photos": len(source.files),
        "prepared": len(prepared.images),
        "registered": len(result.registered),
        "unregistered": result.unregistered,
        "points": len(result.model.xyz),
        "cameras": len(result.model.cameras),
        "seconds": {
            "prepare": round(prep_seconds, 1),
            **{k: round(v, 1) for k, v in result.timings.items()},
            "sfm_total": round(total, 1),
        },
        "matcher": args.matcher,
        "focal_priors": len(priors),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "work": str(work),
    }
    print(json.dumps(out, indent=2))
    if args.markdown:
        s = out["seconds"]
        print(
            f"| plush SfM ({args.matcher}) | {out['registered']}/{out['photos']} registered, {out['points']} points"
            f" | prepare {s['prepare']} s, extract {s['extract']} s, match {s['match']} s, map {s['map']} s,"
            f" SfM total {s['sfm_total']} s |"
        )


if __name__ == "__main__":
    main()
