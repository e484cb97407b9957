"""The app listens where asked: its own flags, then Gradio's GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, then
127.0.0.1:7860; a bad port is one line, not a traceback."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import gradio as gr
import pytest

from studio.errors import InputError
from studio.ui.app import server_address

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_env_and_flags():
    assert server_address(env={}) == ("127.0.0.1", 7860)
    env = {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8123"}
    assert server_address(env=env) == ("0.0.0.0", 8123)
    assert server_address("127.0.0.1", 9000, env=env) == ("127.0.0.1", 9000)  # the flags win
    assert server_address(None, 9000, env=env) == ("0.0.0.0", 9000)
    assert server_address(env={"GRADIO_SERVER_PORT": " "}) == ("127.0.0.1", 7860)


@pytest.mark.parametrize("raw", ["http", "0", "70000", "-1"])
def test_a_bad_port_names_its_source(raw):
    with pytest.raises(InputError, match=f"GRADIO_SERVER_PORT must be a port number 1-65535, got '{raw}'"):
        server_address(env={"GRADIO_SERVER_PORT": raw})
    with pytest.raises(InputError, match="--port must be"):
        server_address(port=0, env={})


@pytest.fixture()
def app_main(monkeypatch):
    """``app.py``'s main with Gradio's launch recorded instead of serving (the Blocks are built for real)."""
    seen: dict = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: seen.update(kwargs))
    spec = importlib.util.spec_from_file_location("studio_app_script", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main, seen


def test_app_py_honours_gradio_env_and_its_flags_win(app_main, monkeypatch):
    main, seen = app_main
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    assert main(["--no-sample"]) == 0
    assert (seen["server_name"], seen["server_port"]) == ("0.0.0.0", 8123)
    assert main(["--no-sample", "--host", "127.0.0.1", "--port", "9001"]) == 0
    assert (seen["server_name"], seen["server_port"]) == ("127.0.0.1", 9001)


def test_app_py_bad_env_port_is_one_line_exit_2(app_main, monkeypatch, capsys):
    main, seen = app_main
    monkeypatch.setenv("GRADIO_SERVER_PORT", "eighty")
    assert main(["--no-sample"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "error: GRADIO_SERVER_PORT must be a port number 1-65535, got 'eighty'. (For example 7860.)"
    ]
    assert seen == {}
