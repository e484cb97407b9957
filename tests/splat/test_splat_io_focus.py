"""Object focus: up axis from cameras, centre and radius, normalisation, masks, crop box."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_synthetic import look_at, render_views, ring_poses

from studio.errors import InputError
from studio.splat.focus import (
    alpha_mask,
    axes_center,
    background_mask,
    camera_centers,
    composite,
    crop_points,
    estimate_focus,
    estimate_up,
    focus_scene,
    normalize,
    rotation_between,
    transform_scene,
)
from studio.splat.scene import Scene, View


def random_similarity(seed: int):
    rng = np.random.default_rng(seed)
    R = cv2.Rodrigues(rng.normal(size=3))[0]
    return R, float(rng.uniform(0.2, 5.0)), rng.normal(size=3) * 3


def move_world(poses, R, s, t):
    """Express OpenCV poses in a new world x' = s R x + t."""
    out = []
    for M in poses:
        new = np.eye(4)
        new[:3, :3] = M[:3, :3] @ R.T
        new[:3, 3] = s * M[:3, 3] - new[:3, :3] @ t
        out.append(new)
    return np.stack(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_up_comes_from_the_camera_ring_whatever_the_world_frame(seed):
    poses = np.stack(ring_poses(16))
    R, s, t = random_similarity(seed)
    moved = move_world(poses, R, s, t)
    # hand-held: each camera rolled by up to 20 degrees about its optical axis
    rng = np.random.default_rng(seed)
    for M in moved:
        roll = cv2.Rodrigues(np.array([0, 0, np.radians(rng.uniform(-20, 20))]))[0]
        M[:3, :] = roll @ M[:3, :]
    up, method = estimate_up(moved)
    assert method == "camera-plane"
    assert np.degrees(np.arccos(np.clip(up @ (R @ [0, 0, 1.0]), -1, 1))) < 2.0


@pytest.mark.parametrize("seed", [0, 1])
def test_up_from_a_dome_of_level_cameras(seed):
    """NeRF-style captures: cameras on a hemisphere at many elevations, horizon level, world then moved."""
    rng = np.random.default_rng(seed)
    centers = []
    for _ in range(40):
        azimuth, elevation = rng.uniform(0, 2 * np.pi), rng.uniform(np.radians(5), np.radians(80))
        centers.append(
            4
            * np.array(
                [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
            )
        )
    poses = np.stack([look_at(c) for c in centers])
    R, s, t = random_similarity(seed + 10)
    up, method = estimate_up(move_world(poses, R, s, t))
    assert method == "horizon"
    assert np.degrees(np.arccos(np.clip(up @ (R @ [0, 0, 1.0]), -1, 1))) < 0.5


def test_up_falls_back_to_camera_up_for_a_line_of_cameras():
    poses = np.stack([look_at((x, -3.0, 0.2), target=(x, 0, 0.2)) for x in np.linspace(-1, 1, 8)])
    up, method = estimate_up(poses)
    assert method == "camera-up"
    assert np.allclose(up, [0, 0, 1], atol=1e-6)
    assert axes_center(poses) is None  # parallel optical axes meet nowhere


def test_focus_finds_the_object_the_cameras_aim_at():
    target = np.array([0.3, -0.2, 0.1])
    poses = np.stack([look_at(c, target=target) for c in camera_centers(np.stack(ring_poses(12)))])
    rng = np.random.default_rng(0)
    on_object = target + 0.4 * rng.normal(size=(500, 3)) / np.sqrt(3)
    background = rng.uniform(-20, 20, size=(200, 3))
    focus = estimate_focus(poses, np.vstack([on_object, background]))
    assert np.allclose(focus.center, target, atol=1e-6) and focus.center_method == "optical-axes"
    assert 0.2 < focus.radius < 0.6
    with pytest.raises(InputError, match=r"\[N, 4, 4\]"):
        estimate_focus(np.eye(4))


def test_normalising_keeps_every_pixel_in_place():
    K = np.array([[300.0, 0, 160], [0, 300, 120], [0, 0, 1]])
    R, s, t = random_similarity(3)
    poses = move_world(np.stack(ring_poses(8)), R, s, t)
    rng = np.random.default_rng(1)
    points = (R @ (rng.normal(size=(50, 3)) * 0.3).T).T * s + t
    views = [
        View(name=f"v{i}", image=np.zeros((240, 320, 3), np.uint8), mask=None, K=K, world_to_cam=M)
        for i, M in enumerate(poses)
    ]
    scene = Scene(
        views=views,
        points=points,
        colors=np.zeros((50, 3), np.uint8),
        background=(1, 1, 1),
        up=(0, 0, 1),
        center=(0, 0, 0),
        radius=1.0,
    )
    out, focus, sim = focus_scene(scene)
    assert sim is not None and sim.scale == pytest.approx(1 / focus.radius)
    assert np.allclose(out.center, 0, atol=1e-9) and np.allclose(out.up, [0, 1, 0])
    assert out.radius == pytest.approx(1.0)
    assert np.allclose(
        transform_scene(scene, normalize(focus)).views[0].world_to_cam, out.views[0].world_to_cam
    )
    # world up (+z before the random similarity) is +y now
    assert np.allclose(sim.rotation @ (R @ [0, 0, 1.0]), [0, 1, 0], atol=0.03)
    cropped, _, _ = focus_scene(scene, crop_box=((-0.5, -0.5, -0.5), (0.5, 0.5, 0.5)))
    assert 0 < len(cropped.points) < len(out.points) and np.all(np.abs(cropped.points) <= 0.5)
    for before, after in zip(scene.views, out.views):
        cam_a = (before.world_to_cam[:3, :3] @ points.T).T + before.world_to_cam[:3, 3]
        cam_b = (after.world_to_cam[:3, :3] @ out.points.T).T + after.world_to_cam[:3, 3]
        pix_a = (K @ cam_a.T).T
        pix_b = (K @ cam_b.T).T
        assert np.allclose(pix_a[:, :2] / pix_a[:, 2:], pix_b[:, :2] / pix_b[:, 2:], atol=1e-3)
        assert np.allclose(after.world_to_cam[:3, :3] @ after.world_to_cam[:3, :3].T, np.eye(3), atol=1e-9)


def test_rotation_between_handles_opposite_and_equal_directions():
    for a, b in [
        ([0, 0, 1], [0, 1, 0]),
        ([1, 0, 0], [-1, 0, 0]),
        ([0, 1, 0], [0, 1, 0]),
        ([1, 2, 3], [-3, 1, 0]),
    ]:
        R = rotation_between(np.array(a, float), np.array(b, float))
        assert np.allclose(R @ (np.array(a) / np.linalg.norm(a)), np.array(b) / np.linalg.norm(b), atol=1e-9)
        assert np.allclose(R @ R.T, np.eye(3), atol=1e-9) and np.linalg.det(R) == pytest.approx(1.0)


def test_crop_box_keeps_points_inside():
    points = np.array([[0, 0, 0], [2, 0, 0], [0.5, -0.5, 0.9], [0, 0, -1.5]], float)
    colors = np.arange(12, dtype=np.uint8).reshape(4, 3)
    kept, kept_colors = crop_points(points, colors, [-1, -1, -1], [1, 1, 1])
    assert kept.tolist() == [[0, 0, 0], [0.5, -0.5, 0.9]]
    assert kept_colors.tolist() == [[0, 1, 2], [6, 7, 8]]
    with pytest.raises(InputError, match="max > min"):
        crop_points(points, colors, [0, 0, 0], [1, 0, 1])


def test_alpha_mask_and_composite():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[1:3, 1:3, 3] = 255
    rgba[0, 0, 3] = 128
    mask = alpha_mask(rgba)
    assert mask.dtype == np.float32 and mask[1, 1] == 1.0 and mask[3, 3] == 0.0
    out = composite(rgba[..., :3], mask, (0.0, 1.0, 0.0))
    assert out[1, 1].tolist() == [200, 0, 0]  # object untouched
    assert out[3, 3].tolist() == [0, 255, 0]  # background is the training colour
    assert out[0, 0].tolist() == [int(200 * 128 / 255 + 0.5), int(255 * 127 / 255 + 0.5), 0]
    with pytest.raises(InputError, match="RGBA"):
        alpha_mask(rgba[..., :3])


@pytest.mark.parametrize("backdrop", [(245, 245, 245), (30, 60, 200)])
def test_plain_backdrop_separation_matches_the_true_silhouette(backdrop):
    _, images, _ = render_views(4, 400, 300, ground=False, alpha=True, backdrop=backdrop, seed=6)
    for image in images:
        truth = image[..., 3] > 127
        noisy = image[..., :3].astype(np.int16) + np.random.default_rng(0).normal(0, 3, image[..., :3].shape)
        rgb = np.clip(noisy, 0, 255).astype(np.uint8)
        mask = background_mask(rgb)
        assert mask is not None and mask.shape == truth.shape and mask.dtype == np.float32
        found = mask > 0.5
        iou = (found & truth).sum() / (found | truth).sum()
        assert iou > 0.95, f"IoU {iou:.3f}"


def test_cluttered_background_is_not_masked():
    _, images, _ = render_views(2, 400, 300, ground=True, seed=6)  # textured ground reaches the borders
    for image in images:
        assert background_mask(image) is None
    flat = np.full((300, 400, 3), 240, np.uint8)
    assert background_mask(flat) is None  # nothing in front of the backdrop


def _cloud(n, center, spread, colour, opacity_logit=3.0, log_scale=-4.0, seed=0):
    import torch

    g = torch.Generator().manual_seed(seed)
    return {
        "means": torch.as_tensor(center, dtype=torch.float32) + torch.randn(n, 3, generator=g) * spread,
        "quats": torch.tensor([[1.0, 0.0, 0.0, 0.0]]).repeat(n, 1),
        "log_scales": torch.full((n, 3), log_scale),
        "opacity_logits": torch.full((n,), opacity_logit),
        "sh": ((torch.tensor(colour) - 0.5) / 0.28209479177387814).repeat(n, 1, 1),
    }


def test_the_viewer_copy_keeps_the_product_moves_it_upright_and_frames_the_photographed_side():
    import torch

    from studio.splat.focus import viewer_copy, viewer_framing
    from studio.splat.gaussians import Gaussians

    center = np.array([10.0, 0.0, 5.0])
    up = np.array([0.0, 0.0, 1.0])  # a model in its own frame: up is +z, the product sits at (10, 0, 5)
    parts = [
        _cloud(300, center, 0.3, (0.9, 0.1, 0.1)),  # the red product, radius about 1
        _cloud(200, center + [6.0, 0.0, 0.0], 1.0, (0.5, 0.5, 0.5), seed=1),  # the room behind it
        _cloud(20, center, 0.1, (0.5, 0.5, 0.5), opacity_logit=-6.0, seed=2),  # transparent haze
        _cloud(5, center, 0.1, (0.5, 0.5, 0.5), log_scale=0.0, seed=3),  # background fog blobs (1 unit)
    ]
    tensors = {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
    meta = {
        "center": center.tolist(),
        "up": up.tolist(),
        "radius": 1.0,
        "front": [1.0, 0.0, 0.0],
        "arc": [
            60.0,
            120.0,
        ],  # photographed from 60..120 degrees: the middle is +90, the side cross(up, front)
        "camera_distance": [[60.0, 3.5], [90.0, 3.0], [120.0, 3.5]],
        "camera_elevation": 25.0,
    }
    model = Gaussians(**tensors, sh_degree=0, meta=meta)
    copy, framing, dropped = viewer_copy(model)
    assert copy.n == 300 and dropped == 225  # only the product is left
    assert float(copy.sh[:, 0, 0].min()) > 1.0  # red: DC (0.9 - 0.5) / C0
    assert np.allclose(copy.means.mean(dim=0).numpy(), 0.0, atol=0.1)  # centred on the origin
    # up turned to +y: the product's spread along the old up (z) now lies along y
    assert framing.to_json() == viewer_framing(meta).to_json()
    alpha, beta, radius = framing.camera_position
    assert beta == pytest.approx(65.0) and radius == pytest.approx(3.0)
    # Babylon's orbit camera position for (alpha, beta, radius), in the copy's frame, is where the photos were
    # taken: cross(up, front) = cross(+z, +x) = +y, which the upright frame turns into -z
    a, b = np.radians(alpha), np.radians(beta)
    eye = radius * np.array([np.cos(a) * np.sin(b), np.cos(b), np.sin(a) * np.sin(b)])
    from studio.splat.focus import rotation_between

    turn = rotation_between(up, np.array([0.0, 1.0, 0.0]))
    expected = turn @ (np.cos(np.radians(25)) * np.array([0.0, 1.0, 0.0]) + np.sin(np.radians(25)) * up)
    assert np.allclose(eye / radius, expected, atol=1e-6)
    assert copy.meta["viewer"]["camera_position"] == list(framing.camera_position)


def test_the_viewer_copy_without_orbit_hints_uses_the_points():
    import torch

    from studio.splat.focus import viewer_copy
    from studio.splat.gaussians import Gaussians

    part = _cloud(100, (0.0, 2.0, 0.0), 0.2, (0.2, 0.8, 0.2))
    model = Gaussians(**part, sh_degree=0, meta={})
    copy, framing, dropped = viewer_copy(model)
    assert copy.n >= 98 and dropped <= 2 and np.allclose(framing.center, [0.0, 2.0, 0.0], atol=0.1)
    assert framing.camera_position[2] > framing.keep_radius and torch.isfinite(copy.means).all()
