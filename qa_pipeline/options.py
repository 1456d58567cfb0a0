"""One way from settings to :class:`~qa_pipeline.pipeline.PipelineOptions`.

The CLI (``qa score``, ``qa batch``, ``qa redact``), the batch and Python users all call
:func:`pipeline_options`: the config file (``--config``, ``$QA_CONFIG`` or ``./qa.toml``)
first, then explicit values, each checked by :func:`qa_pipeline.config.check_value`.

>>> opts = pipeline_options(beam_size=5, agent_channel="right")  # doctest: +SKIP
>>> opts.asr.beam_size, opts.agent_channel                       # doctest: +SKIP
(5, 'right')
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from .config import SECTIONS, apply, check_value, load_config
from .pipeline import PipelineOptions

STAGES = tuple(s for s in SECTIONS if s != "rules")  # each [section] sets PipelineOptions.<section>


def pipeline_options(config: str | os.PathLike | None = None, *, rules_dir: str | os.PathLike | None = None,
                     agent_channel: str | None = None, calibration: str | os.PathLike | None = None,
                     **asr: Any) -> PipelineOptions:
    """Build the options of one run from the config file and explicit values (which win).

    Parameters
    ----------
    config : a TOML file; ``None`` looks for ``$QA_CONFIG`` then ``./qa.toml``.
    rules_dir : a project's rules folder (over the config's ``[rules] dir``).
    agent_channel : ``auto``, ``left`` or ``right`` (over the config's ``[audio] agent_channel``).
    calibration : a ``qa calibrate`` model file (over the config's ``[rules] calibration``).
    **asr : values of the ``[asr]`` section (``model``, ``device``, ``beam_size``…); ``None`` is "not given".

    Returns
    -------
    PipelineOptions

    Raises
    ------
    ConfigError
        The config file or a value is wrong; the message names the file or option and the fix.
    """
    cfg = load_config(config)
    given = {k: check_value("asr", k, v, where=f"--{k.replace('_', '-')}") for k, v in asr.items() if v is not None}
    if agent_channel is not None:
        agent_channel = check_value("audio", "agent_channel", str(agent_channel), where="--agent-channel")
    if rules_dir is not None:
        rules_dir = check_value("rules", "dir", str(rules_dir), where="--rules")
    opts = PipelineOptions()
    stages = {name: apply(getattr(opts, name), values) for name, values in cfg.items() if name in STAGES}
    stages["asr"] = apply(stages.get("asr", opts.asr), given)
    audio_cfg = cfg.get("audio", {})
    return replace(opts, **stages,
                   agent_channel=agent_channel or audio_cfg.get("agent_channel", opts.agent_channel),
                   rules_dir=rules_dir or cfg.get("rules", {}).get("dir"),
                   calibration=str(calibration) if calibration is not None else cfg.get("rules", {}).get("calibration"))
