"""Catalogue batch throughput (issue 10 item 9) and the x264 preset sweep behind the batch's default preset.

One run: a generated catalogue (studio CSV, Pillow photos) of ``--products`` products, two ads each (9:16 TikTok
and 1:1 square, 6 s), rendered with 1 and 2 workers on the local pool and on one local Ray
(``ray.init(address="local", num_cpus=2, include_dashboard=False)``; never a running cluster). Per configuration:
ads per minute, peak memory (RSS summed over this process and all its descendants, sampled every 0.2 s; Ray's own
daemons included), and the batch machinery's share of the time:

- ``outside render``: 1 - (sum of the job function's own seconds) / (workers x wall): everything that is not the
  render function, i.e. worker start-up, task transfer, the coordinator's claims, publishing and store writes, and
  worker slots left idle at the end;
- ``coordinator``: the coordinator's busy time (outside waiting on the workers) / wall.

Then the preset sweep: one 6 s 9:16 ad's frames are rendered once into a lossless reference (FFV1, already
converted to the delivery's BT.709 yuv420p, so only compression is compared); each x264 preset encodes that
reference with the batch's other settings (CRF, GOP, profile) and is scored with ffmpeg's ``ssim`` filter
against it. The fastest preset whose SSIM is >= 0.98 on luma (Y) and over all planes (All) is the batch
default.

    .venv/bin/python bench/batch_throughput.py --products 10          # 20 ads, as measured in bench/README.md
    .venv/bin/python bench/batch_throughput.py --products 100         # the full 200 ads

The platforms are 1080 px wide: studio's platform presets fix the size (TikTok 1080x1920, square 1080x1080) and
neither the spec nor the CLI has a width option, so the issue's 540 px is not expressible.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")
PLATFORMS = ("tiktok", "square")
TITLES = ("高山烏龍茶", "冷萃咖啡", "手工皂", "保溫瓶", "帆布托特包", "陶瓷馬克杯", "竹纖維毛巾", "香氛蠟燭")
POINTS = ("台灣在地製造", "天然原料 無添加", "一年保固", "買二送一", "輕巧好攜帶", "送禮自用兩相宜")


def make_photo(path: Path, seed: int, size: tuple[int, int] = (900, 1200)) -> Path:
    """A photo-like image (gradient, shapes, fine noise), so x264 sees texture rather than flat colour."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 180 + 40, y / h * 160 + 50, (x + y) / (w + h) * 200 + 30], -1)
    base += rng.normal(0, 5, base.shape)
    image = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        cx, cy, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(0.08, 0.2) * min(w, h)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in rng.integers(30, 230, 3)))
    image.save(path, quality=90)
    return path


def make_catalogue(folder: Path, products: int, duration: float) -> Path:
    """A studio CSV of ``products`` rows (two photos each) in ``folder``."""
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    path = folder / "catalogue.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["id", "product", "headline", "selling_points", "price", "photos", "duration", "platforms"]
        )
        for i in range(products):
            photos = [f"photos/p{i:03d}-{k}.jpg" for k in range(2)]
            for k, name in enumerate(photos):
                make_photo(folder / name, seed=i * 10 + k)
            title = f"{TITLES[i % len(TITLES)]} {i + 1}號"
            points = "|".join(POINTS[(i + k) % len(POINTS)] for k in range(3))
            writer.writerow([f"sku-{i:03d}", title, f"{title} 限時優惠", points, f"NT$ {300 + 10 * i}",
                             "|".join(photos), duration, "|".join(PLATFORMS)])  # fmt: skip
    return path


class PeakRSS:
    """Peak of the RSS summed over this process and its descendants (sampled)."""

    def __init__(self, interval: float = 0.2):
        import psutil

        self._me = psutil.Process()
        self._psutil = psutil
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(interval,), daemon=True)

    def _sample(self) -> int:
        total = 0
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                pass
        return total

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, self._sample())

    def __enter__(self) -> Self:
        self.baseline = self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_one(catalogue: Path, work: Path, engine_name: str, workers: int, preset: str, screen: bool) -> dict:
    from studio.batch.engines import LocalEngine, RayEngine
    from studio.batch.plan import plan_batch
    from studio.batch.run import run_batch
    from studio.store import Store

    tag = f"{engine_name}-{workers}"
    outdir = work / f"out-{tag}"
    store = Store(work / f"store-{tag}.sqlite3")
    plan = plan_batch(catalogue, outdir, store=store)
    assert not plan.errors, plan.errors
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        engine = LocalEngine(workers) if engine_name == "local" else RayEngine(workers)
        t_engine = time.perf_counter() - t0
        summary = run_batch(plan, store, engine, preset=preset, screen=screen)
        wall = time.perf_counter() - t0
    jobs = store.jobs(summary.batch_id)
    render = sum(float((j.timings or {}).get("render", 0.0)) for j in jobs if j.status == "done")
    done = summary.counts.get("done", 0)
    return {
        "engine": engine_name,
        "workers": workers,
        "ads": done,
        "failed": summary.counts.get("failed", 0),
        "wall_s": round(wall, 1),
        "engine_start_s": round(t_engine, 2),
        "ads_per_min": round(done / wall * 60, 2),
        "baseline_rss_mb": round(mem.baseline / 2**20),  # this process (and Ray's daemons) before the run
        "peak_rss_mb": round(mem.peak / 2**20),
        "render_s_sum": round(render, 1),
        "outside_render": round(1 - render / (workers * wall), 4),
        "coordinator": round(summary.machinery_seconds / wall, 4),
    }


def ffmpeg() -> str:
    from studio.media import ffmpeg_exe

    return ffmpeg_exe()


def preset_sweep(catalogue: Path, work: Path) -> list[dict]:
    """Encode one ad's lossless frames with each preset; time and SSIM against the frames."""
    from studio.ads import build_timeline, resolve_resources
    from studio.batch.plan import plan_batch
    from studio.media.encode import EncodeSettings, video_args
    from studio.spec import parse_spec
    from studio.video.compose import iter_frames

    plan = plan_batch(catalogue, work / "sweep-plan")
    job = next(j for j in plan.jobs if j.platform == "tiktok")
    spec = parse_spec(job.spec)
    timeline = build_timeline(spec, "tiktok", resolve_resources(spec))
    w, h, fps = timeline.width, timeline.height, timeline.fps
    reference = work / "reference.mkv"
    vf = video_args(w, h, fps, EncodeSettings())[1]  # the delivery's colour conversion, exactly
    proc = subprocess.Popen(
        [ffmpeg(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps),
         "-i", "-", "-vf", vf, "-c:v", "ffv1", str(reference)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    for frame in iter_frames(timeline):
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    assert proc.wait() == 0, "the lossless reference failed"
    rows = []
    for preset in PRESETS:
        args = video_args(w, h, fps, EncodeSettings(preset=preset))[2:]  # without -vf: already yuv420p BT.709
        out = work / f"sweep-{preset}.mp4"
        t0 = time.perf_counter()
        subprocess.run(
            [ffmpeg(), "-v", "error", "-y", "-i", str(reference), *args, "-an", str(out)], check=True
        )
        seconds = time.perf_counter() - t0
        result = subprocess.run(
            [ffmpeg(), "-hide_banner", "-i", str(out), "-i", str(reference), "-lavfi", "ssim", "-f", "null", "-"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        match = re.search(r"SSIM Y:([0-9.]+).*All:([0-9.]+)", result.stderr)
        assert match, result.stderr[-500:]
        rows.append({"preset": preset, "encode_s": round(seconds, 2), "ssim_y": float(match.group(1)),
                     "ssim_all": float(match.group(2)), "kbytes": out.stat().st_size // 1024})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100, help="products in the catalogue (2 ads each)")
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--preset", default=None, help="x264 preset of the batch runs (default: the batch's)")
    parser.add_argument("--no-screen", action="store_true", help="skip the compliance gate in each job")
    parser.add_argument("--configs", default="local-1,local-2,ray-1,ray-2")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    import inspect

    from studio.batch.run import run_batch

    preset = args.preset or inspect.signature(run_batch).parameters["preset"].default
    results: dict = {"products": args.products, "preset": preset, "runs": [], "sweep": []}
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        work = Path(tmp)
        catalogue = make_catalogue(work / "catalogue", args.products, args.duration)
        configs = [c.split("-") for c in args.configs.split(",") if c]
        ray_started = False
        for name, workers in configs:
            if name == "ray" and not ray_started:  # after the local runs, so their memory has no Ray daemons
                ray_started = True
                import ray

                ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                         object_store_memory=100 * 1024 * 1024)  # fmt: skip
            row = run_one(catalogue, work, name, int(workers), preset, not args.no_screen)
            results["runs"].append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        if not args.no_sweep:
            results["sweep"] = preset_sweep(catalogue, work)
            for row in results["sweep"]:
                print(json.dumps(row), flush=True)
            ok = [r for r in results["sweep"] if min(r["ssim_y"], r["ssim_all"]) >= 0.98]  # luma and all
            results["fastest_ok"] = min(ok, key=lambda r: r["encode_s"])["preset"] if ok else None
            print("fastest preset with SSIM >= 0.98:", results["fastest_ok"], flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
