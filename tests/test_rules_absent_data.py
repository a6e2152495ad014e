"""Issue 12, "rules on absent data": a condition on an attribute the layer lacks is an error unless the rule
says how to treat absence (``if_absent``); a patch without measurable area is never determined (no
限期拆除 on no data) but reported.  Counts in = counts out.  Through the core and through processing.run."""
from __future__ import annotations

import pandas as pd
import pytest

from liangwei.liangwei_plugin.determination import (
    DEFAULT_RULES,
    UNDETERMINED,
    AbsentFieldError,
    RuleFileError,
    determine_frame,
    load_rules,
)
from liangwei.liangwei_plugin.feedback import RecordingFeedback

RULES_TEXT = DEFAULT_RULES.read_text(encoding="utf-8")


Fb = RecordingFeedback


def patch(i=0, **kw) -> dict:
    """A 1000 m² patch outside the urban boundary occupying 250 m² of 耕地 (shipped rules: R11 限期拆除)."""
    record = dict(patch_id=f"P{i}", area_m2=1000.0, farmland_m2=250.0, construction_m2=750.0, agricultural_m2=250.0,
                  unused_m2=0.0, TBLX="新增建设", 城镇开发边界_m2=0.0)
    record.update(kw)
    return record


def rules_with(rule_text: str, tmp_path):
    """The shipped rules with ``rule_text`` inserted as the first [[rule]]."""
    head, tail = RULES_TEXT.split("\n[[rule]]\n", 1)
    path = tmp_path / "rules.toml"
    path.write_text(head + "\n" + rule_text + "\n[[rule]]\n" + tail, encoding="utf-8")
    return load_rules(path)


NE_RULE = '''[[rule]]
id = "X01"
name = "已批准（批准文号不为“无”）"
when = ["PZWH != \\"无\\""]
code = "not_violation"
consequence = ""
legal_basis = ""
{extra}
'''


def test_not_equal_on_missing_field_is_an_error(tmp_path):
    rules = rules_with(NE_RULE.format(extra=""), tmp_path)
    frame = pd.DataFrame([patch(i) for i in range(160)])  # no PZWH field at all
    with pytest.raises(AbsentFieldError) as e:
        determine_frame(frame, rules)
    msg = str(e.value)
    assert "X01" in msg and "PZWH" in msg and "if_absent" in msg and "TBLX" in msg  # names the layer's fields


def test_not_equal_on_missing_field_with_if_absent_false(tmp_path):
    rules = rules_with(NE_RULE.format(extra='if_absent = "false"'), tmp_path)
    fb = Fb()
    out = determine_frame(pd.DataFrame([patch(i) for i in range(160)]), rules, fb)
    assert len(out) == 160
    assert (out["rule_id"] == "R11").all() and (out["violation"] == 1).all()  # not 160 × 不属于违法
    assert any("PZWH" in m and "条件不成立" in m for m in fb.messages)


def test_if_absent_true_and_empty(tmp_path):
    frame = pd.DataFrame([patch(i) for i in range(3)])
    out = determine_frame(frame, rules_with(NE_RULE.format(extra='if_absent = "true"'), tmp_path))
    assert (out["rule_id"] == "X01").all()
    out = determine_frame(frame, rules_with(NE_RULE.format(extra='if_absent = "empty"'), tmp_path))
    assert (out["rule_id"] == "X01").all()  # "" != "无": the bureau asked for exactly that


def test_present_but_empty_field_is_not_absent(tmp_path):
    rules = rules_with(NE_RULE.format(extra="").replace('!= \\"无\\"', '!= \\"\\"'), tmp_path)
    out = determine_frame(pd.DataFrame([patch(0, PZWH=""), patch(1, PZWH="批字1号")]), rules)
    assert out["rule_id"].tolist() == ["R11", "X01"]


def test_if_absent_value_is_validated(tmp_path):
    with pytest.raises(RuleFileError) as e:
        rules_with(NE_RULE.format(extra='if_absent = "maybe"'), tmp_path)
    assert "X01" in str(e.value) and "if_absent" in str(e.value)


def test_shipped_rules_run_without_the_optional_fields():
    """The shipped rules say how to treat a batch without PZWH/TBLX (raw batches often lack them)."""
    frame = pd.DataFrame([patch(i) for i in range(5)]).drop(columns=["TBLX"])
    out = determine_frame(frame, load_rules())
    assert len(out) == 5 and (out["rule_id"] == "R11").all()
    assert (out["department"] == "自然资源和规划部门").all()


def test_zero_area_patch_is_not_determined_but_reported():
    fb = Fb()
    frame = pd.DataFrame([patch(0), patch(1, area_m2=0.0, farmland_m2=0.0, construction_m2=0.0,
                                         agricultural_m2=0.0), patch(2, area_m2=None)])
    out = determine_frame(frame, load_rules(), fb)
    assert len(out) == 3
    assert out["determination_code"].tolist() == ["uncorrectable", UNDETERMINED, UNDETERMINED]
    assert out["consequence"].tolist() == ["限期拆除并恢复原状", "", ""]
    assert out["violation"].tolist() == [1, None, None]
    assert any("P1" in m and "P2" in m and "未作认定" in m for m in fb.messages)


# ------------------------------------------------------------------------------------- processing.run
def _layer(records):
    from qgis.core import QgsFeature, QgsField, QgsFields, QgsGeometry, QgsVectorLayer
    from qgis.PyQt.QtCore import QMetaType

    layer = QgsVectorLayer("Polygon?crs=EPSG:4527", "叠加结果", "memory")
    fields = QgsFields()
    for name, value in records[0].items():
        fields.append(QgsField(name, QMetaType.Type.QString if isinstance(value, str) else QMetaType.Type.Double))
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    feats = []
    for i, rec in enumerate(records):
        f = QgsFeature(layer.fields())
        f.setAttributes([rec[n] for n in fields.names()])
        x = 39_500_000 + i * 100
        ring = f"{x} 2800000,{x + 50} 2800000,{x + 50} 2800020,{x} 2800020,{x} 2800000"
        f.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({ring}))"))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def test_processing_refuses_rule_on_missing_field(liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    rules_with(NE_RULE.format(extra=""), tmp_path)
    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:determine", {"INPUT": _layer([patch(i) for i in range(4)]),
                                              "RULES": str(tmp_path / "rules.toml"), "OUTPUT": "memory:"})
    assert "叠加结果" in str(e.value) and "PZWH" in str(e.value) and "X01" in str(e.value)


def test_processing_zero_area_gets_no_order(liangwei_provider):
    import processing

    records = [patch(0), patch(1, area_m2=0.0, farmland_m2=0.0, construction_m2=0.0, agricultural_m2=0.0)]
    out = processing.run("liangwei:determine", {"INPUT": _layer(records), "OUTPUT": "memory:"})["OUTPUT"]
    feats = {f["patch_id"]: f for f in out.getFeatures()}
    assert len(feats) == 2
    assert feats["P0"]["consequence"] == "限期拆除并恢复原状"
    assert feats["P1"]["determination_code"] == UNDETERMINED and feats["P1"]["consequence"] == ""
    assert feats["P1"]["violation"] in (None,) or str(feats["P1"]["violation"]) == "NULL"


def test_no_document_rests_on_an_undetermined_patch(qgis_app, tmp_path):
    """Neither a 规划认定意见书 nor a notice for a patch of no measurable area; it is named in a warning."""
    from liangwei.liangwei_plugin.documents import batch
    from liangwei.liangwei_plugin.documents.config import load_config

    rows = [dict(patch(0), JCBH="P0", XZQMC="城关镇", DSR="张三", QSX="2024-05-20", HSX="2025-10-12",
                 area_method="ellipsoidal"),
            dict(patch(1, area_m2=0.0, farmland_m2=0.0, construction_m2=0.0, agricultural_m2=0.0), JCBH="P1",
                 XZQMC="城关镇", DSR="李四", QSX="2024-05-20", HSX="2025-10-12", area_method="ellipsoidal")]
    df = pd.DataFrame(rows)
    merged = pd.concat([df, determine_frame(df, load_rules())], axis=1)
    records = [batch.PatchRecord(r["patch_id"], r) for r in merged.to_dict("records")]
    for kind in ("report", "notice"):
        fb = Fb()
        res = batch.export_batch(kind, records, tmp_path / kind, config=load_config(),
                                 registry_path=tmp_path / "numbers.sqlite", feedback=fb)
        assert not res.failed
        assert {r.patch_id for r in res.rows if r.document == kind} == {"P0"}
        assert any("P1" in m and "未作认定" in m for m in fb.messages)
