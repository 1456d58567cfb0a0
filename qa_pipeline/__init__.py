"""qa-pipeline: speech-analytics quality assurance for Mandarin call centers."""

from .errors import AudioError, ConfigError, ModelError, QAError, RuleError
from .pipeline import PipelineOptions, score_call
from .types import CallReport, Interval, Utterance, Word

__all__ = ["score_call", "PipelineOptions", "CallReport", "Interval", "Utterance", "Word",
           "QAError", "AudioError", "ConfigError", "ModelError", "RuleError"]
__version__ = "0.1.0"
