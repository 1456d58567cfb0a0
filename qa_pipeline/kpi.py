"""Call-center KPIs from the ACD's call records (``qa import-calls``), per day, agent, team and queue.

Every figure is a count over the inbound call records offered in the period (records with no
direction count as inbound); the formulas, with the seeds' names:

===================== =========================================================================
``offered``           records offered, minus abandons shorter than ``short_abandon_s`` (5 s)
``answered``          offered records with an answer time
``answer_rate``       接通率: answered ÷ offered
``service_level_20s`` 20 秒接通率: answered within 20 s of being offered ÷ offered (also 10 s)
``abandon_rate``      放弃率: offered records never answered ÷ offered
``aht_s``             通话均长: mean over answered calls of talk + hold + after-call work, i.e.
                      (ended_at − answered_at) + acw_s (the hold is inside the connected time)
``fcr_rate``          一次解决率: answered calls whose caller's next record (by offer time, then
                      call id) is not offered within ``fcr_window_h`` (24 h) of the call's end ÷
                      answered calls with a known caller
``transfer_rate``     转接率: transferred ÷ answered
``csat_mean``         满意度: mean survey score (1–5) of answered calls with a survey
``csat_rate``         满意率: surveys scoring 4 or 5 ÷ surveys
``busy_rate``         示忙率: time in ``busy_states`` (示忙) ÷ signed-in time (签入), from the state log
``qa_coverage``       answered calls whose recording was scored ÷ answered
``qa_review_coverage``answered calls a human finished reviewing ÷ answered
===================== =========================================================================

A record's day is the day it was offered; an agent's state interval counts on the day it starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError

LEVELS = {"days": ["day"], "agents": ["agent_id"], "teams": ["team"], "queues": ["queue"]}
NONE = "(none)"


@dataclass(frozen=True)
class KpiOptions:
    """How the KPIs count.

    short_abandon_s : abandons that waited less than this are not counted as offered.
    service_level_s, service_level_short_s : the two service-level thresholds (answered within N s).
    fcr_window_h : a caller calling again within this many hours of a call's end makes it not resolved.
    busy_states : agent states that count as 示忙 (``break`` = 小休 can be added).
    """

    short_abandon_s: float = 5.0
    service_level_s: float = 20.0
    service_level_short_s: float = 10.0
    fcr_window_h: float = 24.0
    busy_states: tuple[str, ...] = ("busy",)

    def __post_init__(self) -> None:
        for name in ("short_abandon_s", "service_level_s", "service_level_short_s", "fcr_window_h"):
            if getattr(self, name) < 0:
                raise ConfigError(f"[kpi] {name} = {getattr(self, name)}: must be 0 or more")

    @property
    def sl_column(self) -> str:
        return f"service_level_{self.service_level_s:g}s"

    @property
    def sl_short_column(self) -> str:
        return f"service_level_{self.service_level_short_s:g}s"

    def columns(self) -> list[str]:
        return ["offered", "answered", "answer_rate", self.sl_column, self.sl_short_column, "abandon_rate", "aht_s",
                "fcr_rate", "transfer_rate", "csat_mean", "csat_rate", "busy_rate", "qa_coverage",
                "qa_review_coverage"]


def kpi_options(config: dict | None) -> KpiOptions:
    """KpiOptions from a config's ``[kpi]`` section (unknown keys rejected)."""
    section = dict((config or {}).get("kpi", {}))
    known = {f for f in KpiOptions.__dataclass_fields__}
    bad = sorted(set(section) - known)
    if bad:
        raise ConfigError(f"[kpi]: unknown key {', '.join(bad)}; valid keys: {', '.join(sorted(known))}")
    if "busy_states" in section:  # "busy,break" (a TOML string) or a list
        v = section["busy_states"]
        section["busy_states"] = tuple(x.strip() for x in (v.split(",") if isinstance(v, str) else v) if x.strip())
    return KpiOptions(**section)


def _bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    lo = dt.datetime.combine(start, dt.time()) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) if end else None
    return lo, hi


def prepare_records(records: pd.DataFrame, options: KpiOptions, *, teams: dict[str, str] | None = None,
                    until: dt.datetime | None = None) -> pd.DataFrame:
    """One row per inbound record with the flags every KPI sums (see the module docstring).

    ``records`` (``store.kpi.load_call_records``, inbound only) may reach ``fcr_window_h`` past the
    period, so that ``next_offered_at`` sees repeat calls after it; rows offered at or after ``until``
    are dropped after that test.
    """
    r = records[records["direction"].isna() | (records["direction"] == "inbound")]
    answered = r["answered_at"].notna()
    abandoned = ~answered
    waited = (r["ended_at"] - r["offered_at"]).dt.total_seconds()
    short = abandoned & (waited < options.short_abandon_s)
    wait = (r["answered_at"] - r["offered_at"]).dt.total_seconds()
    # first-contact resolution: the same caller's next record, offered within the window after this one ended
    # (``next_offered_at`` comes from the store, a window function over the same records)
    nxt = r["next_offered_at"]
    repeat = nxt.notna() & (nxt <= r["ended_at"] + pd.Timedelta(hours=options.fcr_window_h))
    known_caller = (r["caller_known"] == 1) & answered
    out = pd.DataFrame({
        "day": r["offered_at"].dt.date,
        "offered_at": r["offered_at"],
        "agent_id": r["agent_id"].fillna(NONE),
        "queue": r["queue"].fillna(NONE),
        "offered": (~short).astype(int),
        "answered": answered.astype(int),
        "sl": (answered & (wait <= options.service_level_s)).astype(int),
        "sl_short": (answered & (wait <= options.service_level_short_s)).astype(int),
        "abandoned": (abandoned & ~short).astype(int),
        "handle_s": ((r["ended_at"] - r["answered_at"]).dt.total_seconds() + r["acw_s"].fillna(0)).where(answered),
        "fcr_known": known_caller.astype(int),
        "fcr_ok": (known_caller & ~repeat).astype(int),
        "transferred": (answered & r["transferred"].fillna(False).astype(bool)).astype(int),
        "survey": r["survey_score"].where(answered),
        "scored": (answered & r["scored"].astype(bool)).astype(int),
        "reviewed": (answered & r["reviewed"].astype(bool)).astype(int),
    }, index=r.index)
    team = r["team"]
    if teams:
        team = team.fillna(r["agent_id"].map(teams))
    out["team"] = team.fillna(NONE)
    out["survey_good"] = (out["survey"] >= 4).astype(int).where(out["survey"].notna())
    if until is not None:
        out = out[out["offered_at"] < until]
    return out


def load_period(store, start: dt.date, end: dt.date, options: KpiOptions):
    """A period's inbound records, prepared, and the agents' busy time: ``(teams, prepared, busy, lo, hi)``
    (``teams`` maps agent → team; records run ``fcr_window_h`` past the end so repeat calls are seen)."""
    from .store.kpi import agent_directory, load_agent_states, load_call_records

    lo, hi = _bounds(start, end)
    directory = agent_directory(store)
    teams = {a: tm for a, tm in zip(directory["agent_id"], directory["team"]) if isinstance(tm, str) and tm}
    records = load_call_records(store, lo, hi + dt.timedelta(hours=options.fcr_window_h), inbound_only=True)
    prepared = prepare_records(records, options, teams=teams, until=hi)
    busy = busy_time(load_agent_states(store, lo, hi), options)
    return teams, prepared, busy, lo, hi


def busy_time(states: pd.DataFrame, options: KpiOptions) -> pd.DataFrame:
    """Per (day, agent): ``busy_s`` (示忙) and ``signed_in_s`` (签入), each interval on the day it starts."""
    if states.empty:
        return pd.DataFrame(columns=["day", "agent_id", "busy_s", "signed_in_s"])
    s = states.assign(day=states["start_at"].dt.date,
                      seconds=(states["end_at"] - states["start_at"]).dt.total_seconds())
    busy = s[s["state"].isin(options.busy_states)].groupby(["day", "agent_id"])["seconds"].sum().rename("busy_s")
    signed = s[s["state"] == "signed_in"].groupby(["day", "agent_id"])["seconds"].sum().rename("signed_in_s")
    return pd.concat([busy, signed], axis=1).fillna(0.0).reset_index()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def aggregate(prepared: pd.DataFrame, by: list[str], options: KpiOptions,
              busy: pd.DataFrame | None = None) -> pd.DataFrame:
    """The KPI columns per group of ``by`` (columns of :func:`prepare_records`)."""
    g = prepared.groupby(by, dropna=False, sort=True)
    sums = g[["offered", "answered", "sl", "sl_short", "abandoned", "fcr_known", "fcr_ok", "transferred", "scored",
              "reviewed"]].sum()
    # a short abandon is not offered and was not answered, so ``answered`` counts offered calls only
    out = pd.DataFrame(index=sums.index)
    out["offered"] = sums["offered"].astype(int)
    out["answered"] = sums["answered"].astype(int)
    out["answer_rate"] = _ratio(sums["answered"], sums["offered"])
    out[options.sl_column] = _ratio(sums["sl"], sums["offered"])
    out[options.sl_short_column] = _ratio(sums["sl_short"], sums["offered"])
    out["abandon_rate"] = _ratio(sums["abandoned"], sums["offered"])
    out["aht_s"] = g["handle_s"].mean()
    out["fcr_rate"] = _ratio(sums["fcr_ok"], sums["fcr_known"])
    out["transfer_rate"] = _ratio(sums["transferred"], sums["answered"])
    out["csat_mean"] = g["survey"].mean()
    out["csat_rate"] = g["survey_good"].mean()
    out["busy_rate"] = np.nan
    if busy is not None and not busy.empty and set(by) <= {"day", "agent_id", "team", "center"}:
        b = busy.copy()
        team_of = prepared.drop_duplicates("agent_id").set_index("agent_id")["team"]
        b["team"] = b["agent_id"].map(team_of).fillna(NONE)
        if "center" in prepared:
            b["center"] = prepared["center"].iloc[0]
        bs = b.groupby(by)[["busy_s", "signed_in_s"]].sum()
        out["busy_rate"] = _ratio(bs["busy_s"], bs["signed_in_s"]).reindex(out.index)
    out["qa_coverage"] = _ratio(sums["scored"], sums["answered"])
    out["qa_review_coverage"] = _ratio(sums["reviewed"], sums["answered"])
    return out[options.columns()].reset_index()


def kpi_views(store, start: dt.date | None = None, end: dt.date | None = None,
              options: KpiOptions | None = None) -> dict[str, pd.DataFrame]:
    """``kpi_days``, ``kpi_agents``, ``kpi_teams``, ``kpi_queues`` for calls offered from ``start`` to ``end``
    (inclusive days; ``None`` = open)."""
    from .store.kpi import agent_directory, load_agent_states, load_call_records

    options = options or KpiOptions()
    lo, hi = _bounds(start, end)
    reach = hi + dt.timedelta(hours=options.fcr_window_h) if hi else None
    records = load_call_records(store, lo, reach, inbound_only=True)
    directory = agent_directory(store)
    teams = dict(zip(directory["agent_id"], directory["team"].where(directory["team"].notna(), None)))
    teams = {k: v for k, v in teams.items() if v}
    prepared = prepare_records(records, options, teams=teams, until=hi)
    states = load_agent_states(store, lo, hi)
    busy = busy_time(states, options)
    out: dict[str, pd.DataFrame] = {}
    for level, by in LEVELS.items():
        if prepared.empty:
            out[f"kpi_{level}"] = pd.DataFrame(columns=by + options.columns())
            continue
        df = aggregate(prepared, by, options, busy)
        if level == "agents":
            names = directory.set_index("agent_id")
            df.insert(1, "agent_name", df["agent_id"].map(names["agent_name"]) if not names.empty else None)
            team_of = prepared.drop_duplicates("agent_id").set_index("agent_id")["team"]
            df.insert(2, "team", df["agent_id"].map(team_of))
        out[f"kpi_{level}"] = df
    return out


def missed_calls(prepared: pd.DataFrame) -> pd.DataFrame:
    """Per agent: calls routed to the agent (``routed``), not answered (漏接, ``missed``) and ``missed_rate``."""
    routed = prepared[prepared["agent_id"] != NONE]
    g = routed.groupby("agent_id")
    out = pd.DataFrame({"routed": g.size(), "missed": g["answered"].apply(lambda s: int((s == 0).sum()))})
    out["missed_rate"] = _ratio(out["missed"], out["routed"])
    return out.reset_index()
