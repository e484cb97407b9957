"""LTX-Video 2B distilled (Lightricks): fast previews.

The LTX VAE compresses time 8x (frame counts 8k+1) and space 32x (sizes multiples of 32; diffusers floors other
values silently, studio snaps them and says so). The distilled checkpoints sample in 4-10 steps with guidance 1.
Licence: LTX terms differ between checkpoints. 0.9.0 and 0.9.1 were research-only; 0.9.6 and later ship the
"LTXV Open Weights" licence (free commercial use below USD 10M annual revenue, AI disclosure reported) in the
weights repository (FIELD_NOTES sections 2 and 6). studio uses the 0.9.6 distilled 2B checkpoint.

Weights: Lightricks publishes the 0.9.6 2B checkpoints only as single files in ``Lightricks/LTX-Video``
(``ltxv-2b-0.9.6-distilled-04-25.safetensors``: the transformer under ``model.diffusion_model.``, the VAE under
``vae.``, no text encoder). The configs at that repository's root are the 0.9.0 diffusers configs, whose VAE does
not match: the 2B transformer architecture (28 blocks) is shared by 0.9.0, 0.9.1 and 0.9.5 (Lightricks, quoted in
diffusers issue 11147), but the VAE changed in 0.9.1 (a timestep-conditioned decoder) and again in 0.9.5 (a new
block layout, 2048 channels into the encoder's output convolution). So ``studio models pull ltx-video`` takes the
configs, scheduler, T5 tokenizer and T5-XXL text encoder from ``config_repo`` and converts the single file into
``transformer/`` and ``vae/`` (``studio.modelhub.convert_single_file``): an ordinary diffusers folder.

Facts this relies on, read in diffusers 0.42.1 (``loaders/single_file_utils.py``, ``loaders/single_file_model.py``):
``infer_diffusers_model_type`` types an LTX checkpoint "ltx-video-0.9.5" when it holds the VAE, the encoder's
``conv_out`` takes 2048 input channels and there is no 48th transformer block (the 13B 0.9.7+), which is what a
0.9.6 2B file is taken to be (not checked here against the real file; a mismatch fails the conversion loudly, as
shapes are compared when the weights are loaded). ``DIFFUSERS_DEFAULT_PIPELINE_PATHS`` gives
``Lightricks/LTX-Video-0.9.5`` for that type (``diffusers/LTX-Video-0.9.0`` and ``-0.9.1`` for the older ones,
whose VAE configs cannot hold a 0.9.5-layout VAE). ``convert_ltx_transformer_checkpoint_to_diffusers`` takes
every key without ``vae`` and renames (``model.diffusion_model.`` dropped, ``patchify_proj`` -> ``proj_in``,
``adaln_single`` -> ``time_embed``, ``q_norm``/``k_norm`` -> ``norm_q``/``norm_k``);
``convert_ltx_vae_checkpoint_to_diffusers`` takes the ``vae.`` keys and picks its block renaming by layout (the
0.9.5 table when ``conv_out`` has 2048 inputs, the 0.9.1 table when the decoder has ``last_time_embedder``, else
0.9.0). ``from_single_file(file, config=FOLDER, subfolder=NAME, local_files_only=True)`` reads the model's config
from the local folder and never infers a repository, so the conversion runs offline. It does not report weights
the file lacks: they stay on the meta device (only its final dtype cast fails, on a meta tensor), so studio checks
for them and names the component.
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
    config_repo="Lightricks/LTX-Video-0.9.5",  # diffusers' default configs for a 0.9.5-layout (0.9.5, 0.9.6) file
    single_file_components=("transformer", "vae"),
    notes=(
        "a single-file checkpoint: `studio models pull ltx-video` converts it into a diffusers folder with the"
        " configs, scheduler, tokenizer and T5 text encoder of Lightricks/LTX-Video-0.9.5"
    ),
)

ENGINES = (LTX_VIDEO_2B_DISTILLED,)
