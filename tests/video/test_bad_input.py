"""Bad input: a clear error naming the problem, or correct handling; never a partial file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.ads import make_ad
from studio.errors import ConfigError, InputError, RenderError
from studio.images import load_photo
from studio.media.encode import EncodeSettings
from studio.spec import parse_spec
from studio.store import Store
from tests.helpers import make_photo

FAST = EncodeSettings(preset="veryfast")


def _spec(photos, **extra):
    return parse_spec(
        {
            "product": "Tea",
            "photos": [str(p) for p in photos],
            "headline": "Fresh tea",
            "duration": 5,
            "platforms": ["square"],
            "music": None,
            **extra,
        }
    )


def test_corrupt_image(tmp_path):
    path = make_photo(tmp_path / "a.jpg")
    path.write_bytes(path.read_bytes()[:2000])  # truncated JPEG
    with pytest.raises(InputError, match="a.jpg is corrupt or truncated"):
        load_photo(path)


def test_not_an_image_and_unsupported_format(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    with pytest.raises(InputError, match="not a readable image"):
        load_photo(text)
    gif = tmp_path / "anim.gif"
    Image.new("P", (400, 400)).save(gif)
    with pytest.raises(InputError, match="GIF image, which is not supported"):
        load_photo(gif)


def test_photo_below_minimum_size_and_missing_file(tmp_path):
    small = make_photo(tmp_path / "small.jpg", size=(200, 150))
    with pytest.raises(InputError, match="short edge must be at least 320"):
        make_ad(_spec([small]), tmp_path / "out")
    with pytest.raises(InputError, match="does not exist"):
        make_ad(_spec([tmp_path / "missing.jpg"]), tmp_path / "out")


def test_cmyk_is_converted_not_inverted(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (600, 600), (0, 255, 255, 0)).save(path)  # pure red in CMYK
    image = load_photo(path)
    assert image.mode == "RGB"
    r, g, b = image.getpixel((300, 300))
    assert r > 200 and g < 60 and b < 60


def test_16_bit_png_is_scaled_to_8_bit(tmp_path):
    path = tmp_path / "deep.png"
    array = np.tile(np.linspace(0, 65535, 512, dtype=np.uint16), (400, 1))
    Image.fromarray(array).save(path)
    image = load_photo(path)
    assert image.mode == "RGB"
    values = np.asarray(image)[0, :, 0]
    assert values[0] < 3 and values[-1] > 250 and np.all(np.diff(values.astype(int)) >= 0)


def test_exif_rotation_is_honoured(tmp_path):
    path = tmp_path / "rotated.jpg"
    image = Image.new("RGB", (800, 400), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 100, 400))  # red stripe on the left of the stored pixels
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    image.save(path, exif=exif.tobytes())
    upright = load_photo(path)
    assert upright.size == (400, 800)
    assert upright.getpixel((200, 50))[0] > 200  # the stripe is now at the top


def test_transparent_png_keeps_alpha_and_renders_on_matte(tmp_path):
    path = tmp_path / "product.png"
    image = Image.new("RGBA", (800, 800), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (200, 200, 600, 600))
    image.save(path)
    assert load_photo(path).mode == "RGBA"
    result = make_ad(_spec([path], brand={"background": "#F4EFE6"}), tmp_path / "out", encode=FAST)
    assert result.outputs[0].path.is_file()


def test_text_too_long(tmp_path):
    photo = make_photo(tmp_path / "a.jpg")
    with pytest.raises(InputError, match="does not fit"):
        make_ad(_spec([photo], headline="超長的標題文字" * 16), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unknown_platform_and_template(tmp_path):
    photo = make_photo(tmp_path / "a.jpg")
    with pytest.raises(ConfigError, match="unknown platform 'snapchat'"):
        _spec([photo], platforms=["snapchat"])
    with pytest.raises(ConfigError, match="unknown template 'fancy'"):
        _spec([photo], template="fancy")


def test_unwritable_output_folder(tmp_path):
    """A read-only folder for ordinary users; as root (CI) a sysfs path, which even root cannot create in."""
    if os.geteuid() == 0:
        target = Path("/sys/studio-test-out")
        expected = "Cannot create the output folder"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked
        expected = "not writable"
    try:
        with pytest.raises(InputError, match=expected):
            make_ad(_spec([make_photo(tmp_path / "a.jpg")]), target)
    finally:
        if os.geteuid() != 0:
            target.chmod(0o700)


def test_output_path_that_is_a_file(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    with pytest.raises(InputError, match="Cannot create the output folder|is not a folder"):
        make_ad(_spec([make_photo(tmp_path / "a.jpg")]), blocker / "ads")


def test_failed_render_leaves_nothing_and_is_recorded(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    outdir = tmp_path / "out"
    spec = _spec([make_photo(tmp_path / "a.jpg")], platforms=["square", "youtube"])
    with pytest.raises(RenderError, match="ffmpeg failed"):
        make_ad(spec, outdir, store=store, encode=EncodeSettings(preset="no-such-preset"))
    assert list(outdir.iterdir()) == []
    row = store.renders()[0]
    assert row.status == "failed" and "ffmpeg failed" in row.reason


def test_cancel_leaves_nothing(tmp_path):
    from studio.cancel import CancelToken
    from studio.errors import Cancelled

    store = Store(tmp_path / "s.sqlite3")
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        make_ad(_spec([make_photo(tmp_path / "a.jpg")]), tmp_path / "out", store=store, cancel=cancel)
    assert not (tmp_path / "out").exists()  # cancelled before anything was made
    assert store.renders()[0].status == "cancelled"
