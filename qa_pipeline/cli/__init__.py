"""``qa``: the command line. Thin: parse → call one library function → render.

One module per command group (:mod:`.score`: score, redact, rules, models, version;
:mod:`.batch`: batch, report, sample; :mod:`.review`: review, calibrate; :mod:`.kpi`: import-calls, coach,
cases), shared option
types and output helpers in :mod:`.common`, the application and its one error handler in
:mod:`.main`.
"""

from .main import app, main

__all__ = ["app", "main"]
