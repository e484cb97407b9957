"""The pycolmap side of structure-from-motion, run as its own process: ``python -m studio.splat.sfm_worker SPEC``.

Why a subprocess: importing pycolmap 4.2.1 before Pillow has written a PNG makes the next PNG save abort the
process (``double free or corruption``, FIELD_NOTES), and its glog output is very verbose. So the app and CLI never
import pycolmap; ``studio.splat.sfm`` starts this module with stdout/stderr sent to a log file in the work folder,
reads progress lines from ``progress.jsonl`` and the outcome from ``sfm_result.json``, and kills the process to
cancel.

SPEC is a JSON file (written by ``sfm.py``) with::

    image_dir, work_dir            folders (absolute)
    groups                         [[image names sharing one camera], ...]
    camera_model                   COLMAP model name, e.g. "SIMPLE_RADIAL"
    focal_priors                   [focal in pixels or null per group]
    order                          every image name, in capture order (sequential pairs follow it)
    matcher                        "exhaustive" | "sequential" | "retrieval"
    mapper                         "incremental" | "global"
    sequential_overlap             int, neighbours matched on each side for "sequential"
    loop_closure                   int, images at each end matched with the other end (0: none)
    retrieval_neighbours           int, nearest images by visual words matched per image ("retrieval")
    max_image_size, max_features   SIFT limits (pixels, count)
    num_threads, seed              threads (-1 = all cores), random seed
    min_model_size                 smallest sub-model the mapper keeps
    max_mapping_seconds            mapper time limit (-1 = none)

Outputs in ``work_dir``: ``database.db``, ``sparse/<k>/`` (binary models, ``0`` the largest) and ``sfm_result.json``.
Exit code 0 even when nothing registers (the result says so); 3 for a bad spec; anything else is a crash.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

EXTRACT_CHUNK = 8  # images per extraction call, so progress moves during the longest stage


def _progress(work_dir: Path, stage: str, fraction: float, message: str) -> None:
    line = json.dumps(
        {"stage": stage, "fraction": round(float(fraction), 4), "message": message, "t": time.time()}
    )
    with open(work_dir / "progress.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Extract, match and map; return the summary also written to ``sfm_result.json``."""
    import pycolmap  # only ever imported in this worker process

    image_dir = Path(spec["image_dir"])
    work_dir = Path(spec["work_dir"])
    database = work_dir / "database.db"
    if database.exists():
        database.unlink()  # a fresh database: stale features from another image set would poison matching
    sparse = work_dir / "sparse"  # our models, largest first: sparse/0, sparse/1, ...
    mapper_dir = work_dir / "mapper"  # pycolmap's own output, in its order
    for folder in (sparse, mapper_dir):
        folder.mkdir(parents=True, exist_ok=True)
    seed = int(spec.get("seed", 0))
    threads = int(spec.get("num_threads", -1))
    pycolmap.set_random_seed(seed)
    timings: dict[str, float] = {}
    cpu: dict[
        str, float
    ] = {}  # CPU seconds per stage (all threads): steadier than wall time on a busy machine

    # 1. SIFT features, one camera per group of same-sized images, in chunks for progress.
    started = time.perf_counter()
    cpu_started = time.process_time()
    groups: list[list[str]] = spec["groups"]
    priors: list[float | None] = spec.get("focal_priors") or [None] * len(groups)
    total = sum(len(g) for g in groups)
    extraction = pycolmap.FeatureExtractionOptions()
    extraction.num_threads = threads
    extraction.max_image_size = int(spec.get("max_image_size", 1600))
    extraction.sift.max_num_features = int(spec.get("max_features", 8192))
    done = 0
    _progress(work_dir, "extract", 0.0, f"features: 0/{total} images")
    for names, focal in zip(groups, priors):
        camera_id = -1
        for start in range(0, len(names), EXTRACT_CHUNK):
            chunk = names[start : start + EXTRACT_CHUNK]
            reader = pycolmap.ImageReaderOptions()
            reader.camera_model = spec.get("camera_model", "SIMPLE_RADIAL")
            if camera_id >= 0:
                reader.existing_camera_id = camera_id
            elif focal:
                # a focal prior from EXIF; principal point at the centre; no distortion to start from
                reader.camera_params = _initial_params(
                    reader.camera_model, float(focal), image_dir / chunk[0]
                )
            pycolmap.extract_features(
                database,
                image_dir,
                image_names=chunk,
                camera_mode=pycolmap.CameraMode.SINGLE,
                reader_options=reader,
                extraction_options=extraction,
            )
            if camera_id < 0:
                db = pycolmap.Database.open(database)
                try:
                    camera_id = int(db.read_image_with_name(chunk[0]).camera_id)
                finally:
                    db.close()
            done += len(chunk)
            _progress(work_dir, "extract", done / max(total, 1), f"features: {done}/{total} images")
    timings["extract"] = time.perf_counter() - started
    cpu["extract"] = time.process_time() - cpu_started

    # 2. Matching and geometric verification.
    started = time.perf_counter()
    cpu_started = time.process_time()
    _progress(work_dir, "match", 0.0, f"matching ({spec.get('matcher', 'exhaustive')})")
    matching = pycolmap.FeatureMatchingOptions()
    matching.num_threads = threads
    verification = pycolmap.TwoViewGeometryOptions()
    verification.ransac.random_seed = seed
    matcher = spec.get("matcher", "exhaustive")
    if matcher in ("sequential", "retrieval"):
        pairs = _planned_pairs(pycolmap, database, spec, matcher, seed)
        pairs_path = work_dir / "pairs.txt"
        pairs_path.write_text("".join(f"{a} {b}\n" for a, b in pairs), encoding="utf-8")
        _progress(work_dir, "match", 0.05, f"matching {len(pairs)} planned pairs ({matcher})")
        pairing = pycolmap.ImportedPairingOptions()
        pairing.match_list_path = str(pairs_path)
        pycolmap.match_image_pairs(
            database, matching_options=matching, pairing_options=pairing, verification_options=verification
        )
    else:
        pycolmap.match_exhaustive(database, matching_options=matching, verification_options=verification)
    db = pycolmap.Database.open(database)
    try:
        _pairs, inliers = db.read_two_view_geometry_num_inliers()
        verified_pairs = sum(1 for n in inliers if n >= verification.min_num_inliers)
        keypoints = {
            image.name: int(db.num_keypoints_for_image(image.image_id)) for image in db.read_all_images()
        }
    finally:
        db.close()
    timings["match"] = time.perf_counter() - started
    cpu["match"] = time.process_time() - cpu_started
    _progress(work_dir, "match", 1.0, f"{verified_pairs} image pairs verified")

    # 3. Mapping: global (GLOMAP) or incremental.
    started = time.perf_counter()
    cpu_started = time.process_time()
    mapper = spec.get("mapper", "incremental")
    if mapper == "global" and not hasattr(pycolmap, "global_mapping"):
        mapper = "incremental"  # an older pycolmap: say so in the result
    _progress(work_dir, "map", 0.0, f"mapping ({mapper})")
    reconstructions: dict[int, Any] = {}
    if verified_pairs > 0 and mapper == "global":
        options = pycolmap.GlobalPipelineOptions()
        options.num_threads = threads
        options.random_seed = seed
        options.min_model_size = int(spec.get("min_model_size", 3))
        options.mapper.num_threads = threads
        options.mapper.random_seed = seed
        options.mapper.global_positioning.use_gpu = False
        options.mapper.bundle_adjustment.ceres.use_gpu = False
        reconstructions = pycolmap.global_mapping(database, image_dir, mapper_dir, options=options)
    elif verified_pairs > 0:
        options = pycolmap.IncrementalPipelineOptions()
        options.num_threads = threads
        options.random_seed = seed
        options.min_model_size = int(spec.get("min_model_size", 3))
        options.max_runtime_seconds = int(spec.get("max_mapping_seconds", -1))
        options.mapper.random_seed = seed
        options.triangulation.random_seed = seed
        registered = [0]

        def next_image() -> None:
            registered[0] += 1
            _progress(
                work_dir,
                "map",
                min(registered[0] / max(total, 1), 1.0),
                f"registered {registered[0]} images",
            )

        reconstructions = pycolmap.incremental_mapping(
            database, image_dir, mapper_dir, options=options, next_image_callback=next_image
        )
    timings["map"] = time.perf_counter() - started
    cpu["map"] = time.process_time() - cpu_started

    models = []
    ordered = sorted(
        reconstructions.values(), key=lambda r: (r.num_reg_images(), r.num_points3D()), reverse=True
    )
    for index, rec in enumerate(ordered):
        folder = sparse / str(index)
        folder.mkdir(parents=True, exist_ok=True)
        rec.write_binary(str(folder))
        models.append(
            {
                "path": str(folder),
                "registered": int(rec.num_reg_images()),
                "points": int(rec.num_points3D()),
                "images": sorted(rec.images[i].name for i in rec.reg_image_ids()),
                "mean_reprojection_error": float(rec.compute_mean_reprojection_error()),
            }
        )
    result = {
        "images": total,
        "verified_pairs": verified_pairs,
        "keypoints": keypoints,
        "models": models,
        "timings": timings,
        "cpu_seconds": {k: round(v, 3) for k, v in cpu.items()},
        "matcher": matcher,
        "mapper": mapper,
        "pycolmap": getattr(pycolmap, "__version__", "?"),
    }
    _write_json(work_dir / "sfm_result.json", result)
    _progress(
        work_dir, "map", 1.0, f"{models[0]['registered'] if models else 0} of {total} images registered"
    )
    return result


def _planned_pairs(pycolmap: Any, database: Path, spec: dict[str, Any], matcher: str, seed: int):
    """The image-name pairs to match: capture-order neighbours with loop closure, plus (retrieval) each image's
    nearest images by visual words learnt from the capture's descriptors (``studio.splat.sfm``)."""
    from studio.splat.sfm import retrieval_pairs, sequential_pairs, visual_word_similarity

    order: list[str] = list(spec.get("order") or [n for g in spec["groups"] for n in g])
    pairs = sequential_pairs(
        len(order), int(spec.get("sequential_overlap", 10)), loop=int(spec.get("loop_closure", 3))
    )
    if matcher == "retrieval":
        db = pycolmap.Database.open(database)
        try:
            ids = {image.name: image.image_id for image in db.read_all_images()}
            descriptors = [_descriptor_array(db.read_descriptors(ids[name])) for name in order]
        finally:
            db.close()
        similarity = visual_word_similarity(descriptors, seed=seed)
        pairs |= retrieval_pairs(similarity, int(spec.get("retrieval_neighbours", 10)))
    return [(order[i], order[j]) for i, j in sorted(pairs)]


def _descriptor_array(descriptors: Any):
    import numpy as np

    data = getattr(descriptors, "data", descriptors)
    return np.asarray(data).reshape(-1, 128)


def _initial_params(model: str, focal: float, first_image: Path) -> str:
    from PIL import Image  # reading a header only; never writes PNGs here

    with Image.open(first_image) as image:
        width, height = image.size
    cx, cy = width / 2.0, height / 2.0
    if model == "SIMPLE_PINHOLE":
        return f"{focal},{cx},{cy}"
    if model == "PINHOLE":
        return f"{focal},{focal},{cx},{cy}"
    if model == "SIMPLE_RADIAL":
        return f"{focal},{cx},{cy},0"
    if model == "RADIAL":
        return f"{focal},{cx},{cy},0,0"
    if model == "OPENCV":
        return f"{focal},{focal},{cx},{cy},0,0,0,0"
    return ""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m studio.splat.sfm_worker SPEC.json", file=sys.stderr)
        return 3
    try:
        spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        if not isinstance(spec, dict) or not spec.get("groups"):
            raise ValueError("the spec needs image groups")
    except (OSError, ValueError) as exc:
        print(f"bad spec {args[0]}: {exc}", file=sys.stderr)
        return 3
    run(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
