"""Gaussian-splat training: 3DGS optimisation with densification, on CUDA (gsplat) or CPU (our rasterizer).

``train(scene, config)`` reads top to bottom:

1. split the views (every ``holdout_every``-th view is held out for evaluation) and put images on the device;
2. initialise Gaussians (the scene's SfM points; else space-carved from the masks; else random in the scene
   sphere) - or resume from the latest checkpoint;
3. loop: render one training view, loss ``(1 - w) L1 + w (1 - SSIM)`` (+ optional mask term), backward, Adam,
   then the densification strategy (``studio.splat.densify.Densify``: clone / split / prune / reset opacity,
   its running state passed in and out), a checkpoint on schedule, and the one step hook ``on_step(StepInfo)``
   that reports progress, shows previews, polls cancellation or evaluates for a benchmark (it may ask to stop);
4. evaluate PSNR / SSIM on the held-out views and store them (and the orbit hints) in the model's metadata.

Randomness is seeded and stateless per step (view order per epoch, split samples per refinement), so a resumed
run follows the same path as an uninterrupted one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from studio.cancel import CancelToken, check
from studio.devices import torch_device
from studio.errors import Cancelled, ConfigError, InputError, ModelError
from studio.fsutil import atomic_output, ensure_writable_dir
from studio.progress import ProgressFn
from studio.splat.densify import Densify
from studio.splat.gaussians import (
    Gaussians,
    carve_points,
    fill_points,
    init_from_points,
    num_sh_coeffs,
    sample_in_sphere,
)
from studio.splat.metrics import Evaluation, psnr, ssim, ssim_map
from studio.splat.optim import RowAdam
from studio.splat.rasterize import fused_problem, rasterize, render_gaussians, to_uint8
from studio.splat.scene import Scene, View
from studio.splat.spin import orbit_hints

CHECKPOINT_FORMAT = "1"
CHECKPOINT_INDEX = "checkpoint.json"
PARAM_NAMES = ("means", "quats", "log_scales", "opacity_logits", "sh0", "shN")
DENSIFY_NAMES = tuple(f.name for f in fields(Densify))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (3DGS defaults unless noted). Saved into the model metadata.

    The densification hyper-parameters are their own dataclass (``densify``); :meth:`from_dict` also takes
    them by their flat names (``{"refine_stop": 1000}``), which is how option files and benchmarks write them.
    """

    steps: int = 7000  # optimisation steps; each renders one training view
    max_seconds: float | None = None  # stop (then evaluate) after this much training; also paces the lr decay
    seed: int = 0  # seeds initialisation, view order and split sampling
    sh_degree: int = 3  # final spherical-harmonics degree (0..3)
    sh_interval: int = 1000  # the active SH degree rises by one every this many steps
    ssim_weight: float = 0.2  # loss = (1 - w) * L1 + w * (1 - SSIM)
    mask_weight: float = 0.0  # weight of mean |alpha - mask| on views that have a mask (0 = off)
    holdout_every: int = 8  # views 0, n, 2n, ... are held out for evaluation; 0 = train on all, no metrics
    preview_every: int = 250  # the standard step hook shows a preview every this many steps (0 = never)
    checkpoint_every: int = 1000  # write a checkpoint every this many steps when checkpoint_dir is given
    progress_every: int = 25  # the standard step hook reports progress every this many steps
    init_points: int = 20_000  # Gaussians to start from when the scene has no SfM points
    init_opacity: float = 0.1  # initial opacity of every Gaussian
    init_scale_cap: float = 0.05  # cap on the initial nearest-neighbour scale, x the scene radius
    fill_fraction: float = 0.4  # unmasked captures with SfM points: add this x their count of coloured random
    # points (see gaussians.fill_points) so background without SfM points starts covered; 0 = off
    lr_means: float = 1.6e-4  # Adam learning rate of the centres, times the camera extent, at step 0 ...
    lr_means_final: float = 1.6e-6  # ... decaying exponentially to this (times the extent) at the last step
    lr_scales: float = 5e-3  # learning rate of the log-scales
    lr_quats: float = 1e-3  # learning rate of the quaternions
    lr_opacities: float = 5e-2  # learning rate of the opacity logits
    lr_sh0: float = 2.5e-3  # learning rate of the DC colour
    lr_shN: float = 2.5e-3 / 20  # learning rate of the higher SH coefficients
    coarse_fraction: float = 0.0  # the first this share of the run (steps, or the time budget if further)
    # trains on images and cameras at half resolution (2x2 box-filtered): a quarter of the pixels while the
    # model is still coarse; 0 = off. Views under 32 px at half resolution always train at full resolution.
    plateau_epochs: int = 0  # stop when the epoch's mean pre-update loss has not improved by plateau_tol for
    # this many epochs in a row (counted at full resolution, once densification has stopped); 0 = never
    plateau_tol: float = 0.002  # relative improvement that counts (0.002 = 0.2 %)
    densify: Densify = field(default_factory=Densify)  # clone / split / prune / opacity-reset schedule

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
            (0.0 <= self.coarse_fraction < 1.0, "coarse_fraction must be in 0..1 (1 excluded)"),
            (self.plateau_epochs >= 0 and self.plateau_tol >= 0.0, "plateau settings must be >= 0"),
            (isinstance(self.densify, Densify), "densify must be a Densify"),
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
        """A config from plain values: the fields, with the densification settings either flat
        (``refine_stop=...``) or nested (``densify={...}``, as :func:`dataclasses.asdict` writes them)."""
        names = {f.name for f in fields(cls)}
        values = dict(values)
        nested = values.pop("densify", None)
        densify = asdict(nested) if isinstance(nested, Densify) else dict(nested or {})
        densify.update({k: values.pop(k) for k in DENSIFY_NAMES if k in values})
        unknown = sorted((set(values) - names) | (set(densify) - set(DENSIFY_NAMES)))
        if unknown:
            known = sorted((names - {"densify"}) | set(DENSIFY_NAMES))
            raise ConfigError(
                f"Unknown training settings: {', '.join(unknown)}.", f"Known: {', '.join(known)}."
            )
        return cls(**values, densify=Densify(**densify))


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
    stopped_early: bool = False  # True when training ended before config.steps (see stop_reason)
    stop_reason: str | None = None  # "time" (max_seconds), "plateau" (plateau_epochs) or "hook" (on_step)


# ------------------------------------------------------------------------------------------ the step hook


@dataclass(frozen=True)
class StepInfo:
    """What the step hook sees after each optimisation step (as diffusers' ``callback_on_step_end``).

    Reading is cheap until the hook asks for more: ``loss`` reads the loss tensor (a GPU sync), ``model()``
    copies the Gaussians (all SH coefficients, detached) and ``preview()`` renders the preview view (the first
    held-out view, else the first training view) at the current SH degree as uint8 [H, W, 3]. With
    ``train(..., pause_clock_in_hook=True)`` the training clock stops at the first of those (or at
    ``seconds``) until the hook returns.
    """

    step: int  # steps done, this one included (1-based)
    steps: int  # steps planned (config.steps)
    gaussians: int  # model size after this step's densification
    size: tuple[int, int]  # (width, height) this step trained at (half size in the coarse_fraction phase)
    last: bool  # the final step of this run (planned steps done, or the time budget spent)
    max_seconds: float | None  # the run's time budget (config.max_seconds)
    resumed_from: int  # the checkpoint's step when this run resumed one, else 0
    _clock: _HookClock = field(repr=False)
    _loss: Tensor = field(repr=False)
    _model: Callable[[], Gaussians] = field(repr=False)
    _preview: Callable[[], np.ndarray] = field(repr=False)

    @property
    def seconds(self) -> float:
        """Training time so far."""
        return self._clock.seconds()

    @property
    def fraction(self) -> float:
        """How far the run is, 0..1: steps done / planned, or the share of the time budget spent if further."""
        fraction = self.step / self.steps
        if self.max_seconds:
            fraction = max(fraction, self.seconds / self.max_seconds)
        return min(fraction, 1.0)

    @property
    def loss(self) -> float:
        self._clock.pause()
        return float(self._loss)

    def model(self) -> Gaussians:
        self._clock.pause()
        return self._model()

    def preview(self) -> np.ndarray:
        self._clock.pause()
        return self._preview()


# on_step(info) -> True to stop training there (evaluation follows); raising Cancelled cancels (checkpointed).
StepHook = Callable[[StepInfo], bool | None]


def step_hook(
    on_progress: ProgressFn | None = None,
    on_preview: Callable[[np.ndarray], None] | None = None,
    cancel: CancelToken | None = None,
    *,
    progress_every: int = TrainConfig.progress_every,
    preview_every: int = TrainConfig.preview_every,
    progress_share: float = 0.95,
) -> StepHook:
    """The app's and CLI's hook: ``on_progress(fraction * progress_share, "step i/n: ...")`` every
    ``progress_every`` steps and on the last ("Resuming from step i." first on a resumed run), ``on_preview(image)`` every ``preview_every`` steps (0 = never),
    and ``cancel`` polled after every step (training raises :class:`~studio.errors.Cancelled`)."""

    noted = False  # the slow-rasterizer note goes on the first progress line only

    def hook(info: StepInfo) -> None:
        nonlocal noted
        if on_progress is not None and info.resumed_from and info.step == info.resumed_from + 1:
            on_progress(min(info.fraction, 1.0) * progress_share, f"Resuming from step {info.resumed_from}.")
        if on_progress is not None and (info.step % progress_every == 0 or info.last):
            problem = None if noted else fused_problem()
            noted = noted or problem is not None
            on_progress(
                min(info.fraction, 1.0) * progress_share,
                f"step {info.step}/{info.steps}: {info.gaussians:,} Gaussians, loss {info.loss:.4f},"
                f" {info.seconds:.0f} s"
                + (f" (slow PyTorch rasterizer: the fused one cannot run: {problem})" if problem else ""),
            )
        if on_preview is not None and preview_every and info.step % preview_every == 0:
            on_preview(info.preview())
        check(cancel, "Training")

    return hook


# ------------------------------------------------------------------------------------------ helpers


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


def _leaf(t: Tensor) -> Tensor:
    return t.detach().clone().requires_grad_(True)


@dataclass
class _State:
    """The running optimisation state (mutable; checkpointed)."""

    params: dict[str, Tensor]  # PARAM_NAMES -> leaf tensors [N, ...]
    adam: RowAdam
    densify: dict[str, Any]  # the densification strategy's running state (Densify.initialize_state)
    step: int = 0  # steps completed
    seconds: float = 0.0  # training time spent so far (all sessions)
    plateau: dict[str, Any] = field(default_factory=dict)  # the plateau stop's running state (_plateau)

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
    adam = RowAdam(params, _learning_rates(config, extent))
    return _State(params, adam, config.densify.initialize_state(g.n, extent, config.seed, device))


def _learning_rates(config: TrainConfig, extent: float) -> dict[str, float]:
    return {
        "means": config.lr_means * extent,
        "quats": config.lr_quats,
        "log_scales": config.lr_scales,
        "opacity_logits": config.lr_opacities,
        "sh0": config.lr_sh0,
        "shN": config.lr_shN,
    }


def _view_index(step: int, n_views: int, seed: int) -> int:
    """The training view of ``step``: a seeded permutation of the views per epoch (stateless, for resume)."""
    epoch, slot = divmod(step, n_views)
    perm = torch.randperm(n_views, generator=torch.Generator().manual_seed(seed * 7919 + epoch))
    return int(perm[slot])


def _loss(out, target: Tensor, mask: Tensor | None, config: TrainConfig) -> Tensor:
    """``(1 - w) L1 + w (1 - SSIM)`` plus ``mask_weight`` x mean |alpha - mask| where the view has a mask."""
    loss = (1.0 - config.ssim_weight) * (out.image - target).abs().mean()
    if config.ssim_weight > 0:
        loss = loss + config.ssim_weight * (1.0 - ssim_map(out.image, target).mean())
    if config.mask_weight > 0 and mask is not None:
        loss = loss + config.mask_weight * (out.alpha - mask).abs().mean()
    return loss


def _run_fraction(config: TrainConfig, step: int, seconds: float) -> float:
    """How far into the run ``step`` is, 0..1: by steps, or by the time budget when that is further."""
    frac = step / max(config.steps - 1, 1)
    if config.max_seconds is not None:
        frac = max(frac, seconds / config.max_seconds)
    return min(frac, 1.0)


def _means_lr(config: TrainConfig, extent: float, step: int, seconds: float) -> float:
    """The centres' learning rate decays exponentially over the run (over whichever of steps and time ends
    first)."""
    lr0, lr1 = config.lr_means * extent, config.lr_means_final * extent
    frac = _run_fraction(config, step, seconds)
    return lr0 * (lr1 / lr0) ** frac if lr0 > 0 and lr1 > 0 else lr0


@dataclass(frozen=True)
class _Target:
    """One training view on the device: image [H, W, 3] 0..1, mask [H, W] or None, K, world_to_cam."""

    image: Tensor
    mask: Tensor | None
    K: Tensor
    world_to_cam: Tensor
    width: int
    height: int

    @classmethod
    def of(cls, view: View, device: torch.device) -> _Target:
        return cls(
            torch.from_numpy(view.image.copy()).to(device, torch.float32) / 255.0,
            None if view.mask is None else torch.from_numpy(view.mask.copy()).to(device),
            torch.as_tensor(view.K, dtype=torch.float32, device=device),
            torch.as_tensor(view.world_to_cam, dtype=torch.float32, device=device),
            view.width,
            view.height,
        )

    def half(self) -> _Target:
        """The view at half resolution: 2x2 box filter (an odd last row / column dropped), K halved (pixel
        centres at j + 0.5 stay consistent). Itself when that would be under 32 px."""
        w, h = self.width // 2, self.height // 2
        if min(w, h) < 32:
            return self
        image = F.avg_pool2d(self.image[: 2 * h, : 2 * w].permute(2, 0, 1)[None], 2)[0].permute(1, 2, 0)
        mask = None
        if self.mask is not None:
            mask = F.avg_pool2d(self.mask[None, None, : 2 * h, : 2 * w].float(), 2)[0, 0].to(self.mask.dtype)
        K = self.K.clone()
        K[:2] = K[:2] / 2.0
        return _Target(image.contiguous(), mask, K, self.world_to_cam, w, h)


def _plateau(state: _State, config: TrainConfig, loss: Tensor, step: int, n_views: int) -> bool:
    """Track the mean loss of each epoch, each view's loss taken before its own update (so the view was last
    fitted an epoch ago: a held-out-like estimate); True when ``plateau_epochs`` epochs in a row have not
    improved it by ``plateau_tol``. Only epochs after densification count (it changes the model's size)."""
    if not config.plateau_epochs:
        return False
    p = state.plateau
    p["sum"] = p.get("sum", 0.0) + loss.detach()  # a tensor: no GPU sync per step
    p["n"] = p.get("n", 0) + 1
    if step % n_views:
        return False
    mean = float(p.pop("sum")) / p.pop("n")
    if step <= config.densify.refine_stop:
        return False
    best = p.get("best")
    if best is None or mean < best * (1.0 - config.plateau_tol):
        p["best"], p["stale"] = mean, 0
        return False
    p["stale"] = p.get("stale", 0) + 1
    return p["stale"] >= config.plateau_epochs


# ------------------------------------------------------------------------------------------ checkpoints


def _checkpoint_tensors(state: _State) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for k, v in state.params.items():
        out[f"param.{k}"] = v.detach()
        out[f"adam_m.{k}"] = state.adam.m[k]
        out[f"adam_v.{k}"] = state.adam.v[k]
    out["grad2d"] = state.densify["grad2d"]
    out["count"] = state.densify["count"]
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
        "plateau": {k: float(v) if k == "sum" else v for k, v in state.plateau.items()},
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
        densify = config.densify.initialize_state(0, extent, config.seed, device)
        densify["grad2d"] = tensors["grad2d"].to(device)
        densify["count"] = tensors["count"].to(device)
        state = _State(
            params=params,
            adam=RowAdam(params, {}),
            densify=densify,
            step=int(info["step"]),
            seconds=float(info["seconds"]),
            plateau=dict(info.get("plateau", {})),
        )
        state.adam.m = {k: tensors[f"adam_m.{k}"].to(device) for k in PARAM_NAMES}
        state.adam.v = {k: tensors[f"adam_v.{k}"].to(device) for k in PARAM_NAMES}
        state.adam.t = int(info["adam_t"])
    except KeyError as exc:
        raise ModelError(f"The checkpoint {path.name} lacks {exc}.") from exc
    state.adam.lrs = _learning_rates(config, extent)
    return state


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


# ------------------------------------------------------------------------------------------ training


def train(
    scene: Scene,
    config: TrainConfig,
    *,
    device: str = "cpu",
    on_step: StepHook | None = None,
    pause_clock_in_hook: bool = False,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    output: Path | None = None,
) -> TrainResult:
    """Train a Gaussian-splat model of ``scene``.

    ``device="cuda"`` rasterizes with gsplat, ``"cpu"`` with our PyTorch rasterizer. ``on_step(StepInfo)`` is
    called after every step (build the usual one with :func:`step_hook`: progress, previews, cancel); it returns
    True to stop training there (evaluation follows) and raises :class:`~studio.errors.Cancelled` to cancel:
    a checkpoint is written (if ``checkpoint_dir``) and the error propagates. ``resume=True`` continues from
    the latest checkpoint in ``checkpoint_dir``. With ``output`` (a ``.safetensors`` path) the final model is
    saved there atomically.

    ``pause_clock_in_hook=True`` leaves the hook's time (from its first costly read of :class:`StepInfo`; on
    CUDA between two synchronisations) out of the training clock, of the ``max_seconds`` budget and of the
    result's ``seconds``: for benchmarks that evaluate during training. By default the hook's time counts, so
    a time budget bounds previews too.
    """
    dev = torch_device(device)
    if resume and checkpoint_dir is None:
        raise InputError(
            "resume=True needs a checkpoint_dir.", "Pass the folder the checkpoints were written to."
        )
    if output is not None and Path(output).suffix != ".safetensors":
        raise InputError(f"The model output must be a .safetensors file, got {Path(output).name!r}.")

    # 1. views and images
    train_views, holdout_views = split_views(scene.views, config.holdout_every)
    if not train_views:
        raise InputError("No training views are left after holding out views.", "Give more views.")
    full = [_Target.of(v, dev) for v in train_views]
    coarse = [t.half() for t in full] if config.coarse_fraction > 0 else full
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
    if state is None:
        g0, init_kind = initial_gaussians(scene, train_views, config)
        state = _make_state(g0, config, extent, dev)
    resumed_from = state.step
    strategy = config.densify
    preview_view = holdout_views[0] if holdout_views else train_views[0]
    clock = _Clock(state.seconds, dev, pause_clock_in_hook)

    def checkpoint() -> None:
        if checkpoint_dir is not None:
            state.seconds = clock.seconds()
            write_checkpoint(Path(checkpoint_dir), state, config, scene)

    def out_of_time() -> bool:
        return config.max_seconds is not None and clock.seconds() >= config.max_seconds

    # 3. optimisation
    stop_reason = "time" if out_of_time() else None  # a resumed run whose budget is already spent
    while state.step < config.steps and stop_reason is None:
        step = state.step
        vi = _view_index(step, len(train_views), config.seed)
        progress = _run_fraction(config, step, clock.seconds())
        view = (coarse if progress < config.coarse_fraction else full)[vi]
        degree = min(config.sh_degree, step // config.sh_interval)
        p = state.params
        out = rasterize(
            p["means"],
            p["quats"],
            torch.exp(p["log_scales"]),
            torch.sigmoid(p["opacity_logits"]),
            torch.cat([p["sh0"], p["shN"]], dim=1)[:, : num_sh_coeffs(degree)],
            degree,
            view.world_to_cam,
            view.K,
            view.width,
            view.height,
            background,
            backend=backend,
        )
        info = {"means2d": out.means2d, "radii": out.radii, "width": view.width, "height": view.height}
        strategy.step_pre_backward(p, state.adam, state.densify, step, info)
        loss = _loss(out, view.image, view.mask, config)
        loss.backward()
        state.adam.lrs["means"] = _means_lr(config, extent, step, clock.seconds())
        state.adam.step(p)
        state.step = step = step + 1
        strategy.step_post_backward(state.params, state.adam, state.densify, step, info)
        if checkpoint_dir is not None and step % config.checkpoint_every == 0:
            checkpoint()

        spent = out_of_time()
        last = step >= config.steps or spent
        stop = False
        if on_step is not None:
            hook_clock = _HookClock(clock)
            info = StepInfo(
                step=step,
                steps=config.steps,
                gaussians=state.n,
                size=(view.width, view.height),
                last=last,
                max_seconds=config.max_seconds,
                resumed_from=resumed_from,
                _clock=hook_clock,
                _loss=loss.detach(),
                _model=lambda: state.gaussians(config.sh_degree),
                _preview=lambda d=degree: _preview(state, config, preview_view, scene, d),
            )
            try:
                stop = bool(on_step(info))
            except Cancelled:
                checkpoint()
                raise Cancelled(
                    f"Training was cancelled at step {step} of {config.steps}.",
                    "Resume from the checkpoint to continue." if checkpoint_dir else None,
                ) from None
            finally:
                hook_clock.resume()
        plateaued = view is full[vi] and _plateau(state, config, loss, step, len(train_views))
        if step < config.steps:
            stop_reason = "time" if spent else "hook" if stop else "plateau" if plateaued else None

    state.seconds = clock.seconds()
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
            "stopped": stop_reason,
        },
    }
    gaussians = state.gaussians(config.sh_degree, meta)
    evaluation = None
    if holdout_views:
        evaluation = evaluate(gaussians, holdout_views, scene.background)
        gaussians = gaussians.with_meta(
            metrics={"psnr": evaluation.psnr, "ssim": evaluation.ssim, "per_view": evaluation.per_view}
        )
    if output is not None:
        gaussians.to("cpu").save(output)
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
        stopped_early=stop_reason is not None,
        stop_reason=stop_reason,
    )


def _preview(state: _State, config: TrainConfig, view: View, scene: Scene, degree: int) -> np.ndarray:
    with torch.no_grad():
        image = render_gaussians(
            state.gaussians(config.sh_degree),
            view.K,
            view.world_to_cam,
            view.width,
            view.height,
            scene.background,
            sh_degree=degree,
        ).image
    return to_uint8(image)


class _Clock:
    """Training time: wall time since the start (plus earlier sessions), minus the spans the step hook held it
    paused (only when ``pausing``)."""

    def __init__(self, seconds: float, device: torch.device, pausing: bool):
        self.start = time.perf_counter() - seconds
        self.device = device
        self.pausing = pausing

    def seconds(self) -> float:
        return time.perf_counter() - self.start

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)  # queued training work belongs to training time


class _HookClock:
    """The clock as one hook call sees it: paused lazily, at the hook's first costly read, so a hook that
    only looks at ``step`` costs no GPU synchronisation; ``resume()`` after the call restarts the clock (and
    freezes what ``seconds()`` says, for a StepInfo kept past its call)."""

    def __init__(self, clock: _Clock):
        self.clock = clock
        self.began: float | None = None
        self.frozen: float | None = None

    def pause(self) -> None:
        if self.clock.pausing and self.began is None and self.frozen is None:
            self.clock.sync()
            self.began = time.perf_counter()

    def seconds(self) -> float:
        if self.frozen is not None:
            return self.frozen
        self.pause()
        return (self.began if self.began is not None else time.perf_counter()) - self.clock.start

    def resume(self) -> None:
        self.frozen = self.seconds()
        if self.began is not None:
            self.clock.sync()
            self.clock.start += time.perf_counter() - self.began
            self.began = None
