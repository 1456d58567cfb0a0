"""``qa import-calls``, ``qa coach`` and ``qa cases``; the KPI, appraisal and coaching views of ``qa report``."""

from __future__ import annotations

import calendar
import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import EXIT_INTERRUPTED, EXIT_PARTIAL, InputError
from .common import DateFrom, DateTo, DbOption, err, one_line, print_frame, say_error, table_console

KPI_VIEWS = ("kpi", "appraisal", "training_needs", "coaching")


class RecordKind(str, Enum):
    calls = "calls"
    states = "states"
    exams = "exams"

coach_app = typer.Typer(no_args_is_help=True, help="The coaching loop: training needs, tasks, follow-up.")
cases_app = typer.Typer(no_args_is_help=True, help="The case library: excellent (优秀) and poor (不合格) calls.")


# -- qa report helpers -------------------------------------------------------------------------

def month_period(store, period, *, period_arg: str | None, fmt: str):
    """The calendar month ``--period`` names (``month``: the month of --from, else the last with data;
    or ``YYYY-MM``); ``None`` when no month is asked for."""
    from ..reports import Period

    if period_arg is None and fmt != "html":
        return None
    arg = (period_arg or "month").strip()
    if arg == "month":
        day = period.start or _last_day(store)
    else:
        try:
            day = dt.date.fromisoformat(arg + "-01")
        except ValueError:
            raise InputError(f"--period '{arg}': write 'month' or a month as YYYY-MM, e.g. 2026-11") from None
    first = day.replace(day=1)
    last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return Period(first, last)


def _last_day(store) -> dt.date:
    from ..store.kpi import last_activity_day

    day = last_activity_day(store)
    if day is None:
        raise InputError(f"{store.label}: no call records or calls; import call records with `qa import-calls`")
    return day


def _span(store, period) -> tuple[dt.date, dt.date]:
    if period.start and period.end:
        return period.start, period.end
    end = period.end or _last_day(store)
    return period.start or end.replace(day=1), end


def kpi_report_views(store, period, wanted: list[str], *, weights: Path | None = None) -> dict:
    """The frames of the KPI views asked for: ``kpi`` → kpi_days/agents/teams/queues, ``appraisal`` →
    appraisal and appraisal_detail, ``training_needs``, ``coaching``."""
    from ..config import load_config
    from ..kpi import kpi_options, kpi_views

    out: dict = {}
    if not wanted:
        return out
    options = kpi_options(load_config(None))
    if "kpi" in wanted:
        out.update(kpi_views(store, period.start, period.end, options))
    if "appraisal" in wanted:
        from ..appraisal import appraisal_views, load_weights

        start, end = _span(store, period)
        out.update(appraisal_views(store, start, end, weights=load_weights(weights), options=options))
    if "training_needs" in wanted:
        from ..coaching import training_needs

        start, end = _span(store, period)
        out["training_needs"] = training_needs(store, start, end)
    if "coaching" in wanted:
        from ..coaching import coaching_view

        out["coaching"] = coaching_view(store)
    return out


def monthly_report(store, period, out: Path | None, *, weights: Path | None = None) -> Path:
    from ..appraisal import load_weights
    from ..config import load_config
    from ..kpi import kpi_options
    from ..monthly import write_monthly

    start, end = _span(store, period)
    target = out or Path(f"qa-month-{start:%Y-%m}.html")
    if target.is_dir():
        target = target / f"qa-month-{start:%Y-%m}.html"
    return write_monthly(store, start, end, target, weights=load_weights(weights),
                         options=kpi_options(load_config(None)))


# -- qa import-calls ---------------------------------------------------------------------------

def import_calls(
    file: Annotated[Path, typer.Argument(help="ACD export: CSV (UTF-8 or GBK, Chinese headers) or JSONL.")],
    db: DbOption = "qa.db",
    kind: Annotated[RecordKind, typer.Option(help="calls (one row per call), states (agent state log: "
                                                  "签入/示忙/小休) or exams (培训考试 results).")] = RecordKind.calls,
) -> None:
    """Import call records (or agent states, or exam results) for the KPIs; idempotent, bad rows skipped."""
    from ..callrecords import read_records
    from ..store import Store
    from ..store.kpi import save_agent_states, save_call_records, save_exams

    parsed = read_records(file, kind=kind.value)
    store = Store(db)
    save = {"calls": save_call_records, "states": save_agent_states, "exams": save_exams}[kind.value]
    try:
        counts = save(store, parsed.rows)  # one transaction: all rows or none
    except KeyboardInterrupt:
        say_error("interrupted: nothing was imported; run the same command again")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    for b in parsed.bad[:100]:
        err.print(one_line(f"skipped {b}"), markup=False, highlight=False)
    if len(parsed.bad) > 100:
        err.print(f"… and {len(parsed.bad) - 100} more bad rows", markup=False, highlight=False)
    typer.echo(f"{file}: {len(parsed.rows) + len(parsed.bad)} rows: {counts.new} new, {counts.updated} updated, "
               f"{counts.unchanged} unchanged, {len(parsed.bad)} bad (skipped)")
    if parsed.bad:
        raise typer.Exit(EXIT_PARTIAL if parsed.rows else 3)


# -- qa coach ----------------------------------------------------------------------------------

def _period_days(store, date_from, date_to) -> tuple[dt.date, dt.date]:
    from ..reports import Period, parse_day

    return _span(store, Period(parse_day(date_from), parse_day(date_to)))


@coach_app.command("needs")
def coach_needs(
    db: DbOption = "qa.db",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    team: Annotated[Optional[str], typer.Option(help="Only this team.")] = None,
    agent: Annotated[Optional[str], typer.Option(help="Only this agent.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 20,
) -> None:
    """Training needs: common failures per team (培训需求) and each agent's own (座席辅导), ranked, with example calls."""
    from ..coaching import training_needs
    from ..store import Store

    store = Store(db, create=False)
    start, end = _period_days(store, date_from, date_to)
    needs = training_needs(store, start, end)
    if team:
        needs = needs[needs["team"] == team]
    if agent:
        needs = needs[needs["agent_id"] == agent]
    console = table_console()
    console.print(f"training needs {start} to {end} (previous period of the same length for the change)")
    if needs.empty:
        console.print("no failed checks in this period")
    else:
        print_frame("training needs", needs.head(limit), console)


@coach_app.command("assign")
def coach_assign(
    agent: Annotated[str, typer.Option(help="The agent's id.")],
    by: Annotated[str, typer.Option("--by", help="Your name (the reviewer assigning it).")],
    db: DbOption = "qa.db",
    check: Annotated[Optional[str], typer.Option(help="The check to work on, e.g. language.banned_phrase.")] = None,
    call: Annotated[Optional[list[str]], typer.Option(help="A call to attach (repeatable).")] = None,
    note: Annotated[Optional[str], typer.Option(help="What to work on.")] = None,
) -> None:
    """Assign a coaching task to an agent, with calls attached."""
    from ..store import Store
    from ..store.kpi import create_task

    store = Store(db, create=False)
    task_id = create_task(store, agent_id=agent, check_id=check, note=note, assigned_by=by, call_ids=list(call or []))
    typer.echo(f"coaching task {task_id} for {agent}" + (f" on {check}" if check else "")
               + f" with {len(call or [])} call(s)")


@coach_app.command("list")
def coach_list(
    db: DbOption = "qa.db",
    agent: Annotated[Optional[str], typer.Option(help="Only this agent's tasks.")] = None,
    status: Annotated[Optional[str], typer.Option(help="open, acknowledged or closed.")] = None,
) -> None:
    """Coaching tasks with their status and calls."""
    import pandas as pd

    from ..store import Store
    from ..store.kpi import list_tasks

    store = Store(db, create=False)
    tasks = list_tasks(store, agent_id=agent, status=status)
    if not tasks:
        typer.echo("no coaching tasks")
        return
    df = pd.DataFrame(tasks).assign(calls=lambda d: d["calls"].map(", ".join))
    print_frame("coaching tasks", df[["task_id", "agent_id", "check_id", "status", "assigned_by", "assigned_at",
                                       "acknowledged_at", "calls", "note"]], table_console())


@coach_app.command("ack")
def coach_ack(
    task: Annotated[int, typer.Argument(help="Task id.")],
    user: Annotated[str, typer.Option(help="Who acknowledges (the agent).")],
    db: DbOption = "qa.db",
    comment: Annotated[Optional[str], typer.Option(help="The agent's comment.")] = None,
) -> None:
    """Acknowledge a coaching task (what the agent does on the review page)."""
    from ..store import Store
    from ..store.kpi import acknowledge_task

    t = acknowledge_task(Store(db, create=False), task, user=user, comment=comment)
    typer.echo(f"task {task}: {t['status']} by {t['acknowledged_by']} at {t['acknowledged_at']}")


@coach_app.command("close")
def coach_close(task: Annotated[int, typer.Argument(help="Task id.")], db: DbOption = "qa.db") -> None:
    """Close a coaching task."""
    from ..store import Store
    from ..store.kpi import close_task

    close_task(Store(db, create=False), task)
    typer.echo(f"task {task}: closed")


@coach_app.command("followup")
def coach_followup(
    db: DbOption = "qa.db",
    days: Annotated[int, typer.Option(min=1, help="Days before the task and after it was acknowledged.")] = 30,
) -> None:
    """改进后跟进: the coached check's fail rate before the task and after it was acknowledged."""
    from ..coaching import coaching_view
    from ..store import Store

    view = coaching_view(Store(db, create=False), days=days)
    if view.empty:
        typer.echo("no coaching tasks")
        return
    print_frame("coaching follow-up", view, table_console())


# -- qa cases ----------------------------------------------------------------------------------

@cases_app.command("add")
def cases_add(
    call_id: Annotated[str, typer.Argument(help="A scored call.")],
    tag: Annotated[str, typer.Option(help="excellent (优秀) or poor (不合格).")],
    comment: Annotated[str, typer.Option(help="What it teaches (点评).")],
    by: Annotated[str, typer.Option("--by", help="Your name.")],
    db: DbOption = "qa.db",
    check: Annotated[Optional[str], typer.Option(help="The check it illustrates.")] = None,
) -> None:
    """Add a call to the case library."""
    from ..coaching import normalize_tag
    from ..store import Store
    from ..store.kpi import add_case

    case_id = add_case(Store(db, create=False), call_id=call_id, tag=normalize_tag(tag), comment=comment, added_by=by,
                       check_id=check)
    typer.echo(f"case {case_id}: {call_id} ({tag})")


def _cases(db, tag, agent, team, check, date_from, date_to):
    from ..coaching import normalize_tag
    from ..reports import parse_day
    from ..store import Store
    from ..store.kpi import list_cases

    store = Store(db, create=False)
    lo, hi = parse_day(date_from), parse_day(date_to)
    return store, list_cases(store, tag=normalize_tag(tag) if tag else None, agent_id=agent, team=team, check_id=check,
                             start=dt.datetime.combine(lo, dt.time()) if lo else None,
                             end=dt.datetime.combine(hi + dt.timedelta(days=1), dt.time()) if hi else None)


TagOpt = Annotated[Optional[str], typer.Option(help="excellent (优秀) or poor (不合格).")]
AgentOpt = Annotated[Optional[str], typer.Option(help="Only this agent's calls.")]
TeamOpt = Annotated[Optional[str], typer.Option(help="Only this team's calls.")]
CheckOpt = Annotated[Optional[str], typer.Option(help="Only cases about this check.")]


@cases_app.command("list")
def cases_list(db: DbOption = "qa.db", tag: TagOpt = None, agent: AgentOpt = None, team: TeamOpt = None,
               check: CheckOpt = None, date_from: DateFrom = None, date_to: DateTo = None) -> None:
    """The case library, filtered."""
    from ..redact import redact_text

    _, cases = _cases(db, tag, agent, team, check, date_from, date_to)
    if cases.empty:
        typer.echo("no cases")
        return
    cases["comment"] = cases["comment"].map(redact_text)
    print_frame("cases", cases, table_console())


@cases_app.command("export")
def cases_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="A .csv, .xlsx or .jsonl file.")],
    db: DbOption = "qa.db", tag: TagOpt = None, agent: AgentOpt = None, team: TeamOpt = None, check: CheckOpt = None,
    date_from: DateFrom = None, date_to: DateTo = None,
) -> None:
    """Export the case library with masked transcripts (for training sessions)."""
    from ..coaching import export_cases

    store, cases = _cases(db, tag, agent, team, check, date_from, date_to)
    path = export_cases(store, out, cases)
    typer.echo(f"{path}: {len(cases)} case(s)")


COMMANDS = (import_calls,)
GROUPS = {"coach": coach_app, "cases": cases_app}
