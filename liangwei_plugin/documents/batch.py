"""A batch of documents: one PDF per patch, a merged PDF and an index CSV, resumable.

Resume rules: a document is finished when its PDF exists and a sidecar record under
``.liangwei/`` matches the file's size and SHA-256 and the inputs it was made from.  PDFs are
written as ``*.pdf.part`` and renamed when complete, so an interrupted run never leaves a file
that looks finished; stale ``.part`` files are removed on the next run.  Numbers come from
``numbering.NumberRegistry`` (one registry per bureau, not per folder), so a patch keeps its number
across runs and batches.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import subprocess  # nosec B404  # only the fixed Python version probe below: argument list, no shell
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..csv_out import write_csv
from ..feedback import Feedback, check_canceled, ensure_feedback
from ..log import logger
from .merge import merge_pdfs  # noqa: F401 - also part of this module's API
from .model import Centroid, DocumentInput
from .numbering import REGISTRY_NAME, NumberRegistry, legacy_registries, registry_location  # noqa: F401
from .values import text_value

REPORT = "report"
NOTICE = "notice"
REFERRAL = "referral"   # 移送函: written with the notices, into REFERRALS_DIR, for cases of other departments
HEARING = "hearing"     # 听证告知书: before the notice of a 限期拆除 case, into HEARINGS_DIR
PENDING = "pending"     # index rows of violations without a known party (待查明清单, no document)
STOP = "stop"           # 责令停止违法行为通知书: at once for a case under construction, into STOP_DIR
KINDS = {REPORT: "规划认定意见书", NOTICE: "责令限期整改通知书", REFERRAL: "案件线索移送函",
         HEARING: "行政处罚听证告知书", STOP: "责令停止违法行为通知书"}
REFERRALS_DIR = "referrals"
HEARINGS_DIR = "hearings"
STOP_DIR = "stop_orders"
INDEX_COLUMNS = ["patch_id", "document", "number", "file", "pages"]
STATE_DIR = ".liangwei"

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(patch_id: str, max_len: int = 80) -> str:
    """A file name (without extension) safe on Windows and POSIX from any id.

    Characters such as ``/ \\ : * ? " < > |`` and control characters become ``_``; when the id had
    to change, a short hash of the original keeps two ids that sanitize alike apart.
    """
    text = unicodedata.normalize("NFC", str(patch_id))
    safe = _UNSAFE.sub("_", text).strip(" .")
    safe = re.sub(r"\s+", "_", safe)
    if not safe or safe.split(".")[0].upper() in _RESERVED:
        safe = f"_{safe}"
    if len(safe.encode("utf-8")) > max_len:
        safe = safe.encode("utf-8")[:max_len].decode("utf-8", "ignore")
    if safe != text:
        # a file-name suffix that keeps distinct ids apart, not a security hash
        safe = f"{safe}_{hashlib.sha1(text.encode('utf-8'), usedforsecurity=False).hexdigest()[:8]}"
    return safe


@dataclass
class PatchRecord:
    """One determination record: attributes (field -> value) and geometry with its CRS (QGIS objects)."""

    patch_id: str
    attrs: dict[str, Any]
    geometry: Any = None     # QgsGeometry
    crs: Any = None          # QgsCoordinateReferenceSystem


def number_key(record: PatchRecord) -> str:
    """The key under which a patch's document number is kept in the bureau's registry (文书编号登记).

    A delivered id (监测编号) is the key: the same patch exported again keeps its number.  An id the overlay
    generated for a duplicate or empty one (``X#2``, ``#17``) only says where the row stood in its batch, and
    the next batch generates the same string for another patch: its key adds a hash of the geometry, so a
    different patch never inherits a number."""
    pid = record.patch_id
    if "#" not in pid:
        return pid
    wkb = b""
    if record.geometry is not None and not record.geometry.isEmpty():
        wkb = bytes(record.geometry.asWkb())
    return f"{pid}@{hashlib.sha1(wkb, usedforsecurity=False).hexdigest()[:16]}"


@dataclass
class IndexRow:
    patch_id: str
    document: str
    number: str
    file: str
    pages: int


@dataclass
class ExportResult:
    folder: Path
    rows: list[IndexRow] = field(default_factory=list)
    merged: Path | None = None
    index: Path | None = None
    written: int = 0
    kept: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)   # seconds: plan, build, merge


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json_default(value):
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return text_value(value)


def fingerprint(kind: str, record: PatchRecord, detail: list[dict], number: str, extra: Any) -> str:
    """What a finished document was made from (not its issue date: a resume on another day keeps it)."""
    payload = {
        "kind": kind, "number": number,
        "attrs": {k: v for k, v in sorted(record.attrs.items())},
        "geometry": (record.geometry.asWkt(3)
                     if record.geometry is not None and hasattr(record.geometry, "asWkt") else ""),
        "detail": detail, "extra": extra,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=_json_default, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def _evidence_of(evidence: dict, patch_id: str):
    """The patch's on-site check; a patch the register has none for gets a "missing" one (stated in the report)."""
    from .model import FieldEvidence

    return evidence.get(patch_id) or FieldEvidence(missing=True)


def _atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write to ``*.part`` and rename.  No fsync: a sidecar lost or truncated by a power cut fails
    its JSON or SHA-256 check on the next run and the document is simply made again."""
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding=encoding, newline="") as f:
        f.write(text)
    os.replace(part, path)


def build_pdf(kind: str, doc: DocumentInput, config: dict, path: str) -> int:
    """Build one document PDF at ``path``; returns its page count.  Pure reportlab (runs in workers)."""
    if kind == REPORT:
        from .report import build_report

        return build_report(doc, config, path)
    if kind == REFERRAL:
        from .referral import build_referral

        return build_referral(doc, config, path)
    if kind == HEARING:
        from .hearing import build_hearing

        return build_hearing(doc, config, path)
    if kind == STOP:
        from .stop import build_stop_order

        return build_stop_order(doc, config, path)
    from .notice import build_notice

    return build_notice(doc, config, path)


def build_document(kind: str, doc: DocumentInput, config: dict, path: str) -> tuple[int, int, str]:
    """``build_pdf`` plus the file's size and SHA-256 for its sidecar (computed where it was built,
    so a worker process, not the main one, reads the file back)."""
    pages = build_pdf(kind, doc, config, path)
    return pages, os.path.getsize(path), _sha256(Path(path))


def centroid_of(record: PatchRecord) -> Centroid | None:
    """Centroid in the record's CRS, plus longitude/latitude (CGCS2000) for projected CRSs."""
    g = record.geometry
    if g is None or g.isEmpty():
        return None
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject

    c = g.centroid()
    if c is None or c.isEmpty():
        c = g.pointOnSurface()
    pt = c.asPoint()
    crs = record.crs
    label = crs.authid() if crs is not None and crs.isValid() else ""
    if crs is not None and crs.isValid() and crs.isGeographic():
        return Centroid(pt.x(), pt.y(), label, pt.x(), pt.y(), geographic=True)
    lon = lat = None
    if crs is not None and crs.isValid():
        try:
            tr = QgsCoordinateTransform(crs, QgsCoordinateReferenceSystem("EPSG:4490"), QgsProject.instance())
            ll = tr.transform(QgsPointXY(pt))
            lon, lat = ll.x(), ll.y()
        except Exception as exc:  # noqa: BLE001 - coordinates stay projected only
            logger.warning("图斑 %s 中心点无法转换为经纬度：%s", record.patch_id, exc)
    return Centroid(pt.x(), pt.y(), label, lon, lat)


class _InProcess:
    """Executor stand-in that runs the build at once (no worker processes)."""

    def submit(self, fn, *args) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True) -> None:
        pass


def _embedded_python() -> bool:
    """True inside QGIS desktop / qgis_process: sys.executable is not the program that is running."""
    import sys

    exe = Path(sys.executable or "")
    if not exe.name.lower().startswith("python"):
        return True
    try:
        import psutil

        running = Path(psutil.Process().exe())
    except Exception:  # noqa: BLE001 - no psutil: trust sys.executable
        return False
    try:
        return running.resolve() != exe.resolve()
    except OSError:
        return True


ENV_WORKER_PYTHON = "LIANGWEI_WORKER_PYTHON"
_worker_python_cache: dict[str, str | None] = {}


def _python_candidates() -> list[str]:
    """Interpreters that may match the embedded one: configured, beside sys.exec_prefix, on PATH."""
    import sys

    ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
    prefix = Path(sys.exec_prefix or sys.prefix or "")
    out = [os.environ.get(ENV_WORKER_PYTHON, "")]
    if os.name == "nt":  # OSGeo4W / standalone QGIS: apps\Python3x\python.exe
        out += [str(prefix / "python.exe"), str(prefix / "pythonw.exe"), shutil.which("python") or ""]
    else:
        out += [str(prefix / "bin" / f"python{ver}"), str(prefix / "bin" / "python3"),
                shutil.which(f"python{ver}") or "", shutil.which("python3") or ""]
    seen, unique = set(), []
    for c in out:
        if c and c not in seen and Path(c).is_file():
            seen.add(c)
            unique.append(c)
    return unique


def worker_python() -> str | None:
    """The Python interpreter worker processes run, or None when none is usable (build in-process).

    A plain interpreter (scripts, tests, the benchmark) re-spawns itself.  Inside QGIS desktop or
    qgis_process, ``sys.executable`` is the QGIS program, which multiprocessing must not start; a
    ``python3.X`` of the same version (the one QGIS embeds, beside ``sys.exec_prefix``, or
    $LIANGWEI_WORKER_PYTHON) is used instead.  The workers get the parent's ``sys.path``, so they
    import the plugin and reportlab from where QGIS found them.
    """
    import sys

    key = sys.executable or ""
    if key in _worker_python_cache:
        return _worker_python_cache[key]
    found: str | None = None
    if not _embedded_python():
        found = sys.executable
    else:
        want = f"{sys.version_info[0]}.{sys.version_info[1]}"
        for candidate in _python_candidates():
            try:
                # candidate: a python3.X found beside QGIS or on PATH; fixed arguments, no shell
                probe = [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
                res = subprocess.run(probe, capture_output=True, text=True, timeout=20)  # nosec B603
            except (OSError, subprocess.SubprocessError):
                continue
            if res.returncode == 0 and res.stdout.strip() == want:
                found = candidate
                break
        if found is None:
            logger.info("未找到与 QGIS 内置 Python %s 同版本的解释器，PDF 在本进程中生成", want)
    _worker_python_cache[key] = found
    return found


def _parent_alive(parent_pid: int) -> bool:
    """Whether the process ``parent_pid`` that started this worker still runs (POSIX: a dead parent's
    children are handed to another process; Windows keeps the number, so the process is asked)."""
    if os.name != "nt":
        return os.getppid() == parent_pid
    import ctypes  # Windows only

    synchronize, wait_timeout = 0x00100000, 0x00000102
    kernel32 = ctypes.windll.kernel32
    handle = kernel32.OpenProcess(synchronize, False, parent_pid)
    if not handle:
        return False
    try:
        return kernel32.WaitForSingleObject(handle, 0) == wait_timeout
    finally:
        kernel32.CloseHandle(handle)


def watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    """In a worker: a daemon thread that ends the process as soon as its parent is gone (a QGIS or
    qgis_process killed mid-run), so no worker lives on orphaned (parent PID 1) for ever."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(interval)
            if not _parent_alive(parent_pid):
                os._exit(3)  # nothing to save: the parent that would use the PDF is gone (its .part is discarded)

    threading.Thread(target=watch, name="liangwei-parent-watch", daemon=True).start()


def _warm_worker(font_path: str | None, subfont_index: int, parent_pid: int | None = None) -> None:
    """Worker start-up: watch the parent, import the document builders and register the CJK font once,
    not per PDF."""
    if parent_pid:
        watch_parent(parent_pid)
    from . import hearing, notice, referral, report, stop  # noqa: F401
    from .fonts import register_cjk_font

    register_cjk_font(font_path, subfont_index)


def _process_pool(workers: int, config: dict | None = None):
    """Worker processes for reportlab (GIL-bound) while the main process renders maps with QGIS.

    None when no interpreter can be started (see ``worker_python``): PDFs are then built in-process.
    """
    import multiprocessing as mp
    import sys
    from concurrent.futures import ProcessPoolExecutor

    python = worker_python()
    if python is None:
        return None
    ctx = mp.get_context("spawn")
    if python != sys.executable:
        # process-wide setting of multiprocessing; inside QGIS its default (the QGIS binary) is unusable anyway
        ctx.set_executable(python)
    font = (config or {}).get("font", {})
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker,
                               initargs=(font.get("path") or None, int(font.get("subfont_index", 0)), os.getpid()))


def export_batch(
    kind: str,
    records: Sequence[PatchRecord],
    folder: str | Path,
    *,
    config: dict,
    details: dict[str, list[dict]] | None = None,
    renderer=None,
    registry_path: str | Path | None = None,
    issue_date: _dt.date | None = None,
    landuse_layer: str = "",
    merged_name: str | None = None,
    merged_path: str | Path | None = None,
    workers: int = 0,
    feedback: Feedback | None = None,
    progress: Callable[[float], None] | None = None,
    evidence: dict | None = None,
) -> ExportResult:
    """Write the documents of ``kind`` (report | notice) for ``records`` into ``folder``.

    Notices are written for violations only.  ``renderer`` (maps.MapExcerptRenderer) adds map
    excerpts; ``workers`` > 0 builds PDFs in that many worker processes.  ``evidence``: patch id ->
    model.FieldEvidence (the on-site check from the register; fieldwork.documents.field_evidence).
    """
    if kind not in KINDS:
        raise ValueError(f"未知文书类型：{kind}")
    t_start = time.perf_counter()
    fb = ensure_feedback(feedback)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / STATE_DIR
    state.mkdir(exist_ok=True)
    for stale in list(folder.glob("*.part")) + list(state.glob("*.part")):
        stale.unlink()  # left by an interrupted run: never complete
    issue_date = issue_date or _dt.date.today()
    details = details or {}
    title = KINDS[kind]
    result = ExportResult(folder)

    referred: list[PatchRecord] = []
    no_party: list[PatchRecord] = []
    # a patch without measurable area was not determined (determination.UNDETERMINED): no document rests
    # on it — neither an opinion nor an order; it is named so that it is checked and overlaid again
    undetermined = [r for r in records if text_value(r.attrs.get("determination_code")) == "undetermined"]
    if undetermined:
        ids = [r.patch_id for r in undetermined]
        fb.warning(f"{len(ids)} 个图斑未作认定（没有可量测的面积），不出具{title}：" + "、".join(ids[:20])
                   + ("…" if len(ids) > 20 else ""))
        records = [r for r in records if text_value(r.attrs.get("determination_code")) != "undetermined"]
    if kind == NOTICE:
        # only the competent authority orders; another department's case is referred (移送函), a case
        # without a known party is investigated first (待查明清单) and takes no number
        from .referral import split_violations

        split = split_violations(records, config)
        selected, referred, no_party = split[NOTICE], split[REFERRAL], split[PENDING]
        skipped = len(records) - len(selected) - len(referred) - len(no_party)
        if skipped:
            fb.info(f"{skipped} 个图斑不属于违法用地违法建设，不出具{title}")
    else:
        selected = list(records)

    # numbers (same patch -> same number on every run)
    seen: dict[str, int] = {}
    for r in selected:
        seen[r.patch_id] = seen.get(r.patch_id, 0) + 1
    dupes = [k for k, n in seen.items() if n > 1]
    if dupes:
        raise ValueError(f"图斑编号重复，无法一一出具{title}：{', '.join(dupes[:10])}")
    # one registry per bureau (never the output folder); a per-folder registry of an older version is
    # imported once and its numbers stay valid in this folder
    reg_path = Path(registry_path) if registry_path else \
        registry_location(configured=config.get("numbering", {}).get("registry"))[0]
    hearings = stops = None
    if kind == NOTICE:
        # under construction: the 责令停止违法行为通知书 goes out at once, numbered before the notice
        building = [r for r in selected if DocumentInput(r.patch_id, r.attrs).under_construction(config)]
        if building:
            stops = export_batch(STOP, building, folder / config.get("stop_order", {}).get("folder", STOP_DIR),
                                 config=config, details=details, registry_path=reg_path, issue_date=issue_date,
                                 landuse_layer=landuse_layer, workers=workers, feedback=fb, evidence=evidence)
            ordered = {row.patch_id: row.number for row in stops.rows}
            selected = [PatchRecord(r.patch_id, {**r.attrs, "stop_number": ordered[r.patch_id]}, r.geometry, r.crs)
                        if r.patch_id in ordered else r for r in selected]
            fb.info(f"{len(building)} 个在建图斑先行出具责令停止违法行为通知书（{stops.folder}）")
    if kind == NOTICE:
        # 限期拆除: the 听证告知书 is numbered and written first; the notice refers to its number
        from .notice import needs_hearing

        heard = [r for r in selected if needs_hearing(DocumentInput(r.patch_id, r.attrs))]
        if heard:
            hearings = export_batch(HEARING, heard, folder / config.get("hearing", {}).get("folder", HEARINGS_DIR),
                                    config=config, details=details, registry_path=reg_path, issue_date=issue_date,
                                    landuse_layer=landuse_layer, workers=workers, feedback=fb,
                                    evidence=evidence)
            told = {row.patch_id: row.number for row in hearings.rows}
            selected = [PatchRecord(r.patch_id, {**r.attrs, "hearing_number": told[r.patch_id]}, r.geometry, r.crs)
                        if r.patch_id in told else r for r in selected]
    patterns = {k: v.get("pattern", "") for k, v in config.get("numbering", {}).items() if isinstance(v, dict)}
    with NumberRegistry(reg_path, patterns, {"short": config["authority"].get("short", "")},
                        authority=config["authority"].get("name", "")) as reg:
        origins = []
        for legacy in legacy_registries(folder):
            if legacy.resolve() != reg_path.resolve():
                origin, conflicts = reg.import_legacy(legacy)
                origins.append(origin)
                if conflicts:
                    fb.info(f"{legacy}：{conflicts} 个文书编号与编号登记库中已发出的编号重复，仅在本文件夹中沿用")
        keys = {r.patch_id: number_key(r) for r in selected}
        by_key = reg.numbers(kind, list(keys.values()), issue_date.year, origins=origins)
        numbers = {pid: by_key[key] for pid, key in keys.items()}
    fb.info(f"文书编号登记库：{reg_path}")

    extra = {"config": json.dumps(config, sort_keys=True, ensure_ascii=False, default=str),
             "imagery": [e.source for e in getattr(renderer, "epochs", [])] if renderer else [],
             "context": [lyr.source() for lyr in getattr(renderer, "context", [])] if renderer else []}

    # which documents are finished already
    todo: list[tuple[PatchRecord, str, str, str]] = []   # record, file name, fingerprint, number
    planned: list[tuple[PatchRecord, str]] = []
    used_names: set[str] = set()
    for r in selected:
        name = safe_filename(r.patch_id)
        if name.lower() in used_names:  # two ids differing only in case on a case-insensitive disk
            name = f"{name}_{hashlib.sha1(r.patch_id.encode('utf-8'), usedforsecurity=False).hexdigest()[:8]}"
        used_names.add(name.lower())
        fname = f"{name}.pdf"
        fp = fingerprint(kind, r, details.get(r.patch_id, []), numbers[r.patch_id],
                         extra if evidence is None else [extra, _evidence_of(evidence, r.patch_id)])
        planned.append((r, fname))
        side = state / f"{fname}.json"
        pdf = folder / fname
        done = False
        if pdf.is_file() and side.is_file():
            try:
                meta = json.loads(side.read_text(encoding="utf-8"))
                done = (meta.get("fingerprint") == fp and meta.get("size") == pdf.stat().st_size
                        and meta.get("sha256") == _sha256(pdf))
            except (OSError, ValueError):
                done = False
        if done:
            result.kept += 1
        else:
            todo.append((r, fname, fp, numbers[r.patch_id]))
    if result.kept:
        fb.info(f"{title}：{result.kept} 份已完成，保留；{len(todo)} 份待生成")

    t_build = time.perf_counter()
    result.timings["plan"] = t_build - t_start
    pool = _process_pool(workers, config) if (workers > 0 and todo) else None
    executor = pool or _InProcess()
    if todo:
        fb.info(f"{title}：{workers} 个工作进程生成 PDF（{worker_python()}）" if pool
                else f"{title}：在本进程中生成 PDF")
    pending: list[tuple[Future, PatchRecord, str, str, str]] = []
    total = max(1, len(todo))

    def finish(item) -> None:
        nonlocal executor
        fut, r, fname, fp, number, doc = item
        part = folder / f"{fname}.part"
        try:
            try:
                pages, size, sha = fut.result()
            except BrokenProcessPool:
                # a worker died (e.g. no usable interpreter): build the rest here
                if not isinstance(executor, _InProcess):
                    fb.warning("PDF 工作进程异常退出，改为在本进程中生成")
                    executor.shutdown(wait=False)
                    executor = _InProcess()
                pages, size, sha = build_document(kind, doc, config, str(part))
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop the batch
            logger.exception("%s %s 生成失败", title, r.patch_id)
            fb.warning(f"图斑 {r.patch_id} 的{title}生成失败：{exc}")
            result.failed.append((r.patch_id, str(exc)))
            if part.exists():
                part.unlink()
            return
        pdf = folder / fname
        os.replace(part, pdf)
        meta = {"patch_id": r.patch_id, "document": kind, "number": number, "pages": pages,
                "size": size, "sha256": sha, "fingerprint": fp,
                "issued": issue_date.isoformat()}
        _atomic_write_text(state / f"{fname}.json", json.dumps(meta, ensure_ascii=False, indent=1))
        result.written += 1

    def inputs(r: PatchRecord, number: str) -> DocumentInput:
        return DocumentInput(r.patch_id, r.attrs, details.get(r.patch_id, []), None, centroid_of(r), number,
                             issue_date, landuse_layer,
                             None if evidence is None else _evidence_of(evidence, r.patch_id))

    try:
        # Maps of the next patch render in QGIS's threads while this one's PDF is built.
        want_maps = renderer is not None and kind in (REPORT, REFERRAL)
        nxt = _safe_start(renderer, todo[0][0], fb) if (want_maps and todo) else None
        for i, (r, fname, fp, number) in enumerate(todo):
            check_canceled(fb)
            maps_pending = nxt
            if want_maps and i + 1 < len(todo):
                r2 = todo[i + 1][0]
                nxt = _safe_start(renderer, r2, fb)
            doc = inputs(r, number)
            if maps_pending is not None:
                doc.maps = maps_pending.result()
            fut = executor.submit(build_document, kind, doc, config, str(folder / f"{fname}.part"))
            pending.append((fut, r, fname, fp, number, doc))
            while pending and (pending[0][0].done() or len(pending) > 2 * max(1, workers)):
                finish(pending.pop(0))
            if progress:
                progress(100.0 * (i + 1) / total)
            else:
                fb.set_progress(95.0 * (i + 1) / total)
        while pending:
            finish(pending.pop(0))
    finally:
        for item in pending:
            item[0].cancel()
        executor.shutdown(wait=True)

    t_merge = time.perf_counter()
    result.timings["build"] = t_merge - t_build
    # index (all documents of the batch, kept or new) and merged PDF, in input order
    files = []
    for r, fname in planned:
        side = state / f"{fname}.json"
        if not (folder / fname).is_file() or not side.is_file():
            continue
        meta = json.loads(side.read_text(encoding="utf-8"))
        result.rows.append(IndexRow(r.patch_id, kind, meta.get("number", ""), fname, int(meta.get("pages", 0))))
        files.append(folder / fname)
    for before in (hearings, stops):   # index order: 停止通知书, 听证告知书, then the notice
        if before is not None:
            prefix = before.folder.relative_to(folder).as_posix()
            result.rows = [IndexRow(r.patch_id, r.document, r.number, f"{prefix}/{r.file}", r.pages)
                           for r in before.rows] + result.rows
            result.failed += before.failed
    if referred:
        sub = export_batch(REFERRAL, referred, folder / config.get("referral", {}).get("folder", REFERRALS_DIR),
                           config=config, details=details, renderer=renderer, registry_path=reg_path,
                           issue_date=issue_date, landuse_layer=landuse_layer, workers=workers, feedback=fb)
        prefix = sub.folder.relative_to(folder).as_posix()
        result.rows += [IndexRow(r.patch_id, r.document, r.number, f"{prefix}/{r.file}", r.pages) for r in sub.rows]
        result.failed += sub.failed
        fb.info(f"{len(referred)} 个图斑属于其他部门职责，出具移送函（{sub.folder}），不出具{title}")
    if no_party:
        from .referral import pending_note, write_pending_list, write_pending_pdf

        listed = write_pending_list(no_party, folder, config)
        try:
            write_pending_pdf(no_party, folder, config, issue_date)   # to print for the investigators
        except Exception as exc:  # noqa: BLE001 - the CSV is the list; a PDF that fails is reported
            logger.exception("待查明清单 PDF 生成失败")
            fb.warning(f"待查明清单 PDF 生成失败：{exc}")
        result.rows += [IndexRow(r.patch_id, PENDING, "", listed.name, 0) for r in no_party]
        fb.warning(f"{pending_note(config, len(no_party))}（{listed}）：{'、'.join(r.patch_id for r in no_party[:20])}"
                   + ("…" if len(no_party) > 20 else ""))
    index = folder / "index.csv"
    # UTF-8 with BOM, patch numbers kept as text for Excel, written atomically
    write_csv(index, INDEX_COLUMNS, ([row.patch_id, row.document, row.number, row.file, row.pages]
                                     for row in result.rows))
    result.index = index
    if files:
        merged = Path(merged_path) if merged_path else folder / (merged_name or f"{title}_合并.pdf")
        merged.parent.mkdir(parents=True, exist_ok=True)
        stamp = state / "merged.json"
        key = hashlib.sha256(json.dumps([[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files])
                             .encode("utf-8")).hexdigest()
        up_to_date = (merged.is_file() and stamp.is_file()
                      and json.loads(stamp.read_text("utf-8")).get(str(merged)) == key)
        if not up_to_date:
            fb.info(f"合并 {len(files)} 份{title} -> {merged}")
            merge_pdfs(files, merged)
            stamps = json.loads(stamp.read_text("utf-8")) if stamp.is_file() else {}
            stamps[str(merged)] = key
            _atomic_write_text(stamp, json.dumps(stamps, ensure_ascii=False))
        result.merged = merged
    result.timings["merge"] = time.perf_counter() - t_merge
    fb.info(f"{title}：新生成 {result.written} 份，保留 {result.kept} 份，失败 {len(result.failed)} 份；目录 {folder}")
    return result


def _safe_start(renderer, r: PatchRecord, fb: Feedback):
    try:
        probe = DocumentInput(r.patch_id, r.attrs)
        return renderer.start(r.geometry, r.crs, probe.attr("QSX") or None, probe.attr("HSX") or None)
    except Exception as exc:  # noqa: BLE001 - the document is still issued, without maps
        fb.warning(f"图斑 {r.patch_id} 的地图渲染失败：{exc}")
        return None


