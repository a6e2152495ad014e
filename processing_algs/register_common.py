"""Shared parameters and helpers of the case-register algorithms (案件台账)."""
from __future__ import annotations

from contextlib import contextmanager

from qgis.core import Qgis, QgsProcessingException, QgsProcessingParameterFile

from ..liangwei_plugin.i18n import tr

REGISTER = "REGISTER"
REGISTER_HELP = (
    "台账：GeoPackage 文件路径（.gpkg，不存在时自动创建），或 PostgreSQL/PostGIS 连接串"
    "（postgresql://用户@主机:端口/数据库?schema=模式名，或 dbname=… host=… 形式），"
    "或 QGIS 中已保存的 PostgreSQL 连接名。"
)


REGISTER_HELP_READONLY = (
    "台账：已有的案件台账——GeoPackage 文件路径（.gpkg），或 PostgreSQL/PostGIS 连接串"
    "（postgresql://用户@主机:端口/数据库?schema=模式名，或 dbname=… host=… 形式），或 QGIS 中已保存的 PostgreSQL"
    " 连接名。本功能只读取台账：路径不存在或不是台账时报错，不会新建或修改。"
)


def register_parameter(optional: bool = False, readonly: bool = False, label: str | None = None,
                       help_text: str | None = None) -> QgsProcessingParameterFile:
    """REGISTER: a file parameter, so that the dialog has a browse button for the GeoPackage; its text stays
    editable for a PostgreSQL connection string or a saved connection's name (any text is accepted: the
    value is a string in models, scripts and qgis_process as before)."""
    p = QgsProcessingParameterFile(REGISTER, label or tr("案件台账（.gpkg 路径 / PostgreSQL 连接）"),
                                   Qgis.ProcessingFileParameterBehavior.File, "", None, optional,
                                   tr("案件台账 GeoPackage (*.gpkg);;所有文件 (*)"))
    p.setHelp(help_text or tr(REGISTER_HELP_READONLY if readonly else REGISTER_HELP))
    return p


def open_register(target: str, srid: int | None = None, readonly: bool = False):
    """Open a register or raise a QgsProcessingException naming it.

    ``readonly`` (algorithms that only read: ledger, statistics, overdue list, missed grid reports): a path
    that does not exist, or a database that is not a register, is refused — nothing is created in it."""
    from ..liangwei_plugin.register import Register, RegisterOpenError, WorkflowError

    if not target or not target.strip():
        raise QgsProcessingException(tr("请指定案件台账（.gpkg 文件路径、PostgreSQL 连接串或连接名）"))
    try:
        return Register(target.strip(), srid=srid, readonly=readonly)
    except (RegisterOpenError, WorkflowError) as exc:
        raise QgsProcessingException(str(exc)) from exc


@contextmanager
def register_errors():
    """Register failures (locked or read-only file, lost connection, refused transition, bad date) as one
    QgsProcessingException with the register's Chinese message, never a traceback."""
    from ..liangwei_plugin.register import ConflictError, RegisterOpenError, WorkflowError

    try:
        yield
    except (RegisterOpenError, WorkflowError, ConflictError) as exc:
        raise QgsProcessingException(str(exc)) from exc


def check_date(text: str, what: str):
    """A date parameter (yyyy-mm-dd, empty = today) or a QgsProcessingException; dates that cannot be meant
    (9999-12-31) are refused before any deadline is computed from them."""
    import datetime as dt

    from ..liangwei_plugin.register import WorkflowError, parse_date
    from ..liangwei_plugin.register.workflow import check_plausible_date

    try:
        return check_plausible_date(parse_date(text), what) or dt.date.today()
    except WorkflowError as exc:
        raise QgsProcessingException(tr("参数“{what}”：{msg}").format(what=what, msg=exc)) from exc
