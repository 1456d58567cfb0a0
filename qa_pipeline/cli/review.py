"""``qa review``: start the review web app over the results database."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError
from .common import ConfigFile, DbOption, RulesDir, one_line, table_console


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def review_url_message(host: str, port: int, token: str | None, *, url_file: Path | None = None,
                       print_url: bool = False) -> str:
    """The line ``qa review`` prints: the URL, with the token shown in full only if asked (``print_url``);
    with ``url_file`` the full URL goes to that file, readable by its owner only (0600)."""
    import os

    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    if not token:
        return f"review page: {base}  (Ctrl-C to stop)"
    full = f"{base}?token={token}"
    if url_file is not None:
        url_file = Path(url_file)
        url_file.unlink(missing_ok=True)  # a fresh file, so the mode below holds
        fd = os.open(url_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(full + "\n")
    if print_url:
        return f"review page: {full}  (Ctrl-C to stop)"
    where = f"; the full URL is in {url_file} (mode 0600)" if url_file else "; --print-url shows the full URL once"
    return f"review page: {base}?token={token[:4]}…  (token starts {token[:4]}{where}; Ctrl-C to stop)"


def review(
    db: DbOption = "qa.db",
    host: Annotated[str, typer.Option(help="Address to bind. Anything but loopback needs --token or --users.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8765,
    token: Annotated[Optional[str], typer.Option(help="One shared access token ('auto' makes one).", envvar="QA_REVIEW_TOKEN")] = None,
    users: Annotated[Optional[Path], typer.Option(help="YAML users file: name, token, role, sensitive.")] = None,
    user: Annotated[str, typer.Option(help="Your name in the audit trail (local use / --token).")] = "reviewer",
    role: Annotated[str, typer.Option(help="Your role: reviewer, senior (rules on appeals), admin.")] = "senior",
    sensitive: Annotated[bool, typer.Option("--show-sensitive", help="Show unmasked data (if the store has it).")] = False,
    rules: RulesDir = None,
    config: ConfigFile = None,
    tz: Annotated[Optional[str], typer.Option("--tz", help="Time zone of the pages' times (IANA; default Asia/Shanghai, config [review] tz).")] = None,
    appeal_days: Annotated[Optional[float], typer.Option(min=0, help="Days after a review its agent may appeal (default 7, config [review] appeal_days).")] = None,
    allow_host: Annotated[Optional[list[str]], typer.Option("--allow-host", help="Another Host name the page answers to "
                          "(a DNS name behind a proxy); loopback names and --host always are.")] = None,
    url_file: Annotated[Optional[Path], typer.Option(help="Write the full URL with the token to this file (mode 0600) "
                        "instead of printing only the token's first characters.")] = None,
    print_url: Annotated[bool, typer.Option("--print-url", help="Print the full URL with the token once.")] = False,
    assignment: Annotated[Optional[Path], typer.Option(help="YAML assignment rules: daily_quota and teams "
                          "(team → reviewers, dealt round-robin).")] = None,
) -> None:
    """Open the review page: the queue of calls that need a human, each call with audio, transcript and findings."""
    import uvicorn

    from ..review.app import create_app
    from ..review.state import ROLES, User
    from ..review.users import load_users
    from ..store import Store

    if role not in ROLES:
        raise ConfigError(f"role '{role}' is not one of {', '.join(ROLES)}")
    if token == "auto":
        token = secrets.token_urlsafe(24)
    if token is not None and len(token) < 16:
        raise ConfigError("the access token must be at least 16 characters (or --token auto)")
    table = load_users(users) if users else ({token: User(user, role, sensitive)} if token else None)
    if not _loopback(host) and not table:
        raise ConfigError(f"refusing to serve recordings on {host} without access control; "
                          "add --token auto (or --users users.yaml), or bind 127.0.0.1")
    store = Store(db, create=False)
    from ..config import load_config
    from ..options import pipeline_options

    rules_dir = pipeline_options(config, rules_dir=rules).rules_dir  # masks with the project's entity formats
    rev = load_config(config).get("review", {})
    from ..review.security import allowed_hosts

    extra = list(allow_host or ())
    if host in ("0.0.0.0", "::"):  # every interface: the machine's own names too
        import socket

        extra += [socket.gethostname(), socket.getfqdn()]
    from ..review.queue_api import load_assignment_rules

    rules_for_queue = load_assignment_rules(assignment) if assignment else None
    web = create_app(store, table, User(user, role, sensitive), rules_dir=rules_dir,
                     tz=tz or rev.get("tz") or "Asia/Shanghai",
                     appeal_days=appeal_days if appeal_days is not None else rev.get("appeal_days", 7),
                     hosts=allowed_hosts(host, extra), assignment=rules_for_queue)
    typer.echo(review_url_message(host, port, token if not users else None, url_file=url_file, print_url=print_url))
    uvicorn.run(web, host=host, port=port, log_level="warning")


def calibrate(
    db: DbOption = "qa.db",
    train: Annotated[bool, typer.Option("--train/--no-train", help="Also train the queue ranker on the decisions.")] = True,
    models_dir: Annotated[Optional[Path], typer.Option(help="Where the models are saved (default: the ranker in "
                                                             "models/, the sheet's items in "
                                                             "~/.local/share/qa-pipeline/calibration/).")] = None,
    sheet: Annotated[bool, typer.Option("--sheet/--no-sheet", help="Also refit the sheet's items to the decisions "
                                                                   "(use it with qa score/batch --calibration).")] = True,
) -> None:
    """How often reviewers confirm each check (precision, Cohen's kappa); refit the sheet's items and learn to
    rank the queue from it."""
    from rich.table import Table

    from ..review.calibration import MODEL_FILE, agreement, rank_calls, train_ranker
    from ..store import Store

    store = Store(db, create=False)
    a = agreement(store)
    out = table_console()
    tot = a["totals"]
    out.print(f"{tot['n_judgements']} judgements on {tot['n_calls']} calls by {tot['n_reviewers']} reviewer(s): "
              f"{tot['agreed']} agreed, {tot['disputed']} disputed")
    table = Table(title="agreement per check", title_justify="left")
    for col in ("check", "calls", "agreed", "disputed", "precision", "κ auto–human", "κ reviewers"):
        table.add_column(col)

    def kappa(k: dict) -> str:
        return "–" if k["kappa"] is None else f"{k['kappa']:.2f}"

    for c in a["checks"]:
        p = c["precision"]
        table.add_row(c["check_id"], str(c["n_calls"]), str(c["agreed"]), str(c["disputed"]),
                      "–" if p["value"] is None else f"{p['value']:.0%} of {p['n']}", kappa(c["kappa_auto_human"]),
                      kappa(c["kappa_reviewers"]))
    out.print(table)
    for note in a.get("notes") or ():
        out.print(one_line(f"note: {note}"), markup=False)
    if sheet:
        _print_sheet_fit(out, store, models_dir)
    if not train:
        return
    m = train_ranker(store, models_dir or Path("models"))
    if not m.get("trained"):
        out.print(f"queue ranker not trained: {m['reason']}", markup=False)
        return
    out.print(f"queue ranker: {m['cv_folds']}-fold cross-validated accuracy {m['accuracy']:.2f} "
              f"(majority-class baseline {m['baseline_accuracy']:.2f}), ROC AUC {m['roc_auc']:.2f}, "
              f"on {m['n']} reviewed calls ({m['n_confirmed']} confirmed); saved to {m['model_path']}", markup=False)
    if not m.get("beats_baseline"):
        out.print("  it does not beat the baseline yet: do not rely on its ranking", markup=False)
    ranks = rank_calls(store, models_dir / MODEL_FILE)
    store.save_ranks(ranks, m.get("trained_at", "model"))
    out.print(f"ranked {len(ranks)} flagged calls awaiting review (queue sort 'likely confirmed')")


def _print_sheet_fit(out, store, models_dir: Path | None) -> None:
    from rich.table import Table

    from ..review.calibration import fit_sheet

    fit = fit_sheet(store, models_dir)
    table = Table(title="the sheet's items refitted to the reviewers (agreement, κ: automatic → fitted, "
                        "cross-validated)", title_justify="left")
    for col in ("item", "judged", "agreement", "κ", "model"):
        table.add_column(col)

    def pct(b: dict | None) -> str:
        return "–" if not b or b.get("agreement") is None else f"{b['agreement']:.0%}"

    def kap(b: dict | None) -> str:
        return "–" if not b or b.get("kappa") is None else f"{b['kappa']:.2f}"

    for it in fit["items"]:
        a, b = it["before"], it["after"]
        table.add_row(it["check_id"], str(it["n"]), f"{pct(a)} → {pct(b)}", f"{kap(a)} → {kap(b)}",
                      it["model"] if it["model"] != "defaults" else one_line(f"defaults: {it['reason']}"))
    out.print(table)
    w = fit["wrong"]
    if w["n"]:
        out.print(f"verdicts the reviewers overturn: {w['n']} automatic, {w['low_before']} of them in low_confidence "
                  f"(< 0.6); refitted (cross-validated): {w['n_after']}, {w['low_after']} of them in low_confidence",
                  markup=False)
    if fit["path"]:
        out.print(f"sheet calibration {fit['version']} ({len(fit['fitted'])} item(s)) saved to {fit['path']}; "
                  f"use it with: qa score/batch --calibration {fit['latest']}", markup=False)
    else:
        out.print(one_line(f"sheet calibration not written: {fit['reason']}; the documented defaults apply"),
                  markup=False)


COMMANDS = (review, calibrate)
