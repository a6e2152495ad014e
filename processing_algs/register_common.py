"""Shared parameters and helpers of the case-register algorithms (案件台账)."""
from __future__ import annotations

from qgis.core import QgsProcessingException, QgsProcessingParameterString

from ..liangwei_plugin.i18n import tr

REGISTER = "REGISTER"
REGISTER_HELP = (
    "台账：GeoPackage 文件路径（.gpkg，不存在时自动创建），或 PostgreSQL/PostGIS 连接串"
    "（postgresql://用户@主机:端口/数据库?schema=模式名，或 dbname=… host=… 形式），"
    "或 QGIS 中已保存的 PostgreSQL 连接名。"
)


def register_parameter(optional: bool = False) -> QgsProcessingParameterString:
    p = QgsProcessingParameterString(REGISTER, tr("案件台账（.gpkg 路径 / PostgreSQL 连接）"), optional=optional)
    p.setHelp(tr(REGISTER_HELP))
    return p


def open_register(target: str, srid: int | None = None):
    """Open a register or raise a QgsProcessingException naming it."""
    from ..liangwei_plugin.register import Register, RegisterOpenError

    if not target or not target.strip():
        raise QgsProcessingException(tr("请指定案件台账（.gpkg 文件路径、PostgreSQL 连接串或连接名）"))
    try:
        return Register(target.strip(), srid=srid)
    except RegisterOpenError as exc:
        raise QgsProcessingException(str(exc)) from exc


def check_date(text: str, what: str):
    """A date parameter (yyyy-mm-dd, empty = today) or a QgsProcessingException."""
    import datetime as dt

    from ..liangwei_plugin.register import WorkflowError, parse_date

    try:
        return parse_date(text) or dt.date.today()
    except WorkflowError as exc:
        raise QgsProcessingException(tr("参数“{what}”：{msg}").format(what=what, msg=exc)) from exc
