"""Test helpers: generated media and ffprobe."""

from __future__ import annotations

import errno
import hashlib
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageDraw

from studio.samples import sample_photo

make_photo = sample_photo  # one home for the generated photo: studio.samples (bench/ uses it too)


def make_logo(path: Path, size: int = 400) -> Path:
    logo = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((20, 20, size - 20, size - 20), fill=(200, 40, 40, 255))
    logo.save(path)
    return path


def ffprobe_exe() -> str | None:
    return shutil.which("ffprobe")


def ffprobe(path: Path) -> dict:
    exe = ffprobe_exe()
    assert exe, "ffprobe is needed by the render tests (make test installs Debian's ffmpeg package)"
    out = subprocess.run(
        [exe, "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return json.loads(out)


def top_level_atoms(path: Path) -> list[str]:
    """MP4 top-level box types in file order (to check +faststart: moov before mdat)."""
    atoms = []
    with open(path, "rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(fh.read(8), "big")
                fh.seek(size - 16, 1)
            else:
                fh.seek(size - 8, 1)
            atoms.append(kind)
            if size == 0:
                break
    return atoms


VIDEO_STATE_JS = """v => new Promise(resolve => {
    const done = () => resolve({ready: v.readyState, duration: v.duration, w: v.videoWidth, h: v.videoHeight,
                                error: v.error && v.error.code});
    if (v.readyState >= 2) return done();
    v.addEventListener('loadeddata', done); v.addEventListener('error', done);
    setTimeout(done, 20000); v.load();
})"""


def video_state(video) -> dict:
    """Load a <video> (a Playwright locator) in the browser and return its readyState, duration, size and error
    code once it has data, failed, or 20 s passed."""
    return video.evaluate(VIDEO_STATE_JS)


class _FullDisk:
    """A file opened for writing whose writes fail as on a full disk once ``room`` bytes have gone in, or (with
    ``at_close``) whose buffered data cannot be flushed when it is closed."""

    def __init__(self, real, room: int, at_close: bool):
        self._real, self._room, self._at_close = real, room, at_close

    def write(self, data) -> int:
        if self._room - len(data) < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._real.write(data)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()
        if self._at_close:
            raise OSError(errno.ENOSPC, "No space left on device")


def fill_disk_when_signing(monkeypatch, *, at_close: bool = False) -> None:
    """Make every file the C2PA signer opens for writing fail as on a full disk (the real c2pa library, the real
    files; only the write layer of ``studio.compliance.provenance`` is swapped)."""
    import builtins

    from studio.compliance import provenance

    real_open = builtins.open

    def fake_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if "w" in mode or "+" in mode:
            return _FullDisk(handle, 1 << 40 if at_close else 1024, at_close)
        return handle

    monkeypatch.setattr(provenance, "open", fake_open, raising=False)


# the smallest pack with the near-copy rule: the shipped ip pack's hash distances, no CLIP threshold or reference kinds
NEAR_COPY_PACK = """
pack: test-ip
version: 1
rules:
  - id: ip.near-copy
    detector: reference
    action: block
    pdq_max_distance: 31
    phash_max_distance: 10
"""

STOPPING = ("block", "review")  # the finding actions that stop publication


def stopping_rules(text: str, packs, category: str = "general") -> set[str]:
    """Ids of the rules that stop publication (block or review) of ``text``, rules alone (no claim model)."""
    from studio.compliance.text import check_text

    return {f.rule for f in check_text(text, packs, category, claim_model=False) if f.action in STOPPING}


def claim_rules(text: str, packs, category: str = "general") -> set[str]:
    """``stopping_rules`` without ``tw-ads.drugs.permit`` (a drug ad's missing permit number): the claim rules that
    stop ``text``, as the claims rounds' tests (test_comp_policy_v12 ... v14) judge a sentence."""
    return stopping_rules(text, packs, category) - {"tw-ads.drugs.permit"}


BENCH = Path(__file__).resolve().parents[1] / "bench"


@contextmanager
def bench_module(name: str) -> Iterator:
    """``bench/NAME.py`` imported, with ``bench/`` on ``sys.path`` while it is in use (its modules import each
    other by name, as when a benchmark runs as a script)."""
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


def image_digest(image) -> str:
    """A digest of a PIL image's pixels and size (two renders are the same picture)."""
    return hashlib.sha256(image.tobytes() + repr(image.size).encode()).hexdigest()
