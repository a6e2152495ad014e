"""Documents in a case's history: referral letters (移送函) issued and documents served (送达).

Both are history rows of the case (``case_history``, append-only) written with a version bump like every
other change, so ``count(history) = version`` still holds; no column of ``cases`` changes.

- ``record_referral``: a 移送函 went to another department (action ``referral_letter``: 移送部门, 移送函文号,
  移送日期).  ``liangwei:exportnotices`` records one for every letter it issues when given the register.
- ``record_service``: a document (责令停止违法行为通知书, 听证告知书, 责令限期整改通知书 …) was served on a date
  (action ``service``: 送达文书, 文书编号, 送达日期, 送达方式, and the 期限 the period of the document gives from
  that date: "自送达之日起15日内" -> 15 days after service).  ``liangwei:recordservice`` is its algorithm.
- ``served_documents`` / ``service_date`` read them back.
"""
from __future__ import annotations

import datetime as dt

from .storage import Register
from .workflow import WorkflowError, parse_date

REFERRAL_LETTER = "referral_letter"
SERVICE = "service"
# history ``changes`` keys (shown as they are in the dock's history table)
K_DEPARTMENT, K_LETTER, K_REFERRED = "移送部门", "移送函文号", "移送日期"
K_DOCUMENT, K_NUMBER, K_SERVED, K_METHOD, K_DUE = "送达文书", "文书编号", "送达日期", "送达方式", "期限届满日"


def _append(reg: Register, ref, action: str, day: dt.date, actor: str, note: str, entries: dict) -> dict:
    with reg.transaction() as cur:
        case = reg._lock_case(cur, ref)
        version = reg._update(cur, case, {}, actor, case["version"])
        reg._history(cur, case, version, action, case["stage"], case["stage"], day, actor, note,
                     {k: [None, v] for k, v in entries.items() if v not in (None, "")})
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
    return _append(reg, ref, SERVICE, day, actor, note,
                   {K_DOCUMENT: document.strip(), K_NUMBER: (number or "").strip(), K_SERVED: day.isoformat(),
                    K_METHOD: method, K_DUE: due})


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
