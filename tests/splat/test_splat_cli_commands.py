"""`studio splat` as a user runs it (real subprocesses): build, check, export, render, help, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from test_splat_io_synthetic import render_views, write_views


def run(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "STUDIO_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "studio", "splat", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("cli_home")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_photos")
    _, images, _ = render_views(12, 400, 300, seed=0)
    write_views(root, images)
    return root


@pytest.fixture(scope="module")
def built(photos, home, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_out") / "model"
    result = run(
        str(photos),
        "-o",
        str(out),
        "--steps",
        "10",
        "--resolution",
        "64",
        "--holdout",
        "4",
        "--device",
        "cpu",
        "--background",
        "black",
        "--json",
        home=home,
    )
    return result, out


def test_help_lists_the_commands_and_the_build_options(home):
    result = run("--help", home=home)
    assert result.returncode == 0, result.stderr
    for command in ("build", "check", "render", "export"):
        assert f"  {command} " in result.stdout
    for option in (
        "--steps",
        "--max-minutes",
        "--resolution",
        "--device",
        "--holdout",
        "--background",
        "--masks",
        "--json",
        "-o, --out",
    ):
        assert option in result.stdout
    top = subprocess.run(
        [sys.executable, "-m", "studio", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STUDIO_HOME": str(home)},
        check=False,
    )
    assert "  splat " in top.stdout


def test_build_prints_one_json_object(built):
    result, out = built
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert {"model", "images", "registered", "psnr", "ssim", "gaussians", "seconds"} <= set(data)
    assert data["images"] == 12 and data["registered"] == 12
    assert data["gaussians"] > 0 and isinstance(data["psnr"], float) and 0 < data["ssim"] <= 1
    assert isinstance(data["seconds"], dict) and {"sfm", "train", "export"} <= set(data["seconds"])
    assert Path(data["model"]) == out / "model.safetensors" and Path(data["model"]).is_file()
    assert "I20" not in result.stderr  # pycolmap's glog stays in the log file


def test_build_recorded_in_the_store(built, home):
    from studio.store import Store

    _, out = built
    store = Store(home / "studio.sqlite3")
    (render,) = store.renders(kind="splat")
    assert render.status == "done" and render.spec["options"]["background"] == [0.0, 0.0, 0.0]
    (row,) = store.models()
    assert row.path == out / "model.safetensors" and row.registered == 12


def test_export_each_format(built, home, tmp_path, capsys, monkeypatch):
    from studio.cli import main
    from studio.splat.gaussians import load_model

    _, out = built
    model = out / "model.safetensors"
    n = load_model(model).n
    # one real subprocess, the other formats in-process through the same entry point (faster)
    result = run("export", str(model), "--format", "spz", "-o", str(tmp_path / "m.spz"), home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "m.spz") and load_model(tmp_path / "m.spz").n == n
    monkeypatch.setenv("STUDIO_HOME", str(home))
    for fmt in ("ply", "splat"):
        assert main(["splat", "export", str(model), "--format", fmt, "-o", str(tmp_path / f"m.{fmt}")]) == 0
        assert capsys.readouterr().out.strip() == str(tmp_path / f"m.{fmt}")
        assert load_model(tmp_path / f"m.{fmt}").n == n
    assert main(["splat", "export", str(model), "--format", "ply"]) == 0  # default name: beside the model
    assert (out / "model.ply").is_file()
    assert main(["splat", "export", str(model), "--format", "ply", "-o", str(tmp_path / "m.obj")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not end in .ply" in err
    assert not (tmp_path / "m.obj").exists()


def test_render_orbit_writes_an_mp4(built, home, tmp_path):
    _, out = built
    spin = tmp_path / "spin.mp4"
    result = run(
        "render",
        str(out / "model.safetensors"),
        "--orbit",
        "-o",
        str(spin),
        "--width",
        "64",
        "--height",
        "64",
        "--seconds",
        "1",
        "--fps",
        "8",
        "--device",
        "cpu",
        "--json",
        home=home,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["video"] == str(spin)
    import imageio_ffmpeg

    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(spin))
    assert frames == 8 and seconds == pytest.approx(1.0, abs=0.15)
    # a published spin is screened and signed like an ad
    from studio.compliance.provenance import read_manifest

    report = json.loads(spin.with_name("spin.mp4.compliance.json").read_text(encoding="utf-8"))
    assert report["verdict"] in ("pass", "warn") and report["media"]["name"] == "spin.mp4"
    assert read_manifest(spin).verdict == report["verdict"]
    assert not list(tmp_path.glob(".spin*"))  # nothing staged is left behind


def test_check_reports_and_fails_unusable_sets(photos, home, tmp_path):
    ok = run("check", str(photos), "--json", home=home)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["ok"] is True and data["usable"] == 12 and data["kind"] == "photos"
    text = run("check", str(photos), home=home)
    assert text.returncode == 0 and "12 usable (12 distinct)" in text.stdout

    same = tmp_path / "same"
    same.mkdir()
    image = np.asarray(Image.open(photos / "view_00.jpg"))
    for i in range(9):
        Image.fromarray(image).save(same / f"s{i}.jpg", quality=85 + i)
    bad = run("check", str(same), home=home)
    assert bad.returncode == 2
    assert "Only 1 distinct usable image" in bad.stderr
    assert bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
    assert "8 near-duplicate image(s)" in bad.stdout  # the report itself is printed first


@pytest.mark.parametrize(
    "args, expected",
    [
        (("{missing}", "-o", "{out}"), "does not exist"),
        (("{photos}", "-o", "{out}", "--holdout", "1"), "holdout"),
        (("{photos}", "-o", "{out}", "--background", "purple-ish"), "is not a colour"),
        (("{photos}", "-o", "{out}", "--crop", "1,2,3"), "six numbers"),
        (("{photos}", "-o", "{out}", "--formats", "ply,obj"), "obj"),
        (("{photos}/view_00.jpg", "-o", "{out}"), "single photo"),
        (("export", "{missing}", "--format", "ply"), "does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, expected, photos, home, tmp_path):
    values = {"missing": str(tmp_path / "missing"), "out": str(tmp_path / "out"), "photos": str(photos)}
    result = run(*(a.format(**values) for a in args), home=home)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert (
        result.stderr.strip().count("\n") == 0 or "Usage:" in result.stderr
    )  # one line (click: usage + line)
    assert "Traceback" not in result.stderr


def test_the_explicit_build_command_takes_a_folder_named_like_a_command(home, tmp_path):
    folder = tmp_path / "check"
    folder.mkdir()
    result = run("build", str(folder), "-o", str(tmp_path / "o"), home=home)
    assert result.returncode == 2 and "has no photos" in result.stderr


def test_json_on_a_terminal_keeps_stdout_clean_and_shows_progress_on_stderr(photos, home):
    """A user at a terminal who asks for --json still sees the progress bar (on stderr, a terminal here);
    stdout holds exactly one JSON object."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "studio", "splat", "check", str(photos), "--json"],
            stdout=subprocess.PIPE,
            stderr=slave,
            env={**os.environ, "STUDIO_HOME": str(home), "COLUMNS": "120"},
            timeout=300,
            check=False,
        )
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO once the child's end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, terminal
    assert json.loads(proc.stdout)["usable"] == 12
    assert "Checking" in terminal
