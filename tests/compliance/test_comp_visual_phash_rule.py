"""pHash evidence without PDQ agreement: the letters of a shared font on a flat card are not a copy of a logo."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import load_pack
from studio.compliance.visual import screen_media
from studio.settings import assets_dir
from studio.store import Store


@pytest.fixture()
def bank(tmp_path) -> ReferenceBank:
    return ReferenceBank(Store(tmp_path / "s.sqlite3"), folder=tmp_path / "refs")


def _near(findings):
    return [f for f in findings if f.rule == "ip.near-copy"]


def _text_card(size, top, fade, lines) -> Image.Image:
    """A brand-colour card fading down to ``fade`` of ``top``, with lines of zh-TW text in the Noto Sans TC the
    studio ships: ``lines`` of (word, font size, x, y, white)."""
    t = np.linspace(0, 1, size[1])[:, None, None]
    top = np.asarray(top, dtype=np.float64)
    card = Image.fromarray(((top * (1 - t) + top * fade * t) * np.ones((1, size[0], 1))).astype(np.uint8))
    draw = ImageDraw.Draw(card)
    font_path = str(assets_dir() / "fonts" / "NotoSansTC-Bold.otf")
    for word, font_size, x, y, white in lines:
        draw.text((x, y), word, font=ImageFont.truetype(font_path, font_size),
                  fill=(255, 255, 255) if white else (20, 20, 20))  # fmt: skip
    return card


# Two cards of visual3's fresh look-alike set (``fl-text-card:29`` and ``:15``, the generator's draws written
# out): the sample brand's name 山嵐茶坊 in the font of its logo, on a flat gradient. Before this rule both were
# blocked as copies of the sample logo: keypoints aligned the word with the logo's word, and a quarter of that
# region came within pHash 10 (PDQ 42-44, outlines 0.56-0.73).
CARDS = {
    "one-line": ((720, 960), (93, 86, 142), 0.773, [("山嵐茶坊", 45, 130, 240, False)]),
    "three-lines": (
        (1080, 1920),
        (254, 163, 242),
        0.856,
        [
            ("山嵐茶坊", 98, 215, 480, True),
            ("山嵐茶坊", 184, 96, 768, False),
            ("買一送一", 95, 151, 1056, True),
        ],
    ),
}


@pytest.mark.parametrize("card", sorted(CARDS))
def test_a_text_card_with_the_logos_word_is_not_a_copy_of_the_sample_logo(tmp_path, bank, card):
    bank.add([assets_dir() / "sample" / "logo.png"], owner="Mountain Mist Tea (sample)")
    path = tmp_path / "card.png"
    _text_card(*CARDS[card]).save(path)
    findings, run, _ = screen_media(path, packs=[load_pack("ip")], bank=bank, embedder=None)
    assert "phash" in run
    assert not _near(findings), [f.message for f in findings]


def test_the_sample_logo_itself_is_still_found_on_such_a_card(tmp_path, bank):
    """The same card with the logo pasted on it is still a copy (the rule removes pHash-only text evidence, not
    the logo's own)."""
    logo_path = assets_dir() / "sample" / "logo.png"
    bank.add([logo_path], owner="Mountain Mist Tea (sample)")
    card = _text_card(*CARDS["one-line"])
    logo = Image.open(logo_path).convert("RGBA")
    logo = logo.resize((480, round(logo.height * 480 / logo.width)))
    card.paste(logo, (120, 360), logo)
    path = tmp_path / "card-with-logo.png"
    card.save(path)
    findings = _near(screen_media(path, packs=[load_pack("ip")], bank=bank, embedder=None)[0])
    assert [f.reference for f in findings] == ["ref:1"], [f.message for f in findings]


def test_phash_alone_needs_pdq_and_outlines_of_the_same_comparison():
    from studio.compliance.visual import PHASH_MAX_PDQ, PHASH_MIN_OUTLINES, _phash_counts

    asked: list[int] = []

    def outlines(value: float):
        def measure() -> float:
            asked.append(1)
            return value

        return measure

    assert _phash_counts(20, outlines(0.0)) and not asked  # PDQ agrees: no outline check needed
    assert _phash_counts(PHASH_MAX_PDQ, outlines(PHASH_MIN_OUTLINES))
    assert not _phash_counts(PHASH_MAX_PDQ, outlines(PHASH_MIN_OUTLINES - 0.01))  # a text card's outlines
    assert not _phash_counts(PHASH_MAX_PDQ + 1, outlines(1.0))  # a look-alike emblem: PDQ 94
    # a half or a quarter of a region: only with PDQ agreement (a template's corner is in every icon made from it)
    assert _phash_counts(20, outlines(0.0), whole=False)
    assert not _phash_counts(PHASH_MAX_PDQ, outlines(1.0), whole=False)


def _app_icon(glyph: str, size: int = 512) -> Image.Image:
    """An app icon: a rounded square with a blue gradient on white and a white glyph (Noto Sans TC Bold)."""
    y = np.linspace(0, 1, size)[:, None, None]
    gradient = (np.array((40, 120, 220)) * (1 - y) + np.array((20, 40, 120)) * y) * np.ones((1, size, 1))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle([32, 32, size - 32, size - 32], radius=110, fill=255)
    icon = Image.new("RGB", (size, size), (255, 255, 255))
    icon.paste(Image.fromarray(gradient.astype(np.uint8)), (0, 0), mask)
    font = ImageFont.truetype(str(assets_dir() / "fonts" / "NotoSansTC-Bold.otf"), 260)
    ImageDraw.Draw(icon).text((size / 2, size / 2), glyph, font=font, fill=(255, 255, 255), anchor="mm")
    return icon


def test_an_icon_of_the_same_template_with_another_glyph_is_not_a_copy(tmp_path, bank):
    """fresh2's look-alike app icons: the same squircle and gradient, another glyph, came within pHash 10 of a
    protected icon at PDQ 38-80 with agreeing outlines; the glyph is the picture, and PDQ sees it."""
    from studio.compliance import hashes
    from studio.compliance.align import outline_agreement

    protected, other = np.asarray(_app_icon("N")), np.asarray(_app_icon("X"))
    a, b = hashes.canonical(protected), hashes.canonical(other)
    pdq_d = int(hashes.hamming(hashes.pdq(a)[0][None], hashes.pdq(b)[0][None])[0, 0])
    phash_d = int(np.asarray(hashes.hamming(np.atleast_1d(hashes.phash_grey(hashes.grey32(a))),
                                            np.atleast_1d(hashes.phash_grey(hashes.grey32(b))))).ravel()[0])  # fmt: skip
    # the case this is about: pHash close, outlines agree, PDQ far from a match
    assert phash_d <= 10 and 40 <= pdq_d <= 88 and outline_agreement(other, protected) >= 0.75
    Image.fromarray(protected).save(tmp_path / "icon.png")
    bank.add([tmp_path / "icon.png"], owner="Rival Co")
    Image.fromarray(other).save(tmp_path / "other.png")
    findings = _near(
        screen_media(tmp_path / "other.png", packs=[load_pack("ip")], bank=bank, embedder=None)[0]
    )
    assert not findings, [f.message for f in findings]
    # the protected icon itself, recompressed, still is
    Image.fromarray(protected).resize((300, 300)).save(tmp_path / "copy.jpg", quality=70)
    findings = _near(
        screen_media(tmp_path / "copy.jpg", packs=[load_pack("ip")], bank=bank, embedder=None)[0]
    )
    assert [f.reference for f in findings] == ["ref:1"]


# -- the frame is the picture, part of it covered -----------------------------------------------------------------
def _photo(seed: int, size: tuple[int, int] = (1008, 756)) -> Image.Image:
    """A photo-like picture (smooth colour noise, a dozen discs, grain) of ``size``: large enough that its
    400 px feature image and the frame share few ORB scales, as with the benchmark's plush photos."""
    from PIL import ImageFilter

    rng = np.random.default_rng(seed)
    w, h = size
    small = rng.uniform(0, 255, (h // 24, w // 24, 3)).astype(np.uint8)
    image = Image.fromarray(small).resize(size, Image.BICUBIC).filter(ImageFilter.GaussianBlur(6))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.03, 0.12) * w
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    grain = np.asarray(image, np.float32) + rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8))


def _caption_band(picture: Image.Image, share: float = 0.3, top: bool = False) -> Image.Image:
    out = picture.copy()
    draw = ImageDraw.Draw(out)
    y0 = 0 if top else int(out.height * (1 - share))
    y1 = y0 + int(out.height * share)
    draw.rectangle([0, y0, out.width, y1], fill=(30, 20, 40))
    font = ImageFont.truetype(
        str(assets_dir() / "fonts" / "NotoSansTC-Bold.otf"), int(out.height * share * 0.4)
    )
    draw.text((int(out.width * 0.05), y0 + int(out.height * share * 0.2)), "限時優惠 SALE", font=font,
              fill=(255, 255, 255))  # fmt: skip
    return out


def _sticker(picture: Image.Image, centre: tuple[float, float]) -> Image.Image:
    out = picture.copy()
    draw = ImageDraw.Draw(out)
    r = int(np.sqrt(0.2 * out.width * out.height / np.pi))
    cx, cy = int(out.width * centre[0]), int(out.height * centre[1])
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(200, 30, 40))
    draw.text((cx - r * 0.6, cy - r * 0.2), "-50%", font=ImageFont.truetype("DejaVuSans-Bold.ttf", r // 3),
              fill=(255, 255, 255))  # fmt: skip
    return out


EDITS = {
    "band-bottom-30": lambda p: _caption_band(p, 0.3),
    "band-top-25": lambda p: _caption_band(p, 0.25, top=True),
    "sticker-right": lambda p: _sticker(p, (0.72, 0.6)),
    "mirrored-band": lambda p: _caption_band(p.transpose(Image.FLIP_LEFT_RIGHT), 0.3),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_covered_copy_shown_whole_is_found_without_keypoints(tmp_path, bank, edit):
    # before: keypoints found no alignment (the band's glyphs took the frame's keypoints, and a 1008 px photo
    # shares few ORB scales with its 400 px feature image), and the whole-frame hashes saw the band too
    picture = _photo(1)
    picture.save(tmp_path / "photo.png")
    bank.add([tmp_path / "photo.png"], owner="Photo Agency")
    EDITS[edit](picture).save(tmp_path / "query.png")
    findings = _near(
        screen_media(tmp_path / "query.png", packs=[load_pack("ip")], bank=bank, embedder=None)[0]
    )
    assert [f.reference for f in findings] == ["ref:1"], [f.message for f in findings]
    assert "whole frame" in findings[0].message and "matches (the rest may be covered)" in findings[0].message


def test_a_banded_unrelated_picture_of_the_same_shape_is_not_a_copy(tmp_path, bank):
    for seed in (1, 2):
        _photo(seed).save(tmp_path / f"photo{seed}.png")
    bank.add([tmp_path / "photo1.png", tmp_path / "photo2.png"], owner="Photo Agency")
    for seed in (3, 4, 5):
        _caption_band(_photo(seed), 0.3).save(tmp_path / "query.png")
        findings = _near(
            screen_media(tmp_path / "query.png", packs=[load_pack("ip")], bank=bank, embedder=None)[0]
        )
        assert not findings, (seed, [f.message for f in findings])


def test_outline_agreement_leaves_out_the_regions_border():
    # an aligned region often reaches the copy's surroundings at its border (a photo card's white border, a
    # tilt's fill): those edges are not the picture's and must not halve its agreement
    from studio.compliance.align import outline_agreement

    reference = Image.new("RGB", (400, 300), (128, 128, 128))
    ImageDraw.Draw(reference).ellipse([140, 90, 260, 210], fill=(230, 230, 230))
    region = reference.copy()
    draw = ImageDraw.Draw(region)
    draw.rectangle([0, 0, 3, 299], fill=(255, 255, 255))  # the card's border along the left side
    draw.rectangle([0, 296, 399, 299], fill=(40, 90, 60))  # the stage below
    assert outline_agreement(np.asarray(region), np.asarray(reference)) >= 0.9
