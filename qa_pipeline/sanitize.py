"""Output hygiene beside masking (:mod:`qa_pipeline.redact`): text that a spreadsheet or a
terminal would *run* instead of show.

- :func:`csv_safe` — every CSV we write: a text cell starting with ``= + - @`` (or a tab/CR,
  which Excel strips before looking) gets a leading apostrophe, OWASP's advice against formula
  injection. Numbers stay numbers (a negative score is not text).
- :func:`terminal_text` — text printed to a terminal: control characters (C0 but tab and
  newline, DEL, C1: ANSI escapes, cursor moves, OSC hyperlinks) and bidirectional overrides
  are replaced by U+FFFD, so a transcript cannot rewrite the screen.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def csv_cell(value: Any) -> Any:
    """One cell: a text starting with a formula prefix gets a leading apostrophe.

    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("-3"), csv_cell(-3.0)
    ('\\'=HYPERLINK("http://x")', "'-3", -3.0)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe(df):
    """A copy of a pandas DataFrame whose text cells and column names cannot run as formulas."""
    out = df.copy()
    for col in out.columns:
        if getattr(out[col].dtype, "kind", "") in ("O", "U", "T"):  # object, numpy str, pandas str
            out[col] = out[col].map(csv_cell)
    out.columns = [csv_cell(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def terminal_text(text: str) -> str:
    """``text`` without control characters (each becomes U+FFFD).

    >>> terminal_text("好\\x1b[2J的\\x9b31m")
    '好�[2J的�31m'
    """
    if not isinstance(text, str):
        return text
    return _CONTROL.sub("\ufffd", text)
