"""Core of liangwei: domain model, overlay engine, determinations, documents, register.

Nothing in this package may import ``iface`` or any widget: everything here takes
layers, data frames, paths and a feedback object, so the Processing algorithms,
the dialogs and qgis_process all run the same code.
"""

from .dependencies import activate_vendored

# the ZIP's pure-Python packages (reportlab, openpyxl, pypdf …) where QGIS's Python lacks them
activate_vendored()
