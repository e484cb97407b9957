"""Benchmark 12d: `studio splat` end to end, this checkout against an older commit, in one run.

    .venv/bin/python bench/splat_e2e.py INPUT [--old-ref 5385f08] [--new-args "..."] [--old-args "..."]
        [--same-steps] [--order new,old] [--markdown]

Each side runs as a user runs it (``python -m studio splat INPUT -o OUT --json``) in its own process and
STUDIO_HOME; the old side from ``git archive OLD_REF`` unpacked into a temporary folder. Prints each side's
held-out PSNR/SSIM, steps, Gaussians and seconds per stage (capture, sfm, scene, focus, train, export, screen,
total) and the old/new ratio per stage. ``--same-steps`` runs the new side first and gives the old side
``--steps`` equal to the steps the new one did (so the training ratio compares equal work when the new side
is bounded by a time budget).

Examples (figures in bench/README.md):

    # NeRF lego at 100 px: the whole run within 2 minutes, against the old code doing the same steps
    bench/splat_e2e.py /work/shared/data/nerf_lego/transforms_train.json --new-args "--resolution 100 \
        --max-minutes 2" --old-args "--resolution 100" --same-steps
    # the plush photos: 6 minutes for the whole run
    bench/splat_e2e.py /work/shared/data/plush_photos --new-args "--max-minutes 6"
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("frames", "capture", "sfm", "scene", "focus", "train", "export", "screen", "total")


def unpack(ref: str, into: Path) -> Path:
    """The tree of ``ref`` (studio/ and app files) unpacked into ``into``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_side(tree: Path, input_path: str, args: list[str], work: Path) -> dict:
    out = work / "out"
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "STUDIO_HOME": str(home),
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    command = [sys.executable, "-m", "studio", "splat", input_path, "-o", str(out), "--json", *args]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.run(command, check=False, cwd=str(tree), env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    result: dict = {"command": " ".join(command[2:]), "wall": round(wall, 1), "exit": proc.returncode}
    result["load_average"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    if proc.returncode != 0:
        result["error"] = (proc.stderr.strip().splitlines() or ["?"])[-1][:400]
        return result
    data = json.loads(proc.stdout[proc.stdout.index("{") :])
    result.update({k: data.get(k) for k in ("psnr", "ssim", "steps", "gaussians", "registered", "images")})
    result["seconds"] = data.get("seconds", {})
    result["budget"] = data.get("budget")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--old-ref", default="5385f08", help="the commit to compare with (today's code)")
    parser.add_argument("--new-args", default="")
    parser.add_argument("--old-args", default="")
    parser.add_argument("--same-steps", action="store_true")
    parser.add_argument("--order", default="new,old")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="splat-e2e-"))
    old_tree = unpack(args.old_ref, work / "old-tree")
    trees = {"new": ROOT, "old": old_tree}
    extra = {"new": shlex.split(args.new_args), "old": shlex.split(args.old_args)}
    order = args.order.split(",")
    if args.same_steps:
        order = ["new", "old"]
    results: dict[str, dict] = {}
    for side in order:
        side_args = list(extra[side])
        if side == "old" and args.same_steps:
            # the new side was refused or failed: no steps to match
            if not results.get("new", {}).get("steps"):
                print(json.dumps({"old": "skipped: the new side did no steps"}), flush=True)
                continue
            side_args += ["--steps", str(results["new"]["steps"])]
        results[side] = run_side(trees[side], args.input, side_args, work / side)
        print(json.dumps({side: results[side]}), flush=True)
    new, old = results.get("new", {}), results.get("old", {})
    ratios = {}
    for stage in STAGES:
        a, b = old.get("seconds", {}).get(stage), new.get("seconds", {}).get(stage)
        if a and b:
            ratios[stage] = round(a / b, 2)
    print(json.dumps({"old_ref": args.old_ref, "ratios_old_over_new": ratios, "work": str(work)}, indent=2))
    if args.markdown:
        print("| side | command | PSNR | SSIM | steps | Gaussians | " + " | ".join(STAGES) + " | load |")
        print("|---|---|---|---|---|---|" + "---|" * len(STAGES) + "---|")
        for side in ("old", "new"):
            r = results.get(side)
            if not r:
                continue
            if r.get("exit"):
                print(f"| {side} | `{r['command']}` | failed: {r.get('error')} |")
                continue
            secs = " | ".join(f"{r['seconds'][s]:.1f}" if s in r["seconds"] else "-" for s in STAGES)
            print(
                f"| {side} | `{r['command']}` | {r['psnr']:.2f} | {r['ssim']:.3f} | {r['steps']} |"
                f" {r['gaussians']:,} | {secs} | {r['load_average'][0]} -> {r['load_average'][1]} |"
            )
        print(
            "| old / new | | | | | | "
            + " | ".join(f"{ratios[s]:.2f}x" if s in ratios else "-" for s in STAGES)
            + " | |"
        )


if __name__ == "__main__":
    main()
