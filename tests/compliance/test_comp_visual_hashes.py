"""PDQ and pHash: bit-exact agreement with ImageHash, packing, dihedral variants, measured robustness."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image

from studio.compliance import hashes


def _array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_phash_matches_imagehash_bit_for_bit(media, seed):
    grey = hashes.grey32(hashes.canonical(_array(media.scene(seed))))
    assert grey.shape == (32, 32) and grey.dtype == np.uint8
    ours = hashes.to_hex(hashes.phash_grey(grey)[0])
    assert ours == str(imagehash.phash(Image.fromarray(grey)))


def test_phash_batch_equals_single(media):
    canon = np.stack([hashes.canonical(_array(media.logo(s))) for s in range(6)])
    batch = hashes.phash_grey(hashes.grey32(canon))
    single = [hashes.phash_grey(hashes.grey32(c))[0] for c in canon]
    assert batch.shape == (6,) and batch.dtype == np.uint64
    assert list(batch) == single


def test_hex_and_blob_round_trips(media):
    words, quality = hashes.pdq(_array(media.logo(3)))
    assert words.shape == (4,) and words.dtype == np.uint64 and 0 <= quality <= 100
    text = hashes.to_hex(words)
    assert len(text) == 64
    assert np.array_equal(hashes.from_hex(text), words)
    stack = np.stack([words, ~words])
    assert np.array_equal(hashes.words_from_bytes(hashes.words_to_bytes(stack), 4), stack)
    with pytest.raises(ValueError, match="not a packed hash"):
        hashes.from_hex("xyz")
    with pytest.raises(ValueError, match="whole number"):
        hashes.words_from_bytes(b"123", 4)


def test_hamming_counts_bits():
    a = np.array([[0, 0, 0, 0], [np.iinfo(np.uint64).max, 0, 0, 1]], dtype=np.uint64)
    b = np.array([[0, 0, 0, 0b111]], dtype=np.uint64)
    assert hashes.hamming(a, b).tolist() == [[3], [66]]
    assert hashes.hamming(np.array([5], np.uint64), np.array([6, 5], np.uint64)).tolist() == [[2, 0]]
    assert hashes.hamming(a, np.zeros((0, 4), np.uint64)).shape == (2, 0)
    with pytest.raises(ValueError, match="widths differ"):
        hashes.hamming(a, np.zeros((1, 2), np.uint64))


def test_dihedral_variants_match_transformed_images(media):
    image = _array(media.scene(7))
    variants, _ = hashes.pdq_dihedral(image)
    assert variants.shape == (8, 4)
    flipped, _ = hashes.pdq(np.ascontiguousarray(image[:, ::-1]))
    rotated, _ = hashes.pdq(np.ascontiguousarray(np.rot90(image)))
    distances_flip = hashes.hamming(flipped[None], variants)[0]
    distances_rot = hashes.hamming(rotated[None], variants)[0]
    # the mirrored / rotated image matches its own variant and not the upright one
    assert distances_flip.min() <= 8 and distances_flip[0] > hashes.PDQ_MATCH_DISTANCE
    assert distances_rot.min() <= 8 and distances_rot[0] > hashes.PDQ_MATCH_DISTANCE
    assert hashes.DIHEDRAL_NAMES[int(distances_flip.argmin())] == "flip_y"
    assert hashes.DIHEDRAL_NAMES[int(distances_rot.argmin())] == "rotate90"


def test_pdq_separates_a_recompressed_copy_from_another_picture(media):
    original = media.scene(11)
    buffer = io.BytesIO()
    original.resize((360, 480)).save(buffer, "JPEG", quality=25)
    copy = Image.open(io.BytesIO(buffer.getvalue()))
    a, qa = hashes.pdq(_array(original))
    b, _ = hashes.pdq(_array(copy))
    c, _ = hashes.pdq(_array(media.scene(12)))
    assert qa >= hashes.PDQ_MIN_QUALITY
    assert hashes.hamming(a[None], b[None])[0, 0] <= 16
    assert hashes.hamming(a[None], c[None])[0, 0] > 64


def test_canonical_rejects_wrong_inputs():
    with pytest.raises(ValueError, match="uint8"):
        hashes.canonical(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        hashes.canonical(np.zeros((10, 10, 5), np.uint8))
    grey = hashes.canonical(np.full((5, 7), 128, np.uint8))  # greyscale and tiny inputs are fine
    assert grey.shape == (64, 64, 3)
    with pytest.raises(ValueError, match="expects"):
        hashes.pdq_many(np.zeros((2, 32, 32, 3), np.uint8))
