"""What runs in a worker process (local pool or Dask): score one call, return plain data.

The model and the rules load once per process and stay cached. A worker never raises for a
bad file: it returns the error, so the batch records it and goes on.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from ..audio import file_sha256
from ..errors import QAError
from ..pipeline import PipelineOptions, score_call
from ..transcript_io import is_transcript

_RULES: dict[str | None, Any] = {}


def _rules(rules_dir: str | None):
    from ..rules import load_rules

    if rules_dir not in _RULES:
        _RULES[rules_dir] = load_rules(rules_dir)
    return _RULES[rules_dir]


def _watch_parent(parent_pid: int) -> None:
    """Exit when the batch process is gone (killed with -9), instead of lingering as an orphan."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(0.5)


def init_worker(options: PipelineOptions, parent_pid: int | None = None, with_model: bool = True) -> None:
    """Process-pool initializer: load the rules and (when there is audio to score) the model once."""
    if parent_pid:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        warm(options, with_model)
    except Exception:  # noqa: BLE001 - reported by the batch's own warm-up task, which fails fast
        pass


def warm(options: PipelineOptions, with_model: bool = True) -> str:
    from ..transcribe import load_model

    _rules(options.rules_dir)
    if with_model:
        load_model(options.asr)
    return f"pid {os.getpid()} ready"


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        return os.cpu_count() or 1


def host_cores() -> tuple[str, int]:
    """This worker's machine and usable cores (asked of every Dask worker to size the model's threads)."""
    import socket

    return socket.gethostname(), cpu_count()


def score_job(call_id: str, path: str, options: PipelineOptions, store_sensitive: bool = False,
              direction: str | None = None) -> dict[str, Any]:
    """Score one file: ``{"ok": True, "report": {...}}`` or ``{"ok": False, "kind": ..., "error": ...}``."""
    t0 = time.perf_counter()
    try:
        rules = _rules(options.rules_dir)
        report = score_call(path, options, call_id=call_id, rules=rules, direction=direction)
        if not store_sensitive:
            from ..redact import redact_report

            report = redact_report(report, rules.entity_options())
        sha = file_sha256(path) if is_transcript(path) else report.audio.sha256
        return {"ok": True, "report": report.to_dict(), "sha256": sha, "seconds": time.perf_counter() - t0,
                "pid": os.getpid()}
    except QAError as exc:
        return {"ok": False, "kind": type(exc).__name__, "error": _masked_error(str(exc), path),
                "seconds": time.perf_counter() - t0}
    except MemoryError:
        return {"ok": False, "kind": "MemoryError", "error": f"{path}: out of memory while scoring; "
                "run fewer workers (--workers) or split the file", "seconds": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the night
        msg = _masked_error(str(exc).splitlines()[0], path) if str(exc) else ""
        return {"ok": False, "kind": "InternalError", "error": f"{path}: internal error {type(exc).__name__}: {msg}",
                "seconds": time.perf_counter() - t0}


def _masked_error(message: str, path: str) -> str:
    """An error message as stored and logged: masked (it may quote the input), file paths kept (the
    call's own and any other path-like word), no control characters (the log is read on a terminal)."""
    import re

    from ..redact import redact_text
    from ..sanitize import terminal_text

    parts = re.split(r"(" + re.escape(str(path)) + r"|\S*[/\\]\S*)", message)
    return terminal_text("".join(p if i % 2 else redact_text(p) for i, p in enumerate(parts)))
