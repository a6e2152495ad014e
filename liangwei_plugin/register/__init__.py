"""Case register (台账): model, workflow, storage (GeoPackage / PostGIS), ledger and statistics."""
from .model import DISPOSAL_KINDS, SOURCES, STOCK_KINDS, ConflictError, evaluate  # noqa: F401
from .storage import Register, RegisterOpenError, open_register  # noqa: F401
from .workflow import Workflow, WorkflowError, default_workflow, parse_date  # noqa: F401
