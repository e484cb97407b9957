"""`studio batch fetch`: a catalogue's photo links into a content-addressed cache, so `batch run` works offline.

Each link is downloaded with a timeout, a few retries (connection errors and 5xx answers), a size cap, and kept only
when it is a JPEG, PNG or WebP that decodes. Files are stored by the SHA-256 of their bytes (``<sha>.<ext>``, written
to a temp file and renamed); ``index.json`` maps each link to its file. A broken link fails only its product.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from studio.cancel import CancelToken, check
from studio.errors import InputError
from studio.fsutil import atomic_output
from studio.progress import ProgressFn, null_progress

MAX_BYTES = 25 * 1024 * 1024
TIMEOUT = 20.0  # seconds per attempt
RETRIES = 3
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


@dataclass(frozen=True)
class FetchResult:
    fetched: dict[str, Path]  # link -> cached file
    failed: dict[str, str]  # link -> why


def cache_folder() -> Path:
    from studio.settings import cache_dir

    return cache_dir("images")


def cached(url: str, cache: Path | None = None) -> Path | None:
    """The cached file of ``url``, or None."""
    folder = cache or cache_folder()
    name = _index(folder).get(url)
    path = folder / name if name else None
    return path if path is not None and path.is_file() else None


def fetch_images(
    urls: list[str],
    cache: Path | None = None,
    *,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    max_bytes: int = MAX_BYTES,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> FetchResult:
    """Download every http(s) link of ``urls`` not cached yet."""
    report = on_progress or null_progress
    folder = cache or cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    index = _index(folder)
    fetched: dict[str, Path] = {}
    failed: dict[str, str] = {}
    todo = list(dict.fromkeys(u for u in urls if u.lower().startswith(("http://", "https://"))))
    for k, url in enumerate(todo):
        check(cancel, "The download")
        report(k / max(len(todo), 1), f"fetching {k + 1}/{len(todo)}")
        hit = cached(url, folder)
        if hit is not None:
            fetched[url] = hit
            continue
        try:
            data = _download(url, timeout, retries, max_bytes)
            ext = _image_type(data, url)
        except InputError as exc:
            failed[url] = exc.one_line()
            continue
        name = hashlib.sha256(data).hexdigest() + ext
        target = folder / name
        if not target.is_file():
            with atomic_output(target) as tmp:
                tmp.write_bytes(data)
        index[url] = name
        fetched[url] = target
    _write_index(folder, index)
    report(1.0, f"{len(fetched)} fetched, {len(failed)} failed")
    return FetchResult(fetched, failed)


def _download(url: str, timeout: float, retries: int, max_bytes: int) -> bytes:
    last = ""
    for _attempt in range(max(1, retries)):
        request = urllib.request.Request(url, headers={"User-Agent": "studio-batch/1"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise InputError(f"{url} is {int(length)} bytes; the limit is {max_bytes}.")
                data = response.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise InputError(f"{url} is larger than the limit of {max_bytes} bytes.")
                return data
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500:
                break  # 404, 403: another try will not help
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            last = str(getattr(exc, "reason", exc)) or type(exc).__name__
    raise InputError(
        f"Could not download {url}: {last}.", "Check the link, or put the photo in --images DIR."
    )


def _image_type(data: bytes, url: str) -> str:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            image.load()  # decodes every pixel: a truncated file fails here
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad data
        raise InputError(f"{url} is not a readable image ({type(exc).__name__}).") from None
    if fmt not in FORMATS:
        raise InputError(f"{url} is a {fmt} image; batch takes JPEG, PNG or WebP.")
    return FORMATS[fmt]


def _index(folder: Path) -> dict[str, str]:
    path = folder / "index.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_index(folder: Path, index: dict[str, str]) -> None:
    merged = {**_index(folder), **index}  # another fetch may have added links meanwhile
    with atomic_output(folder / "index.json") as tmp:
        tmp.write_text(json.dumps(merged, ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(folder / "index.json", 0o644)
