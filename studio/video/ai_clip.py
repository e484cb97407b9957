"""One AI motion clip from a model name or folder: the library function behind ``studio video i2v|t2v``.

``make_ai_clip(job)`` reads top to bottom: resolve the weights and the engine, check the machine (no CUDA: one
line, and the weight-free motion offered, for any full-size model), snap size and frames (messages kept), fit the
photo, choose the memory profile from the GPU's free memory, load the pipeline, generate (stepping down a
profile on out-of-memory), composite the product back (faithful mode: drift corrected, light matched within the
fidelity budget), encode through ``studio.media``, measure the product's fidelity in the decoded file, write the
sidecar, and pass the clip through the export gate like every output (``studio.compliance.gate``: the licence
rules for the declared use, a review of a fidelity below its threshold, the visible AI label where a licence or
the platform requires it, C2PA Content Credentials with the AI-generated digital source type); the clip, its
sidecar and its reports are staged next to ``out`` and moved into place together. A caller that already holds a
loaded pipeline passes it as ``pipe`` and nothing is loaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from studio.cancel import CancelToken, check
from studio.errors import ComplianceError, DependencyError, InputError, ModelError
from studio.progress import ProgressFn, null_progress, scaled
from studio.video.ai_generate import (
    MotionRequest,
    Stopwatch,
    generate_with_step_down,
    sidecar_path,
    write_clip,
)
from studio.video.ai_inputs import DEFAULT_NEGATIVE_PROMPT, build_prompt, fit_photo, snap_frames, snap_size
from studio.video.ai_profiles import (
    CPU_MAX_WEIGHT_BYTES,
    apply_profile,
    apply_speed,
    choose_profile,
    cuda_free_bytes,
)
from studio.video.engines import DEFAULT_ENGINE, ENGINES, Engine, get_engine

WEIGHT_FREE_HINT = (
    "Without a GPU use the weight-free motion: `studio ad SPEC` moves the product photos (push-in, pan, parallax)"
    " with no model weights."
)


@dataclass(frozen=True)
class ClipJob:
    task: str  # "i2v" | "t2v"
    model: str  # an engine name, a registry model id or a local diffusers folder
    out: Path
    prompt: str | None = None  # None: built from ``product`` and ``preset``
    product: str | None = None
    selling_points: tuple[str, ...] = ()
    preset: str = "push-in"
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    image: Path | None = None
    fit: str = "pad"  # "pad" | "crop"
    faithful: bool = True  # i2v: the product's own pixels composited back (studio.video.ai_faithful)
    move: str = "push-in"  # faithful mode's 2D move of the product: static | push-in | parallax
    sign: bool = True  # screen=False only: still embed C2PA Content Credentials (AI-generated source type)
    # the export gate (studio.compliance.gate), as for every output: screen, licence rules for the declared use,
    # review of a product fidelity below its threshold, the visible AI label where required, C2PA signing.
    # screen=False: a clip that is an intermediate (an ad gates it with the ad, from its sidecar)
    screen: bool = True
    category: str = "general"
    company_revenue_usd: float | None = None  # the company's annual revenue (licence revenue caps)
    territory: str = "TW"  # where the clip runs (licence territories, AI-label rules)
    platform: str | None = None  # the platform preset it is made for (AI-label rules)
    visible_label: bool = (
        False  # ask for the visible AI label (drawn anyway where a licence or rule requires it)
    )
    override_reason: str | None = None  # publish despite a block (needs a store: the audit trail)
    preview: bool = False  # a low-resolution preview: half the engine's size (snapped), for a quick look
    cache: str = "none"  # speed: none | fbc | taylorseer | magcache (studio.video.ai_profiles.apply_speed)
    compile_blocks: bool = False  # speed: regional compilation of the transformer's repeated blocks
    engine: str | None = None  # force the engine of a local folder
    frames: int | None = None
    seconds: float | None = None
    size: tuple[int, int] | None = None
    aspect: tuple[int, int] | None = None  # the platform's frame, when no size is given
    steps: int | None = None
    guidance: float | None = None
    seed: int = 0
    profile: str = "auto"
    device: str | None = None  # None: "cuda" when available, else "cpu" (tiny local models only)


@dataclass
class ClipResult:
    path: Path
    sidecar: Path
    engine: str
    model: str
    task: str
    frames: int
    width: int
    height: int
    fps: int
    seed: int
    device: str
    profile: str
    seconds: dict[str, float]
    messages: list[str] = field(default_factory=list)
    fidelity: dict | None = None  # product fidelity in the decoded MP4 (faithful mode), else None
    verdict: str = "unscreened"  # the export gate's verdict (pass, warn, review), or "unscreened"

    def to_json(self) -> dict:
        return {
            "path": str(self.path),
            "sidecar": str(self.sidecar),
            "engine": self.engine,
            "model": self.model,
            "task": self.task,
            "frames": self.frames,
            "size": f"{self.width}x{self.height}",
            "fps": self.fps,
            "seed": self.seed,
            "device": self.device,
            "profile": self.profile,
            "seconds": dict(self.seconds),
            "messages": list(self.messages),
            "fidelity": self.fidelity,
            "verdict": self.verdict,
        }


def detect_engine(folder: Path) -> Engine:
    """The engine of a local diffusers folder, from its ``model_index.json`` (pipeline class, VAE latent size)."""
    index = folder / "model_index.json"
    if not index.is_file():
        raise ModelError(
            f"{folder} is not a diffusers folder (no model_index.json).",
            "Give a folder written by save_pretrained / downloaded with `studio models pull`.",
        )
    data = json.loads(index.read_text(encoding="utf-8"))
    cls = str(data.get("_class_name", ""))
    if cls.startswith("LTX"):
        return ENGINES["ltx-video"]
    if cls == "WanVACEPipeline":
        return ENGINES["wan2.1-vace-1.3b"]
    if cls == "WanImageToVideoPipeline" and data.get("expand_timesteps"):
        return ENGINES["wan2.2-ti2v-5b"]
    if cls == "WanPipeline":
        vae = folder / "vae" / "config.json"
        z_dim = json.loads(vae.read_text(encoding="utf-8")).get("z_dim") if vae.is_file() else None
        return ENGINES["wan2.2-ti2v-5b" if z_dim == 48 else "wan2.1-t2v-1.3b"]
    raise ModelError(
        f"The pipeline {cls or '(none)'} in {folder} is not one studio drives.",
        f"Known engines: {', '.join(sorted(ENGINES))}; pass --engine to say which one it is.",
    )


def weights_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.safetensors"))


def resolve_model(name: str, engine_name: str | None = None) -> tuple[Engine, Path | None, bool]:
    """(engine, local folder or None when not on this machine, full_size). A registry engine's weights are
    looked up with the model manager; a folder's engine is read from it (or ``engine_name``)."""
    from studio import modelhub

    candidate = Path(name).expanduser()
    if candidate.exists():
        if not candidate.is_dir():
            raise InputError(f"{candidate} is a file; give a diffusers folder or an engine name.")
        engine = get_engine(engine_name) if engine_name else detect_engine(candidate)
        return engine, candidate, weights_bytes(candidate) > CPU_MAX_WEIGHT_BYTES
    if name not in ENGINES:
        raise InputError(
            f"Unknown model {name!r}: neither an engine nor a folder.",
            f"Engines: {', '.join(sorted(ENGINES))} (default {DEFAULT_ENGINE}), or a local diffusers folder.",
        )
    engine = ENGINES[name]
    entry = modelhub.get_entry(engine.model_id)
    path = modelhub.model_path(entry)
    return engine, (path if modelhub.is_present(entry, path) else None), True


def load_pipeline(folder: Path, engine: Engine, task: str, *, profile: str, device: str):
    """``<PipelineClass>.from_pretrained(folder)`` for ``task``, placed for ``profile`` on ``device``."""
    import diffusers
    import torch

    # diffusers loads the text/image encoders through transformers, and Wan's keep-in-fp32 modules and model
    # offload through accelerate: say which is missing instead of failing deep inside from_pretrained
    try:
        import transformers  # noqa: F401
    except ImportError as exc:
        raise DependencyError(
            "The transformers package is not installed.", "pip install transformers"
        ) from exc
    try:
        import accelerate  # noqa: F401
    except ImportError as exc:
        raise DependencyError("The accelerate package is not installed.", "pip install accelerate") from exc
    cls = getattr(diffusers, engine.pipelines[task])
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        pipe = cls.from_pretrained(str(folder), dtype=dtype, **engine.pipeline_kwargs.get(task, {}))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(
            f"Could not load {engine.name} from {folder}: {' '.join(str(exc).split())[:300]}",
            f"Check the folder, or run `studio models verify {engine.name}`.",
        ) from exc
    config = pipe.scheduler.config
    if engine.shift is not None:  # the engine's flow shift, whichever flow-matching scheduler the folder has
        if "flow_shift" in config:
            pipe.scheduler = type(pipe.scheduler).from_config(config, flow_shift=engine.shift)
        elif "shift" in config and not config.get("use_dynamic_shifting", False):
            pipe.scheduler = type(pipe.scheduler).from_config(config, shift=engine.shift)
    pipe.set_progress_bar_config(disable=True)
    apply_profile(pipe, profile, device)
    return pipe


def make_ai_clip(
    job: ClipJob,
    *,
    pipe=None,
    store=None,
    clip=None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ClipResult:
    """Generate, encode, describe and gate one clip (see the module docstring). ``store``: the reference bank
    and the overrides' audit trail for the gate (None: no bank, no overrides); ``clip``: a loaded CLIP handle
    (``studio.compliance.embed.ClipHandle``; None: one of this call's own, loaded on first use when weights are
    installed). Raises ``DependencyError`` (no CUDA for a full-size model, not enough GPU memory),
    ``ModelError`` (weights missing: the pull command is named), ``InputError`` (bad inputs),
    ``ComplianceError`` (the gate blocked the clip: it waits in the quarantine with its sidecar), ``Cancelled``."""
    import torch

    report = on_progress or null_progress
    watch = Stopwatch()
    messages: list[str] = []
    out = Path(job.out)
    if out.suffix.lower() != ".mp4":
        raise InputError(f"The clip must be written to an .mp4 file, got {out.name!r}.")

    # 1. the engine, the weights and the machine
    engine, folder, full_size = resolve_model(job.model, job.engine)
    if job.task not in engine.pipelines:
        raise InputError(f"{engine.name} cannot do {job.task}.", f"It does: {', '.join(engine.tasks)}.")
    device = job.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not device.startswith("cuda") and full_size:
        raise DependencyError(
            f"No CUDA GPU found: {engine.name} is a full-size model (about {engine.memory_gb['offload']:g} GB of GPU"
            " memory with offload) and does not run on the CPU.",
            WEIGHT_FREE_HINT,
        )
    if pipe is None and folder is None:
        raise ModelError(
            f"The weights of {engine.name} are not on this machine.",
            f"Run `studio models pull {engine.name}` (or pass a local diffusers folder with --model).",
        )

    # 2. size, frames, prompt, photo: snapped and fitted, never stretched
    size = snap_size(engine, *(job.size or (None, None)), aspect=job.aspect)
    frames = snap_frames(engine, job.frames, seconds=job.seconds)
    messages += [m for m in (size.message, frames.message) if m]
    width, height = size.value  # type: ignore[misc]
    if job.preview:
        m = engine.multiple
        width, height = max(m, round(width / 2 / m) * m), max(m, round(height / 2 / m) * m)
        messages.append(f"preview at {width}x{height} (half size)")
    prompt = job.prompt
    if not prompt:
        if not job.product:
            raise InputError("Give a --prompt, or a --product to build one from.")
        prompt = build_prompt(job.product, selling_points=job.selling_points, preset=job.preset)
    image = None
    faithful = None  # (fitted photo [H, W, 3], fitted mask [H, W], move) in faithful mode
    if job.task == "i2v":
        if job.image is None:
            raise InputError("Photo-to-video needs a photo (--image).")
        from studio.images import load_photo
        from studio.video.ai_faithful import Move, fit_mask, product_mask

        photo = load_photo(job.image)
        image, placement = fit_photo(photo, (width, height), mode=job.fit)
        if job.faithful:
            move = Move(job.move)
            move.matrix(0.0, width, height)  # an unknown move fails here, before any model runs
            faithful = (np.asarray(image), fit_mask(product_mask(photo), (width, height), placement), move)
    request = MotionRequest(
        task=job.task,
        prompt=prompt,
        negative_prompt=job.negative_prompt,
        width=width,
        height=height,
        frames=int(frames.value),  # type: ignore[arg-type]
        steps=job.steps or engine.steps,
        guidance=engine.guidance if job.guidance is None else job.guidance,
        seed=job.seed,
        image=image,
    )

    # 3. the profile (GPU free memory), the pipeline, the frames
    if device.startswith("cuda"):
        profile, reason = choose_profile(engine, cuda_free_bytes() or 0, job.profile)
        messages.append(reason)
    else:
        profile = "full" if job.profile == "auto" else job.profile
    check(cancel, "The AI clip")
    loaded = {"pipe": pipe}
    speed: list[
        str
    ] = []  # the speed settings applied to a pipeline loaded here (a given one is the caller's)

    def load(p: str):
        if loaded["pipe"] is not None:
            given, loaded["pipe"] = loaded["pipe"], None
            return given
        with watch.stage(f"load_{p}"):
            loaded_pipe = load_pipeline(folder, engine, job.task, profile=p, device=device)  # type: ignore[arg-type]
        speed[:] = apply_speed(
            loaded_pipe, cache=job.cache, steps=request.steps, compile_blocks=job.compile_blocks
        )
        return loaded_pipe

    with watch.stage("generate"):
        video, used = generate_with_step_down(
            load, engine, request, profile, on_progress=scaled(report, 0.0, 0.9), cancel=cancel,
            on_step_down=lambda a, b: messages.append(f"out of GPU memory with {a}; retried with {b or 'nothing'}"),
        )  # fmt: skip

    generated = video
    light = {"bound": 0.0, "max": 0.0}
    drift_max = 0.0
    if faithful is not None:  # the product's own pixels back onto every frame
        from studio.video.ai_faithful import (
            colour_drift,
            correct_colour_drift,
            light_gains,
            light_match_bound,
        )

        with watch.stage("composite"):
            drift_max = float(np.abs(colour_drift(generated, faithful[1])).max())
            generated = correct_colour_drift(generated, faithful[1])
            light["bound"] = light_match_bound(faithful[0], faithful[1])
            light["max"] = float(np.abs(light_gains(generated, faithful[1], light["bound"]) - 1).max())
            video = _composite(generated, faithful, light_gain=None)

    # 4. the clip, its product fidelity measured in the decoded file, and its sidecar, staged next to ``out``;
    # 5. the export gate (screen, licences, AI label where required, C2PA), then everything moved into place
    from studio.compliance.licences import load_registry

    registry = load_registry()
    entry = registry.resolve(engine.name)
    licence = registry.licences.get(entry.licence if entry else engine.licence)
    sidecar = {
        "generator": "studio AI motion",
        "engine": engine.name,
        # a local folder by its name only: no absolute path of the user's machine in what travels with the clip
        "model": f"local:{Path(job.model).name}" if Path(job.model).exists() else engine.repo_id,
        "licence": licence.id if licence else engine.licence,
        "licence_name": licence.name if licence else None,
        "licence_source": engine.licence_source,
        "disclosure": licence.disclosure if licence else None,
        "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        "task": job.task,
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "seed": request.seed,
        "settings": {
            **request.settings(),
            "fps": engine.fps,
            "profile": used,
            "device": device,
            "fit": job.fit,
            "speed": speed,
            "faithful": faithful is not None,
            "move": faithful[2].kind if faithful is not None else None,
            "colour_drift_corrected_max": round(drift_max, 2) if faithful is not None else None,
            "light_match_bound": round(light["bound"], 4) if faithful is not None else None,
            "light_match_max": round(light["max"], 4) if faithful is not None else None,
        },
        "messages": messages,
    }
    staged = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        with watch.stage("encode"):
            report(0.9, "encoding")
            write_clip(
                video, staged, fps=engine.fps, sidecar={**sidecar, "seconds": watch.seconds}, cancel=cancel
            )
        fidelity = None
        if faithful is not None:
            with watch.stage("fidelity"):
                fidelity = _fidelity(staged, faithful)
                if not fidelity["passed"] and light["max"] > 0:
                    # the light matching's share of the budget was one too many: the product exactly as photographed
                    video = _composite(generated, faithful, light_gain=0.0)
                    write_clip(video, staged, fps=engine.fps, sidecar=sidecar, cancel=cancel)
                    fidelity = _fidelity(staged, faithful)
                    sidecar["settings"]["light_match_max"] = 0.0
                    messages.append(
                        "light matching turned off: the product fell below its fidelity threshold"
                    )
            if "error" in fidelity:
                messages.append(f"product fidelity could not be measured ({fidelity['error']}): the export gate"
                                " will ask for a review")  # fmt: skip
            elif not fidelity["passed"]:
                messages.append(
                    f"product fidelity {fidelity['psnr_db_min']:.1f} dB is below {fidelity['threshold_psnr_db']:g}"
                    " dB: the export gate will ask for a review"
                )
        sidecar.update(fidelity=fidelity, messages=messages, seconds=watch.seconds)
        _write_json(sidecar_path(staged), sidecar)
        with watch.stage("gate"):
            report(0.95, "compliance screen")
            gated = _gate(job, staged, out, store=store, clip=clip)
        sidecar["seconds"] = watch.seconds
        sidecar["compliance"] = gated.report.verdict if gated is not None else "unscreened"
        _write_json(sidecar_path(staged), sidecar)
        if gated is not None:
            gated.publish(staged, out)
        else:
            os.replace(staged, out)
        os.replace(sidecar_path(staged), sidecar_path(out))
    except ComplianceError:
        _keep_sidecar_with_quarantine(sidecar_path(staged), out)
        raise
    finally:
        staged.unlink(missing_ok=True)
        sidecar_path(staged).unlink(missing_ok=True)
        for suffix in (".compliance.json", ".compliance.html"):
            staged.with_name(staged.name + suffix).unlink(missing_ok=True)
    report(1.0, "done")
    return ClipResult(
        path=out,
        sidecar=sidecar_path(out),
        engine=engine.name,
        model=sidecar["model"],
        task=job.task,
        frames=request.frames,
        width=width,
        height=height,
        fps=engine.fps,
        seed=request.seed,
        device=device,
        profile=used,
        seconds=dict(watch.seconds),
        messages=messages,
        fidelity=fidelity,
        verdict=gated.report.verdict if gated is not None else "unscreened",
    )


def _composite(generated, faithful, *, light_gain: float | None):
    from studio.video.ai_faithful import composite_product

    return composite_product(generated, *faithful, light_gain=light_gain)


def _fidelity(clip: Path, faithful) -> dict:
    """``product_fidelity`` of the encoded clip; a measurement that cannot be made is recorded as such (the gate
    then reviews the clip: fail closed), never raised away or left out."""
    from studio.video.ai_faithful import FIDELITY_MIN_PSNR, product_fidelity

    try:
        return product_fidelity(clip, *faithful)
    except (InputError, ValueError) as exc:
        reason = exc.one_line() if isinstance(exc, InputError) else str(exc)
        return {"error": reason, "threshold_psnr_db": FIDELITY_MIN_PSNR, "passed": False}


def _write_json(path: Path, data: dict) -> None:
    from studio.fsutil import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def _gate(job: ClipJob, staged: Path, out: Path, *, store, clip):
    """The export gate on the staged clip (``GateResult``), or, with ``job.screen`` off, C2PA alone (when
    ``job.sign``) and an ``unscreened`` report: None."""
    from studio.compliance.ai_clips import read_clip_record

    record = read_clip_record(sidecar_path(staged))
    record = replace(record, path=str(sidecar_path(out)))  # reports name the published sidecar
    if not job.screen:
        from studio.compliance.gate import write_unscreened_report
        from studio.fsutil import sha256_file

        if job.sign:
            from studio.compliance.provenance import sign_file

            sign_file(staged, {"ai_clips": [record.summary()], "verdict": "unscreened"}, ai_generated=True,
                      title=out.name)  # fmt: skip
        written = write_unscreened_report(
            staged, "the clip was made with the screen off (screen=False)", media_sha256=sha256_file(staged),
            published_as=out,
        )  # fmt: skip
        os.replace(written, out.with_name(out.name + ".compliance.json"))
        return None
    from studio.compliance.embed import ClipHandle
    from studio.compliance.gate import ExportContext, gate_output

    context = ExportContext(
        kind="clip",
        category=job.category,
        models=(record.engine,) if record.engine else (),
        company_revenue_usd=job.company_revenue_usd,
        territory=job.territory,
        ai_generated=True,
        visible_label=job.visible_label,
        override_reason=job.override_reason,
        ai_clips=(record,),
        platform=job.platform,
    )
    handle = clip if clip is not None else ClipHandle()
    return gate_output(staged, out, context, store=store, embedder=handle)


def _keep_sidecar_with_quarantine(sidecar: Path, out: Path) -> None:
    """A blocked clip waits in the quarantine: its sidecar goes with it (a release then publishes both)."""
    from studio.compliance.gate import list_quarantine

    if not sidecar.is_file():
        return
    for item in list_quarantine():
        if item.final_path is not None and Path(item.final_path) == out:
            os.replace(sidecar, item.folder / sidecar_path(out).name)
            return


def parse_size(text: str) -> tuple[int, int]:
    """``"WxH"`` -> (W, H); ``InputError`` naming the text otherwise."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"The size {text!r} is not WIDTHxHEIGHT.", "For example --size 704x1280.") from None
    if w <= 0 or h <= 0:
        raise InputError(f"The size {text!r} must be positive.")
    return w, h
