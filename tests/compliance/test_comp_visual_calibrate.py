"""Threshold calibration: the choice rule itself, and a real labelled folder screened end to end."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image, ImageFilter

from studio.compliance.calibrate import calibrate, calibrate_folder, choose_threshold
from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import load_pack, parse_pack
from studio.errors import InputError
from studio.store import open_store


def test_choose_distance_threshold_best_recall_at_precision():
    positives = [0, 4, 12, 40, 70, math.inf]
    negatives = [60, 90, 100, math.inf]
    strict = choose_threshold(positives, negatives, precision=1.0, lower_is_match=True, limit=128)
    # 40 is the loosest threshold without a false positive; widened halfway to the negative at 60
    assert strict.threshold == 50 and strict.true_positives == 4 and strict.false_positives == 0
    assert strict.recall == pytest.approx(4 / 6) and strict.precision == 1.0 and strict.met
    loose = choose_threshold(positives, negatives, precision=0.8, lower_is_match=True, limit=128)
    assert loose.threshold == 80 and (loose.true_positives, loose.false_positives) == (5, 1)


def test_choose_similarity_threshold():
    choice = choose_threshold(
        [0.95, 0.91, 0.6], [0.7, 0.2, 0.1], precision=1.0, lower_is_match=False, limit=-1
    )
    assert choice.threshold == pytest.approx(0.805) and choice.true_positives == 2 and choice.met


def test_unreachable_target_is_reported():
    choice = choose_threshold([50, 60], [10, 20], precision=0.99, lower_is_match=True, limit=128)
    assert not choice.met and choice.true_positives == 0 and choice.false_positives == 0
    assert choice.threshold == 9
    with pytest.raises(InputError, match="precision"):
        choose_threshold([1], [2], precision=0, lower_is_match=True)


@pytest.fixture
def labelled(tmp_path, media):
    """A bank of two logos; positives are edited copies, negatives unrelated pictures."""
    refs = []
    for seed in (1, 2):
        path = tmp_path / f"ref{seed}.png"
        media.logo(seed).save(path)
        refs.append(path)
    bank = ReferenceBank(open_store())
    bank.add(refs, owner="Rival")
    root = tmp_path / "labelled"
    pos = root / "positive" / "ip.near-copy"
    neg = root / "negative" / "misc"
    pos.mkdir(parents=True)
    neg.mkdir(parents=True)
    for seed in (1, 2):
        logo = media.logo(seed)
        buffer = io.BytesIO()
        logo.save(buffer, "JPEG", quality=20)
        Image.open(io.BytesIO(buffer.getvalue())).save(pos / f"jpeg{seed}.png")
        logo.filter(ImageFilter.GaussianBlur(3)).save(pos / f"blur{seed}.png")
        logo.resize((200, 200)).save(pos / f"small{seed}.png")
    for seed in range(50, 56):
        (media.logo(seed) if seed % 2 else media.scene(seed)).save(neg / f"other{seed}.jpg")
    return root, bank


def test_calibrate_folder_end_to_end(labelled):
    root, bank = labelled
    pack = load_pack("ip")
    result = calibrate_folder(root, pack, bank=bank, precision=0.99)
    assert result.pack.version == pack.version + 1
    assert result.files == {"negative": 6, "ip.near-copy": 6}
    chosen = result.choices["ip.near-copy"]
    assert set(chosen) == {"pdq_max_distance", "phash_max_distance"}  # CLIP skipped: no embedder
    assert "ip.near-copy:clip_threshold" in result.skipped and "ip.similar" in result.skipped
    for name, choice in chosen.items():
        assert choice.met and choice.false_positives == 0
        assert getattr(result.pack.rule("ip.near-copy"), name) == int(choice.threshold)
    assert chosen["phash_max_distance"].recall == 1.0
    # PDQ ignores hashes of quality < 50 (flat pictures), so it may miss copies that pHash catches
    assert chosen["pdq_max_distance"].recall >= 0.5
    # the loosest PDQ threshold still has a margin below the closest unrelated picture
    assert 0 < chosen["pdq_max_distance"].threshold < 128
    assert "ip.near-copy pdq_max_distance" in result.summary()
    assert result.to_json()["rules"]["ip.near-copy"]["pdq_max_distance"]["met"] is True


def test_calibrate_writes_a_pack_that_loads(labelled, tmp_path):
    root, bank = labelled
    out = tmp_path / "ip-calibrated.yaml"
    pack = calibrate(root, "ip", 0.95, bank=bank, out=out)
    again = load_pack(out)
    assert again == pack and again.version == load_pack("ip").version + 1


def test_calibration_folder_errors(tmp_path, labelled):
    root, bank = labelled
    pack = load_pack("ip")
    with pytest.raises(InputError, match="does not exist"):
        calibrate_folder(tmp_path / "nope", pack, bank=bank)
    bare = tmp_path / "bare"
    bare.mkdir()
    with pytest.raises(InputError, match="positive/<rule-id>/ and negative/"):
        calibrate_folder(bare, pack, bank=bank)
    (root / "positive" / "ip.typo").mkdir()
    with pytest.raises(InputError, match="ip.typo"):
        calibrate_folder(root, pack, bank=bank)
    (root / "positive" / "ip.typo").rmdir()
    text_pack = parse_pack(
        "pack: t\nversion: 1\nrules:\n  - id: ip.near-copy\n    detector: phrase\n    action: warn\n"
        "    phrases: [x]\n"
    )
    with pytest.raises(InputError, match="Nothing to calibrate"):
        calibrate_folder(root, text_pack, bank=bank)


def test_clip_thresholds_are_calibrated_with_an_embedder(labelled, tiny_clip, media):
    from studio.compliance.embed import ClipEmbedder

    root, bank = labelled
    embedder = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    pack = parse_pack(
        "pack: mixed\nversion: 4\nrules:\n"
        "  - id: ip.near-copy\n    detector: reference\n    action: block\n    pdq_max_distance: 31\n"
        "    clip_threshold: 0.9\n"
        "  - id: c.logo\n    detector: clip_concept\n    action: warn\n    threshold: 0.3\n"
        "    concepts: [a logo]\n"
    )
    concept_dir = root / "positive" / "c.logo"
    concept_dir.mkdir()
    for seed in (70, 71):
        media.logo(seed).save(concept_dir / f"logo{seed}.png")
    result = calibrate_folder(root, pack, bank=bank, embedder=embedder, precision=0.5)
    assert set(result.choices) == {"ip.near-copy", "c.logo"}
    assert set(result.choices["ip.near-copy"]) == {"pdq_max_distance", "clip_threshold"}
    concept = result.choices["c.logo"]["threshold"]
    assert concept.positives == 2 and concept.negatives == 6
    assert -1.0 <= result.pack.rule("c.logo").threshold <= 1.0
    assert result.pack.rule("c.logo").threshold == round(concept.threshold, 4)
    assert result.pack.version == 5 and result.skipped == {}
