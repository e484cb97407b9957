"""Shared fixtures: every test gets its own STUDIO_HOME, so nothing touches the user's ~/.studio."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def studio_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("studio_home")
    monkeypatch.setenv("STUDIO_HOME", str(home))
    return home
