"""Issue 10: the provisions violated vs the penalty provisions, per party kind; competence (移送函);
no numbered notice without a party (待查明清单).  Real determinations of synthetic patches, PDFs read
back with pdftotext."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from liangwei.liangwei_plugin.csv_out import read_csv
from liangwei.liangwei_plugin.determination import compose_provisions, determine_frame, load_rules
from liangwei.liangwei_plugin.documents import batch
from liangwei.liangwei_plugin.documents.config import load_config
from liangwei.liangwei_plugin.documents.model import DocumentInput, strip_conditionals
from liangwei.liangwei_plugin.documents.notice import notice_values

ISSUE = dt.date(2026, 11, 22)
LAND = "《中华人民共和国土地管理法》"
PLAN = "《中华人民共和国城乡规划法》"
WATER = "《中华人民共和国水污染防治法》"

# patch id -> (DSR, TBLX, overlay extras)
CASES = {
    "unit-farmland": ("××建材有限公司", "新增建设用地", {"永久基本农田_m2": 1234.555}),
    "person-farmland": ("张三", "新增建设用地", {"永久基本农田_m2": 1234.555}),
    "villager-farmland": ("李四", "农村村民建房", {"永久基本农田_m2": 1234.555}),
    "unit-redline": ("××养殖合作社", "新增建设用地", {"生态保护红线_m2": 800.0}),
    "person-redline": ("王五", "新增建设用地", {"生态保护红线_m2": 800.0}),
    "villager-redline": ("赵六", "农村村民建房", {"生态保护红线_m2": 800.0}),
    "unit-water": ("××砂石厂", "新增建设用地", {"饮用水水源保护区_m2": 600.0}),
    "person-water": ("钱七", "新增建设用地", {"饮用水水源保护区_m2": 600.0}),
    "villager-water": ("孙八", "农村村民建房", {"饮用水水源保护区_m2": 600.0}),
    "villager-homestead": ("周九", "农村村民建房", {"construction_m2": 2000.0, "agricultural_m2": 0.0,
                                                  "farmland_m2": 0.0}),
    "nobody-farmland": ("", "新增建设用地", {"永久基本农田_m2": 500.0}),
}
LAYERS = ("永久基本农田_m2", "生态保护红线_m2", "饮用水水源保护区_m2", "城镇开发边界_m2")


def _records():
    rows = []
    for pid, (dsr, tblx, extra) in CASES.items():
        row = {"patch_id": pid, "JCBH": pid, "XZQMC": "城关镇", "zldwmc": "城关镇东村", "DSR": dsr, "TBLX": tblx,
               "QSX": "2024-05-20", "HSX": "2025-10-12", "area_m2": 2000.0, "farmland_m2": 1500.0,
               "construction_m2": 0.0, "agricultural_m2": 2000.0, "unused_m2": 0.0, "area_method": "ellipsoidal",
               **{k: 0.0 for k in LAYERS}}
        row.update(extra)
        rows.append(row)
    df = pd.DataFrame(rows)
    out = determine_frame(df, load_rules())
    merged = pd.concat([df, out], axis=1)
    return [batch.PatchRecord(r["patch_id"], r) for r in merged.to_dict("records")]


@pytest.fixture(scope="module")
def records():
    return {r.patch_id: r for r in _records()}


@pytest.fixture(scope="module")
def notices(qgis_app, records, tmp_path_factory):
    folder = tmp_path_factory.mktemp("legal")
    res = batch.export_batch("notice", list(records.values()), folder / "out", config=load_config(),
                             registry_path=folder / "numbers.sqlite", issue_date=ISSUE)
    return res


def flat(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", text)


def _row(res, pid):
    # not the 听证告知书 written before a 限期拆除 notice (tests/test_document_set.py)
    rows = [r for r in res.rows if r.patch_id == pid and r.document != "hearing"]
    assert len(rows) == 1, (pid, rows)
    return rows[0]


def test_compose_provisions_groups_and_sorts_articles():
    assert compose_provisions([f"{LAND}第四十四条", f"{LAND}第三十五条", f"{PLAN}第四十条", f"{LAND}第三十五条"]) \
        == f"{LAND}第三十五条、第四十四条，{PLAN}第四十条"
    assert strip_conditionals(f"{LAND}第七十七条（农村村民建住宅的，第七十八条）") == f"{LAND}第七十七条"


def test_party_kind_and_competence(records):
    kinds = {pid: r.attrs["party_kind"] for pid, r in records.items()}
    assert kinds["unit-farmland"] == kinds["unit-redline"] == kinds["unit-water"] == "unit"
    assert kinds["person-farmland"] == kinds["person-water"] == "individual"
    assert kinds["villager-farmland"] == kinds["villager-homestead"] == "villager"
    competent = {pid: r.attrs["competent_key"] for pid, r in records.items()}
    assert competent["unit-farmland"] == competent["person-redline"] == "natural_resources"
    assert competent["villager-farmland"] == competent["villager-redline"] == "agriculture"
    assert competent["unit-water"] == competent["villager-water"] == "ecology_environment"
    assert competent["villager-homestead"] == "township_government"
    # every rule that holds is cited; the first one decides
    assert records["unit-farmland"].attrs["rule_id"] == "R03"
    assert records["unit-farmland"].attrs["rules_all"].startswith("R03、")
    assert "R16" in records["unit-farmland"].attrs["rules_all"]
    assert records["unit-farmland"].attrs["grounds"] == "位于永久基本农田内1,234.56平方米"


# the red-line patches occupy 耕地 outside the development boundary as well: R11 is cited too
@pytest.mark.parametrize("pid, you, violated, penalty", [
    ("unit-farmland", "你单位", f"{LAND}第三十五条、第三十七条、第四十四条", f"{LAND}第七十七条"),
    ("person-farmland", "你", f"{LAND}第三十五条、第三十七条、第四十四条", f"{LAND}第七十七条"),
    ("unit-redline", "你单位", f"{LAND}第三十七条、第四十四条", f"{LAND}第七十七条"),
    ("person-redline", "你", f"{LAND}第三十七条、第四十四条", f"{LAND}第七十七条"),
])
def test_notice_cites_violated_and_penalty_provisions(notices, records, pid, you, violated, penalty):
    row = _row(notices, pid)
    assert row.document == "notice" and re.fullmatch(r"×自然资责改〔2026〕第\d+号", row.number)
    text = flat(notices.folder / row.file)
    assert f"{you}的上述行为违反了{violated}的规定" in text
    assert f"依据{penalty}的规定，现责令{you}：" in text
    assert "××县自然资源局" in text
    assert "你（单位）" not in text and "（农村村民建住宅的" not in text and "第七十八条" not in text
    if you == "你":
        assert "你单位" not in text
    # the composed values say the same
    v = notice_values(DocumentInput(pid, records[pid].attrs), load_config())
    assert (v["you"], v["violated"], v["penalty_basis"]) == (you, violated, penalty)


def test_notice_states_the_grounds_of_every_rule(notices):
    assert "其中位于永久基本农田内1,234.56平方米" in flat(notices.folder / _row(notices, "unit-farmland").file)
    assert "其中位于生态保护红线内800.00平方米" in flat(notices.folder / _row(notices, "person-redline").file)


@pytest.mark.parametrize("pid, addressee, violated, penalty", [
    ("villager-farmland", "××县农业农村局", f"{LAND}第三十五条、第六十二条", f"{LAND}第七十八条"),
    ("villager-redline", "××县农业农村局", f"{LAND}第六十二条", f"{LAND}第七十八条"),
    # the water-source patches occupy 耕地 too: the land provisions are cited, the order is the department's own
    ("unit-water", "××市生态环境局××分局", f"{WATER}第六十五条、第六十六条，{LAND}第三十七条、第四十四条",
     f"{WATER}第九十一条"),
    ("person-water", "××市生态环境局××分局", f"{WATER}第六十五条、第六十六条，{LAND}第三十七条、第四十四条",
     f"{WATER}第九十一条"),
    ("villager-water", "××市生态环境局××分局", f"{WATER}第六十五条、第六十六条，{LAND}第六十二条",
     f"{WATER}第九十一条"),
    ("villager-homestead", "城关镇人民政府", f"{PLAN}第四十一条", f"{PLAN}第六十五条"),
])
def test_other_departments_cases_get_a_referral(notices, pid, addressee, violated, penalty):
    row = _row(notices, pid)
    assert row.document == "referral" and row.file.startswith("referrals/")
    assert re.fullmatch(r"×自然资移〔2026〕第\d+号", row.number)
    text = flat(notices.folder / row.file)
    assert text.count("移送函") >= 1 and f"{addressee}：" in text
    assert f"涉嫌违反{violated}的规定；依据{penalty}的规定，由你单位依法处理" in text
    assert "日内将处理结果函告我局" in text
    assert "责令限期整改通知书" not in text and "你（单位）" not in text and "（农村村民建住宅的" not in text
    assert not (notices.folder / Path(row.file).name).exists()  # no notice beside it


def test_no_notice_without_a_party(notices):
    row = _row(notices, "nobody-farmland")
    assert row.document == "pending" and row.number == "" and row.file == "待查明清单.csv"
    rows = read_csv(notices.folder / "待查明清单.csv")
    assert [r["patch_id"] for r in rows] == ["nobody-farmland"] and "第七十七条" not in rows[0]["violated"]
    assert not list(notices.folder.glob("nobody*.pdf"))
    index = read_csv(notices.folder / "index.csv")
    assert {"patch_id": "nobody-farmland", "document": "pending", "number": "", "file": "待查明清单.csv",
            "pages": "0"} in index
    assert all("当事人（待查明）" not in flat(notices.folder / r.file) for r in notices.rows if r.file.endswith(".pdf"))


def test_render_notice_and_referral(notices, artifacts_dir):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing")
    out = artifacts_dir / "legal"
    out.mkdir(parents=True, exist_ok=True)
    for pid, name in (("unit-farmland", "notice"), ("unit-water", "referral")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                        str(notices.folder / _row(notices, pid).file), str(out / name)], check=True)
    assert len(list(out.glob("*.png"))) >= 2


# -- deadlines run from service (issue 10) -------------------------------------------------------------
def test_deadlines_from_service_and_report_after_hearing_window(records):
    from liangwei.liangwei_plugin.documents.notice import check_deadlines

    config = load_config()
    rec = records["unit-farmland"]
    v = notice_values(DocumentInput(rec.patch_id, rec.attrs, issue_date=ISSUE), config)
    assert v["deadline"].startswith("自送达之日起") and v["report_deadline"].startswith("自送达之日起")
    assert v["report_days"] > v["hearing_days"]
    # a known service date (SDRQ) gives dates counted from it, not from the issue date
    served = DocumentInput(rec.patch_id, {**rec.attrs, "SDRQ": "2026-11-25"}, issue_date=ISSUE)
    sv = notice_values(served, config)
    end = dt.date(2026, 11, 25) + dt.timedelta(days=sv["days"])
    assert sv["deadline"] == f"自送达之日起{sv['days']}日内（即{end.year}年{end.month}月{end.day}日前）"
    assert sv["report_deadline"] == "自送达之日起7日内（即2026年12月2日前）"
    bad = load_config()
    bad["deadlines"]["report_within_days"] = 5
    with pytest.raises(ValueError, match="report_within_days"):
        check_deadlines(bad)
