"""``studio models list|pull|verify|remove|path``: the model weights studio knows, with their licences."""

from __future__ import annotations

from pathlib import Path

import click

from studio.cli.common import print_json, progress_bar


@click.group()
def models() -> None:
    """Model weights: list them with their licences, download them, find them on disk."""


@models.command("list")
@click.option("--kind", type=click.Choice(["video", "clip"]), help="Only this kind of model.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(kind: str | None, as_json: bool) -> None:
    """Known models, their licence terms and whether their weights are on this machine."""
    from studio.modelhub import list_models

    rows = list_models(kind)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    for r in rows:
        lic = r.licence
        terms = "commercial" if lic.commercial_use else "NON-COMMERCIAL"
        if lic.revenue_cap_usd:
            terms += f" < USD {lic.revenue_cap_usd / 1e6:g}M revenue"
        if lic.excluded_territories:
            terms += f", not in {'/'.join(lic.excluded_territories)}"
        if lic.disclosure == "label":
            terms += ", AI label"
        state = "present" if r.present else "-"
        click.echo(f"{r.entry.id:28s} {r.entry.kind:5s} {state:8s} {lic.id:26s} {terms}")


@models.command("pull")
@click.argument("name")
@click.option("--token", envvar="HF_TOKEN", help="Hugging Face token for gated repositories (or HF_TOKEN).")
@click.option(
    "--from",
    "mirror",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A local folder laid out like the hub (<owner>/<repo>/<files>) instead of the Hugging Face Hub.",
)
def pull_command(name: str, token: str | None, mirror: Path | None) -> None:
    """Download the weights of NAME (a registry id or engine name) into $STUDIO_HOME/models (resumable)."""
    from studio.modelhub import LocalHub, pull

    with progress_bar(f"Pulling {name}") as report:
        path = pull(name, token=token, hub=LocalHub(mirror) if mirror else None, on_progress=report)
    click.echo(str(path))


@models.command("verify")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def verify_command(name: str, as_json: bool) -> None:
    """Check NAME's local files against the sizes and SHA-256 recorded at pull (exit 2 when something is wrong)."""
    from studio.errors import ModelError
    from studio.modelhub import verify

    result = verify(name)
    if as_json:
        print_json(result.to_json())
    if not result.ok:
        raise ModelError(
            f"{result.id}: {'; '.join(result.problems)}", f"Run `studio models pull {result.id}`."
        )
    if not as_json:
        click.echo(f"{result.id}: ok ({result.path})")


@models.command("remove")
@click.argument("name")
def remove_command(name: str) -> None:
    """Delete the local weights of NAME."""
    from studio.modelhub import remove

    click.echo(f"removed {remove(name)}")


@models.command("path")
@click.argument("name")
def path_command(name: str) -> None:
    """Print where the weights of NAME are (exit 2 with a hint when they are not on this machine)."""
    from studio.modelhub import resolve

    click.echo(str(resolve(name)))
