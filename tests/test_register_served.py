"""Issue 10, the register and the documents: referral letters (移送函) and service dates (送达) recorded in a
case's history (GeoPackage and PostGIS), liangwei:recordservice counting the period from service,
liangwei:voidnumber, the 移送函 of liangwei:exportnotices recorded in the register, and the CSV ledger's
乡镇汇总 with its footer.  Expected dates are worked by hand from documents.toml's periods."""
from __future__ import annotations

import datetime as dt
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_register_algorithms import determined_layer, run  # noqa: E402


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "台账.gpkg")
    return request.getfixturevalue("pg").uri("s_" + uuid.uuid4().hex[:12])


@pytest.fixture
def registered(target, liangwei_provider):
    res = run("registercases", INPUT=determined_layer(), REGISTER=target, SOURCE=0, DATE="2026-11-02", ACTOR="内业员")
    assert res["ADDED"] == 4
    return target


def test_referral_and_service_in_the_history(registered):
    from liangwei.liangwei_plugin.register import Register, WorkflowError
    from liangwei.liangwei_plugin.register.served import (
        record_referral,
        record_service,
        served_documents,
        service_date,
    )

    with Register(registered) as reg:
        before = reg.get_case("P002")
        record_referral(reg, "P002", "××县农业农村局", "×自然资移〔2026〕第3号", "2026-11-03", actor="文书输出")
        record_referral(reg, "P002", "××县农业农村局", "×自然资移〔2026〕第3号", "2026-11-04")  # same letter: once
        case = record_service(reg, "P002", "责令限期整改通知书", "×自然资责改〔2026〕第5号", "2026-11-05", days=15,
                              method="直接送达", actor="王五")
        assert case["version"] == before["version"] + 2 and case["stage"] == before["stage"]
        history = reg.history("P002")
        assert len(history) == case["version"]                     # one history row per change
        assert [h["action"] for h in history[-2:]] == ["referral_letter", "service"]
        docs = served_documents(reg, "P002")
        assert docs[0] == {"action": "referral_letter", "document": "移送函", "number": "×自然资移〔2026〕第3号",
                           "date": "2026-11-03", "department": "××县农业农村局", "actor": "文书输出"}
        assert docs[1]["date"] == "2026-11-05" and docs[1]["due"] == "2026-11-20" and docs[1]["method"] == "直接送达"
        assert service_date(reg, "P002", "责令限期整改通知书") == dt.date(2026, 11, 5)
        assert service_date(reg, "P002", "行政处罚听证告知书") is None
        with pytest.raises(WorkflowError, match="送达人"):
            record_service(reg, "P002", "责令限期整改通知书", "", "2026-11-05")
        with pytest.raises(WorkflowError, match="送达日期"):
            record_service(reg, "P002", "责令限期整改通知书", "", "", actor="王五")
        with pytest.raises(KeyError):
            record_referral(reg, "NOPE", "林业局", "×1号")


def test_recordservice_counts_the_period_from_service(registered, tmp_path, monkeypatch):
    from liangwei.liangwei_plugin.documents.numbering import NumberRegistry
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.served import served_documents

    numbers = tmp_path / "编号.sqlite"
    with NumberRegistry(numbers, {"notice": "×自然资责改〔{year}〕第{n}号"}, authority="××县自然资源局") as reg:
        assert reg.number("notice", "P001", 2026) == "×自然资责改〔2026〕第1号"
    # P001: 限期拆除并恢复原状 -> 15 days (documents.toml [deadlines]); number from the registry
    out = run("recordservice", REGISTER=registered, CASE_ID="P001", DOCUMENT=0, DATE="2026-11-05", METHOD=1,
              ACTOR="王五", NUMBER_REGISTRY=str(numbers))
    assert out["DUE"] == "2026-11-20"
    # 听证告知书: 5 days to ask for a hearing
    assert run("recordservice", REGISTER=registered, CASE_ID="P001", DOCUMENT=2, DATE="2026-11-05",
               ACTOR="王五", NUMBER="×自然资听告〔2026〕第1号")["DUE"] == "2026-11-10"
    with Register(registered) as reg:
        docs = served_documents(reg, "P001")
    assert docs[0]["number"] == "×自然资责改〔2026〕第1号" and docs[0]["method"] == "留置送达"
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="没有案件"):
        run("recordservice", REGISTER=registered, CASE_ID="NOPE", DOCUMENT=0, DATE="2026-11-05", ACTOR="王五")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(QgsProcessingException, match="晚于今天"):
        run("recordservice", REGISTER=registered, CASE_ID="P001", DOCUMENT=0, DATE=tomorrow, ACTOR="王五")


def test_voidnumber_records_and_never_reissues(liangwei_provider, tmp_path):
    from qgis.core import QgsProcessingException

    from liangwei.liangwei_plugin.documents.numbering import NumberRegistry

    path = tmp_path / "编号.sqlite"
    patterns = {"notice": "×自然资责改〔{year}〕第{n}号"}
    with NumberRegistry(path, patterns, authority="××县自然资源局") as reg:
        first = reg.numbers("notice", ["A", "B"], 2026)
    out = run("voidnumber", NUMBER_REGISTRY=str(path), SERIES=1, NUMBER=first["A"], REASON="当事人写错，重新制作")
    assert (out["PATCH_ID"], out["VOIDED"]) == ("A", "×自然资责改〔2026〕第1号")
    with NumberRegistry(path, patterns, authority="××县自然资源局") as reg:
        assert reg.voided("notice") == [(2026, 1, "A", "×自然资责改〔2026〕第1号", "当事人写错，重新制作")]
        assert reg.number("notice", "A", 2026) == "×自然资责改〔2026〕第3号"     # a new one, 第1号 never again
        assert reg.number("notice", "B", 2026) == "×自然资责改〔2026〕第2号"
    with pytest.raises(QgsProcessingException, match="须注明原因"):
        run("voidnumber", NUMBER_REGISTRY=str(path), SERIES=1, NUMBER=first["B"], REASON=" ")
    with pytest.raises(QgsProcessingException, match="没有"):
        run("voidnumber", NUMBER_REGISTRY=str(path), SERIES=1, NUMBER="×自然资责改〔2026〕第99号", REASON="误")
    with pytest.raises(QgsProcessingException, match="不存在"):
        run("voidnumber", NUMBER_REGISTRY=str(tmp_path / "none.sqlite"), SERIES=1, NUMBER="x", REASON="误")
    assert not (tmp_path / "none.sqlite").exists()


def test_referral_letters_of_an_export_are_recorded(qgis_app, tmp_path):
    """record_referrals (used by liangwei:exportnotices with REGISTER) on a real export."""
    import shapely
    from shapely.geometry import box

    from liangwei.liangwei_plugin.documents import batch
    from liangwei.liangwei_plugin.documents.config import load_config
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.served import served_documents
    from liangwei.processing_algs.documents_common import record_referrals
    from test_legal_text import ISSUE, _records

    records = _records()
    res = batch.export_batch("notice", records, tmp_path / "out", config=load_config(),
                             registry_path=tmp_path / "n.sqlite", issue_date=ISSUE)
    target = str(tmp_path / "台账.gpkg")
    with Register(target) as reg:   # every patch but villager-water is registered
        reg.register_cases([dict(patch_id=r.patch_id, township="城关镇", violation=1, party=r.attrs["DSR"],
                                 geom=shapely.to_wkb(box(i * 100, 0, i * 100 + 10, 10)))
                            for i, r in enumerate(records) if r.patch_id != "villager-water"],
                           found_date="2026-11-20", actor="测试")
    messages = []

    class Fb:
        def info(self, m):
            messages.append(m)

        warning = info

    done = record_referrals(target, res.rows, records, load_config(), ISSUE, Fb(), lambda s: s)
    letters = {r.patch_id: r.number for r in res.rows if r.document == "referral"}
    assert done == len(letters) - 1 and any("villager-water" in m for m in messages)
    with Register(target) as reg:
        docs = served_documents(reg, "unit-water")
        assert docs == [{"action": "referral_letter", "document": "移送函", "number": letters["unit-water"],
                         "date": "2026-11-22", "department": "××市生态环境局××分局", "actor": "文书输出"}]
        assert served_documents(reg, "villager-homestead")[0]["department"] == "城关镇人民政府"
        assert served_documents(reg, "unit-farmland") == []       # a notice, no referral


def test_csv_ledger_has_township_summary_and_footer(registered, tmp_path):
    from liangwei.liangwei_plugin.csv_out import read_csv
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import export_ledger

    out = tmp_path / "台账.csv"
    with Register(registered) as reg:
        res = export_ledger(reg, out, "2026-11", "2026-11-12", unit="云溪县自然资源局", reporter="张三",
                            reviewer="李四", report_date="2026-11-30")
    assert len(read_csv(out)) == 3                     # the table itself stays one header + rows
    summary = Path(res["summary"])
    assert summary.name == "台账_乡镇汇总.csv"
    lines = summary.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("新增违法违规问题台账（2026年11月） 乡镇汇总")
    rows = {line.split(",")[1]: line.split(",") for line in lines if line.count(",") > 10}
    # 城关镇: P001 400 ㎡ + P002 900 ㎡; farmland 100 + 200 of 100 + 200 new -> 100.00 %
    assert rows["城关镇"][2] == "2" and rows["城关镇"][3] == "1300.00" and rows["城关镇"][4] == "1.95"
    assert rows["合计"][2] == "3" and rows["合计"][3] == f"{400 + 900 + 1600:.2f}"
    # 溪口镇: 耕地 0 of the violation P004, 300 of the lawful P003 -> 0.00 %
    assert rows["溪口镇"][-1] == "0.00" and rows["城关镇"][-1] == "100.00"
    for label, value in (("填报单位", "云溪县自然资源局"), ("填报人", "张三"), ("审核人", "李四"),
                         ("报送日期", "2026-11-30")):
        assert f"{label}：,{value}" in lines
