"""Configuration files checked against a schema at load (liangwei_plugin/config_schema.py): unknown keys,
types, ranges (negative deadlines), placeholders and references, ALL problems of a file in one message,
each naming its key; files in GBK, with a BOM or broken TOML named."""
from __future__ import annotations

from pathlib import Path

import pytest

from liangwei.liangwei_plugin.config_schema import (
    ConfigSchemaError,
    List,
    Number,
    Table,
    Text,
    check,
    read_toml,
)

ROOT = Path(__file__).resolve().parent.parent
RES = ROOT / "resources"


def edited(tmp_path: Path, name: str, *edits: tuple[str, str], encoding: str = "utf-8") -> Path:
    text = (RES / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_schema_collects_every_problem_with_its_key():
    schema = Table({"a": Table({"days": Number(minimum=0, integer=True), "name": Text(nonempty=True)}),
                    "items": List(Table({"n": Number(maximum=10)}))})
    problems = check({"a": {"days": -1, "name": "", "extra": 1}, "items": [{"n": 1}, {"n": 11}], "zzz": 0}, schema)
    assert len(problems) == 5, problems
    text = "\n".join(problems)
    assert "[a] days" in text and "-1" in text
    assert "[a] name" in text and "[a]：未知的键 extra" in text and "未知的键 zzz" in text
    assert "[[items]] 第 2 项 n" in text


def test_shipped_files_are_valid():
    from liangwei.liangwei_plugin import fieldmap, landuse_codes
    from liangwei.liangwei_plugin.determination import load_rules
    from liangwei.liangwei_plugin.documents.config import load_config
    from liangwei.liangwei_plugin.register.workflow import Workflow

    Workflow.load()
    load_rules()
    load_config()
    assert fieldmap.load_field_mapping.__wrapped__(None)
    assert landuse_codes._load.__wrapped__(None).codes


def test_workflow_all_problems_at_once(tmp_path):
    from liangwei.liangwei_plugin.register.workflow import Workflow, WorkflowError

    path = edited(tmp_path, "workflow.toml", ("days = 2", "days = -2"), ("disposal_days = 7", "disposal_dayz = 7"),
                  ('to = "办结"', 'to = "办节"'), ("closed_late = true", 'closed_late = "yes"'),
                  ("days_not_rectified = 15", "days_not_rectified = -15"))
    with pytest.raises(WorkflowError) as info:
        Workflow.load(path)
    message = str(info.value)
    assert str(path) in message and "5 处错误" in message
    for words in ("[[stage]] 第 2 项 days", "期限会早于起算日期", "disposal_dayz", "办节", "closed_late",
                  "[referral] days_not_rectified"):
        assert words in message, (words, message)


def test_rules_all_problems_at_once_and_named_by_rule(tmp_path):
    from liangwei.liangwei_plugin.determination import RuleFileError, load_rules

    path = edited(tmp_path, "determination_rules.toml", ("occupy_min_m2 = 1.0", "occupy_min_m2 = -1.0"),
                  ('code = "correctable"', 'code = "correctible"'), ("threshold_pct = 15", "threshold_pct = 150"),
                  ('id = "R99"', 'id = "R99"\nwhenn = []'))
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    message = str(info.value)
    assert "4 处错误" in message, message
    assert "occupy_min_m2" in message and "correctible" in message and "threshold_pct" in message
    assert "规则 R99" in message and "whenn" in message


def test_rule_keys_known_to_the_parser_are_accepted():
    """A key the determination parser knows (e.g. a condition option added there) needs no schema edit."""
    from liangwei.liangwei_plugin import determination

    rule = determination.rules_schema().fields["rule"].item
    assert determination._RULE_KEYS <= set(rule.fields) | rule.known


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_rule_file_encodings(tmp_path, encoding):
    from liangwei.liangwei_plugin.determination import RuleFileError, load_rules

    path = edited(tmp_path, "determination_rules.toml", encoding=encoding)
    if encoding == "utf-8-sig":  # Notepad's UTF-8 with a byte-order mark: read as it is
        assert load_rules(path).rules
        return
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    assert str(path) in str(info.value) and "UTF-8" in str(info.value) and "GBK" in str(info.value)


def test_broken_toml_named(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text('[a]\nb = "未闭合\n', encoding="utf-8")
    with pytest.raises(ConfigSchemaError) as info:
        read_toml(bad, "字段映射文件")
    assert str(bad) in str(info.value) and "TOML" in str(info.value)


def test_documents_config_all_problems_at_once(tmp_path):
    from liangwei.liangwei_plugin.documents.config import DocumentConfigError, load_config

    override = tmp_path / "documents.toml"
    override.write_text('[deadlines]\nrectify_days = -3\n\n[notice]\nfacts = "经查，{patch_idd}"\n'
                        'order = "限{days"\n', encoding="utf-8")
    with pytest.raises(DocumentConfigError) as info:
        load_config(override)
    message = str(info.value)
    assert "3 处错误" in message, message
    assert "rectify_days" in message and "{patch_idd}" in message and "[notice] order" in message


def test_field_mapping_and_landuse_codes(tmp_path):
    from liangwei.liangwei_plugin import fieldmap, landuse_codes

    fm = edited(tmp_path, "field_mapping.toml", ('aliases = ["监测编号"', 'alias = ["监测编号"'))
    with pytest.raises(ConfigSchemaError) as info:
        fieldmap.load_field_mapping(str(fm))
    assert "[fields.JCBH]" in str(info.value) and "alias" in str(info.value)
    lu = edited(tmp_path, "landuse_codes.toml", ('farmland = ["0101", "0102", "0103"]', 'farmland = ["0101", "0109"]'),
                ('"0101" = { name = "水田", group = "农用地" }', '"0101" = { name = "水田", group = "农地" }'))
    with pytest.raises(ConfigSchemaError) as info:
        landuse_codes._load(str(lu))
    message = str(info.value)
    assert "2 处错误" in message and "0109" in message and "农地" in message


def test_catalogue_reports_file_and_layer_problems_in_one_pass(qgis_app, tmp_path):
    """An unknown key (file) and a code_field the layer lacks (found opening it) in one message."""
    from qgis.core import QgsProject

    from liangwei.liangwei_plugin.onemap.catalogue import CatalogueError
    from liangwei.liangwei_plugin.onemap.project_builder import build_onemap

    county = (ROOT / "sample" / "county.gpkg").resolve()
    if not county.exists():
        pytest.skip("sample county not generated")
    cat = tmp_path / "catalogue.toml"
    cat.write_text(
        f'[[layer]]\nrole = "boundary"\npath = "{county}|layername=乡镇界线"\nnmae = "乡镇"\n\n'
        f'[[layer]]\nrole = "landuse"\npath = "{county}|layername=三调地类图斑"\ncode_field = "DLBMX"\n\n'
        f'[[layer]]\nrole = "imagery"\npath = "{county}"\ndate = "2024/05/01"\n', encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        build_onemap(cat, QgsProject())
    message = str(info.value)
    assert "3 处错误" in message, message
    assert "第1项" in message and "nmae" in message
    assert "第2项" in message and "DLBMX" in message
    assert "第3项" in message and "YYYY-MM-DD" in message
