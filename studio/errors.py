"""Small typed errors raised in the core and translated at the edges (CLI exit 2, gr.Error in the app).

Every error carries a user-facing ``message`` naming what was wrong and a ``hint`` saying what was expected.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base class: ``message`` is shown to the user, ``hint`` says what to do about it."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = self.message if not self.hint else f"{self.message} ({self.hint})"
        return " ".join(text.split())


class InputError(StudioError):
    """Bad user input: a file, a field, a value."""


class ConfigError(StudioError):
    """A malformed spec, settings file or rule pack."""


class DependencyError(StudioError):
    """A missing program, package or capability of the machine (ffmpeg, CUDA, ...)."""


class ModelError(StudioError):
    """Model weights that are missing, incompatible or failed to load."""


class RenderError(StudioError):
    """Rendering or encoding failed."""


class ComplianceError(StudioError):
    """An output was blocked by the compliance screen."""


class Cancelled(StudioError):
    """A long job was cancelled by the user."""
