"""AI motion generation with a loaded diffusers pipeline (passed in: loading is the caller's, so one pipeline
serves many clips), and the clip written through the project's delivery encoder with its sidecar.

``generate_frames``: one call of the pipeline with studio's conventions: the seed on a CPU ``torch.Generator``
(same seed, same frames, whatever the device), progress per denoising step and cancellation through
``callback_on_step_end`` (a cancelled run stops at the next step: nothing is decoded). ``generate_with_step_down``
retries one profile lower after a CUDA out-of-memory. ``write_clip`` encodes the frames (``studio.media.encode``)
and writes the sidecar JSON (model, licence, prompt, seed, settings, timings) next to the MP4.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from studio.cancel import CancelToken, check
from studio.errors import InputError, ModelError
from studio.progress import ProgressFn, null_progress
from studio.video.ai_inputs import DEFAULT_NEGATIVE_PROMPT
from studio.video.ai_profiles import is_out_of_memory, next_profile
from studio.video.engines.base import Engine

CLIP_CRF = 18  # AI clips are cut into ads and re-encoded once more: keep them a step above delivery quality


@dataclass(frozen=True)
class MotionRequest:
    """One clip to generate. ``image`` (i2v) is already fitted to ``width`` x ``height`` (``fit_photo``)."""

    task: str  # "i2v" | "t2v"
    prompt: str
    width: int
    height: int
    frames: int
    steps: int
    guidance: float
    seed: int = 0
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    image: object | None = field(default=None, repr=False)  # PIL.Image for i2v and vace
    mask: object | None = field(
        default=None, repr=False
    )  # vace: PIL "L" mask, white = generate, black = keep

    def settings(self) -> dict:
        data = asdict(self)
        data.pop("image")
        data.pop("mask")
        return data


def check_request(engine: Engine, request: MotionRequest) -> None:
    """``InputError`` naming the parameter and value when ``request`` breaks ``engine``'s rules (the CLI snaps
    sizes and frames before; a library caller gets told, not silently corrected)."""
    if request.task not in engine.pipelines:
        raise InputError(f"{engine.name} cannot do {request.task!r}.", f"It does: {', '.join(engine.tasks)}.")
    if request.width % engine.multiple or request.height % engine.multiple:
        raise InputError(
            f"`height` and `width` have to be divisible by {engine.multiple} for {engine.name} but are"
            f" {request.height} and {request.width}.",
            "Snap them with studio.video.ai_inputs.snap_size.",
        )
    if not engine.frames.accepts(request.frames):
        rule = engine.frames
        raise InputError(
            f"`frames` has to be {rule.step}k+1 within {rule.min_frames}..{rule.max_frames} for {engine.name}"
            f" but is {request.frames}.",
            "Snap it with studio.video.ai_inputs.snap_frames.",
        )
    if request.task in ("i2v", "vace"):
        if request.image is None:
            raise InputError("Photo-to-video needs a photo.", "Pass the fitted photo as `image`.")
        if tuple(request.image.size) != (request.width, request.height):
            raise InputError(
                f"The photo is {request.image.size[0]}x{request.image.size[1]}, the clip {request.width}x"
                f"{request.height}: the pipeline would stretch it.",
                "Fit it first with studio.video.ai_inputs.fit_photo.",
            )
    if request.steps < 1:
        raise InputError(f"`steps` must be at least 1, got {request.steps}.")


def generate_frames(
    pipe,
    engine: Engine,
    request: MotionRequest,
    *,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Run ``pipe`` once: [frames, height, width, 3] uint8 RGB. ``Cancelled`` at the next step after ``cancel``."""
    import torch

    check_request(engine, request)
    report = on_progress or null_progress
    check(cancel, "The AI clip")
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)  # progress goes through on_progress
    generator = torch.Generator("cpu").manual_seed(int(request.seed))

    def on_step(pipeline, step: int, timestep, tensors: dict) -> dict:
        report((step + 1) / request.steps, f"denoising step {step + 1}/{request.steps}")
        check(cancel, "The AI clip")
        return {}

    kwargs = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "height": request.height,
        "width": request.width,
        "num_frames": request.frames,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance,
        "generator": generator,
        "output_type": "np",
        "callback_on_step_end": on_step,
    }
    if request.task == "i2v":
        kwargs["image"] = request.image
    elif request.task == "vace":  # the photo in every frame; the mask says where the model may paint
        from PIL import Image

        mask = request.mask or Image.new("L", request.image.size, 255)
        kwargs["video"] = [request.image] * request.frames
        kwargs["mask"] = [mask] * request.frames
    if engine.family == "ltx":
        kwargs["frame_rate"] = engine.fps
    report(0.0, f"{engine.name}: {request.frames} frames at {request.width}x{request.height}")
    with torch.inference_mode():
        result = pipe(**kwargs)
    video = result.frames[0]
    video = np.asarray(video if not isinstance(video, list) else np.stack([np.asarray(f) for f in video]))
    if video.dtype != np.uint8:
        video = (np.clip(video, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    expected = (request.frames, request.height, request.width, 3)
    if video.shape != expected:
        raise ModelError(f"The pipeline returned frames of shape {video.shape}, expected {expected}.")
    return video


def generate_with_step_down(
    load: Callable[[str], object],
    engine: Engine,
    request: MotionRequest,
    profile: str,
    *,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    on_step_down: Callable[[str, str], None] | None = None,
) -> tuple[np.ndarray, str]:
    """``generate_frames`` with the pipeline ``load(profile)`` gives; on CUDA out-of-memory the pipeline is
    dropped, the cache emptied and the next profile down tried. Returns (frames, the profile that worked)."""
    import torch

    current: str | None = profile
    while current is not None:
        pipe = load(current)
        try:
            return generate_frames(pipe, engine, request, on_progress=on_progress, cancel=cancel), current
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            lower = next_profile(current)
            if on_step_down is not None:
                on_step_down(current, lower or "")
            del pipe
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if lower is None:
                raise ModelError(
                    f"{engine.name} ran out of GPU memory even with the {current} profile.",
                    "Lower the size or frame count, or free GPU memory.",
                ) from exc
            current = lower
    raise AssertionError("unreachable")


def write_clip(
    frames: np.ndarray,
    out_path: str | os.PathLike[str],
    *,
    fps: int,
    sidecar: dict,
    cancel: CancelToken | None = None,
) -> Path:
    """Encode ``frames`` [F, H, W, 3] uint8 to ``out_path`` (the delivery settings, silent AAC) and write the
    sidecar ``<out>.json``. Both are written to temporary files and renamed."""
    from studio.fsutil import atomic_output
    from studio.media.encode import EncodeSettings, encode_frames

    out = Path(out_path)
    if out.suffix.lower() != ".mp4":
        raise InputError(f"The clip must be written to an .mp4 file, got {out.name!r}.")
    count, height, width = frames.shape[:3]
    settings = EncodeSettings(crf=CLIP_CRF)
    encode_frames(iter(frames), out, width=width, height=height, fps=fps, frame_count=count, settings=settings,
                  cancel=cancel, what="The AI clip")  # fmt: skip
    with atomic_output(sidecar_path(out)) as tmp:
        tmp.write_text(
            json.dumps(sidecar, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
    return out


def sidecar_path(clip: str | os.PathLike[str]) -> Path:
    clip = Path(clip)
    return clip.with_name(clip.stem + ".json")


class Stopwatch:
    """Seconds per named stage (load, generate, encode) for the CLI's --json and the sidecar."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def stage(self, name: str):
        watch = self

        class _Stage:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                watch.seconds[name] = round(time.perf_counter() - self.t0, 3)

        return _Stage()
