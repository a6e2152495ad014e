"""规划认定: the shipped rule table, its validation, department routing, liangwei:determine."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from liangwei.liangwei_plugin.determination import (
    DEFAULT_RULES,
    OUTPUT_FIELDS,
    RuleFileError,
    determine,
    determine_frame,
    load_rules,
)

ROOT = Path(__file__).resolve().parent.parent
RULES_TEXT = DEFAULT_RULES.read_text(encoding="utf-8")

UNCORRECTABLE = "无法采取改正措施消除对规划实施的影响"
CORRECTABLE = "尚可采取改正措施消除对规划实施的影响"
NOT_VIOLATION = "不属于违法用地违法建设"

NR, UM, FOR, AGR, WAT, ECO, TRA = ("自然资源和规划部门", "城市管理部门", "林业主管部门", "农业农村部门",
                                   "水务部门", "生态环境部门", "交通运输部门")


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def patch(**kw) -> dict:
    """A 1000 m² patch wholly outside the urban boundary, on nothing in particular."""
    record = dict(patch_id="P", area_m2=1000.0, area_mu=1.5, area_method="ellipsoidal", farmland_m2=0.0,
                  construction_m2=0.0, agricultural_m2=0.0, unused_m2=0.0, TBLX="新增建设",
                  生态保护红线_m2=0.0, 永久基本农田_m2=0.0, 城镇开发边界_m2=0.0)
    record.update(kw)
    return record


INSIDE = {"城镇开发边界_m2": 1000.0}
RURAL = {"TBLX": "农村村民建房"}

# rule id -> (record, code, consequence); each record hand-made to satisfy that rule and no earlier one.
CASES = {
    "F01": (patch(HCJL="合法", PZWH="闽政地〔2026〕12号", 生态保护红线_m2=10.0), "not_violation", ""),
    "F02": (patch(HCJL="设施农用地", PZWH="设施农用地备案〔2026〕3号", 永久基本农田_m2=300), "not_violation", ""),
    "F03": (patch(HCJL="农村道路", farmland_m2=300, 永久基本农田_m2=300), "not_violation", ""),
    "R00": (patch(PZWH="闽政地〔2026〕12号", farmland_m2=900, agricultural_m2=1000, 生态保护红线_m2=10.0), "not_violation", ""),
    "R01": (patch(TBLX="耕地非粮化", farmland_m2=900, agricultural_m2=1000), "not_violation", ""),
    "R02": (patch(生态保护红线_m2=5.0, farmland_m2=800, agricultural_m2=800), "uncorrectable", "限期拆除并恢复原状"),
    "R03": (patch(永久基本农田_m2=300, farmland_m2=300, agricultural_m2=300), "uncorrectable", "限期拆除并恢复原状"),
    "R04": (patch(**{"湿地公园_m2": 20.0, "agricultural_m2": 1000}), "uncorrectable", "限期拆除并恢复原状"),
    "R05": (patch(**{"饮用水水源保护区_m2": 1000.0, "agricultural_m2": 1000}), "uncorrectable", "限期拆除并恢复原状"),
    "R06": (patch(**{"河道管理范围_m2": 12.5, "construction_m2": 1000}), "uncorrectable", "限期拆除并恢复原状"),
    "R07": (patch(**INSIDE, **{"禁止建设区_m2": 40.0, "construction_m2": 1000}), "uncorrectable", "限期拆除并恢复原状"),
    "R08": (patch(**RURAL, construction_m2=950, agricultural_m2=50), "correctable", "补办手续"),
    "R09": (patch(**RURAL, construction_m2=600, farmland_m2=400, agricultural_m2=400), "uncorrectable", "限期拆除并恢复原状"),
    "R10": (patch(**{"林地_m2": 600.0, "agricultural_m2": 600, "construction_m2": 400}), "uncorrectable", "限期拆除并恢复原状"),
    "R11": (patch(farmland_m2=250, agricultural_m2=250, construction_m2=750), "uncorrectable", "限期拆除并恢复原状"),
    "R12": (patch(**INSIDE, farmland_m2=250, agricultural_m2=250, construction_m2=750), "correctable", "没收"),
    "R13": (patch(**INSIDE, construction_m2=1000), "not_violation", ""),
    "R14": (patch(**INSIDE, agricultural_m2=500, construction_m2=500, **{"林地_m2": 500.0}), "correctable", "没收"),
    "R15": (patch(construction_m2=950, unused_m2=50), "correctable", "补办手续"),
    "R16": (patch(agricultural_m2=600, unused_m2=400), "uncorrectable", "限期拆除并恢复原状"),
    "R99": (patch(), "correctable", ""),
}


def test_every_default_rule_has_a_case(rules):
    assert [r.id for r in rules.rules] == list(CASES)


@pytest.mark.parametrize("rule_id", list(CASES))
def test_each_default_rule_fires(rules, rule_id):
    record, code, consequence = CASES[rule_id]
    d = determine(record, rules)
    assert d.rule_id == rule_id
    assert d.determination_code == code
    assert d.consequence == consequence
    assert d.violation == (0 if code == "not_violation" else 1)
    assert d.determination == {"uncorrectable": UNCORRECTABLE, "correctable": CORRECTABLE,
                               "not_violation": NOT_VIOLATION}[code]
    assert d.rule_name == rules.rule(rule_id).name
    if code != "not_violation":
        assert "第" in d.legal_basis and "条" in d.legal_basis


def test_legal_basis_follows_domain(rules):
    assert "城乡规划法》第六十四条" in rules.rule("R02").legal_basis
    assert "第七十七条" in rules.rule("R11").legal_basis
    assert "第七十八条" in rules.rule("R09").legal_basis


def test_frame_equals_per_record(rules):
    records = [c[0] for c in CASES.values()]
    frame = determine_frame(pd.DataFrame(records), rules)
    assert list(frame.columns) == list(OUTPUT_FIELDS)
    assert frame["rule_id"].tolist() == list(CASES)
    for (_, row), record in zip(frame.iterrows(), records):
        assert determine(record, rules).as_dict() == {k: (int(row[k]) if k == "violation" else row[k]) for k in OUTPUT_FIELDS}


def test_first_match_wins(rules):
    # Red line AND farmland outside the boundary: the red-line rule (earlier) decides.
    both = patch(生态保护红线_m2=100.0, farmland_m2=900, agricultural_m2=900)
    assert determine(both, rules).rule_id == "R02"
    # Reordered copy: the farmland rule now comes first and decides.
    data = RULES_TEXT
    r02 = re.search(r"\[\[rule\]\]\nid = \"R02\".*?(?=\n\[\[rule\]\])", data, re.S).group(0)
    data = data.replace(r02 + "\n", "", 1)
    r11_at = data.index('[[rule]]\nid = "R12"')
    data = data[:r11_at] + r02 + "\n\n" + data[r11_at:]
    import tomllib

    from liangwei.liangwei_plugin.determination import parse_rules

    reordered = parse_rules(tomllib.loads(data), "reordered")
    assert [r.id for r in reordered.rules].index("R02") > [r.id for r in reordered.rules].index("R11")
    assert determine(both, reordered).rule_id == "R11"


def test_sliver_tolerance_and_boundary_shares(rules):
    # 0.5 m² of red line is a sliver below occupy_min_m2 = 1: the farmland rule decides.
    assert determine(patch(生态保护红线_m2=0.5, farmland_m2=500, agricultural_m2=500), rules).rule_id == "R11"
    assert determine(patch(生态保护红线_m2=1.0, farmland_m2=500, agricultural_m2=500), rules).rule_id == "R02"
    # 95 % inside the boundary counts as inside, 94.9 % does not (straddling = outside, stricter).
    assert determine(patch(城镇开发边界_m2=950.0, farmland_m2=500, agricultural_m2=500), rules).rule_id == "R12"
    assert determine(patch(城镇开发边界_m2=949.0, farmland_m2=500, agricultural_m2=500), rules).rule_id == "R11"


def _copy(tmp_path, text: str, name="rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_editing_thresholds_and_wording_changes_results(tmp_path, rules):
    record = patch(生态保护红线_m2=5.0, farmland_m2=500, agricultural_m2=500)
    assert determine(record, rules).rule_id == "R02"
    text = RULES_TEXT.replace("occupy_min_m2 = 1.0", "occupy_min_m2 = 10.0")
    text = text.replace('uncorrectable = "无法采取改正措施消除对规划实施的影响"', 'uncorrectable = "无法采取改正措施消除影响"')
    text = text.replace('natural_resources = "自然资源和规划部门"', 'natural_resources = "某某县自然资源局"')
    edited = load_rules(_copy(tmp_path, text))
    d = determine(record, edited)
    assert d.rule_id == "R11"  # 5 m² of red line is now below the tolerance
    assert d.determination == "无法采取改正措施消除影响"
    assert d.department == "某某县自然资源局"
    # Inside share threshold lowered: a 60 % inside patch becomes "inside".
    half = patch(城镇开发边界_m2=600.0, farmland_m2=500, agricultural_m2=500)
    assert determine(half, rules).rule_id == "R11"
    lowered = load_rules(_copy(tmp_path, RULES_TEXT.replace("urban_inside_share = 0.95", "urban_inside_share = 0.5"), "b.toml"))
    assert determine(half, lowered).rule_id == "R12"
    # A rule's own wording and consequence.
    text = RULES_TEXT.replace('name = "城镇开发边界内占用耕地（符合规划、未经批准）"\nwhen = ["farmland_m2 >= $occupy_min_m2", '
                              '"urban_boundary_share >= $urban_inside_share"]\ncode = "correctable"\nconsequence = "没收"',
                              'name = "城镇开发边界内占用耕地"\nwhen = ["farmland_m2 >= $occupy_min_m2", '
                              '"urban_boundary_share >= $urban_inside_share"]\ncode = "correctable"\nconsequence = "补办手续"\n'
                              'determination = "尚可采取改正措施（补办用地手续）"')
    assert text != RULES_TEXT
    d = determine(CASES["R12"][0], load_rules(_copy(tmp_path, text, "c.toml")))
    assert (d.rule_name, d.consequence, d.determination) == ("城镇开发边界内占用耕地", "补办手续", "尚可采取改正措施（补办用地手续）")


BAD_EDITS = [
    # (old, new, words the message must contain)
    ('when = ["ecological_redline_m2 >= $occupy_min_m2"]', 'when = ["ecological_redline_m2 >> 1"]', ["R02", "ecological_redline_m2 >> 1"]),
    ('when = ["ecological_redline_m2 >= $occupy_min_m2"]', 'when = ["ecological_redline_m2 >= $min_area"]', ["R02", "$min_area"]),
    ('when = ["ecological_redline_m2 >= $occupy_min_m2"]', 'when = ["ecologcal_redline_m2 >= 1"]', ["R02", "ecologcal_redline_m2"]),
    ('when = ["ecological_redline_m2 >= $occupy_min_m2"]', 'when = ["ecological_redline_m2 >= \\"多\\""]', ["R02", "数字"]),
    ('id = "R03"\nname = "占用永久基本农田"', 'id = "R02"\nname = "占用永久基本农田"', ["R02", "id 重复"]),
    ('id = "R04"\nname = "位于自然保护地"\nwhen = ["nature_reserve_m2 >= $occupy_min_m2"]\ncode = "uncorrectable"',
     'id = "R04"\nname = "位于自然保护地"\nwhen = ["nature_reserve_m2 >= $occupy_min_m2"]\ncode = "illegal"', ["R04", "code", "illegal"]),
    ('id = "R04"\nname = "位于自然保护地"\nwhen = ["nature_reserve_m2 >= $occupy_min_m2"]\ncode = "uncorrectable"\n'
     'consequence = "限期拆除并恢复原状"',
     'id = "R04"\nname = "位于自然保护地"\nwhen = ["nature_reserve_m2 >= $occupy_min_m2"]\ncode = "uncorrectable"\n'
     'consequnce = "限期拆除并恢复原状"', ["R04", "consequnce"]),
    ('id = "R05"\nname = "位于饮用水水源保护区"\nwhen = ["water_source_m2 >= $occupy_min_m2"]\ncode = "uncorrectable"\n'
     'consequence = "限期拆除并恢复原状"',
     'id = "R05"\nname = "位于饮用水水源保护区"\nwhen = ["water_source_m2 >= $occupy_min_m2"]\ncode = "uncorrectable"\n'
     'consequence = "罚款"', ["R05", "consequence", "罚款"]),
    ('id = "R13"\nname = "城镇开发边界内现状建设用地（需核对规划许可）"',
     'id = "R13"\nviolation = 1\nname = "城镇开发边界内现状建设用地（需核对规划许可）"', ["R13", "violation", "矛盾"]),
    ('lead = "urban_management"', 'lead = "housing"', ["R13", "lead", "housing"]),
    ('id = "R16"\nname = "城镇开发边界外占用农用地或未利用地（不符合规划）"\nwhen = ["urban_boundary_share < $urban_inside_share"]\n',
     'id = "R16"\nname = "城镇开发边界外占用农用地或未利用地（不符合规划）"\n', None),  # filled below
    ('id = "R11"\nname = "城镇开发边界外占用耕地（不符合规划）"\nwhen = ["farmland_m2 >= $occupy_min_m2", '
     '"urban_boundary_share < $urban_inside_share"]\ncode = "uncorrectable"\nconsequence = "限期拆除并恢复原状"\n'
     'legal_basis = "《中华人民共和国城乡规划法》第六十四条；《中华人民共和国土地管理法》第七十七条"',
     'id = "R11"\nname = "城镇开发边界外占用耕地（不符合规划）"\nwhen = ["farmland_m2 >= $occupy_min_m2", '
     '"urban_boundary_share < $urban_inside_share"]\ncode = "uncorrectable"\nconsequence = "限期拆除并恢复原状"\n'
     'legal_basis = ""', ["R11", "legal_basis"]),
    ('department = "transport"', 'department = "traffic"', ["[[route]]", "traffic"]),
    ('default = "natural_resources"', 'default = "planning"', ["[routing] default"]),
    ('occupy_min_m2 = 1.0', 'occupy_min_m2 = "1 平方米"', ["occupy_min_m2", "数字"]),
    ('patterns = ["林地", "公益林"]', 'patterns = []', ["kinds.forest", "patterns"]),
    ('threshold_pct = 15.0', 'threshold_pct = 150', ["threshold_pct"]),
    ('water = "水务部门"', 'water = "水利、水务部门"', ["[departments] water", "、"]),
    ('PZWH = ["批准文号"', 'PZWH = "批准文号"\nX = ["批准文号"', ["[attributes] PZWH"]),
]


@pytest.mark.parametrize("old,new,words", BAD_EDITS, ids=[str(i) for i in range(len(BAD_EDITS))])
def test_invalid_rule_files_are_explained(tmp_path, old, new, words):
    assert old in RULES_TEXT, old
    text = RULES_TEXT.replace(old, new, 1)
    if words is None:  # R16 loses its `when`, R99 stays last: R16 with only when_any is fine; make R16 empty
        text = text.replace('when_any = ["agricultural_m2 >= $occupy_min_m2", "unused_m2 >= $occupy_min_m2"]\n'
                            'code = "uncorrectable"', 'code = "uncorrectable"')
        words = ["R16", "默认规则"]
    path = _copy(tmp_path, text)
    with pytest.raises(RuleFileError) as err:
        load_rules(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(RuleFileError, match="不是有效的 TOML"):
        load_rules(_copy(tmp_path, RULES_TEXT.replace('\n[thresholds]\n', '\n[thresholds\n', 1)))
    with pytest.raises(RuleFileError, match="找不到规则文件"):
        load_rules(tmp_path / "none.toml")
    last_with_condition = RULES_TEXT.replace('name = "其他情形（需人工核查）"', 'name = "其他情形（需人工核查）"\nwhen = ["area_m2 > 0"]')
    with pytest.raises(RuleFileError, match="R99.*最后一条规则必须是无条件"):
        load_rules(_copy(tmp_path, last_with_condition, "x.toml"))


# -- routing (seed 001 职责 (1)–(7)) -----------------------------------------------------------

ROUTING = [
    # (record, primary, all departments)
    (patch(**{"饮用水水源保护区_m2": 300.0, "agricultural_m2": 1000}), ECO, [ECO, NR]),
    (patch(**{"河道管理范围_m2": 300.0, "unused_m2": 1000}), WAT, [WAT, NR]),
    (patch(**{"泉域重点渗漏带_m2": 300.0, "unused_m2": 1000}), WAT, [WAT, NR]),
    (patch(**{"林地_m2": 300.0, "agricultural_m2": 1000}), FOR, [FOR, NR]),
    (patch(**{"风景名胜区_m2": 300.0, "agricultural_m2": 1000}), FOR, [FOR, NR]),
    (patch(**RURAL, farmland_m2=300, agricultural_m2=300, construction_m2=700), AGR, [AGR]),
    (patch(TBLX="耕地非粮化", farmland_m2=1000, agricultural_m2=1000), AGR, [AGR]),
    (patch(TBLX="公路建设", farmland_m2=300, agricultural_m2=300, construction_m2=700), TRA, [TRA, NR]),
    (patch(farmland_m2=300, agricultural_m2=300, construction_m2=700), NR, [NR]),
    (patch(TBLX="采矿用地", construction_m2=1000), NR, [NR]),  # mining: NR even when correctable
    (patch(**INSIDE, construction_m2=1000), UM, [UM]),
    (patch(**INSIDE, farmland_m2=600, agricultural_m2=600, construction_m2=400), NR, [NR, UM]),
    (patch(**INSIDE, **{"林地_m2": 100.0}, agricultural_m2=500, construction_m2=500), FOR, [FOR, NR, UM]),
]


@pytest.mark.parametrize("record,primary,involved", ROUTING, ids=[str(i) for i in range(len(ROUTING))])
def test_routing(rules, record, primary, involved):
    d = determine(record, rules)
    assert d.department == primary
    assert d.departments == "、".join(involved)


def test_rural_housing_on_homestead_not_routed_to_natural_resources(rules):
    d = determine(CASES["R08"][0], rules)
    assert (d.department, d.departments) == (AGR, AGR)


def test_kinds_by_layer_name(rules):
    assert rules.kind_of_layer("生态保护红线").key == "ecological_redline"
    assert rules.kind_of_layer("某县道路红线").key == "planning_line"
    assert rules.kind_of_layer("城镇开发边界2023").key == "urban_boundary"
    assert rules.kind_of_layer("饮用水水源保护区").key == "water_source"
    assert rules.kind_of_layer("省级森林公园").key == "nature_reserve"
    assert rules.kind_of_layer("水库管理范围").key == "river"
    assert rules.kind_of_layer("林地").key == "forest"
    assert rules.kind_of_layer("规划分区") is None
    # Two layers of one kind (a duplicate-name suffix _2) add up, capped at the patch area.
    record = patch(**{"自然保护区_m2": 700.0, "森林公园_2_m2": 700.0, "agricultural_m2": 1000})
    frame = determine_frame(pd.DataFrame([record]), rules)
    assert frame.loc[0, "rule_id"] == "R04"


def test_attribute_aliases_and_missing_attribute(rules):
    # 图斑类型 is an alias of TBLX in field_mapping.toml.
    record = patch(farmland_m2=400, agricultural_m2=400, construction_m2=600)
    del record["TBLX"]
    record["图斑类型"] = "农村村民建房"
    assert determine(record, rules).rule_id == "R09"

    messages = []

    class Fb:
        def set_progress(self, p): pass
        def is_canceled(self): return False
        def info(self, m): messages.append(m)
        def warning(self, m): messages.append(m)

    del record["图斑类型"]
    d = determine(record, rules, Fb())
    assert d.rule_id == "R11"
    assert any("TBLX" in m and "不存在" in m for m in messages)


def test_null_and_zero_area_rows_are_kept(rules):
    frame = pd.DataFrame([patch(area_m2=None, farmland_m2=None), patch(area_m2=0.0)])
    out = determine_frame(frame, rules)
    # kept, but not determined (issue 12: no 限期拆除 on a patch of no measurable area)
    assert len(out) == 2
    assert out["determination_code"].tolist() == ["undetermined", "undetermined"]
    assert out["violation"].tolist() == [None, None]
    assert out["rule_id"].tolist() == ["", ""] and out["consequence"].tolist() == ["", ""]
    assert determine_frame(frame.iloc[0:0], rules).empty


# -- the algorithm ------------------------------------------------------------------------------

def _overlay_layer(records, extra_fields=()):
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer("Polygon?crs=EPSG:4527", "overlay", "memory")
    fields = [QgsField("JCBH", QVariant.String), QgsField("TBLX", QVariant.String), QgsField("patch_id", QVariant.String)]
    fields += [QgsField(n, QVariant.Double) for n in ("area_m2", "area_mu", "farmland_m2", "farmland_mu",
                                                        "construction_m2", "agricultural_m2", "unused_m2")]
    fields += [QgsField(n, QVariant.Double) for n in ("生态保护红线_m2", "城镇开发边界_m2", "林地_m2")]
    fields += [QgsField("protected_summary", QVariant.String), QgsField("repaired", QVariant.Int)]
    fields += list(extra_fields)
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    feats = []
    for i, r in enumerate(records):
        f = QgsFeature(layer.fields())
        x = 39500000 + i * 100
        f.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({x} 2800000,{x + 40} 2800000,{x + 40} 2800025,{x} 2800025,{x} 2800000))"))
        for name in layer.fields().names():
            if name in r:
                f[name] = r[name]
        f["JCBH"] = r["patch_id"]
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


ALG_RECORDS = [
    dict(patch_id="A1", TBLX="新增建设", area_m2=1000.0, farmland_m2=0.0, construction_m2=0.0, agricultural_m2=1000.0,
         unused_m2=0.0, 生态保护红线_m2=30.0, 城镇开发边界_m2=0.0, 林地_m2=0.0, repaired=0),
    dict(patch_id="A2", TBLX="新增建设", area_m2=1000.0, farmland_m2=400.0, construction_m2=600.0, agricultural_m2=400.0,
         unused_m2=0.0, 生态保护红线_m2=0.0, 城镇开发边界_m2=1000.0, 林地_m2=0.0, repaired=1),
    dict(patch_id="A3", TBLX="新增建设", area_m2=1000.0, farmland_m2=0.0, construction_m2=1000.0, agricultural_m2=0.0,
         unused_m2=0.0, 生态保护红线_m2=0.0, 城镇开发边界_m2=1000.0, 林地_m2=0.0, repaired=0),
]


def test_algorithm_in_processing(qgis_app, liangwei_provider):
    import processing

    layer = _overlay_layer(ALG_RECORDS)
    result = processing.run("liangwei:determine", {"INPUT": layer, "OUTPUT": "memory:"})
    out = result["OUTPUT"]
    assert out.featureCount() == 3
    names = out.fields().names()
    assert names[: len(layer.fields())] == layer.fields().names()
    assert names[len(layer.fields()):] == list(OUTPUT_FIELDS)
    rows = {f["patch_id"]: f for f in out.getFeatures()}
    assert (rows["A1"]["rule_id"], rows["A1"]["violation"], rows["A1"]["consequence"]) == ("R02", 1, "限期拆除并恢复原状")
    assert (rows["A2"]["rule_id"], rows["A2"]["determination"], rows["A2"]["consequence"]) == ("R12", CORRECTABLE, "没收")
    assert (rows["A3"]["rule_id"], rows["A3"]["violation"], rows["A3"]["department"]) == ("R13", 0, UM)
    assert rows["A2"]["departments"] == f"{NR}、{UM}"
    assert rows["A2"]["repaired"] == 1 and not rows["A1"].geometry().isEmpty()

    # Run again on its own output: the determination fields are replaced, not duplicated.
    again = processing.run("liangwei:determine", {"INPUT": out, "OUTPUT": "memory:"})["OUTPUT"]
    assert again.fields().names() == names


def test_algorithm_with_edited_rules_file(qgis_app, liangwei_provider, tmp_path):
    import processing

    path = _copy(tmp_path, RULES_TEXT.replace("occupy_min_m2 = 1.0", "occupy_min_m2 = 50.0"))
    out = processing.run("liangwei:determine", {"INPUT": _overlay_layer(ALG_RECORDS[:1]), "RULES": str(path),
                                                "OUTPUT": "memory:"})["OUTPUT"]
    assert next(out.getFeatures())["rule_id"] == "R16"  # 30 m² of red line below the edited tolerance


def test_algorithm_rejects_layer_without_overlay_fields(qgis_app, liangwei_provider):
    import processing
    from qgis.core import QgsProcessingException, QgsVectorLayer

    raw = QgsVectorLayer("Polygon?crs=EPSG:4527&field=JCBH:string&field=farmland_m2:double", "卫片图斑", "memory")
    with pytest.raises(QgsProcessingException) as err:
        processing.run("liangwei:determine", {"INPUT": raw, "OUTPUT": "memory:"})
    message = str(err.value)
    assert "卫片图斑" in message and "area_m2" in message and "patch_id" in message
    assert "liangwei:overlaycheck" in message and "farmland_m2" not in message.split("：")[1].split("。")[0]


def test_algorithm_reports_bad_rules_file(qgis_app, liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    path = _copy(tmp_path, RULES_TEXT.replace(
        'id = "R10"\nname = "城镇开发边界外占用林地"\nwhen = ["forest_m2 >= $occupy_min_m2"',
        'id = "R10"\nname = "城镇开发边界外占用林地"\nwhen = ["forest_m2 => $occupy_min_m2"'))
    with pytest.raises(QgsProcessingException, match="R10"):
        processing.run("liangwei:determine", {"INPUT": _overlay_layer(ALG_RECORDS), "RULES": str(path), "OUTPUT": "memory:"})


def test_qgis_process_headless(qgis_app, tmp_path):
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter, QgsVectorLayer

    layer = _overlay_layer(ALG_RECORDS)
    gpkg = tmp_path / "overlay.gpkg"
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.layerName = "叠加结果"
    err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(gpkg), QgsCoordinateTransformContext(), options)
    assert err[0] == QgsVectorFileWriter.NoError, err
    out = tmp_path / "determined.gpkg"
    proc = subprocess.run([str(ROOT / "bin" / "qgis-process"), "run", "liangwei:determine", "--",
                           f"INPUT={gpkg}|layername=叠加结果", f"OUTPUT={out}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = QgsVectorLayer(str(out), "determined", "ogr")
    assert result.isValid() and result.featureCount() == 3
    got = {f["patch_id"]: f["rule_id"] for f in result.getFeatures()}
    assert got == {"A1": "R02", "A2": "R12", "A3": "R13"}


def test_on_the_overlay_engine_output(rules):
    """The engine's real summary (not hand-typed fields) feeds the rules: hand-decided outcomes."""
    import geopandas as gpd
    from shapely import box

    from liangwei.liangwei_plugin.overlay import LANDUSE, PROTECTED, ReferenceLayer, overlay_patches

    x0, y0 = 39500000.0, 2800000.0
    crs = "EPSG:4527"
    # Land use: west half 0103 旱地, east half 0702 农村宅基地; boundary over x >= 2000; red line a strip.
    landuse = gpd.GeoDataFrame({"DLBM": ["0103", "0702", "0103", "0601"]},
                               geometry=[box(x0, y0, x0 + 1000, y0 + 1000), box(x0 + 1000, y0, x0 + 2000, y0 + 1000),
                                         box(x0 + 2000, y0, x0 + 3000, y0 + 1000), box(x0 + 3000, y0, x0 + 4000, y0 + 1000)],
                               crs=crs)
    boundary = gpd.GeoDataFrame({"MC": ["中心城区"]}, geometry=[box(x0 + 2000, y0 - 10, x0 + 4010, y0 + 1010)], crs=crs)
    redline = gpd.GeoDataFrame({"MC": ["红线"]}, geometry=[box(x0 + 500, y0 + 900, x0 + 1500, y0 + 1000)], crs=crs)
    patches = gpd.GeoDataFrame(
        {"JCBH": ["D1", "D2", "D3", "D4", "D5"], "TBLX": ["新增建设用地"] * 4 + ["农村村民建房"]},
        geometry=[box(x0 + 100, y0 + 100, x0 + 140, y0 + 125),     # 旱地 outside the boundary -> R11
                  box(x0 + 600, y0 + 880, x0 + 640, y0 + 905),     # 5 m of it in the red line -> R02
                  box(x0 + 2100, y0 + 100, x0 + 140 + 2000, y0 + 125),  # 旱地 inside -> R12
                  box(x0 + 3100, y0 + 100, x0 + 3140, y0 + 125),   # 工业用地 inside -> R13 (urban management)
                  box(x0 + 1100, y0 + 100, x0 + 1140, y0 + 125)],  # rural house on its homestead -> R08
        crs=crs)
    result = overlay_patches(patches, ReferenceLayer("三调地类图斑", landuse, kind=LANDUSE, class_field="DLBM"),
                             [ReferenceLayer("城镇开发边界", boundary, kind=PROTECTED),
                              ReferenceLayer("生态保护红线", redline, kind=PROTECTED)], workers=1)
    frame = pd.concat([patches.drop(columns="geometry").reset_index(drop=True), result.summary], axis=1)
    out = determine_frame(frame, rules)
    assert out["rule_id"].tolist() == ["R11", "R02", "R12", "R13", "R08"]
    assert out["department"].tolist() == [NR, NR, NR, UM, AGR]


def test_approval_number_through_attribute_aliases(rules):
    # [attributes] PZWH accepts 批准文号; an empty or missing number is no approval.
    outside_farmland = dict(farmland_m2=900, agricultural_m2=1000)
    assert determine(patch(**outside_farmland, 批准文号="闽政地〔2026〕12号"), rules).rule_id == "R00"
    assert determine(patch(**outside_farmland, 批准文号="  "), rules).rule_id == "R11"
    assert determine(patch(**outside_farmland, 批准文号=None), rules).rule_id == "R11"
    d = determine(patch(**INSIDE, **outside_farmland, PZWH="X"), rules)
    assert (d.violation, d.department, d.departments) == (0, UM, UM)


def test_missing_layers_are_reported(rules):
    messages = []

    class Fb:
        def set_progress(self, p): pass
        def is_canceled(self): return False
        def info(self, m): messages.append(m)
        def warning(self, m): messages.append(m)

    record = patch(farmland_m2=400, agricultural_m2=400, construction_m2=600)
    del record["城镇开发边界_m2"]
    assert determine(record, rules, Fb()).rule_id == "R11"
    assert any("城镇开发边界" in m and "R11" in m and "R12" in m for m in messages), messages
    messages.clear()
    determine(patch(), rules, Fb())
    assert any("三调地类图层" in m for m in messages), messages
    assert not any("城镇开发边界" in m for m in messages)
    messages.clear()
    determine(patch(**{"规划分区_m2": 10.0}), rules, Fb())
    assert any("规划分区_m2" in m for m in messages)


def test_core_refuses_records_without_overlay_areas(rules):
    with pytest.raises(ValueError, match="construction_m2、agricultural_m2、unused_m2"):
        determine({"patch_id": "X", "area_m2": 10.0, "farmland_m2": 0.0}, rules)
