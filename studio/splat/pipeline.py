"""Photos, a video or a posed set in; a Gaussian-splat model out. The one entry point the CLI and the app share.

``reconstruct`` reads top to bottom:

1. ``detect_input``: photos, video, COLMAP model or transforms.json.
2. Capture: video frames sampled (sharpest per window); photos prepared once (upright JPEGs for SfM) and
   checked (``capture.build_report``); an unusable set stops here, before any heavy work.
3. Poses: pycolmap SfM in a worker process, with settings chosen for the capture (``sfm.choose_sfm``), or the
   poses given. Before SfM the time budget is planned (``budget.plan_budget``): a run that cannot fit stops
   here; training later gets what is really left.
4. Scene: images undistorted, resized to ``resolution``, masked (alpha / plain backdrop / none) and composited
   on the background colour; centre, up and scale normalised (``focus.focus_scene``); optional crop box.
5. Training (``studio.splat.train``), with progress, previews and cancel passed through.
6. Outputs: the model (``model.safetensors``, saved first) and its exports (``.ply``/``.splat``/``.spz``; one
   that cannot hold the model is skipped with a warning), the framed viewer copy (``viewer.splat``), the
   capture report, the cameras and a ``result.json``, all staged and renamed into ``outdir`` only when every
   one is written.

The store gets a ``renders`` row (kind "splat": running -> done / failed / cancelled with the reason) and, only
after the files are in place, a ``models`` row. An interrupted run leaves no final model and nothing marked done.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.cancel import CancelToken, check
from studio.colours import hex_to_rgb, rgb_to_hex
from studio.devices import DeviceChoice, resolve_device
from studio.errors import Cancelled, ComplianceError, InputError, StudioError
from studio.fsutil import atomic_output, ensure_writable_dir
from studio.progress import ProgressFn, null_progress, scaled
from studio.splat.capture import CaptureReport, CaptureThresholds, build_report, require_usable

log = logging.getLogger(__name__)
ExportFormat = Literal["ply", "splat", "spz"]
MODEL_NAME = "model.safetensors"
VIEWER_NAME = "viewer.splat"  # the copy a 3D viewer opens: the product only, framed (focus.viewer_copy)
WORK_NAME = ".studio-splat-work"
NAMED_COLORS = {
    "white": (1.0, 1.0, 1.0),
    "black": (0.0, 0.0, 0.0),
    "grey": (0.5, 0.5, 0.5),
    "gray": (0.5, 0.5, 0.5),
    "green": (0.0, 1.0, 0.0),
}
# progress bar share per stage
SPANS = {
    "frames": (0.0, 0.05),
    "capture": (0.05, 0.1),
    "sfm": (0.1, 0.35),
    "scene": (0.35, 0.38),
    "focus": (0.38, 0.4),
    "train": (0.4, 0.95),
    "export": (0.95, 0.97),
    "screen": (0.97, 1.0),
}


def parse_background(value: str | tuple[float, float, float] | list[float]) -> tuple[float, float, float]:
    """A colour as RGB in 0..1 from a name (white, black, grey, green), ``#rrggbb``, or three numbers
    (``"1,1,1"`` in 0..1 or ``"255,255,255"`` in 0..255)."""
    if isinstance(value, (tuple, list)):
        numbers = [float(v) for v in value]
    else:
        text = str(value).strip().lower()
        if text in NAMED_COLORS:
            return NAMED_COLORS[text]
        if text.startswith("#"):
            return tuple(c / 255.0 for c in hex_to_rgb(text, "background"))  # type: ignore[return-value]
        try:
            numbers = [float(v) for v in text.replace(" ", "").split(",")]
        except ValueError:
            numbers = []
        if not numbers:
            raise InputError(
                f"The background {value!r} is not a colour.",
                "Use white, black, grey, green, #rrggbb or r,g,b.",
            )
    if len(numbers) != 3 or any(not np.isfinite(v) or v < 0 for v in numbers):
        raise InputError(f"The background needs three non-negative numbers, got {value!r}.")
    if max(numbers) > 1.0:
        if max(numbers) > 255:
            raise InputError(f"The background values must be 0..1 or 0..255, got {value!r}.")
        numbers = [v / 255.0 for v in numbers]
    return (numbers[0], numbers[1], numbers[2])


class ReconstructOptions(BaseModel):
    """What the user can choose for one reconstruction (validated at the boundary, frozen)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int | None = Field(None, ge=1, le=1_000_000)  # training steps; None: the trainer's default
    # the whole run's wall-clock budget, capture check to export, minutes: SfM and training share it by the
    # plan in ``studio.splat.budget``; a run that cannot fit is refused before SfM
    max_minutes: float | None = Field(None, gt=0, le=24 * 60, allow_inf_nan=False)
    # training alone (the old --max-minutes)
    train_minutes: float | None = Field(None, gt=0, le=24 * 60, allow_inf_nan=False)
    resolution: int | None = Field(
        None, ge=32, le=4096
    )  # training long edge, px; None: by device (see below)
    # long edge of the images SfM sees, px; None: by photo count (``sfm.features_for_count``)
    sfm_resolution: int | None = Field(None, ge=256, le=4096)
    device: DeviceChoice = "auto"
    holdout: int = Field(8, ge=0, le=1000)  # every K-th view held out for PSNR/SSIM; 0: none (1 is refused)
    # Training background, RGB 0..1. None ("auto"): white for masked views, the photos' mean colour when no
    # mask separates the object (the whole scene is trained; see _run).
    background: tuple[float, float, float] | None = None
    masks: Literal["auto", "alpha", "none"] = "auto"
    crop: tuple[float, float, float, float, float, float] | None = None  # min xyz, max xyz (normalised frame)
    normalize: bool = True  # centre at the origin, up +y, object radius 1
    video_frames: int = Field(60, ge=8, le=1000)  # frames kept from a video
    # auto: sequential (+ loop closure) for video frames, exhaustive for up to 40 photos, retrieval beyond
    matcher: Literal["auto", "exhaustive", "sequential", "retrieval"] = "auto"
    mapper: Literal["auto", "incremental", "global"] = "auto"  # auto: global (GLOMAP) where pycolmap has it
    min_registered: int = Field(8, ge=3, le=10_000)
    formats: tuple[ExportFormat, ...] = ("ply", "splat")
    sfm_timeout_minutes: float | None = Field(None, gt=0, allow_inf_nan=False)
    schedule: Literal["auto", "full", "compact"] = "auto"  # auto: compact on CPU, the full 3DGS one on CUDA
    mask_weight: float = Field(
        0.1, ge=0.0, le=10.0, allow_inf_nan=False
    )  # weight of |alpha - mask| on masked views
    seed: int = 0
    resume: bool = False  # continue from the last training checkpoint in the work folder
    train: dict[str, Any] = Field(
        default_factory=dict
    )  # further TrainConfig fields (advanced), checked there

    @field_validator("background", mode="before")
    @classmethod
    def _background(cls, value: Any) -> tuple[float, float, float] | None:
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        return parse_background(value)

    @property
    def composite_background(self) -> tuple[float, float, float]:
        """The colour masked images are composited on: the chosen background, white when it is auto."""
        return self.background if self.background is not None else (1.0, 1.0, 1.0)

    @field_validator("holdout")
    @classmethod
    def _holdout(cls, value: int) -> int:
        if value == 1:
            raise ValueError("holdout must be 0 (no held-out views) or at least 2 (every K-th view)")
        return value

    @field_validator("crop")
    @classmethod
    def _crop(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and any(value[i + 3] <= value[i] for i in range(3)):
            raise ValueError(f"the crop box needs max > min on every axis, got {value}")
        return value

    @classmethod
    def build(cls, **values: Any) -> ReconstructOptions:
        """Construct, turning pydantic's validation errors into one ``InputError`` naming the field."""
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "options"
            raise InputError(
                f"Bad splat option {where}: {first.get('msg')} (got {first.get('input')!r}).",
                "See `studio splat --help` for the allowed values.",
            ) from exc


@dataclass(frozen=True)
class ReconstructResult:
    """What a reconstruction produced. ``seconds`` holds wall-clock seconds per stage."""

    outdir: Path
    model: Path
    exports: dict[str, Path]
    images: int  # input images (photos given, frames sampled, views in the posed set)
    registered: int  # images with a pose that were trained on (train + held out)
    unregistered: list[str]
    psnr: float | None
    ssim: float | None
    gaussians: int
    steps: int
    device: str
    seconds: dict[str, float]
    kind: str
    capture: CaptureReport | None = None
    render_id: int | None = None
    model_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    budget: dict[str, dict[str, Any]] = field(default_factory=dict)  # the time plans made (budget.py)
    viewer: Path | None = None  # the viewer copy (VIEWER_NAME): the product only, framed
    viewer_camera: tuple[float, float, float] | None = None  # gr.Model3D camera_position for it

    def to_json(self) -> dict[str, Any]:
        return {
            "model": str(self.model),
            "exports": {k: str(v) for k, v in self.exports.items()},
            "images": self.images,
            "registered": self.registered,
            "unregistered": list(self.unregistered),
            "psnr": self.psnr,
            "ssim": self.ssim,
            "gaussians": self.gaussians,
            "steps": self.steps,
            "device": self.device,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "input": self.kind,
            "render_id": self.render_id,
            "model_id": self.model_id,
            "warnings": list(self.warnings),
            "budget": self.budget,
            "viewer": str(self.viewer) if self.viewer else None,
            "viewer_camera": list(self.viewer_camera) if self.viewer_camera else None,
        }


# Defaults by device. The CPU rasterizer trains small images in minutes (splat-core's compact schedule targets
# ~100-200 px); a GPU takes the usual 3DGS sizes.
MIN_PHOTOS = 20  # photos for SfM are never subsampled below this (overlap between neighbours)
CPU_RESOLUTION = 200
GPU_RESOLUTION = 800


def training_resolution(options: ReconstructOptions, device: str) -> int:
    """The training long edge in pixels: ``options.resolution``, else 200 on CPU and 800 on CUDA."""
    if options.resolution is not None:
        return options.resolution
    return CPU_RESOLUTION if device == "cpu" else GPU_RESOLUTION


def train_config(options: ReconstructOptions, device: str, *, masked: bool, max_seconds: float | None = None):
    """The ``TrainConfig`` for ``options`` on ``device``: the compact schedule (scaled to ``steps``, default
    2000) on CPU, the full 3DGS one (default 7000 steps) on CUDA, unless ``options.schedule`` says otherwise;
    ``options.train`` overrides single fields. ``max_seconds`` is training's share of the run's budget (the
    pipeline's plan); without it ``options.train_minutes`` bounds training alone."""
    from studio.splat.train import TrainConfig

    schedule = options.schedule
    if schedule == "auto":
        schedule = "compact" if device == "cpu" else "full"
    values: dict[str, Any] = {"seed": options.seed, "holdout_every": options.holdout}
    if masked:
        values["mask_weight"] = options.mask_weight
    if max_seconds is None and options.train_minutes is not None:
        max_seconds = options.train_minutes * 60.0
    if schedule == "compact":
        return TrainConfig.compact(
            steps=options.steps or 2000, max_seconds=max_seconds, **{**values, **options.train}
        )
    if options.steps is not None:
        values["steps"] = options.steps
    if max_seconds is not None:
        values["max_seconds"] = max_seconds
    return TrainConfig.from_dict({**values, **options.train})


class _Stages:
    """Wall-clock seconds per stage, store events, and the stage's slice of the progress bar."""

    def __init__(
        self,
        report: ProgressFn,
        store: Any,
        render_id: int | None,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.seconds: dict[str, float] = {}
        self.report = report
        self.store = store
        self.render_id = render_id
        self.clock = clock

    @contextmanager
    def stage(self, name: str, message: str) -> Iterator[ProgressFn]:
        start, end = SPANS[name]
        progress = scaled(self.report, start, end)
        progress(0.0, message)
        log.info("splat %s: %s", name, message)
        if self.store is not None and self.render_id is not None:
            self.store.event(self.render_id, "stage", message, {"stage": name})
        began = self.clock()
        try:
            yield progress
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + self.clock() - began
            log.info("splat %s: %.1f s", name, self.seconds[name])
        progress(1.0, message)


def reconstruct(
    input_path: str | os.PathLike[str] | list[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    options: ReconstructOptions | None = None,
    *,
    store: Any | None = None,
    on_progress: ProgressFn | None = None,
    on_preview: Callable[..., None] | None = None,
    cancel: CancelToken | None = None,
    project_id: int | None = None,
    clock: Callable[[], float] | None = None,
) -> ReconstructResult:
    """Reconstruct a splat model from ``input_path`` into ``outdir`` (see the module docstring).

    ``cancel`` is polled throughout (``Cancelled`` is raised, nothing final is written); ``on_preview`` gets
    the trainer's preview images. Raises ``InputError`` for unusable input (with what was wrong and what is
    expected), ``DependencyError`` for a missing GPU, ``RenderError``/``ModelError`` for failures past that.
    ``clock`` (seconds, ``time.perf_counter`` by default) is what the stage times and the time budget read.
    """
    options = options or ReconstructOptions()
    report = on_progress or null_progress
    outdir = ensure_writable_dir(outdir)
    work = outdir / WORK_NAME
    staging = work / "final"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    render_id = None
    if store is not None:
        spec = {"input": _input_label(input_path), "outdir": str(outdir), "options": options.model_dump()}
        render_id = store.start_render("splat", spec, project_id=project_id)
    clock = clock or time.perf_counter
    stages = _Stages(report, store, render_id, clock)
    started = clock()
    try:
        result = _run(
            input_path, outdir, work, staging, options, stages, on_preview, cancel, store, render_id, started
        )
    except Cancelled as exc:
        _finish(store, render_id, "cancelled", exc.one_line(), stages.seconds)
        _drop_bulky(work)
        raise
    except KeyboardInterrupt:
        _finish(store, render_id, "cancelled", "interrupted (Ctrl-C)", stages.seconds)
        _drop_bulky(work)
        raise
    except ComplianceError as exc:
        _finish(store, render_id, "blocked", exc.one_line(), stages.seconds)
        _drop_bulky(work)
        raise
    except StudioError as exc:
        _finish(store, render_id, "failed", exc.one_line(), stages.seconds)
        _drop_bulky(work)
        raise
    except BaseException as exc:
        _finish(store, render_id, "failed", f"{type(exc).__name__}: {exc}"[:500], stages.seconds)
        _drop_bulky(work)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _input_names(input_path: Any) -> str | list[str]:
    """The input's file or folder name(s), for metadata that leaves this machine with the model."""
    if isinstance(input_path, (list, tuple)):
        return [Path(p).name for p in input_path]
    return Path(input_path).name


def _input_label(input_path: Any) -> str | list[str]:
    if isinstance(input_path, (list, tuple)):
        return [str(p) for p in input_path]
    return str(input_path)


def _finish(store: Any, render_id: int | None, status: str, reason: str, seconds: dict[str, float]) -> None:
    log.info("splat render %s %s: %s", render_id, status, reason)
    if store is not None and render_id is not None:
        store.finish_render(render_id, status, reason=reason, timings=seconds)


def _drop_bulky(work: Path) -> None:
    """After a failure or cancel: drop the prepared images, frames and SfM database; keep the logs (``sfm.log``
    is named in error hints), the sparse model and the training checkpoints (for ``resume``). Nothing kept
    here is a final output: those only appear in ``outdir`` when a run completes."""
    for name in ("images", "frames"):
        shutil.rmtree(work / name, ignore_errors=True)
    database = work / "sfm" / "database.db"
    if database.exists():
        database.unlink()


def _run(
    input_path: Any,
    outdir: Path,
    work: Path,
    staging: Path,
    options: ReconstructOptions,
    stages: _Stages,
    on_preview: Callable[..., None] | None,
    cancel: CancelToken | None,
    store: Any,
    render_id: int | None,
    started: float,
) -> ReconstructResult:
    from studio.splat.inputs import detect_input

    source = detect_input(input_path)
    device = resolve_device(options.device)  # fail fast, before any heavy work
    options = options.model_copy(update={"resolution": training_resolution(options, device)})
    warnings: list[str] = []
    capture: CaptureReport | None = None
    unregistered: list[str] = []
    budget = Budget(options, started, stages.clock)

    # 1-4: capture, poses, scene
    if source.kind in ("photos", "video"):
        scene, capture, n_images, unregistered = _scene_from_images(
            source, work, options, stages, cancel, budget
        )
        if budget.subsampled is not None:
            used, of = budget.subsampled
            warnings.append(
                f"The time limit holds {used} of the {of} photos: they were used evenly spread over the set"
                f" ({budget.line('before_sfm')}). Allow more time to use them all."
            )
    else:
        scene, capture, n_images, unregistered, note = _scene_from_posed(
            source, options, stages, cancel, budget
        )
        if note:
            warnings.append(note)
    warnings += budget.notes
    if capture is not None:
        warnings += capture.warnings
        _write_json(staging / "capture_report.json", capture.to_json())
    check(cancel, "The reconstruction")

    with stages.stage("focus", "centring the object") as progress:
        from studio.splat.focus import focus_scene, mean_colour

        crop = None
        if options.crop is not None:
            crop = (tuple(options.crop[:3]), tuple(options.crop[3:]))
        if options.masks == "none" and any(v.mask is not None for v in scene.views):
            scene = replace(scene, views=[replace(v, mask=None) for v in scene.views])
        scene, focus, sim = focus_scene(scene, normalise=options.normalize, crop_box=crop)
        masked = sum(v.mask is not None for v in scene.views)
        if not masked and scene.views:
            # Nothing separates object from surroundings, so the whole scene is trained and the background
            # colour only shows where no Gaussian is yet: the images' mean colour is far closer there than
            # white or black (+4 dB held-out on the plush capture at 400 steps, bench/README.md). An explicit
            # choice is kept.
            if options.background is None:
                scene = replace(scene, background=tuple(round(c, 4) for c in mean_colour(scene.views)))
                how = f"trained against the photos' mean colour {rgb_to_hex(scene.background, scale=1.0)}"
            else:
                how = f"trained against the chosen background {rgb_to_hex(scene.background, scale=1.0)}"
            warnings.append(
                "No masks (the backdrop is not a plain colour, or masks are off): the whole scene is "
                f"reconstructed, {how}. For a clean product model, shoot on a plain backdrop or give RGBA "
                "photos, or use a crop box."
            )
        progress(1.0, f"{len(scene.views)} views, {masked} masked, {len(scene.points)} points")

    # 5: training
    check(cancel, "The reconstruction")
    from studio.splat.train import step_hook, train

    plan = budget.plan("train", 0.0, refuse=False)  # what is really left after SfM, measured
    config = train_config(options, device, masked=bool(masked), max_seconds=plan.train_seconds)
    line = "" if budget.total is None and plan.train_seconds is None else f" ({plan.line()})"
    with stages.stage("train", f"training on {device}{line}") as progress:
        hook = step_hook(
            progress, on_preview, progress_every=config.progress_every, preview_every=config.preview_every
        )
        finish = budget.finish_guard(config, scene)  # stops training early enough for what follows
        trained = train(
            scene,
            config,
            device=device,
            on_step=lambda info: check(cancel, "The reconstruction") or hook(info) or finish(info),
            checkpoint_dir=work / "checkpoints",
            resume=options.resume,
        )
    check(cancel, "The reconstruction")

    # 6: outputs, staged then moved into place together
    with stages.stage("export", "writing the model") as progress:
        from studio.splat.export import export_formats

        gaussians = trained.gaussians
        if crop is not None:  # densification may have grown Gaussians outside the box: drop them too
            from studio.splat.focus import crop_gaussians

            gaussians = crop_gaussians(gaussians, crop[0], crop[1])
        gaussians = gaussians.with_meta(
            reconstruct={
                "source": _input_names(input_path),  # names only: no folders of the user's machine
                "input_kind": source.kind,
                "normalisation": sim.to_json() if sim is not None else None,
                "up_method": focus.up_method,
                "center_method": focus.center_method,
                "crop": list(options.crop) if options.crop is not None else None,
            }
        )
        # the model first: an export that cannot hold it never costs the user the trained model
        model_path = gaussians.save(staging / MODEL_NAME)
        staged = {MODEL_NAME: model_path}
        written = export_formats(
            gaussians, staging, options.formats, on_warning=warnings.append, on_progress=progress
        )
        staged.update({path.name: path for path in written.values()})
        exported = list(written)
        viewer = _viewer_copy(gaussians, staging, warnings)
        if viewer is not None:
            staged[VIEWER_NAME] = staging / VIEWER_NAME
        _write_json(staging / "cameras.json", _cameras_json(scene, trained))
        staged["cameras.json"] = staging / "cameras.json"
        if capture is not None:
            staged["capture_report.json"] = staging / "capture_report.json"
    # 7: the compliance export gate screens renders of the model before anything reaches the output folder
    with stages.stage("screen", "compliance screen") as progress:
        from studio.splat.screening import screen_model

        gated = screen_model(
            gaussians,
            model_path,
            outdir / MODEL_NAME,
            store=store,  # the caller's store, never a global one (None: no reference bank, said in the report)
            background=tuple(scene.background),
            render_id=render_id,
            on_progress=progress,
        )
        for staged_report, target in gated.staged:  # the report moves into place with the model
            staged[target.name] = staged_report
    seconds = dict(stages.seconds)
    seconds["total"] = stages.clock() - started
    n_gaussians = gaussians.n
    psnr = _maybe_float(trained.psnr)
    ssim = _maybe_float(trained.ssim)
    registered = len(scene.views)
    summary = {  # file names relative to outdir: result.json travels with the model
        "model": MODEL_NAME,
        "exports": {fmt: f"model.{fmt}" for fmt in exported},
        "images": n_images,
        "registered": registered,
        "unregistered": unregistered,
        "psnr": psnr,
        "ssim": ssim,
        "gaussians": n_gaussians,
        "steps": int(trained.steps),
        "device": str(trained.device),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "input": source.kind,
        "options": options.model_dump(),
        "budget": budget.plans,
        "viewer": viewer,
        "warnings": warnings,
    }
    _write_json(staging / "result.json", summary)
    staged["result.json"] = staging / "result.json"
    check(cancel, "The reconstruction")
    _publish(staged, outdir)

    model_id = None
    final_model = outdir / MODEL_NAME
    if store is not None:
        meta = {
            "seconds": summary["seconds"],
            "exports": summary["exports"],
            "device": summary["device"],
            "steps": summary["steps"],
            "input": source.kind,
            "unregistered": unregistered,
        }
        model_id = store.add_model(
            final_model,
            render_id=render_id,
            images=n_images,
            registered=registered,
            psnr=psnr,
            ssim=ssim,
            gaussians=n_gaussians,
            meta=meta,
        )
        outputs = [{"kind": "model", "path": str(final_model)}] + [
            {"kind": fmt, "path": str(outdir / f"model.{fmt}")} for fmt in exported
        ]
        store.finish_render(render_id, "done", outputs=outputs, timings=seconds)
    _cleanup_work(work)
    return ReconstructResult(
        outdir=outdir,
        model=final_model,
        exports={fmt: outdir / f"model.{fmt}" for fmt in exported},
        images=n_images,
        registered=registered,
        unregistered=unregistered,
        psnr=psnr,
        ssim=ssim,
        gaussians=n_gaussians,
        steps=summary["steps"],
        device=summary["device"],
        seconds=seconds,
        kind=source.kind,
        capture=capture,
        render_id=render_id,
        model_id=model_id,
        warnings=warnings,
        budget=budget.plans,
        viewer=outdir / VIEWER_NAME if viewer is not None else None,
        viewer_camera=tuple(viewer["camera_position"]) if viewer is not None else None,
    )


def _viewer_copy(gaussians, staging: Path, warnings: list[str]) -> dict[str, Any] | None:
    """Write the viewer copy (the product only, framed; ``focus.viewer_copy``) as ``VIEWER_NAME``: what it
    kept and the viewer camera, or None (with a warning) when it cannot be written."""
    from studio.splat.export import export
    from studio.splat.focus import viewer_copy

    try:
        copy, framing, dropped = viewer_copy(gaussians)
        export(copy, staging / VIEWER_NAME, "splat")
    except StudioError as exc:
        warnings.append(f"No 3D viewer copy: {exc.one_line()}")
        return None
    return {**framing.to_json(), "gaussians": copy.n, "dropped": dropped, "path": VIEWER_NAME}


class Budget:
    """The run's time budget (``options.max_minutes``, whole run; ``options.train_minutes``, training alone)
    against ``clock`` started at ``started``; ``plans`` records each plan made (for result.json)."""

    def __init__(
        self, options: ReconstructOptions, started: float, clock: Callable[[], float] = time.perf_counter
    ):
        self.total = options.max_minutes * 60.0 if options.max_minutes is not None else None
        self.train_only = options.train_minutes * 60.0 if options.train_minutes is not None else None
        self.started = started
        self.clock = clock
        self.plans: dict[str, dict[str, Any]] = {}
        self._lines: dict[str, str] = {}
        self.per_image: list[float] = []  # seconds each probed image took to read (Budget.probe)
        self.slow = 1.0  # the machine's slowdown the probe measured (budget.slowdown)
        self.subsampled: tuple[int, int] | None = None  # (images used, of the set's) when the plan subsampled
        self.notes: list[str] = []  # what the budget changed on the way (a loading stage stopped): warnings

    def elapsed(self) -> float:
        return self.clock() - self.started

    def plan(
        self, name: str, sfm_seconds: float, *, what: str = "this run", refuse: bool = True, **more: Any
    ):
        from studio.splat.budget import plan_budget

        plan = plan_budget(
            self.total,
            self.elapsed(),
            sfm_seconds,
            train_only_seconds=self.train_only,
            what=what,
            refuse=refuse,
            slow=self.slow,
            **more,
        )
        self.plans[name] = plan.to_json()
        self._lines[name] = plan.line()
        return plan

    def line(self, name: str) -> str:
        return self._lines.get(name, "")

    def sfm_limit(self, after_seconds: float = 0.0) -> float | None:
        from studio.splat.budget import sfm_limit

        return sfm_limit(self.total, self.elapsed(), self.slow, after_seconds)

    def deadline(self, planned: float, *, later: float = 0.0, train: float | None = None):
        """The ``budget.Deadline`` of a loading stage starting now, planned to take ``planned`` seconds, with
        ``later`` seconds of estimated work after it (``budget.stage_deadline``); None without a budget."""
        from studio.splat.budget import Deadline, stage_deadline

        at = stage_deadline(
            self.total, self.elapsed(), planned, later_seconds=later, train_seconds=train, slow=self.slow
        )
        return None if at is None else Deadline(self.started + at, self.clock, planned)

    def stopped(self, stage: str, deadline, read: int, of: int, began: float, what: str) -> str:
        """Record that ``deadline`` stopped ``stage`` (``read`` of ``of`` ``what`` read since ``began``, an
        elapsed time) in the plans and the notes; returns the line the progress shows."""
        took = self.elapsed() - began
        key = {"extracting frames": "frames", "checking the photos": "capture"}.get(stage, "scene")
        self.plans[f"stopped_{key}"] = {
            "read": read,
            "of": of,
            "planned_seconds": round(deadline.planned, 3),
            "deadline_seconds": round(deadline.at - self.started, 3),
            "seconds": round(took, 3),
        }
        line = (
            f"the time limit's share for {stage} ran out: {read} of {of} {what} read in {took:.0f} s (planned"
            f" ~{deadline.planned:.0f} s); going on with those"
        )
        self.notes.append(f"The time limit of {self.total / 60:.1f} min: {line}. Allow more time to use all.")
        return line

    def too_few(self, stage: str, read: int, of: int, need: int, what: str) -> InputError:
        """The error for a loading stage its deadline stopped before ``need`` of ``of`` were read."""
        return InputError(
            f"The time limit of {(self.total or 0) / 60:.1f} min ran out while {stage}: {read} of {of} {what}"
            f" read in {self.elapsed():.0f} s, and at least {need} are needed.",
            "Allow more time, or give fewer or smaller images (a slow disk or very large files).",
        )

    def probe(self, load: Callable[[int], float], count: int) -> list[float]:
        """Seconds each of the first ``count`` images took, ``load(i)`` reading image ``i`` and returning the
        megapixels it decoded; sets ``per_image`` and the machine's slowdown ``slow`` from them."""
        from studio.splat.budget import slowdown

        seconds, megapixels = [], []
        for index in range(count):
            began = self.clock()
            megapixels.append(load(index))
            seconds.append(self.clock() - began)
        self.per_image = seconds
        self.slow = slowdown(seconds, megapixels)
        return seconds

    def fit(self, n: int, cost: Callable[[int], float], **kwargs: Any) -> int:
        from studio.splat.budget import fit_count

        return fit_count(self.total, self.elapsed(), n, cost, slow=self.slow, **kwargs)

    def finish_guard(self, config, scene) -> Callable[[Any], bool]:
        """A step hook that stops training when what is left of the budget would no longer hold the
        evaluation, export and screen at the per-step cost measured so far (``budget.finish_seconds``)."""
        from studio.splat.budget import finish_seconds

        if self.total is None:
            return lambda info: False
        total = self.total
        n = len(scene.views)
        holdout = len(range(0, n, config.holdout_every)) if config.holdout_every else 0
        marks: list[tuple[int, float]] = []  # (step, training seconds) at the last checks

        def guard(info) -> bool:
            if info.last:
                return False
            marks.append((info.step, info.seconds))
            del marks[:-20]
            if len(marks) < 6:
                return False
            step_seconds = (marks[-1][1] - marks[0][1]) / max(marks[-1][0] - marks[0][0], 1)  # recent steps
            need = finish_seconds(total, step_seconds=step_seconds, holdout_views=holdout, slow=self.slow)
            return total - self.elapsed() < need

        return guard


def _scene_from_images(
    source,
    work: Path,
    options: ReconstructOptions,
    stages: _Stages,
    cancel: CancelToken | None,
    budget: Budget,
):
    from studio.splat.budget import (
        SCENE_LOAD_SHARE,
        TRAIN_FLOOR_SECONDS,
        estimate_sfm_seconds,
        extrapolate,
    )
    from studio.splat.inputs import scene_from_colmap
    from studio.splat.sfm import choose_sfm, expected_pairs, features_for_count, load_sfm_result, run_sfm

    files = source.files
    video = source.kind == "video"
    count = options.video_frames if video else len(files)
    long_edge = options.sfm_resolution or features_for_count(count)[0]
    if video:
        with stages.stage("frames", f"sampling frames from {source.path.name}") as progress:
            frames, long_edge = _sample_within_budget(
                source.path, work, long_edge, options, budget, progress, cancel
            )
        files = frames.paths
    images_dir = work / "images"
    if images_dir.exists():
        shutil.rmtree(images_dir)
    with stages.stage("capture", f"checking {len(files)} images") as progress:
        prepared = _prepare_within_budget(
            files, images_dir, long_edge, video, options, budget, progress, cancel
        )
        thresholds = CaptureThresholds(min_usable=options.min_registered)
        capture = build_report(
            prepared.qualities, skipped=prepared.skipped, ignored=source.ignored, thresholds=thresholds
        )
        require_usable(capture)
    usable = set(capture.usable)
    chosen = [p for p in prepared.images if p.source.name in usable]
    priors = {p.name: p.focal_px for p in chosen if p.focal_px}
    timeout = options.sfm_timeout_minutes * 60 if options.sfm_timeout_minutes else None
    sfm_options = choose_sfm(
        len(chosen),
        video=video,
        matcher=options.matcher,
        mapper=options.mapper,
        max_image_size=long_edge,
        min_registered=options.min_registered,
        seed=options.seed,
    )
    # the budget: SfM's cost estimated from what it will see; a run that cannot fit stops here, before SfM
    megapixels = float(np.mean([p.width * p.height for p in chosen])) / 1e6
    estimate = estimate_sfm_seconds(
        len(chosen),
        megapixels,
        expected_pairs(len(chosen), sfm_options),
        max_features=sfm_options.max_features,
        mapper=sfm_options.mapper,
    )
    scene_load = extrapolate(budget.per_image, len(chosen)) * SCENE_LOAD_SHARE
    plan = budget.plan(
        "before_sfm",
        estimate["total"] * budget.slow,
        load_seconds=scene_load,
        what=f"{len(chosen)} images",
        images=len(chosen),
        of_images=len(source.files) if not video else None,
    )
    limit = budget.sfm_limit(scene_load)
    if limit is not None:
        timeout = limit if timeout is None else min(timeout, limit)
    sfm_options = replace(sfm_options, timeout_seconds=timeout)
    label = f"finding camera poses for {len(chosen)} images ({sfm_options.matcher}, {sfm_options.mapper})"
    if budget.total is not None:
        label += f" · {plan.line()}"
    with stages.stage("sfm", label) as progress:
        names = [p.name for p in chosen]
        # resuming: keep the poses the checkpoint was trained with
        sfm = load_sfm_result(work / "sfm", names, sfm_options) if options.resume else None
        if sfm is not None:
            progress(1.0, f"reusing the earlier poses ({len(sfm.registered)} images)")
        else:
            sfm = run_sfm(
                images_dir,
                work / "sfm",
                names,
                options=sfm_options,
                focal_priors=priors,
                on_progress=progress,
                cancel=cancel,
            )
    matcher = sfm_options.matcher
    stages.seconds.update({f"sfm_{k}": v for k, v in sfm.timings.items()})
    source_name = {p.name: p.source.name for p in chosen}
    with stages.stage("scene", f"loading {len(sfm.registered)} posed images") as progress:
        began = budget.elapsed()
        deadline = budget.deadline(scene_load, train=TRAIN_FLOOR_SECONDS)
        scene = scene_from_colmap(
            sfm.model,
            images_dir,
            long_edge=options.resolution,
            masks=options.masks,
            background=options.composite_background,
            mask_paths={p.name: p.mask_path for p in chosen if p.mask_path is not None},
            meta={"source": str(source.path), "loader": f"sfm-{matcher}"},
            decode_edge=options.resolution,
            deadline=deadline,
            on_progress=progress,
            cancel=cancel,
        )
        if deadline is not None and len(scene.views) < len(sfm.registered):
            read, of = len(scene.views), len(sfm.registered)
            if read < options.min_registered:
                raise budget.too_few("loading the posed images", read, of, options.min_registered, "images")
            progress(1.0, budget.stopped("loading the posed images", deadline, read, of, began, "images"))
    unregistered = sorted(source_name.get(n, n) for n in sfm.unregistered)
    return scene, capture, len(files), unregistered


def _sample_within_budget(
    video: Path,
    work: Path,
    long_edge: int,
    options: ReconstructOptions,
    budget: Budget,
    progress: ProgressFn,
    cancel: CancelToken | None,
):
    """``sample_frames`` as the budget holds it: the video is probed first (its size, codec and pictures; the
    first pictures decoded and a few candidates written and prepared, all timed), then ``budget.plan_video``
    chooses the frames, candidates per window, decoding and long edge that let extraction, loading, SfM and
    training fit, or the run is refused here, before any extraction, naming the fewest frames it could use
    and what they would need. Extraction stops at its deadline (the frames then come from the part decoded).
    Returns the frames and their long edge."""
    from studio.splat.budget import VideoRates, estimate_sfm_seconds, plan_video, video_choices
    from studio.splat.inputs import prepare_photos
    from studio.splat.sfm import choose_sfm, expected_pairs
    from studio.splat.video_frames import probe_sampling, sample_frames

    asked = options.video_frames
    if budget.total is None:  # nothing to plan: the asked frames, as before
        frames = sample_frames(
            video, work / "frames", count=asked, long_edge=long_edge, on_progress=progress, cancel=cancel
        )
        return frames, long_edge
    probe_dir = work / "frames-probe"
    shutil.rmtree(probe_dir, ignore_errors=True)
    try:
        probe = probe_sampling(video, probe_dir, long_edge=long_edge, clock=budget.clock, cancel=cancel)

        def prepare_one(index: int) -> float:
            done = prepare_photos([probe.paths[index]], probe_dir / "prepared", long_edge=long_edge)
            return sum(im.width * im.height for im in done.images) / 1e6

        per_frame = budget.probe(prepare_one, len(probe.paths))  # also the machine's slowdown
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    info = probe.info
    pictures = max(info.frames, 2)
    rates = VideoRates(
        pictures,
        info.width,
        info.height,
        probe.decode_seconds,
        probe.candidate_seconds,
        float(np.median(per_frame)) if per_frame else 0.0,
        long_edge,
    )

    def sfm_seconds(m: int, width: int, height: int) -> float:
        sfm = choose_sfm(
            m, video=True, matcher=options.matcher, mapper=options.mapper, max_image_size=max(width, height)
        )
        estimate = estimate_sfm_seconds(
            m, width * height / 1e6, expected_pairs(m, sfm), max_features=sfm.max_features, mapper=sfm.mapper
        )
        return estimate["total"] * budget.slow

    minimum = min(asked, max(MIN_PHOTOS, options.min_registered))
    choices = video_choices(
        rates,
        asked=asked,
        minimum=minimum,
        edge=long_edge,
        fixed_edge=options.sfm_resolution is not None,
        sfm_seconds=sfm_seconds,
    )
    choice, fits = plan_video(budget.total, budget.elapsed(), choices, budget.slow)
    what = f"the video {video.name} ({info.duration:.1f} s, {info.width}x{info.height} {info.codec})"
    estimates = {
        "extract_seconds": choice.extract_seconds,
        "load_seconds": choice.load_seconds,
        "frames": choice.describe(),
    }
    if not fits:  # refused before any extraction: plan_budget says what the fewest frames would need
        budget.plan(
            "before_frames",
            choice.sfm_seconds,
            what=f"{what} with {asked} frames asked",
            hint=(
                f" (the fewest frames it can use: {choice.describe()}), or use a shorter or smaller"
                " video (--sfm-resolution, --video-frames)."
            ),
            **estimates,
        )
    plan = budget.plan("before_frames", choice.sfm_seconds, what=what, **estimates)
    progress(0.0, f"sampling {choice.describe()} from {what} · {plan.line()}")
    began = budget.elapsed()
    deadline = budget.deadline(choice.extract_seconds, later=choice.load_seconds + choice.sfm_seconds)
    frames = sample_frames(
        video,
        work / "frames",
        count=choice.frames,
        per_window=choice.per_window,
        long_edge=choice.edge,
        fast=choice.fast,
        deadline=deadline,
        on_progress=progress,
        cancel=cancel,
    )
    if frames.stopped_at is not None and deadline is not None:
        got = len(frames.paths)
        if got < max(3, options.min_registered):
            raise budget.too_few(
                "extracting frames", got, choice.frames, max(3, options.min_registered), "frames"
            )
        line = budget.stopped("extracting frames", deadline, got, choice.frames, began, "frames")
        progress(1.0, f"{line} (up to {frames.stopped_at:.1f} of {info.duration:.1f} s of the video)")
    return frames, choice.edge


def _prepare_within_budget(
    files: list[Path],
    images_dir: Path,
    long_edge: int,
    video: bool,
    options: ReconstructOptions,
    budget: Budget,
    progress: ProgressFn,
    cancel: CancelToken | None,
):
    """``prepare_photos`` for the photos the budget holds: the first ``PROBE_IMAGES`` are prepared and timed,
    the rest of the run (preparing, SfM, reading the views for training) is estimated from them, and a set
    that cannot fit is subsampled evenly (not below ``MIN_PHOTOS`` or the whole set when it is smaller) or
    refused before the rest is prepared."""
    from studio.splat.budget import (
        PROBE_IMAGES,
        SCENE_LOAD_SHARE,
        estimate_sfm_seconds,
        extrapolate,
        spread,
    )
    from studio.splat.inputs import PreparedSet, prepare_photos
    from studio.splat.sfm import choose_sfm, expected_pairs

    n = len(files)
    taken: set[str] = set()
    probed: dict[int, PreparedSet] = {}

    def prepare(chosen: list[Path], report: ProgressFn | None = None, deadline=None) -> PreparedSet:
        return prepare_photos(
            chosen,
            images_dir,
            long_edge=long_edge,
            background=options.composite_background,
            taken=taken,
            deadline=deadline,
            on_progress=report,
            cancel=cancel,
        )

    def probe(index: int) -> float:
        probed[index] = prepare([files[index]])
        return sum(im.width * im.height for im in probed[index].images) / 1e6

    k = min(PROBE_IMAGES, n)
    per_photo = budget.probe(probe, k)
    sizes = [im.width * im.height for ps in probed.values() for im in ps.images]
    megapixels = float(np.mean(sizes)) / 1e6 if sizes else long_edge * long_edge * 0.75 / 1e6

    def sfm_seconds(m: int) -> float:
        sfm = choose_sfm(
            m, video=video, matcher=options.matcher, mapper=options.mapper, max_image_size=long_edge
        )
        pairs = expected_pairs(m, sfm)
        estimate = estimate_sfm_seconds(
            m, megapixels, pairs, max_features=sfm.max_features, mapper=sfm.mapper
        )
        return estimate["total"] * budget.slow

    def cost(m: int) -> float:  # the rest of preparing, SfM, and reading the views for training
        return extrapolate(per_photo, max(m - k, 0) + m * SCENE_LOAD_SHARE) + sfm_seconds(m)

    minimum = n if n <= MIN_PHOTOS else max(MIN_PHOTOS, options.min_registered)
    count = budget.fit(n, cost, minimum=minimum, share=1.0)
    if count < minimum:  # refused here, before the rest is prepared (plan_budget says what it would need)
        budget.plan(
            "before_sfm",
            sfm_seconds(n),
            load_seconds=extrapolate(per_photo, max(n - k, 0) + n * SCENE_LOAD_SHARE),
            what=f"{n} images",
        )
    indices = spread(n, count)
    rest = [i for i in indices if i not in probed]
    if budget.total is not None:
        what = f"{count} of {n}" if count < n else f"{n}"
        progress(k / max(n, 1), f"checking {what} images (reading ~{cost(count) / 60:.1f} min with SfM)")
    began = budget.elapsed()
    deadline = budget.deadline(
        extrapolate(per_photo, len(rest)),
        later=sfm_seconds(count) + extrapolate(per_photo, count * SCENE_LOAD_SHARE),
    )
    done = prepare(
        [files[i] for i in rest], lambda f, m: progress((k + f * len(rest)) / max(n, 1), m), deadline
    )
    if done.unread:  # the deadline stopped it: go on with what was read, or say why not
        read = count - len(done.unread)
        if read < max(3, options.min_registered):
            raise budget.too_few("checking the photos", read, count, max(3, options.min_registered), "images")
        progress(
            read / max(n, 1), budget.stopped("checking the photos", deadline, read, count, began, "images")
        )
    parts = [probed[i] for i in indices if i in probed] + [done]
    prepared = PreparedSet(
        [im for ps in parts for im in ps.images],
        [q for ps in parts for q in ps.qualities],
        [sk for ps in parts for sk in ps.skipped],
    )
    if count < n:
        budget.subsampled = (count, n)
    return prepared


def _scene_from_posed(
    source, options: ReconstructOptions, stages: _Stages, cancel: CancelToken | None, budget: Budget
):
    """A posed set (COLMAP model or transforms.json) read in one pass: each image is decoded once, no larger
    than training and the capture check need, measured for the capture check and made a view. The first
    ``PROBE_IMAGES`` are timed and the plan (``budget.fit_count``, at the measured slowdown) decides how many to read; a set that cannot
    fit is refused before the rest is read."""
    from studio.splat.budget import PROBE_IMAGES, extrapolate, spread
    from studio.splat.capture import ANALYSIS_EDGE, assess_image
    from studio.splat.colmap_io import image_file, read_model
    from studio.splat.inputs import (
        load_transforms,
        read_transforms_json,
        resolve_frame_file,
        scene_from_colmap,
        views_from_colmap,
    )

    thresholds = CaptureThresholds(min_usable=options.min_registered)
    decode_edge = max(options.resolution, ANALYSIS_EDGE) if options.resolution else None
    qualities: list[Any] = []
    decoded: list[float] = []  # megapixels of each image decoded

    def measure(name: str, photo: Any, full: tuple[int, int]) -> None:
        qualities.append(assess_image(name, photo, full))
        decoded.append(photo.width * photo.height / 1e6)

    common: dict[str, Any] = {
        "long_edge": options.resolution,
        "masks": options.masks,
        "background": options.composite_background,
        "decode_edge": decode_edge,
    }
    if source.kind == "colmap":
        model = read_model(source.model_dir)
        names = sorted(model.image_names)
        files = [image_file(source.image_dir, name) for name in names]
        missing = [str(p.name) for p in files if not p.is_file()]
        if missing:
            raise InputError(
                f"{len(missing)} image(s) of the COLMAP model are missing from {source.image_dir}: "
                f"{', '.join(missing[:5])}.",
                "Put the images the model was made from in the images folder.",
            )

        def probe(index: int) -> float:
            views_from_colmap(model, source.image_dir, names=[names[index]], on_image=measure, **common)
            return decoded[-1]

        def load(indices: list[int], progress: ProgressFn, deadline):
            return scene_from_colmap(
                model,
                source.image_dir,
                names=[names[i] for i in indices],
                on_image=measure,
                meta={"source": str(source.path), "loader": "colmap"},
                deadline=deadline,
                on_progress=progress,
                cancel=cancel,
                **common,
            )

        n_images = len(source.files)
        unregistered = sorted({p.name for p in source.files} - set(model.image_names))
    else:  # transforms.json
        data = read_transforms_json(source.files[0])
        base = source.files[0].parent
        files = [resolve_frame_file(base, str(f.get("file_path", ""))) for f in data["frames"]]

        def probe(index: int) -> float:
            load_transforms(source.files[0], frames=[index], on_image=measure, **common)
            return decoded[-1]

        def load(indices: list[int], progress: ProgressFn, deadline):
            return load_transforms(
                source.files[0],
                frames=indices,
                on_image=measure,
                deadline=deadline,
                on_progress=progress,
                cancel=cancel,
                **common,
            )

        n_images = len(files)
        unregistered = []
    n = len(files)
    with stages.stage("scene", f"checking and loading {n} posed images") as progress:
        check(cancel, "Loading the posed images")
        per_image = budget.probe(probe, min(PROBE_IMAGES, n))  # timed: the plan extrapolates from these
        qualities.clear()
        minimum = min(n, options.min_registered)
        count = budget.fit(n, lambda m: extrapolate(per_image, m), minimum=minimum)
        if count < minimum:  # not even the fewest views a model needs fit: refuse before reading the rest
            fits = budget.fit(n, lambda m: extrapolate(per_image, m), minimum=1)
            budget.plan(
                "before",
                0.0,
                load_seconds=extrapolate(per_image, minimum),
                what=f"{minimum} of the {n} posed images",
                hint=(
                    f" (all {n} images need about {extrapolate(per_image, n) / 60:.1f} min to read), or give"
                    f" {'a set that reads faster' if fits < 1 else f'at most {fits} images'}."
                ),
            )
        indices = spread(n, count)
        plan = budget.plan(
            "before",
            0.0,
            load_seconds=extrapolate(per_image, len(indices)),
            what=f"{len(indices)} posed images",
            images=len(indices),
            of_images=n,
        )
        if budget.total is not None:
            progress(0.0, f"checking and loading {len(indices)} of {n} posed images · {plan.line()}")
        began = budget.elapsed()
        deadline = budget.deadline(extrapolate(per_image, len(indices)))
        scene = load(indices, progress, deadline)
        if len(scene.views) < len(indices):  # the deadline stopped it: go on with what was read
            read = len(scene.views)
            if read < minimum:
                raise budget.too_few("loading the posed images", read, len(indices), minimum, "images")
            progress(
                1.0, budget.stopped("loading the posed images", deadline, read, len(indices), began, "images")
            )
        if deadline is not None:  # read coarse to fine: the capture check sees them in capture order
            order = {p.name: i for i, p in enumerate(files)}
            qualities.sort(key=lambda q: order.get(q.name, n))
        capture = build_report(qualities, thresholds=thresholds)
        require_usable(capture)
    note = None
    if len(indices) < n:
        note = (
            f"The time limit holds {len(indices)} of the {n} posed images: they were read evenly spread over"
            f" the set ({plan.line()})."
        )
    return scene, capture, n_images, unregistered, note


def _maybe_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _cameras_json(scene, trained) -> dict[str, Any]:
    holdout = set(trained.holdout_views)
    return {
        "convention": "OpenCV world_to_cam (x right, y down, z forward); K in pixels, pixel centres at +0.5",
        "up": np.asarray(scene.up).tolist(),
        "center": np.asarray(scene.center).tolist(),
        "radius": scene.radius,
        "views": [
            {
                "name": v.name,
                "width": v.width,
                "height": v.height,
                "K": v.K.tolist(),
                "world_to_cam": v.world_to_cam.tolist(),
                "holdout": v.name in holdout,
            }
            for v in scene.views
        ],
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def _publish(staged: dict[str, Path], outdir: Path) -> None:
    """Move every staged file into ``outdir``; if one move fails, remove the ones already moved."""
    moved: list[Path] = []
    try:
        for name, path in staged.items():
            target = outdir / name
            os.replace(path, target)
            moved.append(target)
    except OSError:
        for target in moved:
            target.unlink(missing_ok=True)
        raise


def _cleanup_work(work: Path) -> None:
    """After success keep the SfM model and logs (small, useful); drop images, frames, database, checkpoints."""
    for name in ("images", "frames", "checkpoints", "final"):
        shutil.rmtree(work / name, ignore_errors=True)
    database = work / "sfm" / "database.db"
    if database.exists():
        database.unlink()
