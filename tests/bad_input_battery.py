"""A battery of bad inputs and faults run through every liangwei algorithm (issue 12).

Each case builds its input in a fresh folder (from one small synthetic county, EPSG:4527), runs one
algorithm through ``processing.run`` (or, for configuration files, the loader the algorithms use) and is
classified as

- ``refused``    : a QgsProcessingException (or the loader's error) with a clear Chinese message;
- ``corrected``  : it ran and said what it corrected or left out (a warning in the run's log);
- ``unchanged``  : it ran with nothing to say (the input was acceptable after all);
- ``crash``      : any other exception (a traceback) — always a failure.

and then judged: a refusal must be Chinese, without a traceback, and name what is at fault (``words``); a
run must lose and falsify nothing (``check``: counts in = counts out, figures as computed by hand); a
refused run must leave no output file behind.  ``accept`` lists the outcomes that are right for the case.

Run it as a script (``python tests/bad_input_battery.py``) for the table and the counts, or through
``tests/test_bad_input_battery.py`` (one test per case).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
X0, Y0 = 39_501_000.0, 2_800_000.0
N_PATCHES = 6
REFUSED, CORRECTED, UNCHANGED, CRASH = "refused", "corrected", "unchanged", "crash"
ANY_RUN = frozenset({CORRECTED, UNCHANGED})
ANY_OK = frozenset({REFUSED, CORRECTED, UNCHANGED})


@dataclass
class Case:
    id: str
    klass: str                          # CRS, codes, ids, paths, files, outputs, configs, dates, encodings …
    alg: str | Callable                 # algorithm id, or a function(folder) raising on refusal
    params: Callable[[Path], dict] | None = None
    accept: frozenset = ANY_OK
    words: tuple[str, ...] = ()         # a refusal's message names these
    check: Callable | None = None       # check(results, folder) on a run: nothing lost or falsified
    outputs: tuple[str, ...] = ()       # files (relative to the folder) that must not exist after a refusal
    xfail: str = ""                     # a known failure, with its reason (counted in the README)


@dataclass
class Outcome:
    kind: str
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    results: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------------------------------------
# the synthetic county

def rect(x1, y1, x2, y2):
    import shapely

    return shapely.box(x1 + X0, y1 + Y0, x2 + X0, y2 + Y0)


def lu_frame(codes=("0101", "0103", "0702", "1001"), crs="EPSG:4527"):
    import geopandas as gpd

    return gpd.GeoDataFrame({"DLBM": list(codes), "ZLDWDM": ["350521100201"] * 4, "ZLDWMC": ["甲村"] * 4},
                            geometry=[rect(0, 0, 100, 200), rect(100, 0, 200, 200), rect(200, 0, 300, 200),
                                      rect(300, 0, 400, 200)], crs=crs)


def patch_frame(crs="EPSG:4527"):
    import geopandas as gpd

    boxes = [rect(10, 10, 60, 60), rect(80, 20, 130, 70), rect(150, 100, 190, 150), rect(220, 20, 280, 80),
             rect(310, 110, 360, 160), rect(50, 120, 90, 180)]
    return gpd.GeoDataFrame({"JCBH": [f"350521202600{i + 1:02d}" for i in range(N_PATCHES)],
                             "XZQMC": ["城关镇"] * N_PATCHES, "TBLX": ["新增建设用地"] * N_PATCHES,
                             "DSR": [f"当事人{i + 1}" for i in range(N_PATCHES)]}, geometry=boxes, crs=crs)


def write(gdf, path: Path, layer: str | None = None, driver: str | None = None) -> Path:
    from liangwei.liangwei_plugin.vector_io import write_vector

    path.parent.mkdir(parents=True, exist_ok=True)
    write_vector(gdf, path, layer=layer, driver=driver)
    return path


def county(folder: Path) -> dict[str, str]:
    """lu.gpkg (三调地类图斑), patches.gpkg (卫片图斑), protected.gpkg (生态保护红线), towns.gpkg (乡镇界线)."""
    import geopandas as gpd

    write(lu_frame(), folder / "lu.gpkg", "三调地类图斑")
    write(patch_frame(), folder / "patches.gpkg", "卫片图斑")
    write(gpd.GeoDataFrame({"MC": ["红线"]}, geometry=[rect(0, 0, 50, 200)], crs="EPSG:4527"),
          folder / "protected.gpkg", "生态保护红线")
    write(gpd.GeoDataFrame({"XZQDM": ["350521100"], "XZQMC": ["城关镇"]}, geometry=[rect(-10, -10, 410, 210)],
                           crs="EPSG:4527"), folder / "towns.gpkg", "乡镇界线")
    return {"lu": f"{folder / 'lu.gpkg'}|layername=三调地类图斑", "patches": str(folder / "patches.gpkg"),
            "protected": f"{folder / 'protected.gpkg'}|layername=生态保护红线",
            "towns": f"{folder / 'towns.gpkg'}|layername=乡镇界线"}


def overlay_params(folder: Path, **changes) -> dict:
    c = county(folder)
    params = {"PATCHES": c["patches"], "LANDUSE": c["lu"], "PROTECTED": [c["protected"]],
              "OUTPUT": str(folder / "out.gpkg"), "OUTPUT_DETAIL": str(folder / "detail.csv")}
    params.update(changes)
    return params


def with_patches(build: Callable[[Path], str]) -> Callable[[Path], dict]:
    return lambda folder: overlay_params(folder, PATCHES=build(folder))


def with_landuse(build: Callable[[Path], str]) -> Callable[[Path], dict]:
    return lambda folder: overlay_params(folder, LANDUSE=build(folder))


def _features(value) -> list[dict]:
    from qgis.core import QgsVectorLayer

    layer = value if isinstance(value, QgsVectorLayer) else QgsVectorLayer(str(value), "out", "ogr")
    assert layer.isValid(), f"output cannot be opened: {value}"
    names = layer.fields().names()
    return [dict(zip(names, f.attributes())) for f in layer.getFeatures()]


def out_count(n: int = N_PATCHES, key: str = "OUTPUT") -> Callable:
    """The output has ``n`` features (every patch in is a row out)."""
    def check(results, folder):
        rows = _features(results[key])
        assert len(rows) == n, f"{len(rows)} rows out for {n} in"
    return check


def areas_as_4527(tolerance: float = 0.002) -> Callable:
    """Every patch's area equals the area computed from the EPSG:4527 original (to 0.2 %)."""
    def check(results, folder):
        rows = {str(r["patch_id"]): r["area_m2"] for r in _features(results["OUTPUT"])}
        expected = [50 * 50, 50 * 50, 40 * 50, 60 * 60, 50 * 50, 40 * 60]
        assert len(rows) == N_PATCHES
        for (pid, area), planar in zip(sorted(rows.items()), expected):
            assert abs(area - planar) <= tolerance * planar + 1, f"{pid}: {area} m² instead of ≈{planar}"
    return check


# ------------------------------------------------------------------------------------------------
# patch layers with one fault each

def _ogr_layer(path: Path, gtype, rows, srs_epsg: int | None = 4527, layer: str = "p", fields=("JCBH",)):
    from osgeo import ogr, osr

    path.parent.mkdir(parents=True, exist_ok=True)
    srs = None
    if srs_epsg:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(srs_epsg)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    drv = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON"}[path.suffix]
    ds = ogr.GetDriverByName(drv).CreateDataSource(str(path))
    lyr = ds.CreateLayer(layer, srs, gtype)
    for name in fields:
        lyr.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for values, geom in rows:
        f = ogr.Feature(lyr.GetLayerDefn())
        for name, value in zip(fields, values):
            if value is not None:
                f.SetField(name, value)
        if geom is not None:
            f.SetGeometry(geom if not isinstance(geom, str) else ogr.CreateGeometryFromWkt(geom))
        lyr.CreateFeature(f)
    ds = None
    return str(path)


def patches_variant(name: str, transform: Callable, crs: str | None = "EPSG:4527", ids=None) -> Callable[[Path], str]:
    """The patches with geometries ``transform(geom, i)`` (None for none), in ``crs`` as declared."""
    def build(folder: Path) -> str:
        from osgeo import ogr

        frame = patch_frame()
        rows = []
        for i, geom in enumerate(frame.geometry):
            g = transform(geom, i)
            rows.append(([(ids[i] if ids else frame.JCBH[i])], None if g is None else
                         (g if isinstance(g, ogr.Geometry) else ogr.CreateGeometryFromWkb(g.wkb))))
        epsg = int(crs.split(":")[1]) if crs else None
        return _ogr_layer(folder / name, ogr.wkbUnknown if name.endswith(".geojson") else ogr.wkbPolygon, rows, epsg)
    return build


def _swap(geom):
    import shapely

    return shapely.transform(geom, lambda c: c[:, ::-1])


def _to(geom, crs):
    import geopandas as gpd

    return gpd.GeoSeries([geom], crs="EPSG:4527").to_crs(crs).iloc[0]


def _nan_geom(geom, i):
    from osgeo import ogr

    if i != 1:
        return geom
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in list(geom.exterior.coords):
        ring.AddPoint_2D(x, y)
    ring.SetPoint_2D(2, float("nan"), geom.bounds[3])
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    return poly


def _inf_geom(geom, i):
    g = _nan_geom(geom, i)
    if i == 1:
        g.GetGeometryRef(0).SetPoint_2D(2, float("inf"), geom.bounds[3])
    return g


def _bowtie(geom, i):
    from shapely import wkt

    if i != 2:
        return geom
    x1, y1, x2, y2 = geom.bounds
    return wkt.loads(f"POLYGON(({x1} {y1},{x2} {y2},{x2} {y1},{x1} {y2},{x1} {y1}))")


def _empty(geom, i):
    from osgeo import ogr

    return ogr.Geometry(ogr.wkbPolygon) if i == 3 else geom


def _overlapping_multipart(geom, i):
    import shapely

    if i != 0:
        return geom
    x1, y1, x2, y2 = geom.bounds
    return shapely.MultiPolygon([shapely.box(x1, y1, x2, y2), shapely.box(x1 + 10, y1 + 10, x2 - 10, y2 - 10)])


def points_layer(folder: Path) -> str:
    from osgeo import ogr

    return _ogr_layer(folder / "points.gpkg", ogr.wkbPoint, [(["A"], f"POINT({X0 + 10} {Y0 + 10})")])


def lines_layer(folder: Path) -> str:
    from osgeo import ogr

    return _ogr_layer(folder / "lines.gpkg", ogr.wkbLineString,
                      [(["A"], f"LINESTRING({X0} {Y0},{X0 + 50} {Y0 + 50})")])


def empty_layer(folder: Path) -> str:
    from osgeo import ogr

    return _ogr_layer(folder / "empty.gpkg", ogr.wkbPolygon, [])


def no_id_field(folder: Path) -> str:
    frame = patch_frame().drop(columns=["JCBH"]).rename(columns={"XZQMC": "名称"})
    return str(write(frame, folder / "noid.gpkg", "p"))


def ids_frame(ids) -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        frame = patch_frame()
        frame["JCBH"] = list(ids)
        return str(write(frame, folder / "ids.gpkg", "p"))
    return build


def copy_patches(name: str) -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write(patch_frame(), target, "卫片图斑")
        return str(target)
    return build


def garbage_file(name: str, data: bytes) -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        (folder / name).write_bytes(data)
        return str(folder / name)
    return build


def truncated_gpkg(folder: Path) -> str:
    write(patch_frame(), folder / "full.gpkg", "p")
    data = (folder / "full.gpkg").read_bytes()
    (folder / "cut.gpkg").write_bytes(data[: len(data) // 3])
    return str(folder / "cut.gpkg")


def shapefile(encoding: str, cpg: str | None) -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        path = folder / "shp" / "patches.shp"
        path.parent.mkdir(parents=True, exist_ok=True)
        from osgeo import ogr, osr

        srs = osr.SpatialReference()
        srs.ImportFromEPSG(4527)
        ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(str(path.parent))
        lyr = ds.CreateLayer("patches", srs, ogr.wkbPolygon, options=[f"ENCODING={encoding}"])
        for name in ("JCBH", "XZQMC"):
            lyr.CreateField(ogr.FieldDefn(name, ogr.OFTString))
        for _, row in patch_frame().iterrows():
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetField("JCBH", row.JCBH)
            f.SetField("XZQMC", row.XZQMC)
            f.SetGeometry(ogr.CreateGeometryFromWkb(row.geometry.wkb))
            lyr.CreateFeature(f)
        ds = None
        cpg_path = path.with_suffix(".cpg")
        if cpg is None:
            cpg_path.unlink(missing_ok=True)
        else:
            cpg_path.write_text(cpg, encoding="ascii")
        return str(path)
    return build


def csv_wkt(bad_row: bool, prj: bool = True) -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        lines = ["JCBH,XZQMC,WKT"]
        for i, (_, row) in enumerate(patch_frame().iterrows()):
            geom = "POLYGON((1 2, 3 4" if bad_row and i == 2 else row.geometry.wkt
            lines.append(f'{row.JCBH},{row.XZQMC},"{geom}"')
        path = folder / "patches.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if prj:
            from pyproj import CRS

            path.with_suffix(".prj").write_text(CRS("EPSG:4527").to_wkt("WKT1_ESRI"), encoding="ascii")
        return str(path)
    return build


def landuse_codes(codes, field_type: str = "str") -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        frame = lu_frame()
        frame["DLBM"] = [int(c) if field_type == "int" and c is not None else c for c in codes]
        return f"{write(frame, folder / 'lu_codes.gpkg', '三调地类图斑')}|layername=三调地类图斑"
    return build


def landuse_overlapping(folder: Path) -> str:
    import geopandas as gpd
    import pandas as pd

    frame = lu_frame()
    extra = gpd.GeoDataFrame({"DLBM": ["0101"], "ZLDWDM": ["350521100201"], "ZLDWMC": ["甲村"]},
                             geometry=[rect(0, 0, 100, 200)], crs="EPSG:4527")
    return f"{write(pd.concat([frame, extra], ignore_index=True), folder / 'lu_dup.gpkg', 'lu')}|layername=lu"


def landuse_gap(folder: Path) -> str:
    frame = lu_frame().iloc[[0, 2, 3]]
    return f"{write(frame, folder / 'lu_gap.gpkg', 'lu')}|layername=lu"


def landuse_nocrs(folder: Path) -> str:
    from osgeo import ogr

    rows = [([c], ogr.CreateGeometryFromWkb(g.wkb)) for c, g in zip(lu_frame().DLBM, lu_frame().geometry)]
    return _ogr_layer(folder / "lu_nocrs.gpkg", ogr.wkbPolygon, rows, None, fields=("DLBM",))


def landuse_lowercase(folder: Path) -> str:
    frame = lu_frame().rename(columns={"DLBM": "dlbm"})
    return f"{write(frame, folder / 'lu_lower.gpkg', 'lu')}|layername=lu"


def landuse_4490(folder: Path) -> str:
    return f"{write(lu_frame().to_crs('EPSG:4490'), folder / 'lu4490.gpkg', 'lu')}|layername=lu"


def protected_far(folder: Path) -> str:
    import geopandas as gpd

    far = gpd.GeoDataFrame({"MC": ["远处"]}, geometry=[rect(50_000, 50_000, 50_100, 50_100)], crs="EPSG:4527")
    return f"{write(far, folder / 'far.gpkg', '自然保护地')}|layername=自然保护地"


# ------------------------------------------------------------------------------------------------
# outputs

def _mount(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],  # noqa: S603,S607
                          capture_output=True).returncode == 0


MOUNTS: list[Path] = []


def readonly_folder(folder: Path) -> Path:
    ro = folder / "readonly"
    if _mount(ro, "ro,size=8m"):
        MOUNTS.append(ro)
    else:
        ro.mkdir(exist_ok=True)
        ro.chmod(0o555)
    return ro


def small_disk(folder: Path) -> Path:
    disk = folder / "small"
    if _mount(disk, "size=64k"):
        MOUNTS.append(disk)
    return disk


def unmount_all() -> None:
    while MOUNTS:
        subprocess.run(["umount", str(MOUNTS.pop())], capture_output=True)  # noqa: S603,S607


def big_county_params(folder: Path, output: Path) -> dict:
    """400 patches, so the outputs do not fit on the small disk."""
    import geopandas as gpd

    c = county(folder)
    n = 400
    frame = gpd.GeoDataFrame({"JCBH": [f"B{i:04d}" for i in range(n)]},
                             geometry=[rect(i % 20 * 20, i // 20 * 10, i % 20 * 20 + 8, i // 20 * 10 + 8)
                                       for i in range(n)], crs="EPSG:4527")
    write(frame, folder / "big.gpkg", "p")
    return {"PATCHES": str(folder / "big.gpkg"), "LANDUSE": c["lu"], "OUTPUT": str(output / "out.gpkg"),
            "OUTPUT_DETAIL": str(output / "detail.csv")}


# ------------------------------------------------------------------------------------------------
# determination inputs and rule files

def overlay_output(folder: Path, patches: Callable[[Path], str] | None = None) -> str:
    import processing

    params = overlay_params(folder / "ov", OUTPUT=str(folder / "ov" / "overlay.gpkg"),
                            OUTPUT_DETAIL=str(folder / "ov" / "detail.csv"))
    if patches is not None:
        params["PATCHES"] = patches(folder / "ov")
    return processing.run("liangwei:overlaycheck", params)["OUTPUT"]


def rules_file(*edits, encoding: str = "utf-8", name: str = "rules.toml") -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        text = (ROOT / "resources" / "determination_rules.toml").read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new, 1)
        path = folder / name
        path.write_bytes(text.encode(encoding, errors="replace") if encoding != "utf-8-sig"
                         else b"\xef\xbb\xbf" + text.encode("utf-8"))
        return str(path)
    return build


def determine_params(rules: Callable[[Path], str] | None = None, inp: Callable[[Path], str] | None = None):
    def build(folder: Path) -> dict:
        params = {"INPUT": inp(folder) if inp else overlay_output(folder), "OUTPUT": str(folder / "det.gpkg")}
        if rules is not None:
            params["RULES"] = rules(folder)
        return params
    return build


def zero_area_patch(geom, i):
    from osgeo import ogr

    return ogr.Geometry(ogr.wkbPolygon) if i == 0 else geom


def check_no_order_on_zero_area(results, folder):
    rows = _features(results["OUTPUT"])
    assert len(rows) == N_PATCHES
    zero = [r for r in rows if not r.get("area_m2")]
    assert zero, "the patch without area is missing"
    for r in zero:
        assert not r.get("consequence"), f"a patch without area was ordered: {r.get('consequence')}"


# ------------------------------------------------------------------------------------------------
# registers

def register_with_cases(folder: Path, name: str = "register.gpkg") -> str:
    import processing

    reg = folder / name
    det = {"INPUT": overlay_output(folder), "OUTPUT": str(folder / "det_for_reg.gpkg")}
    det_out = processing.run("liangwei:determine", det)["OUTPUT"]
    processing.run("liangwei:registercases", {"INPUT": det_out, "REGISTER": str(reg), "DATE": "2026-06-01"})
    return str(reg)


def register_case_count(path: str) -> int:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT count(*) FROM cases").fetchone()[0]


def registercases_params(date: str = "2026-06-01", patches=None, register=None) -> Callable[[Path], dict]:
    def build(folder: Path) -> dict:
        import processing

        det_out = processing.run("liangwei:determine", {"INPUT": overlay_output(folder, patches),
                                                        "OUTPUT": str(folder / "det.gpkg")})["OUTPUT"]
        return {"INPUT": det_out, "REGISTER": register(folder) if register else str(folder / "reg.gpkg"),
                "DATE": date}
    return build


def check_registered(n: int = N_PATCHES) -> Callable:
    def check(results, folder):
        reg = next(folder.glob("reg*.gpkg"), None) or next(folder.glob("*register*.gpkg"))
        got = register_case_count(str(reg))
        assert got == n, f"{got} cases in the register for {n} patches"
    return check


def twice(folder: Path) -> dict:
    import processing

    params = registercases_params()(folder)
    processing.run("liangwei:registercases", params)
    return params


def locked_register(folder: Path) -> dict:
    reg = register_with_cases(folder, "reg.gpkg")
    con = sqlite3.connect(reg, timeout=0, check_same_thread=False)
    con.execute("BEGIN EXCLUSIVE")
    LOCKS.append(con)
    return {"REGISTER": reg, "OUTPUT": str(folder / "ledger.xlsx")}


LOCKS: list[sqlite3.Connection] = []


def release_locks() -> None:
    while LOCKS:
        con = LOCKS.pop()
        con.rollback()
        con.close()


def readonly_register(folder: Path) -> dict:
    params = registercases_params()(folder)
    ro = readonly_folder(folder)
    reg_src = register_with_cases(folder, "seed.gpkg")
    if MOUNTS and MOUNTS[-1] == ro:  # a read-only disk: put the register there first
        subprocess.run(["mount", "-o", "remount,rw", str(ro)], capture_output=True)  # noqa: S603,S607
        shutil.copy(reg_src, ro / "reg.gpkg")
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], capture_output=True)  # noqa: S603,S607
    params["REGISTER"] = str(ro / "reg.gpkg")
    return params


def data_gpkg_as_register(output: str) -> Callable[[Path], dict]:
    def build(folder: Path) -> dict:
        c = county(folder)
        return {"OUTPUT": output if output == "memory:" else str(folder / output), "REGISTER": c["lu"].split("|")[0]}
    return build


def check_lu_kept(results, folder):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"{folder / 'reg_lu.gpkg'}|layername=三调地类图斑", "lu", "ogr")
    assert layer.isValid() and layer.featureCount() == 4, "the data layer of the GeoPackage was changed"
    with sqlite3.connect(folder / "reg_lu.gpkg") as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == N_PATCHES


def check_gpkg_untouched(results, folder):
    with sqlite3.connect(folder / "lu.gpkg") as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    assert tables == {"三调地类图斑"}, tables


# ------------------------------------------------------------------------------------------------
# documents, one map, configurations

def determination_output(folder: Path, patches=None) -> str:
    import processing

    return processing.run("liangwei:determine", {"INPUT": overlay_output(folder, patches),
                                                 "OUTPUT": str(folder / "det.gpkg")})["OUTPUT"]


def documents_params(**changes) -> Callable[[Path], dict]:
    def build(folder: Path) -> dict:
        params = {"INPUT": determination_output(folder), "OUTPUT_FOLDER": str(folder / "docs"), "WORKERS": 0,
                  "ISSUE_DATE": "2026-07-01", "NUMBER_REGISTRY": str(folder / "numbers.sqlite")}
        for key, value in changes.items():
            params[key] = value(folder) if callable(value) else value
        return params
    return build


def documents_config(text: str, encoding: str = "utf-8") -> Callable[[Path], str]:
    def build(folder: Path) -> str:
        path = folder / "documents.toml"
        path.write_bytes(text.encode(encoding))
        return str(path)
    return build


def check_documents(results, folder):
    index = Path(results["INDEX"])
    assert index.exists()
    from liangwei.liangwei_plugin.csv_out import read_csv

    rows = read_csv(index)
    assert results["COUNT"] + results.get("KEPT", 0) + results.get("FAILED", 0) >= 1
    assert not results.get("FAILED"), f"{results.get('FAILED')} documents failed"
    assert len({r["patch_id"] for r in rows}) >= 1


def catalogue(text: str, encoding: str = "utf-8") -> Callable[[Path], dict]:
    def build(folder: Path) -> dict:
        county(folder)
        path = folder / "catalogue.toml"
        path.write_bytes(text.replace("@", str(folder)).encode(encoding))
        return {"CATALOGUE": str(path), "OUTPUT": str(folder / "onemap.qgz")}
    return build


GOOD_ENTRY = '[[layer]]\nrole = "landuse"\nname = "三调"\npath = "@/lu.gpkg|layername=三调地类图斑"\n\n'


def config_case(loader: str, name: str, *edits, encoding: str = "utf-8") -> Callable[[Path], None]:
    """Load the edited copy of ``resources/<name>`` with the plugin's loader ``loader``."""
    def run(folder: Path) -> None:
        text = (ROOT / "resources" / name).read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new, 1)
        path = folder / name
        path.write_bytes(text.encode(encoding, errors="replace"))
        if loader == "workflow":
            from liangwei.liangwei_plugin.register.workflow import Workflow

            Workflow.load(path)
        elif loader == "fieldmap":
            from liangwei.liangwei_plugin.fieldmap import load_field_mapping

            load_field_mapping(str(path))
        elif loader == "landuse":
            from liangwei.liangwei_plugin.landuse_codes import _load

            _load(str(path))
        elif loader == "documents":
            from liangwei.liangwei_plugin.documents.config import load_config

            load_config(path)
        elif loader == "rules":
            from liangwei.liangwei_plugin.determination import load_rules

            load_rules(path)
    return run


# ------------------------------------------------------------------------------------------------
# the cases

R, C = frozenset({REFUSED}), frozenset({CORRECTED})
RC = frozenset({REFUSED, CORRECTED})


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(*args, **kwargs):
        cases.append(Case(*args, **kwargs))

    ov = "liangwei:overlaycheck"
    outs = ("out.gpkg", "detail.csv")
    # --- CRS
    add("crs-missing", "CRS", ov, with_patches(patches_variant("nocrs.gpkg", lambda g, i: g, None)), RC,
        ("nocrs",), areas_as_4527(), outs)
    add("crs-latlon-swapped", "CRS", ov, with_patches(patches_variant(
        "swapped.gpkg", lambda g, i: _swap(_to(g, "EPSG:4490")), "EPSG:4490")), R, ("swapped",), None, outs)
    add("crs-gk-labelled-4490", "CRS", ov, with_patches(patches_variant("gk4490.gpkg", lambda g, i: g, "EPSG:4490")),
        RC, ("gk4490",), areas_as_4527(), outs)
    add("crs-gk-labelled-3857", "CRS", ov, with_patches(patches_variant("gk3857.gpkg", lambda g, i: g, "EPSG:3857")),
        RC, ("gk3857",), areas_as_4527(), outs)
    add("crs-correct-4490", "CRS", ov, with_patches(patches_variant(
        "ok4490.gpkg", lambda g, i: _to(g, "EPSG:4490"), "EPSG:4490")), ANY_RUN, (), areas_as_4527())
    add("crs-correct-3857", "CRS", ov, with_patches(patches_variant(
        "ok3857.gpkg", lambda g, i: _to(g, "EPSG:3857"), "EPSG:3857")), ANY_RUN, (), areas_as_4527())
    add("crs-landuse-4490", "CRS", ov, with_landuse(landuse_4490), ANY_RUN, (), areas_as_4527())
    add("crs-landuse-missing", "CRS", ov, with_landuse(landuse_nocrs), RC, ("lu_nocrs",), out_count(), outs)
    add("crs-protected-far-away", "CRS", ov, lambda f: overlay_params(f, PROTECTED=[protected_far(f)]), RC,
        ("自然保护地",), out_count(), outs)
    # --- geometries
    add("geom-null", "geometry", ov, with_patches(patches_variant("null.gpkg", lambda g, i: None if i == 4 else g)),
        RC, ("null",), out_count(), outs)
    add("geom-empty", "geometry", ov, with_patches(patches_variant("empty.gpkg", _empty)), RC, ("empty",),
        out_count(), outs)
    add("geom-nan", "geometry", ov, with_patches(patches_variant("nan.gpkg", _nan_geom)), RC, ("nan",),
        out_count(), outs)
    add("geom-inf", "geometry", ov, with_patches(patches_variant("inf.gpkg", _inf_geom)), RC, ("inf",),
        out_count(), outs)
    add("geom-bowtie", "geometry", ov, with_patches(patches_variant("bowtie.gpkg", _bowtie)), C, (), out_count())
    add("geom-multipart-overlap", "geometry", ov, with_patches(patches_variant("multi.gpkg", _overlapping_multipart)),
        ANY_RUN, (), areas_as_4527())
    add("geom-points", "geometry", ov, with_patches(points_layer), R, ("points",), None, outs)
    add("geom-lines", "geometry", ov, with_patches(lines_layer), R, ("lines",), None, outs)
    add("geom-no-features", "geometry", ov, with_patches(empty_layer), frozenset({REFUSED, UNCHANGED, CORRECTED}),
        ("empty",), out_count(0), outs)
    add("geom-outside-landuse", "coverage", ov, with_patches(patches_variant(
        "outside.gpkg", lambda g, i: g if i else rect(1000, 1000, 1050, 1050))), C, (), out_count())
    add("geom-3d", "geometry", ov, with_patches(patches_variant(
        "z.gpkg", lambda g, i: __import__("shapely").force_3d(g, 5.0))), ANY_RUN, (), areas_as_4527())
    # --- land-use codes and coverage
    add("codes-integer", "codes", ov, with_landuse(landuse_codes(("101", "103", "702", "1001"), "int")), C, (),
        out_count())
    add("codes-null", "codes", ov, with_landuse(landuse_codes((None, "0103", "0702", "1001"))), C, (), out_count())
    add("codes-unknown", "codes", ov, with_landuse(landuse_codes(("9999", "0103", "0702", "1001"))), C, (),
        out_count())
    add("codes-blank-padded", "codes", ov, with_landuse(landuse_codes((" 0101 ", "0103", "0702", "1001"))), ANY_RUN,
        (), out_count())
    add("codes-overlapping-parcels", "coverage", ov, with_landuse(landuse_overlapping), C, (), out_count())
    add("codes-gap", "coverage", ov, with_landuse(landuse_gap), C, (), out_count())
    add("codes-field-missing", "codes", ov, lambda f: overlay_params(f, LANDUSE_FIELD="DLBMX"), R, ("DLBMX",), None,
        outs)
    add("codes-field-lowercase", "codes", ov, with_landuse(landuse_lowercase), ANY_RUN, (), out_count())
    add("landuse-points", "geometry", ov, with_landuse(points_layer), R, ("points",), None, outs)
    add("protected-lines", "geometry", ov, lambda f: overlay_params(f, PROTECTED=[lines_layer(f)]), R, ("lines",),
        None, outs)
    add("protected-twice", "ids", ov, lambda f: overlay_params(f, PROTECTED=[county(f)["protected"]] * 2), ANY_OK, (),
        out_count())
    # --- ids
    base_ids = list(patch_frame().JCBH)
    add("ids-duplicate", "ids", ov, with_patches(ids_frame(base_ids[:3] * 2)), C, (), out_count())
    add("ids-empty", "ids", ov, with_patches(ids_frame(["", None, "A3", "A4", "", "A6"])), C, (), out_count())
    add("ids-hash-suffix", "ids", ov, with_patches(ids_frame(["A1", "A1", "A1#2", "A4", "A5", "A6"])), C, (),
        out_count())
    add("ids-very-long", "ids", ov, with_patches(ids_frame(["X" * 300 + str(i) for i in range(6)])), ANY_RUN, (),
        out_count())
    add("ids-emoji", "ids", ov, with_patches(ids_frame([f"图斑🏠{i}" for i in range(6)])), ANY_RUN, (), out_count())
    add("ids-unsafe-chars", "ids", ov, with_patches(ids_frame([f'a/b\\c:*?"<>|{i}' for i in range(6)])), ANY_RUN,
        (), out_count())
    add("ids-field-missing", "ids", ov, with_patches(no_id_field), R, ("noid",), None, outs)
    # --- paths and files
    add("path-semicolon", "paths", ov, with_patches(copy_patches("a;b.gpkg")), ANY_RUN, (), out_count())
    add("path-space-chinese", "paths", ov, with_patches(copy_patches("卫片 图斑/第 1 批.gpkg")), ANY_RUN, (),
        out_count())
    add("path-missing", "paths", ov, with_patches(lambda f: str(f / "none.gpkg")), R, ("PATCHES",), None, outs)
    add("file-garbage", "files", ov, with_patches(garbage_file("garbage.gpkg", os.urandom(4096))), R, ("PATCHES",),
        None, outs)
    add("file-truncated", "files", ov, with_patches(truncated_gpkg), R, (), None, outs)
    add("file-text-as-gpkg", "files", ov, with_patches(garbage_file("notes.gpkg", "这不是数据".encode())), R,
        ("PATCHES",), None, outs)
    add("file-geojson", "files", ov, with_patches(patches_variant("p.geojson", lambda g, i: g)), ANY_RUN, (),
        out_count())
    add("file-csv-wkt", "files", ov, with_patches(csv_wkt(False)), ANY_RUN | R, ("patches",), out_count(), outs)
    add("file-csv-bad-wkt-row", "files", ov, with_patches(csv_wkt(True)), RC, ("patches",), out_count(), outs)
    add("encoding-shp-gbk-no-cpg", "encodings", ov, with_patches(shapefile("GBK", None)), ANY_RUN, (), out_count())
    add("encoding-shp-utf8-cpg", "encodings", ov, with_patches(shapefile("UTF-8", "UTF-8")), ANY_RUN, (),
        out_count())
    add("encoding-shp-gbk-wrong-cpg", "encodings", ov, with_patches(shapefile("GBK", "UTF-8")), ANY_OK, (),
        out_count())
    add("raster-as-patches", "files", ov, with_patches(lambda f: str(_raster(f))), R, ("PATCHES",), None, outs)
    # --- outputs
    add("out-folder-missing", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(f / "no" / "such" / "o.gpkg")),
        R, ("不存在",), None, ("no",))
    add("out-folder-readonly", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(readonly_folder(f) / "o.gpkg")),
        R, ("readonly",), None)
    add("out-disk-full", "outputs", ov, lambda f: big_county_params(f, small_disk(f)), R, ("磁盘",), None,
        ("small/out.gpkg", "small/detail.csv"))
    add("out-semicolon", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(f / "结果;第1批.gpkg")), ANY_RUN, (),
        out_count())
    add("out-shapefile", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(f / "结果.shp")), ANY_RUN, (),
        out_count())
    add("out-csv", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(f / "结果.csv")), ANY_RUN, (), out_count())
    add("out-is-a-folder", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(_mkdir(f / "d.gpkg"))), R, (),
        None)
    add("out-existing-file", "outputs", ov, lambda f: overlay_params(f, OUTPUT=str(_touch(f / "old.gpkg"))), ANY_RUN,
        (), out_count())
    add("param-area-method", "params", ov, lambda f: overlay_params(f, AREA_METHOD=7), R, ("AREA_METHOD",), None,
        outs)

    # --- determination and rule files
    det = "liangwei:determine"
    dout = ("det.gpkg",)
    add("rules-gbk", "encodings", det, determine_params(rules_file(encoding="gbk")), R, ("rules.toml", "UTF-8"),
        None, dout)
    add("rules-bom", "encodings", det, determine_params(rules_file(encoding="utf-8-sig")), ANY_RUN, (),
        out_count())
    add("rules-syntax", "configs", det, determine_params(rules_file(("\n[thresholds]\n", "\n[thresholds\n"))), R,
        ("rules.toml", "TOML"), None, dout)
    add("rules-unknown-key", "configs", det, determine_params(rules_file(('id = "R99"', 'id = "R99"\nwhenn = []'))), R,
        ("R99", "whenn"), None, dout)
    add("rules-negative-threshold", "configs", det, determine_params(rules_file(
        ("occupy_min_m2 = 1.0", "occupy_min_m2 = -1.0"))), R, ("occupy_min_m2",), None, dout)
    add("rules-unknown-threshold", "configs", det, determine_params(rules_file(
        ("$occupy_min_m2", "$occupy_minimum"))), R, ("occupy_minimum",), None, dout)
    add("rules-unknown-department", "configs", det, determine_params(rules_file(
        ('department = "transport"', 'department = "traffic"'))), R, ("traffic",), None, dout)
    add("rules-several-problems", "configs", det, determine_params(rules_file(
        ("occupy_min_m2 = 1.0", "occupy_min_m2 = -1.0"), ("threshold_pct = 15", "threshold_pct = 150"))), R,
        ("处错误", "occupy_min_m2", "threshold_pct"), None, dout)
    add("rules-missing", "paths", det, determine_params(lambda f: str(f / "none.toml")), R, ("none.toml",), None, dout)
    add("rules-folder", "paths", det, determine_params(lambda f: str(_mkdir(f / "rules_dir"))), R, ("rules_dir",),
        None, dout)
    add("rules-absent-field", "rules", det, determine_params(rules_file(
        ('id = "R99"', 'id = "R98"\nname = "x"\nwhen = ["QQQ != \\"a\\""]\ncode = "not_violation"\n'
         'consequence = ""\nlegal_basis = ""\n\n[[rule]]\nid = "R99"'))), R, ("QQQ",), None, dout)
    add("det-input-not-overlay", "files", det, determine_params(inp=lambda f: county(f)["lu"]), R, ("area_m2",), None,
        dout)
    add("det-zero-area-patch", "rules", det, determine_params(inp=lambda f: overlay_output(
        f, patches_variant("zero.gpkg", zero_area_patch))), ANY_OK, (), check_no_order_on_zero_area, dout)
    add("det-no-features", "geometry", det, determine_params(inp=lambda f: empty_layer(f)), ANY_OK, (), out_count(0),
        dout)

    # --- farmland ratio
    fr = "liangwei:farmlandratio"

    def ratio_params(**changes):
        def build(folder):
            c = county(folder)
            params = {"INPUT": determination_output(folder), "TOWNSHIPS": c["towns"],
                      "OUTPUT": str(folder / "ratio.csv")}
            params.update({k: v(folder) if callable(v) else v for k, v in changes.items()})
            return params
        return build

    add("ratio-ok", "params", fr, ratio_params(), ANY_RUN, (), out_count(2))  # the township and the 合计 row
    add("ratio-township-points", "geometry", fr, ratio_params(TOWNSHIPS=points_layer), R, ("points",), None,
        ("ratio.csv",))
    add("ratio-threshold-range", "params", fr, ratio_params(THRESHOLD=150), R, ("THRESHOLD",), None, ("ratio.csv",))
    add("ratio-township-field-missing", "params", fr, ratio_params(TOWNSHIP_NAME_FIELD="MCX"), R, ("MCX",), None,
        ("ratio.csv",))
    add("ratio-input-not-determination", "files", fr, ratio_params(INPUT=lambda f: county(f)["lu"]), R, (), None,
        ("ratio.csv",))

    # --- register
    rc = "liangwei:registercases"
    add("reg-ok", "register", rc, registercases_params(), ANY_RUN, (), check_registered())
    add("reg-twice", "register", rc, twice, ANY_RUN, (), check_registered())
    add("reg-duplicate-ids", "ids", rc, registercases_params(patches=ids_frame(base_ids[:3] * 2)), ANY_RUN, (),
        check_registered())
    add("reg-empty-ids", "ids", rc, registercases_params(patches=ids_frame(["", None, "A3", "A4", "", "A6"])),
        ANY_RUN, (), check_registered())
    add("reg-date-9999", "dates", rc, registercases_params(date="9999-12-31"), R, ("9999",), None)
    add("reg-date-feb-30", "dates", rc, registercases_params(date="2026-02-30"), R, ("2026-02-30",), None)
    add("reg-date-text", "dates", rc, registercases_params(date="下周一"), R, ("下周一",), None)
    add("reg-date-1900", "dates", rc, registercases_params(date="1900-01-01"), ANY_OK, ("1900",), None)
    add("reg-semicolon-path", "paths", rc, registercases_params(register=lambda f: str(f / "reg;1.gpkg")), ANY_RUN,
        (), check_registered())
    add("reg-garbage-file", "files", rc, registercases_params(register=garbage_file("reg.gpkg", os.urandom(2048))), R,
        ("reg.gpkg",), None)
    # (registering into a GeoPackage that holds data layers too is allowed: the data layer must stay intact)
    add("reg-data-gpkg", "files", rc, registercases_params(register=lambda f: str(_copy_lu(f))), ANY_OK,
        ("reg_lu.gpkg",), check_lu_kept)
    add("reg-readonly", "files", rc, readonly_register, R, ("reg.gpkg",), None)
    el = "liangwei:exportledger"
    add("ledger-mistyped-path", "register", el, lambda f: {"REGISTER": str(f / "regsiter.gpkg"),
                                                          "OUTPUT": str(f / "ledger.csv")}, R, ("regsiter.gpkg",),
        None, ("regsiter.gpkg", "ledger.csv"))
    add("ledger-data-gpkg", "register", el, data_gpkg_as_register("ledger.csv"), R, ("lu.gpkg",),
        check_gpkg_untouched)
    add("ledger-locked", "files", el, locked_register, ANY_OK, ("reg.gpkg",), None)
    add("ledger-output-readonly", "outputs", el, lambda f: {"REGISTER": register_with_cases(f),
                                                           "OUTPUT": str(readonly_folder(f) / "l.csv")}, R,
        ("readonly",), None)
    add("ledger-month-bad", "dates", el, lambda f: {"REGISTER": register_with_cases(f), "MONTH": "2026-13",
                                                   "OUTPUT": str(f / "ledger.csv")}, R, ("2026-13",), None,
        ("ledger.csv",))
    cs = "liangwei:casestatistics"
    add("stats-mistyped-path", "register", cs, lambda f: {"REGISTER": str(f / "nope.gpkg"),
                                                         "OUTPUT": str(f / "stats.csv")}, R, ("nope.gpkg",), None,
        ("nope.gpkg", "stats.csv"))
    add("stats-data-gpkg", "register", cs, data_gpkg_as_register("memory:"), R, ("lu.gpkg",),
        check_gpkg_untouched)
    add("stats-period-bad", "dates", cs, lambda f: {"REGISTER": register_with_cases(f), "PERIOD": "26年",
                                                   "OUTPUT": "memory:"}, R, ("26年",), None)
    ac = "liangwei:advancecases"
    add("advance-all-refused", "register", ac, lambda f: {"REGISTER": register_with_cases(f),
                                                         "CASE_IDS": "NOPE-1, NOPE-2", "TARGET_STAGE": 4,
                                                         "ACTOR": "张三"}, R,
        ("NOPE-1",), None)
    add("advance-date-bad", "dates", ac, lambda f: {"REGISTER": register_with_cases(f),
                                                   "CASE_IDS": base_ids[0], "TARGET_STAGE": 2, "DATE": "2026-02-30",
                                                   "ACTOR": "张三"},
        R, ("2026-02-30",), None)
    gc = "liangwei:gridcheckin"
    add("grid-empty-reporter", "params", gc, lambda f: {"REGISTER": register_with_cases(f), "UNIT": "G01",
                                                       "UNIT_NAME": "一网格", "TOWNSHIP": "城关镇", "REPORTER": ""},
        R, ("巡查人员",), None)
    add("grid-blank-reporter", "params", gc, lambda f: {"REGISTER": register_with_cases(f), "UNIT": "G01",
                                                       "UNIT_NAME": "一网格", "TOWNSHIP": "城关镇", "REPORTER": "   "},
        R, ("巡查人员",), None)
    mg = "liangwei:missedgridreports"
    add("missed-end-before-start", "dates", mg, lambda f: {"REGISTER": register_with_cases(f), "START": "2026-06-10",
                                                          "END": "2026-06-01", "OUTPUT": "memory:"}, R,
        ("2026-06-01",), None)
    fo = "liangwei:flagoverdue"
    add("overdue-missing-register", "register", fo, lambda f: {"REGISTER": str(f / "none.gpkg"), "OUTPUT": "memory:"},
        R, ("none.gpkg",), None, ("none.gpkg",))
    add("overdue-as-of-bad", "dates", fo, lambda f: {"REGISTER": register_with_cases(f), "AS_OF": "31/12/2026",
                                                    "OUTPUT": "memory:"}, ANY_OK, ("31/12/2026",), None)

    # --- documents
    er, en = "liangwei:exportreports", "liangwei:exportnotices"
    add("docs-ok", "documents", er, documents_params(), ANY_RUN, (), check_documents)
    add("docs-input-not-determination", "files", er, documents_params(INPUT=lambda f: county(f)["lu"]), R, (), None)
    add("docs-config-placeholder", "configs", en, documents_params(CONFIG=documents_config(
        '[notice]\nfacts = "经查，{patch_idd}"\n')), R, ("patch_idd",), None, ("docs",))
    add("docs-config-negative-deadline", "configs", en, documents_params(CONFIG=documents_config(
        '[deadlines]\n"没收" = -30\n')), R, ("-30", "deadlines"), None, ("docs",))
    add("docs-config-gbk", "encodings", en, documents_params(CONFIG=documents_config(
        '[authority]\nname = "某县自然资源局"\n', "gbk")), R, ("documents.toml", "UTF-8"), None, ("docs",))
    add("docs-config-syntax", "configs", er, documents_params(CONFIG=documents_config('[report\ntitle = "x"\n')), R,
        ("documents.toml",), None, ("docs",))
    add("docs-config-missing", "paths", er, documents_params(CONFIG=lambda f: str(f / "none.toml")), R,
        ("none.toml",), None, ("docs",))
    add("docs-issue-date-bad", "dates", er, documents_params(ISSUE_DATE="2026-13-01"), R, ("2026-13-01",), None,
        ("docs",))
    add("docs-issue-date-9999", "dates", en, documents_params(ISSUE_DATE="9999-12-31"), R, ("9999",), None,
        ("docs",))
    add("docs-output-readonly", "outputs", er, documents_params(OUTPUT_FOLDER=lambda f: str(readonly_folder(f) / "d")),
        R, ("readonly",), None)
    add("docs-number-registry-garbage", "files", er, documents_params(NUMBER_REGISTRY=garbage_file(
        "numbers.sqlite", b"not a database" * 100)), R, ("numbers.sqlite",), None)
    add("docs-unsafe-ids", "ids", er, lambda f: {**documents_params()(f), "INPUT": determination_output(
        f, ids_frame([f'a/b:c*{i}?' for i in range(6)]))}, ANY_RUN, (), check_documents)

    # --- one map
    om = "liangwei:buildonemap"
    qgz = ("onemap.qgz",)
    add("onemap-ok", "configs", om, catalogue(GOOD_ENTRY), ANY_RUN, (), None)
    add("onemap-gbk", "encodings", om, catalogue(GOOD_ENTRY + "# 注释\n", "gbk"), R, ("catalogue.toml", "UTF-8"),
        None, qgz)
    add("onemap-unknown-role", "configs", om, catalogue(GOOD_ENTRY.replace("landuse", "roads")), R, ("roads",), None,
        qgz)
    add("onemap-missing-file", "paths", om, catalogue(GOOD_ENTRY.replace("lu.gpkg", "lu2.gpkg")), R, ("lu2.gpkg",),
        None, qgz)
    add("onemap-bad-date", "dates", om, catalogue(GOOD_ENTRY + '[[layer]]\nrole = "imagery"\npath = "@/lu.gpkg"\n'
                                                               'date = "2024/05/01"\n'), R, ("YYYY-MM-DD",), None, qgz)
    add("onemap-unknown-key", "configs", om, catalogue(GOOD_ENTRY.replace('name = "三调"', 'nmae = "三调"')), R,
        ("nmae",), None, qgz)
    add("onemap-several-problems", "configs", om, catalogue(
        GOOD_ENTRY.replace('name = "三调"', 'nmae = "三调"') + GOOD_ENTRY.replace("layername=三调地类图斑",
                                                                             "layername=不存在")
        + '[[layer]]\nrole = "wetland"\npath = "@/lu.gpkg"\n'), R, ("3 处错误", "nmae", "不存在", "wetland"), None,
        qgz)
    add("onemap-empty", "configs", om, catalogue("# 空目录\n"), R, ("layer",), None, qgz)
    add("onemap-syntax", "configs", om, catalogue("[[layer]\nrole = landuse\n"), R, ("TOML",), None, qgz)
    add("onemap-output-missing-folder", "outputs", om, lambda f: {**catalogue(GOOD_ENTRY)(f),
                                                                 "OUTPUT": str(f / "no" / "x.qgz")}, R, ("不存在",),
        None, ("no",))
    add("onemap-code-field-missing", "codes", om, catalogue(GOOD_ENTRY.replace(
        'name = "三调"', 'name = "三调"\ncode_field = "DLBMX"')), R, ("DLBMX",), None, qgz)

    # --- configuration files read by the algorithms (their loaders)
    add("cfg-workflow-negative-days", "configs", config_case("workflow", "workflow.toml", ("days = 2", "days = -2")),
        None, R, ("days", "-2"))
    add("cfg-workflow-unknown-key", "configs", config_case("workflow", "workflow.toml",
                                                            ("disposal_days = 7", "disposal_dayz = 7")), None, R,
        ("disposal_dayz",))
    add("cfg-workflow-stage-ref", "configs", config_case("workflow", "workflow.toml", ('to = "办结"', 'to = "办节"')),
        None, R, ("办节",))
    add("cfg-workflow-holiday", "dates", config_case("workflow", "workflow.toml", ('"2026-01-01"', '"2026-02-30"')),
        None, R, ("2026-02-30",))
    add("cfg-workflow-gbk", "encodings", config_case("workflow", "workflow.toml", encoding="gbk"), None, R,
        ("workflow.toml", "UTF-8"))
    add("cfg-workflow-negative-referral", "configs", config_case("workflow", "workflow.toml",
                                                                  ("days_not_rectified = 15",
                                                                   "days_not_rectified = -15")), None, R,
        ("days_not_rectified",))
    add("cfg-workflow-bool-as-text", "configs", config_case("workflow", "workflow.toml",
                                                             ("closed_late = true", 'closed_late = "yes"')), None, R,
        ("closed_late",))
    add("cfg-fieldmap-not-list", "configs", config_case(
        "fieldmap", "field_mapping.toml", ('aliases = ["监测编号"', 'aliases = "监测编号"\nx = ["监测编号"')),
        None, R, ("aliases",))
    add("cfg-landuse-group", "codes", config_case("landuse", "landuse_codes.toml",
                                                   ('group = "农用地" }', 'group = "农地" }')), None, R, ("农地",))
    add("cfg-landuse-farmland-code", "codes", config_case("landuse", "landuse_codes.toml",
                                                           ('farmland = ["0101", "0102", "0103"]',
                                                            'farmland = ["0101", "0109"]')), None, R, ("0109",))
    add("cfg-landuse-integer-key", "codes", config_case("landuse", "landuse_codes.toml",
                                                         ('"0101" = {', '0101 = {')), None, ANY_OK, ())
    add("cfg-rules-consequence", "configs", config_case("rules", "determination_rules.toml",
                                                         ('consequence = "没收"', 'consequence = "罚款"')), None, R,
        ("罚款",))
    add("cfg-documents-unbalanced", "configs", config_case("documents", "documents.toml",
                                                            ('[notice]', '[notice]\nextra_line = "限{days"')), None, R,
        ("花括号",))
    return cases


def _raster(folder: Path) -> Path:
    from osgeo import gdal

    path = folder / "image.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 10, 10, 1)
    ds.SetGeoTransform((X0, 1, 0, Y0 + 10, 0, -1))
    ds = None
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _touch(path: Path) -> Path:
    path.write_bytes(b"old")
    return path


def _copy_lu(folder: Path) -> Path:
    county(folder)
    shutil.copy(folder / "lu.gpkg", folder / "reg_lu.gpkg")
    return folder / "reg_lu.gpkg"


CASES = _cases()


# ------------------------------------------------------------------------------------------------
# running and judging

def _feedback():
    from qgis.core import QgsProcessingFeedback

    class Capture(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.warnings: list[str] = []
            self.errors: list[str] = []

        def pushWarning(self, text):  # noqa: N802
            self.warnings.append(text)
            super().pushWarning(text)

        def reportError(self, text, fatalError=False):  # noqa: N802,N803
            self.errors.append(text)
            super().reportError(text, fatalError)

    return Capture()


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def run_case(case: Case, folder: Path) -> Outcome:
    import processing
    from qgis.core import QgsProcessingException

    folder.mkdir(parents=True, exist_ok=True)
    if callable(case.alg):  # a configuration file through its loader
        try:
            case.alg(folder)
        except Exception as exc:  # noqa: BLE001
            ours = "liangwei" in (type(exc).__module__ or "") or isinstance(exc, (ValueError, OSError))
            return judge(case, Outcome(REFUSED, str(exc)) if ours else Outcome(CRASH, traceback.format_exc()),
                         folder)
        return judge(case, Outcome(UNCHANGED), folder)
    try:
        try:
            params = case.params(folder)
        except Exception:  # noqa: BLE001
            return Outcome(CRASH, "building the input failed:\n" + traceback.format_exc(),
                           problems=["the case could not be built"])
        before = {str(p) for p in folder.rglob("*")}
        feedback = _feedback()
        try:
            results = processing.run(case.alg, params, feedback=feedback)
        except QgsProcessingException as exc:
            message = "\n".join(filter(None, [str(exc)] + feedback.errors))
            return judge(case, Outcome(REFUSED, message, feedback.warnings), folder, before)
        except Exception:  # noqa: BLE001
            return judge(case, Outcome(CRASH, traceback.format_exc(), feedback.warnings), folder)
        kind = CORRECTED if feedback.warnings else UNCHANGED
        return judge(case, Outcome(kind, "", feedback.warnings, results), folder)
    finally:
        release_locks()
        unmount_all()


def judge(case: Case, outcome: Outcome, folder: Path, before: set | None = None) -> Outcome:
    p = outcome.problems
    if outcome.kind == CRASH:
        p.append("a traceback instead of a message")
    elif outcome.kind not in case.accept:
        p.append(f"{outcome.kind}, expected {'/'.join(sorted(case.accept))}")
    if outcome.kind == REFUSED:
        text = outcome.message
        if not text.strip():
            p.append("empty message")
        elif "Traceback" in text:
            p.append("the message holds a traceback")
        elif not has_chinese(text):
            p.append(f"message not in Chinese: {text[:120]}")
        for word in case.words:
            if word not in text:
                p.append(f"the message does not name {word!r}")
        for rel in case.outputs:
            if (folder / rel).exists() and (before is None or str(folder / rel) not in before):
                p.append(f"a refused run left {rel}")
    elif outcome.kind in (CORRECTED, UNCHANGED) and case.check is not None and not callable(case.alg):
        try:
            case.check(outcome.results, folder)
        except AssertionError as exc:
            p.append(f"lost or falsified: {exc}")
        except Exception as exc:  # noqa: BLE001
            p.append(f"the check failed: {type(exc).__name__}: {exc}")
    return outcome


def summary(outcomes: dict[str, Outcome]) -> dict[str, int]:
    counts = {REFUSED: 0, CORRECTED: 0, UNCHANGED: 0, CRASH: 0, "failed": 0, "xfail": 0}
    for case in CASES:
        o = outcomes.get(case.id)
        if o is None:
            continue
        counts[o.kind] += 1
        if not o.ok:
            counts["xfail" if case.xfail else "failed"] += 1
    return counts


def main(argv: list[str]) -> int:
    """Run the battery through pytest (QGIS set up as for the test suite); the table and counts go to
    tests/artifacts/bad_input_battery.txt."""
    import pytest

    code = pytest.main(["-q", "-p", "no:cacheprovider", str(Path(__file__).with_name("test_bad_input_battery.py")),
                        *argv[1:]])
    report = ROOT / "tests" / "artifacts" / "bad_input_battery.txt"
    if report.exists():
        print(report.read_text(encoding="utf-8").splitlines()[-1])
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
