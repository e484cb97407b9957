"""The embedded SQLite store: projects, assets, renders, events, models, references and overrides.

One ``Store`` per process or app; it is passed in to the functions that need it (never a global). Each
thread gets its own connection, so the Gradio workers and batch threads can share one ``Store``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
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
    # 2: renders record their owner (so a killed render is found at the next start), their scratch folder and
    # the commit journal of a multi-file output set; status 'interrupted'. SQLite cannot alter a CHECK: rebuild.
    """
    CREATE TABLE renders_v2 (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('running', 'done', 'failed', 'blocked', 'cancelled', 'interrupted')),
        reason TEXT,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        timings_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        finished REAL,
        owner_host TEXT,
        owner_pid INTEGER,
        owner_token TEXT,
        scratch TEXT,
        journal_json TEXT
    );
    INSERT INTO renders_v2(id, project_id, kind, spec_json, status, reason, outputs_json, timings_json, created,
                           finished)
        SELECT id, project_id, kind, spec_json, status, reason, outputs_json, timings_json, created, finished
        FROM renders;
    DROP TABLE renders;
    ALTER TABLE renders_v2 RENAME TO renders;
    CREATE INDEX renders_created ON renders(created);
    CREATE INDEX renders_running ON renders(status) WHERE status = 'running';
    """,
    # 3: catalogue batches and their jobs (studio.batch); see "batch jobs" below
    """
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        catalogue TEXT NOT NULL,
        outdir TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
        options_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
        product_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'ad',
        row INTEGER,
        stem TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        attempts INTEGER NOT NULL DEFAULT 0,
        completions INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_expires REAL,
        error TEXT,
        verdict TEXT,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        timings_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        started REAL,
        finished REAL,
        UNIQUE (batch_id, product_id, platform, spec_hash)
    );
    CREATE INDEX jobs_by_status ON jobs(batch_id, status);
    """,
    # 4: status 'unscreened': published without the compliance screen by an explicit choice (never 'done').
    # SQLite cannot alter a CHECK: rebuild (foreign keys are off during migrations, see _migrate).
    """
    CREATE TABLE renders_v4 (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (
            status IN ('running', 'done', 'failed', 'blocked', 'cancelled', 'interrupted', 'unscreened')
        ),
        reason TEXT,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        timings_json TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        finished REAL,
        owner_host TEXT,
        owner_pid INTEGER,
        owner_token TEXT,
        scratch TEXT,
        journal_json TEXT
    );
    INSERT INTO renders_v4 SELECT * FROM renders;
    DROP TABLE renders;
    ALTER TABLE renders_v4 RENAME TO renders;
    CREATE INDEX renders_created ON renders(created);
    CREATE INDEX renders_running ON renders(status) WHERE status = 'running';
    """,
]


@dataclass(frozen=True)
class Owner:
    """A process that holds a render or a job lease: host, pid and a start token (so a reused pid is not taken for
    the process that died)."""

    host: str
    pid: int
    token: str

    @classmethod
    def me(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), process_token(os.getpid()))

    def alive(self) -> bool:
        """Whether this process still runs. A process on another host cannot be checked: it counts as alive."""
        if self.host != socket.gethostname():
            return True
        return pid_alive(self.pid, self.token)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"

    @classmethod
    def parse(cls, text: str) -> Owner:
        host, pid, token = text.split(":", 2)
        return cls(host, int(pid), token)


def process_token(pid: int) -> str:
    """The boot id and start time of process ``pid`` (Linux ``/proc``); "" where they cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        start = stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except (OSError, IndexError):
        return ""
    return f"{boot}/{start}"


def pid_alive(pid: int, token: str = "") -> bool:
    """Whether ``pid`` runs (a zombie does not) and, when ``token`` is given, is the process that had it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return False
    except (OSError, IndexError):
        pass
    return not token or process_token(pid) in ("", token)


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
    owner: Owner | None = None  # the process rendering it (None: written before owners were recorded)
    scratch: Path | None = None  # its temporary folder, removed when it ends
    journal: dict[str, Any] | None = (
        None  # the commit journal: {"moves": [[tmp, final], ...], "outputs": [...]}
    )


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


# -- batch jobs ----------------------------------------------------------------------------------------------------
# The job queue of ``studio.batch``. Only the batch coordinator writes these tables (workers, local or on Ray, never
# open the store). A claim is one ``UPDATE ... RETURNING`` under ``BEGIN IMMEDIATE``; it leases the job to an owner
# until an expiry the coordinator keeps extending. Completion and failure are fenced by the lease owner: a
# coordinator whose lease was taken over can no longer record anything. A lease that expired, or whose owner is a
# dead process on this host, is reclaimed as ``interrupted`` and claimed again (up to ``max_attempts``).

JOB_STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")


class LeaseLost(RuntimeError):
    """The job's lease is no longer this owner's (expired and reclaimed by another coordinator)."""


@dataclass(frozen=True)
class BatchRow:
    id: int
    key: str  # the output folder, resolved: one batch per folder
    catalogue: str
    outdir: Path
    status: str  # open | cancelled
    options: dict[str, Any]
    created: float
    updated: float


@dataclass(frozen=True)
class NewJob:
    product_id: str
    platform: str
    spec_hash: str  # over the spec's content hashes (photos by sha256), never absolute paths
    stem: str  # output name stem, unique per product id
    payload: dict[str, Any]  # the job's own snapshot of its spec
    row: int | None = None
    kind: str = "ad"


@dataclass(frozen=True)
class JobRow:
    id: int
    batch_id: int
    product_id: str
    platform: str
    spec_hash: str
    kind: str
    row: int | None
    stem: str
    payload: dict[str, Any]
    status: str
    attempts: int
    completions: int
    lease_owner: str | None
    lease_expires: float | None
    error: str | None
    verdict: str | None
    outputs: list[dict[str, Any]]
    timings: dict[str, float]
    created: float
    started: float | None
    finished: float | None


def _job_row(row: sqlite3.Row) -> JobRow:
    return JobRow(
        id=row["id"],
        batch_id=row["batch_id"],
        product_id=row["product_id"],
        platform=row["platform"],
        spec_hash=row["spec_hash"],
        kind=row["kind"],
        row=row["row"],
        stem=row["stem"],
        payload=json.loads(row["payload_json"]),
        status=row["status"],
        attempts=row["attempts"],
        completions=row["completions"],
        lease_owner=row["lease_owner"],
        lease_expires=row["lease_expires"],
        error=row["error"],
        verdict=row["verdict"],
        outputs=json.loads(row["outputs_json"]),
        timings=json.loads(row["timings_json"]),
        created=row["created"],
        started=row["started"],
        finished=row["finished"],
    )


def _batch_row(row: sqlite3.Row) -> BatchRow:
    return BatchRow(
        id=row["id"],
        key=row["key"],
        catalogue=row["catalogue"],
        outdir=Path(row["outdir"]),
        status=row["status"],
        options=json.loads(row["options_json"]),
        created=row["created"],
        updated=row["updated"],
    )


class _JobQueries:
    """The batch-job methods of ``Store`` (mixed in; they share its connection)."""

    _execute: Any
    transaction: Any

    def open_batch(
        self, key: str, catalogue: str, outdir: str | Path, options: dict[str, Any] | None = None
    ) -> int:
        """The batch for output folder ``key`` (created if new, reopened if cancelled)."""
        now = time.time()
        self._execute(
            "INSERT INTO batches(key, catalogue, outdir, options_json, created, updated) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET catalogue = excluded.catalogue, options_json = excluded.options_json,"
            " status = 'open', updated = excluded.updated",
            (key, catalogue, str(outdir), json.dumps(options or {}, default=str), now, now),
        )
        return int(self._execute("SELECT id FROM batches WHERE key = ?", (key,)).fetchone()[0])

    def batch(self, batch_id: int) -> BatchRow | None:
        row = self._execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return _batch_row(row) if row else None

    def batch_for_key(self, key: str) -> BatchRow | None:
        row = self._execute("SELECT * FROM batches WHERE key = ?", (key,)).fetchone()
        return _batch_row(row) if row else None

    def batches(self, limit: int = 20) -> list[BatchRow]:
        return [
            _batch_row(r) for r in self._execute("SELECT * FROM batches ORDER BY id DESC LIMIT ?", (limit,))
        ]

    def add_jobs(self, batch_id: int, jobs: list[NewJob]) -> list[int]:
        """Queue ``jobs`` (one transaction); a job already known by (product, platform, spec hash) keeps its row
        and state. Returns the ids in order."""
        ids = []
        now = time.time()
        with self.transaction():
            for job in jobs:
                self._execute(
                    "INSERT OR IGNORE INTO jobs(batch_id, product_id, platform, spec_hash, kind, row, stem,"
                    " payload_json, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (batch_id, job.product_id, job.platform, job.spec_hash, job.kind, job.row, job.stem,
                     json.dumps(job.payload, ensure_ascii=False, default=str), now),
                )  # fmt: skip
                found = self._execute(
                    "SELECT id FROM jobs WHERE batch_id = ? AND product_id = ? AND platform = ? AND spec_hash = ?",
                    (batch_id, job.product_id, job.platform, job.spec_hash),
                ).fetchone()
                ids.append(int(found[0]))
        return ids

    def find_job(self, batch_id: int, product_id: str, platform: str, spec_hash: str) -> JobRow | None:
        row = self._execute(
            "SELECT * FROM jobs WHERE batch_id = ? AND product_id = ? AND platform = ? AND spec_hash = ?",
            (batch_id, product_id, platform, spec_hash),
        ).fetchone()
        return _job_row(row) if row else None

    def job(self, job_id: int) -> JobRow | None:
        row = self._execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job_row(row) if row else None

    def jobs(self, batch_id: int, status: str | None = None) -> list[JobRow]:
        if status:
            rows = self._execute(
                "SELECT * FROM jobs WHERE batch_id = ? AND status = ? ORDER BY id", (batch_id, status)
            )
        else:
            rows = self._execute("SELECT * FROM jobs WHERE batch_id = ? ORDER BY id", (batch_id,))
        return [_job_row(r) for r in rows]

    def job_counts(self, batch_id: int) -> dict[str, int]:
        """Jobs per state (every state present, zero when none)."""
        counts = dict.fromkeys(JOB_STATES, 0)
        for row in self._execute(
            "SELECT status, COUNT(*) FROM jobs WHERE batch_id = ? GROUP BY status", (batch_id,)
        ):
            counts[row[0]] = int(row[1])
        return counts

    def claim_job(self, batch_id: int, owner: str, lease_seconds: float, max_attempts: int) -> JobRow | None:
        """Lease the oldest claimable job (queued or interrupted, attempts left) to ``owner``; None when none."""
        now = time.time()
        with self.transaction():
            row = self._execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires = ?,"
                " started = ?, error = NULL WHERE id = (SELECT id FROM jobs WHERE batch_id = ? AND status IN"
                " ('queued', 'interrupted') AND attempts < ? ORDER BY id LIMIT 1) RETURNING *",
                (owner, now + lease_seconds, now, batch_id, max_attempts),
            ).fetchone()
        return _job_row(row) if row else None

    def extend_leases(self, owner: str, job_ids: list[int], lease_seconds: float) -> int:
        """Push the expiry of ``owner``'s leases on ``job_ids``; returns how many are still this owner's."""
        if not job_ids:
            return 0
        marks = ",".join("?" * len(job_ids))
        cur = self._execute(
            f"UPDATE jobs SET lease_expires = ? WHERE status = 'running' AND lease_owner = ? AND id IN ({marks})",
            (time.time() + lease_seconds, owner, *job_ids),
        )
        return cur.rowcount

    def complete_job(
        self,
        job_id: int,
        owner: str,
        *,
        outputs: list[dict[str, Any]],
        verdict: str | None = None,
        timings: dict[str, float] | None = None,
    ) -> None:
        """Record ``done`` (call after the outputs were renamed into place). Raises ``LeaseLost`` when the lease
        is no longer ``owner``'s."""
        cur = self._execute(
            "UPDATE jobs SET status = 'done', completions = completions + 1, outputs_json = ?, verdict = ?,"
            " timings_json = ?, finished = ?, lease_owner = NULL, lease_expires = NULL, error = NULL"
            " WHERE id = ? AND status = 'running' AND lease_owner = ?",
            (json.dumps(outputs, ensure_ascii=False, default=str), verdict, json.dumps(timings or {}), time.time(),
             job_id, owner),
        )  # fmt: skip
        if cur.rowcount != 1:
            raise LeaseLost(f"job {job_id} is no longer leased to {owner}")

    def fail_job(
        self,
        job_id: int,
        owner: str,
        error: str,
        *,
        max_attempts: int,
        permanent: bool = False,
        verdict: str | None = None,
        status: str | None = None,
    ) -> str:
        """Record a failed attempt: ``failed`` when ``permanent`` or out of attempts, else back to ``queued``
        (``status`` forces one, e.g. ``cancelled``). Fenced like ``complete_job``; returns the new state."""
        with self.transaction():
            row = self._execute(
                "SELECT attempts FROM jobs WHERE id = ? AND status = 'running' AND lease_owner = ?",
                (job_id, owner),
            ).fetchone()
            if row is None:
                raise LeaseLost(f"job {job_id} is no longer leased to {owner}")
            new = status or ("failed" if permanent or row[0] >= max_attempts else "queued")
            self._execute(
                "UPDATE jobs SET status = ?, error = ?, verdict = COALESCE(?, verdict), lease_owner = NULL,"
                " lease_expires = NULL, finished = ? WHERE id = ?",
                (new, error, verdict, time.time(), job_id),
            )
        return new

    def reclaim_jobs(self, batch_id: int) -> list[int]:
        """Running jobs whose lease expired, or whose owner is a dead process on this host, become
        ``interrupted`` (claimable again). Returns their ids."""
        now = time.time()
        reclaimed = []
        for row in self._execute(
            "SELECT id, lease_owner, lease_expires FROM jobs WHERE batch_id = ? AND status = 'running'",
            (batch_id,),
        ).fetchall():
            expired = row["lease_expires"] is None or row["lease_expires"] < now
            dead = False
            if not expired and row["lease_owner"]:
                try:
                    dead = not Owner.parse(row["lease_owner"]).alive()
                except ValueError:
                    dead = True
            if not (expired or dead):
                continue
            cur = self._execute(
                "UPDATE jobs SET status = 'interrupted', lease_owner = NULL, lease_expires = NULL,"
                " error = 'its worker or coordinator stopped; it will run again'"
                " WHERE id = ? AND status = 'running' AND lease_owner IS ?",
                (row["id"], row["lease_owner"]),
            )
            if cur.rowcount == 1:
                reclaimed.append(int(row["id"]))
        return reclaimed

    def requeue_job(self, job_id: int) -> None:
        """A finished job queued again with fresh attempts (its outputs were deleted)."""
        self._execute(
            "UPDATE jobs SET status = 'queued', attempts = 0, error = NULL WHERE id = ? AND status != 'running'",
            (job_id,),
        )

    def cancel_batch(self, batch_id: int) -> int:
        """Mark the batch cancelled and its queued or interrupted jobs ``cancelled`` (running jobs are stopped by
        their coordinator, which watches the batch's status). Returns how many jobs were cancelled."""
        with self.transaction():
            self._execute(
                "UPDATE batches SET status = 'cancelled', updated = ? WHERE id = ?", (time.time(), batch_id)
            )
            cur = self._execute(
                "UPDATE jobs SET status = 'cancelled', error = 'cancelled by the user'"
                " WHERE batch_id = ? AND status IN ('queued', 'interrupted')",
                (batch_id,),
            )
        return cur.rowcount

    def retry_batch(self, batch_id: int) -> int:
        """Failed, cancelled and interrupted jobs back to ``queued`` with fresh attempts; the batch reopened."""
        with self.transaction():
            self._execute(
                "UPDATE batches SET status = 'open', updated = ? WHERE id = ?", (time.time(), batch_id)
            )
            cur = self._execute(
                "UPDATE jobs SET status = 'queued', attempts = 0, error = NULL"
                " WHERE batch_id = ? AND status IN ('failed', 'cancelled', 'interrupted')",
                (batch_id,),
            )
        return cur.rowcount


class Store(_JobQueries):
    """A SQLite database at ``path`` (created and migrated on first use).

    Every query of the package lives here, behind a typed method returning frozen rows; nothing outside this
    module writes SQL.
    """

    read_only = False  # see ``open_read_only``

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    @classmethod
    def open_read_only(cls, path: str | Path) -> Store:
        """An existing store opened read-only (SQLite ``mode=ro``): any write raises ``sqlite3.OperationalError``.

        For processes that must not write (batch workers: the coordinator owns the store). Nothing is created
        or migrated; a store that is missing or at another schema version raises ``ConfigError``."""
        from studio.errors import ConfigError

        store = cls.__new__(cls)
        store.path = Path(path)
        store.read_only = True
        store._local = threading.local()
        if not store.path.is_file():
            raise ConfigError(f"The store {store.path} does not exist.", "Open it once for writing first.")
        version = store.schema_version()
        if version != len(MIGRATIONS):
            raise ConfigError(
                f"The store {store.path} is at schema version {version}, this studio expects {len(MIGRATIONS)}.",
                "Open it once with this studio for writing (the coordinator does) before reading it.",
            )
        return store

    # -- connection -------------------------------------------------------------------------------------
    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
            else:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            if not self.read_only:
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
        if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
            return
        # foreign keys off while tables are rebuilt (SQLite's recipe); checked before the commit
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN IMMEDIATE")  # two processes opening a new store at once migrate it once
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for index, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {index}")
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(
                    f"migration broke foreign keys: {[tuple(r) for r in broken][:5]}"
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("PRAGMA foreign_keys = ON")

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

    def snapshot(self, path: str | Path) -> Path:
        """A consistent copy of this store at ``path`` (SQLite's online backup into a temp file, then renamed), in
        rollback-journal mode: readers on other machines can open it read-only through a shared folder (a WAL
        database needs shared memory on one host). Batch workers read the reference bank from it."""
        from studio.fsutil import atomic_output

        with atomic_output(path) as tmp:
            copy = sqlite3.connect(tmp)
            try:
                self._conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        return Path(path)

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
        return [_asset_row(row) for row in self._newest("assets", kind, limit)]

    # -- renders and events -----------------------------------------------------------------------------
    def start_render(self, kind: str, spec: dict[str, Any], project_id: int | None = None) -> int:
        """A new ``running`` render owned by this process (see ``claim_stale_renders``)."""
        me = Owner.me()
        cur = self._execute(
            "INSERT INTO renders(project_id, kind, spec_json, status, created, owner_host, owner_pid, owner_token)"
            " VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
            (project_id, kind, json.dumps(spec, ensure_ascii=False, default=str), time.time(), me.host, me.pid,
             me.token),
        )  # fmt: skip
        render_id = int(cur.lastrowid)
        self.event(render_id, "started", f"{kind} started")
        return render_id

    def set_render_scratch(self, render_id: int, scratch: str | Path) -> None:
        """Record the render's temporary folder (before it is created), so a later start can remove it."""
        self._execute("UPDATE renders SET scratch = ? WHERE id = ?", (str(scratch), render_id))

    def set_render_journal(self, render_id: int, moves: list[tuple[Path, Path]], outputs: list[dict]) -> None:
        """Record the (temporary, final) renames of a finished output set before the first rename: from here on
        the set is committed, and a start after a kill completes the renames (``claim_stale_renders``)."""
        journal = {"moves": [[str(a), str(b)] for a, b in moves], "outputs": outputs}
        self._execute(
            "UPDATE renders SET journal_json = ? WHERE id = ?",
            (json.dumps(journal, ensure_ascii=False, default=str), render_id),
        )

    def claim_stale_renders(self) -> list[RenderRow]:
        """``running`` renders whose process is gone (killed, crashed, the machine rebooted), now owned by this
        process. Each is claimed with a fenced update, so two processes starting at once never both settle it;
        the caller settles it with ``finish_render``. A render of a live process, here or on another host, is
        never claimed."""
        me = Owner.me()
        claimed = []
        for row in self._execute("SELECT * FROM renders WHERE status = 'running' ORDER BY id").fetchall():
            render = _render_row(row)
            if render.owner is not None and (render.owner == me or render.owner.alive()):
                continue
            cur = self._execute(
                "UPDATE renders SET owner_host = ?, owner_pid = ?, owner_token = ? WHERE id = ? AND status ="
                " 'running' AND owner_host IS ? AND owner_pid IS ? AND owner_token IS ?",
                (
                    me.host,
                    me.pid,
                    me.token,
                    render.id,
                    row["owner_host"],
                    row["owner_pid"],
                    row["owner_token"],
                ),
            )
            if cur.rowcount == 1:
                self.event(
                    render.id, "claimed", f"settling a render left by {render.owner or 'an older version'}"
                )
                claimed.append(self.render(render.id))
        return [r for r in claimed if r is not None]

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
        return [_render_row(row) for row in self._newest("renders", kind, limit)]

    def _newest(self, table: str, kind: str | None, limit: int) -> sqlite3.Cursor:
        """The newest ``limit`` rows of ``table`` (``assets`` or ``renders``), only of ``kind`` when given."""
        if kind:
            return self._execute(
                f"SELECT * FROM {table} WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
            )
        return self._execute(f"SELECT * FROM {table} ORDER BY id DESC LIMIT ?", (limit,))

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
    keys = row.keys()
    owner = None
    if "owner_pid" in keys and row["owner_pid"] is not None:
        owner = Owner(row["owner_host"] or "", int(row["owner_pid"]), row["owner_token"] or "")
    journal = row["journal_json"] if "journal_json" in keys else None
    scratch = row["scratch"] if "scratch" in keys else None
    return RenderRow(
        owner=owner,
        scratch=Path(scratch) if scratch else None,
        journal=json.loads(journal) if journal else None,
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
