"""What a batch leaves for people: a results CSV and an HTML contact sheet (covers with their verdicts, failed
rows with their reasons). Both are written to a temp file and renamed."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from studio.batch.catalogue import RowError
from studio.fsutil import atomic_output
from studio.store import JobRow

RESULT_COLUMNS = ("product", "platform", "status", "path", "verdict", "error", "attempts", "row")


def _video(job: JobRow) -> str:
    return next((o["path"] for o in job.outputs if o.get("kind") == "video"), "")


def _cover(job: JobRow) -> str:
    return next((o["path"] for o in job.outputs if o.get("kind") == "cover"), "")


def write_results_csv(jobs: list[JobRow], path: Path, row_errors=()) -> Path:
    """One row per job: product, platform, status, path (relative to the output folder), verdict, error; then one
    ``invalid`` row per catalogue row that could not be planned. UTF-8 with a BOM, so Excel shows Chinese."""
    with atomic_output(path) as tmp, open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(RESULT_COLUMNS)
        for job in jobs:
            writer.writerow([job.product_id, job.platform, job.status, _video(job), job.verdict or "",
                             job.error or "", job.attempts, job.row or ""])  # fmt: skip
        for error in row_errors:
            writer.writerow(["", "", "invalid", "", "", str(error), 0, error.row])
    return path


def write_contact_sheet(jobs: list[JobRow], row_errors: tuple[RowError, ...] | list[RowError], path: Path,
                        *, title: str = "batch") -> Path:  # fmt: skip
    """A self-contained HTML page next to the outputs (covers referenced by relative path)."""
    esc = html.escape
    cards = []
    for job in jobs:
        verdict = job.verdict or ("not screened" if job.status == "done" else "")
        if job.status == "done" and _cover(job):
            body = (
                f'<a href="{esc(_video(job))}"><img src="{esc(_cover(job))}" alt="{esc(job.product_id)}"></a>'
            )
        else:
            body = f'<div class="reason">{esc(job.error or job.status)}</div>'
        cards.append(
            f'<figure class="job {esc(job.status)} verdict-{esc(verdict.replace(" ", "-"))}">{body}'
            f"<figcaption><b>{esc(job.product_id)}</b> · {esc(job.platform)}<br>"
            f'<span class="status">{esc(job.status)}</span> <span class="verdict">{esc(verdict)}</span>'
            "</figcaption></figure>"
        )
    errors = "".join(
        f"<tr><td>{e.row}</td><td>{esc(e.column)}</td><td>{esc(e.message)}</td></tr>" for e in row_errors
    )
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    page = f"""<!doctype html>
<html lang="zh-Hant"><head><meta charset="utf-8"><title>{esc(title)} · contact sheet</title>
<style>
body {{ font-family: "Noto Sans TC", system-ui, sans-serif; margin: 1.5rem; background: #fafafa; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px; }}
figure {{ margin: 0; background: #fff; border: 2px solid #ddd; border-radius: 6px; padding: 6px; }}
figure img {{ width: 100%; height: 200px; object-fit: contain; background: #eee; }}
.verdict-pass {{ border-color: #2e7d32; }} .verdict-warn {{ border-color: #f9a825; }}
.verdict-block, .failed {{ border-color: #c62828; }}
.reason {{ height: 200px; overflow: auto; color: #c62828; font-size: 0.85rem; }}
figcaption {{ font-size: 0.85rem; margin-top: 4px; }}
table {{ border-collapse: collapse; margin-top: 1rem; }} td, th {{ border: 1px solid #ccc; padding: 4px 8px; }}
</style></head><body>
<h1>{esc(title)}</h1><p>{esc(summary)}</p>
<div class="grid">{"".join(cards)}</div>
{
        "<h2>Rows that could not be planned</h2><table><tr><th>row</th><th>column</th><th>problem</th></tr>"
        + errors
        + "</table>"
        if errors
        else ""
    }
</body></html>
"""
    with atomic_output(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
