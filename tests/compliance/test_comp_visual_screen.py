"""screen_media on real files: near-copies, small copies inside a frame, videos, CLIP plumbing, bad input."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import RulePack, load_pack, parse_pack
from studio.compliance.visual import VisualOptions, screen_media
from studio.errors import InputError
from studio.store import open_store

PACK = """
pack: test-ip
version: 3
rules:
  - id: ip.near-copy
    detector: reference
    action: block
    legal: 著作權法 第91條
    pdq_max_distance: 31
    phash_max_distance: 10
    clip_threshold: 0.88
    reference_kinds: [protected]
  - id: ip.licensed-asset
    detector: reference
    action: warn
    pdq_max_distance: 31
    phash_max_distance: 10
    reference_kinds: [licensed]
"""


@pytest.fixture
def pack() -> RulePack:
    return parse_pack(PACK)


@pytest.fixture
def bank(tmp_path, media):
    bank = ReferenceBank(open_store())
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"brand{seed}.png"
        media.logo(seed).save(path)
        paths.append(path)
    bank.add(paths, owner="Rival Co", licence="all rights reserved", kind="protected")
    own = tmp_path / "ours.png"
    media.logo(3).save(own)
    bank.add([own], owner="Our brand", kind="licensed")
    return bank


def _ids(bank):
    return {r.name: r.label for r in bank.list()}


def _save(image: Image.Image, path, **kwargs):
    image.save(path, **kwargs)
    return path


def test_exact_and_edited_copies_are_blocked(tmp_path, media, bank, pack):
    ids = _ids(bank)
    logo = media.logo(1)
    buffer = io.BytesIO()
    logo.resize((300, 300)).save(buffer, "JPEG", quality=25)
    cases = {
        "exact.png": logo,
        "small_jpeg.jpg": Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"),
        "mirrored.png": logo.transpose(Image.FLIP_LEFT_RIGHT),
        "rotated.png": logo.transpose(Image.ROTATE_90),
    }
    for name, image in cases.items():
        findings, run, skipped = screen_media(
            _save(image, tmp_path / name), packs=[pack], bank=bank, embedder=None
        )
        assert [f.reference for f in findings] == [ids["brand1.png"]], name
        f = findings[0]
        assert (f.rule, f.action, f.legal, f.frame, f.time) == (
            "ip.near-copy",
            "block",
            "著作權法 第91條",
            0,
            0.0,
        )
        assert f.detector in ("pdq", "phash")
        assert f.score <= f.threshold and f.threshold in (31, 10)
        assert f.box == (0, 0, image.width, image.height)
        assert "Rival Co" in f.message
        assert run == ["pdq", "phash"]
        assert "clip_reference" in skipped and "studio models pull clip" in skipped["clip_reference"]


def test_small_copy_inside_a_frame_is_located(tmp_path, media, bank, pack):
    frame = media.paste(media.scene(20, size=(1080, 1920)), media.logo(2), (600, 1200, 930, 1530))
    path = _save(frame, tmp_path / "ad_frame.jpg", quality=85)
    findings, _, _ = screen_media(path, packs=[pack], bank=bank, embedder=None)
    assert [f.reference for f in findings] == [_ids(bank)["brand2.png"]]
    f = findings[0]
    assert "keypoints aligned" in f.message
    # the box is in the source image's pixels (it was screened downscaled to 1280)
    x0, y0, x1, y1 = f.box
    inter = max(0, min(x1, 930) - max(x0, 600)) * max(0, min(y1, 1530) - max(y0, 1200))
    union = (x1 - x0) * (y1 - y0) + 330 * 330 - inter
    assert inter / union > 0.8


def test_licensed_assets_only_warn(tmp_path, media, bank, pack):
    findings, _, _ = screen_media(
        _save(media.logo(3), tmp_path / "ours.jpg"), packs=[pack], bank=bank, embedder=None
    )
    assert [(f.rule, f.action, f.reference) for f in findings] == [
        ("ip.licensed-asset", "warn", _ids(bank)["ours.png"])
    ]


def test_unrelated_pictures_pass(tmp_path, media, bank, pack):
    for seed in range(30, 36):
        picture = media.scene(seed) if seed % 2 else media.logo(seed)
        findings, _, _ = screen_media(_save(picture, tmp_path / f"other{seed}.jpg"), packs=[pack], bank=bank,
                                      embedder=None)  # fmt: skip
        assert findings == [], seed


def test_video_finding_has_time_frame_and_box(tmp_path, media, bank, pack):
    background = media.scene(40, size=(540, 960))
    shown = media.paste(background, media.logo(1), (100, 300, 440, 640))
    video = media.video(tmp_path / "ad.mp4", [background, background, shown, shown], 1.0)
    findings, _, _ = screen_media(video, packs=[pack], bank=bank, embedder=None)
    assert len(findings) == 1  # four sampled frames with the logo merge into one finding
    f = findings[0]
    assert f.reference == _ids(bank)["brand1.png"] and f.rule == "ip.near-copy"
    assert 2.0 <= f.time <= 4.0 and f.frame == round(f.time * 30)
    assert "sampled frame(s)" in f.message
    x0, y0, x1, y1 = f.box
    assert abs(x0 - 100) < 25 and abs(y0 - 300) < 25 and abs(x1 - 440) < 25 and abs(y1 - 640) < 25


def test_repeated_frames_are_reused_without_changing_the_result(tmp_path, media, bank, pack):
    shown = media.paste(media.scene(41, size=(540, 960)), media.logo(2), (50, 50, 350, 350))
    video = media.video(tmp_path / "still.mp4", [shown], 3.0)
    fast, _, _ = screen_media(video, packs=[pack], bank=bank, embedder=None)
    slow, _, _ = screen_media(video, packs=[pack], bank=bank, embedder=None,
                              options=VisualOptions(skip_repeats=False))  # fmt: skip
    assert [(f.rule, f.reference, f.time) for f in fast] == [(f.rule, f.reference, f.time) for f in slow]
    assert len(fast) == 1


def test_empty_bank_still_screens_and_says_so(tmp_path, media, pack):
    empty = ReferenceBank(open_store())
    findings, run, skipped = screen_media(_save(media.logo(1), tmp_path / "a.png"), packs=[pack], bank=empty,
                                          embedder=None)  # fmt: skip
    assert findings == [] and run == []
    assert "reference bank is empty" in skipped["pdq"] and "studio refs add" in skipped["pdq"]
    assert set(skipped) == {"pdq", "phash", "clip_reference"}


def test_clip_reference_and_concepts_with_the_tiny_model(tmp_path, media, bank, tiny_clip):
    from studio.compliance.embed import ClipEmbedder

    embedder = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    clip_only = parse_pack("""
pack: clip-test
version: 1
rules:
  - id: ip.clip
    detector: reference
    action: review
    clip_threshold: 0.999
  - id: concept.always
    detector: clip_concept
    action: warn
    threshold: -1.0
    concepts: [a photo of a logo]
  - id: concept.never-beats-itself
    detector: clip_concept
    action: block
    threshold: -1.0
    concepts: [a photo of a logo]
    negatives: [a photo of a logo]
  - id: concept.too-high
    detector: clip_concept
    action: block
    threshold: 1.01
    concepts: [a photo of a logo]
""")
    path = _save(media.logo(2), tmp_path / "copy.png")
    findings, run, skipped = screen_media(path, packs=[clip_only], bank=bank, embedder=embedder)
    assert run == ["clip_reference", "clip_concept"] and skipped == {}
    by_rule = {f.rule: f for f in findings}
    assert set(by_rule) == {"ip.clip", "concept.always"}
    # an image that IS a reference has cosine ~1 even with random weights
    assert by_rule["ip.clip"].detector == "clip_reference"
    assert by_rule["ip.clip"].score == pytest.approx(1.0, abs=1e-4)
    assert by_rule["ip.clip"].reference == _ids(bank)["brand2.png"]
    assert by_rule["concept.always"].reference == "a photo of a logo"
    assert (
        by_rule["concept.always"].detector == "clip_concept" and by_rule["concept.always"].threshold == -1.0
    )


def test_shipped_packs_run_weight_free(tmp_path, media, bank):
    packs = [load_pack("ip"), load_pack("platform-general")]
    findings, run, skipped = screen_media(_save(media.logo(1), tmp_path / "x.png"), packs=packs, bank=bank,
                                          embedder=None)  # fmt: skip
    assert {f.rule for f in findings} == {"ip.near-copy"}
    assert "pdq" in run and "clip_concept" in skipped and "clip_reference" in skipped


def test_category_filters_rules(tmp_path, media, bank, pack):
    only_food = RulePack(
        name="p", version=1, rules=tuple(replace(r, applies_to=("food",)) for r in pack.rules)
    )
    path = _save(media.logo(1), tmp_path / "x.png")
    assert screen_media(path, packs=[only_food], bank=bank, embedder=None, category="alcohol")[0] == []
    assert len(screen_media(path, packs=[only_food], bank=bank, embedder=None, category="food")[0]) == 1


def test_bad_files_are_input_errors(tmp_path, media, bank, pack):
    corrupt = tmp_path / "corrupt.jpg"
    good = io.BytesIO()
    media.logo(1).save(good, "JPEG")
    corrupt.write_bytes(good.getvalue()[:300])
    text = tmp_path / "readme.png"
    text.write_text("hello")
    gif = tmp_path / "x.tga"
    media.logo(1).save(gif, "TGA")
    for path, expected in ((corrupt, "corrupt.jpg"), (text, "readme.png"), (gif, "not supported"),
                           (tmp_path / "nope.png", "does not exist")):  # fmt: skip
        with pytest.raises(InputError, match=expected):
            screen_media(path, packs=[pack], bank=bank, embedder=None)
    # even with nothing to compare against, a broken file is an error, not a pass
    with pytest.raises(InputError, match="corrupt.jpg"):
        screen_media(
            corrupt, packs=[pack], bank=ReferenceBank(open_store(tmp_path / "other.db")), embedder=None
        )


def test_huge_images(tmp_path, bank, pack):
    import struct
    import zlib

    from studio.images import MAX_PIXELS

    # a PNG whose header says 12000x7000 (84 MP): refused from the header, before decoding anything
    small = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(small, "PNG")
    data = bytearray(small.getvalue())
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes of fields
    ihdr[4:12] = struct.pack(">II", 12000, 7000)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    over = tmp_path / "over.png"
    over.write_bytes(bytes(data))
    assert 12000 * 7000 > MAX_PIXELS
    with pytest.raises(InputError, match="over 80 MP"):
        screen_media(over, packs=[pack], bank=bank, embedder=None)
    # a 35 MP photo is screened, downscaled before hashing
    big = tmp_path / "big.jpg"
    picture = np.zeros((5000, 7000, 3), np.uint8)
    picture[:, :, 1] = np.linspace(0, 255, 7000, dtype=np.uint8)[None, :]
    Image.fromarray(picture).save(big, quality=80)
    findings, run, _ = screen_media(big, packs=[pack], bank=bank, embedder=None)
    assert findings == [] and "pdq" in run


def test_copy_partly_covered_by_a_caption_is_found(tmp_path, media, bank, pack):
    from PIL import ImageDraw

    frame = media.paste(media.scene(21, size=(1080, 1920)), media.logo(1), (300, 600, 780, 1080))
    draw = ImageDraw.Draw(frame)
    draw.rectangle([300, 930, 780, 1080], fill=(0, 0, 0))  # a caption band over the bottom 31 % of the copy
    draw.text((320, 950), "SALE 50% OFF", fill=(255, 255, 255))
    findings, _, _ = screen_media(_save(frame, tmp_path / "captioned.jpg", quality=90), packs=[pack], bank=bank,
                                  embedder=None)  # fmt: skip
    assert [f.reference for f in findings] == [_ids(bank)["brand1.png"]]
    assert "keypoints aligned" in findings[0].message  # located under the band, verified by the hashes


def test_a_reference_whose_image_is_gone_still_matches_by_hash(tmp_path, media, bank, pack, tiny_clip):
    from studio.compliance.embed import ClipEmbedder

    embedder = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    gone = bank.list()[0]
    gone.path.unlink()
    fresh = ReferenceBank(bank.store)
    findings, run, skipped = screen_media(_save(media.logo(1), tmp_path / "copy.png"), packs=[pack], bank=fresh,
                                          embedder=embedder)  # fmt: skip
    # found from the hashes kept in the store; CLIP cannot embed it (no image, no stored vector) so never matches
    assert [f.reference for f in findings if f.detector in ("pdq", "phash")] == [gone.label]
    assert not [f for f in findings if f.reference == gone.label and f.detector == "clip_reference"]
    # ... and the missing image is a failed check (review), never a silent skip
    (failed,) = [f for f in findings if f.rule == "gate.check-failed"]
    assert (
        failed.action == "review" and failed.detector == "reference_images" and gone.label in failed.message
    )
    assert "clip_reference" in run and "keypoints" not in skipped


def test_clip_runs_on_a_sparser_grid_plus_every_cut(tmp_path, media, bank, tiny_clip):
    from studio.compliance.embed import ClipEmbedder

    calls: list[int] = []

    class Counting(ClipEmbedder):
        def embed_images(self, images):
            calls.append(len(images))
            return super().embed_images(images)

    base = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    embedder = Counting(model_name=base.model_name, weights=base.weights, local_dir=None, name=base.name)
    concept = parse_pack(
        "pack: c\nversion: 1\nrules:\n  - id: c.any\n    detector: clip_concept\n    action: warn\n"
        "    threshold: -1.0\n    concepts: [a photo]\n"
    )
    blue, orange = Image.new("RGB", (320, 568), (20, 40, 200)), Image.new("RGB", (320, 568), (240, 140, 20))
    shots = [
        media.scene(60, size=(320, 568)),
        blue,
        media.scene(61, size=(320, 568)),
        orange,
    ]  # a cut a second
    video = media.video(tmp_path / "cuts.mp4", shots, 1.0)
    findings, run, _ = screen_media(video, packs=[concept], bank=bank, embedder=embedder,
                                    options=VisualOptions(fps=2.0, clip_fps=0.25, clip_grid=2))  # fmt: skip
    assert run == ["clip_concept"]
    # 8 sampled frames; CLIP on the first and on the three cuts only, 6 crops each (frame, centre, 2x2)
    assert calls == [6, 6, 6, 6]
    assert len(findings) == 1 and "from 0.0 s" in findings[0].message  # one run: CLIP's gap is 2.5 / clip_fps
