"""The Batch tab: a catalogue and its photos (files or a ZIP) in, the plan with its row errors, a run on the local
worker pool with a live job table, the contact sheet and one ZIP of every output.

The handlers are plain functions of ``AppContext`` and the form values (tested directly, no browser); the
``build_batch_tab`` wiring only adapts them to Gradio.
"""

from __future__ import annotations

import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from studio.ui.context import GPU_QUEUE, AppContext

JOB_COLUMNS = ["product", "platform", "status", "attempts", "verdict", "error"]
ERROR_COLUMNS = ["row", "column", "problem"]
PLATFORMS = ["tiktok", "reels", "shorts", "instagram-feed", "square", "youtube"]
REFRESH_EVERY = 1.0  # seconds between job-table updates


def _paths(files: Any) -> list[Path]:
    from studio.ui.splat_tab import _paths as paths

    return paths(files)


def stage_catalogue(ctx: AppContext, catalogue: Any, photos: Any) -> Path:
    """Copy the catalogue and its photos (image files, or ZIPs unpacked safely) into a fresh folder."""
    from studio.errors import InputError
    from studio.fsutil import resolve_inside

    (cat_path,) = _paths(catalogue) or [None]
    if cat_path is None:
        raise InputError(
            "Upload a catalogue (CSV, TSV, YAML or JSON).", "A Shopify or WooCommerce export works."
        )
    folder = ctx.home / "batch-uploads" / (time.strftime("%Y%m%d-%H%M%S-") + f"{time.time_ns() % 10**6:06d}")
    folder.mkdir(parents=True)
    shutil.copy(cat_path, folder / cat_path.name)
    for photo in _paths(photos):
        if photo.suffix.lower() == ".zip":
            with zipfile.ZipFile(photo) as archive:
                for member in archive.infolist():
                    if member.is_dir():
                        continue
                    target = resolve_inside(folder, member.filename, what="ZIP entry")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        else:
            shutil.copy(photo, folder / photo.name)
    return folder / cat_path.name


def plan_handler(ctx: AppContext, catalogue: Any, photos: Any, platforms: list[str], template: str,
                 duration: float) -> tuple[str, list[list[Any]], str]:  # fmt: skip
    """Preview: a one-line summary, the row errors, and the staged catalogue's path (for Start)."""
    from studio.batch.plan import plan_batch

    staged = stage_catalogue(ctx, catalogue, photos)
    plan = plan_batch(staged, _outdir(ctx, staged), platforms=platforms or None, template=template or None,
                      images_dir=staged.parent, defaults={"duration": float(duration)}, store=ctx.store)  # fmt: skip
    summary = (
        f"**{staged.name}** ({plan.catalogue.format}): {len(plan.catalogue.products)} products, "
        f"{len(plan.jobs)} ads to make, {len(plan.skipped)} already made, {len(plan.errors)} rows with errors."
    )
    return summary, [[e.row, e.column, e.message] for e in plan.errors], str(staged)


def _outdir(ctx: AppContext, staged: Path) -> Path:
    return ctx.outputs / f"batch-{staged.parent.name}"


def run_handler(ctx: AppContext, staged: str, platforms: list[str], template: str, duration: float,
                screen: bool, workers: int | None = None) -> Iterator[tuple[str, list[list[Any]], str | None, str | None]]:  # fmt: skip
    """Start: yields (status line, job table, contact sheet path, ZIP path) as the batch runs."""
    from studio.batch.engines import LocalEngine
    from studio.batch.plan import batch_key, plan_batch
    from studio.batch.run import run_batch
    from studio.cancel import CancelToken
    from studio.errors import InputError, StudioError

    if not staged:
        raise InputError("Preview the plan first.", "Upload a catalogue and press Preview.")
    staged_path = Path(staged)
    outdir = _outdir(ctx, staged_path)
    plan = plan_batch(staged_path, outdir, platforms=platforms or None, template=template or None,
                      images_dir=staged_path.parent, defaults={"duration": float(duration)}, store=ctx.store)  # fmt: skip
    outcome: dict[str, Any] = {}
    cancel = CancelToken()

    def work() -> None:
        try:
            outcome["summary"] = run_batch(
                plan, ctx.store, LocalEngine(workers), screen=screen, cancel=cancel
            )
        except BaseException as exc:  # noqa: BLE001 - shown to the user below
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="batch-coordinator", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(REFRESH_EVERY)
            batch = ctx.store.batch_for_key(batch_key(outdir))
            if batch is not None:
                yield _status(ctx, batch.id), job_table(ctx, batch.id), None, None
    finally:
        cancel.cancel("the page was closed")  # Gradio closes the generator on Stop
        thread.join()
    if "error" in outcome:
        exc = outcome["error"]
        raise exc if isinstance(exc, StudioError) else InputError(f"The batch failed: {exc}")
    summary = outcome["summary"]
    archive = zip_outputs(summary.outdir)
    yield (
        _status(ctx, summary.batch_id),
        job_table(ctx, summary.batch_id),
        str(summary.contact_sheet),
        str(archive),
    )


def _status(ctx: AppContext, batch_id: int) -> str:
    counts = ctx.store.job_counts(batch_id)
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "queued"


def job_table(ctx: AppContext, batch_id: int) -> list[list[Any]]:
    return [[j.product_id, j.platform, j.status, j.attempts, j.verdict or "", j.error or ""]
            for j in ctx.store.jobs(batch_id)]  # fmt: skip


def zip_outputs(outdir: Path) -> Path:
    """Every published output of the batch (not its staging or logs) as one ZIP next to the folder."""
    from studio.fsutil import atomic_output

    target = outdir.with_name(outdir.name + ".zip")
    with atomic_output(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(outdir.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                archive.write(path, path.name)
    return target


def build_batch_tab(ctx: AppContext) -> None:
    """The tab's components and events (called inside ``with gr.Tab("Batch")``)."""
    from studio.errors import StudioError

    with gr.Row():
        with gr.Column():
            catalogue = gr.File(label="Catalogue (Shopify / WooCommerce CSV, Merchant Center feed, studio CSV)",
                                file_types=[".csv", ".tsv", ".txt", ".yaml", ".yml", ".json"],
                                elem_id="batch-catalogue")  # fmt: skip
            photos = gr.File(label="Photos (images or a ZIP)", file_count="multiple", elem_id="batch-photos")
            platforms = gr.CheckboxGroup(
                PLATFORMS, value=["tiktok"], label="Platforms", elem_id="batch-platforms"
            )
            with gr.Row():
                template = gr.Dropdown(["", "showcase", "promo", "features"], value="", label="Template")
                duration = gr.Slider(5, 60, value=15, step=1, label="Seconds")
                screen = gr.Checkbox(value=True, label="Compliance screen")
            with gr.Row():
                preview = gr.Button("Preview plan", elem_id="batch-preview")
                start = gr.Button("Start", variant="primary", elem_id="batch-start")
        with gr.Column():
            summary = gr.Markdown(elem_id="batch-summary")
            errors = gr.Dataframe(headers=ERROR_COLUMNS, label="Rows with errors", interactive=False)
            status = gr.Markdown(elem_id="batch-status")
            jobs = gr.Dataframe(headers=JOB_COLUMNS, label="Jobs", interactive=False, elem_id="batch-jobs")
            sheet = gr.File(label="Contact sheet", elem_id="batch-sheet")
            archive = gr.File(label="All outputs (ZIP)", elem_id="batch-zip")
    staged = gr.State("")

    def on_preview(cat, pics, plats, tmpl, secs):
        try:
            return plan_handler(ctx, cat, pics, plats, tmpl, secs)
        except StudioError as exc:
            raise gr.Error(exc.one_line()) from None

    def on_start(path, plats, tmpl, secs, scr):
        try:
            yield from run_handler(ctx, path, plats, tmpl, secs, scr)
        except StudioError as exc:
            raise gr.Error(exc.one_line()) from None

    preview.click(on_preview, [catalogue, photos, platforms, template, duration], [summary, errors, staged],
                  api_name="batch_plan")  # fmt: skip
    start.click(on_start, [staged, platforms, template, duration, screen], [status, jobs, sheet, archive],
                api_name="batch_run", concurrency_limit=1, concurrency_id=GPU_QUEUE)  # fmt: skip
