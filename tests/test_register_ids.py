"""Patch identity in the register (图斑标识): ids that never collide, conflicts kept, old registers readable.

The overlay makes repeated and empty ids unique inside one batch (``<id>#2``, ``#<row>``); those strings once
became the register's identity, so a later batch's real id ``A#2`` or ``#3`` was "already registered" and
silently skipped.  Now the register identifies a patch by the id as delivered and its geometry; every test
checks that every input patch is accounted for (added + skipped == input) and names the case at fault.
Runs on a GeoPackage file and on a throw-away PostGIS cluster (tests/pg_cluster.py).
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from liangwei.liangwei_plugin.register import Register
from liangwei.liangwei_plugin.register.intake import FieldPlan

X0, Y0 = 39_500_000, 2_800_000
DETERMINED = ["JCBH", "patch_id", "violation", "determination_code", "area_m2"]


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "台账.gpkg")
    return request.getfixturevalue("pg").uri("i_" + uuid.uuid4().hex[:12])


def square(i: int, dx: float = 0.0, size: float = 20.0):
    x, y = X0 + 100 * i + dx, Y0
    return box(x, y, x + size, y + size)


def determined(rows) -> list[dict]:
    """Records as liangwei:registercases reads them from liangwei:determine's OUTPUT: (JCBH, overlay patch_id,
    geometry)."""
    plan = FieldPlan(DETERMINED, "认定结果")
    out = []
    for jcbh, pid, geom in rows:
        rec = plan.record({"JCBH": jcbh, "patch_id": pid, "violation": 1, "determination_code": "uncorrectable",
                           "area_m2": geom.area})
        rec["geom"] = shapely.to_wkb(geom)
        out.append(rec)
    return out


def accounted(result, n: int) -> None:
    assert len(result.added) + len(result.skipped) == n, (result.added, result.skipped)


def test_generated_ids_do_not_swallow_real_ids_of_a_later_batch(target):
    with Register(target) as reg:
        # batch 1 after the overlay: A twice (different patches) and one patch without id
        first = reg.register_cases(determined([("A", "A", square(0)), ("A", "A#2", square(1)), ("", "#3", square(2))]),
                                   found_date="2026-11-02", actor="内业员")
        accounted(first, 3)
        assert len(first.added) == 3 and first.skipped == []
        assert [c[1] for c in first.conflicts] == ["A"] and first.conflicts[0][2] == [first.added[0]]
        assert first.no_id == [first.added[2]]
        conflict = reg.get_case(first.added[1])
        assert conflict["patch_id"] is None and conflict["given_patch_id"] == "A"
        assert first.added[0] in conflict["id_note"] and "编号冲突" in conflict["id_note"]
        assert "A#2" in conflict["id_note"]              # the overlay's id, which names its documents
        assert reg.get_case(first.added[2])["id_note"].startswith("监测编号为空")
        # batch 2: real ids that read like the generated ones are new patches, not "已在台账中"
        second = reg.register_cases(determined([("A#2", "A#2", square(3)), ("#3", "#3", square(4))]),
                                    found_date="2026-11-03")
        accounted(second, 2)
        assert len(second.added) == 2 and second.skipped == [] and second.conflicts == []
        assert reg.get_case("A#2")["case_no"] == second.added[0]
        assert reg.get_case("#3")["case_no"] == second.added[1]
        # running both batches again registers nothing: same id (or no id) and same geometry
        again = reg.register_cases(determined([("A", "A", square(0)), ("A", "A#2", square(1)), ("", "#3", square(2)),
                                               ("A#2", "A#2", square(3)), ("#3", "#3", square(4))]),
                                   found_date="2026-11-04")
        accounted(again, 5)
        assert again.added == [] and len(again.skipped) == 5
        assert reg.count_cases() == 5
        keys = [c["patch_key"] for c in reg.find_cases()]
        assert len(set(keys)) == 5 and all(k.split(":", 1)[0] in ("id", "geom", "row") for k in keys)


def test_same_id_other_geometry_is_a_conflict_never_skipped(target):
    with Register(target) as reg:
        reg.register_cases(determined([("JC001", "JC001", square(0))]), found_date="2026-11-02")
        # within the tolerance (1 cm): the same patch delivered again
        near = reg.register_cases(determined([("JC001", "JC001", square(0, dx=0.01))]), found_date="2026-11-03")
        assert near.added == [] and near.skipped == ["JC001"]
        # 5 m away: another patch under the same id
        far = reg.register_cases(determined([("JC001", "JC001", square(0, dx=5.0))]), found_date="2026-11-03")
        accounted(far, 1)
        assert len(far.added) == 1 and far.skipped == []
        (case_no, pid, others), = far.conflicts
        first = reg.get_case("JC001")
        assert pid == "JC001" and others == [first["case_no"]] and case_no != first["case_no"]
        assert far.messages and first["case_no"] in far.messages[0] and "JC001" in far.messages[0]
        # the conflict case is itself recognised on a re-run
        assert reg.register_cases(determined([("JC001", "JC001", square(0, dx=5.0))])).added == []
        # the first case keeps its id; the conflict one is found by its number, and by the id in a search
        assert reg.get_case("JC001")["fid"] == first["fid"]
        assert {c["case_no"] for c in reg.find_cases(text="jc001")} == {first["case_no"], case_no}


def test_repeated_id_without_geometry_and_empty_ids_without_geometry(target):
    with Register(target) as reg:
        rows = [{"patch_id": "N1", "violation": 1}, {"patch_id": None, "violation": 1},
                {"patch_id": None, "violation": 1}]
        res = reg.register_cases(rows, found_date="2026-11-02")
        accounted(res, 3)
        assert len(res.added) == 3 and len(res.no_id) == 2
        # the same batch again: identified by batch and row, registered once
        again = reg.register_cases([dict(r) for r in rows], found_date="2026-11-02")
        assert again.added == [] and len(again.skipped) == 3


def test_registercases_reports_conflicts(target, liangwei_provider):
    import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsProcessingFeedback, QgsVectorLayer

    def layer(rows):
        spec = "&".join(f"field={n}:{'double' if n == 'area_m2' else 'integer' if n == 'violation' else 'string'}"
                        for n in DETERMINED)
        lyr = QgsVectorLayer(f"Polygon?crs=EPSG:4527&{spec}", "认定结果", "memory")
        feats = []
        for jcbh, pid, geom in rows:
            f = QgsFeature(lyr.fields())
            f.setGeometry(QgsGeometry.fromWkt(geom.wkt))
            f.setAttributes([jcbh, pid, 1, "uncorrectable", geom.area])
            feats.append(f)
        lyr.dataProvider().addFeatures(feats)
        return lyr

    class Messages(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.errors, self.infos = [], []

        def reportError(self, error, fatalError=False):  # noqa: N802, N803
            self.errors.append(error)

        def pushInfo(self, info):  # noqa: N802
            self.infos.append(info)

    fb = Messages()
    res = processing.run("liangwei:registercases", {
        # the overlay's output for JCBH A, A, A#2, (empty): the repeated A counts on past the real A#2
        "INPUT": layer([("A", "A", square(0)), ("A", "A#3", square(1)), ("A#2", "A#2", square(2)),
                        (None, "#4", square(3))]),
        "REGISTER": target, "DATE": "2026-11-02"}, feedback=fb)
    assert (res["ADDED"], res["SKIPPED"], res["CONFLICTS"], res["NO_ID"]) == (4, 0, 1, 1)
    assert any("编号冲突" in e and "“A”" in e for e in fb.errors)
    assert any("输入 4 个图斑" in i and "编号冲突另行登记 1 件" in i for i in fb.infos)
    # a later batch: the real A#2 again (same geometry: skipped) and a real "#4" (new, not the id-less patch)
    res = processing.run("liangwei:registercases", {
        "INPUT": layer([("A#2", "A#2", square(2)), ("#4", "#4", square(5))]), "REGISTER": target,
        "DATE": "2026-11-03"})
    assert (res["ADDED"], res["SKIPPED"], res["CONFLICTS"]) == (1, 1, 0)


def test_register_of_schema_3_is_migrated_and_keeps_its_cases(tmp_path, monkeypatch):
    """A register made before migration 4 (no patch_key …): opened read-only it is read as it is; opened to
    write it gains the columns, and its old cases keep their identity."""
    from liangwei.liangwei_plugin.register import model, storage

    path = str(tmp_path / "old.gpkg")
    old_columns = [c for c in model.CASE_COLUMNS if c[0] not in ("patch_key", "given_patch_id", "id_note")]
    with monkeypatch.context() as m:
        m.setattr(storage, "CASE_COLUMNS", old_columns)
        m.setattr(storage, "COLUMN_NAMES", [c[0] for c in old_columns])
        m.setattr(storage, "MIGRATIONS", storage.MIGRATIONS[:3])
        m.setattr(storage, "SCHEMA_VERSION", 3)
        with Register(path) as reg:
            reg.register_cases([{"patch_id": "OLD1", "violation": 1, "geom": shapely.to_wkb(square(0))},
                                {"patch_id": "OLD2", "violation": 1, "geom": shapely.to_wkb(square(1))}],
                               found_date="2026-10-01")
            assert reg.schema_version() == 3
    with Register(path, readonly=True) as reg:
        assert reg.schema_version() == 3
        cases = reg.find_cases()
        assert [c["patch_id"] for c in cases] == ["OLD1", "OLD2"] and cases[0]["patch_key"] is None
    with Register(path) as reg:
        assert reg.schema_version() == storage.SCHEMA_VERSION >= 4
        res = reg.register_cases(determined([("OLD1", "OLD1", square(0)), ("OLD2", "OLD2", square(9)),
                                             ("NEW", "NEW", square(3))]), found_date="2026-11-02")
        accounted(res, 3)
        assert res.skipped == ["OLD1"] and len(res.added) == 2
        assert [c[1] for c in res.conflicts] == ["OLD2"]
        assert reg.count_cases() == 4
        # history intact: the migration wrote no history row (no backfill through the edit triggers)
        for case in reg.find_cases():
            assert [h["version"] for h in reg.history(case["fid"])] == list(range(1, case["version"] + 1))


def test_overlay_to_register_and_notices_with_ids_that_read_generated(tmp_path, liangwei_provider):
    """JCBH X, X, X#2 and an empty one through overlaycheck → determine → registercases → exportnotices:
    four distinct patch_ids (once two read "X#2" and exportnotices refused the batch), four cases, and a later
    batch's real "X#3" / "#4" registered, not skipped."""
    import geopandas as gpd
    import processing

    from liangwei.liangwei_plugin.csv_out import read_csv
    from liangwei.liangwei_plugin.vector_io import write_vector

    def county(ids, first=0):
        patches = gpd.GeoDataFrame(
            {"JCBH": ids, "XZQDM": "350521101", "XZQMC": "城关镇", "TBLX": "新增建设用地", "QSX": "2024-05-20",
             "HSX": "2025-10-12", "DSR": "张三"},
            geometry=[square(first + i) for i in range(len(ids))], crs="EPSG:4527")
        folder = tmp_path / f"batch{first}"
        folder.mkdir()
        write_vector(patches, folder / "patches.gpkg", layer="卫片图斑")
        landuse = gpd.GeoDataFrame({"DLBM": ["0101"], "DLMC": ["水田"], "ZLDWDM": ["350521101201"],
                                    "ZLDWMC": ["东村"]}, geometry=[box(X0 - 50, Y0 - 50, X0 + 2000, Y0 + 100)],
                                   crs="EPSG:4527")
        write_vector(landuse, folder / "county.gpkg", layer="三调地类图斑")
        overlay = processing.run("liangwei:overlaycheck", {
            "PATCHES": f"{folder / 'patches.gpkg'}|layername=卫片图斑",
            "LANDUSE": f"{folder / 'county.gpkg'}|layername=三调地类图斑", "AREA_METHOD": 1,
            "OUTPUT": str(folder / "overlay.gpkg"), "OUTPUT_DETAIL": str(folder / "detail.csv")})
        determined = processing.run("liangwei:determine", {"INPUT": overlay["OUTPUT"],
                                                          "OUTPUT": str(folder / "determined.gpkg")})
        return folder, determined["OUTPUT"]

    register = str(tmp_path / "台账.gpkg")
    folder, determined = county(["X", "X", "X#2", ""])
    from qgis.core import QgsVectorLayer

    ids = [f["patch_id"] for f in QgsVectorLayer(determined, "d", "ogr").getFeatures()]
    assert sorted(ids) == ["#4", "X", "X#2", "X#3"]
    notices = processing.run("liangwei:exportnotices", {
        "INPUT": determined, "OUTPUT_FOLDER": str(folder / "notices"), "ISSUE_DATE": "2026-11-22", "WORKERS": 0,
        "NUMBER_REGISTRY": str(tmp_path / "编号.sqlite")})
    rows = [r for r in read_csv(Path(notices["INDEX"])) if r["document"] == "notice"]
    assert sorted(r["patch_id"] for r in rows) == sorted(ids)
    res = processing.run("liangwei:registercases", {"INPUT": determined, "REGISTER": register, "DATE": "2026-11-02"})
    assert (res["ADDED"], res["SKIPPED"], res["CONFLICTS"], res["NO_ID"]) == (4, 0, 1, 1)
    # the next batch has real ids that equal the generated ones of the first
    _, later = county(["X#3", "#4"], first=10)
    res = processing.run("liangwei:registercases", {"INPUT": later, "REGISTER": register, "DATE": "2026-11-09"})
    assert (res["ADDED"], res["SKIPPED"], res["CONFLICTS"]) == (2, 0, 0)
    with Register(register, readonly=True) as reg:
        assert reg.count_cases() == 6
        assert {c["patch_id"] for c in reg.find_cases()} == {"X", "X#2", "X#3", "#4", None}
