"""责令限期整改通知书 (rectification notice) of one violation, with its counterfoil (存根) page."""
from __future__ import annotations

import datetime as _dt
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, TableStyle

from .model import DocumentInput
from .parts import PT, Letter, NewSheet, P, SignatureBlock, grid_table, masthead
from .values import MISSING, Optional, date_cn, fill, parse_date, text_value

DEMOLITION = "限期拆除"


def _lookup(table: dict, consequence: str, code: str):
    for key in (consequence, code, "default"):
        if key and key in table and not isinstance(table[key], dict):
            return table[key]
    return None


def deadline_days(doc: DocumentInput, config: dict) -> int:
    """Days allowed for rectification: by consequence, then determination code, then default."""
    table = config.get("deadlines", {})
    days = _lookup(table, text_value(doc.attrs.get("consequence")), text_value(doc.attrs.get("determination_code")))
    return int(days if days is not None else 30)


SERVICE_DATE_FIELDS = ("SDRQ", "送达日期", "service_date")


def check_deadlines(config: dict) -> None:
    """The party reports after the hearing window has closed: report_within_days > hearing_request_days."""
    dl = config.get("deadlines", {})
    report, hearing = int(dl.get("report_within_days", 7)), int(dl.get("hearing_request_days", 5))
    if hearing < 1 or report <= hearing:
        raise ValueError(f"文书配置 [deadlines]：report_within_days（{report}）须大于 "
                         f"hearing_request_days（{hearing}），报告期限不得落在听证申请期限内")


#: attribute keys of a document's recorded service (送达), per document kind (notice | stop | hearing):
#: filled from the case register's history by liangwei:exportnotices when REGISTER is given
SERVED_DATE, SERVED_NUMBER, SERVED_METHOD = "served_{kind}", "served_{kind}_number", "served_{kind}_method"


def service_date(doc: DocumentInput, config: dict | None = None, kind: str = "notice") -> _dt.date | None:
    """The date this document (``kind``: notice | stop | hearing) was served (送达日期): the service recorded
    in the case register for it (``served_<kind>``; ignored when recorded under another number), else a
    service-date field of the record (e.g. SDRQ)."""
    recorded = parse_date(doc.attrs.get(SERVED_DATE.format(kind=kind)))
    if recorded:
        number = text_value(doc.attrs.get(SERVED_NUMBER.format(kind=kind)))
        if not (number and doc.number and number != doc.number):   # a voided and re-issued number: not served
            return recorded
    fields = (config or {}).get("deadlines", {}).get("service_date_fields", SERVICE_DATE_FIELDS)
    for name in fields:
        d = parse_date(doc.attrs.get(name))
        if d:
            return d
    return None


def deadline(doc: DocumentInput, config: dict, kind: str = "notice") -> _dt.date | None:
    """The rectification deadline: ``days`` from service; None while the service date is not known."""
    served = service_date(doc, config, kind)
    return served + _dt.timedelta(days=deadline_days(doc, config)) if served else None


def period_text(doc: DocumentInput, config: dict, days: int, kind: str = "notice") -> str:
    """"自送达之日起15日内" (deadlines run from service); with a known service date the date it ends is
    added: "自送达之日起15日内（即2026年12月7日前）" ([deadlines] period / period_served)."""
    dl = config.get("deadlines", {})
    values = {"days": days}
    served = service_date(doc, config, kind)
    if served:
        values.update(served_date=date_cn(served), due_date=date_cn(served + _dt.timedelta(days=days)))
        return fill(dl.get("period_served", "自送达之日起{days}日内（即{due_date}前）"), values)
    return fill(dl.get("period", "自送达之日起{days}日内"), values)


def needs_hearing(doc: DocumentInput) -> bool:
    """限期拆除 requires a hearing notice (the party may ask for a hearing within 5 days)."""
    consequence = text_value(doc.attrs.get("consequence"))
    return DEMOLITION in consequence or (
        not consequence and text_value(doc.attrs.get("determination_code")) == "uncorrectable")


def notice_values(doc: DocumentInput, config: dict, kind: str = "notice") -> dict:
    """The placeholders of the notice's templates (also of the 听证告知书 and the stop order: ``kind``
    names the document whose service date the periods run from)."""
    values = doc.common_values()
    cfg = config["notice"]
    auth = config["authority"]
    dl = config.get("deadlines", {})
    place = config.get("report_place", {})
    check_deadlines(config)
    days = deadline_days(doc, config)
    report_days = int(dl.get("report_within_days", 7))
    values.update(
        authority=auth["name"],
        party=values["party"] or cfg.get("party_unknown", "当事人"),
        days=days,
        deadline=period_text(doc, config, days, kind),
        report_days=report_days,
        report_deadline=period_text(doc, config, report_days, kind),
        report_place=place.get("name", ""),
        report_address=place.get("address", ""),
        report_phone=place.get("phone", ""),
        hearing_days=int(dl.get("hearing_request_days", 5)),
        reconsideration_days=int(dl.get("reconsideration_days", 60)),
        lawsuit_months=int(dl.get("lawsuit_months", 6)),
        reconsideration_body=auth.get("reconsideration_body", ""),
        court=auth.get("court", ""),
        action=_lookup(cfg.get("actions", {}), values["consequence"], values["determination_code"]) or "",
    )
    others = [d for d in text_value(doc.attrs.get("competent_all")).split("、") if d and d != values["competent"]]
    values["hearing_number"] = text_value(doc.attrs.get("hearing_number"))
    values["hearing_title"] = config.get("hearing", {}).get("title", "听证告知书")
    values["stop_number"] = text_value(doc.attrs.get("stop_number"))
    values["stop_title"] = config.get("stop_order", {}).get("title", "责令停止违法行为通知书")
    values["others"] = "、".join(others)
    # the recorded service (a reprint after 登记送达): its date and method, and the line that states it
    served = service_date(doc, config, kind)
    values["served_date"] = date_cn(served) if served else ""
    values["served_method"] = text_value(doc.attrs.get(SERVED_METHOD.format(kind=kind))) if served else ""
    values["due_date"] = date_cn(served + _dt.timedelta(days=days)) if served else ""
    # the hearing window (听证告知书: within hearing_days of its own service), its end date once served
    values["hearing_due_clause"] = Optional(
        fill(dl.get("due_clause", "（即{due_date}前）"),
             {"due_date": date_cn(served + _dt.timedelta(days=values["hearing_days"]))}) if served else "")
    values["served_clause"] = Optional(
        fill(dl.get("served_note", "本文书已于{served_date}送达。"), values) if served else "")
    values["also_referred"] = Optional(fill(cfg.get("also_referred", ""), values) if others else "")
    farmland = doc.num("farmland_m2")
    values["field_check_clause"] = Optional(
        fill(cfg.get("field_check_clause", ""), values) if values.get("check_conclusion") else "")
    values["farmland_clause"] = Optional(fill(cfg["farmland_clause"], values) if farmland and farmland > 0 else "")
    return values


def build_notice(doc: DocumentInput, config: dict, target: str | BinaryIO) -> int:
    """Write the notice PDF (notice pages + counterfoil page) to ``target``; returns its page count."""
    v = notice_values(doc, config)
    letter = Letter(doc, config, "notice", v, target)
    st, cfg, authority, pdf, story = letter.st, letter.cfg, letter.authority, letter.pdf, letter.story
    width = pdf.width

    story += [
        PT(cfg["facts"], v, st.body_indent),
        PT(cfg["provisions"], v, st.body_indent),
        PT(cfg["order"], v, st.body_indent),
    ]
    if v["stop_number"] and cfg.get("stop_ref"):
        # the order to stop was served at once when the construction was going on
        story.append(PT(cfg["stop_ref"], v, st.body_indent))
    if needs_hearing(doc) and v["hearing_number"]:
        # the hearing right was told in the 听证告知书 served before this order (not embedded here)
        story.append(PT(cfg["hearing_ref"], v, st.body_indent))
    story += [
        PT(cfg["report"], v, st.body_indent),
        PT(cfg["rights"], v, st.body_indent),
        P(f"监测编号：{doc.patch_id}", st.small),
        *served_line(v, st),
        KeepTogether([Spacer(1, 4 * mm), SignatureBlock(st.font, authority, v["date"],
                                                        config["authority"].get("seal_text", "（盖章）"))]),
    ]

    # 送达回证 (proof of service): deadlines run from the date written on it
    story += service_receipt(cfg["title"], doc.number, v["party"], config, st, width)

    story += counterfoil(doc, v, config.get("counterfoil", {}), authority, st, width,
                         {"整改要求": v["action"], "整改期限": f"{v['deadline']}（{v['days']}日）"})
    return letter.finish()


def served_line(values: dict, st) -> list:
    """The line stating the recorded service ([deadlines] served_note) on a reprint; nothing before service."""
    return [P(str(values["served_clause"]), st.small)] if str(values.get("served_clause") or "") else []


def counterfoil(doc: DocumentInput, v: dict, cf: dict, authority: str, st, width: float, own: dict) -> list:
    """存根 (counterfoil) kept by the bureau, on a sheet of its own (duplex printing: it is torn off and
    filed apart): the rows of ``cf["rows"]`` with the document's number, party, facts and ``own`` rows;
    the delivery rows (送达方式/送达时间) show a recorded service, else are left to fill in by hand."""
    out = [NewSheet([P("（此页无正文）", st.caption)]), *masthead(authority, cf.get("title", "存根"), doc.number, st)]
    facts = fill("{location}，占地{area_m2}平方米（合{area_mu}亩），{determination}", v)
    known = {
        "文书编号": doc.number, "当事人": v["party"], "监测编号": doc.patch_id, "违法地点": v["location"],
        "违法事实": facts, **own, "送达方式": v.get("served_method", ""), "送达时间": v.get("served_date", ""),
        "签发人": "", "承办人": "",
    }
    rows = []
    for label in cf.get("rows", list(known)):
        value = known.get(label, "")
        rows.append([P(label, st.cell_center), P(value if value != MISSING else "", st.cell)])
    t = grid_table(rows, [32 * mm, width - 32 * mm], st, header_rows=0)
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), "#f0f0f0"), ("TOPPADDING", (0, 0), (-1, -1), 6),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 7)]))
    # blanks to write the date by hand: no-break spaces (reportlab collapses U+3000 like any white space)
    nb = "\u00a0"
    return out + [t, Spacer(1, 4 * mm), P(f"存档日期：{nb * 12}年{nb * 7}月{nb * 7}日", st.sign)]


def service_receipt(title: str, number: str, party: str, config: dict, st, width: float) -> list:
    """送达回证 (proof of service) on a sheet of its own: the document's name and number and the party
    printed, every other row left blank to be filled in by hand."""
    cfg = config.get("service_receipt", {})
    authority = config["authority"]["name"]
    known = {"文书名称及文号": f"{title}\n{number}", "受送达人": party}
    rows = []
    for label in cfg.get("rows", ["文书名称及文号", "受送达人", "送达地点", "送达方式", "送达人",
                                  "受送达人签收/日期", "备注"]):
        value = known.get(label, "")
        rows.append([P(label, st.cell_center), P(value if value != MISSING else "", st.cell)])
    t = grid_table(rows, [40 * mm, width - 40 * mm], st, header_rows=0)
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), "#f0f0f0"),
                           ("TOPPADDING", (0, 0), (-1, -1), int(cfg.get("row_padding", 14))),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), int(cfg.get("row_padding", 14)))]))
    out = [NewSheet([P("（此页无正文）", st.caption)]),
           *masthead(authority, cfg.get("title", "送达回证"), "", st), t]
    if cfg.get("note"):
        out += [Spacer(1, 3 * mm), P(cfg["note"], st.small)]
    return out
