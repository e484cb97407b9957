"""``studio video i2v|t2v|engines``: AI motion clips from a photo or a prompt (a thin layer over
``studio.video.ai_clip``)."""

from __future__ import annotations

from pathlib import Path

import click

from studio.cli.common import print_json, progress_bar
from studio.video.engines import DEFAULT_ENGINE, PROFILES


@click.group()
def video() -> None:
    """AI motion: photo-to-video and text-to-video with open video-diffusion models (diffusers)."""


def _common(func):
    options = [
        click.option("--model", default=DEFAULT_ENGINE, show_default=True,
                     help="An engine name (see `studio video engines`) or a local diffusers folder."),
        click.option("--engine", help="The engine of a local folder, when it cannot be read from the folder."),
        click.option("--prompt", help="The prompt (default: built from --product and --preset)."),
        click.option("--product", help="The product's name, for the built prompt."),
        click.option("--point", "points", multiple=True, help="A selling point, for the built prompt (repeatable)."),
        click.option("--preset", default="push-in", show_default=True, help="Motion preset of the built prompt."),
        click.option("--negative", help="Negative prompt (default: against added text, logos, watermarks)."),
        click.option("--seconds", type=float, help="Clip length in seconds (snapped to the engine's frame rule)."),
        click.option("--frames", type=int, help="Clip length in frames (snapped to the engine's frame rule)."),
        click.option("--platform", help="Fit the clip's aspect to this platform (tiktok, reels, square, ...)."),
        click.option("--size", help="WIDTHxHEIGHT (snapped to the engine's multiples and pixel budget)."),
        click.option("--profile", type=click.Choice(["auto", *PROFILES]), default="auto", show_default=True,
                     help="GPU memory profile (auto: from the GPU's free memory)."),
        click.option("--steps", type=int, help="Denoising steps (default: the engine's)."),
        click.option("--guidance", type=float, help="Guidance scale (default: the engine's)."),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--preview", is_flag=True, help="A quick low-resolution preview (half the engine's size)."),
        click.option("--cache", type=click.Choice(["none", "fbc", "taylorseer", "magcache"]), default="none",
                     show_default=True, help="Speed: a diffusers cache hook on the transformer."),
        click.option("--compile", "compile_blocks", is_flag=True,
                     help="Speed: compile the transformer's repeated blocks (the first clip compiles)."),
        click.option("--screen/--no-screen", default=True, show_default=True,
                     help="The export gate: screen, licence rules, AI label where required, C2PA (as every output)."),
        click.option("--sign/--no-sign", default=True, show_default=True,
                     help="With --no-screen: still embed C2PA Content Credentials marking the clip AI-generated."),
        click.option("--revenue-usd", "revenue", type=float,
                     help="The company's annual revenue in USD (some weights' licences cap it)."),
        click.option("--territory", default="TW", show_default=True, help="Where the clip runs (ISO code)."),
        click.option("--category", default="general", show_default=True, help="The product category."),
        click.option("--label", "visible_label", is_flag=True,
                     help="Draw the visible AI label (drawn anyway where a licence or the platform requires it)."),
        click.option("--override-reason", help="Publish despite a block (kept in the audit trail)."),
        click.option("--device", help="cuda or cpu (default: cuda when present; the CPU runs tiny local models only)."),
        click.option("-o", "--out", "out", type=click.Path(path_type=Path), required=True, help="Output .mp4."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _run(
    task: str, image: Path | None, fit: str, faithful: bool = False, move: str = "push-in", **kw
) -> None:
    from studio.video.ai_clip import ClipJob, make_ai_clip, parse_size
    from studio.video.ai_inputs import DEFAULT_NEGATIVE_PROMPT

    aspect = None
    platform = None
    if kw["platform"]:
        from studio.video.presets import get_preset

        preset = get_preset(kw["platform"])
        aspect = (preset.width, preset.height)
        platform = preset.name
    job = ClipJob(
        task=task,
        model=kw["model"],
        engine=kw["engine"],
        out=kw["out"],
        prompt=kw["prompt"],
        product=kw["product"],
        selling_points=tuple(kw["points"]),
        preset=kw["preset"],
        negative_prompt=kw["negative"] or DEFAULT_NEGATIVE_PROMPT,
        image=image,
        fit=fit,
        faithful=faithful,
        move=move,
        frames=kw["frames"],
        seconds=kw["seconds"],
        size=parse_size(kw["size"]) if kw["size"] else None,
        aspect=aspect,
        steps=kw["steps"],
        guidance=kw["guidance"],
        seed=kw["seed"],
        profile=kw["profile"],
        device=kw["device"],
        sign=kw["sign"],
        screen=kw["screen"],
        company_revenue_usd=kw["revenue"],
        territory=kw["territory"],
        category=kw["category"],
        platform=platform,
        visible_label=kw["visible_label"],
        override_reason=kw["override_reason"],
        preview=kw["preview"],
        cache=kw["cache"],
        compile_blocks=kw["compile_blocks"],
    )
    from studio.compliance.embed import ClipHandle
    from studio.store import open_store

    store = open_store() if kw["screen"] else None
    with progress_bar(f"AI clip ({task})") as report:
        result = make_ai_clip(job, store=store, clip=ClipHandle(), on_progress=report)
    if kw["as_json"]:
        print_json(result.to_json())
        return
    for message in result.messages:
        click.echo(f"note: {message}", err=True)
    click.echo(f"compliance: {result.verdict}", err=True)
    click.echo(str(result.path))


@video.command("i2v")
@click.option("--image", type=click.Path(path_type=Path), required=True, help="The product photo.")
@click.option("--fit", type=click.Choice(["pad", "crop"]), default="pad", show_default=True,
              help="Fit the photo to the engine's size: pad with a blurred backdrop, or crop (never stretched).")  # fmt: skip
@click.option("--faithful/--free", default=True, show_default=True,
              help="Faithful: the product's own pixels are composited back on every frame; free: the model redraws all.")  # fmt: skip
@click.option("--move", type=click.Choice(["static", "push-in", "parallax"]), default="push-in", show_default=True,
              help="Faithful mode: the product's 2D move.")  # fmt: skip
@_common
def i2v(image: Path, fit: str, faithful: bool, move: str, **kw) -> None:
    """Photo-to-video: the product photo becomes a short motion clip (product-faithful by default)."""
    _run("i2v", image, fit, faithful, move, **kw)


@video.command("t2v")
@_common
def t2v(**kw) -> None:
    """Text-to-video: a prompt becomes a B-roll clip."""
    _run("t2v", None, "pad", **kw)


@video.command("engines")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def engines(as_json: bool) -> None:
    """The AI video engines: tasks, sizes, frame rules, defaults, memory per profile, licence."""
    from studio.video.engines import ENGINES

    if as_json:
        print_json([e.to_json() for e in ENGINES.values()])
        return
    for e in ENGINES.values():
        sizes = "/".join(f"{w}x{h}" for w, h in e.sizes)
        default = " (default)" if e.name == DEFAULT_ENGINE else ""
        click.echo(
            f"{e.name:18s} {','.join(e.tasks):9s} {sizes:27s} {e.frames.step}k+1@{e.fps}fps"
            f" {e.licence}{default}"
        )
