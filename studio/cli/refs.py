"""``studio refs add|list|remove``: the reference bank of protected (and the brand's licensed) images."""

from __future__ import annotations

from pathlib import Path

import click

from studio.cli.common import print_json, progress_bar


@click.group()
def refs() -> None:
    """The reference bank: images screening compares every frame against."""


@refs.command("add")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--owner", required=True, help="The rights holder (a company, an artist, the brand itself).")
@click.option("--licence", default="", help="Licence or rights note, e.g. 'all rights reserved'.")
@click.option("--notes", default="", help="Free text: what it is, where it came from.")
@click.option(
    "--kind",
    type=click.Choice(["protected", "licensed"]),
    default="protected",
    show_default=True,
    help="protected: third-party logos, characters, products (near-copies are blocked); "
    "licensed: the brand's own or licensed assets (a warning to check the licence).",
)
@click.option("--clip/--no-clip", default=True, show_default=True,
              help="Also store CLIP embeddings when the CLIP weights are on this machine.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the added references as JSON.")
def add(
    images: tuple[Path, ...], owner: str, licence: str, notes: str, kind: str, clip: bool, as_json: bool
) -> None:
    """Add IMAGES to the bank (all or nothing: one unreadable image adds none)."""
    from studio.compliance.refbank import ReferenceBank
    from studio.store import open_store

    embedder = None
    if clip:
        from studio.compliance.embed import try_default_embedder

        embedder = try_default_embedder()
    bank = ReferenceBank(open_store())
    before = {r.id for r in bank.list()}
    with progress_bar("Adding references") as report:
        ids = bank.add(list(images), owner=owner, licence=licence, notes=notes, kind=kind, embedder=embedder,
                       on_progress=report)  # fmt: skip
    added = [bank.get(i) for i in ids]
    if as_json:
        print_json([{**r.to_json(), "new": r.id not in before} for r in added])
        return
    for ref in added:
        state = "added" if ref.id not in before else "already in the bank as"
        click.echo(f"{state} {ref.label}  {ref.name}  owner={ref.owner}  kind={ref.kind}")
    if embedder is None and clip:
        click.echo("note: no CLIP weights here, so only hashes were stored (`studio models pull clip`).")


@refs.command("list")
@click.option("--kind", type=click.Choice(["protected", "licensed"]), help="Only this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_refs(kind: str | None, as_json: bool) -> None:
    """List the references in the bank."""
    from studio.compliance.refbank import ReferenceBank
    from studio.store import open_store

    items = ReferenceBank(open_store()).list(kinds=[kind] if kind else None)
    if as_json:
        print_json([r.to_json() for r in items])
        return
    if not items:
        click.echo("The reference bank is empty. Add images with: studio refs add IMAGE... --owner NAME")
        return
    for r in items:
        clip = "clip" if r.embed_model else "hash-only"
        licence = f"  licence={r.licence}" if r.licence else ""
        click.echo(
            f"{r.id:>5}  {r.kind:9s}  {r.owner:20s}  {r.name}  ({r.width}x{r.height}, {clip}){licence}"
        )


@refs.command("remove")
@click.argument("ref_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the removed reference as JSON.")
def remove(ref_id: int, as_json: bool) -> None:
    """Remove the reference REF_ID (see `studio refs list`)."""
    from studio.compliance.refbank import ReferenceBank
    from studio.store import open_store

    ref = ReferenceBank(open_store()).remove(ref_id)
    if as_json:
        print_json(ref.to_json())
        return
    click.echo(f"removed {ref.label}  {ref.name}  owner={ref.owner}")
