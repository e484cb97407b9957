"""`studio batch plan`: a catalogue becomes validated jobs, one per product and platform, without writing anything.

Each row is checked as the render would check it (the spec's fields and limits, every photo opened and decoded)
so a malformed row fails here with its row number and column, not an hour into the batch. Jobs are keyed by
(product id, platform, spec hash); the hash covers the spec with every file replaced by its SHA-256, so moving the
catalogue's folder keeps the keys and editing a photo changes them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from studio.batch.catalogue import Catalogue, Product, RowError, read_catalogue
from studio.errors import StudioError
from studio.fsutil import resolve_inside, sha256_file
from studio.media.types import is_image
from studio.store import NewJob, Store


@dataclass(frozen=True)
class PlannedJob:
    row: int
    product_id: str
    platform: str
    stem: str  # output names: STEM-PLATFORM.mp4, unique per product id
    spec: dict[str, Any]  # AdSpec data for this platform (absolute photo paths)
    spec_hash: str
    notes: tuple[str, ...] = ()
    redo: bool = False  # recorded done, but its outputs are gone

    def new_job(self) -> NewJob:
        return NewJob(self.product_id, self.platform, self.spec_hash, self.stem, self.spec, row=self.row)


@dataclass(frozen=True)
class Plan:
    catalogue: Catalogue
    outdir: Path
    jobs: tuple[PlannedJob, ...]  # to run (new, failed or unfinished)
    skipped: tuple[PlannedJob, ...]  # already done in this output folder
    errors: tuple[RowError, ...]
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "catalogue": self.catalogue.path.name,
            "format": self.catalogue.format,
            "products": len(self.catalogue.products),
            "jobs": len(self.jobs),
            "skipped": len(self.skipped),
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            "notes": [
                {"row": j.row, "product_id": j.product_id, "note": n} for j in self.jobs for n in j.notes
            ],
        }


def batch_key(outdir: Path) -> str:
    return str(Path(outdir).resolve())


def plan_batch(
    catalogue_path: str | Path,
    outdir: str | Path,
    *,
    platforms: list[str] | None = None,
    template: str | None = None,
    mapping: dict[str, str] | None = None,
    images_dir: str | Path | None = None,
    defaults: dict[str, Any] | None = None,
    store: Store | None = None,
    width: int | None = None,
) -> Plan:
    """Read, validate and key every job of the catalogue. ``store`` (read only) marks jobs already done.

    ``width``: render every ad that many pixels wide (``Preset.at_width``; None: each platform's own size). It is
    part of each job's key, so a folder rendered at another width is rendered again, and the run reads it from
    ``Plan.options``."""
    from studio.ads import MIN_PHOTO_EDGE
    from studio.images import load_photo
    from studio.spec import parse_spec
    from studio.video.presets import check_width, get_preset

    check_width(width)  # a bad --width is the command's error, not every row's
    catalogue = read_catalogue(catalogue_path, mapping=mapping)
    base = catalogue.path.parent.resolve()
    images = Path(images_dir).resolve() if images_dir else None
    errors = list(catalogue.errors)
    jobs: list[PlannedJob] = []
    stems = _stems([p.product_id for p in catalogue.products])
    seen: dict[str, int] = {}
    for product in catalogue.products:
        if product.product_id in seen:
            errors.append(RowError(product.row, "id", f"product id {product.product_id!r} is also on row"
                                   f" {seen[product.product_id]}; ids name the outputs and must be unique"))  # fmt: skip
            continue
        seen[product.product_id] = product.row
        try:
            photos = _photos(product, base, images)
            data = _spec_data(product, photos, platforms, template, defaults, base)
            spec = parse_spec(data, source=f"row {product.row}")
            for photo in spec.photos:
                load_photo(photo, min_size=MIN_PHOTO_EDGE, what=f"photo {Path(photo).name}")
            for platform in spec.platforms:
                get_preset(platform).at_width(width)
        except StudioError as exc:
            errors.append(RowError(product.row, _column_of(exc.message), exc.one_line()))
            continue
        full = spec.to_data()
        hashes = _content_hashes(full)
        for platform in spec.platforms:
            one = {**full, "platforms": [platform]}
            keyed = one if width is None else {**one, "render_width": width}  # default keys stay as they were
            jobs.append(
                PlannedJob(
                    row=product.row,
                    product_id=product.product_id,
                    platform=platform,
                    stem=stems[product.product_id],
                    spec=one,
                    spec_hash=spec_hash(keyed, hashes),
                    notes=product.notes,
                )
            )
    skipped: list[PlannedJob] = []
    if store is not None:
        batch = store.batch_for_key(batch_key(Path(outdir)))
        if batch is not None:
            todo = []
            for job in jobs:
                row = store.find_job(batch.id, job.product_id, job.platform, job.spec_hash)
                if row is not None and row.status == "done":
                    if all((Path(outdir) / o["path"]).is_file() for o in row.outputs):
                        skipped.append(job)
                        continue
                    job = replace(job, redo=True)  # done, but its files were deleted since: make them again
                todo.append(job)
            jobs = todo
    options = {"width": width} if width is not None else {}
    return Plan(catalogue, Path(outdir), tuple(jobs), tuple(skipped), tuple(errors), options)


def spec_hash(spec: dict[str, Any], hashes: dict[str, str]) -> str:
    """SHA-256 of the spec with every file path replaced by its content hash."""

    def swap(value: Any) -> Any:
        if isinstance(value, str) and value in hashes:
            return f"sha256:{hashes[value]}"
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    text = json.dumps(swap(spec), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _content_hashes(spec: dict[str, Any]) -> dict[str, str]:
    files = [*spec.get("photos", []), spec.get("logo"), spec.get("spin")]
    music = spec.get("music")
    if isinstance(music, str) and Path(music).is_file():
        files.append(music)
    return {str(f): sha256_file(f) for f in files if f and Path(f).is_file()}


def _photos(product: Product, base: Path, images: Path | None) -> list[str]:
    """Each photo as a file inside the catalogue's folder or in ``images`` (a link is looked up there by its
    file name; a product without photos by its id or SKU)."""
    found = []
    for given in product.photos:
        if re.match(r"(?i)^https?://", given):
            from studio.batch.fetch import cached

            name = Path(given.split("?", 1)[0]).name
            local = images / name if images is not None and name else None
            if local is None or not local.is_file():
                local = cached(given)
            if local is None:
                raise _PhotoError(
                    f"the photo link {given} has not been downloaded",
                    "run `studio batch fetch CATALOGUE`, or pass --images DIR (matched by file name, id or SKU)",
                )
            found.append(str(local))
        else:
            found.append(str(resolve_inside(base, given, what="photo path")))
    if not found and images is not None:
        keys = {product.product_id.lower(), str(product.fields.get("_sku", "")).lower()} - {""}
        for path in sorted(images.iterdir()):
            stem = path.stem.lower()
            if is_image(path) and any(stem == k or stem.startswith((f"{k}-", f"{k}_")) for k in keys):
                found.append(str(path))
    if not found:
        raise _PhotoError("the product has no photo", "give a photo column or --images DIR with ID.jpg files")
    return found[:8]


class _PhotoError(StudioError):
    def __init__(self, message: str, hint: str):
        super().__init__(f"photos: {message}", hint)


def _spec_data(
    product: Product, photos: list[str], platforms, template, defaults, base: Path
) -> dict[str, Any]:
    fields = {k: v for k, v in product.fields.items() if not k.startswith("_")}
    for key in ("logo", "spin"):  # files a studio catalogue names stay inside its folder
        if isinstance(fields.get(key), str):
            fields[key] = str(resolve_inside(base, fields[key], what=f"{key} path"))
    music = fields.get("music")
    if isinstance(music, str) and ("/" in music or "." in music) and not music.startswith("music."):
        fields["music"] = str(resolve_inside(base, music, what="music path"))
    data: dict[str, Any] = {**(defaults or {}), **fields}
    data.update(
        product=product.title,
        headline=product.headline,
        selling_points=list(product.selling_points),
        photos=photos,
    )
    if product.price:
        data["price"] = product.price
    if platforms:
        data["platforms"] = list(platforms)
    if template:
        data["template"] = template
    return data


def _column_of(message: str) -> str:
    match = re.search(r"field '([a-z_]+)", message)
    if match:
        return match.group(1)
    if message.startswith("photos:") or "photo" in message:
        return "photos"
    return "row"


def _stems(ids: list[str]) -> dict[str, str]:
    """Output name stems from product ids: the id's slug, with a short hash where two slugs would collide."""
    from studio.ads import slug

    slugs: dict[str, list[str]] = {}
    for pid in dict.fromkeys(ids):
        slugs.setdefault(slug(pid), []).append(pid)
    stems = {}
    for stem, owners in slugs.items():
        for pid in owners:
            unique = len(owners) == 1
            stems[pid] = stem if unique else f"{stem}-{hashlib.sha256(pid.encode()).hexdigest()[:6]}"
    return stems
