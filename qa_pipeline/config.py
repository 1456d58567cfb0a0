"""Settings from a TOML config file, checked when they are read.

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

Every value is type- and range-checked here, so ``beam_size = "five"`` is a one-line
:class:`~qa_pipeline.errors.ConfigError` naming the file, the key and the fix, not a
failure deep inside CTranslate2. :func:`qa_pipeline.options.pipeline_options` turns a
config plus command-line values into :class:`~qa_pipeline.pipeline.PipelineOptions`.
"""

from __future__ import annotations

import math
import os
import tomllib
import typing
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError
from .files import Unreadable, read_text

SECTIONS = {"audio": {"agent_channel", "min_duration_s"},
            "asr": {"model", "device", "compute_type", "beam_size", "threads", "batch_size", "language",
                    "vad_threshold", "min_silence_ms", "speech_pad_ms", "retry_missing"},
            "metrics": {"min_silence_s", "hold_min_s", "min_overlap_s", "backchannel_max_s", "window_s"},
            "diarize": {"enabled", "window_s", "hop_s", "min_turn_s", "max_similarity", "min_clear_share",
                        "overlap_min_s", "content_roles"},
            "prosody": {"pitch_floor_hz", "pitch_ceiling_hz", "drawl_ratio", "drawl_min_s", "pause_min_s",
                        "long_pause_s", "hold_s", "low_prob", "min_voiced_s"},
            "bleed": {"enabled", "margin_db", "min_corr", "gate"},
            "denoise": {"enabled", "max_snr_db"},
            "rules": {"dir", "calibration"},
            "kpi": {"short_abandon_s", "service_level_s", "service_level_short_s", "fcr_window_h", "busy_states"},
            "review": {"tz", "appeal_days"}}

# Ranges beyond the type: (lowest, highest), None = open. Keys ending in _s or _ms are ≥ 0.
RANGES = {"beam_size": (1, 20), "threads": (0, 1024), "batch_size": (1, 256), "vad_threshold": (0, 1),
          "max_similarity": (-1, 1), "min_clear_share": (0, 1), "min_duration_s": (0, None),
          "pitch_floor_hz": (30, 1000), "pitch_ceiling_hz": (60, 2000), "drawl_ratio": (1, None), "low_prob": (0, 1),
          "appeal_days": (0, None)}
CHOICES = {"device": ("cpu", "cuda", "auto")}  # besides Literal fields, whose choices their type lists
MAX_CONFIG_BYTES = 1 << 20


@lru_cache(maxsize=1)
def _types() -> dict[str, dict[str, Any]]:
    """The declared type of every configurable key: a section ``[x]`` is ``PipelineOptions.x``'s dataclass."""
    from .pipeline import PipelineOptions

    pipe = typing.get_type_hints(PipelineOptions)
    out = {name: typing.get_type_hints(pipe[name]) for name in SECTIONS if name in pipe}
    out["audio"]["agent_channel"] = pipe["agent_channel"]
    out["rules"] = {"dir": str, "calibration": str}
    # kpi.KpiOptions (not imported: it brings pandas); busy_states as "busy,break"
    out["kpi"] = {"short_abandon_s": float, "service_level_s": float, "service_level_short_s": float,
                  "fcr_window_h": float, "busy_states": str}
    out["review"] = {"tz": str, "appeal_days": float}  # qa review: the pages' time zone, the appeal window
    return out


def _kind(hint: Any) -> type:
    """bool, int, float or str: what a TOML value for this field must be."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is Literal:
        return str
    if args and typing.get_origin(hint) is not tuple:
        return _kind(args[0])
    return hint if hint in (bool, int, float, str) else str


_EXAMPLE = {bool: "true or false", int: "a whole number, e.g. 5", float: "a number, e.g. 1.5",
            str: 'a quoted string, e.g. "value"'}


def check_value(section: str, key: str, value: Any, *, where: str) -> Any:
    """Check one setting against its declared type, range and choices; return it (ints widened to float).

    Parameters
    ----------
    section, key : e.g. ``"asr"``, ``"beam_size"``.
    value : the value read from the file or given as an option.
    where : what to blame in the message (``qa.toml``, ``--beam-size``).

    Raises
    ------
    ConfigError
        Unknown key, wrong type, not finite, out of range or not one of the choices; the message
        names ``where``, the key and what to write instead.
    """
    if section not in SECTIONS:
        raise ConfigError(f"{where}: unknown section [{section}]; expected one of: {', '.join(SECTIONS)}")
    if key not in SECTIONS[section]:
        raise ConfigError(f"{where}: [{section}] unknown key '{key}'; expected one of: "
                          f"{', '.join(sorted(SECTIONS[section]))}")
    hint = _types()[section][key]
    kind = _kind(hint)
    choices = CHOICES.get(key) or (typing.get_args(hint) if typing.get_origin(hint) is Literal else None)
    shown = repr(value) if not isinstance(value, str) else f'"{value}"'
    if len(shown) > 60:
        shown = shown[:57] + "…"
    if kind is bool:
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, (int, float) if kind is float else kind) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(f"{where}: [{section}] {key} = {shown} is not valid; write {_EXAMPLE[kind]}")
    if kind is float:
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{where}: [{section}] {key} = {shown} is not a finite number; write {_EXAMPLE[float]}")
    if choices and value not in choices:
        raise ConfigError(f"{where}: [{section}] {key} = {shown} is not valid; use one of: {', '.join(choices)}")
    if kind is str and (not value.strip() or "\0" in value):
        raise ConfigError(f"{where}: [{section}] {key} is empty or has a NUL character; give a value or remove the key")
    if kind in (int, float):
        lo, hi = RANGES.get(key, (0, None) if key.endswith(("_s", "_ms")) else (None, None))
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            span = f"at least {lo:g}" if hi is None else f"between {lo:g} and {hi:g}"
            raise ConfigError(f"{where}: [{section}] {key} = {shown} is out of range; use a value {span}")
    return value


def load_config(path: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """Read and check a config file; an empty dict when there is none.

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not TOML, or has an unknown section or key or a
        wrongly typed value; the message names the file, the key and the fix.
    """
    if path is None:
        path = os.environ.get("QA_CONFIG") or ("qa.toml" if Path("qa.toml").is_file() else None)
    if path is None:
        return {}
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path, max_bytes=MAX_CONFIG_BYTES, what="config file"))
    except Unreadable as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None
    for section, values in data.items():
        if section not in SECTIONS or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown section [{section}]; expected one of: {', '.join(SECTIONS)}")
        for key, value in values.items():
            values[key] = check_value(section, key, value, where=str(path))
    return data


def apply(obj: Any, values: dict[str, Any]) -> Any:
    """A copy of dataclass ``obj`` with the known, non-None ``values`` set."""
    names = {f.name for f in fields(obj)}
    return replace(obj, **{k: v for k, v in values.items() if k in names and v is not None})
