"""``studio refs add|list|remove`` through the real CLI entry point and store."""

from __future__ import annotations

import json

from studio.cli import main


def test_refs_add_list_remove(tmp_path, media, capsys):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"mark{seed}.png"
        media.logo(seed).save(path)
        paths.append(str(path))
    assert (
        main(["refs", "add", *paths, "--owner", "Rival Co", "--licence", "all rights reserved", "--json"])
        == 0
    )
    added = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in added] == ["mark1.png", "mark2.png"] and all(a["new"] for a in added)
    assert (
        added[0]["owner"] == "Rival Co"
        and added[0]["kind"] == "protected"
        and added[0]["embed_model"] is None
    )

    assert main(["refs", "add", paths[0], "--owner", "Us", "--kind", "licensed"]) == 0
    out = capsys.readouterr().out
    assert "already in the bank as ref:" in out and "studio models pull clip" in out

    assert main(["refs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [a["id"] for a in added]

    assert main(["refs", "remove", str(added[0]["id"])]) == 0
    assert "removed ref:" in capsys.readouterr().out
    assert main(["refs", "list"]) == 0
    text = capsys.readouterr().out
    assert "mark2.png" in text and "mark1.png" not in text and "Rival Co" in text


def test_refs_errors_exit_2_with_one_line(tmp_path, media, capsys):
    assert main(["refs", "list"]) == 0
    assert "reference bank is empty" in capsys.readouterr().out
    assert main(["refs", "remove", "42"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "42" in err and err.count("\n") == 1
    good = tmp_path / "ok.png"
    media.logo(1).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert main(["refs", "add", str(good), str(bad), "--owner", "X"]) == 2
    assert "bad.png" in capsys.readouterr().err
    assert main(["refs", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # all or nothing
    assert main(["refs", "add", str(good)]) == 2  # --owner is required
    assert "owner" in capsys.readouterr().err.lower()
