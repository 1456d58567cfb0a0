"""``qa batch``, ``qa report`` and ``qa sample``: the nightly run, the results store and what QA reads from it."""

from __future__ import annotations

import datetime as dt
import signal
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..errors import EXIT_INTERRUPTED, EXIT_PARTIAL
from .common import (AgentChannel, BeamSizeOpt, CalibrationOpt, ComputeTypeOpt, ConfigFile, DateFrom, DateTo, DbOption, DeviceOpt,
                     Format, ModelOpt, RulesDir, check_folder, check_output, err, one_line, print_frame, say_error,
                     scoring_options, table_console)


def _sigterm(*_):  # a scheduler's stop is a Ctrl-C: record the run as interrupted, keep what is stored
    raise KeyboardInterrupt


class _Progress:
    """A progress bar with rate and ETA on a terminal; one plain line per call otherwise."""

    def __init__(self, total: int, console: Console) -> None:
        self.console, self.total = console, total
        self.bar = None
        self.t0 = time.perf_counter()
        if console.is_terminal:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                TimeRemainingColumn(), console=console, transient=False)
            self.task = self.bar.add_task("batch", total=total, stats="")
            self.bar.start()

    def __call__(self, e) -> None:
        s = e.summary
        if self.bar is not None:
            rate = s.audio_s / max(time.perf_counter() - self.t0, 1e-9)
            self.bar.update(self.task, completed=s.done, stats=f"ok {s.scored} skip {s.skipped} failed {s.failed} "
                                                               f"flagged {s.flagged} · {rate:.1f}× real time")
            if e.kind == "failed":
                self.bar.console.print(f"failed {e.rel}: {e.info.get('error')}", markup=False, highlight=False)
            return
        stamp = dt.datetime.now().strftime("%H:%M:%S")
        head = f"{stamp} [{s.done}/{self.total}] {e.kind:7s} {e.call_id}"
        if e.kind == "scored":
            i = e.info
            tail = f" score {i['score']}" + (" FLAGGED" if i["flagged"] else "") + \
                   f" ({i['audio_s'] or 0:.0f} s audio in {i['seconds'] or 0:.1f} s)"
        elif e.kind == "failed":
            tail = f": {e.info.get('error')}"
        else:
            tail = " (already stored with the same audio, rules and model)"
        self.console.print(head + tail, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_summary(s, out: Console) -> None:
    hours = s.audio_s / 3600
    out.print(f"batch run {s.run_id} ({s.where}, {s.workers} worker{'s' if s.workers != 1 else ''})"
              + (" INTERRUPTED" if s.interrupted else ""), highlight=False)
    out.print(f"  calls found   {s.found}\n  scored        {s.scored}\n  skipped       {s.skipped} (already stored)\n"
              f"  failed        {s.failed}\n  flagged       {s.flagged} (fatal {s.fatal})\n"
              f"  audio         {hours:.2f} h ({s.audio_s:.0f} s)\n  wall time     {s.wall_s:.1f} s\n"
              f"  speed         {s.x_realtime:.1f}× real time", highlight=False)
    for w in s.warnings:
        out.print(f"  note: {w}", markup=False, highlight=False)
    for call_id, path, error in s.failures[:50]:
        out.print(f"  FAILED {call_id}: {error}", markup=False, highlight=False, soft_wrap=True)
    if len(s.failures) > 50:
        out.print(f"  … and {len(s.failures) - 50} more failures (see the calls table, status 'failed')")


def batch(
    folder: Annotated[Path, typer.Argument(help="Folder of recordings (searched recursively).")],
    db: DbOption = "qa.db",
    manifest: Annotated[Optional[Path], typer.Option(help="CSV or JSONL of call metadata (file or call_id, agent_id, "
                                                          "agent_name, team, direction, queue, started_at).")] = None,
    name_pattern: Annotated[Optional[str], typer.Option(help="Metadata from file names, e.g. "
                                                             "'{date}_{agent_id}_{call_id}'.")] = None,
    include: Annotated[Optional[list[str]], typer.Option(help="Glob of files to score (repeatable) "
                                                              "(default: common audio types).")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(help="Glob of files to skip (repeatable).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Worker processes (default: one per core, "
                                                               "as memory allows).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                                                          "(default: local worker processes).")] = None,
    rescore: Annotated[bool, typer.Option("--rescore", help="Score again calls already stored with the same audio, "
                                                            "rules and model.")] = False,
    store_sensitive: Annotated[bool, typer.Option("--store-sensitive", help="Store unmasked transcripts "
                                                                            "(masked by default).")] = False,
    agent_channel: AgentChannel = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    compute_type: ComputeTypeOpt = None,
    beam_size: BeamSizeOpt = None,
    threads: Annotated[Optional[int], typer.Option(min=0, help="CPU threads per worker, 0 = cores ÷ workers.")] = None,
    rules: RulesDir = None,
    config: ConfigFile = None,
    calibration: CalibrationOpt = None,
) -> None:
    """Score every recording in a folder into the results database; resumable, one bad file never stops it."""
    from ..batch import BatchOptions, discover, run_batch
    from ..store import Store

    opts = scoring_options(config, rules, agent_channel, device=device, model=model, compute_type=compute_type,
                           beam_size=beam_size, threads=threads, calibration=calibration)
    if opts.calibration:
        from ..sheet_calibration import load_calibration

        load_calibration(opts.calibration)  # a bad model file stops the run before any call (exit 4)
    found = discover(folder, include=tuple(include or ()), exclude=tuple(exclude or ()), manifest=manifest,
                     name_pattern=name_pattern)
    store = Store(db)
    out = Console(highlight=False, soft_wrap=True)
    progress = _Progress(len(found.jobs) + len(found.missing), Console(stderr=True))
    for w in found.warnings:
        err.print(one_line(f"note: {w}"), markup=False)
    signal.signal(signal.SIGTERM, _sigterm)
    try:
        summary = run_batch(found, store, opts, BatchOptions(workers=workers, scheduler=scheduler, rescore=rescore,
                                                             store_sensitive=store_sensitive),
                            source=str(folder.resolve()), on_event=progress)
    except KeyboardInterrupt:
        progress.close()  # the bar first, then the message under it
        say_error("interrupted: what was stored is kept; run the same command again to finish")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        progress.close()
    _print_summary(summary, out)
    if summary.failed:
        raise typer.Exit(EXIT_PARTIAL)


def report(
    db: DbOption = "qa.db",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    view: Annotated[Optional[list[str]], typer.Option(help="Views to show: days, agents, teams, checks, "
                                                           "check_days, calibration (default: all); kpi, "
                                                           "appraisal, training_needs, coaching (call records).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table (terminal), csv, xlsx (a sheet per view), "
                                                         "parquet, or html (the monthly report).")] = Format.table,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for csv/parquet, file or folder for "
                                                                    "xlsx (default: ./qa-report).")] = None,
    charts: Annotated[Optional[Path], typer.Option(help="Also draw PNG trend charts into this folder.")] = None,
    period_name: Annotated[Optional[str], typer.Option("--period", help="'month' (the month of --from, else the last with data) "
                                                       "or YYYY-MM; --format html writes the monthly report.")] = None,
    weights: Annotated[Optional[Path], typer.Option(help="Appraisal weights YAML (default: the seed sheet).")] = None,
) -> None:
    """Per day, agent, team and check: calls, scores, flagged, fail rates, 通话均长/静音率/抢话率."""
    from ..reports import VIEWS, Period, build_report, parse_day, write_charts, write_report
    from ..store import Store

    from .kpi import KPI_VIEWS, kpi_report_views, month_period, monthly_report

    if fmt in (Format.csv, Format.parquet):
        check_folder(out, "--out")
    check_folder(charts, "--charts")
    period = Period(parse_day(date_from), parse_day(date_to))
    wanted = view or list(VIEWS)
    unknown = [v for v in wanted if v not in VIEWS and v not in KPI_VIEWS]
    if unknown:
        from ..errors import UsageError

        raise UsageError(f"unknown view {', '.join(unknown)}; choose from {', '.join(VIEWS + KPI_VIEWS)}")
    store = Store(db, create=False)
    if period_opt := month_period(store, period, period_arg=period_name, fmt=fmt.value):
        period = period_opt
    if fmt == Format.html:
        typer.echo(str(monthly_report(store, period, out, weights=weights)))
        return
    views = {k: v for k, v in build_report(store, period).items() if k in wanted} if set(wanted) - set(KPI_VIEWS) else {}
    views.update(kpi_report_views(store, period, [v for v in wanted if v in KPI_VIEWS], weights=weights))
    console = table_console()
    n_calls = int(views["days"]["calls"].sum()) if "days" in views and not views["days"].empty else None
    if fmt == Format.table:
        console.print(f"QA report {period.label()}" + (f": {n_calls} scored calls" if n_calls is not None else ""))
        for name, df in views.items():
            if name == "check_days":
                continue  # a wide day × check grid: see --charts or the files
            if df.empty:
                console.print(f"{name}: no scored calls in this period")
            else:
                print_frame(name, df, console)
    else:
        for path in write_report(views, fmt.value, out or Path("qa-report")):
            typer.echo(str(path))
    if charts:
        all_views = build_report(store, period) if set(wanted) != set(VIEWS) else views
        for path in write_charts(all_views, charts):
            typer.echo(str(path))


def sample(
    db: DbOption = "qa.db",
    date_from: DateFrom = None,
    date_to: DateTo = None,
    rate: Annotated[float, typer.Option(min=0, max=1, help="Share of calls to review at random "
                                                           "(seeds: 0.005–0.02).")] = 0.02,
    margin: Annotated[Optional[float], typer.Option(help="E: accepted error of the mean score, in points; "
                                                         "then n ≥ z²σ²/E².")] = None,
    confidence: Annotated[float, typer.Option(help="Confidence giving z (0.95 → 1.96).")] = 0.95,
    sigma: Annotated[Optional[float], typer.Option(min=0, help="σ of the score (default: estimated from the "
                                                               "calls).")] = None,
    per_agent: Annotated[int, typer.Option(min=0, help="At least this many calls per agent (seeds: 5–15 "
                                                       "a month).")] = 0,
    no_flagged: Annotated[bool, typer.Option("--no-flagged", help="Do not add every flagged/fatal call.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same sample).")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the sample as CSV.")] = None,
    save: Annotated[Optional[str], typer.Option(help="Store the sample under this name (for the review page).")] = None,
) -> None:
    """Calls for human review: all flagged and fatal, plus a MITLA-balanced random sample."""
    from ..reports import Period, load_calls, parse_day
    from ..sampling import SampleOptions, draw_sample
    from ..store import Store

    check_output(out)
    store = Store(db, create=False)
    calls = load_calls(store, Period(parse_day(date_from), parse_day(date_to)))
    s = draw_sample(calls, SampleOptions(rate=rate, margin_points=margin, confidence=confidence, sigma_points=sigma,
                                         per_agent_min=per_agent, include_flagged=not no_flagged, seed=seed))
    console = table_console()
    f = s.formula
    if f:
        line = f"{f['N']} scored calls; random target {s.n_target} (rate {f['rate']:g} → {f['n_rate']}"
        if "n_formula" in f:
            line += f"; z²σ²/E² = {f['z']}² × {f['sigma']}² / {f['E']:g}² → {f['n_formula']}"
        console.print(line + ")")
    counts = s.calls["reason"].value_counts().to_dict() if not s.calls.empty else {}
    console.print("chosen: " + (", ".join(f"{v} {k}" for k, v in counts.items()) or "none"))
    if not s.calls.empty:
        print_frame("review sample", s.calls, console)
        print_frame("balance (MITLA): share of calls vs share of the random sample", s.balance, console)
    if out:
        from ..sanitize import csv_safe

        csv_safe(s.calls).to_csv(out, index=False, encoding="utf-8-sig")
        typer.echo(str(out))
    if save:
        store.save_sample(save, [{"call_id": r.call_id, "reason": r.reason, "stratum": r.stratum}
                                 for r in s.calls.itertuples()])
        typer.echo(f"saved sample '{save}' ({len(s.calls)} calls)")


COMMANDS = (batch, report, sample)
