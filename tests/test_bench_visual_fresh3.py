"""bench/compliance_visual_fresh3.py, the third fresh held-out visual set: deterministic, the counts hold, the
seeds are new, the set's own edits do what their names say, and the look-alikes are kept off the references
(other words and motifs). Nothing here screens anything, and nothing needs shared/data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PIL import Image

from tests.helpers import bench_module, image_digest

KINDS = ("icon", "geo", "tile", "halftone", "sphere", "character", "pixel", "crest", "stamp", "botanical")


@pytest.fixture(scope="module")
def fresh3():
    with bench_module("compliance_visual_fresh3") as module:
        yield module


def test_references_are_deterministic_and_counted(fresh3):
    """Without shared/data (``--shared`` not a folder): the 30 procedural references, 3 of each kind, interleaved so the
    flash clips' first references cover every kind, each drawn the same way twice."""
    refs = fresh3.references(None)
    names = [item.name for item in refs]
    assert len(names) == len(set(names)) == 30  # 36 with shared/data's 6 photos
    assert Counter(name.split(":")[0] for name in names) == {f"f3-ref-{kind}": 3 for kind in KINDS}
    assert sorted(names) == sorted(name for name, _ in fresh3._ref_specs())
    assert len({name.split(":")[0] for name in names[: fresh3.VIDEO_REFS]}) == 10  # flash clips: every kind
    assert all(item.image.mode == "RGB" and min(item.image.size) >= 400 for item in refs)
    makers = dict(fresh3._ref_specs())
    for item in refs[:10]:  # one of each kind, drawn again
        assert image_digest(makers[item.name]()) == image_digest(item.image), item.name
    assert len({image_digest(item.image) for item in refs}) == 30


def test_reference_icons_and_tiles_differ_in_motif(fresh3):
    """Two references of one kind sharing a pictogram, tile motif or stamp scene would be near-copies of each
    other."""
    for seeds, kinds in (
        (fresh3.REF_ICONS, fresh3.ICON_KINDS),
        (fresh3.REF_TILES, fresh3.TILE_MOTIFS),
        (fresh3.REF_STAMPS, fresh3.STAMP_SCENES),
    ):
        motifs = [fresh3._design(np.random.default_rng(s), kinds)[1] for s in seeds]
        assert len(set(motifs)) == len(motifs)


def test_edits_do_what_they_say(fresh3):
    rng = np.random.default_rng(0)
    image = fresh3.pixel_sprite(706000)  # 512 x 512
    wide = Image.new("RGB", (640, 400), (10, 200, 30))
    bg = fresh3.tabletop(721000)
    assert set(fresh3.MILD) < set(fresh3.EDITS)
    assert fresh3._mirror(wide, np.random.default_rng(1), bg).size == (640, 400)
    assert fresh3._quarter_turn(wide, rng, bg).size in ((400, 640), (640, 400))
    for _ in range(2):
        crop = fresh3._crop(wide, rng, bg)
        assert 0.6 * 640 - 1 <= crop.width <= 0.75 * 640 and 0.6 * 400 - 1 <= crop.height <= 0.75 * 400
        small = fresh3._recompress(image, rng, bg)
        assert 0.3 * 512 - 1 <= small.width <= 0.6 * 512
        frame = fresh3._corner(image, rng, bg)
        assert frame.size == (1080, 1920)
        for card in (fresh3._polaroid(wide, rng, bg, mirror=True), fresh3._blur_backdrop(wide, rng, bg)):
            assert card.size == (1080, 1920)
    caption = np.asarray(fresh3._caption(wide, np.random.default_rng(3), bg)).astype(int)
    changed = np.abs(caption - np.asarray(wide).astype(int)).sum(-1).sum(1) > 0  # rows the band covers
    assert 0.2 * 400 - 1 <= changed.sum() <= 0.35 * 400 + 1
    hue = np.asarray(fresh3._hue_shift(wide, rng, bg))[0, 0]
    assert tuple(hue) != (10, 200, 30)


def test_flash_clip_shows_the_copy_briefly(fresh3, tmp_path):
    """A 0.3 s cut: 9 consecutive frames of the 90 (3 s at 30 fps) show the copy (rendered at a tenth of the
    size, the same timing)."""
    import subprocess

    from studio.media import ffmpeg_exe

    bg = Image.new("RGB", (200, 300), (40, 40, 40))
    copy = Image.new("RGB", (400, 400), (250, 250, 0))
    path = fresh3.render_flash(copy, bg, tmp_path / "clip.mp4", 5, fade=False, size=(108, 192))
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", "scale=54:96", "-f", "rawvideo", "-pix_fmt",
         "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 96, 54, 3)
    assert len(frames) == 90
    shown = (frames[..., 0].astype(int) - frames[..., 2].astype(int)).max(axis=(1, 2)) > 100  # yellow: R >> B
    assert shown.sum() == 9 and np.all(np.diff(np.flatnonzero(shown)) == 1)


def test_lookalike_counts_and_names(fresh3):
    specs = fresh3.lookalike_specs()
    names = [name for name, _ in specs]
    assert len(names) == len(set(names)) == 306
    families = Counter(name.split(":")[0] for name in names)
    assert families == {f"f3-{family}": fresh3.PER_FAMILY for family in fresh3.FAMILIES}
    assert not any("plush" in name or "lego" in name for name in names)


def test_lookalikes_are_deterministic(fresh3):
    """One look-alike of every generator family twice (of the layout families, whose pictures come from the
    same generators and edits, only the badges: the cheapest)."""
    seen: set[str] = set()
    for name, make in fresh3.lookalike_specs():
        family = name.split(":")[0]
        if family in seen or family in ("f3-caption", "f3-card", "f3-corner"):
            continue
        seen.add(family)
        assert image_digest(make()) == image_digest(make()), name
    assert len(seen) == len(fresh3.FAMILIES) - 3


def test_seeds_are_new(fresh3):
    import compliance_visual_data as data
    import compliance_visual_fresh2 as fresh2

    used_edit_seeds = {100, 101, 300, 301, data.FRESH_EDIT_SEED, data.FRESH_EDIT_SEED + 1, fresh2.EDIT_SEED,
                       fresh2.EDIT_SEED + 1}  # fmt: skip
    assert not {fresh3.EDIT_SEED + s for s in range(4)} & used_edit_seeds
    ours = [
        *fresh3.REF_ICONS, *fresh3.REF_GEOS, *fresh3.REF_TILES, *fresh3.REF_HALFTONES, *fresh3.REF_SPHERES,
        *fresh3.REF_CHARACTERS, *fresh3.REF_PIXELS, *fresh3.REF_CRESTS, *fresh3.REF_STAMPS, *fresh3.REF_BOTANICALS,
        fresh3.CROP_SEED, *fresh3.STREETS, *fresh3.TABLETOPS,
    ]  # fmt: skip
    assert min(ours) >= 700000 and len(ours) == len(set(ours))  # fresh2 used 610000-689999
    assert fresh3.LOOKALIKE_BASE > max(ours)
    earlier_plush = {*data.FRESH_PLUSH, *data.FRESH_PLUSH_CROPS, *fresh2.PLUSH, *fresh2.PLUSH_CROPS}
    assert not set(fresh3.PLUSH + fresh3.PLUSH_CROPS) & earlier_plush
    assert not set(fresh3.LEGO) & {*data.FRESH_LEGO, *fresh2.LEGO}


def test_lookalikes_stay_off_the_references(fresh3):
    """Same generators, but never a reference's words, initials, label or stamp name, nor its pictogram or tile
    motif (one motif in other colours would be a recolour, which the edits include), nor a crest's shape or a
    stamp's scene in the same palette."""
    assert not set(fresh3.REF_ZH) & set(fresh3.LOOK_ZH)
    assert not {w.upper() for w in fresh3.REF_LATIN} & {w.upper() for w in fresh3.LOOK_LATIN}
    assert not set(fresh3.REF_LABELS) & set(fresh3.LOOK_LABELS)
    assert not {name for name, _ in fresh3.REF_STAMP} & set(fresh3.LOOK_STAMP_NAMES)
    initials = {fresh3.look_initials(np.random.default_rng(s)) for s in range(300)}
    assert not initials & set(fresh3.REF_INITIALS)

    def design(seed: int, kinds: int) -> tuple[int, int]:
        return fresh3._design(np.random.default_rng(seed), kinds)

    for taken, kinds in ((fresh3.REF_ICONS, fresh3.ICON_KINDS), (fresh3.REF_TILES, fresh3.TILE_MOTIFS)):
        motifs = {design(s, kinds)[1] for s in taken}
        off = {design(s, kinds)[1] for s in fresh3.seeds_off(750000, 30, kinds, taken, by_kind=True)}
        assert not off & motifs
        looks = {design(s, kinds)[1] for s in fresh3.seeds_round_robin(750000, 30, kinds, taken)}
        assert not looks & motifs and len(looks) == kinds - len(motifs)  # every other motif
    tiles = [design(s, fresh3.TILE_MOTIFS) for s in fresh3.REF_TILES]
    looks = [design(s, fresh3.TILE_MOTIFS) for s in fresh3.seeds_round_robin(750000, 30, 6, fresh3.REF_TILES,
                                                                             other_palettes=True)]  # fmt: skip
    assert not {p for p, _ in looks} & {p for p, _ in tiles}  # nor a reference tile's palette
    for taken, kinds in ((fresh3.REF_CRESTS, fresh3.CREST_SHAPES), (fresh3.REF_STAMPS, fresh3.STAMP_SCENES)):
        used = {design(s, kinds) for s in taken}
        assert not {design(s, kinds) for s in fresh3.seeds_off(750000, 30, kinds, taken)} & used
