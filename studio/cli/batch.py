"""`studio batch plan|run|status|retry|cancel`: a shop's catalogue to a folder of ads, resumable after a crash."""

from __future__ import annotations

from pathlib import Path

import click

from studio.cli.common import cancel_on_signals, exit_code_for, print_json, progress_bar


def _catalogue_options(command):
    options = [
        click.argument("catalogue", type=click.Path(dir_okay=False, path_type=Path)),
        click.option("-o", "--out", "outdir", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Output folder (one batch per folder)."),
        click.option("--template", help="Template for every ad (showcase, promo, features)."),
        click.option("--platform", "platforms", multiple=True, help="Platform (repeat); default tiktok."),
        click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
                     help="Read the catalogue's COLUMN as FIELD, e.g. --map 'Product name=Title'."),
        click.option("--images", "images_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder of downloaded photos, matched by file name, id or SKU."),
        click.option("--duration", type=float, help="Seconds per ad (5-60; default 15)."),
        click.option("--music", help="'default', a bundled music id, or 'none'."),
        click.option("--category", help="Product category for the compliance rules."),
        click.option("--width", type=int, help="Render every ad this many px wide, keeping each platform's aspect"
                     " (even; e.g. 540 for drafts; default: the platform's own size)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _plan(catalogue, outdir, template, platforms, maps, images_dir, duration, music, category, width, store):
    from studio.batch.plan import plan_batch
    from studio.errors import InputError

    mapping = {}
    for item in maps:
        column, sep, field = item.partition("=")
        if not sep or not column or not field:
            raise InputError(
                f"--map {item!r} is not COLUMN=FIELD.", "For example --map 'Product name=Title'."
            )
        mapping[column] = field
    defaults: dict = {}
    if duration is not None:
        defaults["duration"] = duration
    if music is not None:
        defaults["music"] = None if music.lower() == "none" else music
    if category is not None:
        defaults["category"] = category
    return plan_batch(catalogue, outdir, platforms=list(platforms) or None, template=template, mapping=mapping,
                      images_dir=images_dir, defaults=defaults, store=store, width=width)  # fmt: skip


@click.group()
def batch() -> None:
    """Catalogue batch: one ad per product per platform, from a Shopify, WooCommerce or Merchant Center export."""


@batch.command("plan")
@_catalogue_options
def plan_command(
    catalogue, outdir, template, platforms, maps, images_dir, duration, music, category, width, as_json
):
    """Dry run: validate every row, count the jobs and what is already done. Writes nothing."""
    from studio.store import open_store

    plan = _plan(catalogue, outdir, template, platforms, maps, images_dir, duration, music, category, width,
                 open_store())  # fmt: skip
    if as_json:
        print_json(plan.to_json())
        return
    click.echo(f"{catalogue.name}: {plan.catalogue.format}, {len(plan.catalogue.products)} products")
    click.echo(
        f"{len(plan.jobs)} jobs to run, {len(plan.skipped)} already done, {len(plan.errors)} row errors"
    )
    for error in plan.errors:
        click.echo(f"  {error}")
    for job in plan.jobs:
        for note in job.notes:
            click.echo(f"  row {job.row} ({job.product_id}): {note}")


@batch.command("fetch")
@click.argument("catalogue", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="As for `batch plan`.")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds per download attempt.")
@click.option("--json", "as_json", is_flag=True)
def fetch_command(catalogue, maps, timeout, as_json):
    """Download the catalogue's photo links into the image cache (then `batch run` works offline)."""
    from studio.batch.catalogue import read_catalogue
    from studio.batch.fetch import fetch_images

    mapping = dict(m.partition("=")[::2] for m in maps)
    products = read_catalogue(catalogue, mapping=mapping or None).products
    with progress_bar("Fetching") as report:
        result = fetch_images([u for p in products for u in p.photos], timeout=timeout, on_progress=report)
    if as_json:
        print_json({"fetched": {u: str(p) for u, p in result.fetched.items()}, "failed": result.failed})
    else:
        click.echo(f"{len(result.fetched)} photos cached, {len(result.failed)} failed")
        for why in result.failed.values():
            click.echo(f"  {why}")
    if result.failed:
        raise click.exceptions.Exit(1)


@batch.command("run")
@_catalogue_options
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", help="Ray cluster address (default: start a local Ray).")
@click.option("--workers", type=int, help="Parallel renders (default: from cores and memory).")
@click.option(
    "--max-attempts", default=3, show_default=True, help="Tries per job before it counts as failed."
)
@click.option(
    "--draft/--final",
    default=True,
    show_default=True,
    help="x264 draft preset (ultrafast up to 540 px wide, superfast above; the fastest with SSIM >= 0.98) or medium.",
)
@click.option("--no-screen", is_flag=True, help="Skip the compliance screen (not for publishing).")
def run_command(catalogue, outdir, template, platforms, maps, images_dir, duration, music, category, width,
                as_json, engine, address, workers, max_attempts, draft, no_screen):  # fmt: skip
    """Render every job; a re-run of the same command skips finished jobs and retries failed ones."""
    from studio.ads import recover_renders
    from studio.batch.engines import make_engine
    from studio.batch.run import run_batch
    from studio.cancel import CancelToken
    from studio.errors import Cancelled
    from studio.store import open_store

    store = open_store()
    recover_renders(store)
    plan = _plan(
        catalogue, outdir, template, platforms, maps, images_dir, duration, music, category, width, store
    )
    for error in plan.errors:
        click.echo(f"skipped {error}", err=True)
    cancel = CancelToken()
    with cancel_on_signals(cancel) as received, progress_bar("Batch") as report:
        try:
            summary = run_batch(plan, store, make_engine(engine, workers, address), max_attempts=max_attempts,
                                preset=None if draft else "medium", screen=not no_screen, cancel=cancel,
                                on_progress=report)  # fmt: skip
        except Cancelled as exc:
            click.echo(f"cancelled: {exc.one_line()}", err=True)
            raise click.exceptions.Exit(exit_code_for(received)) from None
    if as_json:
        print_json(summary.to_json())
    else:
        c = summary.counts
        click.echo(f"batch {summary.batch_id}: {c['done']} done, {c['failed']} failed, {summary.skipped} skipped"
                   f" ({summary.ads_per_minute:.1f} ads/min)")  # fmt: skip
        click.echo(f"results: {summary.results_csv}\ncontact sheet: {summary.contact_sheet}")
    if summary.counts["failed"] or plan.errors:
        raise click.exceptions.Exit(1)


def _batch_id(store, value: str | None) -> int:
    from studio.errors import InputError

    if value is None:
        rows = store.batches(limit=1)
        if not rows:
            raise InputError(
                "There is no batch yet.", "Start one with `studio batch run CATALOGUE -o OUTDIR`."
            )
        return rows[0].id
    if value.isdigit() and store.batch(int(value)) is not None:
        return int(value)
    from studio.batch.plan import batch_key

    row = store.batch_for_key(batch_key(Path(value)))
    if row is None:
        raise InputError(
            f"No batch {value!r}.", "Give a batch id or its output folder (see `studio batch status`)."
        )
    return row.id


@batch.command("status")
@click.argument("batch_ref", required=False, metavar="[BATCH]")
@click.option("--json", "as_json", is_flag=True)
def status_command(batch_ref, as_json):
    """Job counts of a batch (id or output folder; default the latest) and its unfinished jobs."""
    from studio.store import open_store

    store = open_store()
    batch_id = _batch_id(store, batch_ref)
    row = store.batch(batch_id)
    counts = store.job_counts(batch_id)
    jobs = store.jobs(batch_id)
    if as_json:
        print_json({"batch": batch_id, "status": row.status, "outdir": str(row.outdir), "counts": counts,
                    "jobs": [{"id": j.id, "product": j.product_id, "platform": j.platform, "status": j.status,
                              "attempts": j.attempts, "error": j.error} for j in jobs]})  # fmt: skip
        return
    click.echo(
        f"batch {batch_id} ({row.status}) {row.outdir}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    for job in jobs:
        if job.status != "done":
            click.echo(f"  #{job.id} {job.product_id} {job.platform} {job.status} {job.error or ''}")


@batch.command("retry")
@click.argument("batch_ref", metavar="BATCH")
def retry_command(batch_ref):
    """Queue a batch's failed, cancelled and interrupted jobs again (then run the same `batch run`)."""
    from studio.store import open_store

    store = open_store()
    click.echo(f"{store.retry_batch(_batch_id(store, batch_ref))} jobs queued again")


@batch.command("cancel")
@click.argument("batch_ref", metavar="BATCH")
def cancel_command(batch_ref):
    """Cancel a batch: queued jobs are cancelled, a running coordinator stops its renders."""
    from studio.store import open_store

    store = open_store()
    click.echo(f"{store.cancel_batch(_batch_id(store, batch_ref))} queued jobs cancelled")
