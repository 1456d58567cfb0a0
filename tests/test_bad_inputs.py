"""A hundred-odd bad inputs, each answered with the README's exit code and exactly one stderr line.

Every case runs the real CLI in process (``CliRunner``) on real files written to a temporary
folder; none reaches the speech model. Codes: 2 usage, 3 bad input, 4 config/model/rules/database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from qa_pipeline.cli import app
from qa_pipeline.errors import EXIT_BAD_INPUT, EXIT_CONFIG, EXIT_USAGE

USAGE, BAD, CONFIG = EXIT_USAGE, EXIT_BAD_INPUT, EXIT_CONFIG
runner = CliRunner()

GOOD_TX = '[{"speaker": "agent", "text": "您好", "start": 0, "end": 1}]'


def utt(**fields) -> str:
    """A JSON transcript of one utterance with ``fields`` over a good one."""
    row = {"speaker": "agent", "text": "您好", "start": 0.5, "end": 1.5, **fields}
    return json.dumps([row], ensure_ascii=False)


def raw_utt(fragment: str) -> str:
    """A transcript whose one utterance has ``fragment`` (raw JSON text) as a field."""
    return '[{"speaker": "agent", "text": "您好", ' + fragment + '}]'


def report(**fields) -> str:
    """A report-shaped JSON (as ``qa score --json`` writes) with ``fields`` over a good one."""
    return json.dumps({"call_id": "c1", "duration_s": 3.0, "audio": {"sample_rate": 8000, "channels": 2},
                       "transcript": [{"speaker": "agent", "text": "您好", "start": 0.5, "end": 1.5}], **fields})


def wav(channels: int = 2, seconds: float = 1.0, rate: int = 8000):
    def write(path: Path) -> None:
        sf.write(path, np.zeros((int(seconds * rate), channels), np.float32), rate)
    return write


def rules_file(text: str) -> dict:
    return {"rules/r.yaml": text}


RULE = """version: 1
rules:
  - id: x.y
    title: t
    require: {phrases: {speaker: agent, any: [您好]}}
"""


def alias_bomb(levels: int = 9) -> str:
    lines = ["version: 1", "lists:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghijk"[:levels - 1]:
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


def symlink(target: str):
    def make(path: Path) -> None:
        path.symlink_to(target)
    return make


def loop(path: Path) -> None:
    other = path.with_name("loop_b.wav")
    other.symlink_to(path.name)
    path.symlink_to(other.name)


def folder(path: Path) -> None:
    path.mkdir()


def fifo(path: Path) -> None:
    os.mkfifo(path)  # reading it would wait for ever


TX = ["score", "{tmp}/t.json"]
JL = ["score", "{tmp}/t.jsonl"]
CFG = ["score", "{tmp}/ok.json", "--config", "{tmp}/qa.toml"]
RULES = ["rules", "validate", "{tmp}/rules"]
USERS = ["review", "--db", "{tmp}/none.db", "--users", "{tmp}/users.yaml"]

# (id, argv, files to write {name: bytes | str | callable(path)}, expected exit code)
CASES = [
    # -- recordings: missing, not audio, wrong shape -------------------------------------------------------
    ("audio-missing", ["score", "{tmp}/nope.wav"], {}, BAD),
    ("audio-empty", ["score", "{tmp}/a.wav"], {"a.wav": b""}, BAD),
    ("audio-text", ["score", "{tmp}/a.wav"], {"a.wav": b"not audio at all " * 20}, BAD),
    ("audio-truncated-riff", ["score", "{tmp}/a.wav"], {"a.wav": b"RIFF\x00\x00"}, BAD),
    ("audio-riff-header-only", ["score", "{tmp}/a.wav"], {"a.wav": b"RIFF\x24\x00\x00\x00WAVEfmt "}, BAD),
    ("audio-random-mp3", ["score", "{tmp}/a.mp3"], {"a.mp3": os.urandom(4000)}, BAD),
    ("audio-empty-mp3", ["score", "{tmp}/a.mp3"], {"a.mp3": b""}, BAD),
    ("audio-random-flac", ["score", "{tmp}/a.flac"], {"a.flac": b"fLaC" + os.urandom(500)}, BAD),
    ("audio-random-ogg", ["score", "{tmp}/a.ogg"], {"a.ogg": b"OggS" + os.urandom(500)}, BAD),
    ("audio-random-m4a", ["score", "{tmp}/a.m4a"], {"a.m4a": os.urandom(800)}, BAD),
    ("audio-no-suffix", ["score", "{tmp}/recording"], {"recording": b"\x00\x01" * 300}, BAD),
    ("audio-html", ["score", "{tmp}/a.wav"], {"a.wav": b"<html><body>404</body></html>"}, BAD),
    ("audio-three-channels", ["score", "{tmp}/a.wav"], {"a.wav": wav(channels=3)}, BAD),
    ("audio-too-short", ["score", "{tmp}/a.wav"], {"a.wav": wav(seconds=0.1)}, BAD),
    ("audio-zero-frames", ["score", "{tmp}/a.wav"], {"a.wav": wav(seconds=0)}, BAD),
    ("audio-folder", ["score", "{tmp}/calls"], {"calls": folder}, BAD),
    ("audio-dangling-link", ["score", "{tmp}/a.wav"], {"a.wav": symlink("gone.wav")}, BAD),
    ("audio-link-loop", ["score", "{tmp}/loop_a.wav"], {"loop_a.wav": loop}, BAD),
    ("audio-fifo", ["score", "{tmp}/a.wav"], {"a.wav": fifo}, BAD),
    ("tx-fifo", TX, {"t.json": fifo}, BAD),
    ("redact-missing", ["redact", "{tmp}/nope.wav", "-o", "{tmp}/out.wav"], {}, BAD),
    ("redact-not-audio", ["redact", "{tmp}/a.wav", "-o", "{tmp}/out.wav"], {"a.wav": b"text"}, BAD),
    # -- transcripts --------------------------------------------------------------------------------------------
    ("tx-empty-json", TX, {"t.json": ""}, BAD),
    ("tx-empty-jsonl", JL, {"t.jsonl": ""}, BAD),
    ("tx-not-json", TX, {"t.json": "hello"}, BAD),
    ("tx-nan-start", TX, {"t.json": raw_utt('"start": NaN, "end": 1')}, BAD),
    ("tx-infinity-end", TX, {"t.json": raw_utt('"start": 0, "end": Infinity')}, BAD),
    ("tx-minus-infinity", TX, {"t.json": raw_utt('"start": -Infinity, "end": 1')}, BAD),
    ("tx-nan-jsonl", JL, {"t.jsonl": '{"speaker": "agent", "text": "x", "start": NaN, "end": 1}\n'}, BAD),
    ("tx-deep-list", TX, {"t.json": "[" * 100_000 + "]" * 100_000}, BAD),
    ("tx-deep-object", TX, {"t.json": '{"a":' * 100_000 + "1" + "}" * 100_000}, BAD),
    ("tx-deep-jsonl-line", JL, {"t.jsonl": "[" * 50_000 + "]" * 50_000 + "\n"}, BAD),
    ("tx-words-int", TX, {"t.json": utt(words=5)}, BAD),
    ("tx-words-string", TX, {"t.json": utt(words="您 好")}, BAD),
    ("tx-words-object", TX, {"t.json": utt(words={"start": 0})}, BAD),
    ("tx-word-start-text", TX, {"t.json": utt(words=[{"start": "a", "end": 1, "text": "您"}])}, BAD),
    ("tx-word-end-list", TX, {"t.json": utt(words=[{"start": 0, "end": [1], "text": "您"}])}, BAD),
    ("tx-word-text-number", TX, {"t.json": utt(words=[{"start": 0, "end": 1, "text": 5}])}, BAD),
    ("tx-word-prob-text", TX, {"t.json": utt(words=[{"start": 0, "end": 1, "text": "您", "prob": "high"}])}, BAD),
    ("tx-word-prob-range", TX, {"t.json": utt(words=[{"start": 0, "end": 1, "text": "您", "prob": 7}])}, BAD),
    ("tx-word-nan", TX, {"t.json": raw_utt('"start": 0, "end": 1, "words": [{"start": NaN, "end": 1, "text": "x"}]')},
     BAD),
    ("tx-start-text", TX, {"t.json": utt(start="abc")}, BAD),
    ("tx-start-bool", TX, {"t.json": utt(start=True)}, BAD),
    ("tx-start-object", TX, {"t.json": utt(start={"s": 1})}, BAD),
    ("tx-end-before-start", TX, {"t.json": utt(start=5, end=1)}, BAD),
    ("tx-negative-start", TX, {"t.json": utt(start=-5)}, BAD),
    ("tx-huge-time", TX, {"t.json": utt(start=0, end=1e308)}, BAD),
    ("tx-text-object", TX, {"t.json": utt(text={"a": 1})}, BAD),
    ("tx-text-list", TX, {"t.json": utt(text=["您好"])}, BAD),
    ("tx-raw-text-number", TX, {"t.json": utt(raw_text=12)}, BAD),
    ("tx-text-too-long", TX, {"t.json": utt(text="好" * 25_000)}, BAD),
    ("tx-speaker-list", TX, {"t.json": utt(speaker=["agent"])}, BAD),
    ("tx-speaker-missing", TX, {"t.json": '[{"text": "您好"}]'}, BAD),
    ("tx-speaker-unknown", TX, {"t.json": utt(speaker="boss")}, BAD),
    ("tx-speaker-number", TX, {"t.json": utt(speaker=1)}, BAD),
    ("tx-rate-text", TX, {"t.json": utt(rate_cpm="fast")}, BAD),
    ("tx-rate-negative", TX, {"t.json": utt(rate_cpm=-3)}, BAD),
    ("tx-row-string", TX, {"t.json": '["您好"]'}, BAD),
    ("tx-row-null", TX, {"t.json": "[null]"}, BAD),
    ("tx-top-number", TX, {"t.json": "5"}, BAD),
    ("tx-top-string", TX, {"t.json": '"您好"'}, BAD),
    ("tx-top-null", TX, {"t.json": "null"}, BAD),
    ("tx-empty-list", TX, {"t.json": "[]"}, BAD),
    ("tx-report-transcript-object", TX, {"t.json": '{"transcript": {"speaker": "agent"}}'}, BAD),
    ("tx-report-empty", TX, {"t.json": report(transcript=[])}, BAD),
    ("tx-report-duration-text", TX, {"t.json": report(duration_s="long")}, BAD),
    ("tx-report-duration-negative", TX, {"t.json": report(duration_s=-1)}, BAD),
    ("tx-report-audio-list", TX, {"t.json": report(audio=[8000])}, BAD),
    ("tx-report-sample-rate-text", TX, {"t.json": report(audio={"sample_rate": "8k"})}, BAD),
    ("tx-report-codec-number", TX, {"t.json": report(audio={"codec": 7})}, BAD),
    ("tx-report-call-id-number", TX, {"t.json": report(call_id=42)}, BAD),
    ("tx-jsonl-bad-line", JL, {"t.jsonl": '{"speaker": "agent", "text": "您好"}\n{oops\n'}, BAD),
    ("tx-jsonl-long-line", JL, {"t.jsonl": '{"speaker": "agent", "text": "' + "好" * 120_000 + '"}\n'}, BAD),
    ("tx-jsonl-too-many", JL, {"t.jsonl": '{"speaker": "A", "text": "嗯"}\n' * 50_001}, BAD),
    ("tx-not-utf8", TX, {"t.json": "[{\"speaker\": \"agent\", \"text\": \"您好\"}]".encode("gbk")}, BAD),
    ("tx-binary", TX, {"t.json": os.urandom(300)}, BAD),
    ("tx-folder", ["score", "{tmp}/t.json"], {"t.json": folder}, BAD),
    # -- config file ----------------------------------------------------------------------------------------------
    ("cfg-beam-text", CFG, {"qa.toml": '[asr]\nbeam_size = "five"\n'}, CONFIG),
    ("cfg-beam-zero", CFG, {"qa.toml": "[asr]\nbeam_size = 0\n"}, CONFIG),
    ("cfg-beam-float", CFG, {"qa.toml": "[asr]\nbeam_size = 5.5\n"}, CONFIG),
    ("cfg-beam-bool", CFG, {"qa.toml": "[asr]\nbeam_size = true\n"}, CONFIG),
    ("cfg-device", CFG, {"qa.toml": '[asr]\ndevice = "tpu"\n'}, CONFIG),
    ("cfg-threads-negative", CFG, {"qa.toml": "[asr]\nthreads = -1\n"}, CONFIG),
    ("cfg-model-empty", CFG, {"qa.toml": '[asr]\nmodel = ""\n'}, CONFIG),
    ("cfg-model-number", CFG, {"qa.toml": "[asr]\nmodel = 5\n"}, CONFIG),
    ("cfg-vad-nan", CFG, {"qa.toml": "[asr]\nvad_threshold = nan\n"}, CONFIG),
    ("cfg-vad-inf", CFG, {"qa.toml": "[asr]\nvad_threshold = inf\n"}, CONFIG),
    ("cfg-vad-range", CFG, {"qa.toml": "[asr]\nvad_threshold = 3\n"}, CONFIG),
    ("cfg-diarize-int-bool", CFG, {"qa.toml": "[diarize]\nenabled = 1\n"}, CONFIG),
    ("cfg-agent-channel", CFG, {"qa.toml": '[audio]\nagent_channel = "middle"\n'}, CONFIG),
    ("cfg-silence-negative", CFG, {"qa.toml": "[metrics]\nmin_silence_s = -1\n"}, CONFIG),
    ("cfg-silence-list", CFG, {"qa.toml": "[metrics]\nmin_silence_s = [1, 2]\n"}, CONFIG),
    ("cfg-rules-dir-number", CFG, {"qa.toml": "[rules]\ndir = 5\n"}, CONFIG),
    ("cfg-unknown-section", CFG, {"qa.toml": "[foo]\nx = 1\n"}, CONFIG),
    ("cfg-unknown-key", CFG, {"qa.toml": "[asr]\nbeem_size = 1\n"}, CONFIG),
    ("cfg-section-not-table", CFG, {"qa.toml": "asr = 5\n"}, CONFIG),
    ("cfg-not-toml", CFG, {"qa.toml": "[asr\nbeam_size = \n"}, CONFIG),
    ("cfg-not-utf8", CFG, {"qa.toml": b"[asr]\nmodel = \"\xff\xfe\"\n"}, CONFIG),
    ("cfg-missing", ["score", "{tmp}/ok.json", "--config", "{tmp}/none.toml"], {}, CONFIG),
    ("cfg-env-missing", ["score", "{tmp}/ok.json"], {"@env": {"QA_CONFIG": "{tmp}/none.toml"}}, CONFIG),
    ("cfg-env-bad-type", ["score", "{tmp}/ok.json"], {"qa.toml": '[asr]\nthreads = "all"\n',
                                                     "@env": {"QA_CONFIG": "{tmp}/qa.toml"}}, CONFIG),
    # -- rule files -------------------------------------------------------------------------------------------------
    ("rules-folder-missing", ["rules", "validate", "{tmp}/nowhere"], {}, CONFIG),
    ("rules-score-folder-missing", ["score", "{tmp}/ok.json", "--rules", "{tmp}/nowhere"], {}, CONFIG),
    ("rules-not-yaml", RULES, rules_file("version: 1\nrules: [\n"), CONFIG),
    ("rules-alias-bomb", RULES, rules_file(alias_bomb(9)), CONFIG),
    ("rules-alias-recursive", RULES, rules_file("version: 1\nlists:\n  a: &a [*a]\n"), CONFIG),
    ("rules-deep-lists", RULES, rules_file("version: 1\nlists:\n  x: " + "[" * 5000 + "]" * 5000 + "\n"), CONFIG),
    ("rules-deep-not", RULES, rules_file(RULE.replace("require: {phrases: {speaker: agent, any: [您好]}}",
                                                      "require: " + "{not: " * 80 + "{phrases: {any: [您好]}}"
                                                      + "}" * 80)), CONFIG),
    ("rules-not-utf8", RULES, {"rules/r.yaml": "version: 1\ndescription: 规则\n".encode("gbk")}, CONFIG),
    ("rules-a-list", RULES, rules_file("- version: 1\n"), CONFIG),
    ("rules-a-scalar", RULES, rules_file("hello\n"), CONFIG),
    ("rules-too-big", RULES, rules_file("version: 1\ndescription: " + "x" * (3 << 20) + "\n"), CONFIG),
    ("rules-unknown-operator", RULES, rules_file(RULE.replace("phrases:", "phrse:")), CONFIG),
    ("rules-catastrophic-regex", RULES, rules_file(RULE.replace("{phrases: {speaker: agent, any: [您好]}}",
                                                                "{regex: {pattern: '(a|aa)+$'}}")), CONFIG),
    ("rules-invalid-regex", RULES, rules_file(RULE.replace("{phrases: {speaker: agent, any: [您好]}}",
                                                           "{regex: {pattern: '(unclosed'}}")), CONFIG),
    ("rules-catastrophic-entity-pattern", RULES,
     rules_file("version: 1\nentities:\n  policy_number_pattern: '(\\d|\\d\\d)+$'\n"), CONFIG),
    ("rules-duplicate-id", RULES, rules_file(RULE + RULE.split("rules:\n")[1]), CONFIG),
    ("rules-speaker-any-identity", RULES, rules_file(RULE.replace("{phrases: {speaker: agent, any: [您好]}}",
                                                                  "{identity_verified: {speaker: any}}")), CONFIG),
    ("rules-speaker-any-readout", RULES, rules_file(RULE.replace("require: {phrases: {speaker: agent, any: [您好]}}",
                                                                 "forbid: {confidential_readout: {speaker: any}}")),
     CONFIG),
    ("rules-unknown-key", RULES, rules_file(RULE.replace("title: t", "title: t\n    titel: t")), CONFIG),
    ("rules-version-2", RULES, rules_file(RULE.replace("version: 1", "version: 2")), CONFIG),
    ("rules-unknown-list", RULES, rules_file(RULE.replace("[您好]", '["@nope"]')), CONFIG),
    ("rules-severity", RULES, rules_file(RULE.replace("title: t", "title: t\n    severity: fatal")), CONFIG),
    ("rules-bad-id", RULES, rules_file(RULE.replace("id: x.y", "id: X")), CONFIG),
    ("rules-both-require-forbid", RULES, rules_file(RULE + "    forbid: {phrases: {any: [喂]}}\n"), CONFIG),
    ("rules-checklist-unknown-rule", RULES, rules_file(
        "version: 1\nchecklist:\n  name: c\n  total_points: 10\n  sections:\n    - name: s\n      points: 10\n"
        "      items:\n        - {check: no.such_rule, points: 10}\n"), CONFIG),
    ("rule-tests-not-utf8", ["rules", "test", "{tmp}/rules"],
     {"rules/r.yaml": RULE, "rules/r.test.txt": "# ruleid: x.y\nA: 你好\n".encode("gbk")}, CONFIG),
    ("rule-tests-bad-line", ["rules", "test", "{tmp}/rules"],
     {"rules/r.yaml": RULE, "rules/r.test.txt": "# ruleid: x.y\n(silence abc)\n"}, CONFIG),
    # -- users file of the review page -------------------------------------------------------------------------------
    ("users-alias-bomb", USERS, {"users.yaml": alias_bomb(9).replace("version: 1\nlists:", "x:")}, CONFIG),
    ("users-not-yaml", USERS, {"users.yaml": "users: [\n"}, CONFIG),
    ("users-short-token", USERS, {"users.yaml": "users:\n  - {name: a, token: short}\n"}, CONFIG),
    ("users-not-a-list", USERS, {"users.yaml": "users: 5\n"}, CONFIG),
    ("users-unknown-role", USERS, {"users.yaml": "users:\n  - {name: a, token: 0123456789abcdefXYZ, role: boss}\n"},
     CONFIG),
    # -- command line ---------------------------------------------------------------------------------------------------
    ("usage-no-file", ["score"], {}, USAGE),
    ("usage-unknown-command", ["scroe", "{tmp}/ok.json"], {}, USAGE),
    ("usage-unknown-option", ["score", "{tmp}/ok.json", "--fast"], {}, USAGE),
    ("usage-out-is-folder", ["score", "{tmp}/ok.json", "-o", "{tmp}"], {}, USAGE),
    ("usage-out-no-folder", ["score", "{tmp}/ok.json", "-o", "{tmp}/no/such/r.json"], {}, USAGE),
    ("usage-redact-out-folder", ["redact", "{tmp}/ok.json", "-o", "{tmp}"], {}, USAGE),
    ("usage-beam-zero", ["score", "{tmp}/ok.json", "--beam-size", "0"], {}, USAGE),
    ("usage-beam-text", ["score", "{tmp}/ok.json", "--beam-size", "five"], {}, USAGE),
    ("usage-threads-negative", ["score", "{tmp}/ok.json", "--threads", "-2"], {}, USAGE),
    ("usage-agent-channel", ["score", "{tmp}/ok.json", "--agent-channel", "middle"], {}, USAGE),
    ("usage-device", ["score", "{tmp}/ok.json", "--device", "tpu"], {}, USAGE),
    ("usage-config-folder", ["score", "{tmp}/ok.json", "--config", "{tmp}"], {}, USAGE),
    ("usage-rules-is-file", ["score", "{tmp}/ok.json", "--rules", "{tmp}/ok.json"], {}, USAGE),
    ("usage-report-view", ["report", "--db", "{tmp}/none.db", "--view", "nope"], {}, USAGE),
    ("usage-report-format", ["report", "--format", "pdf"], {}, USAGE),
    ("usage-sample-rate", ["sample", "--rate", "2"], {}, USAGE),
    ("usage-sample-out-folder", ["sample", "--db", "{tmp}/none.db", "-o", "{tmp}"], {}, USAGE),
    ("usage-review-port", ["review", "--port", "70000"], {}, USAGE),
    ("usage-vocabulary-min-count", ["vocabulary", "suggest", "--min-count", "0"], {}, USAGE),
    ("usage-vocabulary-out-folder", ["vocabulary", "suggest", "--db", "{tmp}/none.db", "-o", "{tmp}"], {}, USAGE),
    ("usage-batch-workers", ["batch", "{tmp}", "--workers", "0"], {}, USAGE),
    ("usage-models-extra", ["models", "list", "extra"], {}, USAGE),
    ("usage-report-out-is-file", ["report", "--db", "{tmp}/none.db", "--format", "csv", "-o", "{tmp}/ok.json"], {}, USAGE),
    ("usage-report-charts-is-file", ["report", "--db", "{tmp}/none.db", "--charts", "{tmp}/ok.json"], {}, USAGE),
    ("usage-sample-sigma-negative", ["sample", "--sigma", "-3"], {}, USAGE),
    # -- databases and dates ------------------------------------------------------------------------------------------------
    ("db-report-missing", ["report", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("db-sample-missing", ["sample", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("db-calibrate-missing", ["calibrate", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("db-not-a-database", ["report", "--db", "{tmp}/text.db"], {"text.db": "hello\n" * 100}, CONFIG),
    ("db-review-missing", ["review", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("db-vocabulary-missing", ["vocabulary", "suggest", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("db-vocabulary-not-a-database", ["vocabulary", "suggest", "--db", "{tmp}/text.db"], {"text.db": "hello\n" * 100},
     CONFIG),
    ("review-open-without-token", ["review", "--host", "0.0.0.0", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("review-short-token", ["review", "--token", "abc", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("review-role", ["review", "--role", "boss", "--db", "{tmp}/none.db"], {}, CONFIG),
    ("date-month-13", ["report", "--db", "{tmp}/text.db", "--from", "2026-13-01"], {"text.db": "x"}, BAD),
    ("date-words", ["sample", "--db", "{tmp}/text.db", "--to", "yesterday"], {"text.db": "x"}, BAD),
    ("batch-folder-missing", ["batch", "{tmp}/nowhere", "--db", "{tmp}/b.db"], {}, BAD),
    ("batch-manifest-missing", ["batch", "{tmp}", "--db", "{tmp}/b.db", "--manifest", "{tmp}/m.csv"], {}, BAD),
]


def _write(tmp: Path, files: dict) -> dict[str, str]:
    env = {"QA_CONFIG": "", "COLUMNS": "80"}
    (tmp / "ok.json").write_text(GOOD_TX, encoding="utf-8")
    for name, content in files.items():
        if name == "@env":
            env.update({k: v.format(tmp=tmp) for k, v in content.items()})
            continue
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return env


def test_the_table_is_large_and_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) >= 101 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("argv, files, code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_one_line_and_exit_code(tmp_path, monkeypatch, argv, files, code):
    monkeypatch.chdir(tmp_path)  # no ./qa.toml of the developer's
    env = _write(tmp_path, files)
    res = runner.invoke(app, [a.format(tmp=tmp_path) for a in argv], env=env)
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == code, (res.exit_code, res.stderr, res.stdout[-500:])
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output and "internal error" not in res.stderr


def test_qa_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "t.json"
    bad.write_text(utt(start="abc"), encoding="utf-8")
    res = runner.invoke(app, ["score", str(bad)], env={"QA_DEBUG": "1", "QA_CONFIG": ""})
    assert res.exit_code != 0 and res.exception is not None and type(res.exception).__name__ == "TranscriptError"


@pytest.mark.parametrize("name, content, argv, code", [
    ("r.mp3", os.urandom(4000), ["score", "{f}"], BAD),  # mpg123 writes "Note: …" lines to fd 2 itself
    ("qa.toml", '[asr]\nbeam_size = "five"\n', ["score", "{tmp}/ok.json", "--config", "{f}"], CONFIG),
    ("rules/r.yaml", alias_bomb(9), ["rules", "validate", "{tmp}/rules"], CONFIG),
], ids=["mp3-decoder-chatter", "config-type", "alias-bomb"])
def test_one_line_at_the_process_level(tmp_path, name, content, argv, code):
    """As a user sees it: a real process, its real stderr (file descriptor 2)."""
    import subprocess
    import sys

    _write(tmp_path, {name: content})
    args = [a.format(tmp=tmp_path, f=tmp_path / name) for a in argv]
    env = {**os.environ, "QA_CONFIG": "", "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-m", "qa_pipeline", *args], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert res.returncode == code, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("error: "), res.stderr


def test_control_characters_never_reach_the_terminal(tmp_path):
    tx = tmp_path / "esc.jsonl"
    tx.write_text(json.dumps({"speaker": "agent", "text": "您好\x1b[31mRED\x1b]0;pwned\x07\r\u202eabc"}) + "\n",
                  encoding="utf-8")
    for extra in ([], ["--json"]):
        res = runner.invoke(app, ["score", str(tx), *extra], env={"QA_CONFIG": "", "COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        assert "您好" in res.stdout and "RED" in res.stdout
        assert not any(c in res.stdout for c in ("\x1b", "\x07", "\u202e", "\\u001b", "\\u202e")), res.stdout
