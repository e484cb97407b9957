"""Finding a reference inside a frame: ORB keypoints, a ratio test and a RANSAC similarity transform (or, for a
copy shown in perspective, a homography checked before it is trusted: "copies in perspective" below).

Perceptual hashes only match when the compared windows line up: measured on the 29 benchmark references pasted
into a 1080x1920 frame (``bench/compliance_visual.py --window-sensitivity``), a window shifted by 3 % of its size
already moves PDQ by a median of 92 bits (the match threshold is 31), and one 10 % too large by 82, because the
frame around the copy enters the window. Sliding windows cannot be dense enough for that, so a reference that is
cropped, rotated a few degrees or shown small inside a larger frame is first *located* here and then *verified* by
hashing the aligned region (``studio.compliance.visual``): keypoints propose, hashes decide. A wrong proposal (two
logos set in the same font share letters) hashes ~128 bits apart and is rejected.

ORB (OpenCV, binary 256-bit descriptors, BSD licence) is fast enough to run on every sampled video frame. All
references' descriptors are stacked into one matrix; one brute-force Hamming k-NN matches a frame against the whole
bank; banks above ``FLANN_ABOVE`` descriptors use an LSH index instead. A reference that repeats one tile (a
textile print, ``lattice``) is matched modulo its lattice (see "repeating prints" below).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

FEATURE_SCHEME = 2  # bump when REF_SIDE, REF_FEATURES, the ORB settings or the cached arrays change (rebuilt)
REF_SIDE = 400  # long side of a reference's feature image in pixels
REF_FEATURES = 300  # ORB keypoints kept per reference image
# ORB keypoints kept per screened frame. 800 until visual3: with real zh-TW glyphs in the frame (a caption band, a
# photo card's headline in Noto Sans TC) the strokes' corners took most of them, and on the development material
# re-rendered with that font recall fell to 0.62 (caption band) and 0.59 (photo card); 1400 and 2000 both gave
# 0.86 and 0.97 there.
FRAME_FEATURES = 1400
RATIO = 0.8  # Lowe's ratio test
MIN_GOOD = 8  # matches passing the ratio test needed before RANSAC is tried
MIN_INLIERS = 8  # RANSAC inliers needed to propose an alignment
RANSAC_PIXELS = 4.0  # reprojection tolerance in frame pixels
FLANN_ABOVE = 30_000  # stacked reference descriptors above which an LSH index replaces brute force


@dataclass(frozen=True)
class Alignment:
    """A proposed placement of reference ``ref`` in a frame.

    ``matrix`` is the 2x3 similarity transform from the reference's feature image (``size`` = (w, h) pixels) to
    frame pixels; ``inliers`` of ``good`` ratio-test matches agree with it (with ``homography`` where that is set).
    """

    ref: int  # position of the reference in the index
    matrix: np.ndarray  # [2, 3] float64
    inliers: int
    good: int
    size: tuple[int, int]
    # inliers' extent as a fraction of the extent of all the reference's keypoints (width, height)
    spread: tuple[float, float] = (1.0, 1.0)
    # [3, 3] float64 reference -> frame homography when the copy is shown in perspective (``_perspective_fit``);
    # ``matrix`` is then the similarity nearest it at the reference's corners (for ``scale``, ``angle``)
    homography: np.ndarray | None = None

    def corners(self) -> np.ndarray:
        """The reference's four corners (top-left, top-right, bottom-right, bottom-left) in frame pixels [4, 2]."""
        w, h = self.size
        square = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
        if self.homography is not None:
            return _project(self.homography, square)
        return np.hstack([square, np.ones((4, 1))]) @ self.matrix.T

    @property
    def scale(self) -> float:
        """Frame pixels per reference pixel."""
        return float(np.hypot(self.matrix[0, 0], self.matrix[1, 0]))

    @property
    def angle(self) -> float:
        """Rotation in degrees (counter-clockwise in image coordinates)."""
        return float(np.degrees(np.arctan2(self.matrix[1, 0], self.matrix[0, 0])))

    def box(self, frame_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """Bounding box (x0, y0, x1, y1) of the reference's corners in the frame, clipped to ``frame_size``."""
        corners = self.corners()
        x0, y0 = np.floor(corners.min(axis=0)).astype(int)
        x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
        fw, fh = frame_size
        return (max(0, int(x0)), max(0, int(y0)), min(fw, int(x1)), min(fh, int(y1)))


@dataclass(frozen=True)
class RefFeatures:
    """ORB features of one reference: ``points`` [K, 2] float32 in its feature image, ``descriptors`` [K, 32]."""

    points: np.ndarray
    descriptors: np.ndarray
    size: tuple[int, int]  # (w, h) of the feature image


def feature_image(grey: np.ndarray, side: int = REF_SIDE) -> np.ndarray:
    """``grey`` [H, W] uint8 area-downscaled so its long side is at most ``side``."""
    import cv2

    h, w = grey.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return np.ascontiguousarray(grey)
    return cv2.resize(
        grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def orb_features(grey: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ORB keypoints of ``grey`` [H, W] uint8: ``(points [K, 2] float32, descriptors [K, 32] uint8)``, K <= n."""
    import cv2

    orb = cv2.ORB_create(
        nfeatures=n, scaleFactor=1.2, nlevels=8, edgeThreshold=15, patchSize=31, fastThreshold=10
    )
    keypoints, descriptors = orb.detectAndCompute(np.ascontiguousarray(grey), None)
    if descriptors is None or not keypoints:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.array([k.pt for k in keypoints], dtype=np.float32), descriptors


def reference_features(grey: np.ndarray) -> RefFeatures:
    """Features of a reference image ``grey`` [H, W] uint8 (any size; described at ``REF_SIDE``)."""
    image = feature_image(grey)
    points, descriptors = orb_features(image, REF_FEATURES)
    return RefFeatures(points=points, descriptors=descriptors, size=(image.shape[1], image.shape[0]))


class FeatureIndex:
    """The stacked ORB descriptors of a list of references, matched against frames in one k-NN call."""

    def __init__(self, refs: list[RefFeatures], lattices: list[np.ndarray | None] | None = None):
        self.refs = list(refs)
        # the lattice of each reference that repeats one tile (``lattice``), None for the others
        self.lattices = list(lattices) if lattices is not None else [None] * len(self.refs)
        if len(self.lattices) != len(self.refs):
            raise ValueError("one lattice (or None) per reference")
        self._periodic = np.array([g is not None for g in self.lattices], dtype=bool)
        owners = [np.full(len(r.descriptors), i, dtype=np.int32) for i, r in enumerate(self.refs)]
        self._owner = np.concatenate(owners) if owners else np.zeros(0, np.int32)
        self._points = (
            np.concatenate([r.points for r in self.refs]) if self.refs else np.zeros((0, 2), np.float32)
        )
        self._descriptors = (
            np.concatenate([r.descriptors for r in self.refs]) if self.refs else np.zeros((0, 32), np.uint8)
        )
        # each reference's keypoint extent (w, h) in feature-image pixels: a spread is measured against where a
        # reference *has* keypoints (a blurred photo has them only on its subject), not its whole frame
        self._extent = [
            (float(np.ptp(r.points[:, 0])), float(np.ptp(r.points[:, 1]))) if len(r.points) >= 2 else r.size
            for r in self.refs
        ]
        self._matcher = None
        self._lock = threading.Lock()  # app workers may screen at once; OpenCV matchers are not thread-safe

    def __len__(self) -> int:
        return len(self._descriptors)

    def _knn(self, descriptors: np.ndarray, k: int = 2) -> list:
        with self._lock:
            return self._knn_locked(descriptors, k)

    def _knn_locked(self, descriptors: np.ndarray, k: int) -> list:
        import cv2

        if self._matcher is None:
            if len(self._descriptors) > FLANN_ABOVE:
                params = {"algorithm": 6, "table_number": 6, "key_size": 12, "multi_probe_level": 1}
                matcher = cv2.FlannBasedMatcher(params, {"checks": 64})
                matcher.add([self._descriptors])
                matcher.train()
            else:
                matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
                matcher.add([self._descriptors])
            self._matcher = matcher
        return self._matcher.knnMatch(descriptors, k=k)

    def locate(self, grey: np.ndarray, *, max_candidates: int = 5) -> list[Alignment]:
        """Placements of references in the frame ``grey`` [H, W] uint8, most inliers first.

        At most ``max_candidates`` references are tried with RANSAC (those with the most ratio-test matches).
        """
        import cv2

        if len(self._descriptors) < 2:
            return []
        points, descriptors = orb_features(grey, FRAME_FEATURES)
        if len(descriptors) < MIN_GOOD:
            return []
        periodic = bool(self._periodic.any())
        pairs = self._knn(descriptors, PERIODIC_NEIGHBOURS if periodic else 2)
        query_idx, train_idx = [], []
        for pair in pairs:
            if not pair:
                continue
            owner = int(self._owner[pair[0].trainIdx])
            if periodic and self._periodic[owner]:
                # a repeating print: the match and its twins in the same print all stand; the competitor is the
                # best match in another reference
                twins = [m for m in pair if self._owner[m.trainIdx] == owner]
                other = next((m for m in pair if self._owner[m.trainIdx] != owner), None)
                if other is None or pair[0].distance < RATIO * other.distance:
                    for m in twins:
                        if m.distance < pair[0].distance / RATIO:
                            query_idx.append(m.queryIdx)
                            train_idx.append(m.trainIdx)
            elif len(pair) >= 2 and pair[0].distance < RATIO * pair[1].distance:
                query_idx.append(pair[0].queryIdx)
                train_idx.append(pair[0].trainIdx)
        if len(query_idx) < MIN_GOOD:
            return []
        query_idx_a = np.asarray(query_idx)
        train_idx_a = np.asarray(train_idx)
        owners = self._owner[train_idx_a]
        if periodic:  # a frame keypoint counts once per reference, however many twins it matched
            unique = np.unique(np.stack([owners, query_idx_a]), axis=1)[0]
            counts = np.bincount(unique, minlength=len(self.refs))
        else:
            counts = np.bincount(owners, minlength=len(self.refs))
        candidates = [int(r) for r in np.argsort(-counts)[:max_candidates] if counts[r] >= MIN_GOOD]
        found = []
        for ref in candidates:
            mask = owners == ref
            src = self._points[train_idx_a[mask]]
            dst = points[query_idx_a[mask]]
            grid = self.lattices[ref]
            if grid is not None:
                fitted = _periodic_fit(src, dst, query_idx_a[mask], grid)
                if fitted is None:
                    continue
                src, dst = fitted
            matrix, inliers = cv2.estimateAffinePartial2D(
                src,
                dst,
                method=cv2.RANSAC,
                ransacReprojThreshold=RANSAC_PIXELS,
                maxIters=500,
                confidence=0.99,
            )
            n_in = int(inliers.sum()) if matrix is not None and inliers is not None else 0
            # (matrix, inlier mask, homography) placements of this reference, each hashed by the screen
            placements = []
            if matrix is not None and inliers is not None and n_in >= MIN_INLIERS:
                placements.append((matrix, inliers, None))
            if grid is None and _try_perspective(n_in, len(src)):
                # a copy in perspective (a print photographed at an angle): the similarity holds for a part of
                # it only; a homography on the same matches, trusted only as a plausible view of a flat picture.
                # It is an extra placement, never a replacement: on a flat copy the similarity's region is the
                # better one to hash, and the screen keeps the nearer distance of the two
                fitted = _perspective_fit(src, dst, self.refs[ref].size)
                if fitted is not None and int(fitted[1].sum()) > n_in:
                    h_matrix = _nearest_similarity(fitted[0], self.refs[ref].size)
                    placements.append((h_matrix, fitted[1], fitted[0]))
            for matrix, inliers, homography in placements:
                n_in = int(inliers.sum())
                kept = src[inliers.ravel().astype(bool)]
                if grid is not None:  # whole periods moved so the placement covers the copy (``_best_phase``)
                    shift = _best_phase(kept, grid, self.refs[ref].size)
                    kept = kept + shift
                    matrix = matrix.copy()
                    matrix[:, 2] -= matrix[:, :2] @ shift
                w, h = self._extent[ref]
                spread = (min(1.0, float(np.ptp(kept[:, 0])) / max(1.0, w)),
                          min(1.0, float(np.ptp(kept[:, 1])) / max(1.0, h)))  # fmt: skip
                found.append(
                    Alignment(
                        ref=ref,
                        matrix=matrix,
                        inliers=n_in,
                        good=int(mask.sum()),
                        size=self.refs[ref].size,
                        spread=spread,
                        homography=homography,
                    )
                )
        found.sort(key=lambda a: -a.inliers)
        return found


def rectify(
    frame: np.ndarray, alignment: Alignment, *, min_visible: float = 0.3
) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """Warp the frame region showing the reference back onto the reference's feature image.

    Returns ``(region [h, w, C], visible box (x0, y0, x1, y1) in feature-image pixels)``: the largest
    axis-aligned part of the reference that the frame shows (a cropped copy shows only part of it), or None when
    less than ``min_visible`` of the reference's area is in the frame.
    """
    import cv2

    w, h = alignment.size
    flags = cv2.INTER_AREA if alignment.scale > 1 else cv2.INTER_LINEAR
    if alignment.homography is not None:
        warp, transform = cv2.warpPerspective, alignment.homography
    else:
        warp, transform = cv2.warpAffine, alignment.matrix
    warped = warp(frame, transform, (w, h), flags=flags | cv2.WARP_INVERSE_MAP)
    valid = warp(
        np.full(frame.shape[:2], 255, np.uint8),
        transform,
        (w, h),
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
        borderValue=0,
    )
    box = _inner_box(valid > 0)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    if (x1 - x0) * (y1 - y0) < min_visible * w * h:
        return None
    return warped[y0:y1, x0:x1], box


# -- copies in perspective --------------------------------------------------------------------------------------
# A print or a screen photographed at an angle shows a flat picture through a homography; the similarity fit then
# agrees with the matches on one part of the copy only and the region hashed is off by several pixels elsewhere.
# ``locate`` also fits a homography (RANSAC, the same matches and tolerance) and keeps it when it has more inliers
# than the similarity and is a view a camera could take of a flat picture (``plausible_quad``): a homography
# fitted to chance matches folds, flips or stretches the reference's outline. The hashes still decide.
# RANSAC inliers a homography needs (8 degrees of freedom: more than the similarity)
HOMOGRAPHY_MIN_INLIERS = 12
HOMOGRAPHY_MIN_RATIO = 0.25  # ... and this share of the reference's ratio-test matches
HOMOGRAPHY_MAX_DEPTH = 1.8  # largest / smallest projective depth over the corners (a 3-10 degree turn: < 1.3)
HOMOGRAPHY_MIN_SIDES = 0.5  # shorter / longer of each pair of opposite sides of the projected outline
# degrees each corner of the projected outline stays within (no extreme shear)
HOMOGRAPHY_ANGLES = (40.0, 140.0)
HOMOGRAPHY_ASPECT = 2.0  # the outline's width / height within this factor of the reference's
HOMOGRAPHY_MIN_SIDE = 24.0  # frame pixels: a shorter side is not a copy worth hashing
HOMOGRAPHY_TRY_BELOW = 0.85  # tried when the similarity holds for less than this share of the matches ...
HOMOGRAPHY_TRY_UNPLACED = 24  # ... or when it failed and there are at least this many matches


def _try_perspective(similarity_inliers: int, matches: int) -> bool:
    """Whether ``locate`` fits a homography to a candidate's ``matches``: the similarity fitted only part of them
    (``HOMOGRAPHY_TRY_BELOW``) or failed with many matches (``HOMOGRAPHY_TRY_UNPLACED``). A chance candidate (a
    few matches from shared letters) does not pay for a RANSAC that finds nothing."""
    if matches < HOMOGRAPHY_MIN_INLIERS:
        return False
    if similarity_inliers >= MIN_INLIERS:
        return similarity_inliers < HOMOGRAPHY_TRY_BELOW * matches
    return matches >= HOMOGRAPHY_TRY_UNPLACED


def _project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` [N, 2] mapped by ``homography`` [3, 3] (no check of the depth's sign)."""
    p = np.hstack([np.asarray(points, np.float64), np.ones((len(points), 1))]) @ homography.T
    return p[:, :2] / p[:, 2:3]


def plausible_quad(homography: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether ``homography`` (reference feature image of ``size`` (w, h) -> frame) shows the reference as a camera
    could show a flat picture: its corners in front (positive projective depth, within ``HOMOGRAPHY_MAX_DEPTH`` of
    each other), the outline convex, not self-intersecting and not mirrored, opposite sides within
    ``HOMOGRAPHY_MIN_SIDES``, every corner angle within ``HOMOGRAPHY_ANGLES``, the aspect within
    ``HOMOGRAPHY_ASPECT`` of the reference's, every side at least ``HOMOGRAPHY_MIN_SIDE`` pixels."""
    if homography is None or not np.all(np.isfinite(homography)):
        return False
    w, h = size
    square = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    depth = np.hstack([square, np.ones((4, 1))]) @ homography[2]
    if depth.min() <= 0 or depth.max() / depth.min() > HOMOGRAPHY_MAX_DEPTH:
        return False
    quad = _project(homography, square)
    edges = np.roll(quad, -1, axis=0) - quad  # TL->TR, TR->BR, BR->BL, BL->TL
    sides = np.hypot(edges[:, 0], edges[:, 1])
    if sides.min() < HOMOGRAPHY_MIN_SIDE:
        return False
    # convex, one winding, the reference's own (image coordinates, y down: clockwise on screen, cross > 0); a
    # convex quadrilateral with all turns one way cannot intersect itself
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not np.all(cross > 0):
        return False
    if min(sides[0], sides[2]) < HOMOGRAPHY_MIN_SIDES * max(sides[0], sides[2]):
        return False
    if min(sides[1], sides[3]) < HOMOGRAPHY_MIN_SIDES * max(sides[1], sides[3]):
        return False
    incoming, outgoing = -np.roll(edges, 1, axis=0), edges  # at each corner: towards the previous, the next
    cosine = (incoming * outgoing).sum(axis=1) / (np.roll(sides, 1) * sides)
    angles = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    if angles.min() < HOMOGRAPHY_ANGLES[0] or angles.max() > HOMOGRAPHY_ANGLES[1]:
        return False
    aspect = ((sides[0] + sides[2]) / (sides[1] + sides[3])) / (w / h)
    return 1 / HOMOGRAPHY_ASPECT <= aspect <= HOMOGRAPHY_ASPECT


def _perspective_fit(
    src: np.ndarray, dst: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """A homography from reference keypoints ``src`` [M, 2] to frame keypoints ``dst`` [M, 2] (RANSAC within
    ``RANSAC_PIXELS``), or None unless it has ``HOMOGRAPHY_MIN_INLIERS`` inliers, at least
    ``HOMOGRAPHY_MIN_RATIO`` of the matches, and passes ``plausible_quad``. Returns ``(H [3, 3], inlier mask [M])``."""
    import cv2

    if len(src) < HOMOGRAPHY_MIN_INLIERS:
        return None
    homography, mask = cv2.findHomography(
        src, dst, cv2.RANSAC, RANSAC_PIXELS, maxIters=1000, confidence=0.995
    )
    if homography is None or mask is None:
        return None
    n_in = int(mask.sum())
    if n_in < HOMOGRAPHY_MIN_INLIERS or n_in < HOMOGRAPHY_MIN_RATIO * len(src):
        return None
    if not plausible_quad(homography, size):
        return None
    return homography.astype(np.float64), mask.ravel().astype(np.uint8)


def _nearest_similarity(homography: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The similarity [2, 3] nearest ``homography`` at the reference's four corners (least squares)."""
    w, h = size
    square = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    quad = _project(homography, square)
    p = square[:, 0] + 1j * square[:, 1]
    q = quad[:, 0] + 1j * quad[:, 1]
    pc, qc = p - p.mean(), q - q.mean()
    z = (qc * pc.conj()).sum() / (np.abs(pc) ** 2).sum()
    t = q.mean() - z * p.mean()
    return np.array([[z.real, -z.imag, t.real], [z.imag, z.real, t.imag]], dtype=np.float64)


def _inner_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """A large axis-aligned box inside the boolean ``mask`` (>= 97 % covered), or None if under 8x8 pixels.

    Starts from the mask's bounding box and trims the least-covered edge until the box is inside: exact for
    the upright rectangles of crops and pastes, a close inner box for small rotations.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if len(rows) < 8 or len(cols) < 8:
        return None
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    step = max(1, min(y1 - y0, x1 - x0) // 100)
    for _ in range(400):
        if y1 - y0 < 8 or x1 - x0 < 8:
            return None
        inner = mask[y0:y1, x0:x1]
        edges = (inner[0].mean(), inner[-1].mean(), inner[:, 0].mean(), inner[:, -1].mean())
        if min(edges) >= 0.97 and inner.mean() >= 0.97:
            return x0, y0, x1, y1
        worst = int(np.argmin(edges))
        if worst == 0:
            y0 += step
        elif worst == 1:
            y1 -= step
        elif worst == 2:
            x0 += step
        else:
            x1 -= step
    return None


EDGE_SIDE = 128  # long side at which outlines are compared
EDGE_TOLERANCE = 2  # pixels (at EDGE_SIDE) an outline may be off and still agree
# Edges this close (pixels at EDGE_SIDE) to the compared regions' border are left out: there the region meets what
# surrounds the copy (a photo card's white border, the fill of a tilt, the inner box's cut), not the picture's
# outlines. A tilted card's border along the side of the motion-blurred clock of the benchmark doubled the
# region's edges and took its agreement from 0.77 to 0.42.
EDGE_MARGIN = 2


def outline_agreement(region: np.ndarray, reference: np.ndarray) -> float:
    """How well the outlines of ``region`` and ``reference`` ([H, W, 3] uint8, the same part of an aligned copy
    and of its reference) coincide, in [0, 1]: the smaller of the share of the reference's edge pixels that have
    an edge of ``region`` within ``EDGE_TOLERANCE`` pixels and the same the other way round.

    Edges are Canny edges of each colour channel (a recoloured copy keeps its outlines), but for those within
    ``EDGE_MARGIN`` of the border; 0 when either side has almost none. Used for flat pictures (a logo of a few
    colour fields), whose perceptual hashes are unstable: their shapes' outlines are what identifies them; and
    for pHash matches without PDQ agreement (``visual._phash_counts``).
    """
    import cv2

    h, w = reference.shape[:2]
    scale = EDGE_SIDE / max(h, w)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    a = cv2.resize(np.ascontiguousarray(region[..., :3]), size, interpolation=cv2.INTER_AREA)
    b = cv2.resize(np.ascontiguousarray(reference[..., :3]), size, interpolation=cv2.INTER_AREA)

    def edges(rgb: np.ndarray) -> np.ndarray:
        out = np.zeros(rgb.shape[:2], dtype=bool)
        for c in range(3):
            out |= cv2.Canny(np.ascontiguousarray(rgb[..., c]), 60, 150) > 0
        m = EDGE_MARGIN
        out[:m], out[-m:], out[:, :m], out[:, -m:] = False, False, False, False
        return out

    ea, eb = edges(a), edges(b)
    if ea.sum() < 20 or eb.sum() < 20:
        return 0.0
    kernel = np.ones((2 * EDGE_TOLERANCE + 1, 2 * EDGE_TOLERANCE + 1), np.uint8)
    near_a = cv2.dilate(ea.astype(np.uint8), kernel) > 0
    near_b = cv2.dilate(eb.astype(np.uint8), kernel) > 0
    return float(min((eb & near_a).sum() / eb.sum(), (ea & near_b).sum() / ea.sum()))


# -- repeating prints ------------------------------------------------------------------------------------------
# A textile print repeats one tile: each of its keypoints has near-identical twins one period away, so the ratio
# test (a match must be clearly better than the next) refuses every match, and a crop shows the pattern at another
# phase. For a reference whose grey picture is periodic (``lattice``: two lattice vectors at which its normalised
# autocorrelation peaks), ``FeatureIndex.locate`` keeps a frame keypoint's matches among that reference's twins
# (the competitor is the best match in *another* reference) and fits the similarity modulo the lattice
# (``_periodic_fit``): a match agrees with a placement when it lands on its reference keypoint or on one of its
# repeats. The region is then hashed as any other (the hashes decide): shifted by whole periods the pattern is the
# same picture.
LATTICE_MIN_PEAK = 0.5  # normalised autocorrelation at both lattice vectors (a photo or a logo: far less)
LATTICE_MIN_PERIOD = 10  # pixels of the feature image: shorter shifts are the picture's own smoothness
LATTICE_MAX_SHARE = 0.25  # a period longer than this share of the picture's side is not a repeating print
LATTICE_MIN_DIP = 0.3  # the autocorrelation half a period away is at least this much lower than at a period
LATTICE_PEAK_SPREAD = 0.15  # lattice vectors are the shortest of the peaks this close to the highest
LATTICE_MIN_SINE = 0.3  # |sin| of the angle between the two lattice vectors (not one line of repeats)
PERIODIC_NEIGHBOURS = 4  # k-NN depth when a bank has periodic references (twins of one keypoint)
PERIODIC_PAIRS = 200  # match pairs sampled per periodic candidate
PERIODIC_TOLERANCE = 0.08  # a match's tolerance modulo the lattice, as a share of the shortest period


def lattice(grey: np.ndarray) -> np.ndarray | None:
    """The lattice ``[[ax, ay], [bx, by]]`` (pixels) of a picture ``grey`` [H, W] uint8 that repeats one tile in
    two directions, or None: the two shortest non-parallel shifts at which its normalised autocorrelation (each
    shift's overlap counted on its own) has a local peak of at least ``LATTICE_MIN_PEAK``. A logo, a photo, a
    flat card, stripes (one direction) have none."""
    import cv2

    g = np.asarray(grey, np.float64)
    h, w = g.shape[:2]
    if min(h, w) < 4 * LATTICE_MIN_PERIOD:
        return None
    g = g - g.mean()
    var = float((g * g).mean())
    if var < 4.0:  # flat: nothing repeats
        return None
    size = (2 * h, 2 * w)
    spec = np.fft.rfft2(g, size)
    ac = np.fft.irfft2(np.abs(spec) ** 2, size)
    ones = np.fft.rfft2(np.ones((h, w)), size)
    overlap = np.fft.irfft2(np.abs(ones) ** 2, size)
    ac = np.fft.fftshift(ac / np.maximum(overlap, 1.0) / var)  # 1 at zero shift
    cy, cx = h, w
    ry, rx = int(h * 2 * LATTICE_MAX_SHARE), int(w * 2 * LATTICE_MAX_SHARE)
    window = np.ascontiguousarray(ac[cy - ry : cy + ry + 1, cx - rx : cx + rx + 1].astype(np.float32))
    peaks = (window >= cv2.dilate(window, np.ones((5, 5), np.uint8))) & (window >= LATTICE_MIN_PEAK)
    ys, xs = np.nonzero(peaks)
    vectors = np.stack([xs - rx, ys - ry], axis=1).astype(np.float64)
    values = window[ys, xs]
    lengths = np.hypot(vectors[:, 0], vectors[:, 1])
    keep = (
        (lengths >= LATTICE_MIN_PERIOD)
        & (np.abs(vectors[:, 0]) <= rx / 2)
        & (np.abs(vectors[:, 1]) <= ry / 2)
    )
    if not keep.any():
        return None
    # a true period repeats the whole tile (autocorrelation near its top); a shorter shift that only lines up
    # parallel strokes of other colours peaks lower
    keep &= values >= values[keep].max() - LATTICE_PEAK_SPREAD
    vectors, lengths = vectors[keep], lengths[keep]
    if len(vectors) < 2:
        return None

    def at(v: np.ndarray) -> float:  # the autocorrelation near a shift (3x3), -1 outside the window
        x, y = int(np.rint(v[0])) + rx, int(np.rint(v[1])) + ry
        if not (1 <= x < window.shape[1] - 1 and 1 <= y < window.shape[0] - 1):
            return -1.0
        return float(window[y - 1 : y + 2, x - 1 : x + 2].max())

    order = np.argsort(lengths, kind="stable")
    a = vectors[order[0]]
    for k in order[1:]:
        b = vectors[k]
        if abs(a[0] * b[1] - a[1] * b[0]) / (lengths[order[0]] * lengths[k]) < LATTICE_MIN_SINE:
            continue
        # repeats, not one pair of parallel lines (a badge's double border): twice each vector peaks too
        if min(at(2 * a), at(2 * b), max(at(a + b), at(a - b))) < LATTICE_MIN_PEAK:
            return None
        # and a valley halfway: a big shape shifted a little still overlaps itself (high, but no valley)
        if max(at(a / 2), at(b / 2)) > min(at(a), at(b)) - LATTICE_MIN_DIP:
            return None
        return np.stack([a, b])
    return None


def _periodic_fit(
    src: np.ndarray, dst: np.ndarray, group: np.ndarray, grid: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, np.ndarray] | None:
    """A similarity placing a periodic reference in the frame, fitted modulo its lattice ``grid`` [2, 2].

    ``src`` [M, 2] reference keypoints, ``dst`` [M, 2] frame keypoints, ``group`` [M] which frame keypoint each
    row is (a frame keypoint may have matched several twins). Two matches near each other in the frame propose a
    scale and rotation for each small lattice offset between their reference keypoints; a row agrees when its
    frame keypoint, mapped back, lands within ``PERIODIC_TOLERANCE`` of a period of its reference keypoint or
    one of its repeats. Returns ``(unwrapped reference points [N, 2], frame points [N, 2])`` of the agreeing
    frame keypoints (each reference point moved by the whole periods that make it agree), or None."""
    n = len(src)
    if len(np.unique(group)) < MIN_INLIERS:
        return None
    basis = grid.T  # columns a, b: r = basis @ c
    inverse = np.linalg.inv(basis)
    period = float(np.hypot(grid[:, 0], grid[:, 1]).min())
    rng = np.random.default_rng(seed)
    offsets = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], dtype=np.float64)
    # pairs: a random row and one of the rows nearest it in the frame that is another frame keypoint
    first = rng.integers(0, n, PERIODIC_PAIRS)
    d2 = ((dst[first, None, :] - dst[None, :, :]) ** 2).sum(axis=2)
    d2[group[first][:, None] == group[None, :]] = np.inf
    near = np.argsort(d2, axis=1)[:, :6]
    second = near[np.arange(PERIODIC_PAIRS), rng.integers(0, near.shape[1], PERIODIC_PAIRS)]
    ok = np.isfinite(d2[np.arange(PERIODIC_PAIRS), second])
    first, second = first[ok], second[ok]
    if not len(first):
        return None
    d = src[second] - src[first]
    d = d - (basis @ np.round(inverse @ d.T)).T  # the reference displacement reduced to the nearest cell
    cand = d[:, None, :] + (offsets @ grid)[None, :, :]  # [P, 9, 2]
    e = dst[second] - dst[first]  # [P, 2]
    zc = cand[..., 0] + 1j * cand[..., 1]
    ze = (e[:, 0] + 1j * e[:, 1])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = ze / zc  # s * exp(i theta) per hypothesis
    z = z.ravel()
    anchors_src = np.repeat(src[first], 9, axis=0)
    anchors_dst = np.repeat(dst[first], 9, axis=0)
    scale = np.abs(z)
    valid = np.isfinite(z) & (scale > 0.05) & (scale < 8.0) & (scale * period >= 6.0)
    if not valid.any():
        return None
    z, anchors_src, anchors_dst, scale = z[valid], anchors_src[valid], anchors_dst[valid], scale[valid]
    # every row under every hypothesis: frame point mapped back into the reference, residual modulo the lattice
    # (in chunks of hypotheses, so memory stays at a few MB whatever the number of matches)
    qs = dst[:, 0] + 1j * dst[:, 1]
    ps = src[:, 0] + 1j * src[:, 1]
    qa = anchors_dst[:, 0] + 1j * anchors_dst[:, 1]
    pa = anchors_src[:, 0] + 1j * anchors_src[:, 1]
    groups, position = np.unique(group, return_inverse=True)

    def residuals(h: slice) -> tuple[np.ndarray, np.ndarray]:
        r = (qs[None, :] - qa[h, None]) / z[h, None] + pa[h, None] - ps[None, :]
        rr = np.stack([r.real, r.imag], axis=-1)  # [h, M, 2] reference pixels
        c = rr @ inverse.T
        res = rr - np.round(c) @ basis.T
        return np.hypot(res[..., 0], res[..., 1]), c

    tolerance = PERIODIC_TOLERANCE * period
    best, best_count = -1, 0
    for start in range(0, len(z), 128):
        dist, _ = residuals(slice(start, start + 128))
        agree = np.zeros((dist.shape[0], len(groups)), dtype=bool)
        rows, cols = np.nonzero(dist <= tolerance)
        agree[rows, position[cols]] = True
        counts = agree.sum(axis=1)
        k = int(counts.argmax())
        if counts[k] > best_count:
            best, best_count = start + k, int(counts[k])
    if best_count < MIN_INLIERS:
        return None
    dist, c = residuals(slice(best, best + 1))
    dist, c = dist[0], c[0]
    # one row per agreeing frame keypoint (its smallest residual), unwrapped by its whole periods
    dist = np.where(dist <= tolerance, dist, np.inf)
    chosen: dict[int, int] = {}
    for m in np.argsort(dist, kind="stable"):
        if not np.isfinite(dist[m]):
            break
        chosen.setdefault(int(group[m]), int(m))
    idx = np.array(sorted(chosen.values()))
    unwrapped = src[idx] + np.round(c[idx]) @ basis.T
    return unwrapped.astype(np.float32), dst[idx].astype(np.float32)


def _best_phase(points: np.ndarray, grid: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The whole-period shift of the unwrapped reference ``points`` [N, 2] that puts most of them inside the
    reference's picture (``size`` (w, h)), nearest its centre on ties: where a whole print is shown (a photo card,
    a corner), its placement then matches the copy's edges; within a crop any phase shows the same pattern."""
    w, h = size
    centre = np.array([w / 2, h / 2])
    best, best_key = np.zeros(2), None
    mean = points.mean(axis=0)
    base = np.round(np.linalg.inv(grid.T) @ (centre - mean))
    for i in range(-3, 4):
        for j in range(-3, 4):
            shift = (base + (i, j)) @ grid
            moved = points + shift
            inside = int(
                ((moved[:, 0] >= 0) & (moved[:, 0] <= w) & (moved[:, 1] >= 0) & (moved[:, 1] <= h)).sum()
            )
            key = (-inside, float(np.hypot(*(moved.mean(axis=0) - centre))))
            if best_key is None or key < best_key:
                best, best_key = shift, key
    return best
