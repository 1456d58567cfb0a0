"""Where the default rules live (the vocabulary itself is loaded with the rules: ``RuleSet.vocabulary``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_rules_dir() -> Path:
    """The rules shipped with the package (the repository's ``rules/`` folder)."""
    try:
        return Path(str(resources.files("qa_pipeline.default_rules")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "rules"
