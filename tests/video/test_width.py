"""Rendering at a smaller width (``--width``): the platform's aspect, even sizes, the layout and the safe zone
scaled with the frame, and a picture that is the full-size one, halved."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.ads import build_timeline, cover_time, make_ad, resolve_resources
from studio.errors import InputError
from studio.spec import parse_spec
from studio.video.compose import render_frame
from studio.video.presets import PRESETS, get_preset
from studio.video.templates import TEMPLATES
from studio.video.timeline import TextLayer
from tests.helpers import ffprobe, make_logo, make_photo


@pytest.fixture
def spec_and_resources(tmp_path):
    photos = [str(make_photo(tmp_path / f"p{i}.jpg", (900, 1200), seed=i)) for i in range(2)]
    spec = parse_spec(
        {
            "product": "高山烏龍茶",
            "headline": "高山烏龍茶 限時優惠",
            "selling_points": ["台灣在地製造", "天然原料 無添加", "Easy to brew"],
            "price": "NT$ 680",
            "photos": photos,
            "logo": str(make_logo(tmp_path / "logo.png")),
            "duration": 6,
            "music": None,
            "platforms": ["tiktok", "square"],
        }
    )
    return spec, resolve_resources(spec)


def test_at_width_keeps_the_aspect_with_even_sizes_and_scaled_safe_margins():
    tiktok = get_preset("tiktok").at_width(540)
    assert (tiktok.width, tiktok.height, tiktok.fps) == (540, 960, 30)
    assert (tiktok.safe.top, tiktok.safe.bottom, tiktok.safe.left, tiktok.safe.right) == (75, 220, 30, 75)
    assert get_preset("square").at_width(540).height == 540
    youtube = get_preset("youtube").at_width(540)  # 303.75 rounds to an even 304
    assert (youtube.height, youtube.aspect) == (304, "16:9")
    odd = get_preset("tiktok").at_width(722)  # 1283.6: margins round up (never into the platform's UI)
    assert odd.height % 2 == 0 and odd.safe.bottom == 295
    assert get_preset("tiktok").at_width(None) is get_preset("tiktok")
    for name, preset in PRESETS.items():
        assert preset.at_width(480).aspect == preset.aspect, name


@pytest.mark.parametrize("width", [541, 200, 1082, 0])
def test_a_bad_width_is_refused_with_what_was_expected(width):
    with pytest.raises(InputError) as info:
        get_preset("tiktok").at_width(width)
    assert str(width) in info.value.message and "even" in info.value.one_line()


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("platform", ["tiktok", "square", "youtube"])
def test_the_layout_scales_with_the_width(spec_and_resources, template, platform):
    spec, res = spec_and_resources
    spec = spec.model_copy(update={"template": template})
    full = build_timeline(spec, platform, res)
    half = build_timeline(spec, platform, res, width=full.width // 2)
    assert (half.width, half.height, half.frame_count) == (
        full.width // 2,
        full.height // 2,
        full.frame_count,
    )
    texts = [layer for shot in full.shots for layer in shot.layers if isinstance(layer, TextLayer)]
    halves = [layer for shot in half.shots for layer in shot.layers if isinstance(layer, TextLayer)]
    assert len(texts) == len(halves)
    for a, b in zip(texts, halves):
        assert a.lines == b.lines  # the same line breaks: type and boxes scale together
        assert abs(b.size - a.size / 2) <= 1.5, (a.text, a.size, b.size)
        for got, want in ((b.box.x, a.box.x), (b.box.y, a.box.y), (b.box.w, a.box.w)):
            assert abs(got - want / 2) <= 3, (a.text, a.box, b.box)
    # the templates' own check ran against the scaled safe zone; check it here too, explicitly
    x0, y0, x1, y1 = get_preset(platform).at_width(half.width).safe_box
    for layer in halves:
        assert (
            x0 - 1 <= layer.box.x
            and layer.box.x1 <= x1 + 1
            and y0 - 1 <= layer.box.y
            and layer.box.y1 <= y1 + 1
        )


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_a_half_width_frame_is_the_full_frame_halved(spec_and_resources, template):
    spec, res = spec_and_resources
    spec = spec.model_copy(update={"template": template})
    full = build_timeline(spec, "tiktok", res)
    half = build_timeline(spec, "tiktok", res, width=540)
    t = cover_time(full)
    want = np.asarray(
        render_frame(full, t).convert("RGB").resize((540, 960), Image.LANCZOS), dtype=np.float32
    )
    got = np.asarray(render_frame(half, t).convert("RGB"), dtype=np.float32)
    assert got.shape == want.shape == (960, 540, 3)
    assert np.abs(got - want).mean() < 4.0  # shadows, corners and blur scale too


def test_make_ad_at_540_px(spec_and_resources, tmp_path):
    spec, _ = spec_and_resources
    result = make_ad(spec, tmp_path / "out", width=540, screen=False)
    sizes = {o.platform: (o.width, o.height) for o in result.outputs}
    assert sizes == {"tiktok": (540, 960), "square": (540, 540)}
    for output in result.outputs:
        (video,) = [s for s in ffprobe(output.path)["streams"] if s["codec_type"] == "video"]
        assert (video["width"], video["height"]) == sizes[output.platform]
        assert int(video["nb_read_frames"]) == 180
        assert Image.open(output.cover).size == sizes[output.platform]


def test_make_ad_refuses_a_bad_width_before_it_renders(spec_and_resources, tmp_path):
    from studio.store import Store

    spec, _ = spec_and_resources
    store = Store(tmp_path / "s.sqlite3")
    with pytest.raises(InputError):
        make_ad(spec, tmp_path / "out", width=1000 + 1, store=store, screen=False)
    assert store.renders() == []  # input refused: no render row, no folder
    assert not (tmp_path / "out").exists()
