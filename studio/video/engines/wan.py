"""The Wan family (Wan-AI, Apache-2.0 weights): Wan 2.2 TI2V-5B (studio's default), Wan 2.1 T2V-1.3B and
Wan 2.1 VACE-1.3B.

Facts from the model cards and diffusers' Wan pipelines (FIELD_NOTES section 6): the Wan VAE compresses time 4x,
so frame counts are 4k+1; TI2V-5B runs image-to-video with ``WanImageToVideoPipeline(expand_timesteps=True)``
(the photo becomes the first latent frame; no CLIP image encoder) and text-to-video with ``WanPipeline``, at
1280x704 or 704x1280, 121 frames = 5 s at 24 fps; the 1.3B models make 832x480 / 480x832, 81 frames at 16 fps.
Flow shift: 5.0 for 720p, 3.0 for 480p (diffusers' Wan examples).
"""

from __future__ import annotations

from studio.video.engines.base import Engine, FrameRule

_APACHE = "Apache-2.0, stated on the model card and in the LICENSE.txt of the weights repository"

WAN22_TI2V_5B = Engine(
    name="wan2.2-ti2v-5b",
    family="wan",
    title="Wan 2.2 TI2V 5B (photo-to-video and text-to-video, 720p)",
    repo_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers",
    model_id="wan2.2-ti2v-5b",
    pipelines={"i2v": "WanImageToVideoPipeline", "t2v": "WanPipeline"},
    pipeline_kwargs={"i2v": {"expand_timesteps": True}},
    sizes=((1280, 704), (704, 1280)),
    multiple=32,  # VAE 16x spatial x patch 2
    frames=FrameRule(step=4, min_frames=5, max_frames=121),
    default_frames=121,
    fps=24,
    steps=50,
    guidance=5.0,
    shift=5.0,
    memory_gb={"full": 40.0, "offload": 24.0, "group": 14.0, "group_fp8": 10.0},
    memory_source=(
        "offload: about 24 GB, the model card's single-GPU figure (FIELD_NOTES 6); the others are estimates from the"
        " weight sizes (transformer 10 GB + UMT5-XXL 11 GB in bf16) until bench/ai_motion_gpu.py measures them"
    ),
    licence="apache-2.0",
    licence_source=f"https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B-Diffusers ({_APACHE})",
)

WAN21_T2V_1_3B = Engine(
    name="wan2.1-t2v-1.3b",
    family="wan",
    title="Wan 2.1 T2V 1.3B (B-roll from a prompt, 480p, 8 GB cards)",
    repo_id="Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
    model_id="wan2.1-t2v-1.3b",
    pipelines={"t2v": "WanPipeline"},
    sizes=((832, 480), (480, 832)),
    multiple=16,  # VAE 8x spatial x patch 2
    frames=FrameRule(step=4, min_frames=5, max_frames=81),
    default_frames=81,
    fps=16,
    steps=50,
    guidance=5.0,
    shift=3.0,
    memory_gb={"full": 16.0, "offload": 8.2, "group": 6.0, "group_fp8": 5.0},
    memory_source=(
        "offload: 8.19 GB from the Wan2.1 README (FIELD_NOTES 2); the others are estimates from the weight sizes"
    ),
    licence="apache-2.0",
    licence_source=f"https://huggingface.co/Wan-AI/Wan2.1-T2V-1.3B-Diffusers ({_APACHE})",
)

WAN21_VACE_1_3B = Engine(
    name="wan2.1-vace-1.3b",
    family="wan",
    title="Wan 2.1 VACE 1.3B (generates around a masked region: the product kept, the scene made)",
    repo_id="Wan-AI/Wan2.1-VACE-1.3B-diffusers",
    model_id="wan2.1-vace-1.3b",
    pipelines={"vace": "WanVACEPipeline"},
    sizes=((832, 480), (480, 832)),
    multiple=16,
    frames=FrameRule(step=4, min_frames=5, max_frames=81),
    default_frames=81,
    fps=16,
    steps=30,
    guidance=5.0,
    shift=3.0,
    memory_gb={"full": 18.0, "offload": 10.0, "group": 7.0, "group_fp8": 6.0},
    memory_source="estimates from the weight sizes (1.3B transformer + VACE blocks + UMT5-XXL)",
    licence="apache-2.0",
    licence_source=f"https://huggingface.co/Wan-AI/Wan2.1-VACE-1.3B-diffusers ({_APACHE})",
    notes="mask: black keeps the given pixels, white is generated (diffusers WanVACEPipeline)",
)

ENGINES = (WAN22_TI2V_5B, WAN21_T2V_1_3B, WAN21_VACE_1_3B)
