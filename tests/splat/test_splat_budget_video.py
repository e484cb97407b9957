"""Budgets that hold for videos and slow loading: the video plan (frames, candidates, decoding, long edge)
made before extraction, refusals before extraction, and every loading stage stopped at its deadline.

Time is an injected clock that moves only when the code under test decodes, scores or reads something, so
the plans are deterministic (no sleeps, no wall-clock assertions)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_pipeline import FAST, far_posed_set
from test_splat_io_synthetic import render_views, ring_poses, write_views
from test_splat_io_video import write_video

from studio.cancel import CancelToken
from studio.errors import Cancelled, InputError
from studio.splat import budget as B
from studio.splat.pipeline import ReconstructOptions, reconstruct
from studio.store import Store


class Clock:
    """Seconds that pass only when told (``advance``)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def orbit36(tmp_path_factory):
    """A 3 s walk-around (36 frames at 12 fps, 384x288) of the textured box, every third frame blurred."""
    root = tmp_path_factory.mktemp("orbit36")
    _, images, _ = render_views(36, 384, 288, seed=0, poses=ring_poses(36))
    frames = [cv2.GaussianBlur(im, (0, 0), 3) if i % 3 == 1 else im for i, im in enumerate(images)]
    path = root / "orbit.mp4"
    write_video(path, frames)
    return path


def slow_video(monkeypatch, clock: Clock, *, per_picture: float, per_candidate: float) -> list[int]:
    """Decoding a picture costs ``per_picture`` s and writing/scoring a candidate ``per_candidate`` s on
    ``clock`` (a loaded machine, a 4K video); returns the running count of pictures decoded."""
    from studio.splat import video_frames

    decoded = [0]
    real_iter, real_sharpness = video_frames.iter_frames, video_frames.frame_sharpness

    def iter_frames(path, **kwargs):
        for frame in real_iter(path, **kwargs):
            clock.advance(per_picture)
            decoded[0] += 1
            yield frame

    def sharpness(image):
        clock.advance(per_candidate)
        return real_sharpness(image)

    monkeypatch.setattr(video_frames, "iter_frames", iter_frames)
    monkeypatch.setattr(video_frames, "frame_sharpness", sharpness)
    return decoded


# -- the pure plan ---------------------------------------------------------------------------------------------


def sfm_estimate(m: int, width: int, height: int) -> float:
    return B.estimate_sfm_seconds(m, width * height / 1e6, 10 * m)["total"]


RATES = B.VideoRates(
    pictures=900, width=1920, height=1080, decode_seconds=0.02, candidate_seconds=0.2, prepare_seconds=0.1,
    edge=1024,
)  # fmt: skip


def test_the_video_plan_keeps_what_fits_and_steps_down_candidates_then_frames_then_size():
    choices = B.video_choices(
        RATES, asked=60, minimum=20, edge=1024, fixed_edge=False, sfm_seconds=sfm_estimate
    )
    first = choices[0]
    assert (first.frames, first.per_window, first.fast, first.size) == (60, 4, False, (1024, 576))
    # 900 pictures decoded at 0.02 s + 240 candidates at 0.2 s
    assert first.extract_seconds == pytest.approx(900 * 0.02 + 240 * 0.2)
    assert first.describe() == "60 frames at 1024x576, 4 per window"
    assert [c.seconds for c in choices[:4]] == sorted((c.seconds for c in choices[:4]), reverse=True)
    assert choices[-1].frames == 20 and choices[-1].size == (640, 360)
    assert min(choices, key=lambda c: c.seconds) is choices[-1]
    roomy, fits = B.plan_video(1800.0, 5.0, choices)
    assert fits and roomy is first
    tight, fits = B.plan_video(180.0, 5.0, choices)  # 3 minutes: the same frames, fewer candidates
    assert fits and (tight.frames, tight.per_window, tight.fast) == (60, 2, False)
    assert 180.0 - 5.0 - tight.seconds - B.reserve_seconds(180.0) >= B.min_train_seconds(180.0)
    cheapest, fits = B.plan_video(60.0, 5.0, choices)  # one minute cannot hold even the fewest frames
    assert not fits and cheapest is choices[-1]
    # a long edge the user chose is kept: only candidates, decoding and frames change
    fixed = B.video_choices(RATES, asked=60, minimum=20, edge=1024, fixed_edge=True, sfm_seconds=sfm_estimate)
    assert {c.size for c in fixed} == {(1024, 576)}


def test_the_plan_line_names_the_frames_their_size_and_the_extraction_estimate():
    choice = B.video_cost(RATES, 40, 2, True, 800, sfm_estimate)
    plan = B.plan_budget(
        300.0, 6.0, choice.sfm_seconds, extract_seconds=choice.extract_seconds,
        load_seconds=choice.load_seconds, frames=choice.describe(),
    )  # fmt: skip
    assert plan.line().startswith(
        f"budget 5.0 min: spent 0.1, frames ~{choice.extract_seconds / 60:.1f} (40 frames at 800x450, 2 per window,"
        " reference pictures only), loading ~"
    )
    assert plan.to_json()["frames"] == "40 frames at 800x450, 2 per window, reference pictures only"
    left = 300.0 - 6.0 - choice.seconds - plan.reserve_seconds
    assert plan.train_seconds == pytest.approx(left)


def test_a_loading_deadline_allows_an_overrun_but_never_past_what_the_rest_needs():
    # planned 20 s, starting at 30 s: up to 2x (70 s elapsed) when the budget has room
    assert B.stage_deadline(600.0, 30.0, 20.0) == pytest.approx(70.0)
    assert B.stage_deadline(600.0, 30.0, 2.0) == pytest.approx(42.0)  # small stages get STAGE_SLACK
    # with SfM (200 s) still to come in 5 minutes, it must stop where training keeps its minimum
    hard = 300.0 - 200.0 - B.reserve_seconds(300.0) - B.min_train_seconds(300.0)
    assert B.stage_deadline(300.0, 30.0, 40.0, later_seconds=200.0) == pytest.approx(hard)
    assert B.stage_deadline(None, 30.0, 40.0) is None
    assert B.stage_deadline(120.0, 200.0, 10.0) == 200.0  # already too late: stop at once


def test_coarse_to_fine_prefixes_are_spread_over_the_whole_set():
    for n in (1, 2, 7, 24, 100):
        order = B.coarse_to_fine(n)
        assert sorted(order) == list(range(n))
        for m in range(2, n + 1):
            prefix = sorted(order[:m])
            assert prefix[0] == 0 and prefix[-1] == n - 1
            assert max(np.diff(prefix)) <= 2 * (n - 1) / (m - 1) + 1


# -- the loaders stop at their deadline ------------------------------------------------------------------------


def test_prepare_photos_stops_at_its_deadline_and_keeps_a_spread_set(tmp_path, monkeypatch):
    from studio import images
    from studio.splat.inputs import prepare_photos

    _, views, _ = render_views(10, 160, 120, seed=0)
    files = write_views(tmp_path / "in", views)
    clock = Clock()
    real = images.load_photo_reduced

    def read(path, edge, **kwargs):
        clock.advance(5.0)
        return real(path, edge, **kwargs)

    monkeypatch.setattr(images, "load_photo_reduced", read)
    passed = B.Deadline(at=clock.now, clock=clock)  # already passed: nothing is read
    nothing = prepare_photos(files, tmp_path / "none", long_edge=160, deadline=passed)
    assert nothing.images == [] and nothing.unread == [f.name for f in files]
    assert not list((tmp_path / "none").glob("*.jpg"))
    some = prepare_photos(files, tmp_path / "some", long_edge=160, deadline=B.Deadline(clock.now + 18, clock))
    read_names = [im.source.name for im in some.images]
    assert len(read_names) == 4 and len(some.unread) == 6  # at 0, 5, 10, 15 s; stopped at 20
    assert read_names == sorted(read_names)  # back in the order of the files
    assert read_names[0] == files[0].name and read_names[-1] == files[-1].name  # both ends
    assert [q.name for q in some.qualities] == read_names
    full = prepare_photos(files, tmp_path / "all", long_edge=160)  # no deadline: as before
    assert [im.source.name for im in full.images] == [f.name for f in files] and full.unread == []


def test_frame_extraction_stops_at_its_deadline(orbit36, tmp_path, monkeypatch):
    from studio.splat.video_frames import sample_frames

    clock = Clock()
    decoded = slow_video(monkeypatch, clock, per_picture=1.0, per_candidate=0.0)
    result = sample_frames(
        orbit36, tmp_path / "frames", count=6, per_window=2, deadline=B.Deadline(clock.now + 20.5, clock)
    )
    assert decoded[0] == 21  # the 21st picture found the deadline passed: decoding stopped there
    assert result.stopped_at == pytest.approx(20 / 12, abs=0.05)
    assert len(result.paths) == 6 and max(result.times) < result.stopped_at
    with pytest.raises(InputError, match="time limit ran out while extracting frames"):
        sample_frames(orbit36, tmp_path / "none", count=6, deadline=B.Deadline(clock.now, clock))


# -- the pipeline ----------------------------------------------------------------------------------------------


def test_a_video_the_budget_cannot_hold_is_refused_before_extraction(orbit36, tmp_path, monkeypatch):
    from studio.splat import video_frames

    def never(*args, **kwargs):
        raise AssertionError("frames were extracted for a run the plan refuses")

    monkeypatch.setattr(video_frames, "sample_frames", never)
    store = Store(tmp_path / "studio.sqlite3")
    options = ReconstructOptions(**FAST, video_frames=12, max_minutes=0.5)
    with pytest.raises(InputError) as info:
        reconstruct(orbit36, tmp_path / "out", options, store=store)
    message, hint = info.value.message, info.value.hint
    assert "The time limit of 0.5 min cannot hold the video orbit.mp4 (3.0 s, 384x288 h264)" in message
    assert "with 12 frames asked" in message and "extracting 12 frames at 384x288" in message
    assert "Allow at least" in hint and "the fewest frames it can use: 12 frames at 384x288" in hint
    assert not (tmp_path / "out" / ".studio-splat-work" / "frames").exists()
    (render,) = store.renders(kind="splat")
    assert render.status == "failed" and "cannot hold the video" in render.reason


def test_the_video_plan_chooses_fewer_candidates_when_scoring_is_slow(orbit36, tmp_path, monkeypatch):
    """Writing and scoring a candidate takes 2 s: 4 per window (36 candidates, 72 s) cannot fit 2 minutes
    with SfM and training; 2 per window (24, 48 s) can. The plan says so before extracting, and the
    extraction does what it planned."""
    clock = Clock()
    slow_video(monkeypatch, clock, per_picture=0.01, per_candidate=2.0)
    messages: list[str] = []
    cancel = CancelToken()

    def progress(fraction: float, message: str) -> None:
        messages.append(message)
        if message.startswith("kept "):  # the frames are out: the rest of the run is not this test's
            cancel.cancel("test")

    options = ReconstructOptions(**FAST, video_frames=12, max_minutes=2)
    with pytest.raises(Cancelled):
        reconstruct(orbit36, tmp_path / "out", options, clock=clock, on_progress=progress, cancel=cancel)
    (line,) = [m for m in messages if m.startswith("sampling 12 frames")]
    assert line.startswith(
        "sampling 12 frames at 384x288, 2 per window from the video orbit.mp4 (3.0 s, 384x288 h264) ·"
        " budget 2.0 min: spent 0.1, frames ~0.8 (12 frames at 384x288, 2 per window),"
    ), line
    assert "SfM ~" in line and "training " in line
    assert "kept 12 of 24 frames" in messages


def slow_disk(monkeypatch, clock: Clock, *, first: float, then: float, after: int = 3) -> list[str]:
    """Reading a posed image costs ``first`` s for the first ``after`` reads (the plan's probe), ``then`` s
    after that (a disk that slows down, the machine getting busy); returns the names read, in order."""
    from studio.splat import inputs

    reads: list[str] = []
    real = inputs.read_frame

    def read(path, decode_edge, *, what):
        clock.advance(first if len(reads) < after else then)
        reads.append(Path(path).name)
        return real(path, decode_edge, what=what)

    monkeypatch.setattr(inputs, "read_frame", read)
    return reads


@pytest.fixture(scope="module")
def posed24(tmp_path_factory):
    return far_posed_set(tmp_path_factory.mktemp("posed24"), 0.0, views=24, size=(344, 258))


def test_a_loading_stage_that_overruns_stops_and_the_rest_is_planned_again(posed24, tmp_path, monkeypatch):
    """The probe reads at 2 s an image, so the plan reads all 24 (~48 s); then each read takes 8 s. Loading
    stops at its deadline (twice its estimate: 6 + 96 = 102 s), the run goes on with the views read (spread
    over the set), and training is planned again on what is really left (shown on the progress line)."""
    clock = Clock()
    reads = slow_disk(monkeypatch, clock, first=2.0, then=8.0)
    messages: list[str] = []
    cancel = CancelToken()

    def progress(fraction: float, message: str) -> None:
        messages.append(message)
        if message.startswith("training on"):  # the re-plan is made: training itself is not this test's
            cancel.cancel("test")

    store = Store(tmp_path / "studio.sqlite3")
    options = ReconstructOptions(**FAST, max_minutes=6)
    with pytest.raises(Cancelled):
        reconstruct(
            posed24, tmp_path / "out", options, store=store, clock=clock, on_progress=progress, cancel=cancel
        )
    loaded = reads[3:]  # after the probe: 12 reads of 8 s, from 6 s to 102 s
    assert len(loaded) == 12
    assert "view_00.jpg" in loaded and "view_23.jpg" in loaded  # spread over the set, not its first half
    assert any(
        "checking and loading 24 of 24 posed images · budget 6.0 min: spent 0.1, loading ~0.8," in m
        for m in messages
    )
    (stop,) = [m for m in messages if "ran out" in m]
    assert stop == (
        "the time limit's share for loading the posed images ran out: 12 of 24 images read in 96 s (planned"
        " ~48 s); going on with those"
    )
    (train,) = [m for m in messages if m.startswith("training on")]
    reserve = B.reserve_seconds(360.0, slow=6.0)  # the probe's 2 s per small image: the slowest machine
    assert train == (
        f"training on cpu (budget 6.0 min: spent 1.7, training {(360 - 102 - reserve) / 60:.1f}, export"
        f" {reserve / 60:.1f})"
    )


def test_checking_the_photos_that_overruns_too_far_fails_naming_the_budget(tmp_path, monkeypatch):
    from studio import images

    _, views, _ = render_views(12, 400, 300, seed=0)
    write_views(tmp_path / "photos", views)
    clock = Clock()
    reads = [0]
    real = images.load_photo_reduced

    def read(path, edge, **kwargs):
        clock.advance(1.0 if reads[0] < 3 else 100.0)
        reads[0] += 1
        return real(path, edge, **kwargs)

    monkeypatch.setattr(images, "load_photo_reduced", read)
    store = Store(tmp_path / "studio.sqlite3")
    with pytest.raises(InputError) as info:
        reconstruct(
            tmp_path / "photos", tmp_path / "out", ReconstructOptions(**FAST, max_minutes=5), store=store,
            clock=clock,
        )  # fmt: skip
    assert "The time limit of 5.0 min ran out while checking the photos: 4 of 12 images" in info.value.message
    assert "at least 8 are needed" in info.value.message
    assert reads[0] == 4  # the probe's 3, one slow read, then the deadline (22 s) had passed
    (render,) = store.renders(kind="splat")
    assert render.status == "failed" and "ran out while checking the photos" in render.reason
