"""visual6: the shared rim of a layout (a plate's border) is no evidence of a copy; the interior has to agree."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import parse_pack
from studio.compliance.visual import VisualOptions, _interior_agrees, screen_media
from studio.store import open_store
from tests.helpers import NEAR_COPY_PACK


def _plate(motif_seed: int, side: int = 512) -> Image.Image:
    """A round plate: the same rim on every plate (a dark band with a ring of tinted dots), a motif of a few
    ellipses of its own in the middle."""
    img = np.full((side, side, 3), 245, np.uint8)
    c = side // 2
    cv2.circle(img, (c, c), int(side * 0.48), (150, 60, 20), -1)
    cv2.circle(img, (c, c), int(side * 0.40), (250, 250, 250), -1)
    rim = np.random.default_rng(0)
    for k in range(24):
        a = 2 * np.pi * k / 24
        v = int(rim.integers(0, 255))
        centre = (int(c + side * 0.44 * np.cos(a)), int(c + side * 0.44 * np.sin(a)))
        cv2.circle(img, centre, side // 30, (v, v, 255), -1)
    rng = np.random.default_rng(motif_seed)
    for _ in range(6):
        x, y = rng.integers(int(side * 0.3), int(side * 0.7), 2)
        axes = (int(rng.integers(8, 40)), int(rng.integers(4, 20)))
        cv2.ellipse(img, (int(x), int(y)), axes, float(rng.uniform(0, 180)), 0, 360, (200, 170, 150), -1)
    return Image.fromarray(img)


@pytest.fixture
def plate_bank(tmp_path):
    bank = ReferenceBank(open_store())
    path = tmp_path / "plate.png"
    _plate(1).save(path)
    bank.add([path], owner="Rival Co", kind="protected")
    return bank


# keypoints off: the whole-frame hashes are what a plate of the same rim came within PDQ 24-30 / pHash 6-8 of
@pytest.mark.parametrize("seed", [3, 9, 10, 11])
def test_same_rim_other_motif_is_not_a_copy(tmp_path, plate_bank, seed):
    path = tmp_path / f"lookalike{seed}.png"
    _plate(seed).save(path)
    findings, _, _ = screen_media(
        path,
        packs=[parse_pack(NEAR_COPY_PACK)],
        bank=plate_bank,
        embedder=None,
        options=VisualOptions(keypoints=False),
    )
    assert findings == []


def test_the_plate_itself_is_still_found(tmp_path, plate_bank):
    path = tmp_path / "copy.jpg"
    _plate(1).resize((400, 400)).save(path, quality=60)
    findings, _, _ = screen_media(
        path,
        packs=[parse_pack(NEAR_COPY_PACK)],
        bank=plate_bank,
        embedder=None,
        options=VisualOptions(keypoints=False),
    )
    assert [f.rule for f in findings] == ["ip.near-copy"]
    assert findings[0].score <= 10


def test_interior_agreement():
    ref = np.asarray(_plate(1))
    assert _interior_agrees(ref, ref, 50)
    assert not _interior_agrees(np.asarray(_plate(3)), ref, 50)
    flat = np.full_like(ref, 128)
    assert _interior_agrees(flat, ref, 50)  # a flat interior holds nothing to disagree with
    assert _interior_agrees(ref[:20, :20], ref[:20, :20], 50)  # too small to have an interior
