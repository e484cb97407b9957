"""The Ad Studio tab: photos and copy in, one preview player per aspect ratio, downloads, history."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import gradio as gr

from studio import categories
from studio.fsutil import new_folder
from studio.ui.context import GPU_QUEUE, AppContext
from studio.ui.jobs import (
    QUICK_LIMIT,
    QUICK_QUEUE,
    TabParts,
    message,
    new_token,
    plain,
    progress_reporter,
    stop,
)

PLATFORM_CHOICES = [
    ("TikTok 9:16", "tiktok"),
    ("Reels 9:16", "reels"),
    ("Shorts 9:16", "shorts"),
    ("Instagram feed 4:5", "instagram-feed"),
    ("Square 1:1", "square"),
    ("YouTube 16:9", "youtube"),
]
CATEGORY_CHOICES = categories.choices()
HISTORY_HEADERS = ["id", "when", "product", "template", "status", "platforms", "reason"]
DEFAULT_PRIMARY, DEFAULT_ACCENT = "#1F5F4A", "#E8B04B"

# spec field -> the form's label for it (what a field error names)
FORM_LABELS = {
    "product": "Product name",
    "photos": "Product photos",
    "logo": "Logo",
    "headline": "Headline",
    "selling_points": "Selling points",
    "price": "Price / promo line",
    "cta": "Call to action",
    "template": "Template",
    "platforms": "Platforms",
    "duration": "Duration",
    "language": "Language",
    "music": "Music",
    "category": "Product category",
    "primary": "Brand colour",
    "accent": "Accent colour",
    "spin": "3D product spin",
    "ai_motion": "AI motion",
    "broll": "B-roll",
}
AI_PHOTO_CHOICES = [(f"Photo {k}", k) for k in range(1, 9)]


def field_errors(exc: Any) -> str:
    """A pydantic ``ValidationError`` of the ad form in plain words, naming fields as the form labels them:
    "Headline is empty." instead of "form field 'headline': String should have at least 1 character"."""
    lines = []
    for error in exc.errors():
        loc = [part for part in error["loc"] if part != "brand"]
        key = str(loc[0]) if loc else ""
        label = FORM_LABELS.get(key, key.replace("_", " ").capitalize())
        if key == "selling_points" and len(loc) > 1 and isinstance(loc[1], int):
            label = f"Selling point {loc[1] + 1}"
        ctx = error.get("ctx") or {}
        kind = error["type"]
        given = error.get("input")
        if kind in ("missing", "string_too_short") or (kind == "too_short" and not given):
            text = f"{label} is empty."
        elif kind == "string_too_long":
            text = f"{label} is too long: {len(given or '')} characters, at most {ctx.get('max_length')}."
        elif kind == "too_long":
            text = (
                f"{label}: at most {ctx.get('max_length')}, got {ctx.get('actual_length', len(given or []))}."
            )
        elif kind == "too_short":
            text = f"{label}: at least {ctx.get('min_length')} needed."
        elif kind in ("greater_than_equal", "less_than_equal"):
            bound = ctx.get("ge", ctx.get("le"))
            text = f"{label} must be {'at least' if kind == 'greater_than_equal' else 'at most'} {bound}."
        else:
            why = error["msg"].removeprefix("Value error, ")
            # "selling point '...' is 64 characters" already names its field: say it once
            named = label and label.lower().rstrip("s") in why.lower().split("'")[0]
            text = f"{label}: {why}" if label and not named else why[:1].upper() + why[1:]
        lines.append(text if text.endswith(".") else text + ".")
    return " ".join(dict.fromkeys(lines))


def history_rows(ctx: AppContext) -> list[list[Any]]:
    rows = []
    for row in ctx.store.renders(kind="ad", limit=30):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created))
        platforms = ", ".join(o.get("platform", "") for o in row.outputs)
        rows.append(
            [
                row.id,
                when,
                row.spec.get("product", ""),
                row.spec.get("template", ""),
                row.status,
                platforms,
                plain(row.reason or ""),
            ]
        )
    return rows


def spin_choices(ctx: AppContext) -> list[tuple[str, str]]:
    """Spin clips made with the 3D Studio's "use in an ad", then trained models (orbited at render time)."""
    spins = ctx.store.assets(kind="spin", limit=20)
    models = ctx.store.models(limit=20)
    choices = [("none", "")]
    for label, rows in (("spin", spins), ("model", models)):
        for row in rows:
            path = row.path
            if path.is_file():
                choices.append((f"{label}: {path.parent.name}/{path.name}", str(path)))
    return choices


def generate(
    ctx: AppContext,
    photos: list[str] | None,
    logo: str | None,
    product: str,
    headline: str,
    points_text: str,
    price: str,
    cta: str,
    template: str,
    platforms: list[str],
    duration: float,
    language: str,
    music: str,
    category: str,
    primary: str,
    accent: str,
    spin: str,
    draft: bool,
    ai_on: bool = False,
    ai_engine: str = "",
    ai_photos: list[int] | None = None,
    ai_prompt: str = "",
    ai_preset: str = "push-in",
    ai_profile: str = "auto",
    ai_faithful: bool = True,
    ai_broll: str = "",
    ai_broll_seconds: float = 3.0,
    progress: gr.Progress | None = None,
    cancel: Any = None,
) -> tuple:
    """The Generate button: validate, render every platform; returns previews, downloads, the status, the history,
    the override form's visibility and the blocked items it would publish.

    Nothing here raises for a user's mistake or a blocked ad: the status says what happened (and a toast), the
    history gains the job's row with its reason, and a blocked ad opens the override form beside the result.
    """
    from pydantic import ValidationError

    from studio.ads import make_ad
    from studio.colours import from_picker
    from studio.errors import Cancelled, ComplianceError, StudioError
    from studio.media.encode import EncodeSettings
    from studio.spec import AdSpec, implicit_product_name, parse_spec

    keep = [gr.skip()] * len(PLATFORM_CHOICES)
    hidden = gr.update(visible=False)

    def refused(text: str, files: Any = None) -> tuple:
        gr.Warning(text, duration=20)
        return (*keep, gr.skip() if files is None else files, f"**Not rendered:** {text}", history_rows(ctx),
                hidden, [])  # fmt: skip

    if not photos:
        return refused("Product photos: upload at least one product photo.")
    try:  # the picker may give #rgb or rgba(...); the spec wants #RRGGBB
        brand = {
            "primary": from_picker(primary, "brand colour"),
            "accent": from_picker(accent, "accent colour"),
        }
    except StudioError as exc:
        return refused(message(exc))
    data: dict[str, Any] = {
        "product": (product or "").strip() or implicit_product_name(headline or ""),
        "photos": list(photos),
        "headline": (headline or "").strip(),
        "selling_points": [line.strip() for line in (points_text or "").splitlines() if line.strip()],
        "price": price.strip() or None if price else None,
        "cta": cta.strip() or None if cta else None,
        "template": template,
        "platforms": platforms or ["tiktok"],
        "duration": float(duration),
        "language": language,
        "music": None if music == "none" else music,
        "category": category,
        "brand": brand,
    }
    if logo:
        data["logo"] = logo
    if spin:
        data["spin"] = spin
    if ai_on:
        if ai_photos:
            data["ai_motion"] = ai_motion_section(
                ai_engine, ai_photos, ai_prompt, ai_preset, ai_profile, ai_faithful
            )
        if (ai_broll or "").strip():
            data["broll"] = [broll_section(ai_engine, ai_broll, ai_broll_seconds, ai_profile)]
    try:
        AdSpec.model_validate(data)
    except ValidationError as exc:
        return refused(field_errors(exc))
    if cancel is not None and cancel.cancelled:
        return refused("Stopped before it started.")
    outdir = new_folder(ctx.outputs, time.strftime("ad-%Y%m%d-%H%M%S"))
    try:
        spec = parse_spec(data, source="form")
        result = make_ad(
            spec,
            outdir,
            store=ctx.store,
            on_progress=progress_reporter(progress),
            clip=ctx.clip,  # the app's one CLIP model: loaded once, not on every Generate
            motion=ctx.motion,  # the app's AI motion pipeline: loaded once per model, kept between renders
            encode=EncodeSettings(preset="veryfast") if draft else EncodeSettings(),
            cancel=cancel,
        )
    except ComplianceError as exc:
        return blocked_result(ctx, outdir, exc)
    except Cancelled:
        return refused("Stopped: the render was cancelled, nothing was kept.")
    except StudioError as exc:
        return refused(message(exc))
    by_platform: dict[str, str] = {}
    files: list[str] = []
    for output in result.outputs:
        by_platform[output.platform] = str(output.path)
        files += [str(output.path), str(output.cover), str(output.srt)]
        for suffix in (".compliance.html", ".compliance.json"):
            report = output.path.with_name(output.path.name + suffix)
            if report.is_file():
                files.append(str(report))
    videos = [
        gr.update(value=by_platform.get(name), visible=name in by_platform) for _, name in PLATFORM_CHOICES
    ]
    summary = "\n".join(
        f"- **{o.platform}** {o.width}x{o.height}, {o.duration:.1f} s" for o in result.outputs
    )
    summary += "".join(f"\n- {plain(note.line)}" for note in result.motion)  # generated, cached, or why not
    # a blocked platform is quarantined while the others are published: it waits beside them for an override
    summary += "".join(f"\n- ■ **{b.platform}** blocked: {plain(b.message)}" for b in result.blocked)
    status = f"Rendered in {result.timings.get('total', 0):.1f} s\n\n{summary}"
    items = blocked_items(outdir) if result.blocked else []
    if items:
        status += "\n\nTo publish a blocked platform anyway, give a reason in the override form beside it."
        return (
            *videos,
            files,
            status,
            history_rows(ctx),
            gr.update(visible=True),
            [i.folder.name for i in items],
        )
    return (*videos, files, status, history_rows(ctx), hidden, [])


def ai_motion_section(
    engine: str | None,
    photos: list[int] | None,
    prompt: str | None,
    preset: str | None,
    profile: str | None,
    faithful: bool,
) -> dict[str, Any]:
    """The form's AI motion section as the spec's ``ai_motion`` mapping (validated with the rest of the spec)."""
    from studio.video.engines import DEFAULT_ENGINE

    return {
        "engine": (engine or "").strip() or DEFAULT_ENGINE,
        "photos": sorted(int(p) for p in (photos or [1])),
        "prompt": (prompt or "").strip() or None,
        "preset": preset or "push-in",
        "profile": profile or "auto",
        "faithful": bool(faithful),
    }


def broll_section(
    engine: str | None, prompt: str, seconds: float | None, profile: str | None
) -> dict[str, Any]:
    """The form's B-roll prompt as one entry of the spec's ``broll`` (the section's engine makes it)."""
    from studio.video.engines import DEFAULT_ENGINE

    return {
        "engine": (engine or "").strip() or DEFAULT_ENGINE,
        "prompt": " ".join((prompt or "").split()),
        "seconds": float(seconds or 3.0),
        "profile": profile or "auto",
    }


def ai_status(engine: str | None) -> str:
    """The AI motion section's status line (GPU found? weights present? what is missing), loading no model."""
    from studio.video.ai_shots import status_line

    return plain(status_line(engine))


def blocked_items(outdir: Path) -> list[Any]:
    """The quarantined outputs of the render into ``outdir``."""
    from studio.compliance.gate import list_quarantine

    return [i for i in list_quarantine() if i.final_path is not None and i.final_path.parent == outdir]


def blocked_result(ctx: AppContext, outdir: Path, exc: Exception) -> tuple:
    """A blocked ad: the reports as downloads, the reason in words, the override form opened beside it."""
    items = blocked_items(outdir)
    rules = sorted({rule for item in items for rule in item.rules})
    files = [str(p) for item in items for p in (item.folder / "report.html", item.folder / "report.json")
             if p.is_file()]  # fmt: skip
    why = f" ({', '.join(rules)})" if rules else ""
    text = (
        f"The ad was blocked by the compliance screen{why}. Read the report in Downloads; to publish it anyway,"
        " give a reason in the override form beside the result."
    )
    gr.Warning(text, duration=20)
    keep = [gr.skip()] * len(PLATFORM_CHOICES)
    status = f"■ **Blocked by the compliance screen{why}.**\n\n{text}"
    if not items:  # nothing to publish (the gate gave no quarantined file): say so, no form
        return (*keep, files, status + "\n\n" + message(exc), history_rows(ctx), gr.update(visible=False), [])
    return (*keep, files, status, history_rows(ctx), gr.update(visible=True), [i.folder.name for i in items])


def publish_blocked(ctx: AppContext, folders: list[str] | None, reason: str, user: str) -> tuple:
    """The override form's button: publish the blocked outputs with the reason (kept in the audit trail).

    Returns (downloads, status, form visibility, remaining blocked items); a refused override keeps the form open.
    """
    from studio.compliance.gate import release_quarantined
    from studio.errors import StudioError

    if not folders:
        gr.Warning("Nothing is waiting for an override.")
        return gr.skip(), gr.skip(), gr.update(visible=False), []
    if not (reason or "").strip():
        gr.Warning("Override reason is empty: say why publishing it anyway is acceptable.")
        return gr.skip(), gr.skip(), gr.skip(), folders
    published = []
    try:
        for folder in folders:
            published.append(
                release_quarantined(folder, reason, store=ctx.store, user=(user or "").strip() or "local")
            )
    except StudioError as exc:
        gr.Warning(message(exc))
        return gr.skip(), gr.skip(), gr.skip(), folders
    files = [str(p) for p in published]
    for path in published:
        files += [str(r) for r in sorted(path.parent.glob(path.name + ".compliance.*"))]
    names = ", ".join(p.name for p in published)
    gr.Info(f"Published {names} (override recorded in the audit trail).")
    return (
        files,
        f"✓ **Published with an override:** {names}. Download it below.",
        gr.update(visible=False),
        [],
    )


def new_upload_values(sample: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """After new photos are uploaded: the form fields still holding the sample's values go back to empty or the
    defaults (the sample's copy, category and colours do not belong to the user's product); edited ones stay."""
    brand = sample.get("brand", {})
    sample_values = {
        "product": sample.get("product", ""),
        "headline": sample.get("headline", ""),
        "points": "\n".join(sample.get("selling_points", [])),
        "price": sample.get("price") or "",
        "cta": sample.get("cta") or "",
        "category": sample.get("category", "general"),
        "primary": brand.get("primary", DEFAULT_PRIMARY),
        "accent": brand.get("accent", DEFAULT_ACCENT),
    }
    defaults = {"category": "general", "primary": DEFAULT_PRIMARY, "accent": DEFAULT_ACCENT, "logo": None}
    out = {}
    for key, value in values.items():
        if key == "photos":  # gradio adds new uploads to the list: the sample's photos leave it
            names = {Path(str(photo)).name for photo in sample.get("photos", [])}
            mine = [f for f in value or [] if _file_name(f) not in names]
            out[key] = mine if mine else value
            continue
        if key == "logo":  # the sample's logo (gradio hands over a copy with the same file name)
            logo = sample.get("logo")
            same_logo = bool(logo and value and _file_name(value) == Path(str(logo)).name)
            out[key] = None if same_logo else value
            continue
        same = key in sample_values and (
            _hex(value) == _hex(sample_values[key])
            if key in ("primary", "accent")
            else (value or "") == sample_values[key]
        )
        out[key] = defaults.get(key, "") if same and sample else value
    return out


def _file_name(value: Any) -> str:
    """The file name of a gradio file value (a path, a dict with "path", or a FileData-like object)."""
    if isinstance(value, dict):
        value = value.get("path") or value.get("name") or ""
    elif not isinstance(value, (str, Path)):
        value = getattr(value, "path", None) or getattr(value, "name", None) or ""
    return Path(str(value)).name


def _hex(value: str | None) -> str:
    """A colour picker's value as #RRGGBB for comparing (the value itself when it is not a colour)."""
    from studio.colours import from_picker
    from studio.errors import StudioError

    try:
        return from_picker(value, "colour")
    except StudioError:
        return (value or "").strip().upper()


def build_ad_tab(ctx: AppContext, sample: dict[str, Any] | None = None) -> TabParts:
    sample = sample or {}
    with gr.Row():
        with gr.Column(scale=5):
            photos = gr.File(
                label="Product photos (JPEG/PNG, up to 8)",
                file_count="multiple",
                file_types=["image"],
                value=sample.get("photos"),
                elem_id="photos",
                height=150,
            )
            logo = gr.File(
                label="Logo (transparent PNG)",
                file_types=["image"],
                value=sample.get("logo"),
                elem_id="logo",
                height=110,
            )
            product = gr.Textbox(label="Product name", value=sample.get("product", ""), elem_id="product")
            headline = gr.Textbox(label="Headline", value=sample.get("headline", ""), elem_id="headline")
            points = gr.Textbox(
                label="Selling points (one per line)",
                lines=4,
                value="\n".join(sample.get("selling_points", [])),
                elem_id="points",
            )
            with gr.Row():
                price = gr.Textbox(
                    label="Price / promo line", value=sample.get("price") or "", elem_id="price"
                )
                cta = gr.Textbox(label="Call to action", value=sample.get("cta") or "", elem_id="cta")
            with gr.Row():
                template = gr.Dropdown(
                    ["showcase", "promo", "features"],
                    value=sample.get("template", "showcase"),
                    label="Template",
                    elem_id="template",
                )
                language = gr.Radio(["zh-TW", "en"], value=sample.get("language", "zh-TW"), label="Language")
            platforms = gr.CheckboxGroup(
                PLATFORM_CHOICES,
                value=sample.get("platforms", ["tiktok"]),
                label="Platforms",
                elem_id="platforms",
            )
            duration = gr.Slider(
                5, 60, value=sample.get("duration", 15), step=1, label="Duration (s)", elem_id="duration"
            )
            with gr.Row():
                music = gr.Dropdown(
                    ["default", "none"],
                    value="default" if sample.get("music", "default") else "none",
                    label="Music",
                )
                category = gr.Dropdown(
                    CATEGORY_CHOICES,
                    value=sample.get("category", "general"),
                    label="Product category (compliance rules)",
                    elem_id="category",
                )
            with gr.Row():
                brand = sample.get("brand", {})
                primary = gr.ColorPicker(
                    value=brand.get("primary", DEFAULT_PRIMARY), label="Brand colour", elem_id="primary"
                )
                accent = gr.ColorPicker(
                    value=brand.get("accent", DEFAULT_ACCENT), label="Accent colour", elem_id="accent"
                )
            with gr.Row():
                spin = gr.Dropdown(
                    spin_choices(ctx), value="", label="3D product spin (from the 3D Studio)", scale=5
                )
                refresh = gr.Button("Refresh", scale=1, min_width=80)
            refresh.click(
                lambda: gr.update(choices=spin_choices(ctx)),
                outputs=[spin],
                api_name=False,
                concurrency_id=QUICK_QUEUE,
                concurrency_limit=QUICK_LIMIT,
            )
            with gr.Accordion("AI motion (GPU)", open=False, elem_id="ai-motion") as ai_section:
                from studio.video.ai_inputs import MOTION_PRESETS
                from studio.video.engines import DEFAULT_ENGINE, ENGINES, PROFILES

                ai_on = gr.Checkbox(
                    value=False,
                    label="Use AI motion (photos that move; a B-roll shot from a prompt)",
                    elem_id="ai-on",
                )
                ai_engine = gr.Dropdown(
                    [name for name, e in ENGINES.items() if "i2v" in e.tasks],
                    value=DEFAULT_ENGINE,
                    allow_custom_value=True,
                    label="Engine (or the path of a local diffusers folder)",
                    elem_id="ai-engine",
                )
                ai_photos = gr.CheckboxGroup(
                    AI_PHOTO_CHOICES, value=[1], label="Photos that move", elem_id="ai-photos"
                )
                ai_prompt = gr.Textbox(
                    label="Prompt (empty: built from the product name and the motion)", elem_id="ai-prompt"
                )
                with gr.Row():
                    ai_preset = gr.Dropdown(list(MOTION_PRESETS), value="push-in", label="Motion")
                    ai_profile = gr.Dropdown(["auto", *PROFILES], value="auto", label="GPU memory profile")
                ai_faithful = gr.Checkbox(
                    value=True,
                    label="Product-faithful (the product's own pixels on every frame)",
                    elem_id="ai-faithful",
                )
                with gr.Row():
                    ai_broll = gr.Textbox(
                        label="B-roll prompt (optional: a generated shot after the first)",
                        elem_id="ai-broll",
                        scale=3,
                    )
                    ai_broll_seconds = gr.Slider(
                        1, 8, value=3, step=0.5, label="B-roll seconds", elem_id="ai-broll-seconds", scale=1
                    )
                ai_status_line = gr.Markdown("", elem_id="ai-status")
            for event in (ai_engine.change, ai_on.change, ai_section.expand):  # the status of what is chosen
                event(
                    ai_status,
                    inputs=[ai_engine],
                    outputs=[ai_status_line],
                    api_name=False,
                    concurrency_id=QUICK_QUEUE,
                    concurrency_limit=QUICK_LIMIT,
                )
            draft = gr.Checkbox(value=False, label="Draft quality (faster encode)", elem_id="draft")
            with gr.Row():
                go = gr.Button("Generate", variant="primary", elem_id="generate", scale=4)
                stop_button = gr.Button("Stop", variant="stop", elem_id="stop", scale=1)
        with gr.Column(scale=6):
            status = gr.Markdown("Fill in the form and press **Generate**.", elem_id="status")
            with gr.Row():
                videos = [
                    gr.Video(
                        label=label, visible=False, elem_id=f"video-{name}", interactive=False, height=420
                    )
                    for label, name in PLATFORM_CHOICES
                ]
            with gr.Group(visible=False, elem_id="override-form") as override_form:
                gr.Markdown("**Publish anyway?** The reason is kept in the audit trail.")
                override_reason = gr.Textbox(
                    label="Why publishing this ad anyway is acceptable", lines=2, elem_id="ad-override-reason"
                )
                override_user = gr.Textbox(value="local", label="Your name (audit trail)")
                override_go = gr.Button("Publish anyway", variant="stop", elem_id="ad-override-go")
            downloads = gr.File(
                label="Downloads (MP4, cover, subtitles, compliance report)",
                file_count="multiple",
                interactive=False,
                elem_id="downloads",
            )
    history = gr.Dataframe(
        headers=HISTORY_HEADERS,
        label="History",
        interactive=False,
        wrap=True,
        elem_id="history",
    )
    token = gr.State(None)
    blocked = gr.State([])

    def on_generate(*args, progress=gr.Progress()):  # noqa: B008 - gradio injects the tracker
        *values, cancel = args
        return generate(ctx, *values, progress=progress, cancel=cancel)

    start = go.click(new_token, inputs=[token], outputs=[token], queue=False, api_visibility="private")
    job = start.then(
        on_generate,
        inputs=[
            photos,
            logo,
            product,
            headline,
            points,
            price,
            cta,
            template,
            platforms,
            duration,
            language,
            music,
            category,
            primary,
            accent,
            spin,
            draft,
            ai_on,
            ai_engine,
            ai_photos,
            ai_prompt,
            ai_preset,
            ai_profile,
            ai_faithful,
            ai_broll,
            ai_broll_seconds,
            token,
        ],
        outputs=[*videos, downloads, status, history, override_form, blocked],
        concurrency_limit=1,
        concurrency_id=GPU_QUEUE,
        api_name="generate_ad",
    )
    stop_button.click(stop, inputs=[token], queue=False, api_visibility="private")
    override = override_go.click(
        lambda folders, reason, user: publish_blocked(ctx, folders, reason, user),
        inputs=[blocked, override_reason, override_user],
        outputs=[downloads, status, override_form, blocked],
        concurrency_id=QUICK_QUEUE,
        concurrency_limit=QUICK_LIMIT,
        api_name="publish_blocked_ad",
    )
    if sample:
        fields = [photos, product, headline, points, price, cta, category, primary, accent, logo]
        names = [
            "photos",
            "product",
            "headline",
            "points",
            "price",
            "cta",
            "category",
            "primary",
            "accent",
            "logo",
        ]

        def on_new_photos(*values):
            cleared = new_upload_values(sample, dict(zip(names, values)))
            return tuple(cleared[name] for name in names)

        photos.upload(on_new_photos, inputs=fields, outputs=fields, queue=False, api_visibility="private")
    return TabParts(
        lists=[
            (lambda: history_rows(ctx), [history]),
            (lambda: gr.update(choices=spin_choices(ctx)), [spin]),
        ],
        jobs=[job, override],
    )
