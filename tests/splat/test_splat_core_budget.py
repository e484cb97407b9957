"""The time budget plan (studio.splat.budget): pure arithmetic, no clock."""

from __future__ import annotations

import pytest

from studio.errors import InputError
from studio.splat import budget as B


def test_the_whole_budget_is_shared_by_spent_sfm_training_and_the_reserve():
    plan = B.plan_budget(600.0, 20.0, 150.0)
    assert plan.reserve_seconds == pytest.approx(B.RESERVE_SECONDS + B.RESERVE_SHARE * 600)
    assert plan.train_seconds == pytest.approx(600 - 20 - 150 - plan.reserve_seconds)
    assert plan.spent_seconds + plan.sfm_seconds + plan.train_seconds + plan.reserve_seconds == pytest.approx(
        600
    )
    assert plan.line() == "budget 10.0 min: spent 0.3, SfM ~2.5, training 6.8, export 0.4"
    assert plan.to_json()["train_seconds"] == pytest.approx(plan.train_seconds, abs=1e-3)


def test_train_minutes_caps_training_inside_the_budget_or_alone():
    assert B.plan_budget(600.0, 0.0, 100.0, train_only_seconds=60.0).train_seconds == 60.0
    assert B.plan_budget(600.0, 0.0, 100.0, train_only_seconds=9000.0).train_seconds < 600
    alone = B.plan_budget(None, 50.0, 100.0, train_only_seconds=120.0)
    assert alone.train_seconds == 120.0 and alone.line() == "training limit 2.0 min"
    assert (
        B.plan_budget(None, 0.0, 0.0).train_seconds is None
        and B.plan_budget(None, 0, 0).line() == "no time limit"
    )


def test_a_run_that_cannot_fit_is_refused_with_the_numbers_and_the_smallest_budget():
    with pytest.raises(InputError) as info:
        B.plan_budget(300.0, 10.0, 280.0, what="97 photos")
    message, hint = info.value.message, info.value.hint
    assert message.startswith("The time limit of 5.0 min cannot hold 97 photos:")
    assert "finding the camera poses takes about 4.7 min" in message
    smallest = float(hint.split("Allow at least ")[1].split(" minutes")[0])
    assert smallest * 60 > 300
    B.plan_budget(smallest * 60, 10.0, 280.0)  # the budget it suggests does hold the run
    with pytest.raises(
        InputError
    ):  # the hint rounds up to whole minutes; just under the exact smallest fails
        B.plan_budget(B.smallest_budget(290.0) - 1.0, 10.0, 280.0)
    with pytest.raises(InputError) as posed:  # no SfM to shrink: the hint only asks for more time
        B.plan_budget(60.0, 40.0, 0.0, what="training on a posed set")
    assert "--sfm-resolution" not in posed.value.hint and posed.value.hint.startswith("Allow at least")


def test_after_sfm_training_gets_what_is_left_never_less_than_the_floor():
    late = B.plan_budget(300.0, 290.0, 0.0, refuse=False)
    assert late.train_seconds == B.TRAIN_FLOOR_SECONDS
    on_time = B.plan_budget(300.0, 100.0, 0.0, refuse=False)
    assert on_time.train_seconds == pytest.approx(300 - 100 - B.reserve_seconds(300))


def test_sfm_may_run_until_only_the_reserve_and_the_training_floor_are_left():
    assert B.sfm_limit(None, 10.0) is None
    limit = B.sfm_limit(600.0, 30.0)
    assert limit == pytest.approx(600 - 30 - B.reserve_seconds(600) - B.TRAIN_FLOOR_SECONDS)
    after = B.plan_budget(600.0, 30.0 + limit, 0.0, refuse=False)  # an SfM that used all of it
    assert after.train_seconds == pytest.approx(B.TRAIN_FLOOR_SECONDS)
    assert after.spent_seconds + after.train_seconds + after.reserve_seconds == pytest.approx(600)
    assert B.sfm_limit(60.0, 100.0) == 1.0


def test_the_sfm_estimate_grows_with_images_pixels_and_pairs_and_is_cheaper_for_the_global_mapper():
    base = B.estimate_sfm_seconds(97, 0.76, 4656)
    assert set(base) == {"extract", "match", "map", "total"}
    assert base["total"] == pytest.approx(B.SFM_START_SECONDS + base["extract"] + base["match"] + base["map"])
    assert B.estimate_sfm_seconds(97, 1.9, 4656)["extract"] > base["extract"]
    assert B.estimate_sfm_seconds(97, 0.76, 1200)["match"] < base["match"]
    # matching follows the keypoints found: capped by max_features on large images, fewer on small ones
    large = B.estimate_sfm_seconds(97, 4.0, 4656)
    assert B.estimate_sfm_seconds(97, 4.0, 4656, max_features=4096)["match"] == pytest.approx(
        large["match"] / 2
    )
    assert B.estimate_sfm_seconds(97, 0.44, 4656)["match"] < base["match"]
    assert B.estimate_sfm_seconds(97, 0.76, 4656, mapper="global")["map"] < base["map"]
    # the plush run it is calibrated on (bench/README 12c, idle machine: 97 photos at 1008x756, 4,096
    # features, 1,488 retrieval pairs, global mapper: 59.9 / 29.6 / 24.4 s, 114.3 s with the worker's start)
    plush = B.estimate_sfm_seconds(97, 0.762, 1588, max_features=4096, mapper="global")
    assert plush["extract"] == pytest.approx(59.9, rel=0.15) and plush["match"] == pytest.approx(
        29.6, rel=0.15
    )
    assert plush["map"] == pytest.approx(24.4, rel=0.15) and 100 < plush["total"] < 135
    with pytest.raises(ValueError):
        B.estimate_sfm_seconds(-1, 1.0, 1)


def test_loading_is_extrapolated_from_the_median_probe_and_shown_in_the_plan():
    assert B.extrapolate([9.0, 1.0, 1.2], 100) == pytest.approx(120.0)  # a slow first read does not set it
    assert B.extrapolate([1.0, 3.0], 10) == pytest.approx(20.0) and B.extrapolate([], 10) == 0.0
    plan = B.plan_budget(120.0, 6.0, 0.0, load_seconds=12.0, images=60, of_images=100)
    assert plan.train_seconds == pytest.approx(120 - 6 - 12 - B.reserve_seconds(120))
    assert (
        plan.line() == "budget 2.0 min: spent 0.1, loading ~0.2, training 1.6, export 0.1; 60 of 100 images"
    )
    assert plan.to_json()["load_seconds"] == 12.0 and plan.to_json()["of_images"] == 100


def test_the_slowdown_comes_from_the_probe_and_scales_the_fixed_estimates():
    assert B.slowdown([0.05, 0.06, 0.04], [0.64, 0.64, 0.64]) == 1.0  # an idle machine: never below 1
    assert B.slowdown([0.3, 0.32, 0.9], [1.0, 1.0, 1.0]) == pytest.approx(3.2)
    assert B.slowdown([100.0], [0.01]) == B.MAX_SLOWDOWN
    assert B.reserve_seconds(600, 3.0) == pytest.approx(3 * B.RESERVE_SECONDS + B.RESERVE_SHARE * 600)
    slow = B.plan_budget(600.0, 0.0, 0.0, slow=3.0)
    assert (
        slow.reserve_seconds == pytest.approx(B.reserve_seconds(600, 3.0)) and slow.to_json()["slowdown"] == 3
    )


def test_fit_count_keeps_every_image_that_fits_and_subsamples_or_refuses_the_rest():
    per = 2.0  # seconds per image

    def cost(m):
        return per * m

    assert B.fit_count(None, 0.0, 100, cost, minimum=8) == 100  # no limit: everything
    assert B.fit_count(900.0, 0.0, 100, cost, minimum=8) == 100  # 200 s of 900: under a quarter
    # 300 s: loading all (200 s) would hold training but take 2/3 of the budget: subsampled to the quarter
    assert B.fit_count(300.0, 0.0, 100, cost, minimum=8) == 40  # 75 s would allow 37; never below 40
    m = B.fit_count(100.0, 0.0, 100, cost, minimum=8)  # the plan holds with at most m images
    assert 8 <= m < 40
    assert 100 - cost(m) - B.reserve_seconds(100) >= B.min_train_seconds(100)
    assert 100 - cost(m + 1) - B.reserve_seconds(100) < B.min_train_seconds(100)
    assert B.fit_count(50.0, 0.0, 100, cost, minimum=8) == 0  # not even 8 fit: the caller refuses
    assert B.fit_count(60.0, 0.0, 100, cost, minimum=8, slow=1.0) < B.fit_count(
        60.0, 0.0, 100, lambda m: 0.1 * m, minimum=8
    )


def test_spread_keeps_the_first_and_last_and_is_even():
    assert B.spread(10, 20) == list(range(10))
    assert B.spread(100, 5) == [0, 25, 50, 74, 99]
    picked = B.spread(87, 40)
    assert len(picked) == 40 and picked[0] == 0 and picked[-1] == 86 and picked == sorted(set(picked))
    assert B.spread(5, 1) == [0] and B.spread(5, 0) == []


def test_the_finish_reserve_grows_with_the_measured_step_cost():
    base = B.finish_seconds(600.0, step_seconds=0.01, holdout_views=13)
    assert base == pytest.approx(B.reserve_seconds(600.0))
    slow = B.finish_seconds(600.0, step_seconds=20.0, holdout_views=13)
    assert slow == pytest.approx(B.RESERVE_SECONDS + (13 + B.SCREEN_RENDERS) * B.EVAL_RENDER_STEPS * 20.0)
