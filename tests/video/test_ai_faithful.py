"""Product-faithful motion: the product's pixels come from the photo, measured in the decoded MP4 (product-region
PSNR >= 35 dB) while the generated scene around it changes; the model alone (--free) does not keep them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.errors import InputError
from studio.video.ai_faithful import Move, composite_product, product_mask


def _product_png(path) -> Image.Image:
    """A 120x160 RGBA product shot on transparency: a tea box (a green gradient) with a cream label carrying
    dark 'text' strokes, the detail a smeared logo or melted lettering would lose."""
    y = np.linspace(0, 1, 111)[:, None]
    body = np.stack([30 + 40 * y, 100 + 60 * y, 50 + 30 * y], axis=-1) * np.ones((1, 61, 1))
    rgba = np.zeros((160, 120, 4), np.uint8)
    rgba[30:141, 30:91, :3] = body.astype(np.uint8)
    rgba[30:141, 30:91, 3] = 255
    image = Image.fromarray(rgba)
    draw = ImageDraw.Draw(image)
    draw.rectangle((34, 64, 86, 104), fill=(235, 225, 200, 255))
    for row, x0 in ((70, 38), (80, 42), (90, 38)):
        for x in range(x0, 80, 9):
            draw.rectangle((x, row, x + 5, row + 4), fill=(40, 40, 45, 255))
    image.save(path)
    return image


def test_moves_and_masks():
    assert np.allclose(Move("static").matrix(0.7, 64, 64), [[1, 0, 0], [0, 1, 0]])
    push = Move("push-in", 0.1)
    assert np.allclose(push.matrix(0.0, 64, 64), [[1, 0, 0], [0, 1, 0]])
    assert push.matrix(1.0, 64, 64)[0, 0] == pytest.approx(1.1)
    assert push.matrix(1.0, 64, 64)[0, 2] == pytest.approx(-3.2)  # about the centre
    par = Move("parallax", 0.1)
    assert par.matrix(0.0, 100, 50)[0, 2] == pytest.approx(-5) and par.matrix(1.0, 100, 50)[
        0, 2
    ] == pytest.approx(5)
    with pytest.raises(InputError, match="Unknown move"):
        Move("spin").matrix(0, 8, 8)
    alpha = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(alpha).rectangle((10, 10, 29, 29), fill=(200, 0, 0, 255))
    assert product_mask(alpha).sum() == pytest.approx(400)
    plain = Image.new("RGB", (80, 80), (245, 245, 245))
    ImageDraw.Draw(plain).ellipse((20, 20, 60, 60), fill=(40, 60, 160))
    mask = product_mask(plain)
    assert 0.15 < mask.mean() < 0.35 and mask[40, 40] == 1 and mask[2, 2] == 0
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(InputError, match="cannot be separated"):
        product_mask(noise)


def test_composite_keeps_the_product_exact_inside_its_mask():
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 255, (5, 32, 32, 3), dtype=np.uint8)
    photo = np.zeros((32, 32, 3), np.uint8)
    photo[8:24, 8:24] = (10, 200, 30)
    mask = np.zeros((32, 32), np.float32)
    mask[8:24, 8:24] = 1.0
    out = composite_product(frames, photo, mask, Move("static"), light_gain=0.0, shadow=0.0)
    assert np.array_equal(out[:, 11:21, 11:21], np.broadcast_to(photo[11:21, 11:21], (5, 10, 10, 3)))
    assert np.array_equal(out[:, :4], frames[:, :4])  # the scene is the model's


@pytest.mark.parametrize("faithful", [True, False])
def test_faithful_clip_keeps_the_product_in_the_decoded_mp4(tiny_pipes, tiny_folders, tmp_path, faithful):
    from studio.media.decode import read_frames
    from studio.video.ai_clip import ClipJob, make_ai_clip
    from studio.video.ai_faithful import fit_mask, product_fidelity
    from studio.video.ai_inputs import fit_photo

    photo = _product_png(tmp_path / "tea.png")
    job = ClipJob(
        task="i2v", model=str(tiny_folders["wan_ti2v"]), out=tmp_path / "clip.mp4", image=tmp_path / "tea.png",
        product="tea box", size=(128, 128), frames=9, steps=2, seed=1, device="cpu", faithful=faithful,
        move="push-in",
    )  # fmt: skip
    result = make_ai_clip(job, pipe=tiny_pipes["wan_ti2v"])
    fitted, placement = fit_photo(photo, (128, 128))
    mask = fit_mask(product_mask(photo), (128, 128), placement)
    measured = product_fidelity(result.path, np.asarray(fitted), mask, Move("push-in"))
    decoded = read_frames(result.path)
    outside = mask < 0.01
    if faithful:
        assert result.fidelity is not None and result.fidelity["passed"]
        assert result.fidelity["psnr_db_min"] >= 35.0 and measured["psnr_db_min"] >= 35.0
        assert result.fidelity["ssim_min"] > 0.9
        # ... while the scene around it is generated and moves
        change = np.abs(decoded[-1].astype(int) - decoded[0].astype(int))[outside].mean()
        assert change > 2.0
        import json

        sidecar = json.loads((tmp_path / "clip.json").read_text(encoding="utf-8"))
        assert sidecar["fidelity"]["passed"] and sidecar["settings"]["faithful"] is True
    else:
        assert result.fidelity is None
        assert (
            measured["psnr_db_min"] < 30.0
        )  # a random model redraws the product: why faithful is the default
