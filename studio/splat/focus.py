"""Object focus: where the product is, which way is up, what is background.

Pure camera maths and image processing, no I/O:

* ``estimate_up``: product captures often have no floor to fit, so up comes from the cameras: the normal of the
  best-fit plane of the camera centres when they circle the object (a walk-around), signed by the average camera
  "up" (-y of OpenCV cameras); for a dome of views the direction perpendicular to all camera right axes (a level
  horizon); the average camera up alone as the last resort.
* ``estimate_focus``: the object centre is the point closest to every camera's optical axis (people aim at the
  product), checked against the sparse points; the radius is a robust extent of the points near it.
* ``normalize``: a similarity that moves the centre to the origin, turns up to +y (glTF, three.js and Babylon
  viewers are y-up) and scales the object radius to 1; ``transform_scene`` applies it to a ``Scene``.
* ``alpha_mask`` / ``background_mask``: masks from RGBA alpha, or for plain backdrops a weight-free separation
  (border colour model, flood fill from the border, GrabCut refinement); it declines (returns None) when the
  border is not a plain colour. ``composite`` puts a masked image on the training background colour.
* ``crop_points`` / ``crop_gaussians``: the optional crop box (normalised coordinates) on the initial points
  and on the trained model.
* ``viewer_framing`` / ``viewer_copy``: the copy of a trained model a 3D viewer opens on: the object's bounds
  from this step (centre and radius, recorded in the model's orbit hints) keep the product and leave the
  room, the backdrop and far floaters out; it is moved so the object sits at the origin with up +y, and the
  viewer's orbit camera (gradio's ``Model3D``: alpha, beta in degrees, radius) stands where the photos were
  taken: the middle of the photographed arc, the cameras' distance and elevation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from studio.errors import InputError
from studio.splat.scene import Scene, View


@dataclass(frozen=True)
class Focus:
    """Object centre [3] and radius (world units), unit up vector [3], and how they were found."""

    center: np.ndarray
    up: np.ndarray
    radius: float
    up_method: str  # "camera-plane" | "horizon" | "camera-up"
    center_method: str  # "optical-axes" | "points" | "cameras"


@dataclass(frozen=True)
class Similarity:
    """``x_new = scale * rotation @ (x_old - center)``; ``rotation`` [3,3], ``center`` [3]."""

    rotation: np.ndarray
    center: np.ndarray
    scale: float

    def apply_points(self, points: np.ndarray) -> np.ndarray:
        """World points [P,3] into the new frame."""
        return self.scale * (np.asarray(points, dtype=np.float64) - self.center) @ self.rotation.T

    def apply_pose(self, world_to_cam: np.ndarray) -> np.ndarray:
        """A 4x4 OpenCV world-to-camera matrix for the new world (same image, same K)."""
        R = world_to_cam[:3, :3]
        t = world_to_cam[:3, 3]
        out = np.eye(4)
        out[:3, :3] = R @ self.rotation.T
        out[:3, 3] = self.scale * (R @ self.center + t)
        return out

    def to_json(self) -> dict[str, object]:
        return {"rotation": self.rotation.tolist(), "center": self.center.tolist(), "scale": self.scale}


def camera_centers(poses: np.ndarray) -> np.ndarray:
    """[N,4,4] world-to-camera -> camera centres [N,3]."""
    poses = np.asarray(poses, dtype=np.float64)
    R = poses[:, :3, :3]
    t = poses[:, :3, 3]
    return -np.einsum("nji,nj->ni", R, t)


def camera_axes(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[N,4,4] -> (forward [N,3], up [N,3]) unit vectors in world space (OpenCV: z forward, -y up)."""
    R = np.asarray(poses, dtype=np.float64)[:, :3, :3]
    return R[:, 2, :], -R[:, 1, :]


def estimate_up(poses: np.ndarray) -> tuple[np.ndarray, str]:
    """Unit up vector [3] from cameras [N,4,4], and the method used:

    * "camera-plane": the normal of the best-fit plane of the camera centres, when they circle the object
      (spread over an area, close to a plane) and the normal agrees with how the cameras are held;
    * "horizon": the direction most perpendicular to every camera's x (right) axis: people and renderers keep
      the horizon level, so the right axes lie in the ground plane even when the cameras tilt down at
      different elevations (a dome of views); needs right axes pointing in several directions;
    * "camera-up": the average camera up (-y), when neither applies (e.g. a forward-facing capture).
    """
    poses = np.asarray(poses, dtype=np.float64)
    _, ups = camera_axes(poses)
    mean_up = ups.sum(axis=0)
    norm = np.linalg.norm(mean_up)
    mean_up = mean_up / norm if norm > 1e-9 else np.array([0.0, -1.0, 0.0])
    agree = np.cos(np.radians(50))  # an estimate must be within 50 degrees of the average camera up
    centers = camera_centers(poses)
    if len(centers) >= 4:
        centred = centers - centers.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        normal = vt[2]
        spread_2d = s[1] > 0.25 * s[0]  # the centres cover an area, not a line
        flat = s[2] < 0.5 * s[1]  # ... and lie close to a plane
        if spread_2d and flat:
            if normal @ mean_up < 0:
                normal = -normal
            if normal @ mean_up > agree:
                return normal / np.linalg.norm(normal), "camera-plane"
    if len(poses) >= 3:
        rights = poses[:, 0, :3]
        eigvals, eigvecs = np.linalg.eigh(rights.T @ rights)
        # right axes spread over a plane: one small eigenvalue (its vector is up), two large ones
        if eigvals[1] > 0.15 * eigvals[2] and eigvals[0] < 0.3 * eigvals[1]:
            horizon_up = eigvecs[:, 0]
            if horizon_up @ mean_up < 0:
                horizon_up = -horizon_up
            if horizon_up @ mean_up > agree:
                return horizon_up / np.linalg.norm(horizon_up), "horizon"
    return mean_up, "camera-up"


def axes_center(poses: np.ndarray) -> np.ndarray | None:
    """The point [3] nearest (least squares) to every optical axis, or None when the axes are near parallel
    or the point is behind most cameras."""
    poses = np.asarray(poses, dtype=np.float64)
    centers = camera_centers(poses)
    forward, _ = camera_axes(poses)
    A = np.zeros((3, 3))
    b = np.zeros(3)
    for c, d in zip(centers, forward):
        P = np.eye(3) - np.outer(d, d)
        A += P
        b += P @ c
    eig = np.linalg.eigvalsh(A)
    if eig[0] < 1e-3 * eig[-1] or eig[0] < 1e-6 * len(centers):
        return None
    point = np.linalg.solve(A, b)
    depth = np.einsum("ni,ni->n", point - centers, forward)
    if np.mean(depth > 0) < 0.8:
        return None
    return point


def estimate_focus(poses: np.ndarray, points: np.ndarray | None = None) -> Focus:
    """Centre, radius and up of the object the cameras look at (``poses`` [N,4,4], ``points`` [P,3])."""
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[1:] != (4, 4) or len(poses) < 1:
        raise InputError(f"Expected camera poses [N, 4, 4], got shape {poses.shape}.")
    up, up_method = estimate_up(poses)
    centers = camera_centers(poses)
    pts = np.zeros((0, 3)) if points is None else np.asarray(points, dtype=np.float64).reshape(-1, 3)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    center = axes_center(poses)
    method = "optical-axes"
    if center is None:
        if len(pts) >= 10:
            center, method = np.median(pts, axis=0), "points"
        else:
            center, method = centers.mean(axis=0), "cameras"
    cam_dist = float(np.median(np.linalg.norm(centers - center, axis=1)))
    if cam_dist <= 1e-9:
        cam_dist = 1.0
    radius = 0.5 * cam_dist
    if len(pts) >= 10:
        dist = np.linalg.norm(pts - center, axis=1)
        near = dist[dist < cam_dist]  # points between the cameras and the object, not the far background
        if len(near) >= 10:
            # the object fills the middle of the frame: most points near the centre are on it
            radius = float(np.clip(np.percentile(near, 60), 0.05 * cam_dist, 0.9 * cam_dist))
    return Focus(
        center=np.asarray(center, dtype=np.float64),
        up=up,
        radius=radius,
        up_method=up_method,
        center_method=method,
    )


def normalize(focus: Focus, target_up: tuple[float, float, float] = (0.0, 1.0, 0.0)) -> Similarity:
    """The similarity taking ``focus.center`` to the origin, ``focus.up`` to ``target_up`` and the radius to 1."""
    return Similarity(
        rotation=rotation_between(focus.up, np.asarray(target_up, dtype=np.float64)),
        center=np.asarray(focus.center, dtype=np.float64),
        scale=1.0 / focus.radius,
    )


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation [3,3] taking direction ``a`` to direction ``b``."""
    a = np.asarray(a, dtype=np.float64) / np.linalg.norm(a)
    b = np.asarray(b, dtype=np.float64) / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(a @ b)
    if c < -1 + 1e-9:  # opposite: turn half way around any axis perpendicular to a
        axis = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0.0, 1.0, 0.0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


def transform_scene(
    scene: Scene, sim: Similarity, *, up: tuple[float, float, float] = (0.0, 1.0, 0.0)
) -> Scene:
    """``scene`` in the normalised frame: poses and points moved, centre at the origin, radius scaled."""
    views = [
        View(name=v.name, image=v.image, mask=v.mask, K=v.K, world_to_cam=sim.apply_pose(v.world_to_cam))
        for v in scene.views
    ]
    return Scene(
        views=views,
        points=sim.apply_points(scene.points).astype(np.float32),
        colors=scene.colors,
        background=scene.background,
        up=np.asarray(up, dtype=np.float64),
        center=sim.apply_points(scene.center[None])[0],
        radius=scene.radius * sim.scale,
        meta=dict(scene.meta),
    )


def focus_scene(
    scene: Scene,
    *,
    normalise: bool = True,
    crop_box: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None,
) -> tuple[Scene, Focus, Similarity | None]:
    """Estimate the object's centre, radius and up from ``scene``'s cameras and points, and (``normalise``)
    move the scene so the centre is the origin, up is +y and the radius is 1. ``crop_box`` (min xyz, max xyz,
    in the output frame) drops the initial points outside it. Returns (scene, focus, similarity or None)."""
    focus = estimate_focus(
        np.stack([v.world_to_cam for v in scene.views]), scene.points if len(scene.points) else None
    )
    located = replace(scene, center=focus.center, up=focus.up, radius=focus.radius)
    sim = None
    if normalise:
        sim = normalize(focus)
        located = transform_scene(located, sim)
    if crop_box is not None:
        points, colors = crop_points(located.points, located.colors, crop_box[0], crop_box[1])
        if len(located.points) and not len(points):
            raise InputError(
                f"The crop box {list(crop_box[0])}..{list(crop_box[1])} contains none of the"
                f" {len(located.points)} initial points.",
                "The box is in the normalised frame (object centre at 0, radius 1, up +y); make it larger.",
            )
        located = replace(located, points=points, colors=colors)
    return located, focus, sim


def crop_points(
    points: np.ndarray, colors: np.ndarray, box_min: np.ndarray, box_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the points [P,3] (and their colours [P,3]) inside the axis-aligned box ``box_min``..``box_max``."""
    points = np.asarray(points).reshape(-1, 3)
    lo = np.asarray(box_min, dtype=np.float64)
    hi = np.asarray(box_max, dtype=np.float64)
    if np.any(hi <= lo):
        raise InputError(f"The crop box must have max > min on every axis, got min {lo} and max {hi}.")
    inside = np.all((points >= lo) & (points <= hi), axis=1)
    return points[inside], np.asarray(colors).reshape(-1, 3)[inside]


def crop_gaussians(gaussians, box_min, box_max):
    """The Gaussians (``studio.splat.gaussians.Gaussians``) whose centres lie inside the axis-aligned box, in
    the model's frame; ``InputError`` when none do."""
    import torch

    means = gaussians.means
    lo = torch.as_tensor(box_min, dtype=means.dtype, device=means.device)
    hi = torch.as_tensor(box_max, dtype=means.dtype, device=means.device)
    keep = ((means >= lo) & (means <= hi)).all(dim=1)
    if not bool(keep.any()):
        raise InputError(
            f"The crop box {list(map(float, box_min))}..{list(map(float, box_max))} contains none of the"
            f" {gaussians.n} Gaussians.",
            "The box is in the normalised frame (object centre at 0, radius 1, up +y); make it larger.",
        )
    return replace(gaussians, **{name: tensor[keep] for name, tensor in gaussians.tensors().items()})


# -- the viewer copy ---------------------------------------------------------------------------------------------
VIEWER_KEEP = 1.6  # the viewer copy keeps Gaussians within this many object radii of the centre ...
VIEWER_MIN_OPACITY = 0.05  # ... that are not near-transparent haze ...
VIEWER_MAX_SCALE = 0.5  # ... nor blobs larger than this share of the object radius (background fog)


@dataclass(frozen=True)
class ViewerFraming:
    """Where the object is in a model's frame (``center`` [3], ``up`` [3], ``radius``), how much of it the
    viewer copy keeps (``keep_radius``), and the orbit camera (``alpha``, ``beta`` degrees, ``distance``) in
    the copy's frame (object at the origin, up +y): Babylon's ArcRotateCamera, which gradio's Model3D uses,
    stands at ``distance * (cos a sin b, cos b, sin a sin b)``."""

    center: np.ndarray
    up: np.ndarray
    radius: float
    keep_radius: float
    alpha: float
    beta: float
    distance: float

    @property
    def camera_position(self) -> tuple[float, float, float]:
        """``gr.Model3D(camera_position=...)``: (alpha, beta, radius)."""
        return (round(self.alpha, 2), round(self.beta, 2), round(self.distance, 4))

    def to_json(self) -> dict[str, object]:
        return {
            "center": [float(x) for x in self.center],
            "up": [float(x) for x in self.up],
            "radius": self.radius,
            "keep_radius": self.keep_radius,
            "camera_position": list(self.camera_position),
        }


def viewer_framing(
    meta: dict, means: np.ndarray | None = None, *, keep: float = VIEWER_KEEP
) -> ViewerFraming:
    """The framing of a trained model from its ``meta`` (the orbit hints ``center``, ``up``, ``radius``,
    ``front``, ``arc``, ``camera_distance``, ``camera_elevation`` written by training). Without them (an
    imported model), the median of ``means`` [N,3] and their 90th-percentile distance stand in, seen from +z
    at three radii and 20 degrees up."""
    if "center" in meta and "radius" in meta:
        center = np.asarray(meta["center"], dtype=np.float64)
        radius = float(meta["radius"])
        up = np.asarray(meta.get("up", (0.0, 1.0, 0.0)), dtype=np.float64)
    else:
        pts = np.zeros((1, 3)) if means is None or not len(means) else np.asarray(means, dtype=np.float64)
        center = np.median(pts, axis=0)
        radius = float(np.percentile(np.linalg.norm(pts - center, axis=1), 90)) or 1.0
        up = np.array([0.0, 1.0, 0.0])
    up = up / max(float(np.linalg.norm(up)), 1e-12)
    turn = rotation_between(up, np.array([0.0, 1.0, 0.0]))
    front = np.asarray(meta.get("front", (0.0, 0.0, 1.0)), dtype=np.float64)
    front = front - up * float(front @ up)
    if float(np.linalg.norm(front)) < 1e-9:
        front = np.cross(up, [1.0, 0.0, 0.0]) if abs(up[0]) < 0.9 else np.cross(up, [0.0, 0.0, 1.0])
    front = front / np.linalg.norm(front)
    side = np.cross(up, front)
    arc = meta.get("arc")
    azimuth = 0.5 * (float(arc[0]) + float(arc[1])) if arc else 0.0  # the middle of what was photographed
    look_from = turn @ (np.cos(np.radians(azimuth)) * front + np.sin(np.radians(azimuth)) * side)
    profile = meta.get("camera_distance") or []
    if profile:
        nearest = min(profile, key=lambda item: abs((float(item[0]) - azimuth + 180.0) % 360.0 - 180.0))
        distance = float(nearest[1])
    else:
        distance = 3.0 * radius
    elevation = float(meta.get("camera_elevation", 20.0))
    return ViewerFraming(
        center=center,
        up=up,
        radius=radius,
        keep_radius=keep * radius,
        alpha=float(np.degrees(np.arctan2(look_from[2], look_from[0]))),
        beta=float(np.clip(90.0 - elevation, 5.0, 175.0)),
        distance=max(distance, 1.2 * keep * radius),
    )


def viewer_copy(gaussians, framing: ViewerFraming | None = None):
    """(copy, framing, dropped): the Gaussians of the object only, moved so the object's centre is the origin
    and up is +y, DC colour only (what web viewers show). Keeps those within ``framing.keep_radius`` of the
    centre that are neither near-transparent nor larger than ``VIEWER_MAX_SCALE`` object radii; the whole
    model when that would keep nothing."""
    import torch

    framing = framing or viewer_framing(gaussians.meta, gaussians.means.detach().cpu().numpy())
    g = gaussians.to("cpu").with_sh_degree(0)
    means = g.means.detach().to(torch.float64)
    center = torch.as_tensor(framing.center, dtype=torch.float64)
    keep = (means - center).norm(dim=1) <= framing.keep_radius
    keep &= g.opacities.detach() >= VIEWER_MIN_OPACITY
    keep &= g.scales.detach().amax(dim=1) <= VIEWER_MAX_SCALE * framing.radius
    if not bool(keep.any()):
        keep = torch.ones_like(keep)
    turn = rotation_between(framing.up, np.array([0.0, 1.0, 0.0]))
    moved = ((means[keep] - center) @ torch.as_tensor(turn, dtype=torch.float64).T).to(g.means.dtype)
    quats = _rotate_quats(g.quats.detach()[keep], turn)
    tensors = {name: t[keep] for name, t in g.tensors().items()}
    tensors.update(means=moved, quats=quats)
    copy = replace(g, **tensors, meta={"viewer": framing.to_json()})
    return copy, framing, int((~keep).sum())


def _rotate_quats(quats, rotation: np.ndarray):
    """Quaternions [N,4] (w x y z) of rotations R_i -> those of ``rotation`` @ R_i."""
    import torch
    from scipy.spatial.transform import Rotation

    if np.allclose(rotation, np.eye(3)):
        return quats
    x, y, z, w = Rotation.from_matrix(rotation).as_quat()
    turn = torch.tensor([w, x, y, z], dtype=quats.dtype)
    w1, x1, y1, z1 = turn
    w2, x2, y2, z2 = quats.unbind(dim=1)
    return torch.stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ],
        dim=1,
    )


# -- masks -----------------------------------------------------------------------------------------------------
def mean_colour(views: list[View]) -> tuple[float, float, float]:
    """The mean RGB (0..1) of the views' images, each view weighted equally."""
    mean = np.mean([v.image.reshape(-1, 3).mean(axis=0) for v in views], axis=0) / 255.0
    return (float(mean[0]), float(mean[1]), float(mean[2]))


def alpha_mask(rgba: np.ndarray) -> np.ndarray:
    """[H,W,4] uint8 RGBA -> [H,W] float32 mask in 0..1 (1 = object)."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise InputError(f"An alpha mask needs an [H, W, 4] RGBA image, got shape {rgba.shape}.")
    return rgba[..., 3].astype(np.float32) / 255.0


def composite(rgb: np.ndarray, mask: np.ndarray | None, background: tuple[float, float, float]) -> np.ndarray:
    """[H,W,3] uint8 image over the ``background`` colour (RGB 0..1) where ``mask`` [H,W] (0..1) is below 1."""
    if mask is None:
        return np.asarray(rgb, dtype=np.uint8)
    m = np.asarray(mask, dtype=np.float32)[..., None]
    bg = np.asarray(background, dtype=np.float32) * 255.0
    out = np.asarray(rgb, dtype=np.float32) * m + bg * (1.0 - m)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class BackdropModel:
    """Border colour statistics: median Lab colour [3], plainness (share of the border near it), spread (dE)."""

    color_lab: np.ndarray
    plainness: float
    spread: float


def backdrop_model(rgb: np.ndarray, band: float = 0.04, tolerance: float = 14.0) -> BackdropModel:
    """Fit the border of an [H,W,3] uint8 image: a plain backdrop has most border pixels near one colour."""
    import cv2

    lab = cv2.cvtColor(np.asarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    h, w = lab.shape[:2]
    k = max(2, round(band * min(h, w)))
    border = np.concatenate(
        [
            lab[:k].reshape(-1, 3),
            lab[-k:].reshape(-1, 3),
            lab[:, :k].reshape(-1, 3),
            lab[:, -k:].reshape(-1, 3),
        ]
    )
    color = np.median(border, axis=0)
    dist = np.linalg.norm(border - color, axis=1)
    return BackdropModel(
        color_lab=color, plainness=float(np.mean(dist < tolerance)), spread=float(np.percentile(dist, 90))
    )


def background_mask(
    rgb: np.ndarray,
    *,
    min_plainness: float = 0.85,
    work_edge: int = 512,
    grabcut_iterations: int = 3,
) -> np.ndarray | None:
    """A foreground mask [H,W] float32 (1 = object) for an image on a plain backdrop, or None.

    None means "not separable": the border is not one plain colour (at least ``min_plainness`` of it within a
    small colour distance of its median), or the foreground found is implausibly small or large (under 0.5 %
    or over 90 % of the image). No learned weights: border colour model, flood fill, GrabCut.
    """
    import cv2

    rgb = np.asarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    scale = min(1.0, work_edge / max(h, w))
    small = cv2.resize(
        rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    model = backdrop_model(small)
    if model.plainness < min_plainness:
        return None
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    dist = np.linalg.norm(lab - model.color_lab, axis=2)
    threshold = max(10.0, 1.5 * model.spread)
    candidate = (dist < threshold).astype(np.uint8)
    # background = candidate pixels connected to the border
    count, labels = cv2.connectedComponents(candidate, connectivity=4)
    edge_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge_labels = edge_labels[edge_labels > 0]
    background = np.isin(labels, edge_labels)
    if background.mean() > 0.995 or background.mean() < 0.05:
        return None
    # GrabCut: border-connected backdrop is probably background, far-from-backdrop colours probably object
    gc = np.where(background, cv2.GC_PR_BGD, cv2.GC_PR_FGD).astype(np.uint8)
    k = max(2, round(0.02 * min(small.shape[:2])))
    frame = np.zeros_like(background)
    frame[:k] = frame[-k:] = True
    frame[:, :k] = frame[:, -k:] = True
    gc[frame & background] = cv2.GC_BGD
    gc[(dist > 3 * threshold) & ~background] = cv2.GC_FGD
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(
            cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
            gc,
            None,
            bgd_model,
            fgd_model,
            grabcut_iterations,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:
        pass  # GrabCut refuses masks without both classes: keep the flood-fill answer
    fg = ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    # keep the big pieces: the product, not specks of backdrop texture
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 1:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = 1 + np.flatnonzero(areas >= 0.1 * areas.max())
    fg = np.isin(labels, keep).astype(np.float32)
    share = float(fg.mean())
    if share < 0.005 or share > 0.9:
        return None
    fg = cv2.GaussianBlur(fg, (0, 0), 0.7)
    mask = cv2.resize(fg, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(mask, 0.0, 1.0).astype(np.float32)
