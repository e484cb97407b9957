"""bench/compliance_visual_fresh6.py, the sixth fresh held-out visual set: deterministic, the counts hold, the seeds
and photo positions are new, the set's own edits return RGB pictures and do what their names say, and the
look-alikes are kept off the references (other words, other designs, other pixels). Nothing here screens anything,
and nothing needs shared/data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PIL import Image

from tests.helpers import bench_module, image_digest


@pytest.fixture(scope="module")
def fresh6():
    with bench_module("compliance_visual_fresh6") as module:
        yield module


@pytest.fixture(scope="module")
def refs(fresh6):
    return fresh6.references(None)


def test_references_are_deterministic_and_counted(fresh6, refs):
    names = [item.name for item in refs]
    assert len(names) == len(set(names)) == 24  # 29 with shared/data: 2 plush photos and 3 lego renders
    assert Counter(name.split(":")[0] for name in names) == {f"f6-ref-{kind}": 3 for kind in fresh6.KINDS}
    assert len({name.split(":")[0] for name in names[: fresh6.VIDEO_REFS]}) == 8  # flash clips: every kind
    assert all(item.image.mode == "RGB" and min(item.image.size) >= 400 for item in refs)
    makers = dict(fresh6._ref_specs())
    for item in refs[:8]:  # one of each kind, drawn again
        assert image_digest(makers[item.name]()) == image_digest(item.image), item.name
    assert len({image_digest(item.image) for item in refs}) == 24
    for item in refs:  # not blank
        assert np.asarray(item.image).std() > 15, item.name


def test_every_edit_returns_rgb(fresh6, refs):
    bgs = fresh6.backgrounds()
    assert len(bgs) == 24
    assert set(fresh6.MILD) < set(fresh6.EDITS) and len(fresh6.EDITS) == 18
    for k, (name, fn) in enumerate(fresh6.EDITS.items()):
        out = fn(refs[k % len(refs)].image, np.random.default_rng(k), bgs[k % len(bgs)])
        assert isinstance(out, Image.Image) and out.mode == "RGB", name
        again = fn(refs[k % len(refs)].image, np.random.default_rng(k), bgs[k % len(bgs)])
        assert image_digest(out) == image_digest(again), name


def test_edits_do_what_they_say(fresh6):
    wide = Image.new("RGB", (640, 400), (10, 200, 30))
    bg = fresh6.kitchen_counter(910000)
    rng = np.random.default_rng(0)
    assert fresh6._rotate_90(wide, rng, bg).size == (400, 640)
    for _ in range(5):
        crop = fresh6._crop(wide, rng, bg)
        assert 0.55 - 0.01 <= crop.width * crop.height / (640 * 400) <= 0.75 + 0.01
        assert fresh6._corner(wide, rng, bg).size == (1080, 1920)
        assert fresh6._blurred_backdrop(wide, rng, bg).size == (1080, 1920)
    for seed in range(4):
        caption = np.asarray(fresh6._caption(wide, np.random.default_rng(seed), bg)).astype(int)
        rows = (np.abs(caption - np.asarray(wide).astype(int)).sum(-1) > 0).any(1).sum()
        assert 0.15 * 400 - 2 <= rows <= 0.35 * 400 + 1
        sticker = np.asarray(fresh6._sticker(wide, np.random.default_rng(seed), bg)).astype(int)
        covered = (np.abs(sticker - np.asarray(wide).astype(int)).sum(-1) > 30).mean()
        assert 0.03 <= covered <= 0.21
    coeffs = fresh6._perspective_coeffs(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [(0, 0), (10, 0), (10, 10), (0, 10)]
    )
    assert np.allclose(coeffs, [1, 0, 0, 0, 1, 0, 0, 0], atol=1e-9)


def test_flash_clip_shows_the_copy_briefly(fresh6, tmp_path):
    """A 0.3 s cut: 9 consecutive frames of the 90 (3 s at 30 fps) show the copy (at a tenth of the size)."""
    import subprocess

    from studio.media import ffmpeg_exe

    bg = Image.new("RGB", (200, 300), (40, 40, 40))
    copy = Image.new("RGB", (400, 400), (250, 250, 0))
    path = fresh6.render_flash(copy, bg, tmp_path / "clip.mp4", 5, fade=False, size=(108, 192))
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", "scale=54:96", "-f", "rawvideo", "-pix_fmt",
         "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 96, 54, 3)
    assert len(frames) == 90
    shown = (frames[..., 0].astype(int) - frames[..., 2].astype(int)).max(axis=(1, 2)) > 100
    assert shown.sum() == 9 and np.all(np.diff(np.flatnonzero(shown)) == 1)
    assert fresh6.FLASH_EDITS == ("flash_cut_0.3s", "flash_fade_0.4s")


def test_lookalike_counts_and_names(fresh6):
    names = [name for name, _ in fresh6.lookalike_specs()]
    assert len(names) == len(set(names)) == 320
    assert Counter(name.split(":")[0] for name in names) == {f"f6-{f}": 20 for f in fresh6.FAMILIES}
    assert len(fresh6.FAMILIES) == 16
    assert not any("ref" in name or "plush" in name or "lego" in name for name in names)


def test_lookalikes_are_deterministic_and_not_references(fresh6, refs):
    """One look-alike of every family drawn twice; none is a reference's pixels."""
    ref_digests = {image_digest(item.image) for item in refs}
    seen: set[str] = set()
    for name, make in fresh6.lookalike_specs():
        family = name.split(":")[0]
        if family in seen:
            continue
        seen.add(family)
        image = make()
        assert image.mode == "RGB", name
        assert image_digest(image) == image_digest(make()), name
        assert image_digest(image) not in ref_digests, name
    assert len(seen) == 16


def test_lookalike_words_and_designs_stay_off_the_references(fresh6):
    assert not set(fresh6.REF_WORDS) & set(fresh6.LOOK_ZH)
    assert not {w.upper() for w in fresh6.REF_WORDS} & {w.upper() for w in fresh6.LOOK_LATIN}
    seats = {seat for _, seat in fresh6.REF_TICKETS}
    assert not {fresh6._look_seat(np.random.default_rng(s)) for s in range(200)} & seats
    for kind, kinds in fresh6.DESIGN_KINDS.items():
        taken = fresh6.REF_SEEDS[kind]
        used = {fresh6._design(np.random.default_rng(s), kinds) for s in taken}
        assert len(used) == 3 or kind in ("iso", "lantern", "ticket"), kind  # 3 designs... or few kinds
        off = fresh6.seeds_off(fresh6.LOOKALIKE_BASE, 40, kinds, taken)
        assert not {fresh6._design(np.random.default_rng(s), kinds) for s in off} & used


def test_seeds_and_photo_positions_are_new(fresh6):
    import compliance_visual_data as data

    modules = []
    for name in ("compliance_visual_fresh2", "compliance_visual_fresh3", "compliance_visual_fresh4",
                 "compliance_visual_fresh5"):  # fmt: skip
        with bench_module(name) as module:
            modules.append(module)
    plush = {*data.FRESH_PLUSH, *data.FRESH_PLUSH_CROPS}
    lego = set(data.FRESH_LEGO)
    edit_seeds = {100, 101, 300, 301, data.FRESH_EDIT_SEED, data.FRESH_EDIT_SEED + 1}
    for module in modules:
        plush |= {*getattr(module, "PLUSH", ()), *getattr(module, "PLUSH_CROPS", ())}
        lego |= set(getattr(module, "LEGO", ()))
        edit_seeds |= {module.EDIT_SEED + s for s in range(4)}
    assert all(min(abs(p - q) for q in plush) >= 3 for p in fresh6.PLUSH)
    assert all(min(abs(p - q) for q in lego) >= 3 for p in fresh6.LEGO)
    assert not {fresh6.EDIT_SEED + s for s in range(4)} & edit_seeds
    ours = [
        *(s for r in fresh6.REF_SEEDS.values() for s in r),
        *fresh6.KITCHENS,
        *fresh6.NIGHTS,
        *fresh6.SHELVES,
    ]
    assert len(ours) == len(set(ours)) and 900000 <= min(ours) and max(ours) < 960000
    last = fresh6.LOOKALIKE_BASE + 1000 * (len(fresh6.FAMILIES) - 1) + 37 * fresh6.PER_FAMILY + 500
    assert max(ours) < fresh6.LOOKALIKE_BASE and last < 960000
