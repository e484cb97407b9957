"""bench/compliance_visual_fresh4.py, the fourth fresh held-out visual set: deterministic, the counts hold, the
seeds are new, the set's own edits do what their names say, and the look-alikes are kept off the references
(other words, symbols and motifs). Nothing here screens anything, and nothing needs shared/data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PIL import Image

from tests.helpers import bench_module, image_digest


@pytest.fixture(scope="module")
def fresh4():
    with bench_module("compliance_visual_fresh4") as module:
        yield module


def test_references_are_deterministic_and_counted(fresh4):
    """Without shared/data: the 24 procedural references, 3 of each of 8 kinds, interleaved so that the flash
    clips' first references cover every kind, each drawn the same way twice."""
    refs = fresh4.references(None)
    names = [item.name for item in refs]
    assert len(names) == len(set(names)) == 24  # 30 with shared/data's 6 photos
    assert Counter(name.split(":")[0] for name in names) == {f"f4-ref-{kind}": 3 for kind in fresh4.KINDS}
    assert sorted(names) == sorted(name for name, _ in fresh4._ref_specs())
    assert len({name.split(":")[0] for name in names[: fresh4.VIDEO_REFS]}) == 8
    assert all(item.image.mode == "RGB" and min(item.image.size) >= 400 for item in refs)
    makers = dict(fresh4._ref_specs())
    for item in refs[:8]:  # one of each kind, drawn again
        assert image_digest(makers[item.name]()) == image_digest(item.image), item.name
    assert len({image_digest(item.image) for item in refs}) == 24


def test_edits_do_what_they_say(fresh4):
    rng = np.random.default_rng(0)
    wide = Image.new("RGB", (640, 400), (10, 200, 30))
    bg = fresh4.desk(821000)
    assert set(fresh4.MILD) < set(fresh4.EDITS) and len(fresh4.EDITS) == 12
    mirrored = fresh4._mirror(Image.fromarray(np.arange(640, dtype=np.uint8)[None].repeat(4, 0)).convert("RGB"),
                              rng, bg)  # fmt: skip
    assert np.asarray(mirrored)[0, 0, 0] == 639 % 256
    for _ in range(3):
        assert fresh4._turn(wide, rng, bg).size == (400, 640)
        crop = fresh4._crop(wide, rng, bg)
        assert 0.55 * 640 - 1 <= crop.width <= 0.75 * 640 and 0.55 * 400 - 1 <= crop.height <= 0.75 * 400
        small = fresh4._recompress(wide, rng, bg)
        assert 0.35 * 640 - 1 <= small.width <= 0.65 * 640
        tilted = fresh4._rotate(wide, rng, bg)
        assert tilted.width > 640 and tilted.height > 400  # 5-15 degrees, the canvas grown
        assert fresh4._corner(wide, rng, bg).size == (1080, 1920)
        assert fresh4._photo_card(wide, rng, bg).size == fresh4._backdrop(wide, rng, bg).size == (1080, 1920)
    caption = np.asarray(fresh4._caption(wide, np.random.default_rng(3), bg)).astype(int)
    changed = np.abs(caption - np.asarray(wide).astype(int)).sum(-1).sum(1) > 0  # rows the band covers
    assert 0.22 * 400 - 1 <= changed.sum() <= 0.38 * 400 + 1
    sticker = np.asarray(fresh4._sticker(wide, np.random.default_rng(4), bg)).astype(int)
    covered = (np.abs(sticker - np.asarray(wide).astype(int)).sum(-1) > 0).mean()
    assert 0.02 < covered < 0.3  # over part of the copy, not all of it
    for _ in range(5):  # the hue moved by 30-160 degrees (a little less after rounding back to RGB)
        before = int(np.asarray(wide.convert("HSV"))[0, 0, 0])
        after = int(np.asarray(fresh4._hue(wide, rng, bg).convert("HSV"))[0, 0, 0])
        turn = min((after - before) % 256, (before - after) % 256) * 360 / 256
        assert 25 <= turn <= 165, turn


def test_flash_clip_shows_the_copy_briefly(fresh4, tmp_path):
    """A 0.3 s cut: 9 consecutive frames of the 90 (3 s at 30 fps) show the copy (rendered at a tenth of the
    size, the same timing); the 0.4 s fade shows it in at most 12 frames, in a row."""
    import subprocess

    from studio.media import ffmpeg_exe

    bg = Image.new("RGB", (200, 300), (40, 40, 40))
    copy = Image.new("RGB", (400, 400), (250, 250, 0))
    for fade, most in ((False, 9), (True, 12)):
        path = fresh4.render_flash(copy, bg, tmp_path / f"clip-{fade}.mp4", 5, fade=fade, size=(108, 192))
        raw = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", "scale=54:96", "-f", "rawvideo", "-pix_fmt",
             "rgb24", "-"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        frames = np.frombuffer(raw, np.uint8).reshape(-1, 96, 54, 3)
        assert len(frames) == 90
        shown = (frames[..., 0].astype(int) - frames[..., 2].astype(int)).max(
            axis=(1, 2)
        ) > 60  # yellow: R >> B
        assert 0 < shown.sum() <= most and np.all(np.diff(np.flatnonzero(shown)) == 1)
        if not fade:
            assert shown.sum() == 9


def test_lookalike_counts_and_names(fresh4):
    specs = fresh4.lookalike_specs()
    names = [name for name, _ in specs]
    assert len(names) == len(set(names)) == 308
    assert Counter(name.split(":")[0] for name in names) == {
        f"f4-{f}": fresh4.PER_FAMILY for f in fresh4.FAMILIES
    }
    assert not any("plush" in name or "lego" in name for name in names)


def test_lookalikes_are_deterministic(fresh4):
    """The first look-alike of every generator family, drawn twice."""
    seen: set[str] = set()
    for name, make in fresh4.lookalike_specs():
        family = name.split(":")[0]
        if family in seen or family in ("f4-caption", "f4-card", "f4-corner"):
            continue
        seen.add(family)
        assert image_digest(make()) == image_digest(make()), name
    assert len(seen) == len(fresh4.FAMILIES) - 3


def test_seeds_are_new(fresh4):
    import compliance_visual_data as data
    import compliance_visual_fresh2 as fresh2
    import compliance_visual_fresh3 as fresh3

    used = {100, 101, 300, 301, data.FRESH_EDIT_SEED, data.FRESH_EDIT_SEED + 1, fresh2.EDIT_SEED,
            fresh2.EDIT_SEED + 1, fresh3.EDIT_SEED, fresh3.EDIT_SEED + 1}  # fmt: skip
    assert not {fresh4.EDIT_SEED + s for s in range(4)} & used
    ours = [*(s for seeds in fresh4.REF_SEEDS.values() for s in seeds), *fresh4.WALLS, *fresh4.DESKS]
    assert min(ours) >= 800000 and len(ours) == len(set(ours))  # fresh3 used 700000-759999
    looks = [fresh4.LOOKALIKE_BASE + 1000 * f + k for f in range(len(fresh4.FAMILIES)) for k in range(22)]
    assert min(looks) > max(ours) and max(looks) + 400 < 860000  # layouts draw seed + 100..300
    earlier_plush = {*data.FRESH_PLUSH, *data.FRESH_PLUSH_CROPS, *fresh2.PLUSH, *fresh2.PLUSH_CROPS,
                     *fresh3.PLUSH, *fresh3.PLUSH_CROPS}  # fmt: skip
    assert not set(fresh4.PLUSH) & earlier_plush
    assert not set(fresh4.LEGO) & {*data.FRESH_LEGO, *fresh2.LEGO, *fresh3.LEGO}


def test_lookalikes_stay_off_the_references(fresh4):
    """The same generators, but never a reference's word or paper-cut character, and never its motif index
    (references use motifs 0-2, look-alikes 3 and up: one motif in other colours would be a recolour)."""
    assert not {w.upper() for w in fresh4.REF_WORDS} & {w.upper() for w in fresh4.LOOK_WORDS}
    assert not set(fresh4.REF_SYMBOLS) & set(fresh4.LOOK_SYMBOLS)
    assert len(set(fresh4.REF_WORDS)) == len(fresh4.REF_WORDS) == 15  # one word per reference that has one
    for kinds in (fresh4.NEON_MOTIFS, fresh4.CUT_FOLDS, fresh4.PLATE_MOTIFS, fresh4.PATCH_SHAPES,
                  fresh4.BRUSH_MOTIFS):  # fmt: skip
        assert {fresh4._look_motif(s, len(kinds)) for s in range(840000, 840200)} == set(range(3, len(kinds)))
