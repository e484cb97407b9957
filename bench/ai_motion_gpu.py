"""Issue 9 item 10: AI motion on a GPU, diffusers' plain pipeline call against studio's chosen profile.

    python bench/ai_motion_gpu.py [--arch wan2.2-ti2v-5b,wan2.1-t2v-1.3b] [--steps 20] [--budget-s 450]
        [--compile] [--json report.json]
    python bench/ai_motion_gpu.py --tiny      # CPU, tiny configs: proves the script (tests run it too)

What it does. For each architecture it builds the full-size model from its config with **random weights in
bf16** directly on the GPU (no download, nothing from the hub; the configs below are the published ones of the
diffusers-format repositories: transformer, VAE and UMT5-XXL text encoder; the tokenizer is a small offline
WordLevel vocabulary, which changes nothing in the cost of a 512-token prompt):

* ``wan2.2-ti2v-5b``: photo-to-video (``WanImageToVideoPipeline(expand_timesteps=True)``, a random photo), 704x1280
  (width x height, portrait), 121 frames;
* ``wan2.1-t2v-1.3b``: text-to-video (``WanPipeline``), 832x480, 81 frames.

Then, at the same size, frames, steps (``--steps``, default 20: the engines' 50 do not fit the 8-minute device
budget; per-step cost is what the ratio measures) and guidance (the engine's, with its classifier-free guidance
pass), one clip per arm:

* ``plain``: ``pipe.to("cuda")`` and ``pipe(...)``: diffusers' plain call, nothing else;
* ``studio``: the profile ``studio.video.ai_profiles.choose_profile`` picks for the GPU's free memory (measured
  before anything is built), applied by ``apply_profile``, plus ``apply_speed(cache="taylorseer")``, and the
  clip made through ``studio.video.ai_generate.generate_frames`` (studio's call: CPU generator, step callback);
* ``studio@24GB`` (TI2V-5B only): the profile ``choose_profile`` picks for a 24 GB card, the same cache: the
  issue's memory target (704x1280 within 24 GB peak).

Caches. Adaptive caches (FirstBlockCache, MagCache) decide from the residuals of the real weights, so random
weights say nothing about their speed-up; the studio arms use TaylorSeer with a **fixed schedule** (full
computation at steps 0-2, then every 5th step, predicted in between), whose cost does not depend on the
weights. Its effect on picture quality is a property of real weights and is not measured here.

Measurement. Each arm first runs a warm-up call (1 step, 5 frames) with its own settings (kernel selection,
cuDNN autotuning, hooks), then the timed call: ``torch.cuda.synchronize()`` around ``time.perf_counter()``;
``torch.cuda.reset_peak_memory_stats()`` before the timed call and ``max_memory_allocated()`` /
``max_memory_reserved()`` after it. Reported per arm: seconds per clip, peak GB; per architecture: plain / studio
speed-up. ``--budget-s`` (default 450 s of the 8-minute device slot): an arm that would start after it is skipped
and the report says so. ``--compile`` adds ``compile_repeated_blocks`` to the studio arms (its compile time lands
in the warm-up call; off by default: it does not fit the budget twice).

``--tiny``: the same arms on the CPU with tiny configs (32x32, 9 frames, 2 steps, float32); the "studio" profile
is ``full`` and the 24 GB arm runs the ``group`` profile (CPU-to-CPU group offload): every code path, no figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GIB = 1024**3
WORDS = ("a", "the", "tea", "box", "on", "table", "camera", "slowly", "pushes", "in", "soft", "light", "steam",
         "blurry", "text", "logo", "watermark", "low", "quality")  # fmt: skip


@dataclass(frozen=True)
class Arch:
    engine: str  # studio engine name (studio.video.engines)
    task: str  # i2v | t2v
    width: int
    height: int
    frames: int
    transformer: dict
    vae: dict
    text: dict  # UMT5 config


UMT5_XXL = {  # google/umt5-xxl as the Wan repositories' text_encoder/config.json
    "vocab_size": 256384, "d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24, "num_heads": 64,
    "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128, "feed_forward_proj": "gated-gelu",
    "dropout_rate": 0.0, "layer_norm_epsilon": 1e-6, "pad_token_id": 0, "eos_token_id": 1,
    "tie_word_embeddings": False,
}  # fmt: skip
WAN_COMMON = {"patch_size": (1, 2, 2), "attention_head_dim": 128, "text_dim": 4096, "freq_dim": 256, "num_layers": 30,
              "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "eps": 1e-6, "rope_max_seq_len": 1024}  # fmt: skip

FULL = {
    "wan2.2-ti2v-5b": Arch(
        "wan2.2-ti2v-5b", "i2v", 704, 1280, 121,
        {**WAN_COMMON, "num_attention_heads": 24, "in_channels": 48, "out_channels": 48, "ffn_dim": 14336},
        {"base_dim": 160, "decoder_base_dim": 256, "z_dim": 48, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2,
         "temperal_downsample": [False, True, True], "is_residual": True, "in_channels": 12, "out_channels": 12,
         "patch_size": 2, "scale_factor_temporal": 4, "scale_factor_spatial": 16,
         "latents_mean": [0.0] * 48, "latents_std": [1.0] * 48},
        UMT5_XXL,
    ),
    "wan2.1-t2v-1.3b": Arch(
        "wan2.1-t2v-1.3b", "t2v", 832, 480, 81,
        {**WAN_COMMON, "num_attention_heads": 12, "in_channels": 16, "out_channels": 16, "ffn_dim": 8960},
        {"base_dim": 96, "z_dim": 16, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2,
         "temperal_downsample": [False, True, True]},
        UMT5_XXL,
    ),
}  # fmt: skip

TINY_TEXT = {"vocab_size": 64, "d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 1, "num_heads": 4,
             "relative_attention_num_buckets": 8, "dropout_rate": 0.0, "pad_token_id": 0, "eos_token_id": 1}  # fmt: skip
TINY_WAN = {"patch_size": (1, 2, 2), "num_attention_heads": 2, "attention_head_dim": 12, "text_dim": 32,
            "freq_dim": 256, "ffn_dim": 32, "num_layers": 2, "cross_attn_norm": True,
            "qk_norm": "rms_norm_across_heads", "rope_max_seq_len": 32}  # fmt: skip
TINY = {
    "wan2.2-ti2v-5b": Arch(
        "wan2.2-ti2v-5b", "i2v", 32, 32, 9, {**TINY_WAN, "in_channels": 48, "out_channels": 48},
        {"base_dim": 8, "decoder_base_dim": 8, "z_dim": 48, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1,
         "temperal_downsample": [False, True, True], "is_residual": True, "in_channels": 12, "out_channels": 12,
         "patch_size": 2, "scale_factor_temporal": 4, "scale_factor_spatial": 16,
         "latents_mean": [0.0] * 48, "latents_std": [1.0] * 48},
        TINY_TEXT,
    ),
    "wan2.1-t2v-1.3b": Arch(
        "wan2.1-t2v-1.3b", "t2v", 32, 32, 9, {**TINY_WAN, "in_channels": 16, "out_channels": 16},
        {"base_dim": 3, "z_dim": 16, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1,
         "temperal_downsample": [False, True, True]},
        TINY_TEXT,
    ),
}  # fmt: skip


def tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<pad>", "</s>", "<unk>", *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=512
    )


def build_pipeline(arch: Arch, device: str, dtype):
    """The pipeline of ``arch`` with random weights, built on ``device`` in ``dtype`` (seeded)."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        UniPCMultistepScheduler,
        WanImageToVideoPipeline,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    from studio.video.engines import get_engine

    engine = get_engine(arch.engine)
    previous = torch.get_default_dtype()
    torch.manual_seed(0)
    try:
        torch.set_default_dtype(dtype)
        with torch.device(device):  # parameters are created (and randomly initialised) where they will run
            text_encoder = UMT5EncoderModel(UMT5Config(**arch.text)).eval()
            transformer = WanTransformer3DModel(**arch.transformer).eval()
            vae = AutoencoderKLWan(**arch.vae).eval()
    finally:
        torch.set_default_dtype(previous)
    text_encoder.to(dtype)
    transformer.to(dtype)
    vae.to(torch.float32 if device == "cpu" else dtype)
    scheduler = UniPCMultistepScheduler(
        prediction_type="flow_prediction",
        use_flow_sigmas=True,
        num_train_timesteps=1000,
        flow_shift=engine.shift,
    )
    parts = {"tokenizer": tokenizer(), "text_encoder": text_encoder, "transformer": transformer, "vae": vae,
             "scheduler": scheduler}  # fmt: skip
    if arch.task == "i2v":
        return WanImageToVideoPipeline(
            **parts, image_encoder=None, image_processor=None, expand_timesteps=True
        )
    return WanPipeline(**parts)


def photo(arch: Arch):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 255, (arch.height, arch.width, 3), dtype=np.uint8))


def sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def plain_call(pipe, arch: Arch, engine, *, frames: int, steps: int, seed: int = 0):
    """diffusers' own call, as its documentation shows it."""
    import torch

    kwargs = {"prompt": "a tea box on the table, camera slowly pushes in", "negative_prompt": "blurry text logo",
              "height": arch.height, "width": arch.width, "num_frames": frames, "num_inference_steps": steps,
              "guidance_scale": engine.guidance, "generator": torch.Generator("cpu").manual_seed(seed),
              "output_type": "np"}  # fmt: skip
    if arch.task == "i2v":
        kwargs["image"] = photo(arch)
    return pipe(**kwargs).frames[0]


def studio_call(pipe, arch: Arch, engine, *, frames: int, steps: int, seed: int = 0):
    """studio's call (``generate_frames``: CPU generator, progress and cancel through the step callback)."""
    from studio.video.ai_generate import MotionRequest, generate_frames

    request = MotionRequest(
        task=arch.task, prompt="a tea box on the table, camera slowly pushes in", negative_prompt="blurry text logo",
        width=arch.width, height=arch.height, frames=frames, steps=steps, guidance=engine.guidance, seed=seed,
        image=photo(arch) if arch.task == "i2v" else None,
    )  # fmt: skip
    return generate_frames(pipe, engine, request)


def timed(call, pipe, arch: Arch, engine, *, steps: int, device: str) -> dict:
    """Warm-up (1 step, 5 frames), then the timed clip: seconds and peak memory."""
    import torch

    call(pipe, arch, engine, frames=5, steps=1)
    sync(device)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    frames = call(pipe, arch, engine, frames=arch.frames, steps=steps)
    sync(device)
    seconds = time.perf_counter() - t0
    shape = list(getattr(frames, "shape", ()))
    return {
        "seconds": round(seconds, 3),
        "peak_allocated_gb": round(torch.cuda.max_memory_allocated() / GIB, 2) if cuda else None,
        "peak_reserved_gb": round(torch.cuda.max_memory_reserved() / GIB, 2) if cuda else None,
        "frames_shape": shape,
    }


def run_arch(arch: Arch, args, *, device: str, dtype, free_bytes: int, deadline: float, log, save) -> dict:
    import torch

    from studio.video.ai_profiles import apply_profile, apply_speed, choose_profile
    from studio.video.engines import get_engine

    engine = get_engine(arch.engine)
    out: dict = {"engine": arch.engine, "task": arch.task, "size": f"{arch.width}x{arch.height}",
                 "frames": arch.frames, "steps": args.steps, "guidance": engine.guidance, "arms": {}}  # fmt: skip
    t0 = time.perf_counter()
    pipe = build_pipeline(arch, device, dtype)
    out["build_seconds"] = round(time.perf_counter() - t0, 1)
    out["parameters_m"] = {
        name: round(sum(p.numel() for p in getattr(pipe, name).parameters()) / 1e6, 3)
        for name in ("text_encoder", "transformer", "vae")
    }
    log(f"{arch.engine}: built in {out['build_seconds']} s, parameters (millions) {out['parameters_m']}")
    cuda = device.startswith("cuda")
    if cuda:
        auto = choose_profile(engine, free_bytes)
        small = choose_profile(engine, 24 * GIB)
    else:
        auto, small = ("full", "tiny mode on the CPU: full"), ("group", "tiny mode on the CPU: group")
    arms = [("plain", None, None), ("studio", auto, "taylorseer")]
    if arch.engine == "wan2.2-ti2v-5b":
        arms.append(("studio@24GB", small, "taylorseer"))
    for name, profile, cache in arms:
        if time.perf_counter() > deadline:
            out["arms"][name] = {"skipped": "past --budget-s"}
            log(f"{arch.engine} {name}: skipped (past the budget)")
            continue
        try:
            if profile is None:
                pipe.to(device)
                result = timed(plain_call, pipe, arch, engine, steps=args.steps, device=device)
            else:
                if hasattr(pipe.transformer, "disable_cache") and getattr(
                    pipe.transformer, "is_cache_enabled", False
                ):
                    pipe.transformer.disable_cache()
                if profile[0] != "full":
                    pipe.to("cpu")  # offload profiles start from the CPU, as a pipeline loaded for them does
                apply_profile(pipe, profile[0], device)
                speed = apply_speed(pipe, cache=cache, steps=args.steps, compile_blocks=args.compile)
                result = timed(studio_call, pipe, arch, engine, steps=args.steps, device=device)
                result.update(profile=profile[0], profile_reason=profile[1], speed=speed)
        except torch.OutOfMemoryError as exc:
            result = {"error": f"out of memory: {str(exc).splitlines()[0]}"}
        out["arms"][name] = result
        log(f"{arch.engine} {name}: {json.dumps(result)}")
        save(out)  # after every arm: a run cut short by the device's time limit keeps what it measured
    plain, studio = out["arms"].get("plain", {}), out["arms"].get("studio", {})
    if plain.get("seconds") and studio.get("seconds"):
        out["speedup_plain_over_studio"] = round(plain["seconds"] / studio["seconds"], 2)
    del pipe
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--arch", default="wan2.2-ti2v-5b,wan2.1-t2v-1.3b", help="comma-separated architectures"
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--budget-s", type=float, default=450.0, help="start no arm after this many seconds")
    parser.add_argument("--compile", action="store_true", help="compile_repeated_blocks in the studio arms")
    parser.add_argument("--tiny", action="store_true", help="tiny configs on the CPU (no figures)")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    import torch

    if args.tiny:
        device, dtype, table = "cpu", torch.float32, TINY
        args.steps = min(args.steps, 2)
    else:
        if not torch.cuda.is_available():
            parser.error("no CUDA GPU: run with --tiny on the CPU")
        device, dtype, table = "cuda", torch.bfloat16, FULL
    start = time.perf_counter()
    log = lambda message: print(f"[{time.perf_counter() - start:7.1f} s] {message}", flush=True)
    free = torch.cuda.mem_get_info()[0] if device == "cuda" else 0
    report = {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu (tiny configs)",
        "free_gb_at_start": round(free / GIB, 1),
        "torch": torch.__version__,
        "diffusers": __import__("diffusers").__version__,
        "weights": "random, bf16, built from the published configs (no download)"
        if not args.tiny
        else "tiny",
        "cache": "TaylorSeer, fixed schedule (full at steps 0-2, then every 5th): random weights say nothing about"
        " adaptive caches",
        "archs": [],
    }

    def save(current: dict | None = None) -> str:
        archs = report["archs"] + ([current] if current is not None else [])
        text = json.dumps({**report, "archs": archs}, indent=2)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(text + "\n", encoding="utf-8")
        return text

    names = [a.strip() for a in args.arch.split(",") if a.strip()]
    for name in names:
        if name not in table:
            parser.error(f"unknown architecture {name!r}; known: {', '.join(table)}")
    for name in names:
        report["archs"].append(
            run_arch(table[name], args, device=device, dtype=dtype, free_bytes=free,
                     deadline=start + args.budget_s, log=log, save=save)
        )  # fmt: skip
    report["total_seconds"] = round(time.perf_counter() - start, 1)
    print(save())
    return report


if __name__ == "__main__":
    main()
