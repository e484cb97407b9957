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


# -- layouts that respect the photo and the copy ---------------------------------------------------------------
PHOTO_SHAPES = {"portrait": (900, 1260), "landscape": (1600, 1000), "square": (1100, 1100)}
ASPECT_PLATFORMS = {"9:16": "tiktok", "4:5": "instagram-feed", "1:1": "square", "16:9": "youtube"}
FOUR_POINTS = ["手採嫩葉", "低溫烘焙 回甘不苦澀", "Easy to brew", "冷泡熱泡都好喝"]


@pytest.fixture(scope="module")
def shaped_photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shapes")
    return {
        shape: [str(make_photo(folder / f"{shape}{i}.jpg", size, seed=i)) for i in range(2)]
        for shape, size in PHOTO_SHAPES.items()
    }


def _shaped_spec(photos, template, points=FOUR_POINTS, logo=None):
    data = {"product": "山嵐茶坊", "photos": photos, "headline": "一口喝見阿里山的清晨", "selling_points": points,
            "price": "NT$ 680", "cta": "立即選購", "music": None, "template": template}  # fmt: skip
    if logo:
        data["logo"] = logo
    return parse_spec(data)


def _product_layers(shot, photos):
    """The photos shown as the product (not the blurred backdrop made from them)."""
    return [l for l in shot.layers if isinstance(l, ImageLayer) and l.path in photos and l.blur == 0]


def _safe_fill(shot, preset, product) -> tuple[float, float]:
    """(share of the safe box covered by the product box and the text boxes, share of its rows with content)."""
    x0, y0, x1, y1 = preset.safe_box
    mask = np.zeros((preset.height // 10, preset.width // 10), bool)
    for layer in [product, *(l for l in shot.layers if isinstance(l, TextLayer))]:
        b = layer.box
        mask[int(max(b.y, 0)) // 10 : int(min(b.y1, preset.height)) // 10,
             int(max(b.x, 0)) // 10 : int(min(b.x1, preset.width)) // 10] = True  # fmt: skip
    safe = mask[y0 // 10 : y1 // 10, x0 // 10 : x1 // 10]
    return float(safe.mean()), float(safe.any(axis=1).mean())


@pytest.mark.parametrize("shape", sorted(PHOTO_SHAPES))
@pytest.mark.parametrize("aspect", sorted(ASPECT_PLATFORMS))
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_layout_keeps_the_photo_and_every_point(shaped_photos, tmp_path, template, aspect, shape):
    """Every template x aspect x photo shape: the product box keeps the photo's shape (a cover crop of at most
    1.25x), every selling point is on screen, the product and the copy fill the safe box (tall frames use their
    height), and the first frame (the player's preview still) and the cover show the product."""
    from studio.ads import cover_time

    photos = shaped_photos[shape]
    spec = _shaped_spec(photos, template, logo=str(make_logo(tmp_path / "logo.png")))
    res = resolve_resources(spec)
    preset = PRESETS[ASPECT_PLATFORMS[aspect]]
    timeline = timeline_for(spec, preset.name, res)
    photo_aspect = PHOTO_SHAPES[shape][0] / PHOTO_SHAPES[shape][1]
    on_screen = " ".join(l.text for s in timeline.shots for l in s.layers if isinstance(l, TextLayer))
    for point in FOUR_POINTS:
        assert point in on_screen, f"{template} {aspect} dropped the selling point {point!r}"
    photo_shots = [s for s in timeline.shots if _product_layers(s, photos)]
    assert photo_shots
    for shot in photo_shots:
        product = _product_layers(shot, photos)[-1]
        box_aspect = product.box.w / product.box.h
        gap = max(box_aspect / photo_aspect, photo_aspect / box_aspect)
        assert gap <= 1.25 + 1e-6, f"{shot.name}: a {shape} photo in a {box_aspect:.2f} box"
        fill, rows = _safe_fill(shot, preset, product)
        assert fill >= 0.4, f"{shot.name}: product and copy cover {fill:.0%} of the safe box"
        assert product.box.w * product.box.h >= 0.12 * preset.width * preset.height, shot.name
        if preset.height > preset.width:
            assert rows >= 0.65, f"{shot.name}: content on {rows:.0%} of the safe box's height"
            bottom = max([product.box.y1] + [l.box.y1 for l in shot.layers if isinstance(l, TextLayer)])
            band = (preset.safe_box[3] - bottom) / (preset.safe_box[3] - preset.safe_box[1])
            assert band <= 0.2, f"{shot.name}: an empty band on the lower {band:.0%} of the safe box"
    starts = timeline.shot_starts()
    for t in (0.0, cover_time(timeline)):
        k = max(i for i, start in enumerate(starts) if start <= t)
        shot, local = timeline.shots[k], t - starts[k]
        product = _product_layers(shot, photos)
        assert product, f"no product at {t:.2f} s ({shot.name})"
        assert product[-1].start <= local and local - product[-1].start >= product[-1].anim.fade_in, (
            f"the product is still fading in at {t:.2f} s"
        )


def test_too_many_points_for_the_layout_are_refused_naming_the_field(shaped_photos):
    """Copy that cannot fit is refused with the field and its limit, never dropped."""
    from studio.errors import InputError

    long_points = [(str(k) + "這是一個非常非常長的賣點" * 6)[:60] for k in range(6)]
    spec = _shaped_spec(shaped_photos["landscape"][:1], "features", points=long_points)
    with pytest.raises(InputError) as err:
        timeline_for(spec, "tiktok", resolve_resources(spec))
    assert "selling point" in err.value.message and "does not fit" in err.value.message
