"""Regular expressions from rule files, bounded in time.

Patterns run through the ``regex`` module (``re``'s syntax) with a timeout, so one
pattern with catastrophic backtracking (``(a|aa)+$``) cannot stall a call or a night's
batch. :func:`compile_pattern` compiles a pattern once, when the rules load, and tries it on
adversarial probes built from its own characters: a pattern that already times out there is
rejected with the fix. At run time a match that still runs past :data:`MATCH_TIMEOUT_S`
raises :class:`PatternTimeout` (the check becomes ``n/a`` with the reason).
"""

from __future__ import annotations

from functools import lru_cache

import regex

PROBE_TIMEOUT_S = 0.05     # per probe, when the rules load
MATCH_TIMEOUT_S = 0.2      # per utterance, when a call is checked
MAX_PATTERN_CHARS = 2000
_PROBE_CHARS = "a1好 A0"


class PatternTimeout(Exception):
    """A pattern ran past its time on one text."""


def _probes(source: str) -> list[str]:
    chars = list(dict.fromkeys(c for c in source + _PROBE_CHARS if c.isalnum() or c in " _-"))[:16]
    return [c * n + tail for c in chars for n in (30, 2000) for tail in ("\x00", "")]


@lru_cache(maxsize=1024)
def compile_pattern(source: str) -> regex.Pattern:
    """Compile a rule file's pattern (``re`` syntax) and make sure it cannot backtrack for ever.

    Raises
    ------
    ValueError
        Not a valid pattern, too long, or catastrophic on a probe; the message says which and the fix.
    """
    if len(source) > MAX_PATTERN_CHARS:
        raise ValueError(f"pattern longer than {MAX_PATTERN_CHARS} characters; split it into several rules")
    try:
        rx = regex.compile(source, regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    for probe in _probes(source):
        try:
            for _ in rx.finditer(probe, timeout=PROBE_TIMEOUT_S):
                pass
        except TimeoutError:
            raise ValueError(f"pattern /{source}/ backtracks catastrophically (over {PROBE_TIMEOUT_S:g} s on "
                             f"{len(probe)} characters); avoid nested repeats like (a|aa)+ or (x+)+") from None
    return rx


def finditer(rx: regex.Pattern, text: str, *, timeout_s: float = MATCH_TIMEOUT_S) -> list:
    """Every match of ``rx`` in ``text``, within ``timeout_s``.

    Raises
    ------
    PatternTimeout
        The pattern ran past ``timeout_s`` on this text.
    """
    try:
        return list(rx.finditer(text, timeout=timeout_s))
    except TimeoutError:
        raise PatternTimeout(f"pattern /{rx.pattern}/ ran over {timeout_s:g} s on one utterance") from None
