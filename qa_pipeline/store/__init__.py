"""The results store: calls, checks, findings, metrics, transcripts, batch runs and reviews in SQL.

Only this package writes SQL. Everything else calls its functions, on a :class:`Store` or inside
one of its transactions (``with store.transaction() as tx: reviews.add_event(tx, …)``).
"""

from .db import Store, database_url, utcnow
from .records import call_rows, failure_row

__all__ = ["Store", "database_url", "utcnow", "call_rows", "failure_row"]
