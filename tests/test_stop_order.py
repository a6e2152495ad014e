"""Issue 10, the 责令停止违法行为通知书: issued at once for a case under construction (建设状态 JSZT 在建), by the
competent authority only, citing the provisions violated and the provisions the order to stop rests on
(土地管理法 第六十八条第（四）项 for land cases, 城乡规划法 第六十四条 for a planning case, 第六十七条第二款 for
the 农业农村 authority); numbered in its own series, with a 送达回证; the notice refers to it; another
department's case under construction gets a 移送函 that says so.  PDFs read back with pdftotext and
rendered with pdftoppm into tests/artifacts/legal/."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from liangwei.liangwei_plugin.determination import determine_frame, load_rules  # noqa: E402
from liangwei.liangwei_plugin.documents import batch  # noqa: E402
from liangwei.liangwei_plugin.documents.config import load_config  # noqa: E402
from test_legal_text import ISSUE, LAND, PLAN, flat  # noqa: E402

# patch id -> (DSR, TBLX, 建设状态, overlay figures)
FARMLAND = {"永久基本农田_m2": 1234.555}
PLANNING = {"construction_m2": 2000.0, "agricultural_m2": 0.0, "farmland_m2": 0.0}   # R15: on construction land
CASES = {
    "unit-building": ("××建材有限公司", "新增建设用地", "在建", FARMLAND),
    "person-building": ("张三", "新增建设用地", "施工中", PLANNING),
    "villager-building": ("李四", "农村村民建房", "在建", FARMLAND),
    "unit-built": ("××砂石厂", "新增建设用地", "已建成", FARMLAND),
    "nobody-building": ("", "新增建设用地", "在建", FARMLAND),
}


def _records():
    rows = []
    for pid, (dsr, tblx, status, extra) in CASES.items():
        row = {"patch_id": pid, "JCBH": pid, "XZQMC": "城关镇", "zldwmc": "城关镇东村", "DSR": dsr, "TBLX": tblx,
               "建设状态": status, "QSX": "2024-05-20", "HSX": "2025-10-12", "area_m2": 2000.0,
               "farmland_m2": 1500.0, "construction_m2": 0.0, "agricultural_m2": 2000.0, "unused_m2": 0.0,
               "area_method": "ellipsoidal", "永久基本农田_m2": 0.0, "城镇开发边界_m2": 0.0}
        row.update(extra)
        rows.append(row)
    df = pd.DataFrame(rows)
    merged = pd.concat([df, determine_frame(df, load_rules())], axis=1)
    return [batch.PatchRecord(r["patch_id"], r) for r in merged.to_dict("records")]


@pytest.fixture(scope="module")
def stopset(qgis_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stop")
    res = batch.export_batch("notice", _records(), folder / "out", config=load_config(),
                             registry_path=folder / "numbers.sqlite", issue_date=ISSUE)
    return res


def _rows(res, kind):
    return {r.patch_id: r for r in res.rows if r.document == kind}


def test_stop_orders_only_for_own_cases_under_construction_with_a_party(stopset):
    stops = _rows(stopset, "stop")
    assert set(stops) == {"unit-building", "person-building"}
    for row in stops.values():
        assert row.file.startswith("stop_orders/") and re.fullmatch(r"×自然资责停〔2026〕第\d+号", row.number)
    assert sorted(r.number for r in stops.values()) == ["×自然资责停〔2026〕第1号", "×自然资责停〔2026〕第2号"]
    # the stop order comes first in the index, then the notice of the same case
    kinds = [(r.patch_id, r.document) for r in stopset.rows]
    assert kinds.index(("unit-building", "stop")) < kinds.index(("unit-building", "notice"))


def test_stop_order_of_a_company_on_farmland_cites_the_land_act(stopset):
    row = _rows(stopset, "stop")["unit-building"]
    text = flat(stopset.folder / row.file)
    assert text.startswith("××县自然资源局责令停止违法行为通知书") and row.number in text
    assert "××建材有限公司：" in text and "该建设活动正在进行中" in text
    assert f"你单位的上述行为违反了{LAND}第三十五条、第三十七条、第四十四条的规定" in text
    assert f"依据{LAND}第六十八条第（四）项的规定，现责令你单位" in text and "立即停止上述违法行为" in text
    assert "其中位于永久基本农田内1,234.56平方米" in text
    assert "第七十七条" not in text and "第七十八条" not in text and "你（单位）" not in text
    assert "送达回证" in text and "受送达人签收/日期" in text
    # the notice that follows refers to the order to stop
    notice = flat(stopset.folder / _rows(stopset, "notice")["unit-building"].file)
    assert f"我局已以《责令停止违法行为通知书》（{row.number}）责令你单位立即停止违法行为" in notice


def test_stop_order_of_an_individual_planning_case_cites_the_planning_act(stopset):
    text = flat(stopset.folder / _rows(stopset, "stop")["person-building"].file)
    assert "张三：" in text and "你单位" not in text
    assert f"你的上述行为违反了{PLAN}第四十条的规定" in text
    assert f"依据{PLAN}第六十四条的规定，现责令你自收到本通知书之时起立即停止" in text


def test_built_cases_and_unknown_parties_get_no_stop_order(stopset):
    assert "unit-built" in _rows(stopset, "notice")
    notice = flat(stopset.folder / _rows(stopset, "notice")["unit-built"].file)
    assert "责令停止违法行为通知书" not in notice
    assert "nobody-building" in _rows(stopset, "pending")


def test_villager_under_construction_is_referred_with_the_construction_stated(stopset):
    row = _rows(stopset, "referral")["villager-building"]
    text = flat(stopset.folder / row.file)
    assert "××县农业农村局：" in text and "该建设活动正在进行中，请你单位依法及时责令停止违法行为" in text


def test_the_agriculture_authority_orders_a_villager_to_stop(qgis_app, tmp_path):
    """Configured as the 农业农村 authority, the same plugin issues the villager's order to stop itself."""
    config = load_config()
    config["authority"].update(name="××县农业农村局", short="×农", department="agriculture")
    res = batch.export_batch("notice", [r for r in _records() if r.patch_id == "villager-building"], tmp_path,
                             config=config, registry_path=tmp_path / "n.sqlite", issue_date=ISSUE)
    row = _rows(res, "stop")["villager-building"]
    assert row.number == "×农责停〔2026〕第1号"
    text = flat(tmp_path / row.file)
    assert text.startswith("××县农业农村局责令停止违法行为通知书") and "李四：" in text
    assert f"你的上述行为违反了{LAND}第三十五条、第六十二条的规定" in text
    assert f"依据{LAND}第六十七条第二款、第六十八条第（四）项的规定，现责令你" in text


def test_render_stop_order(stopset, artifacts_dir):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing")
    out = artifacts_dir / "legal"
    out.mkdir(parents=True, exist_ok=True)
    pdf = stopset.folder / _rows(stopset, "stop")["unit-building"].file
    for page, name in ((1, "stop_order"), (3, "stop_order_receipt")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                        str(out / name)], check=True)
    ref = stopset.folder / _rows(stopset, "referral")["villager-building"].file
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(ref),
                    str(out / "referral_in_construction")], check=True)
    assert (out / "stop_order.png").is_file() and (out / "stop_order_receipt.png").is_file()
