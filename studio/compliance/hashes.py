"""Perceptual hashes for near-copy detection: PDQ (Meta's ``pdqhash``) and pHash (the ImageHash algorithm).

Every image, crop or video frame is first brought to one canonical form, a ``HASH_SIDE`` x ``HASH_SIDE`` RGB
array made with the same area resampling, so references and queries are always hashed by the same decoder and
resampler (the PDQ authors' advice; a different JPEG decoder or resizer alone moves hashes by several bits).

* PDQ: 256 bits and a quality in 0..100 (``pdqhash.compute``); a match is a Hamming distance <= 31 and hashes
  with quality < 50 (flat or featureless images) are not trusted. ``pdq_dihedral`` gives the hashes of the 8
  rotations/flips in one pass, so a flipped or 90-degree-rotated copy still matches the stored variants.
* pHash: 64 bits, ImageHash's ``phash`` (32x32 grey, 2-D DCT-II, the 8x8 low band against its median), computed
  for a whole batch at once. On the same 32x32 grey input it equals ``imagehash.phash`` bit for bit (tested).

Hashes are packed as ``uint64`` words: PDQ ``[..., 4]``, pHash ``[...]``. ``hamming`` compares two sets pairwise
with a population count, so screening a frame against a whole bank is one vectorised call.
"""

from __future__ import annotations

import numpy as np

HASH_SIDE = 64  # canonical side in pixels: PDQ works on a 64x64 luma buffer, so nothing is lost
PHASH_SIDE = 32  # ImageHash's pHash: hash_size 8 x highfreq_factor 4
PDQ_MATCH_DISTANCE = 31  # the PDQ authors' match threshold (ThreatExchange pdq/README.md)
PDQ_MIN_QUALITY = 50  # below this PDQ hashes of flat images are unreliable

# The 8 dihedral variants in the order pdqhash returns them; each maps an image array to its transform.
DIHEDRAL_NAMES: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


def canonical(rgb: np.ndarray, side: int = HASH_SIDE) -> np.ndarray:
    """Resize ``rgb`` ([H, W, 3] uint8, any size >= 1 px) to the canonical ``[side, side, 3]`` uint8 array.

    Area averaging when shrinking (no aliasing from JPEG blocks or noise), bilinear when enlarging. The aspect
    ratio is not kept: PDQ and pHash squash every input to a square anyway.
    """
    import cv2

    array = _as_rgb_uint8(rgb)
    height, width = array.shape[:2]
    if (height, width) == (side, side):
        return np.ascontiguousarray(array)
    interpolation = cv2.INTER_AREA if height >= side and width >= side else cv2.INTER_LINEAR
    return cv2.resize(array, (side, side), interpolation=interpolation)


def pdq(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """PDQ hash of ``rgb`` ([H, W, 3] uint8): ``(words [4] uint64, quality 0..100)``."""
    import pdqhash

    bits, quality = pdqhash.compute(canonical(rgb))
    return _pack_bits(np.asarray(bits, dtype=np.uint8)[None, :])[0], int(quality)


def pdq_many(canon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PDQ hashes of a batch of canonical crops ``[N, 64, 64, 3]`` uint8: ``(words [N, 4] uint64, quality [N])``."""
    import pdqhash

    canon = np.asarray(canon)
    if canon.ndim != 4 or canon.shape[1:] != (HASH_SIDE, HASH_SIDE, 3) or canon.dtype != np.uint8:
        raise ValueError(
            f"pdq_many expects [N, {HASH_SIDE}, {HASH_SIDE}, 3] uint8, got {canon.shape} {canon.dtype}"
        )
    bits = np.empty((len(canon), 256), dtype=np.uint8)
    quality = np.empty(len(canon), dtype=np.int32)
    for i, crop in enumerate(canon):
        vector, q = pdqhash.compute(crop)
        bits[i] = vector
        quality[i] = q
    return _pack_bits(bits), quality


def pdq_dihedral(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """PDQ hashes of the 8 rotations/flips of ``rgb`` (order ``DIHEDRAL_NAMES``): ``([8, 4] uint64, quality)``."""
    import pdqhash

    vectors, quality = pdqhash.compute_dihedral(canonical(rgb))
    return _pack_bits(np.asarray(vectors, dtype=np.uint8)), int(quality)


def value_image(rgb: np.ndarray) -> np.ndarray:
    """The HSV value channel ``max(R, G, B)`` of ``rgb`` [..., H, W, 3] uint8, repeated into 3 channels.

    A hue rotation (an editor's "hue" slider, a recoloured logo) keeps each pixel's value and moves its luma a
    lot: on the benchmark's flat logos turned 40-140 degrees, luma PDQ distances of 66-194 became 4-18 on the
    value channel. Hashing both channels catches recoloured copies without loosening any threshold.
    """
    value = np.asarray(rgb)[..., :3].max(axis=-1, keepdims=True)
    return np.ascontiguousarray(np.repeat(value, 3, axis=-1))


def value_variants(rgb: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """PDQ ``[8, 4]``, PDQ quality and pHash ``[8]`` of the value channel of ``rgb``'s 8 rotations/flips
    (``DIHEDRAL_NAMES`` order)."""
    value = value_image(canonical(rgb))
    words, quality = pdq_dihedral(value)
    variants = np.stack(dihedral(value))
    return words, quality, phash_grey(grey32(variants))


def dihedral(image: np.ndarray) -> list[np.ndarray]:
    """The 8 rotations/flips of ``image`` [H, W, ...] in ``DIHEDRAL_NAMES`` order (as pdqhash computes them)."""
    transposed = image.swapaxes(0, 1)
    return [
        image,
        np.rot90(image, 1),
        np.rot90(image, 2),
        np.rot90(image, 3),
        image[::-1],
        image[:, ::-1],
        transposed,
        np.rot90(image, 2).swapaxes(0, 1),
    ]


def grey32(canon: np.ndarray) -> np.ndarray:
    """The 32x32 grey input of pHash from canonical crops ``[N, 64, 64, 3]`` (or one ``[64, 64, 3]``).

    Grey is the ITU-R 601-2 luma that PIL's ``convert("L")`` uses, averaged over 2x2 blocks, rounded to uint8.
    """
    canon = np.asarray(canon)
    single = canon.ndim == 3
    batch = canon[None] if single else canon
    grey = batch.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # [N, H, W]
    n, h, w = grey.shape
    factor_h, factor_w = h // PHASH_SIDE, w // PHASH_SIDE
    grey = grey[:, : factor_h * PHASH_SIDE, : factor_w * PHASH_SIDE]
    pooled = grey.reshape(n, PHASH_SIDE, factor_h, PHASH_SIDE, factor_w).mean(axis=(2, 4))
    out = np.clip(np.rint(pooled), 0, 255).astype(np.uint8)
    return out[0] if single else out


def phash_grey(grey: np.ndarray) -> np.ndarray:
    """pHash of 32x32 grey images ``[N, 32, 32]`` (uint8): ``[N]`` uint64, ImageHash's algorithm and bit order."""
    grey = np.asarray(grey, dtype=np.float64)
    if grey.ndim == 2:
        grey = grey[None]
    if grey.shape[1:] != (PHASH_SIDE, PHASH_SIDE):
        raise ValueError(f"phash_grey expects [N, {PHASH_SIDE}, {PHASH_SIDE}], got {grey.shape}")
    # Only the 8x8 low band of the 2-D DCT-II is used: two small matrix products instead of two full DCTs.
    basis = _dct_low_band()
    coeffs = np.einsum("kn,bnm,lm->bkl", basis, grey, basis, optimize=True).reshape(len(grey), 64)
    median = np.median(coeffs, axis=1, keepdims=True)
    bits = (coeffs > median).astype(np.uint8)
    return _pack_bits(bits)[:, 0]


def phash(rgb: np.ndarray) -> np.uint64:
    """pHash of one image ``[H, W, 3]`` uint8 (via its canonical form)."""
    return phash_grey(grey32(canonical(rgb)))[0]


def _dct_low_band() -> np.ndarray:
    """Rows 0..7 of the unnormalised DCT-II matrix of size 32 (scipy's ``dct(type=2, norm=None)``): [8, 32]."""
    n = np.arange(PHASH_SIDE)
    k = np.arange(8)[:, None]
    return 2.0 * np.cos(np.pi * k * (2 * n + 1) / (2 * PHASH_SIDE))


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise Hamming distances between hash sets ``a [N, W]`` and ``b [M, W]`` (uint64 words): ``[N, M]`` int.

    1-D inputs are single-word hashes (pHash): ``[N]`` and ``[M]``.
    """
    a = np.asarray(a, dtype=np.uint64)
    b = np.asarray(b, dtype=np.uint64)
    if a.ndim == 1:
        a = a[:, None]
    if b.ndim == 1:
        b = b[:, None]
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"hash widths differ: {a.shape[1]} and {b.shape[1]} words")
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.int32)
    xor = a[:, None, :] ^ b[None, :, :]
    return np.bitwise_count(xor).sum(axis=2, dtype=np.int32)


def to_hex(words: np.ndarray) -> str:
    """Hex string of one packed hash (64 chars for PDQ, 16 for pHash; the first bit is the most significant)."""
    words = np.atleast_1d(np.asarray(words, dtype=np.uint64))
    return "".join(f"{int(w):016x}" for w in words)


def from_hex(text: str) -> np.ndarray:
    """Inverse of ``to_hex``: ``[len(text) // 16]`` uint64 words."""
    text = text.strip().lower()
    if not text or len(text) % 16 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"not a packed hash in hex: {text[:70]!r}")
    return np.array([int(text[i : i + 16], 16) for i in range(0, len(text), 16)], dtype=np.uint64)


def words_to_bytes(words: np.ndarray) -> bytes:
    """Big-endian bytes of packed hashes (any shape), for a SQLite BLOB."""
    return np.asarray(words, dtype=">u8").tobytes()


def words_from_bytes(blob: bytes, width: int) -> np.ndarray:
    """Inverse of ``words_to_bytes``: ``[len(blob) // (8 * width), width]`` uint64."""
    if len(blob) % (8 * width):
        raise ValueError(f"a hash blob of {len(blob)} bytes is not a whole number of {width}-word hashes")
    return np.frombuffer(blob, dtype=">u8").astype(np.uint64).reshape(-1, width)


def _pack_bits(bits: np.ndarray) -> np.ndarray:
    """``[N, B]`` 0/1 -> ``[N, B // 64]`` uint64, first bit most significant (ImageHash's hex order)."""
    packed = np.packbits(np.asarray(bits, dtype=np.uint8), axis=1)  # [N, B // 8], big-endian bit order
    return packed.view(">u8").astype(np.uint64)


def _as_rgb_uint8(rgb: np.ndarray) -> np.ndarray:
    array = np.asarray(rgb)
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"expected an [H, W, 3] image, got shape {array.shape}")
    return array[:, :, :3]
