"""The case register (台账) store: one code path for GeoPackage and PostgreSQL/PostGIS.

- Schema created and migrated by the plugin (table ``schema_version``, list ``MIGRATIONS``).
- Every write is one transaction: a crash leaves the register as before or after, never between.
- Every change of a case bumps ``cases.version`` and appends exactly one row to the append-only
  ``case_history`` (so ``count(history) == version`` for every case).
- Optimistic locking: ``UPDATE … WHERE fid=? AND version=?``; 0 rows → ``ConflictError`` naming
  the case and who changed it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..feedback import Feedback, check_canceled, ensure_feedback
from ..log import logger
from .dialect import Dialect, GpkgDialect, RegisterAccessError, RegisterOpenError, dialect_for, ident
from .model import (
    CASE_COLUMNS,
    COLUMN_LABELS,
    COLUMN_NAMES,
    DATE_COLUMNS,
    EDITABLE,
    HISTORY_COLUMNS,
    ConflictError,
    evaluate,
    rule_referrals,
)
from .workflow import Workflow, WorkflowError, check_plausible_date, default_workflow, parse_date

# SQL here binds every value (``?``).  The only names formatted into SQL are these tables and the
# columns of model.py, all checked by dialect.ident() at import (plain ASCII identifiers, so they cannot
# break out of their quotes); _update() refuses unknown columns and find_cases() checks its ORDER BY.
# The B608 markers (Bandit: SQL built from strings) in this module rest on that.
CASES = ident("cases")
HISTORY = ident("case_history")
GRID_UNITS = ident("grid_units")
GRID_REPORTS = ident("grid_reports")
VERIFICATIONS = ident("verifications")   # created by register/evidence.py on the first 外业核查 import
_CASE_COLUMNS = frozenset(ident(c) for c in COLUMN_NAMES)
_ORDER_COLUMNS = _CASE_COLUMNS | {"fid"}
_HISTORY_COLUMNS = [ident(c) for c, _ in HISTORY_COLUMNS]
DEFAULT_SRID = 4527  # CGCS2000 3-degree GK zone 39 (the sample county); a register keeps the CRS it was made with


# -- migrations ---------------------------------------------------------------------

def _m1_base(reg: Register, cur) -> None:
    d = reg.dialect
    d.prepare(cur)
    cols = ",\n  ".join(f'"{c}" {d.column_type(t)}' for c, t, _ in CASE_COLUMNS)
    geom_type = "MULTIPOLYGON" if d.name == "gpkg" else f"geometry(MultiPolygon, {reg.srid})"
    reg.x(cur, f'CREATE TABLE "{CASES}" (\n  fid {d.pk},\n  {cols},\n  geom {geom_type},\n'
               f'  CONSTRAINT uq_cases_case_no UNIQUE (case_no),\n  CONSTRAINT uq_cases_patch_id UNIQUE (patch_id))')
    d.register_features(cur, CASES, "geom", "MULTIPOLYGON", reg.srid, "两违案件台账", "liangwei 案件台账（每案一条）")
    hcols = ",\n  ".join(f'"{c}" {d.column_type(t)}' for c, t in HISTORY_COLUMNS)
    reg.x(cur, f'CREATE TABLE "{HISTORY}" (\n  fid {d.pk},\n  {hcols})')
    d.register_attributes(cur, HISTORY, "案件处置历史", "只增不改：案件的每一次变更")
    d.append_only(cur, HISTORY)
    reg.x(cur, "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    reg.x(cur, f'CREATE TABLE "{GRID_UNITS}" (fid {d.pk}, unit_code TEXT NOT NULL UNIQUE, unit_name TEXT NOT NULL,'
               f' township TEXT, village TEXT, kind TEXT, reporter TEXT, active INTEGER NOT NULL DEFAULT 1,'
               f' active_from DATE,'
               f' created_at {d.column_type("DATETIME")})')
    d.register_attributes(cur, GRID_UNITS, "网格单元", "网格化巡查报告单位（村居、小区）")
    reg.x(cur, f'CREATE TABLE "{GRID_REPORTS}" (fid {d.pk}, unit_code TEXT NOT NULL, report_date DATE NOT NULL,'
               f' reporter TEXT, case_count INTEGER NOT NULL, is_zero INTEGER NOT NULL, case_nos TEXT, note TEXT,'
               f' recorded_at {d.column_type("DATETIME")}, CONSTRAINT uq_grid_report UNIQUE (unit_code, report_date))')
    d.register_attributes(cur, GRID_REPORTS, "网格日报", "每日巡查报告（有案件或零报告）")


def _m2_indexes(reg: Register, cur) -> None:
    # The overdue query (is_open = 1 AND stage_due < today) must stay fast on 100 000 cases.
    for name, cols in (("ix_cases_open_due", "is_open, stage_due"), ("ix_cases_stage", "stage"),
                       ("ix_cases_township", "township"), ("ix_cases_found", "found_date"),
                       ("ix_cases_source", "source")):
        reg.x(cur, f'CREATE INDEX IF NOT EXISTS {name} ON "{CASES}" ({cols})')
    reg.x(cur, f'CREATE INDEX IF NOT EXISTS ix_history_case ON "{HISTORY}" (case_fid)')
    reg.x(cur, f'CREATE INDEX IF NOT EXISTS ix_grid_reports_date ON "{GRID_REPORTS}" (report_date)')


def _m3_guards(reg: Register, cur) -> None:
    # edits made directly in QGIS still get a version bump and a history row; the workflow columns
    # (stage, deadlines, number) can only change through transitions; cases are never deleted
    skip = {"version", "updated_at", "updated_by"}
    present = set(reg.dialect.columns(cur, CASES))   # columns of later migrations are not there yet
    reg.dialect.case_guards(cur, CASES, HISTORY, [c for c in COLUMN_NAMES if c not in skip and c in present],
                            ["case_no", "patch_id", "stage", "stage_started", "stage_due", "is_open", "closed_date",
                             "created_at"])


def _m4_patch_identity(reg: Register, cur) -> None:
    # 图斑标识: patch_key is the register's own identity of a patch ("id:<监测编号>" for the first case of a
    # monitoring id, "geom:…"/"row:…" for empty ids and conflicts), given_patch_id the id as delivered,
    # id_note why a case has no patch_id of its own.  Additive: old rows keep patch_id and are read as
    # key "id:<patch_id>" (no backfill, which would fire the edit-history triggers on every case).
    present = set(reg.dialect.columns(cur, CASES))
    for column in ("patch_key", "given_patch_id", "id_note"):
        if column not in present:
            reg.x(cur, f'ALTER TABLE "{CASES}" ADD COLUMN "{ident(column)}" TEXT')
    reg.x(cur, f'CREATE UNIQUE INDEX IF NOT EXISTS uq_cases_patch_key ON "{CASES}" (patch_key)')
    reg.x(cur, f'CREATE INDEX IF NOT EXISTS ix_cases_given_patch_id ON "{CASES}" (given_patch_id)')


# (version, description, function(register, cursor)).  Append only; never edit a published step.
MIGRATIONS: list[tuple[int, str, Callable]] = [
    (1, "案件、历史、网格表", _m1_base),
    (2, "超期查询等索引", _m2_indexes),
    (3, "GIS直接编辑留痕、禁止删除案件", _m3_guards),
    (4, "图斑标识（编号为空、编号冲突的案件）", _m4_patch_identity),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


# Two geometries of one monitoring id closer than this (Hausdorff distance, register CRS) are the same patch:
# a re-run or a re-delivery.  Farther apart: a conflict (two patches under one id), registered and reported.
GEOMETRY_TOLERANCE_M = 0.1
GEOMETRY_TOLERANCE_DEG = 1e-6


@dataclass(eq=False)
class _Intake:
    """One record on its way into the register: its id as delivered, its geometry and its identity."""

    rec: dict
    given: str | None
    geom: object
    row: int
    patch_id: str | None = None       # set for the first case of a monitoring id only
    key: str | None = None            # patch_key
    conflict_with: list = field(default_factory=list)   # case numbers (str) or indices into the batch (int)
    index: int = -1
    skipped: bool = False

    @property
    def label(self) -> str:
        return self.given or f"（无编号，第 {self.row} 个图斑）"

    def others(self, numbers: list[str]) -> list[str]:
        return [n if isinstance(n, str) else numbers[n] for n in self.conflict_with]

    def note(self, numbers: list[str]) -> str:
        batch_id = _id_text(self.rec.get("patch_id"))
        # the overlay's batch id (<id>#2, #<row>) names the documents of this patch: keep it beside the note
        where = f"（认定结果中的图斑编号 {batch_id}）" if batch_id and batch_id != self.given else ""
        if self.conflict_with:
            return (f"编号冲突：监测编号“{self.given}”已登记为案件 {'、'.join(self.others(numbers))}，"
                    f"图形不同，本图斑另行登记为新案件，请核实编号{where}")
        if not self.given:
            return f"监测编号为空，按图形登记{where}"
        return ""


@dataclass
class RegistrationResult:
    added: list[str] = field(default_factory=list)       # case numbers created (conflicts and empty ids included)
    skipped: list[str] = field(default_factory=list)     # patches already registered (same id, same geometry)
    closed: list[str] = field(default_factory=list)      # created and closed at 认定 (not a violation)
    conflicts: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (case_no, id, cases with that id)
    no_id: list[str] = field(default_factory=list)       # case numbers registered without a monitoring id
    messages: list[str] = field(default_factory=list)    # one sentence per conflict / id-less case


@dataclass
class AdvanceResult:
    advanced: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)   # (case_no, message)


class Register:
    """A case register.  ``Register(target)`` opens (and creates/migrates) a GeoPackage file or a
    PostgreSQL schema; use as a context manager or call ``close()``."""

    def __init__(self, target: str, workflow: Workflow | None = None, srid: int | None = None,
                 create: bool = True, migrate: bool = True, readonly: bool = False):
        """``readonly``: open an existing register only to read it (a missing file or schema, or one that is
        not a register, is a RegisterOpenError; nothing is created, migrated or written)."""
        self.target = str(target)
        self.workflow = workflow or default_workflow()
        self.readonly = bool(readonly)
        self._columns: set[str] = set()
        self.dialect: Dialect = dialect_for(self.target, readonly=self.readonly)
        if isinstance(self.dialect, GpkgDialect) and not create:
            import os

            if not os.path.exists(self.dialect.path):
                raise RegisterOpenError(f"台账文件不存在：{self.dialect.path}")
        self.conn = self.dialect.connect()
        try:
            if self.readonly:
                self._check_is_register()
            self.srid = int(srid or DEFAULT_SRID)
            existing = self._read_srid()
            if existing is not None:
                self.srid = existing
            if migrate and not self.readonly:
                self.migrate()
            self._columns = self._case_columns()
        except BaseException as exc:
            self.close()
            message = self.dialect.error_message(exc)
            if message:
                raise RegisterOpenError(message) from exc
            raise
        self._geographic: bool | None = None

    def _check_is_register(self) -> None:
        """Refuse a database that is not a case register (read-only opens never add tables to it)."""
        cur = self.conn.cursor()
        try:
            missing = [t for t in ("schema_version", CASES, HISTORY) if not self.dialect.table_exists(cur, t)]
        finally:
            cur.close()
        if missing:
            raise RegisterOpenError(
                f"{self.description} 不是案件台账（缺少表 {'、'.join(missing)}）：请选择由“登记案件”创建的台账；"
                "只读取台账的功能不会在其中建表")
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise RegisterOpenError(
                f"台账 {self.description} 的结构版本 {current} 比本插件支持的 {SCHEMA_VERSION} 新，请升级插件")

    def _case_columns(self) -> set[str]:
        cur = self.conn.cursor()
        try:
            return set(self.dialect.columns(cur, CASES)) if self.dialect.table_exists(cur, CASES) else set()
        finally:
            cur.close()

    # -- plumbing -------------------------------------------------------------
    def x(self, cur, sql: str, params: Iterable = ()) -> None:
        try:
            cur.execute(self.dialect.sql(sql), tuple(params))
        except Exception as exc:
            # locked, read-only, damaged file, lost connection: one Chinese sentence naming the register
            message = self.dialect.error_message(exc)
            if message is None:
                raise
            raise RegisterAccessError(message) from exc

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def description(self) -> str:
        return self.dialect.description

    @contextmanager
    def transaction(self) -> Iterator:
        """One database transaction; rolled back on any exception.  Database errors (a lock not released in
        time, a read-only file or connection, a full disk at COMMIT) become RegisterAccessError."""
        if self.readonly:
            raise RegisterAccessError(f"台账 {self.description} 以只读方式打开，不能修改")
        cur = self.conn.cursor()
        self.x(cur, self.dialect.begin_sql)
        try:
            yield cur
        except BaseException as exc:
            try:
                cur.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - connection already broken; the server rolls back
                logger.exception("回滚失败")
            message = self.dialect.error_message(exc)
            if message is not None:
                raise RegisterAccessError(message) from exc
            raise
        else:
            try:
                cur.execute("COMMIT")
            except Exception as exc:
                message = self.dialect.error_message(exc)
                try:
                    cur.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 - nothing to roll back any more
                    pass
                if message is None:
                    raise
                raise RegisterAccessError(message) from exc
        finally:
            cur.close()

    def _read_srid(self) -> int | None:
        cur = self.conn.cursor()
        try:
            if not self.dialect.table_exists(cur, CASES):
                return None
            if self.dialect.name == "gpkg":
                cur.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (CASES,))
            else:
                cur.execute("SELECT Find_SRID(%s, %s, 'geom')", (self.dialect.schema, CASES))
            row = cur.fetchone()
            return int(row[0]) if row else None
        finally:
            cur.close()

    # -- schema ---------------------------------------------------------------
    def schema_version(self) -> int:
        cur = self.conn.cursor()
        try:
            if not self.dialect.table_exists(cur, "schema_version"):
                return 0
            self.x(cur, "SELECT MAX(version) FROM schema_version")
            return int(cur.fetchone()[0] or 0)
        finally:
            cur.close()

    def migrate(self, target_version: int | None = None) -> int:
        """Apply the missing migrations (each in its own transaction); returns the schema version."""
        target_version = target_version or SCHEMA_VERSION
        with self.transaction() as cur:
            self.dialect.lock_schema(cur)   # two first opens at once: the second waits, then creates nothing
            if not self.dialect.table_exists(cur, "schema_version"):
                self.dialect.prepare(cur)
                self.x(cur, f"CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT,"
                            f" applied_at {self.dialect.column_type('DATETIME')})")
                if self.dialect.name == "gpkg":
                    self.dialect.register_attributes(cur, "schema_version", "台账结构版本", "liangwei 台账结构迁移记录")
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise RegisterOpenError(
                f"台账 {self.description} 的结构版本 {current} 比本插件支持的 {SCHEMA_VERSION} 新，请升级插件")
        for version, description, step in MIGRATIONS:
            if current < version <= target_version:
                with self.transaction() as cur:
                    # another process may have migrated meanwhile: re-check inside the lock
                    self.dialect.lock_schema(cur)
                    cur.execute("SELECT MAX(version) FROM schema_version")
                    if int(cur.fetchone()[0] or 0) >= version:
                        continue
                    step(self, cur)
                    self.x(cur, "INSERT INTO schema_version VALUES (?, ?, ?)",
                           (version, description, self.dialect.now_value()))
                logger.info("台账 %s 结构升级到版本 %s（%s）", self.description, version, description)
        return self.schema_version()

    def layer_uri(self, table: str = CASES) -> tuple[str, str]:
        """(uri, provider key) to load a register table as a QGIS layer."""
        return self.dialect.layer_uri(table)

    # -- reading ----------------------------------------------------------------
    def _select(self, with_geometry: bool, columns: Iterable[str] | None = None) -> str:
        names = COLUMN_NAMES if columns is None else [c for c in COLUMN_NAMES if c in set(columns)]
        # a register of an older schema opened read-only lacks the columns of later migrations
        names = [c for c in names if c in self._columns] if getattr(self, "_columns", None) else names
        cols = ", ".join(["fid"] + [f'"{c}"' for c in names])
        if with_geometry:
            cols += f", {self.dialect.geom_select('geom')} AS geom"
        return f'SELECT {cols} FROM "{CASES}"'  # nosec B608

    def _row(self, names: list[str], row) -> dict:
        out = dict(zip(names, row))
        for c, v in out.items():
            # PostGIS returns date/datetime objects, GeoPackage ISO text: normalise to the text form
            if isinstance(v, dt.datetime):
                out[c] = v.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            elif isinstance(v, dt.date):
                out[c] = v.isoformat()
        if "geom" in out:
            out["geom"] = self.dialect.geom_wkb(out["geom"])
        return out

    def _fetch(self, cur, sql: str, params: Iterable = ()) -> list[dict]:
        self.x(cur, sql, params)
        names = [d[0] for d in cur.description]
        if self.dialect.name == "gpkg" and "geom" not in names:
            # SQLite hands back dates as ISO text already: nothing to normalise (fast path for big lists)
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
        else:
            rows = [self._row(names, r) for r in cur.fetchall()]
        absent = [c for c in COLUMN_NAMES if c not in self._columns] if "stage" in names and rows else []
        for r in rows if absent and self._columns else ():
            for c in absent:
                r.setdefault(c, None)
        return rows

    def get_case(self, ref, with_geometry: bool = False, cur=None) -> dict:
        """A case by fid (int) or case number / patch id (str); KeyError when missing."""
        own = cur is None
        cur = cur or self.conn.cursor()
        try:
            if isinstance(ref, int):
                rows = self._fetch(cur, self._select(with_geometry) + " WHERE fid = ?", (ref,))
            else:
                rows = self._fetch(cur, self._select(with_geometry) + " WHERE case_no = ? OR patch_id = ?",
                                   (str(ref), str(ref)))
        finally:
            if own:
                cur.close()
        if not rows:
            raise KeyError(f"台账 {self.description} 中没有案件“{ref}”")
        return rows[0]

    def find_cases(self, *, stage: str | None = None, township: str | None = None, source: str | None = None,
                   department: str | None = None, overdue_on: dt.date | str | None = None,
                   open_only: bool = False, month: str | None = None, text: str | None = None,
                   violation: bool | None = None, fids: Iterable[int] | None = None,
                   with_geometry: bool = False, order: str = "fid", limit: int | None = None,
                   columns: Iterable[str] | None = None) -> list[dict]:
        """Cases matching all given filters.  ``overdue_on`` = open cases whose stage deadline is before
        that date; ``month`` = found in ``yyyy-mm``; ``text`` searches numbers, party, township, village.
        ``columns``: only these case columns (plus fid), e.g. ``LIST_COLUMNS`` for listings."""
        where, params = [], []
        if stage:
            where.append("stage = ?")
            params.append(stage)
        if township:
            where.append("township = ?")
            params.append(township)
        if source:
            where.append("source = ?")
            params.append(source)
        if department:
            where.append("department = ?")
            params.append(department)
        if overdue_on:
            where.append("is_open = 1 AND stage_due < ?")
            params.append(parse_date(overdue_on).isoformat())
        elif open_only:
            where.append("is_open = 1")
        if month:
            start, end = month_range(month)
            where.append("found_date >= ? AND found_date < ?")
            params += [start.isoformat(), end.isoformat()]
        if violation is not None:
            where.append("violation = ?")
            params.append(1 if violation else 0)
        if text:
            like = f"%{text.strip().lower()}%"
            # the id as delivered too: a conflict case (same id, other geometry) has no patch_id of its own
            given = " OR lower(coalesce(given_patch_id,'')) LIKE ?" if "given_patch_id" in self._columns else ""
            where.append("(lower(case_no) LIKE ? OR lower(coalesce(patch_id,'')) LIKE ? OR coalesce(party,'') LIKE ?"
                         " OR coalesce(township,'') LIKE ? OR coalesce(village,'') LIKE ? OR coalesce(note,'') LIKE ?"
                         f"{given})")
            params += [like] * (7 if given else 6)
        if fids is not None:
            ids = [int(f) for f in fids]
            if not ids:
                return []
            where.append(f"fid IN ({','.join('?' * len(ids))})")
            params += ids
        sql = self._select(with_geometry, columns)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {_order_by(order)}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        cur = self.conn.cursor()
        try:
            return self._fetch(cur, sql, params)
        finally:
            cur.close()

    def count_cases(self) -> int:
        cur = self.conn.cursor()
        try:
            self.x(cur, f'SELECT COUNT(*) FROM "{CASES}"')  # nosec B608
            return int(cur.fetchone()[0])
        finally:
            cur.close()

    def distinct_values(self, column: str) -> list[str]:
        """Sorted distinct non-empty values of a case column (for filter lists)."""
        if column not in COLUMN_NAMES:
            raise KeyError(column)
        cur = self.conn.cursor()
        try:
            self.x(cur, f'SELECT DISTINCT "{column}" FROM "{CASES}" WHERE "{column}" IS NOT NULL ORDER BY 1')  # nosec B608
            return [str(r[0]) for r in cur.fetchall() if r[0] not in ("", None)]
        finally:
            cur.close()

    def count_overdue(self, today=None) -> int:
        """Number of open cases whose stage deadline is before ``today`` (uses ix_cases_open_due)."""
        day = parse_date(today) or dt.date.today()
        cur = self.conn.cursor()
        try:
            self.x(cur, f'SELECT COUNT(*) FROM "{CASES}" WHERE is_open = 1 AND stage_due < ?',  # nosec B608
                   (day.isoformat(),))
            return int(cur.fetchone()[0])
        finally:
            cur.close()

    def history(self, ref) -> list[dict]:
        """The append-only history of a case, oldest first."""
        case = self.get_case(ref)
        cur = self.conn.cursor()
        try:
            rows = self._fetch(cur, f'SELECT * FROM "{HISTORY}" WHERE case_fid = ? ORDER BY fid',  # nosec B608
                               (case["fid"],))
        finally:
            cur.close()
        for r in rows:
            r["changes"] = json.loads(r["changes"]) if r.get("changes") else {}
        return rows

    def status(self, case: dict, today: dt.date | str | None = None):
        return evaluate(case, parse_date(today) or dt.date.today(), self.workflow)

    # -- writing: helpers ---------------------------------------------------------
    def _history(self, cur, case: dict, version: int, action: str, from_stage, to_stage, event_date,
                 actor: str, note: str, changes: dict) -> None:
        self.x(cur, f'INSERT INTO "{HISTORY}" (case_fid, case_no, version, action, from_stage, to_stage, event_date,'
                    f' actor, note, changes, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)',  # nosec B608
               (case["fid"], case["case_no"], version, action, from_stage, to_stage,
                event_date.isoformat() if isinstance(event_date, dt.date) else event_date, actor, note or "",
                json.dumps(changes, ensure_ascii=False, default=str), self.dialect.now_value()))

    def _update(self, cur, case: dict, changes: dict, actor: str, expected_version: int) -> int:
        """Write ``changes`` to a case under optimistic locking; returns the new version."""
        now = self.dialect.now_value()
        unknown = set(changes) - _CASE_COLUMNS
        if unknown:
            raise KeyError(f"台账没有字段：{'、'.join(sorted(map(str, unknown)))}")
        sets = ", ".join(f'"{c}" = ?' for c in changes) + (", " if changes else "")
        values = [self._db_value(c, v) for c, v in changes.items()]
        self.x(cur, f'UPDATE "{CASES}" SET {sets}version = version + 1, updated_at = ?, updated_by = ?'
                    f' WHERE fid = ? AND version = ?',  # nosec B608
               values + [now, actor, case["fid"], expected_version])
        if cur.rowcount != 1:
            self._raise_conflict(cur, case, expected_version)
        return expected_version + 1

    def _raise_conflict(self, cur, case: dict, expected_version: int) -> None:
        self.x(cur, f'SELECT version, updated_by, updated_at FROM "{CASES}" WHERE fid = ?',  # nosec B608
               (case["fid"],))
        row = cur.fetchone()
        if row is None:
            raise ConflictError(f"案件 {case['case_no']} 已不存在（可能已被他人删除）")
        updated_at = row[2].isoformat() if isinstance(row[2], dt.datetime) else row[2]
        raise ConflictError(
            f"案件 {case['case_no']} 已被 {row[1] or '他人'} 于 {updated_at} 修改（当前版本 {row[0]}，"
            f"您读取的是版本 {expected_version}），为避免覆盖他人修改，本次操作未保存；请刷新后重试")

    @staticmethod
    def _db_value(column: str, value):
        if column in DATE_COLUMNS:
            if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
                return value   # already ISO (the common case): skip parsing
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value.isoformat()
            d = parse_date(value)
            return d.isoformat() if d else None
        return value

    def _lock_case(self, cur, ref) -> dict:
        if isinstance(ref, int):
            rows = self._fetch(cur, self._select(False) + " WHERE fid = ?" + self.dialect.for_update, (ref,))
        else:
            rows = self._fetch(cur, self._select(False) + " WHERE case_no = ? OR patch_id = ?"
                               + self.dialect.for_update, (str(ref), str(ref)))
        if not rows:
            raise KeyError(f"台账 {self.description} 中没有案件“{ref}”")
        return rows[0]

    # -- writing: registration --------------------------------------------------
    def register_cases(self, records: Iterable[dict], *, source: str = "卫片", found_date=None, actor: str = "",
                       stage: str | None = None, close_not_violations: bool = True,
                       feedback: Feedback | None = None, total: int | None = None) -> RegistrationResult:
        """Create one case per record (a dict of case columns plus ``geom`` as WKB) in ONE transaction.

        Patch identity (图斑标识): the monitoring id as delivered (``given_patch_id`` when the record has it,
        e.g. the JCBH beside the overlay's ``patch_id``, else ``patch_id``) together with the geometry.
        A record whose id is already registered with the same geometry (within ``GEOMETRY_TOLERANCE``) is
        skipped (re-running adds nothing); the same id with a different geometry is a conflict: registered as
        a case of its own without ``patch_id`` (``id_note`` names the other cases) and reported — never
        skipped.  A record without id is registered by its geometry.  ``patch_key`` never holds a string that
        a monitoring id could equal: ``id:<id>``, ``geom:<hash>`` or ``row:<batch>:<row>``.
        ``close_not_violations``: records with ``violation = 0`` are registered (they count in the
        denominator of 违法占耕比) and closed at 快速认定 with the desk determination as the proof.
        """
        fb = ensure_feedback(feedback)
        wf = self.workflow
        if source not in wf.source_names():
            raise WorkflowError(f"未知的问题来源“{source}”；可用：{'、'.join(wf.source_names())}")
        stage = stage or wf.default_initial_stage
        if stage not in wf.initial_stages:
            raise WorkflowError(f"新案件只能从 {'、'.join(wf.initial_stages)} 阶段开始，不能从“{stage}”开始")
        found_default = _day(found_date, "发现/登记日期")
        result = RegistrationResult()
        records = list(records)
        total = total or len(records) or 1
        insert_cols = [c for c in COLUMN_NAMES]
        # ON CONFLICT without a target: neither patch_id nor patch_key may be inserted twice (another
        # process registering the same batch at the same moment)
        ins_sql = (f'INSERT INTO "{CASES}" ({", ".join(chr(34) + c + chr(34) for c in insert_cols)}, geom) VALUES '
                   f'({", ".join("?" * len(insert_cols))}, {self.dialect.geom_insert(self.srid)}) '
                   f'ON CONFLICT DO NOTHING RETURNING fid')  # nosec B608
        extent = None
        with self.transaction() as cur:
            todo, skipped = self._identify(cur, records)
            result.skipped.extend(skipped)
            # case numbers: one counter row per year, bumped under the transaction's lock
            seq = self._allocate(cur, found_default.year, len(todo)) if todo else 0
            prefix = wf.options.get("case_no_prefix", "LW")
            now = self.dialect.now_value()
            numbers = [item.rec.get("case_no") or f"{prefix}{found_default.year}-{seq + i:06d}"
                       for i, item in enumerate(todo)]
            for i, item in enumerate(todo):
                pid, rec = item.patch_id, item.rec
                if i % 500 == 0:
                    check_canceled(fb)
                    fb.set_progress(100.0 * i / total)
                found = check_plausible_date(parse_date(rec.get("found_date")), "发现日期") or found_default
                case = {c: None for c in COLUMN_NAMES}
                case.update({k: v for k, v in rec.items() if k in EDITABLE or k in ("patch_id",)})
                case["patch_id"] = pid
                case["case_no"] = numbers[i]
                case["patch_key"] = item.key
                case["given_patch_id"] = item.given or ""
                note = item.note(numbers)
                case["id_note"] = note or None
                case["source"] = rec.get("source") or source
                case["stock_kind"] = rec.get("stock_kind") or "增量"
                if case["stock_kind"] not in wf.stock_kinds():
                    raise WorkflowError(f"案件 {case['case_no']}：存量/增量 应为 {'、'.join(wf.stock_kinds())}，"
                                        f"而不是“{case['stock_kind']}”")
                if case.get("violation") is not None:
                    case["violation"] = 1 if int(case["violation"]) else 0
                case["found_date"] = found.isoformat()
                case["dispose_due"] = wf.disposal_due(found).isoformat()
                case.update(self._enter_stage(stage, found))
                for flag in ("party_official", "found_late", "accountability", "referral_required"):
                    case[flag] = int(case.get(flag) or 0)
                case.update(created_at=now, created_by=actor, updated_at=now, updated_by=actor, version=1)
                wkb = rec.get("geom")
                env = None
                if wkb is not None:
                    wkb, env = _as_multipolygon_wkb(wkb)
                    if env:
                        extent = env if extent is None else (min(extent[0], env[0]), min(extent[1], env[1]),
                                                             max(extent[2], env[2]), max(extent[3], env[3]))
                dbvals = [self._db_value(c, case[c]) for c in insert_cols]
                values = dbvals + [self.dialect.geom_value(wkb, self.srid, env)]
                self.x(cur, ins_sql, values)
                row = cur.fetchone()
                if row is None:   # inserted meanwhile by someone else: idempotent all the same
                    result.skipped.append(item.label)
                    continue
                case["fid"] = int(row[0])
                history_note = rec.get("history_note") or f"发现报告：来源 {case['source']}"
                self._history(cur, case, 1, "create", None, stage, found, actor,
                              f"{history_note}；{note}" if note else history_note,
                              {c: [None, v] for c, v in zip(insert_cols, dbvals) if v is not None})
                result.added.append(case["case_no"])
                if item.conflict_with:
                    result.conflicts.append((case["case_no"], item.given, item.others(numbers)))
                elif not item.given:
                    result.no_id.append(case["case_no"])
                if note:
                    result.messages.append(f"案件 {case['case_no']}：{note}")
                if close_not_violations and case.get("violation") == 0 and stage != wf.final_stage:
                    changes = self._transition_changes(case, wf.final_stage, found,
                                                       "内业认定不属于违法用地违法建设", {})
                    version = self._update(cur, case, changes, actor or "系统", 1)
                    self._history(cur, case, version, "advance", stage, wf.final_stage, found, actor or "系统",
                                  f"认定不属于违法用地违法建设：{case.get('determination') or '内业认定'}",
                                  _diff(case, changes))
                    result.closed.append(case["case_no"])
            self.dialect.touch_contents(cur, CASES, self._extent(cur, extent))
        if len(result.added) >= 1000:
            self.analyze()   # fresh statistics, so the planners pick the indexes after a bulk load
        fb.set_progress(100.0)
        return result

    def _tolerance(self) -> float:
        """Distance within which two geometries of one monitoring id are the same patch (register CRS units)."""
        if self._geographic is None:
            try:
                from osgeo import osr

                srs = osr.SpatialReference()
                self._geographic = srs.ImportFromEPSG(int(self.srid)) == 0 and bool(srs.IsGeographic())
            except Exception:  # noqa: BLE001 - without GDAL assume a projected CRS in metres
                self._geographic = False
        return GEOMETRY_TOLERANCE_DEG if self._geographic else GEOMETRY_TOLERANCE_M

    def _identify(self, cur, records: list[dict]) -> tuple[list[_Intake], list[str]]:
        """(records to register with their patch key and id note, labels of the records already registered);
        the rules are register_cases's.  Reads the ids and, for repeated ids, the geometries once."""
        tol = self._tolerance()
        key_col = "patch_key" in self._columns
        cols = "fid, case_no, patch_id" + (", given_patch_id, patch_key" if key_col else "")
        self.x(cur, f'SELECT {cols} FROM "{CASES}"')  # nosec B608
        by_id: dict[str, list[int]] = {}
        keys: set[str] = set()
        numbers: dict[int, str] = {}
        for row in cur.fetchall():
            fid, case_no, patch_id = row[0], row[1], row[2]
            given = (row[3] if key_col else None)
            given = patch_id if given is None else given   # rows of schema 3 and before: the id as registered
            key = (row[4] if key_col else None) or (f"id:{patch_id}" if patch_id is not None else None)
            if key:
                keys.add(key)
            if given:
                by_id.setdefault(str(given), []).append(fid)
            numbers[fid] = case_no
        items: list[_Intake] = []
        for row_no, rec in enumerate(records, start=1):
            given = _id_text(rec["given_patch_id"] if "given_patch_id" in rec else rec.get("patch_id"))
            wkb = rec.get("geom")
            geom = _shape(wkb) if wkb is not None else None
            items.append(_Intake(rec, given, geom, row_no))
        # geometries of the registered cases whose id comes again
        wanted = sorted({fid for it in items if it.given for fid in by_id.get(it.given, ())})
        shapes: dict[int, object] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            self.x(cur, f'SELECT fid, {self.dialect.geom_select("geom")} FROM "{CASES}"'  # nosec B608
                        f' WHERE fid IN ({",".join("?" * len(chunk))})', chunk)
            for fid, g in cur.fetchall():
                raw = self.dialect.geom_wkb(g)
                shapes[fid] = _shape(raw) if raw is not None else None
        batch = None
        todo: list[_Intake] = []
        seen: dict[str, list[_Intake]] = {}
        batch_keys: set[str] = set()
        for it in items:
            if it.given:
                registered = [(numbers[f], shapes.get(f)) for f in by_id.get(it.given, ())]
                earlier = seen.get(it.given, [])
                if any(_same_patch(it.geom, g, tol) for _, g in registered) or \
                        any(_same_patch(it.geom, e.geom, tol) for e in earlier):
                    self._skip(it)
                    continue
                if not registered and not earlier:
                    it.patch_id, it.key = it.given, f"id:{it.given}"
                else:
                    it.conflict_with = [n for n, _ in registered] + [e.index for e in earlier]
                seen.setdefault(it.given, []).append(it)
            if it.key is None:
                if it.geom is not None and not it.geom.is_empty:
                    it.key = "geom:" + _geometry_digest(it.given or "", it.geom, tol)
                else:
                    batch = batch or _batch_digest(items)
                    it.key = f"row:{batch}:{it.row}"
                if it.key in keys or it.key in batch_keys:
                    self._skip(it)
                    continue
            batch_keys.add(it.key)
            it.index = len(todo)
            todo.append(it)
        return todo, [it.label for it in items if it.skipped]

    @staticmethod
    def _skip(it: _Intake) -> None:
        it.skipped = True

    def analyze(self) -> None:
        """Refresh the query planner's statistics of the case tables."""
        cur = self.conn.cursor()
        try:
            for table in (CASES, HISTORY):
                self.x(cur, f'ANALYZE "{table}"')
        finally:
            cur.close()

    def _extent(self, cur, new_extent):
        if new_extent is None or self.dialect.name != "gpkg":
            return None
        cur.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", (CASES,))
        row = cur.fetchone()
        if row and row[0] is not None:
            return (min(row[0], new_extent[0]), min(row[1], new_extent[1]),
                    max(row[2], new_extent[2]), max(row[3], new_extent[3]))
        return new_extent

    def _allocate(self, cur, year: int, n: int) -> int:
        name = f"case_no_{year}"
        self.x(cur, "INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (name,))
        self.x(cur, "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value", (n, name))
        last = int(cur.fetchone()[0])
        return last - n + 1

    def _enter_stage(self, stage: str, day: dt.date) -> dict:
        wf = self.workflow
        due = wf.stage_due(stage, day)
        out = {"stage": stage, "stage_started": day.isoformat(), "stage_due": due.isoformat() if due else None,
               "stage_role": wf.stage(stage).role, "is_open": 0 if stage == wf.final_stage else 1}
        column = {"快速认定": "identify_due", "拆除整治": "rectify_due", "监督检查": "inspect_due"}.get(stage)
        if column:
            out[column] = out["stage_due"]
        if stage == wf.final_stage:
            out["closed_date"] = day.isoformat()
            out["stage_due"] = None
        return out

    # -- writing: transitions -----------------------------------------------------
    def _transition_changes(self, case: dict, target: str, day: dt.date, note: str, fields: dict) -> dict:
        """The column changes of moving ``case`` to ``target`` on ``day`` (raises WorkflowError if illegal)."""
        wf = self.workflow
        source = case["stage"]
        violation = fields.get("violation", case.get("violation"))
        violation = None if violation is None else bool(int(violation))
        t = wf.check_transition(case["case_no"], source, target, violation)
        started = parse_date(case.get("stage_started"))
        if started and day < started:
            raise WorkflowError(f"案件 {case['case_no']}：处置日期 {day} 早于本阶段（{source}）开始日期 {started}")
        bad = set(fields) - EDITABLE
        if bad:
            raise WorkflowError(f"案件 {case['case_no']}：不能通过阶段转换修改字段 {'、'.join(sorted(bad))}")
        changes = dict(fields)
        if t.requires == "not_violation":
            if not (note or "").strip():
                raise WorkflowError(f"案件 {case['case_no']} 认定不属于违法须填写证明说明（备注）")
            changes["violation"] = 0
            if not case.get("determination_code") or case.get("determination_code") != "not_violation":
                changes.setdefault("determination_code", "not_violation")
                changes.setdefault("determination", "不属于违法用地违法建设")
        elif t.requires == "violation" and case.get("violation") is None:
            changes["violation"] = 1
        kind = changes.get("disposal_kind", case.get("disposal_kind"))
        if kind and kind not in wf.disposal_kinds():
            raise WorkflowError(
                f"案件 {case['case_no']}：处置方式应为 {'、'.join(wf.disposal_kinds())}，而不是“{kind}”")
        if source == "拆除整治" and target == "监督检查":
            if not kind:
                changes["disposal_kind"] = kind = "拆除"
            if kind == "拆除" and changes.get("demolished_m2", case.get("demolished_m2")) is None:
                changes["demolished_m2"] = case.get("area_m2")   # 整体拆除: the case's area unless given
        dem = changes.get("demolished_m2")
        if dem is not None and float(dem) < 0:
            raise WorkflowError(f"案件 {case['case_no']}：拆除面积不能为负数")
        changes.update(self._enter_stage(target, day))
        changes.update(self._served_deadline(case, target, changes))
        # 效能问责: the stage's deadline was missed
        due = parse_date(case.get("stage_due"))
        if due is not None and day > due:
            role = wf.stage(source).role
            entry = f"{source}超期{(day - due).days}天（{role}）"
            changes["accountability"] = 1
            changes["accountability_note"] = _join(case.get("accountability_note"), entry)
            if source == "拆除整治" and case.get("stock_kind") != "存量":
                changes.update(self._referral(case, "未按时限整改到位",
                                              wf.referral_due("days_not_rectified", due)))
        if fields.get("penalty_date") and int(fields.get("party_official", case.get("party_official")) or 0):
            changes.update(self._referral(case, "当事人为党员干部/公职人员",
                                          wf.referral_due("days_after_penalty_official",
                                                          parse_date(fields["penalty_date"]))))
        return {k: v for k, v in changes.items() if _norm(case.get(k)) != _norm(self._db_value(k, v))}

    def _served_deadline(self, case: dict, target: str, changes: dict) -> dict:
        """Deadlines run from service: a case entering 拆除整治 after its 责令限期整改通知书 was served takes
        the notice's 期限届满日 as its stage deadline, not the stage's days (served.py)."""
        from .served import RECTIFY_STAGE, rectify_from_service, served_notice_due

        if target != RECTIFY_STAGE:
            return {}
        cur = self.conn.cursor()
        try:
            due = served_notice_due(self, cur, case)
        finally:
            cur.close()
        return rectify_from_service({**case, **changes}, due, target)

    @staticmethod
    def _referral(case: dict, reason: str, due: dt.date) -> dict:
        reasons = [r for r in str(case.get("referral_reason") or "").split("；") if r]
        old_due = parse_date(case.get("referral_due"))
        if reason not in reasons:
            reasons.append(reason)
        return {"referral_required": 1, "referral_reason": "；".join(reasons),
                "referral_due": min(d for d in (old_due, due) if d is not None).isoformat()}

    def advance(self, ref, target: str, date=None, actor: str = "", note: str = "",
                expected_version: int | None = None, **fields) -> dict:
        """Move one case to ``target`` (with date, actor, note) in its own transaction; returns the new row.

        ``expected_version``: the version the user read; a different current version → ConflictError.
        ``fields``: editable columns set with the transition (disposal_kind, demolished_m2, …).
        """
        day = _day(date, "处置日期")
        _require_actor(actor, target)
        with self.transaction() as cur:
            case = self._lock_case(cur, ref)
            self._advance_locked(cur, case, target, day, actor, note, expected_version, fields)
        return self.get_case(case["fid"])

    def _advance_locked(self, cur, case, target, day, actor, note, expected_version, fields) -> int:
        version = case["version"] if expected_version is None else int(expected_version)
        if version != case["version"]:
            self._raise_conflict(cur, case, version)
        self._require_verification(cur, case, target)
        changes = self._transition_changes(case, target, day, note, fields)
        new_version = self._update(cur, case, changes, actor, version)
        self._history(cur, case, new_version, "advance", case["stage"], target, day, actor, note, _diff(case, changes))
        return new_version

    def _require_verification(self, cur, case: dict, target: str) -> None:
        """Refuse a violation finding without an on-site check on record (workflow.toml [verification])."""
        if not self.workflow.needs_verification(case, target):
            return
        if self.dialect.table_exists(cur, VERIFICATIONS):
            self.x(cur, f'SELECT 1 FROM "{VERIFICATIONS}" WHERE case_fid = ? LIMIT 1', (case["fid"],))  # nosec B608
            if cur.fetchone() is not None:
                return
        raise WorkflowError(
            f"案件 {case['case_no']}（{case.get('source') or ''}）尚无外业核查记录，不能转入“{target}”："
            "监测图斑只是线索（自然资发〔2023〕258号），须先外业核查举证（外业核查包导入 liangwei:importfieldpackage）"
            "再认定；本局另有规定的，可在流程配置 workflow.toml 的 [verification] 中调整")

    def advance_many(self, refs: Iterable, target: str, date=None, actor: str = "", note: str = "",
                     fields: dict | None = None, atomic: bool = True, feedback: Feedback | None = None,
                     expected_versions: dict | None = None,
                     after_each: Callable[[int], None] | None = None) -> AdvanceResult:
        """Move many cases to ``target``.  Illegal transitions are refused (listed, nothing written
        for them); ``atomic`` = all accepted cases in ONE transaction (a crash writes none of them),
        otherwise one transaction per case.  Conflicts abort an atomic batch."""
        fb = ensure_feedback(feedback)
        refs = list(refs)
        day = _day(date, "处置日期")
        _require_actor(actor, target)
        fields = dict(fields or {})
        result = AdvanceResult()

        def one(cur, ref):
            case = self._lock_case(cur, ref)
            try:
                self._advance_locked(cur, case, target, day, actor, note,
                                     (expected_versions or {}).get(case["fid"]), fields)
            except WorkflowError as exc:
                result.refused.append((case["case_no"], str(exc)))
                return
            result.advanced.append(case["case_no"])

        if atomic:
            with self.transaction() as cur:
                for i, ref in enumerate(refs):
                    check_canceled(fb)
                    one(cur, ref)
                    fb.set_progress(100.0 * (i + 1) / max(1, len(refs)))
                    if after_each:
                        after_each(i)
                self.dialect.touch_contents(cur, CASES)
        else:
            for i, ref in enumerate(refs):
                check_canceled(fb)
                with self.transaction() as cur:
                    one(cur, ref)
                fb.set_progress(100.0 * (i + 1) / max(1, len(refs)))
                if after_each:
                    after_each(i)
        for _case_no, message in result.refused:
            fb.warning(message)
        if len(result.advanced) >= 1000:
            self.analyze()
        return result

    def update_case(self, ref, changes: dict, actor: str = "", note: str = "",
                    expected_version: int | None = None, date=None) -> dict:
        """Change editable attributes (not the stage) of a case, with history."""
        bad = set(changes) - EDITABLE
        if bad:
            raise WorkflowError(f"字段 {'、'.join(sorted(bad))} 不能直接修改（阶段只能通过处置流程转换）")
        for column in sorted(set(changes) & DATE_COLUMNS):   # 处罚决定日期 9999-12-31 would date a referral
            check_plausible_date(parse_date(changes[column]), COLUMN_LABELS.get(column, column))
        day = _day(date, "修改日期")
        with self.transaction() as cur:
            case = self._lock_case(cur, ref)
            version = case["version"] if expected_version is None else int(expected_version)
            if version != case["version"]:
                self._raise_conflict(cur, case, version)
            changes = {k: v for k, v in changes.items() if _norm(case.get(k)) != _norm(self._db_value(k, v))}
            if changes.get("penalty_date") and int(changes.get("party_official", case.get("party_official")) or 0):
                changes.update(self._referral(case, "当事人为党员干部/公职人员", self.workflow.referral_due(
                    "days_after_penalty_official", parse_date(changes["penalty_date"]))))
            if changes.get("found_late") and case.get("stock_kind") != "存量":
                changes.update(self._referral(case, "未及时发现", self.workflow.referral_due(
                    "days_not_found_in_time", parse_date(case["found_date"]))))
            if not changes:
                return case
            new_version = self._update(cur, case, changes, actor, version)
            action = "referral" if "referred_date" in changes else "update"
            self._history(cur, case, new_version, action, case["stage"], case["stage"], day, actor, note,
                          _diff(case, changes))
        return self.get_case(case["fid"])

    def flag_overdue(self, today=None, actor: str = "系统") -> list[str]:
        """效能问责检查: mark every open case whose stage deadline has passed (one history row each,
        once per stage), and the referral due date for new cases not rectified in time."""
        day = _day(today, "检查日期")
        flagged = []
        with self.transaction() as cur:
            rows = self._fetch(cur, self._select(False) + " WHERE is_open = 1 AND stage_due < ?"
                               + self.dialect.for_update, (day.isoformat(),))
            for case in rows:
                wf = self.workflow
                role = wf.stage(case["stage"]).role
                due = parse_date(case["stage_due"])
                entry = f"{case['stage']}超期（{role}，期限 {due}）"
                if entry in str(case.get("accountability_note") or ""):
                    continue
                changes = {"accountability": 1, "accountability_note": _join(case.get("accountability_note"), entry)}
                if case["stage"] == "拆除整治" and case.get("stock_kind") != "存量":
                    changes.update(self._referral(case, "未按时限整改到位", wf.referral_due("days_not_rectified", due)))
                for reason, rule_due in rule_referrals(case, day, wf):   # workflow.toml [[referral.rule]]
                    changes.update(self._referral({**case, **changes}, reason, rule_due))
                version = self._update(cur, case, changes, actor, case["version"])
                self._history(cur, case, version, "flag", case["stage"], case["stage"], day, actor,
                              f"效能问责：{entry}，由{wf.accountability_role}处理", _diff(case, changes))
                flagged.append(case["case_no"])
        return flagged

    # -- grid check-ins (网格零报告) ----------------------------------------------
    def add_grid_unit(self, unit_code: str, unit_name: str, township: str = "", village: str = "",
                      kind: str = "村居", reporter: str = "", active_from=None) -> None:
        """Add (or update) a grid unit (网格单元: 村居 or 小区); it must report daily from ``active_from``."""
        start = check_plausible_date(parse_date(active_from), "网格单元启用日期")
        with self.transaction() as cur:
            self.x(cur, f'INSERT INTO "{GRID_UNITS}" (unit_code, unit_name, township, village, kind, reporter, active,'
                        f' active_from, created_at) VALUES (?,?,?,?,?,?,1,?,?) ON CONFLICT (unit_code) DO UPDATE SET'
                        f' unit_name = excluded.unit_name, township = excluded.township, village = excluded.village,'
                        f' kind = excluded.kind, reporter = excluded.reporter, active = 1,'
                        f' active_from = excluded.active_from',  # nosec B608
                   (unit_code, unit_name, township, village, kind, reporter, start.isoformat() if start else None,
                    self.dialect.now_value()))

    def grid_units(self, active_only: bool = True) -> list[dict]:
        cur = self.conn.cursor()
        try:
            return self._fetch(cur, f'SELECT * FROM "{GRID_UNITS}"'  # nosec B608
                               + (" WHERE active = 1" if active_only else "") + " ORDER BY unit_code")
        finally:
            cur.close()

    def submit_grid_report(self, unit_code: str, report_date, reporter: str = "", case_nos: Iterable[str] = (),
                           note: str = "") -> dict:
        """One unit's daily report: the cases it found that day, or a 零报告 when none."""
        day = _day(report_date, "报告日期")
        case_nos = [c for c in case_nos if c]
        with self.transaction() as cur:
            self.x(cur, f'SELECT 1 FROM "{GRID_UNITS}" WHERE unit_code = ?', (unit_code,))  # nosec B608
            if cur.fetchone() is None:
                raise WorkflowError(f"未登记的网格单元“{unit_code}”，请先添加网格单元")
            if not (reporter or "").strip():
                # 到岗到位: a daily report (零报告 included) that names nobody holds nobody to account
                raise WorkflowError(f"网格单元 {unit_code} {day} 的日报未填写巡查人员（报告人），不能提交")
            self.x(cur, f'SELECT 1 FROM "{GRID_REPORTS}" WHERE unit_code = ? AND report_date = ?',  # nosec B608
                   (unit_code, day.isoformat()))
            if cur.fetchone() is not None:
                raise WorkflowError(f"网格单元 {unit_code} 已提交 {day} 的日报，不能重复提交")
            self.x(cur, f'INSERT INTO "{GRID_REPORTS}" (unit_code, report_date, reporter, case_count, is_zero,'
                        f' case_nos, note, recorded_at) VALUES (?,?,?,?,?,?,?,?)',  # nosec B608
                   (unit_code, day.isoformat(), reporter, len(case_nos), 0 if case_nos else 1, "、".join(case_nos),
                    note or ("零报告" if not case_nos else ""), self.dialect.now_value()))
        return {"unit_code": unit_code, "report_date": day.isoformat(), "case_count": len(case_nos),
                "is_zero": not case_nos}

    def grid_reports(self, start=None, end=None) -> list[dict]:
        where, params = [], []
        if start:
            where.append("report_date >= ?")
            params.append(parse_date(start).isoformat())
        if end:
            where.append("report_date <= ?")
            params.append(parse_date(end).isoformat())
        cur = self.conn.cursor()
        try:
            return self._fetch(cur, f'SELECT * FROM "{GRID_REPORTS}"'  # nosec B608
                               + (" WHERE " + " AND ".join(where) if where else "")
                               + " ORDER BY report_date, unit_code", params)
        finally:
            cur.close()

    def missed_grid_reports(self, start, end=None) -> list[dict]:
        """(unit, day) pairs from ``start`` to ``end`` (inclusive) with neither a case report nor a 零报告."""
        first = parse_date(start)
        last = parse_date(end) or first
        done = {(r["unit_code"], r["report_date"]) for r in self.grid_reports(first, last)}
        missed = []
        day = first
        while day <= last:
            for u in self.grid_units():
                if u.get("active_from") and u["active_from"] > day.isoformat():
                    continue   # the unit did not report yet
                if (u["unit_code"], day.isoformat()) not in done:
                    missed.append({"unit_code": u["unit_code"], "unit_name": u["unit_name"],
                                   "township": u.get("township"), "reporter": u.get("reporter"),
                                   "date": day.isoformat()})
            day += dt.timedelta(days=1)
        return missed


# -- helpers ----------------------------------------------------------------------

def _order_by(order: str) -> str:
    """An ORDER BY list such as ``"found_date DESC, case_no"``: case columns or fid, each ASC or DESC."""
    terms = []
    for term in str(order).split(","):
        words = term.split()
        if not 1 <= len(words) <= 2 or words[0] not in _ORDER_COLUMNS or \
                (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise ValueError(f"不合法的排序“{order}”：应为台账字段名，可加 ASC/DESC，用逗号分隔")
        terms.append(" ".join([words[0]] + [w.upper() for w in words[1:]]))
    return ", ".join(terms)


def month_range(month: str) -> tuple[dt.date, dt.date]:
    """[first day, first day of next month) of ``yyyy-mm``."""
    try:
        y, m = (int(p) for p in str(month).strip().replace("/", "-").split("-")[:2])
        start = dt.date(y, m, 1)
    except (ValueError, TypeError) as exc:
        raise WorkflowError(f"月份“{month}”格式应为 yyyy-mm，例如 2026-11") from exc
    end = dt.date(y + (m == 12), m % 12 + 1, 1)
    return start, end


def _norm(v):
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def _diff(case: dict, changes: dict) -> dict:
    return {k: [_norm(case.get(k)), _norm(Register._db_value(k, v))] for k, v in changes.items()}


def _day(value, what: str) -> dt.date:
    """An event date given to the register (empty = today), refused when it cannot be meant (9999-12-31)."""
    return check_plausible_date(parse_date(value), what) or dt.date.today()


def _require_actor(actor: str, target: str) -> None:
    # every transition names who did it: that is what 效能问责 holds people to
    if not (actor or "").strip():
        raise WorkflowError(f"转到“{target}”须填写处置人")


def _join(old, entry: str) -> str:
    return f"{old}；{entry}" if old else entry


def _id_text(value) -> str | None:
    """A monitoring id as text (7.0 → "7"), None when empty."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if isinstance(value, float):
        if value != value:   # NaN
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None


def _shape(wkb):
    import shapely

    if hasattr(wkb, "geom_type"):
        return wkb
    try:
        return shapely.from_wkb(bytes(wkb))
    except Exception:  # noqa: BLE001 - unreadable WKB: _as_multipolygon_wkb names it when inserting
        return None


def _same_patch(a, b, tol: float) -> bool:
    """Whether two geometries of one monitoring id are the same patch (both absent counts as the same)."""
    import shapely

    a_empty = a is None or a.is_empty
    b_empty = b is None or b.is_empty
    if a_empty or b_empty:
        return a_empty and b_empty
    ax0, ay0, ax1, ay1 = a.bounds
    bx0, by0, bx1, by1 = b.bounds
    if max(abs(ax0 - bx0), abs(ay0 - by0), abs(ax1 - bx1), abs(ay1 - by1)) > tol:
        return False
    return float(shapely.hausdorff_distance(a, b)) <= tol


def _geometry_digest(given: str, geom, tol: float) -> str:
    """A hash of the id and the geometry snapped to the tolerance grid (the key of a case without an id of its
    own); the same patch delivered again hashes the same."""
    import shapely

    try:
        g = shapely.normalize(shapely.set_precision(geom, tol))
    except Exception:  # noqa: BLE001 - GEOS cannot snap it: hash the geometry as it is
        g = geom
    h = hashlib.sha1(given.encode("utf-8"), usedforsecurity=False)
    h.update(b"\x1f" + shapely.to_wkb(g, output_dimension=2))
    return h.hexdigest()[:24]


def _batch_digest(items: list[_Intake]) -> str:
    """A hash of the whole input (ids and geometries): identifies a record without id and geometry by batch and
    row, so that running the same batch again registers it once."""
    import shapely

    h = hashlib.sha1(usedforsecurity=False)
    for it in items:
        h.update((it.given or "").encode("utf-8") + b"\x1e")
        if it.geom is not None:
            h.update(shapely.to_wkb(it.geom, output_dimension=2))
        h.update(b"\x1d")
    return h.hexdigest()[:16]


def _as_multipolygon_wkb(wkb) -> tuple[bytes, tuple | None]:
    """(MultiPolygon WKB, (minx, miny, maxx, maxy) or None when empty) — the geometry is parsed once."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    g = wkb if hasattr(wkb, "geom_type") else shapely.from_wkb(bytes(wkb))
    if isinstance(g, Polygon):
        g = MultiPolygon([g])
    elif g.geom_type == "GeometryCollection":
        polys = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
        g = MultiPolygon([q for p in polys for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])])
    if g.geom_type != "MultiPolygon":
        raise WorkflowError(f"案件图形应为面（Polygon/MultiPolygon），而不是 {g.geom_type}")
    return shapely.to_wkb(g, output_dimension=2), (None if g.is_empty else tuple(g.bounds))


def open_register(target: str, **kwargs) -> Register:
    return Register(target, **kwargs)
