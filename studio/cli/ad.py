"""`studio ad`, `studio templates`, `studio history`: the ad composer from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from studio import categories
from studio.cli.common import cancel_on_signals, choices, exit_code_for, print_json, progress_bar
from studio.spec import AdSpec


@click.command()
@click.argument("spec_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    "outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (created if missing).",
)
@click.option(
    "--photo", "photos", multiple=True, type=click.Path(path_type=Path), help="Product photo (repeat)."
)
@click.option("--logo", type=click.Path(path_type=Path), help="Logo image (a transparent PNG is best).")
@click.option("--product", help="Product name (quick form; default: the headline, cut to 80 characters).")
@click.option("--headline", help="Headline (quick form).")
@click.option("--point", "points", multiple=True, help="Selling point (repeat, up to 6).")
@click.option("--price", help="Price or promo line, e.g. 'NT$ 680 買二送一'.")
@click.option("--cta", help="Call to action, e.g. '立即選購'.")
@click.option("--template", help="showcase, promo or features (see `studio templates`).")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    help="tiktok, reels, shorts, instagram-feed, square, youtube (or 9:16, 4:5, 1:1, 16:9); repeat.",
)
@click.option("--duration", type=float, help="Seconds (5-60).")
@click.option("--language", type=click.Choice(choices(AdSpec, "language")), help="Language of the copy.")
@click.option("--music", help="'default', a bundled music id, an audio file, or 'none'.")
@click.option("--category", help=categories.help_text())
@click.option("--seed", type=int, help="Seed for any randomness.")
@click.option(
    "--ai-motion",
    "ai_engine",
    help="Move photo 1 with AI image-to-video: an engine name or a local diffusers folder (spec: ai_motion).",
)
@click.option(
    "--broll",
    "brolls",
    multiple=True,
    help="A B-roll shot generated from this prompt, after the first shot (repeat; spec: broll).",
)
@click.option(
    "--draft",
    is_flag=True,
    help="Faster, larger files for previews (x264 ultrafast up to 540 px wide, superfast above).",
)
@click.option("--width", type=int, help="Render this many px wide, keeping each platform's aspect (even, e.g. 540"
              " for a quick preview; default: the platform's own size).")  # fmt: skip
@click.option(
    "--no-screen",
    is_flag=True,
    help="Publish without the compliance screen (recorded as 'unscreened' in the history and the reports).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the outputs.")
def ad(
    spec_file: Path | None,
    outdir: Path,
    photos: tuple[Path, ...],
    logo: Path | None,
    product: str | None,
    headline: str | None,
    points: tuple[str, ...],
    price: str | None,
    cta: str | None,
    template: str | None,
    platforms: tuple[str, ...],
    duration: float | None,
    language: str | None,
    music: str | None,
    category: str | None,
    seed: int | None,
    ai_engine: str | None,
    brolls: tuple[str, ...],
    draft: bool,
    width: int | None,
    no_screen: bool,
    as_json: bool,
) -> None:
    """Render a short video ad: from SPEC_FILE (YAML/JSON), or the quick form (--photo ... --headline ...).

    Options given with a SPEC_FILE override its fields. Writes NAME-PLATFORM.mp4, a -cover.jpg and an .srt per
    platform into the output folder. AI shots of the spec (ai_motion, broll) are generated where a GPU and the
    weights exist (or found in the clip cache); elsewhere they keep the weight-free motion, and a line says why.
    """
    from studio.ads import make_ad, recover_renders
    from studio.cancel import CancelToken
    from studio.errors import Cancelled, InputError
    from studio.media.encode import EncodeSettings, draft_preset
    from studio.spec import implicit_product_name, load_spec, parse_spec
    from studio.store import open_store

    overrides: dict = {}
    if photos:
        overrides["photos"] = [str(p) for p in photos]
    for key, value in (
        ("logo", logo),
        ("headline", headline),
        ("price", price),
        ("cta", cta),
        ("template", template),
        ("duration", duration),
        ("language", language),
        ("category", category),
        ("seed", seed),
        ("product", product),
    ):
        if value is not None:
            overrides[key] = str(value) if isinstance(value, Path) else value
    if points:
        overrides["selling_points"] = list(points)
    if platforms:
        overrides["platforms"] = list(platforms)
    if music is not None:
        overrides["music"] = None if music.lower() == "none" else music
    if ai_engine is not None:
        overrides["ai_motion"] = {"engine": ai_engine}
    if brolls:  # made by the --ai-motion engine when one is given, else by the spec's default engine
        overrides["broll"] = [{"prompt": p, **({"engine": ai_engine} if ai_engine else {})} for p in brolls]
    if spec_file is not None:
        spec = load_spec(spec_file)
        if overrides:
            spec = parse_spec({**spec.to_data(), **overrides}, source=spec_file.name)
    else:
        if not photos or not headline:
            raise InputError(
                "Give a SPEC_FILE, or at least one --photo and a --headline.", "See `studio ad --help`."
            )
        overrides.setdefault("product", implicit_product_name(headline))
        spec = parse_spec(overrides, source="command line")
    from studio.compliance.embed import ClipHandle

    store = open_store()
    recover_renders(store)
    cancel = CancelToken()
    with cancel_on_signals(cancel) as received, progress_bar("Rendering") as report:
        try:
            result = make_ad(
                spec,
                outdir,
                store=store,
                on_progress=report,
                screen=not no_screen,
                clip=ClipHandle(),  # this process's CLIP model, loaded on first use
                encode=EncodeSettings(preset=draft_preset(width)) if draft else EncodeSettings(),
                cancel=cancel,
                width=width,
            )
        except Cancelled as exc:
            click.echo(f"cancelled: {exc.one_line()}", err=True)
            raise click.exceptions.Exit(exit_code_for(received)) from None
    if as_json:
        print_json(
            {
                "render_id": result.render_id,
                "outputs": [o.to_json() for o in result.outputs],
                "blocked": [b.to_json() for b in result.blocked],
                "screened": result.screened,
                "timings": result.timings,
                "ai_motion": [note.to_json() for note in result.motion],
            }
        )
    else:
        for note in result.motion:  # generated, from the cache, or the weight-free motion and why
            click.echo(note.line)
        for output in result.outputs:
            click.echo(
                f"{output.platform:15s} {output.width}x{output.height} {output.duration:.1f}s  {output.path}"
            )
        if not result.screened:
            click.echo("not screened: published without the compliance screen (--no-screen)", err=True)
    if result.blocked:
        from studio.errors import ComplianceError

        raise ComplianceError(
            "Blocked by the compliance screen: "
            + "; ".join(f"{b.platform}: {b.message}" for b in result.blocked),
            "The other platforms were published; see `studio compliance quarantine`.",
        )


@click.command()
def templates() -> None:
    """List the ad templates."""
    from studio.video.templates import TEMPLATE_HELP

    for name, text in TEMPLATE_HELP.items():
        click.echo(f"{name:10s} {text}")


@click.command()
@click.option("--limit", default=20, show_default=True, help="How many renders to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(limit: int, as_json: bool) -> None:
    """Recent renders from the store (status, reason, outputs)."""
    from studio.ads import recover_renders
    from studio.store import open_store

    store = open_store()
    recover_renders(store)
    rows = store.renders(limit=limit)
    if as_json:
        print_json(
            [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "status": r.status,
                    "reason": r.reason,
                    "outputs": r.outputs,
                    "timings": r.timings,
                    "created": r.created,
                }
                for r in rows
            ]
        )
        return
    for row in rows:
        name = row.spec.get("product", "")
        click.echo(f"#{row.id:<4d} {row.kind:6s} {row.status:9s} {name[:30]:30s} {row.reason or ''}")
