"""Reading COLMAP sparse models (.bin and .txt) without pycolmap."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from studio.errors import InputError
from studio.splat.colmap_io import ColmapCamera, find_model_dir, quat_to_rotmat, read_model

CAMERAS_TXT = """# Camera list with one line of data per camera:
#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]
1 SIMPLE_RADIAL 640 480 500.5 320 240 -0.05
2 PINHOLE 800 600 700 710 400.5 299.5
"""
# image 7: identity rotation, t = (1, 2, 3); image 9: 90 degrees about z, t = (0, 0, 5)
S = float(np.sqrt(0.5))
IMAGES_TXT = f"""# Image list with two lines of data per image:
7 1 0 0 0 1 2 3 1 a.jpg
10.0 20.0 -1 30.0 40.0 1
9 {S} 0 0 {S} 0 0 5 2 sub dir/b c.png

"""
POINTS_TXT = """# 3D point list
1 0.5 0.25 -1 255 0 10 0.7 7 1 9 0
2 1 2 3 1 2 3 0.1 7 0
"""


def write_text_model(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cameras.txt").write_text(CAMERAS_TXT)
    (folder / "images.txt").write_text(IMAGES_TXT)
    (folder / "points3D.txt").write_text(POINTS_TXT)


def write_binary_model(folder):
    """The same model as the text one, in COLMAP's binary layout."""
    folder.mkdir(parents=True, exist_ok=True)
    cams = struct.pack("<Q", 2)
    cams += struct.pack("<iiQQ", 1, 2, 640, 480) + struct.pack("<4d", 500.5, 320, 240, -0.05)
    cams += struct.pack("<iiQQ", 2, 1, 800, 600) + struct.pack("<4d", 700, 710, 400.5, 299.5)
    (folder / "cameras.bin").write_bytes(cams)
    ims = struct.pack("<Q", 2)
    ims += struct.pack("<I7di", 7, 1, 0, 0, 0, 1, 2, 3, 1) + b"a.jpg\x00" + struct.pack("<Q", 2)
    ims += struct.pack("<ddq", 10, 20, -1) + struct.pack("<ddq", 30, 40, 1)
    ims += struct.pack("<I7di", 9, S, 0, 0, S, 0, 0, 5, 2) + b"sub dir/b c.png\x00" + struct.pack("<Q", 0)
    (folder / "images.bin").write_bytes(ims)
    pts = struct.pack("<Q", 2)
    pts += struct.pack("<Q3d3BdQ", 1, 0.5, 0.25, -1, 255, 0, 10, 0.7, 2) + struct.pack("<4i", 7, 1, 9, 0)
    pts += struct.pack("<Q3d3BdQ", 2, 1, 2, 3, 1, 2, 3, 0.1, 1) + struct.pack("<2i", 7, 0)
    (folder / "points3D.bin").write_bytes(pts)


@pytest.mark.parametrize("writer", [write_text_model, write_binary_model], ids=["txt", "bin"])
def test_read_model_text_and_binary(tmp_path, writer):
    writer(tmp_path / "m")
    model = read_model(tmp_path / "m")
    assert model.image_names == ["a.jpg", "sub dir/b c.png"]
    a, b = model.images[7], model.images[9]
    assert np.allclose(a.world_to_cam(), [[1, 0, 0, 1], [0, 1, 0, 2], [0, 0, 1, 3], [0, 0, 0, 1]])
    assert np.allclose(a.center(), [-1, -2, -3])
    # 90 degrees about z maps world x to camera y
    assert np.allclose(b.world_to_cam()[:3, :3] @ [1, 0, 0], [0, 1, 0])
    assert model.cameras[1].model == "SIMPLE_RADIAL" and model.cameras[2].model == "PINHOLE"
    assert model.cameras[2].params == (700, 710, 400.5, 299.5)
    assert model.xyz.shape == (2, 3) and np.allclose(model.xyz[0], [0.5, 0.25, -1])
    assert model.rgb.dtype == np.uint8 and model.rgb[0].tolist() == [255, 0, 10]
    assert model.track_lengths.tolist() == [2, 1]
    assert np.allclose(model.errors, [0.7, 0.1])


def test_intrinsics_convert_colmap_models_to_opencv():
    K, coeffs, fisheye = ColmapCamera(1, "SIMPLE_RADIAL", 640, 480, (500.0, 320.0, 240.0, -0.05)).intrinsics()
    assert np.allclose(K, [[500, 0, 320], [0, 500, 240], [0, 0, 1]])
    assert coeffs.tolist() == [-0.05, 0, 0, 0] and not fisheye
    K, coeffs, _ = ColmapCamera(
        1, "OPENCV", 640, 480, (500, 510, 320, 240, 0.1, 0.01, 0.001, 0.002)
    ).intrinsics()
    assert K[1, 1] == 510 and coeffs.tolist() == [0.1, 0.01, 0.001, 0.002]
    _, coeffs, fisheye = ColmapCamera(
        1, "OPENCV_FISHEYE", 640, 480, (500, 500, 320, 240, 0.1, 0.2, 0.3, 0.4)
    ).intrinsics()
    assert fisheye and coeffs.tolist() == [0.1, 0.2, 0.3, 0.4]
    assert not ColmapCamera(1, "PINHOLE", 640, 480, (500, 500, 320, 240)).distorted
    assert ColmapCamera(1, "SIMPLE_RADIAL", 640, 480, (500, 320, 240, -0.05)).distorted
    with pytest.raises(InputError, match="FOV model"):
        ColmapCamera(3, "FOV", 640, 480, (500, 500, 320, 240, 0.9)).intrinsics()


def test_quaternion_convention_matches_rotation():
    angle = np.radians(30)
    q = np.array([np.cos(angle / 2), np.sin(angle / 2), 0, 0])  # 30 degrees about x
    R = quat_to_rotmat(q)
    assert np.allclose(R @ [0, 1, 0], [0, np.cos(angle), np.sin(angle)])
    assert np.allclose(R @ R.T, np.eye(3))


def test_find_model_dir_accepts_project_sparse_and_model_folders(tmp_path):
    write_binary_model(tmp_path / "project" / "sparse" / "0")
    assert find_model_dir(tmp_path / "project") == tmp_path / "project" / "sparse" / "0"
    assert find_model_dir(tmp_path / "project" / "sparse" / "0") == tmp_path / "project" / "sparse" / "0"
    assert find_model_dir(tmp_path) is None


def test_truncated_and_missing_files_are_clear_errors(tmp_path):
    write_binary_model(tmp_path / "m")
    data = (tmp_path / "m" / "images.bin").read_bytes()
    (tmp_path / "m" / "images.bin").write_bytes(data[:40])
    with pytest.raises(InputError, match="malformed"):
        read_model(tmp_path / "m")
    (tmp_path / "m" / "points3D.bin").unlink()
    with pytest.raises(InputError, match="no points3D.bin or points3D.txt"):
        read_model(tmp_path / "m")


def test_image_with_unknown_camera_is_rejected(tmp_path):
    write_text_model(tmp_path / "m")
    (tmp_path / "m" / "cameras.txt").write_text("1 PINHOLE 640 480 500 500 320 240\n")
    with pytest.raises(InputError, match="refers to camera 2"):
        read_model(tmp_path / "m")
