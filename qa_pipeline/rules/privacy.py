"""Identity verification before disclosure, and confidential data never read out.

From seed 002's 信息查询话术: each tier of policy information (普通/重要/保密) may be
disclosed only after the caller has supplied enough identifiers (保单号, 身份证号,
车牌号…); confidential data (保密信息: bank account, ID number, phone, address) may
only be *verified* against what the caller says, never read out. Tiers, identifiers
and their cue words are data (the ``privacy`` block of the rules), not code.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from ..messages import join, msg, same
from ..types import Finding
from .context import Cond, Context, Outcome, evidence, unknown_speaker
from .match import find

_VALUE = re.compile(r"[0-9A-Z]{3,}")
_NAME_AFTER = re.compile(r"(?:是|叫|为)[\u4e00-\u9fff]{2,3}")
_READOUT = re.compile(r"[0-9X]{6,}")
_ECHO_MIN = 0.8  # Levenshtein similarity above which a value read out is the caller's own, read back


def _other(speaker: str) -> str:
    return {"agent": "customer", "customer": "agent"}.get(speaker, "any")


def _said(ctx: Context, i: int, phrases: list[str]) -> str | None:
    """The first of ``phrases`` heard in utterance ``i`` (homophone-tolerant)."""
    text = ctx.utts[i].text
    for p in phrases:
        if find(p, text, tolerance=ctx.rules.privacy.tolerance):
            return p
    return None


def _has_value(ctx: Context, i: int) -> bool:
    text = ctx.utts[i].text
    return bool(_VALUE.search(text) or _NAME_AFTER.search(text) or ctx.entities[i])


def _supplied(ctx: Context, i: int, last_request: int | None) -> set[str]:
    """Identifiers the caller supplies in utterance ``i`` (a cue plus a value, or a typed entity).

    A bare value ("88623457") counts for the identifier the other side asked for last.
    """
    priv = ctx.rules.privacy
    found = set()
    kinds = {e.type for e in ctx.entities[i]}
    for name, ident in priv.identifiers.items():
        if kinds & set(ident.entities):
            found.add(name)
        elif ident.cues and _said(ctx, i, ident.cues) and _has_value(ctx, i):
            found.add(name)
    if not found and last_request is not None and _has_value(ctx, i):
        found |= {name for name, ident in priv.identifiers.items() if ident.cues and _said(ctx, last_request, ident.cues)}
    return found


def _echoed(value: str, heard: list[str]) -> bool:
    return any(Levenshtein.normalized_similarity(value, c) >= _ECHO_MIN for c in heard)


def _confidential_values(ctx: Context, i: int) -> list[str]:
    """Confidential entities in utterance ``i`` (a card after 还款卡号, an address, a phone…)."""
    return [e.text for e in ctx.entities[i] if e.type in ctx.rules.privacy.confidential_entities]


def identity_verified(spec, ctx: Context) -> Outcome:
    """Holds when every disclosure by ``spec.speaker`` follows enough identifiers for its tier.

    A verify-only tier (保密信息) is also disclosed, without any of its cues, when the speaker
    reads out a confidential entity the caller had not said (a card number after 扣款账户, an
    address).
    """
    priv = ctx.rules.privacy
    teller, caller = spec.speaker, _other(spec.speaker)
    have: dict[str, Finding] = {}
    last_request: int | None = None
    heard_from_caller: list[str] = []
    hits, misses = [], []
    for i, u in enumerate(ctx.utts):
        if u.speaker == caller or (caller == "any" and u.speaker != teller):
            heard_from_caller += _confidential_values(ctx, i) + _READOUT.findall(u.text)
            for name in sorted(_supplied(ctx, i, last_request) - set(have)):
                have[name] = evidence(u.span, u.speaker, u.text, msg("privacy.supplied", label=priv.identifiers[name].label))
            continue
        if teller != "any" and u.speaker != teller:
            continue
        if _said(ctx, i, priv.request_markers):
            last_request = i
            continue
        volunteered = [v for v in _confidential_values(ctx, i) if not _echoed(v, heard_from_caller)]
        for tier_name, tier in priv.tiers.items():
            cue = _said(ctx, i, tier.cues)
            cue_text = same(cue or "")
            if not cue and tier.verify_only and volunteered:
                cue_text = msg("privacy.read_out_cue")
                cue = cue_text.en
            if not cue:
                continue
            n_ok = len(have) >= tier.needs_any
            one_ok = not tier.needs_one_of or any(k in have for k in tier.needs_one_of)
            got = same("、".join(priv.identifiers[k].label for k in have)) or msg("none")
            if n_ok and one_ok:
                hits.append(evidence(u.span, u.speaker, u.text,
                                     msg("privacy.disclosed", tier=tier.label, cue=cue_text, got=got), matched=cue))
            else:
                need = msg("privacy.needs", n=tier.needs_any)
                if tier.needs_one_of:
                    either = msg("or")
                    labels = join((same(priv.identifiers[k].label) for k in tier.needs_one_of), either.en, either.zh)
                    need = msg("privacy.needs_one_of", n=tier.needs_any, labels=labels)
                misses.append(evidence(u.span, u.speaker, u.text, msg("privacy.too_early", tier=tier.label, cue=cue_text,
                                                                      need=need, got=got), matched=cue))
    return Outcome(not misses, hits, misses)


def confidential_readout(spec, ctx: Context) -> Outcome:
    """Holds when ``spec.speaker`` reads out confidential data the other party did not say first
    (use it with ``forbid``).

    Reading back what the caller just said ("跟您核对一下，138…，对吗") is verification
    and allowed; volunteering it ("您登记的联系电话是139…") is not.
    """
    priv = ctx.rules.privacy
    teller = spec.speaker
    heard_from_caller: list[str] = []
    hits, misses = [], []
    for i, u in enumerate(ctx.utts):
        values = _confidential_values(ctx, i)
        if u.speaker != teller:
            heard_from_caller += values + _READOUT.findall(u.text)
            continue
        cue = _said(ctx, i, priv.confidential_cues)
        if cue and not values:
            values = _READOUT.findall(u.text)
            if not values and not _said(ctx, i, priv.request_markers) and cue.startswith("地址"):
                values = [u.text]
        if not values or (_said(ctx, i, priv.request_markers) and not cue):
            continue
        for v in values:
            echoed = _echoed(v, heard_from_caller)
            what = same(f"「{cue}」") if cue else msg("privacy.a_number")
            if echoed:
                misses.append(evidence(u.span, u.speaker, u.text, msg("privacy.read_back", what=what), v))
            else:
                hits.append(evidence(u.span, u.speaker, u.text, msg("privacy.read_out", what=what), v))
    return Outcome(bool(hits), hits, misses)


def needs_privacy(check):
    """An evaluator for a privacy operator: ``n/a`` without a ``privacy`` block or without speaker roles."""
    def run(cond: Cond, ctx: Context) -> Outcome:
        if ctx.rules.privacy is None:
            return Outcome(None, reason=msg("privacy.no_block"))
        if cond.spec.speaker != "any" and not ctx.roles_known:
            return unknown_speaker(cond.spec)
        return check(cond.spec, ctx)

    run.__name__ = check.__name__
    run.__doc__ = check.__doc__
    return run
