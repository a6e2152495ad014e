"""File outputs of an algorithm written aside and moved into place only when complete (see base.py).

QGIS writes a sink straight to its destination: a run that fails half-way, is cancelled or meets a full
disk (a GeoPackage whose last commit fails, a CSV cut short) used to leave a file that looks complete and
exit 0.  Here each file sink is written into a hidden folder beside the destination
(``.<name>.part-XXXX/<name>``, same disk, same file name, so the GeoPackage layer keeps its name), every
``addFeature`` is checked, and when the algorithm has returned the file is closed, opened again and its
features counted; only if every feature is there are the files moved over the destination.  Otherwise
the destination is left as it was and the message says why (disk full, how many features are missing).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from qgis.core import QgsProcessingException, QgsProcessingOutputLayerDefinition, QgsProperty

from ..liangwei_plugin.errors import UserError, check_writable_folder
from ..liangwei_plugin.i18n import tr

# data sources that are not a file of their own (QGIS's URI prefixes)
_NOT_A_FILE = ("memory:", "ogr:", "postgres:", "postgis:", "spatialite:", "mssql:", "oracle:", "hana:",
               "TEMPORARY_OUTPUT")


def destination_path(value, context=None) -> str | None:
    """The plain file path a destination parameter's value names, or None (memory layer, temporary output,
    database URI, a layer inside an existing file, an expression)."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink.staticValue()  # (None/empty for an expression-based destination)
    if isinstance(value, QgsProperty):
        value = value.staticValue()
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.startswith(_NOT_A_FILE) or "|" in text or "=" in text or "://" in text:
        return None
    return text


def _free_text(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return tr("（该磁盘剩余 {mb:.1f} MB）").format(mb=free / 1e6)


def _count_features(path: Path) -> int | None:
    """Features in the (first) layer of the closed file ``path``; None if it cannot be opened."""
    from osgeo import ogr

    ds = ogr.Open(str(path))
    if ds is None or ds.GetLayerCount() == 0:
        return None
    try:
        return sum(ds.GetLayer(i).GetFeatureCount() for i in range(ds.GetLayerCount()))
    finally:
        ds = None


def _replaced(text: str, moved: dict[str, str]) -> str:
    for old, new in moved.items():
        text = text.replace(old, new)
    return text


class GuardedSink:
    """A QgsFeatureSink that raises a Chinese QgsProcessingException when a feature is refused (disk full,
    a value the format cannot hold) and counts what it wrote."""

    def __init__(self, sink, label: str, destination: str):
        self._sink = sink
        self.label = label
        self.destination = destination
        self.count = 0

    def _refused(self, n: int):
        error = ""
        try:
            error = self._sink.lastError()
        except (AttributeError, RuntimeError):
            pass
        folder = Path(self.destination).parent if self.destination else None
        raise QgsProcessingException(tr("输出「{label}」{dest}写入第 {n} 条要素时失败（{error}）{free}；"
                                        "输出未保存，请检查磁盘空间与写入权限后重新运行。").format(
            label=self.label, dest=f" {self.destination} " if self.destination else "", n=n,
            error=error or tr("磁盘已满或该格式不能保存这些值"), free=_free_text(folder) if folder else ""))

    def addFeature(self, feature, *args):  # noqa: N802
        if not self._sink.addFeature(feature, *args):
            self._refused(self.count + 1)
        self.count += 1
        return True

    def addFeatures(self, features, *args):  # noqa: N802
        features = list(features)
        if not self._sink.addFeatures(features, *args):
            self._refused(self.count + 1)
        self.count += len(features)
        return True

    def close(self) -> None:
        """Drop the QGIS sink: its destructor flushes and closes the file."""
        self._sink = None

    def __getattr__(self, name):
        return getattr(self._sink, name)


class OutputGuard:
    """The file sinks of one run of an algorithm (made by LiangweiAlgorithm's one error path)."""

    def __init__(self, alg, context):
        self.alg = alg
        self.context = context
        self.pending: dict[str, tuple[Path, Path]] = {}  # output name -> (final path, temporary path)
        self.sinks: dict[str, GuardedSink] = {}

    def _label(self, name: str) -> str:
        definition = self.alg.parameterDefinition(name)
        return definition.description() if definition is not None else name

    def redirect(self, parameters: dict, name: str, destination: str) -> dict:
        """``parameters`` with output ``name`` pointing into a hidden folder beside its file (if a file)."""
        value = parameters.get(name)
        path = destination_path(value)
        if not path:
            return parameters
        final = Path(path)
        try:
            check_writable_folder(final)
        except UserError as exc:
            raise QgsProcessingException(tr("输出「{what}」（参数 {name}）：{msg}").format(
                what=self._label(name), name=name, msg=exc)) from None
        temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.part-", dir=final.parent)) / final.name
        if isinstance(value, QgsProcessingOutputLayerDefinition):
            new = QgsProcessingOutputLayerDefinition(value)
            new.sink = QgsProperty.fromValue(str(temp))
        else:
            new = str(temp)
        self.pending[name] = (final, temp)
        params = dict(parameters)
        params[name] = new
        return params

    def sink_error(self, name: str, destination: str, exc: Exception) -> str:
        final = self.pending.get(name, (Path(destination),))[0] if destination else None
        text = exc.args[0] if exc.args else str(exc)
        head = tr("无法创建输出「{what}」（参数 {name}）{dest}").format(
            what=self._label(name), name=name, dest=f"：{final}" if final else "")
        if final is not None:
            try:
                check_writable_folder(final)
            except UserError as err:
                return f"{head}：{err}"
        return head + tr("：文件可能被其他程序占用、扩展名不受支持或路径含无效字符（{0}）。").format(text)

    def wrap(self, name: str, sink, dest_id: str):
        if sink is None:
            return sink, dest_id
        final = self.pending.get(name, (None,))[0]
        guarded = GuardedSink(sink, self._label(name), str(final) if final else "")
        guarded.dest_id = dest_id
        self.sinks[name] = guarded
        return guarded, dest_id

    def commit(self, results, canceled: bool = False):
        """Close every sink; if the run completed, check each file and move it into place. Returns
        ``results`` with the temporary paths replaced by the destinations."""
        for sink in self.sinks.values():
            sink.close()
        if canceled or not isinstance(results, dict) or not self.pending:
            return results
        for name, (final, temp) in self.pending.items():
            wrote = self.sinks[name].count if name in self.sinks else None
            if wrote is None:
                continue  # the algorithm never opened this output (an optional one left out)
            written = Path(str(self.sinks[name].dest_id).split("|")[0])
            # the file QGIS wrote: the one it named, else the destination's name (a table without geometry
            # asked for as .shp is written as .dbf alone), else whatever the hidden folder holds
            found = None
            for candidate in (written, temp, temp.with_suffix(".dbf"), temp.parent):
                if candidate.parent == temp.parent.parent or candidate.parent == temp.parent:
                    if candidate.exists():
                        found = _count_features(candidate)
                        if found is not None:
                            break
            if found is None or found != wrote:
                raise QgsProcessingException(tr(
                    "输出「{what}」未能完整写入 {dest}：应有 {wrote} 条要素，文件中{found}{free}。多半是磁盘已满；"
                    "输出未保存（原有文件未改动），请清理磁盘或改选其他位置后重新运行。").format(
                    what=self._label(name), dest=final, wrote=wrote,
                    found=tr("无法读出") if found is None else tr("只有 {0} 条").format(found),
                    free=_free_text(final.parent)))
        moved: dict[str, str] = {}
        for name, (final, temp) in self.pending.items():
            if name not in self.sinks:
                continue
            for f in sorted(temp.parent.iterdir()):
                os.replace(f, final.parent / f.name)
            moved[str(temp)] = str(final)
        self._rekey_layers(moved)
        written = getattr(self.alg, "_written_outputs", None)
        if written:  # postProcessAlgorithm writes the fields' aliases into the files where they now are
            self.alg._written_outputs = [(_replaced(dest, moved), name) for dest, name in written]
        return {key: _replaced(value, moved) if isinstance(value, str) else value for key, value in results.items()}

    def _rekey_layers(self, moved: dict[str, str]) -> None:
        """The layers to load when the run completes are keyed by their (now moved) source."""
        if not moved:
            return
        details = self.context.layersToLoadOnCompletion()
        changed = False
        for key in list(details):
            for old, new in moved.items():
                if old in key:
                    details[key.replace(old, new)] = details.pop(key)
                    changed = True
                    break
        if changed:
            self.context.setLayersToLoadOnCompletion(details)

    def discard(self) -> None:
        """Remove the hidden folders (after a move they are empty; after a failure they hold the partial
        files)."""
        for sink in self.sinks.values():
            sink.close()
        for _final, temp in self.pending.values():
            shutil.rmtree(temp.parent, ignore_errors=True)
        self.pending.clear()
        self.sinks.clear()
