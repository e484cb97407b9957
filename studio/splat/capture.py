"""Capture check: is this set of photos (or video frames) worth a reconstruction? Cheap, before any heavy work.

Per image: size, sharpness (variance of the Laplacian on a 640-px grey copy), exposure (mean luma and clipped
fractions, on the object only when the image has alpha) and a perceptual hash. Over the set: how many are usable,
near-duplicates (perceptual hash close *and* thumbnails nearly equal), image sizes, exposure spread. The result is a
``CaptureReport`` (frozen dataclass) with ``to_json()`` and ``text()``; ``require_usable`` turns an unusable set into
an ``InputError`` that says what was wrong.

Thresholds are defaults from measurements on the data in FIELD_NOTES (phone photos of a plush toy: blur median
139, minimum 24; NeRF lego: blur median 481); they flag, they do not silently drop photos, except images that
are unreadable, too small or featureless.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from studio.cancel import CancelToken, check
from studio.errors import InputError
from studio.progress import ProgressFn, null_progress

ANALYSIS_EDGE = 640  # long edge (pixels) of the grey copy used for sharpness and exposure


@dataclass(frozen=True)
class CaptureThresholds:
    """What counts as a problem. Blur values are Laplacian variances at ``ANALYSIS_EDGE`` pixels."""

    min_usable: int = 8  # fewer distinct usable images is an error
    recommended: int = 20  # fewer is a warning
    min_short_edge: int = 256  # pixels; smaller images are unusable
    low_short_edge: int = 600  # pixels; smaller images get a warning
    featureless_blur: float = 2.0  # below: a flat image with nothing to match (unusable)
    blurry_abs: float = 15.0  # below: blurry
    blurry_rel: float = 0.25  # below this fraction of the set's median: blurrier than the rest
    dark_mean: float = 0.10  # mean luma (0..1) below: too dark
    bright_mean: float = 0.93  # mean luma above: overexposed
    clipped_fraction: float = 0.6  # more of the object clipped to black or white: badly exposed
    exposure_spread: float = 0.15  # std of mean luma over the set above: exposure changes between shots
    duplicate_hash_bits: int = 4  # perceptual hashes within this many bits ...
    duplicate_thumb_diff: float = 3.0  # ... and 64x64 thumbnails within this mean difference (0..255)


@dataclass(frozen=True)
class ImageQuality:
    """The measured quality of one image. ``blur`` is a Laplacian variance (higher is sharper), luma in 0..1."""

    name: str
    width: int
    height: int
    blur: float  # variance of the Laplacian (grey 0..255 at ANALYSIS_EDGE px); higher is sharper
    contrast: float  # variance of the grey levels; blur / contrast does not change with exposure
    brightness: float
    dark_fraction: float
    bright_fraction: float
    has_alpha: bool
    phash: str
    thumb: np.ndarray = field(repr=False, compare=False)  # [64, 64] float32 grey thumbnail, 0..255

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class CaptureReport:
    """What the check found. ``usable`` names the images fit for reconstruction (in input order)."""

    total: int  # image files looked at
    usable: list[str]
    distinct: int  # usable images that are not near-duplicates of another usable image
    skipped: list[tuple[str, str]]  # (file name, reason): unreadable, too small, featureless
    images: list[ImageQuality]
    duplicates: list[tuple[str, str]]  # near-duplicate pairs (later image, the earlier one it repeats)
    blurry: list[str]
    dark: list[str]
    overexposed: list[str]
    sizes: dict[str, int]  # "WxH" -> count
    warnings: list[str]
    errors: list[str]
    ignored: list[str] = field(default_factory=list)  # non-image files in the folder
    thresholds: CaptureThresholds = field(default_factory=CaptureThresholds)

    @property
    def ok(self) -> bool:
        return not self.errors

    def quality(self, name: str) -> ImageQuality | None:
        return next((q for q in self.images if q.name == name), None)

    def to_json(self) -> dict[str, Any]:
        blur = [q.blur for q in self.images]
        return {
            "ok": self.ok,
            "total": self.total,
            "usable": len(self.usable),
            "distinct": self.distinct,
            "usable_images": list(self.usable),
            "skipped": [{"file": n, "reason": r} for n, r in self.skipped],
            "ignored": list(self.ignored),
            "duplicates": [{"file": a, "duplicate_of": b} for a, b in self.duplicates],
            "blurry": list(self.blurry),
            "dark": list(self.dark),
            "overexposed": list(self.overexposed),
            "sizes": dict(self.sizes),
            "blur_median": float(np.median(blur)) if blur else None,
            "warnings": list(self.warnings),
            "errors": list(self.errors),
            "images": [
                {
                    "name": q.name,
                    "width": q.width,
                    "height": q.height,
                    "blur": round(q.blur, 2),
                    "brightness": round(q.brightness, 4),
                    "dark_fraction": round(q.dark_fraction, 4),
                    "bright_fraction": round(q.bright_fraction, 4),
                    "alpha": q.has_alpha,
                    "phash": q.phash,
                }
                for q in self.images
            ],
            "thresholds": asdict(self.thresholds),
        }

    def text(self) -> str:
        """A few human lines: counts, sizes, then each warning and error."""
        lines = [
            f"Capture check: {self.total} images, {len(self.usable)} usable ({self.distinct} distinct).",
        ]
        if self.sizes:
            sizes = ", ".join(
                f"{size} x{count}" for size, count in sorted(self.sizes.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"Sizes: {sizes}.")
        if self.images:
            blur = np.array([q.blur for q in self.images])
            lines.append(
                f"Sharpness (Laplacian variance): median {np.median(blur):.0f}, lowest {blur.min():.0f}."
            )
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"error: {e}" for e in self.errors]
        if self.ok and not self.warnings:
            lines.append("No problems found.")
        return "\n".join(lines)


def assess_image(name: str, image: Image.Image, size: tuple[int, int] | None = None) -> ImageQuality:
    """Measure one upright RGB or RGBA image (as ``studio.images.load_photo`` returns it). ``size``: the
    photo's full (width, height) when ``image`` was decoded smaller (``load_photo_reduced``, its long edge at
    least ``ANALYSIS_EDGE``: the measures are taken at that size either way)."""
    import cv2
    import imagehash

    has_alpha = image.mode == "RGBA"
    rgb = image.convert("RGB")
    small = rgb.copy()
    small.thumbnail((ANALYSIS_EDGE, ANALYSIS_EDGE), Image.Resampling.BOX)
    grey = np.asarray(small.convert("L"), dtype=np.float32)
    blur = float(cv2.Laplacian(grey, cv2.CV_32F, ksize=1).var())
    contrast = float(grey.var())
    luma = grey / 255.0
    if has_alpha:
        alpha = np.asarray(image.getchannel("A").resize(small.size, Image.Resampling.BOX), dtype=np.float32)
        weights = (alpha > 127).reshape(-1)
        values = luma.reshape(-1)[weights] if weights.any() else luma.reshape(-1)
        hash_source = _flatten_grey(image)
    else:
        values = luma.reshape(-1)
        hash_source = rgb
    thumb = np.asarray(hash_source.convert("L").resize((64, 64), Image.Resampling.BOX), dtype=np.float32)
    return ImageQuality(
        name=name,
        width=size[0] if size else image.width,
        height=size[1] if size else image.height,
        blur=blur,
        contrast=contrast,
        brightness=float(values.mean()),
        dark_fraction=float((values <= 5 / 255).mean()),
        bright_fraction=float((values >= 250 / 255).mean()),
        has_alpha=has_alpha,
        phash=str(imagehash.phash(hash_source)),
        thumb=thumb,
    )


def _relative_sharpness(q: ImageQuality) -> float:
    return q.blur / max(q.contrast, 1.0)


def _flatten_grey(image: Image.Image) -> Image.Image:
    base = Image.new("RGB", image.size, (128, 128, 128))
    base.paste(image, mask=image.getchannel("A"))
    return base


def build_report(
    images: Sequence[ImageQuality],
    *,
    skipped: Sequence[tuple[str, str]] = (),
    ignored: Sequence[str] = (),
    thresholds: CaptureThresholds = CaptureThresholds(),
) -> CaptureReport:
    """Judge a set of measured images (in capture order) plus the files that could not be read."""
    import imagehash

    t = thresholds
    skipped = list(skipped)
    total = len(images) + len(skipped)  # measured images plus files that could not be read
    kept: list[ImageQuality] = []
    for q in images:
        if min(q.width, q.height) < t.min_short_edge:
            skipped.append(
                (q.name, f"too small ({q.size}; the short edge must be at least {t.min_short_edge} px)")
            )
        elif q.blur < t.featureless_blur:
            skipped.append((q.name, "featureless (a flat image with nothing to match)"))
        else:
            kept.append(q)

    # near-duplicates: compare every pair (hash distance first, it is cheap); greedy clusters give `distinct`
    hashes = [imagehash.hex_to_hash(q.phash) for q in kept]
    duplicates: list[tuple[str, str]] = []
    representative: list[int] = []
    for i, q in enumerate(kept):
        match = None
        for j in representative:
            if hashes[i] - hashes[j] <= t.duplicate_hash_bits and (
                float(np.abs(q.thumb - kept[j].thumb).mean()) <= t.duplicate_thumb_diff
            ):
                match = j
                break
        if match is None:
            representative.append(i)
        else:
            duplicates.append((q.name, kept[match].name))

    dark = [q.name for q in kept if q.brightness < t.dark_mean or q.dark_fraction > t.clipped_fraction]
    over = [q.name for q in kept if q.brightness > t.bright_mean or q.bright_fraction > t.clipped_fraction]
    # Blur: the Laplacian variance scales with contrast, so a dark photo would look "blurry". The comparison
    # with the rest of the set uses blur / contrast (exposure-free); the absolute floor only applies to
    # images that are not already flagged for exposure.
    median_blur = float(np.median([q.blur for q in kept])) if kept else 0.0
    median_rel = float(np.median([_relative_sharpness(q) for q in kept])) if kept else 0.0
    badly_exposed = set(dark) | set(over)
    blurry = [
        q.name
        for q in kept
        if _relative_sharpness(q) < t.blurry_rel * median_rel
        or (q.blur < t.blurry_abs and q.name not in badly_exposed)
    ]
    sizes: dict[str, int] = {}
    for q in kept:
        sizes[q.size] = sizes.get(q.size, 0) + 1

    warnings: list[str] = []
    errors: list[str] = []
    if skipped:
        names = ", ".join(f"{n} ({r})" for n, r in skipped[:8])
        more = f" and {len(skipped) - 8} more" if len(skipped) > 8 else ""
        warnings.append(f"{len(skipped)} image(s) skipped: {names}{more}.")
    if ignored:
        warnings.append(f"{len(ignored)} non-image file(s) ignored: {', '.join(list(ignored)[:5])}.")
    if duplicates:
        pairs = ", ".join(f"{a} = {b}" for a, b in duplicates[:6])
        warnings.append(f"{len(duplicates)} near-duplicate image(s) add no new viewpoint: {pairs}.")
    if blurry:
        warnings.append(
            f"{len(blurry)} blurry image(s): {', '.join(blurry[:8])} (sharpness under {t.blurry_abs:.0f}, or under"
            f" {t.blurry_rel:.0%} of the set's contrast-normalised median; the set's median is {median_blur:.0f})."
        )
    if dark:
        warnings.append(f"{len(dark)} too dark: {', '.join(dark[:8])}.")
    if over:
        warnings.append(f"{len(over)} overexposed: {', '.join(over[:8])}.")
    if len(kept) >= 2:
        spread = float(np.std([q.brightness for q in kept]))
        if spread > t.exposure_spread:
            warnings.append(
                f"Exposure changes a lot between images (brightness spread {spread:.2f}); lock exposure if you can."
            )
    if len(sizes) > 1:
        warnings.append(
            f"{len(sizes)} different image sizes ({', '.join(sorted(sizes))}); each size gets its own camera."
        )
    small = [q.name for q in kept if min(q.width, q.height) < t.low_short_edge]
    if small:
        warnings.append(f"{len(small)} low-resolution image(s) (short edge under {t.low_short_edge} px).")

    distinct = len(representative)
    if distinct < t.min_usable:
        if kept and distinct < len(kept):
            errors.append(
                f"Only {distinct} distinct usable image(s) out of {total} files: the others repeat them;"
                f" at least {t.min_usable} different viewpoints are needed."
            )
        else:
            errors.append(
                f"Only {distinct} usable image(s); at least {t.min_usable} different viewpoints are needed."
            )
    elif distinct < t.recommended:
        warnings.append(
            f"Only {distinct} distinct images; {t.recommended}-200 photos around the object work best."
        )
    return CaptureReport(
        total=total,
        usable=[q.name for q in kept],
        distinct=distinct,
        skipped=skipped,
        images=list(images),
        duplicates=duplicates,
        blurry=blurry,
        dark=dark,
        overexposed=over,
        sizes=sizes,
        warnings=warnings,
        errors=errors,
        ignored=list(ignored),
        thresholds=t,
    )


def check_capture(
    paths: Sequence[str | os.PathLike[str]],
    *,
    thresholds: CaptureThresholds = CaptureThresholds(),
    ignored: Sequence[str] = (),
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> CaptureReport:
    """Load and measure every image in ``paths`` (EXIF orientation applied; decoded no larger than the
    measures need, ``ANALYSIS_EDGE``); unreadable files are skipped."""
    from studio.images import load_photo_reduced

    report = on_progress or null_progress
    measured: list[ImageQuality] = []
    skipped: list[tuple[str, str]] = []
    paths = [Path(p) for p in paths]
    for index, path in enumerate(paths):
        check(cancel, "The capture check")
        try:
            image, size = load_photo_reduced(path, ANALYSIS_EDGE, what="image")
        except InputError as exc:
            skipped.append((path.name, _reason(exc)))
        else:
            measured.append(assess_image(path.name, image, size))
        report((index + 1) / max(len(paths), 1), f"checked {index + 1}/{len(paths)} images")
    return build_report(measured, skipped=skipped, ignored=ignored, thresholds=thresholds)


def _reason(exc: InputError) -> str:
    text = exc.message
    return text.rstrip(".")


def require_usable(report: CaptureReport) -> None:
    """Raise ``InputError`` with the report's first error when the set cannot be reconstructed."""
    if report.ok:
        return
    hint = "Take 20-200 sharp, overlapping photos around the product (every 10-15 degrees), or a slow video."
    if report.skipped:
        hint = f"{len(report.skipped)} file(s) were skipped as unreadable or unusable. " + hint
    raise InputError(report.errors[0], hint)
