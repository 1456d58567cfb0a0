"""``qa vocabulary suggest``: the ASR errors reviewers corrected, as terms for the vocabulary rule file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import DbOption, RulesDir, check_output, write_text

vocabulary_app = typer.Typer(no_args_is_help=True, help="The rules' vocabulary: suggestions from reviewers' corrections.")


@vocabulary_app.command("suggest")
def suggest(
    db: DbOption = "qa.db",
    min_count: Annotated[int, typer.Option("--min-count", min=1, help="Only pairs corrected at least this often.")] = 1,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the YAML to this file (default: stdout).")] = None,
    rules: RulesDir = None,
    sensitive: Annotated[bool, typer.Option("--show-sensitive", help="Do not mask the terms.")] = False,
) -> None:
    """Machine → corrected term pairs from the review page's ASR corrections, with counts and calls, as YAML
    to paste into vocabulary.yaml (homophones under lists.corrections, other terms as hotwords)."""
    from dataclasses import replace

    from ..redact import redact_data
    from ..review.vocabulary_suggest import suggestions, to_yaml
    from ..rules import load_rules
    from ..store import Store

    check_output(out)
    found = suggestions(Store(db, create=False), min_count=min_count)
    if not sensitive:
        options = load_rules(rules).entity_options()
        found = [replace(s, heard=redact_data(s.heard, options), term=redact_data(s.term, options)) for s in found]
    text = to_yaml(found)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_text(out, text)
        typer.echo(f"{len(found)} suggestion(s) written to {out}", err=True)


COMMANDS = ()
GROUPS = {"vocabulary": vocabulary_app}
