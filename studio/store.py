"""The embedded SQLite store: projects, assets, renders, events, models, references and overrides.

One ``Store`` per process or app; it is passed in to the functions that need it (never a global). Each
thread gets its own connection, so the Gradio workers and batch threads can share one ``Store``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
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
    # 2: status "unscreened": published without the compliance screen by an explicit choice (not "done").
    # SQLite cannot alter a CHECK: the table is rebuilt. Dropping it would cascade into events and null the
    # render ids of models and overrides (foreign keys are on), so those are kept aside and put back.
    """
    CREATE TEMP TABLE keep_events AS SELECT * FROM events;
    CREATE TEMP TABLE keep_models AS SELECT id, render_id FROM models;
    CREATE TEMP TABLE keep_overrides AS SELECT id, render_id FROM overrides;
    CREATE TABLE renders_v2 (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('running', 'done', 'failed', 'blocked', 'cancelled', 'unscreened')),
        reason TEXT,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        timings_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        finished REAL
    );
    INSERT INTO renders_v2 SELECT * FROM renders;
    DROP TABLE renders;
    ALTER TABLE renders_v2 RENAME TO renders;
    CREATE INDEX renders_created ON renders(created);
    INSERT INTO events SELECT * FROM keep_events WHERE id NOT IN (SELECT id FROM events);
    UPDATE models SET render_id = (SELECT k.render_id FROM keep_models k WHERE k.id = models.id);
    UPDATE overrides SET render_id = (SELECT k.render_id FROM keep_overrides k WHERE k.id = overrides.id);
    DROP TABLE keep_events;
    DROP TABLE keep_models;
    DROP TABLE keep_overrides;
    """,
]


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


class Store:
    """A SQLite database at ``path`` (created and migrated on first use)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    # -- connection -------------------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
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
        conn = self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for index, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript("BEGIN;" + script + f"PRAGMA user_version = {index};COMMIT;")

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    # -- projects and assets ----------------------------------------------------------------------------
    def project(self, name: str) -> int:
        """The id of the project ``name``, created if new."""
        self.conn.execute("INSERT OR IGNORE INTO projects(name, created) VALUES (?, ?)", (name, time.time()))
        return self.conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()[0]

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
        self.conn.execute(
            "INSERT OR IGNORE INTO assets(sha256, path, kind, width, height, bytes, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (digest, str(path), kind, width, height, path.stat().st_size, time.time()),
        )
        asset_id = self.conn.execute("SELECT id FROM assets WHERE sha256 = ?", (digest,)).fetchone()[0]
        if project_id is not None:
            self.conn.execute(
                "INSERT OR IGNORE INTO project_assets(project_id, asset_id, role) VALUES (?, ?, ?)",
                (project_id, asset_id, role or kind),
            )
        return asset_id

    def asset(self, asset_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM assets WHERE id = ?", (asset_id,)).fetchone()
        return dict(row) if row else None

    # -- renders and events -----------------------------------------------------------------------------
    def start_render(self, kind: str, spec: dict[str, Any], project_id: int | None = None) -> int:
        cur = self.conn.execute(
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
        self.conn.execute(
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
        row = self.conn.execute("SELECT * FROM renders WHERE id = ?", (render_id,)).fetchone()
        return _render_row(row) if row else None

    def renders(self, kind: str | None = None, limit: int = 50) -> list[RenderRow]:
        if kind:
            rows = self.conn.execute(
                "SELECT * FROM renders WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
            )
        else:
            rows = self.conn.execute("SELECT * FROM renders ORDER BY id DESC LIMIT ?", (limit,))
        return [_render_row(row) for row in rows]

    def event(
        self, render_id: int | None, kind: str, message: str, data: dict[str, Any] | None = None
    ) -> None:
        self.conn.execute(
            "INSERT INTO events(render_id, ts, kind, message, data_json) VALUES (?, ?, ?, ?, ?)",
            (render_id, time.time(), kind, message, json.dumps(data or {}, ensure_ascii=False, default=str)),
        )

    def events(self, render_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM events WHERE render_id = ? ORDER BY id", (render_id,))
        return [dict(row) for row in rows]


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
