"""A readable, self-contained HTML screening report.

One page per screened file: the verdict, the checks that ran and those that could not (and why), then every
finding with its rule, action, score against its threshold, time, frame and legal basis. A visual finding shows
the flagged frame with the box drawn on it and the crop, next to the matched reference from the bank: all images
are inline base64 JPEGs, so the file can be mailed or archived on its own. Frames are re-read from the screened
file (one seek per distinct time); a thumbnail that cannot be made is replaced by a note, never by a failure.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studio.errors import StudioError

if TYPE_CHECKING:
    from studio.compliance.findings import Finding, Report
    from studio.compliance.refbank import ReferenceBank
    from studio.store import Store

THUMB_SIDE = 320  # long side of the frame thumbnails, pixels
MAX_THUMBNAILS = 40  # findings past this are listed without pictures
_COLOURS = {"pass": "#1b7f3b", "warn": "#9a6700", "review": "#b35900", "block": "#b3261e"}


def write_html_report(
    report: Report | Sequence[Report],
    path: str | os.PathLike[str],
    *,
    media_path: str | os.PathLike[str] | None = None,
    bank: ReferenceBank | None = None,
    store: Store | None = None,
    title: str = "Compliance report",
) -> Path:
    """Write the HTML report of ``report`` (or of several) to ``path`` atomically; returns the path.

    ``media_path``: the screened file to take thumbnails from (default: ``report.file``; for several reports,
    each report's own file). ``bank`` (or a ``store`` to open it from) supplies the reference thumbnails.
    """
    from studio.fsutil import atomic_output

    reports = [report] if not isinstance(report, (list, tuple)) else list(report)
    if bank is None and store is not None:
        from studio.compliance.refbank import ReferenceBank

        bank = ReferenceBank(store)
    sections = []
    for i, rep in enumerate(reports):
        media = Path(media_path) if (media_path is not None and len(reports) == 1) else Path(rep.file)
        sections.append(_section(rep, media, bank))
    page = _PAGE.format(title=html.escape(title), body="\n".join(sections))
    target = Path(path)
    with atomic_output(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target


def render_html(report: Report, *, media_path: str | os.PathLike[str] | None = None,
                bank: ReferenceBank | None = None) -> str:  # fmt: skip
    """The HTML page of one report as a string (for the app, which shows it inline)."""
    media = Path(media_path) if media_path is not None else Path(report.file)
    return _PAGE.format(title="Compliance report", body=_section(report, media, bank))


# -- one file -------------------------------------------------------------------------------------------------
def _section(report: Report, media: Path, bank: ReferenceBank | None) -> str:
    e = html.escape
    colour = _COLOURS.get(report.verdict, "#444")
    packs = ", ".join(f"{e(name)} v{version}" for name, version in report.packs.items()) or "none"
    run = ", ".join(e(c) for c in report.checks_run) or "none"
    skipped = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in report.checks_skipped.items())
    frames = _FrameSource(media)
    cards = []
    for i, finding in enumerate(report.findings):
        cards.append(_card(finding, frames if i < MAX_THUMBNAILS else None, bank))
    findings = "\n".join(cards) if cards else "<p class='none'>No findings.</p>"
    return f"""
<section class="file">
  <h2>{e(Path(report.file).name)} <span class="verdict" style="background:{colour}">{e(report.verdict.upper())}</span></h2>
  <p class="path">{e(str(report.file))}</p>
  <table class="meta">
    <tr><th>Findings</th><td>{len(report.findings)} ({_tally(report.findings)})</td></tr>
    <tr><th>Rule packs</th><td>{packs}</td></tr>
    <tr><th>Checks run</th><td>{run}</td></tr>
  </table>
  {f'<div class="skipped"><b>Checks that did not run</b><ul>{skipped}</ul></div>' if skipped else ""}
  {findings}
</section>"""


def _tally(findings: Sequence[Finding]) -> str:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.action] = counts.get(f.action, 0) + 1
    return ", ".join(f"{n} {a}" for a, n in counts.items()) or "none"


def _card(finding: Finding, frames: _FrameSource | None, bank: ReferenceBank | None) -> str:
    e = html.escape
    colour = _COLOURS.get(finding.action, "#444")
    hash_like = finding.detector in ("pdq", "phash")
    relation = "&le;" if hash_like else "&ge;"
    score = f"{finding.score:g}" if hash_like else f"{finding.score:.3f}"
    rows = [
        ("Detector", e(finding.detector)),
        ("Score", f"{score} {relation} {finding.threshold:g}"),
    ]
    if finding.reference:
        rows.append(("Matched", e(finding.reference) + _reference_note(finding.reference, bank)))
    if finding.time is not None:
        rows.append(("Time", f"{finding.time:.2f} s (frame {finding.frame})"))
    if finding.box is not None:
        rows.append(("Box", e(", ".join(str(v) for v in finding.box)) + " (x0, y0, x1, y1 px)"))
    if finding.suggestion:
        rows.append(("Suggestion", e(finding.suggestion)))
    if finding.legal:
        rows.append(("Legal", e(finding.legal)))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    pictures = ""
    if frames is not None and finding.box is not None and finding.time is not None:
        pictures = _pictures(finding, frames, bank)
    return f"""
  <div class="finding">
    <h3><span class="action" style="background:{colour}">{e(finding.action)}</span> {e(finding.rule)}</h3>
    <p class="message">{e(finding.message)}</p>
    <table>{table}</table>
    {pictures}
  </div>"""


def _reference_note(reference: str, bank: ReferenceBank | None) -> str:
    ref_id = _ref_id(reference)
    if bank is None or ref_id is None:
        return ""
    try:
        ref = bank.get(ref_id)
    except StudioError:
        return " <i>(no longer in the bank)</i>"
    licence = f", licence {html.escape(ref.licence)}" if ref.licence else ""
    return (
        f" &mdash; {html.escape(ref.name)}, owner {html.escape(ref.owner)}, {html.escape(ref.kind)}{licence}"
    )


def _pictures(finding: Finding, frames: _FrameSource, bank: ReferenceBank | None) -> str:
    try:
        frame, scale = frames.at(float(finding.time or 0.0))
    except (StudioError, OSError, ValueError) as exc:
        note = exc.message if isinstance(exc, StudioError) else str(exc)
        return f"<p class='note'>Thumbnail unavailable: {html.escape(note)}</p>"
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = (round(v * scale) for v in finding.box)  # type: ignore[union-attr]
    x0, x1 = sorted((min(max(x0, 0), w - 1), min(max(x1, 1), w)))
    y0, y1 = sorted((min(max(y0, 0), h - 1), min(max(y1, 1), h)))
    crop = frame[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]
    framed = _draw_box(frame, (x0, y0, x1, y1))
    figures = [
        _figure(framed, "Flagged frame"),
        _figure(crop, "Flagged region"),
    ]
    ref_id = _ref_id(finding.reference or "")
    if bank is not None and ref_id is not None:
        try:
            thumb = bank.thumbnail(ref_id, side=THUMB_SIDE)
        except StudioError:
            thumb = None
        figures.append(
            _figure(thumb, f"Reference {finding.reference}")
            if thumb is not None
            else "<figure class='missing'>reference image unavailable</figure>"
        )
    return f"<div class='pictures'>{''.join(figures)}</div>"


def _figure(image: np.ndarray, caption: str) -> str:
    return (
        f"<figure><img alt='{html.escape(caption)}' src='data:image/jpeg;base64,{_jpeg_b64(image)}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _jpeg_b64(image: np.ndarray, side: int = THUMB_SIDE) -> str:
    from PIL import Image

    picture = Image.fromarray(np.ascontiguousarray(image[..., :3]))
    picture.thumbnail((side, side), Image.BILINEAR)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _draw_box(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    out = frame.copy()
    x0, y0, x1, y1 = box
    t = max(2, min(frame.shape[:2]) // 150)
    red = np.array([230, 30, 30], dtype=np.uint8)
    out[y0 : y0 + t, x0:x1] = red
    out[max(y1 - t, 0) : y1, x0:x1] = red
    out[y0:y1, x0 : x0 + t] = red
    out[y0:y1, max(x1 - t, 0) : x1] = red
    return out


def _ref_id(reference: str) -> int | None:
    if reference.startswith("ref:") and reference[4:].isdigit():
        return int(reference[4:])
    return None


class _FrameSource:
    """Frames of the screened file, decoded once per distinct time."""

    def __init__(self, media: Path):
        self.media = media
        self._cache: dict[float, tuple[np.ndarray, float]] = {}

    def at(self, time_s: float) -> tuple[np.ndarray, float]:
        from studio.compliance.frames import frame_at
        from studio.compliance.visual import load_still
        from studio.media.types import is_video

        key = round(time_s, 3)
        if key not in self._cache:
            if not self.media.is_file():
                raise StudioError(f"the screened file {self.media} is no longer there")
            if is_video(self.media):
                self._cache[key] = frame_at(self.media, time_s)
            else:
                self._cache[key] = load_still(self.media)
        return self._cache[key]


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, "Noto Sans TC", sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d1d1f; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.3rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }}
h3 {{ font-size: 1.05rem; margin: 0 0 .4rem; }}
.verdict, .action {{ color: #fff; border-radius: 4px; padding: .1rem .5rem; font-size: .85em; }}
.path {{ color: #666; font-size: .85rem; word-break: break-all; }}
table {{ border-collapse: collapse; margin: .4rem 0; }} th {{ text-align: left; padding: .15rem 1rem .15rem 0;
  color: #555; font-weight: 600; vertical-align: top; }} td {{ padding: .15rem 0; }}
.finding {{ border: 1px solid #e3e3e3; border-radius: 6px; padding: .8rem 1rem; margin: .8rem 0; }}
.message {{ margin: .2rem 0 .4rem; }}
.skipped {{ background: #fff7e6; border: 1px solid #f0d9a8; border-radius: 6px; padding: .5rem 1rem; }}
.pictures {{ display: flex; flex-wrap: wrap; gap: 1rem; margin-top: .5rem; }}
figure {{ margin: 0; }} figure img {{ max-width: 320px; max-height: 320px; border: 1px solid #ccc; }}
figcaption {{ font-size: .8rem; color: #555; }} .note, .none, .missing {{ color: #666; font-style: italic; }}
</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
"""
