"""The Batch tab: a catalogue and its photos in, the plan with its row errors, a run with a live job table, the
contact sheet and every output as one ZIP.

The handlers are plain functions of ``(ctx, ...)`` so tests call them without a browser; ``build_batch_tab`` wires
them to Gradio components. Uploads land in ``outputs/batch/<digest of the uploads>/input``: the same files give the
same folder, so previewing or starting again resumes that batch (finished jobs are skipped) instead of starting
over. The run is the CLI's ``studio batch run`` with the local engine, in a worker thread on the heavy queue
(``concurrency_id=GPU_QUEUE``); Stop cancels it through its ``CancelToken``.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import stat
import threading
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import gradio as gr

from studio.ui.ad_tab import PLATFORM_CHOICES
from studio.ui.context import GPU_QUEUE, MAX_UPLOAD_BYTES, AppContext

CATALOGUE_SUFFIXES = (".csv", ".tsv", ".txt", ".yaml", ".yml", ".json")
ERROR_HEADERS = ["row", "column", "problem"]
PLAN_HEADERS = ["row", "product", "platform", "state", "notes"]
JOB_HEADERS = ["id", "product", "platform", "status", "attempts", "verdict", "seconds", "output", "error"]
# the CLI's platform names with their aspect ratio (labels unlike the Ad Studio's, so each tab's boxes are found)
PLATFORMS = [(f"{value} ({label.split()[-1]})", value) for label, value in PLATFORM_CHOICES]
STORED = (".mp4", ".jpg", ".jpeg", ".png", ".webp", ".zip")  # already compressed: zipped without deflate


def _error(exc: Exception) -> gr.Error:
    from studio.errors import StudioError

    return gr.Error(exc.one_line() if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}")


def _check_size(path: Path, what: str) -> None:
    from studio.errors import InputError

    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:  # the module's (tests lower it)
        raise InputError(
            f"The {what} {path.name} is {size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.",
            "Upload fewer or smaller photos at a time (several ZIPs of the same catalogue are fine).",
        )


# -- uploads ------------------------------------------------------------------------------------------------------
def extract_zip(archive: Path, dest: Path, limit: int | None = None) -> list[Path]:
    """Extract ``archive`` into ``dest``. Every entry is checked before anything is written: no absolute path, no
    ``..``, no link, nothing resolving outside ``dest``, and at most ``limit`` bytes unpacked in all (counted as
    the bytes are written too, so a ZIP that lies about its sizes stops there)."""
    from studio.errors import InputError
    from studio.fsutil import resolve_inside

    limit = MAX_UPLOAD_BYTES if limit is None else limit
    dest.mkdir(parents=True, exist_ok=True)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"{archive.name} is not a readable ZIP file ({exc}).", "Upload a .zip of the photos."
        ) from None
    with zf:
        entries = []
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            if info.is_dir() or name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._"):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                raise InputError(f"The ZIP entry {name!r} is a symbolic link.", "Zip the photos themselves.")
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in PurePosixPath(name).parts:
                raise InputError(
                    f"The ZIP entry {name!r} points outside the upload folder.",
                    "Zip the catalogue's folder with paths relative to it (no '..', no absolute paths).",
                )
            entries.append((info, resolve_inside(dest, name, what="ZIP entry")))
        declared = sum(info.file_size for info, _ in entries)
        if declared > limit:
            raise InputError(
                f"{archive.name} unpacks to {declared / 2**20:.0f} MB; the limit is {limit // 2**20} MB.",
                "Split the photos into several smaller ZIPs.",
            )
        written = 0
        out = []
        for info, target in entries:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.part")
            try:
                with zf.open(info) as src, open(tmp, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > limit:
                            raise InputError(
                                f"{archive.name} unpacks to more than {limit // 2**20} MB.",
                                "Split the photos into several smaller ZIPs.",
                            )
                        dst.write(chunk)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            out.append(target)
    return out


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        h.update(path.name.encode("utf-8") + b"\0")
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()[:16]


def stage_uploads(ctx: AppContext, catalogue: str | None, photos: list[str] | None) -> tuple[Path, Path]:
    """Copy the catalogue and photos (files or ZIPs) into this upload's folder; returns (folder, catalogue)."""
    from studio.errors import InputError

    uploads = [Path(p) for p in (photos or []) if p]
    cat = Path(catalogue) if catalogue else None
    for path in uploads:
        _check_size(path, "upload")
    if cat is not None:
        _check_size(cat, "catalogue")
    if cat is None and not any(p.suffix.lower() == ".zip" for p in uploads):
        raise InputError(
            "Upload a catalogue (Shopify, WooCommerce or Merchant Center CSV, a studio CSV or a YAML job list).",
            "Or a ZIP of the catalogue's folder with the catalogue in it.",
        )
    folder = ctx.outputs / "batch" / _digest([*([cat] if cat else []), *uploads])
    inbox = folder / "input"
    inbox.mkdir(parents=True, exist_ok=True)
    for path in uploads:
        if path.suffix.lower() == ".zip":
            extract_zip(path, inbox)
        else:
            shutil.copyfile(path, inbox / Path(path.name).name)
    if cat is not None:
        if cat.suffix.lower() not in CATALOGUE_SUFFIXES:
            raise InputError(
                f"{cat.name} is not a catalogue file.", f"Give one of {', '.join(CATALOGUE_SUFFIXES)}."
            )
        target = inbox / Path(cat.name).name
        shutil.copyfile(cat, target)
        return folder, target
    found = [
        p
        for p in sorted(inbox.rglob("*"))
        if p.is_file() and p.suffix.lower() in CATALOGUE_SUFFIXES and not p.name.startswith(".")
    ]
    if len(found) != 1:
        raise InputError(
            f"The ZIP holds {len(found)} catalogue files ({', '.join(p.name for p in found[:5]) or 'none'}).",
            "Upload the catalogue on its own, or a ZIP with exactly one .csv/.yaml/.json in it.",
        )
    return folder, found[0]


# -- plan ----------------------------------------------------------------------------------------------------------
def _options(platforms: list[str] | None, duration: float | None, template: str | None) -> dict[str, Any]:
    return {
        "platforms": list(platforms or []) or None,
        "duration": float(duration) if duration else None,
        "template": template or None,
    }


def _plan(ctx: AppContext, session: dict[str, Any]):
    from studio.batch.plan import plan_batch

    options = session["options"]
    defaults = {"duration": options["duration"]} if options.get("duration") else {}
    return plan_batch(session["catalogue"], session["outdir"], platforms=options.get("platforms"),
                      template=options.get("template"), images_dir=session["input"], defaults=defaults,
                      store=ctx.store)  # fmt: skip


def preview(
    ctx: AppContext,
    catalogue: str | None,
    photos: list[str] | None,
    platforms: list[str] | None,
    duration: float | None,
    template: str | None,
) -> tuple[str, list[list[Any]], list[list[Any]], dict[str, Any]]:
    """The Preview button: summary markdown, the row-error table, the planned jobs and the session state."""
    from studio.errors import StudioError

    try:
        folder, cat = stage_uploads(ctx, catalogue, photos)
        session = {"folder": str(folder), "input": str(folder / "input"), "catalogue": str(cat),
                   "outdir": str(folder / "out"), "options": _options(platforms, duration, template)}  # fmt: skip
        plan = _plan(ctx, session)
    except StudioError as exc:
        raise _error(exc) from None
    inbox = session["input"].rstrip("/") + "/"  # the server's folder means nothing to the user
    errors = [[e.row, e.column, e.message.replace(inbox, "")] for e in plan.errors]
    planned = [[j.row, j.product_id, j.platform, "to run", "; ".join(j.notes)] for j in plan.jobs]
    planned += [[j.row, j.product_id, j.platform, "done already", "; ".join(j.notes)] for j in plan.skipped]
    summary = (
        f"**{cat.name}** ({plan.catalogue.format}): {len(plan.catalogue.products)} products, "
        f"**{len(plan.jobs)} jobs to run**, {len(plan.skipped)} already done, "
        f"**{len(plan.errors)} row error{'s' if len(plan.errors) != 1 else ''}**"
        + (" (those rows are skipped; fix them and preview again)" if plan.errors else "")
    )
    return summary, errors, planned, session


# -- run -----------------------------------------------------------------------------------------------------------
class BatchRunner:
    """The app's running batches: one cancel token per output folder (one run per folder at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, Any] = {}

    def begin(self, outdir: str):
        from studio.cancel import CancelToken

        with self._lock:
            if outdir in self._tokens:
                raise gr.Error("This batch is already running; wait for it or press Stop.")
            token = CancelToken()
            self._tokens[outdir] = token
            return token

    def end(self, outdir: str) -> None:
        with self._lock:
            self._tokens.pop(outdir, None)

    def stop(self, outdir: str) -> bool:
        with self._lock:
            token = self._tokens.get(outdir)
        if token is None:
            return False
        token.cancel("stopped in the app")
        return True

    def running(self, outdir: str) -> bool:
        with self._lock:
            return outdir in self._tokens


def job_rows(ctx: AppContext, session: dict[str, Any] | None) -> list[list[Any]]:
    from studio.batch.plan import batch_key

    if not session:
        return []
    batch = ctx.store.batch_for_key(batch_key(Path(session["outdir"])))
    if batch is None:
        return []
    rows = []
    for job in ctx.store.jobs(batch.id):
        video = next((o["path"] for o in job.outputs if o.get("kind") == "video"), "")
        seconds = job.timings.get("render")
        rows.append([job.id, job.product_id, job.platform, job.status, job.attempts, job.verdict or "",
                     "" if seconds is None else round(float(seconds), 1), video, job.error or ""])  # fmt: skip
    return rows


def start(
    ctx: AppContext,
    runner: BatchRunner,
    session: dict[str, Any] | None,
    workers: float | None,
    screen: bool = True,
    progress: Any = None,
) -> tuple[str, list[list[Any]], str, str | None]:
    """The Start button: run the previewed batch (local engine, in a worker thread) until it finishes or Stop is
    pressed; returns the status, the job table, the contact sheet and the ZIP of all outputs."""
    from studio.batch.engines import LocalEngine
    from studio.batch.run import run_batch
    from studio.errors import Cancelled, StudioError

    if not session:
        raise gr.Error("Upload a catalogue and press Preview first.")
    outdir = session["outdir"]
    token = runner.begin(outdir)
    state: dict[str, Any] = {"fraction": 0.0, "message": "starting"}

    def on_progress(fraction: float, message: str) -> None:
        state["fraction"], state["message"] = fraction, message

    def work() -> None:
        try:
            plan = _plan(ctx, session)
            engine = LocalEngine(int(workers) if workers else None)
            state["summary"] = run_batch(plan, ctx.store, engine, screen=screen, cancel=token,
                                         on_progress=on_progress)  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - handed to the event's thread below
            state["error"] = exc

    thread = threading.Thread(target=work, name=f"batch {Path(outdir).parent.name}", daemon=True)
    try:
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
            if progress is not None:
                progress(state["fraction"], desc=state["message"])
    finally:
        runner.end(outdir)
    error = state.get("error")
    if error is not None and not isinstance(error, Cancelled):
        raise _error(error) if isinstance(error, StudioError | OSError) else error
    rows = job_rows(ctx, session)
    sheet = contact_sheet_html(session)
    archive = str(outputs_zip(session)) if any(Path(outdir).glob("*.mp4")) else None
    if isinstance(error, Cancelled):
        return f"**Stopped.** {error.one_line()}", rows, sheet, archive
    summary = state["summary"]
    counts = ", ".join(f"{n} {s}" for s, n in summary.counts.items() if n)
    return (
        f"**Finished** in {summary.seconds:.0f} s ({summary.ads_per_minute:.1f} ads/min): {counts}"
        + (f"; {summary.skipped} were already done" if summary.skipped else ""),
        rows,
        sheet,
        archive,
    )


def stop(runner: BatchRunner, session: dict[str, Any] | None) -> str:
    """The Stop button: cancel the running batch of this upload (the running renders stop at their next frame)."""
    if not session or not runner.stop(session["outdir"]):
        return "Nothing is running."
    return "Stopping: the running renders stop at their next frame; finished ads are kept."


# -- results -------------------------------------------------------------------------------------------------------
def contact_sheet_html(session: dict[str, Any] | None) -> str:
    """The batch's contact sheet, framed (its own styles stay inside), covers served by the app."""
    if not session:
        return ""
    outdir = Path(session["outdir"]).resolve()
    sheet = outdir / "contact-sheet.html"
    if not sheet.is_file():
        return ""
    page = sheet.read_text(encoding="utf-8")

    def served(match: re.Match) -> str:
        attr, value = match.group(1), html.unescape(match.group(2))
        if not value or re.match(r"^[a-z]+:|^/|^#", value):
            return match.group(0)
        target = (outdir / value).resolve()
        if outdir not in target.parents:
            return match.group(0)
        return f'{attr}="/gradio_api/file={html.escape(str(target))}"'

    page = re.sub(r'\b(src|href)="([^"]*)"', served, page)
    page = page.replace("<head>", '<head><base target="_blank">', 1)
    return (
        f'<iframe id="batch-sheet-frame" title="contact sheet" srcdoc="{html.escape(page, quote=True)}" '
        'style="width:100%;height:640px;border:1px solid #ddd;border-radius:6px;background:#fafafa"></iframe>'
    )


def outputs_zip(session: dict[str, Any]) -> Path:
    """Every output of the batch (videos, covers, subtitles, reports, results CSV, contact sheet, logs) in one
    ZIP next to the output folder, written to a temp file and renamed."""
    from studio.batch.run import STAGING
    from studio.fsutil import atomic_output

    outdir = Path(session["outdir"])
    path = Path(session["folder"]) / f"{Path(session['catalogue']).stem}-outputs.zip"
    with atomic_output(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        for file in sorted(outdir.rglob("*")):
            rel = file.relative_to(outdir)
            if not file.is_file() or rel.parts[0] == STAGING or any(p.startswith(".") for p in rel.parts):
                continue
            method = zipfile.ZIP_STORED if file.suffix.lower() in STORED else zipfile.ZIP_DEFLATED
            zf.write(file, rel.as_posix(), compress_type=method)
    return path


def download_all(session: dict[str, Any] | None) -> str:
    if not session or not Path(session["outdir"]).is_dir():
        raise gr.Error("Nothing to download yet: preview and start a batch first.")
    return str(outputs_zip(session))


# -- the tab -------------------------------------------------------------------------------------------------------
def build_batch_tab(ctx: AppContext) -> None:
    from studio.batch.engines import default_workers

    runner = BatchRunner()
    session = gr.State(None)
    with gr.Row():
        with gr.Column(scale=4):
            catalogue = gr.File(
                label="Catalogue (Shopify / WooCommerce / Merchant Center CSV, studio CSV, YAML job list)",
                file_types=list(CATALOGUE_SUFFIXES),
                elem_id="batch-catalogue",
                height=110,
            )
            photos = gr.File(
                label="Photos (several files, or a ZIP of the catalogue's folder)",
                file_count="multiple",
                file_types=["image", ".zip"],
                elem_id="batch-photos",
                height=130,
            )
            platforms = gr.CheckboxGroup(
                PLATFORMS, value=[], label="Platforms (none: as the catalogue says, else TikTok)",
                elem_id="batch-platforms",
            )  # fmt: skip
            with gr.Row():
                duration = gr.Slider(5, 60, value=15, step=1, label="Duration (s)", elem_id="batch-duration")
                template = gr.Dropdown(
                    [("as the catalogue says", ""), "showcase", "promo", "features"],
                    value="",
                    label="Template",
                )
            with gr.Row():
                cores = os.cpu_count() or 1
                workers = gr.Slider(1, max(cores, 1), value=default_workers(), step=1, label="Workers")
                screen = gr.Checkbox(value=True, label="Compliance screen each ad")
            with gr.Row():
                plan_button = gr.Button("Preview plan", elem_id="batch-preview")
                go = gr.Button("Start", variant="primary", elem_id="batch-start")
                halt = gr.Button("Stop", variant="stop", elem_id="batch-stop")
        with gr.Column(scale=6):
            status = gr.Markdown(
                "Upload a catalogue and its photos, then **Preview plan**.", elem_id="batch-status"
            )
            errors = gr.Dataframe(headers=ERROR_HEADERS, label="Row errors", interactive=False,
                                  elem_id="batch-errors", wrap=True)  # fmt: skip
            planned = gr.Dataframe(
                headers=PLAN_HEADERS, label="Plan", interactive=False, elem_id="batch-plan"
            )
    jobs = gr.Dataframe(headers=JOB_HEADERS, label="Jobs", interactive=False, elem_id="batch-jobs", wrap=True)
    timer = gr.Timer(2.0, active=False)
    with gr.Row():
        archive = gr.File(label="All outputs (ZIP)", interactive=False, elem_id="batch-zip")
        zip_button = gr.Button("Make ZIP of all outputs", elem_id="batch-download")
    sheet = gr.HTML(elem_id="batch-sheet")

    plan_button.click(lambda *a: preview(ctx, *a), inputs=[catalogue, photos, platforms, duration, template],
                      outputs=[status, errors, planned, session], concurrency_id="batch-plan",
                      concurrency_limit=2, api_name="batch_preview")  # fmt: skip

    def on_start(state, n, screen_on, progress=gr.Progress()):  # noqa: B008 - gradio injects the tracker
        result = start(ctx, runner, state, n, screen_on, progress=progress)
        return (*result, gr.Timer(active=False))

    go.click(lambda: gr.Timer(active=True), outputs=[timer], queue=False, api_name=False)
    go.click(on_start, inputs=[session, workers, screen], outputs=[status, jobs, sheet, archive, timer],
             concurrency_limit=1, concurrency_id=GPU_QUEUE, api_name="batch_start")  # fmt: skip
    halt.click(lambda s: stop(runner, s), inputs=[session], outputs=[status], concurrency_id="batch-control",
               concurrency_limit=None, api_name="batch_stop")  # fmt: skip
    timer.tick(lambda s: job_rows(ctx, s), inputs=[session], outputs=[jobs], concurrency_id="batch-control",
               concurrency_limit=None, show_progress="hidden", api_name=False)  # fmt: skip
    zip_button.click(download_all, inputs=[session], outputs=[archive], concurrency_id="batch-plan",
                     concurrency_limit=2, api_name="batch_zip")  # fmt: skip
