"""The ``qa`` application: every command group registered, and the one error handler.

Exit codes (README): 0 ok, 1 internal error, 2 usage error, 3 bad input (the file is at
fault), 4 configuration, model or database problem, 5 a batch finished but some calls
failed, 130 interrupted. Every error is one line on stderr; ``QA_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import errno
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer ≥ 0.20 vendors click
    from typer._click import exceptions as cx
    from typer._click.utils import PacifyFlushWrapper
except ImportError:  # pragma: no cover - older typer on real click
    from click import exceptions as cx
    from click.utils import PacifyFlushWrapper

from ..errors import EXIT_CONFIG, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, QAError
from . import batch, kpi, review, score, vocabulary
from .common import err, say_error


def run(command: TyperGroup, args: Sequence[str] | None = None, prog_name: str | None = None,
        **extra: Any) -> int:
    """Run the command line; every error, ours or not, becomes one stderr line and an exit code."""
    try:
        with command.make_context(prog_name or "qa", list(sys.argv[1:] if args is None else args), **extra) as ctx:
            command.invoke(ctx)
        return EXIT_OK
    except typer.Exit as exc:  # --help, typer.Exit(code) from a command
        return exc.exit_code
    except cx.NoArgsIsHelpError as exc:
        text = exc.ctx.get_help()  # typer's rich help prints itself and returns ""
        if text:
            err.print(text, markup=False, highlight=False)
        return EXIT_USAGE
    except cx.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        say_error(exc.format_message() + hint)
        return exc.exit_code
    except QAError as exc:
        if os.environ.get("QA_DEBUG"):
            raise
        say_error(exc)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort, EOFError):
        say_error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place internal errors are reported
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:  # `qa … | head`: the reader left
            sys.stdout = PacifyFlushWrapper(sys.stdout)
            return EXIT_INTERNAL
        if os.environ.get("QA_DEBUG"):
            raise
        if isinstance(exc, RecursionError):
            say_error("input nested too deeply to process")
        elif isinstance(exc, ImportError):  # the install, not the input, is at fault
            say_error(f"a package qa-pipeline needs is missing ({exc}); reinstall it: pip install qa-pipeline")
            return EXIT_CONFIG
        else:
            say_error(f"internal error: {type(exc).__name__}: {exc} (set QA_DEBUG=1 for a traceback)")
        return EXIT_INTERNAL


class QAGroup(TyperGroup):
    """The root command: parses, runs, and turns errors into exit codes through :func:`run`."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        extra.pop("windows_expand_args", None)
        code = run(self, args, prog_name, **extra)
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(name="qa", cls=QAGroup, add_completion=False, no_args_is_help=True,
                  help="Quality assurance for Mandarin call-center recordings.")
for module in (score, batch, review, kpi, vocabulary):
    for fn in module.COMMANDS:
        app.command()(fn)
    for name, group in getattr(module, "GROUPS", {}).items():
        app.add_typer(group, name=name)


def main() -> None:
    """The ``qa`` console script (and ``python -m qa_pipeline``).

    Libraries' deprecation chatter (pkg_resources, scipy namespaces…) is not for QA staff: it is
    shown only with ``QA_DEBUG=1``, so stderr holds our messages alone.
    """
    if not os.environ.get("QA_DEBUG"):
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning):
            warnings.filterwarnings("ignore", category=category)
    app()
