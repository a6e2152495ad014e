"""Case register (台账): model, workflow, storage (GeoPackage / PostGIS), ledger and statistics."""
from .model import ConflictError, SOURCES, STOCK_KINDS, DISPOSAL_KINDS, evaluate  # noqa: F401
from .storage import Register, RegisterOpenError, open_register  # noqa: F401
from .workflow import Workflow, WorkflowError, default_workflow, parse_date  # noqa: F401
