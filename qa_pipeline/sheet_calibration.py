"""Per-item models learnt from reviewers' decisions (``qa calibrate``), applied by the scorer.

Each checklist item the reviewers judged often enough gets a logistic model (scikit-learn) of
"would a reviewer fail this item?" over that item's own features::

    features = (automatic verdict is fail: 0/1, the scorer's confidence 0–1, hits capped at 5)
    p_fail   = 1 / (1 + exp(-(coef · features + intercept)))

Applied to a call, the model overturns the automatic verdict only when it is fairly sure the
reviewers would (``p`` of the other verdict ≥ ``FLIP_AT``, 0.6); the verdict's confidence becomes
the model's probability of it (``p_fail`` for a fail, ``1 − p_fail`` for a pass): how likely a
reviewer is to agree, so an item the reviewers overturn as often as not lands near 0.5, in
``low_confidence``. Items
without a model (too few reviews, one outcome only, or a fit that did not beat the defaults
under cross-validation) keep the documented defaults (``rules/checklist.yaml``). ``n/a``
verdicts are never changed.

The model is a JSON file, versioned (``version``: the fit's UTC time and a content hash),
saved outside the package (``qa calibrate --models-dir``, default
``~/.local/share/qa-pipeline/calibration/``); ``qa score``/``qa batch --calibration FILE`` (or
``[rules] calibration`` in ``qa.toml``) use it and the report records its version in
``options.calibration_version`` and ``score_detail.calibration``.

Example
-------
>>> cal = load_calibration("~/.local/share/qa-pipeline/calibration/sheet-2026-12-02T0900-1a2b3c4d.json")  # doctest: +SKIP
>>> cal.items["wording.polite"].p_fail(auto_fail=True, confidence=0.8, hits=1)                         # doctest: +SKIP
0.91
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

FORMAT = "qa-pipeline sheet calibration"
FORMAT_VERSION = 1
FEATURES = ("auto_fail", "confidence", "hits")
MAX_HITS = 5
DEFAULT_DIR = Path("~/.local/share/qa-pipeline/calibration")
FLIP_AT = 0.6


def calibrated_verdict(auto_fail: bool, p_fail: float, *, flip_at: float = FLIP_AT) -> tuple[bool, float]:
    """``(fail, confidence)``: the automatic verdict unless the model gives the other ≥ ``flip_at``."""
    fail = p_fail >= flip_at if not auto_fail else p_fail > 1.0 - flip_at
    return fail, (p_fail if fail else 1.0 - p_fail)


def features(status: str, confidence: float | None, hits: int) -> list[float]:
    """The features of one automatic verdict (see the module docstring)."""
    return [1.0 if status in ("fail", "partial") else 0.0, float(confidence or 0.0), float(min(hits, MAX_HITS))]


@dataclass(frozen=True)
class ItemModel:
    """One item's logistic model; ``coef`` follows :data:`FEATURES`."""

    check: str
    coef: tuple[float, ...]
    intercept: float
    n: int

    def p_fail(self, *, auto_fail: bool, confidence: float | None, hits: int) -> float:
        x = features("fail" if auto_fail else "pass", confidence, hits)
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclass(frozen=True)
class SheetCalibration:
    """The per-item models of one fit: ``version`` identifies it in reports."""

    version: str
    created_at: str
    items: dict[str, ItemModel]
    report: dict[str, Any] = field(default_factory=dict)  # per-item agreement/kappa before and after
    path: str | None = None

    def to_json(self) -> str:
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, "version": self.version,
                "created_at": self.created_at, "features": list(FEATURES),
                "items": {k: {"coef": list(m.coef), "intercept": m.intercept, "n": m.n} for k, m in self.items.items()},
                "report": self.report}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)


def make_version(created_at: str, items: dict[str, ItemModel]) -> str:
    body = json.dumps({k: asdict(v) for k, v in sorted(items.items())}, sort_keys=True)
    stamp = created_at[:16].replace(":", "")  # 2026-12-02T0818: no long digit run for masking to touch
    return f"sheet-{stamp}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"


def load_calibration(path: str | Path) -> SheetCalibration:
    """Read a saved calibration.

    Raises
    ------
    ConfigError
        The file is missing, not JSON, or not a calibration of this format (exit 4); the
        message names the file and the fix.
    """
    p = Path(path).expanduser()
    fix = "; run 'qa calibrate --db DB' to write one, or drop --calibration"
    try:
        data = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such calibration file{fix}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{p}: not a calibration file ({type(exc).__name__}){fix}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{p}: not a calibration file (no 'format: {FORMAT}'){fix}")
    if data.get("format_version") != FORMAT_VERSION or data.get("features") != list(FEATURES):
        raise ConfigError(f"{p}: calibration format {data.get('format_version')!r} is not {FORMAT_VERSION}; "
                          "re-run 'qa calibrate'")
    items = {}
    try:
        for check, m in (data.get("items") or {}).items():
            coef = tuple(float(c) for c in m["coef"])
            if len(coef) != len(FEATURES) or not all(math.isfinite(c) for c in coef + (float(m["intercept"]),)):
                raise ValueError(check)
            items[str(check)] = ItemModel(str(check), coef, float(m["intercept"]), int(m.get("n", 0)))
        version = str(data["version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{p}: item {exc} is not a model (coef of {len(FEATURES)} numbers, intercept){fix}") from None
    return SheetCalibration(version, str(data.get("created_at", "")), items, data.get("report") or {}, str(p))
