"""The rule-file schema: pydantic models that reject unknown keys.

A rule file is YAML::

    version: 1
    lists:                      # named phrase lists, used as "@name"
      greeting: [您好, 你好]
    rules:
      - id: opening.greeting
        title: 开头语
        severity: minor         # minor | major | critical (critical = 一票否决)
        when: <condition>       # optional: the check is n/a when this does not hold
        require: <condition>    # fails when this does not hold …
        forbid: <condition>     # … or fails when this holds (exactly one of the two)
    disable: [speech.rate]      # switch off rules loaded earlier (e.g. the defaults)

A condition is a mapping with exactly one operator key; the operators (each with its model
here and its evaluator) are registered in :mod:`qa_pipeline.rules.operators`; see the
README's rule-file reference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .patterns import compile_pattern
from .voice_values import VOICE_METRICS

from .sheet_ops import Knowledge, KnowledgeCheck, ResponseGap

Who = Literal["agent", "customer", "any"]
Party = Literal["agent", "customer"]


def _valid_pattern(v: str | None) -> str | None:
    if v is not None:
        compile_pattern(v)  # ValueError with the fix
    return v


def _one_party(v: Any) -> Any:
    if v == "any":
        raise ValueError("speaker 'any' makes this check always pass (everyone is both the teller and the caller); "
                         "use 'agent' or 'customer'")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """A time window: the first or last N seconds of the call or of the speaker's own speech."""

    first_s: float | None = Field(None, gt=0)
    last_s: float | None = Field(None, gt=0)
    of: Literal["call", "speaker"] = "call"

    @model_validator(mode="after")
    def _one(self) -> Window:
        if (self.first_s is None) == (self.last_s is None):
            raise ValueError("give exactly one of 'first_s' or 'last_s'")
        return self


class Turns(_Strict):
    """Which of the speaker's utterances count: the first N, the last N, or all but the first N."""

    first: int | None = Field(None, ge=1)
    last: int | None = Field(None, ge=1)
    skip: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one(self) -> Turns:
        if sum(v is not None for v in (self.first, self.last, self.skip)) != 1:
            raise ValueError("give exactly one of 'first', 'last' or 'skip'")
        return self


class Scope(_Strict):
    speaker: Who = "any"
    window: Window | None = None
    utterances: Turns | None = None


class Phrases(Scope):
    """Phrases heard (pinyin-tolerant). Exactly one of any / all / none."""

    any: list[str] | None = None
    all: list[str] | None = None
    none: list[str] | None = None
    unless: list[str] = Field(default_factory=list, description="allow-list: a hit inside one of these is ignored")
    tolerance: float | None = Field(None, ge=0, le=0.5)
    at_least: int | None = Field(None, ge=1)
    at_most: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one(self) -> Phrases:
        given = [k for k in ("any", "all", "none") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'any', 'all' or 'none' (a list of phrases)")
        if not getattr(self, given[0]):
            raise ValueError(f"'{given[0]}' must list at least one phrase")
        return self

    @property
    def listed(self) -> list[str]:
        return self.any or self.all or self.none or []


class Regex(Scope):
    """A regular expression (``re`` syntax), compiled once at load and bounded in time (see :mod:`.patterns`)."""

    pattern: str
    at_least: int | None = Field(None, ge=1)
    at_most: int | None = Field(None, ge=0)
    _compiled: Any = PrivateAttr(None)

    _compiles = field_validator("pattern")(_valid_pattern)

    def model_post_init(self, __context: Any) -> None:
        self._compiled = compile_pattern(self.pattern)

    @property
    def compiled(self):
        return self._compiled


class Before(_Strict):
    """``first`` is heard before ``then`` (holds when ``then`` is never heard)."""

    first: Phrases
    then: Phrases


class FollowedBy(_Strict):
    """Every ``trigger`` gets a ``response`` within the responder's next ``within_turns`` turns."""

    trigger: Phrases
    response: Phrases
    within_turns: int = Field(2, ge=1)


class NoneAfter(_Strict):
    """Nothing in ``forbidden`` is heard after the first ``anchor``."""

    anchor: Phrases
    forbidden: Phrases


METRICS = ("speech_rate_cpm", "closing_rate_ratio", "longest_silence_s", "silence_total_s", "silence_count",
           "interruptions", "overtalk_total_s", "talk_share")
METRICS = METRICS + VOICE_METRICS  # pitch, held syllables, pauses, clarity, level, sentiment (voice.yaml)


class Metric(_Strict):
    """A measurement compared with thresholds; holds when every given comparison is true."""

    name: Literal[METRICS]  # type: ignore[valid-type]
    speaker: Who = "any"
    min_span_s: float = Field(0.0, ge=0, description="silences/overlaps shorter than this are not counted")
    window_s: float = Field(30.0, gt=0, description="closing_rate_ratio: the closing window, in own speech")
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None
    outside: tuple[float, float] | None = None
    confidence: float | None = Field(None, ge=0, le=1, description="how far this measurement tells the item "
                                     "(0–1), scaled down when little speech stands behind it; shown on the evidence")

    @model_validator(mode="after")
    def _some(self) -> Metric:
        if all(getattr(self, k) is None for k in ("above", "at_least", "below", "at_most", "outside")):
            raise ValueError("give a comparison: above, at_least, below, at_most or outside: [low, high]")
        return self


class EntityCond(Scope):
    types: list[str] = Field(min_length=1)
    at_least: int = Field(1, ge=1)


class AroundSilence(_Strict):
    """Around every silence of at least ``min_s``: the speaker said ``before`` in their last
    ``within_turns`` turns before it and ``after`` in their first ``within_turns`` turns after it."""

    min_s: float = Field(10.0, gt=0)
    speaker: Who = "agent"
    before: list[str] | None = None
    after: list[str] | None = None
    within_turns: int = Field(1, ge=1)
    tolerance: float | None = Field(None, ge=0, le=0.5)


class IdentityVerified(_Strict):
    """Every disclosure by ``speaker`` comes after enough identifiers for its tier (see ``privacy``)."""

    speaker: Party = "agent"

    _one = field_validator("speaker", mode="before")(_one_party)


class ConfidentialReadout(_Strict):
    """``speaker`` reads out confidential data the other party had not said first."""

    speaker: Party = "agent"

    _one = field_validator("speaker", mode="before")(_one_party)

Severity = Literal["minor", "major", "critical"]


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
    title: str
    description: str = ""
    severity: Severity = "major"
    when: dict | None = None
    require: dict | None = None
    forbid: dict | None = None

    @model_validator(mode="after")
    def _one(self) -> Rule:
        if (self.require is None) == (self.forbid is None):
            raise ValueError("give exactly one of 'require' (fails when it does not hold) or 'forbid' "
                             "(fails when it holds)")
        return self


class Identifier(_Strict):
    label: str
    entities: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)


class Tier(_Strict):
    label: str
    cues: list[str] = Field(min_length=1)
    needs_any: int = Field(1, ge=0, description="how many identifiers in all")
    needs_one_of: list[str] = Field(default_factory=list, description="of which at least one of these")
    verify_only: bool = False


class Privacy(_Strict):
    identifiers: dict[str, Identifier]
    tolerance: float = Field(0.1, ge=0, le=0.5, description="cue matching; 保单号/报案号 differ by one syllable")
    tiers: dict[str, Tier]
    request_markers: list[str] = Field(default_factory=list, description="an utterance with these asks, not tells")
    confidential_cues: list[str] = Field(default_factory=list)
    confidential_entities: list[str] = Field(default_factory=list)


class EntityFormats(_Strict):
    policy_number_pattern: str | None = None
    policy_number_cues: list[str] | None = None
    claim_number_pattern: str | None = None
    claim_number_cues: list[str] | None = None
    name_cues: list[str] | None = None
    account_cues: list[str] | None = None
    id_cues: list[str] | None = None
    phone_cues: list[str] | None = None
    cued_min_digits: int | None = Field(None, ge=4, le=30)

    _patterns = field_validator("policy_number_pattern", "claim_number_pattern")(_valid_pattern)


class PartialCredit(_Strict):
    """A failure with at most ``hits_at_most`` violations earns ``points`` (status ``partial``)."""

    points: float = Field(gt=0)
    hits_at_most: int = Field(1, ge=1)


class Confidence(_Strict):
    """How often each verdict of the item is right: a prior per verdict (see rules/checklist.yaml)."""

    pass_: float = Field(0.9, ge=0, le=1, alias="pass")
    fail: float = Field(0.9, ge=0, le=1)
    na: float = Field(0.9, ge=0, le=1, alias="n/a")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ChecklistItem(_Strict):
    check: str | None = None
    manual: str | None = None
    title: str | None = None
    points: float = Field(0, ge=0)
    deduct_per_hit: float | None = Field(None, gt=0)
    fatal: bool = False
    # the whole-sheet semantics (qa_pipeline/scoring.py): see rules/checklist.yaml
    deduct: float | None = Field(None, gt=0, description="a failure costs this many points, once")
    group: str | None = Field(None, description="items that share one deduction and a floor of 0")
    partial: PartialCredit | None = None
    optional: bool = Field(False, description="the check may be absent (n/a, confidence 0, not a silent pass)")
    confidence: Confidence = Field(default_factory=lambda: Confidence())

    @model_validator(mode="after")
    def _one(self) -> ChecklistItem:
        if (self.check is None) == (self.manual is None):
            raise ValueError("give exactly one of 'check' (a rule id) or 'manual' (an item a reviewer scores)")
        if self.manual and not self.title:
            raise ValueError("a manual item needs a 'title' reviewers can read")
        return self


class Section(_Strict):
    name: str
    points: float = Field(gt=0)
    items: list[ChecklistItem] = Field(min_length=1)


class Flagging(_Strict):
    below_score: float = Field(80, ge=0, le=100)
    on_fatal: bool = True
    checks: list[str] = Field(default_factory=list, description="a failure of any of these flags the call")
    reasons: dict[str, str] = Field(default_factory=dict, description="check id → the flag reason shown "
                                    "(default: '<id> failed')")


class Checklist(_Strict):
    name: str
    total_points: float = 100
    low_confidence_below: float = Field(0.6, ge=0, le=1, description="items less sure than this go to low_confidence")
    flag: Flagging = Flagging()
    sections: list[Section] = Field(min_length=1)


class RoleCue(_Strict):
    """A phrase family that tells which side is the agent: a stereo call's channel (``--agent-channel auto``)
    or a mono call's diarized voice (both scored by :func:`qa_pipeline.roles.decide_roles`)."""

    cue: str = Field(min_length=1)
    points_to: Literal["agent", "customer"]
    weight: float = Field(gt=0, le=10)
    any: list[str] = Field(min_length=1)
    first_s: float | None = Field(None, gt=0)  # only in the speaker's first N seconds of the call


class RuleFile(_Strict):
    version: Literal[1]
    description: str = ""
    lists: dict[str, list[str]] = Field(default_factory=dict)
    defaults: dict[Literal["tolerance"], float] = Field(default_factory=dict)
    rules: list[dict] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    vocabulary: list[str] = Field(default_factory=list)
    entities: EntityFormats | None = None
    privacy: Privacy | None = None
    checklist: Checklist | None = None
    knowledge: Knowledge | None = None
    role_cues: list[RoleCue] = Field(default_factory=list)
