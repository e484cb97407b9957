"""The time budget of one reconstruction: how the user's minutes are shared between loading, SfM and training.

Pure arithmetic, no clock and no I/O: the pipeline passes in what it has measured so far.

``--max-minutes`` (the app's time limit) bounds the whole run, capture check to export. Every stage is planned:

* loading (the capture check and the scene's images): measured on the first ``PROBE_IMAGES`` images and
  extrapolated (``extrapolate``); when loading every image would take more than ``LOAD_SHARE`` of the budget, or
  more than the budget can hold, the views are subsampled evenly (``fit_count``, ``spread``), never below a
  floor; a set whose floor does not fit is refused before the rest is read, saying how many images would fit
  and how long the whole set needs;
* SfM: estimated from the image count, the pixels SfM sees and the number of pairs matched
  (``estimate_sfm_seconds``, calibrated on the 2-core machines these run on);
* a reserve for evaluation, export and the compliance screen (``reserve_seconds``), and during training
  ``finish_seconds``: the same reserve grown by the per-unit costs measured in the run (seconds per training
  step for the held-out and preview renders), so training stops early enough for them;
* training gets the rest. A run whose estimates leave training less than ``min_train_seconds`` is refused
  before the heavy work (``InputError`` naming the numbers). After SfM, ``train_seconds`` gives training what
  is really left (measured elapsed time, not the estimate), and ``sfm_limit`` is how long an SfM that overruns
  its estimate may go on before the budget could hold no training.

A walk-around **video** is planned before any frame is extracted (``plan_video``): the video is probed
(duration, size, codec, pictures) and a short sample decoded and timed (``VideoRates``); the plan then picks
how many frames to keep, how many candidates per window to score, whether to skip the non-reference pictures
while decoding and the frames' long edge, the best that lets extraction + loading + SfM + training fit, or
refuses naming the fewest frames at the smallest size and what that would need.

Every loading stage (frame extraction, the capture check, the scene's images) runs against a ``Deadline``
(``stage_deadline``): a stage may run over its estimate (``STAGE_OVERRUN`` x, or ``STAGE_SLACK`` s more) but
never so long that what comes after can no longer fit; past it the loader stops, visiting its items in
``coarse_to_fine`` order so what it read is still spread over the whole set, and the pipeline goes on with
what was read (or refuses, naming the budget and what was reached) and plans the rest again.

``--train-minutes`` keeps the old meaning (training alone); with both, training gets the smaller.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from studio.errors import InputError

# Seconds on the 2-core CI-class VM these run on, calibrated on the plush capture (bench/README "SfM on the
# plush: ..."): 97 photos at 1008x756, 4,096 features, 1,488 retrieval pairs, global mapper, idle machine:
# extract 59.9 s, match 29.6 s, map 24.4 s (the FIELD_NOTES box was ~2.6x faster: 47 / 23 / 46 s on 59 photos
# at 1200x1600). Measured ratios (CPU seconds, same run): 768 px against 1024 px costs 1.9x less to extract
# and 1.8x less to match (fewer keypoints found), the same to map.
SFM_START_SECONDS = 2.0  # worker start, pycolmap import, database
EXTRACT_SECONDS_PER_MEGAPIXEL = 1.08  # SIFT per image, per megapixel seen (at 8,192 features; 4,096: x0.75)
KEYPOINTS_PER_MEGAPIXEL = 3000  # SIFT keypoints found per megapixel on a product capture (capped by features)
MATCH_SECONDS_PER_KEYPOINT_PAIR = 8.7e-6  # matching + verification per pair, per keypoint of the images
MAP_SECONDS_PER_IMAGE = 0.7  # incremental mapping with bundle adjustment, per image
GLOBAL_MAP_SHARE = 0.36  # the global mapper's time against the incremental one (plush: 0.25 s per image)
RESERVE_SECONDS = 5.0  # evaluation on held-out views, exports and the compliance screen: fixed part (x the
# slowdown; export + screen took 6.1 s on lego 100 px at slowdown 2.4 (bench 12d), 1.4-1.9 s on lego and the plush
# with the fused kernels; 10 s left 16-18 s of a 2-minute lego run unused) ...
RESERVE_SHARE = 0.03  # ... plus this share of the whole budget
MIN_TRAIN_SECONDS = 30.0  # fewer seconds of training do not make a model worth exporting ...
MIN_TRAIN_SHARE = 0.15  # ... nor less than this share of the budget
TRAIN_FLOOR_SECONDS = 10.0  # what training still gets when SfM overran its estimate (a model, not nothing)
PROBE_IMAGES = 3  # images loaded (and timed) before the plan extrapolates loading to the whole set
LOAD_SHARE = 0.25  # loading may take this share of the budget before views are subsampled ...
MIN_SUBSAMPLED = (
    40  # ... but subsampling for that share keeps at least this many views (lego trains well on 40)
)
SCENE_LOAD_SHARE = (
    0.5  # photos: reading the prepared (SfM-size) JPEGs for training, per photo, x preparing one
)
EVAL_RENDER_STEPS = 0.5  # a held-out or preview render (forward only) costs about this many training steps
SCREEN_RENDERS = 4  # the compliance screen renders this many previews
# Reading one image (decode, capture-check measures, view), seconds per decoded megapixel on an idle 2-core
# machine (lego's 800 px PNGs: ~60 ms each). The probe's rate against it is the machine's slowdown (other
# jobs on the cores), which the estimates made from fixed constants (SfM, the reserve) are scaled by.
READ_SECONDS_PER_MEGAPIXEL = 0.1
MAX_SLOWDOWN = 6.0
STAGE_OVERRUN = 2.0  # a loading stage may take this many times its estimate (lego: 12.8 s for ~6.6, 12d) ...
STAGE_SLACK = 10.0  # ... or this many seconds more, whichever is longer, before its deadline stops it
# Video: skipping the pictures no other picture refers to (``iter_frames(fast=True)``) costs about this share
# of a full decode (media/decode.py: "about halving"; kept conservative).
FAST_DECODE_SHARE = 0.6
PER_WINDOW = (4, 2, 1)  # candidates scored per kept frame, best first (video_frames.sample_frames)
VIDEO_EDGES = (1600, 1280, 1024, 800, 640)  # frame long edges the video plan may step down to


def estimate_sfm_seconds(
    n_images: int,
    megapixels: float,
    pairs: int,
    *,
    max_features: int = 8192,
    mapper: str = "incremental",
) -> dict[str, float]:
    """Estimated seconds per SfM stage (``extract``, ``match``, ``map``) and ``total`` on 2 CPU cores, for
    ``n_images`` images of ``megapixels`` each (as SfM sees them) and ``pairs`` image pairs matched."""
    if n_images < 0 or megapixels < 0 or pairs < 0:
        raise ValueError(f"counts must be non-negative, got {n_images}, {megapixels}, {pairs}")
    features = max(max_features, 1) / 8192
    extract = n_images * megapixels * EXTRACT_SECONDS_PER_MEGAPIXEL * min(1.0, 0.5 + 0.5 * features)
    keypoints = min(max(max_features, 1), KEYPOINTS_PER_MEGAPIXEL * megapixels)
    match = pairs * MATCH_SECONDS_PER_KEYPOINT_PAIR * keypoints
    mapping = n_images * MAP_SECONDS_PER_IMAGE * (GLOBAL_MAP_SHARE if mapper == "global" else 1.0)
    total = SFM_START_SECONDS + extract + match + mapping
    return {"extract": extract, "match": match, "map": mapping, "total": total}


@dataclass(frozen=True)
class BudgetPlan:
    """How ``total_seconds`` is shared: already spent, loading and SfM (estimated), training, and the reserve
    kept for evaluation/export/screening. ``total_seconds`` None: no whole-run limit (``train_seconds`` may
    still hold a training-only limit). ``images`` / ``of_images``: the images the plan loads out of the set's
    (equal unless it subsampled)."""

    total_seconds: float | None
    spent_seconds: float
    sfm_seconds: float
    train_seconds: float | None
    reserve_seconds: float
    train_only_seconds: float | None = None  # the --train-minutes limit, if any
    load_seconds: float = 0.0  # the capture check and the scene's images still to read (estimated)
    images: int | None = None
    of_images: int | None = None
    slow: float = 1.0  # the machine's measured slowdown the estimates were scaled by
    extract_seconds: float = 0.0  # a video's frame extraction still to come (estimated)
    frames: str | None = None  # what the extraction keeps, e.g. "40 frames at 1024x576, 2 per window"

    def line(self) -> str:
        """The plan as the progress line shows it:
        ``budget 10.0 min: loading ~0.2, SfM ~3.1, training 6.2, export 0.5`` (``, 60 of 100 views`` when
        the views were subsampled)."""
        if self.total_seconds is None:
            if self.train_seconds is None:
                return "no time limit"
            return f"training limit {self.train_seconds / 60:.1f} min"
        parts = [f"budget {self.total_seconds / 60:.1f} min:"]
        if self.spent_seconds >= 1:
            parts.append(f"spent {self.spent_seconds / 60:.1f},")
        if self.extract_seconds > 0:
            what = f" ({self.frames})" if self.frames else ""
            parts.append(f"frames ~{self.extract_seconds / 60:.1f}{what},")
        if self.load_seconds > 0:
            parts.append(f"loading ~{self.load_seconds / 60:.1f},")
        if self.sfm_seconds > 0:
            parts.append(f"SfM ~{self.sfm_seconds / 60:.1f},")
        parts.append(f"training {(self.train_seconds or 0) / 60:.1f},")
        parts.append(f"export {self.reserve_seconds / 60:.1f}")
        line = " ".join(parts)
        if self.images is not None and self.of_images is not None and self.images < self.of_images:
            line += f"; {self.images} of {self.of_images} images"
        return line

    def to_json(self) -> dict[str, float | None]:
        return {
            "total_seconds": self.total_seconds,
            "spent_seconds": round(self.spent_seconds, 3),
            "load_seconds": round(self.load_seconds, 3),
            "sfm_seconds": round(self.sfm_seconds, 3),
            "train_seconds": None if self.train_seconds is None else round(self.train_seconds, 3),
            "reserve_seconds": round(self.reserve_seconds, 3),
            "train_only_seconds": self.train_only_seconds,
            "images": self.images,
            "of_images": self.of_images,
            "slowdown": round(self.slow, 3),
            "extract_seconds": round(self.extract_seconds, 3),
            "frames": self.frames,
        }


def slowdown(probe_seconds: Sequence[float], megapixels: Sequence[float]) -> float:
    """How many times slower than an idle machine the probed reads ran (1 .. ``MAX_SLOWDOWN``): the median
    seconds per decoded megapixel against ``READ_SECONDS_PER_MEGAPIXEL``."""
    rates = sorted(t / max(mp, 1e-3) for t, mp in zip(probe_seconds, megapixels))
    if not rates:
        return 1.0
    return float(min(max(rates[len(rates) // 2] / READ_SECONDS_PER_MEGAPIXEL, 1.0), MAX_SLOWDOWN))


def reserve_seconds(total_seconds: float, slow: float = 1.0) -> float:
    """Seconds kept back from training for evaluation, export and screening (the fixed part ``slow`` times
    longer on a machine that slow)."""
    return slow * RESERVE_SECONDS + RESERVE_SHARE * total_seconds


def min_train_seconds(total_seconds: float) -> float:
    """The least training a budget of ``total_seconds`` must leave room for."""
    return max(MIN_TRAIN_SECONDS, MIN_TRAIN_SHARE * total_seconds)


def plan_budget(
    total_seconds: float | None,
    spent_seconds: float,
    sfm_seconds: float,
    *,
    load_seconds: float = 0.0,
    train_only_seconds: float | None = None,
    what: str = "this run",
    refuse: bool = True,
    images: int | None = None,
    of_images: int | None = None,
    hint: str | None = None,
    slow: float = 1.0,
    extract_seconds: float = 0.0,
    frames: str | None = None,
) -> BudgetPlan:
    """Share ``total_seconds`` (None: no whole-run limit): ``spent_seconds`` are gone, ``load_seconds`` and
    ``sfm_seconds`` (estimates of what is still to come) are loading's and SfM's, a reserve is kept, training
    gets the rest (and at most ``train_only_seconds``). ``InputError`` when training would get less than
    ``min_train_seconds``: the message says what ``what`` needs and the smallest budget that would hold it
    (``hint`` replaces the advice after that). With ``refuse`` False (after SfM, when the work is done and only
    the remainder can be shared) training gets what is left, at least ``TRAIN_FLOOR_SECONDS``. ``slow``: the
    machine's measured slowdown (``slowdown``), which the reserve's fixed part is scaled by.
    ``extract_seconds``: a video's frame extraction still to come, ``frames`` what it keeps (for the line)."""
    plan = functools.partial(
        BudgetPlan, total_seconds, spent_seconds, sfm_seconds,
        train_only_seconds=train_only_seconds, load_seconds=load_seconds, images=images, of_images=of_images,
        slow=slow, extract_seconds=extract_seconds, frames=frames,
    )  # fmt: skip
    if total_seconds is None:
        return plan(train_seconds=train_only_seconds, reserve_seconds=0.0)
    if total_seconds <= 0:
        raise ValueError(f"total_seconds must be positive, got {total_seconds}")
    reserve = reserve_seconds(total_seconds, slow)
    ahead = extract_seconds + load_seconds + sfm_seconds
    train = total_seconds - spent_seconds - ahead - reserve
    need = min_train_seconds(total_seconds)
    if train < need and not refuse:
        train = max(train, TRAIN_FLOOR_SECONDS)
    elif train < need:
        minutes = smallest_budget(spent_seconds + ahead, slow) / 60
        detail = f"{spent_seconds / 60:.1f} min spent so far, " if spent_seconds >= 1 else ""
        load = f"reading the images takes about {load_seconds / 60:.1f} min, " if load_seconds > 0 else ""
        if extract_seconds > 0:
            load = f"extracting {frames or 'the frames'} takes about {extract_seconds / 60:.1f} min, " + load
        sfm = f"finding the camera poses takes about {sfm_seconds / 60:.1f} min, " if sfm_seconds > 0 else ""
        advice = hint or (", or use fewer photos or a smaller --sfm-resolution." if sfm_seconds > 0 else ".")
        raise InputError(
            f"The time limit of {total_seconds / 60:.1f} min cannot hold {what}: {detail}{load}{sfm}and"
            f" training needs at least {need / 60:.1f} min plus {reserve / 60:.1f} min to evaluate and export.",
            f"Allow at least {math.ceil(minutes):.0f} minutes{advice}",
        )
    if train_only_seconds is not None:
        train = min(train, train_only_seconds)
    return plan(train_seconds=train, reserve_seconds=reserve)


def smallest_budget(fixed_seconds: float, slow: float = 1.0) -> float:
    """The smallest budget T (seconds) with T - fixed - reserve(T) >= min_train(T): what a run whose loading,
    SfM and time already spent come to ``fixed_seconds`` needs."""
    smallest = max(fixed_seconds, 1.0)
    while smallest - fixed_seconds - reserve_seconds(smallest, slow) < min_train_seconds(smallest):
        smallest *= 1.02
    return smallest


def extrapolate(probe_seconds: Sequence[float], count: int) -> float:
    """Seconds for ``count`` images from the seconds each of the first few took (their median: one slow
    first read, a cold disk or an import, does not set the rate)."""
    if not probe_seconds or count <= 0:
        return 0.0
    ordered = sorted(probe_seconds)
    mid = len(ordered) // 2
    rate = ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
    return max(rate, 0.0) * count


def fit_count(
    total_seconds: float | None,
    spent_seconds: float,
    n: int,
    cost: Callable[[int], float],
    *,
    minimum: int,
    share: float = LOAD_SHARE,
    keep: int = MIN_SUBSAMPLED,
    slow: float = 1.0,
) -> int:
    """How many of ``n`` images to load (and run SfM on) when ``cost(m)`` is the estimated seconds for ``m``
    of them (increasing in ``m``): all of them when that fits; else the most that fit, where fitting means the
    plan holds (training keeps ``min_train_seconds``) and, down to ``keep`` images, that ``cost`` stays under
    ``share`` of the budget. Returns a count below ``minimum`` (0) when not even ``minimum`` images fit: the
    caller refuses the run."""
    if total_seconds is None or n <= 0:
        return n

    def holds(m: int) -> bool:
        left = total_seconds - spent_seconds - cost(m) - reserve_seconds(total_seconds, slow)
        return left >= min_train_seconds(total_seconds)

    def cheap(m: int) -> bool:
        return cost(m) <= share * total_seconds

    floor = min(n, max(minimum, keep))
    if holds(n) and (cheap(n) or n <= floor):
        return n
    best = 0
    for m in range(n - 1, 0, -1):  # the largest m that fits (cost is increasing, n is at most a few thousand)
        if m < minimum:
            break
        if holds(m) and (m <= floor or cheap(m)):
            best = m
            break
    return best


def spread(n: int, m: int) -> list[int]:
    """``m`` of the indices ``0..n-1``, evenly spread over the set (first and last kept), in order."""
    if m >= n:
        return list(range(n))
    if m <= 1:
        return [0][:m]
    return sorted({round(i * (n - 1) / (m - 1)) for i in range(m)})


def finish_seconds(
    total_seconds: float, *, step_seconds: float, holdout_views: int, slow: float = 1.0
) -> float:
    """Seconds to keep for what follows training, from the per-unit cost measured in this run: the reserve
    (``reserve_seconds``), or more when the held-out evaluation and the screen's previews
    (``holdout_views + SCREEN_RENDERS`` renders of ``EVAL_RENDER_STEPS`` training steps of ``step_seconds``
    each) plus the reserve's fixed part come to more."""
    renders = (holdout_views + SCREEN_RENDERS) * EVAL_RENDER_STEPS * max(step_seconds, 0.0)
    return max(reserve_seconds(total_seconds, slow), slow * RESERVE_SECONDS + renders)


def sfm_limit(
    total_seconds: float | None, spent_seconds: float, slow: float = 1.0, after_seconds: float = 0.0
) -> float | None:
    """Seconds SfM may run (None: no limit): until only the reserve, ``after_seconds`` (reading the posed
    images for training, estimated) and ``TRAIN_FLOOR_SECONDS`` of training are left. The plan before SfM
    already refused runs whose estimate leaves less than ``min_train_seconds``; this is the hard stop for an
    SfM that overruns its estimate (a loaded machine), so the run still ends within its budget."""
    if total_seconds is None:
        return None
    left = (
        total_seconds
        - spent_seconds
        - reserve_seconds(total_seconds, slow)
        - TRAIN_FLOOR_SECONDS
        - max(after_seconds, 0.0)
    )
    return max(1.0, left)


def coarse_to_fine(n: int) -> list[int]:
    """The indices ``0..n-1`` in an order whose every prefix is spread over the whole range (0, then every
    step-th index for halving steps): a loader that stops early this way keeps a thinned set, not its first
    part."""
    order: list[int] = []
    seen: set[int] = set()
    step = 1
    while step < n:
        step *= 2
    while step >= 1:
        for i in range(0, n, step):
            if i not in seen:
                seen.add(i)
                order.append(i)
        step //= 2
    if n > 1 and order[1] != n - 1:  # the last item right after the first: the set's two ends come first
        order.remove(n - 1)
        order.insert(1, n - 1)
    return order


@dataclass(frozen=True)
class Deadline:
    """A time on ``clock`` (seconds) by which a loading stage stops; loaders poll ``passed()`` before each
    item and return what they read so far. ``planned``: the stage's estimate (for messages)."""

    at: float
    clock: Callable[[], float]
    planned: float = 0.0

    def passed(self) -> bool:
        return self.clock() >= self.at


def stage_deadline(
    total_seconds: float | None,
    spent_seconds: float,
    planned_seconds: float,
    *,
    later_seconds: float = 0.0,
    train_seconds: float | None = None,
    slow: float = 1.0,
) -> float | None:
    """The elapsed seconds (on the run's clock) by which a loading stage that starts at ``spent_seconds``
    and was planned to take ``planned_seconds`` must stop (None: no limit): ``STAGE_OVERRUN`` x its estimate
    (at least ``STAGE_SLACK`` s more), but never later than leaves the stages after it (``later_seconds``,
    estimated), the reserve and ``train_seconds`` of training (default ``min_train_seconds``)."""
    if total_seconds is None:
        return None
    keep = min_train_seconds(total_seconds) if train_seconds is None else train_seconds
    hard = total_seconds - later_seconds - reserve_seconds(total_seconds, slow) - keep
    soft = spent_seconds + max(STAGE_OVERRUN * planned_seconds, planned_seconds + STAGE_SLACK)
    return max(spent_seconds, min(soft, hard))


@dataclass(frozen=True)
class VideoRates:
    """What the probe of a video measured: its pictures and displayed size, seconds per picture decoded
    (at the video's size), per candidate frame scaled to ``edge`` px, written and scored, and per kept frame
    prepared (capture check and SfM JPEG) at ``edge`` px."""

    pictures: int
    width: int
    height: int
    decode_seconds: float
    candidate_seconds: float
    prepare_seconds: float
    edge: int


@dataclass(frozen=True)
class VideoChoice:
    """How a video is sampled: ``frames`` kept, ``per_window`` candidates scored per kept frame, ``fast``
    (decode only the reference pictures), frames ``size`` (w, h) at long edge ``edge``, and the estimates
    (seconds) of extraction, loading (capture check + the scene's images) and SfM."""

    frames: int
    per_window: int
    fast: bool
    edge: int
    size: tuple[int, int]
    extract_seconds: float
    load_seconds: float
    sfm_seconds: float

    @property
    def seconds(self) -> float:
        return self.extract_seconds + self.load_seconds + self.sfm_seconds

    def describe(self) -> str:
        """``40 frames at 1024x576, 2 per window, reference pictures only``."""
        text = f"{self.frames} frames at {self.size[0]}x{self.size[1]}"
        text += ", sharpest of 1" if self.per_window == 1 else f", {self.per_window} per window"
        return text + (", reference pictures only" if self.fast else "")


def video_cost(
    rates: VideoRates,
    frames: int,
    per_window: int,
    fast: bool,
    edge: int,
    sfm_seconds: Callable[[int, int, int], float],
) -> VideoChoice:
    """The estimates for sampling ``frames`` of a video measured as ``rates`` (see ``VideoChoice``);
    ``sfm_seconds(frames, width, height)`` is SfM's estimate (already scaled by the slowdown)."""
    scale = min(1.0, edge / max(rates.width, rates.height, 1))
    size = (max(2, 2 * round(rates.width * scale / 2)), max(2, 2 * round(rates.height * scale / 2)))
    probe_scale = min(1.0, rates.edge / max(rates.width, rates.height, 1))
    pixels = max((scale / max(probe_scale, 1e-6)) ** 2, 0.25)  # per-frame work against the probe's size
    decodable = rates.pictures * (0.5 if fast else 1.0)
    candidates = min(frames * per_window, max(decodable, frames))
    decode = rates.pictures * rates.decode_seconds * (FAST_DECODE_SHARE if fast else 1.0)
    extract = decode + candidates * rates.candidate_seconds * pixels
    load = frames * rates.prepare_seconds * pixels * (1.0 + SCENE_LOAD_SHARE)
    return VideoChoice(
        frames, per_window, fast, edge, size, extract, load, sfm_seconds(frames, size[0], size[1])
    )


def video_choices(
    rates: VideoRates,
    *,
    asked: int,
    minimum: int,
    edge: int,
    fixed_edge: bool,
    sfm_seconds: Callable[[int, int, int], float],
) -> list[VideoChoice]:
    """The ways to sample a video, best first: at the asked long ``edge``, ``asked`` frames with 4, 2, then
    1 candidates per window (the last ones decoding only reference pictures), then fewer frames (down to half
    of those asked); then the same at each smaller edge of ``VIDEO_EDGES`` (unless ``fixed_edge``), the
    smallest going down to ``minimum`` frames. The last choice is the cheapest."""
    asked = max(1, min(asked, rates.pictures))
    minimum = max(1, min(minimum, asked))
    longest = max(rates.width, rates.height)  # edges at or above the video's own size change nothing
    edges = [edge] + ([] if fixed_edge else [e for e in VIDEO_EDGES if e < min(edge, longest)])
    choices: list[VideoChoice] = []
    for k, long_edge in enumerate(edges):
        last = k == len(edges) - 1
        for per_window, fast in ((4, False), (2, False), (2, True), (1, True)):
            choices.append(video_cost(rates, asked, per_window, fast, long_edge, sfm_seconds))
        lowest = minimum if last else max(minimum, math.ceil(asked / 2))
        for frames in range(asked - 1, lowest - 1, -1):
            choices.append(video_cost(rates, frames, 1, True, long_edge, sfm_seconds))
    return choices


def plan_video(
    total_seconds: float | None, spent_seconds: float, choices: Sequence[VideoChoice], slow: float = 1.0
) -> tuple[VideoChoice, bool]:
    """The first of ``choices`` (best first, ``video_choices``) that leaves training ``min_train_seconds``
    and the reserve, and True; or the cheapest one and False when none does (the caller refuses the run with
    its numbers). Without a budget, the first."""
    if total_seconds is None:
        return choices[0], True
    left = total_seconds - spent_seconds - reserve_seconds(total_seconds, slow)
    for choice in choices:
        if left - choice.seconds >= min_train_seconds(total_seconds):
            return choice, True
    return min(choices, key=lambda c: c.seconds), False
