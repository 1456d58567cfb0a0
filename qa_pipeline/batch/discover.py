"""Find a night's recordings and attach each call's metadata (manifest or file-name pattern)."""

from __future__ import annotations

import datetime as dt
import errno
import fnmatch
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audio import file_sha256
from ..errors import InputError

AUDIO_GLOBS = ("*.wav", "*.mp3", "*.flac", "*.ogg", "*.opus", "*.m4a", "*.aac", "*.wma", "*.amr", "*.au")
META_FIELDS = ("call_id", "agent_id", "agent_name", "team", "direction", "queue", "started_at")

# Manifest column names as phone systems export them (lower-cased, spaces → _).
ALIASES = {
    "file": ("file", "path", "recording", "filename", "file_name", "录音文件", "录音", "文件名"),
    "call_id": ("call_id", "callid", "id", "通话id", "通话编号", "录音id", "流水号"),
    "agent_id": ("agent_id", "agent", "agent_no", "工号", "坐席工号", "座席工号"),
    "agent_name": ("agent_name", "坐席姓名", "座席姓名", "姓名"),
    "team": ("team", "skill_group", "group", "技能组", "班组", "小组"),
    "direction": ("direction", "call_direction", "呼叫方向", "方向"),
    "queue": ("queue", "队列", "业务类型", "call_type"),
    "started_at": ("started_at", "start_time", "started", "call_start", "开始时间", "通话开始时间"),
    "agent_channel": ("agent_channel", "agent_side", "坐席声道", "座席声道"),
}
CHANNELS = {"left": "left", "l": "left", "左": "left", "right": "right", "r": "right", "右": "right", "auto": "auto"}
DIRECTIONS = {"inbound": "inbound", "in": "inbound", "i": "inbound", "呼入": "inbound",
              "outbound": "outbound", "out": "outbound", "o": "outbound", "呼出": "outbound"}


@dataclass(frozen=True)
class Job:
    """One call to score: where it is, what the phone system says about it."""

    call_id: str
    path: str  # absolute
    rel: str  # relative to the batch folder (shown in logs)
    size: int
    meta: dict[str, Any] = field(default_factory=dict)

    def sha256(self) -> str:
        return file_sha256(Path(self.path))


@dataclass(frozen=True)
class Missing:
    """A call without a readable file (recorded as failed): the manifest lists a recording that is not in the
    folder (``MissingRecording``), or a file in the folder is a link to nothing or a link loop (``BrokenLink``)."""

    call_id: str
    path: str
    meta: dict[str, Any]
    reason: str
    size: int | None = None  # no file, no size
    kind: str = "MissingRecording"

    @property
    def rel(self) -> str:
        return self.path


@dataclass(frozen=True)
class Discovery:
    jobs: tuple[Job, ...]
    missing: tuple[Missing, ...]
    warnings: tuple[str, ...]


def find_files(folder: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[Path]:
    """Files under ``folder`` (recursive) whose name or relative path matches an include glob and no exclude glob.

    Hidden folders and files are left out: ``._call.wav`` is macOS's resource fork of ``call.wav``
    on a network share (not audio, and by its name the same call id as the real recording).
    """
    include = include or AUDIO_GLOBS
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(f for f in files if not f.startswith(".")):
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if not any(fnmatch.fnmatch(name.lower(), g.lower()) or fnmatch.fnmatch(rel, g) for g in include):
                continue
            if any(fnmatch.fnmatch(name.lower(), g.lower()) or fnmatch.fnmatch(rel, g) for g in exclude):
                continue
            out.append(p)
    return out


def parse_when(date: Any = None, time: Any = None) -> str | None:
    """``20261122`` / ``2026-11-22`` and ``143005`` / ``14:30:05`` (or one timestamp) → ISO text."""
    import pandas as pd

    parts = [str(x).strip() for x in (date, time) if x not in (None, "") and str(x).strip() not in ("", "nan")]
    if not parts:
        return None
    if len(parts) == 2 and parts[0].isdigit() and len(parts[0]) == 8:
        parts[0] = f"{parts[0][:4]}-{parts[0][4:6]}-{parts[0][6:]}"
    if len(parts) == 2 and parts[1].isdigit() and len(parts[1]) in (4, 6):
        t = parts[1].ljust(6, "0")
        parts[1] = f"{t[:2]}:{t[2:4]}:{t[4:]}"
    if len(parts) == 1 and parts[0].isdigit():
        if len(parts[0]) not in (8, 12, 14):  # 1122, 143005: not a date on its own
            return None
        s = parts[0].ljust(14, "0")
        parts = [f"{s[:4]}-{s[4:6]}-{s[6:8]}", f"{s[8:10]}:{s[10:12]}:{s[12:]}"]
    try:
        ts = pd.Timestamp(" ".join(parts))
    except (ValueError, TypeError, OverflowError):
        return None
    if ts is pd.NaT:  # "NaN", "NaT": no time at all
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.to_pydatetime().isoformat()


def _clean_meta(raw: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    date, time = raw.pop("date", None), raw.pop("time", None)
    for k, v in raw.items():
        if v is None or (isinstance(v, float) and not math.isfinite(v)) or str(v).strip() == "":
            continue
        meta[k] = v if isinstance(v, (int, float, bool)) else str(v).strip()
    if "started_at" in meta:
        meta["started_at"] = parse_when(meta["started_at"])
    elif date or time:
        meta["started_at"] = parse_when(date, time)
    if meta.get("started_at") is None:
        meta.pop("started_at", None)
    if "direction" in meta:
        meta["direction"] = DIRECTIONS.get(str(meta["direction"]).lower(), str(meta["direction"]))
    if "agent_channel" in meta:  # this call's stereo side of the agent, over --agent-channel
        side = CHANNELS.get(str(meta["agent_channel"]).strip().lower())
        if side is None:
            raise InputError(f"manifest: agent_channel '{meta['agent_channel']}' is not one of left, right, auto")
        meta["agent_channel"] = side
    return meta


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """A CSV (UTF-8 or GBK) or JSONL manifest as rows with canonical column names.

    Raises ``InputError`` naming the row when a start time is there but is not a date and time (``NaN``,
    ``Infinity``, ``yesterday``): a wrong time would file the call under the wrong day."""
    import pandas as pd

    if not path.is_file():
        raise InputError(f"{path}: manifest not found")
    first_row = 1
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            records = _json_records(path)
        else:
            first_row = 2  # after the header
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gbk")
            records = df.to_dict(orient="records")
    except (ValueError, UnicodeDecodeError, RecursionError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot read the manifest ({str(exc).splitlines()[0]}); "
                         "give a CSV with a header row or one JSON object per line") from None
    lookup = {alias: canon for canon, aliases in ALIASES.items() for alias in aliases}

    def canon(c: Any) -> str:
        return lookup.get(str(c).strip().lower().replace(" ", "_"), str(c).strip())

    rows = [{canon(k): v for k, v in r.items()} for r in records]
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if "file" not in columns and "call_id" not in columns:
        raise InputError(f"{path}: the manifest needs a 'file' or a 'call_id' column (found: {', '.join(columns)})")
    for n, row in enumerate(rows, start=first_row):
        value = row.get("started_at")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or parse_when(value) is None:
            raise InputError(f"{path}: row {n}: start time {str(value)[:40]!r} is not a date and time; "
                             "write it as 2026-11-22 14:30:05 (or leave it empty)")
    return rows


def _json_records(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file (or of a JSON array); ``ValueError`` names the bad line."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        records = data if isinstance(data, list) else None
        if records is None or not all(isinstance(r, dict) for r in records):
            raise ValueError("expected a list of objects")
        return records
    records = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"line {i}: {exc}") from None
        if not isinstance(obj, dict):
            raise ValueError(f"line {i}: expected a JSON object")
        records.append(obj)
    return records


def name_metadata(pattern: str, path: Path) -> dict[str, Any] | None:
    """Fields from a file name by a pattern like ``{date}_{agent_id}_{call_id}`` (``None`` if it does not fit)."""
    import parse

    compiled = parse.compile(pattern)
    for candidate in (path.stem, path.name):
        got = compiled.parse(candidate)
        if got is not None:
            return dict(got.named)
    return None


def discover(folder: str | Path, *, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
             manifest: str | Path | None = None, name_pattern: str | None = None) -> Discovery:
    """The jobs of a batch: every matching file, with metadata from the manifest, else from the name pattern."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise InputError(f"{folder}: not a folder; give the folder holding the recordings")
    if name_pattern:
        import parse

        try:
            parse.compile(name_pattern)
        except (ValueError, KeyError) as exc:
            raise InputError(f"name pattern '{name_pattern}' is not valid ({exc}); "
                             "use fields in braces, e.g. '{date}_{agent_id}_{call_id}'") from None
    files = find_files(root, include, exclude)
    warnings: list[str] = []
    rows = read_manifest(Path(manifest)) if manifest else []
    by_file: dict[str, dict] = {}
    by_id: dict[str, dict] = {}
    for row in rows:
        if str(row.get("file") or "").strip():
            f = Path(str(row["file"]).strip())
            key = f if f.is_absolute() else (root / f)
            try:
                key = key.resolve()
            except (OSError, RuntimeError):  # a link loop: matched by its name below, then stored as failed
                pass
            by_file[str(key)] = row
            by_file.setdefault(f.name, row)
        elif str(row.get("call_id") or "").strip():
            by_id[str(row["call_id"]).strip()] = row
    used: set[int] = set()
    jobs: list[Job] = []
    broken: list[Missing] = []
    unmatched_pattern = 0
    for p in files:
        rel = p.relative_to(root).as_posix()
        st, resolved, why = _follow(p)
        row = (by_file.get(resolved) if resolved else None) or by_file.get(p.name) or by_id.get(p.stem)
        raw: dict[str, Any] = {}
        if row is not None:
            used.add(id(row))
            raw = {k: v for k, v in row.items() if k != "file"}
            source = "manifest"
        elif name_pattern:
            named = name_metadata(name_pattern, p)
            if named is None:
                unmatched_pattern += 1
                source = "none"
            else:
                raw, source = named, "file name"
        else:
            source = "none"
        meta = _clean_meta(raw)
        call_id = str(meta.pop("call_id", "") or "") or str(Path(rel).with_suffix("").as_posix())
        meta["metadata_source"] = source
        if st is None:  # a link to nothing, or a loop: this one file fails, the night goes on
            broken.append(Missing(call_id, str(p.absolute()), meta, f"{p.absolute()}: {why}", kind="BrokenLink"))
            continue
        if "started_at" not in meta:
            meta["started_at"] = dt.datetime.fromtimestamp(st.st_mtime).replace(microsecond=0).isoformat()
            meta["started_at_source"] = "file time"
        jobs.append(Job(call_id=call_id, path=resolved, rel=rel, size=st.st_size, meta=meta))
    if manifest and len(used) < len(rows):
        missing = [r for r in rows if id(r) not in used]
    else:
        missing = []
    lost = []
    for r in missing:
        meta = _clean_meta({k: v for k, v in r.items() if k != "file"})
        cid = str(meta.pop("call_id", "") or Path(str(r.get("file") or "unknown")).stem)
        lost.append(Missing(cid, str(r.get("file") or ""), meta,
                            f"listed in the manifest but no recording {r.get('file') or cid!r} was found under {root}"))
    if unmatched_pattern:
        warnings.append(f"{unmatched_pattern} file(s) did not match the name pattern '{name_pattern}'; "
                        "their call id is the file path")
    if manifest:
        extra = sum(1 for j in jobs if j.meta.get("metadata_source") != "manifest")
        if extra:
            warnings.append(f"{extra} recording(s) are not in the manifest; scored without its metadata")
    if broken:
        warnings.append(f"{len(broken)} file(s) are links to nothing or link loops; each is stored as failed "
                        f"(BrokenLink): {', '.join(Path(b.path).name for b in broken[:3])}"
                        f"{'…' if len(broken) > 3 else ''}")
    return Discovery(tuple(_unique(jobs, warnings)), tuple(lost + broken), tuple(warnings))


def _follow(p: Path) -> tuple[os.stat_result | None, str | None, str]:
    """``(stat, resolved path, "")`` of a file, following links; ``(None, None, why)`` for a broken link or loop."""
    try:
        return p.stat(), str(p.resolve(strict=True)), ""
    except (OSError, RuntimeError) as exc:  # RuntimeError: Python < 3.13 reports a link loop so
        if p.is_symlink():
            try:
                target = os.readlink(p)
            except OSError:
                target = "?"
            loop = getattr(exc, "errno", None) == errno.ELOOP or isinstance(exc, RuntimeError)
            return None, None, (f"a symbolic link loop (-> {target})" if loop
                                else f"a symbolic link to {target}, which does not exist")
        return None, None, f"cannot be read ({exc.strerror or exc})" if isinstance(exc, OSError) else str(exc)


def _unique(jobs: list[Job], warnings: list[str]) -> list[Job]:
    """Two files claiming one call id: both keep their file path as id, so neither overwrites the other."""
    seen: dict[str, int] = {}
    for j in jobs:
        seen[j.call_id] = seen.get(j.call_id, 0) + 1
    dup = {k for k, n in seen.items() if n > 1}
    if not dup:
        return jobs
    warnings.append(f"{len(dup)} call id(s) were claimed by more than one file ({', '.join(sorted(dup)[:3])}…); "
                    "those files use their path as call id")
    return [Job(str(Path(j.rel).with_suffix("").as_posix()), j.path, j.rel, j.size, j.meta) if j.call_id in dup else j
            for j in jobs]
