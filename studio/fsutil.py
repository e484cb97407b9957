"""File-system helpers: atomic outputs and safe paths."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from studio.errors import InputError


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` only if the block succeeds.

    A failure (or an exception of any kind) removes the temporary file, so no partial output is ever left
    under the final name. The temp name keeps the suffix, so encoders still see the right container.
    """
    final = Path(path)
    ensure_writable_dir(final.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".part{final.suffix}", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if not tmp_path.exists() or tmp_path.stat().st_size == 0:
            raise OSError(f"nothing was written to {final.name}")
        publish(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def default_file_mode() -> int:
    """The mode a newly created file gets here: ``0o666`` less the process umask (0o644 under umask 022)."""
    try:  # Linux reports the umask without changing it (changing it, even briefly, races other threads)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def publish(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> Path:
    """Rename the finished ``tmp`` onto ``final``, with the permissions a normal write would have given it.

    Temporary files from ``tempfile.mkstemp`` are 0600; a published output must not be: it takes the mode of the
    file it replaces, or the umask's default for a new file (so an MP4 and its cover JPEG agree).
    """
    final = Path(final)
    try:
        mode = final.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = default_file_mode()
    os.chmod(tmp, mode)
    os.replace(tmp, final)
    return final


def ensure_writable_dir(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` if needed and check that files can be written in it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"Cannot create the output folder {folder}: {exc.strerror or exc}.",
            "Choose a folder you can write to.",
        ) from exc
    if not folder.is_dir():
        raise InputError(f"The output path {folder} is not a folder.", "Give a folder for the outputs.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"The output folder {folder} is not writable.", "Choose a folder you can write to.")
    return folder


def new_folder(parent: str | os.PathLike[str], name: str) -> Path:
    """Create and return a folder of its own under ``parent``: ``name``, else ``name-2``, ``name-3`` ... (two jobs
    started in the same second never share one; ``mkdir`` decides, so two processes cannot both win)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        folder = parent / (name if n == 1 else f"{name}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            n += 1
            continue
        return folder


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_inside(
    base: str | os.PathLike[str], relative: str | os.PathLike[str], what: str = "path"
) -> Path:
    """Resolve ``relative`` against ``base`` and refuse anything that escapes ``base`` (``..``, absolute, links)."""
    base_path = Path(base).resolve()
    target = (base_path / relative).resolve()
    if target != base_path and base_path not in target.parents:
        raise InputError(
            f"The {what} {str(relative)!r} points outside its folder {base_path}.",
            "Use a path relative to the manifest's folder, without '..'.",
        )
    return target


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush a finished file's data to disk (before it is renamed into place)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries (after renames in it); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
