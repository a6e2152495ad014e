"""Case register (台账): workflow, deadlines, history, locking, crash safety, grid check-ins.

The same suite runs against a GeoPackage file and a real PostgreSQL/PostGIS cluster that the
tests start on loopback (tests/pg_cluster.py).  Expected dates are worked out by hand from the
calendar (2026-11-06 is a Friday; 2026-10-01..07 is the National Day holiday, 2026-10-10 a
Saturday working day), not taken from the code under test.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from liangwei.liangwei_plugin.register import ConflictError, Register, Workflow, WorkflowError
from liangwei.liangwei_plugin.register.intake import FieldPlan
from liangwei.liangwei_plugin.register.storage import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "register_worker.py"
STAGES = ["发现报告", "快速认定", "拆除整治", "监督检查", "办结"]
LEGAL = {("发现报告", "快速认定"), ("快速认定", "拆除整治"), ("快速认定", "办结"), ("拆除整治", "监督检查"),
         ("监督检查", "办结"), ("监督检查", "拆除整治")}


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "台账.gpkg")
    cluster = request.getfixturevalue("pg")
    return cluster.uri("t_" + uuid.uuid4().hex[:12])


@pytest.fixture
def reg(target):
    r = Register(target)
    yield r
    r.close()


def square(i: int, size: float = 20.0) -> bytes:
    x, y = 39_500_000 + 100 * i, 2_800_000
    return shapely.to_wkb(box(x, y, x + size, y + size))


def records(n: int, not_violation: set[int] = frozenset()) -> list[dict]:
    out = []
    for i in range(n):
        out.append(dict(patch_id=f"JC2026{i:04d}", violation=0 if i in not_violation else 1,
                        determination_code="not_violation" if i in not_violation else "uncorrectable",
                        area_m2=400.0, farmland_m2=100.0 * (i % 3), basic_farmland_m2=50.0 if i % 2 else 0.0,
                        township="城关镇", township_code="350627100000", village="东山村",
                        department="自然资源和规划局", party=f"当事人{i}", geom=square(i)))
    return out


def consistent(reg: Register) -> None:
    """Every case has exactly ``version`` history rows, numbered 1..version."""
    for case in reg.find_cases():
        versions = [h["version"] for h in reg.history(case["fid"])]
        assert versions == list(range(1, case["version"] + 1)), case["case_no"]


# -- schema -----------------------------------------------------------------------------

def test_schema_created_and_migrated(target):
    with Register(target, migrate=False) as r:
        assert r.schema_version() == 0
        assert r.migrate(1) == 1
    with Register(target) as r:          # opening migrates the rest
        assert r.schema_version() == SCHEMA_VERSION
        r.register_cases(records(2), found_date="2026-11-06")
        assert r.count_cases() == 2


def test_gpkg_is_a_valid_spatial_layer(tmp_path, qgis_app):
    from osgeo_utils.samples.validate_gpkg import check
    from qgis.core import QgsVectorLayer

    path = tmp_path / "r.gpkg"
    with Register(str(path)) as r:
        r.register_cases(records(3), found_date="2026-11-06", actor="张三")
        uri, provider = r.layer_uri()
    check(str(path))   # GDAL's GeoPackage validator raises on any violation of the spec
    layer = QgsVectorLayer(uri, "cases", provider)
    assert layer.isValid() and layer.featureCount() == 3
    assert layer.crs().authid() == "EPSG:4527"
    f = next(layer.getFeatures())
    assert f["stage"] == "快速认定" and abs(f.geometry().area() - 400.0) < 1e-6


# -- intake -----------------------------------------------------------------------------

def test_field_plan_from_determination_output():
    fields = ["JCBH", "XZQDM", "XZQMC", "DSR", "HSX", "patch_id", "area_m2", "farmland_m2", "生态保护红线_m2",
              "永久基本农田_m2", "zldwdm", "zldwmc", "violation", "determination_code", "determination",
              "consequence", "rule_id", "department", "departments"]
    plan = FieldPlan(fields, "认定结果")
    rec = plan.record({"JCBH": "X1", "patch_id": "P1", "XZQDM": "350627100000", "XZQMC": "城关镇", "DSR": "王五",
                       "HSX": "2025-05-18", "area_m2": 1234.5, "farmland_m2": 200.0, "生态保护红线_m2": 9.0,
                       "永久基本农田_m2": 100.0, "zldwdm": "350627100201", "zldwmc": "城关镇东山村",
                       "violation": 1, "determination_code": "uncorrectable", "department": "自然资源和规划局"})
    assert rec["patch_id"] == "P1" and rec["basic_farmland_m2"] == 100.0 and rec["farmland_m2"] == 200.0
    assert rec["township"] == "城关镇" and rec["village"] == "东山村" and rec["party"] == "王五"
    assert rec["hsx"] == dt.date(2025, 5, 18) and rec["violation"] == 1
    with pytest.raises(WorkflowError, match="认定结果"):
        FieldPlan(["JCBH", "area_m2"], "认定结果")       # no determination fields: says which layer
    # an empty id no longer refuses the batch: the register identifies the patch by its geometry
    assert plan.record({"patch_id": None, "violation": 1}, "7")["patch_id"] is None
    # the overlay's "<JCBH>#2" / "#<row>" stand for the delivered id, a real id that reads "X#2" does not
    assert plan.record({"JCBH": "X1", "patch_id": "X1#2", "violation": 1})["given_patch_id"] == "X1"
    assert plan.record({"JCBH": None, "patch_id": "#5", "violation": 1})["given_patch_id"] is None
    assert plan.record({"JCBH": "X1#2", "patch_id": "X1#2", "violation": 1})["given_patch_id"] == "X1#2"


# -- registration -----------------------------------------------------------------------

def test_registration_is_idempotent(reg):
    first = reg.register_cases(records(5, not_violation={2}), found_date="2026-11-06", actor="张三")
    assert len(first.added) == 5 and first.closed == [first.added[2]]
    again = reg.register_cases(records(5, not_violation={2}), found_date="2026-11-07", actor="李四")
    assert again.added == [] and len(again.skipped) == 5
    more = reg.register_cases(records(7), found_date="2026-11-07")
    assert len(more.added) == 2 and len(more.skipped) == 5
    assert reg.count_cases() == 7
    assert len({c["case_no"] for c in reg.find_cases()}) == 7
    closed = reg.get_case(first.added[2])
    assert closed["stage"] == "办结" and closed["violation"] == 0 and closed["closed_date"] == "2026-11-06"
    # duplicates inside one input are registered once
    dup = records(1) * 2
    dup[0] = dict(dup[0], patch_id="DUP")
    dup[1] = dict(dup[1], patch_id="DUP")
    assert len(reg.register_cases(dup, found_date="2026-11-07").added) == 1
    consistent(reg)


def test_unknown_source_and_stage_refused(reg):
    with pytest.raises(WorkflowError, match="问题来源"):
        reg.register_cases(records(1), source="微博")
    with pytest.raises(WorkflowError, match="只能从"):
        reg.register_cases(records(1), stage="监督检查")
    assert reg.count_cases() == 0


# -- transitions and deadlines -------------------------------------------------------------

def test_full_workflow_calendar_days(reg):
    (no,) = reg.register_cases(records(1), found_date="2026-11-06", actor="巡查员甲").added
    c = reg.get_case(no)
    # found Friday 2026-11-06: 认定 within 2 calendar days → Sunday 11-08; 7-day target → 11-13
    assert (c["stage"], c["stage_due"], c["identify_due"], c["dispose_due"]) == (
        "快速认定", "2026-11-08", "2026-11-08", "2026-11-13")
    assert c["stage_role"] == "认定人员"
    c = reg.advance(no, "拆除整治", "2026-11-07", "国土所乙", "规划认定：无法采取改正措施")
    assert (c["stage_due"], c["rectify_due"], c["stage_role"]) == ("2026-11-10", "2026-11-10", "拆除人员")
    c = reg.advance(no, "监督检查", "2026-11-09", "镇分管领导丙", "已拆除", disposal_kind="拆除", demolished_m2=380.0)
    assert (c["stage_due"], c["inspect_due"], c["demolished_m2"]) == ("2026-11-11", "2026-11-11", 380.0)
    c = reg.advance(no, "拆除整治", "2026-11-10", "人大主席丁", "未拆除到位，退回")
    assert c["stage_due"] == "2026-11-13"
    c = reg.advance(no, "监督检查", "2026-11-11", "镇分管领导丙", "补拆完毕")
    c = reg.advance(no, "办结", "2026-11-12", "人大主席丁", "现场核实拆除到位")
    assert (c["stage"], c["closed_date"], c["is_open"], c["stage_due"]) == ("办结", "2026-11-12", 0, None)
    assert c["accountability"] == 0 and c["version"] == 6
    hist = reg.history(no)
    assert [(h["from_stage"], h["to_stage"]) for h in hist] == [
        (None, "快速认定"), ("快速认定", "拆除整治"), ("拆除整治", "监督检查"), ("监督检查", "拆除整治"),
        ("拆除整治", "监督检查"), ("监督检查", "办结")]
    assert [h["actor"] for h in hist][-1] == "人大主席丁" and hist[2]["event_date"] == "2026-11-09"
    assert hist[2]["note"] == "已拆除"


def test_working_day_deadlines(target):
    wf = Workflow.load(day_count="working")
    with Register(target, workflow=wf) as r:
        (a,) = r.register_cases(records(1), found_date="2026-11-06").added        # Friday
        assert r.get_case(a)["stage_due"] == "2026-11-10"                          # Mon, Tue
        c = r.advance(a, "拆除整治", "2026-11-10", "乙", "")
        assert c["stage_due"] == "2026-11-13"                                      # Wed, Thu, Fri
        rec = records(2)[1:]
        (b,) = r.register_cases(rec, found_date="2026-09-30").added                # Wednesday before 国庆
        # 10-01..10-07 holiday; 10-08 Thu and 10-09 Fri are the two working days
        assert r.get_case(b)["stage_due"] == "2026-10-09"
        c = r.advance(b, "拆除整治", "2026-10-09", "乙", "")
        assert c["stage_due"] == "2026-10-13"        # Sat 10-10 is a 调休 working day: 10, 12, 13
    assert Workflow.load().add_days(dt.date(2026, 10, 9), 3) == dt.date(2026, 10, 12)   # calendar days


def test_discovery_stage_and_not_violation(reg):
    (a,) = reg.register_cases(records(1), found_date="2026-11-06", stage="发现报告").added
    c = reg.get_case(a)
    assert (c["stage"], c["stage_due"], c["stage_role"]) == ("发现报告", "2026-11-07", "巡查人员")
    c = reg.advance(a, "快速认定", "2026-11-07", "网格员", "上传照片")
    assert c["stage_due"] == "2026-11-09"
    with pytest.raises(WorkflowError, match="证明"):
        reg.advance(a, "办结", "2026-11-08", "认定员", "", violation=0)
    with pytest.raises(WorkflowError, match="违法案件应转入"):
        reg.advance(a, "办结", "2026-11-08", "认定员", "已核实")       # still a violation
    c = reg.advance(a, "办结", "2026-11-08", "认定员", "设施农用地备案证明", violation=0)
    assert (c["stage"], c["violation"], c["determination_code"]) == ("办结", 0, "not_violation")
    (b,) = reg.register_cases(records(2, not_violation={1})[1:], found_date="2026-11-06",
                              close_not_violations=False).added
    with pytest.raises(WorkflowError, match="不属于违法"):
        reg.advance(b, "拆除整治", "2026-11-07", "认定员", "")
    consistent(reg)


@pytest.mark.parametrize("source", STAGES)
def test_illegal_transitions_refused(reg, source):
    (no,) = reg.register_cases(records(1), found_date="2026-11-01", stage="发现报告").added
    path = {"发现报告": [], "快速认定": ["快速认定"], "拆除整治": ["快速认定", "拆除整治"],
            "监督检查": ["快速认定", "拆除整治", "监督检查"],
            "办结": ["快速认定", "拆除整治", "监督检查", "办结"]}[source]
    for i, stage in enumerate(path):
        reg.advance(no, stage, f"2026-11-0{2 + i}", "甲", "")
    before = reg.get_case(no)
    assert before["stage"] == source
    for target in STAGES:
        if (source, target) in LEGAL:
            continue
        with pytest.raises(WorkflowError) as err:
            reg.advance(no, target, "2026-11-09", "乙", "试图越级")
        assert before["case_no"] in str(err.value) and target in str(err.value)
    assert reg.get_case(no) == before                      # nothing written
    assert len(reg.history(no)) == before["version"]


def test_date_before_stage_start_refused(reg):
    (no,) = reg.register_cases(records(1), found_date="2026-11-06").added
    with pytest.raises(WorkflowError, match="处置人"):
        reg.advance(no, "拆除整治", "2026-11-07", "  ", "")
    with pytest.raises(WorkflowError, match="早于"):
        reg.advance(no, "拆除整治", "2026-11-05", "甲", "")
    with pytest.raises(WorkflowError, match="处置方式"):
        reg.advance(no, "拆除整治", "2026-11-07", "甲", "", disposal_kind="罚款")


def test_overdue_accountability_and_referrals(reg):
    added = reg.register_cases(records(3), found_date="2026-11-02", actor="甲").added
    a, b, c = added
    # a: 认定 late by 2 days (due 11-04, done 11-06) → 效能问责 names 认定人员
    ca = reg.advance(a, "拆除整治", "2026-11-06", "认定员", "")
    assert ca["accountability"] == 1 and "快速认定超期2天（认定人员）" in ca["accountability_note"]
    # a: not demolished by 11-09 → on 11-12 it is overdue, 拆除人员 responsible, referral due 11-09 + 15 = 11-24
    overdue = reg.find_cases(overdue_on="2026-11-12")
    assert {x["case_no"] for x in overdue} == {a, b, c}     # b, c never determined (due 11-04)
    st = reg.status(reg.get_case(a), "2026-11-12")
    assert st.overdue and st.overdue_role == "拆除人员" and st.overdue_days == 3
    assert st.referral_required and st.referral_due == dt.date(2026, 11, 24)
    flagged = reg.flag_overdue("2026-11-12")
    assert set(flagged) == {a, b, c}
    assert reg.flag_overdue("2026-11-13") == []           # flagged once per stage
    ca = reg.get_case(a)
    assert ca["referral_required"] == 1 and ca["referral_due"] == "2026-11-24"
    assert "未按时限整改到位" in ca["referral_reason"]
    cb = reg.get_case(b)
    assert cb["accountability"] == 1 and "认定人员" in cb["accountability_note"]
    # b, c: still at 快速认定 after the 7-day target 11-09 → workflow.toml [[referral.rule]] (seed 001 第8条): 11-24
    assert cb["referral_required"] == 1 and cb["referral_due"] == "2026-11-24"
    # c: party is a public official, penalty decided 11-20 → referral within 30 days: 12-20 (rule: 11-24, earlier)
    assert reg.workflow.referral_due("days_after_penalty_official", dt.date(2026, 11, 20)) == dt.date(2026, 12, 20)
    cc = reg.update_case(c, {"party_official": 1, "penalty_date": "2026-11-20"}, "执法队", "行政处罚决定")
    assert cc["referral_due"] == "2026-11-24" and "公职人员" in cc["referral_reason"]
    # b: found late (未及时发现) → 11-02 + 15 = 11-17
    cb = reg.update_case(b, {"found_late": 1}, "纪检", "卫片发现，巡查未报告")
    assert cb["referral_due"] == "2026-11-17"
    cc = reg.update_case(c, {"referred_date": "2026-12-01"}, "自然资源局", "已移交纪委监委")
    assert reg.history(c)[-1]["action"] == "referral"
    consistent(reg)


def test_history_reconstructs_every_case(reg):
    added = reg.register_cases(records(4, not_violation={3}), found_date="2026-11-02", actor="甲").added
    reg.advance(added[0], "拆除整治", "2026-11-03", "乙", "")
    reg.advance(added[0], "监督检查", "2026-11-05", "丙", "", disposal_kind="没收")
    reg.update_case(added[1], {"party": "某公司", "note": "补充当事人"}, "丁")
    reg.advance_many(added[:3], "拆除整治", "2026-11-06", "戊", "批量")   # a[0] refused
    reg.flag_overdue("2026-11-20")
    for case in reg.find_cases():
        state: dict = {}
        for h in reg.history(case["fid"]):
            for col, (old, new) in h["changes"].items():
                assert state.get(col) == old, (case["case_no"], h["version"], col)
                state[col] = new
        skip = {"fid", "updated_at", "updated_by", "version", "created_at", "geom"}
        assert {k: v for k, v in state.items() if k not in skip and v is not None} == \
               {k: v for k, v in case.items() if k not in skip and v is not None}, case["case_no"]


def test_history_is_append_only(reg):
    reg.register_cases(records(1), found_date="2026-11-02")
    for sql in ("UPDATE case_history SET note = 'x'", "DELETE FROM case_history"):
        with pytest.raises(Exception, match="只增不改"):
            with reg.transaction() as cur:
                cur.execute(sql)
    consistent(reg)


# -- optimistic locking, concurrency, crashes ----------------------------------------------------

def test_stale_version_is_a_conflict(reg):
    (no,) = reg.register_cases(records(1), found_date="2026-11-02").added
    seen = reg.get_case(no)
    reg.advance(no, "拆除整治", "2026-11-03", "张三", "")
    with pytest.raises(ConflictError) as err:
        reg.advance(no, "拆除整治", "2026-11-03", "李四", "", expected_version=seen["version"])
    assert no in str(err.value) and "张三" in str(err.value)
    with pytest.raises(ConflictError):
        reg.update_case(no, {"note": "x"}, "李四", expected_version=seen["version"])
    assert reg.get_case(no)["version"] == 2


def _worker(*args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "build" / "plugins"), env.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_two_processes_advancing_one_case(reg, target):
    (no,) = reg.register_cases(records(1), found_date="2026-11-02").added
    procs = [_worker("advance", target, no, "拆除整治", "2026-11-03", name) for name in ("张三", "李四")]
    for p in procs:
        assert p.stdout.readline().strip() == "READY", p.stderr.read()
    for p in procs:               # both have read version 1; now both write
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 3], outs
    loser = next(o for o in outs if o.startswith("CONFLICT"))
    winner = "张三" if "张三" in loser else "李四"
    assert no in loser and "版本" in loser
    case = reg.get_case(no)
    assert case["version"] == 2 and case["updated_by"] == winner
    assert [h["actor"] for h in reg.history(no)] == ["", winner]


@pytest.mark.parametrize("atomic", [True, False])
def test_killed_mid_batch_leaves_no_half_written_case(reg, target, atomic):
    added = reg.register_cases(records(8), found_date="2026-11-02").added
    fids = [str(reg.get_case(n)["fid"]) for n in added]
    p = _worker("batch", target, "拆除整治", "2026-11-03", "1" if atomic else "0", *fids)
    while True:
        line = p.stdout.readline()
        assert line, p.stderr.read()
        if line.strip() == "DONE 3":
            break
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    with Register(target) as r:          # a fresh connection, as after a crash
        stages = [r.get_case(n)["stage"] for n in added]
        moved = stages.count("拆除整治")
        if atomic:
            assert moved == 0               # the whole batch rolled back
        else:
            assert 3 <= moved <= 4 and stages[:3] == ["拆除整治"] * 3
        assert set(stages) <= {"快速认定", "拆除整治"}
        consistent(r)
        # the register still works after the crash
        r.advance(added[-1], "拆除整治", "2026-11-04", "甲", "")


# -- grid check-ins ----------------------------------------------------------------------------

def test_grid_zero_reports_and_missed_days(reg):
    reg.add_grid_unit("G01", "东山村", "城关镇", "东山村", reporter="网格员A")
    reg.add_grid_unit("G02", "南门社区", "城关镇", "南门社区", reporter="网格员B")
    reg.add_grid_unit("G03", "阳光小区", "城关镇", kind="小区", reporter="物业经理C")
    (no,) = reg.register_cases(records(1), source="网格巡查", found_date="2026-11-02").added
    assert reg.submit_grid_report("G01", "2026-11-02", "网格员A", [no])["is_zero"] is False
    assert reg.submit_grid_report("G02", "2026-11-02", "网格员B")["is_zero"] is True
    reg.submit_grid_report("G01", "2026-11-03", "网格员A")
    reg.submit_grid_report("G03", "2026-11-03", "物业经理C")
    with pytest.raises(WorkflowError, match="重复"):
        reg.submit_grid_report("G02", "2026-11-02", "网格员B")
    with pytest.raises(WorkflowError, match="未登记"):
        reg.submit_grid_report("G99", "2026-11-02")
    missed = {(m["unit_code"], m["date"]) for m in reg.missed_grid_reports("2026-11-02", "2026-11-03")}
    assert missed == {("G03", "2026-11-02"), ("G02", "2026-11-03")}
    zero = [r for r in reg.grid_reports("2026-11-02", "2026-11-03") if r["is_zero"]]
    assert {(r["unit_code"], r["report_date"]) for r in zero} == {("G02", "2026-11-02"), ("G01", "2026-11-03"),
                                                                  ("G03", "2026-11-03")}


# -- PostGIS specifics ---------------------------------------------------------------------------

@pytest.mark.postgis
def test_qgis_connection_name_and_layer(pg, qgis_app):
    from qgis.core import QgsSettings, QgsVectorLayer

    s = QgsSettings()
    base = "PostgreSQL/connections/liangwei_test_conn"
    for key, value in (("host", "127.0.0.1"), ("port", str(pg.port)), ("database", pg.dbname),
                       ("username", pg.user), ("password", "")):
        s.setValue(f"{base}/{key}", value)
    try:
        with Register("liangwei_test_conn?schema=by_name") as r:
            assert r.dialect.name == "postgis" and r.dialect.schema == "by_name"
            r.register_cases(records(2), found_date="2026-11-02")
            uri, provider = r.layer_uri()
            layer = QgsVectorLayer(uri, "cases", provider)
            assert layer.isValid(), uri
            assert layer.featureCount() == 2 and layer.crs().authid() == "EPSG:4527"
            from liangwei.gui.case_register_dock import register_layer

            styled = register_layer(r)          # the dock's layer: overdue style saved as the default
            assert styled.featureCount() == 2 and styled.listStylesInDatabase()[0] == 1
        again = QgsVectorLayer(uri, "cases", provider)
        assert again.renderer().type() == "RuleRenderer"
    finally:
        s.remove(base)


def test_unknown_target_message():
    from liangwei.liangwei_plugin.register import RegisterOpenError

    with pytest.raises(RegisterOpenError, match="无法识别的台账"):
        Register("no-such-connection")
    with pytest.raises(RegisterOpenError, match="无法连接"):
        Register("postgresql://nobody@127.0.0.1:1/none")


def test_edits_made_in_qgis_are_versioned_and_guarded(reg, qgis_app):
    from qgis.core import QgsVectorLayer

    (no,) = reg.register_cases(records(1), found_date="2026-11-02").added
    uri, provider = reg.layer_uri()
    layer = QgsVectorLayer(uri, "cases", provider)
    assert layer.isValid()
    fid = next(layer.getFeatures())["fid"] if provider == "postgres" else next(layer.getFeatures()).id()
    feature = next(layer.getFeatures())
    idx = layer.fields().indexOf("party")
    assert layer.dataProvider().changeAttributeValues({feature.id(): {idx: "改名公司"}})
    case = reg.get_case(no)
    assert case["party"] == "改名公司" and case["version"] == 2
    last = reg.history(no)[-1]
    assert last["action"] == "edit" and last["changes"]["party"] == ["当事人0", "改名公司"]
    # the stage cannot be edited around the workflow, nor a case deleted
    stage_idx = layer.fields().indexOf("stage")
    assert not layer.dataProvider().changeAttributeValues({feature.id(): {stage_idx: "办结"}})
    assert not layer.dataProvider().deleteFeatures([feature.id()])
    case = reg.get_case(no)
    assert case["stage"] == "快速认定" and case["version"] == 2 and reg.count_cases() == 1
    assert fid == case["fid"]
    consistent(reg)
