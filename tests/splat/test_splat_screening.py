"""The 3D export runs the compliance gate on renders of the model before it is published."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.errors import ComplianceError
from studio.splat.gaussians import init_from_points
from studio.splat.screening import screen_model
from studio.splat.spin import preview_images
from studio.store import Store


def _model():
    rng = np.random.default_rng(1)
    points = rng.normal(0, 0.3, (300, 3))
    colours = rng.integers(0, 255, (300, 3))
    return init_from_points(points, colours, sh_degree=0, opacity=0.9)


def test_clean_model_passes_and_gets_a_report(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    g = _model()
    tmp = g.save(tmp_path / "staged.safetensors")
    final = tmp_path / "out" / "model.safetensors"
    final.parent.mkdir()
    result = screen_model(g, tmp, final, store=store)
    assert result.report.verdict in ("pass", "warn")
    assert tmp.is_file(), "the caller publishes the staged file after a pass"
    assert not final.with_name(
        final.name + ".compliance.json"
    ).exists()  # staged with the file until published
    result.publish(tmp, final)
    assert final.is_file() and final.with_name(final.name + ".compliance.json").is_file()


def test_the_gate_uses_the_store_it_is_given_not_the_global_one(tmp_path):
    from studio.compliance.refbank import ReferenceBank
    from studio.store import open_store

    g = _model()
    protected = tmp_path / "protected.png"
    Image.fromarray(preview_images(g, n=4, size=256)[1]).save(protected)
    ReferenceBank(open_store()).add([protected], owner="Competitor Inc.")  # only in the global store
    mine = Store(tmp_path / "mine.sqlite3")
    tmp = g.save(tmp_path / "staged.safetensors")
    result = screen_model(g, tmp, tmp_path / "model.safetensors", store=mine)
    assert result.report.verdict in ("pass", "warn") and "pdq" not in result.report.checks_run
    ReferenceBank(mine).add([protected], owner="Competitor Inc.")
    with pytest.raises(ComplianceError, match="blocked"):
        screen_model(g, tmp, tmp_path / "model.safetensors", store=mine)


def test_model_that_copies_a_protected_product_is_quarantined(tmp_path, studio_home):
    from studio.compliance.refbank import ReferenceBank

    store = Store(tmp_path / "s.sqlite3")
    g = _model()
    protected = tmp_path / "protected.png"
    Image.fromarray(preview_images(g, n=4, size=256)[1]).save(protected)  # someone else's product, same look
    ReferenceBank(store).add([protected], owner="Competitor Inc.", licence="all rights reserved")
    tmp = g.save(tmp_path / "staged.safetensors")
    final = tmp_path / "out" / "model.safetensors"
    final.parent.mkdir()
    with pytest.raises(ComplianceError, match="blocked"):
        screen_model(g, tmp, final, store=store)
    assert not tmp.exists() and not final.exists()
    assert list(studio_home.glob("quarantine/*/*.safetensors"))


def test_a_published_spin_is_gated_signed_and_a_blocked_one_never_appears(tmp_path, studio_home):
    """``publish_spin`` (the CLI's and the 3D Studio's one way to a spin MP4): a pass is published with its
    report and a signed manifest; a spin that shows a protected picture is quarantined, nothing at ``out``."""
    from studio.compliance.provenance import read_manifest
    from studio.compliance.refbank import ReferenceBank
    from studio.media.decode import frame_at
    from studio.splat.screening import publish_spin

    store = Store(tmp_path / "s.sqlite3")
    g = _model()
    first = tmp_path / "out" / "spin.mp4"
    path, gated = publish_spin(g, first, store=store, width=128, height=128, seconds=1.0, fps=8)
    assert path == first and first.is_file()
    report = first.with_name("spin.mp4.compliance.json")
    assert report.is_file() and gated.report.verdict in ("pass", "warn") and gated.signed
    assert read_manifest(first).verdict == gated.report.verdict
    assert not list(first.parent.glob(".*part*")), "the staged file is gone once published"

    protected = tmp_path / "protected.png"
    Image.fromarray(frame_at(first, 0.0).rgb()).save(protected)  # someone else's picture of the same view
    ReferenceBank(store).add([protected], owner="Competitor Inc.", licence="all rights reserved")
    second = tmp_path / "out" / "again.mp4"
    with pytest.raises(ComplianceError, match="blocked"):
        publish_spin(g, second, store=store, width=128, height=128, seconds=1.0, fps=8)
    assert not second.exists() and not second.with_name("again.mp4.compliance.json").exists()
    assert not list(second.parent.glob(".*part*"))
    assert list(studio_home.glob("quarantine/*/*.mp4"))
