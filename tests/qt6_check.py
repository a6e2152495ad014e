"""Finds (and mostly fixes) Qt5-only forms in Python sources and Qt Designer forms.

The plugin has to run on QGIS 3.40 (Qt5, PyQt5) and on QGIS 4 (Qt6, PyQt6).  PyQt6 drops the
unscoped enum members (``Qt.AlignLeft``), ``exec_()``, ``QVariant.String`` as a type, the QFlags
classes, a few classes (``QRegExp``, ``QDesktopWidget``) and moves others (``QAction`` to QtGui).

How it works: every Python file is parsed with :mod:`ast`; names bound by imports from
``qgis.*`` / ``qgis.PyQt.*`` (and module-level aliases of them) are resolved to the *installed*
objects, and each attribute chain such as ``QgsProcessing.TypeVectorPolygon`` or
``Qt.AlignmentFlag.AlignLeft`` is walked with ``getattr``.  Introspection then decides:

* an enum member taken straight from a class (``type(member)`` is an enum type, and the object it
  was read from is not that enum type) is an unscoped access -> QT6001 (QT6006 when the name is
  ambiguous: QGIS monkey-patches several enums' members onto one class);
* an enum type that is an alias of a ``Qgis`` enum (``QgsWkbTypes.GeometryType`` is
  ``Qgis.GeometryType``) -> QT6002, and a member that is only a monkey-patched alias of a Python
  enum (``Qgis.GeometryType.PolygonGeometry``) -> QT6005;
* a QFlags class (``Qt.Alignment``) -> QT6003; an attribute a Qt/QGIS class does not have -> QT6004.

Enum members reached through an *instance* (``self.FlagNoThreading``, ``view.MultiSelection``) cannot
be resolved statically, so any ``<expr>.Name`` whose ``Name`` is an unscoped enum member of some
Qt/QGIS class, that is not called, not read from a non-Qt module (``csv.Error``) and not defined by the
checked code itself, is reported -> QT6050.

Both PyQt5 (sip enums) and PyQt6 / QGIS (Python :mod:`enum`) enums are recognised, so the checker
also runs under QGIS 4, where a Qt5-only member simply does not exist (QT6004).

Lines ending in ``# qt6: ok`` are not reported.

    python tests/qt6_check.py [PATH...]          list findings (default: the shipped plugin files)
    python tests/qt6_check.py --fix [PATH...]    rewrite what has a mechanical fix, in place

(in the QGIS Python environment: ``source scripts/env.sh``).  tests/test_qt6_ready.py requires no findings.
"""
from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
# What ships in the plugin ZIP (scripts/package.sh), Python and Designer forms.
SHIPPED = ("__init__.py", "liangwei_plugin", "processing_algs", "gui", "forms")
EXCLUDED_PARTS = {"_vendor", "__pycache__"}  # third-party code copied into the ZIP
SUPPRESS = "# qt6: ok"
LINE_LENGTH = 120  # pyproject.toml [tool.ruff]

# Modules whose objects are introspected.  Anything imported from elsewhere is not Qt/QGIS.
_QT_MODULE_PREFIXES = ("qgis", "PyQt5", "PyQt6", "sip")
# Modules scanned for the enum-member names used by the through-an-instance rule (QT6050).
_INSTANCE_RULE_MODULES = ("qgis.PyQt.QtCore", "qgis.PyQt.QtGui", "qgis.PyQt.QtWidgets", "qgis.core", "qgis.gui")

# Classes that Qt6 removed (Qt5Compat is not part of PyQt6).
REMOVED_CLASSES = {
    "QRegExp": "removed in Qt6: use QRegularExpression",
    "QRegExpValidator": "removed in Qt6: use QRegularExpressionValidator",
    "QDesktopWidget": "removed in Qt6: use QScreen (QGuiApplication.primaryScreen(), widget.screen())",
    "QTextCodec": "removed in Qt6 (Qt5Compat): use Python str/bytes encodings",
    "QStringRef": "removed in Qt6",
    "QMatrix": "removed in Qt6: use QTransform",
    "QGLWidget": "removed in Qt6: use QOpenGLWidget",
    "QLinkedList": "removed in Qt6",
}
# Classes that moved from QtWidgets to QtGui in Qt6 (qgis.PyQt.QtGui has them on QGIS 3.40 too).
MOVED_TO_QTGUI = {"QAction", "QActionGroup", "QShortcut", "QUndoCommand", "QUndoGroup", "QUndoStack",
                  "QFileSystemModel"}
# Enum members Qt6 removed even in scoped form: (enum type name, member) -> replacement.
REMOVED_MEMBERS = {
    ("MouseButton", "MidButton"): "Qt.MouseButton.MiddleButton",
    ("ItemDataRole", "TextColorRole"): "Qt.ItemDataRole.ForegroundRole",
    ("ItemDataRole", "BackgroundColorRole"): "Qt.ItemDataRole.BackgroundRole",
    ("RenderHint", "HighQualityAntialiasing"): "QPainter.RenderHint.Antialiasing",
    ("ColorRole", "Background"): "QPalette.ColorRole.Window",
    ("ColorRole", "Foreground"): "QPalette.ColorRole.WindowText",
    ("DateFormat", "SystemLocaleDate"): "QLocale.system().toString(..., QLocale.FormatType.ShortFormat)",
    ("DateFormat", "SystemLocaleShortDate"): "QLocale.system().toString(..., QLocale.FormatType.ShortFormat)",
    ("DateFormat", "SystemLocaleLongDate"): "QLocale.system().toString(..., QLocale.FormatType.LongFormat)",
    ("DateFormat", "DefaultLocaleShortDate"): "QLocale().toString(..., QLocale.FormatType.ShortFormat)",
    ("DateFormat", "DefaultLocaleLongDate"): "QLocale().toString(..., QLocale.FormatType.LongFormat)",
    ("DateFormat", "LocaleDate"): "QLocale().toString(...)",
    ("DateFormat", "LocalDate"): "QLocale().toString(...)",
}
# Overloaded signals PyQt6 no longer lets one pick with [type].
_SIGNAL_OVERLOAD_TYPES = {"str", "int", "bool", "float", "QString", "QModelIndex"}

Span = tuple[int, int, int, int]  # ast positions: line, col, end line, end col (cols are UTF-8 byte offsets)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str
    # the mechanical fix, if any: source spans to replace, imports it needs, imports it makes obsolete
    edits: tuple[tuple[Span, str], ...] = field(default=(), compare=False, repr=False)
    needs: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    drops: tuple[tuple[Span, str], ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


# ---------------------------------------------------------------- introspection helpers

def is_enum_type(obj) -> bool:
    """A Python enum (QGIS's scoped enums, PyQt6) or a sip enum type (PyQt5)."""
    if not isinstance(obj, type):
        return False
    return issubclass(obj, enum.Enum) or type(obj).__name__ == "enumtype"


def is_enum_member(obj) -> bool:
    return is_enum_type(type(obj))


def is_flags_type(obj) -> bool:
    """A PyQt5 QFlags wrapper class such as ``Qt.Alignment`` (PyQt6 has none: the enum is the flag)."""
    if not isinstance(obj, type) or type(obj).__name__ != "wrappertype" or is_enum_type(obj):
        return False
    names = vars(obj)
    return all(n in names for n in ("__invert__", "__int__", "__or__", "__and__")) and len(obj.__mro__) <= 3


def is_qt_object(obj) -> bool:
    module = obj.__name__ if isinstance(obj, ModuleType) else getattr(obj, "__module__", "") or ""
    return module.split(".")[0] in _QT_MODULE_PREFIXES


def _safe_getattr(obj, name):
    try:
        return getattr(obj, name)
    except Exception:  # noqa: BLE001 - some sip descriptors raise on class access
        return None


def _enclosing_scope(sip_enum):
    try:
        obj = importlib.import_module(sip_enum.__module__)
        for part in sip_enum.__qualname__.split(".")[:-1]:
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


def enum_member_names(enum_type) -> set[str]:
    """Canonical member names of an enum type (for sip enums: the names its scope holds)."""
    if issubclass(enum_type, enum.Enum):
        return set(enum_type.__members__)
    scope = _enclosing_scope(enum_type)
    return set() if scope is None else {k for k, v in vars(scope).items() if isinstance(v, enum_type)}


@cache
def _qgis() -> type | None:
    try:
        from qgis.core import Qgis
    except ImportError:  # pragma: no cover - the checker runs in the QGIS environment
        return None
    return Qgis


@cache
def _qgis_enum_names() -> dict[int, str]:
    """id(enum type) -> its name on ``Qgis`` (the enums QGIS wants code to use)."""
    qgis = _qgis()
    return {} if qgis is None else {id(v): k for k, v in vars(qgis).items() if is_enum_type(v)}


def _enum_types_on(owner) -> list[tuple[str, type]]:
    out = []
    for name in dir(owner):
        if not name.startswith("_"):
            value = _safe_getattr(owner, name)
            if is_enum_type(value):
                out.append((name, value))
    return out


def qmetatype_name(qvariant_member) -> str:
    """``QVariant.String`` -> ``QString``: the ``QMetaType.Type`` member of the same value."""
    from qgis.PyQt.QtCore import QMetaType

    def as_int(v) -> int:
        return int(v.value if isinstance(v, enum.Enum) else v)

    value = as_int(qvariant_member)
    candidates = [k for k in dir(QMetaType) if not k.startswith("_")
                  and type(_safe_getattr(QMetaType, k)).__name__ == "Type"
                  and is_enum_member(_safe_getattr(QMetaType, k)) and as_int(getattr(QMetaType, k)) == value]
    own = getattr(qvariant_member, "name", None) or _member_name(qvariant_member)
    for pick in (own, "Q" + own, "QVariant" + own):
        if pick in candidates:
            return pick
    return sorted(candidates, key=lambda c: (not c.startswith("Q"), c))[0] if candidates else "?"


def _member_name(member) -> str:
    scope = _enclosing_scope(type(member))
    for k, v in (vars(scope).items() if scope is not None else ()):
        if v is member or (isinstance(v, type(member)) and v == member):
            return k
    return "?"


@cache
def unscoped_member_index() -> dict[str, tuple[str, ...]]:
    """Enum member names reachable unscoped on Qt/QGIS classes -> a few scoped spellings."""
    index: dict[str, set[str]] = {}
    for module_name in _INSTANCE_RULE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # pragma: no cover
            continue
        for cls in list(vars(module).values()):
            if not isinstance(cls, type) or is_enum_type(cls) or not is_qt_object(cls):
                continue
            for name, value in list(vars(cls).items()):
                if not name.startswith("_") and is_enum_member(value):
                    index.setdefault(name, set()).add(f"{cls.__name__}.{type(value).__name__}.{name}")
    return {k: tuple(sorted(v)[:3]) for k, v in index.items()}


# ---------------------------------------------------------------- PyQt6's API, from its stubs

class _StubClass:
    __slots__ = ("members", "bases")

    def __init__(self, bases: list[str]):
        self.members: dict[str, _StubClass | None] = {}
        self.bases = bases


_STUB_LINE = re.compile(r"^(?P<indent> *)(?:class (?P<cls>\w+)(?:\((?P<bases>[^)]*)\))?:|(?:async )?def (?P<fn>\w+)"
                        r"|(?P<name>\w+) *(?::|=))")


@cache
def pyqt6_stubs_dir() -> Path | None:
    """The PyQt6 stub files (package PyQt6-stubs, requirements-dev.txt): PyQt6's API without PyQt6."""
    from importlib import metadata

    try:
        path = Path(str(metadata.distribution("PyQt6-stubs").locate_file("PyQt6-stubs")))
    except metadata.PackageNotFoundError:
        return None
    return path if (path / "QtCore.pyi").is_file() else None


@cache
def pyqt6_module(name: str) -> dict[str, _StubClass | None] | None:
    """Top-level names of PyQt6.<name> -> classes (members, nested classes, bases); None without stubs.
    A line-based reader: the stubs use syntax newer than the Python QGIS runs on."""
    stubs = pyqt6_stubs_dir()
    if stubs is None or not (stubs / f"{name}.pyi").is_file():
        return None
    top: dict[str, _StubClass | None] = {}
    stack: list[tuple[int, dict]] = [(-1, top)]
    depth = 0  # open brackets: inside a signature or expression spread over lines
    for line in (stubs / f"{name}.pyi").read_text(encoding="utf-8").splitlines():
        m = _STUB_LINE.match(line) if depth == 0 else None
        code = line.split("#", 1)[0]
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
        if not m:
            continue
        indent = len(m["indent"])
        while stack[-1][0] >= indent:
            stack.pop()
        scope = stack[-1][1]
        if m["cls"]:
            bases = [b.strip().split(".")[-1].split("[")[0] for b in (m["bases"] or "").split(",") if b.strip()]
            cls = _StubClass(bases)
            scope[m["cls"]] = cls
            stack.append((indent, cls.members))
        else:
            scope.setdefault(m["fn"] or m["name"], None)
    return top


def _pyqt6_class(name: str) -> _StubClass | None:
    for module in ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtXml", "QtSvg", "QtPrintSupport", "QtSql"):
        found = (pyqt6_module(module) or {}).get(name)
        if isinstance(found, _StubClass):
            return found
    return None


def pyqt6_member(cls: _StubClass, attr: str, _depth: int = 0):
    """(True, nested class or None) when PyQt6's ``cls`` has ``attr`` (inherited ones too)."""
    if attr in cls.members:
        return True, cls.members[attr]
    if _depth < 12:
        for base in cls.bases:
            base_cls = _pyqt6_class(base)
            if base_cls is not None:
                found, value = pyqt6_member(base_cls, attr, _depth + 1)
                if found:
                    return True, value
    return False, None


# ---------------------------------------------------------------- per-file analysis

def _dotted(node) -> list[str] | None:
    """``a.b.c`` -> ['a', 'b', 'c']; None when the chain does not start at a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _span(node) -> Span:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def _import_module(name: str):
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a missing optional module is simply not introspected
        return None


class _FileChecker(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module, source_lines: list[str], project_names: set[str]):
        self.path = path
        self.tree = tree
        self.lines = source_lines
        self.project_names = project_names
        self.findings: list[Finding] = []
        self.bindings: dict[str, object] = {}
        self.other_imports: set[str] = set()  # names bound to non-Qt modules (logging, gdal, sqlite3...)
        self.called: set[int] = set()  # id() of nodes that are called: enum members never are
        self.font_metrics_names: set[str] = set()
        self.non_qt_names: set[str] = set()
        self._collect_bindings()
        self._collect_non_qt_names()

    # -- bookkeeping
    def report(self, node, code: str, message: str, edits=(), needs=(), drops=()) -> None:
        line = getattr(node, "lineno", 0)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.rstrip().endswith(SUPPRESS):
            return
        self.findings.append(Finding(self.path, line, getattr(node, "col_offset", 0) + 1, code, message,
                                     tuple(edits), tuple(needs), tuple(drops)))

    def _collect_bindings(self) -> None:
        """Names bound to Qt/QGIS modules and classes by imports (anywhere) and module-level aliases."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top not in _QT_MODULE_PREFIXES:
                        self.other_imports.add(alias.asname or top)
                        continue
                    mod = _import_module(alias.name)
                    if mod is not None:
                        self.bindings[alias.asname or top] = mod if alias.asname else _import_module(top)
            elif isinstance(node, ast.ImportFrom):
                if node.level or not node.module or node.module.split(".")[0] not in _QT_MODULE_PREFIXES:
                    self.other_imports.update(a.asname or a.name for a in node.names)
                    continue
                mod = _import_module(node.module)
                if mod is None:
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    obj = getattr(mod, alias.name, None)
                    if obj is None:
                        obj = _import_module(f"{node.module}.{alias.name}")
                    if obj is not None:
                        self.bindings[alias.asname or alias.name] = obj
        # X = <resolvable chain> at module level (e.g. ``_Flag = QgsFeatureSink.Flag``)
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                parts = _dotted(node.value)
                if parts and parts[0] in self.bindings:
                    obj = self._resolve_quiet(parts)
                    if obj is not None and (inspect.isclass(obj) or isinstance(obj, ModuleType)):
                        self.bindings[node.targets[0].id] = obj

    def _resolve_quiet(self, parts):
        obj = self.bindings.get(parts[0])
        for attr in parts[1:]:
            obj = _safe_getattr(obj, attr)
            if obj is None:
                return None
        return obj

    def _not_qt(self, expr) -> bool:
        """Whether ``expr`` evidently is no Qt/QGIS object: it comes from a non-Qt module (``csv.Error``,
        ``dt.UTC``), or calls a CapWords method on the way (GDAL/OGR style: ``ds.GetDriver().ShortName``),
        or is a name assigned from such an expression."""
        while isinstance(expr, (ast.Attribute, ast.Call, ast.Subscript)):
            if isinstance(expr, ast.Call):
                if isinstance(expr.func, ast.Attribute) and expr.func.attr[:1].isupper():
                    return True
                expr = expr.func
            else:
                expr = expr.value
        return isinstance(expr, ast.Name) and (expr.id in self.other_imports or expr.id in self.non_qt_names)

    def _collect_non_qt_names(self) -> None:
        for _ in range(2):  # names assigned from names assigned from ...
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Assign) and self._not_qt(node.value):
                    self.non_qt_names.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def _qgis_needs(self) -> tuple[tuple[str, str], ...]:
        return () if self.bindings.get("Qgis") is _qgis() else (("qgis.core", "Qgis"),)

    # -- imports
    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802 - ast.NodeVisitor API
        for alias in node.names:
            if alias.name.split(".")[0] in ("PyQt5", "PyQt6", "sip"):
                self.report(node, "QT6030", f"import {alias.name}: import from qgis.PyQt instead")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802 - ast.NodeVisitor API
        module = node.module or ""
        top = module.split(".")[0]
        if node.level == 0 and top in ("PyQt5", "PyQt6", "sip"):
            self.report(node, "QT6030", f"from {module} import ...: import from qgis.PyQt instead")
        if module == "qgis.PyQt.Qt":
            self.report(node, "QT6030", "qgis.PyQt.Qt does not exist for Qt6: "
                                        "import from qgis.PyQt.QtCore/QtGui/QtWidgets")
        pyqt6_names = pyqt6_module(module.rpartition(".")[2]) if module.startswith("qgis.PyQt.Qt") else None
        for alias in node.names:
            if (pyqt6_names is not None and alias.name not in pyqt6_names and alias.name != "*"
                    and alias.name not in MOVED_TO_QTGUI and alias.name not in REMOVED_CLASSES):
                self.report(node, "QT6070", f"{module}.{alias.name}: PyQt6 has no such name")
            if alias.name in REMOVED_CLASSES:
                self.report(node, "QT6031", f"{alias.name}: {REMOVED_CLASSES[alias.name]}")
            if alias.name in MOVED_TO_QTGUI and module.endswith("QtWidgets"):
                fix = {}
                if node in self.tree.body:  # top level: move the name to the QtGui import
                    fix = {"drops": [(_span(node), alias.name)], "needs": [("qgis.PyQt.QtGui", alias.name)]}
                elif len(node.names) == 1:  # a local import of that name alone: rewrite it in place
                    name = alias.name + (f" as {alias.asname}" if alias.asname else "")
                    fix = {"edits": [(_span(node), f"from qgis.PyQt.QtGui import {name}")]}
                self.report(node, "QT6032", f"{alias.name} is in QtGui in Qt6: "
                                            f"from qgis.PyQt.QtGui import {alias.name}", **fix)
            if alias.name == "qApp":
                self.report(node, "QT6033", "qApp is gone in PyQt6: use QgsApplication.instance()")
            if alias.name == "*" and top in _QT_MODULE_PREFIXES:
                self.report(node, "QT6034", f"from {module} import *: import the names used "
                                            "(the checker cannot see them)")
        self.generic_visit(node)

    # -- definitions
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802 - ast.NodeVisitor API
        if node.name in ("exec_", "print_"):
            self.report(node, "QT6010", f"def {node.name}: PyQt6 only has {node.name[:-1]}()")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 - ast.NodeVisitor API

    def visit_Assign(self, node: ast.Assign) -> None:  # noqa: N802 - ast.NodeVisitor API
        # fm = widget.fontMetrics() / QFontMetrics(font): remember fm for the .width() rule
        value = node.value
        is_fm = isinstance(value, ast.Call) and self._is_font_metrics(value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                (self.font_metrics_names.add if is_fm else self.font_metrics_names.discard)(target.id)
        self.generic_visit(node)

    # -- calls
    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 - ast.NodeVisitor API
        func = node.func
        self.called.add(id(func))
        if isinstance(func, ast.Attribute):
            if func.attr == "setCodec":
                self.report(node, "QT6040", "QTextStream.setCodec is gone in Qt6: use setEncoding or Python I/O")
            elif func.attr == "desktop" and not node.args:
                self.report(node, "QT6042", "QApplication.desktop() (QDesktopWidget) is gone in Qt6: use QScreen")
            elif func.attr == "width" and self._is_font_metrics(func.value):
                self.report(node, "QT6041", "QFontMetrics.width() is gone in Qt6: use horizontalAdvance()",
                            edits=[(_attr_span(func), "horizontalAdvance")])
        elif isinstance(func, ast.Name) and func.id in self.bindings:
            if func.id == "QVariant" and not node.args and not node.keywords:
                self.report(node, "QT6021", "QVariant() as a NULL value: use NULL from qgis.core",
                            edits=[(_span(node), "NULL")], needs=[("qgis.core", "NULL")])
            elif func.id == "QDateTime":
                if len(node.args) > 3 or (len(node.args) == 1 and isinstance(node.args[0], ast.Call)
                                          and isinstance(node.args[0].func, ast.Name)
                                          and node.args[0].func.id == "QDate"):
                    self.report(node, "QT6044", "QDateTime(y, m, d, ...) / QDateTime(QDate): "
                                                "use QDateTime(QDate(...), QTime(...)) for Qt6")
        self.generic_visit(node)

    def _is_font_metrics(self, node) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.font_metrics_names
        if isinstance(node, ast.Call):
            f = node.func
            return (isinstance(f, ast.Attribute) and f.attr == "fontMetrics") or (
                isinstance(f, ast.Name) and f.id in ("QFontMetrics", "QFontMetricsF"))
        return False

    def visit_Subscript(self, node: ast.Subscript) -> None:  # noqa: N802 - ast.NodeVisitor API
        if isinstance(node.value, ast.Attribute) and isinstance(node.ctx, ast.Load):
            s = node.slice
            key = s.id if isinstance(s, ast.Name) else s.value if isinstance(s, ast.Constant) else None
            if isinstance(key, str) and key in _SIGNAL_OVERLOAD_TYPES and node.value.attr[:1].islower():
                self.report(node, "QT6043", f"{node.value.attr}[{key}]: PyQt6 has no signal overload "
                                            "selection; connect the signal itself (e.g. textActivated)")
        self.generic_visit(node)

    # -- names and attributes
    def visit_Name(self, node: ast.Name) -> None:  # noqa: N802 - ast.NodeVisitor API
        if node.id == "qApp" and isinstance(node.ctx, ast.Load) and "qApp" in self.bindings:
            self.report(node, "QT6033", "qApp is gone in PyQt6: use QgsApplication.instance()")

    def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802 - ast.NodeVisitor API
        if node.attr in ("exec_", "print_"):
            self.report(node, "QT6010", f".{node.attr}: use .{node.attr[:-1]}() (PyQt6 has no {node.attr})",
                        edits=[(_attr_span(node), node.attr[:-1])])
        parts = _dotted(node)
        if parts is not None and parts[0] in self.bindings:
            reported = len(self.findings)
            self._check_chain(node, parts)
            if len(self.findings) == reported:
                self._check_pyqt6(node, parts)
            return  # the chain is checked as a whole; do not revisit its prefixes
        if isinstance(node.ctx, ast.Load):
            self._check_instance_access(node)
        self.generic_visit(node)

    def _check_chain(self, node: ast.Attribute, parts: list[str]) -> None:
        obj = self.bindings[parts[0]]
        for i, attr in enumerate(parts[1:], start=1):
            prev = obj
            written = ".".join(parts[: i + 1])
            prefix = ".".join(parts[:i])
            if not (inspect.isclass(prev) or isinstance(prev, ModuleType)) or not is_qt_object(prev):
                return
            sub = node  # the node spelling parts[: i + 1]
            for _ in range(len(parts) - 1 - i):
                sub = sub.value
            try:
                obj = getattr(prev, attr)
            except AttributeError:
                if i < len(parts) - 1 or not isinstance(node.ctx, ast.Store):  # not a monkey-patch
                    self.report(node, "QT6004", f"{written}: no such attribute in this Qt/QGIS")
                return
            if _is_qvariant(prev) and (is_enum_member(obj) or is_enum_type(obj)):
                new = "QMetaType.Type" if is_enum_type(obj) else f"QMetaType.Type.{qmetatype_name(obj)}"
                if is_enum_type(obj) and i < len(parts) - 1:  # QVariant.Type.String
                    new = f"QMetaType.Type.{qmetatype_name(getattr(obj, parts[i + 1]))}"
                    sub = sub_parent(node, parts, i + 1)
                self.report(node, "QT6020", f"{written}: use {new} (QgsField takes it since QGIS 3.38)",
                            edits=[(_span(sub), new)], needs=[("qgis.PyQt.QtCore", "QMetaType")])
                return
            if is_enum_type(prev):
                if isinstance(obj, enum.Enum) and attr not in type(obj).__members__:
                    self.report(node, "QT6005", f"{written}: an alias QGIS keeps for old code; use {prefix}.{obj.name}",
                                edits=[(_span(sub), f"{prefix}.{obj.name}")])
                replacement = REMOVED_MEMBERS.get((prev.__name__, attr))
                if replacement:
                    self.report(node, "QT6051", f"{written} is gone in Qt6: use {replacement}")
                return
            if not inspect.isclass(prev):
                continue
            if is_enum_member(obj):
                self._unscoped(node, sub, prev, prefix, attr, obj)
                return
            if is_flags_type(obj):
                self.report(node, "QT6003", f"{written}: QFlags class, gone in PyQt6; use the enum "
                                            "(members combine with |)")
                return
            if is_enum_type(obj):
                qgis_name = _qgis_enum_names().get(id(obj))
                if qgis_name is not None and prev is not _qgis():
                    self.report(node, "QT6002", f"{written} is Qgis.{qgis_name}: use Qgis.{qgis_name}",
                                edits=[(_span(sub), f"Qgis.{qgis_name}")], needs=self._qgis_needs())
                    return

    def _check_pyqt6(self, node: ast.Attribute, parts: list[str]) -> None:
        """QT6070: the chain must exist in PyQt6 too (checked against its stubs, when installed)."""
        if pyqt6_stubs_dir() is None or isinstance(node.ctx, ast.Store):
            return
        scope = _pyqt6_scope(self.bindings[parts[0]])
        for i, attr in enumerate(parts[1:], start=1):
            if scope is None:
                return
            if isinstance(scope, dict):
                found, value = attr in scope, scope.get(attr)
            else:
                found, value = pyqt6_member(scope, attr)
            if not found:
                self.report(node, "QT6070", f"{'.'.join(parts[: i + 1])}: PyQt6 has no such name")
                return
            scope = value

    def _unscoped(self, node, sub, owner, prefix: str, attr: str, member) -> None:
        etype = type(member)
        canonical = member.name if isinstance(member, enum.Enum) else attr
        # QGIS attaches enums moved to Qgis to their old class (QgsPalLayerSettings.Placement is
        # Qgis.LabelPlacement) together with their members: two such enums can share a member name.
        others = [(n, e) for n, e in _enum_types_on(owner) if e is not etype and attr in enum_member_names(e)
                  and e.__qualname__ != f"{owner.__qualname__}.{n}"]
        qgis_names = _qgis_enum_names()

        def spelled(enum_name: str, e: type, m: str) -> str:
            q = qgis_names.get(id(e))
            return f"Qgis.{q}.{m}" if q else f"{prefix}.{enum_name}.{m}"

        own_names = [n for n, e in _enum_types_on(owner) if e is etype]
        own = own_names[0] if etype.__name__ not in own_names and own_names else etype.__name__
        if etype is not None and id(etype) not in qgis_names and not own_names:
            self.report(node, "QT6001", f"{prefix}.{attr}: unscoped enum member of {etype.__qualname__}")
            return
        new = spelled(own, etype, canonical)
        if others:
            alternatives = ", ".join(sorted({spelled(n, e, attr) for n, e in others}))
            self.report(node, "QT6006", f"{prefix}.{attr}: ambiguous unscoped enum member; it is {new} here, "
                                        f"but could be meant as {alternatives}: write the one meant")
            return
        needs = self._qgis_needs() if new.startswith("Qgis.") else ()
        self.report(node, "QT6001", f"{prefix}.{attr}: unscoped enum member; use {new}",
                    edits=[(_span(sub), new)], needs=needs)

    def _check_instance_access(self, node: ast.Attribute) -> None:
        """``<expr>.Member`` where ``expr`` is not a Qt/QGIS class: an enum through an instance."""
        name = node.attr
        if not name[:1].isupper() or name in self.project_names or id(node) in self.called:
            return
        if self._not_qt(node.value):
            return
        spellings = unscoped_member_index().get(name)
        if spellings:
            self.report(node, "QT6050", f".{name}: enum member reached through an instance or an unknown "
                                        f"name; use the class's scoped enum ({', '.join(spellings)})")


def _pyqt_module_name(obj) -> str | None:
    """'QtCore' for PyQt5.QtCore / qgis.PyQt.QtCore objects and modules, else None."""
    module = obj.__name__ if isinstance(obj, ModuleType) else getattr(obj, "__module__", "") or ""
    head, _, tail = module.rpartition(".")
    return tail if head in ("PyQt5", "PyQt6", "qgis.PyQt") and tail.startswith("Qt") else None


def _pyqt6_scope(obj):
    """What PyQt6's stubs hold for a bound Qt module (a dict of names) or Qt class (a _StubClass)."""
    module = _pyqt_module_name(obj)
    if module is None:
        return None
    if isinstance(obj, ModuleType):
        return pyqt6_module(module)
    names = pyqt6_module(module) or {}
    qualname = getattr(obj, "__qualname__", getattr(obj, "__name__", "")).split(".")
    scope = names.get(qualname[0])
    for part in qualname[1:]:
        scope = pyqt6_member(scope, part)[1] if isinstance(scope, _StubClass) else None
    return scope


def sub_parent(node: ast.Attribute, parts: list[str], k: int):
    """The node of ``node``'s chain that spells parts[: k + 1]."""
    sub = node
    for _ in range(len(parts) - 1 - k):
        sub = sub.value
    return sub


def _attr_span(node: ast.Attribute) -> Span:
    """The span of the attribute name alone (``exec_`` in ``dlg.exec_``)."""
    return (node.end_lineno, node.end_col_offset - len(node.attr.encode()), node.end_lineno, node.end_col_offset)


def _is_qvariant(obj) -> bool:
    return inspect.isclass(obj) and obj.__name__ == "QVariant" and is_qt_object(obj)


def _defined_names(tree: ast.Module) -> set[str]:
    """Attribute names the code defines itself (class attributes, ``self.x = ...``, methods, enums)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                        [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else [])
                    for t in targets:
                        for sub in ast.walk(t):
                            if isinstance(sub, ast.Name):
                                names.add(sub.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)  # SimpleNamespace(Field=...), dict(Field=...)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "namedtuple":
            for arg in node.args[1:2]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.update(re.split(r"[,\s]+", arg.value))
                elif isinstance(arg, (ast.List, ast.Tuple)):
                    names.update(e.value for e in arg.elts if isinstance(e, ast.Constant))
    return names


# ---------------------------------------------------------------- Designer forms

def check_ui(path: Path, shown: str) -> list[Finding]:
    """Enum values in a .ui file must be ``Class::Member`` (PyQt5's uic reads no other form; PyQt6's
    uic maps these to scoped names) and must exist; compiled resources (.qrc) are gone in PyQt6."""
    findings: list[Finding] = []
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next((i for i, line in enumerate(lines, start=1) if fragment in line), 0)

    from qgis.PyQt import QtCore, QtGui, QtWidgets

    scopes = [QtWidgets, QtGui, QtCore]
    gui = _import_module("qgis.gui")
    if gui is not None:
        scopes.append(gui)
    for el in root.iter():
        if el.tag not in ("enum", "set") or not el.text:
            continue
        for value in (v.strip() for v in el.text.split("|")):
            parts = value.split("::")
            if len(parts) > 2:
                findings.append(Finding(shown, line_of(value), 1, "QT6060",
                                        f"{value}: PyQt5's uic cannot read scoped names; write "
                                        f"{parts[0]}::{parts[-1]} (PyQt6's uic maps it)"))
                continue
            cls_name, member = parts if len(parts) == 2 else ("Qt", parts[0])
            owner = QtCore.Qt if cls_name == "Qt" else next(
                (getattr(m, cls_name) for m in scopes if hasattr(m, cls_name)), None)
            if owner is None or not is_enum_member(_safe_getattr(owner, member)):
                findings.append(Finding(shown, line_of(value), 1, "QT6061", f"{value}: no such enum member"))
    for el in root.iter("include"):
        if (el.attrib.get("location") or "").endswith(".qrc"):
            findings.append(Finding(shown, line_of(el.attrib["location"]), 1, "QT6062",
                                    "compiled Qt resources (.qrc) are gone in PyQt6: load icons by file path"))
    if any("resource" in el.attrib for el in root.iter("iconset")):
        findings.append(Finding(shown, line_of("resource="), 1, "QT6062",
                                "iconset from a .qrc resource: gone in PyQt6, use a file path"))
    return findings


# ---------------------------------------------------------------- the fixer

def _byte_offsets(source: bytes) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _apply_edits(source: str, edits: list[tuple[Span, str]]) -> str:
    data = source.encode()
    starts = _byte_offsets(data)
    chosen: list[tuple[int, int, str]] = []
    for (l1, c1, l2, c2), text in sorted(set(edits)):
        a, b = starts[l1 - 1] + c1, starts[l2 - 1] + c2
        if chosen and a < chosen[-1][1]:  # overlapping: keep the first, the next pass redoes the rest
            continue
        chosen.append((a, b, text))
    for a, b, text in reversed(chosen):
        data = data[:a] + text.encode() + data[b:]
    return data.decode()


def _name_key(alias: str) -> tuple[int, str]:
    """ruff's isort order inside ``from m import ...`` (order-by-type): CONSTANTS, Classes, functions."""
    name = alias.split(" as ")[0]
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def _render_import(module: str, names: list[str], indent: str, multiline: bool) -> str:
    names = sorted(set(names), key=_name_key)
    one = f"{indent}from {module} import {', '.join(names)}"
    if not multiline and len(one) <= LINE_LENGTH:
        return one
    body = "".join(f"{indent}    {n},\n" for n in names)
    return f"{indent}from {module} import (\n{body}{indent})"


def _loaded_names(tree: ast.Module) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def _fix_imports(source: str, before_counts: dict[str, int], needs: set[tuple[str, str]],
                 drops: set[tuple[Span, str]]) -> str:
    """Adds the imports the edits need, removes the ones they made unused (and those moved away)."""
    tree = ast.parse(source)
    counts = _loaded_names(tree)
    data = source.encode()
    starts = _byte_offsets(data)
    top_imports = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module]
    bound = {(n.module, a.asname or a.name) for n in top_imports for a in n.names}
    edits: dict[ast.ImportFrom, list[str]] = {}
    drop_names = {name for _, name in drops}

    def names_of(stmt) -> list[str]:
        if stmt not in edits:
            edits[stmt] = [a.name + (f" as {a.asname}" if a.asname else "") for a in stmt.names]
        return edits[stmt]

    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.ImportFrom) or not stmt.module:
            continue
        if stmt.module.split(".")[0] not in _QT_MODULE_PREFIXES:
            continue
        for a in stmt.names:
            local = a.asname or a.name
            unused = counts.get(local, 0) == 0 and before_counts.get(local, 0) > 0
            moved = local in drop_names and stmt in tree.body and stmt.module.endswith("QtWidgets")
            if unused or moved:
                entry = a.name + (f" as {a.asname}" if a.asname else "")
                if entry in names_of(stmt):
                    names_of(stmt).remove(entry)
    new_statements: dict[str, list[str]] = {}
    for module, name in sorted(needs):
        if (module, name) in bound:
            continue
        stmt = next((n for n in top_imports if n.module == module), None)
        if stmt is not None:
            names_of(stmt).append(name)
        else:
            new_statements.setdefault(module, []).append(name)
    pieces: list[tuple[int, int, str]] = []
    for stmt, names in edits.items():
        a = starts[stmt.lineno - 1] + stmt.col_offset
        b = starts[stmt.end_lineno - 1] + stmt.end_col_offset
        indent = " " * stmt.col_offset
        if names:
            multiline = b"\n" in data[a:b]
            pieces.append((a, b, _render_import(stmt.module, names, indent, multiline)[len(indent):]))
        else:  # nothing left: remove the whole line
            line_start, line_end = starts[stmt.lineno - 1], starts[stmt.end_lineno]
            pieces.append((line_start, line_end, ""))
    for module, names in new_statements.items():
        qgis_imports = [n for n in top_imports if n.module.split(".")[0] == "qgis"]
        after = [n for n in qgis_imports if n.module.lower() < module.lower()]
        before = [n for n in qgis_imports if n.module.lower() > module.lower()]
        text = _render_import(module, names, "", False) + "\n"
        if before:
            at = starts[before[0].lineno - 1]
        elif after:
            at = starts[after[-1].end_lineno]
        else:
            absolute = [n for n in tree.body
                        if isinstance(n, ast.Import | ast.ImportFrom) and not getattr(n, "level", 0)]
            at = starts[absolute[-1].end_lineno] if absolute else 0
        pieces.append((at, at, text))
    for a, b, text in sorted(pieces, reverse=True):
        data = data[:a] + text.encode() + data[b:]
    return data.decode()


def fix_source(source: str, path: str = "<source>", project_names: set[str] | None = None,
               passes: int = 4) -> tuple[str, list[Finding]]:
    """Applies the mechanical fixes until none is left; returns the new text and what remains."""
    for _ in range(passes):
        tree = ast.parse(source)
        names = _defined_names(tree) if project_names is None else project_names
        checker = _FileChecker(path, tree, source.splitlines(), names)
        checker.visit(tree)
        fixable = [f for f in checker.findings if f.edits or f.drops]
        if not fixable:
            return source, sorted(set(checker.findings))
        before = _loaded_names(tree)
        edited = _apply_edits(source, [e for f in fixable for e in f.edits])
        source = _fix_imports(edited, before, {n for f in fixable for n in f.needs},
                              {d for f in fixable for d in f.drops})
    tree = ast.parse(source)
    names = _defined_names(tree) if project_names is None else project_names
    checker = _FileChecker(path, tree, source.splitlines(), names)
    checker.visit(tree)
    return source, sorted(set(checker.findings))


# ---------------------------------------------------------------- entry points

def shipped_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for entry in SHIPPED:
        p = root / entry
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files.extend(f for f in sorted(p.rglob("*"))
                         if f.suffix in (".py", ".ui") and not EXCLUDED_PARTS.intersection(f.relative_to(root).parts))
    return files


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def check_paths(paths: list[Path], root: Path = ROOT) -> list[Finding]:
    trees: list[tuple[Path, ast.Module, str]] = []
    findings: list[Finding] = []
    project_names: set[str] = set()
    for path in paths:
        if path.suffix == ".ui":
            findings.extend(check_ui(path, _shown(path, root)))
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        trees.append((path, tree, source))
        project_names |= _defined_names(tree)
    for path, tree, source in trees:
        checker = _FileChecker(_shown(path, root), tree, source.splitlines(), project_names)
        checker.visit(tree)
        findings.extend(checker.findings)
    return sorted(set(findings))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    fix = "--fix" in args
    args = [a for a in args if a != "--fix"]
    paths = [Path(a).resolve() for a in args] if args else shipped_files()
    expanded: list[Path] = []
    for p in paths:
        expanded.extend(sorted(q for q in p.rglob("*") if q.suffix in (".py", ".ui")) if p.is_dir() else [p])
    if fix:
        project_names: set[str] = set()
        for p in expanded:
            if p.suffix == ".py":
                project_names |= _defined_names(ast.parse(p.read_text(encoding="utf-8")))
        for p in expanded:
            if p.suffix != ".py":
                continue
            old = p.read_text(encoding="utf-8")
            new, _ = fix_source(old, _shown(p, ROOT), project_names)
            if new != old:
                p.write_text(new, encoding="utf-8")
                print(f"fixed {_shown(p, ROOT)}", file=sys.stderr)
    findings = check_paths(expanded)
    for f in findings:
        print(f)
    print(f"{len(findings)} finding(s) in {len(expanded)} file(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
