"""The ``studio`` command line: a thin layer over the Python API.

Commands live in their own modules and are imported only when used, so ``studio --help`` stays fast and one
feature's heavy imports (torch, pycolmap) never slow another's. Add a command by adding a line to ``COMMANDS``.
"""

from __future__ import annotations

import importlib
import sys

import click

from studio import __version__

# name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "ad": "studio.cli.ad:ad",
    "templates": "studio.cli.ad:templates",
    "history": "studio.cli.ad:history",
    "screen": "studio.cli.compliance:screen",
    "verify": "studio.cli.compliance:verify",
    "compliance": "studio.cli.compliance:compliance",
    "models": "studio.cli.models:models",
    "splat": "studio.cli.splat:splat",
    "refs": "studio.cli.refs:refs",
    "video": "studio.cli.video:video",
    "batch": "studio.cli.batch:batch",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help straight from each command, without importing heavy dependencies for --help.
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=70)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="studio")
@click.option("-v", "--verbose", is_flag=True, help="Also print the log (debug level) on stderr.")
def cli(verbose: bool) -> None:
    """studio: short video ads, 3D product splats and compliance screening.

    State (the store, caches, settings) lives in $STUDIO_HOME (default ~/.studio); the log is in
    $STUDIO_HOME/logs/studio.log.
    """
    if verbose:  # main() saw it already; this is for callers of ``cli`` itself
        from studio.logs import current_log_file, setup_logging

        setup_logging(verbose=True, file=current_log_file() is not None)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; StudioErrors become one line on stderr and exit code 2; any other error is one
    line too (exit 1) while the log keeps its traceback."""
    import logging

    from studio.errors import StudioError
    from studio.logs import setup_logging, unexpected_error

    args = sys.argv[1:] if argv is None else list(argv)
    leading = args[: next((i for i, a in enumerate(args) if not a.startswith("-")), len(args))]
    setup_logging(verbose="-v" in leading or "--verbose" in leading)  # before the first record
    log = logging.getLogger(__name__)
    shown = _redacted(args)
    log.info("studio %s", " ".join(shown))
    try:
        result = cli.main(args=args, prog_name="studio", standalone_mode=False)
    except StudioError as exc:
        log.info("failed: %s", exc.one_line())
        click.echo(f"error: {exc.one_line()}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the edge: one line for the user, the traceback in the log
        click.echo(f"error: {unexpected_error(exc, 'studio ' + ' '.join(shown[:2]))}", err=True)
        return 1
    # with standalone_mode=False, click returns ctx.exit(code)'s code instead of raising
    return result if isinstance(result, int) else 0


SECRET_OPTIONS = ("token", "password", "secret", "key")


def _redacted(args: list[str]) -> list[str]:
    """``args`` for the log, with the values of secret options (``--token X``, ``--token=X``) replaced."""
    shown, hide_next = [], False
    for arg in args:
        if hide_next:
            shown.append("***")
            hide_next = False
            continue
        name, eq, _value = arg.partition("=")
        secret = arg.startswith("--") and any(word in name.lower() for word in SECRET_OPTIONS)
        if secret and eq:
            shown.append(f"{name}=***")
        else:
            shown.append(arg)
            hide_next = secret
    return shown


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
