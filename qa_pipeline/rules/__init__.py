"""The rules engine: rule files in, check results with evidence out.

>>> rules = load_rules()                                     # doctest: +SKIP
>>> results = run_checks(report.transcript, report.metrics, rules)  # doctest: +SKIP
"""

from .engine import run_checks, run_rule
from .loader import LoadedRule, RuleSet, load_rules

__all__ = ["LoadedRule", "RuleSet", "load_rules", "run_checks", "run_rule"]
