"""Shared fixtures: every test gets its own STUDIO_HOME, so nothing touches the user's ~/.studio.

The browser tests (``pytest.mark.browser``) also share ``app`` (the real app in a subprocess, with a home of its
own) and ``browser`` (Debian's Chromium, headless, driven by Playwright's Python client).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def studio_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("studio_home")
    monkeypatch.setenv("STUDIO_HOME", str(home))
    yield home
    from studio.logs import reset_logging

    reset_logging()  # a CLI run in-process logged into this home; the next test has its own


@dataclass(frozen=True)
class RunningApp:
    url: str  # http://127.0.0.1:<port>/
    home: Path  # the app's STUDIO_HOME: store, outputs, app.log

    def log(self) -> str:
        return (self.home / "app.log").read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """``python app.py --no-sample`` on a free localhost port, one per test module."""
    home = tmp_path_factory.mktemp("app_home")
    port = _free_port()
    env = {**os.environ, "STUDIO_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    running = RunningApp(f"http://127.0.0.1:{port}/", home)
    with open(home / "app.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--no-sample"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 120
            while True:
                try:
                    urllib.request.urlopen(running.url, timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError("the app exited: " + running.log()) from None
                    if time.time() > deadline:
                        raise RuntimeError("the app did not start: " + running.log()) from None
                    time.sleep(0.5)
            yield running
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def app_url(app: RunningApp) -> str:
    return app.url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is needed (make test installs Debian's chromium package)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()
