"""The one-map catalogue (一张图数据目录): the bureau's data listed by role in a TOML file.

```toml
[[layer]]
role = "landuse"                                   # boundary | planning | landuse | protected |
path = "county.gpkg|layername=三调地类图斑"          #   imagery | patches | register
name = "三调地类图斑"                                # optional: display name
code_field = "DLBM"                                # optional: class field (land use / planning)

[[layer]]
role = "imagery"
path = "imagery/epoch_20250610.tif"
date = 2025-06-10                                  # YYYY-MM-DD (TOML date or string)
style = "my_style.qml"                             # optional: own style instead of the standard one
visible = true                                     # optional: ticked in the layer tree on opening
```

``path`` is any OGR/GDAL source, relative to the catalogue file; ``|layername=X`` (and other
``|key=value`` options) are kept.  Every problem is reported with the entry's number and name, all
at once, so a bureau can fix its catalogue in one go: the file's own problems (schema: unknown keys,
types; missing files) and those found opening the layers (``project_builder.build_onemap``) together.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config_schema import Bool, Date, Either, List, Table, Text, check, read_toml
from ..paths import resource

ROLES = ("boundary", "planning", "landuse", "protected", "imagery", "patches", "register")

# Display name of each role (messages and the layer tree).
ROLE_NAMES = {
    "boundary": "行政区界线",
    "planning": "规划分区",
    "landuse": "土地利用现状",
    "protected": "保护区",
    "imagery": "影像时相",
    "patches": "监测图斑",
    "register": "案件台账",
}

# Sources that are not files on disk (database connections, GDAL virtual file systems, URLs).
_NOT_A_FILE = re.compile(r"^(PG:|MSSQL:|OCI:|MySQL:|WFS:|/vsicurl|https?://|ftp://|dbname=)", re.IGNORECASE)
_VSI_FILE = re.compile(r"^/vsi(zip|gzip|tar|7z)/(.+?\.(zip|gz|tar|tgz|7z))(/.*)?$", re.IGNORECASE)


_TEXT = Text(nonempty=True)
#: the schema of one [[layer]] (liangwei_plugin.config_schema); role, path and date are checked below
ENTRY_SCHEMA = Table({"role": Text(), "path": Text(), "name": Text(), "code_field": _TEXT, "style": _TEXT,
                      "date": Either(Date(), Text(), description="日期"), "visible": Bool()})
CATALOGUE_SCHEMA = Table({"layer": List(Table(known=ENTRY_SCHEMA.fields), nonempty=True)}, required=("layer",))


class CatalogueError(ValueError):
    """A catalogue that cannot be used; ``problems`` lists one message per faulty entry."""

    def __init__(self, catalogue: Path | str, problems: list[str]):
        self.catalogue = str(catalogue)
        self.problems = problems
        super().__init__(f"一张图数据目录 {catalogue} 有 {len(problems)} 处错误：\n" + "\n".join(problems))


@dataclass
class CatalogueEntry:
    """One ``[[layer]]`` of the catalogue, its source resolved against the catalogue folder."""

    index: int                 # 1-based position in the file, for messages
    role: str
    path: str                  # as written in the catalogue
    source: str                # OGR/GDAL source with an absolute file path
    name: str
    code_field: str | None = None
    date: dt.date | None = None
    style: Path | None = None
    options: dict[str, str] = field(default_factory=dict)   # the |key=value parts of the path
    visible: bool | None = None   # None: the builder's default for the role

    @property
    def is_raster(self) -> bool:
        return self.role == "imagery"

    @property
    def label(self) -> str:
        """"第3项（三调地类图斑）" — how messages name the entry."""
        return f"第{self.index}项[[layer]]（{self.name or self.path}）"

    @property
    def file_path(self) -> Path | None:
        """The file on disk behind the source (None for connection strings)."""
        return _file_of(self.source.split("|", 1)[0])


@dataclass
class Catalogue:
    path: Path
    entries: list[CatalogueEntry]
    warnings: list[str] = field(default_factory=list)

    def by_role(self, role: str) -> list[CatalogueEntry]:
        return [e for e in self.entries if e.role == role]


def _file_of(source: str) -> Path | None:
    if _NOT_A_FILE.match(source):
        return None
    m = _VSI_FILE.match(source)
    if m:
        return Path(m.group(2))
    if source.lower().startswith("/vsi"):
        return None
    return Path(source)


def _parse_date(value, label: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(f"{label}：date = {value!r} 不是 YYYY-MM-DD 格式的日期")
    return None


def _resolve(raw_path: str, base: Path) -> tuple[str, dict[str, str]]:
    """(source with absolute file path, {option: value}) for ``path|layername=X|...``."""
    head, *parts = raw_path.split("|")
    options = {}
    for part in parts:
        key, _, value = part.partition("=")
        options[key.strip()] = value.strip()
    head = head.strip()
    if not _NOT_A_FILE.match(head):
        m = _VSI_FILE.match(head)
        if m:
            inner = Path(m.group(2)).expanduser()
            if not inner.is_absolute():
                inner = (base / inner).resolve()
            head = f"/vsi{m.group(1)}/{inner.as_posix()}{m.group(4) or ''}"
        elif not head.lower().startswith("/vsi"):
            p = Path(head).expanduser()
            head = (p if p.is_absolute() else (base / p)).resolve().as_posix()
    source = "|".join([head] + [f"{k}={v}" for k, v in options.items()])
    return source, options


def load_catalogue(path: str | Path) -> Catalogue:
    """Parse and check a catalogue; raises :class:`CatalogueError` naming every faulty entry."""
    catalogue, problems = read_catalogue(path)
    if problems:
        raise CatalogueError(path, problems)
    return catalogue


def read_catalogue(path: str | Path) -> tuple[Catalogue, list[str]]:
    """The catalogue's valid entries and the problems of the others (the caller reports them, with those
    it finds itself, all at once); a file that cannot be read at all raises :class:`CatalogueError`."""
    path = Path(path)
    if not path.exists():
        raise CatalogueError(path, [f"数据目录文件不存在：{path}"])
    try:
        data = read_toml(path, "一张图数据目录")
    except ValueError as exc:
        raise CatalogueError(path, [str(exc).split("：", 1)[-1]]) from None
    top = [p for p in check(data, CATALOGUE_SCHEMA) if not p.startswith("[[layer]]")]
    layers = data.get("layer")
    if not isinstance(layers, list) or not layers or not all(isinstance(x, dict) for x in layers):
        raise CatalogueError(path, top + ["没有 [[layer]] 条目（每个图层写作 [[layer]]，下面是 role、path …）"])
    base = path.resolve().parent
    problems: list[str] = list(top)
    warnings: list[str] = []
    entries: list[CatalogueEntry] = []
    for i, item in enumerate(layers, start=1):
        name = str(item.get("name") or "").strip()
        raw = item.get("path")
        label = f"第{i}项[[layer]]（{name or raw or '未命名'}）"
        role = str(item.get("role") or "").strip().lower()
        entry_problems: list[str] = []
        if role not in ROLES:
            entry_problems.append(
                f"{label}：未知的 role = {item.get('role')!r}，应为 {', '.join(ROLES)} 之一" if role
                else f"{label}：缺少 role（应为 {', '.join(ROLES)} 之一）")
        entry_problems += [f"{label}：{p}" for p in check(item, ENTRY_SCHEMA)
                           if not p.startswith(("role", "path", "date"))]
        if not isinstance(raw, str) or not raw.strip():
            entry_problems.append(f"{label}：缺少 path")
            problems.extend(entry_problems)
            continue
        source, options = _resolve(raw, base)
        file_path = _file_of(source.split("|", 1)[0])
        if file_path is not None and not file_path.exists():
            entry_problems.append(f"{label}：文件不存在：{file_path}")
        if not name:
            name = options.get("layername") or (file_path.stem if file_path else raw)
        date = None
        if role == "imagery":
            if "date" not in item:
                entry_problems.append(f"{label}：影像时相缺少 date（YYYY-MM-DD）")
            else:
                date = _parse_date(item["date"], label, entry_problems)
        elif "date" in item:
            date = _parse_date(item["date"], label, entry_problems)
        style = None
        if item.get("style"):
            style = Path(str(item["style"])).expanduser()
            if not style.is_absolute():
                local = base / style
                shipped = resource("styles", str(style))
                style = local if local.exists() or not shipped.exists() else shipped
            if not style.exists():
                entry_problems.append(f"{label}：样式文件不存在：{style}")
        code_field = item.get("code_field")
        visible = item.get("visible")
        if entry_problems:
            problems.extend(entry_problems)
            continue
        entries.append(CatalogueEntry(index=i, role=role, path=raw, source=source, name=name,
                                      code_field=str(code_field) if code_field else None,
                                      date=date, style=style, options=options, visible=visible))
    return Catalogue(path=path, entries=entries, warnings=warnings), problems
