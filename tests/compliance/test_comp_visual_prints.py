"""Repeating prints (a textile pattern): located modulo their lattice, so crops and small copies are found; prints
of other motifs, logos and flat cards are not periodic and not matched."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.compliance.align import lattice
from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import load_pack
from studio.compliance.visual import screen_media
from studio.store import Store


@pytest.fixture()
def bank(tmp_path) -> ReferenceBank:
    return ReferenceBank(Store(tmp_path / "s.sqlite3"), folder=tmp_path / "refs")


def _print(motif: str, seed: int, *, size: int = 800, tile: int = 120) -> Image.Image:
    """A tiled print on a woven texture: ``lattice`` (lines with a knot), ``florals`` or ``dots``; rows offset
    by half a tile."""
    rng = np.random.default_rng(seed)
    colours = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(4)]
    colours[0] = (245, 238, 215)
    t = tile
    cell = Image.new("RGB", (t, t), colours[0])
    d = ImageDraw.Draw(cell)
    if motif == "lattice":
        d.line([(t / 2, 0), (t / 2, t)], fill=colours[1], width=6)
        d.line([(0, t / 2), (t, t / 2)], fill=colours[1], width=6)
        d.line([(0, 0), (t, t)], fill=colours[2], width=3)
        d.rectangle([t / 2 - 10, t / 2 - 10, t / 2 + 10, t / 2 + 10], fill=colours[3])
    elif motif == "florals":
        for cx, cy in ((t * 0.3, t * 0.3), (t * 0.75, t * 0.7)):
            for k in range(6):
                a = 2 * np.pi * k / 6
                px, py = cx + 14 * np.cos(a), cy + 14 * np.sin(a)
                d.ellipse([px - 9, py - 9, px + 9, py + 9], fill=colours[1])
            d.ellipse([cx - 7, cy - 7, cx + 7, cy + 7], fill=colours[2])
    else:
        for cx, cy, c in ((t / 4, t / 4, 1), (t * 3 / 4, t * 3 / 4, 2), (t * 3 / 4, t / 4, 3)):
            d.ellipse([cx - 14, cy - 14, cx + 14, cy + 14], fill=colours[c])
    big = Image.new("RGB", (size + 2 * t, size + 2 * t))
    for row, y in enumerate(range(0, big.height, t)):
        for x in range(-t, big.width, t):
            big.paste(cell, (x + (t // 2 if row % 2 else 0), y))
    image = np.asarray(big.crop((t, t, t + size, t + size)), np.float32)
    weave = 1 + 0.06 * np.outer(np.sign(np.sin(np.arange(size) / 2.5)), np.sin(np.arange(size) * 1.6))
    image = image * weave[..., None] + rng.normal(0, 4, (size, size, 1))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def _grey(image: Image.Image, side: int = 400) -> np.ndarray:
    return np.asarray(image.convert("L").resize((side, side), Image.BOX))


def _logo() -> Image.Image:
    """A badge with a double border (parallel lines: a local autocorrelation peak, but no repeats) and letters."""
    image = Image.new("RGB", (800, 800), (20, 60, 70))
    d = ImageDraw.Draw(image)
    d.polygon([(400, 80), (720, 400), (400, 720), (80, 400)], fill=(240, 230, 210))
    d.polygon([(400, 120), (680, 400), (400, 680), (120, 400)], outline=(20, 60, 70), width=8)
    d.ellipse([300, 300, 500, 500], fill=(200, 120, 60))
    d.rectangle([250, 520, 550, 540], fill=(20, 60, 70))
    return image


@pytest.mark.parametrize("motif", ["lattice", "florals", "dots"])
def test_a_tiled_print_has_a_lattice_of_its_tile(motif):
    grid = lattice(_grey(_print(motif, 3)))
    assert grid is not None
    # 120 px tiles of an 800 px print, rows offset by half a tile, at 400 px: the tile repeats every 60 px along a
    # row and (30, 60) between rows; both are whole multiples of the lattice found (it may be finer, where
    # motifs of like grey sit between)
    for vector in ((60.0, 0.0), (30.0, 60.0)):
        c = np.linalg.solve(grid.T, np.array(vector))
        assert np.abs(c - np.round(c)).max() < 0.1, (grid.tolist(), vector)
    assert float(np.hypot(grid[:, 0], grid[:, 1]).min()) >= 20


def test_logos_photos_and_flat_cards_have_no_lattice():
    flat = np.full((400, 400), 128, np.uint8)
    gradient = np.tile(np.linspace(0, 255, 400, dtype=np.float32), (400, 1)).astype(np.uint8)
    stripes = np.tile((np.arange(400) // 20 % 2 * 200).astype(np.uint8), (400, 1))  # repeats one way only
    noise = np.random.default_rng(0).integers(0, 256, (400, 400)).astype(np.uint8)
    for grey in (flat, gradient, stripes, noise, _grey(_logo())):
        assert lattice(grey) is None


def _crop(image: Image.Image, share: float, at: tuple[float, float]) -> Image.Image:
    w, h = image.size
    cw, ch = int(w * share), int(h * share)
    x0, y0 = int((w - cw) * at[0]), int((h - ch) * at[1])
    return image.crop((x0, y0, x0 + cw, y0 + ch))


def _card(picture: Image.Image) -> Image.Image:
    stage = Image.new("RGB", (720, 1280), (90, 40, 20))
    framed = Image.new("RGB", (424, 424), (255, 255, 255))
    framed.paste(picture.resize((400, 400), Image.LANCZOS), (12, 12))
    stage.paste(framed.rotate(4, resample=Image.BICUBIC, expand=True, fillcolor=(90, 40, 20)), (140, 420))
    return stage


def _near(path, bank):
    findings, run, _ = screen_media(path, packs=[load_pack("ip")], bank=bank, embedder=None)
    assert "pdq" in run
    return [f for f in findings if f.rule == "ip.near-copy"]


@pytest.mark.parametrize(
    "edit",
    ["crop 65 % top-left", "crop 70 % off-centre", "photo card, tilted"],
    ids=["crop", "crop2", "card"],
)
def test_a_crop_or_a_small_copy_of_a_print_is_found(tmp_path, bank, edit):
    original = _print("lattice", 7)
    original.save(tmp_path / "print.png")
    _print("florals", 8).save(tmp_path / "other.png")
    bank.add([tmp_path / "print.png", tmp_path / "other.png"], owner="Weaver Co")
    if edit.startswith("crop 65"):
        query = _crop(original, 0.65, (0.1, 0.2))  # another phase of the pattern under the hashes
    elif edit.startswith("crop 70"):
        query = _crop(original, 0.7, (0.83, 0.37))
    else:
        query = _card(original)
    path = tmp_path / "query.png"
    query.save(path)
    found = _near(path, bank)
    assert [f.reference for f in found] == ["ref:1"], [f.message for f in found]


def test_a_print_of_another_motif_in_the_same_colours_is_not_a_copy(tmp_path, bank):
    _print("lattice", 7).save(tmp_path / "print.png")
    bank.add([tmp_path / "print.png"], owner="Weaver Co")
    for k, motif in enumerate(("dots", "florals")):
        query = _crop(_print(motif, 7), 0.7, (0.3, 0.3))  # seed 7: the reference's colours
        path = tmp_path / f"q{k}.png"
        query.save(path)
        assert not _near(path, bank), motif


def test_the_index_marks_only_the_print_as_periodic(tmp_path, bank):
    _print("dots", 2).save(tmp_path / "print.png")
    _logo().save(tmp_path / "logo.png")
    bank.add([tmp_path / "print.png", tmp_path / "logo.png"], owner="Weaver Co")
    index = bank.index()
    # features of both, then their mirrored features; a print stays periodic mirrored
    periodic = [g is not None for g in index.features.lattices]
    owners = [index.entries[i].ref.name for i in index.feature_owner]
    assert [p for p, o in zip(periodic, owners) if o.startswith("print")] == [True, True]
    assert [p for p, o in zip(periodic, owners) if o.startswith("logo")] == [False, False]
