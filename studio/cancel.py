"""One cancellation token for every long job (renders, reconstructions, spins, batch jobs, diffusion).

The edge that starts a job (the app's Stop button, the CLI's SIGINT/SIGTERM handler, the batch coordinator) owns a
``CancelToken`` and calls ``cancel()``; the library only ever polls it with ``raise_if_cancelled()`` at safe points
(between frames, steps, stages) and lets the ``Cancelled`` error unwind, cleaning up on the way. A token can be
linked to a parent: cancelling the parent (a whole batch) cancels every child (its jobs), not the reverse.

Functions take ``cancel: CancelToken | None = None``; ``None`` means "cannot be cancelled". There is no other
protocol: no bare ``threading.Event``, no ``Callable[[], bool]``.
"""

from __future__ import annotations

import threading

from studio.errors import Cancelled


class CancelToken:
    """A thread-safe, one-way cancel flag with an optional reason and parent."""

    def __init__(self, parent: CancelToken | None = None):
        self._event = threading.Event()
        self._parent = parent
        self._reason = ""

    def cancel(self, reason: str = "cancelled by the user") -> None:
        """Ask every holder of this token to stop at its next safe point."""
        if not self._event.is_set():
            self._reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)

    @property
    def reason(self) -> str:
        if self._event.is_set():
            return self._reason
        return self._parent.reason if self._parent is not None else ""

    def child(self) -> CancelToken:
        """A token cancelled together with this one (and cancellable on its own)."""
        return CancelToken(parent=self)

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancel; True when cancelled."""
        if self._parent is None:
            return self._event.wait(timeout)
        deadline = threading.Event()
        step = min(timeout, 0.05)
        waited = 0.0
        while waited < timeout:
            if self.cancelled:
                return True
            deadline.wait(step)
            waited += step
        return self.cancelled

    def raise_if_cancelled(self, what: str = "The job") -> None:
        """Raise ``Cancelled`` (a ``StudioError``) when the token was cancelled."""
        if self.cancelled:
            raise Cancelled(f"{what} was cancelled ({self.reason}).", "Nothing partial was kept.")


def check(cancel: CancelToken | None, what: str = "The job") -> None:
    """``cancel.raise_if_cancelled(what)`` for an optional token."""
    if cancel is not None:
        cancel.raise_if_cancelled(what)
