"""The results store: calls, checks, findings, metrics, transcripts and batch runs in SQL."""

from .db import Store, database_url
from .records import call_rows, failure_row

__all__ = ["Store", "database_url", "call_rows", "failure_row"]
