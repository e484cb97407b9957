"""AI shots in ads: the ``MotionClipLayer`` kind (drawn here, registered with the compositor), the clip cache,
the machine's AI motion status, and ``resolve_motion``, which turns a template's clip requests into clips.

A template places a ``MotionClipLayer`` with a ``ClipRequest`` (a photo to move, or a B-roll prompt) and the
weight-free layers it replaces as its ``fallback``. Before encoding, ``resolve_motion(timeline)`` gives each request
a clip: from the cache (``$STUDIO_HOME/cache/ai_clips/``, keyed by everything that changes the pixels and nothing
else, so editing the ad's copy never regenerates), or generated with ``studio.video.ai_clip.make_ai_clip`` where
the machine can (a CUDA GPU and the weights; tiny local models run on the CPU, as ``make_ai_clip`` allows), or
the fallback layers with the reason in one line (``motion_status``: GPU found? weights present? the pull command).

**Retiming without judder.** A clip comes at its engine's frame rate (24 fps for Wan 2.2, 16 for Wan 2.1) and a
frame count snapped to the engine's rule, so it rarely lasts exactly as long as its shot at the ad's 30 fps.
Converting with ffmpeg's ``fps`` filter would repeat every fourth frame of a 24 fps clip (a 4:1 duplicate
pattern the eye sees as stutter) and cut or freeze the end. Instead each output frame is sampled at its own
timestamp: output frame ``j`` of a shot spanning ``M`` frames shows the clip at the same fraction of its length,
source position ``s = (j + 0.5) * N / M - 0.5`` for a clip of ``N`` frames (frame centres mapped onto frame
centres), and ``retime="blend"`` (the default) mixes the two source frames around ``s`` by its fractional part.
The clip is thus stretched uniformly over the whole shot (the speed change, when the snapped length differs from
the shot, is said in the notes); every output frame advances the motion by the same ``N / M`` source frames, so
there are no held or dropped frames. ``retime="nearest"`` takes the nearest source frame (no blending, and then
the repeat pattern returns when ``M > N``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from studio.cancel import CancelToken, check
from studio.errors import DependencyError, InputError, ModelError, RenderError
from studio.progress import ProgressFn, null_progress, scaled
from studio.video.compose import _drop_shadow, _Envelope, _rounded_mask, _unit, paste_boxed, register_layer
from studio.video.engines.base import Engine
from studio.video.timeline import ClipRequest, Layer, MotionClipLayer, Shot, Timeline

if TYPE_CHECKING:
    from studio.video.ai_clip import ClipJob

RETIMES = ("blend", "nearest")
CACHE_VERSION = 1  # part of every cache key: bump it when the clip-making code changes what a key produces
MOVES_FOR_PRESETS = {"push-in": "push-in", "parallax": "parallax"}  # other presets keep the product still


# -- retiming --------------------------------------------------------------------------------------------------
def retime_positions(source_frames: int, output_frames: int) -> np.ndarray:
    """The source position (fractional frame index) of each output frame: [output_frames] float64 in
    [0, source_frames - 1], evenly spaced by ``source_frames / output_frames`` (see the module docstring)."""
    if source_frames < 1 or output_frames < 1:
        raise InputError(f"Cannot retime {source_frames} source frames onto {output_frames} output frames.")
    j = np.arange(output_frames, dtype=np.float64)
    return np.clip((j + 0.5) * source_frames / output_frames - 0.5, 0.0, source_frames - 1)


def source_position(t: float, span: float, fps: int, source_frames: int) -> float:
    """``retime_positions`` at shot time ``t`` (seconds into a layer lasting ``span`` s at ``fps``)."""
    output_frames = max(1.0, span * fps)
    j = t * fps
    return min(max((j + 0.5) * source_frames / output_frames - 0.5, 0.0), source_frames - 1.0)


class _MotionClip:
    """A ``MotionClipLayer`` prepared for drawing: the clip decoded at box size in its own frames (an ffmpeg
    child), two frames kept around the current source position, blended per output frame."""

    def __init__(self, layer: MotionClipLayer, timeline: Timeline, shot: Shot):
        from studio.media.probe import probe_video

        if layer.retime not in RETIMES:
            raise RenderError(f"Unknown retime {layer.retime!r}.", f"Use one of: {', '.join(RETIMES)}.")
        if not layer.path:
            slot = layer.request.slot if layer.request else "a clip"
            raise RenderError(
                f"The AI clip of {slot} was not made before rendering.",
                "Call studio.video.ai_shots.resolve_motion(timeline) first (make_ad does).",
            )
        if not Path(layer.path).is_file():
            raise RenderError(f"The clip {layer.path} does not exist.", "Render the clip again.")
        self.layer = layer
        self.env = _Envelope(layer, shot.duration)
        self.static = False
        self.fps = timeline.fps
        self.span = max(self.env.end - layer.start, 1.0 / timeline.fps)
        self.size = (max(2, round(layer.box.w)), max(2, round(layer.box.h)))
        self.frames = probe_video(layer.path).frames
        if self.frames < 1:
            raise RenderError(f"The clip {layer.path} has no frames.", "Render the clip again.")
        self.mask = _rounded_mask(self.size, layer.radius) if layer.radius else None
        self.shadow = (
            _drop_shadow(self.size, layer.radius, round(18 * _unit(timeline))) if layer.shadow else None
        )
        self.stream = None
        self.kept: dict[int, np.ndarray] = {}
        self.next_index = 0

    def _open(self) -> None:
        from studio.media.decode import FittedStream

        if self.stream is not None:
            self.stream.close()
        layer = self.layer
        self.stream = FittedStream(layer.path, self.size, None, fit=layer.fit, matte=tuple(layer.matte))
        self.kept, self.next_index = {}, 0

    def source(self, index: int) -> np.ndarray:
        """Source frame ``index`` as [H, W, 3] uint8 at box size (the last decodable one past the end)."""
        if self.stream is None or (index < self.next_index - 2 and index not in self.kept):
            self._open()
        while self.next_index <= index:
            data = self.stream.read()  # type: ignore[union-attr]
            if data is None:
                break
            self.kept[self.next_index] = np.frombuffer(data, np.uint8).reshape(self.size[1], self.size[0], 3)
            self.next_index += 1
            for old in [k for k in self.kept if k < self.next_index - 2]:
                del self.kept[old]
        if index in self.kept:
            return self.kept[index]
        if not self.kept:
            raise RenderError(
                f"The clip {self.layer.path} has no decodable frames.", "Render the clip again."
            )
        return self.kept[max(self.kept)]

    def frame_image(self, t: float) -> Image.Image:
        s = source_position(t - self.layer.start, self.span, self.fps, self.frames)
        if self.layer.retime == "nearest":
            return Image.fromarray(self.source(math.floor(s + 0.5)))
        i0 = math.floor(s)
        w = s - i0
        if w < 1e-3 or i0 + 1 >= self.frames:
            return Image.fromarray(self.source(i0))
        a = self.source(i0)
        b = self.source(i0 + 1)
        if w > 1 - 1e-3:
            return Image.fromarray(b)
        import cv2

        return Image.fromarray(cv2.addWeighted(a, 1.0 - w, b, w, 0.0))

    def draw(self, frame: Image.Image, t: float) -> None:
        if not self.env.visible(t):
            return
        paste_boxed(frame, self.frame_image(t), self.env, t, self.mask, self.shadow)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


register_layer(MotionClipLayer)(_MotionClip)


# -- what this machine can do ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MotionStatus:
    """Whether ``model`` can make clips on this machine, decided without loading it."""

    model: str  # as given: an engine name or a folder
    engine: str  # the engine (for a folder: read from its model_index.json)
    task: str
    gpu: str | None  # "NVIDIA H200, 131.2 GB free"; None: no CUDA GPU
    weights: bool  # the weights are on this machine
    full_size: bool  # too large for the CPU (studio.video.ai_profiles.CPU_MAX_WEIGHT_BYTES)
    runnable: bool
    missing: tuple[str, ...]  # what is missing, in words
    pull: str | None  # the command that gets the weights, when they are missing
    reason: (
        str  # "wan2.2-ti2v-5b: no CUDA GPU found; weights not on this machine (run `studio models pull ...`)"
    )
    line: str  # the one line the app's AI motion section shows

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "engine": self.engine,
            "task": self.task,
            "gpu": self.gpu,
            "weights": self.weights,
            "full_size": self.full_size,
            "runnable": self.runnable,
            "missing": list(self.missing),
            "pull": self.pull,
            "reason": self.reason,
            "line": self.line,
        }


def _gpu() -> tuple[str | None, float | None]:
    """("NAME", free GB) of the current CUDA device, or (None, None)."""
    import torch

    if not torch.cuda.is_available():
        return None, None
    from studio.video.ai_profiles import GIB, cuda_free_bytes

    return torch.cuda.get_device_name(), (cuda_free_bytes() or 0) / GIB


def motion_status(model: str, task: str = "i2v") -> MotionStatus:
    """Can ``model`` (an engine name or a local diffusers folder) make a ``task`` clip here? Reads the registry,
    the model folder's files and the GPU's free memory; loads nothing. ``InputError`` for an unknown model."""
    from studio.video.ai_clip import resolve_model, weights_bytes
    from studio.video.ai_profiles import GIB, choose_profile

    engine, folder, full_size = resolve_model(str(model))
    named = str(model) == engine.name  # a registry engine, not a local folder
    name = engine.name if named else f"{Path(model).name} ({engine.name})"
    gpu_name, free_gb = _gpu()
    missing: list[str] = []
    parts: list[str] = []
    if gpu_name is None:
        parts.append("no CUDA GPU found")
        if full_size:
            missing.append("a CUDA GPU")
    else:
        parts.append(f"GPU {gpu_name} with {free_gb:.1f} GB free")
        try:
            choose_profile(engine, int((free_gb or 0) * GIB))
        except DependencyError:
            least = min(engine.memory_gb.values())
            missing.append(f"about {least:g} GB of free GPU memory")
            parts[-1] += f" (needs about {least:g} GB)"
    weights = folder is not None
    pull = None
    if weights:
        size_mb = weights_bytes(folder) / 1e6  # type: ignore[arg-type]
        parts.append(f"{'weights' if named else 'local folder'} present ({size_mb:,.1f} MB)")
        if gpu_name is None and not full_size:
            parts[-1] += ", small enough for the CPU"
    else:
        pull = f"studio models pull {engine.name}"
        parts.append(f"weights not on this machine (run `{pull}`)")
        missing.append("the weights")
    if task not in engine.tasks:
        missing.append(f"an engine that does {task}")
        parts.append(f"{engine.name} does {', '.join(engine.tasks)}, not {task}")
    runnable = not missing
    if runnable:
        line = f"AI motion ready with {name}: {'; '.join(parts)}."
    else:
        line = f"AI motion off, the weight-free motion is used ({name}): {'; '.join(parts)}."
    return MotionStatus(
        model=str(model),
        engine=engine.name,
        task=task,
        gpu=None if gpu_name is None else f"{gpu_name}, {free_gb:.1f} GB free",
        weights=weights,
        full_size=full_size,
        runnable=runnable,
        missing=tuple(missing),
        pull=pull,
        reason=f"{name}: {'; '.join(parts)}",
        line=line,
    )


def status_line(model: str | None, task: str = "i2v") -> str:
    """``motion_status(model, task).line``, or one line saying what is wrong with ``model`` (empty, unknown,
    not a model folder): what the Ad Studio's AI motion section shows. Loads no model."""
    from studio.errors import StudioError

    if not (model or "").strip():
        return "AI motion off: choose an engine (or give a local diffusers folder)."
    try:
        return motion_status(model.strip(), task).line  # type: ignore[union-attr]
    except StudioError as exc:
        return f"AI motion off: {exc.one_line()}"


# -- the clip cache --------------------------------------------------------------------------------------------
def model_identity(model: str) -> str:
    """What names a model's weights in a cache key: an engine name as it is; a local folder by its files' names,
    sizes and modification times (or its manifest's SHA-256s), not by where it lies."""
    from studio.video.engines import ENGINES

    if model in ENGINES:
        return f"engine:{model}"
    folder = Path(model).expanduser()
    digest = hashlib.sha256()
    manifest = folder / ".studio-manifest.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    else:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(folder).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}\n".encode()
            )
    return f"folder:{digest.hexdigest()}"


def clip_key(fields: dict) -> str:
    """The cache key: sha256 of the canonical JSON of ``fields`` (model identity, photo sha256, prompt, negative
    prompt, seed, size, frames, steps, profile, faithful, task, move) and ``CACHE_VERSION``."""
    text = json.dumps({**fields, "version": CACHE_VERSION}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ClipCache:
    """Generated clips under ``$STUDIO_HOME/cache/ai_clips/`` (default): ``KEY.mp4`` and its sidecar ``KEY.json``.

    A clip is made in a temporary folder beside them and renamed into place, sidecar first and MP4 last, so a
    clip is in the cache only when both are whole (a kill mid-way leaves a ``.tmp-*`` folder, removed on the
    next ``put``, unless its process still runs)."""

    def __init__(self, root: str | os.PathLike[str] | None = None):
        if root is None:
            from studio.settings import cache_dir

            root = cache_dir("cache") / "ai_clips"
        self.root = Path(root)

    def paths(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.mp4", self.root / f"{key}.json"

    def get(self, key: str) -> Path | None:
        clip, sidecar = self.paths(key)
        return clip if clip.is_file() and clip.stat().st_size > 0 and sidecar.is_file() else None

    def put(self, key: str, make) -> Path:
        """``make(tmp_clip_path)`` writes the clip and its sidecar; both are then renamed into the cache."""
        from studio.video.ai_generate import sidecar_path

        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(
            ".tmp-*"
        ):  # left by a killed process (never a running one's: batch workers)
            if not _alive(stale.name.split("-")[1]):
                shutil.rmtree(stale, ignore_errors=True)
        tmp = self.root / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        tmp.mkdir()
        try:
            clip = tmp / f"{key}.mp4"
            make(clip)
            final_clip, final_sidecar = self.paths(key)
            os.replace(sidecar_path(clip), final_sidecar)
            os.replace(clip, final_clip)
            return final_clip
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: str) -> bool:
    """Whether the process ``pid`` (a string from a folder name) is running on this machine."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# -- loaded pipelines ------------------------------------------------------------------------------------------
class MotionPipelines:
    """The loaded diffusion pipeline, kept between clips and renders by its owner (the app's ``AppContext``, a
    CLI command): one at a time, so two full-size models never sit in GPU memory together. ``generations``
    counts the generation runs started (a cache hit starts none)."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._pipe = None
        self.generations = 0
        self.loads = 0

    def get(self, model: str, task: str, profile: str):
        """The pipeline for ``model`` and ``task`` (loaded on first use, on the device ``make_ai_clip`` uses)."""
        import torch

        from studio.video.ai_clip import load_pipeline, resolve_model
        from studio.video.ai_profiles import choose_profile, cuda_free_bytes

        engine, folder, _ = resolve_model(model)
        if folder is None:
            raise ModelError(
                f"The weights of {engine.name} are not on this machine.",
                f"Run `studio models pull {engine.name}`.",
            )
        device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda":
            profile = choose_profile(engine, cuda_free_bytes() or 0, profile)[0]
        elif profile == "auto":
            profile = "full"
        key = (str(folder), task, device, profile)
        if key != self._key:
            self.release()
            self._pipe = load_pipeline(folder, engine, task, profile=profile, device=device)
            self._key = key
            self.loads += 1
        return self._pipe

    def release(self) -> None:
        self._pipe, self._key = None, None
        import gc

        gc.collect()


# -- requests -> clips -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MotionNote:
    """What happened to one AI shot of a render: ``generated``, ``cached`` or ``fallback`` (with the reason)."""

    slot: str  # "photo 1", "b-roll 1"
    platform: str
    status: str  # generated | cached | fallback
    engine: str | None = None
    clip: str | None = None
    sidecar: str | None = None
    reason: str | None = None  # fallback: why (one line)
    messages: tuple[str, ...] = ()  # sizes and frames snapped, the clip's speed in the shot

    @property
    def line(self) -> str:
        if self.status == "fallback":
            return f"AI motion, {self.slot} ({self.platform}): weight-free motion instead; {self.reason}."
        how = "from the clip cache" if self.status == "cached" else "generated"
        return f"AI motion, {self.slot} ({self.platform}): {self.engine} clip {how}."

    def to_json(self) -> dict:
        return {
            "slot": self.slot,
            "platform": self.platform,
            "status": self.status,
            "engine": self.engine,
            "clip": self.clip,
            "sidecar": self.sidecar,
            "reason": self.reason,
            "messages": list(self.messages),
            "line": self.line,
        }


@dataclass
class _Plan:
    """One request made concrete: the job for ``make_ai_clip`` and the cache key of what it would make."""

    job: ClipJob  # its ``out`` is filled in by the cache
    engine: Engine
    key: str
    messages: list[str] = field(default_factory=list)


def plan_clip(request: ClipRequest, box: tuple[int, int], seconds: float) -> _Plan:
    """The ``ClipJob`` and cache key of ``request`` for a layer of ``box`` (w, h) lasting ``seconds``: the size
    and frame count snapped to the engine, the prompt built, the photo hashed. Pure apart from reading the photo
    and the model folder's listing."""
    from studio.fsutil import sha256_file
    from studio.video.ai_clip import ClipJob, resolve_model
    from studio.video.ai_inputs import DEFAULT_NEGATIVE_PROMPT, build_prompt, snap_frames, snap_size

    engine, _folder, _ = resolve_model(request.model)
    if request.task not in engine.tasks:
        raise InputError(f"{engine.name} cannot do {request.task}.", f"It does: {', '.join(engine.tasks)}.")
    size = snap_size(engine, *(request.size or (None, None)), aspect=box)
    frames = snap_frames(engine, seconds=seconds)
    messages = [m for m in (size.message, frames.message) if m]
    prompt = request.prompt
    if not prompt:
        if request.task != "i2v" or not request.product:
            raise InputError(f"The {request.slot} shot needs a prompt.")
        prompt = build_prompt(request.product, preset=request.preset)  # not from the copy: copy edits keep it
    negative = request.negative_prompt or DEFAULT_NEGATIVE_PROMPT
    steps = request.steps or engine.steps
    move = MOVES_FOR_PRESETS.get(request.preset, "static")
    photo_sha = None
    if request.task == "i2v":
        if not request.photo:
            raise InputError(f"The {request.slot} shot needs a photo.")
        photo_sha = sha256_file(request.photo)
    width, height = size.value  # type: ignore[misc]
    key = clip_key(
        {
            "model": model_identity(request.model),
            "task": request.task,
            "photo_sha256": photo_sha,
            "prompt": prompt,
            "negative_prompt": negative,
            "seed": request.seed,
            "size": [width, height],
            "frames": frames.value,
            "steps": steps,
            "profile": request.profile,
            "faithful": bool(request.faithful and request.task == "i2v"),
            "move": move if request.task == "i2v" else None,
        }
    )
    job = ClipJob(
        task=request.task,
        model=request.model,
        out=Path("unset.mp4"),
        prompt=prompt,
        negative_prompt=negative,
        image=Path(request.photo) if request.photo else None,
        faithful=bool(request.faithful),
        move=move,
        screen=False,  # an intermediate: the ad is screened (with this clip's sidecar) and signed by its gate
        sign=False,
        frames=int(frames.value),  # type: ignore[arg-type]
        size=(width, height),
        steps=steps,
        seed=request.seed,
        profile=request.profile,
    )
    return _Plan(job=job, engine=engine, key=key, messages=messages)


def motion_layers(timeline: Timeline) -> list[MotionClipLayer]:
    """The clip requests of ``timeline`` still to be resolved."""
    return [
        layer
        for shot in timeline.shots
        for layer in shot.layers
        if isinstance(layer, MotionClipLayer) and layer.request is not None and not layer.path
    ]


def resolve_motion(
    timeline: Timeline,
    *,
    cache: ClipCache | None = None,
    pipelines: MotionPipelines | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[Timeline, list[MotionNote]]:
    """Every unresolved ``MotionClipLayer`` of ``timeline`` given its clip (cached or generated) or replaced by its
    fallback layers; returns the new timeline and a note per shot. ``meta["models"]`` gets the comma-separated
    licence-registry ids of the models whose clips are used, ``meta["ai_clips"]`` their sidecar JSON paths.

    Falls back (never raises) when the machine cannot run the model (no CUDA for a full-size model, no weights,
    too little GPU memory: ``DependencyError``/``ModelError``) and when faithful mode cannot separate the product
    from its photo. Bad requests raise ``InputError``; ``Cancelled`` stops it."""
    from studio.video.ai_clip import make_ai_clip

    report = on_progress or null_progress
    cache = cache or ClipCache()
    platform = str(timeline.meta.get("platform", ""))
    todo = motion_layers(timeline)
    statuses: dict[tuple[str, str], MotionStatus] = {}
    notes: list[MotionNote] = []
    resolved: dict[int, tuple[Layer, ...]] = {}  # id(layer) -> its replacement
    models: list[str] = []
    sidecars: list[str] = []
    for k, layer in enumerate(todo):
        check(cancel, "The AI motion")
        request = layer.request
        assert request is not None
        part = scaled(report, k / len(todo), (k + 1) / len(todo))
        shot_len = next(s.duration for s in timeline.shots if any(x is layer for x in s.layers))
        span = (shot_len if layer.end is None else min(layer.end, shot_len)) - layer.start
        plan = plan_clip(request, (max(1, round(layer.box.w)), max(1, round(layer.box.h))), span)
        clip = cache.get(plan.key)
        status = "cached"
        reason = None
        if clip is None:
            sk = (request.model, request.task)
            if sk not in statuses:
                statuses[sk] = motion_status(request.model, request.task)
            machine = statuses[sk]
            reason = None if machine.runnable else machine.reason
            if reason is None and request.task == "i2v" and request.faithful:
                reason = _faithful_problem(request)
            if reason is None:
                part(0.0, f"AI motion: generating {request.slot}")
                try:
                    pipe = pipelines.get(request.model, request.task, request.profile) if pipelines else None
                    if pipelines is not None:
                        pipelines.generations += 1

                    def make(out: Path, plan=plan, pipe=pipe, part=part) -> None:
                        make_ai_clip(replace(plan.job, out=out), pipe=pipe, on_progress=part, cancel=cancel)

                    clip = cache.put(plan.key, make)
                    status = "generated"
                except (DependencyError, ModelError) as exc:
                    reason = f"{plan.engine.name} could not run here: {exc.one_line().rstrip('.')}"
        if clip is None:
            resolved[id(layer)] = layer.fallback
            notes.append(MotionNote(request.slot, platform, "fallback", plan.engine.name, reason=reason))
            part(1.0, f"AI motion: {request.slot} uses the weight-free motion")
            continue
        messages = list(plan.messages)
        clip_seconds = plan.job.frames / plan.engine.fps
        speed = clip_seconds / span if span > 0 else 1.0
        if abs(speed - 1.0) > 0.02:
            messages.append(
                f"the {clip_seconds:.2f} s clip is played over the {span:.2f} s shot ({speed:.2f}x speed, blended)"
            )
        sidecar = cache.paths(plan.key)[1]
        resolved[id(layer)] = (replace(layer, path=str(clip)),)
        models.append(plan.engine.model_id)
        sidecars.append(str(sidecar))
        notes.append(
            MotionNote(request.slot, platform, status, plan.engine.name, str(clip), str(sidecar),
                       messages=tuple(messages))
        )  # fmt: skip
        part(1.0, f"AI motion: {request.slot} {status}")
    if not todo:
        return timeline, notes
    shots = tuple(
        replace(shot, layers=tuple(x for layer in shot.layers for x in resolved.get(id(layer), (layer,))))
        for shot in timeline.shots
    )
    meta = dict(timeline.meta)
    used = list(dict.fromkeys([*(m for m in str(meta.get("models", "")).split(",") if m), *models]))
    if used:
        meta["models"] = ",".join(used)
    meta["ai_clips"] = [*meta.get("ai_clips", []), *dict.fromkeys(sidecars)]
    return replace(timeline, shots=shots, meta=meta), notes


def _faithful_problem(request: ClipRequest) -> str | None:
    """Why faithful mode cannot keep this photo's product (no alpha and no plain backdrop), or None."""
    from studio.images import load_photo
    from studio.video.ai_faithful import product_mask

    try:
        product_mask(load_photo(request.photo))  # type: ignore[arg-type]
    except InputError as exc:
        return (
            f"faithful mode cannot separate the product in {Path(request.photo or '').name}:"
            f" {exc.message.rstrip('.')} (give a transparent PNG or a plain backdrop, or set ai_motion.faithful: false)"
        )
    return None
