"""The Ad Studio tab: photos and copy in, one preview player per aspect ratio, downloads, history."""

from __future__ import annotations

import time
from typing import Any

import gradio as gr

from studio import categories
from studio.ui.context import GPU_QUEUE, AppContext

PLATFORM_CHOICES = [
    ("TikTok 9:16", "tiktok"),
    ("Reels 9:16", "reels"),
    ("Shorts 9:16", "shorts"),
    ("Instagram feed 4:5", "instagram-feed"),
    ("Square 1:1", "square"),
    ("YouTube 16:9", "youtube"),
]
CATEGORY_CHOICES = categories.choices()


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
                row.reason or "",
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
    progress: gr.Progress | None = None,
) -> tuple:
    """The Generate button: validate, render every platform, return previews, downloads and history."""
    from studio.ads import make_ad
    from studio.colours import from_picker
    from studio.errors import StudioError
    from studio.media.encode import EncodeSettings
    from studio.spec import implicit_product_name, parse_spec

    if not photos:
        raise gr.Error("Upload at least one product photo.")
    try:  # the picker may give #rgb or rgba(...); the spec wants #RRGGBB
        brand = {
            "primary": from_picker(primary, "brand colour"),
            "accent": from_picker(accent, "accent colour"),
        }
    except StudioError as exc:
        raise gr.Error(exc.one_line()) from None
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
    outdir = ctx.outputs / time.strftime("ad-%Y%m%d-%H%M%S")
    try:
        spec = parse_spec(data, source="form")
        report = (lambda f, m: progress(f, desc=m)) if progress is not None else None
        result = make_ad(
            spec,
            outdir,
            store=ctx.store,
            on_progress=report,
            clip=ctx.clip,  # the app's one CLIP model: loaded once, not on every Generate
            encode=EncodeSettings(preset="veryfast") if draft else EncodeSettings(),
        )
    except StudioError as exc:
        raise gr.Error(exc.one_line()) from None
    by_platform: dict[str, str] = {}
    files: list[str] = []
    for output in result.outputs:
        by_platform[output.platform] = str(output.path)
        files += [str(output.path), str(output.cover), str(output.srt)]
        report_json = output.path.with_name(output.path.name + ".compliance.json")
        if report_json.is_file():
            files.append(str(report_json))
    videos = [
        gr.update(value=by_platform.get(name), visible=name in by_platform) for _, name in PLATFORM_CHOICES
    ]
    summary = "\n".join(
        f"- **{o.platform}** {o.width}x{o.height}, {o.duration:.1f} s" for o in result.outputs
    )
    if result.blocked:
        summary += "\n" + "\n".join(f"- **{b.platform}** blocked: {b.message}" for b in result.blocked)
    return (
        *videos,
        files,
        f"Rendered in {result.timings.get('total', 0):.1f} s\n\n{summary}",
        history_rows(ctx),
    )


def build_ad_tab(ctx: AppContext, sample: dict[str, Any] | None = None) -> None:
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
                )
            with gr.Row():
                brand = sample.get("brand", {})
                primary = gr.ColorPicker(value=brand.get("primary", "#1F5F4A"), label="Brand colour")
                accent = gr.ColorPicker(value=brand.get("accent", "#E8B04B"), label="Accent colour")
            with gr.Row():
                spin = gr.Dropdown(
                    spin_choices(ctx), value="", label="3D product spin (from the 3D Studio)", scale=5
                )
                refresh = gr.Button("↻", scale=1, min_width=40)
            refresh.click(lambda: gr.update(choices=spin_choices(ctx)), outputs=[spin], api_name=False)
            draft = gr.Checkbox(value=False, label="Draft quality (faster encode)", elem_id="draft")
            go = gr.Button("Generate", variant="primary", elem_id="generate")
        with gr.Column(scale=6):
            status = gr.Markdown("Fill in the form and press **Generate**.", elem_id="status")
            with gr.Row():
                videos = [
                    gr.Video(
                        label=label, visible=False, elem_id=f"video-{name}", interactive=False, height=420
                    )
                    for label, name in PLATFORM_CHOICES
                ]
            downloads = gr.File(
                label="Downloads (MP4, cover, subtitles, compliance report)",
                file_count="multiple",
                interactive=False,
                elem_id="downloads",
            )
    history = gr.Dataframe(
        headers=["id", "when", "product", "template", "status", "platforms", "reason"],
        value=history_rows(ctx),
        label="History",
        interactive=False,
        elem_id="history",
    )

    def on_generate(*args, progress=gr.Progress()):  # noqa: B008 - gradio injects the tracker
        return generate(ctx, *args, progress=progress)

    go.click(
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
        ],
        outputs=[*videos, downloads, status, history],
        concurrency_limit=1,
        concurrency_id=GPU_QUEUE,
        api_name="generate_ad",
    )
