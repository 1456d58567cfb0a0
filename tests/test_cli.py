"""The CLI, in process: real pipeline, real model, real files."""

from __future__ import annotations

import json

import pytest
import soundfile as sf
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import EXIT_BAD_INPUT, EXIT_CONFIG

from .conftest import SAMPLES

runner = CliRunner()
CALL = SAMPLES / "call03_interrupt_mp3.mp3"


def test_score_json(tmp_path):
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["score", str(CALL), "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data == json.loads(out.read_text())
    assert data["schema_version"] == "1.4" and data["call_id"] == "call03_interrupt_mp3"
    assert data["metrics"]["overtalk"]["agent_interruptions"] == 2


def test_score_summary_is_readable():
    res = runner.invoke(app, ["score", str(CALL)])
    assert res.exit_code == 0, res.output
    for needle in ("Transcript", "坐席 agent", "客户 customer", "overtalk", "interruption by agent", "real"):
        assert needle in res.stdout


def test_agent_channel_right_swaps_speakers(tmp_path):
    res = runner.invoke(app, ["score", str(CALL), "--json", "--agent-channel", "right"])
    data = json.loads(res.stdout)
    assert data["audio"]["agent_channel"] == "right"
    assert data["metrics"]["overtalk"]["customer_interruptions"] == 2


def test_config_file(tmp_path):
    cfg = tmp_path / "qa.toml"
    cfg.write_text('[audio]\nagent_channel = "right"\n[asr]\nbeam_size = 1\n')
    res = runner.invoke(app, ["score", str(CALL), "--json", "--config", str(cfg)])
    assert json.loads(res.stdout)["audio"]["agent_channel"] == "right"
    cfg.write_text('[asr]\nbeem_size = 1\n')
    res = runner.invoke(app, ["score", str(CALL), "--config", str(cfg)])
    assert res.exit_code == EXIT_CONFIG and "unknown key 'beem_size'" in res.stderr


@pytest.mark.parametrize("content", [b"", b"not audio at all" * 10, b"RIFF\x00\x00"], ids=["empty", "text", "truncated"])
def test_bad_input_one_line_nonzero(tmp_path, content):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    res = runner.invoke(app, ["score", str(bad)])
    assert res.exit_code == EXIT_BAD_INPUT
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}") and "Traceback" not in res.output


def test_missing_model_is_a_config_error(tmp_path):
    res = runner.invoke(app, ["score", str(CALL), "--model", str(tmp_path / "nomodel")])
    assert res.exit_code == EXIT_CONFIG
    assert "not found" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_models_commands():
    res = runner.invoke(app, ["models", "list"])
    assert res.exit_code == 0 and "whisper-base (default)" in res.stdout
    res = runner.invoke(app, ["models", "verify"])
    assert res.exit_code == 0 and res.stdout.strip().endswith(": ok")


def test_mono_summary_says_how_speakers_were_found():
    res = runner.invoke(app, ["score", str(SAMPLES / "call05_mono_pcm.wav")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stdout
    assert "speakers: mono: 2 voices" in res.stdout and "role confidence" in res.stdout
    assert "overtalk measured by mono estimate" in res.stdout


def test_silent_stereo_file(tmp_path):
    import numpy as np

    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros((16000, 2), np.float32), 8000)
    res = runner.invoke(app, ["score", str(path), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["transcript"] == []
