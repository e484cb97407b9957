"""Input detection, photo preparation, undistortion, COLMAP views and the nerfstudio transforms.json variant."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_synthetic import render_views, write_views

from studio.errors import InputError
from studio.splat.colmap_io import ColmapCamera, ColmapImage, ColmapModel
from studio.splat.inputs import (
    detect_input,
    exif_focal_px,
    is_nerfstudio,
    load_transforms,
    prepare_photos,
    undistort,
    views_from_colmap,
)


def test_detect_each_kind_of_input(tmp_path):
    photos = tmp_path / "photos"
    write_views(photos, [np.zeros((8, 8, 3), np.uint8)] * 2)
    (photos / "LICENSE").write_text("x")
    (photos / ".DS_Store").write_bytes(b"x")
    source = detect_input(photos)
    assert source.kind == "photos" and [p.name for p in source.files] == ["view_00.jpg", "view_01.jpg"]
    assert source.ignored == ["LICENSE"]

    video = tmp_path / "clip.MOV"
    video.write_bytes(b"x")
    assert detect_input(video).kind == "video"
    assert detect_input([str(video)]).kind == "video"
    listed = detect_input([photos / "view_00.jpg", photos / "view_01.jpg", photos / "LICENSE"])
    assert listed.kind == "photos" and len(listed.files) == 2 and listed.ignored == ["LICENSE"]

    nerf = tmp_path / "nerf"
    nerf.mkdir()
    (nerf / "transforms_train.json").write_text("{}")
    assert detect_input(nerf).kind == "nerf"
    assert detect_input(nerf / "transforms_train.json").kind == "nerf"

    project = tmp_path / "colmap"
    sparse = project / "sparse" / "0"
    sparse.mkdir(parents=True)
    for name in ("cameras", "images", "points3D"):
        (sparse / f"{name}.txt").write_text("")
    write_views(project / "images", [np.zeros((8, 8, 3), np.uint8)])
    source = detect_input(project)
    assert source.kind == "colmap" and source.model_dir == sparse and source.image_dir == project / "images"


def test_detect_rejects_what_cannot_be_reconstructed(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        detect_input(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="has no photos"):
        detect_input(tmp_path / "empty")
    single = write_views(tmp_path / "one", [np.zeros((8, 8, 3), np.uint8)])[0]
    with pytest.raises(InputError, match="single photo"):
        detect_input(single)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="not a photo folder, a video or a transforms.json"):
        detect_input(tmp_path / "notes.txt")


def test_prepare_photos_uprights_strips_and_keeps_alpha(tmp_path):
    _, images, _ = render_views(3, 400, 300, seed=8, alpha=True, ground=False)
    src = tmp_path / "src"
    src.mkdir()
    # an EXIF-rotated JPEG with a 35 mm-equivalent focal length
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0xA405] = 28
    Image.fromarray(images[0][..., :3]).save(src / "rot.jpg", exif=exif)
    Image.fromarray(images[1]).save(src / "cut.png")  # RGBA
    Image.fromarray(images[2][..., :3]).save(src / "cut.jpg")  # same stem as the PNG
    (src / "bad.jpg").write_bytes(b"garbage")
    files = sorted(src.iterdir())
    prepared = prepare_photos(files, tmp_path / "out", long_edge=200, background=(0.0, 1.0, 0.0))
    assert [s for s, _ in prepared.skipped] == ["bad.jpg"]
    by_source = {p.source.name: p for p in prepared.images}
    assert {p.name for p in prepared.images} == {"rot.jpg", "cut.jpg", "cut_1.jpg"}
    rot = by_source["rot.jpg"]
    assert (rot.width, rot.height) == (150, 200)  # upright (portrait) and long edge 200
    with Image.open(rot.path) as im:
        assert im.size == (150, 200) and im.getexif().get(0x0112) in (None, 1)
    # 28 mm equivalent on a 300x400 (4:3) image scaled by 0.5: f = 28 * diag / 43.27 * 0.5
    assert rot.focal_px == pytest.approx(28 * 500 / np.hypot(36, 24) * 0.5, rel=1e-6)
    cut = by_source["cut.png"]
    assert cut.mask_path is not None and cut.mask_path.is_file()
    mask = np.asarray(Image.open(cut.mask_path))
    flat = np.asarray(Image.open(cut.path))
    assert mask.shape == (150, 200)
    assert flat[mask == 0].mean(axis=0) == pytest.approx([0, 255, 0], abs=2)  # flattened on the background
    assert len(prepared.qualities) == 3
    assert exif_focal_px(src / "cut.png", (400, 300)) is None


def test_undistort_matches_a_pinhole_render_with_the_new_intrinsics():
    _, images, _ = render_views(1, 400, 300, seed=9, ground=True)
    pinhole = cv2.GaussianBlur(images[0], (0, 0), 1.0)
    h, w = pinhole.shape[:2]
    K = np.array([[360.0, 0, 200.0], [0, 360.0, 150.0], [0, 0, 1]])
    coeffs = np.array([-0.12, 0.03, 0.0, 0.0])
    # distort: every distorted pixel centre (x + 0.5) looks up the pinhole image at its undistorted position
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    pts = np.stack([xs.ravel(), ys.ravel()], axis=1)[:, None, :]
    K_cv = K.copy()
    K_cv[:2, 2] -= 0.5
    und = cv2.undistortPoints(pts, K_cv, coeffs, P=K_cv).reshape(h, w, 2).astype(np.float32)
    distorted = cv2.remap(pinhole, und[..., 0], und[..., 1], cv2.INTER_LINEAR)
    out, new_K, mask = undistort(distorted, K, coeffs, fisheye=False, mask=np.ones((h, w), np.float32))
    assert out.shape == pinhole.shape and mask is not None
    # the same view through new_K is the pinhole image under the homography new_K K^-1 (pixel centres at +0.5)
    H = (
        np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
        @ new_K
        @ np.linalg.inv(K)
        @ np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    )
    expected = cv2.warpPerspective(pinhole, H, (w, h), flags=cv2.INTER_LINEAR)
    inner = (slice(20, h - 20), slice(20, w - 20))
    err = np.abs(out[inner].astype(float) - expected[inner].astype(float)).mean()
    shifted = np.abs(np.roll(out, 1, axis=1)[inner].astype(float) - expected[inner].astype(float)).mean()
    assert err < 3.0 and err < 0.5 * shifted, (err, shifted)
    assert abs(new_K[0, 0] / K[0, 0] - 1) < 0.1 and np.allclose(new_K[:2, 2], [w / 2, h / 2], atol=2)


def gt_model(K, poses, names, size) -> ColmapModel:
    """A COLMAP model (one PINHOLE camera) holding the true poses."""
    cam = ColmapCamera(1, "PINHOLE", size[0], size[1], (K[0, 0], K[1, 1], K[0, 2], K[1, 2]))
    ims = {}
    for i, (name, M) in enumerate(zip(names, poses)):
        q = cv2.Rodrigues(M[:3, :3])[0].ravel()
        angle = np.linalg.norm(q)
        axis = q / angle if angle > 0 else np.array([1.0, 0, 0])
        ims[i + 1] = ColmapImage(
            i + 1, (np.cos(angle / 2), *(np.sin(angle / 2) * axis)), tuple(M[:3, 3]), 1, name
        )
    return ColmapModel(
        {1: cam}, ims, np.zeros((0, 3)), np.zeros((0, 3), np.uint8), np.zeros(0), np.zeros(0, int)
    )


def test_backdrop_masks_are_used_only_when_most_views_separate(tmp_path):
    K, plain, poses = render_views(6, 240, 180, seed=13, ground=False, backdrop=(240, 240, 240))
    _, cluttered, _ = render_views(6, 240, 180, seed=13, ground=True, backdrop=(240, 240, 240))
    names = [p.name for p in write_views(tmp_path / "plain", plain)]
    views, notes = views_from_colmap(
        gt_model(K, poses, names, (240, 180)), tmp_path / "plain", background=(0.0, 0.0, 0.0)
    )
    assert set(notes.values()) == {"backdrop"} and all(v.mask is not None for v in views)
    assert views[0].image[0, 0].tolist() == [
        0,
        0,
        0,
    ]  # the grey backdrop became the black training background
    mixed = [plain[i] if i < 3 else cluttered[i] for i in range(6)]
    write_views(tmp_path / "mixed", mixed)
    views, notes = views_from_colmap(
        gt_model(K, poses, names, (240, 180)), tmp_path / "mixed", background=(0.0, 0.0, 0.0)
    )
    assert set(notes.values()) == {"none"} and all(v.mask is None for v in views)
    assert views[0].image[0, 0].tolist() == [240, 240, 240]  # trained on its real backdrop


def test_views_from_colmap_check_sizes_and_build_pinhole_views(tmp_path):
    K_true, images, poses = render_views(
        2, 200, 150, seed=10, alpha=True, ground=False, backdrop=(250, 250, 250)
    )
    paths = write_views(tmp_path, images, ext=".png")
    model = gt_model(K_true, poses, [p.name for p in paths], (200, 150))
    ims = model.images
    views, notes = views_from_colmap(model, tmp_path, long_edge=100, masks="auto", background=(0.0, 0.0, 1.0))
    assert [v.name for v in views] == ["view_00.png", "view_01.png"] and set(notes.values()) == {"alpha"}
    for view, M in zip(views, poses):
        assert view.image.shape == (75, 100, 3) and view.mask.shape == (75, 100)
        assert np.allclose(view.world_to_cam, M, atol=1e-9)
        assert np.allclose(view.K[0, 0], K_true[0, 0] / 2)
        assert view.image[0, 0].tolist() == [0, 0, 255]  # transparent corner composited on the background
    plain, notes = views_from_colmap(model, tmp_path, masks="none")
    assert all(v.mask is None for v in plain) and set(notes.values()) == {"none"}
    wrong = ColmapModel(
        {1: ColmapCamera(1, "PINHOLE", 640, 480, (500, 500, 320, 240))},
        ims,
        model.xyz,
        model.rgb,
        model.errors,
        model.track_lengths,
    )
    with pytest.raises(InputError, match="is 200x150 but its COLMAP camera 1 is 640x480"):
        views_from_colmap(wrong, tmp_path)


def _nerfstudio_set(tmp_path, per_frame: bool):
    K, images, poses = render_views(3, 160, 120, seed=11)
    folder = tmp_path / "ns"
    write_views(folder / "images", images, ext=".png")
    flip = np.diag([1.0, -1.0, -1.0, 1.0])
    frames = []
    for i, M in enumerate(poses):
        c2w = np.linalg.inv(M) @ flip  # OpenCV world-to-camera -> OpenGL camera-to-world
        frame = {"file_path": f"images/view_{i:02d}", "transform_matrix": c2w.tolist()}  # no extension
        if per_frame:
            frame.update(fl_x=K[0, 0] * 2, fl_y=K[1, 1] * 2, cx=K[0, 2] * 2, cy=K[1, 2] * 2, w=320, h=240)
        frames.append(frame)
    data = {"camera_model": "OPENCV", "frames": frames}
    if not per_frame:
        data.update(fl_x=K[0, 0], fl_y=K[1, 1], cx=K[0, 2], cy=K[1, 2], w=160, h=120)
    (folder / "transforms.json").write_text(json.dumps(data))
    return folder, K, poses


@pytest.mark.parametrize("per_frame", [False, True], ids=["global", "per-frame"])
def test_nerfstudio_transforms_give_the_true_cameras(tmp_path, per_frame):
    folder, K, poses = _nerfstudio_set(tmp_path, per_frame)
    assert is_nerfstudio(json.loads((folder / "transforms.json").read_text()))
    scene = load_transforms(folder, background=(1.0, 1.0, 1.0))
    assert [v.name for v in scene.views] == ["view_00", "view_01", "view_02"]
    for view, M in zip(scene.views, poses):
        # per-frame intrinsics were declared for a 320x240 image: scaled to the real 160x120 file
        assert np.allclose(view.K, K, atol=1e-9)
        assert np.allclose(view.world_to_cam, M, atol=1e-9)
        assert view.image.shape == (120, 160, 3)
    assert np.allclose(scene.center, 0, atol=1e-6)  # the ring looks at the origin
    assert scene.meta["loader"] == "nerfstudio"


def test_nerfstudio_bad_frames_are_clear_errors(tmp_path):
    folder, _, _ = _nerfstudio_set(tmp_path, per_frame=False)
    data = json.loads((folder / "transforms.json").read_text())
    data["frames"][1]["file_path"] = "images/missing"
    (folder / "transforms.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="'images/missing' named in transforms.json was not found"):
        load_transforms(folder)
    data["frames"][1]["file_path"] = "../../etc/passwd"
    (folder / "transforms.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="points outside its folder"):
        load_transforms(folder)
    (folder / "transforms.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_transforms(folder)
    (folder / "transforms.json").write_text(json.dumps({"frames": [{"file_path": "images/view_00"}]}))
    with pytest.raises(InputError, match="neither 'camera_angle_x'"):
        load_transforms(folder)


def test_blender_style_transforms_go_through_the_nerf_loader(tmp_path):
    """camera_angle_x + RGBA frames (the NeRF-synthetic layout) are read by studio.splat.nerf."""
    K, images, poses = render_views(3, 160, 120, seed=12, alpha=True, ground=False)
    folder = tmp_path / "blender"
    write_views(folder / "train", images, prefix="r", ext=".png")
    flip = np.diag([1.0, -1.0, -1.0, 1.0])
    frames = [
        {"file_path": f"./train/r_{i:02d}", "transform_matrix": (np.linalg.inv(M) @ flip).tolist()}
        for i, M in enumerate(poses)
    ]
    angle_x = 2 * np.arctan(160 / (2 * K[0, 0]))
    (folder / "transforms_train.json").write_text(json.dumps({"camera_angle_x": angle_x, "frames": frames}))
    assert not is_nerfstudio(json.loads((folder / "transforms_train.json").read_text()))
    scene = load_transforms(folder, background=(0.0, 0.0, 0.0))
    assert len(scene.views) == 3
    for view, M, image in zip(scene.views, poses, images):
        assert np.allclose(view.world_to_cam, M, atol=1e-6)
        assert view.K[0, 0] == pytest.approx(K[0, 0], rel=1e-6)
        assert view.mask is not None and np.array_equal(view.mask > 0.5, image[..., 3] > 127)


def test_one_transforms_lookup_order_for_detection_and_both_loaders(tmp_path):
    """A folder with both files: input detection and the NeRF loader pick the same one (they used to disagree)."""
    from studio.splat.nerf import TRANSFORMS_NAMES, find_manifest

    folder = tmp_path / "capture"
    folder.mkdir()
    (folder / "transforms_train.json").write_text("not JSON")
    assert detect_input(folder).files == [folder / "transforms_train.json"] == [find_manifest(folder)]
    with pytest.raises(InputError, match="transforms_train.json is not valid JSON"):
        load_transforms(folder)
    (folder / "transforms.json").write_text("{}")
    assert TRANSFORMS_NAMES[0] == "transforms.json"
    assert detect_input(folder).files == [folder / "transforms.json"] == [find_manifest(folder)]
    with pytest.raises(InputError, match="has no 'frames'"):
        load_transforms(folder)  # reads transforms.json (no frames), not transforms_train.json (not JSON)


def test_colmap_image_names_cannot_leave_the_capture_folder(tmp_path):
    """images.txt names are joined to the images folder: '../' or an absolute name must not read other photos."""
    from test_splat_io_colmap import IMAGES_TXT, write_text_model

    from studio.splat.pipeline import ReconstructOptions, reconstruct

    K, images, poses = render_views(2, 200, 150, seed=3)
    capture = tmp_path / "capture"
    paths = write_views(capture / "images", images, ext=".png")
    secret = tmp_path / "private" / "secret.png"
    secret.parent.mkdir()
    secret.write_bytes(paths[1].read_bytes())
    for name in ("../../private/secret.png", str(secret)):
        model = gt_model(K, poses, [paths[0].name, name], (200, 150))
        with pytest.raises(InputError, match="COLMAP image name .* points outside its folder"):
            views_from_colmap(model, capture / "images")

    # the whole pipeline refuses such a model before it reads a single photo
    write_text_model(capture / "sparse" / "0")
    text = IMAGES_TXT.replace(" a.jpg", " view_00.png").replace(
        " sub dir/b c.png", " ../../private/secret.png"
    )
    (capture / "sparse" / "0" / "images.txt").write_text(text)
    with pytest.raises(InputError, match="COLMAP image name '../../private/secret.png' points outside"):
        reconstruct(capture, tmp_path / "out", ReconstructOptions(device="cpu"))
