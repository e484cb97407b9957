from __future__ import annotations

import numpy as np
import pytest

from studio.ads import resolve_resources, srt_text
from studio.spec import parse_spec
from studio.video.compose import render_frame
from studio.video.presets import PRESETS
from studio.video.templates import TEMPLATES, timeline_for
from studio.video.timeline import ImageLayer, TextLayer
from tests.helpers import make_logo, make_photo


@pytest.fixture
def resources(tmp_path):
    photos = [
        str(make_photo(tmp_path / f"p{i}.jpg", (1400, 1000) if i % 2 else (1000, 1400), seed=i))
        for i in range(3)
    ]
    spec = parse_spec(
        {
            "product": "山嵐茶坊",
            "photos": photos,
            "logo": str(make_logo(tmp_path / "logo.png")),
            "headline": "一口喝見阿里山的清晨",
            "selling_points": ["手採嫩葉", "低溫烘焙 回甘", "Easy to brew"],
            "price": "NT$ 680 買二送一",
            "cta": "立即選購",
            "music": None,
        }
    )
    return spec, resolve_resources(spec)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("platform", sorted(PRESETS))
def test_timeline_duration_and_safe_zone(resources, template, platform):
    spec, res = resources
    spec = spec.model_copy(update={"template": template})
    timeline = timeline_for(spec, platform, res)
    preset = PRESETS[platform]
    assert (timeline.width, timeline.height, timeline.fps) == (preset.width, preset.height, preset.fps)
    assert timeline.frame_count == round(spec.duration * preset.fps)
    x0, y0, x1, y1 = preset.safe_box
    texts = [layer for shot in timeline.shots for layer in shot.layers if isinstance(layer, TextLayer)]
    roles = {t.role for t in texts}
    assert {"headline", "point", "price", "cta"} <= roles
    for text in texts:
        assert (
            x0 - 1 <= text.box.x and text.box.x1 <= x1 + 1 and y0 - 1 <= text.box.y and text.box.y1 <= y1 + 1
        )


def test_templates_look_different(resources):
    spec, res = resources
    frames = {}
    for template in TEMPLATES:
        timeline = timeline_for(spec.model_copy(update={"template": template}), "tiktok", res)
        frames[template] = np.asarray(render_frame(timeline, 2.0).resize((108, 192)), dtype=np.float32)
    names = sorted(frames)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(frames[a] - frames[b]).mean() > 12, (a, b)


@pytest.mark.parametrize("platform", ["tiktok", "youtube", "square"])
def test_layout_reflows_without_letterbox(resources, platform):
    """Every row and column of the frame is painted: no black bars around a 9:16 design."""
    spec, res = resources
    timeline = timeline_for(spec, platform, res)
    frame = np.asarray(render_frame(timeline, 1.0))
    assert frame.shape == (PRESETS[platform].height, PRESETS[platform].width, 3)
    for edge in (frame[:8], frame[-8:], frame[:, :8], frame[:, -8:]):
        assert edge.mean() > 20, "a black bar at the frame's edge"
    photo_boxes = {
        (round(layer.box.w), round(layer.box.h))
        for shot in timeline.shots
        for layer in shot.layers
        if isinstance(layer, ImageLayer) and layer.box.w > 400
    }
    assert photo_boxes, "photos are placed"


def test_srt_lists_on_screen_text_in_order(resources):
    spec, res = resources
    timeline = timeline_for(spec, "tiktok", res)
    srt = srt_text(timeline)
    assert srt.startswith("1\n00:00:00,")
    for text in ("一口喝見阿里山的清晨", "手採嫩葉", "NT$ 680 買二送一", "立即選購"):
        assert text in srt
