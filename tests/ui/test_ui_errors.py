"""An unexpected error in an app handler: one line on the page, the traceback in studio.log."""

from __future__ import annotations

import logging

import gradio as gr
import pytest

from studio.errors import InputError
from studio.logs import setup_logging
from studio.ui.app import log_unexpected_errors


def _demo(fn) -> gr.Blocks:
    with gr.Blocks() as demo:
        box = gr.Textbox()
        button = gr.Button()
        button.click(fn, inputs=[box], outputs=[box])
    log_unexpected_errors(demo)
    return demo


def _handler(demo: gr.Blocks):
    (block_fn,) = [f for f in demo.fns.values() if f.fn is not None]
    return block_fn.fn


@pytest.fixture
def log_file(studio_home):
    setup_logging()
    yield studio_home / "logs" / "studio.log"
    logging.shutdown()


def test_an_unexpected_error_is_one_line_and_its_traceback_is_logged(log_file):
    def broken(text: str) -> str:
        return {}["missing key " + text]

    handler = _handler(_demo(broken))
    with pytest.raises(gr.Error) as caught:
        handler("x")
    assert "KeyError" in caught.value.message and "\n" not in caught.value.message
    for h in logging.getLogger("studio").handlers:
        h.flush()
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback" in logged and "missing key x" in logged


def test_generators_stay_generators_and_user_errors_pass_as_their_own_line(log_file):
    def stream(text: str):
        yield "first"
        raise InputError("Headline is empty.", "Type a headline.")

    handler = _handler(_demo(stream))
    import inspect

    assert inspect.isgeneratorfunction(handler)
    steps = handler("x")
    assert next(steps) == "first"
    with pytest.raises(gr.Error, match="Headline is empty"):
        next(steps)
    for h in logging.getLogger("studio").handlers:
        h.flush()
    assert "Traceback" not in (log_file.read_text(encoding="utf-8") if log_file.exists() else "")


def test_wrapping_keeps_the_signature_gradio_inspects():
    def with_progress(text: str, progress=gr.Progress()):  # noqa: B008 - gradio injects the tracker
        return text

    import inspect

    handler = _handler(_demo(with_progress))
    assert list(inspect.signature(handler).parameters) == ["text", "progress"]
