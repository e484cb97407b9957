"""Screening images and videos: near-copies of the reference bank, CLIP similarity, CLIP zero-shot concepts.

For every sampled frame (a still image is one frame; a video gives frames at a fixed rate and at scene changes,
``studio.compliance.frames``):

1. **Whole-frame hashes**: PDQ and pHash of the frame against every reference's 8 rotations/flips. Catches
   resized, recompressed, recoloured, blurred, noisy, mirrored and 90-degree-rotated copies.
2. **Aligned-region hashes**: ORB keypoints locate references inside the frame (cropped copies, small
   rotations, a logo shown small in a larger frame; ``studio.compliance.align``); the located region is warped
   back onto the reference and hashed against the same part of the reference. Keypoints only propose; the hash
   distance decides, with the same thresholds as step 1. (Sliding hash windows were measured and rejected:
   PDQ moves ~90 bits for a 3 % misalignment.)
3. **CLIP reference similarity** (with an embedder): cosine between the reference embeddings and the frame,
   its crops (2x2 and 3x3 overlapping grids, a centre crop) and the regions found in step 2.
4. **CLIP concepts** (with an embedder): for each ``clip_concept`` rule, the best cosine between the frame (or
   a crop) and the rule's concept prompts; it fires when it reaches the rule's threshold *and* beats every
   ``negatives`` prompt on the same crop (zero-shot against the negatives).

Scores follow ``Finding``: hash detectors give a Hamming distance (fires when ``score <= threshold``), CLIP a
cosine (fires when ``score >= threshold``). Hits on consecutive sampled frames are merged into one finding per
rule and reference (or concept), reported at its strongest frame, with the frame's index, time and the box in
source pixels.

Without an embedder the CLIP checks are listed in ``checks_skipped`` with the reason (how to get the weights);
with an empty bank the reference checks are skipped and say so. Neither stops the weight-free checks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studio.compliance import hashes
from studio.compliance.findings import Finding, check_failed
from studio.compliance.frames import DEFAULT_FPS, DEFAULT_MAX_SIDE, DEFAULT_SCENE_THRESHOLD, Frame
from studio.errors import Cancelled, InputError
from studio.media.types import is_video
from studio.progress import ProgressFn

if TYPE_CHECKING:
    from studio.compliance.embed import ClipEmbedder, ClipHandle
    from studio.compliance.refbank import BankIndex, ReferenceBank
    from studio.compliance.rules import Rule, RulePack

IMAGE_MAX_SIDE = 1280  # still images are screened at most this large (long side, pixels)
DEFAULT_MIN_PDQ_QUALITY = 50  # PDQ hashes of flatter regions are not trusted (nor are their pHashes)
# pHash (64 bits of the 8x8 lowest frequencies) says where light and dark sit; on a flat card with a line of text
# that is the text's place, so a card with a protected logo's word in the same font, or a look-alike emblem of the
# same layout, comes within pHash 4-10 of it while PDQ (256 bits) stays at 40-94. A pHash match therefore counts
# on its own only where the PDQ of the *same* comparison (same variant, same channel, same part) agrees, and
# otherwise (for a whole picture or region, never a half or quarter of one: visual5) only where that PDQ is at
# most ``PHASH_MAX_PDQ`` (unrelated pictures sit at 128 +- 8) *and* the two regions' outlines agree
# (``align.outline_agreement`` >= ``PHASH_MIN_OUTLINES``: the same shapes, not only the same layout of light and
# dark). Chosen on the development material (visual3's fresh set and the visual2
# real-edit set, every pHash-only match analysed): the 13 look-alike false positives on the fresh set (12 text
# cards aligned on a shared word, outlines 0.20-0.73; one emblem, outlines 0.84 but PDQ 94) all fail it; the right
# pHash-only matches had outlines 0.77-1.0 and PDQ <= 70 on the fresh set, 0.62-1.0 and PDQ <= 94 on the other
# (three of those lost: a sticker, a value-channel sticker, a 130 px corner copy). visual5: at most 36 (was 88).
# On the fresh2 set (now development material) all 15 look-alike false positives were such pHash-only matches,
# at PDQ 38-80 with agreeing outlines, against a reference of the same generator (packaging fronts sharing a
# label panel's layout, app icons sharing the squircle and its gradient with another glyph, a badge, a mascot): a
# shared outline and layout is not the same picture, and the picture's own content is what PDQ's 256 bits see.
PHASH_MAX_PDQ = 36
PHASH_MIN_OUTLINES = 0.75
# What look-alikes of one layout share is its rim: a plate's border, a patch's stitched edge, a silhouette on its
# field. A whole frame, an aligned region or a part of either whose hashes match therefore counts only when its
# interior (the region inset by ``INTERIOR_INSET`` of its width and height on every side) agrees too: the PDQ of the
# two interiors within ``INTERIOR_MAX_PDQ`` (unrelated pictures sit at 128 +- 8). A flat interior on either side
# (PDQ quality under the floor: a logo's empty field) holds no content to disagree with, and does not veto. visual6,
# chosen on fresh4 (then development): its 6 look-alike false positives (4 blue-and-white plates of a reference
# plate's border, a patch of a reference patch's shape, isometric blocks) matched at PDQ 28-32 with interiors at
# 66-126; the right whole-frame matches' interiors were within 4-32.
INTERIOR_INSET = 0.2
INTERIOR_MAX_PDQ = 48
ADD_REFS_HINT = "add protected images with `studio refs add IMAGE... --owner NAME`"


@dataclass(frozen=True)
class VisualOptions:
    """Knobs of ``screen_media`` (defaults are what the benchmark measured)."""

    fps: float = DEFAULT_FPS  # grid samples per second of video (always screened)
    decode_fps: float = (
        10.0  # pictures a second looked at for sudden changes (``frames.sudden_change``; 0: off)
    )
    scene_threshold: float | None = DEFAULT_SCENE_THRESHOLD  # also sample at scene changes (None: grid only)
    video_max_side: int = DEFAULT_MAX_SIDE  # decoded frame size (long side, pixels)
    image_max_side: int = IMAGE_MAX_SIDE
    keypoints: bool = True  # step 2 (aligned-region hashes)
    max_alignments: int = 5  # references tried with RANSAC per frame
    clip_fps: float = 0.5  # CLIP runs on frames this often, and on the first frame after every scene change
    clip_grid: int = (
        2  # CLIP crops: the whole frame, a centre crop and an n x n overlapping grid (0: no crops)
    )
    skip_repeats: bool = True  # reuse the result of the previous frame when the picture has not changed
    fast_decode: bool = True  # see ``frames.iter_frames``
    # also look for small copies in the corners (stills, and a video's first frame of every shot)
    corner_tiles: bool = True


@dataclass
class _Hit:
    """One rule firing on one frame."""

    rule: Rule
    key: str  # reference label ("ref:3") or concept text
    detector: str
    score: float
    threshold: float
    frame: int
    time: float
    box: tuple[int, int, int, int]
    message: str
    strength: float  # larger = stronger evidence, to pick a run's representative frame
    extra: list[str] = field(default_factory=list)


@dataclass
class _RefEvidence:
    """The best evidence for one reference in one frame."""

    pdq: int = 999
    pdq_box: tuple[int, int, int, int] | None = None
    pdq_how: str = ""
    phash: int = 999
    phash_box: tuple[int, int, int, int] | None = None
    phash_how: str = ""
    clip: float = -2.0
    clip_box: tuple[int, int, int, int] | None = None


def screen_media(
    path: str | os.PathLike[str],
    *,
    packs: Sequence[RulePack],
    bank: ReferenceBank | None,
    embedder: ClipEmbedder | ClipHandle | None,
    fps: float = DEFAULT_FPS,
    on_progress: ProgressFn | None = None,
    category: str | None = None,
    options: VisualOptions | None = None,
) -> tuple[list[Finding], list[str], dict[str, str]]:
    """Screen an image or a video with the visual rules of ``packs``.

    ``category``: only rules that apply to this product category (None: every rule). Returns ``(findings,
    checks_run, checks_skipped)``; ``checks_skipped`` maps a check to why it did not run. Raises ``InputError``
    for a missing, corrupt or unsupported file.
    """
    options = options or VisualOptions()
    if fps != options.fps:
        options = VisualOptions(**{**options.__dict__, "fps": fps})
    report = on_progress or (lambda fraction, message: None)
    path = Path(path)
    rules = [r for pack in packs for r in pack.rules if category is None or r.applies(category)]
    ref_rules = [r for r in rules if r.detector == "reference"]
    concept_rules = [r for r in rules if r.detector == "clip_concept"]
    checks_run: list[str] = []
    skipped: dict[str, str] = {}
    failures: list[Finding] = []  # checks that should have run and could not (never a silent pass)

    # 1. which checks can run
    index: BankIndex | None = None
    wants_pdq = any(r.pdq_max_distance is not None for r in ref_rules)
    wants_phash = any(r.phash_max_distance is not None for r in ref_rules)
    wants_clip_ref = any(r.clip_threshold is not None for r in ref_rules)
    if ref_rules:
        index = bank.index() if bank is not None else None
        if index is None or len(index) == 0:
            reason = (
                f"the reference bank is empty; {ADD_REFS_HINT}" if bank is not None else "no reference bank"
            )
            for check, wanted in (
                ("pdq", wants_pdq),
                ("phash", wants_phash),
                ("clip_reference", wants_clip_ref),
            ):
                if wanted:
                    skipped[check] = reason
            index = None
        else:
            checks_run += [c for c, w in (("pdq", wants_pdq), ("phash", wants_phash)) if w]
            if index.missing_files:
                ids = ", ".join(f"ref:{i}" for i in index.missing_files)
                failures.append(
                    check_failed(
                        "reference_images",
                        f"the stored images of {ids} are missing or unreadable, so they cannot be located by"
                        " keypoints or compared by CLIP (their whole-frame hashes still were); remove them with"
                        " `studio refs remove ID` and add the images again",
                    )
                )
    no_clip_reason = None
    clip_failed = False
    wants_any_clip = (wants_clip_ref and index is not None) or bool(concept_rules)
    if wants_any_clip:
        from studio.compliance.embed import resolve_embedder

        embedder, no_clip_reason, clip_failed = resolve_embedder(embedder)
    else:
        embedder = None  # a handle is not loaded for a screen that has no CLIP rules
    if embedder is None and wants_any_clip and no_clip_reason is None:
        from studio.compliance.embed import default_embedder_reason

        no_clip_reason = default_embedder_reason() or "no CLIP model was loaded for this screen"
    for check, wanted in (
        ("clip_reference", wants_clip_ref and index is not None),
        ("clip_concept", bool(concept_rules)),
    ):
        if not wanted:
            continue
        if embedder is not None:
            checks_run.append(check)
        elif clip_failed:  # the model should load and cannot: never a silent skip
            failures.append(check_failed(check, str(no_clip_reason)))
        else:
            skipped[check] = str(no_clip_reason)

    # 2. what the frames are compared with
    use_clip_ref = "clip_reference" in checks_run
    use_concepts = "clip_concept" in checks_run
    ref_vectors = None
    concept_vectors: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    try:
        if use_clip_ref and index is not None and embedder is not None and bank is not None:
            report(0.0, "embedding the references")
            ref_vectors = _reference_vectors(bank, index, embedder)
        if use_concepts and embedder is not None:
            for rule in concept_rules:
                negatives = embedder.embed_texts(list(rule.negatives)) if rule.negatives else None
                concept_vectors[rule.id] = (embedder.embed_texts(list(rule.concepts)), negatives)
    except Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - a crashed model must not turn the CLIP checks into a pass
        failures += _clip_failed(exc, checks_run)
        use_clip_ref = use_concepts = False
        embedder, ref_vectors, concept_vectors = None, None, {}
    hash_rules = [r for r in ref_rules if r.pdq_max_distance is not None or r.phash_max_distance is not None]
    if not (index is not None and hash_rules) and not use_clip_ref and not use_concepts:
        _check_readable(path)
        return failures, checks_run, skipped

    # 3. the frames
    video = is_video(path)
    frames, total = _frames(path, video, options)
    hits: list[_Hit] = []
    previous: tuple[np.ndarray, list[_Hit], bool] | None = None
    n_frames = 0
    step = 1.0 / options.fps
    clip_step = 1.0 / options.clip_fps if options.clip_fps > 0 else float("inf")
    last_clip = -float("inf")
    decoded_until = 0.0
    wants_clip = use_clip_ref or use_concepts
    while True:
        try:
            frame = next(frames, None)
        except InputError as exc:  # the decoder failed part-way: what was decoded is screened, the rest not
            if n_frames == 0:
                raise
            failures.append(
                check_failed(
                    "decode",
                    f"{exc.message} after {decoded_until:.1f} s ({n_frames} screened frame(s)); the rest of"
                    " the video is unscreened",
                )
            )
            break
        if frame is None:
            break
        decoded_until = frame.time
        # a video's frames arrive already chosen (``frames.iter_frames``): the grid (``fps``), every scene cut,
        # and every sudden local change seen at ``decode_fps`` through block signatures the decoder scaled down
        # (a copy flashed in for 0.3 s, or faded in and out: no cut, but blocks jump); all are screened
        thumb = frame.signature if frame.signature is not None else _signature(frame.image)
        scene_cut = options.scene_threshold is not None and frame.scene_score > options.scene_threshold
        n_frames += 1
        # CLIP costs ~0.1 s per crop on 2 CPU cores: a sparser grid than the hashes, plus every new shot
        run_clip = wants_clip and (not video or scene_cut or frame.time - last_clip >= clip_step - 1e-6)
        same = options.skip_repeats and previous is not None and _same_picture(previous[0], thumb)
        if same and (previous[2] or not run_clip):  # type: ignore[index]
            frame_hits = [_restamp(h, frame) for h in previous[1]]  # type: ignore[index]
        else:
            try:
                frame_hits = _screen_frame(
                    frame,
                    index=index if hash_rules or use_clip_ref else None,
                    ref_rules=ref_rules,
                    concept_rules=concept_rules if use_concepts else [],
                    embedder=embedder if run_clip else None,
                    ref_vectors=ref_vectors,
                    concept_vectors=concept_vectors,
                    options=options,
                )
            except _ClipFailure as failure:  # the hashes of this frame and every later one still run
                failures += _clip_failed(failure.error, checks_run, at=frame.time if video else None)
                use_clip_ref = use_concepts = wants_clip = run_clip = False
                embedder, ref_vectors, concept_vectors = None, None, {}
                if not (index is not None and hash_rules):
                    break
                frame_hits = _screen_frame(
                    frame,
                    index=index,
                    ref_rules=ref_rules,
                    concept_rules=[],
                    embedder=None,
                    ref_vectors=None,
                    concept_vectors={},
                    options=options,
                )
            previous = (thumb, frame_hits, run_clip)
        if run_clip:
            last_clip = frame.time
        hits += frame_hits
        if total:
            report(min(0.99, frame.time / total), f"screened {n_frames} frame(s) ({frame.time:.1f} s)")
    if n_frames == 0:
        raise InputError(f"No frames could be read from {path.name}.", "Check that the file plays.")
    report(1.0, f"screened {n_frames} frame(s)")
    gaps = (2.5 * step, 2.5 * clip_step) if video else (0.0, 0.0)
    return _merge(hits, gaps=gaps, video=video) + failures, checks_run, skipped


class _ClipFailure(Exception):
    """The CLIP model raised while embedding a frame's crops (wrapped so hash errors are not mistaken for it)."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def _clip_failed(error: BaseException, checks_run: list[str], at: float | None = None) -> list[Finding]:
    """Findings for the CLIP checks a crashed model stopped; they leave ``checks_run``."""
    import logging

    logging.getLogger(__name__).warning("CLIP failed while screening", exc_info=error)
    where = (
        f" at {at:.1f} s (frames from there on were screened by the hashes only)" if at is not None else ""
    )
    reason = f"the CLIP model raised {type(error).__name__}: {str(error)[:200]}{where}"
    out = []
    for check in ("clip_reference", "clip_concept"):
        if check in checks_run:
            checks_run.remove(check)
            out.append(check_failed(check, reason))
    return out


def _reference_vectors(bank: ReferenceBank, index: BankIndex, embedder: ClipEmbedder) -> np.ndarray:
    """``[R, D]`` CLIP embeddings of the index's references; NaN rows for those that cannot be embedded (their
    stored image is gone and no embedding by this model was kept), so they never match."""
    usable = [
        i for i, e in enumerate(index.entries) if e.rgb is not None or e.ref.embed_model == embedder.name
    ]
    vectors = bank.embeddings(embedder, [index.entries[i].ref.id for i in usable]) if usable else None
    width = vectors.shape[1] if vectors is not None and vectors.size else embedder.dim
    out = np.full((len(index.entries), width), np.nan, dtype=np.float32)
    if vectors is not None and vectors.size:
        out[usable] = vectors
    return out


# -- frames ------------------------------------------------------------------------------------------------------
def _frames(path: Path, video: bool, options: VisualOptions) -> tuple[Iterator[Frame], float]:
    if video:
        from studio.compliance.frames import iter_frames, probe

        info = probe(path)
        frames = iter_frames(
            path,
            fps=options.fps,
            scene_threshold=options.scene_threshold,
            max_side=options.video_max_side,
            fast_decode=options.fast_decode,
            info=info,
            change_fps=options.decode_fps if options.decode_fps > 0 else None,
        )
        return frames, info.duration
    image, scale = load_still(path, options.image_max_side)
    return iter([Frame(index=0, time=0.0, image=image, scene_score=0.0, scale=scale)]), 0.0


def load_still(path: str | os.PathLike[str], max_side: int = IMAGE_MAX_SIDE) -> tuple[np.ndarray, float]:
    """A still image as [H, W, 3] uint8 RGB (transparency over white), at most ``max_side``; and its scale.

    Images above ``studio.images.MAX_PIXELS`` are refused with an ``InputError`` (a decompression bomb or a
    mistake); large ones are downscaled before hashing, so memory stays bounded.
    """
    from PIL import Image

    from studio.images import flatten, load_photo

    image = flatten(load_photo(path, what="image to screen"))
    scale = min(1.0, max_side / max(image.size))
    if scale < 1:
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BOX
        )
    return np.asarray(image, dtype=np.uint8), scale


def _check_readable(path: Path) -> None:
    """Even with nothing to compare, a broken file is an error (a screen must not 'pass' garbage)."""
    if is_video(path):
        from studio.compliance.frames import probe

        probe(path)
    else:
        load_still(path, 64)


# -- one frame ---------------------------------------------------------------------------------------------------
def _screen_frame(
    frame: Frame,
    *,
    index: BankIndex | None,
    ref_rules: Sequence[Rule],
    concept_rules: Sequence[Rule],
    embedder: ClipEmbedder | None,
    ref_vectors: np.ndarray | None,
    concept_vectors: dict[str, tuple[np.ndarray, np.ndarray | None]],
    options: VisualOptions,
) -> list[_Hit]:
    rgb = frame.image
    height, width = rgb.shape[:2]
    full_box = (0, 0, width, height)
    evidence: list[_RefEvidence] = []
    region_boxes: list[tuple[int, int, int, int]] = []
    min_quality = min(
        (r.min_pdq_quality if r.min_pdq_quality is not None else DEFAULT_MIN_PDQ_QUALITY for r in ref_rules),
        default=DEFAULT_MIN_PDQ_QUALITY,
    )
    # pHash distances above every rule's threshold cannot fire: their outlines are never checked
    phash_limit = max(
        (r.phash_max_distance for r in ref_rules if r.phash_max_distance is not None), default=-1
    )
    # and PDQ distances above every rule's threshold: their interiors are never compared
    pdq_limit = max((r.pdq_max_distance for r in ref_rules if r.pdq_max_distance is not None), default=-1)
    if index is not None:
        evidence = [_RefEvidence() for _ in index.entries]
        # 1. whole frame against every variant of every reference
        canon = hashes.canonical(rgb)
        words, quality = hashes.pdq(canon)
        frame_phash = hashes.phash_grey(hashes.grey32(canon))
        pdq_d = hashes.hamming(words[None], index.pdq)[0]
        phash_d = hashes.hamming(frame_phash, index.phash)[0]
        outline_cache: dict[tuple[int, int], float] = {}  # (entry, variant) -> outline agreement, this frame
        interior_cache: dict[tuple[int, int], bool] = {}  # (entry, variant) -> whether the interiors agree
        for i, entry in enumerate(index.entries):
            mask = index.pdq_owner == i
            # flat pictures (an end card's colour field, a plain backdrop) give unstable bits to both hashes:
            # neither counts below the quality floor (a pHash distance of 10 between two flat frames is chance)
            if quality >= min_quality and entry.ref.pdq_quality >= min_quality:
                distance = _whole_frame_pdq(
                    rgb, entry, i, pdq_d[mask], pdq_limit, min_quality, interior_cache
                )
                _better_pdq(evidence[i], distance, full_box, "whole frame")
                distance = _whole_frame_phash(
                    rgb, entry, i, pdq_d[mask], phash_d[mask], phash_limit, outline_cache,
                    min_quality=min_quality, interiors=interior_cache,
                )  # fmt: skip
                _better_phash(evidence[i], distance, full_box, "whole frame")
        # the same on the value channel max(R, G, B), which a hue rotation keeps (``hashes.value_image``)
        if len(index.value_owner):
            value = hashes.value_image(canon)
            v_words, v_quality = hashes.pdq(value)
            v_pdq = hashes.hamming(v_words[None], index.pdq_value)[0]
            v_phash = hashes.hamming(hashes.phash_grey(hashes.grey32(value)), index.phash_value)[0]
            if v_quality >= min_quality:
                for i in np.unique(index.value_owner):
                    if index.entries[i].quality_value < min_quality:
                        continue
                    mask = index.value_owner == i
                    how = "whole frame, value channel (recoloured)"
                    distance = _whole_frame_pdq(
                        rgb, index.entries[i], int(i), v_pdq[mask], pdq_limit, min_quality, interior_cache
                    )
                    _better_pdq(evidence[i], distance, full_box, how)
                    distance = _whole_frame_phash(
                        rgb, index.entries[i], int(i), v_pdq[mask], v_phash[mask], phash_limit, outline_cache,
                        min_quality=min_quality, interiors=interior_cache,
                    )  # fmt: skip
                    _better_phash(evidence[i], distance, full_box, how)
        # 1b. the frame *is* the picture, part of it covered (a caption band, a sticker): the parts of a frame of
        # a reference's shape against the same parts of the reference, upright and mirrored
        for i, entry in enumerate(index.entries):
            for part, pdq_d, phash_d, agree, mirrored in _frame_parts(
                rgb, entry, min_quality, phash_limit, pdq_limit
            ):
                said = f"whole frame{', mirrored' if mirrored else ''}; the {part} matches (the rest may be covered)"
                if agree is not None:
                    said += f"; a flat picture: its outlines agree ({agree:.2f})"
                if pdq_d is not None:
                    _better_pdq(evidence[i], pdq_d, full_box, said)
                _better_phash(evidence[i], phash_d, full_box, said)
        # 2. references located by keypoints, verified by hashing the aligned region
        if options.keypoints and len(index.features):
            from studio.compliance.align import rectify

            grey = _grey(rgb)
            alignments = index.features.locate(grey, max_candidates=options.max_alignments)
            if options.corner_tiles and (
                frame.index == 0 or frame.scene_score > (options.scene_threshold or 1.0)
            ):
                alignments += _corner_alignments(grey, index.features, options.max_alignments)
            for alignment in alignments:
                position = index.feature_owner[alignment.ref]
                mirrored = bool(index.feature_mirrored and index.feature_mirrored[alignment.ref])
                entry = index.entries[position]
                if entry.rgb is None:
                    continue
                rectified = rectify(rgb, alignment)
                if rectified is None:
                    continue
                region, (x0, y0, x1, y1) = rectified
                reference_rgb = entry.rgb[:, ::-1] if mirrored else entry.rgb
                ref_region = reference_rgb[y0:y1, x0:x1]
                box = alignment.box((width, height))
                region_boxes.append(box)
                how = (
                    f"{alignment.inliers} keypoints aligned (scale {alignment.scale:.2f},"
                    f" {alignment.angle:+.0f} deg{', in perspective' if alignment.homography is not None else ''}"
                    f"{', mirrored' if mirrored else ''})"
                )
                # keypoints bunched on one line of letters (a shared font) place the letters, not the picture:
                # then only the whole aligned region may match, never one half of it on its own
                spread_out = _spread_out(alignment.spread)
                parts = _PARTS if alignment.inliers >= PART_MIN_INLIERS and spread_out else _PARTS[:1]
                # a flat picture's hashes are evidence only with geometry behind them: keypoints spread over
                # the picture (not one line of letters) and the outlines of its shapes in place
                outlines = alignment.inliers >= FLAT_MIN_INLIERS and spread_out
                for part, pdq_d, phash_d, agree in _compare_parts(
                    region, ref_region, parts, min_quality, outlines=outlines, phash_limit=phash_limit,
                    pdq_limit=pdq_limit,
                ):  # fmt: skip
                    said = how if part == "whole" else f"{how}; the {part} matches (the rest may be covered)"
                    if agree is not None:
                        said += f"; a flat picture: its outlines agree ({agree:.2f})"
                    if pdq_d is not None:
                        _better_pdq(evidence[position], pdq_d, box, said)
                    _better_phash(evidence[position], phash_d, box, said)

    # 3-4. CLIP on the frame and its crops
    crop_boxes: list[tuple[int, int, int, int]] = []
    crop_vectors = None
    if embedder is not None and (ref_vectors is not None or concept_rules):
        crop_boxes = [full_box] + _grid_boxes(width, height, options.clip_grid) + region_boxes
        crops = [rgb[y0:y1, x0:x1] for x0, y0, x1, y1 in crop_boxes]
        try:
            crop_vectors = embedder.embed_images(crops)
        except Cancelled:
            raise
        except Exception as exc:
            raise _ClipFailure(exc) from exc
        if ref_vectors is not None and index is not None and len(ref_vectors):
            sims = np.nan_to_num(crop_vectors @ ref_vectors.T, nan=-2.0)  # [C, R]; -2: cannot match
            best_crop = sims.argmax(axis=0)
            for i in range(len(index.entries)):
                evidence[i].clip = float(sims[best_crop[i], i])
                evidence[i].clip_box = crop_boxes[int(best_crop[i])]

    hits: list[_Hit] = []
    if index is not None:
        for rule in ref_rules:
            for i, entry in enumerate(index.entries):
                if rule.reference_kinds is not None and entry.ref.kind not in rule.reference_kinds:
                    continue
                hit = _reference_hit(rule, entry, evidence[i], frame)
                if hit is not None:
                    hits.append(hit)
    if crop_vectors is not None:
        for rule in concept_rules:
            hit = _concept_hit(rule, crop_vectors, crop_boxes, concept_vectors[rule.id], frame)
            if hit is not None:
                hits.append(hit)
    return hits


CORNER_TILE = (0.45, 0.3)  # a corner tile's share of the frame's width and height
CORNER_ZOOM = 2.0  # corner tiles are enlarged this much before keypoints are looked for


def _corner_alignments(grey: np.ndarray, features, max_candidates: int) -> list:
    """Alignments found in the four corners of the frame, enlarged ``CORNER_ZOOM`` times, mapped back to frame
    pixels: a copy about 130 px wide in a corner of a 1080 px frame (a watermark) is too small for keypoints at
    the frame's own scale."""
    import cv2

    from studio.compliance.align import Alignment

    height, width = grey.shape[:2]
    tw, th = int(width * CORNER_TILE[0]), int(height * CORNER_TILE[1])
    found = []
    for x0, y0 in ((0, 0), (width - tw, 0), (0, height - th), (width - tw, height - th)):
        tile = cv2.resize(grey[y0 : y0 + th, x0 : x0 + tw], None, fx=CORNER_ZOOM, fy=CORNER_ZOOM,
                          interpolation=cv2.INTER_CUBIC)  # fmt: skip
        for a in features.locate(tile, max_candidates=max_candidates):
            matrix = a.matrix / CORNER_ZOOM
            matrix[:, 2] += (x0, y0)
            homography = None
            # tile pixels -> frame pixels, after the reference -> tile homography
            if a.homography is not None:
                to_frame = np.array([[1 / CORNER_ZOOM, 0, x0], [0, 1 / CORNER_ZOOM, y0], [0, 0, 1]])
                homography = to_frame @ a.homography
            found.append(Alignment(ref=a.ref, matrix=matrix, inliers=a.inliers, good=a.good, size=a.size,
                                   spread=a.spread, homography=homography))  # fmt: skip
    return found


# Parts of an aligned region compared on their own, so a caption band, a sticker or a price tag over part of a
# copied picture does not hide it. Only for alignments with enough keypoints: the geometry is already certain,
# the hashes confirm the content.
_PARTS: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("whole", (0.0, 0.0, 1.0, 1.0)),
    ("top half", (0.0, 0.0, 1.0, 0.5)),
    ("bottom half", (0.0, 0.5, 1.0, 1.0)),
    ("left half", (0.0, 0.0, 0.5, 1.0)),
    ("right half", (0.5, 0.0, 1.0, 1.0)),
    ("top-left quarter", (0.0, 0.0, 0.5, 0.5)),
    ("top-right quarter", (0.5, 0.0, 1.0, 0.5)),
    ("bottom-left quarter", (0.0, 0.5, 0.5, 1.0)),
    ("bottom-right quarter", (0.5, 0.5, 1.0, 1.0)),
    # what a caption band of up to a third of the height leaves uncovered, as one part
    ("top two-thirds", (0.0, 0.0, 1.0, 0.67)),
    ("bottom two-thirds", (0.0, 0.33, 1.0, 1.0)),
)
PART_MIN_INLIERS = 12
PART_MIN_SIDE = 32  # pixels: smaller parts are not hashed
MIN_KEYPOINT_SPREAD = 0.25  # inliers spanning less of the reference's width or height: no part matches ...
WIDE_KEYPOINT_SPREAD = (0.15, 0.5)  # ... unless they span at least 15 % one way and 50 % the other
# A flat part (PDQ quality under the floor) counts only after an alignment of at least this many inliers
# spread as above, and when its outlines agree at least this well (``align.outline_agreement``). Chosen on
# the development half of the real-edit benchmark: right alignments of flat logos 0.52-1.0, wrong ones
# (letters of a shared font, all with spreads under 0.22) up to 0.64.
FLAT_MIN_INLIERS = 10
FLAT_MIN_OUTLINES = 0.5
# A flat *part* (a half, quarter or two-thirds of a flat logo or a motion-blurred photo, the rest under a caption
# band or a sticker) counts only with the parts' own geometry (``PART_MIN_INLIERS`` spread as above) and outlines
# that agree at least this well. Chosen on the development material (the visual2 real-edit set, captions and
# stickers, 53 queries and 116 look-alikes): flat parts whose hashes matched the right reference had outline
# agreement 1.00 on most; the only flat parts that matched a wrong one (two text cards against a logo's half, PDQ 4)
# had 0.78, 8-9 inliers and keypoints on one line (refused by the spread test anyway). An edgeless part scores 0.
FLAT_PART_MIN_OUTLINES = 0.85


# A frame whose shape is a reference's (width / height within this share) is also compared part by part with it,
# without keypoints: a caption band or a sticker over a picture shown whole (the frame is the copy) leaves a half,
# a quarter or two-thirds of it as it was. Keypoints miss many of those (the band's glyphs take the frame's
# keypoints; a 1008 px photo and its 400 px feature image share few ORB scales).
FRAME_PARTS_ASPECT = 0.03
# halves and two-thirds only: a quarter of a simple emblem (an arc of its ring on its field) is matched by a
# quarter of a look-alike of the same generator (PDQ 22 on visual3's fresh look-alikes)
_FRAME_PARTS = tuple(p for p in _PARTS if p[0].endswith(("half", "two-thirds")))


def _frame_parts(
    rgb: np.ndarray, entry, min_quality: int, phash_limit: int, pdq_limit: int = 256
) -> list[tuple[str, int | None, int, float | None, bool]]:
    """``(part, PDQ, pHash, outline agreement, mirrored)`` for the parts (``_FRAME_PARTS``) of the frame
    ``rgb`` against the same parts of ``entry``'s reference, upright and mirrored, when the frame has the
    reference's shape (``FRAME_PARTS_ASPECT``); nothing otherwise. Flat parts count as in ``_compare_parts``
    with outlines; a part's pHash only with PDQ agreement on the same part."""
    import cv2

    if entry.rgb is None:
        return []
    height, width = entry.rgb.shape[:2]
    if abs((rgb.shape[1] / rgb.shape[0]) / (width / height) - 1) > FRAME_PARTS_ASPECT:
        return []
    region = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    out = []
    for mirrored in (False, True):
        reference = np.ascontiguousarray(entry.rgb[:, ::-1]) if mirrored else entry.rgb
        for part, pdq_d, phash_d, agree in _compare_parts(
            region, reference, _FRAME_PARTS, min_quality, outlines=True, phash_limit=phash_limit,
            pdq_limit=pdq_limit,
        ):  # fmt: skip
            # no keypoints place anything here: a card that copies a logo's layout (its word, in its font, where
            # the logo has it) brings a quarter within pHash 10 with agreeing outlines; only PDQ decides
            agreed = pdq_d is not None and pdq_d <= hashes.PDQ_MATCH_DISTANCE
            out.append((part, pdq_d, phash_d if agreed else 999, agree, mirrored))
    return out


def _spread_out(spread: tuple[float, float]) -> bool:
    """Whether an alignment's inliers cover enough of the reference for a part of it to count on its own: at
    least ``MIN_KEYPOINT_SPREAD`` of its width and height, or ``WIDE_KEYPOINT_SPREAD`` (a caption band over the
    lower third leaves a wide, lower strip of keypoints). One line of letters in a shared font spans less
    (wrong alignments on the benchmark's development half: at most 0.21 x 0.09)."""
    low, high = sorted(spread)
    return low >= MIN_KEYPOINT_SPREAD or (low >= WIDE_KEYPOINT_SPREAD[0] and high >= WIDE_KEYPOINT_SPREAD[1])


def _compare_parts(
    region: np.ndarray,
    ref_region: np.ndarray,
    parts: Sequence[tuple[str, tuple[float, float, float, float]]],
    min_quality: int,
    *,
    outlines: bool = False,
    phash_limit: int = 64,
    pdq_limit: int = 256,
) -> list[tuple[str, int | None, int, float | None]]:
    """``(part, PDQ distance, pHash distance, outline agreement)`` per part, on the luma and the value channel
    (the nearer of the two). Where either side's PDQ quality is below ``min_quality`` (flat, featureless) the
    hashes are not evidence and the part is left out, unless ``outlines`` (the caller has keypoint geometry spread
    over the picture; parts other than the whole are only asked for with ``PART_MIN_INLIERS``) and its outlines
    agree (``align.outline_agreement`` >= ``FLAT_MIN_OUTLINES`` for the whole region, ``FLAT_PART_MIN_OUTLINES``
    for a part); then the luma hashes count and the agreement is returned (None otherwise). A part without
    edges (a colour field) never agrees. A pHash distance counts only as ``_phash_counts`` says (999 where it
    does not); distances above ``phash_limit`` are returned without that check (no rule can fire on them). A part
    whose distances could fire (PDQ within ``pdq_limit`` or pHash within ``phash_limit``) is left out when its
    interior disagrees (``_interior_agrees``)."""
    from studio.compliance.align import outline_agreement

    height, width = region.shape[:2]
    out = []
    for name, (fx0, fy0, fx1, fy1) in parts:
        x0, x1 = round(fx0 * width), round(fx1 * width)
        y0, y1 = round(fy0 * height), round(fy1 * height)
        if name != "whole" and min(x1 - x0, y1 - y0) < PART_MIN_SIDE:
            continue
        a = hashes.canonical(region[y0:y1, x0:x1])
        b = hashes.canonical(ref_region[y0:y1, x0:x1])
        pair = np.stack([a, b, hashes.value_image(a), hashes.value_image(b)])
        words, quality = hashes.pdq_many(pair)
        ph = hashes.phash_grey(hashes.grey32(pair))
        best: tuple[int, int] | None = None
        agree: float | None = None
        shapes: list[float] = []  # the part's outline agreement, computed once when a pHash needs it

        def part_outlines(a=region[y0:y1, x0:x1], b=ref_region[y0:y1, x0:x1], memo=shapes) -> float:
            if not memo:
                memo.append(outline_agreement(a, b))
            return memo[0]

        for k in (0, 2):  # luma, then the value channel (a recoloured copy)
            if min(quality[k], quality[k + 1]) < min_quality:
                continue  # a flat part (a white corner of a logo, a colour field) matches anything flat
            pdq_d = int(hashes.hamming(words[k][None], words[k + 1][None])[0, 0])
            phash_d = int(hashes.hamming(ph[k : k + 1], ph[k + 1 : k + 2])[0, 0])
            if phash_d <= phash_limit and not _phash_counts(pdq_d, part_outlines, whole=name == "whole"):
                phash_d = 999
            best = (pdq_d, phash_d) if best is None else (min(best[0], pdq_d), min(best[1], phash_d))
        if best is None and outlines:  # flat: only its outlines in place make its hashes evidence
            score = part_outlines()
            if score >= (FLAT_MIN_OUTLINES if name == "whole" else FLAT_PART_MIN_OUTLINES):
                pdq_d = int(hashes.hamming(words[0][None], words[1][None])[0, 0])
                phash_d = int(hashes.hamming(ph[0:1], ph[1:2])[0, 0])
                if phash_d <= phash_limit and not _phash_counts(pdq_d, part_outlines, whole=name == "whole"):
                    phash_d = 999
                best, agree = (pdq_d, phash_d), score
        if best is None:
            continue
        could_fire = best[0] <= pdq_limit or best[1] <= phash_limit
        if could_fire and not _interior_agrees(region, ref_region, min_quality, (fx0, fy0, fx1, fy1)):
            continue  # the rim of a shared layout matched, not the picture inside it
        out.append((name, best[0], best[1], agree))
    return out


def _interior_agrees(
    region: np.ndarray,
    reference: np.ndarray,
    min_quality: int,
    part: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
) -> bool:
    """Whether the interiors of ``region`` and ``reference`` ([H, W, 3] uint8, an aligned frame region or the
    whole frame, and the reference) agree within ``part`` (fractions x0, y0, x1, y1 of them): the part's share of
    the picture inset ``INTERIOR_INSET`` on every side (a half keeps the half of the interior, not its own rim),
    where the PDQ distance, the nearer of luma and value channel, must be at most ``INTERIOR_MAX_PDQ``. A flat
    interior on either side (PDQ quality under ``min_quality`` on both channels) does not veto."""
    h, w = reference.shape[:2]
    fx0, fy0 = max(part[0], INTERIOR_INSET), max(part[1], INTERIOR_INSET)
    fx1, fy1 = min(part[2], 1 - INTERIOR_INSET), min(part[3], 1 - INTERIOR_INSET)
    x0, x1, y0, y1 = round(fx0 * w), round(fx1 * w), round(fy0 * h), round(fy1 * h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return True  # too small to have an interior of its own
    a = hashes.canonical(region[y0:y1, x0:x1])
    b = hashes.canonical(reference[y0:y1, x0:x1])
    words, quality = hashes.pdq_many(np.stack([a, b, hashes.value_image(a), hashes.value_image(b)]))
    measured = False
    for k in (0, 2):
        if min(quality[k], quality[k + 1]) < min_quality:
            continue
        measured = True
        if int(hashes.hamming(words[k][None], words[k + 1][None])[0, 0]) <= INTERIOR_MAX_PDQ:
            return True
    return not measured


def _phash_counts(pdq_distance: int, outlines: Callable[[], float], *, whole: bool = True) -> bool:
    """Whether a pHash match is evidence, given the PDQ distance of the same comparison: with PDQ agreement
    (<= ``hashes.PDQ_MATCH_DISTANCE``) always; otherwise only for a whole picture or region (``whole``; not a half
    or a quarter of it) with PDQ <= ``PHASH_MAX_PDQ`` and the regions' outlines agreeing (``outlines()`` >=
    ``PHASH_MIN_OUTLINES``). Letters of a shared font on a flat card, or a look-alike of the same layout, place
    light and dark where a protected picture has them; they do not draw its shapes. A part is smaller still: a
    quarter of an app icon's template (a corner of its squircle, its gradient, the edge of a glyph) is the same in
    every icon made from it."""
    if pdq_distance <= hashes.PDQ_MATCH_DISTANCE:
        return True
    return whole and pdq_distance <= PHASH_MAX_PDQ and outlines() >= PHASH_MIN_OUTLINES


def _whole_frame_interior(
    rgb: np.ndarray, entry, position: int, variant: int, min_quality: int, cache: dict[tuple[int, int], bool]
) -> bool:
    """``_interior_agrees`` for the whole frame ``rgb`` squashed to the shape of variant ``variant`` (0-7, as
    ``hashes.dihedral``) of ``entry``'s reference; ``cache`` keeps it per (reference, variant) for the frame."""
    import cv2

    key = (position, variant)
    if key not in cache:
        if entry.rgb is None:  # the stored image is gone (reported): the whole-frame hashes alone decide
            cache[key] = True
        else:
            reference = np.ascontiguousarray(hashes.dihedral(entry.rgb)[variant])
            squashed = cv2.resize(rgb, (reference.shape[1], reference.shape[0]), interpolation=cv2.INTER_AREA)
            cache[key] = _interior_agrees(squashed, reference, min_quality)
    return cache[key]


def _whole_frame_pdq(
    rgb: np.ndarray,
    entry,
    position: int,
    pdq_d: np.ndarray,
    limit: int,
    min_quality: int,
    cache: dict[tuple[int, int], bool],
) -> int:
    """The smallest PDQ distance between the whole frame ``rgb`` and one reference's variants (``pdq_d`` [V])
    whose interiors agree (``_whole_frame_interior``), or 999; distances above ``limit`` are returned without
    that check (no rule can fire on them)."""
    for v in np.argsort(pdq_d, kind="stable"):
        distance = int(pdq_d[v])
        if distance > limit or _whole_frame_interior(rgb, entry, position, int(v) % 8, min_quality, cache):
            return distance
    return 999


def _whole_frame_phash(
    rgb: np.ndarray,
    entry,
    position: int,
    pdq_d: np.ndarray,
    phash_d: np.ndarray,
    limit: int,
    cache: dict[tuple[int, int], float],
    *,
    min_quality: int = DEFAULT_MIN_PDQ_QUALITY,
    interiors: dict[tuple[int, int], bool] | None = None,
) -> int:
    """The smallest pHash distance between the whole frame ``rgb`` and one reference's variants that counts
    (``_phash_counts``, on the same variant's PDQ; ``pdq_d`` and ``phash_d`` [V] over the variants), or 999.

    The outlines compared are the frame squashed to the variant's shape (as both hashes squash them) against
    the reference's variant; ``cache`` keeps them per (reference, variant) for the frame's other channel. The
    interiors must agree too (``_whole_frame_interior``; ``interiors`` is its cache)."""
    import cv2

    for v in np.argsort(phash_d, kind="stable"):
        distance = int(phash_d[v])
        if distance > limit:  # above every rule's threshold: it cannot fire, whatever the outlines
            return distance
        variant = int(v) % 8

        def outlines(key=(position, variant)) -> float:
            if key not in cache:
                if entry.rgb is None:  # the stored image is gone (reported): nothing to compare outlines with
                    cache[key] = 0.0
                else:
                    reference = np.ascontiguousarray(hashes.dihedral(entry.rgb)[key[1]])
                    squashed = cv2.resize(rgb, (reference.shape[1], reference.shape[0]),
                                          interpolation=cv2.INTER_AREA)  # fmt: skip
                    from studio.compliance.align import outline_agreement

                    cache[key] = outline_agreement(squashed, reference)
            return cache[key]

        if _phash_counts(int(pdq_d[v]), outlines) and _whole_frame_interior(
            rgb, entry, position, variant, min_quality, {} if interiors is None else interiors
        ):
            return distance
    return 999


def _better_pdq(ev: _RefEvidence, distance: int, box: tuple[int, int, int, int], how: str) -> None:
    if distance < ev.pdq:
        ev.pdq, ev.pdq_box, ev.pdq_how = distance, box, how


def _better_phash(ev: _RefEvidence, distance: int, box: tuple[int, int, int, int], how: str) -> None:
    if distance < ev.phash:
        ev.phash, ev.phash_box, ev.phash_how = distance, box, how


def _reference_hit(rule: Rule, entry, ev: _RefEvidence, frame: Frame) -> _Hit | None:
    ref = entry.ref
    fired: list[tuple[str, float, float, tuple[int, int, int, int], str, float]] = []
    if rule.pdq_max_distance is not None and ev.pdq <= rule.pdq_max_distance and ev.pdq_box:
        fired.append(("pdq", ev.pdq, rule.pdq_max_distance, ev.pdq_box, ev.pdq_how, 3 + 1 - ev.pdq / 256))
    if rule.phash_max_distance is not None and ev.phash <= rule.phash_max_distance and ev.phash_box:
        fired.append(
            ("phash", ev.phash, rule.phash_max_distance, ev.phash_box, ev.phash_how, 2 + 1 - ev.phash / 64)
        )
    if rule.clip_threshold is not None and ev.clip >= rule.clip_threshold and ev.clip_box:
        fired.append(("clip_reference", ev.clip, rule.clip_threshold, ev.clip_box, "CLIP", 1 + ev.clip / 2))
    if not fired:
        return None
    detector, score, threshold, box, how, strength = fired[0]
    relation = "<=" if detector != "clip_reference" else ">="
    unit = {"pdq": "PDQ distance", "phash": "pHash distance", "clip_reference": "CLIP cosine"}[detector]
    shown = f"{score:.3f}" if detector == "clip_reference" else f"{int(score)}"
    what = f"{ref.kind} {ref.name!r} of {ref.owner}" + (f" (licence: {ref.licence})" if ref.licence else "")
    message = f"Looks like {ref.label}, {what}: {unit} {shown} {relation} {threshold:g}"
    if how and how not in ("whole frame", "CLIP"):
        message += f", {how}"
    extra = [f"{d} {s:.3f}" if d == "clip_reference" else f"{d} {int(s)}" for d, s, *_ in fired[1:]]
    return _Hit(
        rule=rule,
        key=ref.label,
        detector=detector,
        score=float(score),
        threshold=float(threshold),
        frame=frame.index,
        time=frame.time,
        box=_to_source(box, frame.scale),
        message=message,
        strength=strength,
        extra=extra,
    )


def _concept_hit(
    rule: Rule,
    crop_vectors: np.ndarray,
    crop_boxes: list[tuple[int, int, int, int]],
    vectors: tuple[np.ndarray, np.ndarray | None],
    frame: Frame,
) -> _Hit | None:
    concepts, negatives = vectors
    sims = crop_vectors @ concepts.T  # [C, K]
    best_concept = sims.max(axis=1)  # [C]
    if negatives is not None:
        best_negative = (crop_vectors @ negatives.T).max(axis=1)
        eligible = best_concept > best_negative
    else:
        best_negative = None
        eligible = np.ones(len(best_concept), dtype=bool)
    threshold = rule.effective_threshold
    eligible &= best_concept >= threshold
    if not eligible.any():
        return None
    crop = int(np.argmax(np.where(eligible, best_concept, -np.inf)))
    concept_index = int(sims[crop].argmax())
    concept = rule.concepts[concept_index]
    score = float(best_concept[crop])
    message = f"Shows {concept!r}: CLIP cosine {score:.3f} >= {threshold:g}"
    if best_negative is not None:
        message += f" (best negative prompt {float(best_negative[crop]):.3f})"
    return _Hit(
        rule=rule,
        key=concept,
        detector="clip_concept",
        score=score,
        threshold=threshold,
        frame=frame.index,
        time=frame.time,
        box=_to_source(crop_boxes[crop], frame.scale),
        message=message,
        strength=score,
    )


def _grid_boxes(width: int, height: int, n: int) -> list[tuple[int, int, int, int]]:
    """Crops for CLIP: a 60 % centre crop and an ``n`` x ``n`` grid of overlapping crops (60 % of the sides for
    n = 2, 45 % for n = 3, ...); none for n = 0."""
    if n <= 0:
        return []
    boxes = []
    layouts = [(0.6, 1)] + ([(min(0.6, 1.35 / n), n)] if n > 1 else [])
    for fraction, count in layouts:
        cw, ch = int(width * fraction), int(height * fraction)
        for row in range(count):
            for col in range(count):
                x0 = (width - cw) // 2 if count == 1 else round(col * (width - cw) / (count - 1))
                y0 = (height - ch) // 2 if count == 1 else round(row * (height - ch) / (count - 1))
                boxes.append((x0, y0, x0 + cw, y0 + ch))
    return boxes


def _to_source(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    if scale >= 1:
        return tuple(int(v) for v in box)  # type: ignore[return-value]
    return tuple(round(v / scale) for v in box)  # type: ignore[return-value]


def _grey(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


# -- repeated pictures -------------------------------------------------------------------------------------------
def _signature(rgb: np.ndarray) -> np.ndarray:
    """Mean grey of 16x16-pixel blocks, [H/16, W/16] float32 (``frames.signature``)."""
    from studio.compliance.frames import signature

    return signature(rgb)


def _same_picture(a: np.ndarray, b: np.ndarray, tolerance: float = 4.0) -> bool:
    """Whether no 16x16 block changed by more than ``tolerance`` grey levels (a logo appearing anywhere
    changes the blocks it covers by far more; codec noise on a still shot stays around 1-2)."""
    return a.shape == b.shape and float(np.abs(a - b).max()) <= tolerance


def _restamp(hit: _Hit, frame: Frame) -> _Hit:
    return _Hit(**{**hit.__dict__, "frame": frame.index, "time": frame.time, "extra": list(hit.extra)})


# -- merging hits into findings ------------------------------------------------------------------------------------
def _merge(hits: Iterable[_Hit], *, gaps: tuple[float, float], video: bool) -> list[Finding]:
    """One finding per run of hits of the same rule and reference/concept on (nearly) consecutive frames.

    ``gaps``: the largest time between two hits of one run, for hash detectors and for CLIP detectors (which
    look at fewer frames)."""
    groups: dict[tuple[str, str], list[_Hit]] = {}
    for hit in hits:
        groups.setdefault((hit.rule.id, hit.key), []).append(hit)
    findings = []
    runs = []
    for group in groups.values():
        gap = gaps[1] if all(h.detector.startswith("clip") for h in group) else gaps[0]
        runs += _runs(group, gap)
    for run in runs:
        best = max(run, key=lambda h: (h.strength, -h.time))
        message = best.message
        if best.extra:
            message += f" (also {', '.join(best.extra)})"
        if video:
            first, last = run[0].time, run[-1].time
            span = f"at {first:.1f} s" if len(run) == 1 else f"from {first:.1f} s to {last:.1f} s"
            message += f"; in {len(run)} sampled frame(s) {span}, strongest at {best.time:.1f} s"
        findings.append(
            Finding(
                rule=best.rule.id,
                action=best.rule.action,
                detector=best.detector,
                score=best.score,
                threshold=best.threshold,
                message=message,
                reference=best.key,
                frame=best.frame,
                time=round(best.time, 3),
                box=best.box,
                legal=best.rule.legal,
            )
        )
    findings.sort(key=lambda f: (f.time or 0.0, f.rule, f.reference or ""))
    return findings


def _runs(hits: list[_Hit], gap: float) -> list[list[_Hit]]:
    hits = sorted(hits, key=lambda h: h.time)
    runs: list[list[_Hit]] = [[hits[0]]]
    for hit in hits[1:]:
        if hit.time - runs[-1][-1].time <= gap:
            runs[-1].append(hit)
        else:
            runs.append([hit])
    return runs
