"""The embedded SQLite store: projects, assets, renders, events, models, references and overrides.

One ``Store`` per process or app; it is passed in to the functions that need it (never a global). Each
thread gets its own connection, so the Gradio workers and batch threads can share one ``Store``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.fsutil import sha256_file

# Each entry is one migration; the store applies those past ``PRAGMA user_version``. Append, never edit.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created REAL NOT NULL
    );
    CREATE TABLE assets (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        kind TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        bytes INTEGER NOT NULL,
        created REAL NOT NULL
    );
    CREATE TABLE project_assets (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        PRIMARY KEY (project_id, asset_id, role)
    );
    CREATE TABLE renders (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'blocked', 'cancelled')),
        reason TEXT,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        timings_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        finished REAL
    );
    CREATE INDEX renders_created ON renders(created);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        render_id INTEGER REFERENCES renders(id) ON DELETE CASCADE,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        render_id INTEGER REFERENCES renders(id) ON DELETE SET NULL,
        path TEXT NOT NULL,
        images INTEGER,
        registered INTEGER,
        psnr REAL,
        ssim REAL,
        gaussians INTEGER,
        meta_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL
    );
    CREATE TABLE refs (
        id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        licence TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'protected',
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        pdq BLOB,
        pdq_quality INTEGER,
        phash TEXT,
        embedding BLOB,
        embed_model TEXT,
        created REAL NOT NULL
    );
    CREATE TABLE overrides (
        id INTEGER PRIMARY KEY,
        render_id INTEGER REFERENCES renders(id) ON DELETE SET NULL,
        file TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reason TEXT NOT NULL,
        user TEXT NOT NULL,
        report_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL
    );
    """,
]


@dataclass(frozen=True)
class AssetRow:
    id: int
    sha256: str
    path: Path
    kind: str
    width: int | None
    height: int | None
    bytes: int
    created: float


@dataclass(frozen=True)
class RenderRow:
    id: int
    project_id: int | None
    kind: str
    spec: dict[str, Any]
    status: str
    reason: str | None
    outputs: list[dict[str, Any]]
    timings: dict[str, float]
    created: float
    finished: float | None


@dataclass(frozen=True)
class EventRow:
    id: int
    render_id: int | None
    ts: float
    kind: str
    message: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ModelRow:
    """A trained splat model (``studio splat build``, the 3D Studio)."""

    id: int
    render_id: int | None
    path: Path
    images: int | None
    registered: int | None
    psnr: float | None
    ssim: float | None
    gaussians: int | None
    meta: dict[str, Any]
    created: float


@dataclass(frozen=True)
class RefRow:
    """A row of the reference bank (``studio.compliance.refbank`` gives it meaning)."""

    id: int
    owner: str
    licence: str
    notes: str
    kind: str
    path: Path  # the stored copy
    sha256: str
    pdq: bytes | None  # packed PDQ words of every variant
    pdq_quality: int | None
    phash: str | None  # JSON: hash scheme, pHash words, name, size
    embedding: bytes | None  # little-endian float32 CLIP vector
    embed_model: str | None
    created: float


@dataclass(frozen=True)
class OverrideRow:
    """An audit-trail row: an output published despite the compliance screen."""

    id: int
    render_id: int | None
    file: str
    verdict: str
    reason: str
    user: str
    report: dict[str, Any]
    created: float


class Store:
    """A SQLite database at ``path`` (created and migrated on first use).

    Every query of the package lives here, behind a typed method returning frozen rows; nothing outside this
    module writes SQL.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    # -- connection -------------------------------------------------------------------------------------
    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA busy_timeout = 30000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _migrate(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # two processes opening a new store at once migrate it once
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for index, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {index}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block's store calls as one write transaction (``BEGIN IMMEDIATE``): all or nothing."""
        conn = self._conn
        if conn.in_transaction:
            raise RuntimeError("store transactions do not nest")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def schema_version(self) -> int:
        """How many of ``MIGRATIONS`` this database has applied."""
        return int(self._execute("PRAGMA user_version").fetchone()[0])

    # -- projects and assets ----------------------------------------------------------------------------
    def project(self, name: str) -> int:
        """The id of the project ``name``, created if new."""
        self._execute("INSERT OR IGNORE INTO projects(name, created) VALUES (?, ?)", (name, time.time()))
        return self._execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()[0]

    def add_asset(
        self,
        path: str | Path,
        kind: str,
        *,
        project_id: int | None = None,
        role: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> int:
        """Record a file by its sha256 (deduplicated); link it to a project under ``role``."""
        path = Path(path)
        digest = sha256_file(path)
        self._execute(
            "INSERT OR IGNORE INTO assets(sha256, path, kind, width, height, bytes, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (digest, str(path), kind, width, height, path.stat().st_size, time.time()),
        )
        asset_id = self._execute("SELECT id FROM assets WHERE sha256 = ?", (digest,)).fetchone()[0]
        if project_id is not None:
            self._execute(
                "INSERT OR IGNORE INTO project_assets(project_id, asset_id, role) VALUES (?, ?, ?)",
                (project_id, asset_id, role or kind),
            )
        return asset_id

    def asset(self, asset_id: int) -> AssetRow | None:
        row = self._execute("SELECT * FROM assets WHERE id = ?", (asset_id,)).fetchone()
        return _asset_row(row) if row else None

    def assets(self, kind: str | None = None, limit: int = 50) -> list[AssetRow]:
        """Recorded files, newest first (only ``kind``: ``spin``, ``video`` ... when given)."""
        if kind:
            rows = self._execute(
                "SELECT * FROM assets WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
            )
        else:
            rows = self._execute("SELECT * FROM assets ORDER BY id DESC LIMIT ?", (limit,))
        return [_asset_row(row) for row in rows]

    # -- renders and events -----------------------------------------------------------------------------
    def start_render(self, kind: str, spec: dict[str, Any], project_id: int | None = None) -> int:
        cur = self._execute(
            "INSERT INTO renders(project_id, kind, spec_json, status, created) VALUES (?, ?, ?, 'running', ?)",
            (project_id, kind, json.dumps(spec, ensure_ascii=False, default=str), time.time()),
        )
        render_id = int(cur.lastrowid)
        self.event(render_id, "started", f"{kind} started")
        return render_id

    def finish_render(
        self,
        render_id: int,
        status: str,
        *,
        outputs: list[dict[str, Any]] | None = None,
        timings: dict[str, float] | None = None,
        reason: str | None = None,
    ) -> None:
        self._execute(
            "UPDATE renders SET status = ?, reason = ?, outputs_json = ?, timings_json = ?, finished = ?"
            " WHERE id = ?",
            (
                status,
                reason,
                json.dumps(outputs or [], ensure_ascii=False, default=str),
                json.dumps(timings or {}),
                time.time(),
                render_id,
            ),
        )
        self.event(render_id, status, reason or status)

    def render(self, render_id: int) -> RenderRow | None:
        row = self._execute("SELECT * FROM renders WHERE id = ?", (render_id,)).fetchone()
        return _render_row(row) if row else None

    def renders(self, kind: str | None = None, limit: int = 50) -> list[RenderRow]:
        if kind:
            rows = self._execute(
                "SELECT * FROM renders WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
            )
        else:
            rows = self._execute("SELECT * FROM renders ORDER BY id DESC LIMIT ?", (limit,))
        return [_render_row(row) for row in rows]

    def event(
        self, render_id: int | None, kind: str, message: str, data: dict[str, Any] | None = None
    ) -> None:
        self._execute(
            "INSERT INTO events(render_id, ts, kind, message, data_json) VALUES (?, ?, ?, ?, ?)",
            (render_id, time.time(), kind, message, json.dumps(data or {}, ensure_ascii=False, default=str)),
        )

    def events(self, render_id: int) -> list[EventRow]:
        rows = self._execute("SELECT * FROM events WHERE render_id = ? ORDER BY id", (render_id,))
        return [
            EventRow(
                id=row["id"],
                render_id=row["render_id"],
                ts=row["ts"],
                kind=row["kind"],
                message=row["message"],
                data=json.loads(row["data_json"]),
            )
            for row in rows
        ]

    # -- splat models -----------------------------------------------------------------------------------
    def add_model(
        self,
        path: str | Path,
        *,
        render_id: int | None = None,
        images: int | None = None,
        registered: int | None = None,
        psnr: float | None = None,
        ssim: float | None = None,
        gaussians: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Record a trained model; returns its id."""
        cur = self._execute(
            "INSERT INTO models(render_id, path, images, registered, psnr, ssim, gaussians, meta_json, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                render_id,
                str(path),
                images,
                registered,
                psnr,
                ssim,
                gaussians,
                json.dumps(meta or {}, ensure_ascii=False, default=str),
                time.time(),
            ),
        )
        return int(cur.lastrowid)

    def models(self, limit: int = 50) -> list[ModelRow]:
        """Trained models, newest first."""
        rows = self._execute("SELECT * FROM models ORDER BY id DESC LIMIT ?", (limit,))
        return [
            ModelRow(
                id=row["id"],
                render_id=row["render_id"],
                path=Path(row["path"]),
                images=row["images"],
                registered=row["registered"],
                psnr=row["psnr"],
                ssim=row["ssim"],
                gaussians=row["gaussians"],
                meta=json.loads(row["meta_json"]),
                created=row["created"],
            )
            for row in rows
        ]

    # -- reference bank -----------------------------------------------------------------------------------
    def refs(self) -> list[RefRow]:
        """Every reference, oldest first."""
        return [_ref_row(row) for row in self._execute("SELECT * FROM refs ORDER BY id")]

    def ref(self, ref_id: int) -> RefRow | None:
        row = self._execute("SELECT * FROM refs WHERE id = ?", (int(ref_id),)).fetchone()
        return _ref_row(row) if row else None

    def ref_id_for_sha256(self, sha256: str) -> int | None:
        """The id of the reference with this content, if any."""
        row = self._execute("SELECT id FROM refs WHERE sha256 = ?", (sha256,)).fetchone()
        return int(row[0]) if row else None

    def add_ref(
        self,
        *,
        owner: str,
        path: str | Path,
        sha256: str,
        licence: str = "",
        notes: str = "",
        kind: str = "protected",
        pdq: bytes | None = None,
        pdq_quality: int | None = None,
        phash: str | None = None,
        embedding: bytes | None = None,
        embed_model: str | None = None,
    ) -> int:
        """Insert a reference row; returns its id."""
        cur = self._execute(
            "INSERT INTO refs(owner, licence, notes, kind, path, sha256, pdq, pdq_quality, phash,"
            " embedding, embed_model, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner, licence, notes, kind, str(path), sha256, pdq, pdq_quality, phash, embedding, embed_model,
             time.time()),
        )  # fmt: skip
        return int(cur.lastrowid)

    def delete_ref(self, ref_id: int) -> None:
        self._execute("DELETE FROM refs WHERE id = ?", (int(ref_id),))

    def ref_path_in_use(self, path: str | Path) -> bool:
        """Whether any reference row still points at the stored copy ``path``."""
        return self._execute("SELECT 1 FROM refs WHERE path = ?", (str(path),)).fetchone() is not None

    def ref_sha256_in_use(self, sha256: str) -> bool:
        return self._execute("SELECT 1 FROM refs WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def count_refs(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM refs").fetchone()[0])

    def refs_fingerprint(self) -> tuple[int, int, int]:
        """(count, max id, sum of ids): changes whenever a reference is added or removed."""
        row = self._execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(id), 0) FROM refs"
        ).fetchone()
        return (int(row[0]), int(row[1]), int(row[2]))

    def set_ref_hashes(self, ref_id: int, pdq: bytes, pdq_quality: int, phash: str) -> None:
        self._execute(
            "UPDATE refs SET pdq = ?, pdq_quality = ?, phash = ? WHERE id = ?",
            (pdq, int(pdq_quality), phash, int(ref_id)),
        )

    def set_ref_embedding(self, ref_id: int, embedding: bytes, embed_model: str) -> None:
        self._execute(
            "UPDATE refs SET embedding = ?, embed_model = ? WHERE id = ?",
            (embedding, embed_model, int(ref_id)),
        )

    # -- compliance overrides -------------------------------------------------------------------------------
    def add_override(
        self,
        file: str | Path,
        verdict: str,
        reason: str,
        *,
        user: str = "local",
        report: dict[str, Any] | None = None,
        render_id: int | None = None,
    ) -> int:
        """Append to the override audit trail; returns the row id."""
        cur = self._execute(
            "INSERT INTO overrides(render_id, file, verdict, reason, user, report_json, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                render_id,
                str(file),
                verdict,
                reason,
                user,
                json.dumps(report or {}, ensure_ascii=False),
                time.time(),
            ),
        )
        return int(cur.lastrowid)

    def overrides(self, limit: int = 100) -> list[OverrideRow]:
        """The override audit trail, newest first."""
        rows = self._execute("SELECT * FROM overrides ORDER BY id DESC LIMIT ?", (limit,))
        return [
            OverrideRow(
                id=row["id"],
                render_id=row["render_id"],
                file=row["file"],
                verdict=row["verdict"],
                reason=row["reason"],
                user=row["user"],
                report=json.loads(row["report_json"]),
                created=row["created"],
            )
            for row in rows
        ]


def _statements(script: str) -> list[str]:
    """A migration script split into statements (``executescript`` would commit our transaction)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def _asset_row(row: sqlite3.Row) -> AssetRow:
    return AssetRow(
        id=row["id"],
        sha256=row["sha256"],
        path=Path(row["path"]),
        kind=row["kind"],
        width=row["width"],
        height=row["height"],
        bytes=row["bytes"],
        created=row["created"],
    )


def _ref_row(row: sqlite3.Row) -> RefRow:
    return RefRow(
        id=row["id"],
        owner=row["owner"],
        licence=row["licence"],
        notes=row["notes"],
        kind=row["kind"],
        path=Path(row["path"]),
        sha256=row["sha256"],
        pdq=row["pdq"],
        pdq_quality=row["pdq_quality"],
        phash=row["phash"],
        embedding=row["embedding"],
        embed_model=row["embed_model"],
        created=row["created"],
    )


def _render_row(row: sqlite3.Row) -> RenderRow:
    return RenderRow(
        id=row["id"],
        project_id=row["project_id"],
        kind=row["kind"],
        spec=json.loads(row["spec_json"]),
        status=row["status"],
        reason=row["reason"],
        outputs=json.loads(row["outputs_json"]),
        timings=json.loads(row["timings_json"]),
        created=row["created"],
        finished=row["finished"],
    )


def open_store(path: str | Path | None = None) -> Store:
    """The store at ``path`` or in ``STUDIO_HOME``."""
    from studio.settings import store_path

    return Store(path or store_path())
