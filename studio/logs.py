"""Logging: the standard ``logging`` module, configured only by the edges (the CLI's ``main``, ``app.py``).

Library modules only ever do ``log = logging.getLogger(__name__)`` and log; nothing is configured at import time.
:func:`setup_logging` adds a rotating file log at ``$STUDIO_HOME/logs/studio.log`` (what happened, with the
traceback of every unexpected error) and, with ``verbose``, the same records on stderr. An unexpected error shows
the user one line (:func:`unexpected_error`) while the log keeps the whole traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOGGER = "studio"  # the package's logger: every ``logging.getLogger(__name__)`` in studio is below it
LOG_FILE = "studio.log"
MAX_BYTES = 2_000_000  # per file; the log rotates beyond this
BACKUPS = 5  # studio.log.1 ... studio.log.5 are kept
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(process)d %(threadName)s] %(message)s"
_MARK = "_studio_handler"  # tags the handlers this module added, so a second setup replaces them


def log_dir() -> Path:
    """``$STUDIO_HOME/logs`` (created)."""
    from studio.settings import cache_dir

    return cache_dir("logs")


def log_file() -> Path:
    return log_dir() / LOG_FILE


def setup_logging(*, verbose: bool = False, file: bool = True) -> Path | None:
    """Configure the ``studio`` logger for one process; returns the log file (None when it cannot be written).

    The file gets INFO and above (DEBUG with ``verbose``); stderr gets the records only with ``verbose``. Calling
    it again replaces the handlers it added before (tests and the app may call it more than once).
    """
    reset_logging()
    logger = logging.getLogger(LOGGER)
    level = logging.DEBUG if verbose else logging.INFO
    logger.setLevel(level)
    formatter = logging.Formatter(FORMAT)
    path: Path | None = None
    if file:
        try:
            path = log_file()
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
            )
        except OSError as exc:  # an unwritable home must not stop the command; say so once
            sys.stderr.write(f"warning: no log file ({exc.strerror or exc}); logging to stderr only\n")
            path = None
            verbose = True
        else:
            handler.setFormatter(formatter)
            handler.setLevel(level)
            setattr(handler, _MARK, True)
            logger.addHandler(handler)
    if verbose:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        console.setLevel(logging.DEBUG)
        setattr(console, _MARK, True)
        logger.addHandler(console)
    return path


def reset_logging() -> None:
    """Remove (and close) the handlers :func:`setup_logging` added."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, _MARK, False)]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.NOTSET)


def current_log_file() -> Path | None:
    """The file the ``studio`` logger writes to, if :func:`setup_logging` gave it one."""
    for handler in logging.getLogger(LOGGER).handlers:
        if getattr(handler, _MARK, False) and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def unexpected_error(exc: BaseException, what: str = "studio") -> str:
    """Log ``exc`` with its traceback and return the one line the user sees (naming the log file)."""
    logging.getLogger(LOGGER).error(
        "unexpected error in %s", what, exc_info=(type(exc), exc, exc.__traceback__)
    )
    detail = " ".join(str(exc).split())[:300]
    where = current_log_file()
    tail = f"the traceback is in {where}" if where is not None else "run with --verbose for the traceback"
    return f"unexpected {type(exc).__name__}{': ' + detail if detail else ''} ({tail})"
