"""Import of a filled field package (外业核查包) into the case register.

For every row of 外业核查 with a conclusion (HCJL): a verification entry in the case's history
(actor = 核查人, time = 核查时间, conclusion and description), the party and 新增/存量 carried into the
case.  For every photo of 核查照片: a copy in the register's evidence store (``<register>_举证/<case>/``),
its EXIF position, time and direction, and two checks — taken within ``max_distance_m`` of the patch
boundary, and after the later imagery date (后时相).  A photo failing a check is kept and flagged with
the reason.  Importing the same package twice changes nothing (verifications keyed by content, photos
by SHA-256).

Bad input is reported row by row in Chinese and never stops the other rows: a missing photo file, a
JPEG without EXIF, a patch number not in the register.  A package made from another register is
refused as a whole, before anything is written.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..feedback import Feedback, check_canceled, ensure_feedback
from ..log import logger
from ..register import evidence
from ..register.storage import Register
from ..register.workflow import WorkflowError, parse_date
from .config import META_TABLE, FieldworkConfig, FieldworkError, load_config
from .exif import ExifError, PhotoExif, read_exif


@dataclass
class PhotoOutcome:
    patch_id: str
    case_no: str
    original: str                # path in the package
    stored: str = ""             # path in the evidence store (absolute)
    exif: PhotoExif | None = None
    distance_m: float | None = None
    flagged: bool = False
    reasons: list[str] = field(default_factory=list)
    new: bool = True             # False: already in the register (a repeated import)


@dataclass
class ImportResult:
    package: Path
    verified: list[str] = field(default_factory=list)        # patch ids with a conclusion
    new_verifications: list[str] = field(default_factory=list)
    photos: list[PhotoOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)        # rows or photos that could not be taken in
    redetermined: list[tuple[str, str]] = field(default_factory=list)   # (patch id, what the field rule did)

    @property
    def flagged(self) -> list[PhotoOutcome]:
        return [p for p in self.photos if p.flagged]

    @property
    def new_photos(self) -> list[PhotoOutcome]:
        return [p for p in self.photos if p.new]


def package_folder(path: str | Path, cfg: FieldworkConfig | None = None) -> Path:
    """The package folder from the folder itself or its ``.qgz``; FieldworkError when it is not a package."""
    cfg = cfg or load_config()
    p = Path(path)
    folder = p.parent if p.suffix.lower() in (".qgz", ".qgs") else p
    if not (folder / cfg.geopackage).is_file():
        raise FieldworkError(f"{p} 不是外业核查包：文件夹中没有 {cfg.geopackage}")
    return folder


def _read_package(folder: Path, cfg: FieldworkConfig) -> tuple[dict, list[dict], list[dict]]:
    """(metadata, rows of 外业核查, rows of 核查照片), read straight from the GeoPackage (read-only)."""
    uri = (folder / cfg.geopackage).resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise FieldworkError(f"无法打开 {folder / cfg.geopackage}：{exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for t in (cfg.layer, cfg.photo_table):
            if t not in tables:
                raise FieldworkError(f"{folder / cfg.geopackage} 中没有“{t}”表：不是外业核查包，或已被改动")
        meta = {}
        if META_TABLE in tables:
            for r in conn.execute(f'SELECT key, value FROM "{META_TABLE}"'):  # nosec B608 - fixed name
                try:
                    meta[r["key"]] = json.loads(r["value"])
                except (TypeError, ValueError):
                    meta[r["key"]] = r["value"]
        rows = [dict(r) for r in conn.execute(f'SELECT * FROM "{cfg.layer}" ORDER BY fid')]  # nosec B608
        photos = [dict(r) for r in conn.execute(f'SELECT * FROM "{cfg.photo_table}" ORDER BY fid')]  # nosec B608
    except sqlite3.Error as exc:
        raise FieldworkError(f"无法读取 {folder / cfg.geopackage}：{exc}") from exc
    finally:
        conn.close()
    return meta, rows, photos


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _iso_time(v) -> str:
    """核查时间 as ISO text (QField writes ISO date-times; a bare date is kept as a date)."""
    text = _text(v).replace("/", "-")
    if not text:
        return ""
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None).isoformat(
            timespec="seconds")
    except ValueError:
        d = parse_date(text)
        return d.isoformat() if d else text


def _distance(case_geom_wkb, srid: int, lat: float, lon: float) -> float | None:
    """Distance (m) from the photo position (EXIF, WGS 84 ≈ CGCS2000) to the patch (0 inside)."""
    import shapely
    from pyproj import Transformer

    if case_geom_wkb is None:
        return None
    geom = shapely.from_wkb(bytes(case_geom_wkb))
    transformer = Transformer.from_crs("EPSG:4490", f"EPSG:{srid}", always_xy=True)
    x, y = transformer.transform(lon, lat)
    from pyproj import CRS

    crs = CRS.from_epsg(srid)
    point = shapely.Point(x, y)
    if crs.is_geographic:
        from pyproj import Geod
        from shapely.ops import nearest_points

        nearest = nearest_points(geom, point)[0] if not geom.contains(point) else point
        return abs(Geod(ellps="GRS80").inv(lon, lat, nearest.x, nearest.y)[2])
    return float(geom.distance(point))


def check_photo(outcome: PhotoOutcome, case: dict, srid: int, after: dt.date | None, cfg: FieldworkConfig,
                max_distance_m: float) -> None:
    """Fill ``outcome.distance_m`` and flag it (with reasons) when the photo fails a check."""
    ex = outcome.exif
    if ex is None or not ex.has_exif:
        outcome.reasons.append("照片没有 EXIF 信息（拍摄位置、时间），不能作为举证照片")
    else:
        if not ex.has_position:
            outcome.reasons.append("照片 EXIF 中没有拍摄位置（GPS）")
        else:
            outcome.distance_m = _distance(case.get("geom"), srid, ex.lat, ex.lon)
            if outcome.distance_m is not None and outcome.distance_m > max_distance_m:
                outcome.reasons.append(f"拍摄位置距图斑边界 {outcome.distance_m:.0f} 米，超过 {max_distance_m:g} 米")
        taken = ex.taken or (ex.gps_time.replace(tzinfo=None) if ex.gps_time else None)
        if taken is None:
            outcome.reasons.append("照片 EXIF 中没有拍摄时间")
        elif cfg.after_imagery and after is not None and taken.date() < after:
            outcome.reasons.append(f"拍摄时间 {taken:%Y-%m-%d} 早于后时相影像日期 {after.isoformat()}")
    outcome.flagged = bool(outcome.reasons)


def _check_register(meta: dict, reg: Register, rows: list[dict]) -> None:
    """Refuse a package exported from another register (before anything is written)."""
    ids = [_text(r.get("JCBH")) for r in rows if _text(r.get("JCBH"))]
    cases = meta.get("cases") if isinstance(meta.get("cases"), dict) else {}
    found = {c["patch_id"]: c["case_no"] for c in reg.find_cases(columns=["case_no", "patch_id"]) if c.get("patch_id")}
    origin = f"（导出自台账 {meta['register']}）" if meta.get("register") else ""
    mismatched = [(j, n, found[j]) for j, n in cases.items() if j in found and found[j] != n]
    if mismatched:
        j, n, m = mismatched[0]
        raise FieldworkError(
            f"外业核查包{origin}不属于台账 {reg.description}：图斑 {j} 导出时对应案件 {n}，本台账中却是 {m}"
            f"（共 {len(mismatched)} 处不符）。请导入到导出该包的台账，本次未写入任何内容")
    if ids and not any(j in found for j in ids):
        raise FieldworkError(
            f"外业核查包{origin}不属于台账 {reg.description}：包中 {len(ids)} 个图斑在本台账中都没有案件"
            f"（如 {'、'.join(ids[:3])}）。请先登记案件或选择正确的台账，本次未写入任何内容")


def import_field_package(package: str | Path, reg: Register, *, evidence_folder: str | Path | None = None,
                         max_distance_m: float | None = None, config: FieldworkConfig | None = None,
                         rules=None, feedback: Feedback | None = None) -> ImportResult:
    """Take a filled field package into the register ``reg`` (see the module docstring)."""
    fb = ensure_feedback(feedback)
    cfg = config or load_config()
    max_distance_m = cfg.max_distance_m if max_distance_m is None else float(max_distance_m)
    folder = package_folder(package, cfg)
    meta, rows, photo_rows = _read_package(folder, cfg)
    result = ImportResult(folder)
    _check_register(meta, reg, rows)
    try:
        store = evidence_root(reg, evidence_folder)
    except ValueError as exc:
        raise FieldworkError(str(exc)) from exc
    evidence.ensure_tables(reg)
    package_id = _text(meta.get("package_id"))
    hsx_by_patch = meta.get("hsx") if isinstance(meta.get("hsx"), dict) else {}
    epoch_dates = [parse_date(e.get("date")) for e in (meta.get("epochs") or []) if isinstance(e, dict)]
    package_after = max([d for d in epoch_dates if d], default=None)

    def case_of(jcbh: str, what: str) -> dict | None:
        try:
            return reg.get_case(jcbh, with_geometry=True)
        except KeyError:
            result.problems.append(
                f"{what}：监测编号 {jcbh} 在台账 {reg.description} 中没有案件，已跳过（请先登记案件）")
            return None

    # 1. the filled rows -> verifications
    todo: list[tuple[dict, evidence.Verification]] = []
    for n, row in enumerate(rows, start=1):
        jcbh = _text(row.get("JCBH"))
        conclusion = _text(row.get("HCJL"))
        if not jcbh:
            result.problems.append(f"{cfg.layer} 第 {n} 行：监测编号（JCBH）为空，已跳过")
            continue
        if not conclusion:
            continue   # not visited yet
        if conclusion not in cfg.conclusions:
            result.problems.append(f"{cfg.layer} 图斑 {jcbh}：核查结论“{conclusion}”不在 {'、'.join(cfg.conclusions)}"
                                   " 之中，已跳过")
            continue
        case = case_of(jcbh, f"{cfg.layer} 图斑 {jcbh}")
        if case is None:
            continue
        stock = _text(row.get("XZLX"))
        if stock and stock not in cfg.stock:
            result.problems.append(f"{cfg.layer} 图斑 {jcbh}：新增/存量“{stock}”应为 {'、'.join(cfg.stock)}，未采用")
            stock = ""
        if not _text(row.get("HCR")):
            result.problems.append(f"{cfg.layer} 图斑 {jcbh}：未填写核查人（HCR），核查记录的处置人记为“外业核查”")
        todo.append((case, evidence.Verification(
            patch_id=jcbh, conclusion=conclusion, description=_text(row.get("HCSM")),
            project_name=_text(row.get("XMMC")), party=_text(row.get("XMZT")), build_time=_text(row.get("JSSJ")),
            new_or_stock=stock, approval=_text(row.get("PZWH")), inspector=_text(row.get("HCR")),
            verified_at=_iso_time(row.get("HCSJ")),
            package_id=package_id)))
        result.verified.append(jcbh)
    fb.set_progress(20)

    # 2. the photos: read, check, copy into the evidence store (before the transaction: files, not rows)
    cases_by_patch: dict[str, dict] = {case["patch_id"]: case for case, _ in todo}
    photo_records: list[tuple[dict, dict, PhotoOutcome]] = []
    for n, prow in enumerate(photo_rows, start=1):
        check_canceled(fb)
        jcbh, rel = _text(prow.get("JCBH")), _text(prow.get("ZP"))
        label = f"{cfg.photo_table} 第 {n} 条（{rel or '无文件名'}）"
        if not rel:
            result.problems.append(f"{label}：没有照片文件路径（ZP），已跳过")
            continue
        if not jcbh:
            result.problems.append(f"{label}：没有监测编号（JCBH），不知属于哪个图斑，已跳过")
            continue
        case = cases_by_patch.get(jcbh)
        if case is None:
            case = case_of(jcbh, label)
            if case is None:
                continue
            cases_by_patch[jcbh] = case
        src = (folder / rel) if not Path(rel).is_absolute() else Path(rel)
        if not src.is_file():
            result.problems.append(
                f"{label}：照片文件 {rel} 不在外业核查包中（手机上未同步？），已跳过，其余照片照常导入")
            continue
        outcome = PhotoOutcome(jcbh, case["case_no"], rel)
        try:
            outcome.exif = read_exif(src)
        except ExifError as exc:
            outcome.exif = None
            outcome.reasons.append(str(exc))
        after = parse_date(case.get("hsx")) or parse_date(hsx_by_patch.get(jcbh) or None) or package_after
        check_photo(outcome, case, reg.srid, after, cfg, max_distance_m)
        digest = evidence.file_sha256(src)
        target_dir = store / _safe(case["case_no"])
        target = target_dir / f"{digest[:12]}_{_safe(src.name)}"
        if not target.exists():
            target_dir.mkdir(parents=True, exist_ok=True)
            part = target.with_suffix(target.suffix + ".part")
            shutil.copy2(src, part)
            part.replace(target)
        outcome.stored = str(target)
        ex = outcome.exif
        taken = ex.taken if ex and ex.taken else (ex.gps_time.replace(tzinfo=None) if ex and ex.gps_time else None)
        photo_records.append((case, {
            "file": target.relative_to(store).as_posix(), "original": rel, "sha256": digest,
            "lat": ex.lat if ex else None, "lon": ex.lon if ex else None, "direction": ex.direction if ex else None,
            "taken_at": taken.isoformat(timespec="seconds") if taken else None,
            "distance_m": round(outcome.distance_m, 2) if outcome.distance_m is not None else None,
            "flagged": 1 if outcome.flagged else 0, "flag_reason": "；".join(outcome.reasons),
            "package_id": package_id}, outcome))
        result.photos.append(outcome)
        fb.set_progress(20 + 60 * n / max(1, len(photo_rows)))

    # 3. one transaction for all register rows
    field_rules = FieldRules(folder, cfg, meta, rules)
    with reg.transaction() as cur:
        locked: dict[int, dict] = {}
        for case, v in todo:
            current = locked.get(case["fid"]) or reg._lock_case(cur, case["fid"])
            if evidence.record_verification(reg, cur, current, v, cfg.stock):
                result.new_verifications.append(v.patch_id)
                outcome = field_rules.apply(reg, cur, current, v)
                if outcome:
                    result.redetermined.append((v.patch_id, outcome))
                    current = reg._lock_case(cur, case["fid"])
            locked[case["fid"]] = current
        for case, row, outcome in photo_records:
            outcome.new = evidence.record_photo(reg, cur, case, row)
    for p in result.flagged:
        fb.warning(f"照片 {p.original}（图斑 {p.patch_id}）未通过检查：{'；'.join(p.reasons)}（照片已保留并标记）")
    for msg in result.problems:
        fb.warning(msg)
    summary = (f"外业核查包 {folder.name}：{len(result.verified)} 个图斑有核查结论"
               f"（新记录 {len(result.new_verifications)}），"
               f"照片 {len(result.photos)} 张（新 {len(result.new_photos)}），未通过检查 {len(result.flagged)} 张，"
               f"问题 {len(result.problems)} 处；举证照片存放于 {store}")
    logger.info(summary)
    fb.info(summary)
    fb.set_progress(100)
    return result


class FieldRules:
    """The determination rules that read the field conclusion (``HCJL``; determination_rules.toml F-rules).

    A case's overlay figures come from the package's base layer 监测图斑 (the determination layer it was
    exported from), the conclusion and PZWH from 外业核查.  When a rule that reads HCJL decides, the case
    takes its determination; a 不属于违法 outcome closes a case still in 快速认定 (合法 with an approval,
    设施农用地 on file, 农村道路).  Otherwise the desk determination stands."""

    def __init__(self, folder: Path, cfg: FieldworkConfig, meta: dict, rules=None):
        from ..determination import load_rules

        self.rules = rules if rules is not None and not isinstance(rules, (str, Path)) else load_rules(rules)
        self.ids = {r.id for r in self.rules.rules if any(c.var == "HCJL" for c in r.when + r.when_any)}
        self.names = {r.id: r.name for r in self.rules.rules}
        self.base: dict[str, dict] = {}
        id_field = _text(meta.get("id_field")) or "JCBH"
        path = folder / cfg.base_geopackage
        if not self.ids or not path.is_file():
            return
        try:
            conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
            conn.row_factory = sqlite3.Row
            try:
                geom_cols = {r[0] for r in conn.execute(
                    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = '监测图斑'")}
                for r in conn.execute('SELECT * FROM "监测图斑"'):
                    row = {k: r[k] for k in r.keys() if k not in geom_cols and k != "fid"}
                    if _text(row.get(id_field)):
                        self.base[_text(row[id_field])] = row
            finally:
                conn.close()
        except sqlite3.Error as exc:
            logger.warning("外业核查包底图 %s 无法读取：%s", path, exc)

    def apply(self, reg: Register, cur, case: dict, v: evidence.Verification) -> str:
        """Apply a field rule to ``case`` inside ``cur``; returns what was done ("" when nothing)."""
        from ..determination import determine

        if not self.ids:
            return ""
        record = dict(self.base.get(v.patch_id) or {"patch_id": v.patch_id, "area_m2": case.get("area_m2")})
        record["HCJL"] = v.conclusion
        if v.approval:
            record["PZWH"] = v.approval
        d = determine(record, self.rules)
        if d.rule_id not in self.ids:
            return ""
        fields = {"violation": d.violation, "determination_code": d.determination_code,
                  "determination": d.determination, "consequence": d.consequence, "rule_id": d.rule_id}
        day = parse_date(v.verified_at) or dt.date.today()
        actor = v.inspector or "外业核查"
        note = f"外业核查认定：{d.rule_name}" + (f"（{v.approval}）" if v.approval else "") + \
            (f"；{v.description}" if v.description else "")
        wf = reg.workflow
        if d.violation == 0 and wf.final_stage in wf.allowed_targets(case["stage"]):
            try:   # checked before anything is written: on refusal only the determination is updated
                reg._advance_locked(cur, case, wf.final_stage, day, actor, note, None, fields)
                return f"{d.rule_id} {d.rule_name}：办结（不属于违法）"
            except WorkflowError as exc:
                logger.warning("案件 %s 未能办结：%s", case["case_no"], exc)
        changes = {k: val for k, val in fields.items() if str(case.get(k)) != str(val)}
        if not changes:
            return ""
        version = reg._update(cur, case, changes, actor, case["version"])
        reg._history(cur, case, version, "update", case["stage"], case["stage"], day, actor, note,
                     {k: [case.get(k), val] for k, val in changes.items()})
        return f"{d.rule_id} {d.rule_name}"


def evidence_root(reg: Register, folder=None) -> Path:
    return evidence.evidence_root(reg, folder)


def _safe(name: str) -> str:
    """A file/folder name without path separators or characters Windows refuses."""
    return "".join("_" if c in '<>:"/\\|?*' or ord(c) < 32 else c for c in str(name)).strip() or "_"
