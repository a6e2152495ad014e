"""Document numbers (文书编号) from a never-reused sequence, e.g. ``×自然资责改〔2026〕第17号``.

One registry per bureau: a small SQLite file shared by every batch, the patch navigator and the
dialogs (``registry_location`` says where it is).  Numbers run per authority, series (report |
notice | …) and year.  Every number issued is a row that is never deleted, so a number is never
given twice, and a patch asks again for its number and gets the same one (a resumed or repeated
batch keeps its numbers).  A number issued in error is voided (``void``): the row stays, marked
voided with the reason, the number is never issued again and the patch gets a new one next time.
Allocation runs in ``BEGIN IMMEDIATE`` transactions, so two processes allocating at once (two
batches on one share) never get the same number.

Before one registry per bureau, each output folder had its own ``文书编号登记.sqlite``.  Such a
per-folder registry is imported once into the shared one (``import_legacy``): the numbers issued
there stay valid (a patch of that folder keeps its number there), and the shared sequence continues
after the highest number issued anywhere, so none of them is issued again.  The folder's file is
only read, never changed.
"""
from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

from .values import fill

REGISTRY_NAME = "文书编号登记.sqlite"
ENV_DATA_DIR = "LIANGWEI_DATA_DIR"   # overrides the per-user default folder (tests, portable set-ups)
SCHEMA_VERSION = 2

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS numbers (
        authority   TEXT NOT NULL DEFAULT '',  -- issuing authority (its full name)
        series      TEXT NOT NULL,             -- report | notice | …
        year        INTEGER NOT NULL,
        n           INTEGER NOT NULL,
        key         TEXT NOT NULL,             -- the patch id the number was issued for
        number      TEXT NOT NULL,             -- the formatted document number
        issued      TEXT NOT NULL,
        voided      TEXT,                      -- when it was voided; NULL: valid
        void_reason TEXT,
        origin      TEXT NOT NULL DEFAULT '',  -- '' or the per-folder registry it was imported from
        PRIMARY KEY (authority, series, year, n)
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS numbers_valid_key ON numbers(authority, series, key) WHERE voided IS NULL",
    """CREATE TABLE IF NOT EXISTS imported (   -- every row of every per-folder registry imported
        origin    TEXT NOT NULL,
        authority TEXT NOT NULL,
        series    TEXT NOT NULL,
        year      INTEGER NOT NULL,
        n         INTEGER NOT NULL,
        key       TEXT NOT NULL,
        number    TEXT NOT NULL,
        issued    TEXT NOT NULL,
        voided    TEXT,
        PRIMARY KEY (origin, series, key)
    )""",
    """CREATE TABLE IF NOT EXISTS imports (
        origin    TEXT PRIMARY KEY,
        imported  TEXT NOT NULL,
        rows      INTEGER NOT NULL,
        conflicts INTEGER NOT NULL             -- rows whose number was already issued to another patch
    )""",
]


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def user_data_dir(profile_dir: str | Path | None = None) -> Path:
    """The per-user folder of the registry: ``$LIANGWEI_DATA_DIR``, else ``<QGIS profile>/liangwei``
    (``profile_dir`` = QgsApplication.qgisSettingsDirPath(), passed in by the caller in QGIS), else
    ``~/.local/share/liangwei`` (``%APPDATA%\\liangwei`` on Windows)."""
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    if profile_dir:
        return Path(profile_dir) / "liangwei"
    if os.name == "nt":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "liangwei"


def _file_register(target: str | None) -> Path | None:
    """The GeoPackage file of a case-register target (None for PostgreSQL targets and names)."""
    t = (target or "").strip().split("|")[0]
    if not t or t.startswith(("postgresql://", "postgres://", "PG:", "pg:")) or "dbname=" in t or "service=" in t:
        return None
    return Path(t).expanduser() if t.lower().endswith(".gpkg") else None


def registry_location(explicit: str | Path | None = None, configured: str | Path | None = None,
                      register_target: str | None = None,
                      profile_dir: str | Path | None = None) -> tuple[Path, str]:
    """Where the bureau's number registry is, and why: (path, source).

    In this order: ``explicit`` (the NUMBER_REGISTRY parameter) -> "parameter"; ``configured``
    (documents.toml ``[numbering] registry``) -> "config"; beside the case register when it is a
    GeoPackage -> "register"; else the per-user default (``user_data_dir``) -> "user".  Never the
    output folder: a temporary folder would start the numbers again at 第1号.
    """
    for value, source in ((explicit, "parameter"), (configured, "config")):
        if value and str(value).strip():
            return Path(os.path.expandvars(str(value).strip())).expanduser(), source
    gpkg = _file_register(register_target)
    if gpkg is not None:
        return gpkg.parent / REGISTRY_NAME, "register"
    return user_data_dir(profile_dir) / REGISTRY_NAME, "user"


def legacy_registries(folder: str | Path) -> list[Path]:
    """Per-folder registries an export into ``folder`` inherits: its own, and the batch folder's
    when ``folder`` is the reports/ or notices/ of a liangwei:batchreview run."""
    folder = Path(folder)
    found = [folder / REGISTRY_NAME]
    if folder.name in ("reports", "notices"):
        found.append(folder.parent / REGISTRY_NAME)
    return [p for p in found if p.is_file()]


class NumberRegistry:
    """Allocates document numbers; ``number(series, key)`` is idempotent per (authority, series, key).

    ``authority`` is the default authority of every call (documents.toml ``[authority] name``);
    ``values`` fill the number patterns besides ``{year}`` and ``{n}`` (e.g. ``{short}``).
    """

    def __init__(self, path: str | Path, patterns: dict[str, str], values: dict | None = None,
                 authority: str = ""):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.patterns = patterns
        self.values = dict(values or {})
        self.authority = authority or ""
        try:
            self._db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=DELETE")   # no -wal/-shm files: safe on network shares
            self._db.execute("PRAGMA busy_timeout=60000")
            self._prepare()
        except sqlite3.DatabaseError as exc:  # not a database, locked, read-only: say which file
            from ..errors import UserError, user_message

            raise UserError(f"文书编号登记库 {self.path}：{user_message(exc) or exc}") from None

    # -- schema ---------------------------------------------------------------------------------
    def _prepare(self) -> None:
        db = self._db
        if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        with self._transaction():
            cols = [r[1] for r in db.execute("PRAGMA table_info(numbers)")]
            if cols and "authority" not in cols:   # version 1: per series and year only
                db.execute("ALTER TABLE numbers RENAME TO numbers_v1")
            for stmt in _SCHEMA:
                db.execute(stmt)
            if cols and "authority" not in cols:
                db.execute("INSERT INTO numbers(authority, series, year, n, key, number, issued) "
                           "SELECT ?, series, year, n, key, number, issued FROM numbers_v1", (self.authority,))
                db.execute("DROP TABLE numbers_v1")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")   # takes the write lock now: allocations are serialised
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- numbers --------------------------------------------------------------------------------
    def numbers(self, series: str, keys: Iterable[str], year: int | None = None, *, authority: str | None = None,
                values: dict | None = None, origins: Sequence[str] = ()) -> dict[str, str]:
        """Numbers of many patches in one transaction (existing valid numbers are kept).

        ``origins``: per-folder registries imported with ``import_legacy`` whose numbers take
        precedence (an export into such a folder keeps the numbers printed there).
        """
        year = int(year or _dt.date.today().year)
        auth = self.authority if authority is None else authority
        pattern = self.patterns.get(series) or "〔{year}〕第{n}号"
        fill_values = {**self.values, **(values or {})}
        out: dict[str, str] = {}
        db = self._db
        with self._transaction():
            nxt = None
            for key in keys:
                row = None
                for origin in origins:
                    row = db.execute("SELECT number FROM imported WHERE origin=? AND series=? AND key=? "
                                     "AND voided IS NULL", (origin, series, key)).fetchone()
                    if row:
                        break
                row = row or db.execute("SELECT number FROM numbers WHERE authority=? AND series=? AND key=? "
                                        "AND voided IS NULL", (auth, series, key)).fetchone()
                if row:
                    out[key] = row[0]
                    continue
                if nxt is None:
                    nxt = self._next_n(auth, series, year)
                n, nxt = nxt, nxt + 1
                number = fill(pattern, {**fill_values, "year": year, "n": n})
                db.execute("INSERT INTO numbers(authority, series, year, n, key, number, issued) "
                           "VALUES (?,?,?,?,?,?,?)", (auth, series, year, n, key, number, _now()))
                out[key] = number
        return out

    def _next_n(self, authority: str, series: str, year: int) -> int:
        """One past the highest number ever issued (voided and imported ones included)."""
        return self._db.execute(
            "SELECT MAX(COALESCE((SELECT MAX(n) FROM numbers WHERE authority=? AND series=? AND year=?), 0),"
            "           COALESCE((SELECT MAX(n) FROM imported WHERE authority=? AND series=? AND year=?), 0)) + 1",
            (authority, series, year, authority, series, year)).fetchone()[0]

    def number(self, series: str, key: str, year: int | None = None, *, authority: str | None = None,
               values: dict | None = None) -> str:
        """The number of one patch (document) ``key`` in ``series`` of ``authority`` (default: the
        registry's authority); the same number on every call until it is voided."""
        return self.numbers(series, [key], year, authority=authority, values=values)[key]

    def void(self, series: str, number: str | int, reason: str, *, authority: str | None = None,
             year: int | None = None) -> str:
        """Void an issued number (the formatted number, or ``n`` with ``year``); returns its key.

        The row stays with the time and reason; the number is never issued again, and the patch
        gets a new number when it asks next.  Voiding a voided number again changes nothing.
        """
        if not str(reason or "").strip():
            raise ValueError("作废文书编号须注明原因")
        auth = self.authority if authority is None else authority
        db = self._db
        with self._transaction():
            if isinstance(number, int):
                where, args = "n=? AND year=?", (number, int(year or _dt.date.today().year))
            else:
                where, args = "number=?", (str(number),)
            rows = db.execute(f"SELECT key, year, n, voided FROM numbers WHERE authority=? AND series=? AND {where}",  # nosec B608  # fixed clauses
                              (auth, series, *args)).fetchall()
            if not rows:
                raise KeyError(f"文书编号登记中没有 {series} {number}")
            key, yr, n, voided = rows[0]
            if voided is None:
                now = _now()
                db.execute("UPDATE numbers SET voided=?, void_reason=? "
                           "WHERE authority=? AND series=? AND year=? AND n=?",
                           (now, str(reason).strip(), auth, series, yr, n))
                db.execute("UPDATE imported SET voided=? WHERE authority=? AND series=? AND year=? AND n=? AND key=?",
                           (now, auth, series, yr, n, key))
        return key

    def issued(self, series: str, *, authority: str | None = None) -> list[tuple[int, int, str, str]]:
        """(year, n, key, number) of every number issued in a series, voided ones included."""
        auth = self.authority if authority is None else authority
        return list(self._db.execute("SELECT year, n, key, number FROM numbers WHERE authority=? AND series=? "
                                     "ORDER BY year, n", (auth, series)))

    def voided(self, series: str, *, authority: str | None = None) -> list[tuple[int, int, str, str, str]]:
        """(year, n, key, number, reason) of the voided numbers of a series."""
        auth = self.authority if authority is None else authority
        return list(self._db.execute("SELECT year, n, key, number, void_reason FROM numbers WHERE authority=? "
                                     "AND series=? AND voided IS NOT NULL ORDER BY year, n", (auth, series)))

    # -- per-folder registries (before one registry per bureau) -------------------------------------
    def import_legacy(self, path: str | Path, *, authority: str | None = None) -> tuple[str, int]:
        """Import a per-folder registry once; returns (origin, conflicts).

        Its numbers are recorded under ``origin`` (the file's absolute path) and reserved in the
        shared sequence; a number that the shared registry already gave to another patch (two
        folders that both issued 第1号) is kept for that folder only and counted in ``conflicts``.
        """
        origin = str(Path(path).resolve())
        auth = self.authority if authority is None else authority
        db = self._db
        done = db.execute("SELECT conflicts FROM imports WHERE origin=?", (origin,)).fetchone()
        if done:
            return origin, int(done[0])
        src = sqlite3.connect(Path(origin).as_uri() + "?mode=ro", uri=True, timeout=60)
        try:
            rows = src.execute("SELECT series, year, n, key, number, issued FROM numbers").fetchall()
        except sqlite3.Error:
            rows = []
        finally:
            src.close()
        conflicts = 0
        with self._transaction():
            if db.execute("SELECT 1 FROM imports WHERE origin=?", (origin,)).fetchone():
                return origin, int(db.execute("SELECT conflicts FROM imports WHERE origin=?", (origin,)).fetchone()[0])
            for series, year, n, key, number, issued in rows:
                db.execute("INSERT OR IGNORE INTO imported(origin, authority, series, year, n, key, number, issued) "
                           "VALUES (?,?,?,?,?,?,?,?)", (origin, auth, series, year, n, key, number, issued))
                same = db.execute("SELECT key, voided FROM numbers WHERE authority=? AND series=? AND year=? AND n=?",
                                  (auth, series, year, n)).fetchone()
                if same is not None:
                    conflicts += same[0] != key
                    continue
                has_key = db.execute("SELECT 1 FROM numbers WHERE authority=? AND series=? AND key=? "
                                     "AND voided IS NULL", (auth, series, key)).fetchone()
                if has_key:   # the patch already has another number in the shared registry
                    conflicts += 1
                    continue
                db.execute("INSERT INTO numbers(authority, series, year, n, key, number, issued, origin) "
                           "VALUES (?,?,?,?,?,?,?,?)", (auth, series, year, n, key, number, issued, origin))
            db.execute("INSERT INTO imports(origin, imported, rows, conflicts) VALUES (?,?,?,?)",
                       (origin, _now(), len(rows), conflicts))
        return origin, conflicts
