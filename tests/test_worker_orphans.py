"""Document workers die with their parent: a document run (qgis_process liangwei:exportreports with PDF
worker processes) killed with SIGKILL leaves no worker behind (issue: they lived on with parent PID 1)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import doc_data

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc/*/stat)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_parent_alive_check_in_process():
    from liangwei.liangwei_plugin.documents.batch import _parent_alive

    assert _parent_alive(os.getppid())
    assert not _parent_alive(os.getpid())  # not this process's parent


def test_killed_document_run_leaves_no_worker(tmp_path):
    boxes = doc_data.patch_boxes(400, size_px=400)
    recs, detail = doc_data.records(boxes)
    paths = doc_data.write_vectors(tmp_path / "vec", recs, detail, size_px=400)
    env = dict(os.environ, LIANGWEI_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen(
        [str(ROOT / "bin" / "qgis-process"), "run", "liangwei:exportreports", "--",
         f"INPUT={paths['determination']}", f"OUTPUT_FOLDER={tmp_path / 'out'}", "WORKERS=2",
         "ISSUE_DATE=2026-07-01", f"NUMBER_REGISTRY={tmp_path / 'numbers.sqlite'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            workers = [c for c in _children(proc.pid) if _alive(c)]
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2, "the run started no worker processes"
        time.sleep(2.0)  # let the workers take documents (idle ones still starting exit on their own)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        left = [w for w in workers if _alive(w)]
        assert not left, f"workers still running after their parent was killed: {left}"
    finally:  # (a failed test leaves nothing running either)
        if proc.poll() is None:
            workers += _children(proc.pid)
            proc.kill()
            proc.wait(timeout=10)
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
