"""The index's storage: one row per (repo, sha, tool version, rules digest), with history.

`IndexStore` is the interface the rest of the index uses (build, changes, site, compare);
`SqliteStore` is the embedded default (standard library sqlite3, one file). A server database
takes its place by implementing the same methods: nothing else in the index touches SQL.

Rows are written one at a time as reports finish (memory stays flat), each in its own
transaction, so an interrupted build keeps every row it wrote and the next run skips them.
The schema is versioned (PRAGMA user_version) and migrated forward on open.

Beside the audited rows, the store keeps what each build's listing said of every model it
named (`record_listing`): the sha the Hub is at now, the downloads now and when it was named.
A model's current row is the one at that sha (a Hub revision that went back to one already
audited needs no new audit), its downloads the listing's, and the models named by the latest
build are the index's members (`latest(listed_since=...)`); the rows of the others stay.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from openness.errors import UsageError
from openness.report import Report

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class IndexRow:
    """One audited revision, with the columns people filter on."""

    repo_id: str
    sha: str
    tool_version: str
    rules_digest: str
    audited_at: str  # ISO 8601, UTC
    rung: int
    license_ids: str  # the binding licenses' ids, comma-separated, own first
    own_osd: bool | None
    effective_osd: bool | None
    mof_class: str | None
    downloads: int | None
    complete: bool
    report_json: str

    @property
    def org(self) -> str:
        return self.repo_id.split("/")[0] if "/" in self.repo_id else ""

    def report(self) -> Report:
        return Report.model_validate_json(self.report_json)

    def problem_kinds(self) -> tuple[str, ...]:
        """The kinds of the report's problems, sorted, without validating the whole report."""
        try:
            problems = json.loads(self.report_json).get("problems") or []
            return tuple(sorted({str(p.get("kind")) for p in problems if isinstance(p, dict)}))
        except (ValueError, AttributeError):
            return ()

    @property
    def unread(self) -> bool:
        """Incomplete for a passing reason (rate limited, network, offline): what it says of
        the terms is not what the revision holds, only what could not be read of it."""
        from openness.sources.cached import TRANSIENT

        return not self.complete and bool(set(self.problem_kinds()) & TRANSIENT)


def row_of(report: Report, rules_digest: str, downloads: int | None) -> IndexRow:
    from openness import __version__

    terms = report.license.effective
    ids = [b.id or "unknown" for b in terms.licenses] if terms else []
    if not ids and report.license.identified:
        ids = [report.license.identified.id]
    return IndexRow(
        repo_id=report.subject.repo_id,
        sha=report.subject.revision or "",
        tool_version=__version__,
        rules_digest=rules_digest,
        audited_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        rung=report.openness.rung,
        license_ids=",".join(dict.fromkeys(ids)),
        own_osd=report.license.osd_compliant,
        effective_osd=terms.osd_compliant if terms else report.license.osd_compliant,
        mof_class=report.openness.mof_class,
        downloads=downloads,
        complete=report.complete,
        report_json=report.model_dump_json(by_alias=True),
    )


@dataclass(frozen=True)
class ListedModel:
    """What a build's listing (or --from file) said of a model: no audit needed for this."""

    repo_id: str
    sha: str | None  # None: not known before auditing (the newest row is then current)
    downloads: int | None  # None: not listed with downloads (the last known stay)


class IndexStore(Protocol):
    def has(self, repo_id: str, sha: str, tool_version: str, rules_digest: str) -> bool: ...

    def add(self, row: IndexRow) -> None: ...

    def record_listing(self, models: list[ListedModel], at: str) -> None:
        """Note that a build named `models` at `at` (ISO 8601 UTC): each one's current sha and
        downloads. Rows are not touched."""
        ...

    def last_listed(self) -> str | None:
        """When the latest build named its models (None: no build recorded)."""
        ...

    def latest(self, listed_since: str | None = None) -> Iterator[IndexRow]:
        """The current row of each repo (at the sha its latest listing gave, else the newest),
        with the listing's downloads, most downloaded first; with `listed_since`, only the
        repos a build named at or after it."""
        ...

    def history(self, repo_id: str) -> list[IndexRow]:
        """Every row of a repo, oldest first."""
        ...

    def since(self, when: str) -> Iterator[IndexRow]:
        """Rows audited at or after `when` (ISO date or datetime), oldest first."""
        ...

    def known_shas(self) -> dict[str, str]:
        """Each repo's newest indexed sha (lower-case repo id -> sha)."""
        ...

    def close(self) -> None: ...


_MIGRATIONS = {
    1: """
    CREATE TABLE rows (
        repo_id TEXT NOT NULL,
        sha TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        rules_digest TEXT NOT NULL,
        audited_at TEXT NOT NULL,
        rung INTEGER NOT NULL,
        license_ids TEXT NOT NULL,
        own_osd INTEGER,
        effective_osd INTEGER,
        mof_class TEXT,
        downloads INTEGER,
        complete INTEGER NOT NULL,
        report_json TEXT NOT NULL,
        PRIMARY KEY (repo_id, sha, tool_version, rules_digest)
    );
    CREATE INDEX rows_by_repo ON rows (lower(repo_id), audited_at);
    CREATE INDEX rows_by_time ON rows (audited_at);
    """,
    2: """
    CREATE TABLE listed (
        repo_key TEXT PRIMARY KEY,
        repo_id TEXT NOT NULL,
        sha TEXT,
        downloads INTEGER,
        listed_at TEXT NOT NULL
    );
    CREATE INDEX listed_by_time ON listed (listed_at);
    """,
}
_COLUMNS = (
    "repo_id, sha, tool_version, rules_digest, audited_at, rung, license_ids, own_osd, "
    "effective_osd, mof_class, downloads, complete, report_json"
)


def _bool(value: object) -> bool | None:
    return None if value is None else bool(value)


class SqliteStore:
    """The embedded store: one SQLite file, safe to use from the worker pool's threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._lock = threading.Lock()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{path}: not an openness index database ({exc})") from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"{self.path}: written by a newer openness (index schema {version}); upgrade"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            with self._lock:
                self._db.execute("BEGIN")
                for statement in filter(None, (s.strip() for s in _MIGRATIONS[step].split(";"))):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {step}")
                self._db.execute("COMMIT")

    def has(self, repo_id: str, sha: str, tool_version: str, rules_digest: str) -> bool:
        with self._lock:
            found = self._db.execute(
                "SELECT 1 FROM rows WHERE lower(repo_id) = lower(?) AND sha = ? "
                "AND tool_version = ? AND rules_digest = ?",
                (repo_id, sha, tool_version, rules_digest),
            ).fetchone()
        return found is not None

    def add(self, row: IndexRow) -> None:
        values = (
            row.repo_id,
            row.sha,
            row.tool_version,
            row.rules_digest,
            row.audited_at,
            row.rung,
            row.license_ids,
            row.own_osd,
            row.effective_osd,
            row.mof_class,
            row.downloads,
            row.complete,
            row.report_json,
        )
        with self._lock:  # autocommit: each row is durable once added
            self._db.execute(
                f"INSERT OR REPLACE INTO rows ({_COLUMNS}) VALUES ({', '.join('?' * 13)})",
                values,
            )

    def record_listing(self, models: list[ListedModel], at: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO listed (repo_key, repo_id, sha, downloads, listed_at) "
                "VALUES (lower(?1), ?1, ?2, ?3, ?4) ON CONFLICT (repo_key) DO UPDATE SET "
                "repo_id = excluded.repo_id, sha = excluded.sha, "
                "downloads = coalesce(excluded.downloads, downloads), "
                "listed_at = excluded.listed_at",
                [(m.repo_id, m.sha, m.downloads, at) for m in models],
            )
            self._db.execute("COMMIT")

    def last_listed(self) -> str | None:
        with self._lock:
            return self._db.execute("SELECT max(listed_at) FROM listed").fetchone()[0]

    def _rows(self, sql: str, args: tuple = (), select: str = "") -> Iterator[IndexRow]:
        """Rows a batch at a time, so that reading the whole index keeps memory flat (a row
        holds a full report)."""
        with self._lock:
            cursor = self._db.execute(select or f"SELECT {_COLUMNS} FROM rows {sql}", args)
        while True:
            with self._lock:
                batch = cursor.fetchmany(200)
            if not batch:
                return
            for r in batch:
                yield IndexRow(*r[:7], _bool(r[7]), _bool(r[8]), r[9], r[10], bool(r[11]), r[12])

    def latest(self, listed_since: str | None = None) -> Iterator[IndexRow]:
        # One row per repo: at the listed sha if audited, else the newest (of two audited in
        # the same second, the later one); the listing's downloads over the audit's.
        columns = ", ".join(
            "coalesce(l.downloads, r.downloads)" if c == "downloads" else f"r.{c}"
            for c in _COLUMNS.split(", ")
        )
        since = "AND l.listed_at >= ? " if listed_since is not None else ""
        return self._rows(
            "",
            (listed_since,) if listed_since is not None else (),
            select=f"SELECT {columns} FROM rows r "
            "LEFT JOIN listed l ON l.repo_key = lower(r.repo_id) "
            "WHERE r.rowid = (SELECT s.rowid FROM rows s "
            "LEFT JOIN listed m ON m.repo_key = lower(s.repo_id) "
            "WHERE lower(s.repo_id) = lower(r.repo_id) "
            "ORDER BY coalesce(s.sha = m.sha, 0) DESC, s.audited_at DESC, s.rowid DESC "
            "LIMIT 1) "
            f"{since}ORDER BY coalesce(l.downloads, r.downloads, -1) DESC, r.repo_id",
        )

    def history(self, repo_id: str) -> list[IndexRow]:
        return list(
            self._rows("WHERE lower(repo_id) = lower(?) ORDER BY audited_at, rowid", (repo_id,))
        )

    def since(self, when: str) -> Iterator[IndexRow]:
        return self._rows("WHERE audited_at >= ? ORDER BY audited_at, rowid", (when,))

    def known_shas(self) -> dict[str, str]:
        return {row.repo_id.lower(): row.sha for row in self.latest()}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_store(path: Path) -> IndexStore:
    return SqliteStore(path)


def rows_as_json(rows: list[IndexRow]) -> str:
    """Rows without their report bodies, for quick inspection."""
    return json.dumps(
        [{k: v for k, v in row.__dict__.items() if k != "report_json"} for row in rows], indent=2
    )
