"""Patches with determinations (``liangwei:determine`` OUTPUT) → case records for the register.

Field names follow the shared contracts (patch_id, area_m2, farmland_m2, ``永久基本农田_m2``, zldwdm,
zldwmc, violation, determination_code, determination, consequence, rule_id, department(s)) and the
patch fields resolved through ``resources/field_mapping.toml`` (JCBH, XZQDM, XZQMC, DSR, HSX).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..fieldmap import resolve_field
from .workflow import WorkflowError, check_plausible_date, parse_date

GENERATED_ID = re.compile(r".*#[0-9]+")   # overlay.py: "<id>#2" for a repeated id, "#<row>" for an empty one
BASIC_FARMLAND = re.compile(r"永久基本农田.*_m2$|^JBNT.*_m2$|basic_farmland_m2$", re.IGNORECASE)


class FieldPlan:
    """Which input field feeds which case column (resolved once per layer)."""

    def __init__(self, field_names: Iterable[str], layer_name: str = "输入图层"):
        names = list(field_names)
        self.layer_name = layer_name
        lower = {n.lower(): n for n in names}

        def pick(*candidates: str) -> str | None:
            for c in candidates:
                if c.lower() in lower:
                    return lower[c.lower()]
            return None

        self.patch_id = pick("patch_id") or resolve_field(names, "JCBH")
        if self.patch_id is None:
            raise WorkflowError(
                f"图层“{layer_name}”中没有图斑编号字段（patch_id 或监测编号 JCBH 及其别名），无法登记案件")
        # the monitoring id as delivered: the overlay's patch_id makes repeated and empty ids unique inside one
        # batch (<id>#2, #<row>); the register identifies patches by the delivered id and the geometry instead
        given = resolve_field(names, "JCBH")
        self.given_id = given if given is not None and given != self.patch_id else None
        self.township_code = resolve_field(names, "XZQDM")
        self.township = resolve_field(names, "XZQMC")
        self.village_code = pick("zldwdm") or resolve_field(names, "ZLDWDM")
        self.village = pick("zldwmc") or resolve_field(names, "ZLDWMC")
        self.party = resolve_field(names, "DSR")
        self.hsx = resolve_field(names, "HSX")
        self.area = pick("area_m2") or resolve_field(names, "JCMJ")
        self.farmland = pick("farmland_m2")
        self.basic_farmland = next((n for n in names if BASIC_FARMLAND.search(n)), None)
        self.simple = {c: pick(c) for c in ("violation", "determination_code", "determination", "consequence",
                                            "rule_id", "department", "departments", "stock_kind",
                                            "party_official", "found_late")}
        if self.simple["violation"] is None and self.simple["determination_code"] is None:
            raise WorkflowError(
                f"图层“{layer_name}”没有认定结果字段（violation / determination_code）："
                "请先运行“规划认定”（liangwei:determine）")

    def record(self, attrs: dict, feature_label: str = "") -> dict:
        """A case record from one feature's attributes (geometry added by the caller)."""
        def get(name):
            if name is None:
                return None
            v = attrs.get(name)
            if v is None or (hasattr(v, "isNull") and v.isNull()):
                return None
            if isinstance(v, str) and not v.strip():
                return None
            return v

        rec: dict = {}
        pid = get(self.patch_id)
        # an empty id is no reason to lose the patch: the register identifies it by its geometry
        rec["patch_id"] = _id_text(pid)
        rec["given_patch_id"] = rec["patch_id"]
        if self.given_id and rec["patch_id"]:
            # the overlay wrote <JCBH>#<n> for a repeated id and #<row> for an empty one: the delivered id
            given = _id_text(get(self.given_id)) or ""
            if GENERATED_ID.fullmatch(rec["patch_id"]) and rec["patch_id"].rsplit("#", 1)[0] == given:
                rec["given_patch_id"] = given or None
        for key, field in self.simple.items():
            v = get(field)
            if v is not None:
                rec[key] = v
        if rec.get("violation") is None and rec.get("determination_code"):
            rec["violation"] = 0 if rec["determination_code"] == "not_violation" else 1
        if rec.get("violation") is not None:
            rec["violation"] = 1 if int(rec["violation"]) else 0
        for key, field in (("area_m2", self.area), ("farmland_m2", self.farmland),
                           ("basic_farmland_m2", self.basic_farmland)):
            v = get(field)
            if v is not None:
                try:
                    rec[key] = float(v)
                except (TypeError, ValueError) as exc:
                    raise WorkflowError(
                        f"图层“{self.layer_name}”要素 {feature_label} 字段 {field} 的值“{v}”不是数字") from exc
        town_code, town = get(self.township_code), get(self.township)
        village_code, village = get(self.village_code), get(self.village)
        if town_code is None and village_code:
            town_code = str(village_code)[:9] + "000"
        rec["township_code"] = str(town_code) if town_code is not None else None
        rec["township"] = str(town) if town is not None else None
        rec["village_code"] = str(village_code) if village_code is not None else None
        if village is not None:
            village = str(village)
            if rec["township"] and village.startswith(rec["township"]) and village != rec["township"]:
                village = village[len(rec["township"]):]
        rec["village"] = village
        party = get(self.party)
        rec["party"] = str(party) if party is not None else None
        hsx = get(self.hsx)
        if hsx is not None:
            try:
                rec["hsx"] = check_plausible_date(
                    parse_date(hsx.toString("yyyy-MM-dd") if hasattr(hsx, "toString") else hsx), "后时相")
            except WorkflowError as exc:
                # kept out of the date column, but not lost: the note says what was delivered
                rec["hsx"] = None
                rec["note"] = f"{self.hsx}：{exc}"
        return rec


def _id_text(value) -> str | None:
    """A monitoring id as text (7.0 → "7"), None when empty."""
    from .storage import _id_text as text

    return text(value)
