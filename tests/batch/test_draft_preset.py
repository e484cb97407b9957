"""The batch's draft encode follows the x264 preset sweep (bench/README.md, issue 10): the fastest preset that
keeps SSIM >= 0.98 at the width rendered, read back from the encoder's own settings in the published MP4."""

from __future__ import annotations

import re
from pathlib import Path

from studio.batch.engines import LocalEngine
from studio.batch.plan import plan_batch
from studio.batch.run import run_batch
from studio.media.encode import draft_preset
from studio.store import Store
from tests.batch.catalogues import write_csv

HEADER = ["id", "product", "headline", "selling_points", "price", "photos", "platforms", "duration", "music"]


def x264_options(mp4: Path) -> str:
    """The option string x264 writes into the stream (its SEI user data): what the encode really used."""
    match = re.search(rb"x264 - core \d+.*?options: ([^\x00]*)", mp4.read_bytes())
    assert match, f"no x264 settings in {mp4}"
    return match.group(1).decode("ascii", "replace")


def test_the_draft_preset_follows_the_measured_widths():
    assert draft_preset(540) == draft_preset(360) == "ultrafast"  # SSIM 0.992 at 540 px
    assert (
        draft_preset(1080) == draft_preset(None) == "superfast"
    )  # ultrafast's luma fell to 0.978 at 1080 px


def test_a_540px_draft_batch_is_encoded_ultrafast(photos: Path, tmp_path: Path):
    catalogue = write_csv(
        photos / "c.csv", HEADER, [["tea", "Tea", "Fresh tea", "", "", "p0.jpg", "square", "5", ""]]
    )
    store = Store(tmp_path / "studio.sqlite3")
    plan = plan_batch(catalogue, tmp_path / "out", width=540, store=store)
    summary = run_batch(plan, store, LocalEngine(1), screen=False, max_attempts=1)
    assert summary.counts["done"] == 1, (plan.errors, [j.error for j in store.jobs(summary.batch_id)])
    options = x264_options(tmp_path / "out" / "tea-square.mp4")
    # ultrafast: CAVLC (no CABAC), no B-frames, no deblocking; superfast would have cabac=1
    assert "cabac=0" in options and "bframes=0" in options, options
