"""Documents in a case's history: referral letters (移送函) issued and documents served (送达).

Both are history rows of the case (``case_history``, append-only) written with a version bump like every
other change, so ``count(history) = version`` still holds; the only columns of ``cases`` they change are the
deadlines a served 责令限期整改通知书 sets (below), recorded in the same history row.

- ``record_referral``: a 移送函 went to another department (action ``referral_letter``: 移送部门, 移送函文号,
  移送日期).  ``liangwei:exportnotices`` records one for every letter it issues when given the register.
- ``record_service``: a document (责令停止违法行为通知书, 听证告知书, 责令限期整改通知书 …) was served on a date
  (action ``service``: 送达文书, 文书编号, 送达日期, 送达方式, and the 期限 the period of the document gives from
  that date: "自送达之日起15日内" -> 15 days after service).  ``liangwei:recordservice`` is its algorithm.
- ``served_documents`` / ``service_date`` read them back; ``service_attrs`` gives a document batch the
  recorded service of each document (a reprint prints "自送达之日起15日内（即…前）" and the date served),
  ``notice_services`` the ledger its 送达日期 / 整改期限 columns in one query.

Deadlines run from service: when the 责令限期整改通知书 is served, its 期限届满日 becomes the case's 整治期限
(``rectify_due``) and, while the case is in 拆除整治, its stage deadline (``stage_due``), so that
liangwei:flagoverdue and the referral rules count from the service date, not from the day the stage was
entered (``rectify_from_service``; the register applies it again when the case enters 拆除整治 later).
"""
from __future__ import annotations

import datetime as dt
import json

from .storage import HISTORY, Register
from .workflow import WorkflowError, parse_date

REFERRAL_LETTER = "referral_letter"
SERVICE = "service"
# history ``changes`` keys (shown as they are in the dock's history table)
K_DEPARTMENT, K_LETTER, K_REFERRED = "移送部门", "移送函文号", "移送日期"
K_DOCUMENT, K_NUMBER, K_SERVED, K_METHOD, K_DUE = "送达文书", "文书编号", "送达日期", "送达方式", "期限届满日"
# the served documents by title, and the document kind (series) of the document batches
NOTICE_TITLE = "责令限期整改通知书"
SERVED_KINDS = {NOTICE_TITLE: "notice", "责令停止违法行为通知书": "stop", "行政处罚听证告知书": "hearing"}
RECTIFY_STAGE = "拆除整治"    # the stage whose deadline (rectify_due) the served notice's period sets


def rectify_from_service(case: dict, due: str | None, stage: str | None = None) -> dict:
    """The case columns a served notice's 期限届满日 ``due`` (ISO) sets: ``rectify_due``, and ``stage_due``
    while the case is (or, ``stage`` given, enters) 拆除整治 and is open; {} when nothing changes."""
    if not due:
        return {}
    out = {}
    if str(case.get("rectify_due") or "")[:10] != due:
        out["rectify_due"] = due
    if (stage or case.get("stage")) == RECTIFY_STAGE and case.get("is_open", 1) and \
            str(case.get("stage_due") or "")[:10] != due:
        out["stage_due"] = due
    return out


def _append(reg: Register, ref, action: str, day: dt.date, actor: str, note: str, entries: dict,
            columns=None) -> dict:
    with reg.transaction() as cur:
        case = reg._lock_case(cur, ref)
        changes = columns(case) if columns else {}
        version = reg._update(cur, case, changes, actor, case["version"])
        diff = {k: [None, v] for k, v in entries.items() if v not in (None, "")}
        diff.update({k: [case.get(k), v] for k, v in changes.items()})
        reg._history(cur, case, version, action, case["stage"], case["stage"], day, actor, note, diff)
    return reg.get_case(case["fid"])


def record_referral(reg: Register, ref, department: str, letter_number: str, date=None, actor: str = "",
                    note: str = "") -> dict:
    """Record that a 移送函 (``letter_number``) referred case ``ref`` to ``department`` on ``date``.
    Recording the same letter again adds nothing."""
    if not (department or "").strip():
        raise WorkflowError("记录移送须注明移送部门")
    day = parse_date(date) or dt.date.today()
    for row in reg.history(ref):
        if row["action"] == REFERRAL_LETTER and (row["changes"].get(K_LETTER) or [None, None])[1] == letter_number:
            return reg.get_case(ref)
    return _append(reg, ref, REFERRAL_LETTER, day, actor or "系统", note or f"移送{department}处理",
                   {K_DEPARTMENT: department.strip(), K_LETTER: letter_number, K_REFERRED: day.isoformat()})


def record_service(reg: Register, ref, document: str, number: str, served, *, days: int | None = None,
                   method: str = "", actor: str = "", note: str = "") -> dict:
    """Record that ``document`` (its title) numbered ``number`` was served on ``served``; ``days``: the
    period the document gives from service (its 期限届满日 = served + days is recorded with it)."""
    if not (actor or "").strip():   # who served it: the 送达回证 names the 送达人 too
        raise WorkflowError("送达记录须填写送达人（经办人）")
    if not (document or "").strip():
        raise WorkflowError("送达记录须注明送达的文书")
    day = parse_date(served)
    if day is None:
        raise WorkflowError("送达记录须填写送达日期")
    if days is not None and int(days) < 0:
        raise WorkflowError(f"期限天数不能为负数（{days}）")
    due = (day + dt.timedelta(days=int(days))).isoformat() if days is not None else None
    # the notice's period, counted from service, is the case's 整治期限 (overdue flags count from it)
    columns = (lambda case: rectify_from_service(case, due)) if document.strip() == NOTICE_TITLE else None
    return _append(reg, ref, SERVICE, day, actor, note,
                   {K_DOCUMENT: document.strip(), K_NUMBER: (number or "").strip(), K_SERVED: day.isoformat(),
                    K_METHOD: method, K_DUE: due}, columns)


def served_documents(reg: Register, ref) -> list[dict]:
    """Referral letters and services of a case, oldest first: dicts with action, document, number, date,
    department / method / due."""
    out = []
    for row in reg.history(ref):
        ch = {k: (v[1] if isinstance(v, list) and len(v) == 2 else v) for k, v in row["changes"].items()}
        if row["action"] == REFERRAL_LETTER:
            out.append({"action": REFERRAL_LETTER, "document": "移送函", "number": ch.get(K_LETTER, ""),
                        "date": ch.get(K_REFERRED, ""), "department": ch.get(K_DEPARTMENT, ""), "actor": row["actor"]})
        elif row["action"] == SERVICE:
            out.append({"action": SERVICE, "document": ch.get(K_DOCUMENT, ""), "number": ch.get(K_NUMBER, ""),
                        "date": ch.get(K_SERVED, ""), "method": ch.get(K_METHOD, ""), "due": ch.get(K_DUE, ""),
                        "actor": row["actor"]})
    return out


def service_date(reg: Register, ref, document: str | None = None, number: str | None = None) -> dt.date | None:
    """The latest recorded service date of a case's document (by title or number; any document when neither)."""
    found = None
    for d in served_documents(reg, ref):
        if d["action"] != SERVICE:
            continue
        if (document and d["document"] != document) or (number and d["number"] != number):
            continue
        found = parse_date(d["date"]) or found
    return found


def _services(rows) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for fid, changes in rows:
        ch = json.loads(changes) if isinstance(changes, str) else (changes or {})
        ch = {k: (v[1] if isinstance(v, list) and len(v) == 2 else v) for k, v in ch.items()}
        out.setdefault(int(fid), []).append({"document": ch.get(K_DOCUMENT) or "", "number": ch.get(K_NUMBER) or "",
                                             "date": ch.get(K_SERVED) or "", "method": ch.get(K_METHOD) or "",
                                             "due": ch.get(K_DUE) or ""})
    return out


def all_services(reg: Register, cur=None) -> dict[int, list[dict]]:
    """{case fid: [service, …] oldest first} of the whole register, in one query (the ledger's columns)."""
    own = cur is None
    cur = cur or reg.conn.cursor()
    try:
        reg.x(cur, f'SELECT case_fid, changes FROM "{HISTORY}" WHERE action = ? ORDER BY fid',  # nosec B608
              (SERVICE,))
        return _services(cur.fetchall())
    finally:
        if own:
            cur.close()


def notice_services(reg: Register) -> dict[int, dict]:
    """{case fid: the latest service of its 责令限期整改通知书} ({date, due, number, method, document})."""
    out = {}
    for fid, rows in all_services(reg).items():
        served = [r for r in rows if r["document"] == NOTICE_TITLE and r["date"]]
        if served:
            out[fid] = served[-1]
    return out


def served_notice_due(reg: Register, cur, case: dict) -> str | None:
    """The 期限届满日 of the latest recorded service of the case's 责令限期整改通知书 (None: not served)."""
    reg.x(cur, f'SELECT case_fid, changes FROM "{HISTORY}" WHERE case_fid = ? AND action = ? ORDER BY fid',  # nosec B608
          (case["fid"], SERVICE))
    served = [r for r in _services(cur.fetchall()).get(int(case["fid"]), [])
              if r["document"] == NOTICE_TITLE and r["due"]]
    return served[-1]["due"] if served else None


def service_attrs(reg: Register, patch_ids, titles: dict | None = None) -> dict[str, dict]:
    """{patch id: attributes of its recorded services} for a document batch: ``served_<kind>`` (ISO date),
    ``served_<kind>_number``, ``served_<kind>_method`` of the latest service of each document kind (notice,
    stop, hearing; ``titles``: more title → kind, e.g. a bureau's own titles).  Patches the register has no
    case or no service for are left out."""
    kinds = {**SERVED_KINDS, **(titles or {})}
    services = all_services(reg)
    out: dict[str, dict] = {}
    for pid in patch_ids:
        try:
            case = reg.get_case(pid)
        except KeyError:
            continue
        attrs: dict = {}
        for r in services.get(int(case["fid"]), []):
            kind = kinds.get(r["document"])
            if kind and parse_date(r["date"]):
                attrs.update({f"served_{kind}": r["date"], f"served_{kind}_number": r["number"],
                              f"served_{kind}_method": r["method"]})
        if attrs:
            out[pid] = attrs
    return out
