"""The call center's vocabulary (``rules/vocabulary.yaml``) that biases recognition."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from .errors import RuleError


def default_rules_dir() -> Path:
    """The rules shipped with the package (the repository's ``rules/`` folder)."""
    try:
        return Path(str(resources.files("qa_pipeline.default_rules")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "rules"


def load_vocabulary(rules_dir: str | Path | None = None) -> tuple[str, ...]:
    """Phrases from ``vocabulary.yaml`` in ``rules_dir`` (empty when the file is absent)."""
    path = Path(rules_dir or default_rules_dir()) / "vocabulary.yaml"
    if not path.is_file():
        return ()
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise RuleError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                        line=None if line is None else line + 1) from None
    extra = set(data) - {"version", "vocabulary"} if isinstance(data, dict) else {"?"}
    if extra:
        raise RuleError(path, f"unknown key(s) {sorted(map(str, extra))}; expected 'version' and 'vocabulary'")
    words = data.get("vocabulary") or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise RuleError(path, "'vocabulary' must be a list of non-empty phrases")
    return tuple(dict.fromkeys(w.strip() for w in words))
