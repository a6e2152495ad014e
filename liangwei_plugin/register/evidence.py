"""On-site verifications (外业核查) and evidence photos (举证照片) in the case register.

Two tables beside ``cases`` (additive: created on first use, on GeoPackage and PostGIS alike):

- ``verifications``: one row per on-site check of a case — conclusion (核查结论), description, project
  name, party, build time, 新增/存量, inspector (核查人), time (核查时间), the package it came from.
  Recording one also bumps the case's version and appends a ``verify`` row to ``case_history``
  (actor = 核查人, event date = 核查时间), carrying the party and 存量/增量 into the case.
- ``evidence_photos``: one row per photo of a case, the copy in the evidence store (beside the register,
  one folder per case), its EXIF position/time/direction, the distance to the patch and, when a check
  failed, ``flagged = 1`` with the reason.  A flagged photo is kept, never dropped.

Both are keyed so that recording the same check or the same photo (by content hash) again adds nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .dialect import ident
from .storage import CASES, Register, _diff, _norm
from .workflow import parse_date

VERIFICATIONS = ident("verifications")
PHOTOS = ident("evidence_photos")

VERIFICATION_COLUMNS: list[tuple[str, str]] = [
    ("case_fid", "INTEGER"), ("case_no", "TEXT"), ("patch_id", "TEXT"),
    ("conclusion", "TEXT"),      # 核查结论 HCJL
    ("description", "TEXT"),     # 现场核查描述 HCSM
    ("project_name", "TEXT"),    # 项目名称 XMMC
    ("party", "TEXT"),           # 项目主体/当事人 XMZT
    ("build_time", "TEXT"),      # 建设时间 JSSJ
    ("new_or_stock", "TEXT"),    # 新增/存量 XZLX
    ("approval", "TEXT"),        # 批准文号/备案号 PZWH seen on site
    ("inspector", "TEXT"),       # 核查人 HCR
    ("verified_at", "TEXT"),     # 核查时间 HCSJ (ISO, as entered on site)
    ("package_id", "TEXT"),
    ("entry_key", "TEXT"),       # hash of the content: the same check recorded twice adds nothing
    ("recorded_at", "DATETIME"),
]
PHOTO_COLUMNS: list[tuple[str, str]] = [
    ("case_fid", "INTEGER"), ("case_no", "TEXT"), ("patch_id", "TEXT"),
    ("file", "TEXT"),            # path in the evidence store, relative to its root: <case_no>/<name>
    ("original", "TEXT"),        # the path in the field package (DCIM/…jpg)
    ("sha256", "TEXT"),
    ("lat", "REAL"), ("lon", "REAL"), ("direction", "REAL"), ("taken_at", "TEXT"),
    ("distance_m", "REAL"),      # from the patch boundary (0 = inside)
    ("flagged", "INTEGER"), ("flag_reason", "TEXT"),
    ("package_id", "TEXT"), ("recorded_at", "DATETIME"),
]


def ensure_tables(reg: Register) -> None:
    """Create the verification and evidence tables if the register has none yet (idempotent)."""
    d = reg.dialect
    with reg.transaction() as cur:
        for table, columns, unique, label, desc in (
                (VERIFICATIONS, VERIFICATION_COLUMNS, "entry_key", "外业核查记录",
                 "每次现场核查一条（核查结论、核查人、时间）"),
                (PHOTOS, PHOTO_COLUMNS, "case_fid, sha256", "举证照片", "外业核查照片（位置、时间、方向、检查结果）")):
            if d.table_exists(cur, table):
                continue
            cols = ",\n  ".join(f'"{c}" {d.column_type(t)}' for c, t in columns)
            reg.x(cur, f'CREATE TABLE "{table}" (\n  fid {d.pk},\n  {cols},\n'
                       f'  CONSTRAINT "uq_{table}" UNIQUE ({unique}))')
            reg.x(cur, f'CREATE INDEX IF NOT EXISTS "ix_{table}_case" ON "{table}" (case_fid)')
            d.register_attributes(cur, table, label, desc)


def evidence_root(reg: Register, folder: str | Path | None = None) -> Path:
    """Where the register keeps its photos: ``folder`` if given, else ``<register>_举证`` beside a GeoPackage."""
    if folder:
        return Path(folder)
    if reg.dialect.name == "gpkg":
        path = Path(reg.dialect.path)
        return path.with_name(f"{path.stem}_举证")
    raise ValueError(f"台账 {reg.description} 在数据库中：请指定举证照片的存放文件夹")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Verification:
    """One on-site check as the inspector filled it in (a row of 外业核查)."""

    patch_id: str
    conclusion: str
    description: str = ""
    project_name: str = ""
    party: str = ""
    build_time: str = ""
    new_or_stock: str = ""
    approval: str = ""
    inspector: str = ""
    verified_at: str = ""        # ISO date or date-time
    package_id: str = ""

    def key(self) -> str:
        text = "\x1f".join([self.patch_id, self.conclusion, self.description, self.project_name, self.party,
                            self.build_time, self.new_or_stock, self.approval, self.inspector, self.verified_at])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_verification(reg: Register, cur, case: dict, v: Verification, stock_map: dict[str, str]) -> bool:
    """Record ``v`` for ``case`` inside the open transaction ``cur``; False when it is already on record."""
    reg.x(cur, f'SELECT 1 FROM "{VERIFICATIONS}" WHERE entry_key = ?', (v.key(),))  # nosec B608
    if cur.fetchone() is not None:
        return False
    changes: dict = {}
    if v.party and _norm(case.get("party")) != v.party:
        changes["party"] = v.party
    stock = stock_map.get(v.new_or_stock, v.new_or_stock) if v.new_or_stock else ""
    if stock and stock in reg.workflow.stock_kinds() and case.get("stock_kind") != stock:
        changes["stock_kind"] = stock
    day = parse_date(v.verified_at) or dt.date.today()
    note = "".join([f"外业核查：{v.conclusion}", f"；{v.description}" if v.description else "",
                    f"；项目：{v.project_name}" if v.project_name else "",
                    f"；建设时间：{v.build_time}" if v.build_time else ""])
    actor = v.inspector or "外业核查"
    version = reg._update(cur, case, changes, actor, case["version"])
    reg._history(cur, case, version, "verify", case["stage"], case["stage"], day, actor, note, _diff(case, changes))
    cols = [c for c, _ in VERIFICATION_COLUMNS]
    values = [case["fid"], case["case_no"], v.patch_id, v.conclusion, v.description, v.project_name, v.party,
              v.build_time, v.new_or_stock, v.approval, v.inspector, v.verified_at, v.package_id, v.key(),
              reg.dialect.now_value()]
    reg.x(cur, f'INSERT INTO "{VERIFICATIONS}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})',  # nosec B608
          values)
    case.update(changes, version=version)
    return True


def record_photo(reg: Register, cur, case: dict, row: dict) -> bool:
    """Record one evidence photo (``row``: PHOTO_COLUMNS minus case ids); False when already on record."""
    reg.x(cur, f'SELECT 1 FROM "{PHOTOS}" WHERE case_fid = ? AND sha256 = ?', (case["fid"], row["sha256"]))  # nosec B608
    if cur.fetchone() is not None:
        return False
    cols = [c for c, _ in PHOTO_COLUMNS]
    full = {**row, "case_fid": case["fid"], "case_no": case["case_no"], "patch_id": case.get("patch_id"),
            "recorded_at": reg.dialect.now_value()}
    reg.x(cur, f'INSERT INTO "{PHOTOS}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})',  # nosec B608
          [full.get(c) for c in cols])
    return True


def _rows(reg: Register, table: str, case_fid: int, order: str) -> list[dict]:
    cur = reg.conn.cursor()
    try:
        if not reg.dialect.table_exists(cur, table):
            return []
        return reg._fetch(cur, f'SELECT * FROM "{table}" WHERE case_fid = ? ORDER BY {order}', (case_fid,))  # nosec B608
    finally:
        cur.close()


def verifications(reg: Register, ref) -> list[dict]:
    """The on-site checks of a case, oldest first."""
    case = reg.get_case(ref)
    return _rows(reg, VERIFICATIONS, case["fid"], "verified_at, fid")


def latest_verification(reg: Register, ref) -> dict | None:
    rows = verifications(reg, ref)
    return rows[-1] if rows else None


def photos(reg: Register, ref, flagged: bool | None = None) -> list[dict]:
    """The evidence photos of a case (``flagged`` True/False: only those that failed / passed the checks)."""
    case = reg.get_case(ref)
    rows = _rows(reg, PHOTOS, case["fid"], "taken_at, fid")
    if flagged is not None:
        rows = [r for r in rows if bool(r.get("flagged")) == flagged]
    return rows


def has_verification(reg: Register, case: dict, cur=None) -> bool:
    """Whether a case has an on-site check on record (the workflow's 外业核查 requirement)."""
    own = cur is None
    cur = cur or reg.conn.cursor()
    try:
        if not reg.dialect.table_exists(cur, VERIFICATIONS):
            return False
        reg.x(cur, f'SELECT 1 FROM "{VERIFICATIONS}" WHERE case_fid = ? LIMIT 1', (case["fid"],))  # nosec B608
        return cur.fetchone() is not None
    finally:
        if own:
            cur.close()


__all__ = ["CASES", "PHOTOS", "VERIFICATIONS", "Verification", "ensure_tables", "evidence_root", "file_sha256",
           "has_verification", "latest_verification", "photos", "record_photo", "record_verification",
           "verifications"]
