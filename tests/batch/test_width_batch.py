"""`studio batch plan|run --width`: every ad rendered that many pixels wide; the width is part of the job key."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from studio.batch.plan import plan_batch
from studio.errors import InputError
from tests.batch.batchrun import env_for, run_batch_cli
from tests.batch.catalogues import write_csv
from tests.helpers import ffprobe

HEADER = ["id", "product", "headline", "photos", "platforms"]


def test_the_width_is_part_of_the_job_key(photos, tmp_path):
    catalogue = write_csv(photos / "c.csv", HEADER, [["T1", "Tea", "Fresh tea", "p0.jpg", "tiktok|square"]])
    full = plan_batch(catalogue, tmp_path / "out")
    half = plan_batch(catalogue, tmp_path / "out", width=540)
    assert full.options == {} and half.options == {"width": 540}
    assert {j.spec_hash for j in full.jobs}.isdisjoint(j.spec_hash for j in half.jobs)
    assert [j.spec for j in full.jobs] == [j.spec for j in half.jobs]  # the spec itself is unchanged
    with pytest.raises(InputError, match="even"):
        plan_batch(catalogue, tmp_path / "out", width=541)
    wide = plan_batch(catalogue, tmp_path / "out", width=1200)  # wider than TikTok's 1080 px: the row's error
    assert not wide.jobs and "1200" in wide.errors[0].message


def test_batch_run_at_a_width(photos, tmp_path, studio_home):
    catalogue = write_csv(photos / "c.csv", HEADER, [["T1", "Tea", "Fresh tea", "p0.jpg", "tiktok|square"]])
    out = tmp_path / "out"
    result = run_batch_cli(catalogue, out, studio_home, "--width", "240", "--workers", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["done"] == 2
    for platform, size in (("tiktok", (240, 426)), ("square", (240, 240))):
        (video,) = [s for s in ffprobe(out / f"t1-{platform}.mp4")["streams"] if s["codec_type"] == "video"]
        assert (video["width"], video["height"]) == size
        assert int(video["nb_read_frames"]) == 150
    bad = subprocess.run([sys.executable, "-m", "studio", "batch", "plan", str(catalogue), "-o", str(out),
                          "--width", "241"], env=env_for(studio_home), capture_output=True, text=True,
                         check=False)  # fmt: skip
    assert bad.returncode == 2 and "even number of pixels" in bad.stderr
