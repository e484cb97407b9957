"""Helpers shared by the CLI commands: rich progress bars and JSON output."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from studio.progress import ProgressFn


@contextlib.contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[ProgressFn]:
    """A rich progress bar on stderr as an ``on_progress(fraction, message)`` callback.

    A no-op when ``enabled`` is false or stderr is not a terminal. It stays on with ``--json``: the JSON goes to
    stdout, the bar to stderr, so a terminal user still sees a long job move.
    """
    if not enabled or not sys.stderr.isatty():
        yield lambda fraction, message: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[message]}"),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=1.0, message="")

        def report(fraction: float, message: str) -> None:
            progress.update(task, completed=fraction, message=message)

        yield report


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()
