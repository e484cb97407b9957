"""bench/compliance_visual_fresh5.py, the fifth fresh held-out visual set: deterministic, the counts hold, the
seeds and photo positions are new, and the look-alikes are kept off the references. Nothing here screens
anything, and nothing needs shared/data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tests.helpers import bench_module, image_digest

KINDS = ("watercolour", "signboard", "retro", "linocut", "chalk", "mosaic", "contour", "glass")


@pytest.fixture(scope="module")
def fresh5():
    with bench_module("compliance_visual_fresh5") as module:
        yield module


def test_references_are_deterministic_and_counted(fresh5):
    refs = fresh5.references(None)
    names = [item.name for item in refs]
    assert len(names) == len(set(names)) == 24  # 30 with shared/data's 6 photos
    assert Counter(name.split(":")[0] for name in names) == {f"f5-ref-{kind}": 3 for kind in KINDS}
    assert len({name.split(":")[0] for name in names[:8]}) == 8
    makers = dict(fresh5._ref_specs())
    for item in refs[:8]:
        assert image_digest(makers[item.name]()) == image_digest(item.image), item.name
    assert len({image_digest(item.image) for item in refs}) == 24


def test_edits_and_counts(fresh5):
    assert set(fresh5.MILD) < set(fresh5.EDITS) and len(fresh5.EDITS) >= 12
    img = fresh5.mosaic(805000)
    bg = fresh5.park(821000)
    rng = np.random.default_rng(0)
    for name, edit in fresh5.EDITS.items():
        assert edit(img, rng, bg).mode == "RGB", name
    crop = fresh5._crop(img, rng, bg)
    assert 0.55 * 576 - 1 <= crop.width <= 0.8 * 576


def test_lookalikes_counted_and_off_the_references(fresh5):
    specs = fresh5.lookalike_specs()
    names = [name for name, _ in specs]
    assert len(names) == len(set(names)) == 320
    assert Counter(n.split(":")[0] for n in names) == {f"f5-{f}": fresh5.PER_FAMILY for f in fresh5.FAMILIES}
    assert not any("plush" in n or "lego" in n or "ref" in n for n in names)
    assert not set(fresh5.REF_ZH) & set(fresh5.LOOK_ZH)
    assert not {w.upper() for w in fresh5.REF_LATIN} & {w.upper() for w in fresh5.LOOK_LATIN}
    assert not set(fresh5.REF_SIGNS_TEXT) & set(fresh5.LOOK_SIGNS_TEXT)
    refs = {image_digest(item.image) for item in fresh5.references(None)}
    seen = set()
    for name, make in specs:
        family = name.split(":")[0]
        if family in seen or family in ("f5-card", "f5-split", "f5-corner", "f5-grid", "f5-caption"):
            continue
        seen.add(family)
        image = make()
        assert image_digest(image) == image_digest(make()) and image_digest(image) not in refs, name
    for seeds, kinds in (
        (fresh5.REF_MOSAICS, fresh5.MOSAIC_MOTIFS),
        (fresh5.REF_GLASSES, fresh5.GLASS_MOTIFS),
    ):
        taken = {fresh5._design(np.random.default_rng(s), kinds) for s in seeds}
        for s in fresh5.seeds_avoiding(839000, 20, kinds, seeds, whole=True):
            p, m = fresh5._design(np.random.default_rng(s), kinds)
            assert p not in {q for q, _ in taken} and m not in {q for _, q in taken}


def test_seeds_and_photos_are_new(fresh5):
    import compliance_visual_data as data
    import compliance_visual_fresh2 as fresh2
    import compliance_visual_fresh3 as fresh3

    ours = [*fresh5.REF_WASHES, *fresh5.REF_SIGNS, *fresh5.REF_RETROS, *fresh5.REF_LINOS, *fresh5.REF_CHALKS,
            *fresh5.REF_MOSAICS, *fresh5.REF_CONTOURS, *fresh5.REF_GLASSES, *fresh5.CAFES, *fresh5.PARKS]  # fmt: skip
    assert 800000 <= min(ours) and fresh5.LOOKALIKE_BASE + 1000 * len(fresh5.FAMILIES) < 860000
    earlier = {*data.FRESH_PLUSH, *data.FRESH_PLUSH_CROPS, *fresh2.PLUSH, *fresh2.PLUSH_CROPS, *fresh3.PLUSH,
               *fresh3.PLUSH_CROPS}  # fmt: skip
    assert not set(fresh5.PLUSH) & earlier
    assert not set(fresh5.LEGO) & {*data.FRESH_LEGO, *fresh2.LEGO, *fresh3.LEGO}
    assert fresh5.EDIT_SEED not in {fresh2.EDIT_SEED, fresh3.EDIT_SEED, data.FRESH_EDIT_SEED}
