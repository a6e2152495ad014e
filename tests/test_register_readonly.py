"""Read-only means read-only; register failures are Chinese messages, never tracebacks.

- exportledger / casestatistics / missedgridreports / flagoverdue (without 记入台账) open the register
  read-only: a mistyped path creates nothing, a data GeoPackage that is not a register gets no tables,
  and qgis_process exits non-zero;
- a locked, read-only or damaged file, a PostGIS schema opened by several processes at once for the first
  time, and dates that cannot be meant (9999-12-31) give one sentence naming the register or the date;
- advancecases fails when every case was refused; a grid report without reporter is refused.
Every case checks that nothing was written (counts before = counts after).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from liangwei.liangwei_plugin.register import Register, WorkflowError
from liangwei.liangwei_plugin.register.dialect import GpkgDialect, RegisterAccessError, RegisterOpenError

ROOT = Path(__file__).resolve().parent.parent
READERS = [
    ("exportledger", lambda tmp: {"OUTPUT": str(tmp / "台账.xlsx")}),
    ("casestatistics", lambda tmp: {"OUTPUT": "memory:", "OUTPUT_CHART": str(tmp / "chart.png")}),
    ("missedgridreports", lambda tmp: {"START": "2026-11-02", "OUTPUT": "memory:"}),
    ("flagoverdue", lambda tmp: {"OUTPUT": "memory:", "RECORD": False}),
]


def run(alg: str, **params):
    import processing

    return processing.run(f"liangwei:{alg}", params)


def tables(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master"))
    finally:
        db.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cases(n: int = 2) -> list[dict]:
    return [{"patch_id": f"R{i}", "violation": 1, "area_m2": 400.0,
             "geom": shapely.to_wkb(box(39_500_000 + 100 * i, 2_800_000, 39_500_020 + 100 * i, 2_800_020))}
            for i in range(n)]


def counts(target: str) -> tuple[int, int]:
    with Register(target, readonly=True) as reg:
        return reg.count_cases(), sum(len(reg.history(c["fid"])) for c in reg.find_cases())


@pytest.fixture
def data_gpkg(tmp_path) -> Path:
    """A GeoPackage of data (one patch layer), not a register."""
    from osgeo import ogr, osr

    path = tmp_path / "卫片图斑.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4527)
    lyr = ds.CreateLayer("patches", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("JCBH", ogr.OFTString))
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetField("JCBH", "X1")
    f.SetGeometry(ogr.CreateGeometryFromWkt("POLYGON((0 0,1 0,1 1,0 1,0 0))"))
    lyr.CreateFeature(f)
    ds = None
    return path


# -- read-only algorithms ---------------------------------------------------------------------

@pytest.mark.parametrize("alg,extra", READERS, ids=[r[0] for r in READERS])
def test_mistyped_path_creates_nothing(alg, extra, tmp_path, liangwei_provider):
    from qgis.core import QgsProcessingException

    missing = tmp_path / "没有这个文件夹" / "台帐.gpkg"
    with pytest.raises(QgsProcessingException, match="台账文件不存在") as err:
        run(alg, REGISTER=str(missing), **extra(tmp_path))
    assert str(missing) in str(err.value) and "不会新建" in str(err.value)
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("alg,extra", READERS, ids=[r[0] for r in READERS])
def test_data_geopackage_is_refused_untouched(alg, extra, tmp_path, data_gpkg, liangwei_provider):
    from qgis.core import QgsProcessingException

    before_tables, before = tables(data_gpkg), digest(data_gpkg)
    with pytest.raises(QgsProcessingException, match="不是案件台账"):
        run(alg, REGISTER=str(data_gpkg), **extra(tmp_path))
    assert tables(data_gpkg) == before_tables and digest(data_gpkg) == before


def test_readers_leave_a_register_byte_for_byte(tmp_path, liangwei_provider):
    path = tmp_path / "台账.gpkg"
    with Register(str(path)) as reg:
        reg.register_cases(cases(), found_date="2026-11-02", actor="内业员")
    before = digest(path)
    for alg, extra in READERS:
        run(alg, REGISTER=str(path), AS_OF="2026-12-01", **extra(tmp_path)) if alg != "missedgridreports" else \
            run(alg, REGISTER=str(path), **extra(tmp_path))
    assert digest(path) == before


def test_qgis_process_exits_non_zero_on_a_mistyped_register(tmp_path):
    missing = tmp_path / "台帐.gpkg"
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "config"))
    proc = subprocess.run([str(ROOT / "bin" / "qgis-process"), "--json", "run", "liangwei:exportledger", "--",
                           f"REGISTER={missing}", f"OUTPUT={tmp_path / 'x.xlsx'}"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "台账文件不存在" in proc.stdout + proc.stderr and "Traceback" not in proc.stdout + proc.stderr
    assert not missing.exists() and not (tmp_path / "x.xlsx").exists()


def test_core_readonly_register(tmp_path, data_gpkg):
    with pytest.raises(RegisterOpenError, match="台账文件不存在"):
        Register(str(tmp_path / "nope.gpkg"), readonly=True)
    assert not (tmp_path / "nope.gpkg").exists()
    with pytest.raises(RegisterOpenError, match="不是案件台账.*cases"):
        Register(str(data_gpkg), readonly=True)
    path = tmp_path / "台账.gpkg"
    with Register(str(path)) as reg:
        reg.register_cases(cases(), found_date="2026-11-02")
    with Register(str(path), readonly=True) as reg:
        assert reg.count_cases() == 2
        with pytest.raises(RegisterAccessError, match="只读"):
            reg.advance("R0", "拆除整治", "2026-11-03", "甲")
    assert counts(str(path)) == (2, 2)


@pytest.mark.postgis
def test_postgis_readonly_never_creates_a_schema(pg, liangwei_provider):
    from qgis.core import QgsProcessingException

    schema = "ro_" + uuid.uuid4().hex[:10]
    with pytest.raises(QgsProcessingException, match=f"没有台账模式“{schema}”"):
        run("casestatistics", REGISTER=pg.uri(schema), OUTPUT="memory:")
    import psycopg2

    conn = psycopg2.connect(pg.dsn())
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        assert cur.fetchone() is None
    finally:
        conn.close()
    # an existing register read through a read-only session
    target = pg.uri("rw_" + uuid.uuid4().hex[:10])
    with Register(target) as reg:
        reg.register_cases(cases(), found_date="2026-11-02")
    with Register(target, readonly=True) as reg:
        assert reg.count_cases() == 2
        with pytest.raises(RegisterAccessError):
            reg.advance("R0", "拆除整治", "2026-11-03", "甲")


# -- locked, read-only, damaged files ------------------------------------------------------

def test_locked_register_is_a_message(tmp_path, monkeypatch, liangwei_provider):
    from qgis.core import QgsProcessingException

    path = tmp_path / "台账.gpkg"
    with Register(str(path)) as reg:
        reg.register_cases(cases(), found_date="2026-11-02")
    monkeypatch.setattr(GpkgDialect, "lock_timeout", 0.3)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")     # another program in the middle of writing
    try:
        from test_register_algorithms import determined_layer

        with pytest.raises(QgsProcessingException, match="被其他程序锁定"):
            run("registercases", INPUT=determined_layer(), REGISTER=str(path), DATE="2026-11-03")
        with pytest.raises(QgsProcessingException, match="被其他程序锁定"):
            run("exportledger", REGISTER=str(path), OUTPUT=str(tmp_path / "x.xlsx"))
        with pytest.raises(QgsProcessingException, match="被其他程序锁定"):
            run("advancecases", REGISTER=str(path), CASE_IDS="R0", TARGET_STAGE=2, DATE="2026-11-03", ACTOR="甲")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert counts(str(path)) == (2, 2)


def test_read_only_file_is_a_message(tmp_path, monkeypatch):
    """A file the user may not write (root ignores chmod here, so the connection is opened read-only the way
    SQLite opens a file without write permission)."""
    path = tmp_path / "台账.gpkg"
    with Register(str(path)) as reg:
        reg.register_cases(cases(), found_date="2026-11-02")
    real = sqlite3.connect

    def ro_connect(database, *args, **kwargs):
        kwargs.pop("uri", None)
        return real(Path(database).resolve().as_uri() + "?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", ro_connect)
    with pytest.raises(RegisterOpenError, match="只读") as err:
        with Register(str(path)) as reg:
            reg.register_cases(cases(3), found_date="2026-11-03")
    assert str(path) in str(err.value)
    monkeypatch.setattr(sqlite3, "connect", real)
    assert counts(str(path)) == (2, 2)


@pytest.mark.parametrize("content", [b"", b"not a database at all " * 100, b"SQLite format 3\x00" + b"\xff" * 2000])
def test_damaged_or_foreign_file_is_a_message(content, tmp_path, liangwei_provider):
    from qgis.core import QgsProcessingException

    path = tmp_path / "台账.gpkg"
    path.write_bytes(content)
    with pytest.raises(QgsProcessingException) as err:
        run("exportledger", REGISTER=str(path), OUTPUT=str(tmp_path / "x.xlsx"))
    assert str(path) in str(err.value)
    if content:
        with pytest.raises(QgsProcessingException, match="不是有效的 GeoPackage|不是 GeoPackage") as err:
            from test_register_algorithms import determined_layer

            run("registercases", INPUT=determined_layer(), REGISTER=str(path), DATE="2026-11-03")
        assert path.read_bytes() == content
    assert not (tmp_path / "x.xlsx").exists()


# -- PostGIS: the first concurrent open of a schema ------------------------------------------

OPENER = """
import sys
from liangwei.liangwei_plugin.register import Register
with Register(sys.argv[1]) as reg:
    print(reg.schema_version(), flush=True)
"""


@pytest.mark.postgis
def test_first_concurrent_open_of_a_postgis_schema(pg, tmp_path):
    target = pg.uri("c_" + uuid.uuid4().hex[:10])
    script = tmp_path / "opener.py"
    script.write_text(OPENER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "build" / "plugins"),
                                                       os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, str(script), target], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(6)]
    outs = [p.communicate(timeout=120) for p in procs]
    from liangwei.liangwei_plugin.register.storage import SCHEMA_VERSION

    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip() == str(SCHEMA_VERSION)
        assert "already exists" not in err
    with Register(target) as reg:
        assert reg.count_cases() == 0 and reg.schema_version() == SCHEMA_VERSION


# -- dates ------------------------------------------------------------------------------------

def test_dates_that_cannot_be_meant(tmp_path, liangwei_provider):
    from qgis.core import QgsProcessingException

    from test_register_algorithms import determined_layer

    path = str(tmp_path / "台账.gpkg")
    with pytest.raises(QgsProcessingException, match="9999-12-31.*不在合理范围"):
        run("registercases", INPUT=determined_layer(), REGISTER=path, DATE="9999-12-31")
    with pytest.raises(QgsProcessingException, match="无法识别的日期"):
        run("registercases", INPUT=determined_layer(), REGISTER=path, DATE="2026-02-30")
    with Register(path) as reg:
        assert reg.count_cases() == 0
        with pytest.raises(WorkflowError, match="发现/登记日期“9999-12-31”"):
            reg.register_cases(cases(), found_date="9999-12-31")
        with pytest.raises(WorkflowError, match="发现日期“0001-01-01”"):
            reg.register_cases([dict(cases(1)[0], found_date="0001-01-01")], found_date="2026-11-02")
        assert reg.count_cases() == 0
        reg.register_cases(cases(), found_date="2026-11-02")
        with pytest.raises(WorkflowError, match="处置日期“9999-12-31”"):
            reg.advance("R0", "拆除整治", "9999-12-31", "甲")
        with pytest.raises(WorkflowError, match="报告日期"):
            reg.submit_grid_report("G1", "9999-12-31", "甲")
        # a deadline computed past the end of the calendar is a message too
        with pytest.raises(WorkflowError, match="超出可计算的范围"):
            reg.workflow.add_days(__import__("datetime").date(9999, 12, 30), 7)
    assert counts(path) == (2, 2)
    with pytest.raises(QgsProcessingException, match="处置日期"):
        run("advancecases", REGISTER=path, CASE_IDS="R0", TARGET_STAGE=2, DATE="9999-12-31", ACTOR="甲")
    assert counts(path) == (2, 2)


def test_bad_hsx_is_kept_out_of_the_date_but_not_lost():
    from liangwei.liangwei_plugin.register.intake import FieldPlan

    plan = FieldPlan(["JCBH", "HSX", "violation"], "认定结果")
    rec = plan.record({"JCBH": "X1", "HSX": "9999-12-31", "violation": 1})
    assert rec["hsx"] is None and "9999-12-31" in rec["note"] and "HSX" in rec["note"]
    rec = plan.record({"JCBH": "X1", "HSX": "2025-13-45", "violation": 1})
    assert rec["hsx"] is None and "2025-13-45" in rec["note"]


# -- loose acceptance -------------------------------------------------------------------------

def test_advancecases_fails_when_every_case_is_refused(tmp_path, liangwei_provider):
    from qgis.core import QgsProcessingException

    from test_register_algorithms import determined_layer

    path = str(tmp_path / "台账.gpkg")
    run("registercases", INPUT=determined_layer(), REGISTER=path, DATE="2026-11-02")
    before = counts(path)
    # P003 is closed (not a violation), P001 cannot jump to 办结 from 快速认定 while a violation
    with pytest.raises(QgsProcessingException, match="全部 2 件案件均被拒绝") as err:
        run("advancecases", REGISTER=path, CASE_IDS="P003 P001", TARGET_STAGE=4, DATE="2026-11-03", ACTOR="甲")
    assert "已处于“办结”阶段" in str(err.value) and "须认定不属于违法" in str(err.value)   # each case's reason
    assert counts(path) == before
    # one accepted, one refused: a result, not an error
    ok = run("advancecases", REGISTER=path, CASE_IDS="P003 P001", TARGET_STAGE=2, DATE="2026-11-03", ACTOR="甲")
    assert (ok["ADVANCED"], ok["REFUSED"]) == (1, 1)


def test_grid_report_needs_a_reporter(tmp_path, liangwei_provider):
    from qgis.core import QgsProcessingException

    path = str(tmp_path / "台账.gpkg")
    for reporter in ("", "   "):
        with pytest.raises(QgsProcessingException, match="请填写巡查人员"):
            run("gridcheckin", REGISTER=path, UNIT="G01", UNIT_NAME="东山村", DATE="2026-11-02", REPORTER=reporter)
    with Register(path) as reg:
        assert reg.grid_reports() == [] and reg.grid_units(active_only=False) == []
        reg.add_grid_unit("G01", "东山村")
        with pytest.raises(WorkflowError, match="未填写巡查人员"):
            reg.submit_grid_report("G01", "2026-11-02", "")
        assert reg.grid_reports() == []
    assert json.dumps(run("gridcheckin", REGISTER=path, UNIT="G01", DATE="2026-11-02", REPORTER="网格员A")) \
        == json.dumps({"CASES": 0})


def test_lock_taken_while_the_register_is_open(tmp_path, monkeypatch):
    """Another program starts writing after the register was opened: reads and writes say so."""
    path = tmp_path / "台账.gpkg"
    monkeypatch.setattr(GpkgDialect, "lock_timeout", 0.3)
    with Register(str(path)) as reg:
        reg.register_cases(cases(), found_date="2026-11-02")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            for action in (reg.count_cases, reg.find_cases, lambda: reg.advance("R0", "拆除整治", "2026-11-03", "甲"),
                           lambda: reg.register_cases(cases(3), found_date="2026-11-03")):
                with pytest.raises(RegisterAccessError, match="被其他程序锁定"):
                    action()
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert reg.count_cases() == 2
    assert counts(str(path)) == (2, 2)


def test_bad_date_in_an_edit_is_refused(tmp_path):
    path = str(tmp_path / "台账.gpkg")
    with Register(path) as reg:
        reg.register_cases(cases(), found_date="2026-11-02")
        with pytest.raises(WorkflowError, match="处罚决定日期“9999-12-31”"):
            reg.update_case("R0", {"penalty_date": "9999-12-31", "party_official": 1}, actor="甲")
        with pytest.raises(WorkflowError, match="无法识别的日期"):
            reg.update_case("R0", {"referred_date": "2026-02-30"}, actor="甲")
        assert reg.get_case("R0")["penalty_date"] is None
    assert counts(path) == (2, 2)
