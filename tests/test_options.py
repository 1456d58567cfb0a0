"""One way from settings to PipelineOptions, recorded in every report; the rule operator registry; bounded regexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex
from typer.testing import CliRunner

from qa_pipeline import ConfigError, pipeline_options, score_call
from qa_pipeline.cli import app
from qa_pipeline.rules import load_rules
from qa_pipeline.rules.operators import OPERATORS
from qa_pipeline.rules.patterns import PatternTimeout, compile_pattern, finditer
from qa_pipeline.version import __version__

DIALOGUE = [{"speaker": "agent", "text": "您好，安心保险，工号1024。"},
            {"speaker": "customer", "text": "我想查保单。"},
            {"speaker": "agent", "text": "感谢您的来电，再见。"}]


@pytest.fixture()
def tx(tmp_path):
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(json.dumps(u, ensure_ascii=False) for u in DIALOGUE) + "\n", encoding="utf-8")
    return path


def test_config_then_values_win(tmp_path, monkeypatch):
    monkeypatch.delenv("QA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "team.toml"
    cfg.write_text('[asr]\nbeam_size = 5\ncompute_type = "int8"\n[audio]\nagent_channel = "right"\n'
                   '[metrics]\nhold_min_s = 12\n')
    opts = pipeline_options(cfg)
    assert (opts.asr.beam_size, opts.agent_channel, opts.metrics.hold_min_s) == (5, "right", 12.0)
    opts = pipeline_options(cfg, beam_size=2, agent_channel="left", rules_dir=tmp_path)
    assert (opts.asr.beam_size, opts.agent_channel, opts.rules_dir) == (2, "left", str(tmp_path))
    assert pipeline_options().asr.beam_size == 1  # no config given, none in $QA_CONFIG or ./qa.toml: the defaults
    cfg.rename(tmp_path / "qa.toml")
    assert pipeline_options().asr.beam_size == 5  # ./qa.toml is found


@pytest.mark.parametrize("values, says", [
    ({"beam_size": "five"}, "--beam-size"),
    ({"beam_size": 0}, "out of range"),
    ({"device": "tpu"}, "use one of: cpu, cuda, auto"),
    ({"agent_channel": "middle"}, "use one of: auto, left, right"),
    ({"threads": 1.5}, "whole number"),
    ({"no_such_option": 1}, "unknown key"),
], ids=["text-for-int", "range", "device", "channel", "float-for-int", "unknown"])
def test_values_are_checked_like_the_config(values, says, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QA_CONFIG", raising=False)
    with pytest.raises(ConfigError, match=says):
        pipeline_options(**values)


def test_the_report_records_the_options_it_was_made_with(tx, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QA_CONFIG", raising=False)
    report = score_call(tx, pipeline_options(beam_size=3, agent_channel="right"))
    rec = report.options
    assert rec["qa_version"] == __version__ and rec["agent_channel"] == "right" and rec["asr"]["beam_size"] == 3
    assert set(rec) >= {"audio", "asr", "metrics", "diarize", "rules_dir"}
    assert report.to_dict()["options"] == rec
    res = CliRunner().invoke(app, ["score", str(tx), "--json", "--beam-size", "4"], env={"QA_CONFIG": ""})
    assert res.exit_code == 0 and json.loads(res.stdout)["options"]["asr"]["beam_size"] == 4


def test_each_operator_is_registered_once_with_model_and_evaluator():
    rules = load_rules()
    seen = set()

    def walk(cond):
        assert cond.operator is OPERATORS[cond.op]
        seen.add(cond.op)
        for child in cond.children:
            walk(child)

    for rule in rules.rules.values():
        walk(rule.test)
        if rule.when is not None:
            walk(rule.when)
    assert {"phrases", "metric", "identity_verified", "confidential_readout"} <= seen
    for op in OPERATORS.values():
        assert callable(op.evaluate) and (op.model is not None) == (op.combinator is None)


def test_patterns_are_compiled_once_and_bounded_at_run_time():
    assert compile_pattern(r"工号\d{4}") is compile_pattern(r"工号\d{4}")
    with pytest.raises(ValueError, match="backtracks catastrophically"):
        compile_pattern(r"(x|xx)+y")
    slow = regex.compile(r"(a|aa)+$")  # what the load-time probe refuses, run without it
    with pytest.raises(PatternTimeout, match="ran over"):
        finditer(slow, "a" * 40 + "!", timeout_s=0.05)
    assert [m.group(0) for m in finditer(compile_pattern(r"\d{4}"), "工号1024")] == ["1024"]


def test_a_transcript_report_meets_the_public_schema(tx, tmp_path, monkeypatch):
    import jsonschema

    from qa_pipeline.redact import redact_report

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QA_CONFIG", raising=False)
    schema = json.loads((Path(__file__).parent.parent / "qa_pipeline/schema/call_report.schema.json").read_text())
    data = redact_report(score_call(tx, pipeline_options())).to_dict()
    jsonschema.validate(data, schema)
    assert data["options"]["qa_version"] == __version__
