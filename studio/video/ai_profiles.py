"""GPU memory profiles for AI motion: which one fits (a pure decision from given numbers), how to apply it to a
loaded diffusers pipeline, and the next one down after a CUDA out-of-memory.

Profiles are ordered fastest first (``studio.video.engines.PROFILES``): ``full`` (bf16, all on the GPU),
``offload`` (model CPU offload), ``group`` (transformer group offload with CUDA streams), ``group_fp8`` (plus fp8
weight storage). Every profile tiles and slices the VAE decode (the spike of diffusers #12097: 8 GB -> 26 GB).
``choose_profile`` keeps 10 % of the free memory as headroom for the allocator and the other processes.
"""

from __future__ import annotations

from studio.errors import DependencyError, InputError
from studio.video.engines.base import PROFILES, Engine

GIB = 1024**3
HEADROOM = 0.9  # use at most 90 % of the free memory
CPU_MAX_WEIGHT_BYTES = 512 * 1024**2  # larger weights never run on the CPU (no silent CPU runs of a 5B model)


def choose_profile(engine: Engine, free_bytes: int, requested: str = "auto") -> tuple[str, str]:
    """(profile, reason) for ``engine`` on a GPU with ``free_bytes`` free.

    ``requested="auto"``: the fastest profile whose memory fits in 90 % of the free memory. A named profile is
    used as asked (the reason warns when it is not expected to fit). ``DependencyError`` when none fits.
    """
    free_gb = free_bytes / GIB
    if requested != "auto":
        if requested not in PROFILES:
            raise InputError(f"Unknown profile {requested!r}.", f"Use auto or one of: {', '.join(PROFILES)}.")
        need = engine.memory_gb[requested]
        note = "" if need <= free_gb * HEADROOM else f"; it may not fit (needs about {need:g} GB)"
        return requested, f"{requested} as asked, {free_gb:.1f} GB free{note}"
    for profile in PROFILES:
        need = engine.memory_gb[profile]
        if need <= free_gb * HEADROOM:
            return profile, f"{profile}: needs about {need:g} GB, {free_gb:.1f} GB free"
    least = engine.memory_gb[PROFILES[-1]]
    raise DependencyError(
        f"{engine.name} needs about {least:g} GB of free GPU memory even with {PROFILES[-1]}; {free_gb:.1f} GB free.",
        "Close other GPU programs, choose a smaller engine (wan2.1-t2v-1.3b), or use the weight-free motion.",
    )


def next_profile(profile: str) -> str | None:
    """The profile after ``profile`` (less memory), None at the end of the list."""
    index = PROFILES.index(profile)
    return PROFILES[index + 1] if index + 1 < len(PROFILES) else None


def cuda_free_bytes() -> int | None:
    """Free memory of the current CUDA device in bytes; None without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return None
    free, _total = torch.cuda.mem_get_info()
    return int(free)


def is_out_of_memory(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.OutOfMemoryError)


def apply_profile(pipe, profile: str, device: str) -> None:
    """Place ``pipe``'s components for ``profile`` on ``device`` ("cuda" or "cpu"; the CPU only for tiny test
    models). Offload hooks need an accelerator: on the CPU ``offload`` places everything on the CPU, ``group``
    uses CPU-to-CPU group offload without streams (the same code path, no speed-up)."""
    import torch

    if profile not in PROFILES:
        raise InputError(f"Unknown profile {profile!r}.", f"Use one of: {', '.join(PROFILES)}.")
    cuda = device.startswith("cuda")
    vae = getattr(pipe, "vae", None)
    if vae is not None:
        for name in ("enable_tiling", "enable_slicing"):
            if hasattr(vae, name) and (profile != "full" or name == "enable_tiling"):
                getattr(vae, name)()
    if profile == "full":
        pipe.to(device)
        return
    if profile == "offload":
        if cuda:
            pipe.enable_model_cpu_offload()
        else:
            pipe.to(device)
        return
    transformer = pipe.transformer
    if profile == "group_fp8":
        transformer.enable_layerwise_casting(
            storage_dtype=torch.float8_e4m3fn, compute_dtype=transformer.dtype
        )
    for name, component in pipe.components.items():
        if name != "transformer" and isinstance(component, torch.nn.Module):
            component.to(device)
    transformer.enable_group_offload(
        onload_device=torch.device(device),
        offload_device=torch.device("cpu"),
        offload_type="block_level",
        num_blocks_per_group=1,
        use_stream=cuda,
    )


CACHES = ("none", "fbc", "taylorseer", "magcache")


def apply_speed(
    pipe,
    *,
    cache: str = "none",
    steps: int | None = None,
    compile_blocks: bool = False,
    attention: str | None = None,
) -> list[str]:
    """Optional speed settings on ``pipe``'s transformer; returns what was applied (for the sidecar).

    ``cache``: ``fbc`` (FirstBlockCache, threshold 0.1: about 1.85x on Wan 2.2, FIELD_NOTES 6), ``taylorseer``
    (TaylorSeer, every 5th step computed after 3 warm-up steps), ``magcache`` (needs ``steps``; its magnitude
    ratios are calibrated per model, so without them it calibrates: a slower first run). ``compile_blocks``:
    ``compile_repeated_blocks(fullgraph=True)`` (regional compilation; the first call compiles). ``attention``:
    a backend name for ``set_attention_backend`` (``*_hub`` backends download kernels: refused, offline).
    Adaptive caches decide from the weights' residuals: their speed-up is a property of real weights.
    """
    from diffusers import FirstBlockCacheConfig, MagCacheConfig, TaylorSeerCacheConfig

    transformer = pipe.transformer
    applied: list[str] = []
    if cache not in CACHES:
        raise InputError(f"Unknown cache {cache!r}.", f"Use one of: {', '.join(CACHES)}.")
    if cache == "fbc":
        transformer.enable_cache(FirstBlockCacheConfig(threshold=0.1))
    elif cache == "taylorseer":
        transformer.enable_cache(TaylorSeerCacheConfig(cache_interval=5, disable_cache_before_step=3))
    elif cache == "magcache":
        if not steps:
            raise InputError("MagCache needs the number of denoising steps.")
        transformer.enable_cache(MagCacheConfig(num_inference_steps=steps, calibrate=True))
    if cache != "none":
        applied.append(f"cache={cache}")
    if attention:
        if attention.endswith("_hub"):
            raise InputError(
                f"The attention backend {attention!r} downloads its kernels.", "Use a local backend."
            )
        transformer.set_attention_backend(attention)
        applied.append(f"attention={attention}")
    if compile_blocks:
        transformer.compile_repeated_blocks(fullgraph=True)
        applied.append("compile_repeated_blocks")
    return applied
