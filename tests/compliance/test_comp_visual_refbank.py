"""The reference bank in the real SQLite store: add, list, remove, hashes, embeddings, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio.compliance import hashes
from studio.compliance.refbank import HASH_SCHEME, ReferenceBank
from studio.errors import InputError
from studio.store import open_store


@pytest.fixture
def bank():
    return ReferenceBank(open_store())


@pytest.fixture
def logos(tmp_path, media):
    paths = []
    for seed in range(3):
        path = tmp_path / f"logo{seed}.png"
        media.logo(seed).save(path)
        paths.append(path)
    return paths


def test_add_list_remove(bank, logos):
    ids = bank.add(logos[:2], owner="ACME Corp", licence="all rights reserved", notes="from the brief")
    assert len(ids) == 2 and ids[0] != ids[1]
    listed = bank.list()
    assert [r.id for r in listed] == ids
    first = listed[0]
    assert (first.owner, first.licence, first.notes, first.kind) == ("ACME Corp", "all rights reserved",
                                                                     "from the brief", "protected")  # fmt: skip
    assert first.name == "logo0.png" and (first.width, first.height) == (480, 480)
    assert first.path.is_file() and first.path.parent == bank.folder  # a copy, independent of the original
    assert first.pdq_quality >= hashes.PDQ_MIN_QUALITY
    assert first.label == f"ref:{first.id}" and first.to_json()["ref"] == first.label
    assert len(bank) == 2

    removed = bank.remove(ids[0])
    assert removed.id == ids[0] and not removed.path.exists()
    assert [r.id for r in bank.list()] == [ids[1]]
    with pytest.raises(InputError, match=f"no reference with id {ids[0]}"):
        bank.remove(ids[0])


def test_same_image_twice_keeps_one_row(bank, logos, tmp_path):
    first = bank.add([logos[0]], owner="ACME")
    copy = tmp_path / "renamed.png"
    copy.write_bytes(logos[0].read_bytes())
    again = bank.add([copy, logos[1]], owner="Someone else")
    assert again[0] == first[0] and len(bank) == 2


def test_stored_hashes_cover_the_eight_orientations(bank, logos, tmp_path):
    (ref_id,) = bank.add([logos[0]], owner="ACME")
    row = bank.store.ref(ref_id)
    words = hashes.words_from_bytes(row.pdq, 4)
    meta = json.loads(row.phash)
    assert words.shape == (8, 4) and len(meta["phash"]) == 8 and meta["scheme"] == HASH_SCHEME
    upright, _ = hashes.pdq(np.asarray(Image.open(logos[0]).convert("RGB")))
    assert hashes.hamming(upright[None], words)[0, 0] == 0
    # a transparent logo is hashed over white and over black: 16 variants
    rgba = Image.open(logos[1]).convert("RGBA")
    alpha = np.zeros((480, 480), np.uint8)
    alpha[60:420, 60:420] = 255
    rgba.putalpha(Image.fromarray(alpha))
    path = tmp_path / "transparent.png"
    rgba.save(path)
    (alpha_id,) = bank.add([path], owner="ACME")
    assert hashes.words_from_bytes(bank.store.ref(alpha_id).pdq, 4).shape == (16, 4)


def test_bad_input_adds_nothing(bank, logos, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(logos[0].read_bytes()[:200])
    with pytest.raises(InputError, match="broken.png"):
        bank.add([logos[0], broken], owner="ACME")
    assert len(bank) == 0 and not list(bank.folder.glob("*"))
    with pytest.raises(InputError, match="does not exist"):
        bank.add([tmp_path / "missing.png"], owner="ACME")
    with pytest.raises(InputError, match="owner"):
        bank.add(logos, owner="  ")
    with pytest.raises(InputError, match="kind"):
        bank.add(logos, owner="ACME", kind="secret")
    with pytest.raises(InputError, match="No images"):
        bank.add([], owner="ACME")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (8, 8), "red").save(tiny)
    with pytest.raises(InputError, match="minimum is 16"):
        bank.add([tiny], owner="ACME")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(InputError, match="not a readable image"):
        bank.add([text], owner="ACME")
    assert len(bank) == 0


def test_index_is_cached_until_the_bank_changes(bank, logos):
    assert len(bank.index()) == 0
    bank.add(logos[:2], owner="ACME")
    index = bank.index()
    assert len(index) == 2 and bank.index() is index
    assert index.pdq.shape == (16, 4) and index.phash.shape == (16,)
    assert all(e.features is not None and len(e.features.descriptors) > 20 for e in index.entries)
    bank.add([logos[2]], owner="ACME")
    assert len(bank.index()) == 3
    # another bank object on the same store sees the change too (the cache key is read from the store)
    other = ReferenceBank(bank.store)
    other.remove(bank.list()[0].id)
    assert len(bank.index()) == 2


def test_old_hash_scheme_is_recomputed(bank, logos):
    (ref_id,) = bank.add([logos[0]], owner="ACME")
    good = bank.store.ref(ref_id).pdq
    meta = {"scheme": 0, "phash": [], "name": "logo0.png", "size": [480, 480]}
    bank.store.set_ref_hashes(ref_id, b"", 0, json.dumps(meta))
    index = ReferenceBank(bank.store).index()
    assert len(index) == 1 and len(index.entries[0].phash) == 8
    row = bank.store.ref(ref_id)
    assert row.pdq == good and json.loads(row.phash)["scheme"] == HASH_SCHEME


def test_missing_stored_copy_keeps_the_hashes(bank, logos):
    (ref_id,) = bank.add([logos[0]], owner="ACME")
    bank.get(ref_id).path.unlink()
    index = ReferenceBank(bank.store).index()
    assert index.missing_files == [ref_id] and len(index) == 1 and index.entries[0].features is None
    assert bank.thumbnail(ref_id) is None


def test_embeddings_are_stored_and_reused(bank, logos, tiny_clip):
    from studio.compliance.embed import ClipEmbedder

    embedder = ClipEmbedder.load(tiny_clip.name, checkpoint=tiny_clip.checkpoint)
    ids = bank.add(logos[:1], owner="ACME", embedder=embedder)
    assert bank.get(ids[0]).embed_model == embedder.name
    ids += bank.add(logos[1:2], owner="ACME")  # no embedder: hash-only
    assert bank.get(ids[1]).embed_model is None
    vectors = bank.embeddings(embedder)
    assert vectors.shape == (2, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert bank.get(ids[1]).embed_model == embedder.name  # computed now, stored for next time
    direct = embedder.embed_images([Image.open(logos[0]).convert("RGB")])[0]
    assert float(vectors[0] @ direct) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(bank.embeddings(embedder, [ids[1]]), vectors[1:], atol=1e-6)


def test_thumbnail(bank, logos):
    (ref_id,) = bank.add([logos[0]], owner="ACME")
    thumb = bank.thumbnail(ref_id, side=100)
    assert thumb is not None and thumb.shape == (100, 100, 3) and thumb.dtype == np.uint8


def test_features_are_cached_on_disk(bank, logos):
    (ref_id,) = bank.add([logos[0]], owner="ACME")
    first = bank.index().entries[0]
    caches = list((bank.folder / ".features").glob("*.npz"))
    assert len(caches) == 1
    # a new process (a new bank object) reads the cache instead of decoding the image again
    ref = bank.get(ref_id)
    ref.path.write_bytes(b"no longer decodable")
    again = ReferenceBank(bank.store).index().entries[0]
    assert np.array_equal(again.features.descriptors, first.features.descriptors)
    assert np.array_equal(again.rgb, first.rgb)
    bank.remove(ref_id)
    assert not caches[0].exists()
