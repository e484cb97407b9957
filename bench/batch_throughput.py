"""Catalogue batch throughput: a generated catalogue rendered on the local pool and on Ray, in one run.

Prints, per engine and worker count: ads per minute, wall seconds and the coordinator's own share of the time
(``machinery``: everything but waiting for workers: planning, claims, leases, renames, the CSV and the sheet).

    .venv/bin/python bench/batch_throughput.py                       # the issue's size: 100 products, 2 platforms, 6 s
    .venv/bin/python bench/batch_throughput.py --products 4 --platform square --seconds 5 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_catalogue(folder: Path, products: int, platforms: list[str]) -> Path:
    from tests.helpers import make_photo

    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(products):
        make_photo(folder / f"p{i}.jpg", size=(540, 720), seed=i)
        rows.append([f"SKU-{i:03d}", f"Product {i}", f"Headline {i}", "Point one|Point two", "NT$ 680",
                     f"p{i}.jpg", "|".join(platforms)])  # fmt: skip
    path = folder / "catalogue.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "product", "headline", "selling_points", "price", "photos", "platforms"])
        writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--platform", action="append", default=None)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--workers", type=int, action="append", default=None)
    parser.add_argument("--engines", default="local,ray")
    args = parser.parse_args()
    platforms = args.platform or ["tiktok", "square"]
    workers = args.workers or [1, 2]
    from studio.batch.engines import make_engine
    from studio.batch.plan import plan_batch
    from studio.batch.run import run_batch
    from studio.store import Store

    root = Path(tempfile.mkdtemp(prefix="studio-bench-batch-"))
    os.environ["STUDIO_HOME"] = str(root / "home")
    catalogue = make_catalogue(root / "shop", args.products, platforms)
    results = []
    for engine_name in args.engines.split(","):
        for n in workers:
            store = Store(root / f"{engine_name}-{n}.sqlite3")
            out = root / f"out-{engine_name}-{n}"
            started = time.perf_counter()
            plan = plan_batch(catalogue, out, defaults={"duration": args.seconds, "music": None}, store=store)
            plan_seconds = time.perf_counter() - started
            summary = run_batch(plan, store, make_engine(engine_name, n), screen=False)
            wall = time.perf_counter() - started
            results.append({
                "engine": engine_name, "workers": n, "ads": summary.counts["done"], "wall_s": round(wall, 1),
                "ads_per_min": round(summary.counts["done"] / wall * 60, 2),
                "machinery_share": round((summary.machinery_seconds + plan_seconds) / wall, 4),
            })  # fmt: skip
            print(json.dumps(results[-1]), flush=True)
            if engine_name == "ray":
                import ray

                ray.shutdown()  # the next worker count starts its own Ray with that many CPUs


if __name__ == "__main__":
    main()
