"""The NeRF transforms.json loader: Blender -> OpenCV cameras, RGBA compositing, masks, resizing, path safety;
and the Scene / View contract checks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from studio.errors import InputError
from studio.splat.nerf import load_nerf_transforms
from studio.splat.scene import Scene, View

W, H = 24, 16


def _blender_c2w(azimuth: float, distance: float = 4.0) -> list[list[float]]:
    """Camera on the horizontal circle (world z up) looking at the origin, Blender camera axes."""
    pos = np.array([distance * math.sin(azimuth), -distance * math.cos(azimuth), 0.0])
    back = pos / np.linalg.norm(pos)  # Blender cameras look along -z
    up = np.array([0.0, 0.0, 1.0])
    right = np.cross(up, back)
    right /= np.linalg.norm(right)
    c2w = np.eye(4)
    c2w[:3, 0], c2w[:3, 1], c2w[:3, 2], c2w[:3, 3] = right, np.cross(back, right), back, pos
    return c2w.tolist()


def _rgba(seed: int) -> np.ndarray:
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[..., :3] = np.random.default_rng(seed).integers(0, 256, (H, W, 3))
    rgba[:, W // 2 :, 3] = 255  # right half opaque
    rgba[:, W // 2 - 1, 3] = 128  # one half-transparent column
    return rgba


def _capture(tmp_path, n: int = 4, **extra) -> tuple:
    folder = tmp_path / "capture"
    (folder / "train").mkdir(parents=True)
    frames = []
    for i in range(n):
        Image.fromarray(_rgba(i)).save(folder / "train" / f"r_{i}.png")
        frames.append({"file_path": f"./train/r_{i}", "transform_matrix": _blender_c2w(2 * math.pi * i / n)})
    manifest = {"camera_angle_x": 0.8, "frames": frames, **extra}
    (folder / "transforms_train.json").write_text(json.dumps(manifest))
    return folder, manifest


def test_loads_cameras_images_and_masks(tmp_path):
    folder, _ = _capture(tmp_path)
    scene = load_nerf_transforms(folder, background=(0.0, 0.0, 1.0))
    assert isinstance(scene, Scene) and len(scene.views) == 4 and len(scene.points) == 0
    view = scene.views[0]
    assert view.name == "train/r_0" and view.image.shape == (H, W, 3) and view.image.dtype == np.uint8
    fx = 0.5 * W / math.tan(0.4)
    assert np.allclose(view.K, [[fx, 0, W / 2], [0, fx, H / 2], [0, 0, 1]])
    rgba = _rgba(0)
    assert np.array_equal(view.image[:, W // 2 :], rgba[:, W // 2 :, :3])  # opaque: untouched
    assert np.all(view.image[:, : W // 2 - 1] == [0, 0, 255])  # transparent: the background
    half = np.round(rgba[:, W // 2 - 1, :3] * (128 / 255) + np.array([0, 0, 255]) * (127 / 255))
    assert np.array_equal(view.image[:, W // 2 - 1], half.astype(np.uint8))
    assert view.mask is not None and view.mask.dtype == np.float32
    assert np.allclose(view.mask[:, W // 2 - 1], 128 / 255) and view.mask[0, 0] == 0 and view.mask[0, -1] == 1

    # Blender -> OpenCV: the origin is in front of the camera at the image centre, world up is image up,
    # and camera 0 (at -y, looking +y) has world +x on its right.
    def project(p):
        c = view.world_to_cam[:3, :3] @ p + view.world_to_cam[:3, 3]
        uv = view.K @ c
        return uv[:2] / uv[2], c[2]

    (u, v), z = project(np.zeros(3))
    assert z == pytest.approx(4.0) and u == pytest.approx(W / 2) and v == pytest.approx(H / 2)
    (u, v), _ = project(np.array([0.0, 0.0, 0.5]))
    assert v < H / 2 - 1 and u == pytest.approx(W / 2)
    (u, v), _ = project(np.array([0.5, 0.0, 0.0]))
    assert u > W / 2 + 1
    # The camera layout finds the object at the origin, world z up.
    assert np.allclose(scene.center, 0.0, atol=1e-6)
    assert np.allclose(scene.up, [0, 0, 1], atol=1e-6)
    assert 0.5 < scene.radius < 4.0


def test_long_edge_resizes_images_masks_and_intrinsics(tmp_path):
    folder, _ = _capture(tmp_path, n=2)
    full = load_nerf_transforms(folder / "transforms_train.json")
    small = load_nerf_transforms(folder, long_edge=12)
    v, f = small.views[0], full.views[0]
    assert v.image.shape == (8, 12, 3) and v.mask is not None and v.mask.shape == (8, 12)
    assert np.allclose(v.K[:2], f.K[:2] * 0.5)
    assert np.allclose(v.world_to_cam, f.world_to_cam)
    # BOX-filtered: each small pixel is the mean of a 2x2 block.
    block = f.image[:2, -2:].astype(float).mean(axis=(0, 1))
    assert np.all(np.abs(v.image[0, -1].astype(float) - block) <= 1.0)


def test_instant_ngp_intrinsics_are_scaled_to_the_image(tmp_path):
    folder, _ = _capture(tmp_path, n=2, fl_x=30.0, fl_y=32.0, cx=11.0, cy=7.0, w=W, h=H)
    view = load_nerf_transforms(folder, long_edge=12).views[0]
    assert np.allclose(view.K, [[15.0, 0, 5.5], [0, 16.0, 3.5], [0, 0, 1]])


@pytest.mark.parametrize("file_path", ["../outside", "../../etc/passwd", "/etc/passwd"])
def test_image_paths_may_not_escape_the_manifest_folder(tmp_path, file_path):
    folder, manifest = _capture(tmp_path, n=2)
    Image.fromarray(_rgba(9)).save(tmp_path / "outside.png")  # exists, but outside the folder
    manifest["frames"][1]["file_path"] = file_path
    (folder / "transforms_train.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="outside its folder"):
        load_nerf_transforms(folder)


def test_bad_manifests_name_the_problem(tmp_path):
    folder, manifest = _capture(tmp_path, n=2)
    path = folder / "transforms_train.json"
    with pytest.raises(InputError, match="does not exist"):
        load_nerf_transforms(folder / "nope.json")
    with pytest.raises(InputError, match="no transforms"):
        load_nerf_transforms(folder / "train")
    path.write_text("{ not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_nerf_transforms(path)
    path.write_text(json.dumps({"camera_angle_x": 0.8, "frames": []}))
    with pytest.raises(InputError, match="no frames"):
        load_nerf_transforms(path)
    bad = json.loads(json.dumps(manifest))
    bad["frames"][0]["transform_matrix"] = [[1, 0], [0, 1]]
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError, match="4x4"):
        load_nerf_transforms(path)
    bad = json.loads(json.dumps(manifest))
    bad["frames"][0]["transform_matrix"][0][1] = 3.0  # shear: not a camera pose
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError, match="rigid"):
        load_nerf_transforms(path)
    bad = json.loads(json.dumps(manifest))
    del bad["camera_angle_x"]
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError, match="focal"):
        load_nerf_transforms(path)
    bad = json.loads(json.dumps(manifest))
    bad["frames"][0]["file_path"] = "./train/missing"
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError, match="does not exist"):
        load_nerf_transforms(path)


def test_view_and_scene_contract_rejects_bad_data():
    image = np.zeros((4, 6, 3), np.uint8)
    K = np.array([[5.0, 0, 3], [0, 5.0, 2], [0, 0, 1]])
    with pytest.raises(InputError, match="uint8"):
        View("a", image.astype(np.float32), None, K, np.eye(4))
    with pytest.raises(InputError, match="mask"):
        View("a", image, np.ones((3, 6), np.float32), K, np.eye(4))
    with pytest.raises(InputError, match="rotation"):
        View("a", image, None, K, np.diag([1.0, 1.0, -1.0, 1.0]))  # a reflection
    with pytest.raises(InputError, match="focal"):
        View("a", image, None, np.zeros((3, 3)), np.eye(4))
    view = View("a", image, None, K, np.eye(4))
    with pytest.raises(InputError, match="same name"):
        Scene(
            [view, view],
            np.zeros((0, 3)),
            np.zeros((0, 3), np.uint8),
            (1, 1, 1),
            np.array([0, 0, 1.0]),
            np.zeros(3),
            1.0,
        )
    with pytest.raises(InputError, match="colour"):
        Scene(
            [view],
            np.zeros((2, 3)),
            np.zeros((1, 3), np.uint8),
            (1, 1, 1),
            np.array([0, 0, 1.0]),
            np.zeros(3),
            1.0,
        )
    with pytest.raises(InputError, match="background"):
        Scene(
            [view],
            np.zeros((0, 3)),
            np.zeros((0, 3), np.uint8),
            (2, 1, 1),
            np.array([0, 0, 1.0]),
            np.zeros(3),
            1.0,
        )
    scene = Scene(
        [view],
        np.zeros((0, 3)),
        np.zeros((0, 3), np.uint8),
        (1, 1, 1),
        np.array([0, 0, 2.0]),
        np.zeros(3),
        1.0,
    )
    assert np.allclose(scene.up, [0, 0, 1])
