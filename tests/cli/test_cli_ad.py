"""The `studio` command as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import make_photo


def run(*args: str, env_home) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "STUDIO_HOME": str(env_home)}
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_help_lists_every_command(studio_home):
    from studio.cli import COMMANDS

    result = run("--help", env_home=studio_home)
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout or f"  {name}\n" in result.stdout, name


def test_quick_form_json(tmp_path, studio_home):
    photos = [make_photo(tmp_path / f"p{i}.jpg", seed=i) for i in range(2)]
    result = run(
        "ad",
        "--photo",
        str(photos[0]),
        "--photo",
        str(photos[1]),
        "--headline",
        "Fresh oolong",
        "--point",
        "Hand picked",
        "--price",
        "NT$ 680",
        "--platform",
        "tiktok",
        "--platform",
        "1:1",
        "--duration",
        "5",
        "--music",
        "none",
        "--draft",
        "--no-screen",
        "-o",
        str(tmp_path / "out"),
        "--json",
        env_home=studio_home,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(o["platform"], o["width"], o["height"]) for o in data["outputs"]] == [
        ("tiktok", 1080, 1920),
        ("square", 1080, 1080),
    ]
    for output in data["outputs"]:
        assert output["duration"] == 5.0 and (tmp_path / "out").joinpath(output["path"]).is_file()
    assert data["screened"] is False  # --no-screen is an explicit choice, recorded as such
    history = run("history", "--json", env_home=studio_home)
    assert json.loads(history.stdout)[0]["status"] == "unscreened"


def test_bad_input_exits_2_with_one_line(tmp_path, studio_home):
    photo = make_photo(tmp_path / "p.jpg")
    cases = [
        ("ad", "--photo", str(tmp_path / "missing.jpg"), "--headline", "x", "-o", str(tmp_path / "o")),
        ("ad", "--photo", str(photo), "--headline", "x", "--platform", "myspace", "-o", str(tmp_path / "o")),
        ("ad", "--photo", str(photo), "-o", str(tmp_path / "o")),
    ]
    for args in cases:
        result = run(*args, env_home=studio_home)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_quick_form_with_a_long_headline_and_a_disk_that_fills_while_signing(
    tmp_path, studio_home, monkeypatch, capsys
):
    """A headline over 80 characters is a fine implicit product name (cut to fit); a disk that fills while the
    output is signed is one line on stderr, exit 2, and no file left in the output folder."""
    from studio.cli import main
    from tests.helpers import fill_disk_when_signing

    photo = make_photo(tmp_path / "p.jpg")
    headline = "Hand picked high mountain oolong from Alishan, roasted twice and sealed fresh for you"
    assert len(headline) > 80
    fill_disk_when_signing(monkeypatch)
    args = ["ad", "--photo", str(photo), "--headline", headline, "--platform", "1:1", "--duration", "5"]
    code = main([*args, "--music", "none", "--draft", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Could not write the signed copy of "), err
    assert "No space left on device" in lines[0] and "Traceback" not in err
    assert list((tmp_path / "out").iterdir()) == []  # no video, cover, subtitles or reports
