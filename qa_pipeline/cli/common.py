"""What every command shares: option types, the consoles, output helpers.

Commands import from here, never from each other; only :mod:`qa_pipeline.cli.main`
knows every command.
"""

from __future__ import annotations

import json
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from ..errors import UsageError
from ..sanitize import terminal_text

err = Console(stderr=True, highlight=False, soft_wrap=True)

def one_line(text: object) -> str:
    """``text`` on one line without control characters (terminal escapes, bidi overrides)."""
    return terminal_text(" ".join(str(text).splitlines()).replace("\t", " "))


def say_error(message: object) -> None:
    """Print one ``error: …`` line on stderr."""
    err.print(one_line(f"error: {message}"), markup=False, highlight=False)


def table_console() -> Console:
    """stdout for tables: the terminal's width, or 160 columns in a log or pipe (not rich's 80)."""
    return Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


class Channel(str, Enum):
    auto = "auto"
    left = "left"
    right = "right"


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"
    auto = "auto"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"
    html = "html"  # qa report: the monthly report (cli/kpi.py)


RulesDir = Annotated[Optional[Path], typer.Option("--rules", file_okay=False,
                                                  help="A project's rules folder, loaded over the defaults.")]
ConfigFile = Annotated[Optional[Path], typer.Option("--config", dir_okay=False,
                                                    help="TOML config file (default: $QA_CONFIG or ./qa.toml).")]
CalibrationOpt = Annotated[Optional[Path], typer.Option("--calibration", dir_okay=False,
                                                        help="A 'qa calibrate' model: items refitted to reviewers' "
                                                             "decisions (default: [rules] calibration, else none).")]
AgentChannel = Annotated[Optional[Channel], typer.Option(help="Stereo channel carrying the agent; auto decides "
                                                                  "from what each side says (default: auto).")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Registry name or path to a CTranslate2 Whisper "
                                                                 "model directory.")]
DeviceOpt = Annotated[Optional[Device], typer.Option("--device", help="Where the model runs (default: cpu).")]
ComputeTypeOpt = Annotated[Optional[str], typer.Option("--compute-type", help="CTranslate2 compute type, e.g. int8, "
                                                                              "float16 (default: int8).")]
BeamSizeOpt = Annotated[Optional[int], typer.Option("--beam-size", min=1, max=20, help="1 = greedy (fast) "
                                                                                       "(default: 1).")]
DbOption = Annotated[str, typer.Option("--db", help="Results database: a SQLite file, or a SQLAlchemy URL "
                                                    "(postgresql+psycopg://user@host/qa).", envvar="QA_DB")]
DateFrom = Annotated[Optional[str], typer.Option("--from", help="First day (YYYY-MM-DD) (default: the first call).")]
DateTo = Annotated[Optional[str], typer.Option("--to", help="Last day, inclusive (default: the last call).")]


def scoring_options(config: Path | None, rules: Path | None, agent_channel: Channel | None, *,
                    device: Device | None = None, calibration: Path | None = None, **asr: Any):
    """The command line's scoring flags → :func:`qa_pipeline.options.pipeline_options`."""
    from ..options import pipeline_options

    return pipeline_options(config, rules_dir=rules, agent_channel=agent_channel.value if agent_channel else None,
                            device=device.value if device else None, calibration=calibration, **asr)


def check_output(path: Path | None, what: str = "--out") -> Path | None:
    """An output file the command may write: not a folder, its folder exists."""
    if path is None:
        return None
    if path.is_dir():
        raise UsageError(f"{what} {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"{what} {path}: folder {path.parent} does not exist; create it first")
    return path


def check_folder(path: Path | None, what: str) -> Path | None:
    """An output folder the command may create or fill: not an existing file."""
    if path is not None and path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path} is a file; give a folder")
    return path


def write_text(path: Path, text: str, what: str = "--out") -> None:
    """Write an output file; a path that cannot be written is a usage error, not a traceback."""
    check_output(path, what)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write ({exc.strerror or exc})") from None


def to_json(data: Any) -> str:
    """The public JSON form: UTF-8 text, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# What fits a terminal; every column is in the csv/xlsx/parquet output.
TERMINAL_COLUMNS = {
    "days": ["day", "calls", "audio_h", "aht_s", "mean_score", "mean_auto_score", "reviewed", "flagged", "fatal",
             "silence_rate", "agent_interrupt_rate", "failed_files"],
    "agents": ["agent_id", "agent_name", "team", "calls", "aht_s", "mean_score", "mean_auto_score", "reviewed", "flagged",
               "fatal", "silence_rate", "agent_interrupt_rate"],
    "teams": ["team", "calls", "aht_s", "mean_score", "mean_auto_score", "reviewed", "flagged_rate", "fatal",
              "silence_rate", "agent_interrupt_rate"],
    "checks": ["check_id", "applicable", "fails", "fail_rate", "hits", "not_applicable", "trend_per_week"],
    "calibration": ["check_id", "calls_judged", "agreed", "disputed", "precision_rate", "kappa_auto_human",
                    "kappa_reviewers", "double_agreement", "double_kappa", "double_points_spread"],
    "review sample": ["call_id", "agent_id", "started_at", "duration_s", "score", "reason", "stratum"],
}


def print_frame(title: str, df, console: Console) -> None:
    """A data frame as a rich table: the columns that fit a terminal, control characters removed."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=False)
    cols = [c for c in TERMINAL_COLUMNS.get(title, list(df.columns)) if c in df.columns]
    for c in cols:
        table.add_column(str(c), overflow="fold", no_wrap=c in ("day", "started_at", "check_id"))
    for _, row in df.iterrows():
        table.add_row(*[cell(row[c], c) for c in cols])
    console.print(table)
    if len(cols) < len(df.columns):
        console.print(f"  ({len(df.columns) - len(cols)} more columns with --format csv, xlsx or parquet)")


def cell(v: Any, col: str) -> str:
    """One table cell: rates as percentages, floats short, missing as –."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        if "rate" in col or col.startswith(("fail_rate:", "service_level_")) or col.endswith(("_share", "coverage")):
            return f"{v * 100:.1f}%"
        return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"
    return one_line(v)
