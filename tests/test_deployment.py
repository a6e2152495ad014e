"""Deployment: the plugin ZIP works in a QGIS whose Python holds only what the QGIS installers ship.

scripts/deploy_root.sh builds (once, cached under /var/cache/liangwei/roots or $LIANGWEI_ROOTS) a minimal
Debian 13 root with QGIS 3.40, its Python bindings, GDAL, shapely, geopandas, pyogrio, pandas, pyproj and a
CJK font — and without reportlab, openpyxl, pypdf, tomli or psutil.  scripts/deploy_check.sh unpacks the
ZIP into a fresh profile there and runs liangwei:batchreview, liangwei:registercases and
liangwei:exportledger through qgis_process on a tiny county (tests/deploy_county.py).  Here, on the host,
the documents it wrote are checked with poppler (fonts embedded, Chinese text) and one report and one
notice page are rendered into tests/artifacts/deployment/ for people to look at.

Needs root and debootstrap (skipped, loudly, without them); the first run builds the root (a few
minutes, network to deb.debian.org), later runs take about half a minute.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import subprocess
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE = "trixie"
ARTIFACTS = ROOT / "tests" / "artifacts" / "deployment"

pytestmark = [pytest.mark.deployment, pytest.mark.slow, pytest.mark.timeout(3600)]


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "not root: the deployment test needs root for debootstrap/chroot (run `make test` as root)"
    if shutil.which("debootstrap") is None:
        return "debootstrap is not installed (apt-get install debootstrap; `make setup` installs it)"
    return None


def _run(cmd: list[str], what: str, timeout: float) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    return proc


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Path:
    """Build the ZIP, the root (if not cached) and run the check in it; the outputs folder."""
    reason = _skip_reason()
    if reason:
        warnings.warn(f"DEPLOYMENT TEST SKIPPED: {reason}", stacklevel=1)
        pytest.skip(f"DEPLOYMENT TEST SKIPPED: {reason}")
    for tool in ("pdffonts", "pdftotext", "pdftoppm"):
        assert shutil.which(tool), f"{tool} missing on the host (apt-get install poppler-utils)"
    version = re.search(r"^version=(.+)$", (ROOT / "metadata.txt").read_text(encoding="utf-8"), re.M).group(1)
    work = tmp_path_factory.mktemp("deploy")
    zip_path = work / f"liangwei-{version.strip()}.zip"
    output = work / "out"  # per run: other checkouts' test runs may use the same cached root at the same time
    _run(["bash", "scripts/package.sh", str(zip_path)], "scripts/package.sh", 900)
    _run(["bash", "scripts/deploy_root.sh", SUITE], f"scripts/deploy_root.sh {SUITE}", 3000)
    proc = subprocess.run(["bash", "scripts/deploy_check.sh", SUITE, str(zip_path), str(output)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    # For people to look at: the check's log and everything it wrote (PDFs, XLSX, register, qgis_process logs).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"deploy_check-{SUITE}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if output.is_dir():
        shutil.copytree(output, ARTIFACTS / SUITE, dirs_exist_ok=True)
    if proc.returncode != 0:
        pytest.fail(f"scripts/deploy_check.sh {SUITE} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
                    pytrace=False)
    return output


def _documents(out: Path) -> dict[str, list[tuple[str, Path]]]:
    """document kind ('report' / 'notice' / 'referral') -> [(patch id, PDF)], from batchreview's index.csv."""
    docs: dict[str, list[tuple[str, Path]]] = {"report": [], "notice": []}
    with open(out / "batchreview" / "index.csv", newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            pid = row["patch_id"].strip('="')  # written as ="…" so that Excel keeps the digits
            if row["document"] == "pending":  # 待查明清单 rows (issue 10): a CSV, no document
                continue
            docs.setdefault(row["document"], []).append((pid, out / "batchreview" / row["file"]))
    return docs


def _fonts(pdf: Path) -> list[dict[str, str]]:
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    header, rows = lines[0], lines[2:]
    emb = header.index(" emb ") + 1
    return [{"name": r.split()[0], "emb": r[emb:emb + 3].strip()} for r in rows]


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_root_has_only_what_qgis_ships(deployed):
    versions = (deployed / "versions.txt").read_text(encoding="utf-8")
    assert "QGIS 3.40" in versions, versions
    root = Path(os.environ.get("LIANGWEI_ROOTS", "/var/cache/liangwei/roots")) / SUITE
    listed = (root / ".liangwei-root-versions").read_text(encoding="utf-8")
    for module in ("reportlab", "openpyxl", "pypdf", "tomli", "psutil"):
        assert re.search(rf"^{module}: missing", listed, re.M), listed


def test_every_patch_has_a_report_and_violations_a_notice(deployed):
    docs = _documents(deployed)
    patches = (deployed / "county.log").read_text(encoding="utf-8").split()
    assert sorted(pid for pid, _ in docs["report"]) == sorted(patches)
    assert docs["notice"], "no 责令限期整改通知书"
    for _pid, pdf in docs["report"] + docs["notice"]:
        assert pdf.stat().st_size > 1000 and pdf.read_bytes()[:5] == b"%PDF-", pdf
    for merged in ("规划认定意见书_合并.pdf", "责令限期整改通知书_合并.pdf"):
        assert (deployed / "batchreview" / merged).stat().st_size > 1000, merged


def test_pdfs_embed_the_cjk_font(deployed):
    docs = _documents(deployed)
    pdfs = [pdf for kind in docs.values() for _pid, pdf in kind]
    pdfs += [deployed / "batchreview" / name for name in ("规划认定意见书_合并.pdf", "责令限期整改通知书_合并.pdf")]
    for pdf in pdfs:
        fonts = _fonts(pdf)
        assert fonts, f"{pdf.name}: no fonts"
        assert all(f["emb"] == "yes" for f in fonts), (pdf.name, fonts)
        # the root's CJK faces: WenQuanYi Micro Hei, AR PL UMing and UKai (GB/T 9704-like title and body)
        assert any(face in f["name"] for f in fonts for face in ("WenQuanYi", "UMing", "UKai")), (pdf.name, fonts)


def test_pdfs_hold_the_chinese_text(deployed):
    docs = _documents(deployed)
    for pid, pdf in docs["report"]:
        text = _text(pdf)
        assert "规划认定意见书" in text and pid in text, (pdf.name, text[:400])
        assert re.search(r"〔\d{4}〕第\d+号", text), (pdf.name, text[:400])
    for pid, pdf in docs["notice"]:
        text = _text(pdf)
        assert "责令限期整改通知书" in text and pid in text, (pdf.name, text[:400])


def test_render_a_report_and_a_notice_page(deployed):
    docs = _documents(deployed)
    for kind in ("report", "notice"):
        _pid, pdf = docs[kind][0]
        prefix = ARTIFACTS / f"{SUITE}-{kind}"
        for old in ARTIFACTS.glob(f"{SUITE}-{kind}*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                       check=True, capture_output=True)
        png = prefix.with_suffix(".png")
        assert png.stat().st_size > 20_000, f"{png} looks blank"


def test_outputs_carry_chinese_aliases_on_gdal_3_7_and_later(deployed):
    """The root's GDAL (3.10) writes the outputs' Chinese field names as OGR alternative names (the GDAL ≥ 3.7
    path of vector_io.write_field_aliases; the host's GDAL 3.6 takes the SQLite one): in gpkg_data_columns,
    where a QGIS without the plugin reads them as aliases."""
    assert "GDAL/OGR version 3.1" in (deployed / "versions.txt").read_text(encoding="utf-8")
    for name in ("overlay.gpkg", "determination.gpkg"):
        con = sqlite3.connect(deployed / "batchreview" / name)
        try:
            aliases = dict(con.execute("SELECT column_name, name FROM gpkg_data_columns"))
        finally:
            con.close()
        assert aliases.get("patch_id") == "图斑编号" and aliases.get("area_m2") == "图斑面积（平方米）", name
        half_english = {c: a for c, a in aliases.items() if re.search(r"[a-z]{2}", a or "")}
        assert not half_english, f"{name}: aliases with field names left in them: {half_english}"


def test_register_and_xlsx_ledger(deployed):
    with sqlite3.connect(deployed / "台账.gpkg") as db:
        cases = db.execute("SELECT count(*) FROM cases").fetchone()[0]
    patches = (deployed / "county.log").read_text(encoding="utf-8").split()
    assert cases == len(patches)
    with zipfile.ZipFile(deployed / "台账.xlsx") as z:
        names = z.namelist()
        assert "xl/workbook.xml" in names and "[Content_Types].xml" in names, names
        sheets = [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert sheets, names
        sheet = ElementTree.fromstring(z.read(sheets[0]))
        shared = ElementTree.fromstring(z.read("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else None
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    texts = [t.text or "" for t in sheet.iter(f"{main}t")]
    if shared is not None:
        texts += [t.text or "" for t in shared.iter(f"{main}t")]
    assert "监测编号" in texts, texts[:40]
    assert len(sheet.findall(f".//{main}sheetData/{main}row")) > 2, "the ledger has no case rows"
    # one row per violation: the patches that got a 责令限期整改通知书
    for pid, _pdf in _documents(deployed)["notice"]:
        assert any(pid in t for t in texts), (pid, texts[:60])


def test_same_documents_as_the_main_environment(deployed, tmp_path):
    """The same county through the development QGIS (the .venv's packages, not the ZIP's) gives the same
    reports and notices, word for word; one page of each is rendered beside the deployment's."""
    county = tmp_path / "county"
    subprocess.run(["/usr/bin/python3", str(ROOT / "tests" / "deploy_county.py"), str(county)], check=True,
                   capture_output=True)
    args = [f"PATCHES={county}/patches.gpkg|layername=卫片图斑", f"LANDUSE={county}/county.gpkg|layername=三调地类图斑",
            "AREA_METHOD=0"]
    args += [f"PROTECTED={county}/county.gpkg|layername={name}"
             for name in ("生态保护红线", "永久基本农田", "城镇开发边界")]
    args += [f"IMAGERY={tif}" for tif in sorted((county / "imagery").glob("*.tif"))]
    host = tmp_path / "batchreview"
    _run([str(ROOT / "bin" / "qgis-process"), "run", "liangwei:batchreview", "--", *args, f"OUTPUT_FOLDER={host}"],
         "liangwei:batchreview in the main environment", 900)
    docs = _documents(deployed)
    for kind, items in docs.items():
        for pid, pdf in items:
            twin = host / pdf.relative_to(deployed / "batchreview")
            assert twin.exists(), f"main environment wrote no {twin.name}"
            assert _text(twin) == _text(pdf), f"{kind} {pid}: text differs between the ZIP in Debian 13 and the .venv"
    for kind in ("report", "notice"):
        _pid, pdf = docs[kind][0]
        twin = host / pdf.relative_to(deployed / "batchreview")
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(twin),
                        str(ARTIFACTS / f"main-{kind}")], check=True, capture_output=True)
