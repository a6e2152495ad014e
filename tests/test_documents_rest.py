"""Issue 10, the rest of the document set: the 规划认定意见书 prints the provisions violated and the penalty
provisions apart (company, individual, rural villager), the 待查明清单 as a PDF beside the CSV (no number).
PDFs read back with pdftotext, pages rendered into tests/artifacts/legal/ to look at."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from liangwei.liangwei_plugin.documents import batch  # noqa: E402
from liangwei.liangwei_plugin.documents.config import load_config  # noqa: E402
from liangwei.liangwei_plugin.documents.model import DocumentInput  # noqa: E402
from liangwei.liangwei_plugin.documents.report import build_report  # noqa: E402
from test_legal_text import ISSUE, LAND, PLAN, WATER, _records, flat  # noqa: E402


@pytest.fixture(scope="module")
def records():
    return {r.patch_id: r for r in _records()}


@pytest.mark.parametrize("pid, violated, penalty, competent", [
    ("unit-farmland", f"{LAND}第三十五条、第三十七条、第四十四条", f"{LAND}第七十七条", "自然资源和规划部门"),
    ("person-farmland", f"{LAND}第三十五条、第三十七条、第四十四条", f"{LAND}第七十七条", "自然资源和规划部门"),
    ("villager-farmland", f"{LAND}第三十五条、第六十二条", f"{LAND}第七十八条", "农业农村部门"),
    ("unit-water", f"{WATER}第六十五条、第六十六条，{LAND}第三十七条、第四十四条", f"{WATER}第九十一条",
     "生态环境部门"),
    ("villager-homestead", f"{PLAN}第四十一条", f"{PLAN}第六十五条", "乡镇人民政府"),
])
def test_report_prints_violated_and_penalty_provisions_apart(qgis_app, records, tmp_path, pid, violated, penalty,
                                                             competent):
    pdf = tmp_path / f"{pid}.pdf"
    build_report(DocumentInput(pid, records[pid].attrs, number="×自然资规认〔2026〕第1号", issue_date=ISSUE),
                 load_config(), str(pdf))
    text = flat(pdf)
    assert f"违反规定：该行为违反了{violated}的规定。" in text
    assert f"处理依据：依据{penalty}的规定，由{competent}依法处理。" in text
    assert "认定依据：" not in text                    # no combined basis beside them
    assert "（农村村民建住宅的" not in text


def test_report_of_an_older_record_keeps_its_combined_basis(qgis_app, tmp_path):
    attrs = {"violation": 1, "determination_code": "correctable", "legal_basis": f"{PLAN}第六十四条",
             "area_m2": 100.0, "DSR": "张三"}
    pdf = tmp_path / "old.pdf"
    build_report(DocumentInput("OLD", attrs, issue_date=ISSUE), load_config(), str(pdf))
    text = flat(pdf)
    assert f"认定依据：{PLAN}第六十四条" in text and "违反规定：" not in text


def test_pending_list_as_pdf_without_number(qgis_app, records, tmp_path, artifacts_dir):
    res = batch.export_batch("notice", list(records.values()), tmp_path / "out", config=load_config(),
                             registry_path=tmp_path / "n.sqlite", issue_date=ISSUE)
    pdf = res.folder / "待查明清单.pdf"
    assert pdf.is_file() and (res.folder / "待查明清单.csv").is_file()
    assert not list(res.folder.glob("*.part"))
    text = flat(pdf)
    assert "当事人待查明清单" in text and "共1个图斑" in text and "nobody-farmland" in text
    # (table cells: pdftotext interleaves the lines of neighbouring cells)
    assert "2000.00" in text and "3.00亩" in text and "第三十五" in text and "查明的当事人" in text
    assert "第" + "1号" not in text and "〔2026〕" not in text      # numbered-free
    if shutil.which("pdftoppm"):
        out = artifacts_dir / "legal"
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(out / "pending_list")], check=True)
