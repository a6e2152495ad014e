"""The on-site check (外业核查) of each patch, from the register, for the documents (DocumentInput.verification)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..documents.model import FieldEvidence, FieldPhoto
from ..register import evidence
from ..register.storage import Register


def _outline(wkb) -> list[list[tuple[float, float]]]:
    import shapely

    if wkb is None:
        return []
    geom = shapely.from_wkb(bytes(wkb))
    polys = getattr(geom, "geoms", [geom])
    rings = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            rings.append([(float(x), float(y)) for x, y in ring.coords])
    return rings


def _field_rules() -> dict:
    from ..determination import load_rules

    return {r.id: r for r in load_rules().rules if any(c.var == "HCJL" for c in r.when + r.when_any)}


def _field_determination(case: dict, rules: dict) -> dict:
    """The case's determination fields where a field rule decided it (else {})."""
    rule = rules.get(case.get("rule_id") or "")
    if rule is None:
        return {}
    return {"violation": case.get("violation"), "determination_code": case.get("determination_code") or rule.code,
            "determination": case.get("determination") or rule.determination, "consequence": rule.consequence,
            "rule_id": rule.id, "rule_name": rule.name, "legal_basis": rule.legal_basis,
            "violated": "", "penalty_basis": "", "grounds": ""}


def field_evidence(reg: Register, patch_ids: Iterable[str], evidence_folder: str | Path | None = None
                   ) -> dict[str, FieldEvidence]:
    """patch id -> its latest on-site check with photos (``missing`` when the register has none)."""
    from pyproj import CRS, Transformer

    rules = _field_rules()

    try:
        store = evidence.evidence_root(reg, evidence_folder)
    except ValueError:
        store = None
    to_map = None
    if not CRS.from_epsg(reg.srid).is_geographic:
        to_map = Transformer.from_crs("EPSG:4490", f"EPSG:{reg.srid}", always_xy=True)
    out: dict[str, FieldEvidence] = {}
    for pid in patch_ids:
        try:
            case = reg.get_case(pid, with_geometry=True)
        except KeyError:
            out[pid] = FieldEvidence(missing=True)
            continue
        v = evidence.latest_verification(reg, case["fid"])
        if v is None:
            out[pid] = FieldEvidence(missing=True, outline=_outline(case.get("geom")))
            continue
        photos = []
        for p in evidence.photos(reg, case["fid"]):
            x = y = None
            if p.get("lat") is not None and p.get("lon") is not None:
                x, y = (to_map.transform(p["lon"], p["lat"]) if to_map else (p["lon"], p["lat"]))
            photos.append(FieldPhoto(
                path=str(store / p["file"]) if store else p["file"], taken=p.get("taken_at") or "",
                lat=p.get("lat"), lon=p.get("lon"), direction=p.get("direction"), distance_m=p.get("distance_m"),
                flagged=bool(p.get("flagged")), reason=p.get("flag_reason") or "", x=x, y=y))
        out[pid] = FieldEvidence(
            conclusion=v.get("conclusion") or "", description=v.get("description") or "",
            inspector=v.get("inspector") or "", verified_at=v.get("verified_at") or "",
            approval=v.get("approval") or "", project_name=v.get("project_name") or "", party=v.get("party") or "",
            photos=photos, outline=_outline(case.get("geom")), determination=_field_determination(case, rules))
    return out
