"""Settings from a TOML config file, overridden by command-line options.

Looked up in this order: ``--config FILE``, ``$QA_CONFIG``, ``./qa.toml``. Example::

    [audio]
    agent_channel = "right"     # which stereo channel carries the agent

    [asr]
    model = "/models/faster-whisper-large-v3"
    device = "cuda"
    compute_type = "float16"
    beam_size = 5

    [diarize]                   # mono calls
    enabled = false             # leave mono calls unseparated (speaker checks n/a)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

SECTIONS = {"audio": {"agent_channel", "min_duration_s"},
            "asr": {"model", "device", "compute_type", "beam_size", "threads", "batch_size", "language",
                    "vad_threshold", "min_silence_ms", "speech_pad_ms", "retry_missing"},
            "metrics": {"min_silence_s", "hold_min_s", "min_overlap_s", "backchannel_max_s", "window_s"},
            "diarize": {"enabled", "window_s", "hop_s", "min_turn_s", "max_similarity", "min_clear_share",
                        "overlap_min_s", "content_roles"},
            "rules": {"dir"}}


def load_config(path: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """Read and check a config file; an empty dict when there is none."""
    if path is None:
        path = os.environ.get("QA_CONFIG") or ("qa.toml" if Path("qa.toml").is_file() else None)
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for section, values in data.items():
        if section not in SECTIONS or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown section [{section}]; expected one of: {', '.join(SECTIONS)}")
        for key in values:
            if key not in SECTIONS[section]:
                raise ConfigError(f"{path}: [{section}] unknown key '{key}'; expected one of: "
                                  f"{', '.join(sorted(SECTIONS[section]))}")
    return data


def apply(obj: Any, values: dict[str, Any]) -> Any:
    """A copy of dataclass ``obj`` with the known, non-None ``values`` set."""
    names = {f.name for f in fields(obj)}
    return replace(obj, **{k: v for k, v in values.items() if k in names and v is not None})
