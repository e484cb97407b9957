"""What every tab needs to run work for people: queues by weight, progress with time left, a Stop button, lists
that refresh, and messages without server paths.

- **Queues.** Heavy events (renders, reconstructions, spins) share ``GPU_QUEUE`` (one at a time). Screening a file
  runs in ``SCREEN_QUEUE``; quick events (copy screening, capture checks, lists, overrides) in ``QUICK_QUEUE``
  with several at once, so a quick check never waits behind a render.
- **Cancel.** A heavy event takes a per-session ``UiCancelToken`` from ``gr.State``; the page's Stop button
  cancels it and the library stops at its next safe point (``studio.cancel``).
- **Progress.** ``progress_reporter`` adapts ``on_progress(fraction, message)`` to ``gr.Progress`` with the time
  left estimated from the time so far.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from studio.cancel import CancelToken

QUICK_QUEUE = "quick"  # lists, copy screening, capture checks, overrides: never behind a heavy job
QUICK_LIMIT = 4
SCREEN_QUEUE = "screen"  # screening an uploaded image or video (CLIP, frame decoding)


class UiCancelToken(CancelToken):
    """The studio cancel token, also answering ``is_set()`` for callees that still poll an Event-like flag."""

    def is_set(self) -> bool:
        return self.cancelled


def new_token(_old: Any = None) -> UiCancelToken:
    """A fresh token for the job about to start (the previous job's token stays cancelled if it was)."""
    return UiCancelToken()


def stop(token: Any) -> None:
    """The Stop button: cancel the session's running (or queued) heavy job."""
    if isinstance(token, CancelToken):
        token.cancel("stopped from the page")


def duration_text(seconds: float) -> str:
    """``75`` -> ``"1 min 15 s"``; ``8.2`` -> ``"8 s"``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def eta_text(fraction: float, elapsed: float) -> str:
    """Time left at ``fraction`` done after ``elapsed`` seconds, assuming a steady pace; "" until it can tell."""
    if fraction <= 0.02 or elapsed < 1.0:
        return ""
    if fraction >= 1.0:
        return "done"
    return f"about {duration_text(elapsed * (1 - fraction) / fraction)} left"


def progress_reporter(
    progress: Any, *, clock: Callable[[], float] = time.monotonic
) -> Callable[[float, str], None] | None:
    """``on_progress(fraction, message)`` for the library, shown by ``progress`` (``gr.Progress``) as
    "message · about 1 min 20 s left" (gradio adds the percentage)."""
    if progress is None:
        return None
    started = clock()

    def report(fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        left = eta_text(fraction, clock() - started)  # gradio shows the percentage itself
        progress(fraction, desc=" · ".join(p for p in (message, left) if p))

    return report


# a path of two or more parts (/a/b, C:\a\b): shown to people as its last part
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"()\[\],;:]+){2,}")


def plain(text: str) -> str:
    """A message for people: server paths cut to their file or folder name."""
    return _PATH.sub(lambda m: re.split(r"[\\/]", m.group(0))[-1], text)


def message(exc: BaseException) -> str:
    """The one-line message of an error for a toast, without server paths."""
    from studio.errors import StudioError

    text = exc.one_line() if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
    return plain(text)


@dataclass
class TabParts:
    """What a tab gives the app: its lists (refreshed on every page load and after every job) and its jobs."""

    # (loader, outputs): the loader returns one value per output (a tuple when there are several)
    lists: list[tuple[Callable[[], Any], Sequence[Any]]] = field(default_factory=list)
    jobs: list[Any] = field(default_factory=list)  # gradio event dependencies that change what the lists show

    def extend(self, other: TabParts | None) -> None:
        if other is not None:
            self.lists += other.lists
            self.jobs += other.jobs


def refresh_all(parts: TabParts) -> tuple[Callable[[], tuple], list[Any]]:
    """One function that reloads every list, and the outputs it fills (in order)."""
    outputs: list[Any] = []
    for _, outs in parts.lists:
        outputs += list(outs)

    def load() -> tuple:
        values: list[Any] = []
        for loader, outs in parts.lists:
            value = loader()
            values += list(value) if len(outs) > 1 else [value]
        return tuple(values)

    return load, outputs
