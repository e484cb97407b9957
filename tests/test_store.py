from __future__ import annotations

import dataclasses
import threading
import time

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


def test_migration_2_keeps_renders_and_their_events(tmp_path):
    """A database of the first schema gains the owner columns and 'interrupted'; no event is cascaded away."""
    import sqlite3

    from studio.store import _statements

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO renders(id, kind, spec_json, status, created) VALUES (7, 'ad', '{\"product\": \"Tea\"}',"
        " 'running', 1.0)"
    )
    conn.execute("INSERT INTO events(render_id, ts, kind, message) VALUES (7, 1.0, 'started', 'ad started')")
    conn.execute("INSERT INTO models(render_id, path, created) VALUES (7, 'm.safetensors', 1.0)")
    conn.close()
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    row = store.render(7)
    assert (row.status, row.spec, row.owner, row.scratch, row.journal) == ("running", {"product": "Tea"}, None,
                                                                         None, None)  # fmt: skip
    assert [e.kind for e in store.events(7)] == ["started"]
    assert store.models()[0].render_id == 7
    # a render written before owners were recorded is settled by the next start
    (claimed,) = store.claim_stale_renders()
    store.finish_render(claimed.id, "interrupted", reason="killed")
    assert store.render(7).status == "interrupted"


def test_owner_liveness(tmp_path):
    import os
    import subprocess
    import sys

    from studio.store import Owner, pid_alive, process_token

    me = Owner.me()
    assert me.alive() and Owner.parse(str(me)) == me
    assert not Owner(me.host, me.pid, "another-boot/123").alive()  # a reused pid is not the same process
    assert Owner("some-other-host", 1, "x").alive()  # cannot be checked from here: never settled
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    token = process_token(child.pid)
    assert token and pid_alive(child.pid, token)
    child.kill()
    # killed but not yet reaped: a zombie is not alive either
    deadline = time.monotonic() + 60
    while pid_alive(child.pid, token) and time.monotonic() < deadline:
        time.sleep(0.01)  # polling until the kernel has turned it into a zombie
    assert not pid_alive(child.pid, token)
    child.wait()
    assert not pid_alive(child.pid, token)
    assert os.getpid() == me.pid


def test_claim_stale_renders_skips_live_owners_and_claims_once(tmp_path):
    import subprocess
    import sys

    store = Store(tmp_path / "s.sqlite3")
    mine = store.start_render("ad", {})
    code = "import sys; from studio.store import Store; print(Store(sys.argv[1]).start_render('ad', {}))"
    dead = int(subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.sqlite3")], capture_output=True,
                              text=True, check=True).stdout)  # fmt: skip
    store.set_render_scratch(dead, tmp_path / ".studio-render-x")
    store.set_render_journal(dead, [(tmp_path / "a.tmp", tmp_path / "a.mp4")], [{"platform": "square"}])
    (claimed,) = store.claim_stale_renders()
    assert claimed.id == dead and claimed.scratch == tmp_path / ".studio-render-x"
    assert claimed.journal == {"moves": [[str(tmp_path / "a.tmp"), str(tmp_path / "a.mp4")]],
                               "outputs": [{"platform": "square"}]}  # fmt: skip
    from studio.store import Owner

    assert claimed.owner == Owner.me()
    assert store.claim_stale_renders() == []  # now owned by a live process (this one): not claimed twice
    assert store.render(mine).status == "running"
    assert [e.kind for e in store.events(dead)] == ["started", "claimed"]
