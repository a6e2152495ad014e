"""Issue 10, the document set: a 限期拆除 case gets a 听证告知书 numbered before its notice, the notice
does not embed the hearing paragraph, periods run from service, every served document has a 送达回证."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from liangwei.liangwei_plugin.csv_out import read_csv  # noqa: E402
from liangwei.liangwei_plugin.documents import batch  # noqa: E402
from liangwei.liangwei_plugin.documents.config import load_config  # noqa: E402
from liangwei.liangwei_plugin.documents.numbering import NumberRegistry  # noqa: E402
from test_legal_text import ISSUE, _records, flat  # noqa: E402


@pytest.fixture(scope="module")
def docset(qgis_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("docset")
    records = _records()
    res = batch.export_batch("notice", records, folder / "out", config=load_config(),
                             registry_path=folder / "numbers.sqlite", issue_date=ISSUE)
    return res, folder / "numbers.sqlite", {r.patch_id: r for r in records}


def _rows(res, kind):
    return {r.patch_id: r for r in res.rows if r.document == kind}


def test_demolition_gets_a_hearing_notice_before_its_notice(docset):
    res, reg_path, records = docset
    hearings, notices = _rows(res, "hearing"), _rows(res, "notice")
    demolition = {pid for pid, r in notices.items() if "限期拆除" in str(records[pid].attrs.get("consequence"))}
    assert demolition and set(hearings) == demolition
    with NumberRegistry(reg_path, {}, {}, authority=load_config()["authority"]["name"]) as reg:
        order = {key: i for i, (_, _, key, _) in enumerate(reg.issued("hearing"))}
        assert set(order) == demolition
    index = read_csv(res.folder / "index.csv")
    kinds = [(r["patch_id"], r["document"]) for r in index]
    for pid in demolition:
        row = hearings[pid]
        assert row.file.startswith("hearings/") and re.fullmatch(r"×自然资听告〔2026〕第\d+号", row.number)
        assert kinds.index((pid, "hearing")) < kinds.index((pid, "notice"))
        text = flat(res.folder / row.file)
        assert "陈述和申辩" in text and "听证" in text and "收到本告知书之日起5日内向我局提出" in text
        assert "第六十四条" in text and "违反了" in text and "拟责令" in text
        notice = flat(res.folder / notices[pid].file)
        assert row.number in notice                          # the notice refers to the 告知书
        assert "日内向我局提出" not in notice                   # no embedded hearing paragraph
        assert "自送达之日起" in notice and "整改完毕" in notice
    for pid in set(notices) - demolition:
        assert "听证" not in flat(res.folder / notices[pid].file)


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f")]


def test_every_served_document_has_a_proof_of_service(docset):
    res, _, _ = docset
    served = [r for r in res.rows if r.document in ("hearing", "notice")]
    assert served
    for row in served:
        pages = _page_texts(res.folder / row.file)
        receipts = [i for i, p in enumerate(pages) if "送达回证" in p and "受送达人签收/日期" in p]
        assert len(receipts) == 1, (row.file, [p[:30] for p in pages])
        page = pages[receipts[0]]
        assert receipts[0] % 2 == 0                    # on a sheet of its own (front side, duplex)
        assert row.number in page
        for label in ("文书名称及文号", "受送达人", "送达地点", "送达方式", "送达人", "受送达人签收/日期", "备注"):
            assert label in page


def test_render_hearing_notice_and_proof_of_service(docset, artifacts_dir):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing")
    res, _, _ = docset
    out = artifacts_dir / "legal"
    out.mkdir(parents=True, exist_ok=True)
    row = next(r for r in res.rows if r.document == "hearing")
    pdf = res.folder / row.file
    receipt = 1 + next(i for i, p in enumerate(_page_texts(pdf))
                       if "送达回证" in p and "受送达人签收/日期" in p)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(out / "hearing")], check=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(receipt), "-l", str(receipt), "-singlefile",
                    str(pdf), str(out / "service_receipt")], check=True)
    assert (out / "hearing.png").is_file() and (out / "service_receipt.png").is_file()
