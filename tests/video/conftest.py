"""Fixtures of the video tests: the tiny AI motion pipelines, built once per session (``tests/video/tiny_motion``)
and saved with ``save_pretrained`` for the tests that load a local folder by path."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_pipes():
    """engine task -> a tiny pipeline on the CPU (float32): wan_t2v, wan_ti2v, wan_vace, ltx_t2v, ltx_i2v."""
    from tests.video import tiny_motion

    return {
        name: getattr(tiny_motion, name)()
        for name in ("wan_t2v", "wan_ti2v", "wan_vace", "ltx_t2v", "ltx_i2v")
    }


@pytest.fixture(scope="session")
def tiny_folders(tiny_pipes, tmp_path_factory):
    """Local diffusers folders (save_pretrained) of the tiny Wan text-to-video and TI2V pipelines."""
    root = tmp_path_factory.mktemp("tiny_models")
    out = {}
    for name in ("wan_t2v", "wan_ti2v"):
        tiny_pipes[name].save_pretrained(root / name)
        out[name] = root / name
    return out
