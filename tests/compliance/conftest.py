"""Fixtures for the compliance tests: a tiny, seeded, randomly initialised open_clip model (no downloads), and
the shipped text packs (``packs``) for the tw-ads tests.

The model is built from a config (``open_clip.add_model_config`` + ``create_model_and_transforms(name,
pretrained=None)``, ``vocab_size`` 49408 so open_clip's bundled BPE tokenizer fits, no ``hf_*`` keys) and saved
twice: as a safetensors file (the "architecture + local checkpoint" path) and as a folder with
``open_clip_config.json`` (the ``local-dir:`` path). Session-scoped: building it once takes about a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

TINY_CLIP_NAME = "studio-tiny-clip"
TINY_CLIP_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


@dataclass(frozen=True)
class TinyClip:
    name: str  # architecture name registered with open_clip in this process
    checkpoint: Path  # a .safetensors state dict
    folder: Path  # open_clip_config.json + open_clip_model.safetensors
    config: dict  # the open_clip model config


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> TinyClip:
    import open_clip
    import torch
    from safetensors.torch import save_file

    root = tmp_path_factory.mktemp("tiny_clip")
    config_path = root / f"{TINY_CLIP_NAME}.json"
    config_path.write_text(json.dumps(TINY_CLIP_CONFIG))
    open_clip.add_model_config(config_path)
    torch.manual_seed(0)
    model, _, _ = open_clip.create_model_and_transforms(TINY_CLIP_NAME, pretrained=None)
    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    checkpoint = root / "tiny_clip.safetensors"
    save_file(state, str(checkpoint))
    folder = root / "tiny_clip_dir"
    folder.mkdir()
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": TINY_CLIP_CONFIG}))
    save_file(state, str(folder / "open_clip_model.safetensors"))
    return TinyClip(name=TINY_CLIP_NAME, checkpoint=checkpoint, folder=folder, config=TINY_CLIP_CONFIG)


# -- generated pictures (no data files needed) ----------------------------------------------------------------
def make_logo(seed: int, size: tuple[int, int] = (480, 480)):
    """A procedural 'logo' (PIL RGB): a coloured tile with shapes and a few letters, different for every seed."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    w, h = size
    background = tuple(int(v) for v in rng.integers(0, 256, 3))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        r = rng.uniform(0.1, 0.3) * min(w, h)
        if rng.random() < 0.5:
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        else:
            n = int(rng.integers(3, 7))
            angles = np.sort(rng.uniform(0, 2 * np.pi, n))
            draw.polygon([(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles], fill=colour)
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", int(h * 0.22))
    letters = "".join(chr(int(c)) for c in rng.integers(65, 91, 3))
    draw.text((w * 0.1, h * 0.6), letters, font=font, fill=tuple(255 - v for v in background))
    return image


def make_scene(seed: int, size: tuple[int, int] = (720, 960)):
    """A procedural photo-like scene (PIL RGB): gradient, blurred shapes, sensor noise."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    w, h = size
    top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    image = Image.fromarray(((top * (1 - t) + bottom * t) * np.ones((1, w, 1))).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        box = [x0, y0, x0 + rng.uniform(40, w / 2), y0 + rng.uniform(40, h / 2)]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def encode_video(path: Path, pictures: list, seconds_each: float, fps: int = 30) -> Path:
    """An H.264 MP4 showing each PIL picture for ``seconds_each`` seconds (real ffmpeg)."""
    import subprocess

    from studio.media import ffmpeg_exe

    inputs, labels = [], []
    for i, picture in enumerate(pictures):
        still = path.with_name(f"{path.stem}.{i}.png")
        picture.save(still)
        inputs += ["-loop", "1", "-t", f"{seconds_each}", "-i", str(still)]
        labels.append(f"[{i}:v]fps={fps},format=yuv420p[v{i}]")
    graph = ";".join(labels) + ";" + "".join(f"[v{i}]" for i in range(len(pictures)))
    graph += f"concat=n={len(pictures)}:v=1[out]"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def paste(background, picture, box: tuple[int, int, int, int]):
    """``background`` with ``picture`` resized into ``box`` (x0, y0, x1, y1)."""
    out = background.copy()
    x0, y0, x1, y1 = box
    out.paste(picture.resize((x1 - x0, y1 - y0)), (x0, y0))
    return out


@pytest.fixture
def media():
    """Picture and video makers for the tests: ``media.logo(seed)``, ``media.scene(seed)``,
    ``media.video(path, pictures, seconds_each)``, ``media.paste(background, picture, box)``."""
    from types import SimpleNamespace

    return SimpleNamespace(logo=make_logo, scene=make_scene, video=encode_video, paste=paste)


@pytest.fixture(scope="module")
def packs():
    """The shipped packs an ad in the default category gets (``load_packs(None, "general")``)."""
    from studio.compliance.rules import load_packs

    return load_packs(None, "general")
