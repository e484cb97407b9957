"""Tiny, seeded, randomly initialised diffusers video pipelines built from configs, offline (no hub, ever).

The shapes follow FIELD_NOTES section 6: a ``tokenizers`` WordLevel vocabulary in a ``PreTrainedTokenizerFast``,
a one-layer UMT5/T5 encoder, a 4-level Wan VAE with 3 base channels, a 2-layer Wan transformer, a tiny LTX VAE
and transformer. Each generation at 32x32, 9 frames, 2 steps takes well under a second on an idle core.
"""

from __future__ import annotations

WORDS = (
    "a", "the", "of", "and", "in", "on", "with", "product", "shot", "commercial", "high-end", "camera",
    "slowly", "pushes", "orbits", "toward", "around", "tea", "box", "bottle", "soft", "light", "studio",
    "steam", "gentle", "text", "logo", "watermark", "letters", "captions", "blurry", "low", "quality",
    "static", "frame", "still", "image", "no", "on-screen", "stays", "exactly", "as", "it", "is", "sharp",
    "centred", "packaging", "label", "unchanged", "mood", "conveys",
)  # fmt: skip


def tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<pad>", "</s>", "<unk>", *dict.fromkeys(WORDS)])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=64
    )


def _t5_config(vocab: int):
    from transformers import T5Config

    return T5Config(
        vocab_size=vocab, d_model=32, d_kv=8, d_ff=64, num_layers=1, num_heads=4,
        relative_attention_num_buckets=8, dropout_rate=0.0, pad_token_id=0, eos_token_id=1,
    )  # fmt: skip


def _wan_parts(vace: bool = False):
    import torch
    from diffusers import AutoencoderKLWan, WanTransformer3DModel, WanVACETransformer3DModel
    from transformers import UMT5EncoderModel

    tok = tokenizer()
    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(_t5_config(len(tok) + 8)).eval()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    ).eval()
    torch.manual_seed(0)
    common = {
        "patch_size": (1, 2, 2), "num_attention_heads": 2, "attention_head_dim": 12, "in_channels": 16,
        "out_channels": 16, "text_dim": 32, "freq_dim": 256, "ffn_dim": 32, "num_layers": 2,
        "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "rope_max_seq_len": 32,
    }  # fmt: skip
    if vace:
        transformer = WanVACETransformer3DModel(**common, vace_layers=[0], vace_in_channels=96).eval()
    else:
        transformer = WanTransformer3DModel(**common).eval()
    return {"tokenizer": tok, "text_encoder": text_encoder, "vae": vae, "transformer": transformer}


def wan_t2v():
    """Wan 2.1-style text-to-video (``WanPipeline``)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, WanPipeline

    return WanPipeline(**_wan_parts(), scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0))


def wan_ti2v():
    """Wan 2.2 TI2V-style photo-to-video (``WanImageToVideoPipeline(expand_timesteps=True)``, no image encoder)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline

    return WanImageToVideoPipeline(
        **_wan_parts(), scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0), image_encoder=None,
        image_processor=None, expand_timesteps=True,
    )  # fmt: skip


def wan_vace():
    from diffusers import FlowMatchEulerDiscreteScheduler, WanVACEPipeline

    return WanVACEPipeline(**_wan_parts(vace=True), scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0))


def _ltx_parts():
    import torch
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXVideoTransformer3DModel
    from transformers import T5EncoderModel

    tok = tokenizer()
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(_t5_config(len(tok) + 8)).eval()
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False,
    ).eval()  # fmt: skip
    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=32,
    ).eval()  # fmt: skip
    return {
        "tokenizer": tok, "text_encoder": text_encoder, "vae": vae, "transformer": transformer,
        "scheduler": FlowMatchEulerDiscreteScheduler(),
    }  # fmt: skip


def ltx_t2v():
    from diffusers import LTXPipeline

    return LTXPipeline(**_ltx_parts())


def ltx_i2v():
    from diffusers import LTXImageToVideoPipeline

    return LTXImageToVideoPipeline(**_ltx_parts())
