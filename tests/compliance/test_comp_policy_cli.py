"""The CLI: studio screen / verify / compliance / models, through studio.cli.main (exit codes, JSON shapes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.compliance.gate import ExportContext, TimedText, gate_output
from studio.store import open_store


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --fail-on and verify exit 1 through sys.exit, as the installed `studio` does
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _still(path: Path) -> Path:
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 255, (120, 90, 3), dtype=np.uint8)).save(path)
    return path


def test_screen_text_json_list(capsys) -> None:
    code, out, _ = _run(
        capsys, "screen", "--text", "改善體質", "--text", "幫助消化", "--category", "food", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert [d["verdict"] for d in data] == ["review", "pass"]
    finding = data[0]["findings"][0]
    for key in ("rule", "score", "threshold", "reference", "frame", "time", "action", "suggestion"):
        assert key in finding
    assert finding["suggestion"] == "調整體質" and data[0]["file"] == "<text>"


def test_screen_exit_codes(capsys, tmp_path: Path) -> None:
    assert _run(capsys, "screen", "--text", "降血壓", "--category", "food")[0] == 0  # screening ran
    assert _run(capsys, "screen", "--text", "降血壓", "--category", "food", "--fail-on", "block")[0] == 1
    assert _run(capsys, "screen", "--text", "改善體質", "--category", "food", "--fail-on", "block")[0] == 0
    assert _run(capsys, "screen", "--text", "改善體質", "--category", "food", "--fail-on", "review")[0] == 1
    code, out, err = _run(capsys, "screen", str(tmp_path / "missing.jpg"), "--json")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: The file")
    code, _, err = _run(capsys, "screen")
    assert code == 2 and "Nothing to screen" in err
    code, _, err = _run(capsys, "screen", "--text", "x", "--pack", "nope")
    assert code == 2 and "No rule pack called 'nope'" in err
    code, _, err = _run(capsys, "screen", "--text", "x", "--category", "cars")
    assert code == 2 and "Unknown product category" in err


def test_screen_malformed_pack_file_names_file_and_line(capsys, tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "pack: mine\nversion: 1\nrules:\n  - id: mine.a\n    detector: phrase\n    phrases: [x]\n    action: nuke\n",
        encoding="utf-8",
    )
    code, _, err = _run(capsys, "screen", "--text", "x", "--pack", str(pack))
    assert code == 2 and f"{pack}:7:" in err and "action" in err


def test_screen_text_file(capsys, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_text("全新配方\n有效降血壓\n", encoding="utf-8")
    code, out, _ = _run(capsys, "screen", str(copy), "--category", "food", "--json", "--no-clip")
    (report,) = json.loads(out)
    assert code == 0 and report["file"] == str(copy) and report["verdict"] == "block"


def test_verify(capsys, tmp_path: Path) -> None:
    plain = _still(tmp_path / "plain.jpg")
    code, out, _ = _run(capsys, "verify", str(plain), "--json")
    assert code == 1 and json.loads(out)["found"] is False
    signed = _still(tmp_path / "signed.jpg")
    ctx = ExportContext(kind="image", texts=(TimedText("新品上市"),), ai_generated=True)
    gate_output(signed, tmp_path / "final.jpg", ctx, store=open_store())
    code, out, _ = _run(capsys, "verify", str(signed), "--json")
    data = json.loads(out)
    assert code == 0 and data["validation_state"] == "Trusted" and data["verdict"] == "pass"
    assert data["ai_generated"] is True
    code, out, _ = _run(capsys, "verify", str(signed))
    assert code == 0 and "Trusted" in out and "AI-generated yes" in out
    assert _run(capsys, "verify", str(tmp_path / "nope.jpg"))[0] == 2


def test_quarantine_and_override_commands(capsys, tmp_path: Path) -> None:
    tmp = _still(tmp_path / "part.jpg")
    final = tmp_path / "final.jpg"
    with pytest.raises(Exception, match="blocked"):
        gate_output(tmp, final, ExportContext(kind="image", category="tobacco"), store=open_store())
    code, out, _ = _run(capsys, "compliance", "quarantine", "--json")
    (item,) = json.loads(out)
    assert code == 0 and item["rules"] == ["tw-ads.tobacco.ban"]
    folder = Path(item["folder"]).name
    code, _, err = _run(capsys, "compliance", "override", folder, "--reason", "no")
    assert code == 2 and "reason" in err
    code, out, _ = _run(capsys, "compliance", "override", folder, "--reason", "Approved by legal, anti-smoking PSA",
                        "--user", "cli-user")  # fmt: skip
    assert code == 0 and final.is_file()
    code, out, _ = _run(capsys, "compliance", "overrides", "--json")
    (row,) = json.loads(out)
    assert row["user"] == "cli-user" and row["verdict"] == "block"


def test_packs_and_models_commands(capsys) -> None:
    code, out, _ = _run(capsys, "compliance", "packs", "--json")
    packs = {p["pack"]: p for p in json.loads(out)}
    assert code == 0 and {"tw-ads", "platform-general", "ip"} <= set(packs)
    code, out, _ = _run(capsys, "models", "list", "--json")
    models = {m["id"]: m for m in json.loads(out)}
    assert code == 0 and models["ltx-video-0.9.8"]["revenue_cap_usd"] == 10_000_000
    assert models["wan2.1-t2v-1.3b"]["present"] is False
    code, _, err = _run(capsys, "models", "path", "wan2.1-t2v-1.3b")
    assert code == 2 and "studio models pull wan2.1-t2v-1.3b" in err
    code, _, err = _run(capsys, "models", "path", "no-such-model")
    assert code == 2 and "Unknown model" in err


def test_fail_on_exit_code_of_the_real_command(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "STUDIO_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "studio", "screen", "--text", "降血壓", "--category", "food"]
    assert subprocess.run(cmd, env=env, capture_output=True, check=False).returncode == 0
    done = subprocess.run([*cmd, "--fail-on", "block"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "BLOCK" in done.stdout


def test_screen_bad_files_exit_2_with_one_line(capsys, tmp_path: Path) -> None:
    import struct
    import zlib

    pytest.importorskip("studio.compliance.visual")  # image/video decoding is the visual screen's

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    bomb = tmp_path / "huge.png"  # a 100000 x 100000 PNG header in 70 bytes
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))  # fmt: skip
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 255, 300, dtype=np.uint8).tobytes())
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    odd = tmp_path / "model.xyz"
    odd.write_bytes(b"x")
    for path, words in (
        (bomb, "not a readable image"),
        (corrupt, "corrupt"),
        (empty, "empty"),
        (odd, ".xyz"),
    ):
        code, out, err = _run(capsys, "screen", str(path), "--no-clip", "--json")
        assert code == 2 and out == "" and err.count("\n") == 1 and words in err, (path, err)


def test_screen_writes_an_html_report(capsys, tmp_path: Path) -> None:
    pytest.importorskip("studio.compliance.report_html")
    page = tmp_path / "report.html"
    code, _out, _ = _run(capsys, "screen", "--text", "降血壓", "--category", "food", "--html", str(page))
    assert code == 0 and page.is_file() and "tw-ads.food.medical-efficacy" in page.read_text(encoding="utf-8")


def test_calibrate_command_writes_a_new_pack_version(capsys, tmp_path: Path, studio_home: Path) -> None:
    pytest.importorskip("studio.compliance.calibrate")
    from studio.compliance.refbank import ReferenceBank
    from studio.compliance.rules import load_pack

    rng = np.random.default_rng(11)
    logo = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    Image.fromarray(logo).save(tmp_path / "logo.png")
    ReferenceBank(open_store()).add([tmp_path / "logo.png"], owner="ACME")
    positive = tmp_path / "cal" / "positive" / "ip.near-copy"
    negative = tmp_path / "cal" / "negative"
    positive.mkdir(parents=True)
    negative.mkdir(parents=True)
    for i, quality in enumerate((90, 60, 35)):
        Image.fromarray(logo).resize((320 - 40 * i, 240 - 30 * i)).save(
            positive / f"copy{i}.jpg", quality=quality
        )
    for i in range(4):
        other = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
        Image.fromarray(other).save(negative / f"other{i}.png")
    out = tmp_path / "ip-calibrated.yaml"
    args = ["compliance", "calibrate", str(tmp_path / "cal"), "--pack", "ip", "--no-clip", "--json"]
    code, stdout, err = _run(capsys, *args, "--out", str(out))
    assert code == 0, err
    result = json.loads(stdout)
    before, after = load_pack("ip"), load_pack(out)
    assert result["version"] == after.version == before.version + 1
    chosen = result["rules"]["ip.near-copy"]
    assert set(chosen) >= {"pdq_max_distance", "phash_max_distance"}
    assert after.rule("ip.near-copy").pdq_max_distance == chosen["pdq_max_distance"]["threshold"]
    # without --out the pack goes to $STUDIO_HOME/packs and takes precedence over the built-in one
    assert _run(capsys, *args)[0] == 0
    assert load_pack("ip").version == before.version + 1 and (studio_home / "packs" / "ip.yaml").is_file()
    code, _, err = _run(
        capsys, "compliance", "calibrate", str(tmp_path / "cal"), "--pack", "ip", "--precision", "2"
    )
    assert code == 2 and "precision" in err
    code, _, err = _run(
        capsys, "compliance", "calibrate", str(tmp_path / "nope"), "--pack", "ip", "--no-clip"
    )
    assert code == 2 and "does not exist" in err
