"""Near-copies under the edits ads really make, and the ad's own pictures that must not count as copies."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import load_pack
from studio.compliance.visual import screen_media
from studio.store import Store


@pytest.fixture()
def bank(tmp_path) -> ReferenceBank:
    return ReferenceBank(Store(tmp_path / "s.sqlite3"), folder=tmp_path / "refs")


def _near(findings):
    return [f for f in findings if f.rule == "ip.near-copy"]


def test_the_ads_own_end_card_is_not_a_copy_of_the_sample_logo(tmp_path, bank):
    from studio.ads import build_timeline, resolve_resources
    from studio.settings import assets_dir
    from studio.spec import load_spec, parse_spec
    from studio.video.compose import render_frame

    bank.add([assets_dir() / "sample" / "logo.png"], owner="Mountain Mist Tea (sample)")
    data = load_spec(assets_dir().parent / "examples" / "sample-ad.yaml").to_data()
    data.pop("logo")  # a plain green end card with white text
    data["platforms"] = ["tiktok", "square", "youtube"]
    spec = parse_spec(data)
    resources = resolve_resources(spec)
    for platform in spec.platforms:
        timeline = build_timeline(spec, platform, resources)
        card = tmp_path / f"end-{platform}.png"
        render_frame(timeline, timeline.duration - 0.3).convert("RGB").save(card)
        findings, run, _ = screen_media(card, packs=[load_pack("ip")], bank=bank, embedder=None)
        assert "pdq" in run and not _near(findings), (platform, [f.message for f in findings])


def _photo_card(picture: Image.Image, *, mirror: bool) -> Image.Image:
    """The promo template's look: a colour stage, the picture in a white-bordered card, slightly tilted."""
    stage = Image.new("RGB", (720, 1280), (31, 95, 74))
    shown = picture.transpose(Image.FLIP_LEFT_RIGHT) if mirror else picture
    card = shown.resize((480, 480))
    border = Image.new("RGB", (504, 504), (255, 255, 255))
    border.paste(card, (12, 12))
    tilted = border.rotate(3, resample=Image.BICUBIC, expand=True, fillcolor=(31, 95, 74))
    stage.paste(tilted, (100, 380))
    return stage


@pytest.mark.parametrize("mirror", [False, True], ids=["upright", "mirrored"])
def test_a_copy_inside_a_photo_card_is_found_mirrored_too(tmp_path, bank, media, mirror):
    logo = media.logo(5)
    bank.add([_save(logo, tmp_path / "brand.png")], owner="Rival Co")
    query = _save(_photo_card(logo, mirror=mirror), tmp_path / "card.jpg")
    findings = _near(screen_media(query, packs=[load_pack("ip")], bank=bank, embedder=None)[0])
    assert [f.reference for f in findings] == ["ref:1"], [f.message for f in findings]
    assert ("mirrored" in findings[0].message) == mirror


def _flash_video(path: Path, background: Image.Image, picture: Image.Image, *, fade: bool) -> Path:
    """2 s at 30 fps, 360x640: ``background``, with ``picture`` shown for 0.3 s (cut) or faded in and out over
    0.4 s, starting just after the 1.0 s grid sample."""
    from studio.media import ffmpeg_exe

    base = np.asarray(background.resize((360, 640)), dtype=np.float32)
    small = np.asarray(picture.resize((240, 240)), dtype=np.float32)
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "360x640", "-r", "30",
         "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    start, length = 1.1, 0.4 if fade else 0.3
    for k in range(60):
        u = (k / 30 - start) / length
        alpha = 0.0 if not 0 <= u <= 1 else (1 - abs(2 * u - 1) if fade else 1.0)
        frame = base.copy()
        frame[200:440, 60:300] = frame[200:440, 60:300] * (1 - alpha) + small * alpha
        proc.stdin.write(frame.astype(np.uint8).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return path


@pytest.mark.parametrize("fade", [False, True], ids=["cut-0.3s", "fade-0.4s"])
def test_a_brief_flash_between_grid_samples_is_found(tmp_path, bank, media, fade):
    logo = media.logo(9)
    bank.add([_save(logo, tmp_path / "brand.png")], owner="Rival Co")
    video = _flash_video(tmp_path / "flash.mp4", media.scene(3), logo, fade=fade)
    findings = _near(screen_media(video, packs=[load_pack("ip")], bank=bank, embedder=None)[0])
    assert [f.reference for f in findings] == ["ref:1"]
    assert 1.1 <= findings[0].time <= 1.55  # seen during the flash, not on the 2-fps grid (1.0 s, 1.5 s)


def _save(picture: Image.Image, path: Path) -> Path:
    picture.save(path, quality=92) if path.suffix == ".jpg" else picture.save(path)
    return path


@pytest.mark.parametrize("corner", ["top-left", "bottom-right"])
def test_a_small_copy_in_a_corner_is_found(tmp_path, bank, media, corner):
    logo = media.logo(12)
    bank.add([_save(logo, tmp_path / "brand.png")], owner="Rival Co")
    frame = media.scene(31, size=(1080, 1920))
    x, y = (40, 190) if corner == "top-left" else (1080 - 40 - 130, 1920 - 480 - 130)
    frame.paste(logo.resize((130, 130), Image.LANCZOS), (x, y))  # a watermark-sized copy
    findings = _near(screen_media(_save(frame, tmp_path / "ad.jpg"), packs=[load_pack("ip")], bank=bank,
                                  embedder=None)[0])  # fmt: skip
    assert [f.reference for f in findings] == ["ref:1"], [f.message for f in findings]
    x0, y0, x1, _ = findings[0].box
    assert abs(x0 - x) < 20 and abs(y0 - y) < 20 and 110 < x1 - x0 < 150


def _hue_turned(picture: Image.Image, shift: int) -> Image.Image:
    """``picture`` with its HSV hue turned by ``shift``/256 of a turn (an editor's hue slider)."""
    hsv = np.asarray(picture.convert("HSV"), dtype=np.int16)
    hsv[..., 0] = (hsv[..., 0] + shift) % 256
    return Image.frombytes("HSV", picture.size, hsv.astype(np.uint8).tobytes()).convert("RGB")


@pytest.mark.parametrize("seed", [1, 3, 8])
def test_a_recoloured_copy_is_found_on_the_value_channel(tmp_path, bank, media, seed):
    # turning the hue by 90 degrees moves these logos' luma hashes past every threshold (missed before)
    logo = media.logo(seed)
    bank.add([_save(logo, tmp_path / "brand.png")], owner="Rival Co")
    query = _save(_hue_turned(logo, 64), tmp_path / "recoloured.png")
    findings = _near(screen_media(query, packs=[load_pack("ip")], bank=bank, embedder=None)[0])
    assert [f.reference for f in findings] == ["ref:1"], [f.message for f in findings]


def test_value_channel_hashes_are_kept_for_every_reference(tmp_path, bank, media):
    bank.add([_save(media.logo(1), tmp_path / "a.png"), _save(media.logo(2), tmp_path / "b.png")], owner="x")
    index = bank.index()
    assert index.pdq_value.shape == (16, 4) and index.phash_value.shape == (16,)
    assert sorted(set(index.value_owner.tolist())) == [0, 1]
    assert all(e.quality_value > 0 for e in index.entries)


def _flat_logo(letters: str = "UZCGI") -> Image.Image:
    """A logo of a few flat colour fields and a word: its PDQ quality is under the floor of 50 (flat)."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (480, 480), (84, 150, 92))
    draw = ImageDraw.Draw(image)
    draw.ellipse([60, 60, 260, 260], fill=(100, 20, 220))
    draw.rectangle([100, 30, 330, 160], fill=(240, 80, 220))
    draw.polygon([(300, 250), (420, 250), (370, 360)], fill=(110, 190, 30))
    draw.text((90, 360), letters, font=ImageFont.truetype("DejaVuSans-Bold.ttf", 64), fill=(190, 100, 170))
    return image


@pytest.mark.parametrize("mirror", [False, True], ids=["upright", "mirrored"])
def test_a_flat_logo_inside_a_photo_card_is_found(tmp_path, bank, mirror):
    from studio.compliance import hashes

    logo = _flat_logo()
    assert hashes.pdq(np.asarray(logo))[1] < 50  # flat: its hashes alone are not evidence
    bank.add([_save(logo, tmp_path / "brand.png")], owner="Rival Co")
    query = _save(_photo_card(logo, mirror=mirror), tmp_path / "card.jpg")
    findings = _near(screen_media(query, packs=[load_pack("ip")], bank=bank, embedder=None)[0])
    assert [f.reference for f in findings] == ["ref:1"], [f.message for f in findings]
    assert "keypoints aligned" in findings[0].message


def test_a_card_with_the_flat_logos_word_and_colours_is_not_a_copy(tmp_path, bank):
    from PIL import ImageDraw, ImageFont

    bank.add([_save(_flat_logo(), tmp_path / "brand.png")], owner="Rival Co")
    card = Image.new("RGB", (480, 480), (84, 150, 92))  # the logo's background colour, its word, its font
    draw = ImageDraw.Draw(card)
    draw.text((90, 360), "UZCGI", font=ImageFont.truetype("DejaVuSans-Bold.ttf", 64), fill=(190, 100, 170))
    draw.text((90, 200), "NEW TEA", font=ImageFont.truetype("DejaVuSans-Bold.ttf", 48), fill=(255, 255, 255))
    findings = _near(screen_media(_save(card, tmp_path / "card.png"), packs=[load_pack("ip")], bank=bank,
                                  embedder=None)[0])  # fmt: skip
    assert not findings, [f.message for f in findings]


def test_outline_agreement_keeps_recoloured_outlines_and_rejects_other_shapes():
    from studio.compliance.align import outline_agreement

    logo = np.asarray(_flat_logo())
    other = np.asarray(_flat_logo("QXW").transpose(Image.FLIP_TOP_BOTTOM))
    recoloured = np.asarray(_hue_turned(_flat_logo(), 80))
    flat = np.full_like(logo, 120)
    assert outline_agreement(logo, logo) == 1.0
    assert outline_agreement(recoloured, logo) >= 0.8
    assert outline_agreement(other, logo) < 0.5
    assert outline_agreement(flat, logo) == 0.0  # nothing to compare is no agreement


def test_keypoint_spread_is_measured_against_where_the_reference_has_keypoints(media):
    # a blurred photo whose only texture is a small subject in the middle: all its keypoints sit there, so a
    # copy matched on the whole subject is "spread out" (before, 0.2-0.35 of the frame: no part could count)
    import cv2

    from studio.compliance.align import FeatureIndex, reference_features

    subject = np.asarray(media.logo(4).resize((120, 120)))
    picture = np.full((400, 400, 3), 150, np.uint8)
    picture[140:260, 140:260] = subject
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    index = FeatureIndex(
        [reference_features(grey), reference_features(np.asarray(media.logo(7).convert("L")))]
    )
    frame = cv2.resize(grey, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)
    (best, *_) = index.locate(frame)
    assert best.ref == 0 and min(best.spread) >= 0.7, best.spread


def _caption_band(picture: Image.Image, share: float = 0.3) -> Image.Image:
    """An opaque dark caption band over the lower ``share`` of the picture with a line of zh-TW text in the Noto
    Sans TC the studio ships."""
    from PIL import ImageDraw, ImageFont

    from studio.settings import assets_dir

    out = picture.copy()
    draw = ImageDraw.Draw(out)
    y0 = int(out.height * (1 - share))
    draw.rectangle([0, y0, out.width, out.height], fill=(30, 20, 40))
    font = ImageFont.truetype(
        str(assets_dir() / "fonts" / "NotoSansTC-Bold.otf"), int(out.height * share * 0.4)
    )
    draw.text((int(out.width * 0.05), y0 + int(out.height * share * 0.2)), "限時優惠 SALE", font=font,
              fill=(255, 255, 255))  # fmt: skip
    return out


def _sticker(picture: Image.Image) -> Image.Image:
    """A price sticker (a filled circle with text) over about a fifth of the picture, low on its right."""
    from PIL import ImageDraw, ImageFont

    out = picture.copy()
    draw = ImageDraw.Draw(out)
    r = int(np.sqrt(0.2 * out.width * out.height / np.pi))
    cx, cy = int(out.width * 0.72), int(out.height * 0.7)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(200, 30, 40))
    draw.text((cx - r * 0.6, cy - r * 0.2), "-50%", font=ImageFont.truetype("DejaVuSans-Bold.ttf", r // 3),
              fill=(255, 255, 255))  # fmt: skip
    return out


def test_a_flat_part_of_a_covered_flat_logo_counts_only_when_its_outlines_agree():
    # a flat logo's halves and quarters are flat too (PDQ quality < 50): before, none of them ever counted, so a
    # caption band or a sticker over a flat logo hid it; now a part counts when the caller has keypoint geometry
    # spread over the logo (``outlines``) and the part's outlines are where the logo's are
    from studio.compliance import visual

    logo = np.asarray(_flat_logo())
    banded = np.asarray(_caption_band(_flat_logo()))
    parts = {p[0]: p for p in visual._compare_parts(banded, logo, visual._PARTS, 50, outlines=True)}
    _, pdq, _, agree = parts["top-right quarter"]  # flat in luma and in value
    assert pdq <= 31 and agree is not None and agree >= visual.FLAT_PART_MIN_OUTLINES
    assert parts["top two-thirds"][1] <= 31  # what the band leaves uncovered, as one part
    # without that geometry a flat part is never evidence ...
    bare = {p[0] for p in visual._compare_parts(banded, logo, visual._PARTS, 50, outlines=False)}
    assert "top-right quarter" not in bare
    # ... and a field of the logo's own background colour has no outlines to agree
    field = np.empty_like(logo)
    field[:] = (84, 150, 92)
    assert all(p[3] is None for p in visual._compare_parts(field, logo, visual._PARTS, 50, outlines=True))


def test_a_banded_card_in_the_flat_logos_colours_and_font_is_not_a_copy(tmp_path, bank):
    # the same layout (caption band) over a card with the logo's background, word and font: the flat parts' hashes
    # may be close, but there is no spread keypoint geometry and no agreeing outline of the logo's shapes
    from PIL import ImageDraw, ImageFont

    bank.add([_save(_flat_logo(), tmp_path / "brand.png")], owner="Rival Co")
    card = Image.new("RGB", (480, 480), (84, 150, 92))
    draw = ImageDraw.Draw(card)
    draw.ellipse([300, 40, 440, 180], fill=(100, 20, 220))  # one of its colours, another shape and place
    draw.text((90, 200), "UZCGI", font=ImageFont.truetype("DejaVuSans-Bold.ttf", 64), fill=(190, 100, 170))
    query = _save(_caption_band(card), tmp_path / "card.png")
    findings = _near(screen_media(query, packs=[load_pack("ip")], bank=bank, embedder=None)[0])
    assert not findings, [f.message for f in findings]
