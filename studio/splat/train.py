"""Gaussian-splat training: 3DGS optimisation with densification, on CUDA (gsplat) or CPU (our rasterizer).

``train(scene, config)`` reads top to bottom:

1. split the views (every ``holdout_every``-th view is held out for evaluation) and put images on the device;
2. initialise Gaussians (the scene's SfM points; else space-carved from the masks; else random in the scene
   sphere) - or resume from the latest checkpoint;
3. loop: render one training view, loss ``(1 - w) L1 + w (1 - SSIM)`` (+ optional mask term), backward,
   accumulate screen-space gradients, Adam, densify / prune / reset opacity (3DGS heuristics), raise the SH
   degree on schedule; report progress, previews and checkpoints; stop on ``cancel`` (after a checkpoint);
4. evaluate PSNR / SSIM on the held-out views and store them (and the orbit hints) in the model's metadata.

Randomness is seeded and stateless per step (view order per epoch, split samples per refinement), so a resumed
run follows the same path as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from studio.cancel import CancelToken
from studio.devices import torch_device
from studio.errors import Cancelled, ConfigError, InputError, ModelError
from studio.fsutil import atomic_output, ensure_writable_dir
from studio.progress import ProgressFn, null_progress
from studio.splat.gaussians import (
    Gaussians,
    carve_points,
    fill_points,
    init_from_points,
    num_sh_coeffs,
    sample_in_sphere,
)
from studio.splat.metrics import Evaluation, psnr, ssim, ssim_map
from studio.splat.rasterize import quat_to_rotmat, rasterize, render_gaussians, to_uint8
from studio.splat.scene import Scene, View

CHECKPOINT_FORMAT = "1"
CHECKPOINT_INDEX = "checkpoint.json"
PARAM_NAMES = ("means", "quats", "log_scales", "opacity_logits", "sh0", "shN")

# monitor callback: fn(step, training_seconds, current) -> True to stop; current() returns the model so far.
MonitorFn = Callable[[int, float, Callable[[], Gaussians]], bool | None]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (3DGS defaults unless noted). Saved into the model metadata."""

    steps: int = 7000  # optimisation steps; each renders one training view
    max_seconds: float | None = None  # stop (then evaluate) after this much training; also paces the lr decay
    seed: int = 0  # seeds initialisation, view order and split sampling
    sh_degree: int = 3  # final spherical-harmonics degree (0..3)
    sh_interval: int = 1000  # the active SH degree rises by one every this many steps
    ssim_weight: float = 0.2  # loss = (1 - w) * L1 + w * (1 - SSIM)
    mask_weight: float = 0.0  # weight of mean |alpha - mask| on views that have a mask (0 = off)
    holdout_every: int = 8  # views 0, n, 2n, ... are held out for evaluation; 0 = train on all, no metrics
    preview_every: int = 250  # call on_preview with a render every this many steps (0 = never)
    checkpoint_every: int = 1000  # write a checkpoint every this many steps when checkpoint_dir is given
    progress_every: int = 25  # call on_progress every this many steps
    init_points: int = 20_000  # Gaussians to start from when the scene has no SfM points
    init_opacity: float = 0.1  # initial opacity of every Gaussian
    init_scale_cap: float = 0.05  # cap on the initial nearest-neighbour scale, x the scene radius
    fill_fraction: float = 0.4  # unmasked captures with SfM points: add this x their count of coloured random
    # points (see gaussians.fill_points) so background without SfM points starts covered; 0 = off
    max_gaussians: int = 1_000_000  # densification never grows the model past this
    lr_means: float = 1.6e-4  # Adam learning rate of the centres, times the camera extent, at step 0 ...
    lr_means_final: float = 1.6e-6  # ... decaying exponentially to this (times the extent) at the last step
    lr_scales: float = 5e-3  # learning rate of the log-scales
    lr_quats: float = 1e-3  # learning rate of the quaternions
    lr_opacities: float = 5e-2  # learning rate of the opacity logits
    lr_sh0: float = 2.5e-3  # learning rate of the DC colour
    lr_shN: float = 2.5e-3 / 20  # learning rate of the higher SH coefficients
    refine_start: int = 500  # densification starts after this step ...
    refine_stop: int = 15_000  # ... and stops at this step
    refine_every: int = 100  # densify / prune every this many steps
    reset_every: int = 3000  # reset all opacities to 2 x prune_opacity every this many steps (0 = never)
    grow_grad2d: float = 0.0002  # mean screen-space gradient (NDC) above which Gaussians are cloned/split
    grow_scale3d: float = 0.01  # Gaussians larger than this (times the extent) are split, smaller ones cloned
    prune_opacity: float = 0.005  # Gaussians less opaque than this are removed
    prune_scale3d: float = 0.1  # after the first opacity reset, Gaussians larger than this x extent go

    def __post_init__(self) -> None:
        checks = [
            (self.steps >= 1, "steps must be >= 1"),
            (self.max_seconds is None or self.max_seconds > 0, "max_seconds must be positive or None"),
            (0 <= self.sh_degree <= 3, "sh_degree must be 0..3"),
            (self.sh_interval >= 1, "sh_interval must be >= 1"),
            (0.0 <= self.ssim_weight <= 1.0, "ssim_weight must be in 0..1"),
            (self.mask_weight >= 0.0, "mask_weight must be >= 0"),
            (self.holdout_every == 0 or self.holdout_every >= 2, "holdout_every must be 0 or >= 2"),
            (self.init_points >= 16, "init_points must be >= 16"),
            (0.0 < self.init_opacity < 1.0, "init_opacity must be in (0, 1)"),
            (0.0 <= self.fill_fraction <= 5.0, "fill_fraction must be in 0..5"),
            (self.max_gaussians >= 16, "max_gaussians must be >= 16"),
            (self.refine_every >= 1, "refine_every must be >= 1"),
            (
                self.checkpoint_every >= 1 and self.progress_every >= 1,
                "checkpoint/progress intervals must be >= 1",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"Invalid TrainConfig: {message}.", f"Got {self!r}.")

    @classmethod
    def compact(cls, steps: int = 2000, max_seconds: float | None = None, **overrides: Any) -> TrainConfig:
        """The 3DGS schedule compressed to a few thousand steps with a model capped for small images (~100-200
        px): what the CPU path can afford. Measured on NeRF-synthetic lego at 100 px: see bench/README.md.
        """
        values: dict[str, Any] = {
            "steps": steps,
            "max_seconds": max_seconds,
            "sh_interval": max(1, steps // 6),
            "init_points": 10_000,
            "refine_start": min(100, steps),
            "refine_every": 100,
            "refine_stop": max(1, int(steps * 0.6)),
            "reset_every": 0,
            "max_gaussians": 30_000,
        }
        return cls.from_dict({**values, **overrides})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ConfigError(
                f"Unknown training settings: {', '.join(unknown)}.", f"Known: {', '.join(sorted(names))}."
            )
        return cls(**values)


@dataclass(frozen=True)
class TrainResult:
    """What a finished training run produced."""

    gaussians: Gaussians  # the trained model (metadata holds metrics, orbit hints and the config)
    psnr: float | None  # mean held-out PSNR in dB (None without held-out views)
    ssim: float | None  # mean held-out SSIM
    steps: int  # optimisation steps done (fewer than config.steps if max_seconds stopped it)
    seconds: float  # training wall time, resumed runs included
    train_views: list[str]
    holdout_views: list[str]
    device: str  # "cpu" or "cuda"
    per_view: dict[str, tuple[float, float]] = field(default_factory=dict)  # held-out view -> (PSNR, SSIM)
    stopped_early: bool = False  # True when max_seconds (or the monitor) ended training before config.steps


# ------------------------------------------------------------------------------------------------ helpers


def split_views(views: list[View], holdout_every: int) -> tuple[list[View], list[View]]:
    """(train, holdout): views 0, n, 2n, ... are held out (the 3DGS convention)."""
    if holdout_every <= 0 or len(views) < 2:
        return list(views), []
    holdout = [v for i, v in enumerate(views) if i % holdout_every == 0]
    train = [v for i, v in enumerate(views) if i % holdout_every != 0]
    return train, holdout


def camera_extent(views: list[View]) -> float:
    """1.1 x the largest distance of a camera centre from the cameras' mean (3DGS's scene scale)."""
    centres = np.stack([v.camera_center for v in views])
    return float(1.1 * np.max(np.linalg.norm(centres - centres.mean(0), axis=1)))


def _scene_fingerprint(scene: Scene) -> list[list[Any]]:
    return [[v.name, v.width, v.height] for v in scene.views]


class _Adam:
    """Adam over a dict of tensors whose rows can be appended / selected (densification) and checkpointed."""

    def __init__(self, params: dict[str, Tensor], lrs: dict[str, float], betas=(0.9, 0.999), eps=1e-15):
        self.lrs = dict(lrs)
        self.betas = betas
        self.eps = eps
        self.t = 0
        self.m = {k: torch.zeros_like(v) for k, v in params.items()}
        self.v = {k: torch.zeros_like(v) for k, v in params.items()}

    @torch.no_grad()
    def step(self, params: dict[str, Tensor]) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        for name, p in params.items():
            g = p.grad
            if g is None or p.numel() == 0:
                continue
            m, v = self.m[name], self.v[name]
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = (v / c2).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-self.lrs[name] / c1)
            p.grad = None

    def select(self, keep: Tensor) -> None:
        for d in (self.m, self.v):
            for k in d:
                d[k] = d[k][keep]

    def append_zeros(self, n: int) -> None:
        for d in (self.m, self.v):
            for k in d:
                d[k] = torch.cat(
                    [d[k], torch.zeros((n, *d[k].shape[1:]), dtype=d[k].dtype, device=d[k].device)]
                )

    def reset(self, name: str) -> None:
        self.m[name].zero_()
        self.v[name].zero_()


def _leaf(t: Tensor) -> Tensor:
    return t.detach().clone().requires_grad_(True)


@dataclass
class _State:
    """The running optimisation state (mutable; checkpointed)."""

    params: dict[str, Tensor]
    adam: _Adam
    grad2d: Tensor  # [N] accumulated screen-space gradient norms since the last refinement
    count: Tensor  # [N] how often each Gaussian was drawn since the last refinement
    step: int = 0  # steps completed
    seconds: float = 0.0  # training time spent so far (all sessions)

    @property
    def n(self) -> int:
        return int(self.params["means"].shape[0])

    def gaussians(self, sh_degree: int, meta: dict[str, Any] | None = None) -> Gaussians:
        p = {k: v.detach() for k, v in self.params.items()}
        return Gaussians(
            means=p["means"].clone(),
            quats=p["quats"].clone(),
            log_scales=p["log_scales"].clone(),
            opacity_logits=p["opacity_logits"].clone(),
            sh=torch.cat([p["sh0"], p["shN"]], dim=1).clone(),
            sh_degree=sh_degree,
            meta=dict(meta or {}),
        )


def _make_state(g: Gaussians, config: TrainConfig, extent: float, device: torch.device) -> _State:
    g = g.with_sh_degree(config.sh_degree).to(device)
    params = {
        "means": _leaf(g.means),
        "quats": _leaf(g.quats),
        "log_scales": _leaf(g.log_scales),
        "opacity_logits": _leaf(g.opacity_logits),
        "sh0": _leaf(g.sh[:, :1]),
        "shN": _leaf(g.sh[:, 1:]),
    }
    n = g.n
    adam = _Adam(params, _make_state_lrs(config, extent))
    return _State(params, adam, torch.zeros(n, device=device), torch.zeros(n, device=device))


# ------------------------------------------------------------------------------------------ densification


@torch.no_grad()
def _refine(state: _State, config: TrainConfig, extent: float, step: int, seed: int) -> tuple[int, int, int]:
    """Clone small / split large Gaussians with high screen gradients, prune transparent (and, after the first
    opacity reset, huge) ones. Returns (cloned, split, pruned)."""
    p = state.params
    device = p["means"].device
    n = state.n
    avg = state.grad2d / state.count.clamp_min(1)
    high = avg > config.grow_grad2d
    max_scale = torch.exp(p["log_scales"]).max(dim=1).values
    small = max_scale <= config.grow_scale3d * extent
    # Respect the size cap: grow the Gaussians with the highest gradients first.
    room = max(0, config.max_gaussians - n)
    candidates = torch.nonzero(high).squeeze(1)
    if len(candidates) > room:
        order = torch.argsort(avg[candidates], descending=True, stable=True)
        candidates = candidates[order[:room]]
    grow = torch.zeros(n, dtype=torch.bool, device=device)
    grow[candidates] = True
    clone = grow & small
    split = grow & ~small
    n_clone, n_split = int(clone.sum()), int(split.sum())

    new_rows: dict[str, list[Tensor]] = {k: [] for k in p}
    if n_clone:
        for k in p:
            new_rows[k].append(p[k][clone])
    if n_split:
        gen = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.nonzero(split).squeeze(1)
        scales = torch.exp(p["log_scales"][idx])
        rot = quat_to_rotmat(p["quats"][idx])
        noise = torch.randn(2, len(idx), 3, generator=gen).to(device)
        offsets = torch.einsum("nij,nj,bnj->bni", rot, scales, noise)  # [2, S, 3] samples of each Gaussian
        for k in p:
            if k == "means":
                rows = (p[k][idx][None] + offsets).reshape(-1, 3)
            elif k == "log_scales":
                rows = torch.log(scales / 1.6).repeat(2, 1)
            else:
                rows = p[k][idx].repeat((2,) + (1,) * (p[k].dim() - 1))
            new_rows[k].append(rows)
    added = 2 * n_split + n_clone
    opac = torch.sigmoid(p["opacity_logits"])
    prune = opac < config.prune_opacity
    if config.reset_every and step > config.reset_every:
        prune |= max_scale > config.prune_scale3d * extent
    keep = ~(prune | split)
    # Never prune everything: an empty model cannot recover.
    if not bool(keep.any()) and not added:
        keep = ~split if bool((~split).any()) else torch.ones_like(keep)
    n_pruned = n - int(keep.sum()) - n_split
    for k in p:
        p[k] = _leaf(torch.cat([p[k][keep].detach(), *new_rows[k]]) if new_rows[k] else p[k][keep].detach())
    state.adam.select(keep)
    state.adam.append_zeros(added)
    m = state.n
    state.grad2d = torch.zeros(m, device=device)
    state.count = torch.zeros(m, device=device)
    return n_clone, n_split, n_pruned


@torch.no_grad()
def _reset_opacity(state: _State, config: TrainConfig) -> None:
    value = 2.0 * config.prune_opacity
    limit = math.log(value / (1.0 - value))
    p = state.params
    p["opacity_logits"] = _leaf(torch.clamp_max(p["opacity_logits"].detach(), limit))
    state.adam.reset("opacity_logits")


# ------------------------------------------------------------------------------------------ checkpoints


def _checkpoint_tensors(state: _State) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for k, v in state.params.items():
        out[f"param.{k}"] = v.detach()
        out[f"adam_m.{k}"] = state.adam.m[k]
        out[f"adam_v.{k}"] = state.adam.v[k]
    out["grad2d"] = state.grad2d
    out["count"] = state.count
    return {k: v.to("cpu").contiguous() for k, v in out.items()}


def write_checkpoint(
    folder: Path, state: _State, config: TrainConfig, scene: Scene, keep_last: int = 2
) -> Path:
    """Write ``step_XXXXXXX.safetensors`` (tensors + JSON state in its metadata) and update checkpoint.json."""
    from safetensors.torch import save_file

    folder = ensure_writable_dir(folder)
    info = {
        "format": CHECKPOINT_FORMAT,
        "step": state.step,
        "seconds": state.seconds,
        "adam_t": state.adam.t,
        "config": asdict(config),
        "scene": _scene_fingerprint(scene),
    }
    path = folder / f"step_{state.step:07d}.safetensors"
    with atomic_output(path) as tmp:
        save_file(_checkpoint_tensors(state), str(tmp), metadata={"studio_checkpoint": json.dumps(info)})
    with atomic_output(folder / CHECKPOINT_INDEX) as tmp:
        tmp.write_text(
            json.dumps({"latest": path.name, "step": state.step, "seconds": state.seconds}, indent=1)
        )
    for old in sorted(folder.glob("step_*.safetensors"))[:-keep_last]:
        old.unlink(missing_ok=True)
    return path


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest checkpoint in ``folder`` (by checkpoint.json, else by name), or None."""
    folder = Path(folder)
    index = folder / CHECKPOINT_INDEX
    if index.is_file():
        try:
            name = json.loads(index.read_text())["latest"]
            candidate = folder / Path(name).name
            if candidate.is_file():
                return candidate
        except (ValueError, KeyError, TypeError):
            pass
    found = sorted(folder.glob("step_*.safetensors")) if folder.is_dir() else []
    return found[-1] if found else None


def _load_checkpoint(path: Path, config: TrainConfig, scene: Scene, extent: float, device) -> _State:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            info = json.loads((fh.metadata() or {}).get("studio_checkpoint", "{}"))
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 - safe_open is not iterable
    except (SafetensorError, ValueError) as exc:
        raise ModelError(
            f"The checkpoint {path.name} cannot be read ({exc}).", "Delete it to start over."
        ) from exc
    if info.get("format") != CHECKPOINT_FORMAT:
        raise ModelError(f"{path.name} is not a studio training checkpoint.")
    if info.get("scene") != _scene_fingerprint(scene):
        raise ConfigError(
            f"The checkpoint {path.name} was made for different views.",
            "Resume with the same scene, or use a new checkpoint folder.",
        )
    saved = info.get("config", {})
    for key in ("seed", "sh_degree", "holdout_every"):
        if saved.get(key) != getattr(config, key):
            raise ConfigError(
                f"The checkpoint was trained with {key}={saved.get(key)!r}, not {getattr(config, key)!r}.",
                "Resume with the same settings, or use a new checkpoint folder.",
            )
    try:
        params = {k: _leaf(tensors[f"param.{k}"].to(device)) for k in PARAM_NAMES}
        state = _State(
            params=params,
            adam=_Adam(params, {}),
            grad2d=tensors["grad2d"].to(device),
            count=tensors["count"].to(device),
            step=int(info["step"]),
            seconds=float(info["seconds"]),
        )
        state.adam.m = {k: tensors[f"adam_m.{k}"].to(device) for k in PARAM_NAMES}
        state.adam.v = {k: tensors[f"adam_v.{k}"].to(device) for k in PARAM_NAMES}
        state.adam.t = int(info["adam_t"])
    except KeyError as exc:
        raise ModelError(f"The checkpoint {path.name} lacks {exc}.") from exc
    state.adam.lrs = _make_state_lrs(config, extent)
    return state


def _make_state_lrs(config: TrainConfig, extent: float) -> dict[str, float]:
    return {
        "means": config.lr_means * extent,
        "quats": config.lr_quats,
        "log_scales": config.lr_scales,
        "opacity_logits": config.lr_opacities,
        "sh0": config.lr_sh0,
        "shN": config.lr_shN,
    }


# ------------------------------------------------------------------------------------------ init


def initial_gaussians(scene: Scene, train_views: list[View], config: TrainConfig) -> tuple[Gaussians, str]:
    """Starting Gaussians and how they were made ("points", "carved" or "random")."""
    rng = np.random.default_rng(config.seed)
    cap = config.init_scale_cap * scene.radius
    if len(scene.points) >= 4:
        points = np.asarray(scene.points, dtype=np.float64)
        colors = np.asarray(scene.colors, dtype=np.uint8)
        kind = "points"
        if config.fill_fraction > 0 and not any(v.mask is not None for v in train_views):
            extra, extra_colors = fill_points(
                points, scene.center, train_views, int(config.fill_fraction * len(points)), rng
            )
            if len(extra):
                points = np.concatenate([points, extra])
                colors = np.concatenate([colors, extra_colors])
                kind = "points+fill"
        return init_from_points(
            points, colors, sh_degree=config.sh_degree, opacity=config.init_opacity, scale_cap=cap
        ), kind
    if any(v.mask is not None for v in train_views):
        # Space carving: random points in the scene sphere that every mask agrees on.
        kept = np.zeros((0, 3))
        colors = np.zeros((0, 3), dtype=np.uint8)
        for _ in range(6):
            cand = sample_in_sphere(config.init_points * 8, scene.center, scene.radius, rng)
            pts, cols = carve_points(cand, train_views)
            kept = np.concatenate([kept, pts])
            colors = np.concatenate([colors, cols])
            if len(kept) >= config.init_points:
                break
        if len(kept) >= 64:
            sel = rng.permutation(len(kept))[: config.init_points]
            return init_from_points(
                kept[sel], colors[sel], sh_degree=config.sh_degree, opacity=config.init_opacity, scale_cap=cap
            ), "carved"
    pts = sample_in_sphere(config.init_points, scene.center, scene.radius, rng)
    cols = rng.integers(0, 256, size=(config.init_points, 3), dtype=np.uint8)
    return init_from_points(
        pts, cols, sh_degree=config.sh_degree, opacity=config.init_opacity, scale_cap=cap
    ), "random"


# ------------------------------------------------------------------------------------------ evaluation


def evaluate(gaussians: Gaussians, views: list[View], background) -> Evaluation:
    """Mean PSNR / SSIM of renders of ``views`` against their images (renders clamped to 0..1)."""
    if not views:
        raise InputError("No views to evaluate.", "Hold out at least one view.")
    per_view: dict[str, tuple[float, float]] = {}
    with torch.no_grad():
        for view in views:
            out = render_gaussians(gaussians, view.K, view.world_to_cam, view.width, view.height, background)
            image = out.image.detach().clamp(0, 1).cpu()
            ref = torch.from_numpy(view.image.copy()).to(torch.float32) / 255.0
            per_view[view.name] = (psnr(image, ref), ssim(image, ref))
    return Evaluation(
        psnr=float(np.mean([p for p, _ in per_view.values()])),
        ssim=float(np.mean([s for _, s in per_view.values()])),
        per_view=per_view,
    )


def orbit_hints(scene: Scene) -> dict[str, Any]:
    """Where the object is and which side was photographed first, for product spins."""
    up = np.asarray(scene.up, dtype=np.float64)
    front = scene.views[0].camera_center - scene.center
    front = front - up * float(front @ up)
    norm = float(np.linalg.norm(front))
    if norm < 1e-9:
        helper = np.array([1.0, 0.0, 0.0]) if abs(up[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        front = np.cross(up, helper)
        norm = float(np.linalg.norm(front))
    front = front / norm
    hints: dict[str, Any] = {
        "center": [float(x) for x in scene.center],
        "up": [float(x) for x in up],
        "radius": float(scene.radius),
        "front": [float(x) for x in front],
        "background": [float(x) for x in scene.background],
    }
    # Where the photos were taken from: a spin should stay on the sides that were photographed (a product
    # against a wall was never seen from behind) and not fly further out than the cameras were.
    offsets = np.stack([v.camera_center for v in scene.views]) - np.asarray(scene.center, dtype=np.float64)
    heights = offsets @ up
    flat = offsets - heights[:, None] * up[None, :]
    side = np.cross(up, front)
    azimuths = np.degrees(np.arctan2(flat @ side, flat @ front))
    distances = np.linalg.norm(offsets, axis=1)
    arc = covered_arc(azimuths)
    if arc is not None:
        # the swing keeps to where most photos were taken (5th..95th percentile), not the odd outlier
        unwrapped = np.mod(azimuths - arc[0], 360.0) + arc[0]
        lo, hi = (float(x) for x in np.percentile(unwrapped, [5, 95]))
        if hi - lo >= 10.0:
            arc = (lo, hi)
        hints["arc"] = [round(arc[0], 2), round(arc[1], 2)]
        samples = np.linspace(arc[0], arc[1], 13)
        around = np.abs(unwrapped[None, :] - samples[:, None])
    else:
        samples = np.linspace(-180.0, 180.0, 25)[:-1]
        around = np.abs((azimuths[None, :] - samples[:, None] + 180.0) % 360.0 - 180.0)
    # How far out the cameras stood around the object (median of those within 15 degrees, else the nearest
    # one): cameras squeezed between a product and a wall stood close, and so must the spin there.
    profile = []
    for k, sample in enumerate(samples):
        near = around[k] <= 15.0
        d = float(np.median(distances[near])) if near.any() else float(distances[int(np.argmin(around[k]))])
        profile.append([round(float(sample), 2), round(d, 4)])
    hints["camera_distance"] = profile
    elevations = np.degrees(np.arcsin(np.clip(heights / np.maximum(distances, 1e-12), -1.0, 1.0)))
    hints["camera_elevation"] = float(np.median(elevations))
    return hints


def covered_arc(azimuths_deg, min_gap: float = 60.0) -> tuple[float, float] | None:
    """The arc (start, end) in degrees, end > start, that camera azimuths span around the up axis, when they
    leave a gap wider than ``min_gap`` degrees; None when they go all the way round."""
    a = np.sort(np.mod(np.asarray(azimuths_deg, dtype=np.float64), 360.0))
    if len(a) < 2:
        return None
    gaps = np.diff(np.concatenate([a, a[:1] + 360.0]))
    i = int(np.argmax(gaps))
    if gaps[i] <= min_gap:
        return None
    start = float(a[(i + 1) % len(a)])
    end = float(a[i])
    if end < start:
        end += 360.0
    if start > 180.0:  # keep the numbers near zero (the front)
        start, end = start - 360.0, end - 360.0
    return start, end


# ------------------------------------------------------------------------------------------ training


def train(
    scene: Scene,
    config: TrainConfig,
    *,
    device: str = "cpu",
    on_progress: ProgressFn | None = None,
    on_preview: Callable[[np.ndarray], None] | None = None,
    cancel: CancelToken | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    output: Path | None = None,
    monitor: tuple[int, MonitorFn] | None = None,
) -> TrainResult:
    """Train a Gaussian-splat model of ``scene``.

    ``device="cuda"`` rasterizes with gsplat, ``"cpu"`` with our PyTorch rasterizer. ``on_progress(fraction,
    message)`` is called every ``config.progress_every`` steps, ``on_preview(image [H, W, 3] uint8)`` every
    ``config.preview_every`` steps. When ``cancel`` is set, a checkpoint is written (if ``checkpoint_dir``) and
    :class:`~studio.errors.Cancelled` is raised; ``resume=True`` continues from the latest checkpoint in
    ``checkpoint_dir``. With ``output`` (a ``.safetensors`` path) the final model is saved there atomically.

    ``monitor=(every, fn)`` calls ``fn(step, seconds, current)`` after every ``every``-th step and after the
    last step (if not already), with ``seconds`` the training time so far and ``current()`` a detached copy of
    the Gaussians (all SH coefficients). Its run time (on CUDA between two synchronisations) is not training
    time: it is left out of ``seconds``, of the ``max_seconds`` budget and of the result's ``seconds``. ``fn``
    returning True stops training there, like ``max_seconds`` (evaluation still follows). For benchmarks that
    evaluate during training; without it nothing changes.
    """
    report = on_progress or null_progress
    dev = torch_device(device)
    if resume and checkpoint_dir is None:
        raise InputError(
            "resume=True needs a checkpoint_dir.", "Pass the folder the checkpoints were written to."
        )
    if output is not None and Path(output).suffix != ".safetensors":
        raise InputError(f"The model output must be a .safetensors file, got {Path(output).name!r}.")
    if monitor is not None and (not isinstance(monitor[0], int) or monitor[0] < 1):
        raise InputError(f"monitor's interval must be a positive number of steps, got {monitor[0]!r}.")

    # 1. views and images
    train_views, holdout_views = split_views(scene.views, config.holdout_every)
    if not train_views:
        raise InputError("No training views are left after holding out views.", "Give more views.")
    targets = [torch.from_numpy(v.image.copy()).to(dev, torch.float32) / 255.0 for v in train_views]
    masks = [None if v.mask is None else torch.from_numpy(v.mask.copy()).to(dev) for v in train_views]
    cams = [
        (
            torch.as_tensor(v.K, dtype=torch.float32, device=dev),
            torch.as_tensor(v.world_to_cam, dtype=torch.float32, device=dev),
        )
        for v in train_views
    ]
    background = torch.tensor(scene.background, dtype=torch.float32, device=dev)
    extent = max(camera_extent(scene.views), 1e-3) if len(scene.views) > 1 else scene.radius
    backend = "gsplat" if dev.type == "cuda" else "torch"

    # 2. initial state, or the latest checkpoint
    state: _State | None = None
    init_kind = "checkpoint"
    if resume:
        ckpt = latest_checkpoint(Path(checkpoint_dir))  # type: ignore[arg-type]
        if ckpt is not None:
            state = _load_checkpoint(ckpt, config, scene, extent, dev)
            report(0.0, f"Resuming from step {state.step} ({ckpt.name}).")
    if state is None:
        report(0.0, "Initialising Gaussians.")
        g0, init_kind = initial_gaussians(scene, train_views, config)
        state = _make_state(g0, config, extent, dev)

    preview_view = holdout_views[0] if holdout_views else train_views[0]
    lr0, lr1 = config.lr_means * extent, config.lr_means_final * extent
    start_clock = time.perf_counter() - state.seconds
    stopped_early = False

    def checkpoint() -> None:
        if checkpoint_dir is not None:
            write_checkpoint(Path(checkpoint_dir), state, config, scene)

    watched = -1  # the last step the monitor saw

    def watch() -> bool:
        """Run the monitor with the training clock paused; True if it asks to stop."""
        nonlocal start_clock, watched
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)  # queued training work belongs to training time
        paused = time.perf_counter()
        watched = state.step
        fn = monitor[1]  # type: ignore[index]
        stop = fn(state.step, paused - start_clock, lambda: state.gaussians(config.sh_degree))
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        start_clock += time.perf_counter() - paused
        return bool(stop)

    # 3. optimisation
    while state.step < config.steps:
        if cancel is not None and cancel.cancelled:
            state.seconds = time.perf_counter() - start_clock
            checkpoint()
            raise Cancelled(
                f"Training was cancelled at step {state.step} of {config.steps}.",
                "Resume from the checkpoint to continue." if checkpoint_dir else None,
            )
        if config.max_seconds is not None and time.perf_counter() - start_clock >= config.max_seconds:
            stopped_early = True
            break
        step = state.step
        n_views = len(train_views)
        epoch, slot = divmod(step, n_views)
        perm = torch.randperm(n_views, generator=torch.Generator().manual_seed(config.seed * 7919 + epoch))
        vi = int(perm[slot])
        K, view_mat = cams[vi]
        view = train_views[vi]
        degree = min(config.sh_degree, step // config.sh_interval)
        p = state.params
        sh = torch.cat([p["sh0"], p["shN"]], dim=1)[:, : num_sh_coeffs(degree)]
        out = rasterize(
            p["means"],
            p["quats"],
            torch.exp(p["log_scales"]),
            torch.sigmoid(p["opacity_logits"]),
            sh,
            degree,
            view_mat,
            K,
            view.width,
            view.height,
            background,
            backend=backend,
        )
        out.means2d.retain_grad()
        gt = targets[vi]
        l1 = (out.image - gt).abs().mean()
        loss = (1.0 - config.ssim_weight) * l1
        if config.ssim_weight > 0:
            loss = loss + config.ssim_weight * (1.0 - ssim_map(out.image, gt).mean())
        if config.mask_weight > 0 and masks[vi] is not None:
            loss = loss + config.mask_weight * (out.alpha - masks[vi]).abs().mean()
        loss.backward()

        with torch.no_grad():
            # screen-space gradient in NDC units (as gsplat), for densification
            if step < config.refine_stop and out.means2d.grad is not None:
                g2 = out.means2d.grad.reshape(-1, 2).clone()
                g2[:, 0] *= view.width / 2.0
                g2[:, 1] *= view.height / 2.0
                drawn = (out.radii.reshape(-1, 2) > 0).all(dim=-1)
                state.grad2d += torch.where(drawn, g2.norm(dim=-1), torch.zeros_like(state.grad2d))
                state.count += drawn.to(state.count.dtype)
            # The centres' learning rate decays over the run; with a time cap, over whichever ends first.
            frac = step / max(config.steps - 1, 1)
            if config.max_seconds is not None:
                frac = max(frac, (time.perf_counter() - start_clock) / config.max_seconds)
            frac = min(frac, 1.0)
            state.adam.lrs["means"] = lr0 * (lr1 / lr0) ** frac if lr0 > 0 and lr1 > 0 else lr0
            state.adam.step(state.params)
        state.step += 1
        step = state.step

        if config.refine_start < step < config.refine_stop and step % config.refine_every == 0:
            _refine(state, config, extent, step, config.seed)
        if config.reset_every and step % config.reset_every == 0 and step < config.refine_stop:
            _reset_opacity(state, config)

        if step % config.progress_every == 0 or step == config.steps:
            elapsed = time.perf_counter() - start_clock
            fraction = step / config.steps
            if config.max_seconds:
                fraction = max(fraction, elapsed / config.max_seconds)
            report(
                min(fraction, 1.0) * 0.95,
                f"step {step}/{config.steps}: {state.n:,} Gaussians, loss {float(loss.detach()):.4f}, {elapsed:.0f} s",
            )
        if on_preview is not None and config.preview_every and step % config.preview_every == 0:
            g = state.gaussians(config.sh_degree)
            with torch.no_grad():
                img = render_gaussians(
                    g,
                    preview_view.K,
                    preview_view.world_to_cam,
                    preview_view.width,
                    preview_view.height,
                    scene.background,
                    sh_degree=degree,
                ).image
            on_preview(to_uint8(img))
        if checkpoint_dir is not None and step % config.checkpoint_every == 0:
            state.seconds = time.perf_counter() - start_clock
            checkpoint()
        if monitor is not None and step % monitor[0] == 0 and watch():
            stopped_early = True
            break

    if monitor is not None and watched != state.step:
        watch()
    state.seconds = time.perf_counter() - start_clock
    if checkpoint_dir is not None and state.step % config.checkpoint_every != 0:
        checkpoint()

    # 4. evaluation and metadata
    meta: dict[str, Any] = {
        **orbit_hints(scene),
        "train": {
            "steps": state.step,
            "seconds": round(state.seconds, 2),
            "device": dev.type,
            "init": init_kind,
            "config": asdict(config),
            "views": [v.name for v in train_views],
            "holdout_views": [v.name for v in holdout_views],
            "image_size": [train_views[0].width, train_views[0].height],
        },
    }
    gaussians = state.gaussians(config.sh_degree, meta)
    evaluation = None
    if holdout_views:
        report(0.96, f"Evaluating on {len(holdout_views)} held-out views.")
        evaluation = evaluate(gaussians, holdout_views, scene.background)
        gaussians = gaussians.with_meta(
            metrics={"psnr": evaluation.psnr, "ssim": evaluation.ssim, "per_view": evaluation.per_view}
        )
    if output is not None:
        gaussians.to("cpu").save(output)
    report(1.0, evaluation.summary() if evaluation else f"Trained {state.step} steps (no held-out views).")
    return TrainResult(
        gaussians=gaussians,
        psnr=evaluation.psnr if evaluation else None,
        ssim=evaluation.ssim if evaluation else None,
        steps=state.step,
        seconds=state.seconds,
        train_views=[v.name for v in train_views],
        holdout_views=[v.name for v in holdout_views],
        device=dev.type,
        per_view=dict(evaluation.per_view) if evaluation else {},
        stopped_early=stopped_early,
    )
