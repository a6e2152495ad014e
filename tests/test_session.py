"""The review session: settings (project → profile → default), the working folder, layer roles driving the
dialogs, results in their place on the one map, loading the one map twice, and 审查本图 (liangwei:reviewmap)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from qgis.core import QgsProject, QgsSettings, QgsVectorLayer

sys.path.insert(0, str(Path(__file__).parent))
import deploy_county  # noqa: E402

CATALOGUE = """
[[layer]]
role = "imagery"
path = "imagery/{early}"
date = "2024-05-20"

[[layer]]
role = "imagery"
path = "imagery/{late}"
date = "2025-05-18"

[[layer]]
role = "landuse"
name = "三调地类图斑"
path = "county.gpkg|layername=三调地类图斑"
code_field = "DLBM"

[[layer]]
role = "protected"
name = "生态保护红线"
path = "county.gpkg|layername=生态保护红线"

[[layer]]
role = "protected"
name = "永久基本农田"
path = "county.gpkg|layername=永久基本农田"

[[layer]]
role = "protected"
name = "城镇开发边界"
path = "county.gpkg|layername=城镇开发边界"

[[layer]]
role = "patches"
name = "卫片图斑"
path = "patches.gpkg|layername=卫片图斑"
"""


@pytest.fixture
def clean_settings():
    from liangwei.liangwei_plugin import session

    settings = QgsSettings()
    saved = {k: settings.value(session.PROFILE_PREFIX + k) for k in session.DEFAULTS}
    for k in session.DEFAULTS:
        settings.remove(session.PROFILE_PREFIX + k)
    project = QgsProject.instance()
    project.clear()
    yield session
    project.clear()
    for k, v in saved.items():
        if v is None:
            settings.remove(session.PROFILE_PREFIX + k)
        else:
            settings.setValue(session.PROFILE_PREFIX + k, v)


@pytest.fixture
def county(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("county")
    deploy_county.write_county(out / "county.gpkg")
    deploy_county.write_patches(out / "patches.gpkg")
    epochs = deploy_county.write_imagery(out / "imagery")
    names = sorted(p.name for p in epochs)
    (out / "catalogue.toml").write_text(CATALOGUE.format(early=names[0], late=names[-1]), encoding="utf-8")
    return out


def test_settings_resolve_project_then_profile_then_default(clean_settings, tmp_path):
    session = clean_settings
    project = QgsProject.instance()
    assert session.lookup("register", project) == ("", session.DEFAULT)
    session.store("register", str(tmp_path / "profile.gpkg"), project, in_project=False, in_profile=True)
    assert session.lookup("register", project) == (str(tmp_path / "profile.gpkg"), session.PROFILE)
    session.store("register", str(tmp_path / "project.gpkg"), project, in_project=True, in_profile=False)
    assert session.lookup("register", project) == (str(tmp_path / "project.gpkg"), session.PROJECT)
    # the project entry travels in the .qgz: a new project (clear) falls back on the profile
    project.clear()
    assert session.lookup("register", project)[1] == session.PROFILE
    session.store("workers", 2, project)
    assert session.value("workers", project) == 2


def test_working_folder_beside_the_project_never_temporary(clean_settings, tmp_path):
    import tempfile

    session = clean_settings
    project = QgsProject.instance()
    project.setFileName(str(tmp_path / "review" / "county.qgz"))
    (tmp_path / "review").mkdir()
    folder = session.working_folder(project)
    assert folder == tmp_path / "review" / session.WORKING_FOLDER_NAME and folder.is_dir()
    session.store("working_folder", str(tmp_path / "own"), project, in_profile=False)
    assert session.working_folder(project) == tmp_path / "own"
    project.clear()
    assert not str(session.working_folder(project, create=False)).startswith(tempfile.gettempdir() + "/processing")


def test_authority_over_the_bureau_configuration(clean_settings, tmp_path):
    from liangwei.liangwei_plugin.documents.config import load_config

    session = clean_settings
    project = QgsProject.instance()
    session.store("working_folder", str(tmp_path / "work"), project, in_profile=False)
    bureau = tmp_path / "本局文书.toml"
    bureau.write_text('[authority]\naddress = "云溪县城关镇府前路1号"\n', encoding="utf-8")
    known = session.authorities(str(bureau))
    assert "××县城市管理局" in [a.name for a in known]
    session.store("documents_config", str(bureau), project, in_profile=False)
    session.store("authority", "云溪县自然资源局", project, in_profile=False)
    config = load_config(session.documents_config(project))
    assert config["authority"]["name"] == "云溪县自然资源局"
    assert config["authority"]["address"] == "云溪县城关镇府前路1号"   # the bureau's file is still read
    # chosen from the list: name and short of that department
    session.store("authority", "××县城市管理局", project, in_profile=False)
    session.store("authority_key", "urban_management", project, in_profile=False)
    config = load_config(session.documents_config(project))
    assert (config["authority"]["name"], config["authority"]["short"]) == ("××县城市管理局", "×城管")
    assert config["authority"]["department"] == "urban_management"


def _build(county: Path):
    from liangwei.liangwei_plugin.onemap.project_builder import build_onemap

    return build_onemap(county / "catalogue.toml", QgsProject.instance())


def test_roles_prefill_every_dialog(clean_settings, county, tmp_path, liangwei_provider):
    from qgis.core import QgsApplication

    from liangwei.liangwei_plugin.onemap.roles import prefill

    session = clean_settings
    project = QgsProject.instance()
    session.store("working_folder", str(tmp_path / "work"), project, in_profile=False)
    session.store("register", str(tmp_path / "台账.gpkg"), project, in_profile=False)
    _build(county)
    by_name = {lyr.name(): lyr.id() for lyr in project.mapLayers().values()}
    registry = QgsApplication.processingRegistry()

    overlay = prefill(registry.algorithmById("liangwei:overlaycheck"), project)
    assert overlay["PATCHES"] == by_name["卫片图斑"]
    assert overlay["LANDUSE"] == by_name["三调地类图斑"] and overlay["LANDUSE_FIELD"] == "DLBM"
    assert overlay["PROTECTED"] == [by_name[n] for n in ("生态保护红线", "永久基本农田", "城镇开发边界")]
    assert overlay["OUTPUT"].startswith(str(tmp_path / "work" / "叠加分析结果_"))

    batch = prefill(registry.algorithmById("liangwei:batchreview"), project)
    assert batch["PATCHES"] != batch["LANDUSE"]
    assert len(batch["IMAGERY"]) == 2
    assert batch["OUTPUT_FOLDER"] == str(tmp_path / "work" / "批量审查")

    changes = prefill(registry.algorithmById("liangwei:detectchanges"), project)   # the two newest epochs
    assert changes["AFTER"] == batch["IMAGERY"][0] and changes["BEFORE"] == batch["IMAGERY"][1]
    assert changes["LANDUSE"] == by_name["三调地类图斑"] and changes["PATCHES"] == by_name["卫片图斑"]

    review = prefill(registry.algorithmById("liangwei:reviewmap"), project)
    assert review["REGISTER"] == str(tmp_path / "台账.gpkg")
    assert review["PATCHES"] == by_name["卫片图斑"]

    # no overlay yet: the determination is not given the register or the patches
    assert "INPUT" not in prefill(registry.algorithmById("liangwei:determine"), project)
    assert "INPUT" not in prefill(registry.algorithmById("liangwei:farmlandratio"), project)

    # the last choice wins over the roles, while its layers are there
    session.remember("liangwei:overlaycheck", {"PATCHES": by_name["三调地类图斑"], "AREA_METHOD": 1}, project)
    again = prefill(registry.algorithmById("liangwei:overlaycheck"), project)
    assert again["PATCHES"] == by_name["三调地类图斑"] and again["AREA_METHOD"] == 1
    project.removeMapLayer(by_name["三调地类图斑"])
    assert prefill(registry.algorithmById("liangwei:overlaycheck"), project).get("PATCHES") == by_name["卫片图斑"]


def test_loading_the_one_map_twice_updates(clean_settings, county):
    project = QgsProject.instance()
    first = _build(county)
    count = len(project.mapLayers())
    tree = [n.name() for n in project.layerTreeRoot().findLayers()]
    second = _build(county)
    assert len(project.mapLayers()) == count and second.reused == len(first.layers)
    assert [n.name() for n in project.layerTreeRoot().findLayers()] == tree
    assert len(project.layerTreeRoot().findGroups()) == len({g.name() for g in project.layerTreeRoot().findGroups()})


def test_outputs_go_into_their_group_and_replace_the_last(clean_settings, county, tmp_path):
    from liangwei.liangwei_plugin.onemap.results import place_output

    project = QgsProject.instance()
    _build(county)
    patches = project.mapLayersByName("卫片图斑")[0]
    group = project.layerTreeRoot().findGroup("监测图斑")
    first = QgsVectorLayer(patches.source(), "叠加分析结果", "ogr")
    project.addMapLayer(first)          # Processing adds it on top of the tree
    place_output(project, first, "overlay")
    assert project.layerTreeRoot().findLayer(first.id()).parent() is group
    assert group.children()[0].layer() is first
    first_id = first.id()
    second = QgsVectorLayer(patches.source(), "叠加分析结果", "ogr")
    project.addMapLayer(second)
    place_output(project, second, "overlay")
    assert project.mapLayer(first_id) is None and group.children()[0].layer() is second
    assert second.renderer().type() == "RuleRenderer"   # overlay.qml: 耕地 share / protected occupation
    # 变化检测候选图斑 (liangwei:detectchanges) below the overlay, with their own style
    candidates = QgsVectorLayer(patches.source(), "变化检测候选图斑", "ogr")
    project.addMapLayer(candidates)
    place_output(project, candidates, "change_candidates")
    assert [c.layer() for c in group.children()[:2]] == [second, candidates]
    assert candidates.customProperty("liangwei/output") == "change_candidates"
    assert candidates.renderer().type() == "categorizedSymbol"   # change_candidates.qml: by change type
    label = candidates.labeling().settings()   # ids by scale, as on the patches (not 15 digits county-wide)
    assert label.isExpression and "@map_scale" in label.fieldName and '"JCBH"' in label.fieldName
    assert label.scaleVisibility and label.minimumScale == 25000
    table = QgsVectorLayer("None?field=case_no:string", "案件台账", "memory")
    place_output(project, table, "register")
    assert project.layerTreeRoot().findLayer(table.id()).parent().name() == "案件台账"
    assert len([g for g in project.layerTreeRoot().findGroups() if g.name() == "案件台账"]) == 1


def test_review_this_map_chains_overlay_determination_register_documents(clean_settings, county, tmp_path,
                                                                          liangwei_provider):
    """审查本图 on the tiny county's one map, the roles' layers as the menu pre-fills them."""
    import processing
    from qgis.core import QgsApplication

    from liangwei.liangwei_plugin.onemap.roles import prefill
    from liangwei.liangwei_plugin.register import Register

    session = clean_settings
    project = QgsProject.instance()
    session.store("working_folder", str(tmp_path / "work"), project, in_profile=False)
    register = tmp_path / "台账.gpkg"
    session.store("register", str(register), project, in_profile=False)
    _build(county)
    algorithm = QgsApplication.processingRegistry().algorithmById("liangwei:reviewmap")
    params = prefill(algorithm, project)
    params["WORKERS"] = 0
    result = processing.run("liangwei:reviewmap", params)
    folder = Path(result["OUTPUT_FOLDER"])
    assert folder == tmp_path / "work" / "审查本图"
    patches = project.mapLayersByName("卫片图斑")[0]
    n = patches.featureCount()
    assert result["CASES_ADDED"] == n                      # every patch registered once
    assert result["REPORT_COUNT"] == n
    summary = result["SUMMARY"]
    assert summary.startswith(f"监测图斑 {n} 个") and f"案件台账新登记 {n} 件" in summary
    assert (folder / "审查摘要.txt").read_text(encoding="utf-8").strip() == summary
    reg = Register(str(register))
    try:
        assert reg.count_cases() == n
    finally:
        reg.close()


def test_settings_dialog_round_trip(clean_settings, qgis_iface, tmp_path):
    from liangwei.gui.settings_dialog import SettingsDialog

    session = clean_settings
    project = QgsProject.instance()
    session.store("register", str(tmp_path / "台账.gpkg"), project, in_profile=False)
    dialog = SettingsDialog(project=project)
    assert dialog.gpkgRadio.isChecked() and dialog.gpkgWidget.filePath() == str(tmp_path / "台账.gpkg")
    names = [dialog.authorityCombo.itemText(i) for i in range(dialog.authorityCombo.count())]
    assert "××县自然资源局" in names and "××县城市管理局" in names
    dialog.authorityCombo.setCurrentIndex(names.index("××县城市管理局"))
    dialog.folderWidget.setFilePath(str(tmp_path / "成果"))
    dialog.profileCheck.setChecked(False)
    dialog.accept()
    assert session.lookup("authority", project) == ("××县城市管理局", session.PROJECT)
    assert session.value("authority_key", project) == "urban_management"
    assert session.working_folder(project) == tmp_path / "成果"
    assert session.lookup("authority", None)[0] == "××县城市管理局"
    project.clear()
    assert session.lookup("authority", project)[1] == session.DEFAULT   # profile left alone



def test_batch_review_puts_its_results_on_the_map(clean_settings, county, tmp_path, qgis_iface, liangwei_provider,
                                                 monkeypatch):
    """Run as from its dialog (results loaded): the determination, the overlay and its table land in the one
    map's 监测图斑 group with their styles, determination on top."""
    import processing
    from qgis.core import QgsApplication
    from qgis.gui import QgsLayerTreeView

    from liangwei.liangwei_plugin.onemap.roles import prefill

    view = QgsLayerTreeView()   # Processing's result loading asks the interface for it (see test_model)
    monkeypatch.setattr(qgis_iface, "layerTreeView", lambda: view, raising=False)
    session = clean_settings
    project = QgsProject.instance()
    session.store("working_folder", str(tmp_path / "work"), project, in_profile=False)
    _build(county)
    params = prefill(QgsApplication.processingRegistry().algorithmById("liangwei:batchreview"), project)
    params["WORKERS"] = 0
    processing.runAndLoadResults("liangwei:batchreview", params)
    group = project.layerTreeRoot().findGroup("监测图斑")
    names = [child.name() for child in group.children()]
    assert names[:3] == ["规划认定结果", "叠加分析结果", "叠加分析明细"], names
    determination = group.children()[0].layer()
    assert determination.renderer().type() == "categorizedSymbol"
    assert determination.renderer().classAttribute() == "determination_code"
    assert group.children()[1].layer().renderer().type() == "RuleRenderer"
    area = determination.fields().indexOf("area_m2")
    assert determination.attributeAlias(area)          # the Chinese alias survives the style
    assert project.layerTreeRoot().findLayer(determination.id()).parent() is group


def test_every_output_goes_into_the_working_folder(clean_settings, tmp_path, liangwei_provider):
    """Not only the outputs named in roles.OUTPUT_NAMES: every algorithm's outputs (those added later too)
    get a place in the working folder, except one skipped unless asked for (the merged PDF)."""
    from liangwei.liangwei_plugin.onemap.roles import prefill

    session = clean_settings
    project = QgsProject.instance()
    session.store("working_folder", str(tmp_path / "work"), project, in_profile=False)
    for algorithm in liangwei_provider.algorithms():
        params = prefill(algorithm, project)
        for definition in algorithm.destinationParameterDefinitions():
            if getattr(definition, "createByDefault", lambda: True)() is False:
                assert definition.name() not in params
                continue
            assert str(params[definition.name()]).startswith(str(tmp_path / "work")), (algorithm.id(),
                                                                                        definition.name())
    ledger = prefill(liangwei_provider.algorithm("exportledger"), project)["OUTPUT"]
    assert Path(ledger).name.startswith("案件台账_") and ledger.endswith(".xlsx")


def test_settings_dialog_register_from_a_saved_postgis_connection(clean_settings, qgis_iface):
    """The register chosen among QGIS's saved PostgreSQL connections is stored by its name and shown again."""
    from qgis.core import QgsProviderRegistry

    from liangwei.gui.settings_dialog import SettingsDialog

    session = clean_settings
    project = QgsProject.instance()
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    name = "县局案件台账（测试）"
    metadata.saveConnection(metadata.createConnection("dbname='liangwei' host=127.0.0.1 port=1 sslmode=disable", {}),
                            name)
    try:
        dialog = SettingsDialog(project=project)
        assert dialog.postgisRadio.isEnabled() and not dialog.postgisRadio.isChecked()
        dialog.postgisRadio.setChecked(True)
        dialog.connectionCombo.setConnection(name)
        assert dialog.connectionCombo.isEnabled() and not dialog.gpkgWidget.isEnabled()
        dialog.profileCheck.setChecked(False)
        dialog.accept()
        assert session.lookup("register", project) == (name, session.PROJECT)
        again = SettingsDialog(project=project)
        assert again.postgisRadio.isChecked() and again.connectionCombo.currentConnection() == name
    finally:
        metadata.deleteConnection(name)
