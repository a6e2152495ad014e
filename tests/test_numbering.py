"""One document numbering per bureau (文书编号登记): shared by batches and the patch navigator, safe
under concurrent processes, voided numbers never reissued, per-folder registries of older versions kept."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import doc_data  # noqa: E402
from liangwei.liangwei_plugin.csv_out import read_csv  # noqa: E402
from liangwei.liangwei_plugin.documents import numbering  # noqa: E402
from liangwei.liangwei_plugin.documents.numbering import REGISTRY_NAME, NumberRegistry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = {"notice": "{short}责改〔{year}〕第{n}号"}
VALUES = {"short": "×自然资"}
AUTH = "××县自然资源局"


def registry(path: Path) -> NumberRegistry:
    return NumberRegistry(path, PATTERNS, VALUES, authority=AUTH)


# ------------------------------------------------------------------------------------- core
def test_rerun_keeps_numbers_and_series_per_authority(tmp_path):
    with registry(tmp_path / "r.sqlite") as reg:
        assert reg.numbers("notice", ["a", "b"], 2026) == {"a": "×自然资责改〔2026〕第1号",
                                                         "b": "×自然资责改〔2026〕第2号"}
        assert reg.number("notice", "a", 2026) == "×自然资责改〔2026〕第1号"
        assert reg.number("notice", "a", 2027) == "×自然资责改〔2026〕第1号"   # a patch keeps its number
        # another authority (e.g. a department issuing 移送函) has its own sequence; the default is unchanged
        assert reg.number("notice", "c", 2026, authority="××县自然资源局执法大队") == "×自然资责改〔2026〕第1号"
        assert reg.number("referral", "a", 2026, values={"short": "×执法"}) == "〔2026〕第1号"
        assert reg.number("notice", "c", 2026) == "×自然资责改〔2026〕第3号"


def test_voided_number_is_recorded_and_never_reissued(tmp_path):
    with registry(tmp_path / "r.sqlite") as reg:
        reg.numbers("notice", ["a", "b", "c"], 2026)
        assert reg.void("notice", "×自然资责改〔2026〕第3号", "打印错误") == "c"
        assert reg.void("notice", 3, "again", year=2026) == "c"       # idempotent, first reason kept
        with pytest.raises(ValueError):
            reg.void("notice", 1, "  ", year=2026)
        with pytest.raises(KeyError):
            reg.void("notice", "×自然资责改〔2026〕第99号", "不存在")
        assert reg.number("notice", "c", 2026) == "×自然资责改〔2026〕第4号"   # c gets a new number
        assert reg.number("notice", "d", 2026) == "×自然资责改〔2026〕第5号"   # 3 is never issued again
        reg.void("notice", "×自然资责改〔2026〕第5号", "撤回")
    with registry(tmp_path / "r.sqlite") as reg:   # also after reopening: the highest voided counts
        assert reg.number("notice", "e", 2026) == "×自然资责改〔2026〕第6号"
        assert reg.voided("notice") == [(2026, 3, "c", "×自然资责改〔2026〕第3号", "打印错误"),
                                        (2026, 5, "d", "×自然资责改〔2026〕第5号", "撤回")]
        assert [n for _, n, _, _ in reg.issued("notice")] == [1, 2, 3, 4, 5, 6]


def _old_registry(path: Path, rows: list[tuple]) -> Path:
    """A registry as versions before one-per-bureau wrote it (no authority, no voided flag)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE numbers (series TEXT NOT NULL, year INTEGER NOT NULL, n INTEGER NOT NULL, "
               "key TEXT NOT NULL, number TEXT NOT NULL, issued TEXT NOT NULL, PRIMARY KEY (series, year, n), "
               "UNIQUE (series, key))")
    db.executemany("INSERT INTO numbers VALUES (?,?,?,?,?,?)",
                   [("notice", 2026, n, key, f"×自然资责改〔2026〕第{n}号", "2026-01-01T00:00:00") for n, key in rows])
    db.commit()
    db.close()
    return path


def test_old_shared_registry_migrated_in_place(tmp_path):
    path = _old_registry(tmp_path / "share" / REGISTRY_NAME, [(1, "a"), (2, "b")])
    with registry(path) as reg:
        assert reg.number("notice", "a", 2026) == "×自然资责改〔2026〕第1号"
        assert reg.number("notice", "z", 2026) == "×自然资责改〔2026〕第3号"


def test_per_folder_registries_imported_numbers_stay_valid(tmp_path):
    old_a = _old_registry(tmp_path / "batchA" / REGISTRY_NAME, [(1, "a"), (2, "b"), (3, "c")])
    old_b = _old_registry(tmp_path / "batchB" / REGISTRY_NAME, [(1, "d"), (2, "e")])   # the old bug: 第1号 again
    before = old_a.read_bytes()
    with registry(tmp_path / "bureau.sqlite") as reg:
        origin_a, conflicts = reg.import_legacy(old_a)
        assert conflicts == 0
        assert reg.import_legacy(old_a) == (origin_a, 0)   # once only
        origin_b, conflicts = reg.import_legacy(old_b)
        assert conflicts == 2
        # in its own folder every patch keeps the number printed there
        assert reg.numbers("notice", ["a", "c"], 2026, origins=[origin_a]) == {
            "a": "×自然资责改〔2026〕第1号", "c": "×自然资责改〔2026〕第3号"}
        assert reg.numbers("notice", ["d", "e"], 2026, origins=[origin_b]) == {
            "d": "×自然资责改〔2026〕第1号", "e": "×自然资责改〔2026〕第2号"}
        # elsewhere: a's number is a's; new numbers continue after every number issued anywhere
        assert reg.number("notice", "a", 2026) == "×自然资责改〔2026〕第1号"
        assert reg.number("notice", "new", 2026) == "×自然资责改〔2026〕第4号"
    assert old_a.read_bytes() == before   # the folder's file is only read


def test_registry_location_order(tmp_path, monkeypatch):
    monkeypatch.delenv(numbering.ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    loc = numbering.registry_location
    gpkg = str(tmp_path / "台账" / "cases.gpkg")
    assert loc("/x/p.sqlite", "/y/c.sqlite", gpkg, "/profile") == (Path("/x/p.sqlite"), "parameter")
    assert loc("", "/y/c.sqlite", gpkg, "/profile") == (Path("/y/c.sqlite"), "config")
    assert loc(None, "", gpkg, "/profile") == (tmp_path / "台账" / REGISTRY_NAME, "register")
    pg = "postgresql://u@h:5432/db?schema=cases"
    assert loc(None, "", pg, "/profile") == (Path("/profile/liangwei") / REGISTRY_NAME, "user")
    assert loc(None, "", "", None) == (tmp_path / "xdg" / "liangwei" / REGISTRY_NAME, "user")
    monkeypatch.setenv(numbering.ENV_DATA_DIR, str(tmp_path / "d"))
    assert loc(None, "", "", "/profile") == (tmp_path / "d" / REGISTRY_NAME, "user")


WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from liangwei.liangwei_plugin.documents.numbering import NumberRegistry
    path, name, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    reg = NumberRegistry(path, {"notice": "第{n}号"}, authority="局")
    print("READY", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        print(name, i, reg.number("notice", f"{name}-{i}", 2026), flush=True)
        time.sleep(0.002)   # lets the others in between: the processes really interleave
    reg.close()
""")


def test_two_processes_allocating_at_once_never_share_a_number(tmp_path):
    path, go = tmp_path / "shared" / REGISTRY_NAME, tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "build" / "plugins"), *sys.path])}
    count = 100
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), name, str(count), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for name in ("p1", "p2", "p3")]
    for p in procs:
        assert p.stdout.readline().strip() == "READY", p.stderr.read()
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    numbers = [line.split()[2] for out, _ in outs for line in out.splitlines()]
    assert len(numbers) == 3 * count
    assert sorted(numbers, key=lambda s: int(s[1:-1])) == [f"第{n}号" for n in range(1, 3 * count + 1)]
    # interleaved, i.e. really concurrent (not one process after the other)
    with NumberRegistry(path, {}, authority="局") as reg:
        order = [key.split("-")[0] for _, _, key, _ in reg.issued("notice")]
    assert sum(a != b for a, b in zip(order, order[1:])) > 2


# ------------------------------------------------------------------------------------- Processing
@pytest.fixture(scope="module")
def inputs(qgis_app, tmp_path_factory):
    root = tmp_path_factory.mktemp("numbering")
    boxes = doc_data.patch_boxes(12, size_px=400, seed=5)
    ids = [f"350521-2026-{i:04d}" for i in range(1, 13)]
    recs, detail = doc_data.records(boxes, ids)
    paths = doc_data.write_vectors(root / "vec", recs, detail, size_px=400)
    return {"recs": recs, "paths": paths}


def notice_ids(inputs, scratch: Path) -> list[str]:
    """Patches that get a 责令限期整改通知书 (violations of this authority with a known party)."""
    import processing

    out = processing.run("liangwei:exportnotices", {
        "INPUT": inputs["paths"]["determination"], "OUTPUT_FOLDER": str(scratch), "WORKERS": 0,
        "ISSUE_DATE": "2026-11-22", "NUMBER_REGISTRY": str(scratch / "scratch.sqlite")})
    return [r["patch_id"] for r in read_csv(Path(out["INDEX"])) if r["document"] == "notice"]


def test_batches_and_navigator_share_one_numbering(inputs, liangwei_provider, tmp_path, monkeypatch):
    """Two batches into two folders, then one notice as the patch navigator exports it (its parameters,
    output into a temporary folder): no number is issued twice, and a re-run keeps the numbers."""
    import processing
    from qgis.core import QgsApplication, QgsProject, QgsVectorLayer

    from liangwei.gui.patch_navigator import EXPORT_ALGORITHMS, document_parameters

    violations = notice_ids(inputs, tmp_path / "scratch")
    assert len(violations) >= 4
    monkeypatch.setenv(numbering.ENV_DATA_DIR, str(tmp_path / "bureau"))   # the per-user default
    layer = QgsVectorLayer(inputs["paths"]["determination"], "认定结果", "ogr")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    try:
        fids = {f["patch_id"]: f.id() for f in layer.getFeatures()}

        def batch(ids, folder):
            layer.selectByIds([fids[i] for i in ids])
            out = processing.run("liangwei:exportnotices", {
                "INPUT": layer, "SELECTED_ONLY": True, "OUTPUT_FOLDER": str(folder), "WORKERS": 0,
                "ISSUE_DATE": "2026-11-22"})
            return {r["patch_id"]: r["number"] for r in read_csv(Path(out["INDEX"])) if r["document"] == "notice"}

        first = batch(violations[:2], tmp_path / "批次1")
        second = batch(violations[2:-1], tmp_path / "批次2")
        # the navigator: its parameters for the current (selected) patch, output folder left temporary
        layer.selectByIds([fids[violations[-1]]])
        algorithm = QgsApplication.processingRegistry().algorithmById(EXPORT_ALGORITHMS["notice"])
        params = {**document_parameters(algorithm, layer, QgsProject.instance()),
                  "OUTPUT_FOLDER": "TEMPORARY_OUTPUT", "WORKERS": 0, "ISSUE_DATE": "2026-11-22"}
        single = processing.run(EXPORT_ALGORITHMS["notice"], params)
        navigator = {r["patch_id"]: r["number"] for r in read_csv(Path(single["INDEX"])) if r["document"] == "notice"}
        assert list(navigator) == violations[-1:]
        numbers = [*first.values(), *second.values(), *navigator.values()]
        assert numbers == [f"×自然资责改〔2026〕第{n}号" for n in range(1, len(violations) + 1)]
        assert (tmp_path / "bureau" / REGISTRY_NAME).is_file()
        assert not list(tmp_path.glob("批次*/" + REGISTRY_NAME))
        assert not (Path(single["OUTPUT_FOLDER"]) / REGISTRY_NAME).exists()
        # re-runs keep every number, from either path
        assert batch(violations[:2], tmp_path / "批次1") == first
        assert batch(violations[-1:], tmp_path / "批次3") == navigator
    finally:
        QgsProject.instance().removeMapLayer(layer.id())


def test_old_output_folder_registry_keeps_its_numbers(inputs, liangwei_provider, tmp_path):
    """A folder written by an older version (its own registry) keeps its numbers on a re-run; numbers
    issued there are not issued again elsewhere."""
    import processing

    violations = notice_ids(inputs, tmp_path / "scratch")
    folder = tmp_path / "旧批次"
    _old_registry(folder / REGISTRY_NAME, [(5, violations[0]), (6, violations[1])])
    shared = tmp_path / "share" / REGISTRY_NAME
    out = processing.run("liangwei:exportnotices", {
        "INPUT": inputs["paths"]["determination"], "OUTPUT_FOLDER": str(folder), "WORKERS": 0,
        "ISSUE_DATE": "2026-11-22", "NUMBER_REGISTRY": str(shared)})
    rows = {r["patch_id"]: r["number"] for r in read_csv(Path(out["INDEX"])) if r["document"] == "notice"}
    assert rows[violations[0]] == "×自然资责改〔2026〕第5号" and rows[violations[1]] == "×自然资责改〔2026〕第6号"
    others = sorted(int(v[len("×自然资责改〔2026〕第"):-1]) for k, v in rows.items() if k not in violations[:2])
    assert others == list(range(7, 7 + len(violations) - 2))


def test_generated_ids_never_inherit_another_patchs_number(qgis_app, tmp_path):
    """Ids the overlay generates for duplicates or empty ids (``X#2``, ``#1``) recur in the next batch for other
    patches: keyed with their geometry, a different patch never gets the earlier one's number, while a
    delivered id and the same generated patch exported again keep theirs."""
    from qgis.core import QgsGeometry

    from liangwei.liangwei_plugin.documents.batch import PatchRecord, number_key

    def rec(pid: str, x: float) -> PatchRecord:
        return PatchRecord(pid, {}, QgsGeometry.fromWkt(f"POLYGON(({x} 0,{x + 10} 0,{x + 10} 10,{x} 10,{x} 0))"))

    first = [rec("350521-0001", 0), rec("350521-0001#2", 100), rec("#3", 200)]
    second = [rec("350521-0001", 0), rec("350521-0001#2", 500), rec("#3", 600), rec("#3", 200)]
    assert number_key(first[0]) == "350521-0001"
    assert number_key(first[2]) == number_key(second[3]) != number_key(second[2])
    with registry(tmp_path / "r.sqlite") as reg:
        one = reg.numbers("notice", [number_key(r) for r in first], 2026)
        two = reg.numbers("notice", [number_key(r) for r in second], 2026)
    assert two[number_key(second[0])] == one[number_key(first[0])] == "×自然资责改〔2026〕第1号"
    assert two[number_key(second[3])] == one[number_key(first[2])] == "×自然资责改〔2026〕第3号"
    assert two[number_key(second[1])] == "×自然资责改〔2026〕第4号"   # not 第2号, the other X#2's
    assert two[number_key(second[2])] == "×自然资责改〔2026〕第5号"
