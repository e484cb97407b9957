"""``studio screen``, ``studio verify`` and ``studio compliance ...``: thin commands over studio.compliance."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from studio import categories
from studio.cli.common import print_json, progress_bar

CATEGORY_HELP = categories.help_text()


def _load_embedder(enabled: bool):
    """The default CLIP embedder, or (None, why) when disabled or its weights are absent."""
    if not enabled:
        return None, "CLIP disabled with --no-clip"
    try:
        from studio.compliance.embed import try_default_embedder
    except ImportError as exc:
        return None, f"the CLIP embedder is not installed ({exc})"
    embedder = try_default_embedder()
    if embedder is None:
        from studio.compliance import embed

        why = getattr(embed, "last_unavailable_reason", None)
        reason = why() if callable(why) else why
        return None, str(reason or "the CLIP weights are not on this machine (studio models pull ...)")
    return embedder, None


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--text", "texts", multiple=True, help="Screen this ad copy (repeatable) instead of / besides files."
)
@click.option(
    "--pack", "packs", multiple=True, help="Rule pack (repeatable); default: the packs for the category."
)
@click.option("--category", default=categories.DEFAULT_CATEGORY.value, show_default=True, help=CATEGORY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per file.")
@click.option(
    "--fail-on",
    type=click.Choice(["block", "review", "warn"]),
    help="Exit with code 1 when any verdict is this bad or worse (default: exit 0 whenever screening ran).",
)
@click.option("--no-clip", is_flag=True, help="Run only the weight-free checks (hashes, text).")
@click.option("--fps", default=2.0, show_default=True, type=float, help="Video frames screened per second.")
@click.option(
    "--html", "html_path", type=click.Path(path_type=Path), help="Also write a readable HTML report here."
)
def screen(
    files: tuple[Path, ...],
    texts: tuple[str, ...],
    packs: tuple[str, ...],
    category: str,
    as_json: bool,
    fail_on: str | None,
    no_clip: bool,
    fps: float,
    html_path: Path | None,
) -> None:
    """Screen images, videos or ad copy against the rule packs and the reference bank.

    \b
    studio screen ad.mp4 --category food --json
    studio screen --text "幫助消化，調整體質" --category food
    """
    from studio.compliance.findings import SEVERITY
    from studio.compliance.gate import check_input_file, screen_file, screen_text
    from studio.compliance.rules import load_packs
    from studio.errors import InputError

    if not files and not texts:
        raise InputError("Nothing to screen.", 'Give files, or --text "ad copy".')
    if fps <= 0:
        raise InputError(f"--fps must be positive, not {fps}.", "Try 2.")
    for file in files:  # every file is checked before any is screened: one bad path stops nothing half-done
        check_input_file(file)
    loaded = load_packs(list(packs) or None, category)
    reports = [screen_text(text, loaded, category) for text in texts]
    if files:
        from studio.store import open_store

        embedder, why = _load_embedder(not no_clip)
        store = open_store()
        with progress_bar("Screening") as report:
            for index, file in enumerate(files):
                part = _part(report, index, len(files), file.name)
                result = screen_file(
                    file, loaded, category=category, store=store, embedder=embedder, fps=fps, on_progress=part
                )
                if why and "clip" not in result.checks_skipped:
                    result.checks_skipped["clip"] = why
                reports.append(result)
    if html_path is not None:
        from studio.compliance.report_html import write_html_report
        from studio.store import open_store

        write_html_report(reports, html_path, store=open_store())
    if as_json:
        print_json([r.to_json() for r in reports])
    else:
        for r in reports:
            _print_report(r)
        if html_path is not None:
            click.echo(f"HTML report: {html_path}")
    if fail_on and any(SEVERITY[r.verdict] >= SEVERITY[fail_on] for r in reports):
        sys.exit(1)  # click would swallow its own Exit under studio.cli.main


def _part(report, index: int, total: int, name: str):
    def part(fraction: float, message: str) -> None:
        report((index + fraction) / total, f"{name}: {message}")

    return part


def _print_report(report) -> None:
    colours = {"pass": "green", "warn": "yellow", "review": "yellow", "block": "red"}
    click.echo(
        click.style(f"{report.verdict.upper():6s}", fg=colours[report.verdict], bold=True) + f" {report.file}"
    )
    for f in report.findings:
        where = f" at {f.time:.2f}s" if f.time is not None else ""
        click.echo(f"  {f.action:6s} {f.rule}{where}  score {f.score:g} / threshold {f.threshold:g}")
        click.echo(f"         {f.message}")
    for check, why in report.checks_skipped.items():
        click.echo(click.style(f"  not run: {check}: {why}", dim=True))


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the manifest summary as JSON.")
def verify(file: Path, as_json: bool) -> None:
    """Read back a file's C2PA Content Credentials (exit 1 when there are none or they do not validate)."""
    from studio.compliance.provenance import read_manifest

    summary = read_manifest(file)
    if as_json:
        print_json(summary.to_json())
    elif not summary.found:
        click.echo(f"{file}: no C2PA Content Credentials")
    else:
        trust = (
            "signed by this studio installation"
            if summary.trusted
            else "signer not known to this installation"
        )
        click.echo(f"{file}: Content Credentials {summary.validation_state} ({trust})")
        click.echo(f"  signed by    {summary.signer} (issuer {summary.issuer}), {summary.claim_generator}")
        click.echo(
            f"  AI-generated {'yes' if summary.ai_generated else 'no'} ({summary.digital_source_type})"
        )
        if summary.compliance:
            c = summary.compliance
            click.echo(f"  screening    {c.get('verdict')} with packs {c.get('packs')}")
            if c.get("rules"):
                click.echo(f"  rules        {', '.join(c['rules'])}")
            if c.get("overridden"):
                click.echo(f"  override     yes (audit trail id {c.get('override_id')})")
        for failure in summary.failures:
            click.echo(click.style(f"  failure      {failure}", fg="red"))
    if not summary.found or summary.validation_state not in ("Valid", "Trusted"):
        sys.exit(1)  # click would swallow its own Exit under studio.cli.main


@click.group()
def compliance() -> None:
    """Rule packs, calibration, quarantine and the override audit trail."""


@compliance.command("packs")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--rules", "show_rules", is_flag=True, help="List each pack's rules too.")
def packs_command(as_json: bool, show_rules: bool) -> None:
    """List the rule packs (built-in and in $STUDIO_HOME/packs)."""
    from studio.compliance.rules import available_packs, load_pack

    packs = [load_pack(name) for name in available_packs()]
    if as_json:
        print_json(
            [
                {
                    "pack": p.name,
                    "version": p.version,
                    "market": p.market,
                    "source": str(p.source),
                    "rules": [
                        {"id": r.id, "detector": r.detector, "action": r.action, "applies_to": r.applies_to}
                        for r in p.rules
                    ],
                }
                for p in packs
            ]
        )
        return
    for p in packs:
        click.echo(f"{p.name:18s} v{p.version:<3d} {p.market:4s} {len(p.rules):3d} rules  {p.source}")
        if show_rules:
            for r in p.rules:
                applies = ",".join(r.applies_to) if r.applies_to else "all"
                click.echo(f"    {r.action:6s} {r.detector:15s} {r.id}  [{applies}]")


@compliance.command("calibrate")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--pack", "pack_name", required=True, help="The pack whose thresholds are calibrated.")
@click.option("--precision", default=0.95, show_default=True, type=float, help="Target precision per rule.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Write the pack here (default: $STUDIO_HOME/packs)."
)
@click.option("--no-clip", is_flag=True, help="Calibrate only the weight-free (hash) thresholds.")
@click.option("--json", "as_json", is_flag=True, help="Print the chosen thresholds as JSON.")
def calibrate_command(
    folder: Path, pack_name: str, precision: float, out: Path | None, no_clip: bool, as_json: bool
) -> None:
    """Pick per-rule thresholds from a labelled FOLDER for a target precision and write them into a pack."""
    from studio.compliance.calibrate import calibrate_folder
    from studio.compliance.rules import load_pack, user_packs_dir, write_pack
    from studio.errors import InputError
    from studio.store import open_store

    if not 0.0 < precision <= 1.0:
        raise InputError(f"--precision must be in (0, 1], not {precision}.", "Try 0.95.")
    pack = load_pack(pack_name)
    embedder, _why = _load_embedder(not no_clip)
    with progress_bar("Calibrating") as report:
        result = calibrate_folder(
            folder, pack, store=open_store(), embedder=embedder, precision=precision, on_progress=report
        )
    target = out or user_packs_dir(create=True) / f"{result.pack.name}.yaml"
    write_pack(result.pack, target)
    if as_json:
        print_json(
            {
                "pack": result.pack.name,
                "version": result.pack.version,
                "path": str(target),
                **result.to_json(),
            }
        )
    else:
        click.echo(f"wrote {result.pack.name} v{result.pack.version} to {target}")
        click.echo(result.summary())


@compliance.command("quarantine")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def quarantine_command(as_json: bool) -> None:
    """List outputs blocked by the export gate."""
    from studio.compliance.gate import list_quarantine

    items = list_quarantine()
    if as_json:
        print_json(
            [
                {
                    "folder": str(i.folder),
                    "file": str(i.file),
                    "final_path": str(i.final_path),
                    "verdict": i.verdict,
                    "rules": i.rules,
                    "created": i.created,
                }
                for i in items
            ]
        )
        return
    if not items:
        click.echo("quarantine is empty")
    for i in items:
        click.echo(f"{i.folder.name}  {i.verdict}  {', '.join(i.rules)}")


@compliance.command("override")
@click.argument("item")
@click.option("--reason", required=True, help="Why publishing despite the block is acceptable (audited).")
@click.option("--user", default=lambda: __import__("getpass").getuser(), help="Who decides (audit trail).")
@click.option("--to", "destination", type=click.Path(path_type=Path), help="Publish here instead.")
def override_command(item: str, reason: str, user: str, destination: Path | None) -> None:
    """Publish a quarantined ITEM (its folder name) despite its block; the reason goes into the audit trail."""
    from studio.compliance.gate import release_quarantined
    from studio.store import open_store

    published = release_quarantined(item, reason, store=open_store(), user=user, destination=destination)
    click.echo(f"published {published} (override recorded)")


@compliance.command("overrides")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def overrides_command(limit: int, as_json: bool) -> None:
    """The override audit trail, newest first."""
    from studio.compliance.gate import overrides
    from studio.store import open_store

    rows = overrides(open_store(), limit)
    if as_json:
        keys = ("id", "render_id", "file", "verdict", "reason", "user", "created")
        print_json([{key: getattr(row, key) for key in keys} for row in rows])
        return
    for row in rows:
        click.echo(f"#{row.id:<4d} {row.verdict:6s} {row.user:10s} {row.file}  \u2014 {row.reason}")
