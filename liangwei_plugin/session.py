"""The review session's settings (设置) and working folder (工作文件夹), GUI-free.

Each setting is looked up in this order: the open project (QgsProject entries, scope ``liangwei``,
saved inside the .qgz), the user profile (QgsSettings ``liangwei/settings/<key>``), the default.  The
settings dialog (``gui/settings_dialog.py``) writes both, or the profile only.

Every output the user has not placed explicitly goes into the working folder (never a temporary
folder that QGIS deletes on exit): by default ``两违成果`` beside the saved project, else in the home
folder.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgis.core import QgsProject, QgsSettings

SCOPE = "liangwei"                 # QgsProject entry scope
PROFILE_PREFIX = "liangwei/settings/"
WORKING_FOLDER_NAME = "两违成果"

# key -> default.  authority: the issuing authority's name (发文机关); authority_key: its department key in
# documents.toml [departments] ("" = the [authority] of the configuration); register: the case register
# (.gpkg path, PostgreSQL connection string or QGIS connection name); documents_config: a bureau's copy of
# documents.toml; number_registry: the document-number registry; workers: PDF worker processes.
DEFAULTS: dict[str, Any] = {
    "authority": "",
    "authority_key": "",
    "register": "",
    "working_folder": "",
    "documents_config": "",
    "number_registry": "",
    "workers": -1,        # -1: the algorithms' default (one per core)
}
# where a value came from
PROJECT, PROFILE, DEFAULT = "project", "profile", "default"


def _project(project: QgsProject | None) -> QgsProject | None:
    return project if project is not None else QgsProject.instance()


def lookup(key: str, project: QgsProject | None = None) -> tuple[Any, str]:
    """(value, source) of setting ``key``: project entry, else user profile, else default."""
    if key not in DEFAULTS:
        raise KeyError(key)
    default = DEFAULTS[key]
    proj = _project(project)
    if proj is not None:
        text, ok = proj.readEntry(SCOPE, key, "")
        if ok and text != "":
            return _typed(text, default), PROJECT
    value = QgsSettings().value(PROFILE_PREFIX + key, None)
    if value not in (None, ""):
        return _typed(value, default), PROFILE
    return default, DEFAULT


def value(key: str, project: QgsProject | None = None) -> Any:
    return lookup(key, project)[0]


def _typed(raw: Any, default: Any) -> Any:
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            return int(raw)
        except (TypeError, ValueError):
            return default
    return str(raw)


def store(key: str, new_value: Any, project: QgsProject | None = None, in_project: bool = True,
          in_profile: bool = True) -> None:
    """Save a setting in the project (as an entry; "" removes it) and/or the user profile."""
    if key not in DEFAULTS:
        raise KeyError(key)
    text = "" if new_value is None else str(new_value)
    if in_project:
        proj = _project(project)
        if text == "" or text == str(DEFAULTS[key]):
            proj.removeEntry(SCOPE, key)
        else:
            proj.writeEntry(SCOPE, key, text)
    if in_profile:
        settings = QgsSettings()
        if text == "":
            settings.remove(PROFILE_PREFIX + key)
        else:
            settings.setValue(PROFILE_PREFIX + key, text)


def working_folder(project: QgsProject | None = None, create: bool = True) -> Path:
    """The working folder: the setting, else ``两违成果`` beside the saved project, else in the home folder."""
    configured = value("working_folder", project)
    if configured:
        folder = Path(configured).expanduser()
    else:
        proj = _project(project)
        home = proj.homePath() if proj is not None else ""
        folder = (Path(home) if home else Path.home()) / WORKING_FOLDER_NAME
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def stamp(now: _dt.datetime | None = None) -> str:
    """A file-name time stamp (20261202-0815): a new output never overwrites a file QGIS has open."""
    return (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def output_path(name: str, suffix: str = ".gpkg", project: QgsProject | None = None, stamped: bool = True) -> str:
    """A file in the working folder: ``<folder>/<name>_<stamp><suffix>`` (or without the stamp)."""
    base = f"{name}_{stamp()}" if stamped else name
    return str(working_folder(project) / f"{base}{suffix}")


def output_folder(name: str, project: QgsProject | None = None) -> str:
    """A sub-folder of the working folder that stays the same from run to run (documents resume there)."""
    folder = working_folder(project) / name
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


# -- issuing authority -------------------------------------------------------------------------------

@dataclass
class Authority:
    key: str       # department key in documents.toml ("" for the [authority] table itself)
    name: str
    short: str


def authorities(config_path: str | None = None) -> list[Authority]:
    """The issuing authorities a document configuration knows: its [authority], then its [departments]."""
    from .documents.config import load_config

    config = load_config(config_path or None)
    own = config.get("authority", {})
    own_key = str(own.get("department", ""))
    out = [Authority(own_key, str(own.get("name", "")), str(own.get("short", "")))]
    for key, dept in (config.get("departments") or {}).items():
        if not isinstance(dept, dict) or key == own_key:
            continue
        out.append(Authority(str(key), str(dept.get("name", "")), str(dept.get("short", ""))))
    return out


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)   # a JSON string is a valid TOML basic string


def documents_config(project: QgsProject | None = None) -> str:
    """The CONFIG to give the document algorithms: the bureau's documents.toml, with the chosen issuing
    authority over it.  When an authority is set, a small file ``.liangwei/文书配置.toml`` is written in the
    working folder (``extends`` the bureau's file); "" when nothing is set (the shipped configuration)."""
    base = value("documents_config", project)
    name = value("authority", project)
    key = value("authority_key", project)
    if not name and not key:
        return base
    known = {a.key: a for a in authorities(base or None)}
    chosen = known.get(key)
    lines = ["# 由“两违一张图 ▸ 设置”生成：发文机关；其余内容取自 extends 所指的文书配置（空为插件自带）。"]
    if base:
        lines.append(f"extends = {_toml_string(str(Path(base).expanduser().resolve()))}")
    lines.append("")
    lines.append("[authority]")
    lines.append(f"name = {_toml_string(name or (chosen.name if chosen else ''))}")
    if chosen is not None:
        if chosen.short:
            lines.append(f"short = {_toml_string(chosen.short)}")
        if chosen.key:
            lines.append(f"department = {_toml_string(chosen.key)}")
    folder = working_folder(project) / ".liangwei"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "文书配置.toml"
    text = "\n".join(lines) + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return str(target)


# -- remembered choices ------------------------------------------------------------------------------

def remembered(alg_id: str, project: QgsProject | None = None) -> dict[str, Any]:
    """The parameters the user last ran ``alg_id`` with in this project ({} if none)."""
    text, ok = _project(project).readEntry(SCOPE, f"last/{alg_id.replace(':', '_')}", "")
    if not ok or not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def remember(alg_id: str, parameters: dict[str, Any], project: QgsProject | None = None) -> None:
    """Keep the plain values (layer ids, sources, numbers, texts, lists of them) of a run for next time."""
    kept = {}
    for name, val in parameters.items():
        plain = _plain(val)
        if plain is not None:
            kept[name] = plain
    _project(project).writeEntry(SCOPE, f"last/{alg_id.replace(':', '_')}", json.dumps(kept, ensure_ascii=False))


def _plain(val: Any) -> Any:
    if isinstance(val, (bool, int, float, str)):
        return val
    if isinstance(val, (list, tuple)):
        items = [_plain(v) for v in val]
        return items if all(isinstance(i, (str, int, float)) for i in items) else None
    source = getattr(val, "source", None)   # QgsProcessingFeatureSourceDefinition: its layer
    if source is not None and hasattr(source, "staticValue"):
        static = source.staticValue()
        return static if isinstance(static, str) else None
    return None
