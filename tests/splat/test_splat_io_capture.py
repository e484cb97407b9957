"""The capture check: counts, blur, exposure, near-duplicates, sizes, corrupt files, EXIF orientation."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_synthetic import render_views, write_views

from studio.errors import InputError
from studio.splat.capture import CaptureThresholds, check_capture, require_usable


@pytest.fixture(scope="module")
def views():
    _, images, _ = render_views(12, 400, 300, seed=4)
    return images


def test_a_good_set_passes_with_only_the_count_warning(tmp_path, views):
    paths = write_views(tmp_path, views)
    report = check_capture(paths)
    assert report.ok and report.total == 12 and report.distinct == 12
    assert report.usable == [p.name for p in paths]
    assert report.sizes == {"400x300": 12}
    assert not report.duplicates and not report.blurry and not report.dark and not report.overexposed
    assert any("Only 12 distinct images" in w for w in report.warnings)
    require_usable(report)  # does not raise


def test_identical_photos_are_flagged_and_a_set_of_them_is_an_error(tmp_path, views):
    # ten copies of one view, re-encoded at different JPEG qualities (so not byte-identical)
    paths = []
    for q in range(10):
        path = tmp_path / f"same_{q}.jpg"
        Image.fromarray(views[0]).save(path, quality=70 + 2 * q)
        paths.append(path)
    report = check_capture(paths)
    assert report.distinct == 1 and len(report.duplicates) == 9
    assert all(original == "same_0.jpg" for _, original in report.duplicates)
    assert not report.ok
    with pytest.raises(InputError) as info:
        require_usable(report)
    assert "Only 1 distinct usable image(s) out of 10 files" in info.value.message


def test_one_near_duplicate_in_a_good_set_is_a_warning(tmp_path, views):
    paths = write_views(tmp_path, views)
    copy = tmp_path / "copy_of_view_03.jpg"
    Image.fromarray(views[3]).save(copy, quality=75)
    report = check_capture([*paths, copy])
    assert report.ok and report.distinct == 12
    assert report.duplicates == [("copy_of_view_03.jpg", "view_03.jpg")]
    assert any("near-duplicate" in w and "copy_of_view_03.jpg" in w for w in report.warnings)


def test_corrupt_files_are_skipped_with_their_names(tmp_path, views):
    paths = write_views(tmp_path, views[:9])
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(paths[0].read_bytes()[:300])
    fake = tmp_path / "notes.jpg"
    fake.write_text("this is not a photo")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    report = check_capture([*paths, truncated, fake, empty])
    assert report.ok and len(report.usable) == 9 and report.total == 12
    skipped = dict(report.skipped)
    assert set(skipped) == {"truncated.jpg", "notes.jpg", "empty.png"}
    assert "empty" in skipped["empty.png"] and "not a readable image" in skipped["notes.jpg"]
    assert any("3 image(s) skipped" in w and "truncated.jpg" in w for w in report.warnings)


def test_too_few_readable_photos_is_an_error_that_mentions_the_skipped(tmp_path, views):
    paths = write_views(tmp_path, views[:5])
    bad = []
    for i in range(4):
        path = tmp_path / f"broken_{i}.jpg"
        path.write_bytes(b"\xff\xd8\xff" + bytes(50))
        bad.append(path)
    report = check_capture([*paths, *bad])
    assert not report.ok and len(report.usable) == 5
    with pytest.raises(InputError) as info:
        require_usable(report)
    assert "Only 5 usable image(s); at least 8" in info.value.message
    assert "4 file(s) were skipped" in info.value.hint


def test_blur_exposure_and_size_problems_are_named(tmp_path, views):
    paths = write_views(tmp_path, views[:9])
    blurry = tmp_path / "blurry.jpg"
    Image.fromarray(cv2.GaussianBlur(views[9], (0, 0), 4)).save(blurry)
    dark = tmp_path / "dark.jpg"
    Image.fromarray((views[10] * 0.06).astype(np.uint8)).save(dark)
    bright = tmp_path / "bright.jpg"
    Image.fromarray(np.clip(views[11].astype(int) + 150, 0, 255).astype(np.uint8)).save(bright)
    tiny = tmp_path / "tiny.jpg"
    Image.fromarray(views[5][:150, :200]).save(tiny)
    flat = tmp_path / "flat.png"
    Image.new("RGB", (400, 300), (90, 90, 90)).save(flat)
    report = check_capture([*paths, blurry, dark, bright, tiny, flat])
    assert report.blurry == ["blurry.jpg"]
    assert report.dark == ["dark.jpg"]
    assert report.overexposed == ["bright.jpg"]
    skipped = dict(report.skipped)
    assert "too small" in skipped["tiny.jpg"] and "featureless" in skipped["flat.png"]
    q = report.quality("blurry.jpg")
    assert q is not None and q.blur < 0.25 * report.quality("view_00.jpg").blur
    text = report.text()
    assert "warning: 1 blurry image(s)" in text and "dark.jpg" in text and "bright.jpg" in text


def test_mixed_sizes_are_reported(tmp_path, views):
    paths = write_views(tmp_path, views[:8])
    Image.fromarray(views[8]).resize((640, 480)).save(tmp_path / "big.jpg")
    report = check_capture([*paths, tmp_path / "big.jpg"])
    assert report.sizes == {"400x300": 8, "640x480": 1}
    assert any("2 different image sizes" in w for w in report.warnings)


def test_exif_orientation_is_honoured(tmp_path, views):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    Image.fromarray(views[0]).save(path, exif=exif)
    report = check_capture([path], thresholds=CaptureThresholds(min_usable=1))
    q = report.images[0]
    assert (q.width, q.height) == (300, 400)


def test_alpha_images_measure_exposure_on_the_object(tmp_path):
    _, images, _ = render_views(1, 400, 300, ground=False, alpha=True, backdrop=(0, 0, 0))
    path = tmp_path / "object.png"
    Image.fromarray(images[0]).save(path)
    report = check_capture([path], thresholds=CaptureThresholds(min_usable=1))
    q = report.images[0]
    assert q.has_alpha
    assert q.dark_fraction < 0.05  # the black (transparent) backdrop is not counted as underexposure
    assert report.dark == []


def test_report_json_round_trips(tmp_path, views):
    paths = write_views(tmp_path, views[:8])
    data = json.loads(json.dumps(check_capture(paths).to_json()))
    assert data["ok"] is True and data["usable"] == 8 and data["distinct"] == 8
    assert len(data["images"]) == 8 and {"blur", "brightness", "phash"} <= set(data["images"][0])
    assert data["thresholds"]["min_usable"] == 8
