from __future__ import annotations

from studio.store import MIGRATIONS, Store


def test_migrations_and_render_lifecycle(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    assert store.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    project = store.project("Tea")
    assert store.project("Tea") == project
    render = store.start_render("ad", {"product": "Tea"}, project)
    assert store.render(render).status == "running"
    store.finish_render(render, "failed", reason="bad photo", timings={"prepare": 0.1})
    row = store.render(render)
    assert (row.status, row.reason, row.timings) == ("failed", "bad photo", {"prepare": 0.1})
    assert [e["kind"] for e in store.events(render)] == ["started", "failed"]
    # reopening keeps the data and does not re-run migrations
    again = Store(tmp_path / "s.sqlite3")
    assert again.render(render).reason == "bad photo"


def test_assets_are_deduplicated_by_sha256(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    a = tmp_path / "a.bin"
    b = tmp_path / "b.bin"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    assert store.add_asset(a, "photo") == store.add_asset(b, "photo")
    c = tmp_path / "c.bin"
    c.write_bytes(b"other")
    assert store.add_asset(c, "photo") != store.add_asset(a, "photo")


def test_output_names_keep_chinese_product_names():
    from studio.ads import slug

    assert slug("山嵐茶坊 高山烏龍") == "山嵐茶坊-高山烏龍"
    assert slug("Mountain Mist Tea!") == "mountain-mist-tea"
    assert slug("../etc/passwd") == "etc-passwd"  # no path separators survive
    assert slug("***") == "ad"
