"""Benchmark 12b: lego at 800 px on a GPU, time to held-out PSNR >= 33 dB, ours vs gsplat's default recipe.

    python bench/splat_lego_gpu.py [--data ../shared/data/nerf_lego] [--arms gsplat-default,studio]
        [--studio KEY=VALUE ...] [--variant NAME:KEY=VALUE,KEY=VALUE ...] [--eval-every 500]
        [--target-psnr 33] [--max-minutes M] [--budget-minutes B] [--json report.json] [--device cuda]

What it does. Loads the NeRF-synthetic lego train split (100 RGBA views, composited on white) at
``--long-edge`` (800) px and holds out every 8th view (0, 8, ..., 96: 13 views). Then it runs each ARM in its
own child process (so peak GPU memory and the allocator are per arm), one after the other:

* ``gsplat-default``: gsplat's own default recipe as its ``examples/simple_trainer.py`` runs by default (our
  own code, written from reading it): 30,000 steps of batch 1, ``gsplat.strategy.DefaultStrategy()`` with its
  defaults driving densification through ``check_sanity`` / ``initialize_state`` / ``step_pre_backward`` /
  ``step_post_backward`` (after the optimiser step, as simple_trainer does), one ``torch.optim.Adam`` per
  parameter (eps 1e-15) with simple_trainer's learning rates (means 1.6e-4 x scene scale, decayed by
  ``ExponentialLR`` to 0.01x over the run; scales 5e-3, quats 1e-3, opacities 5e-2, sh0 2.5e-3, shN
  2.5e-3/20), loss 0.8 L1 + 0.2 (1 - SSIM), SH degree +1 every 1000 steps up to 3, ``packed=False``, white
  backgrounds. Differences from running simple_trainer itself, all shared with our arm so that only the recipe
  differs: the initial Gaussians are ours (``studio.splat.train.initial_gaussians`` on the same 87 training
  views with the same config and seed: lego has no SfM points, so they are space-carved from the masks), the
  view order is our seeded per-epoch shuffle, SSIM is ``studio.splat.metrics.ssim_map`` (11x11 Gaussian
  window, "valid" positions, like simple_trainer's ``fused_ssim(padding="valid")``), the scene scale is
  ``camera_extent`` (1.1 x the largest camera distance from their mean, as simple_trainer's parser) without
  its world normalisation. gsplat 1.5.3's ``DefaultStrategy`` never resets opacities: its test
  ``step % reset_every == 0 & step > 0`` is always False (fixed upstream by #776, after 1.5.3). The arm runs
  the installed strategy as it is.
* ``studio`` (one arm per ``--variant``, named ``studio/<variant>``): our ``studio.splat.train.train`` on
  ``--device``. Every variant starts from ``DEFAULT_RECIPE`` (below), then the ``--studio KEY=VALUE``
  overrides (all variants), then its own ``KEY=VALUE`` pairs (``TrainConfig`` fields). Without ``--variant``
  one arm ``studio/compact3k`` runs the default recipe: the 3DGS schedule compressed about 10x (3000 steps,
  densification every 100 steps from 100 to 1500, no opacity reset, SH degree +1 every 250 steps, up to 1M
  Gaussians). It is an UNMEASURED starting point to be tuned on the GPU, not a claim that it meets the target.

Measurement, the same for every arm: every ``--eval-every`` steps and after the last step the 13 held-out
views are rendered (through ``studio.splat.rasterize``: gsplat on CUDA) and PSNR / SSIM computed on the
device, with the training clock paused (``torch.cuda.synchronize()`` before each clock reading on CUDA); the
history records (step, training seconds, PSNR, SSIM, Gaussians). Data loading, initialisation and a warm-up
render (kernel loading, cuBLAS) happen before the clock starts. Per arm: time to first reach ``--target-psnr``
(resolution: one eval interval) or "not reached", final PSNR / SSIM / Gaussians, training seconds, evaluation
seconds, peak GPU memory (``max_memory_allocated`` and ``max_memory_reserved`` after
``reset_peak_memory_stats``, evaluation included). Then, per studio arm, the ratio gsplat-default
time-to-target / studio time-to-target and whether studio's final PSNR is >= gsplat's. Output: a markdown
table on stdout (and in ``--markdown``), the full report in ``--json`` (rewritten after every arm), and one
JSON line per evaluation in ``--progress`` (appended as it happens, so a run killed by a time limit still
leaves its history).

Caps. ``--max-minutes M`` stops an arm's training once M minutes of its wall time (training + evaluations)
have passed, checked at each evaluation; it is then evaluated and marked "capped". ``--budget-minutes B``
bounds the whole command: each arm's cap is also cut to what is left of B minutes minus a minute for loading
and the final evaluation, and arms with under a minute left are skipped. The caps never change a recipe's
schedule (the means learning rate still decays over the planned steps).

CPU. ``--device cpu`` runs both arms with our CPU rasterizer (the gsplat-default arm through a small adapter
with the outputs ``DefaultStrategy`` reads); ``--gsplat-steps-scaler`` shrinks gsplat's schedule like
simple_trainer's ``steps_scaler`` (the arm is then named ``gsplat-default@<scaler>``). CPU runs are for the
smoke test (tests/splat/test_bench_splat_gpu_script.py), never a figure.

Plan for a GPU session (30 minutes of device time, 10 minutes per command, about 1-2 minutes per machine
start; the device machine has python3 3.12 with torch 2.11 + CUDA 13, nvcc and ninja, but no gsplat, no
network, and it does not see ../shared). Nothing below has been run on a GPU yet.

0. Here, no device time (once; both folders are ignored by git and travel with ``carry``)::

       echo /.whl/ >> .git/info/exclude; echo /.lego/ >> .git/info/exclude
       python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \\
           --platform manylinux2014_x86_64 -d .whl gsplat==1.5.3          # 6.5 MB, pure Python + CUDA sources
       .venv/bin/python bench/splat_lego_gpu.py --prepare-carry .lego     # lossless WebP copy: 43 -> 31 MB

   The WebP copy loads to the same pixels, masks and cameras as the PNGs (checked); with the PNGs the working
   tree (16 MB) + wheel + data would be 63 of the 64 MiB that may travel.

1. Command A (``carry=[".whl", ".lego"]``, ``timeout_s=600``): install gsplat, JIT-build its CUDA extension
   (``build_seconds`` in the report; how long it takes here is unknown, gsplat says "a few minutes"), run
   gsplat's recipe shortened 50x (600 steps, arm ``gsplat-default@0.02``: proves that arm's CUDA path in
   seconds before B spends minutes on it), then the default studio arm::

       P=/tmp/site; python3 -m pip install -q --no-index --no-deps --no-compile --target $P .whl/* || exit;
       export PYTHONPATH=$P:$PWD TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=16 TORCH_EXTENSIONS_DIR=/tmp/gsplat_ext;
       export PYTHONUNBUFFERED=1; nvidia-smi -L; python3 -c "import PIL.features as f; print(f.check('webp'))"
       python3 bench/splat_lego_gpu.py --data .lego --arms gsplat-default,studio --gsplat-steps-scaler 0.02 \\
           --eval-every 100 --budget-minutes 9 \\
           --json $OUT/a.json --progress $OUT/a.progress.jsonl --markdown $OUT/a.md

2. Command B, straight after A (the machine stays warm about 30 s; if it went cold the extension is rebuilt
   inside the budget): the same three set-up lines, then::

       python3 bench/splat_lego_gpu.py --data .lego --arms gsplat-default --eval-every 250 \\
           --budget-minutes 9.3 --json $OUT/b.json --progress $OUT/b.progress.jsonl --markdown $OUT/b.md

   If gsplat's 30k steps do not fit, the arm is marked capped: its time to 33 dB is still measured if it got
   there before the cap, and its final PSNR is then a lower bound of the recipe's.
3. Command C, only with 8+ minutes left: studio variants to tune, e.g. (same set-up lines)::

       python3 bench/splat_lego_gpu.py --data .lego --arms studio --eval-every 100 --budget-minutes LEFT-1 \\
           --variant c2k:steps=2000,refine_stop=1000,sh_interval=150 \\
           --variant c5k:steps=5000,refine_stop=2500,sh_interval=400 \\
           --json $OUT/c.json --progress $OUT/c.progress.jsonl --markdown $OUT/c.md

4. Here: ``python bench/splat_lego_gpu.py --combine a.json b.json [c.json] --json all.json --markdown all.md``
   merges the reports into one table with the ratios (compare arms run on the same device kind only).

Exits with code 2 and a message when the data is absent or an argument is invalid.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "nerf_lego"
GSPLAT_ARM = "gsplat-default"
HOLDOUT_EVERY = 8

# The default studio recipe: the 3DGS schedule compressed ~10x. Unmeasured on a GPU; a starting point to tune.
DEFAULT_VARIANT = "compact3k"
DEFAULT_RECIPE: dict[str, Any] = {
    "steps": 3000,
    "sh_interval": 250,  # SH degree 3 from step 750 (3DGS: 3000)
    "refine_start": 100,  # densify from step 100 ... (3DGS: 500)
    "refine_every": 100,
    "refine_stop": 1500,  # ... to 1500 (3DGS: 15,000)
    "reset_every": 0,  # no opacity reset: a reset costs hundreds of steps to recover (as TrainConfig.compact)
}
# Fixed for every studio arm: the bench evaluates; train() must not preview, checkpoint or sync for progress.
BENCH_FIXED: dict[str, Any] = {
    "holdout_every": HOLDOUT_EVERY,
    "preview_every": 0,
    "checkpoint_every": 10**9,
    "progress_every": 10**9,
}
# gsplat examples/simple_trainer.py defaults (v1.5.3).
GSPLAT_DEFAULTS: dict[str, Any] = {
    "max_steps": 30_000,
    "sh_degree": 3,
    "sh_degree_interval": 1000,
    "ssim_lambda": 0.2,
    "near_plane": 0.01,
    "far_plane": 1e10,
    "lr": {
        "means": 1.6e-4,  # x scene scale
        "scales": 5e-3,
        "quats": 1e-3,
        "opacities": 5e-2,
        "sh0": 2.5e-3,
        "shN": 2.5e-3 / 20,
    },
    "means_lr_final_factor": 0.01,
    "adam_eps": 1e-15,
}
INIT_KEYS = ("seed", "sh_degree", "init_points", "init_opacity", "init_scale_cap")
# What --budget-minutes keeps back per arm for loading the data and the final evaluation.
LOAD_AND_EVAL_RESERVE_S = 60.0


class BenchError(Exception):
    """A user error: printed as one line, exit code 2."""


# ============================================================================================== arguments


def parse_value(text: str) -> Any:
    """A TrainConfig value from the command line: int, float, or none/null."""
    low = text.strip().lower()
    if low in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise BenchError(f"{text!r} is not a number (TrainConfig values are numbers or 'none').")


def parse_pairs(items: list[str], what: str) -> dict[str, Any]:
    """``["a=1", "b=2"]`` -> ``{"a": 1, "b": 2}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BenchError(f"{what} takes KEY=VALUE, got {item!r}.")
        out[key.strip()] = parse_value(value)
    return out


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """``"fast:steps=7000,refine_stop=4000"`` -> ``("fast", {...})``."""
    name, _, rest = text.partition(":")
    name = name.strip()
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise BenchError(f"--variant needs NAME:KEY=VALUE,... with a plain name, got {text!r}.")
    return name, parse_pairs([p for p in rest.split(",") if p.strip()], f"--variant {name}")


def studio_config(base: dict[str, Any], overrides: dict[str, Any], seed: int) -> dict[str, Any]:
    """The TrainConfig values of a studio arm (validated); the bench's fixed settings cannot be overridden."""
    from studio.errors import StudioError
    from studio.splat.train import TrainConfig

    for key, value in BENCH_FIXED.items():
        if key in base or key in overrides:
            raise BenchError(f"{key} is fixed by the benchmark ({value}); do not override it.")
    values = {**DEFAULT_RECIPE, "seed": seed, **base, **overrides, **BENCH_FIXED}
    try:
        config = TrainConfig.from_dict(values)
    except StudioError as exc:
        raise BenchError(str(exc)) from exc
    return asdict(config)


def build_arms(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The arms to run, in order, as JSON-able specs."""
    names = [a.strip() for a in args.arms.split(",") if a.strip()]
    unknown = [a for a in names if a not in (GSPLAT_ARM, "studio")]
    if unknown or not names:
        raise BenchError(f"--arms takes {GSPLAT_ARM} and/or studio, got {args.arms!r}.")
    base = parse_pairs(args.studio, "--studio")
    variants = [parse_variant(v) for v in args.variant] or [(DEFAULT_VARIANT, {})]
    if len({v[0] for v in variants}) != len(variants):
        raise BenchError("Two --variant share a name.")
    init_config = studio_config(base, {}, args.seed)
    arms: list[dict[str, Any]] = []
    for name in names:
        if name == GSPLAT_ARM:
            arms.append(
                {
                    # A shortened schedule is a different recipe: it gets its own name.
                    "name": GSPLAT_ARM
                    if args.gsplat_steps_scaler == 1.0
                    else f"{GSPLAT_ARM}@{args.gsplat_steps_scaler:g}",
                    "kind": GSPLAT_ARM,
                    "init_config": init_config,
                    "steps_scaler": args.gsplat_steps_scaler,
                }
            )
        else:
            for variant, overrides in variants:
                config = studio_config(base, overrides, args.seed)
                arms.append(
                    {
                        "name": f"studio/{variant}",
                        "kind": "studio",
                        "config": config,
                        "overrides": {**base, **overrides},
                        "same_init_as_gsplat": all(config[k] == init_config[k] for k in INIT_KEYS),
                    }
                )
    return arms


# ============================================================================================== measuring


def time_to_target(history: list[dict[str, Any]], target: float) -> dict[str, Any] | None:
    """The first evaluation with PSNR >= target (its step and training seconds), or None."""
    for entry in history:
        if entry["psnr"] >= target:
            return {"step": entry["step"], "seconds": entry["seconds"]}
    return None


class Recorder:
    """Evaluates a model on the held-out views (on the device) and keeps the history and the wall-time cap."""

    def __init__(self, arm: str, views, background, device, cap_seconds: float | None, progress: Path | None):
        import torch

        self.arm = arm
        self.views = views
        self.device = device
        self.background = tuple(float(c) for c in background)
        self.targets = [torch.from_numpy(v.image.copy()).to(device, torch.float32) / 255.0 for v in views]
        self.cap_seconds = cap_seconds
        self.progress = progress
        self.history: list[dict[str, Any]] = []
        self.eval_seconds = 0.0
        self.started = time.perf_counter()

    def sync(self) -> None:
        import torch

        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def start(self) -> None:
        self.started = time.perf_counter()

    def capped(self) -> bool:
        return self.cap_seconds is not None and time.perf_counter() - self.started >= self.cap_seconds

    def evaluate(self, step: int, seconds: float, gaussians) -> dict[str, Any]:
        """Record (step, training seconds, PSNR, SSIM, Gaussians) of ``gaussians``; the caller's clock is
        paused."""
        import torch

        from studio.splat.metrics import ssim_map
        from studio.splat.rasterize import render_gaussians

        t0 = time.perf_counter()
        psnrs, ssims = [], []
        with torch.no_grad():
            for view, target in zip(self.views, self.targets, strict=True):
                out = render_gaussians(
                    gaussians, view.K, view.world_to_cam, view.width, view.height, self.background
                )
                image = out.image.clamp(0, 1)
                mse = torch.mean((image - target) ** 2)
                psnrs.append(10.0 * torch.log10(1.0 / mse.clamp_min(1e-20)))
                ssims.append(ssim_map(image, target).mean())
            psnr = float(torch.stack(psnrs).mean())
            ssim = float(torch.stack(ssims).mean())
        entry = {
            "step": int(step),
            "seconds": round(float(seconds), 4),
            "psnr": round(psnr, 4),
            "ssim": round(ssim, 5),
            "gaussians": int(gaussians.n),
        }
        self.history.append(entry)
        self.eval_seconds += time.perf_counter() - t0
        if self.progress is not None:
            with open(self.progress, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"arm": self.arm, **entry}) + "\n")
        print(
            f"  [{self.arm}] step {step:6d}  {seconds:8.2f} s  {psnr:6.2f} dB  SSIM {ssim:.4f}  "
            f"{gaussians.n:,} Gaussians",
            flush=True,
        )
        return entry


def warm_up(device, width: int, height: int) -> None:
    """Load the CUDA kernels (gsplat's extension, cuBLAS): a throw-away render + backward before any clock."""
    import torch

    from studio.errors import DependencyError
    from studio.splat.metrics import ssim_map
    from studio.splat.rasterize import rasterize

    if device.type != "cuda":
        return
    from gsplat.cuda._backend import _C

    if _C is None:
        raise DependencyError("gsplat's CUDA extension did not build (see the log above).")
    g = torch.Generator(device="cpu").manual_seed(0)
    n = 1000
    means = (torch.randn(n, 3, generator=g) * 0.5).to(device).requires_grad_(True)
    quats = torch.randn(n, 4, generator=g).to(device)
    scales = torch.full((n, 3), 0.05, device=device)
    opac = torch.full((n,), 0.5, device=device)
    sh = torch.rand(n, 16, 3, generator=g).to(device)
    view = torch.eye(4, device=device)
    view[2, 3] = 4.0
    K = torch.tensor([[width, 0, width / 2], [0, width, height / 2], [0, 0, 1.0]], device=device)
    bg = torch.ones(3, device=device)
    for degree in range(4):
        out = rasterize(means, quats, scales, opac, sh, degree, view, K, width, height, bg, backend="gsplat")
        (out.image.mean() + ssim_map(out.image, out.image.detach() * 0.5).mean()).backward()
    torch.cuda.synchronize(device)


def _device_info(device) -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {
        "device": device.type,
        "device_name": (
            torch.cuda.get_device_name(device)
            if device.type == "cuda"
            else f"CPU {platform.machine()} x{os.cpu_count()}"
        ),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
    }
    try:
        import gsplat

        info["gsplat"] = gsplat.__version__
    except ImportError:
        info["gsplat"] = None
    return info


def _peak_memory(device) -> dict[str, Any]:
    import resource

    import torch

    out: dict[str, Any] = {
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    }
    if device.type == "cuda":
        out["peak_gpu_allocated_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
        out["peak_gpu_reserved_mib"] = round(torch.cuda.max_memory_reserved(device) / 2**20, 1)
    else:
        out["peak_gpu_allocated_mib"] = out["peak_gpu_reserved_mib"] = None
    return out


# ============================================================================================== arms


def _torch_rasterization(
    means,
    quats,
    scales,
    opacities,
    colors,
    viewmats,
    Ks,
    width,
    height,
    *,
    sh_degree,
    backgrounds,
    packed=False,
    near_plane=0.01,
    eps2d=0.3,
    **_ignored,
):
    """CPU stand-in for ``gsplat.rasterization`` (smoke tests only): our rasterizer, outputs shaped as
    gsplat's with one camera and ``packed=False``: renders [1, H, W, 3], alphas [1, H, W, 1], and the info
    keys ``DefaultStrategy`` reads (means2d [1, N, 2] that the render depends on, radii [1, N, 2], width,
    height, n_cameras, gaussian_ids)."""
    from studio.splat.rasterize import composite, project, sh_to_rgb

    if packed:
        raise ValueError("the CPU stand-in renders packed=False only")
    viewmat, K = viewmats[0], Ks[0]
    means2d, conics, depths, radii = project(
        means, quats, scales, opacities, viewmat, K, width, height, eps2d=eps2d, near_plane=near_plane
    )
    means2d = means2d[None]  # the render below is computed from this [1, N, 2] tensor, so its .grad is filled
    cam_pos = -viewmat[:3, :3].T @ viewmat[:3, 3]
    rgb = sh_to_rgb(colors, sh_degree, means - cam_pos)
    image, alpha = composite(means2d[0], conics, opacities, rgb, radii, depths, backgrounds[0], width, height)
    info = {
        "means2d": means2d,
        "radii": radii[None],
        "depths": depths[None],
        "conics": conics[None],
        "width": width,
        "height": height,
        "n_cameras": 1,
        "n_batches": 1,
        "gaussian_ids": None,
        "camera_ids": None,
        "batch_ids": None,
    }
    return image[None], alpha[None, ..., None], info


def run_gsplat_default(
    arm: dict[str, Any], scene, settings: dict[str, Any], recorder: Recorder
) -> dict[str, Any]:
    """gsplat's default 30k recipe (simple_trainer's defaults), from our initial Gaussians, our evaluation."""
    import torch
    from gsplat.strategy import DefaultStrategy

    from studio.splat.gaussians import Gaussians
    from studio.splat.metrics import ssim_map
    from studio.splat.train import TrainConfig, camera_extent, initial_gaussians, split_views

    device = recorder.device
    if device.type == "cuda":
        from gsplat import rasterization
    else:
        rasterization = _torch_rasterization
    d = GSPLAT_DEFAULTS
    scaler = float(arm.get("steps_scaler", 1.0))
    max_steps = max(1, int(d["max_steps"] * scaler))
    sh_interval = max(1, int(d["sh_degree_interval"] * scaler))
    strategy = DefaultStrategy()
    if scaler != 1.0:  # simple_trainer's adjust_steps (with a floor of 1 on intervals, for tiny smoke runs)
        strategy.refine_start_iter = int(strategy.refine_start_iter * scaler)
        strategy.refine_stop_iter = int(strategy.refine_stop_iter * scaler)
        strategy.reset_every = max(1, int(strategy.reset_every * scaler))
        strategy.refine_every = max(1, int(strategy.refine_every * scaler))

    train_views, _ = split_views(scene.views, HOLDOUT_EVERY)
    g0, init_kind = initial_gaussians(scene, train_views, TrainConfig.from_dict(arm["init_config"]))
    g0 = g0.with_sh_degree(d["sh_degree"]).to(device)
    n_init = g0.n
    params = {
        "means": g0.means,
        "scales": g0.log_scales,
        "quats": g0.quats,
        "opacities": g0.opacity_logits,
        "sh0": g0.sh[:, :1],
        "shN": g0.sh[:, 1:],
    }
    params = {k: torch.nn.Parameter(v.detach().clone().contiguous()) for k, v in params.items()}
    scene_scale = camera_extent(scene.views)
    lrs = dict(d["lr"])
    lrs["means"] *= scene_scale
    optimizers = {
        k: torch.optim.Adam([{"params": [params[k]], "lr": lrs[k], "name": k}], eps=d["adam_eps"])
        for k in params
    }
    means_decay = torch.optim.lr_scheduler.ExponentialLR(
        optimizers["means"], gamma=d["means_lr_final_factor"] ** (1.0 / max_steps)
    )
    strategy.check_sanity(params, optimizers)
    strategy_state = strategy.initialize_state(scene_scale=scene_scale)

    targets = [torch.from_numpy(v.image.copy()).to(device, torch.float32) / 255.0 for v in train_views]
    cams = [
        (
            torch.as_tensor(v.world_to_cam, dtype=torch.float32, device=device)[None],
            torch.as_tensor(v.K, dtype=torch.float32, device=device)[None],
        )
        for v in train_views
    ]
    background = torch.tensor(scene.background, dtype=torch.float32, device=device)[None]
    seed = int(arm["init_config"]["seed"])
    w = float(d["ssim_lambda"])

    def current() -> Gaussians:
        with torch.no_grad():
            return Gaussians(
                means=params["means"].detach(),
                quats=params["quats"].detach(),
                log_scales=params["scales"].detach(),
                opacity_logits=params["opacities"].detach(),
                sh=torch.cat([params["sh0"], params["shN"]], dim=1).detach(),
                sh_degree=d["sh_degree"],
            )

    recorder.sync()
    recorder.start()
    start = time.perf_counter()
    paused = 0.0
    capped = False
    steps_done = 0
    for step in range(max_steps):
        n_views = len(train_views)
        epoch, slot = divmod(step, n_views)
        order = torch.randperm(n_views, generator=torch.Generator().manual_seed(seed * 7919 + epoch))
        vi = int(order[slot])
        viewmats, Ks = cams[vi]
        view = train_views[vi]
        colors = torch.cat([params["sh0"], params["shN"]], dim=1)
        renders, _alphas, info = rasterization(
            means=params["means"],
            quats=params["quats"],
            scales=torch.exp(params["scales"]),
            opacities=torch.sigmoid(params["opacities"]),
            colors=colors,
            viewmats=viewmats,
            Ks=Ks,
            width=view.width,
            height=view.height,
            near_plane=d["near_plane"],
            far_plane=d["far_plane"],
            sh_degree=min(step // sh_interval, d["sh_degree"]),
            packed=False,
            absgrad=strategy.absgrad,
            backgrounds=background,
        )
        strategy.step_pre_backward(params, optimizers, strategy_state, step, info)
        image, gt = renders[0], targets[vi]
        l1 = (image - gt).abs().mean()
        loss = (1.0 - w) * l1 + w * (1.0 - ssim_map(image, gt).mean())
        loss.backward()
        for optimizer in optimizers.values():
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        means_decay.step()
        strategy.step_post_backward(params, optimizers, strategy_state, step, info, packed=False)
        steps_done = step + 1
        if steps_done % settings["eval_every"] == 0 or steps_done == max_steps:
            recorder.sync()
            t0 = time.perf_counter()
            recorder.evaluate(steps_done, t0 - start - paused, current())
            recorder.sync()
            paused += time.perf_counter() - t0
            if steps_done < max_steps and recorder.capped():
                capped = True
                break
    recorder.sync()
    training_seconds = time.perf_counter() - start - paused
    return {
        "steps_planned": max_steps,
        "steps_done": steps_done,
        "capped": capped,
        "training_seconds": round(training_seconds, 3),
        "init": {
            "kind": init_kind,
            "gaussians": n_init,
            "config": {k: arm["init_config"][k] for k in INIT_KEYS},
        },
        "recipe": {
            **{k: v for k, v in d.items() if k != "lr"},
            "max_steps": max_steps,
            "sh_degree_interval": sh_interval,
            "lr": lrs,
            "scene_scale": scene_scale,
            "strategy": {
                k: getattr(strategy, k)
                for k in (
                    "refine_start_iter",
                    "refine_stop_iter",
                    "refine_every",
                    "reset_every",
                    "grow_grad2d",
                )
            },
        },
    }


def run_studio(arm: dict[str, Any], scene, settings: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    """Our ``train()`` with the arm's config, evaluated by its step hook (clock paused)."""
    from studio.splat.train import TrainConfig, train

    config = TrainConfig.from_dict(arm["config"])
    capped = [False]

    every = settings["eval_every"]

    def evaluate_now(info) -> bool:
        if info.step % every and not info.last:
            return False
        recorder.evaluate(info.step, info.seconds, info.model())
        if info.step < config.steps and recorder.capped():
            capped[0] = True
            return True
        return False

    recorder.start()
    result = train(scene, config, device=recorder.device.type, on_step=evaluate_now, pause_clock_in_hook=True)
    return {
        "steps_planned": config.steps,
        "steps_done": result.steps,
        "capped": capped[0],
        "training_seconds": round(result.seconds, 3),
        "init": {"config": {k: arm["config"][k] for k in INIT_KEYS}},
        "same_init_as_gsplat": arm.get("same_init_as_gsplat"),
        "overrides": arm.get("overrides", {}),
        "recipe": arm["config"],
        "train_eval": {"psnr": result.psnr, "ssim": result.ssim},  # train()'s own final evaluation (on CPU)
    }


def run_arm(
    arm: dict[str, Any], scene, settings: dict[str, Any], progress: Path | None = None
) -> dict[str, Any]:
    """Run one arm on ``settings["device"]`` and return its report entry (history, time to target, memory)."""
    import torch

    from studio.splat.train import split_views

    device = torch.device(settings["device"])
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BenchError("--device cuda was asked for but torch sees no CUDA GPU.")
    train_views, holdout = split_views(scene.views, HOLDOUT_EVERY)
    warm_up(device, scene.views[0].width, scene.views[0].height)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    recorder = Recorder(arm["name"], holdout, scene.background, device, settings.get("cap_seconds"), progress)
    wall0 = time.perf_counter()
    runner = run_gsplat_default if arm["kind"] == GSPLAT_ARM else run_studio
    out = runner(arm, scene, settings, recorder)
    wall = time.perf_counter() - wall0
    final = recorder.history[-1]
    return {
        "arm": arm["name"],
        "kind": arm["kind"],
        "views": {
            "train": len(train_views),
            "holdout": len(holdout),
            "size": [scene.views[0].width, scene.views[0].height],
        },
        **out,
        "history": recorder.history,
        "time_to_target": time_to_target(recorder.history, settings["target_psnr"]),
        "final": {"psnr": final["psnr"], "ssim": final["ssim"], "gaussians": final["gaussians"]},
        "eval_seconds": round(recorder.eval_seconds, 3),
        "wall_seconds": round(wall, 3),
        "cap_seconds": settings.get("cap_seconds"),
        "eval_every": settings["eval_every"],
        **_peak_memory(device),
        **_device_info(device),
    }


# ============================================================================================== processes


def load_scene(data: Path, long_edge: int):
    from studio.splat.nerf import load_nerf_transforms

    return load_nerf_transforms(data, long_edge=long_edge, background=(1.0, 1.0, 1.0))


def child_main(spec_json: str, result_path: Path) -> int:
    """One arm in this (child) process: load the data, run, write the result JSON."""
    spec = json.loads(spec_json)
    settings, arm = spec["settings"], spec["arm"]
    import torch

    if settings.get("threads"):
        torch.set_num_threads(int(settings["threads"]))
    torch.manual_seed(0)
    t0 = time.perf_counter()
    scene = load_scene(Path(settings["data"]), settings["long_edge"])
    load_seconds = time.perf_counter() - t0
    progress = Path(settings["progress"]) if settings.get("progress") else None
    result = run_arm(arm, scene, settings, progress)
    result["load_seconds"] = round(load_seconds, 2)
    result_path.write_text(json.dumps(result, indent=1))
    return 0


def build_main() -> int:
    """Import gsplat's CUDA backend (JIT-building it if needed) and report how long that took."""
    t0 = time.perf_counter()
    from gsplat.cuda._backend import _C

    seconds = time.perf_counter() - t0
    print(json.dumps({"gsplat_extension": _C is not None, "build_seconds": round(seconds, 1)}), flush=True)
    return 0 if _C is not None else 1


def _spawn(args: list[str], timeout: float | None) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    try:
        return subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), *args], env=env, timeout=timeout, check=False
        ).returncode
    except subprocess.TimeoutExpired:
        return 124


def run_arm_in_child(arm: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench12b_") as tmp:
        result_path = Path(tmp) / "result.json"
        spec = json.dumps({"arm": arm, "settings": settings})
        timeout = None if settings.get("cap_seconds") is None else settings["cap_seconds"] + 600
        rc = _spawn(["--child", spec, "--child-result", str(result_path)], timeout)
        if rc != 0 or not result_path.is_file():
            return {"arm": arm["name"], "kind": arm["kind"], "error": f"child process exited with {rc}"}
        return json.loads(result_path.read_text())


# ============================================================================================== report


def compare(results: list[dict[str, Any]], target: float) -> list[dict[str, Any]]:
    """Per studio arm: gsplat-default time-to-target / studio time-to-target; is its PSNR not lower."""
    ok = [r for r in results if r.get("kind") == GSPLAT_ARM and "error" not in r]
    # The reference is gsplat's full recipe; a shortened one (smoke runs) only when there is no other.
    ref = next((r for r in ok if r["arm"] == GSPLAT_ARM), ok[0] if ok else None)
    rows = []
    for r in results:
        if r.get("kind") != "studio" or "error" in r or ref is None:
            continue
        ref_t, ours_t = ref.get("time_to_target"), r.get("time_to_target")
        ratio = ref_t["seconds"] / ours_t["seconds"] if ref_t and ours_t and ours_t["seconds"] > 0 else None
        psnr_ok = r["final"]["psnr"] >= ref["final"]["psnr"]
        rows.append(
            {
                "studio_arm": r["arm"],
                "speedup_to_target": None if ratio is None else round(ratio, 2),
                "psnr_not_lower": psnr_ok,
                "psnr_delta_db": round(r["final"]["psnr"] - ref["final"]["psnr"], 3),
                "target_met": bool(ratio is not None and ratio >= 8.0 and psnr_ok),
                "reference_capped": bool(ref.get("capped")),
                "note": _compare_note(ref, r, target),
            }
        )
    return rows


def _compare_note(ref: dict[str, Any], ours: dict[str, Any], target: float) -> str:
    notes = []
    if ref["arm"] != GSPLAT_ARM:
        notes.append(f"reference is {ref['arm']}, not the full 30k recipe")
    if not ref.get("time_to_target"):
        notes.append(f"{GSPLAT_ARM} did not reach {target:g} dB")
    if not ours.get("time_to_target"):
        notes.append(f"{ours['arm']} did not reach {target:g} dB")
    if ref.get("capped"):
        notes.append(f"{GSPLAT_ARM} was capped: its final PSNR is a lower bound")
    if ours.get("same_init_as_gsplat") is False:
        notes.append("different initial Gaussians")
    if ref.get("device_name") != ours.get("device_name"):
        notes.append("different devices")
    return "; ".join(notes)


def _gib(mib: float | None) -> str:
    return "-" if mib is None else f"{mib / 1024:.2f}"


def markdown(report: dict[str, Any]) -> str:
    """The results as markdown tables, ready for bench/README.md."""
    target = report["target_psnr"]
    lines = [
        (
            f"| arm | steps | capped | Gaussians | time to {target:g} dB (step) | final PSNR | final SSIM "
            "| training s | eval s | peak GPU alloc / reserved GiB |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["arms"]:
        if "error" in r:
            lines.append(f"| {r['arm']} | error: {r['error']} | | | | | | | | |")
            continue
        ttt = r["time_to_target"]
        reached = f"**{ttt['seconds']:.1f} s** ({ttt['step']})" if ttt else "not reached"
        lines.append(
            f"| {r['arm']} | {r['steps_done']}/{r['steps_planned']} | {'capped' if r['capped'] else 'no'} "
            f"| {r['final']['gaussians']:,} | {reached} | {r['final']['psnr']:.2f} dB "
            f"| {r['final']['ssim']:.4f} "
            f"| {r['training_seconds']:.1f} | {r['eval_seconds']:.1f} "
            f"| {_gib(r['peak_gpu_allocated_mib'])} / {_gib(r['peak_gpu_reserved_mib'])} |"
        )
    if report["comparisons"]:
        lines += [
            "",
            (
                f"| studio arm | {GSPLAT_ARM} time / studio time to {target:g} dB "
                f"| final PSNR vs {GSPLAT_ARM} | >= 8x at no lower PSNR | note |"
            ),
            "|---|---|---|---|---|",
        ]
        for c in report["comparisons"]:
            ratio = "-" if c["speedup_to_target"] is None else f"{c['speedup_to_target']:.2f}x"
            lines.append(
                f"| {c['studio_arm']} | {ratio} | {c['psnr_delta_db']:+.2f} dB | "
                f"{'MET' if c['target_met'] else 'not met'} | {c['note']} |"
            )
    env = report.get("environment") or {}
    intervals = {r.get("eval_every", report["eval_every"]) for r in report["arms"] if "error" not in r}
    every = " / ".join(str(n) for n in sorted(intervals)) if intervals else str(report["eval_every"])
    lines += [
        "",
        (
            f"Device: {env.get('device_name', '?')}; torch {env.get('torch', '?')} "
            f"(CUDA {env.get('cuda', '?')}), "
            f"gsplat {env.get('gsplat', '?')}, Python {env.get('python', '?')}. Date: {report['date']}. "
            f"{report.get('views', '?')}. Eval every {every} steps. "
            f"Command: `{report['command']}`"
        ),
    ]
    return "\n".join(lines)


def assemble(results: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    env = next(
        (
            {k: r.get(k) for k in ("device_name", "torch", "cuda", "gsplat", "python")}
            for r in results
            if "error" not in r
        ),
        {},
    )
    views = next((r["views"] for r in results if "views" in r), None)
    if views:
        w, h = views["size"]
        meta = {
            **meta,
            "views": f"{views['train']} training + {views['holdout']} held-out views "
            f"(every {HOLDOUT_EVERY}th) at {w}x{h}",
        }
    return {**meta, "environment": env, "arms": results, "comparisons": compare(results, meta["target_psnr"])}


def _write_outputs(report: dict[str, Any], args: argparse.Namespace) -> None:
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    if args.markdown:
        Path(args.markdown).write_text(markdown(report) + "\n")


# ============================================================================================== carry copy


def prepare_carry(data: Path, folder: Path) -> int:
    """Copy the capture as lossless WebP (same composited pixels, ~27 % smaller) to fit the device's carry."""
    import numpy as np
    from PIL import Image

    from studio.splat.nerf import IMAGE_SUFFIXES, find_manifest

    manifest = find_manifest(data)
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for frame in doc["frames"]:
        raw = manifest.parent / frame["file_path"]
        found = [c for c in [raw, *(Path(f"{raw}{s}") for s in IMAGE_SUFFIXES)] if c.is_file()]
        if not found:
            raise BenchError(f"{manifest.name}: the image {frame['file_path']!r} does not exist.")
        source = found[0].resolve()
        rel = source.relative_to(manifest.parent.resolve()).with_suffix(".webp")
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(source) as im:
            im.load()
            im.save(target, "WEBP", lossless=True, quality=100, method=4)
            with Image.open(target) as back:
                a, b = np.asarray(im.convert("RGBA")), np.asarray(back.convert("RGBA"))
        alpha = a[..., 3:].astype(np.float32) / 255.0
        same_alpha = np.array_equal(a[..., 3], b[..., 3])
        if not (same_alpha and np.array_equal(np.round(a[..., :3] * alpha), np.round(b[..., :3] * alpha))):
            raise BenchError(f"{source.name}: the WebP copy does not decode to the same pixels.")
        frame["file_path"] = "./" + rel.with_suffix("").as_posix()
        total += target.stat().st_size
    (folder / manifest.name).write_text(json.dumps(doc, indent=1))
    print(
        f"wrote {len(doc['frames'])} lossless WebP views ({total / 1e6:.1f} MB) + {manifest.name} to {folder}"
    )
    return 0


# ============================================================================================== main


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--data", type=Path, default=Path(os.environ.get("STUDIO_LEGO", DEFAULT_DATA)))
    p.add_argument("--long-edge", type=int, default=800)
    p.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    p.add_argument("--arms", default=f"{GSPLAT_ARM},studio", help=f"comma list of {GSPLAT_ARM}, studio")
    p.add_argument("--studio", action="append", default=[], metavar="KEY=VALUE", help="TrainConfig override")
    p.add_argument(
        "--variant", action="append", default=[], metavar="NAME:KEY=VALUE,...", help="a studio arm"
    )
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--target-psnr", type=float, default=33.0)
    p.add_argument("--max-minutes", type=float, default=None, help="per-arm wall-time cap")
    p.add_argument("--budget-minutes", type=float, default=None, help="cap on the whole command")
    p.add_argument("--gsplat-steps-scaler", type=float, default=1.0, help="simple_trainer's steps_scaler")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads in the arms")
    p.add_argument("--json", type=Path, default=None, help="write the full report here")
    p.add_argument("--markdown", type=Path, default=None, help="write the markdown tables here")
    p.add_argument("--progress", type=Path, default=None, help="append one JSON line per evaluation here")
    p.add_argument("--in-process", action="store_true", help="run the arms in this process (debugging)")
    p.add_argument("--build-only", action="store_true", help="only JIT-build gsplat's CUDA extension")
    p.add_argument(
        "--prepare-carry", type=Path, default=None, metavar="DIR", help="write a WebP copy of --data"
    )
    p.add_argument("--combine", type=Path, nargs="+", default=None, metavar="JSON", help="merge reports")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--child-result", type=Path, default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = make_parser().parse_args(argv)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # the device machine has no installed studio
    try:
        if args.child is not None:
            return child_main(args.child, args.child_result)
        if args.build_only:
            return build_main()
        if args.combine:
            return combine(args)
        manifest = args.data / "transforms_train.json"
        if not manifest.is_file():
            print(
                f"lego data not found: {manifest} is missing. Put the NeRF-synthetic lego train split there "
                "(transforms_train.json + train/r_*.png) or pass --data / set STUDIO_LEGO.",
                file=sys.stderr,
            )
            return 2
        if args.prepare_carry is not None:
            return prepare_carry(args.data, args.prepare_carry)
        return run_bench(args, argv)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run_bench(args: argparse.Namespace, argv: list[str]) -> int:
    if args.eval_every < 1:
        raise BenchError(f"--eval-every must be >= 1, got {args.eval_every}.")
    for flag in ("max_minutes", "budget_minutes"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise BenchError(f"--{flag.replace('_', '-')} must be positive, got {value}.")
    arms = build_arms(args)
    t_start = time.perf_counter()
    settings: dict[str, Any] = {
        "data": str(args.data.resolve()),
        "long_edge": args.long_edge,
        "device": args.device,
        "eval_every": args.eval_every,
        "target_psnr": args.target_psnr,
        "threads": args.threads,
        "progress": str(args.progress.resolve()) if args.progress else None,
    }
    meta: dict[str, Any] = {
        "benchmark": "12b",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python", "bench/splat_lego_gpu.py", *argv]),
        "host": platform.node(),
        "data": settings["data"],
        "target_psnr": args.target_psnr,
        "eval_every": args.eval_every,
        "max_minutes": args.max_minutes,
        "budget_minutes": args.budget_minutes,
    }
    if args.device == "cuda" and not args.in_process:
        t0 = time.perf_counter()
        rc = _spawn(["--build-only"], None if args.budget_minutes is None else args.budget_minutes * 60)
        meta["build_seconds"] = round(time.perf_counter() - t0, 1)
        print(f"gsplat CUDA extension ready in {meta['build_seconds']} s (rc {rc})", flush=True)
        if rc != 0:
            raise BenchError("gsplat's CUDA extension could not be built or loaded (see above).")
    results: list[dict[str, Any]] = []
    scene = None
    for arm in arms:
        cap = None if args.max_minutes is None else args.max_minutes * 60.0
        if args.budget_minutes is not None:
            left = args.budget_minutes * 60.0 - (time.perf_counter() - t_start) - LOAD_AND_EVAL_RESERVE_S
            if left < 60.0:
                results.append(
                    {"arm": arm["name"], "kind": arm["kind"], "error": "skipped: --budget-minutes spent"}
                )
                continue
            cap = left if cap is None else min(cap, left)
        arm_settings = {**settings, "cap_seconds": cap}
        print(f"== {arm['name']} (cap {'none' if cap is None else f'{cap:.0f} s'})", flush=True)
        if args.in_process:
            if scene is None:
                scene = load_scene(args.data, args.long_edge)
            if args.threads:
                import torch

                torch.set_num_threads(args.threads)
            result = run_arm(arm, scene, arm_settings, args.progress)
        else:
            result = run_arm_in_child(arm, arm_settings)
        results.append(result)
        _write_outputs(assemble(results, meta), args)
    report = assemble(results, meta)
    _write_outputs(report, args)
    print()
    print(markdown(report))
    return 0 if all("error" not in r for r in results) else 1


def combine(args: argparse.Namespace) -> int:
    """Merge the arms of several reports (e.g. one command per arm) into one table and comparison."""
    reports = [json.loads(Path(p).read_text()) for p in args.combine]
    results = [arm for rep in reports for arm in rep["arms"]]
    meta = {k: v for k, v in reports[0].items() if k not in ("arms", "comparisons", "environment")}
    meta["command"] = " + ".join(rep["command"] for rep in reports)
    report = assemble(results, meta)
    _write_outputs(report, args)
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
