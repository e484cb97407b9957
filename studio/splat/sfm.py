"""Camera poses by structure-from-motion: SIFT features, matching and mapping with pycolmap.

What runs is chosen for the capture (``choose_sfm``, pure, measured in bench/README 12c):

* features: the long edge SIFT sees and the features kept per image fall as the photo count grows (matching
  cost grows with features squared and with the number of pairs);
* pairs (``plan_pairs``): every pair for small sets; for larger ones and for video frames, neighbours in
  capture order (with COLMAP's quadratic reach) plus loop closure between the two ends of the walk, and, for
  photos, each image's nearest images by a visual vocabulary learnt from the capture's own SIFT descriptors
  (no vocabulary file needed): the pairs a walk-around needs instead of all N*(N-1)/2;
* mapping: pycolmap's global mapper (GLOMAP, in pycolmap >= 3.12) or the incremental one.

pycolmap runs in a child process (``studio.splat.sfm_worker``) and is never imported here: in the same process it
breaks Pillow's PNG writer (FIELD_NOTES) and its glog output would flood the console. The child's stdout and
stderr go to ``<work_dir>/sfm.log``; its progress comes back as JSON lines; cancelling kills it.

The largest model is used; images outside it are reported as unregistered. Too few registered images is an
``InputError`` that says how many matched and what a usable capture looks like.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError, RenderError
from studio.progress import ProgressFn, null_progress
from studio.splat.colmap_io import ColmapModel, read_model

logger = logging.getLogger(__name__)

# share of the progress bar per stage, from the FIELD_NOTES timings (47 s / 23 s / 46 s on 59 photos)
STAGE_SPAN = {"extract": (0.0, 0.42), "match": (0.42, 0.62), "map": (0.62, 1.0)}
Matcher = Literal["exhaustive", "sequential", "retrieval"]
Mapper = Literal["incremental", "global"]
EXHAUSTIVE_UP_TO = 40  # photos: every pair up to this many images (780 pairs), planned pairs beyond


@dataclass(frozen=True)
class SfmOptions:
    """Knobs of the SfM run (``choose_sfm`` picks them for a capture; these defaults are the old fixed ones)."""

    # exhaustive: every pair; sequential: neighbours in capture order + loop closure (video frames, ordered
    # walks); retrieval: sequential plus each image's nearest images by visual words (large photo sets)
    matcher: Matcher = "exhaustive"
    mapper: Mapper = "incremental"  # global: pycolmap's GLOMAP mapper where the installed pycolmap has it
    camera_model: str = "SIMPLE_RADIAL"  # COLMAP model; images are undistorted to pinhole afterwards
    max_image_size: int = 1600  # SIFT runs on images scaled down to this long edge, pixels
    max_features: int = 8192  # SIFT features per image
    sequential_overlap: int = 10  # neighbours matched on each side with the sequential matcher
    loop_closure: int = 3  # images at each end of the sequence matched with the other end (0: none)
    retrieval_neighbours: int = 10  # nearest images by visual words matched per image (retrieval)
    num_threads: int = -1  # -1: every core
    seed: int = 0
    min_registered: int = 8  # fewer registered images is an error
    timeout_seconds: float | None = None  # whole SfM wall-clock limit; None: no limit


def features_for_count(n_images: int) -> tuple[int, int]:
    """(long edge px, SIFT features per image) for ``n_images`` photos: detail for small sets, speed for
    large ones (SIFT time grows with pixels, matching with features squared). Measured in bench/README 12c."""
    if n_images <= 40:
        return 1600, 8192
    if n_images <= 120:
        return 768, 4096  # plush, 97 photos: 1.7x less SfM CPU than 1024 px, poses within 0.1 deg (12c)
    if n_images <= 300:
        return 768, 3072
    return 640, 2048


def choose_sfm(
    n_images: int, *, video: bool = False, matcher: str = "auto", mapper: str = "auto", **fields: Any
) -> SfmOptions:
    """The ``SfmOptions`` for a capture of ``n_images`` (``video``: frames in order). ``matcher`` / ``mapper``
    "auto": exhaustive up to ``EXHAUSTIVE_UP_TO`` photos, retrieval beyond, sequential for video frames; the
    global mapper when ``global_mapper_available()``. ``fields`` override single options (e.g. a user's
    ``max_image_size``)."""
    long_edge, features = features_for_count(n_images)
    if matcher == "auto":
        matcher = "sequential" if video else ("exhaustive" if n_images <= EXHAUSTIVE_UP_TO else "retrieval")
    if mapper == "auto":
        mapper = "global" if global_mapper_available() else "incremental"
    values: dict[str, Any] = {
        "matcher": matcher,
        "mapper": mapper,
        "max_image_size": long_edge,
        "max_features": features,
    }
    values.update({k: v for k, v in fields.items() if v is not None})
    return SfmOptions(**values)


def global_mapper_available() -> bool:
    """Whether the installed pycolmap has the global (GLOMAP) mapper, read from its version without importing
    it (pycolmap stays out of this process): ``global_mapping`` arrived in pycolmap 3.12."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        parts = version("pycolmap").split(".")
        return (int(parts[0]), int(parts[1])) >= (3, 12)
    except (PackageNotFoundError, ValueError, IndexError):
        return False


def sequential_pairs(
    n: int, overlap: int = 10, *, quadratic: bool = True, loop: int = 3
) -> set[tuple[int, int]]:
    """Index pairs (i < j) of images in capture order: each image with the next ``overlap`` ones, with
    ``quadratic`` also those 2^k further on (COLMAP's quadratic overlap: drift over long walks), and the first
    ``loop`` images with the last ``loop`` ones (a walk around the product ends where it began)."""
    pairs: set[tuple[int, int]] = set()
    for i in range(n):
        for k in range(1, overlap + 1):
            if i + k < n:
                pairs.add((i, i + k))
        if quadratic:
            k = 1
            while i + (1 << k) < n:
                if (1 << k) > overlap:
                    pairs.add((i, i + (1 << k)))
                k += 1
    if loop > 0 and n > 2 * overlap:
        head = range(min(loop, n))
        tail = range(max(n - loop, 0), n)
        pairs.update((i, j) for i in head for j in tail if i < j)
    return pairs


def retrieval_pairs(similarity: Any, k: int) -> set[tuple[int, int]]:
    """Index pairs (i < j) joining every image to its ``k`` most similar others (``similarity`` [N,N])."""
    import numpy as np

    sim = np.array(similarity, dtype=np.float64)
    n = len(sim)
    np.fill_diagonal(sim, -np.inf)
    pairs: set[tuple[int, int]] = set()
    k = min(k, n - 1)
    if k <= 0:
        return pairs
    nearest = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    for i in range(n):
        for j in nearest[i]:
            pairs.add((min(i, int(j)), max(i, int(j))))
    return pairs


def visual_word_similarity(
    descriptors: list[Any], *, words: int = 256, per_image: int = 1024, iterations: int = 8, seed: int = 0
) -> Any:
    """Cosine similarity [N,N] of tf-idf bag-of-visual-words vectors, one per image, from SIFT descriptors
    (each [F_i,128], any dtype). The vocabulary (``words`` centres) is learnt from the capture itself by a few
    k-means iterations on a sample, so no vocabulary file is needed; ``per_image`` descriptors of each image
    are used (a random sample). Images without descriptors are similar to nothing (0)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    samples = []
    for d in descriptors:
        d = np.asarray(d, dtype=np.float32).reshape(-1, 128)
        if len(d) > per_image:
            d = d[rng.choice(len(d), per_image, replace=False)]
        norm = np.linalg.norm(d, axis=1, keepdims=True)
        samples.append(d / np.maximum(norm, 1e-6))
    stacked = np.concatenate([d for d in samples if len(d)] or [np.zeros((0, 128), np.float32)])
    n = len(descriptors)
    if len(stacked) == 0:
        return np.zeros((n, n))
    words = min(words, len(stacked))
    train = stacked[rng.choice(len(stacked), min(len(stacked), 40 * words), replace=False)]
    centres = train[rng.choice(len(train), words, replace=False)].copy()
    for _ in range(iterations):
        assign = np.argmax(train @ centres.T, axis=1)  # unit vectors: nearest = largest dot product
        for w in range(words):
            members = train[assign == w]
            if len(members):
                c = members.mean(axis=0)
                centres[w] = c / max(float(np.linalg.norm(c)), 1e-6)
    histograms = np.zeros((n, words))
    for i, d in enumerate(samples):
        if len(d):
            histograms[i] = np.bincount(np.argmax(d @ centres.T, axis=1), minlength=words)
    document_frequency = np.count_nonzero(histograms, axis=0)
    idf = np.log((n + 1) / (document_frequency + 1))
    vectors = histograms / np.maximum(histograms.sum(axis=1, keepdims=True), 1) * idf
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return vectors @ vectors.T


def expected_pairs(n: int, options: SfmOptions) -> int:
    """About how many pairs ``options`` match for ``n`` images: for budgets (retrieval: half the nearest images
    counted as new pairs; plush, 97 photos: 1,588 estimated, 1,488 matched)."""
    if options.matcher == "exhaustive":
        return n * (n - 1) // 2
    pairs = len(sequential_pairs(n, options.sequential_overlap, loop=options.loop_closure))
    if options.matcher == "retrieval":  # about half the nearest images are capture-order neighbours already
        pairs += n * options.retrieval_neighbours // 2
    return min(pairs, n * (n - 1) // 2)


@dataclass(frozen=True)
class SfmResult:
    """Where the largest model is and what it covers; ``timings`` are seconds per stage."""

    model_dir: Path
    model: ColmapModel
    registered: list[str]
    unregistered: list[str]
    images: int
    verified_pairs: int
    other_models: list[int]  # registered-image counts of the smaller models that were not used
    timings: dict[str, float] = field(default_factory=dict)
    log_path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "model_dir": str(self.model_dir),
            "images": self.images,
            "registered": len(self.registered),
            "unregistered": self.unregistered,
            "verified_pairs": self.verified_pairs,
            "other_models": self.other_models,
            "points": len(self.model.xyz),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def run_sfm(
    image_dir: str | os.PathLike[str],
    work_dir: str | os.PathLike[str],
    names: Sequence[str] | None = None,
    *,
    options: SfmOptions = SfmOptions(),
    focal_priors: dict[str, float] | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> SfmResult:
    """Estimate poses for ``names`` (default: every image file) in ``image_dir``.

    ``image_dir`` should hold upright images without EXIF rotation (COLMAP reads raw pixels). Images of one size
    (and one ``focal_priors`` value, pixels, when given) share a camera. Work files go to ``work_dir``.
    Raises ``InputError`` when fewer than ``options.min_registered`` images register, ``Cancelled`` when
    ``cancel`` is cancelled (the child is killed), ``RenderError`` when pycolmap crashes or times out.
    """
    report = on_progress or null_progress
    image_dir = Path(image_dir).resolve()
    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    if names is None:
        names = sorted(p.name for p in image_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    names = list(names)
    if len(names) < max(2, options.min_registered):
        raise InputError(
            f"Structure-from-motion needs at least {max(2, options.min_registered)} images; got {len(names)}.",
            "Take more photos around the product.",
        )
    groups, priors = _camera_groups(image_dir, names, focal_priors or {})
    for stale in ("sfm_result.json", "progress.jsonl"):
        (work_dir / stale).unlink(missing_ok=True)
    spec = {
        "image_dir": str(image_dir),
        "work_dir": str(work_dir),
        "groups": groups,
        "order": names,
        "focal_priors": priors,
        "camera_model": options.camera_model,
        "matcher": options.matcher,
        "mapper": options.mapper,
        "sequential_overlap": options.sequential_overlap,
        "loop_closure": options.loop_closure,
        "retrieval_neighbours": options.retrieval_neighbours,
        "max_image_size": options.max_image_size,
        "max_features": options.max_features,
        "num_threads": options.num_threads,
        "seed": options.seed,
        "min_model_size": min(3, len(names)),
        "max_mapping_seconds": -1,
    }
    spec_path = work_dir / "sfm_spec.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    log_path = work_dir / "sfm.log"

    report(0.0, f"structure from motion on {len(names)} images")
    _run_worker(spec_path, work_dir, log_path, len(names), options.timeout_seconds, report, cancel)

    result_path = work_dir / "sfm_result.json"
    if not result_path.is_file():
        raise RenderError("Structure-from-motion ended without a result.", f"See the log {log_path}.")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    models = result.get("models") or []
    total = int(result["images"])
    if not models:
        raise InputError(
            f"None of the {total} images could be placed in 3D ({result.get('verified_pairs', 0)} image pairs"
            " matched).",
            "Photos must overlap: walk around the product taking a photo every 10-15 degrees, keep it sharp and"
            " textured, avoid plain reflective surfaces and moving backgrounds.",
        )
    best = models[0]
    registered = list(best["images"])
    if len(registered) < options.min_registered:
        raise InputError(
            f"Only {len(registered)} of {total} images could be placed in 3D; at least {options.min_registered}"
            " are needed.",
            "Take more overlapping photos (every 10-15 degrees around the product), sharp and well lit.",
        )
    model = read_model(best["path"])
    unregistered = sorted(set(names) - set(registered))
    report(1.0, f"{len(registered)} of {total} images registered")
    return SfmResult(
        model_dir=Path(best["path"]),
        model=model,
        registered=sorted(registered),
        unregistered=unregistered,
        images=total,
        verified_pairs=int(result.get("verified_pairs", 0)),
        other_models=[int(m["registered"]) for m in models[1:]],
        timings={k: float(v) for k, v in result.get("timings", {}).items()},
        log_path=log_path,
    )


def load_sfm_result(
    work_dir: str | os.PathLike[str], names: Sequence[str], options: SfmOptions = SfmOptions()
) -> SfmResult | None:
    """The result of an earlier ``run_sfm`` in ``work_dir`` on exactly ``names``, or None (missing, another
    image set, or too few registered). Lets a resumed reconstruction keep the poses its checkpoint was
    trained with instead of re-running (not bit-for-bit deterministic, multi-threaded) SfM."""
    work_dir = Path(work_dir)
    try:
        result = json.loads((work_dir / "sfm_result.json").read_text(encoding="utf-8"))
        spec = json.loads((work_dir / "sfm_spec.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    spec_names = sorted(name for group in spec.get("groups", []) for name in group)
    models = result.get("models") or []
    if spec_names != sorted(names) or not models or models[0].get("registered", 0) < options.min_registered:
        return None
    best = models[0]
    try:
        model = read_model(best["path"])
    except InputError:
        return None
    registered = sorted(best["images"])
    return SfmResult(
        model_dir=Path(best["path"]),
        model=model,
        registered=registered,
        unregistered=sorted(set(names) - set(registered)),
        images=int(result["images"]),
        verified_pairs=int(result.get("verified_pairs", 0)),
        other_models=[int(m["registered"]) for m in models[1:]],
        timings={},
        log_path=work_dir / "sfm.log",
    )


def _camera_groups(
    image_dir: Path, names: list[str], focal_priors: dict[str, float]
) -> tuple[list[list[str]], list[float | None]]:
    """Group images that share a camera: same pixel size and same focal prior (rounded to 1 %)."""
    from PIL import Image

    keyed: dict[tuple[int, int, int | None], list[str]] = {}
    for name in names:
        path = image_dir / name
        try:
            with Image.open(path) as image:
                size = image.size
        except OSError as exc:
            raise InputError(
                f"The SfM image {name} cannot be read ({exc}).", "Check the prepared images."
            ) from exc
        focal = focal_priors.get(name)
        key = (size[0], size[1], None if not focal else round(100 * float(focal) / max(size)))
        keyed.setdefault(key, []).append(name)
    groups = list(keyed.values())
    priors = [None if key[2] is None else key[2] / 100 * max(key[0], key[1]) for key in keyed]
    return groups, priors


def _run_worker(
    spec_path: Path,
    work_dir: Path,
    log_path: Path,
    n_images: int,
    timeout: float | None,
    report: ProgressFn,
    cancel: CancelToken | None,
) -> None:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("GLOG_minloglevel", "0")
    progress_path = work_dir / "progress.jsonl"
    started = time.monotonic()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio.splat.sfm_worker", str(spec_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(work_dir),
            env=env,
        )
        logger.info("SfM worker %d started on %d images (its log: %s)", proc.pid, n_images, log_path)
        offset = 0
        try:
            while True:
                try:
                    code = proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    code = None
                offset = _forward_progress(progress_path, offset, report)
                if code is not None:
                    break
                if cancel is not None and cancel.cancelled:
                    _stop(proc)
                    raise Cancelled("Structure-from-motion was cancelled.", "Nothing was saved.")
                if timeout is not None and time.monotonic() - started > timeout:
                    _stop(proc)
                    raise RenderError(
                        f"Structure-from-motion on {n_images} images took longer than {timeout:.0f} s.",
                        "Use fewer or smaller images, or allow more time.",
                    )
        except BaseException:
            if proc.poll() is None:
                _stop(proc)
            raise
    logger.info("SfM worker %d exited with code %s after %.1f s", proc.pid, code, time.monotonic() - started)
    if code != 0:
        raise RenderError(
            f"pycolmap stopped with exit code {code} during structure-from-motion: {_log_tail(log_path)}",
            f"The full log is {log_path}.",
        )


def _forward_progress(path: Path, offset: int, report: ProgressFn) -> int:
    if not path.is_file():
        return offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        chunk = fh.read()
    complete, _, _partial = chunk.rpartition(b"\n")
    if not complete:
        return offset
    for line in complete.decode("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        start, end = STAGE_SPAN.get(item.get("stage"), (0.0, 1.0))
        fraction = min(max(float(item.get("fraction", 0.0)), 0.0), 1.0)
        report(start + (end - start) * fraction, str(item.get("message", "")))
    return offset + len(complete) + 1


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _log_tail(log_path: Path, lines: int = 3) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    tail = [line.strip() for line in text[-lines:] if line.strip()]
    return " | ".join(tail)[-400:] or "no output"
