"""Who is the agent, no ASR: one cue table (``role_cues`` in the rule files) and one scoring for
stereo channels and mono voices; a project's rules folder changes both; a bad cue is a config error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from qa_pipeline.channels import channel_assignment, decide_agent_channel
from qa_pipeline.cli import app
from qa_pipeline.errors import EXIT_CONFIG
from qa_pipeline.roles import assign_roles, decide_roles
from qa_pipeline.rules import load_rules
from qa_pipeline.types import Utterance

runner = CliRunner()


def _u(start: float, text: str) -> Utterance:
    return Utterance("unknown", start, start + 2.0, text, text)


# the agent greets with a house phrase the default cues do not know; the customer only answers
AGENT = [_u(0.5, "尊敬的会员，这里是星河会员中心。"), _u(6.0, "请把订单号念一下。")]
CUSTOMER = [_u(3.0, "嗯，是我。"), _u(8.0, "订单号是886234579。")]
PROJECT = """version: 1
lists:
  house_greeting: [尊敬的会员, 星河会员中心]
role_cues:
  - {cue: house_greeting, points_to: agent, weight: 3, any: ["@house_greeting"], first_s: 20}
  - {cue: asks_order, points_to: agent, weight: 2, any: [把订单号念一下]}
"""


@pytest.fixture()
def project(tmp_path):
    (tmp_path / "roles.yaml").write_text(PROJECT, encoding="utf-8")
    return load_rules(tmp_path)


def test_project_cues_decide_both_stereo_and_mono(project):
    default = load_rules()
    # the customer on the left, the agent on the right: the default cues hear only digits and timing
    stereo = decide_agent_channel(CUSTOMER, AGENT, rules=default)
    mono = assign_roles([CUSTOMER, AGENT], rules=default)
    assert {c.cue for c in stereo.cues} == {"gives_number", "answers_first"}
    assert {c.cue for c in mono.cues} == {"gives_number"}
    # the project's roles.yaml replaces the cue table for both kinds of call
    stereo = decide_agent_channel(CUSTOMER, AGENT, rules=project)
    mono = assign_roles([CUSTOMER, AGENT], rules=project)
    assert (stereo.agent, stereo.level) == ("right", "high"), stereo
    assert (mono.agent, mono.level) == (1, "high"), mono
    said = {(c.cue, c.side) for c in mono.cues}
    assert said == {("house_greeting", 1), ("asks_order", 1), ("gives_number", 0)}
    assert {(c.cue, {"left": 0, "right": 1}[c.side]) for c in stereo.cues} == said | {("answers_first", 1)}


def test_one_scoring_for_channels_and_voices(project):
    """The same two transcripts give the same cues, margin and agent, as channels or as voices
    (stereo adds only ``answers_first``)."""
    by_channel = decide_roles({"left": AGENT, "right": CUSTOMER}, rules=project, answers_first=False)
    by_voice = assign_roles([AGENT, CUSTOMER], rules=project)
    assert (by_channel.margin, by_channel.confidence, by_channel.level) == \
           (by_voice.margin, by_voice.confidence, by_voice.level)
    assert [(c.cue, c.weight, c.start, c.quote) for c in by_channel.cues] == \
           [(c.cue, c.weight, c.start, c.quote) for c in by_voice.cues]
    assert (by_channel.agent, by_voice.agent) == ("left", 0)


def test_cue_quotes_are_masked_and_short():
    long_id = _u(2.0, "我的身份证号是110105198503071234，" + "麻烦您快一点" * 12)
    d = assign_roles([[_u(0.5, "您好，工号1234，很高兴为您服务。")], [long_id]])
    quote = next(c.quote for c in d.cues if c.cue == "gives_number")
    assert "198503071234" not in quote and len(quote) <= 60


def test_report_cues_keep_their_shape():
    d = decide_agent_channel(AGENT, CUSTOMER)
    sp = channel_assignment(d, {"left": "agent", "right": "customer"})
    assert sp.method == "stereo channels" and sp.role_level == d.level
    for c in sp.cues:
        assert set(vars(c)) == {"cue", "points_to", "weight", "speaker", "start", "quote"}
        assert c.speaker in ("agent", "customer")


BAD = [
    ("points_to: boss", "{cue: x, points_to: boss, weight: 1, any: [a]}", "Input should be 'agent' or 'customer'"),
    ("unknown list", "{cue: x, points_to: agent, weight: 1, any: ['@nope']}",
     "role cue 'x': unknown list '@nope'; define it under 'lists:'"),
    ("weight 0", "{cue: x, points_to: agent, weight: 0, any: [a]}", "weight: Input should be greater than 0"),
    ("no phrases", "{cue: x, points_to: agent, weight: 1}", "missing required key 'any'"),
    ("empty phrases", "{cue: x, points_to: agent, weight: 1, any: []}", "any"),
    ("unknown key", "{cue: x, points_to: agent, weight: 1, any: [a], lang: zh}", "unknown key 'lang'"),
    ("first_s negative", "{cue: x, points_to: agent, weight: 1, any: [a], first_s: -5}",
     "first_s: Input should be greater than 0"),
]


@pytest.mark.parametrize("entry, message", [(e, m) for _, e, m in BAD], ids=[i for i, _, _ in BAD])
def test_bad_role_cue_is_a_config_error_with_file_line_and_fix(tmp_path, entry, message):
    good = "{cue: ok, points_to: customer, weight: 1, any: [我想查询]}"
    (tmp_path / "roles.yaml").write_text(f"version: 1\nrole_cues:\n  - {good}\n  - {entry}\n", encoding="utf-8")
    res = runner.invoke(app, ["rules", "validate", str(tmp_path)])
    assert res.exit_code == EXIT_CONFIG == 4, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    assert "roles.yaml:4:" in lines[0] and message in lines[0], lines[0]
