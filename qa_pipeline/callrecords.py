"""ACD exports for the KPIs: call records, agent state logs and exam results, read and checked.

A file is CSV (UTF-8, with or without BOM, or GBK/GB18030 as Chinese phone systems write it) or
JSON Lines (one object per line). Column names are matched through aliases, Chinese included
(来电号码, 工号, 技能组, 进线时间, 接通时间, 挂机时间, 保持时长, 话后处理时长, 是否转接, 满意度…).
Every row is checked on its own: a bad row becomes a :class:`BadRow` with its line number and the
reason, and the other rows go on. Nothing here touches the database (see ``store/kpi.py``).

>>> parsed = read_records("acd-2026-11.csv", kind="calls")  # doctest: +SKIP
>>> len(parsed.rows), [str(b) for b in parsed.bad][:1]  # doctest: +SKIP
(99998, ['acd-2026-11.csv:17: answered_at 2026-11-01 09:00:00 is before offered_at 2026-11-01 09:00:05'])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError

KINDS = ("calls", "states", "exams")

CALL_ALIASES = {
    "call_id": ("call_id", "callid", "id", "通话id", "通话编号", "呼叫编号", "流水号", "录音id", "会话id"),
    "caller": ("caller", "ani", "caller_number", "calling_number", "phone", "来电号码", "主叫号码", "主叫", "客户号码",
               "客户电话"),
    "agent_id": ("agent_id", "agent", "agent_no", "工号", "坐席工号", "座席工号", "坐席", "座席"),
    "agent_name": ("agent_name", "坐席姓名", "座席姓名", "姓名"),
    "team": ("team", "班组", "小组", "组别"),
    "queue": ("queue", "skill_group", "skill", "技能组", "队列", "业务类型"),
    "direction": ("direction", "call_direction", "呼叫方向", "方向", "呼叫类型"),
    "offered_at": ("offered_at", "offered", "arrived_at", "start_time", "进线时间", "来电时间", "呼入时间", "排队时间",
                   "进队时间"),
    "answered_at": ("answered_at", "answered", "answer_time", "接通时间", "应答时间", "接听时间"),
    "ended_at": ("ended_at", "ended", "end_time", "hangup_time", "挂机时间", "结束时间", "挂断时间"),
    "hold_s": ("hold_s", "hold", "hold_time", "保持时长", "保持时间"),
    "acw_s": ("acw_s", "acw", "wrap_s", "wrap_up_s", "话后处理时长", "事后处理时长", "话后时长", "整理时长"),
    "transferred": ("transferred", "transfer", "是否转接", "转接"),
    "survey_score": ("survey_score", "csat", "survey", "satisfaction", "满意度", "满意度评分", "评价"),
}
STATE_ALIASES = {
    "agent_id": CALL_ALIASES["agent_id"],
    "state": ("state", "status", "状态", "坐席状态", "座席状态", "状态名称"),
    "start_at": ("start_at", "start", "start_time", "开始时间"),
    "end_at": ("end_at", "end", "end_time", "结束时间"),
    "duration_s": ("duration_s", "duration", "时长", "持续时长", "状态时长"),
}
EXAM_ALIASES = {
    "agent_id": CALL_ALIASES["agent_id"],
    "taken_on": ("taken_on", "date", "exam_date", "考试日期", "日期", "考试时间"),
    "score": ("score", "成绩", "考试成绩", "得分", "分数"),
    "exam": ("exam", "exam_name", "考试名称", "科目", "考试"),
}
ALIASES = {"calls": CALL_ALIASES, "states": STATE_ALIASES, "exams": EXAM_ALIASES}
REQUIRED = {"calls": ("call_id", "offered_at"), "states": ("agent_id", "state", "start_at"),
            "exams": ("agent_id", "taken_on", "score")}

DIRECTIONS = {"inbound": "inbound", "in": "inbound", "i": "inbound", "呼入": "inbound", "来电": "inbound",
              "outbound": "outbound", "out": "outbound", "o": "outbound", "呼出": "outbound", "外呼": "outbound"}
STATES = {"signed_in": "signed_in", "login": "signed_in", "logged_in": "signed_in", "签入": "signed_in",
          "登录": "signed_in", "在线": "signed_in",
          "busy": "busy", "not_ready": "busy", "notready": "busy", "示忙": "busy", "置忙": "busy",
          "break": "break", "小休": "break", "休息": "break"}
TRUE = {"1", "true", "yes", "y", "t", "是", "已转接", "转接"}
FALSE = {"0", "false", "no", "n", "f", "否", "未转接", ""}
SURVEY_WORDS = {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "非常不满意": 1}


@dataclass(frozen=True)
class BadRow:
    """A row that was skipped: where it is and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class Parsed:
    """The good rows of one file (fields by their canonical names) and the bad ones."""

    kind: str
    rows: list[dict[str, Any]]
    bad: list[BadRow]
    columns: dict[str, str] = field(default_factory=dict)  # canonical name → the file's header
    extra_columns: tuple[str, ...] = ()  # kept in ``meta`` (calls only)


def _norm_header(name: str) -> str:
    name = str(name).strip().lstrip("\ufeff").lower()
    name = re.sub(r"[(（].*?[)）]$", "", name).strip()  # 保持时长(秒) → 保持时长
    return re.sub(r"\s+", "_", name)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # GBK and its superset
    except UnicodeDecodeError:
        raise InputError(f"{path}: neither UTF-8 nor GBK text; export the file as CSV in UTF-8 or GBK") from None


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """``(line number, {header: value})`` per row; a string instead of the dict for an unreadable row."""
    text = _decode(path)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, f"not JSON ({exc.msg})"
                continue
            yield n, obj if isinstance(obj, dict) else "not a JSON object"
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: empty file; expected a header row and one row per call") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not CSV ({exc})") from None
    start = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, f"not CSV ({exc})"
            start = reader.line_num + 1
            continue
        if not any(c.strip() for c in row):
            start = reader.line_num + 1
            continue
        if len(row) != len(header):
            yield start, f"{len(row)} fields, the header has {len(header)}"
        else:
            yield start, dict(zip(header, row))
        start = reader.line_num + 1


def _when(text: str) -> dt.datetime:
    s = text.strip().replace("/", "-").replace("T", " ")
    try:
        return dt.datetime.fromisoformat(s).replace(tzinfo=None)
    except ValueError:
        pass
    if s.isdigit() and len(s) == 14:
        return dt.datetime.strptime(s, "%Y%m%d%H%M%S")
    from .batch.discover import parse_when

    iso = parse_when(s)
    if iso is None:
        raise ValueError(f"'{text}' is not a date and time (e.g. 2026-11-03 09:12:05)")
    return dt.datetime.fromisoformat(iso)


def _seconds(text: str) -> float | None:
    s = text.strip()
    if not s:
        return None
    if ":" in s:
        parts = s.split(":")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"'{text}' is not a duration (seconds or H:MM:SS)") from None
        value = 0.0
        for p in nums:
            value = value * 60 + p
    else:
        try:
            value = float(s)
        except ValueError:
            raise ValueError(f"'{text}' is not a duration (seconds or H:MM:SS)") from None
    if value < 0 or value != value:
        raise ValueError(f"'{text}' is a negative duration")
    return value


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _call_row(raw: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    call_id = raw.get("call_id", "")
    if not call_id:
        raise ValueError("no call_id")
    row["call_id"] = call_id
    digits = re.sub(r"\D", "", raw.get("caller", ""))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    row["caller"] = digits or None
    for k in ("agent_id", "agent_name", "team", "queue"):
        row[k] = raw.get(k) or None
    d = raw.get("direction", "").lower()
    if d and d not in DIRECTIONS:
        raise ValueError(f"direction '{raw['direction']}' is not inbound/outbound (呼入/呼出)")
    row["direction"] = DIRECTIONS.get(d) if d else None
    try:
        row["offered_at"] = _when(raw["offered_at"])
    except (ValueError, KeyError):
        raise ValueError(f"offered_at '{raw.get('offered_at', '')}' is not a date and time "
                         "(e.g. 2026-11-03 09:12:05)") from None
    for k in ("answered_at", "ended_at"):
        v = raw.get(k, "")
        try:
            row[k] = _when(v) if v else None
        except ValueError:
            raise ValueError(f"{k} '{v}' is not a date and time (e.g. 2026-11-03 09:12:05)") from None
    if row["answered_at"] is not None:
        if row["answered_at"] < row["offered_at"]:
            raise ValueError(f"answered_at {row['answered_at']} is before offered_at {row['offered_at']}")
        if row["ended_at"] is None:
            raise ValueError("answered but no ended_at (挂机时间)")
    if row["ended_at"] is not None and row["ended_at"] < (row["answered_at"] or row["offered_at"]):
        raise ValueError(f"ended_at {row['ended_at']} is before the call was "
                         f"{'answered' if row['answered_at'] else 'offered'}")
    for k in ("hold_s", "acw_s"):
        row[k] = _seconds(raw.get(k, ""))
    t = raw.get("transferred", "").lower()
    if t in TRUE:
        row["transferred"] = True
    elif t in FALSE:
        row["transferred"] = False
    else:
        raise ValueError(f"transferred '{raw['transferred']}' is not yes/no (是/否, 1/0)")
    s = raw.get("survey_score", "")
    if s in SURVEY_WORDS:
        row["survey_score"] = SURVEY_WORDS[s]
    elif s:
        try:
            score: float | None = float(s)
        except ValueError:
            score = None
        if score is None or not 1 <= score <= 5 or not score.is_integer():
            raise ValueError(f"survey_score '{s}' is not 1–5 (or 非常满意…非常不满意); leave it empty for no survey")
        row["survey_score"] = int(score)
    else:
        row["survey_score"] = None
    return row


def _state_row(raw: dict[str, str]) -> dict[str, Any]:
    state = raw.get("state", "")
    key = state.lower().replace(" ", "_")
    row = {"agent_id": raw["agent_id"], "state": STATES.get(key, STATES.get(state, state))}
    if not row["agent_id"] or not row["state"]:
        raise ValueError("no agent_id or state")
    try:
        row["start_at"] = _when(raw["start_at"])
    except ValueError:
        raise ValueError(f"start_at '{raw['start_at']}' is not a date and time") from None
    end, dur = raw.get("end_at", ""), raw.get("duration_s", "")
    if end:
        try:
            row["end_at"] = _when(end)
        except ValueError:
            raise ValueError(f"end_at '{end}' is not a date and time") from None
    elif dur:
        row["end_at"] = row["start_at"] + dt.timedelta(seconds=_seconds(dur) or 0)
    else:
        raise ValueError("no end_at or duration_s")
    if row["end_at"] < row["start_at"]:
        raise ValueError(f"end_at {row['end_at']} is before start_at {row['start_at']}")
    return row


def _exam_row(raw: dict[str, str]) -> dict[str, Any]:
    try:
        taken = _when(raw["taken_on"]).date()
    except ValueError:
        raise ValueError(f"taken_on '{raw['taken_on']}' is not a date") from None
    try:
        score = float(raw["score"])
    except ValueError:
        raise ValueError(f"score '{raw['score']}' is not a number") from None
    if not 0 <= score <= 100:
        raise ValueError(f"score {score:g} is outside 0–100")
    if not raw["agent_id"]:
        raise ValueError("no agent_id")
    return {"agent_id": raw["agent_id"], "taken_on": taken, "score": score, "exam": raw.get("exam") or None}


PARSERS = {"calls": _call_row, "states": _state_row, "exams": _exam_row}


def read_records(path: str | Path, *, kind: str = "calls") -> Parsed:
    """Read one export file of ``kind`` (calls, states or exams).

    Parameters
    ----------
    path : CSV (UTF-8/GBK, Chinese headers understood) or JSON Lines file.
    kind : ``calls`` (one row per call), ``states`` (agent state intervals) or ``exams``.

    Returns
    -------
    Parsed
        ``rows`` with canonical field names (``caller`` still in clear: hash it before storing),
        and ``bad`` rows with line numbers and reasons.

    Raises
    ------
    InputError
        The file is missing, empty, not text, or lacks a required column.
    """
    if kind not in KINDS:
        raise InputError(f"unknown record kind '{kind}'; choose one of: {', '.join(KINDS)}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    aliases = ALIASES[kind]
    lookup = {_norm_header(a): canon for canon, names in aliases.items() for a in names}
    parse = PARSERS[kind]
    rows: list[dict[str, Any]] = []
    bad: list[BadRow] = []
    seen: dict[Any, int] = {}
    mapping: dict[str, str] | None = None
    extras: tuple[str, ...] = ()
    for n, raw in _lines(path):
        if isinstance(raw, str):
            bad.append(BadRow(str(path), n, raw))
            continue
        if mapping is None or path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            found: dict[str, str] = {}
            for h in raw:
                canon = lookup.get(_norm_header(h))
                if canon and canon not in found:
                    found[canon] = h
            if mapping is None:
                missing = [c for c in REQUIRED[kind] if c not in found]
                if missing:
                    want = "; ".join(f"{c}: one of {', '.join(aliases[c][:6])}" for c in missing)
                    raise InputError(f"{path}: no column for {', '.join(missing)} ({want}); the file has "
                                     f"{', '.join(map(str, raw))}")
            mapping = found
            extras = tuple(h for h in raw if h not in set(found.values()))
        values = {canon: (v.strip() if type(v) is str else _text(v))
                  for canon, v in ((canon, raw.get(h)) for canon, h in mapping.items())}
        try:
            row = parse(values)
        except (ValueError, KeyError) as exc:
            bad.append(BadRow(str(path), n, str(exc)))
            continue
        if kind == "calls":
            meta = {h: raw[h] for h in extras if _text(raw.get(h))}
            row["meta"] = meta or None
        key = row["call_id"] if kind == "calls" else (row["agent_id"], row.get("state"), row.get("start_at")
                                                      or row.get("taken_on"))
        if key in seen:
            bad.append(BadRow(str(path), n, f"repeats line {seen[key]} ({key if kind == 'calls' else key[0]})"))
            continue
        seen[key] = n
        rows.append(row)
    if mapping is None and not bad:
        raise InputError(f"{path}: no rows; expected a header row and one row per {kind[:-1]}")
    return Parsed(kind, rows, bad, mapping or {}, extras)
