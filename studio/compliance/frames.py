"""Video frames for screening: sampled at a fixed rate and at scene changes, decoded small, in one pass.

The video is decoded once with ``studio.media.decode`` (PyAV). Every decoded picture is looked at through a
small point-sampled RGB copy to compute its scene-change score (the formula of ffmpeg's ``select`` filter: the
mean absolute difference to the previous picture, less the previous difference, in [0, 1]; on a cut between two
test pictures ffmpeg gave 0.385 and this 0.34, the usual 0.3-0.4 thresholds keep their meaning); the pictures on
a fixed time
grid (``fps`` per second) plus every picture whose score exceeds ``scene_threshold`` are converted to RGB at
``max_side`` pixels and yielded. The full-resolution frames never reach Python as arrays.

Sudden local changes (``change_fps``): a copy flashed in for 0.3 s between two grid samples, or faded in and out,
raises no scene cut. With ``change_fps`` set, the pictures on a ``change_fps`` grid are also looked at through
their *block signature* (the mean grey of 16x16-pixel blocks of the ``max_side`` picture, scaled down by the
decoder: about 0.1 ms of Python per picture instead of a full-size conversion), and a picture whose blocks jumped
against the previous one (``sudden_change``) is converted and yielded too. Only the yielded pictures are
converted at ``max_side``.

Speed: by default the decoder skips frames that no other frame refers to (``skip_frame=NONREF``: most B-frames)
and the in-loop deblocking filter. A 15 s 1080x1920 H.264 ad then decodes in about half the time; a sampled
frame may come from up to two frames (~66 ms at 30 fps) away from its grid point, and looks very slightly
blockier, which the perceptual hashes do not notice. ``fast_decode=False`` decodes everything.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from studio.errors import InputError
from studio.media.decode import Yuv420
from studio.media.decode import frame_at as _decoded_frame_at
from studio.media.decode import iter_frames as _decode
from studio.media.probe import VideoStream, probe_video

DEFAULT_FPS = 2.0
DEFAULT_SCENE_THRESHOLD = 0.3  # ffmpeg's scene score in [0, 1]; 0.3-0.4 is the usual cut detector setting
DEFAULT_MAX_SIDE = 960  # long side of the decoded frames in pixels
MAX_FRAMES = 1200  # a longer video is sampled more sparsely, never more frames than this
SCENE_SIDE = 256  # long side of the copy the scene score is computed on
SIGNATURE_BLOCK = 16  # block side of the signature, in pixels of the ``max_side`` picture
# grey levels a block must jump between neighbouring looked-at pictures, in all four blocks of some 2x2 group
# (32x32 px of the 960 px picture; a 130 px logo on a 1080 px frame covers 3x3 to 4x4 blocks). Scattered single
# blocks do not count: the zoom of the benchmark's ad (ffmpeg zoompan, which jitters) moved up to 19 blocks by
# more than 20 levels in 0.1 s, never a 2x2 group; each of its 20 flash clips changed 16 groups or more.
BURST_LEVELS = 20.0


@dataclass(frozen=True)
class Frame:
    """One sampled frame: ``image`` is [H, W, 3] uint8 RGB at the decoded (reduced) size."""

    index: int  # frame number in the source video (from the timestamp and the average frame rate)
    time: float  # seconds from the start
    image: np.ndarray
    scene_score: float  # scene-change score against the previous decoded frame, 0..1
    scale: float  # decoded pixels per source pixel (boxes in source pixels = boxes / scale)
    # mean grey of 16x16 blocks of ``image``, [H/16, W/16] float32 (see ``signature``); None: not computed
    signature: np.ndarray | None = None
    sudden: bool = False  # yielded because blocks jumped (``sudden_change``), not for the grid or a cut


def signature(rgb: np.ndarray) -> np.ndarray:
    """Mean grey of 16x16-pixel blocks of an RGB picture, [H/16, W/16] float32: cheap to compare, sensitive to
    small changes (the same quantity ``iter_frames`` gets from the decoder)."""
    import cv2

    height, width = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    size = (max(1, width // SIGNATURE_BLOCK), max(1, height // SIGNATURE_BLOCK))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def sudden_change(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether some area of two signatures (pictures ~0.1 s apart) changed suddenly: a picture cut, flashed or
    quickly faded in (a 2x2 group of blocks each jumped by more than ``BURST_LEVELS``). A slow zoom or pan moves
    blocks by a few levels, or single blocks on strong edges, and does not count."""
    if a.shape != b.shape:
        return True
    jumped = np.abs(a - b) > BURST_LEVELS
    group = jumped[:-1, :-1] & jumped[1:, :-1] & jumped[:-1, 1:] & jumped[1:, 1:]
    return bool(group.any())


def _decoded_signature(decoded, width: int, height: int) -> np.ndarray:
    """``signature`` of ``decoded`` at ``width`` x ``height`` without converting it at that size: the decoder
    scales the luma to 4 pixels per block (area filter), OpenCV averages those 4x4 (within 2 grey levels of
    ``signature(decoded.rgb(width, height))`` on the benchmark's ad)."""
    import cv2

    size = (max(1, width // SIGNATURE_BLOCK), max(1, height // SIGNATURE_BLOCK))
    grey = decoded.grey(size[0] * 4, size[1] * 4, interpolation="area")
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)


# -- the same three quantities read straight from the decoder's 4:2:0 planes (``DecodedFrame.yuv420``) ---------------
# Each ``rgb``/``grey`` conversion builds a new swscale context for the picture; at 10 looked-at pictures a second
# plus a scene score for every decoded one that was most of a 15 s ad's screen. Pictures stored otherwise (another
# pixel format, a rotation) take the converting path.
def _plane_scene_samples(yuv: Yuv420, height: int) -> np.ndarray:
    """The picture point-sampled at about ``height`` rows as [h, w, 3] uint8 RGB, from its planes: what
    ``rgb(w, h, interpolation="point")`` gives, without building a scaler (the scene score's input)."""
    import cv2

    step = max(1, round(yuv.y.shape[0] / max(1, height)))
    rows = np.arange(0, yuv.y.shape[0], step)
    cols = np.arange(0, yuv.y.shape[1], step)
    luma = yuv.y[::step, ::step]
    chroma = np.ix_(rows // 2, cols // 2)
    merged = cv2.merge((np.ascontiguousarray(luma), yuv.u[chroma], yuv.v[chroma]))
    return cv2.transform(merged, _yuv_to_rgb_matrix(yuv.bt709, yuv.full_range))


def _plane_signature(yuv: Yuv420, width: int, height: int) -> np.ndarray:
    """``signature`` of the picture at ``width`` x ``height`` from its luma plane: every n-th pixel (about 16 per
    block side kept), area-averaged into the blocks, limited range stretched to 0-255 (within 5 grey levels of
    ``signature(rgb)`` on the benchmark's ad)."""
    import cv2

    size = (max(1, width // SIGNATURE_BLOCK), max(1, height // SIGNATURE_BLOCK))
    y = yuv.y
    step = max(1, min(y.shape[1] // size[0], y.shape[0] // size[1]) // SIGNATURE_BLOCK)
    small = cv2.resize(np.ascontiguousarray(y[::step, ::step]), size, interpolation=cv2.INTER_AREA)
    out = small.astype(np.float32)
    if not yuv.full_range:
        out = np.clip((out - 16.0) * (255.0 / 219.0), 0.0, 255.0)
    return out


@functools.lru_cache(maxsize=4)
def _yuv_to_rgb_matrix(bt709: bool, full_range: bool) -> np.ndarray:
    """[3, 4] float32: RGB = M @ (Y, U, V, 1) for 8-bit video (BT.709 or BT.601, limited or full range)."""
    kr, kb = (0.2126, 0.0722) if bt709 else (0.299, 0.114)
    kg = 1.0 - kr - kb
    ys, cs, y0 = (1.0, 1.0, 0.0) if full_range else (255.0 / 219.0, 255.0 / 224.0, 16.0)
    cr_r, cb_b = 2 * (1 - kr) * cs, 2 * (1 - kb) * cs
    cb_g, cr_g = -2 * kb * (1 - kb) / kg * cs, -2 * kr * (1 - kr) / kg * cs
    rows = [(ys, 0.0, cr_r), (ys, cb_g, cr_g), (ys, cb_b, 0.0)]
    return np.array(
        [(a, b, c, -a * y0 - (b + c) * 128.0) for a, b, c in rows], dtype=np.float32
    )  # offsets: Y - y0, U - 128, V - 128


def _plane_rgb(yuv: Yuv420, width: int, height: int) -> np.ndarray:
    """The picture as [height, width, 3] uint8 RGB from its planes (OpenCV area scaling, then one matrix):
    within about 2 grey levels of swscale's conversion."""
    import cv2

    def fit(plane: np.ndarray) -> np.ndarray:
        if plane.shape[:2] == (height, width):
            return np.ascontiguousarray(plane)
        shrink = plane.shape[0] >= height and plane.shape[1] >= width
        interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        return cv2.resize(np.ascontiguousarray(plane), (width, height), interpolation=interpolation)

    merged = cv2.merge((fit(yuv.y), fit(yuv.u), fit(yuv.v)))
    return cv2.transform(merged, _yuv_to_rgb_matrix(yuv.bt709, yuv.full_range))


def probe(path: str | os.PathLike[str]) -> VideoStream:
    """The first video stream of ``path`` (``studio.media.probe.VideoStream``: size as displayed, fps, duration,
    codec, rotation, ...). ``InputError`` naming the file when it is missing, empty, not a video or corrupt."""
    return probe_video(path)


def decoded_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The (width, height) frames are decoded at: the long side at most ``max_side``, both even."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def scene_score(
    current: np.ndarray, previous: np.ndarray | None, previous_mafd: float
) -> tuple[float, float]:
    """(score, mafd) of two same-size 8-bit pictures, as ffmpeg's ``select`` filter computes it.

    ``mafd`` is the mean absolute frame difference in percent of full scale; the score is
    ``min(mafd, |mafd - previous_mafd|) / 100`` clipped to [0, 1] (a steady pan scores low, a cut high).
    """
    if previous is None or previous.shape != current.shape:
        return 0.0, previous_mafd
    mafd = float(np.abs(current.astype(np.int16) - previous.astype(np.int16)).mean()) * 100.0 / 256.0
    score = min(mafd, abs(mafd - previous_mafd)) / 100.0
    return float(min(max(score, 0.0), 1.0)), mafd


def iter_frames(
    path: str | os.PathLike[str],
    *,
    fps: float = DEFAULT_FPS,
    scene_threshold: float | None = DEFAULT_SCENE_THRESHOLD,
    max_side: int = DEFAULT_MAX_SIDE,
    max_frames: int = MAX_FRAMES,
    fast_decode: bool = True,
    info: VideoStream | None = None,
    change_fps: float | None = None,
) -> Iterator[Frame]:
    """Yield the sampled frames of ``path`` in time order.

    ``fps``: grid samples per second (> 0). ``scene_threshold``: also yield frames whose scene score is above it
    (None: grid only). ``change_fps``: also look at this many pictures a second through their block signature and
    yield those with a ``sudden_change`` against the previous one looked at (None or 0: no such check); every
    yielded frame then carries its ``signature``. ``max_frames`` bounds the work on long videos (the grid gets sparser; extra scene-change
    frames past the bound are dropped). Raises ``InputError`` for an unreadable video.
    """
    if not fps > 0:
        raise InputError(f"The sampling rate must be positive, got fps={fps}.", "Use e.g. fps=2.")
    info = info or probe(path)
    if info.duration > 0 and info.duration * fps > max_frames:
        fps = max_frames / info.duration
    width, height = decoded_size(info.width, info.height, max_side)
    sw, sh = decoded_size(info.width, info.height, SCENE_SIDE)
    scale = width / info.width
    rate = float(info.fps)
    previous: np.ndarray | None = None
    previous_mafd = 0.0
    previous_t: float | None = None
    looking = change_fps is not None and change_fps > 0
    last_signature: np.ndarray | None = None
    count = 0
    for decoded in _decode(path, fast=fast_decode):
        t = decoded.time
        yuv = decoded.yuv420()  # None: stored otherwise; every quantity then comes from a conversion
        if yuv is not None:
            samples = _plane_scene_samples(yuv, sh)
        else:
            samples = decoded.rgb(sw, sh, interpolation="point")
        score, previous_mafd = scene_score(samples, previous, previous_mafd)
        previous = samples
        first = previous_t is None
        on_grid = first or math.floor(t * fps) > math.floor(previous_t * fps)  # type: ignore[operator]
        looked_at = looking and (
            first or math.floor(t * change_fps) > math.floor(previous_t * change_fps)  # type: ignore[operator]
        )
        previous_t = t
        cut = scene_threshold is not None and score > scene_threshold
        block_means = None
        sudden = False
        if looked_at:
            block_means = _signature_of(decoded, yuv, width, height)
            sudden = last_signature is not None and sudden_change(last_signature, block_means)
            last_signature = block_means
        if not (on_grid or cut or sudden):
            continue
        if looking and block_means is None:
            block_means = _signature_of(decoded, yuv, width, height)
        yield Frame(
            index=round(t * rate),
            time=t,
            image=_plane_rgb(yuv, width, height) if yuv is not None else decoded.rgb(width, height),
            scene_score=score,
            scale=scale,
            signature=block_means,
            sudden=sudden and not (on_grid or cut),
        )
        count += 1
        if count >= max_frames:
            return


def _signature_of(decoded, yuv: Yuv420 | None, width: int, height: int) -> np.ndarray:
    if yuv is not None:
        return _plane_signature(yuv, width, height)
    return _decoded_signature(decoded, width, height)


def sample_frames(path: str | os.PathLike[str], **kwargs: object) -> list[Frame]:
    """All frames of ``iter_frames`` as a list (the arguments are the same)."""
    return list(iter_frames(path, **kwargs))  # type: ignore[arg-type]


def frame_at(
    path: str | os.PathLike[str],
    time_s: float,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
    info: VideoStream | None = None,
) -> tuple[np.ndarray, float]:
    """The frame shown at ``time_s`` seconds as [H, W, 3] uint8 (long side <= ``max_side``) and its scale.

    For report thumbnails: one seek and one decoded frame. Raises ``InputError`` if nothing can be decoded there.
    """
    info = info or probe(path)
    width, height = decoded_size(info.width, info.height, max_side)
    start = max(0.0, min(float(time_s), max(0.0, info.duration - 0.05)))
    return _decoded_frame_at(path, start).rgb(width, height), width / info.width
