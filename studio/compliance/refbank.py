"""The reference bank: protected images (third-party logos, characters, competitor products: kind "protected")
and the brand's own or licensed assets (kind "licensed") that screening compares every frame against.

Each reference is a row of the store's ``refs`` table with its owner, licence, notes and kind, a copy of the image
under ``$STUDIO_HOME/refs/`` (so the bank survives the original being moved), and what matching needs:

* ``pdq``: the PDQ hashes of the image's 8 rotations/flips (and, for images with transparency, of the same 8 over
  black as well as over white), ``[V, 4]`` uint64 packed as a BLOB;
* ``phash``: JSON with the pHashes of the same variants, the hashing scheme version and the original file name;
* ``embedding``: its CLIP embedding (float32) and ``embed_model``, the embedder that made it; computed when the
  reference is added with an embedder, or later, the first time screening runs with one.

``ReferenceBank.index()`` gathers everything a screen needs in memory (hash matrices, ORB features, small RGB
copies for verifying aligned regions); it is cached on the bank object until a reference is added or removed.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studio.compliance import hashes
from studio.errors import InputError
from studio.progress import ProgressFn

if TYPE_CHECKING:
    from studio.compliance.align import FeatureIndex, RefFeatures
    from studio.compliance.embed import ClipEmbedder
    from studio.store import RefRow, Store

HASH_SCHEME = 1  # bump when the variants or the canonical form change: stored hashes are then recomputed
# "protected": third-party logos, characters, competitor products (the ip pack blocks near-copies of these);
# "licensed": the brand's own or licensed assets (the ip pack only warns, so the licence gets checked).
REF_KINDS: tuple[str, ...] = ("protected", "licensed")
MAX_REF_SIDE = 2048  # references are hashed and described from a copy at most this large


@dataclass(frozen=True)
class Reference:
    """One row of the bank."""

    id: int
    owner: str
    licence: str
    notes: str
    kind: str
    path: Path  # the stored copy
    name: str  # the original file name
    sha256: str
    pdq_quality: int
    width: int
    height: int
    embed_model: str | None
    created: float

    @property
    def label(self) -> str:
        """``ref:<id>``, the form findings use."""
        return f"ref:{self.id}"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ref": self.label,
            "owner": self.owner,
            "licence": self.licence,
            "notes": self.notes,
            "kind": self.kind,
            "name": self.name,
            "path": str(self.path),
            "sha256": self.sha256,
            "pdq_quality": self.pdq_quality,
            "size": [self.width, self.height],
            "embed_model": self.embed_model,
            "created": self.created,
        }


@dataclass
class IndexEntry:
    """A reference as screening sees it."""

    ref: Reference
    pdq: np.ndarray  # [V, 4] uint64
    phash: np.ndarray  # [V] uint64
    rgb: np.ndarray | None  # [h, w, 3] uint8, the feature-image size (None if the stored copy is gone)
    features: RefFeatures | None
    mirrored: RefFeatures | None = (
        None  # features of the left-right mirrored image (ORB is not flip-invariant)
    )
    # hashes of the value channel max(R, G, B) of the 8 variants (``hashes.value_variants``; None without rgb)
    pdq_value: np.ndarray | None = None  # [8, 4] uint64
    phash_value: np.ndarray | None = None  # [8] uint64
    quality_value: int = 0


@dataclass
class BankIndex:
    """In-memory matching data of the whole bank (or of some kinds)."""

    entries: list[IndexEntry]
    pdq: np.ndarray  # [sum V, 4] uint64, all variants stacked
    pdq_owner: np.ndarray  # [sum V] position in ``entries``
    phash: np.ndarray  # [sum V] uint64
    features: FeatureIndex
    feature_owner: list[int]  # FeatureIndex position -> position in ``entries``
    feature_mirrored: list[bool] = field(default_factory=list)  # FeatureIndex position -> mirrored features
    missing_files: list[int] = field(default_factory=list)  # reference ids whose stored copy is gone
    # value-channel hashes of the entries that have them, stacked like ``pdq`` / ``phash``
    pdq_value: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.uint64))
    phash_value: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    value_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.entries)


class ReferenceBank:
    """The protected-asset bank stored in ``store`` (table ``refs``); copies of the images in ``folder``."""

    def __init__(self, store: Store, folder: str | os.PathLike[str] | None = None):
        from studio.settings import studio_home

        self.store = store
        self.folder = Path(folder) if folder else studio_home() / "refs"
        self._lock = threading.Lock()
        self._index: BankIndex | None = None
        self._index_key: tuple | None = None

    # -- adding, listing, removing -----------------------------------------------------------------------
    def add(
        self,
        paths: Sequence[str | os.PathLike[str]],
        owner: str,
        licence: str = "",
        notes: str = "",
        kind: str = "protected",
        embedder: ClipEmbedder | None = None,
        on_progress: ProgressFn | None = None,
    ) -> list[int]:
        """Add images to the bank; returns their ids in the order of ``paths``.

        All images are read and hashed before anything is written: one unreadable file raises ``InputError``
        (naming it) and adds nothing. An image already in the bank (same SHA-256) keeps its row and id.
        """
        from studio.fsutil import atomic_output, sha256_file

        owner = (owner or "").strip()
        if not owner:
            raise InputError("A reference needs an owner.", "Pass --owner NAME (the rights holder).")
        if kind not in REF_KINDS:
            raise InputError(f"Unknown reference kind {kind!r}.", f"Use one of: {', '.join(REF_KINDS)}.")
        if not paths:
            raise InputError("No images given to add to the reference bank.", "Give one or more image files.")
        report = on_progress or (lambda fraction, message: None)
        prepared = []
        for i, raw in enumerate(paths):
            path = Path(raw)
            report(i / len(paths) * 0.8, f"hashing {path.name}")
            rgb, has_alpha = _load_reference(path)
            prepared.append((path, sha256_file(path), rgb, has_alpha, _hash_variants(rgb, has_alpha)))
        embeddings: list[np.ndarray | None] = [None] * len(prepared)
        if embedder is not None:
            report(0.8, "computing CLIP embeddings")
            vectors = embedder.embed_images([_flatten(rgb) for _, _, rgb, _, _ in prepared])
            embeddings = list(vectors)
        self.folder.mkdir(parents=True, exist_ok=True)
        ids: list[int] = []
        written: list[Path] = []
        try:
            with self.store.transaction():
                for (path, digest, rgb, has_alpha, (pdq_words, quality, phash_words)), vector in zip(
                    prepared, embeddings
                ):
                    existing = self.store.ref_id_for_sha256(digest)
                    if existing is not None:
                        ids.append(existing)
                        continue
                    copy = self.folder / f"{digest[:16]}-{_safe_name(path.name)}"
                    if not copy.exists():
                        with atomic_output(copy) as tmp:
                            tmp.write_bytes(path.read_bytes())
                        written.append(copy)
                    meta = {
                        "scheme": HASH_SCHEME,
                        "phash": [hashes.to_hex(w) for w in phash_words],
                        "alpha": has_alpha,
                        "name": path.name,
                        "size": [int(rgb.shape[1]), int(rgb.shape[0])],
                    }
                    ref_id = self.store.add_ref(
                        owner=owner,
                        licence=licence or "",
                        notes=notes or "",
                        kind=kind,
                        path=copy,
                        sha256=digest,
                        pdq=hashes.words_to_bytes(pdq_words),
                        pdq_quality=int(quality),
                        phash=json.dumps(meta),
                        embedding=None if vector is None else np.asarray(vector, dtype="<f4").tobytes(),
                        embed_model=None if vector is None else embedder.name,  # type: ignore[union-attr]
                    )
                    ids.append(ref_id)
        except BaseException:
            for copy in written:
                copy.unlink(missing_ok=True)
            raise
        self._invalidate()
        report(1.0, f"{len(ids)} reference(s) in the bank")
        return ids

    def list(self, kinds: Sequence[str] | None = None) -> list[Reference]:
        """All references (optionally only some kinds), oldest first."""
        refs = [_reference(row) for row in self.store.refs()]
        return [r for r in refs if kinds is None or r.kind in kinds]

    def get(self, ref_id: int) -> Reference:
        row = self.store.ref(ref_id)
        if row is None:
            raise InputError(
                f"There is no reference with id {ref_id}.", "See `studio refs list` for the ids."
            )
        return _reference(row)

    def remove(self, ref_id: int) -> Reference:
        """Delete a reference (and its stored copy when no other row uses it); returns what was removed."""
        ref = self.get(ref_id)
        self.store.delete_ref(ref.id)
        if not self.store.ref_path_in_use(ref.path) and ref.path.parent == self.folder:
            ref.path.unlink(missing_ok=True)
        if not self.store.ref_sha256_in_use(ref.sha256):
            self._feature_cache(ref.sha256).unlink(missing_ok=True)
        self._invalidate()
        return ref

    def __len__(self) -> int:
        return self.store.count_refs()

    # -- matching data -------------------------------------------------------------------------------------
    def index(self) -> BankIndex:
        """The in-memory matching data (cached until the bank changes)."""
        from studio.compliance.align import FeatureIndex, lattice

        key = self._key()
        with self._lock:
            if self._index is not None and self._index_key == key:
                return self._index
            entries: list[IndexEntry] = []
            missing: list[int] = []
            for row in self.store.refs():
                ref = _reference(row)
                meta = json.loads(row.phash or "{}")
                matching = self._features(ref)
                if matching is None:
                    missing.append(ref.id)
                if meta.get("scheme") == HASH_SCHEME and row.pdq:
                    pdq_words = hashes.words_from_bytes(row.pdq, 4)
                    phash_words = np.array([hashes.from_hex(h)[0] for h in meta["phash"]], dtype=np.uint64)
                elif matching is not None:  # hashed by an older scheme: recompute and store
                    rgb, has_alpha = _load_reference(ref.path)
                    pdq_words, quality, phash_words = _hash_variants(rgb, has_alpha)
                    meta.update(scheme=HASH_SCHEME, phash=[hashes.to_hex(w) for w in phash_words])
                    if not self.store.read_only:  # a read-only reader (a batch worker) keeps them in memory
                        self.store.set_ref_hashes(
                            ref.id, hashes.words_to_bytes(pdq_words), int(quality), json.dumps(meta)
                        )
                else:
                    continue
                small, features, mirrored = matching if matching is not None else (None, None, None)
                value = hashes.value_variants(small) if small is not None else None
                entries.append(
                    IndexEntry(
                        ref=ref,
                        pdq=pdq_words,
                        phash=phash_words,
                        rgb=small,
                        features=features,
                        mirrored=mirrored,
                        pdq_value=value[0] if value else None,
                        phash_value=value[2] if value else None,
                        quality_value=value[1] if value else 0,
                    )
                )
            pdq_all = np.concatenate([e.pdq for e in entries]) if entries else np.zeros((0, 4), np.uint64)
            pdq_owner = (
                np.concatenate([np.full(len(e.pdq), i) for i, e in enumerate(entries)])
                if entries
                else (np.zeros(0, np.int64))
            )
            phash_all = np.concatenate([e.phash for e in entries]) if entries else np.zeros(0, np.uint64)
            with_features = [i for i, e in enumerate(entries) if e.features is not None]
            with_mirrored = [i for i, e in enumerate(entries) if e.mirrored is not None]
            # repeating prints (``align.lattice``) are matched modulo their lattice; mirrored, it is mirrored too
            grids = {i: lattice(_grey(entries[i].rgb)) for i in with_features if entries[i].rgb is not None}
            flip = np.array([-1.0, 1.0])
            feature_index = FeatureIndex(
                [entries[i].features for i in with_features] + [entries[i].mirrored for i in with_mirrored],  # type: ignore[misc]
                lattices=[grids.get(i) for i in with_features]
                + [None if grids.get(i) is None else grids[i] * flip for i in with_mirrored],
            )
            self._index = BankIndex(
                entries=entries,
                pdq=pdq_all,
                pdq_owner=pdq_owner,
                phash=phash_all,
                features=feature_index,
                feature_owner=with_features + with_mirrored,
                feature_mirrored=[False] * len(with_features) + [True] * len(with_mirrored),
                missing_files=missing,
            )
            valued = [i for i, e in enumerate(entries) if e.pdq_value is not None]
            if valued:
                self._index.pdq_value = np.concatenate([entries[i].pdq_value for i in valued])  # type: ignore[misc]
                self._index.phash_value = np.concatenate([entries[i].phash_value for i in valued])  # type: ignore[misc]
                self._index.value_owner = np.concatenate([np.full(8, i) for i in valued])
            self._index_key = key
            return self._index

    def _features(self, ref: Reference) -> tuple[np.ndarray, RefFeatures, RefFeatures] | None:
        """The small RGB copy and the ORB features of ``ref`` and of its mirror image (None when its stored image
        is gone or unreadable).

        Cached in ``<folder>/.features/`` (a numpy archive per image, read without pickle), so opening the bank
        in a new process does not decode every reference again.
        """
        from studio.compliance.align import RefFeatures, feature_image, reference_features
        from studio.fsutil import atomic_output

        if not ref.path.is_file():
            return None
        cache = self._feature_cache(ref.sha256)
        if cache.is_file():
            try:
                with np.load(cache, allow_pickle=False) as data:
                    size = (int(data["size"][0]), int(data["size"][1]))
                    return (
                        data["rgb"],
                        RefFeatures(points=data["points"], descriptors=data["descriptors"], size=size),
                        RefFeatures(points=data["mpoints"], descriptors=data["mdescriptors"], size=size),
                    )
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache file is rebuilt below
        try:
            rgb, _ = _load_reference(ref.path)
        except InputError:
            return None
        flat = _flatten(rgb)
        grey = feature_image(_grey(flat))
        small = _resize(flat, (grey.shape[1], grey.shape[0]))
        features = reference_features(_grey(flat))
        mirrored = reference_features(np.ascontiguousarray(_grey(flat)[:, ::-1]))
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(cache) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, rgb=small, points=features.points, descriptors=features.descriptors,
                     size=np.array(features.size), mpoints=mirrored.points, mdescriptors=mirrored.descriptors)  # fmt: skip
        return small, features, mirrored

    def _feature_cache(self, sha256: str) -> Path:
        from studio.compliance.align import FEATURE_SCHEME

        return self.folder / ".features" / f"{sha256[:32]}-v{FEATURE_SCHEME}.npz"

    def embeddings(self, embedder: ClipEmbedder, ref_ids: Sequence[int] | None = None) -> np.ndarray:
        """CLIP embeddings ``[R, D]`` of ``ref_ids`` (default: all, by id) made by ``embedder``.

        References embedded by another model (or not yet) are embedded now and the vectors stored (kept in
        memory only when the store is read-only).
        """
        refs = self.list() if ref_ids is None else [self.get(i) for i in ref_ids]
        rows = {row.id: row for row in self.store.refs()}
        stale = [r for r in refs if rows[r.id].embed_model != embedder.name or not rows[r.id].embedding]
        if stale:
            images = []
            for r in stale:
                if not r.path.is_file():
                    raise InputError(
                        f"The stored copy of reference {r.id} ({r.path}) is missing.",
                        f"Remove it with `studio refs remove {r.id}` and add the image again.",
                    )
                rgb, _ = _load_reference(r.path)
                images.append(_flatten(rgb))
            vectors = embedder.embed_images(images)
            fresh = {r.id: np.asarray(v, dtype="<f4").tobytes() for r, v in zip(stale, vectors)}
            if not self.store.read_only:
                for ref_id, blob in fresh.items():
                    self.store.set_ref_embedding(ref_id, blob, embedder.name)
            rows = {
                row.id: replace(row, embedding=fresh.get(row.id, row.embedding)) for row in self.store.refs()
            }
        if not refs:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([np.frombuffer(rows[r.id].embedding, dtype="<f4").astype(np.float32) for r in refs])

    def thumbnail(self, ref_id: int, side: int = 256) -> np.ndarray | None:
        """A small RGB copy ``[h, w, 3]`` (long side ``side``) of the stored image, or None if it is gone."""
        ref = self.get(ref_id)
        if not ref.path.is_file():
            return None
        rgb, _ = _load_reference(ref.path)
        flat = _flatten(rgb)
        scale = min(1.0, side / max(flat.shape[:2]))
        return _resize(flat, (max(1, round(flat.shape[1] * scale)), max(1, round(flat.shape[0] * scale))))

    # -- internals -------------------------------------------------------------------------------------------
    def _key(self) -> tuple:
        return self.store.refs_fingerprint()

    def _invalidate(self) -> None:
        with self._lock:
            self._index = None
            self._index_key = None


# -- image preparation -------------------------------------------------------------------------------------------
def _load_reference(path: Path) -> tuple[np.ndarray, bool]:
    """The reference as [H, W, 3 or 4] uint8 (RGBA when it has real transparency), at most MAX_REF_SIDE."""
    from studio.images import load_photo

    image = load_photo(path, what="reference image")
    scale = MAX_REF_SIDE / max(image.size)
    if scale < 1:
        from PIL import Image

        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BOX
        )
    array = np.asarray(image)
    if min(array.shape[:2]) < 16:
        raise InputError(
            f"The reference image {path.name} is {array.shape[1]}x{array.shape[0]} pixels; the minimum is 16.",
            "Use a larger image of the protected asset.",
        )
    return array, array.shape[2] == 4


def _flatten(rgb: np.ndarray, background: int = 255) -> np.ndarray:
    """RGBA -> RGB over a grey level ``background``; RGB passes through."""
    if rgb.shape[2] == 3:
        return rgb
    alpha = rgb[..., 3:4].astype(np.float32) / 255.0
    out = rgb[..., :3].astype(np.float32) * alpha + background * (1.0 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _hash_variants(rgb: np.ndarray, has_alpha: bool) -> tuple[np.ndarray, int, np.ndarray]:
    """PDQ ``[V, 4]``, PDQ quality of the upright image and pHash ``[V]`` of the 8 dihedral variants
    (over white, and also over black for transparent images: V = 8 or 16)."""
    backgrounds = (255, 0) if has_alpha else (255,)
    pdq_all, phash_all, quality = [], [], 0
    for i, background in enumerate(backgrounds):
        flat = _flatten(rgb, background)
        words, q = hashes.pdq_dihedral(flat)
        if i == 0:
            quality = q
        pdq_all.append(words)
        canon = hashes.canonical(flat)
        phash_all.append(hashes.phash_grey(hashes.grey32(np.stack(hashes.dihedral(canon)))))
    return np.concatenate(pdq_all), quality, np.concatenate(phash_all)


def _grey(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)


def _resize(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    if (rgb.shape[1], rgb.shape[0]) == size:
        return np.ascontiguousarray(rgb)
    interpolation = cv2.INTER_AREA if size[0] < rgb.shape[1] else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(rgb), size, interpolation=interpolation)


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-80:].lstrip(".")
    return stem or "image"


def _reference(row: RefRow) -> Reference:
    meta = json.loads(row.phash or "{}")
    size = meta.get("size") or [0, 0]
    return Reference(
        id=int(row.id),
        owner=row.owner,
        licence=row.licence,
        notes=row.notes,
        kind=row.kind,
        path=row.path,
        name=meta.get("name") or row.path.name,
        sha256=row.sha256,
        pdq_quality=int(row.pdq_quality or 0),
        width=int(size[0]),
        height=int(size[1]),
        embed_model=row.embed_model,
        created=float(row.created),
    )
