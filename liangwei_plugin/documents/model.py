"""What one document is made from: the determination record, its overlay detail and map excerpts.

Plain data (no QGIS objects) so documents can be built in worker processes.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..fieldmap import resolve_field
from .values import MISSING, Optional, date_cn, m2_text, mu_text, number_value, parse_date, text_value

NOTICE, REFERRAL, PENDING = "notice", "referral", "pending"
UNDER_CONSTRUCTION = ("在建", "正在建设", "施工中", "在施工", "未建成", "未完工")
_CONDITIONAL = re.compile(r"（[^（）]*的，[^（）]*）")


def strip_conditionals(text: str) -> str:
    """``…第七十七条（农村村民建住宅的，第七十八条）`` -> ``…第七十七条``: never print a conditional provision."""
    return _CONDITIONAL.sub("", text)


@lru_cache(maxsize=1)
def _default_rules():
    from ..determination import load_rules

    return load_rules()


@dataclass
class MapImages:
    """JPEG map excerpts of one patch (bytes) and the epoch labels printed under them."""

    before: bytes | None = None
    after: bytes | None = None
    location: bytes | None = None
    before_date: str = ""
    after_date: str = ""
    before_name: str = ""
    after_name: str = ""
    width_mm: float = 76.0
    height_mm: float = 70.0
    location_width_mm: float = 156.0
    location_height_mm: float = 78.0


@dataclass
class Centroid:
    x: float
    y: float
    crs: str              # e.g. "EPSG:4527 CGCS2000 / 3-degree Gauss-Kruger zone 39"
    lon: float | None = None
    lat: float | None = None
    geographic: bool = False


@dataclass
class FieldPhoto:
    """An evidence photo (举证照片) of the on-site check, as the register keeps it."""

    path: str                   # the copy in the evidence store
    taken: str = ""             # ISO time from EXIF
    lat: float | None = None
    lon: float | None = None
    direction: float | None = None   # GPSImgDirection, degrees from north
    distance_m: float | None = None  # from the patch boundary
    flagged: bool = False
    reason: str = ""
    x: float | None = None      # position in the outline's projected CRS (for the small map)
    y: float | None = None


@dataclass
class FieldEvidence:
    """The latest on-site check (外业核查) of a case; ``missing`` when the register has none."""

    conclusion: str = ""
    description: str = ""
    inspector: str = ""
    verified_at: str = ""
    approval: str = ""
    project_name: str = ""
    party: str = ""
    photos: list[FieldPhoto] = field(default_factory=list)
    outline: list[list[tuple[float, float]]] = field(default_factory=list)   # patch rings, projected
    missing: bool = False
    # the case's determination where a field rule (determination_rules.toml F-rules) decided it on import:
    # the documents print it instead of the desk determination of the input layer
    determination: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocumentInput:
    patch_id: str
    attrs: dict[str, Any]
    detail: list[dict[str, Any]] = field(default_factory=list)
    maps: MapImages | None = None
    centroid: Centroid | None = None
    number: str = ""
    issue_date: _dt.date = field(default_factory=_dt.date.today)
    landuse_layer: str = ""   # name of the land-use layer in OVERLAY_DETAIL (listed first)
    verification: FieldEvidence | None = None   # 外业核查 from the register (None: not looked up)

    # -- attribute access through the configurable field mapping ----------------------------
    def attr(self, canonical: str) -> str:
        name = resolve_field(self.attrs.keys(), canonical)
        return text_value(self.attrs.get(name)) if name else ""

    def raw(self, name: str) -> Any:
        return self.attrs.get(name)

    def num(self, name: str) -> float | None:
        return number_value(self.attrs.get(name))

    @property
    def violation(self) -> bool:
        v = self.num("violation")
        if v is not None:
            return v >= 1
        return text_value(self.attrs.get("determination_code")) in ("correctable", "uncorrectable")

    def location(self) -> str:
        """坐落: administrative unit of the patch and village of the land-use parcel with the largest share."""
        town = self.attr("XZQMC")
        village = text_value(self.attrs.get("zldwmc"))
        if village and town and village.startswith(town):
            return village
        return (town + village) or MISSING

    def epoch_dates(self) -> tuple[str, str]:
        """Before/after epoch dates: from the imagery used for the excerpts, else the patch's QSX/HSX."""
        before = self.maps.before_date if self.maps and self.maps.before_date else self.attr("QSX")
        after = self.maps.after_date if self.maps and self.maps.after_date else self.attr("HSX")
        return (date_cn(before) if parse_date(before) else (before or MISSING),
                date_cn(after) if parse_date(after) else (after or MISSING))

    def area_method_text(self) -> str:
        method = text_value(self.attrs.get("area_method")) or "ellipsoidal"
        return "CGCS2000椭球面积" if method == "ellipsoidal" else "高斯-克吕格投影平面面积"

    # -- legal basis and competence (issue 10) -------------------------------------------------
    def party_kind(self) -> str:
        """unit | individual | villager: the determination's party_kind, else classified by the default rules."""
        kind = text_value(self.attrs.get("party_kind"))
        if kind:
            return kind
        return _default_rules().party_kind(self.attr("DSR"), self.attr("TBLX"))

    def you(self) -> str:
        """How the notice addresses the party: 你单位 (unit) or 你 (individual, rural villager)."""
        return "你单位" if self.party_kind() == "unit" else "你"

    def violated_text(self) -> str:
        """Provisions violated; a record of an older determination run falls back to its legal_basis
        without conditional parentheses such as （农村村民建住宅的，第七十八条）."""
        return text_value(self.attrs.get("violated")) or strip_conditionals(text_value(self.attrs.get("legal_basis")))

    def penalty_text(self) -> str:
        return text_value(self.attrs.get("penalty_basis")) or strip_conditionals(
            text_value(self.attrs.get("legal_basis")))

    def stop_text(self) -> str:
        """Provisions the order to stop rests on (determination ``stop_basis``), else the penalty provisions."""
        return text_value(self.attrs.get("stop_basis")) or self.penalty_text()

    def construction_status(self) -> str:
        """建设状态 of the patch (JSZT through the field mapping: 在建 / 已建成 …), '' when not recorded."""
        return self.attr("JSZT")

    def under_construction(self, config: dict | None = None) -> bool:
        """True when the 建设状态 says the construction is going on (documents.toml [stop_order]
        under_construction words, e.g. 在建, 施工中): a 责令停止违法行为通知书 is issued at once."""
        status = self.construction_status()
        if not status:
            return False
        words = ((config or {}).get("stop_order", {}) or {}).get("under_construction") or UNDER_CONSTRUCTION
        return any(w and w in status for w in words)

    def competent_key(self) -> str:
        """Key of the competent department ('' when the record predates competence: the issuer is assumed)."""
        return text_value(self.attrs.get("competent_key"))

    def disposition(self, config: dict) -> str:
        """What the issuing authority sends for a violation: "notice", "referral" (another department is
        competent) or "pending" (party unknown: investigated first, no numbered notice)."""
        own = config.get("authority", {}).get("department", "natural_resources")
        key = self.competent_key()
        if key and key != own:
            return REFERRAL
        return NOTICE if self.attr("DSR") else PENDING

    def common_values(self) -> dict[str, Any]:
        """Placeholders shared by both documents' templates."""
        qsx, hsx = self.epoch_dates()
        area = self.num("area_m2")
        farmland = self.num("farmland_m2")
        departments = [d for d in text_value(self.attrs.get("departments")).split("、") if d]
        primary = text_value(self.attrs.get("department")) or (departments[0] if departments else "")
        others = [d for d in departments if d != primary]
        grounds = text_value(self.attrs.get("grounds"))
        return {
            "patch_id": self.patch_id,
            "location": self.location(),
            "township": self.attr("XZQMC"),
            "village": text_value(self.attrs.get("zldwmc")),
            "xzqmc": self.attr("XZQMC"),
            "qsx": qsx,
            "hsx": hsx,
            "area_m2": m2_text(area),
            "area_mu": mu_text(area),
            "area_method": self.area_method_text(),
            "farmland_m2": m2_text(farmland),
            "farmland_mu": mu_text(farmland),
            "determination": text_value(self.attrs.get("determination")),
            "determination_code": text_value(self.attrs.get("determination_code")),
            "rule_id": text_value(self.attrs.get("rule_id")),
            "rule_name": text_value(self.attrs.get("rule_name")),
            "legal_basis": text_value(self.attrs.get("legal_basis")),
            "consequence": text_value(self.attrs.get("consequence")),
            "department": primary,
            "departments": "、".join(departments) or primary,
            "co_departments": Optional(("，" + "、".join(others) + "配合") if others else ""),
            "party": self.attr("DSR"),
            "you": self.you(),
            "violated": self.violated_text(),
            "penalty_basis": self.penalty_text(),
            "stop_basis": self.stop_text(),
            "construction_status": self.construction_status(),
            "competent": text_value(self.attrs.get("competent")),
            "grounds_clause": Optional(("，其中" + "、".join(g for g in grounds.split("；") if g)) if grounds else ""),
            "date": date_cn(self.issue_date),
            "number": self.number,
            **self.field_check_values(),
        }

    def field_check_values(self) -> dict[str, Any]:
        """Placeholders of the on-site check (外业核查): empty when there is none on record."""
        v = self.verification if self.verification is not None and not self.verification.missing else None
        if v is None:
            return {"check_conclusion": "", "check_inspector": "", "check_date": "", "check_photos": 0,
                    "check_description": "", "check_description_clause": Optional(""), "check_findings": ""}
        day = parse_date(v.verified_at)
        description = v.description.rstrip("。；;，, ")
        return {"check_conclusion": v.conclusion, "check_inspector": v.inspector or "（未填）",
                "check_date": date_cn(day) if day else v.verified_at, "check_photos": len(v.photos),
                "check_description": description,
                "check_description_clause": Optional(f"，{description}" if description else ""),
                "check_findings": description or f"核查结论为{v.conclusion}"}
