"""AI motion without a model: the engine registry as data, size and frame snapping with messages, photo fitting
that never stretches, prompts, and the memory profile chosen for given free memory."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.errors import DependencyError, InputError
from studio.video.ai_inputs import (
    DEFAULT_NEGATIVE_PROMPT,
    MOTION_PRESETS,
    build_prompt,
    fit_photo,
    snap_frames,
    snap_size,
)
from studio.video.ai_profiles import GIB, choose_profile, next_profile
from studio.video.engines import DEFAULT_ENGINE, ENGINES, PROFILES, get_engine


def test_registry_is_complete_data():
    import diffusers

    from studio.compliance.licences import load_registry

    assert DEFAULT_ENGINE == "wan2.2-ti2v-5b"
    assert {"wan2.2-ti2v-5b", "wan2.1-t2v-1.3b", "wan2.1-vace-1.3b", "ltx-video"} <= set(ENGINES)
    registry = load_registry()
    for engine in ENGINES.values():
        for cls in engine.pipelines.values():
            assert hasattr(diffusers, cls), cls  # a real diffusers pipeline class
        assert all(w % engine.multiple == 0 and h % engine.multiple == 0 for w, h in engine.sizes)
        assert engine.frames.accepts(engine.default_frames)
        assert set(engine.memory_gb) == set(PROFILES)
        needs = [engine.memory_gb[p] for p in PROFILES]
        assert needs == sorted(needs, reverse=True)  # each profile down needs less
        # the licence the export gate reads is the registry's entry for this checkpoint
        entry = registry.models[engine.model_id]
        assert entry.licence == engine.licence
        assert entry.hub_id.lower() == engine.repo_id.lower()
        assert engine.licence_source.startswith("https://")
    ti2v = get_engine("wan2.2-ti2v-5b")
    assert ti2v.tasks == ("i2v", "t2v") and ti2v.pipeline_kwargs["i2v"] == {"expand_timesteps": True}
    assert (ti2v.sizes, ti2v.fps, ti2v.frames.step) == (((1280, 704), (704, 1280)), 24, 4)
    assert get_engine("wan2.1-t2v-1.3b").sizes == ((832, 480), (480, 832))
    ltx = get_engine("ltx-video")
    assert (ltx.frames.step, ltx.multiple, ltx.guidance) == (8, 32, 1.0)
    # LTX terms differ per checkpoint: the 0.9.6 distilled weights are not the research-only 0.9/0.9.1 ones
    assert ltx.licence == "ltxv-open-weights" and registry.licences[ltx.licence].revenue_cap_usd == 10_000_000
    assert all(registry.licences[e.licence].commercial_use for e in ENGINES.values())
    with pytest.raises(InputError, match="Unknown video engine 'sora'"):
        get_engine("sora")


def test_sizes_snap_to_the_engine_with_a_message():
    ti2v = ENGINES["wan2.2-ti2v-5b"]
    tiktok = snap_size(ti2v, aspect=(1080, 1920))
    assert tiktok.value == (704, 1280) and "704x1280" in tiktok.message
    assert snap_size(ti2v, aspect=(1920, 1080)).value == (1280, 704)
    exact = snap_size(ti2v, 704, 1280)
    assert exact.value == (704, 1280) and exact.message is None
    ltx = ENGINES["ltx-video"]
    big = snap_size(ltx, 1000, 1000)
    w, h = big.value
    assert w % 32 == 0 and h % 32 == 0 and w * h <= ltx.max_pixels * 1.05
    assert big.message.startswith("Size 1000x1000 ->") and "multiples of 32" in big.message
    assert snap_size(ENGINES["wan2.1-t2v-1.3b"], 100, 60).value == (96, 64)
    with pytest.raises(InputError, match="too small"):
        snap_size(ltx, 16, 16)


def test_frames_snap_to_the_rule_with_a_message():
    ti2v = ENGINES["wan2.2-ti2v-5b"]
    five = snap_frames(ti2v, seconds=5)
    assert five.value == 121 and "121 frames" in five.message  # 5 s x 24 fps = 120 -> 4k+1
    assert snap_frames(ti2v, 81) == snap_frames(ti2v, 81) and snap_frames(ti2v, 81).message is None
    assert snap_frames(ti2v, 1000).value == 121  # capped at the model's length
    assert snap_frames(ti2v).value == ti2v.default_frames
    ltx = ENGINES["ltx-video"]
    assert snap_frames(ltx, 100).value == 97 and "8k+1" in snap_frames(ltx, 100).message
    assert snap_frames(ltx, 2).value == 9
    with pytest.raises(InputError, match="not both"):
        snap_frames(ltx, 9, seconds=1)
    with pytest.raises(InputError, match="positive"):
        snap_frames(ltx, seconds=float("nan"))


def _wide_photo() -> Image.Image:
    """A 300x100 photo: a red circle (the product) on grey; a circle shows any stretch."""
    photo = Image.new("RGB", (300, 100), (128, 128, 128))
    ImageDraw.Draw(photo).ellipse((100, 0, 200, 100), fill=(220, 20, 20))
    return photo


def _red_extent(image: Image.Image) -> tuple[int, int]:
    a = np.asarray(image).astype(int)
    red = (a[..., 0] > 150) & (a[..., 1] < 90)
    ys, xs = np.nonzero(red)
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def test_fit_pads_or_crops_but_never_stretches():
    photo = _wide_photo()
    padded, where = fit_photo(photo, (64, 128), mode="pad")
    assert padded.size == (64, 128) and where.mode == "pad"
    assert where.scale == pytest.approx(64 / 300)
    band = padded.crop((0, round(where.y), 64, round(where.y + 100 * where.scale)))  # where the photo sits
    assert band.size == (64, 21)
    w, h = _red_extent(band)
    assert abs(w - h) <= 2  # still a circle (a stretched photo would make it an ellipse)
    # the backdrop above the photo is the blurred photo, not a flat bar
    top = np.asarray(padded)[: int(where.y) - 2]
    assert top.std() > 0.5
    cropped, where = fit_photo(photo, (64, 128), mode="crop", box=(100, 0, 200, 100))
    assert cropped.size == (64, 128) and where.scale == pytest.approx(1.28)
    # one uniform scale (384x128), then the 64 columns centred on the product's box: a crop, not a squeeze
    expected = photo.resize((384, 128), Image.LANCZOS).crop((160, 0, 224, 128))
    assert np.abs(np.asarray(cropped, float) - np.asarray(expected, float)).mean() < 1.0
    assert (where.x, where.y) == (-160.0, 0.0)
    with pytest.raises(InputError, match="not inside"):
        fit_photo(photo, (64, 64), mode="crop", box=(0, 0, 400, 50))
    with pytest.raises(InputError, match="pad' or 'crop"):
        fit_photo(photo, (64, 64), mode="stretch")


def test_prompt_from_the_spec_and_the_default_negative():
    prompt = build_prompt("山嵐 高山烏龍", selling_points=["手採嫩葉", "回甘"], preset="steam")
    assert "山嵐 高山烏龍" in prompt and MOTION_PRESETS["steam"] in prompt and "手採嫩葉" in prompt
    assert "no on-screen text" in prompt
    for word in ("text", "logo", "watermark", "static frame"):
        assert word in DEFAULT_NEGATIVE_PROMPT
    with pytest.raises(InputError, match="motion preset"):
        build_prompt("tea", preset="zoom-blur")
    with pytest.raises(InputError, match="empty"):
        build_prompt("   ")


def test_profile_from_free_memory():
    ti2v = ENGINES["wan2.2-ti2v-5b"]
    assert choose_profile(ti2v, 80 * GIB)[0] == "full"  # an H100
    assert choose_profile(ti2v, 32 * GIB)[0] == "offload"  # 24 GB fits in 90 % of 32
    assert choose_profile(ti2v, 24 * GIB)[0] == "group"  # 24 GB does not fit in 21.6
    assert choose_profile(ti2v, 12 * GIB)[0] == "group_fp8"
    with pytest.raises(DependencyError, match="free GPU memory"):
        choose_profile(ti2v, 8 * GIB)
    assert choose_profile(ENGINES["wan2.1-t2v-1.3b"], 10 * GIB)[0] == "offload"  # an 8-10 GB card
    profile, reason = choose_profile(ti2v, 12 * GIB, "full")
    assert profile == "full" and "may not fit" in reason
    with pytest.raises(InputError, match="Unknown profile"):
        choose_profile(ti2v, 80 * GIB, "turbo")
    assert [next_profile(p) for p in PROFILES] == [*PROFILES[1:], None]
