"""The Compliance tab: screen a file or ad copy, manage the reference bank, review the quarantine and overrides.

The handlers are plain functions of ``(ctx, ...)`` so tests call them without a browser; ``build_compliance_tab``
wires them to Gradio components. Screening ad copy, the lists and overrides run in the quick queue; screening a
file (CLIP, frame decoding) and adding references in the screening queue: neither waits behind a render.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gradio as gr

from studio import categories
from studio.compliance.embed import ClipHandle
from studio.ui.context import MAX_UPLOAD_BYTES, AppContext
from studio.ui.jobs import QUICK_LIMIT, QUICK_QUEUE, SCREEN_QUEUE, TabParts, message, progress_reporter

FINDING_HEADERS = ["action", "rule", "score", "threshold", "reference", "time (s)", "frame", "box", "suggestion",
                   "message"]  # fmt: skip
REF_HEADERS = ["id", "owner", "kind", "licence", "name", "notes", "CLIP"]
QUARANTINE_HEADERS = ["item", "verdict", "rules", "would have been", "when"]
AUDIT_HEADERS = ["id", "when", "user", "verdict", "file", "reason"]
CATEGORY_CHOICES = categories.choices()


# The tab screens with the app's one CLIP handle (``AppContext.clip``); the name stays for callers and tests.
ClipCache = ClipHandle


def _error(exc: Exception) -> gr.Error:
    return gr.Error(message(exc))


def _check_upload(path: str | None, what: str) -> Path | None:
    if not path:
        return None
    file = Path(path)
    if file.stat().st_size > MAX_UPLOAD_BYTES:
        raise gr.Error(
            f"The {what} is {file.stat().st_size / 2**20:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB."
        )
    return file


# -- screening ------------------------------------------------------------------------------------------------
def finding_rows(report) -> list[list[Any]]:
    return [
        [f.action, f.rule, round(f.score, 4), round(f.threshold, 4), f.reference or "",
         "" if f.time is None else round(f.time, 2), "" if f.frame is None else f.frame,
         "" if f.box is None else ",".join(str(v) for v in f.box), f.suggestion or "", f.message]
        for f in report.findings
    ]  # fmt: skip


def verdict_markdown(reports) -> str:
    icons = {"pass": "✓", "warn": "▲", "review": "◆", "block": "■"}
    lines = []
    for r in reports:
        name = "ad copy" if r.file == "<text>" else Path(r.file).name
        lines.append(f"### {icons.get(r.verdict, '')} {r.verdict.upper()}: {name}")
        lines.append(
            f"{len(r.findings)} finding(s); packs {', '.join(f'{k} v{v}' for k, v in r.packs.items())}"
        )
        for check, why in r.checks_skipped.items():
            lines.append(f"- not run: **{check}**: {why}")
    return "\n\n".join(lines)


def screen(
    ctx: AppContext,
    clip: ClipCache,
    file: str | None,
    copy: str,
    category: str,
    packs: list[str] | None,
    use_clip: bool,
    progress: Any = None,
) -> tuple[str, list[list[Any]], list[str]]:
    """The Screen button: verdict markdown, the findings table, and the JSON + HTML report files."""
    import json

    from studio.compliance.findings import Report
    from studio.compliance.gate import TimedText, screen_file, screen_text
    from studio.compliance.rules import load_packs
    from studio.errors import StudioError
    from studio.fsutil import atomic_output

    media = _check_upload(file, "uploaded file")
    if media is None and not (copy or "").strip():
        raise gr.Error("Upload an image or a video, or paste ad copy to screen.")
    report_progress = progress_reporter(progress)
    try:
        loaded = load_packs(packs or None, category)
        reports: list[Report] = []
        texts = [TimedText(line) for line in (copy or "").splitlines() if line.strip()]
        if media is None:
            reports.append(screen_text(copy, loaded, category))
        else:
            embedder = clip.get() if use_clip else None
            report = screen_file(media, loaded, category=category, texts=texts, store=ctx.store, embedder=embedder,
                                 on_progress=report_progress)  # fmt: skip
            if (
                use_clip
                and embedder is None
                and clip.reason
                and not any("clip" in k for k in report.checks_skipped)
            ):
                report.checks_skipped["clip"] = clip.reason
            reports.append(report)
    except StudioError as exc:
        raise _error(exc) from None
    folder = ctx.outputs / "compliance"
    folder.mkdir(parents=True, exist_ok=True)
    stem = time.strftime("%Y%m%d-%H%M%S-") + (media.stem if media is not None else "copy")
    json_path = folder / f"{stem}.compliance.json"
    with atomic_output(json_path) as tmp:
        tmp.write_text(
            json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2), encoding="utf-8"
        )
    files = [str(json_path)]
    try:
        from studio.compliance.report_html import write_html_report
    except ImportError:
        pass
    else:
        html_path = write_html_report(reports, folder / f"{stem}.compliance.html", store=ctx.store)
        files.insert(0, str(html_path))
    rows = [row for r in reports for row in finding_rows(r)]
    return verdict_markdown(reports), rows, files


# -- reference bank ---------------------------------------------------------------------------------------------
def reference_rows(ctx: AppContext) -> list[list[Any]]:
    try:
        from studio.compliance.refbank import ReferenceBank
    except ImportError:  # a partial install without the visual screen has no reference bank to show
        return []

    return [[r.id, r.owner, r.kind, r.licence, r.name, r.notes, "yes" if r.embed_model else "no"]
            for r in ReferenceBank(ctx.store).list()]  # fmt: skip


def add_references(
    ctx: AppContext, clip: ClipCache, files: list[str] | None, owner: str, licence: str, notes: str, kind: str,
    use_clip: bool,
) -> tuple[str, list[list[Any]]]:  # fmt: skip
    from studio.compliance.refbank import ReferenceBank
    from studio.errors import StudioError

    if not files:
        raise gr.Error("Upload the protected images to add (logos, characters, products).")
    if not (owner or "").strip():
        raise gr.Error("Say who owns these images (the owner field).")
    paths = [p for p in (_check_upload(f, "image") for f in files) if p is not None]
    try:
        ids = ReferenceBank(ctx.store).add(paths, owner.strip(), licence or "", notes or "", kind or "protected",
                                           embedder=clip.get() if use_clip else None)  # fmt: skip
    except StudioError as exc:
        raise _error(exc) from None
    return f"Added {len(ids)} reference(s): {', '.join(f'ref:{i}' for i in ids)}", reference_rows(ctx)


def remove_reference(ctx: AppContext, ref_id: float | None) -> tuple[str, list[list[Any]]]:
    from studio.compliance.refbank import ReferenceBank
    from studio.errors import StudioError

    if ref_id is None:
        raise gr.Error("Give the id of the reference to remove.")
    try:
        removed = ReferenceBank(ctx.store).remove(int(ref_id))
    except StudioError as exc:
        raise _error(exc) from None
    return f"Removed ref:{removed.id} ({removed.owner}, {removed.name})", reference_rows(ctx)


# -- quarantine and the audit trail --------------------------------------------------------------------------------
def quarantine_rows() -> list[list[Any]]:
    from studio.compliance.gate import list_quarantine

    return [[i.folder.name, i.verdict, ", ".join(i.rules), i.final_path.name if i.final_path else "",
             time.strftime("%Y-%m-%d %H:%M", time.localtime(i.created))] for i in list_quarantine()]  # fmt: skip


def audit_rows(ctx: AppContext) -> list[list[Any]]:
    from studio.compliance.gate import overrides

    return [[r.id, time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created)), r.user, r.verdict,
             r.file, r.reason] for r in overrides(ctx.store)]  # fmt: skip


def override(
    ctx: AppContext, item: str | None, reason: str, user: str
) -> tuple[str, Any, list, list, list[str]]:
    """Publish a quarantined output with a reason (kept in the audit trail): (status, item choices, quarantine rows,
    audit rows, downloads: the published file)."""
    from studio.compliance.gate import release_quarantined
    from studio.errors import StudioError

    if not item:
        raise gr.Error("Pick a quarantined output.")
    try:
        published = release_quarantined(
            item, reason or "", store=ctx.store, user=(user or "").strip() or "local"
        )
    except StudioError as exc:
        raise _error(exc) from None
    rows = quarantine_rows()
    return (f"Published **{published.name}** (override recorded); download it below.",
            gr.update(choices=[r[0] for r in rows], value=None), rows, audit_rows(ctx), [str(published)])  # fmt: skip


def refresh_quarantine(ctx: AppContext) -> tuple[Any, list, list]:
    rows = quarantine_rows()
    return gr.update(choices=[r[0] for r in rows], value=None), rows, audit_rows(ctx)


# -- layout ------------------------------------------------------------------------------------------------------
def screen_copy_only(ctx: AppContext, clip: ClipCache, file: str | None, copy: str, category: str,
                     packs: list[str] | None, use_clip: bool) -> tuple:  # fmt: skip
    """The quick half of the Screen button: ad copy alone is screened at once (the quick queue); with a file the
    outputs are left for ``screen_file_only``."""
    if file:
        return gr.skip(), gr.skip(), gr.skip()
    return screen(ctx, clip, None, copy, category, packs, use_clip)


def build_compliance_tab(ctx: AppContext) -> TabParts:
    """The tab's components and events (called inside ``with gr.Tab("Compliance"):``)."""
    from studio.compliance.rules import available_packs

    clip = ctx.clip  # the app's one CLIP model: loaded once, on the first screen that asks for it
    with gr.Tabs():
        with gr.Tab("Screen"):
            with gr.Row():
                with gr.Column(scale=4):
                    file = gr.File(label="Image or video to screen", file_types=["image", "video"],
                                   elem_id="screen_file")  # fmt: skip
                    copy = gr.Textbox(label="Ad copy, captions or prompt (zh-TW or English)", lines=4,
                                      elem_id="screen_copy")  # fmt: skip
                    with gr.Row():
                        category = gr.Dropdown(CATEGORY_CHOICES, value="general", label="Product category",
                                               elem_id="screen_category")  # fmt: skip
                        packs = gr.CheckboxGroup(
                            available_packs(), label="Rule packs (none ticked: the defaults)"
                        )
                    use_clip = gr.Checkbox(value=True, label="Use CLIP when its weights are installed")
                    go = gr.Button("Screen", variant="primary", elem_id="screen_go")
                with gr.Column(scale=6):
                    verdict = gr.Markdown(elem_id="screen_verdict")
                    findings = gr.Dataframe(headers=FINDING_HEADERS, label="Findings", interactive=False,
                                            wrap=True, elem_id="screen_findings")  # fmt: skip
                    reports = gr.File(label="Report (HTML with thumbnails, JSON)", file_count="multiple",
                                      elem_id="screen_reports")  # fmt: skip

            def on_screen(file, copy, category, packs, use_clip, progress=gr.Progress()):  # noqa: B008
                if not file:
                    return gr.skip(), gr.skip(), gr.skip()
                return screen(ctx, clip, file, copy, category, packs, use_clip, progress=progress)

            screen_inputs = [file, copy, category, packs, use_clip]
            screen_outputs = [verdict, findings, reports]
            quick_screen = go.click(lambda *a: screen_copy_only(ctx, clip, *a), inputs=screen_inputs,
                                    outputs=screen_outputs, concurrency_id=QUICK_QUEUE, concurrency_limit=QUICK_LIMIT,
                                    api_name="screen_copy")  # fmt: skip
            file_screen = quick_screen.success(on_screen, inputs=screen_inputs, outputs=screen_outputs,
                                               concurrency_limit=1, concurrency_id=SCREEN_QUEUE,
                                               api_name="screen")  # fmt: skip

        with gr.Tab("Reference bank"):
            with gr.Row():
                with gr.Column(scale=4):
                    ref_files = gr.File(label="Protected images (logos, characters, competitor products)",
                                        file_count="multiple", file_types=["image"], elem_id="ref_files")  # fmt: skip
                    owner = gr.Textbox(label="Owner", elem_id="ref_owner")
                    licence = gr.Textbox(
                        label="Licence (e.g. all rights reserved, licensed to us until 2027)"
                    )
                    notes = gr.Textbox(label="Notes")
                    kind = gr.Radio(["protected", "licensed"], value="protected",
                                    label="Kind (protected: third-party; licensed: our own or licensed to us)")  # fmt: skip
                    ref_clip = gr.Checkbox(
                        value=True, label="Store CLIP embeddings (when the weights are installed)"
                    )
                    add = gr.Button("Add to the bank", variant="primary", elem_id="ref_add")
                    with gr.Row():
                        remove_id = gr.Number(label="Reference id", precision=0)
                        remove = gr.Button("Remove", variant="stop")
                    ref_status = gr.Markdown()
                with gr.Column(scale=6):
                    refs = gr.Dataframe(headers=REF_HEADERS, label="References", interactive=False, wrap=True,
                                        elem_id="ref_table")  # fmt: skip
            added = add.click(lambda *a: add_references(ctx, clip, *a),
                              inputs=[ref_files, owner, licence, notes, kind, ref_clip], outputs=[ref_status, refs],
                              concurrency_limit=1, concurrency_id=SCREEN_QUEUE, api_name="add_references")  # fmt: skip
            removed = remove.click(lambda ref_id: remove_reference(ctx, ref_id), inputs=[remove_id],
                                   outputs=[ref_status, refs], concurrency_id=QUICK_QUEUE,
                                   concurrency_limit=QUICK_LIMIT, api_name="remove_reference")  # fmt: skip

        with gr.Tab("Quarantine & overrides"):
            quarantine = gr.Dataframe(headers=QUARANTINE_HEADERS, label="Blocked outputs", interactive=False,
                                      wrap=True, elem_id="quarantine_table")  # fmt: skip
            with gr.Row():
                item = gr.Dropdown([], label="Quarantined output", elem_id="quarantine_item")
                user = gr.Textbox(value="local", label="Your name (audit trail)")
            reason = gr.Textbox(label="Why publishing it anyway is acceptable (kept in the audit trail)", lines=2,
                                elem_id="override_reason")  # fmt: skip
            with gr.Row():
                publish = gr.Button("Override and publish", variant="stop", elem_id="override_go")
                refresh = gr.Button("Refresh")
            q_status = gr.Markdown(elem_id="override_status")
            published = gr.File(label="Published file", file_count="multiple", interactive=False,
                                elem_id="override_downloads")  # fmt: skip
            audit = gr.Dataframe(headers=AUDIT_HEADERS, label="Override audit trail", interactive=False, wrap=True,
                                 elem_id="audit_table")  # fmt: skip
            overridden = publish.click(lambda i, r, u: override(ctx, i, r, u), inputs=[item, reason, user],
                                       outputs=[q_status, item, quarantine, audit, published],
                                       concurrency_id=QUICK_QUEUE, concurrency_limit=QUICK_LIMIT,
                                       api_name="override")  # fmt: skip
            refresh.click(lambda: refresh_quarantine(ctx), outputs=[item, quarantine, audit],
                          concurrency_id=QUICK_QUEUE, concurrency_limit=QUICK_LIMIT,
                          api_name="refresh_quarantine")  # fmt: skip
    return TabParts(
        lists=[
            (lambda: reference_rows(ctx), [refs]),
            (lambda: refresh_quarantine(ctx), [item, quarantine, audit]),
        ],
        jobs=[quick_screen, file_screen, added, removed, overridden],
    )
