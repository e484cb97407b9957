"""A synthetic, textured scene with known cameras, for the SfM / pipeline tests (no data files needed).

A cube on a ground plane, both covered in multi-scale colour noise (plenty of SIFT features), rendered with
``cv2.warpPerspective`` per planar face (back faces culled, ground first, so a convex box needs no z-buffer) from
cameras on a ring looking at the origin. World up is +z; poses are OpenCV world-to-camera. Other test modules
import the helpers from here.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

HALF = 0.5  # cube half-size; the cube sits on the ground plane z = -0.5


def look_at(center, target=(0.0, 0.0, 0.0), up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """OpenCV world-to-camera [4,4] for a camera at ``center`` looking at ``target``."""
    center = np.asarray(center, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - center
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])
    M = np.eye(4)
    M[:3, :3] = R
    M[:3, 3] = -R @ center
    return M


def noise_texture(rng: np.random.Generator, size: int, scale: int = 1) -> np.ndarray:
    image = np.zeros((size, size, 3), np.float32)
    for cells, weight in ((8 * scale, 0.5), (24 * scale, 0.8), (64 * scale, 1.0)):
        layer = rng.random((cells, cells, 3)).astype(np.float32)
        image += weight * cv2.resize(layer, (size, size), interpolation=cv2.INTER_CUBIC)
    image -= image.min()
    image /= image.max()
    return (image * 255).astype(np.uint8)


def _faces(ground: bool):
    faces = []
    if ground:
        faces.append(
            (
                np.array([-2.0, -2.0, -HALF]),
                np.array([4.0, 0, 0]),
                np.array([0, 4.0, 0]),
                np.array([0, 0, 1.0]),
                True,
            )
        )
    for axis in range(3):
        for sign in (-1, 1):
            if axis == 2 and sign < 0:
                continue  # the bottom face is never seen
            normal = np.zeros(3)
            normal[axis] = sign
            a = np.zeros(3)
            a[(axis + 1) % 3] = 1
            b = np.zeros(3)
            b[(axis + 2) % 3] = 1
            if sign < 0:
                a, b = b, a
            origin = normal * HALF - a * HALF - b * HALF
            faces.append((origin, a * 2 * HALF, b * 2 * HALF, normal, False))
    return faces


def ring_poses(n_views: int, radius: float = 2.6, height: float = 1.4) -> list[np.ndarray]:
    poses = []
    for i in range(n_views):
        angle = 2 * math.pi * i / n_views
        center = (radius * math.cos(angle), radius * math.sin(angle), height + 0.3 * math.sin(3 * angle))
        poses.append(look_at(center))
    return poses


def render_views(
    n_views: int = 12,
    width: int = 480,
    height: int = 360,
    *,
    seed: int = 0,
    ground: bool = True,
    backdrop: tuple[int, int, int] = (128, 128, 128),
    alpha: bool = False,
    poses: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """(K [3,3], images [H,W,3 or 4] uint8, world-to-camera poses [4,4]); ``alpha`` adds an object mask
    (the cube is opaque, everything else transparent) as a 4th channel."""
    rng = np.random.default_rng(seed)
    focal = 0.9 * width
    K = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1.0]])
    faces = _faces(ground)
    textures = [
        noise_texture(rng, 1024, 4) if is_ground else noise_texture(rng, 256) for *_, is_ground in faces
    ]
    poses = poses or ring_poses(n_views)
    images = []
    for M in poses:
        R, t = M[:3, :3], M[:3, 3]
        cam = -R.T @ t
        image = np.empty((height, width, 3), np.uint8)
        image[:] = backdrop
        object_mask = np.zeros((height, width), np.uint8)
        for (origin, a, b, normal, is_ground), texture in zip(faces, textures):
            if np.dot(normal, cam - (origin + a / 2 + b / 2)) <= 0:
                continue
            size = texture.shape[0]
            # pixel (u, v) of the texture lies at origin + (u/size) a + (v/size) b; K [R|t] maps it to the image.
            # K uses the pixel-centre-at-+0.5 convention; OpenCV's warp samples at integer centres.
            shift = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1.0]])
            H = shift @ K @ np.column_stack([R @ a / size, R @ b / size, R @ origin + t])
            H = H @ np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1.0]])
            warped = cv2.warpPerspective(texture, H, (width, height), flags=cv2.INTER_LINEAR)
            cover = (
                cv2.warpPerspective(
                    np.full((size, size), 255, np.uint8), H, (width, height), flags=cv2.INTER_NEAREST
                )
                > 0
            )
            image[cover] = warped[cover]
            if not is_ground:
                object_mask[cover] = 255
        if alpha:
            image = np.dstack([image, object_mask])
        images.append(image)
    return K, images, poses


def write_views(
    folder: Path, images: list[np.ndarray], prefix: str = "view", ext: str = ".jpg"
) -> list[Path]:
    """Save images (RGB or RGBA, uint8) as ``prefix_00.jpg`` ...; RGBA needs ``ext='.png'``."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = folder / f"{prefix}_{i:02d}{ext}"
        Image.fromarray(image).save(path, **({"quality": 92} if ext == ".jpg" else {}))
        paths.append(path)
    return paths


def rotation_angle_deg(R: np.ndarray) -> float:
    return math.degrees(math.acos(float(np.clip((np.trace(R) - 1) / 2, -1.0, 1.0))))


def relative_rotation_errors(estimated: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> list[float]:
    """Angle (degrees) between estimated and true relative rotations R_i R_j^T over all pairs of shared names."""
    names = sorted(set(estimated) & set(truth))
    errors = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            est = estimated[a][:3, :3] @ estimated[b][:3, :3].T
            gt = truth[a][:3, :3] @ truth[b][:3, :3].T
            errors.append(rotation_angle_deg(est @ gt.T))
    return errors


# -- tests of the generator itself ---------------------------------------------------------------------------
def test_synthetic_views_project_the_cube_where_the_pose_says():
    K, images, poses = render_views(n_views=4, width=240, height=180, alpha=True)
    assert len(images) == 4 and images[0].shape == (180, 240, 4)
    for image, M in zip(images, poses):
        # the cube's top centre (0, 0, 0.5) projects inside the object mask
        p = M[:3, :3] @ np.array([0, 0, HALF]) + M[:3, 3]
        u, v = (K @ p)[:2] / p[2]
        assert image[int(v), int(u), 3] == 255
        # the top-left corner shows the grey backdrop (sky), not the object
        assert image[2, 2, 3] == 0 and tuple(image[2, 2, :3]) == (128, 128, 128)


def test_relative_rotation_error_is_zero_for_identical_and_detects_a_twist():
    _, _, poses = render_views(n_views=3, width=64, height=48)
    truth = {str(i): p for i, p in enumerate(poses)}
    assert max(relative_rotation_errors(truth, truth)) < 1e-6
    twisted = dict(truth)
    twist = np.eye(4)
    twist[:3, :3] = cv2.Rodrigues(np.array([0.0, 0.0, math.radians(5)]))[0]
    twisted["0"] = twist @ truth["0"]
    assert max(relative_rotation_errors(twisted, truth)) == __import__("pytest").approx(5.0, abs=1e-6)
