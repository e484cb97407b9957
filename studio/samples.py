"""Generated sample media (no data files needed): a photo-like product picture for demos, benchmarks and tests.

Deterministic for a seed, and textured like a photo (a gradient, a few shapes, fine noise), so an encoder or a
perceptual hash sees what a real product shot gives it rather than flat colour.
"""

from __future__ import annotations

import os
from pathlib import Path


def sample_photo(
    path: str | os.PathLike[str],
    size: tuple[int, int] = (1200, 1500),
    seed: int = 0,
    mode: str = "RGB",
    fmt: str | None = None,
    **save,
) -> Path:
    """Write a photo-like ``size`` (width, height) image to ``path`` and return the path.

    ``mode`` converts it (``"RGBA"``, ``"L"``, ``"CMYK"``...), ``fmt`` and ``save`` go to ``PIL.Image.save``
    (e.g. ``quality=90``); the format otherwise follows the file name."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 180 + 40, y / h * 160 + 50, (x + y) / (w + h) * 200 + 30], -1)
    base += rng.normal(0, 5, base.shape)
    image = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        cx, cy, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(0.08, 0.2) * min(w, h)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in rng.integers(30, 230, 3)))
    if mode != "RGB":
        image = image.convert(mode)
    image.save(path, fmt, **save)
    return Path(path)
