"""qa-pipeline: speech-analytics quality assurance for Mandarin call centers."""

from .errors import AudioError, ConfigError, ModelError, QAError, RuleError, StoreError
from .options import pipeline_options
from .pipeline import PipelineOptions, apply_rules, score_call, score_transcript
from .redact import redact_report
from .rules import load_rules
from .types import CallReport, CheckResult, Finding, Interval, Utterance, Word
from .version import __version__

__all__ = ["score_call", "score_transcript", "apply_rules", "load_rules", "redact_report", "PipelineOptions",
           "pipeline_options",
           "CallReport", "CheckResult", "Finding", "Interval", "Utterance", "Word",
           "QAError", "AudioError", "ConfigError", "ModelError", "RuleError", "StoreError"]
