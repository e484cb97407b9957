"""Progress reporting: long functions take ``on_progress(fraction, message)``.

The app adapts it to ``gr.Progress``, the CLI to a rich progress bar, batch scripts to their log.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[float, str], None]


def null_progress(fraction: float, message: str) -> None:
    return None


def scaled(on_progress: ProgressFn | None, start: float, end: float) -> ProgressFn:
    """A callback that maps [0, 1] onto [start, end] of the parent's range."""
    parent = on_progress or null_progress

    def report(fraction: float, message: str) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        parent(start + (end - start) * fraction, message)

    return report
