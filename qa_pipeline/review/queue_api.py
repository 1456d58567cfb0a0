"""A day's work on the queue: claim a call, give it back, a lead assigns calls or runs the automatic
assignment rules (round-robin per team, a daily quota per reviewer). The SQL lives in ``store/assign.py``."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

from ..errors import ConfigError
from ..store import Store
from ..store.assign import AssignmentRules, assign, auto_assign, release
from .state import PermissionDenied, User


class Assign(BaseModel):
    call_id: str = Field(max_length=255)
    reviewer: str = Field(max_length=128)


def load_assignment_rules(path: str | Path) -> AssignmentRules:
    """``assignment.yaml``: ``daily_quota: 40`` and ``teams: {寿险二组: [王质检, 李质检], "*": [陈主管]}``.

    Raises
    ------
    ConfigError
        The file cannot be read, or a team's reviewers are not a list of names, or the quota is not a
        positive whole number.
    """
    from ..safe_yaml import YamlLimitError, load_yaml

    try:
        data = load_yaml(Path(path)).data or {}
    except (YamlLimitError, OSError) as exc:
        raise ConfigError(f"{path}: cannot read the assignment rules ({exc})") from None
    if not isinstance(data, dict) or set(data) - {"daily_quota", "teams"}:
        raise ConfigError(f"{path}: expected only 'daily_quota:' and 'teams:'")
    quota = data.get("daily_quota", 40)
    if not isinstance(quota, int) or isinstance(quota, bool) or quota < 1:
        raise ConfigError(f"{path}: daily_quota must be a whole number ≥ 1, not {quota!r}")
    teams = data.get("teams") or {}
    if not isinstance(teams, dict):
        raise ConfigError(f"{path}: 'teams:' maps a team to a list of reviewers")
    out = {}
    for team, reviewers in teams.items():
        if not isinstance(reviewers, list) or not all(isinstance(r, str) and r.strip() for r in reviewers):
            raise ConfigError(f"{path}: team '{team}': reviewers must be a list of names")
        out[str(team)] = tuple(r.strip() for r in reviewers)
    return AssignmentRules(teams=out, daily_quota=quota)


def register(app: FastAPI, store: Store, user, rules: AssignmentRules | None = None) -> None:
    """Add ``POST /api/queue/claim/{id}``, ``/api/queue/release/{id}``, ``/api/queue/assign`` (a lead gives
    a call to a reviewer) and ``/api/queue/auto-assign`` (a lead deals calls by ``rules``) to ``app``."""

    @app.post("/api/queue/claim/{call_id:path}")
    def claim(call_id: str, u: User = Depends(user)):
        if not u.can("review"):
            raise PermissionDenied("only reviewers claim calls")
        return assign(store, call_id, u.name, by=u.name, how="claim")

    @app.post("/api/queue/release/{call_id:path}")
    def give_back(call_id: str, u: User = Depends(user)):
        if not u.can("review"):
            raise PermissionDenied("only reviewers release calls")
        return {"released": release(store, call_id, None if u.can("rule") else u.name)}

    @app.post("/api/queue/assign")
    def assign_to(body: Assign, u: User = Depends(user)):
        if not u.can("rule"):
            raise PermissionDenied("only a senior reviewer assigns calls to others")
        return assign(store, body.call_id, body.reviewer.strip(), by=u.name, how="assign", steal=True)

    @app.post("/api/queue/auto-assign")
    def deal(u: User = Depends(user)):
        if not u.can("rule"):
            raise PermissionDenied("only a senior reviewer runs the assignment rules")
        if rules is None or not rules.teams:
            raise ConfigError("no assignment rules; start `qa review --assignment assignment.yaml`")
        given = auto_assign(store, rules, by=u.name)
        return {"assigned": given, "n": sum(len(v) for v in given.values()), "daily_quota": rules.daily_quota}
