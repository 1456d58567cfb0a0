"""``qa batch``, ``qa report`` and ``qa sample``: the nightly run, the results store and what QA reads from it."""

from __future__ import annotations

import datetime as dt
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from .cli import AgentChannel, ConfigFile, Device, RulesDir, _options, app, err, handle_errors
from .errors import EXIT_PARTIAL

DbOption = Annotated[str, typer.Option("--db", help="Results database: a SQLite file, or a SQLAlchemy URL "
                                                    "(postgresql+psycopg://user@host/qa).", envvar="QA_DB")]


def _sigterm(*_):  # a scheduler's stop is a Ctrl-C: record the run as interrupted, keep what is stored
    raise KeyboardInterrupt


class _Progress:
    """A progress bar with rate and ETA on a terminal; one plain line per call otherwise."""

    def __init__(self, total: int, console: Console) -> None:
        self.console, self.total = console, total
        self.bar = None
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
            rate = s.audio_s / max(s.wall_s or 1e-9, 1e-9)
            self.bar.update(self.task, completed=s.done, stats=f"ok {s.scored} skip {s.skipped} failed {s.failed} "
                                                               f"flagged {s.flagged}")
            if e.kind == "failed":
                self.bar.console.print(f"failed {e.rel}: {e.info.get('error')}", markup=False, highlight=False)
            del rate
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


@app.command()
@handle_errors
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder of recordings (searched recursively).")],
    db: DbOption = "qa.db",
    manifest: Annotated[Optional[Path], typer.Option(help="CSV or JSONL of call metadata (file or call_id, agent_id, "
                                                          "agent_name, team, direction, queue, started_at).")] = None,
    name_pattern: Annotated[Optional[str], typer.Option(help="Metadata from file names, e.g. "
                                                             "'{date}_{agent_id}_{call_id}'.")] = None,
    include: Annotated[Optional[list[str]], typer.Option(help="Glob of files to score (repeatable) "
                                                              "[default: common audio types].")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(help="Glob of files to skip (repeatable).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Worker processes [default: what the machine "
                                                               "can take].")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                                                          "[default: local worker processes].")] = None,
    rescore: Annotated[bool, typer.Option("--rescore", help="Score again calls already stored with the same audio, "
                                                            "rules and model.")] = False,
    store_sensitive: Annotated[bool, typer.Option("--store-sensitive", help="Store unmasked transcripts "
                                                                            "(masked by default).")] = False,
    agent_channel: AgentChannel = None,
    model: Annotated[Optional[str], typer.Option(help="Registry name or path to a CTranslate2 Whisper model.")] = None,
    device: Annotated[Optional[Device], typer.Option(help="Where the model runs [default: cpu].")] = None,
    compute_type: Annotated[Optional[str], typer.Option(help="CTranslate2 compute type [default: int8].")] = None,
    beam_size: Annotated[Optional[int], typer.Option(min=1, max=20, help="1 = greedy (fast) [default: 1].")] = None,
    threads: Annotated[Optional[int], typer.Option(min=0, help="CPU threads per worker, 0 = cores ÷ workers.")] = None,
    rules: RulesDir = None,
    config: ConfigFile = None,
) -> None:
    """Score every recording in a folder into the results database; resumable, one bad file never stops it."""
    from .batch import BatchOptions, discover, run_batch
    from .store import Store

    opts = _options(config, rules, agent_channel, model=model, device=device.value if device else None,
                    compute_type=compute_type, beam_size=beam_size, threads=threads)
    found = discover(folder, include=tuple(include or ()), exclude=tuple(exclude or ()), manifest=manifest,
                     name_pattern=name_pattern)
    store = Store(db)
    out = Console(highlight=False)
    progress = _Progress(len(found.jobs) + len(found.missing), Console(stderr=True))
    for w in found.warnings:
        err.print(f"note: {w}", markup=False)
    signal.signal(signal.SIGTERM, _sigterm)
    summary = None
    try:
        summary = run_batch(found, store, opts, BatchOptions(workers=workers, scheduler=scheduler, rescore=rescore,
                                                             store_sensitive=store_sensitive),
                            source=str(folder.resolve()), on_event=progress)
    except KeyboardInterrupt:
        progress.close()
        err.print("interrupted: what was stored is kept; run the same command again to finish", markup=False)
        raise typer.Exit(130) from None
    finally:
        progress.close()
    _print_summary(summary, out)
    if summary.failed:
        raise typer.Exit(EXIT_PARTIAL)
