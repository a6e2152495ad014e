"""Chinese text through shapefiles, run as a user runs it (qgis_process): outputs with Chinese layer names,
a UTF-8 shapefile with its .cpg, a GBK shapefile without one — names and text intact in the outputs and
in the notices (当事人 line), and field names that fit a DBF without a character cut in half."""
from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from liangwei.liangwei_plugin.vector_io import dbf_field_names, read_vector, write_vector

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"
PARTIES = ("云溪县某某置业有限公司", "云溪县某某物流有限公司")


def _qgis_process(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(ROOT / "bin" / "qgis-process"), "run", *args], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def _dbf_field_names(dbf: Path) -> list[bytes]:
    """The raw bytes of a DBF's field names (each descriptor: 32 bytes, the name in the first 11)."""
    raw = dbf.read_bytes()
    header_len = struct.unpack("<H", raw[8:10])[0]
    names = []
    for off in range(32, header_len - 1, 32):
        if raw[off] == 0x0D:
            break
        names.append(raw[off:off + 11].split(b"\x00")[0])
    return names


@pytest.fixture(scope="module")
def patches_sample():
    if not (SAMPLE / "patches.gpkg").exists():
        pytest.fail("sample county missing: `make test` generates it (make sample)")
    patches = read_vector(SAMPLE / "patches.gpkg", "卫片图斑")
    return patches[patches["DSR"].isin(PARTIES)].head(6).reset_index(drop=True)


@pytest.mark.parametrize("encoding, keep_cpg", [("UTF-8", True), ("GBK", False)])
def test_shapefile_patches_to_notices(tmp_path, patches_sample, encoding, keep_cpg):
    shp = tmp_path / "卫片图斑.shp"
    write_vector(patches_sample, shp, encoding=encoding)
    if not keep_cpg:
        shp.with_suffix(".cpg").unlink()
    assert PARTIES[0].encode(encoding) in shp.with_suffix(".dbf").read_bytes()  # really that encoding on disk
    out = tmp_path / "审查结果"
    county = SAMPLE / "county.gpkg"
    _qgis_process("liangwei:batchreview", "--", f"PATCHES={shp}", f"LANDUSE={county}|layername=三调地类图斑",
                  f"PROTECTED={county}|layername=生态保护红线", f"PROTECTED={county}|layername=永久基本农田",
                  "AREA_METHOD=0", f"OUTPUT_FOLDER={out}")
    notices = sorted((out / "notices").glob("*.pdf"))
    assert notices, "no notice issued"
    text = "".join(subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True,
                                  check=True).stdout for p in notices)
    assert any(party in text for party in PARTIES), text[:2000]
    assert "å" not in text and "\ufffd" not in text  # no mojibake, no replacement characters
    determination = read_vector(out / "determination.gpkg")
    assert set(determination["DSR"]) <= set(PARTIES)


def test_overlay_written_as_shapefile_with_chinese_names(tmp_path):
    """Outputs named in Chinese, written as shapefiles: every DBF field name is whole UTF-8 and distinct,
    Chinese text intact, and determine reads the overlay back from the shapefile."""
    county = SAMPLE / "county.gpkg"
    out = tmp_path / "叠加结果.shp"
    detail = tmp_path / "叠加明细.shp"
    _qgis_process("liangwei:overlaycheck", "--", f"PATCHES={SAMPLE / 'patches.gpkg'}|layername=卫片图斑",
                  f"LANDUSE={county}|layername=三调地类图斑", f"PROTECTED={county}|layername=生态保护红线",
                  f"PROTECTED={county}|layername=饮用水水源保护区", f"OUTPUT={out}", f"OUTPUT_DETAIL={detail}")
    for dbf in (out.with_suffix(".dbf"), detail.with_suffix(".dbf")):
        names = _dbf_field_names(dbf)
        decoded = [n.decode("utf-8") for n in names]  # raises on a character cut in half
        assert len({n.upper() for n in decoded}) == len(decoded)
        assert dbf.with_suffix(".cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    overlay = read_vector(out)
    assert {"STBHHX_M2", "GD_M2", "XZQMC"} <= set(overlay.columns)
    source = read_vector(SAMPLE / "patches.gpkg", "卫片图斑")
    assert sorted(overlay["XZQMC"]) == sorted(source["XZQMC"])  # 城关镇, 岩前乡 … unchanged
    determined = tmp_path / "规划认定结果.shp"
    _qgis_process("liangwei:determine", "--", f"INPUT={out}", f"OUTPUT={determined}")
    assert len(read_vector(determined)) == len(overlay)


def test_dbf_field_names_fit_and_stay_distinct():
    names = ["area_m2", "farmland_m2", "farmland_mu", "生态保护红线_m2", "某某自然保护区一_m2", "某某自然保护区二_m2",
             "determination_code", "determination"]
    short = dbf_field_names(names)
    assert short[0] == "area_m2"  # fits: unchanged, so the next algorithm finds it
    assert short[1:4] == ["GD_M2", "GD_MU", "STBHHX_M2"]
    assert all(len(s.encode("utf-8")) <= 10 for s in short)
    assert len({s.upper() for s in short}) == len(short)
    assert short[4] == "某某自"  # cut at a character boundary (9 bytes), then numbered
    assert short[5].endswith("_1") and len(short[5].encode("utf-8")) <= 10
