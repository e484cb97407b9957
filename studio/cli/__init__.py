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
def cli() -> None:
    """studio: short video ads, 3D product splats and compliance screening.

    State (the store, caches, settings) lives in $STUDIO_HOME (default ~/.studio).
    """


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; StudioErrors become one line on stderr and exit code 2."""
    from studio.errors import StudioError

    try:
        result = cli.main(args=argv, prog_name="studio", standalone_mode=False)
    except StudioError as exc:
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
    # with standalone_mode=False, click returns ctx.exit(code)'s code instead of raising
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
