"""bench/compliance_visual_fresh2.py, the second fresh held-out visual set: deterministic, the counts hold, the
seeds are new and the look-alikes are kept off the references (other words, designs and motifs). Nothing here
screens anything, and nothing needs shared/data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tests.helpers import bench_module, image_digest


@pytest.fixture(scope="module")
def fresh2():
    with bench_module("compliance_visual_fresh2") as module:
        yield module


def test_references_are_deterministic_and_counted(fresh2):
    specs = fresh2._ref_specs()
    names = [name for name, _ in specs]
    assert len(names) == len(set(names)) == 26  # 33 with shared/data's 7 photos
    kinds = Counter(name.split(":")[0] for name in names)
    assert kinds == {
        "f2-ref-badge": 4,
        "f2-ref-mascot": 4,
        "f2-ref-wordmark": 4,
        "f2-ref-pack": 4,
        "f2-ref-textile": 4,
        "f2-ref-app": 3,
        "f2-ref-seal": 3,
    }
    # interleaved: the flash clips' first references cover every kind
    order = [
        item.name for item in fresh2.data.interleave_by_kind([fresh2.Item(name, None) for name in names])
    ]
    assert sorted(order) == sorted(names)
    assert len({name.split(":")[0] for name in order[: fresh2.VIDEO_REFS]}) == 7
    first_of_kind = {}
    for name, make in specs:
        first_of_kind.setdefault(name.split(":")[0], make)
    digests = []
    for kind, make in first_of_kind.items():  # one of each kind, drawn twice
        image = make()
        assert image.mode == "RGB" and min(image.size) >= 400, kind
        digests.append(image_digest(image))
        assert image_digest(make()) == digests[-1], kind
    assert len(set(digests)) == 7


def test_lookalike_counts_and_names(fresh2):
    specs = fresh2.lookalike_specs()
    names = [name for name, _ in specs]
    assert len(names) == len(set(names)) >= 300
    families = Counter(name.split(":")[0] for name in names)
    assert set(families) == {f"f2-{family}" for family in fresh2.FAMILIES}
    assert max(families.values()) <= 24 and min(families.values()) >= 20  # roughly even
    assert all((make is None) == name.startswith("f2-endcard:") for name, make in specs)


def test_lookalikes_are_deterministic(fresh2):
    """One look-alike of every drawn family twice (the end cards are studio's renderer; of the three layout
    families, whose pictures come from the same generators and edits, only the caption bands: the cheapest)."""
    seen: set[str] = set()
    for name, make in fresh2.lookalike_specs():
        family = name.split(":")[0]
        if make is None or family in seen or family in ("f2-card", "f2-sticker"):
            continue
        seen.add(family)
        assert image_digest(make()) == image_digest(make()), name
    assert len(seen) == len(fresh2.FAMILIES) - 3


def test_seeds_are_new(fresh2):
    import compliance_visual_data as data

    used_edit_seeds = {100, 101, 300, 301, data.FRESH_EDIT_SEED, data.FRESH_EDIT_SEED + 1}
    assert not {fresh2.EDIT_SEED + s for s in range(4)} & used_edit_seeds
    earlier = [
        *data.FRESH_LOGOS,
        *data.FRESH_EMBLEMS,
        *data.FRESH_POSTERS,
        *data.FRESH_SCENES,
        *range(40000, 42200),
    ]
    ours = [
        *fresh2.REF_BADGES,
        *fresh2.REF_MASCOTS,
        *fresh2.REF_WORDMARKS,
        *fresh2.REF_PACKS,
        *fresh2.REF_TEXTILES,
        *fresh2.REF_APPS,
        *fresh2.REF_SEALS,
        *fresh2.BACKDROPS,
        *fresh2.SCENES,
    ]
    assert min(ours) > max(earlier) and len(ours) == len(set(ours))
    assert not set(fresh2.PLUSH + fresh2.PLUSH_CROPS) & set(data.FRESH_PLUSH + data.FRESH_PLUSH_CROPS)
    assert not set(fresh2.LEGO) & set(data.FRESH_LEGO)


def test_lookalikes_stay_off_the_references(fresh2):
    """Same generators, but never a reference's words, nor its badge/packaging design, nor its print motif."""
    assert not set(fresh2.REF_ZH) & set(fresh2.LOOK_ZH)
    assert not {w.upper() for w in fresh2.REF_LATIN} & {w.upper() for w in fresh2.LOOK_LATIN}
    assert not set("".join(fresh2.REF_SEAL)) & set(fresh2.LOOK_SURNAMES + fresh2.LOOK_GIVEN)
    seals = {fresh2._look_seal(np.random.default_rng(s)) for s in range(300)}
    assert not seals & set(fresh2.REF_SEAL) and all(1 <= len(text) <= 4 for text in seals)

    def design(seed: int, kinds: int) -> tuple[int, int]:
        return fresh2._design(np.random.default_rng(seed), kinds)

    for taken, base, kinds in ((fresh2.REF_BADGES, 640000, 5), (fresh2.REF_PACKS, 643000, 4)):
        used = {design(s, kinds) for s in taken}
        assert not {design(s, kinds) for s in fresh2._seeds_off(base, 22, kinds, taken)} & used
    motifs = {design(s, fresh2.TEXTILE_KINDS)[1] for s in fresh2.REF_TEXTILES}
    prints = fresh2._seeds_round_robin(644000, 22, fresh2.TEXTILE_KINDS, fresh2.REF_TEXTILES)
    assert not {design(s, fresh2.TEXTILE_KINDS)[1] for s in prints} & motifs
    letters = {fresh2._look_letters(np.random.default_rng(s)) for s in range(200)}
    assert not letters & set(fresh2.REF_LETTERS)
