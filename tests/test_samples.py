"""studio.samples: the one generated photo that tests and benchmarks share."""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.samples import sample_photo
from tests import helpers


def test_sample_photo_is_seeded_sized_and_textured(tmp_path):
    a = sample_photo(tmp_path / "a.png", (320, 240), seed=3)
    b = sample_photo(tmp_path / "b.png", (320, 240), seed=3)
    c = sample_photo(tmp_path / "c.png", (320, 240), seed=4)
    pixels = [np.asarray(Image.open(p)) for p in (a, b, c)]
    assert pixels[0].shape == (240, 320, 3)
    assert np.array_equal(pixels[0], pixels[1]) and not np.array_equal(pixels[0], pixels[2])
    assert pixels[0].std() > 20  # a gradient and shapes, not flat colour
    assert Image.open(sample_photo(tmp_path / "g.jpg", (64, 64), mode="L", quality=90)).mode == "L"
    assert helpers.make_photo is sample_photo  # the tests' helper is the same function
