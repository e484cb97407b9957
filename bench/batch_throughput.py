"""Catalogue batch throughput (issue 10 item 9) and the x264 preset sweep behind the batch's default preset.

One run: a generated catalogue (studio CSV, ``studio.samples`` photos) of ``--products`` products, two ads each
(9:16 TikTok and 1:1 square, 6 s, ``--width`` px wide, the batch's draft preset, compliance screen on), rendered
by each configuration (``local-1,ray-1,local-2,ray-2``: the local pool and one local Ray,
``ray.init(address="local", num_cpus=2, include_dashboard=False)``, never a running cluster).

Fair on a shared machine: the catalogue is cut into ``--rounds`` slices and the configurations take turns, slice by
slice (ABBA order: forward in even rounds, backward in odd ones), each slice into its own output folder and store,
so load from other jobs falls on every configuration alike. Each engine is started once and kept for all its
rounds (as one ``studio batch run`` keeps it); its start-up is measured and counted once. Per configuration:

- ads per minute: ads / (its rounds' wall + its engine start);
- CPU seconds per ad: the job function's own process CPU (user + system, its ffmpeg children included), the figure
  the other jobs' load does not inflate;
- peak memory: RSS summed over the benchmark process and the configuration's own processes (for the local pool its
  workers and their ffmpeg; for Ray every Ray process: daemons, workers and their ffmpeg), sampled every 0.5 s;
- the batch machinery's share of the render time: ``coordinator`` (its busy time outside waiting on the workers)
  and ``outside render`` (per job, the time from submit to result minus the job function's own time: task
  transfer, scheduling, results), each / the sum of the job function's seconds; ``idle slots``: worker slots left
  empty (the end of each slice with 2 workers), 1 - render / (workers x wall).

Then (unless ``--no-sweep``) the preset sweep: one 6 s 9:16 ad's frames are rendered once into a lossless
reference (FFV1, already converted to the delivery's BT.709 yuv420p, so only compression is compared); each x264
preset encodes that reference with the batch's other settings (CRF, GOP, profile) and is scored with ffmpeg's
``ssim`` filter against it. The fastest preset whose SSIM is >= 0.98 on luma (Y) and over all planes (All) is the
batch default.

    .venv/bin/python bench/batch_throughput.py --products 4 --rounds 2 --no-sweep     # a quick estimate
    .venv/bin/python bench/batch_throughput.py --products 100 --rounds 4 --no-sweep   # the issue's 200 ads
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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
HEADER = ["id", "product", "headline", "selling_points", "price", "photos", "duration", "platforms"]


def make_catalogue(folder: Path, products: int, duration: float, rounds: int) -> list[Path]:
    """``rounds`` studio CSVs in ``folder`` that together hold ``products`` rows (two photos each)."""
    from studio.samples import sample_photo

    (folder / "photos").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(products):
        photos = [f"photos/p{i:03d}-{k}.jpg" for k in range(2)]
        for k, name in enumerate(photos):
            sample_photo(folder / name, (900, 1200), seed=i * 10 + k, quality=90)
        title = f"{TITLES[i % len(TITLES)]} {i + 1}號"
        points = "|".join(POINTS[(i + k) % len(POINTS)] for k in range(3))
        rows.append([f"sku-{i:03d}", title, f"{title} 限時優惠", points, f"NT$ {300 + 10 * i}", "|".join(photos),
                     duration, "|".join(PLATFORMS)])  # fmt: skip
    paths = []
    for r in range(rounds):
        path = folder / f"catalogue-{r}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows[r::rounds])
        paths.append(path)
    return paths


class _Background:
    """A daemon thread running ``_loop`` between ``__enter__`` and ``__exit__``."""

    def __init__(self, *args):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=args, daemon=True)

    def _loop(self, *args) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class Memory(_Background):
    """Peak RSS of this process plus the processes ``select()`` names (and their descendants), sampled."""

    def __init__(self, interval: float = 0.5):
        import psutil

        self._psutil = psutil
        self.me = psutil.Process()
        self.select = list
        self.peak = 0
        self._generation = 0
        super().__init__(interval)

    def sample(self) -> int:
        seen, total = set(), 0
        for root in [self.me, *self.select()]:
            try:
                procs = [root] if root is self.me else [root, *root.children(recursive=True)]
            except self._psutil.NoSuchProcess:
                continue
            for proc in procs:
                if proc.pid in seen:
                    continue
                seen.add(proc.pid)
                try:
                    total += proc.memory_info().rss
                except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                    pass
        return total

    def watch(self, select) -> None:
        """Measure ``select()``'s processes from now on (a sample under way for the previous ones is dropped)."""
        self._generation += 1
        self.select, self.peak = select, 0

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            generation = self._generation
            value = self.sample()
            if generation == self._generation:
                self.peak = max(self.peak, value)


class Load(_Background):
    """The 1-minute load average, sampled every 5 s."""

    def __init__(self):
        self.samples: list[float] = []
        super().__init__()

    def _loop(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(5.0):
                return


class KeepOpen:
    """An engine that outlives one ``run_batch`` (which closes its engine): one start for all the rounds."""

    def __init__(self, engine):
        self.engine = engine

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def close(self) -> None:
        pass


def own_processes(memory: Memory, engine_name: str, engine) -> list:
    """The configuration's processes: the local pool's workers, or every Ray process (children of this one that
    are not a local pool's workers or multiprocessing's helpers)."""
    psutil = memory._psutil
    if engine_name == "local":
        return [psutil.Process(pid) for pid in engine.worker_pids() if psutil.pid_exists(pid)]
    ours = []
    for child in memory.me.children():
        try:
            cmd = " ".join(child.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "multiprocessing" not in cmd:
            ours.append(child)
    return ours


RAY_DAEMONS = (
    "gcs_server",
    "raylet",
    "dashboard.py",
    "monitor.py",
    "log_monitor.py",
    "agent.py",
    "agent/main.py",
)


def daemon_cpu(memory: Memory) -> float:
    """CPU seconds so far of Ray's own daemons (not its workers): Ray's machinery outside the job processes."""
    psutil, total = memory._psutil, 0.0
    for proc in memory.me.children(recursive=True):
        try:
            cmd = " ".join(proc.cmdline()[:3])
            if any(marker in cmd for marker in RAY_DAEMONS):
                times = proc.cpu_times()
                total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_round(catalogue: Path, work: Path, tag: str, round_no: int, engine, args, memory: Memory) -> dict:
    from studio.batch.plan import plan_batch
    from studio.batch.run import run_batch
    from studio.store import Store

    store = Store(work / f"store-{tag}.sqlite3")
    plan = plan_batch(catalogue, work / f"out-{tag}-{round_no}", store=store, width=args.width)
    assert not plan.errors, plan.errors
    t0, c0, d0 = time.perf_counter(), time.process_time(), daemon_cpu(memory)
    summary = run_batch(plan, store, engine, preset=args.preset, screen=not args.no_screen)
    wall, driver_cpu, daemons = time.perf_counter() - t0, time.process_time() - c0, daemon_cpu(memory) - d0
    jobs = [j for j in store.jobs(summary.batch_id) if j.status == "done"]
    timings = [j.timings or {} for j in jobs]
    return {
        "ads": len(jobs),
        "failed": summary.counts.get("failed", 0),
        "wall": wall,
        "coordinator": summary.machinery_seconds,
        "render": sum(float(t.get("render", 0)) for t in timings),
        "cpu": sum(float(t.get("cpu", 0)) for t in timings),
        "outside": sum(float(t.get("latency", 0)) - float(t.get("render", 0)) for t in timings),
        "encoder_cpu": sum(float(t.get("encoder_cpu", 0)) for t in timings),  # the jobs' ffmpeg children
        "gate_s": sum(float(t.get("ad_gate", 0)) for t in timings),  # the compliance screen's wall time
        "prepare_s": sum(float(t.get("ad_prepare", 0)) for t in timings),
        "platform_s": sum(float(v) for t in timings for k, v in t.items() if k.startswith("ad_render_")),
        "driver_cpu": driver_cpu,  # this process: the coordinator (and the memory sampler, alike for all)
        "ray_daemon_cpu": daemons,
    }


def run_all(
    catalogues: list[Path], work: Path, configs: list[tuple[str, int]], args, ray_start: float
) -> list[dict]:
    from studio.batch.engines import LocalEngine, RayEngine

    rows = {f"{n}-{w}": {"engine": n, "workers": w, "rounds": [], "peak": 0} for n, w in configs}
    engines = {}
    with Memory() as memory:
        for name, workers in configs:  # each engine started once (Ray's daemons were started before)
            tag = f"{name}-{workers}"
            t0 = time.perf_counter()
            engines[tag] = KeepOpen(LocalEngine(workers) if name == "local" else RayEngine(workers))
            rows[tag]["engine_start"] = time.perf_counter() - t0 + (ray_start if name == "ray" else 0.0)
        for round_no, catalogue in enumerate(catalogues):
            order = configs if round_no % 2 == 0 else configs[::-1]
            for name, workers in order:
                tag = f"{name}-{workers}"
                engine = engines[tag].engine
                memory.watch(lambda name=name, engine=engine: own_processes(memory, name, engine))
                result = run_round(catalogue, work, tag, round_no, engines[tag], args, memory)
                rows[tag]["peak"] = max(rows[tag]["peak"], memory.peak)
                rows[tag]["rounds"].append(result)
                result = {**result, "peak_rss_mb": round(memory.peak / 2**20), "load": os.getloadavg()[0]}
                print(json.dumps({"round": round_no, "config": tag, **{k: round(v, 2) for k, v in result.items()}}),
                      flush=True)  # fmt: skip
        for engine in engines.values():
            engine.engine.close()
    out = []
    for tag, row in rows.items():
        keys = (
            "ads",
            "failed",
            "wall",
            "coordinator",
            "render",
            "cpu",
            "outside",
            "driver_cpu",
            "ray_daemon_cpu",
            "encoder_cpu",
            "gate_s",
            "prepare_s",
            "platform_s",
        )
        r = {k: sum(x[k] for x in row["rounds"]) for k in keys}
        wall = r["wall"] + row["engine_start"]
        out.append({
            "engine": row["engine"], "workers": row["workers"], "ads": r["ads"], "failed": r["failed"],
            "wall_s": round(wall, 1), "engine_start_s": round(row["engine_start"], 2),
            "ads_per_min": round(r["ads"] / wall * 60, 2),
            "ads_per_min_steady": round(r["ads"] / r["wall"] * 60, 2),  # without the engine's start
            "driver_cpu_s_per_ad": round(r["driver_cpu"] / max(r["ads"], 1), 3),
            "ray_daemon_cpu_s_per_ad": round(r["ray_daemon_cpu"] / max(r["ads"], 1), 3),
            "cpu_s_per_ad": round(r["cpu"] / max(r["ads"], 1), 2),
            "render_s_per_ad": round(r["render"] / max(r["ads"], 1), 2),
            "encoder_cpu_s_per_ad": round(r["encoder_cpu"] / max(r["ads"], 1), 2),
            "per_ad_s": {k: round(r[f"{k}_s"] / max(r["ads"], 1), 2) for k in ("prepare", "platform", "gate")},
            "peak_rss_mb": round(row["peak"] / 2**20),
            "coordinator": round(r["coordinator"] / max(r["render"], 1e-9), 4),
            "outside_render": round(r["outside"] / max(r["render"], 1e-9), 4),
            "idle_slots": round(1 - r["render"] / (row["workers"] * r["wall"]), 4),
            "round_walls_s": [round(x["wall"], 1) for x in row["rounds"]],
        })  # fmt: skip
    return out


def ffmpeg() -> str:
    from studio.media import ffmpeg_exe

    return ffmpeg_exe()


def preset_sweep(catalogue: Path, work: Path, width: int | None) -> list[dict]:
    """Encode one ad's lossless frames with each preset; time and SSIM against the frames."""
    from studio.ads import build_timeline, resolve_resources
    from studio.batch.plan import plan_batch
    from studio.media.encode import EncodeSettings, video_args
    from studio.spec import parse_spec
    from studio.video.compose import iter_frames

    plan = plan_batch(catalogue, work / "sweep-plan")
    job = next(j for j in plan.jobs if j.platform == "tiktok")
    spec = parse_spec(job.spec)
    timeline = build_timeline(spec, "tiktok", resolve_resources(spec), width)
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
    parser.add_argument("--rounds", type=int, default=4, help="slices the configurations take turns on")
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument(
        "--width", type=int, default=540, help="render width in px (0: the platforms' own size)"
    )
    parser.add_argument("--preset", default=None, help="x264 preset of the batch runs (default: the batch's)")
    parser.add_argument("--no-screen", action="store_true", help="skip the compliance gate in each job")
    parser.add_argument("--configs", default="local-1,ray-1,local-2,ray-2")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--omp1",
        action="store_true",
        help="OMP_NUM_THREADS=1 for every worker (what Ray sets in its workers) on both engines",
    )
    args = parser.parse_args()
    args.width = args.width or None
    if args.omp1:
        os.environ["OMP_NUM_THREADS"] = "1"  # inherited by the local pool's workers; Ray sets it in its own

    from studio.media.encode import draft_preset

    args.preset = args.preset or draft_preset(args.width or None)
    configs = [(name, int(workers)) for name, workers in (c.split("-") for c in args.configs.split(",") if c)]
    results: dict = {"products": args.products, "rounds": args.rounds, "width": args.width, "preset": args.preset,
                     "configs": args.configs, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "runs": [],
                     "sweep": []}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        work = Path(tmp)
        os.environ["STUDIO_HOME"] = str(
            work / "home"
        )  # quarantine, refs: never the user's; workers inherit it
        catalogues = make_catalogue(work / "catalogue", args.products, args.duration, args.rounds)
        ray_start = 0.0
        if any(name == "ray" for name, _ in configs):
            from studio.batch.engines import start_local_ray

            t0 = time.perf_counter()
            start_local_ray(2)  # what `studio batch run --engine ray` starts (workers at this priority)
            ray_start = time.perf_counter() - t0  # counted in each Ray configuration's engine start
        with Load() as load:
            results["runs"] = run_all(catalogues, work, configs, args, ray_start)
        results["load_average"] = {"min": min(load.samples), "mean": round(sum(load.samples) / len(load.samples), 2),
                                   "max": max(load.samples)}  # fmt: skip
        for row in results["runs"]:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        by = {(r["engine"], r["workers"]): r for r in results["runs"]}
        for workers in sorted({w for _, w in configs}):
            if ("local", workers) in by and ("ray", workers) in by:
                local, ray_row = by[("local", workers)], by[("ray", workers)]
                ratio = {"workers": workers, "ray_vs_local_ads_per_min": round(ray_row["ads_per_min"] /
                         local["ads_per_min"], 3), "ray_vs_local_cpu_per_ad": round(ray_row["cpu_s_per_ad"] /
                         local["cpu_s_per_ad"], 3)}  # fmt: skip
                results.setdefault("ratios", []).append(ratio)
                print(json.dumps(ratio), flush=True)
        print(json.dumps({"load_average": results["load_average"]}), flush=True)
        if not args.no_sweep:
            results["sweep"] = preset_sweep(catalogues[0], work, args.width)
            for row in results["sweep"]:
                print(json.dumps(row), flush=True)
            ok = [r for r in results["sweep"] if min(r["ssim_y"], r["ssim_all"]) >= 0.98]  # luma and all
            results["fastest_ok"] = min(ok, key=lambda r: r["encode_s"])["preset"] if ok else None
            print("fastest preset with SSIM >= 0.98:", results["fastest_ok"], flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
