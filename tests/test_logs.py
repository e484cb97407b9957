"""Logging: configured only by the edges, a rotating file under $STUDIO_HOME/logs, --verbose, and an unexpected
error shown as one line while the log keeps its traceback."""

from __future__ import annotations

import logging
import logging.handlers
import subprocess
import sys

import click
import pytest

from studio import cli as cli_module
from studio.logs import LOGGER, current_log_file, reset_logging, setup_logging


@click.command()
def boom() -> None:
    """A command that fails the way a bug would."""
    raise RuntimeError("the frame buffer was\nempty")


@pytest.fixture()
def with_boom(monkeypatch):
    monkeypatch.setitem(cli_module.COMMANDS, "boom", f"{__name__}:boom")


def test_nothing_is_configured_at_import_time():
    code = (
        "import logging, studio, studio.cli, studio.ads, studio.spec, studio.store, studio.splat.pipeline, "
        "studio.compliance.gate, studio.logs\n"
        "assert not logging.getLogger('studio').handlers, logging.getLogger('studio').handlers\n"
        "assert not logging.getLogger().handlers, logging.getLogger().handlers\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_setup_writes_a_rotating_file_under_the_home_and_replaces_itself(studio_home):
    path = setup_logging()
    again = setup_logging()
    assert path == again == studio_home / "logs" / "studio.log" == current_log_file()
    handlers = logging.getLogger(LOGGER).handlers
    assert len(handlers) == 1 and isinstance(handlers[0], logging.handlers.RotatingFileHandler)
    assert handlers[0].maxBytes > 0 and handlers[0].backupCount > 0
    logging.getLogger("studio.splat.pipeline").info("stage done")
    logging.getLogger("studio.splat.pipeline").debug("not at INFO")
    text = path.read_text(encoding="utf-8")
    assert "INFO    studio.splat.pipeline" in text and "stage done" in text and "not at INFO" not in text
    reset_logging()
    assert current_log_file() is None


def test_unexpected_error_is_one_line_and_the_log_has_the_traceback(studio_home, with_boom, capsys):
    assert cli_module.main(["boom"]) == 1
    err = capsys.readouterr().err.strip()
    log_path = studio_home / "logs" / "studio.log"
    assert err.splitlines() == [
        f"error: unexpected RuntimeError: the frame buffer was empty (the traceback is in {log_path})"
    ]
    assert "Traceback" not in err
    text = log_path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: the frame buffer was" in text
    assert 'raise RuntimeError("the frame buffer was' in text  # the failing line itself


def test_a_studio_error_stays_one_line_with_exit_2_and_is_logged(studio_home, capsys):
    assert cli_module.main(["splat", "check", str(studio_home / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "failed:" in (studio_home / "logs" / "studio.log").read_text(encoding="utf-8")


def test_verbose_prints_the_log_and_the_traceback_on_stderr(studio_home, with_boom, capsys):
    assert cli_module.main(["--verbose", "boom"]) == 1
    err = capsys.readouterr().err
    assert "INFO studio.cli: studio --verbose boom" in err
    assert "Traceback (most recent call last)" in err  # the debug console shows everything
    assert err.strip().splitlines()[-1].startswith("error: unexpected RuntimeError")


def test_verbose_is_in_the_help():
    result = subprocess.run(
        [sys.executable, "-m", "studio", "--help"], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0 and "--verbose" in result.stdout and "logs/studio.log" in result.stdout


def test_secrets_on_the_command_line_stay_out_of_the_log(studio_home, capsys):
    cli_module.main(["models", "pull", "no-such-model", "--token", "hf_SECRET1"])
    cli_module.main(["models", "pull", "no-such-model", "--token=hf_SECRET2"])
    capsys.readouterr()
    text = (studio_home / "logs" / "studio.log").read_text(encoding="utf-8")
    assert "studio models pull no-such-model --token ***" in text and "--token=***" in text
    assert "hf_SECRET" not in text
