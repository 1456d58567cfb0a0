"""What a report was made with: the package version and every option actually used.

Like faster-whisper's ``TranscriptionInfo`` records its ``transcription_options``, a
:class:`~qa_pipeline.types.CallReport` carries ``options``: the
:class:`~qa_pipeline.pipeline.PipelineOptions` after the config, the flags and the rules
(the ASR vocabulary comes from the rule files) were applied.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .version import __version__


def options_record(options: Any) -> dict[str, Any]:
    """The options as plain JSON values, with ``qa_version``; the vocabulary as its size.

    Parameters
    ----------
    options : a :class:`~qa_pipeline.pipeline.PipelineOptions` (any dataclass of stage options).
    """
    data = dataclasses.asdict(options)
    asr = data.get("asr")
    if isinstance(asr, dict) and "vocabulary" in asr:
        asr["vocabulary_size"] = len(asr.pop("vocabulary") or ())
    return {"qa_version": __version__, **_plain(data)}


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)
