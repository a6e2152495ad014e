"""Thin SQL dialects for the register: GeoPackage (sqlite3) and PostgreSQL/PostGIS (psycopg2).

The register's code writes one SQL text with ``?`` placeholders; a dialect supplies what
differs: the connection, placeholders, column types, geometry encoding (GeoPackage binary
vs. ``ST_GeomFromWKB``), the GeoPackage metadata tables, and append-only triggers.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import struct
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..log import logger

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300        # GeoPackage 1.3


class RegisterOpenError(RuntimeError):
    """The register target cannot be opened or created (message names the target)."""


class RegisterAccessError(RegisterOpenError):
    """Reading or writing an open register failed (locked, read-only, damaged file, lost connection)."""


def sqlite_message(path: str, exc: BaseException, lock_timeout: float | None = None) -> str:
    """A Chinese sentence for a sqlite3 error on the register file ``path``."""
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        wait = f"{lock_timeout:g} 秒内" if lock_timeout else ""
        return (f"台账文件 {path} 被其他程序锁定（正在写入），{wait}未释放：请稍后重试，"
                "或关闭正在编辑该台账的 QGIS 图层/程序")
    if "readonly" in low or "read-only" in low or "permission" in low:
        return f"台账文件 {path} 是只读的（文件或所在文件夹没有写权限），无法写入：请检查文件属性和权限"
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return f"{path} 不是有效的 GeoPackage/SQLite 文件（文件已损坏或并非台账）：{text}"
    if "unable to open" in low:
        return f"无法打开台账文件 {path}（路径不存在或没有访问权限）：{text}"
    if "disk" in low and ("full" in low or "i/o" in low):
        return f"写入台账文件 {path} 失败（磁盘已满或读写错误），本次操作未保存：{text}"
    return f"访问台账文件 {path} 失败：{text}"


# -- SQL identifiers ------------------------------------------------------------------
# Values always go to the database as bound parameters.  Names (tables, columns, triggers, the
# PostgreSQL schema) cannot be bound: every name formatted into SQL passes ident() first, which
# accepts plain ASCII identifiers only, so a name can neither close its "quotes" nor a '...' literal.
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ident(name: str) -> str:
    """``name`` unchanged if it is a plain SQL identifier (ASCII letters, digits, ``_``), else ValueError."""
    if not isinstance(name, str) or len(name) > 63 or not _IDENT.fullmatch(name):
        raise ValueError(f"不合法的 SQL 标识符：{name!r}")
    return name


def quote_ident(name: str) -> str:
    """``"name"`` for a name checked by :func:`ident`."""
    return f'"{ident(name)}"'


# -- GeoPackage geometry binary ------------------------------------------------------

def wkb_envelope(wkb: bytes) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a WKB geometry, None when empty."""
    import shapely

    g = shapely.from_wkb(wkb)
    if g.is_empty:
        return None
    minx, miny, maxx, maxy = g.bounds
    return (minx, maxx, miny, maxy)


def gpkg_blob(wkb: bytes | None, srs_id: int, bounds: tuple | None = None) -> bytes | None:
    """GeoPackage geometry blob (header 'GP', version 0, little-endian, xy envelope) around ISO WKB.

    ``bounds`` (minx, miny, maxx, maxy) when the caller has them already (saves parsing the WKB)."""
    if wkb is None:
        return None
    env = (bounds[0], bounds[2], bounds[1], bounds[3]) if bounds else wkb_envelope(wkb)
    if env is None:
        flags = 0b00010001  # empty, no envelope, little endian
        return b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id) + bytes(wkb)
    flags = 0b00000011      # envelope [minx,maxx,miny,maxy], little endian
    return b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id) + struct.pack("<4d", *env) + bytes(wkb)


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_header(blob: bytes) -> tuple[int, bool, tuple | None]:
    """(header length, empty flag, envelope or None) of a GeoPackage blob."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("不是 GeoPackage 几何数据")
    flags = blob[3]
    little = flags & 1
    env_kind = (flags >> 1) & 0b111
    n = _ENVELOPE_BYTES.get(env_kind, 0)
    env = None
    if n:
        fmt = ("<" if little else ">") + "4d"
        env = struct.unpack(fmt, blob[8:40])
    return 8 + n, bool(flags & 0b10000), env


def gpkg_wkb(blob: bytes | None) -> bytes | None:
    if blob is None:
        return None
    size, _, _ = gpkg_header(bytes(blob))
    return bytes(blob[size:])


def _st_is_empty(blob):
    if blob is None:
        return None
    return 1 if gpkg_header(bytes(blob))[1] else 0


def _st_bound(index):
    def f(blob):
        if blob is None:
            return None
        blob = bytes(blob)
        _, empty, env = gpkg_header(blob)
        if empty:
            return None
        if env is None:
            env = wkb_envelope(gpkg_wkb(blob))
        return env[index] if env else None
    return f


# -- dialects -----------------------------------------------------------------------

class Dialect:
    name = ""
    types: dict[str, str] = {}
    begin_sql = "BEGIN"
    for_update = ""
    readonly = False

    def sql(self, text: str) -> str:
        return text

    def error_message(self, exc: BaseException) -> str | None:
        return None

    def lock_schema(self, cur) -> None:
        pass

    def column_type(self, generic: str) -> str:
        return self.types[generic]

    def now_value(self):
        raise NotImplementedError

    def date_value(self, value: dt.date | None):
        return value.isoformat() if value is not None else None


class GpkgDialect(Dialect):
    """GeoPackage 1.3 through the standard library's sqlite3."""

    name = "gpkg"
    types = {"TEXT": "TEXT", "INTEGER": "INTEGER", "REAL": "REAL", "DATE": "DATE", "DATETIME": "DATETIME"}
    pk = "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
    # IMMEDIATE takes the write lock at BEGIN: two writers queue instead of dead-locking on upgrade.
    begin_sql = "BEGIN IMMEDIATE"

    #: seconds a writer waits for another one's lock before giving up with a message
    lock_timeout = 60.0

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = str(path)
        self.description = self.path
        self.readonly = readonly

    def connect(self):
        new = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        if self.readonly and not os.path.isfile(self.path):
            raise RegisterOpenError(f"台账文件不存在：{self.path}（请检查路径；只读取台账的功能不会新建台账）")
        if self.readonly and new:
            raise RegisterOpenError(f"{self.path} 是空文件，不是案件台账")
        if new:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegisterOpenError(f"无法创建台账文件夹 {Path(self.path).parent}：{exc.strerror or exc}") from exc
        try:
            if self.readonly:
                conn = sqlite3.connect(Path(self.path).resolve().as_uri() + "?mode=ro", uri=True,
                                       timeout=self.lock_timeout, isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(self.path, timeout=self.lock_timeout, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise RegisterOpenError(sqlite_message(self.path, exc)) from exc
        conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
        for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
            conn.create_function(name, 1, _st_bound(i), deterministic=True)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
            if not new:
                app = conn.execute("PRAGMA application_id").fetchone()[0]
                if app not in (GPKG_APPLICATION_ID, 0):
                    raise RegisterOpenError(f"{self.path} 不是 GeoPackage 文件")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()   # a damaged file fails here
        except sqlite3.Error as exc:
            conn.close()
            raise RegisterOpenError(sqlite_message(self.path, exc, self.lock_timeout)) from exc
        except RegisterOpenError:
            conn.close()
            raise
        return conn

    def error_message(self, exc: BaseException) -> str | None:
        """A Chinese sentence for a database error of this dialect, None when ``exc`` is not one."""
        if isinstance(exc, sqlite3.Error):
            return sqlite_message(self.path, exc, self.lock_timeout)
        return None

    def lock_schema(self, cur) -> None:
        """Serialise schema creation/migration between processes (BEGIN IMMEDIATE already does)."""

    def now_value(self):
        return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"

    def geom_insert(self, srid: int) -> str:
        return "?"

    def geom_value(self, wkb: bytes | None, srid: int, bounds: tuple | None = None):
        return gpkg_blob(wkb, srid, bounds)

    def geom_select(self, column: str = "geom") -> str:
        return column

    def geom_wkb(self, value) -> bytes | None:
        return gpkg_wkb(value)

    def table_exists(self, cur, table: str) -> bool:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,))
        return cur.fetchone() is not None

    def columns(self, cur, table: str) -> list[str]:
        cur.execute(f"PRAGMA table_info({quote_ident(table)})")
        return [r[1] for r in cur.fetchall()]

    def prepare(self, cur) -> None:
        """GeoPackage core tables (spec 1.3 §1.1) on an empty file."""
        cur.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        cur.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,"
            " organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,"
            " description TEXT)"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,"
            " identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT"
            " (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,"
            " srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,"
            " geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,"
            " CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
            " CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
            " CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
            " CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
            " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
            " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"
        )
        rows = [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, _srs_wkt(4326),
             "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
        ]
        cur.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", rows)

    def ensure_srs(self, cur, srid: int) -> None:
        cur.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id=?", (srid,))
        if cur.fetchone():
            return
        wkt = _srs_wkt(srid)
        name = _srs_name(srid)
        cur.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", (name, srid, "EPSG", srid, wkt, name)
        )

    def register_features(self, cur, table: str, geom: str, geom_type: str, srid: int, identifier: str,
                          description: str) -> None:
        self.ensure_srs(cur, srid)
        cur.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
            " VALUES (?, 'features', ?, ?, ?)", (table, identifier, description, srid))
        cur.execute("INSERT OR REPLACE INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)", (table, geom, geom_type, srid))
        # R-tree spatial index (GeoPackage extension gpkg_rtree_index) with the spec's triggers.
        table, geom = ident(table), ident(geom)
        rt = ident(f"rtree_{table}_{geom}")
        cur.execute(f'CREATE VIRTUAL TABLE IF NOT EXISTS "{rt}" USING rtree(id, minx, maxx, miny, maxy)')
        bounds = f"NEW.fid, ST_MinX(NEW.{geom}), ST_MaxX(NEW.{geom}), ST_MinY(NEW.{geom}), ST_MaxY(NEW.{geom})"
        # B608 marked below: the trigger SQL holds only names checked by ident() above, no values
        triggers = {
            "insert": f"AFTER INSERT ON \"{table}\" WHEN (new.{geom} NOT NULL AND NOT ST_IsEmpty(NEW.{geom})) "
                      f"BEGIN INSERT OR REPLACE INTO \"{rt}\" VALUES ({bounds}); END",
            "update1": f"AFTER UPDATE OF {geom} ON \"{table}\" WHEN OLD.fid = NEW.fid AND (NEW.{geom} NOTNULL AND NOT "
                       f"ST_IsEmpty(NEW.{geom})) BEGIN INSERT OR REPLACE INTO \"{rt}\" VALUES ({bounds}); END",
            "update2": f"AFTER UPDATE OF {geom} ON \"{table}\" WHEN OLD.fid = NEW.fid AND (NEW.{geom} ISNULL OR "
                       f"ST_IsEmpty(NEW.{geom})) BEGIN DELETE FROM \"{rt}\" WHERE id = OLD.fid; END",  # nosec B608
            "update3": f"AFTER UPDATE ON \"{table}\" WHEN OLD.fid != NEW.fid AND (NEW.{geom} NOTNULL AND NOT "
                       f"ST_IsEmpty(NEW.{geom})) BEGIN DELETE FROM \"{rt}\" WHERE id = OLD.fid; "
                       f"INSERT OR REPLACE INTO \"{rt}\" VALUES ({bounds}); END",  # nosec B608
            "update4": f"AFTER UPDATE ON \"{table}\" WHEN OLD.fid != NEW.fid AND (NEW.{geom} ISNULL OR "
                       f"ST_IsEmpty(NEW.{geom})) BEGIN DELETE FROM \"{rt}\" WHERE id IN (OLD.fid, NEW.fid); END",  # nosec B608
            "delete": f"AFTER DELETE ON \"{table}\" WHEN old.{geom} NOT NULL "
                      f"BEGIN DELETE FROM \"{rt}\" WHERE id = OLD.fid; END",  # nosec B608
        }
        for suffix, body in triggers.items():
            cur.execute(f'CREATE TRIGGER IF NOT EXISTS "{rt}_{suffix}" {body}')
        cur.execute(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index',"
            " 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", (table, geom))

    def register_attributes(self, cur, table: str, identifier: str, description: str) -> None:
        cur.execute(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description)"
            " VALUES (?, 'attributes', ?, ?)", (table, identifier, description))

    def touch_contents(self, cur, table: str, extent: tuple | None = None) -> None:
        """Keep gpkg_contents.last_change (and the extent QGIS zooms to) current."""
        if extent is None:
            cur.execute(
                "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
                (table,))
        else:
            cur.execute(
                "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now'), min_x=?, min_y=?,"
                " max_x=?, max_y=? WHERE table_name = ?", (*extent, table))

    def append_only(self, cur, table: str) -> None:
        table = ident(table)
        for op in ("UPDATE", "DELETE"):
            cur.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{table} 为只增不改的历史表，"
                f"禁止{'修改' if op == 'UPDATE' else '删除'}'); END"
            )

    def case_guards(self, cur, table: str, history: str, columns: list[str], protected: list[str]) -> None:
        """Edits made outside the plugin (QGIS attribute table, ogr2ogr …) still bump the version and land
        in the history; workflow columns and deletions are refused there."""
        table, history = ident(table), ident(history)
        columns, protected = [ident(c) for c in columns], [ident(c) for c in protected]
        cond = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in protected)
        cur.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{table}_guard_workflow" BEFORE UPDATE ON "{table}" '
            f"WHEN NEW.version = OLD.version AND ({cond}) "
            f"BEGIN SELECT RAISE(ABORT, '处置阶段、期限和编号只能通过处置流程（推进案件）修改，不能直接编辑'); END")
        cur.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '台账中的案件不能删除：不属于违法的案件请在快速认定阶段办结并注明理由'); END")
        parts = " UNION ALL ".join(
            f"SELECT '{c}' AS k, json_array(OLD.\"{c}\", NEW.\"{c}\") AS v WHERE OLD.\"{c}\" IS NOT NEW.\"{c}\""
            for c in columns)
        parts += (" UNION ALL SELECT 'geom', json_array('(原图形)', '(新图形)') WHERE OLD.geom IS NOT NEW.geom")
        cur.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{table}_external_edit" AFTER UPDATE ON "{table}" '  # nosec B608
            f"WHEN NEW.version = OLD.version BEGIN "
            f'UPDATE "{table}" SET version = OLD.version + 1, updated_at = strftime(\'%Y-%m-%dT%H:%M:%fZ\',\'now\'),'
            f" updated_by = 'GIS直接编辑' WHERE fid = NEW.fid; "
            f'INSERT INTO "{history}" (case_fid, case_no, version, action, from_stage, to_stage, event_date, actor,'
            f" note, changes, recorded_at) VALUES (NEW.fid, NEW.case_no, OLD.version + 1, 'edit', OLD.stage,"
            f" NEW.stage, date('now'), 'GIS直接编辑', '在 GIS 软件中直接编辑属性或图形',"
            f" (SELECT coalesce(json_group_object(k, json(v)), '{{}}') FROM ({parts})),"
            f" strftime('%Y-%m-%dT%H:%M:%fZ','now')); END")

    def layer_uri(self, table: str = "cases") -> tuple[str, str]:
        return f"{self.path}|layername={table}", "ogr"


class PostgisDialect(Dialect):
    """PostgreSQL/PostGIS through psycopg2; the register lives in one schema."""

    name = "postgis"
    types = {"TEXT": "TEXT", "INTEGER": "INTEGER", "REAL": "DOUBLE PRECISION", "DATE": "DATE",
             "DATETIME": "TIMESTAMPTZ"}
    pk = "BIGSERIAL PRIMARY KEY"
    begin_sql = "BEGIN"
    for_update = " FOR UPDATE"

    def __init__(self, dsn: str, schema: str = "public", params: dict | None = None, readonly: bool = False):
        self.dsn = dsn
        self.schema = schema
        self.params = params or {}
        self.readonly = readonly
        self.description = _redact(dsn) + (f" (schema {schema})" if schema != "public" else "")

    def error_message(self, exc: BaseException) -> str | None:
        try:
            import psycopg2
        except ImportError:  # pragma: no cover
            return None
        if not isinstance(exc, psycopg2.Error):
            return None
        text = (getattr(exc, "pgerror", None) or str(exc)).strip()
        if isinstance(exc, psycopg2.errors.ReadOnlySqlTransaction):
            return f"PostgreSQL 台账 {self.description} 当前只读（只读连接或只读副本），无法写入：{text}"
        if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
            return f"当前数据库用户无权写入 PostgreSQL 台账 {self.description}：{text}"
        if isinstance(exc, psycopg2.errors.LockNotAvailable | psycopg2.errors.DeadlockDetected):
            return f"PostgreSQL 台账 {self.description} 被其他会话锁定，请稍后重试：{text}"
        if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError):
            return f"与 PostgreSQL 台账 {self.description} 的连接中断，本次操作未保存：{text}"
        return f"访问 PostgreSQL 台账 {self.description} 失败：{text}"

    def _lock_key(self) -> str:
        return f"liangwei.register.{self.schema}"

    def lock_schema(self, cur) -> None:
        """Serialise schema creation/migration of one schema between sessions (transaction advisory lock):
        the second of two first opens waits, then finds the tables made and creates nothing."""
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._lock_key(),))

    def connect(self):
        try:
            import psycopg2
        except ImportError as exc:  # pragma: no cover - Debian python3-psycopg2 is a dependency
            raise RegisterOpenError("连接 PostgreSQL 需要 psycopg2（Debian：apt install python3-psycopg2）") from exc
        try:
            conn = psycopg2.connect(self.dsn, connect_timeout=15, application_name="liangwei-register")
        except psycopg2.Error as exc:
            raise RegisterOpenError(f"无法连接 PostgreSQL 台账 {self.description}：{str(exc).strip()}") from exc
        conn.autocommit = True  # transactions are explicit (BEGIN/COMMIT) as in the GeoPackage path
        cur = conn.cursor()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.schema):
            conn.close()
            raise RegisterOpenError(f"PostgreSQL 模式名“{self.schema}”不合法（只允许字母、数字、下划线）")
        try:
            if self.readonly:
                cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,))
                if cur.fetchone() is None:
                    raise RegisterOpenError(
                        f"PostgreSQL 数据库中没有台账模式“{self.schema}”（{self.description}）："
                        "请检查连接串中的 schema；只读取台账的功能不会新建台账")
                cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            else:
                # two first opens at once: CREATE … IF NOT EXISTS alone still races in the catalogue, so the
                # extension and the schema are made under one advisory lock
                cur.execute("BEGIN")
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._lock_key(),))
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
                if cur.fetchone() is None:
                    try:
                        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                    except psycopg2.Error as exc:
                        raise RegisterOpenError(
                            f"数据库 {self.description} 未安装 PostGIS 扩展，且当前用户无权创建：{str(exc).strip()}"
                        ) from exc
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                cur.execute("COMMIT")
            cur.execute(f'SET search_path TO "{self.schema}", public')
        except RegisterOpenError:
            conn.close()
            raise
        except psycopg2.Error as exc:
            conn.close()
            raise RegisterOpenError(self.error_message(exc) or str(exc)) from exc
        return conn

    def sql(self, text: str) -> str:
        return text.replace("%", "%%").replace("?", "%s")

    def now_value(self):
        return dt.datetime.now(dt.timezone.utc)

    def geom_insert(self, srid: int) -> str:
        return f"ST_Multi(ST_GeomFromWKB(?, {int(srid)}))"

    def geom_value(self, wkb: bytes | None, srid: int, bounds: tuple | None = None):
        import psycopg2

        return psycopg2.Binary(wkb) if wkb is not None else None

    def geom_select(self, column: str = "geom") -> str:
        return f"ST_AsBinary({column})"

    def geom_wkb(self, value) -> bytes | None:
        return bytes(value) if value is not None else None

    def table_exists(self, cur, table: str) -> bool:
        cur.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s", (self.schema, table))
        return cur.fetchone() is not None

    def columns(self, cur, table: str) -> list[str]:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
            " ORDER BY ordinal_position", (self.schema, table))
        return [r[0] for r in cur.fetchall()]

    def prepare(self, cur) -> None:
        pass

    def register_features(self, cur, table, geom, geom_type, srid, identifier, description) -> None:
        table, geom = ident(table), ident(geom)
        cur.execute(f'CREATE INDEX IF NOT EXISTS "ix_{table}_{geom}" ON "{table}" USING GIST ({geom})')
        cur.execute(f"COMMENT ON TABLE \"{table}\" IS %s", (f"{identifier}：{description}",))

    def register_attributes(self, cur, table, identifier, description) -> None:
        cur.execute(f"COMMENT ON TABLE {quote_ident(table)} IS %s", (f"{identifier}：{description}",))

    def touch_contents(self, cur, table, extent=None) -> None:
        pass

    def append_only(self, cur, table: str) -> None:
        table = ident(table)
        cur.execute(
            f'CREATE OR REPLACE FUNCTION "{table}_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            f"RAISE EXCEPTION '{table} 为只增不改的历史表，禁止修改或删除'; END $$"
        )
        cur.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        cur.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f'FOR EACH ROW EXECUTE FUNCTION "{table}_append_only"()'
        )

    def case_guards(self, cur, table: str, history: str, columns: list[str], protected: list[str]) -> None:
        table, history, schema = ident(table), ident(history), ident(self.schema)
        cond = " OR ".join(f'NEW."{ident(c)}" IS DISTINCT FROM OLD."{ident(c)}"' for c in protected)
        cur.execute(
            f'CREATE OR REPLACE FUNCTION "{table}_external_edit"() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            f"DECLARE ch jsonb;\nBEGIN\n"  # nosec B608  # names checked by ident()
            f"  IF TG_OP = 'DELETE' THEN\n"
            f"    RAISE EXCEPTION '台账中的案件不能删除：不属于违法的案件请在快速认定阶段办结并注明理由';\n"
            f"  END IF;\n"
            f"  IF NEW.version = OLD.version THEN\n"
            f"    IF {cond} THEN\n"
            f"      RAISE EXCEPTION '处置阶段、期限和编号只能通过处置流程（推进案件）修改，不能直接编辑';\n"
            f"    END IF;\n"
            f"    SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_array(o.value, n.value)), '{{}}'::jsonb)"
            f" INTO ch\n"
            f"      FROM jsonb_each(to_jsonb(NEW) - 'geom') n JOIN jsonb_each(to_jsonb(OLD) - 'geom') o USING (key)\n"
            f"      WHERE n.value IS DISTINCT FROM o.value;\n"
            f"    IF NEW.geom IS DISTINCT FROM OLD.geom THEN\n"
            f"      ch := ch || jsonb_build_object('geom', jsonb_build_array('(原图形)', '(新图形)'));\n"
            f"    END IF;\n"
            f"    NEW.version := OLD.version + 1; NEW.updated_at := now(); NEW.updated_by := current_user;\n"
            f'    INSERT INTO "{schema}"."{history}" (case_fid, case_no, version, action, from_stage, to_stage,'
            f" event_date, actor, note, changes, recorded_at)"
            f" VALUES (NEW.fid, NEW.case_no, NEW.version, 'edit', OLD.stage, NEW.stage, current_date,"
            f" current_user, '在 GIS 软件中直接编辑属性或图形', ch::text, now());\n"
            f"  END IF;\n  RETURN NEW;\nEND $$")
        cur.execute(f'DROP TRIGGER IF EXISTS "{table}_external_edit" ON "{table}"')
        cur.execute(f'CREATE TRIGGER "{table}_external_edit" BEFORE UPDATE OR DELETE ON "{table}" '
                    f'FOR EACH ROW EXECUTE FUNCTION "{table}_external_edit"()')

    def layer_uri(self, table: str = "cases") -> tuple[str, str]:
        p = dict(self.params)
        parts = []
        for key, name in (("dbname", "dbname"), ("host", "host"), ("port", "port"), ("user", "user"),
                          ("password", "password"), ("service", "service"), ("sslmode", "sslmode")):
            if p.get(key):
                parts.append(f"{name}='{p[key]}'")
        parts.append(f'key=\'fid\' type=MultiPolygon table="{self.schema}"."{table}" (geom)')
        return " ".join(parts), "postgres"


# -- target resolution -------------------------------------------------------------

def _srs_wkt(srid: int) -> str:
    from osgeo import osr

    srs = osr.SpatialReference()
    if srs.ImportFromEPSG(int(srid)) != 0:
        raise RegisterOpenError(f"无法识别的坐标系 EPSG:{srid}")
    return srs.ExportToWkt()


def _srs_name(srid: int) -> str:
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(int(srid))
    return srs.GetName() or f"EPSG:{srid}"


def _redact(dsn: str) -> str:
    dsn = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", dsn)
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", dsn)


def _parse_keyvalue(text: str) -> dict:
    return {m.group(1): m.group(3) if m.group(3) is not None else m.group(4)
            for m in re.finditer(r"(\w+)\s*=\s*('([^']*)'|(\S+))", text)}


def qgis_connection(name: str) -> dict | None:
    """Parameters of a PostgreSQL connection saved in QGIS (Data Source Manager ▸ PostgreSQL), or None."""
    try:
        from qgis.core import QgsSettings
    except ImportError:
        return None
    s = QgsSettings()
    base = f"PostgreSQL/connections/{name}"
    keys = s.value(f"{base}/database", None) or s.value(f"{base}/service", None)
    if not keys:
        return None
    params = {
        "host": s.value(f"{base}/host", ""), "port": s.value(f"{base}/port", ""),
        "dbname": s.value(f"{base}/database", ""), "user": s.value(f"{base}/username", ""),
        "password": s.value(f"{base}/password", ""), "service": s.value(f"{base}/service", ""),
        "sslmode": "",
    }
    sslmode = s.value(f"{base}/sslmode", "")
    if isinstance(sslmode, str) and sslmode.lower().startswith("ssl"):
        params["sslmode"] = sslmode[3:].lower()
    # credentials kept in QGIS's auth database: resolve through QgsAuthManager when available
    authcfg = s.value(f"{base}/authcfg", "")
    if authcfg:
        try:
            from qgis.core import QgsApplication, QgsAuthMethodConfig

            cfg = QgsAuthMethodConfig()
            QgsApplication.authManager().loadAuthenticationConfig(authcfg, cfg, True)
            params["user"] = cfg.config("username") or params["user"]
            params["password"] = cfg.config("password") or params["password"]
        except Exception:  # noqa: BLE001 - fall back to the plain settings
            logger.warning("无法读取 QGIS 认证配置 %s", authcfg)
    return {k: str(v) for k, v in params.items() if v}


def _dsn_from_params(params: dict) -> str:
    return " ".join(f"{k}='{v}'" for k, v in params.items() if v and k != "schema")


def is_postgres_target(target: str) -> bool:
    t = target.strip()
    return (t.startswith(("postgresql://", "postgres://", "PG:", "pg:")) or bool(re.search(r"\bdbname\s*=", t))
            or bool(re.search(r"\bservice\s*=", t)))


def dialect_for(target: str, readonly: bool = False) -> Dialect:
    """A dialect for a register target: a ``.gpkg`` path, a PostgreSQL URI/DSN, or a QGIS connection name.

    PostgreSQL URIs may carry ``?schema=NAME`` (default ``public``); DSNs ``schema=NAME``.
    ``readonly``: open only an existing register, never create or change anything.
    """
    t = str(target).strip()
    if not t:
        raise RegisterOpenError("未指定台账（GeoPackage 文件路径、PostgreSQL 连接串或 QGIS 中的 PostgreSQL 连接名）")
    if t.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(t)
        query = dict(parse_qsl(parts.query))
        schema = query.pop("schema", "public")
        dsn = urlunsplit(parts._replace(query=urlencode(query)))
        params = {"host": parts.hostname or "", "port": str(parts.port or ""), "dbname": parts.path.lstrip("/"),
                  "user": parts.username or "", "password": parts.password or "", **query}
        return PostgisDialect(dsn, schema, params, readonly)
    if is_postgres_target(t):
        params = _parse_keyvalue(t[3:] if t.lower().startswith("pg:") else t)
        schema = params.pop("schema", "public")
        for qgis_only in ("table", "key", "srid", "type", "sql", "estimatedmetadata", "checkPrimaryKeyUnicity"):
            params.pop(qgis_only, None)
        return PostgisDialect(_dsn_from_params(params), schema, params, readonly)
    if t.lower().endswith(".gpkg") or os.sep in t or "/" in t:
        return GpkgDialect(t, readonly)
    conn = qgis_connection(t.split("?")[0])
    if conn is not None:
        schema = dict(parse_qsl(t.split("?", 1)[1])).get("schema", "public") if "?" in t else "public"
        return PostgisDialect(_dsn_from_params(conn), schema, conn, readonly)
    raise RegisterOpenError(
        f"无法识别的台账“{t}”：应为 .gpkg 文件路径、postgresql:// 连接串、dbname=… 连接参数，"
        "或 QGIS 中已保存的 PostgreSQL 连接名"
    )
