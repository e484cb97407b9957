from __future__ import annotations

import dataclasses
import threading

import pytest

from studio.store import MIGRATIONS, Store


def test_migrations_and_render_lifecycle(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    assert store.schema_version() == len(MIGRATIONS)
    project = store.project("Tea")
    assert store.project("Tea") == project
    render = store.start_render("ad", {"product": "Tea"}, project)
    assert store.render(render).status == "running"
    store.finish_render(render, "failed", reason="bad photo", timings={"prepare": 0.1})
    row = store.render(render)
    assert (row.status, row.reason, row.timings) == ("failed", "bad photo", {"prepare": 0.1})
    assert [e.kind for e in store.events(render)] == ["started", "failed"]
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


def test_store_has_no_public_sql(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    assert not hasattr(store, "execute") and not hasattr(store, "conn")


def test_assets_listed_by_kind_newest_first(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    paths = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(name.encode())
        paths.append(path)
    first = store.add_asset(paths[0], "spin", width=64, height=64)
    store.add_asset(paths[1], "video")
    third = store.add_asset(paths[2], "spin")
    spins = store.assets(kind="spin")
    assert [a.id for a in spins] == [third, first]
    assert (spins[1].path, spins[1].width, spins[1].height, spins[1].bytes) == (paths[0], 64, 64, 1)
    assert len(store.assets()) == 3 and len(store.assets(limit=1)) == 1
    assert store.asset(first) == spins[1] and store.asset(999) is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        spins[0].kind = "video"  # type: ignore[misc]


def test_events_are_typed_rows(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    render = store.start_render("splat", {})
    store.event(render, "stage", "training", {"stage": "train"})
    events = store.events(render)
    assert [(e.kind, e.message, e.data) for e in events] == [
        ("started", "splat started", {}),
        ("stage", "training", {"stage": "train"}),
    ]
    assert all(e.render_id == render for e in events)


def test_models_round_trip(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    render = store.start_render("splat", {})
    first = store.add_model(tmp_path / "m1.safetensors", render_id=render, images=14, registered=12,
                            psnr=30.5, ssim=0.9, gaussians=1000, meta={"steps": 7})  # fmt: skip
    second = store.add_model(tmp_path / "m2.safetensors")
    rows = store.models()
    assert [m.id for m in rows] == [second, first]
    old = rows[1]
    assert (old.path, old.render_id, old.images, old.registered, old.gaussians, old.meta) == (
        tmp_path / "m1.safetensors", render, 14, 12, 1000, {"steps": 7}
    )  # fmt: skip
    assert old.psnr == pytest.approx(30.5) and rows[0].meta == {} and len(store.models(limit=1)) == 1


def test_reference_rows(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    assert store.refs() == [] and store.count_refs() == 0 and store.refs_fingerprint() == (0, 0, 0)
    a = store.add_ref(owner="ACME", path=tmp_path / "a.png", sha256="aa", pdq=b"\x01" * 32, pdq_quality=90,
                      phash='{"scheme": 2}')  # fmt: skip
    b = store.add_ref(owner="Bee", path=tmp_path / "a.png", sha256="bb", kind="own", licence="CC-BY")
    assert store.ref_id_for_sha256("aa") == a and store.ref_id_for_sha256("zz") is None
    assert [r.id for r in store.refs()] == [a, b] and store.count_refs() == 2
    row = store.ref(a)
    assert (row.owner, row.path, row.pdq, row.pdq_quality, row.phash, row.kind) == (
        "ACME", tmp_path / "a.png", b"\x01" * 32, 90, '{"scheme": 2}', "protected"
    )  # fmt: skip
    assert (store.ref(b).licence, store.ref(b).kind, store.ref(b).embedding) == ("CC-BY", "own", None)
    store.set_ref_hashes(a, b"\x02" * 32, 70, '{"scheme": 3}')
    store.set_ref_embedding(a, b"\x00\x00\x80?", "clip-test")
    row = store.ref(a)
    assert (row.pdq, row.pdq_quality, row.phash, row.embedding, row.embed_model) == (
        b"\x02" * 32, 70, '{"scheme": 3}', b"\x00\x00\x80?", "clip-test"
    )  # fmt: skip
    before = store.refs_fingerprint()
    assert before == (2, b, a + b)
    store.delete_ref(a)
    assert store.ref(a) is None and store.refs_fingerprint() != before
    assert store.ref_path_in_use(tmp_path / "a.png") and not store.ref_sha256_in_use("aa")
    store.delete_ref(b)
    assert not store.ref_path_in_use(tmp_path / "a.png")


def test_transaction_is_all_or_nothing(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    with pytest.raises(ValueError), store.transaction():
        store.add_ref(owner="ACME", path="a.png", sha256="aa")
        raise ValueError("boom")
    assert store.count_refs() == 0
    with store.transaction():
        store.add_ref(owner="ACME", path="a.png", sha256="aa")
        # another connection (another thread) does not see the row before the commit
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(store.count_refs()))
        thread.start()
        thread.join()
        assert seen == [0]
    assert store.count_refs() == 1
    with pytest.raises(RuntimeError, match="nest"), store.transaction(), store.transaction():
        pass


def test_overrides_audit_trail(tmp_path):
    store = Store(tmp_path / "s.sqlite3")
    render = store.start_render("ad", {})
    first = store.add_override("ad.mp4", "block", "approved by legal", user="amy", report={"verdict": "block"},
                               render_id=render)  # fmt: skip
    second = store.add_override("b.mp4", "warn", "checked by hand")
    rows = store.overrides()
    assert [r.id for r in rows] == [second, first]
    old = rows[1]
    assert (old.file, old.verdict, old.reason, old.user, old.report, old.render_id) == (
        "ad.mp4", "block", "approved by legal", "amy", {"verdict": "block"}, render
    )  # fmt: skip
    assert rows[0].user == "local" and rows[0].report == {} and len(store.overrides(limit=1)) == 1


def test_two_processes_create_one_store_at_once(tmp_path):
    """Both migrate under one write lock: neither fails with 'table already exists'."""
    import subprocess
    import sys

    code = "import sys; from studio.store import Store; Store(sys.argv[1]).project('x')"
    path = tmp_path / "s.sqlite3"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert Store(path).schema_version() == len(MIGRATIONS)
