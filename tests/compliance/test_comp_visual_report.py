"""The HTML report: thumbnails of the flagged frame and region next to the reference, escaping, no crashes."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from studio.compliance.findings import Finding, Report
from studio.compliance.refbank import ReferenceBank
from studio.compliance.report_html import render_html, write_html_report
from studio.compliance.rules import load_pack
from studio.compliance.visual import screen_media
from studio.store import open_store


def _images(page: str) -> list[Image.Image]:
    found = re.findall(r"src='data:image/jpeg;base64,([A-Za-z0-9+/=]+)'", page)
    return [Image.open(io.BytesIO(base64.b64decode(b))) for b in found]


@pytest.fixture
def bank(tmp_path, media):
    bank = ReferenceBank(open_store())
    path = tmp_path / "rival.png"
    media.logo(5).save(path)
    bank.add([path], owner="Rival <script>alert(1)</script> Co", licence="all rights reserved")
    return bank


def test_image_report_shows_frame_region_and_reference(tmp_path, media, bank):
    frame = media.paste(media.scene(8, size=(800, 1000)), media.logo(5), (400, 500, 700, 800))
    path = tmp_path / "ad.jpg"
    frame.save(path, quality=90)
    findings, run, skipped = screen_media(path, packs=[load_pack("ip")], bank=bank, embedder=None)
    assert findings
    report = Report.build(str(path), findings, checks_run=run, checks_skipped=skipped, packs={"ip": 1})
    out = write_html_report(report, tmp_path / "ad.html", bank=bank)
    page = out.read_text(encoding="utf-8")
    assert "BLOCK" in page and "ip.near-copy" in page and "ip v1" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page  # owner text is escaped
    assert "Checks that did not run" in page and "studio models pull clip" in page
    pictures = _images(page)
    assert len(pictures) == 3  # flagged frame (with the box drawn), flagged region, reference
    frame_thumb, region, reference = pictures
    assert max(frame_thumb.size) <= 320 and frame_thumb.size[1] > frame_thumb.size[0]
    assert abs(region.size[0] / region.size[1] - 1.0) < 0.15  # the square logo region, not the frame
    assert reference.size == (256, 256) or max(reference.size) <= 320


def test_video_report_takes_the_frame_at_the_finding_time(tmp_path, media, bank):
    background = media.scene(9, size=(360, 640))
    shown = media.paste(background, media.logo(5), (60, 200, 300, 440))
    video = media.video(tmp_path / "ad.mp4", [background, shown], 1.0)
    findings, run, skipped = screen_media(video, packs=[load_pack("ip")], bank=bank, embedder=None)
    assert findings and findings[0].time >= 1.0
    report = Report.build(str(video), findings, checks_run=run, checks_skipped=skipped)
    page = render_html(report, bank=bank)
    pictures = _images(page)
    assert len(pictures) == 3
    assert f"{findings[0].time:.2f} s" in page


def test_text_findings_and_missing_media_do_not_break_the_report(tmp_path, bank):
    text = Finding(rule="tw-ads.food.medical-efficacy", action="block", detector="phrase", score=1.0,
                   threshold=1.0, message="降血壓 is a medical claim", reference="降血壓", time=1.0,
                   suggestion="幫助維持健康")  # fmt: skip
    visual = Finding(rule="ip.near-copy", action="block", detector="pdq", score=3, threshold=31,
                     message="copy", reference="ref:999", frame=0, time=0.0, box=(0, 0, 10, 10))  # fmt: skip
    report = Report.build(str(tmp_path / "gone.mp4"), [text, visual])
    out = write_html_report([report, Report.build("copy.txt", [])], tmp_path / "r.html", store=bank.store)
    page = out.read_text(encoding="utf-8")
    assert "降血壓" in page and "幫助維持健康" in page
    assert "Thumbnail unavailable" in page and "no longer there" in page
    assert "No findings." in page and "PASS" in page
    assert _images(page) == []
