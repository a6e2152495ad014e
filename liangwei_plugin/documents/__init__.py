"""Documents (文书): 规划认定意见书 (planning-opinion reports) and 责令限期整改通知书 (rectification notices).

GUI-free.  ``report``/``notice``/``layout`` need only reportlab (they also run in worker processes);
``maps`` renders map excerpts with QGIS; ``batch`` writes a whole batch with resume, numbering,
a merged PDF and an index CSV.
"""
