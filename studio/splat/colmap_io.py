"""Reading COLMAP sparse models (``cameras``, ``images``, ``points3D`` as ``.bin`` or ``.txt``) with numpy only.

pycolmap is never imported here (it must stay out of the main process, see ``sfm.py``); the formats are the
documented COLMAP model formats. Poses are COLMAP's ``cam_from_world`` (OpenCV axes: x right, y down, z forward),
returned as 4x4 ``world_to_cam`` matrices. Camera models with lens distortion are turned into a pinhole ``K`` plus
OpenCV distortion coefficients so images can be undistorted before training (the rasterizer is pinhole only).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.errors import InputError

# model id -> (name, number of parameters), as in COLMAP's sensor/models.h
CAMERA_MODELS: dict[int, tuple[str, int]] = {
    0: ("SIMPLE_PINHOLE", 3),
    1: ("PINHOLE", 4),
    2: ("SIMPLE_RADIAL", 4),
    3: ("RADIAL", 5),
    4: ("OPENCV", 8),
    5: ("OPENCV_FISHEYE", 8),
    6: ("FULL_OPENCV", 12),
    7: ("FOV", 5),
    8: ("SIMPLE_RADIAL_FISHEYE", 4),
    9: ("RADIAL_FISHEYE", 5),
    10: ("THIN_PRISM_FISHEYE", 12),
    11: ("RAD_TAN_THIN_PRISM_FISHEYE", 16),
}
MODEL_IDS = {name: (model_id, count) for model_id, (name, count) in CAMERA_MODELS.items()}
# models whose distortion OpenCV's pinhole undistortion can remove (cv2.undistort coefficient order)
PINHOLE_LIKE = {"SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV", "FULL_OPENCV"}
FISHEYE_LIKE = {"OPENCV_FISHEYE", "SIMPLE_RADIAL_FISHEYE", "RADIAL_FISHEYE"}


@dataclass(frozen=True)
class ColmapCamera:
    """One COLMAP camera: ``width``/``height`` in pixels, ``params`` in COLMAP's order for ``model``."""

    id: int
    model: str
    width: int
    height: int
    params: tuple[float, ...]

    def intrinsics(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """``(K [3,3], distortion coefficients [k], fisheye)`` in OpenCV's conventions.

        Pinhole-like models give cv2.undistort coefficients (k1, k2, p1, p2[, k3, k4, k5, k6]); fisheye models
        give cv2.fisheye coefficients (k1, k2, k3, k4). Raises ``InputError`` for models OpenCV cannot undo.
        """
        p = self.params
        name = self.model
        if name in ("SIMPLE_PINHOLE", "SIMPLE_RADIAL", "RADIAL", "SIMPLE_RADIAL_FISHEYE", "RADIAL_FISHEYE"):
            fx = fy = p[0]
            cx, cy = p[1], p[2]
            extra = list(p[3:])
        elif name in ("PINHOLE", "OPENCV", "FULL_OPENCV", "OPENCV_FISHEYE"):
            fx, fy, cx, cy = p[0], p[1], p[2], p[3]
            extra = list(p[4:])
        else:
            raise InputError(
                f"COLMAP camera {self.id} uses the {name} model, which studio cannot undistort.",
                "Re-run COLMAP with a PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV or OPENCV_FISHEYE camera model.",
            )
        K = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]], dtype=np.float64)
        if name in FISHEYE_LIKE:
            coeffs = (extra + [0.0, 0.0, 0.0, 0.0])[:4]
            return K, np.asarray(coeffs, dtype=np.float64), True
        if name == "SIMPLE_RADIAL":
            coeffs = [extra[0], 0.0, 0.0, 0.0]
        elif name == "RADIAL":
            coeffs = [extra[0], extra[1], 0.0, 0.0]
        elif name == "OPENCV":
            coeffs = extra[:4]
        elif name == "FULL_OPENCV":
            # COLMAP: k1 k2 p1 p2 k3 k4 k5 k6 = OpenCV's rational model order
            coeffs = extra[:8]
        else:
            coeffs = [0.0, 0.0, 0.0, 0.0]
        return K, np.asarray(coeffs, dtype=np.float64), False

    @property
    def distorted(self) -> bool:
        if self.model in ("SIMPLE_PINHOLE", "PINHOLE"):
            return False
        _, coeffs, fisheye = self.intrinsics()
        return fisheye or bool(np.any(np.abs(coeffs) > 1e-12))


@dataclass(frozen=True)
class ColmapImage:
    """A registered image: ``qvec`` (w, x, y, z) and ``tvec`` map world to camera (COLMAP ``cam_from_world``)."""

    id: int
    qvec: tuple[float, float, float, float]
    tvec: tuple[float, float, float]
    camera_id: int
    name: str

    def world_to_cam(self) -> np.ndarray:
        """The 4x4 world-to-camera matrix (OpenCV axes), float64."""
        matrix = np.eye(4)
        matrix[:3, :3] = quat_to_rotmat(np.asarray(self.qvec, dtype=np.float64))
        matrix[:3, 3] = self.tvec
        return matrix

    def center(self) -> np.ndarray:
        """The camera centre in world coordinates [3]."""
        rot = quat_to_rotmat(np.asarray(self.qvec, dtype=np.float64))
        return -rot.T @ np.asarray(self.tvec, dtype=np.float64)


@dataclass(frozen=True)
class ColmapModel:
    """A sparse model: cameras by id, registered images by id, points ``xyz`` [P,3] float64, ``rgb`` [P,3] uint8,
    reprojection ``errors`` [P] in pixels and ``track_lengths`` [P]."""

    cameras: dict[int, ColmapCamera]
    images: dict[int, ColmapImage]
    xyz: np.ndarray
    rgb: np.ndarray
    errors: np.ndarray
    track_lengths: np.ndarray

    @property
    def image_names(self) -> list[str]:
        return sorted(image.name for image in self.images.values())


def image_file(image_dir: str | os.PathLike[str], name: str) -> Path:
    """The photo an ``images.txt``/``images.bin`` entry names, inside ``image_dir``: a name with ``..`` or an
    absolute path (a model that would read photos from elsewhere on the machine) is an ``InputError``."""
    from studio.fsutil import resolve_inside

    return resolve_inside(image_dir, name, what="COLMAP image name")


def quat_to_rotmat(q: np.ndarray) -> np.ndarray:
    """Unit quaternion (w, x, y, z) -> rotation matrix [3,3]; the quaternion is normalised first."""
    norm = float(np.linalg.norm(q))
    if not np.isfinite(norm) or norm < 1e-12:
        raise ValueError("degenerate quaternion")
    w, x, y, z = q / norm
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def find_model_dir(path: str | os.PathLike[str]) -> Path | None:
    """The folder holding ``cameras``/``images``/``points3D`` under ``path``: itself, ``sparse/0``, ``sparse``,
    ``0``, or the largest numbered sub-model of ``sparse/``; None when there is none."""
    path = Path(path)
    candidates = [path, path / "sparse" / "0", path / "sparse", path / "0", path / "colmap" / "sparse" / "0"]
    for candidate in candidates:
        if _has_model(candidate):
            return candidate
    sparse = path / "sparse"
    if sparse.is_dir():
        numbered = [p for p in sparse.iterdir() if p.is_dir() and p.name.isdigit() and _has_model(p)]
        if numbered:
            return max(
                numbered,
                key=lambda p: (
                    p.joinpath("images.bin").stat().st_size
                    if p.joinpath("images.bin").exists()
                    else p.joinpath("images.txt").stat().st_size
                ),
            )
    return None


def _has_model(folder: Path) -> bool:
    return all(
        (folder / f"{n}.bin").is_file() or (folder / f"{n}.txt").is_file()
        for n in ("cameras", "images", "points3D")
    )


def read_model(folder: str | os.PathLike[str]) -> ColmapModel:
    """Read a COLMAP sparse model from ``folder`` (binary preferred, text otherwise).

    Raises ``InputError`` naming the file when a part is missing or malformed.
    """
    folder = Path(folder)
    parts = {}
    for name in ("cameras", "images", "points3D"):
        binary, text = folder / f"{name}.bin", folder / f"{name}.txt"
        if binary.is_file():
            parts[name] = binary
        elif text.is_file():
            parts[name] = text
        else:
            raise InputError(
                f"The COLMAP model in {folder} has no {name}.bin or {name}.txt.",
                "Give the sparse model folder (the one with cameras, images and points3D files).",
            )
    try:
        cameras = _read_cameras(parts["cameras"])
        images = _read_images(parts["images"])
        xyz, rgb, errors, tracks = _read_points(parts["points3D"])
    except InputError:
        raise
    except (struct.error, ValueError, IndexError, UnicodeDecodeError, KeyError) as exc:
        raise InputError(
            f"The COLMAP model in {folder} is malformed ({type(exc).__name__}: {exc}).",
            "Export the model again from COLMAP (binary or text).",
        ) from exc
    for image in images.values():
        if image.camera_id not in cameras:
            raise InputError(
                f"COLMAP image {image.name!r} refers to camera {image.camera_id}, which is not in the model.",
                "Export the model again from COLMAP.",
            )
    return ColmapModel(cameras=cameras, images=images, xyz=xyz, rgb=rgb, errors=errors, track_lengths=tracks)


# -- binary ---------------------------------------------------------------------------------------------------
class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError("file ends early")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def cstring(self) -> str:
        end = self.data.index(b"\x00", self.pos)
        text = self.data[self.pos : end].decode("utf-8")
        self.pos = end + 1
        return text


def _read_cameras(path: Path) -> dict[int, ColmapCamera]:
    cameras: dict[int, ColmapCamera] = {}
    if path.suffix == ".bin":
        reader = _Reader(path.read_bytes())
        (count,) = reader.take("<Q")
        for _ in range(count):
            camera_id, model_id, width, height = reader.take("<iiQQ")
            if model_id not in CAMERA_MODELS:
                raise ValueError(f"unknown camera model id {model_id}")
            name, n_params = CAMERA_MODELS[model_id]
            params = reader.take(f"<{n_params}d")
            cameras[camera_id] = ColmapCamera(camera_id, name, int(width), int(height), tuple(params))
        return cameras
    for line in _data_lines(path):
        fields = line.split()
        camera_id, name, width, height = int(fields[0]), fields[1], int(fields[2]), int(fields[3])
        if name not in MODEL_IDS:
            raise ValueError(f"unknown camera model {name}")
        params = tuple(float(v) for v in fields[4:])
        if len(params) != MODEL_IDS[name][1]:
            raise ValueError(
                f"camera {camera_id} ({name}) has {len(params)} parameters, not {MODEL_IDS[name][1]}"
            )
        cameras[camera_id] = ColmapCamera(camera_id, name, width, height, params)
    return cameras


def _read_images(path: Path) -> dict[int, ColmapImage]:
    images: dict[int, ColmapImage] = {}
    if path.suffix == ".bin":
        reader = _Reader(path.read_bytes())
        (count,) = reader.take("<Q")
        for _ in range(count):
            image_id, qw, qx, qy, qz, tx, ty, tz, camera_id = reader.take("<I7di")
            name = reader.cstring()
            (n_points,) = reader.take("<Q")
            reader.pos += n_points * 24  # x, y (double) and point3D_id (int64): not needed here
            if reader.pos > len(reader.data):
                raise ValueError("file ends early")
            _add_image(images, image_id, (qw, qx, qy, qz), (tx, ty, tz), camera_id, name)
        return images
    lines = _data_lines(path, keep_empty=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        fields = line.split(maxsplit=9)
        if len(fields) < 10:
            raise ValueError(f"image line {line[:60]!r} has {len(fields)} fields, expected 10")
        image_id = int(fields[0])
        q = tuple(float(v) for v in fields[1:5])
        t = tuple(float(v) for v in fields[5:8])
        _add_image(images, image_id, q, t, int(fields[8]), fields[9].strip())
        index += 2  # the second line holds the 2D points
    return images


def _add_image(images: dict[int, ColmapImage], image_id: int, q, t, camera_id: int, name: str) -> None:
    q_arr = np.asarray(q, dtype=np.float64)
    if not np.all(np.isfinite(q_arr)) or np.linalg.norm(q_arr) < 1e-9 or not np.all(np.isfinite(t)):
        return  # an image without a pose (unregistered): skipped
    images[image_id] = ColmapImage(
        int(image_id), tuple(map(float, q)), tuple(map(float, t)), int(camera_id), name
    )


def _read_points(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xyz, rgb, errors, tracks = [], [], [], []
    if path.suffix == ".bin":
        reader = _Reader(path.read_bytes())
        (count,) = reader.take("<Q")
        for _ in range(count):
            _pid, x, y, z, r, g, b, err, track_length = reader.take("<Q3d3BdQ")
            reader.pos += track_length * 8
            if reader.pos > len(reader.data):
                raise ValueError("file ends early")
            xyz.append((x, y, z))
            rgb.append((r, g, b))
            errors.append(err)
            tracks.append(track_length)
    else:
        for line in _data_lines(path):
            fields = line.split()
            xyz.append(tuple(float(v) for v in fields[1:4]))
            rgb.append(tuple(int(v) for v in fields[4:7]))
            errors.append(float(fields[7]))
            tracks.append((len(fields) - 8) // 2)
    return (
        np.asarray(xyz, dtype=np.float64).reshape(-1, 3),
        np.asarray(rgb, dtype=np.uint8).reshape(-1, 3),
        np.asarray(errors, dtype=np.float64).reshape(-1),
        np.asarray(tracks, dtype=np.int64).reshape(-1),
    )


def _data_lines(path: Path, keep_empty: bool = False) -> list[str]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):
            continue
        if raw.strip() or keep_empty:
            lines.append(raw)
    return lines
