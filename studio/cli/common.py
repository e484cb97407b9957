"""Helpers shared by the CLI commands: rich progress bars, JSON output, option defaults read from the models
and signal handling."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import typing
from collections.abc import Iterator
from typing import Any

from studio.cancel import CancelToken
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


def default(model: type, name: str) -> Any:
    """The default of field ``name`` of a pydantic model or a dataclass, so a click option shows and uses the
    library's own default instead of restating it (one home for each default)."""
    fields = getattr(model, "model_fields", None)
    if fields is not None:  # pydantic
        info = fields[name]
        return info.default_factory() if info.default_factory is not None else info.default
    for item in dataclasses.fields(model):
        if item.name == name:
            if item.default is not dataclasses.MISSING:
                return item.default
            if item.default_factory is not dataclasses.MISSING:
                return item.default_factory()
            break
    raise KeyError(f"{model.__name__}.{name} has no default")


def choices(model: type, name: str) -> list[str]:
    """The values a ``Literal[...]`` field ``name`` of a pydantic model allows, in their declared order."""
    return [str(v) for v in typing.get_args(model.model_fields[name].annotation)]


@contextlib.contextmanager
def cancel_on_signals(token: CancelToken) -> Iterator[list[int]]:
    """SIGINT and SIGTERM cancel ``token`` (the job then cleans up and records "cancelled") instead of killing
    the process mid-write. Yields the list of signals received. A second signal acts as it normally does."""
    import signal

    received: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM)

    def handler(signum: int, frame: Any) -> None:
        received.append(signum)
        token.cancel(f"stopped by {signal.Signals(signum).name}")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield received
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def exit_code_for(received: list[int]) -> int:
    """The shell's code for a job stopped by a signal: 128 + the first signal (130 for SIGINT, 143 SIGTERM)."""
    return 128 + received[0] if received else 2
