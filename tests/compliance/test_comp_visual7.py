"""visual7: a copy shown in perspective (a print photographed at an angle) is located by a homography, which is
trusted only when it is a view a camera could take of a flat picture; the hashes still decide."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from studio.compliance.refbank import ReferenceBank
from studio.compliance.rules import parse_pack
from studio.compliance.visual import screen_media
from studio.store import open_store
from tests.helpers import NEAR_COPY_PACK

W, H = 600, 800


def _poster(seed: int, *, frame_seed: int | None = None) -> np.ndarray:
    """A poster [H, W, 3]: a header band and a border (the layout, drawn from ``frame_seed``) around a picture of
    random polygons, discs and bars drawn from ``seed``."""
    layout = np.random.default_rng(seed if frame_seed is None else frame_seed)
    img = np.zeros((H, W, 3), np.uint8)
    top, bottom = layout.integers(0, 256, 3), layout.integers(0, 256, 3)
    ramp = np.linspace(0, 1, H)[:, None]
    img[:] = (top * (1 - ramp) + bottom * ramp)[:, None, :].astype(np.uint8)
    rng = np.random.default_rng(seed)
    for _ in range(40):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(3)
        if kind == 0:
            pts = rng.integers((40, 120), (W - 40, H - 40), (int(rng.integers(3, 6)), 2)).astype(np.int32)
            cv2.fillPoly(img, [pts], colour)
        elif kind == 1:
            centre = tuple(int(v) for v in rng.integers((40, 120), (W - 40, H - 40)))
            cv2.circle(img, centre, int(rng.integers(10, 60)), colour, -1)
        else:
            p0 = tuple(int(v) for v in rng.integers((40, 120), (W - 40, H - 40)))
            p1 = tuple(int(v) for v in rng.integers((40, 120), (W - 40, H - 40)))
            cv2.line(img, p0, p1, colour, int(rng.integers(3, 12)))
    band = tuple(int(c) for c in layout.integers(0, 256, 3))
    cv2.rectangle(img, (0, 0), (W, 100), band, -1)
    for k in range(6):  # a row of blocks in the header, the same on every poster of the layout
        x = 30 + k * 90
        cv2.rectangle(img, (x, 30), (x + 60, 70), tuple(255 - c for c in band), -1)
    cv2.rectangle(img, (0, 0), (W - 1, H - 1), band, 14)
    return img


def _background(seed: int, size: tuple[int, int]) -> np.ndarray:
    """A busy unrelated background [h, w, 3]: blurred noise with a few pale stripes."""
    w, h = size
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
    img = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(8):
        y = int(rng.integers(0, h))
        cv2.line(img, (0, y), (w, y + int(rng.integers(-200, 200))), (230, 230, 230), 3)
    return img


def _in_perspective(picture: np.ndarray, seed: int, k: float = 0.8, turn: float = 7.0) -> np.ndarray:
    """``picture`` in perspective (one side ``k`` of the other, turned ``turn`` degrees), filling 80 % of a frame
    1.25 times its size over ``_background``: a print photographed at an angle."""
    h, w = picture.shape[:2]
    fw, fh = int(w * 1.25), int(h * 1.25)
    qw, qh = fw * 0.8, fh * 0.8
    quad = np.array([(-qw / 2, -qh / 2), (qw / 2, -qh / 2 * k), (qw / 2, qh / 2 * k), (-qw / 2, qh / 2)])
    t = np.radians(turn)
    quad = quad @ np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]).T + (fw / 2, fh / 2)
    square = np.array([(0, 0), (w, 0), (w, h), (0, h)], np.float32)
    homography = cv2.getPerspectiveTransform(square, quad.astype(np.float32))
    warped = cv2.warpPerspective(picture, homography, (fw, fh), flags=cv2.INTER_CUBIC)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), homography, (fw, fh)) > 127
    out = _background(seed, (fw, fh))
    out[mask] = warped[mask]
    return out


@pytest.fixture
def poster_bank(tmp_path):
    bank = ReferenceBank(open_store())
    path = tmp_path / "poster.png"
    Image.fromarray(_poster(1)).save(path)
    bank.add([path], owner="Rival Co", kind="protected")
    return bank


def _screen(tmp_path, image: np.ndarray, bank, name: str) -> list:
    path = tmp_path / f"{name}.jpg"
    Image.fromarray(image).save(path, quality=90)
    findings, _, _ = screen_media(path, packs=[parse_pack(NEAR_COPY_PACK)], bank=bank, embedder=None)
    return findings


# one side 78-85 % of the other and a 4-9 degree turn, as a print photographed at an angle
@pytest.mark.parametrize(("seed", "k", "turn"), [(11, 0.78, 8.0), (12, 0.85, -5.0), (13, 0.8, 4.0)])
def test_copy_in_perspective_over_a_background_is_found(tmp_path, poster_bank, seed, k, turn):
    findings = _screen(tmp_path, _in_perspective(_poster(1), seed, k, turn), poster_bank, f"persp{seed}")
    assert [f.rule for f in findings] == ["ip.near-copy"]


# the same header band, border and gradient, another picture inside, shown the same way: not a copy
@pytest.mark.parametrize("seed", [21, 22, 23])
def test_unrelated_picture_sharing_the_layout_is_not_matched(tmp_path, poster_bank, seed):
    other = _poster(seed, frame_seed=1)
    findings = _screen(tmp_path, _in_perspective(other, seed, 0.8, 6.0), poster_bank, f"layout{seed}")
    assert findings == []


def _homography(quad) -> np.ndarray:
    square = np.array([(0, 0), (400, 0), (400, 300), (0, 300)], np.float32)
    return cv2.getPerspectiveTransform(square, np.asarray(quad, np.float32)).astype(np.float64)


def test_degenerate_homographies_are_refused():
    from studio.compliance.align import plausible_quad

    size = (400, 300)
    # a real view: one side 85 % of the other, turned a few degrees
    assert plausible_quad(_homography([(100, 90), (500, 120), (490, 380), (95, 410)]), size)
    assert plausible_quad(np.array([[1.5, 0, 20], [0, 1.5, 30], [0, 0, 1]], np.float64), size)  # a similarity
    refused = {
        "folded (corners crossed, a bow tie)": [(100, 100), (500, 400), (500, 100), (100, 400)],
        "mirrored": [(500, 100), (100, 100), (100, 400), (500, 400)],
        "one side a quarter of the other": [(100, 100), (500, 250), (500, 325), (100, 400)],
        "extreme shear": [(100, 100), (500, 100), (900, 400), (500, 400)],
        "concave": [(100, 100), (500, 100), (250, 180), (100, 400)],
        "squashed to a line": [(100, 100), (500, 100), (500, 110), (100, 110)],
        "stretched out of the reference's aspect": [(100, 100), (1500, 100), (1500, 300), (100, 300)],
    }
    for what, quad in refused.items():
        assert not plausible_quad(_homography(quad), size), what
    # the vanishing line through the picture: a corner behind the camera
    behind = np.array([[1, 0, 0], [0, 1, 0], [-0.004, 0, 1]], np.float64)
    assert not plausible_quad(behind, size)
    assert not plausible_quad(np.full((3, 3), np.nan), size)


def test_chance_matches_give_no_homography():
    from studio.compliance.align import _perspective_fit

    rng = np.random.default_rng(5)
    src = rng.uniform(0, 400, (60, 2)).astype(np.float32)
    dst = rng.uniform(0, 1000, (60, 2)).astype(np.float32)
    assert _perspective_fit(src, dst, (400, 300)) is None
    # the same points through a plausible view are fitted, with all of them inliers
    view = _homography([(100, 90), (500, 120), (490, 380), (95, 410)])
    moved = cv2.perspectiveTransform(src[None], view)[0]
    fitted = _perspective_fit(src, moved, (400, 400))
    assert fitted is not None and int(fitted[1].sum()) == 60
