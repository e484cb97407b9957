"""What the user gave us, and turning it into images and posed views.

Four kinds of input (``detect_input``):

* ``photos``: a folder of JPEG/PNG/... photos (or a list of files). EXIF orientation is honoured
  (``studio.images.load_photo``); corrupt files are skipped with a warning naming them.
* ``video``: a walk-around video; frames are sampled and the sharpest kept (``video_frames``).
* ``colmap``: a COLMAP sparse model (``cameras``/``images``/``points3D`` as ``.bin`` or ``.txt``) with its images.
* ``nerf``: a ``transforms.json``: the NeRF-synthetic (Blender) layout is read by ``studio.splat.nerf``; the
  nerfstudio variant (per-frame or global ``fl_x``/``fl_y``/``cx``/``cy``/``w``/``h``, distortion, ``file_path``
  with or without an extension, optional ``mask_path``) is read here.

``prepare_photos`` decodes each photo once: it measures it for the capture check, writes an upright, EXIF-free
JPEG for SfM (COLMAP reads raw pixels and would ignore the EXIF rotation), keeps its alpha as a PNG mask, and
reads a focal-length prior from EXIF. ``views_from_colmap`` turns a COLMAP model plus images into ``View``s:
undistorted to pinhole (the rasterizer is pinhole only), resized, masked and composited on the background.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from PIL import Image

from studio.cancel import CancelToken, check
from studio.errors import InputError
from studio.media.types import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from studio.progress import ProgressFn, null_progress

if TYPE_CHECKING:
    from studio.splat.budget import Deadline
from studio.splat.capture import ImageQuality, assess_image
from studio.splat.colmap_io import ColmapModel, find_model_dir, image_file
from studio.splat.nerf import (
    ImageHook,
    find_manifest,
    find_transforms,
    read_frame,
    resolve_frame_file,
    scale_K,
)
from studio.splat.scene import Scene, View

InputKind = Literal["photos", "video", "colmap", "nerf"]
MaskMode = Literal["auto", "alpha", "none"]
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
BACKDROP_MIN_SHARE = 0.8  # plain-backdrop masks are used only when at least this share of views separates


@dataclass(frozen=True)
class InputSource:
    """A detected input: its ``kind``, the user's ``path`` and the files that matter.

    ``files``: photo files (photos), ``[video]`` (video), image files of the model (colmap), ``[transforms]``
    (nerf). ``model_dir`` and ``image_dir`` are set for COLMAP inputs; ``ignored`` lists skipped non-images.
    """

    kind: InputKind
    path: Path
    files: list[Path]
    model_dir: Path | None = None
    image_dir: Path | None = None
    ignored: list[str] = field(default_factory=list)


def detect_input(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> InputSource:
    """Work out what ``path`` is (a folder, a video, a transforms.json, or a list of photo files)."""
    if isinstance(path, (list, tuple)):
        files = [Path(p) for p in path]
        if len(files) == 1 and (files[0].is_dir() or files[0].suffix.lower() in VIDEO_SUFFIXES):
            return detect_input(files[0])
        photos = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
        videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
        if videos and not photos:
            if len(videos) > 1:
                raise InputError(f"Got {len(videos)} videos; give one video or a set of photos.")
            return detect_input(videos[0])
        ignored = [p.name for p in files if p not in photos]
        if not photos:
            raise InputError(
                "None of the files given is a photo or video.", "Use JPEG/PNG photos or an MP4/MOV."
            )
        return InputSource("photos", photos[0].parent, photos, ignored=ignored)
    path = Path(path)
    if not path.exists():
        raise InputError(
            f"The input {path} does not exist.", "Give a folder of photos, a video or a transforms.json."
        )
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in VIDEO_SUFFIXES:
            return InputSource("video", path, [path])
        if suffix == ".json":
            return InputSource("nerf", path, [path])
        if suffix in IMAGE_SUFFIXES:
            raise InputError(
                f"{path.name} is a single photo; a 3D reconstruction needs many photos around the product.",
                "Give a folder of 20-200 photos or a video.",
            )
        raise InputError(
            f"{path.name} is not a photo folder, a video or a transforms.json.",
            f"Supported videos: {', '.join(sorted(VIDEO_SUFFIXES))}.",
        )
    manifest = find_transforms(path)
    if manifest is not None:
        return InputSource("nerf", path, [manifest])
    model_dir = find_model_dir(path)
    if model_dir is not None:
        image_dir = _colmap_image_dir(path, model_dir)
        return InputSource(
            "colmap", path, sorted(_image_files(image_dir)[0]), model_dir=model_dir, image_dir=image_dir
        )
    photos, ignored = _image_files(path)
    if not photos and (path / "images").is_dir():
        photos, ignored = _image_files(path / "images")
    if not photos:
        videos = sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
        if len(videos) == 1:
            return detect_input(videos[0])
        raise InputError(
            f"The folder {path} has no photos (JPEG, PNG, WebP, TIFF, BMP).",
            "Give a folder of photos, a video, a COLMAP model folder or a transforms.json.",
        )
    return InputSource("photos", path, photos, ignored=ignored)


def _image_files(folder: Path) -> tuple[list[Path], list[str]]:
    photos, ignored = [], []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name.lower() in IGNORED_NAMES or p.is_dir():
            continue
        if p.suffix.lower() in IMAGE_SUFFIXES:
            photos.append(p)
        else:
            ignored.append(p.name)
    return photos, ignored


def _colmap_image_dir(root: Path, model_dir: Path) -> Path:
    for candidate in (root / "images", model_dir.parent.parent / "images", model_dir.parent / "images", root):
        if candidate.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in candidate.iterdir()):
            return candidate
    raise InputError(
        f"Found a COLMAP model in {model_dir} but no images folder next to it.",
        "Put the images in an 'images' folder beside 'sparse'.",
    )


# -- photos -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedImage:
    """A photo ready for SfM: ``path`` (upright JPEG, ``width`` x ``height`` px), its ``source`` file, an alpha
    ``mask_path`` (PNG, 255 = object) when the photo had transparency, and an EXIF focal prior in pixels."""

    name: str
    source: Path
    path: Path
    width: int
    height: int
    mask_path: Path | None
    focal_px: float | None


@dataclass(frozen=True)
class PreparedSet:
    images: list[PreparedImage]
    qualities: list[ImageQuality]
    skipped: list[tuple[str, str]]  # (source file name, reason)
    unread: list[str] = field(default_factory=list)  # files not read: the deadline passed first


def visit_order(n: int, deadline: Deadline | None) -> list[int]:
    """The order a loader reads ``n`` items in: as given, or with a ``deadline`` coarse to fine
    (``budget.coarse_to_fine``), so a load the deadline stops keeps items spread over the whole set."""
    if deadline is None:
        return list(range(n))
    from studio.splat.budget import coarse_to_fine

    return coarse_to_fine(n)


def prepare_photos(
    files: Sequence[Path],
    out_dir: str | os.PathLike[str],
    *,
    long_edge: int = 1600,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    taken: set[str] | None = None,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> PreparedSet:
    """Load each photo once: measure it, write an upright JPEG (long edge at most ``long_edge`` px) to
    ``out_dir``, and its alpha as a mask. Unreadable files are listed in ``skipped``, not raised. A photo is
    decoded no larger than that long edge and the capture check need (``load_photo_reduced``). ``taken``:
    the (lower-case) names an earlier call already wrote to ``out_dir``, updated with this call's.
    ``deadline``: the photos are read coarse to fine (``visit_order``) and, once it has passed, the rest are
    left unread (``unread``); what was read comes back in the order of ``files``."""
    from studio.images import load_photo_reduced
    from studio.splat.capture import ANALYSIS_EDGE

    report = on_progress or null_progress
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prepared: list[PreparedImage] = []
    qualities: list[ImageQuality] = []
    skipped: list[tuple[str, str]] = []
    used: set[str] = taken if taken is not None else set()
    unread: list[int] = []
    at: dict[int, int] = {}  # id of each result -> its file's position in files, to return them in that order
    for done, index in enumerate(visit_order(len(files), deadline)):
        source = files[index]
        check(cancel, "Preparing the photos")
        if deadline is not None and deadline.passed():
            unread.append(index)
            continue
        try:
            image, full = load_photo_reduced(source, max(long_edge, ANALYSIS_EDGE), what="photo")
        except InputError as exc:
            skipped.append((source.name, exc.message.rstrip(".")))
            at[id(skipped[-1])] = index
            continue
        quality = assess_image(source.name, image, full)
        qualities.append(quality)
        at[id(quality)] = index
        focal = exif_focal_px(source, full)
        focal = focal * image.width / full[0] if focal else None  # in decoded pixels
        scale = min(1.0, long_edge / max(image.size))
        if scale < 1.0:
            image = image.resize(
                (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                Image.Resampling.LANCZOS,
            )
            focal = focal * scale if focal else None
        name = _unique_name(source.stem, used) + ".jpg"
        target = out_dir / name
        mask_path = None
        if image.mode == "RGBA":
            mask_path = out_dir / (Path(name).stem + ".mask.png")
            image.getchannel("A").save(mask_path)
            flat = Image.new("RGB", image.size, tuple(round(c * 255) for c in background))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.convert("RGB").save(target, quality=95, subsampling=0)
        prepared.append(
            PreparedImage(name, Path(source), target, image.width, image.height, mask_path, focal)
        )
        at[id(prepared[-1])] = index
        report((done + 1) / max(len(files), 1), f"prepared {done + 1}/{len(files)} photos")
    for items in (prepared, qualities, skipped):  # back in the order of ``files``
        items.sort(key=lambda item: at[id(item)])
    return PreparedSet(prepared, qualities, skipped, [files[i].name for i in sorted(unread)])


def _unique_name(stem: str, used: set[str]) -> str:
    clean = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in stem) or "image"
    name, k = clean, 1
    while name.lower() in used:
        name = f"{clean}_{k}"
        k += 1
    used.add(name.lower())
    return name


def exif_focal_px(path: Path, size: tuple[int, int]) -> float | None:
    """Focal length in pixels from EXIF ``FocalLengthIn35mmFilm`` (35 mm equivalent, diagonal convention)."""
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            f35 = exif.get_ifd(0x8769).get(0xA405) or exif.get(0xA405)
    except (OSError, ValueError, SyntaxError):
        return None
    try:
        f35 = float(f35)
    except (TypeError, ValueError):
        return None
    if not (8.0 <= f35 <= 1200.0):
        return None
    diagonal_px = math.hypot(*size)
    return f35 * diagonal_px / math.hypot(36.0, 24.0)


# -- posed views from COLMAP -------------------------------------------------------------------------------------
def undistort(
    image: np.ndarray, K: np.ndarray, coeffs: np.ndarray, fisheye: bool, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Remove lens distortion: returns (image, new pinhole K [3,3], mask) with every output pixel valid.

    OpenCV's K uses pixel centres at integers; COLMAP's (and ours) at +0.5, so the principal point is shifted
    by half a pixel around the call.
    """
    import cv2

    h, w = image.shape[:2]
    K_cv = K.copy()
    K_cv[:2, 2] -= 0.5
    if fisheye:
        new_K = cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(
            K_cv, coeffs, (w, h), np.eye(3), balance=0.0
        )
        map1, map2 = cv2.fisheye.initUndistortRectifyMap(K_cv, coeffs, np.eye(3), new_K, (w, h), cv2.CV_32FC1)
    else:
        new_K, _ = cv2.getOptimalNewCameraMatrix(K_cv, coeffs, (w, h), 0.0, (w, h))
        map1, map2 = cv2.initUndistortRectifyMap(K_cv, coeffs, None, new_K, (w, h), cv2.CV_32FC1)
    out = cv2.remap(image, map1, map2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out_mask = None
    if mask is not None:
        out_mask = cv2.remap(
            mask.astype(np.float32), map1, map2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    new_K = np.asarray(new_K, dtype=np.float64)
    new_K[:2, 2] += 0.5
    return out, new_K, out_mask


def views_from_colmap(
    model: ColmapModel,
    image_dir: str | os.PathLike[str],
    *,
    names: Sequence[str] | None = None,
    long_edge: int | None = None,
    masks: MaskMode = "auto",
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    mask_paths: dict[str, Path] | None = None,
    decode_edge: int | None = None,
    on_image: ImageHook | None = None,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[list[View], dict[str, str]]:
    """Posed views for the registered images of ``model`` (all, or ``names``), sorted by name.

    Each image is read from ``image_dir`` (EXIF orientation honoured), checked against its camera's size,
    undistorted, resized to ``long_edge`` and masked per ``masks`` ("alpha": RGBA alpha or ``mask_paths``;
    "auto": alpha if present, else a plain-backdrop separation, used only when at least ``BACKDROP_MIN_SHARE``
    of the views separate; "none"). Returns the views and a note per view on its mask ("alpha", "backdrop",
    "none"). ``decode_edge``: decode each image no larger than needed for that long edge (``read_frame``);
    ``on_image`` sees each decoded image. ``deadline``: images are read coarse to fine (``visit_order``) and
    none after it has passed: the views come back fewer, still sorted by name.
    """
    from studio.splat.focus import alpha_mask, background_mask, composite

    report = on_progress or null_progress
    image_dir = Path(image_dir)
    by_name = {image.name: image for image in model.images.values()}
    wanted = sorted(names if names is not None else by_name)
    views: list[View] = []
    notes: dict[str, str] = {}
    unmasked: dict[str, View | None] = {}
    for index, position in enumerate(visit_order(len(wanted), deadline)):
        name = wanted[position]
        check(cancel, "Loading the posed images")
        if deadline is not None and views and deadline.passed():  # one view at least: a Scene
            break
        image_meta = by_name.get(name)
        if image_meta is None:
            raise InputError(f"The image {name} is not registered in the COLMAP model.")
        camera = model.cameras[image_meta.camera_id]
        path = image_file(image_dir, name)
        photo, full, scale = read_frame(path, decode_edge, what="image")
        if full != (camera.width, camera.height):
            raise InputError(
                f"The image {name} is {full[0]}x{full[1]} but its COLMAP camera {camera.id} is"
                f" {camera.width}x{camera.height}.",
                "Use the images the model was made from (same size and orientation).",
            )
        if on_image is not None:
            on_image(name, photo, full)
        array = np.asarray(photo)
        mask = None
        note = "none"
        if masks != "none":
            if array.shape[2] == 4:
                mask, note = alpha_mask(array), "alpha"
            elif mask_paths and name in mask_paths:
                mask = np.asarray(Image.open(mask_paths[name]).convert("L"), dtype=np.float32) / 255.0
                note = "alpha"
        rgb = np.ascontiguousarray(array[..., :3])
        K, coeffs, fisheye = camera.intrinsics()
        K = scale_K(K, scale)  # distortion acts on normalised coordinates: the coefficients stay
        if camera.distorted:
            rgb, K, mask = undistort(rgb, K, coeffs, fisheye, mask)
        raw_view = None
        if mask is None and masks == "auto":
            mask = background_mask(rgb)
            note = "backdrop" if mask is not None else "none"
            if mask is not None:
                raw_view = View(name=name, image=rgb, mask=None, K=K, world_to_cam=image_meta.world_to_cam())
        if mask is not None:
            rgb = composite(rgb, mask, background)
        view = View(name=name, image=rgb, mask=mask, K=K, world_to_cam=image_meta.world_to_cam())
        if long_edge is not None and max(view.width, view.height) > long_edge:
            view = view.resized(long_edge)
            raw_view = raw_view.resized(long_edge) if raw_view is not None else None
        views.append(view)
        unmasked[name] = raw_view
        notes[name] = note
        report((index + 1) / max(len(wanted), 1), f"loaded {index + 1}/{len(wanted)} posed images")
    views.sort(key=lambda v: v.name)  # read coarse to fine with a deadline: back in name order
    # Backdrop masks on only some views would teach the model two different backgrounds (floaters): use them
    # only when most views separate cleanly, otherwise train every such view on its real backdrop.
    separated = [n for n, note in notes.items() if note == "backdrop"]
    if separated and len(separated) < BACKDROP_MIN_SHARE * len(views):
        views = [unmasked[v.name] if notes[v.name] == "backdrop" else v for v in views]
        notes = {n: ("none" if note == "backdrop" else note) for n, note in notes.items()}
    return views, notes


# -- transforms.json -------------------------------------------------------------------------------------------
NERFSTUDIO_KEYS = ("fl_x", "fl_y")


def scene_from_colmap(
    model: ColmapModel,
    image_dir: str | os.PathLike[str],
    *,
    long_edge: int | None = None,
    masks: MaskMode = "auto",
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    mask_paths: dict[str, Path] | None = None,
    meta: dict[str, str] | None = None,
    names: Sequence[str] | None = None,
    decode_edge: int | None = None,
    on_image: ImageHook | None = None,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Scene:
    """A ``Scene`` of a COLMAP model's registered images (``views_from_colmap``: all, or ``names``) with its
    sparse points, and the object's centre, up and radius estimated from the cameras
    (``focus.estimate_focus``)."""
    from studio.splat.focus import estimate_focus

    views, _notes = views_from_colmap(
        model,
        image_dir,
        names=names,
        decode_edge=decode_edge,
        on_image=on_image,
        long_edge=long_edge,
        masks=masks,
        background=background,
        mask_paths=mask_paths,
        deadline=deadline,
        on_progress=on_progress,
        cancel=cancel,
    )
    focus = estimate_focus(np.stack([v.world_to_cam for v in views]), model.xyz)
    return Scene(
        views=views,
        points=model.xyz.astype(np.float32),
        colors=model.rgb,
        background=background,
        up=focus.up,
        center=focus.center,
        radius=focus.radius,
        meta=dict(meta or {}),
    )


def is_nerfstudio(data: dict) -> bool:
    """True for the nerfstudio layout: focal lengths in pixels globally or per frame (not ``camera_angle_x``)."""
    frames = data.get("frames") or []
    return any(k in data for k in NERFSTUDIO_KEYS) or any(
        isinstance(f, dict) and any(k in f for k in NERFSTUDIO_KEYS) for f in frames
    )


def read_transforms_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path.name}: {exc}.") from exc
    except ValueError as exc:
        raise InputError(f"{path.name} is not valid JSON ({exc}).", "Export transforms.json again.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("frames"), list) or not data["frames"]:
        raise InputError(
            f"{path.name} has no 'frames' list.", "A transforms.json lists its frames under 'frames'."
        )
    return data


def load_nerfstudio(
    path: str | os.PathLike[str],
    *,
    long_edge: int | None = None,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    masks: MaskMode = "auto",
    frames: Sequence[int] | None = None,
    decode_edge: int | None = None,
    on_image: ImageHook | None = None,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Scene:
    """A ``Scene`` from a nerfstudio ``transforms.json`` (all frames, or the indices ``frames``): ``transform_matrix`` is camera-to-world in the
    OpenGL/Blender convention (x right, y up, z back), intrinsics are global or per frame, OPENCV/fisheye
    distortion is removed. ``ply_file_path`` points are used when present; otherwise the scene starts empty.
    ``deadline``: frames are read coarse to fine and none after it has passed (fewer views, in frame order)."""
    from studio.splat.focus import alpha_mask, composite, estimate_focus

    report = on_progress or null_progress
    path = Path(path)
    data = read_transforms_json(path)
    base = path.parent
    views: list[View] = []
    chosen = list(range(len(data["frames"])) if frames is None else frames)
    flip = np.diag([1.0, -1.0, -1.0, 1.0])  # OpenGL camera axes -> OpenCV
    read_at: list[int] = []  # position in chosen of each view
    for done, position in enumerate(visit_order(len(chosen), deadline)):
        index = chosen[position]
        frame = data["frames"][index]
        check(cancel, "Loading transforms.json")
        if deadline is not None and views and deadline.passed():  # one view at least: a Scene
            break
        if not isinstance(frame, dict) or "file_path" not in frame or "transform_matrix" not in frame:
            raise InputError(f"Frame {index} of {path.name} needs 'file_path' and 'transform_matrix'.")

        def field_of(key: str, default=None, frame=frame):
            return frame.get(key, data.get(key, default))

        image_path = resolve_frame_file(base, str(frame["file_path"]))
        photo, (w, h), scale = read_frame(image_path, decode_edge, what="frame image")
        if on_image is not None:
            on_image(image_path.name, photo, (w, h))
        array = np.asarray(photo)
        declared_w, declared_h = field_of("w"), field_of("h")
        sx = w / float(declared_w) if declared_w else 1.0
        sy = h / float(declared_h) if declared_h else 1.0
        try:
            fx = float(field_of("fl_x")) * sx
            fy = float(field_of("fl_y", field_of("fl_x"))) * sy
            cx = float(field_of("cx", (declared_w or w) / 2.0)) * sx
            cy = float(field_of("cy", (declared_h or h) / 2.0)) * sy
            c2w = np.asarray(frame["transform_matrix"], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"Frame {index} of {path.name} has a bad intrinsic or pose value ({exc})."
            ) from exc
        if c2w.shape == (3, 4):
            c2w = np.vstack([c2w, [0, 0, 0, 1]])
        if c2w.shape != (4, 4) or not np.all(np.isfinite(c2w)):
            raise InputError(f"Frame {index} of {path.name}: transform_matrix must be 4x4, got {c2w.shape}.")
        # a nerfstudio matrix may carry scale; keep its rotation orthonormal
        u, _, vt = np.linalg.svd(c2w[:3, :3])
        c2w[:3, :3] = u @ vt
        world_to_cam = np.linalg.inv(c2w @ flip)
        K = scale_K(np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]]), scale)
        mask = None
        if masks != "none":
            if array.shape[2] == 4:
                mask = alpha_mask(array)
            elif frame.get("mask_path"):
                mask_file = resolve_frame_file(base, str(frame["mask_path"]))
                mask_img = Image.open(mask_file).convert("L").resize(photo.size, Image.Resampling.NEAREST)
                mask = np.asarray(mask_img, dtype=np.float32) / 255.0
        rgb = np.ascontiguousarray(array[..., :3])
        model_name = str(field_of("camera_model", "OPENCV")).upper()
        coeffs = [float(field_of(k, 0.0) or 0.0) for k in ("k1", "k2", "p1", "p2")]
        fisheye = model_name == "OPENCV_FISHEYE"
        if fisheye:
            coeffs = [float(field_of(k, 0.0) or 0.0) for k in ("k1", "k2", "k3", "k4")]
        elif float(field_of("k3", 0.0) or 0.0):
            coeffs.append(float(field_of("k3")))
        if any(abs(c) > 1e-12 for c in coeffs):
            rgb, K, mask = undistort(rgb, K, np.asarray(coeffs), fisheye, mask)
        if mask is not None:
            rgb = composite(rgb, mask, background)
        name = Path(str(frame["file_path"])).name
        view = View(name=name, image=rgb, mask=mask, K=K, world_to_cam=world_to_cam)
        if long_edge is not None and max(view.width, view.height) > long_edge:
            view = view.resized(long_edge)
        views.append(view)
        read_at.append(position)
        report((done + 1) / len(chosen), f"loaded {done + 1}/{len(chosen)} frames")
    views = [v for _, v in sorted(zip(read_at, views), key=lambda pair: pair[0])]
    points = np.zeros((0, 3), np.float32)
    colors = np.zeros((0, 3), np.uint8)
    if data.get("ply_file_path"):
        points, colors = _read_ply_points(resolve_inside_file(base, str(data["ply_file_path"])))
    focus = estimate_focus(np.stack([v.world_to_cam for v in views]), points if len(points) else None)
    return Scene(
        views=views,
        points=points,
        colors=colors,
        background=background,
        up=focus.up,
        center=focus.center,
        radius=focus.radius,
        meta={"source": str(path), "loader": "nerfstudio"},
    )


def resolve_inside_file(base: Path, rel: str) -> Path:
    from studio.fsutil import resolve_inside

    target = resolve_inside(base, rel, what="ply_file_path")
    if not target.is_file():
        raise InputError(f"The point cloud {rel!r} named in transforms.json was not found.")
    return target


def _read_ply_points(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from plyfile import PlyData

    try:
        vertex = PlyData.read(str(path))["vertex"]
        xyz = np.stack([vertex["x"], vertex["y"], vertex["z"]], axis=1).astype(np.float32)
        names = vertex.data.dtype.names
        if {"red", "green", "blue"} <= set(names):
            rgb = np.stack([vertex["red"], vertex["green"], vertex["blue"]], axis=1).astype(np.uint8)
        else:
            rgb = np.full((len(xyz), 3), 128, np.uint8)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"The point cloud {path.name} cannot be read ({exc}).") from exc
    return xyz, rgb


def load_transforms(
    path: str | os.PathLike[str],
    *,
    long_edge: int | None = None,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    masks: MaskMode = "auto",
    frames: Sequence[int] | None = None,
    decode_edge: int | None = None,
    on_image: ImageHook | None = None,
    deadline: Deadline | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Scene:
    """A ``Scene`` from either transforms.json layout (nerfstudio here, NeRF-synthetic via ``studio.splat.nerf``);
    ``frames``, ``decode_edge`` and ``on_image`` as ``load_nerfstudio`` takes them."""
    path = Path(path)
    path = find_manifest(path)
    data = read_transforms_json(path)
    if is_nerfstudio(data):
        return load_nerfstudio(
            path,
            long_edge=long_edge,
            background=background,
            masks=masks,
            frames=frames,
            decode_edge=decode_edge,
            on_image=on_image,
            deadline=deadline,
            on_progress=on_progress,
            cancel=cancel,
        )
    if "camera_angle_x" not in data:
        raise InputError(
            f"{path.name} has neither 'camera_angle_x' (NeRF-synthetic) nor 'fl_x' (nerfstudio).",
            "Give the camera intrinsics in transforms.json.",
        )
    from studio.splat.nerf import load_nerf_transforms

    return load_nerf_transforms(
        path,
        long_edge=long_edge,
        background=background,
        frames=frames,
        decode_edge=decode_edge,
        on_image=on_image,
        deadline=deadline,
        on_progress=on_progress,
        cancel=cancel,
    )
