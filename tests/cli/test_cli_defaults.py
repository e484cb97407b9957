"""CLI defaults are the option models' defaults (read from them, not restated), so the two cannot drift."""

from __future__ import annotations

import typing

import click

from studio.categories import CATEGORIES, DEFAULT_CATEGORY
from studio.cli.common import choices, default
from studio.devices import DEVICE_CHOICES
from studio.spec import AdSpec
from studio.splat.capture import CaptureThresholds
from studio.splat.pipeline import ReconstructOptions


def _params(command: click.Command) -> dict[str, click.Parameter]:
    return {p.name: p for p in command.params}


def test_splat_build_options_are_the_reconstruct_options_defaults():
    from studio.cli.splat import build

    params = _params(build)
    for name in (
        "sfm_resolution",
        "device",
        "holdout",
        "masks",
        "video_frames",
        "matcher",
        "schedule",
        "seed",
    ):
        assert params[name].default == ReconstructOptions.model_fields[name].default, name
    assert params["formats"].default.split(",") == list(ReconstructOptions.model_fields["formats"].default)
    for name in ("masks", "matcher", "schedule"):
        allowed = list(typing.get_args(ReconstructOptions.model_fields[name].annotation))
        assert list(params[name].type.choices) == allowed, name
    assert list(params["device"].type.choices) == list(DEVICE_CHOICES)


def test_splat_check_and_other_commands():
    from studio.cli.ad import ad
    from studio.cli.compliance import screen
    from studio.cli.splat import check

    assert _params(check)["min_usable"].default == CaptureThresholds().min_usable
    assert _params(check)["video_frames"].default == ReconstructOptions().video_frames
    assert list(_params(ad)["language"].type.choices) == ["zh-TW", "en"] == choices(AdSpec, "language")
    assert _params(screen)["category"].default == DEFAULT_CATEGORY.value == CATEGORIES[0]


def test_default_reads_pydantic_and_dataclass_fields():
    assert default(ReconstructOptions, "formats") == ("ply", "splat")
    assert default(ReconstructOptions, "train") == {}  # default_factory
    assert default(CaptureThresholds, "recommended") == 20
    try:
        default(CaptureThresholds, "no_such_field")
    except KeyError as exc:
        assert "no_such_field" in str(exc)
    else:
        raise AssertionError("a missing field must not pass silently")


def test_splat_render_and_the_3d_studio_use_the_spin_defaults_of_render_orbit():
    import inspect

    from studio.cli.splat import render
    from studio.splat.spin import render_orbit
    from studio.ui.splat_tab import use_in_ad_handler

    library = inspect.signature(render_orbit).parameters
    params = _params(render)
    for name in ("width", "height", "seconds", "fps"):
        assert params[name].default == library[name].default, name
    ui = inspect.signature(use_in_ad_handler).parameters
    assert (ui["seconds"].default, ui["size"].default) == (
        library["seconds"].default,
        library["width"].default,
    )


def test_unset_screen_rate_and_calibration_precision_leave_the_library_defaults():
    from studio.cli.compliance import calibrate_command, screen

    assert _params(screen)["fps"].default is None
    assert _params(calibrate_command)["precision"].default is None
