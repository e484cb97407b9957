"""LTX-Video 2B distilled (Lightricks): fast previews.

The LTX VAE compresses time 8x (frame counts 8k+1) and space 32x (sizes multiples of 32; diffusers floors other
values silently, studio snaps them and says so). The distilled checkpoints sample in 4-10 steps with guidance 1.
Licence: LTX terms differ between checkpoints. 0.9.0 and 0.9.1 were research-only; 0.9.6 and later ship the
"LTXV Open Weights" licence (free commercial use below USD 10M annual revenue, AI disclosure reported) in the
weights repository (FIELD_NOTES sections 2 and 6). studio uses the 0.9.6 distilled 2B checkpoint.
"""

from __future__ import annotations

from studio.video.engines.base import Engine, FrameRule

LTX_VIDEO_2B_DISTILLED = Engine(
    name="ltx-video",
    family="ltx",
    title="LTX-Video 2B 0.9.6 distilled (fast previews)",
    repo_id="Lightricks/LTX-Video",
    model_id="ltx-video-0.9.6-distilled",
    pipelines={"t2v": "LTXPipeline", "i2v": "LTXImageToVideoPipeline"},
    sizes=((768, 512), (512, 768), (512, 512)),
    multiple=32,
    frames=FrameRule(step=8, min_frames=9, max_frames=257),
    default_frames=121,
    fps=30,
    steps=8,
    guidance=1.0,
    shift=None,
    memory_gb={"full": 18.0, "offload": 10.0, "group": 7.0, "group_fp8": 6.0},
    memory_source="estimates from the weight sizes (2B transformer 4 GB + T5-XXL 9.5 GB in bf16)",
    licence="ltxv-open-weights",
    licence_source=(
        "https://huggingface.co/Lightricks/LTX-Video/blob/main/LTX-Video-Open-Weights-License-0.X.txt"
        " (the licence file in the weights repository; 0.9.0/0.9.1 are research-only, see ltx-video-0.9)"
    ),
    weight_file="ltxv-2b-0.9.6-distilled-04-25.safetensors",
    notes=(
        "a single-file checkpoint: load a local diffusers folder converted from it (from_single_file needs the"
        " diffusers configs, which studio does not fetch)"
    ),
)

ENGINES = (LTX_VIDEO_2B_DISTILLED,)
