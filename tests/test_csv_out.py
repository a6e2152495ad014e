"""CSV outputs open in Excel on a Chinese Windows: UTF-8 with BOM, codes kept as text, written atomically."""
from __future__ import annotations

import codecs
import csv

import pytest
import shapely
from shapely.geometry import box

from liangwei.liangwei_plugin.csv_out import excel_cell, is_code_like, plain_cell, read_csv, write_csv

JCBH = "350521202600001"   # 15-digit patch number: Excel would show 3.50521E+14


@pytest.mark.parametrize("value, code_like", [
    ("0102", True), ("0", False), ("102", False), (JCBH, True), ("12345678901", False), ("123456789012", True),
    ("01", True), ("P001", False), ("1.50", False), ("-0102", False), ("", False), (102, False), (None, False),
    ("０１０２", False),   # full-width digits are not ASCII digits: Excel keeps them as text anyway
])
def test_code_like(value, code_like):
    assert is_code_like(value) is code_like
    assert plain_cell(excel_cell(value)) == value


def test_write_csv_bom_text_codes_and_read_back(tmp_path):
    path = tmp_path / "索引.csv"
    rows = [[JCBH, "0102", "水田", 3, 1.5, None], ["P001", "102", "城关镇, 东山村", 12, "", "a\"b"]]
    assert write_csv(path, ["patch_id", "地类编码", "名称", "pages", "area", "note"], rows) == path
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("utf-8-sig")
    # Excel reads ="…" as a formula whose value is the text: no lost zero, no 3.5E+14
    assert f'"=""{JCBH}"""' in text and '"=""0102"""' in text
    assert ',102,' in text and "水田" in text
    assert not list(tmp_path.glob("*.part"))
    with open(path, newline="", encoding="utf-8-sig") as f:
        plain = list(csv.reader(f))
    assert plain[0] == ["patch_id", "地类编码", "名称", "pages", "area", "note"]
    assert plain[1][:2] == [f'="{JCBH}"', '="0102"']
    assert read_csv(path) == [
        {"patch_id": JCBH, "地类编码": "0102", "名称": "水田", "pages": "3", "area": "1.5", "note": ""},
        {"patch_id": "P001", "地类编码": "102", "名称": "城关镇, 东山村", "pages": "12", "area": "", "note": "a\"b"},
    ]


def test_interrupted_write_keeps_old_file_and_leaves_no_part(tmp_path):
    path = tmp_path / "index.csv"
    write_csv(path, ["a"], [["old"]])

    def rows():
        yield ["new"]
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_csv(path, ["a"], rows())
    assert read_csv(path) == [{"a": "old"}]
    assert not list(tmp_path.glob("*.part"))


def test_ledger_csv_for_excel(tmp_path):
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import export_ledger

    geom = shapely.to_wkb(box(39_500_000, 2_800_000, 39_500_020, 2_800_020))
    with Register(str(tmp_path / "台账.gpkg")) as reg:
        reg.register_cases([dict(patch_id=JCBH, violation=1, determination_code="uncorrectable", area_m2=400.0,
                                 farmland_m2=100.0, township="城关镇", village="东山村", party="当事人",
                                 geom=geom)], found_date="2026-11-02")
        out = tmp_path / "台账.csv"
        assert export_ledger(reg, out, as_of="2026-11-12")["rows"] == 1
    raw = out.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and f'"=""{JCBH}"""'.encode() in raw
    (row,) = read_csv(out)
    assert row["监测编号"] == JCBH and row["乡镇"] == "城关镇" and row["占地面积(㎡)"] == "400.00"
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*partial*"))
