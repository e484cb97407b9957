"""The UI's pure helpers: time left, messages without server paths, field errors named as the form labels them,
what a new upload clears, the capture report table, and the token the Stop button cancels."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from studio.spec import AdSpec
from studio.ui.ad_tab import field_errors, new_upload_values
from studio.ui.jobs import UiCancelToken, duration_text, eta_text, plain, progress_reporter, stop
from studio.ui.splat_tab import capture_rows


def test_time_left_from_the_pace_so_far():
    assert eta_text(0.0, 30) == "" and eta_text(0.5, 0.2) == ""  # too early to tell
    assert eta_text(0.25, 60) == "about 3 min left"
    assert eta_text(0.5, 10) == "about 10 s left"
    assert duration_text(3725) == "1 h 2 min" and duration_text(75) == "1 min 15 s"
    seen = []
    clock = iter([0.0, 40.0]).__next__
    report = progress_reporter(lambda f, desc: seen.append((f, desc)), clock=clock)
    report(0.4, "tiktok: frame 180/450")
    assert seen == [(0.4, "tiktok: frame 180/450 · about 1 min left")]
    assert progress_reporter(None) is None


def test_messages_carry_no_server_paths():
    text = "山嵐-tiktok.mp4 was blocked; it was moved to /home/amy/.studio/quarantine/20261201-x (see C:\\a\\b.json)."
    assert plain(text) == "山嵐-tiktok.mp4 was blocked; it was moved to 20261201-x (see b.json)."
    assert plain("NT$ 680 / 買二送一") == "NT$ 680 / 買二送一"  # a lone slash in copy is not a path


def _errors(**data):
    base = {"product": "山嵐茶坊", "photos": ["a.jpg"], "headline": "一口喝見"}
    with pytest.raises(ValidationError) as err:
        AdSpec.model_validate({**base, **data})
    return field_errors(err.value)


def test_field_errors_name_the_form_fields_in_plain_words():
    assert _errors(headline="") == "Headline is empty."
    assert _errors(product="") == "Product name is empty."
    assert _errors(cta="立" * 41) == "Call to action is too long: 41 characters, at most 40."
    assert _errors(selling_points=["a"] * 7) == "Selling points: at most 6, got 7."
    assert _errors(duration=2) == "Duration must be at least 5.0."
    long_point = _errors(selling_points=["高山" * 31])
    assert long_point.startswith("Selling point '") and "62 characters; at most 60" in long_point
    assert "form field" not in long_point and "String should" not in _errors(headline="")
    assert _errors(brand={"primary": "green"}) == "The brand colour 'green' is not a colour like #1F5F4A."


def test_a_new_upload_clears_what_still_is_the_sample():
    sample = {"product": "山嵐茶坊", "headline": "把山上的霧", "selling_points": ["手採"], "price": "NT$680",
              "cta": "立即選購", "category": "food", "brand": {"primary": "#1E4A38", "accent": "#C8A258"},
              "photos": ["/x/photo-1-hero.jpg"], "logo": "/x/logo.png"}  # fmt: skip
    values = {"photos": ["/tmp/g/photo-1-hero.jpg", "/tmp/g/mine.jpg"], "product": "山嵐茶坊",
              "headline": "我的標題", "points": "手採", "price": "NT$680", "cta": "立即選購", "category": "food",
              "primary": "#1e4a38", "accent": "rgba(200, 162, 88, 1)", "logo": "/tmp/g/logo.png"}  # fmt: skip
    out = new_upload_values(sample, values)
    assert out["photos"] == ["/tmp/g/mine.jpg"] and out["logo"] is None
    assert out["headline"] == "我的標題"  # the user's own edit stays
    assert (out["product"], out["points"], out["price"], out["cta"]) == ("", "", "", "")
    assert (out["category"], out["primary"], out["accent"]) == ("general", "#1F5F4A", "#E8B04B")
    assert new_upload_values({}, values) == values  # no sample loaded: nothing to clear


def test_capture_report_rows_read_as_a_table():
    data = {"usable_images": ["a.jpg"], "blurry": ["b.jpg"], "duplicates": [{"file": "c.jpg", "duplicate_of": "a.jpg"}],
            "skipped": [{"file": "d.jpg", "reason": "too small"}], "ignored": ["notes.txt"],
            "images": [{"name": n, "width": 640, "height": 480, "blur": 81.234, "brightness": 0.5}
                       for n in ("a.jpg", "b.jpg", "c.jpg")]}  # fmt: skip
    rows = capture_rows(data)
    assert rows[0] == ["a.jpg", "640x480", 81.2, "50%", "✓ usable"]
    assert rows[1][4] == "× not used (blurry)" and rows[2][4] == "× not used (repeats a.jpg)"
    assert rows[3] == ["d.jpg", "", "", "", "× skipped: too small"] and rows[4][4] == "ignored (not an image)"


def test_stop_cancels_the_sessions_token():
    token = UiCancelToken()
    assert not token.is_set()
    stop(token)
    assert token.cancelled and token.is_set() and "stopped from the page" in token.reason
    stop(None)  # nothing running: nothing to do


def test_the_app_puts_quick_work_and_lists_off_the_gpu_queue(tmp_path):
    """Renders, builds and spins share the GPU queue; lists, overrides and capture checks never wait behind it;
    every list loads on page load and again after each job."""
    from studio.ui.app import build_app, make_context
    from studio.ui.context import GPU_QUEUE
    from studio.ui.jobs import QUICK_QUEUE

    demo = build_app(make_context(tmp_path / "home"), sample=False)
    fns = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    for heavy in ("generate_ad", "splat_build", "splat_use_in_ad"):
        assert fns[heavy].concurrency_id == GPU_QUEUE and fns[heavy].concurrency_limit == 1
    for quick in (
        "lists",
        "publish_blocked_ad",
        "splat_check",
        "screen_copy",
        "override",
        "refresh_quarantine",
    ):
        assert fns[quick].concurrency_id == QUICK_QUEUE, quick
    deps = demo.config["dependencies"]
    lists = next(d for d in deps if d.get("api_name") == "lists")
    assert any(t[1] == "load" for t in lists["targets"])  # on every page load
    after_jobs = [d for d in deps if d["outputs"] == lists["outputs"] and d.get("trigger_after") is not None]
    job_ids = {
        d["id"] for d in deps if d.get("api_name") in ("generate_ad", "splat_build", "screen", "override")
    }
    assert job_ids <= {d["trigger_after"] for d in after_jobs}  # and again after each job
