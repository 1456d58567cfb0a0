"""``qa review``: the review web app over the results store (FastAPI, no CDN, works offline).

Security: binds 127.0.0.1 unless given tokens; every request outside loopback-without-users
needs a token (``Authorization: Bearer``, the ``qa_token`` cookie, or ``?token=`` once).
Audio is served only by call id from the database (never by path), text is rendered with
``textContent`` in the page (never as HTML), and sensitive numbers are masked unless the
user's entry says ``sensitive: true``.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from ..errors import InputError, QAError
from ..store import Store
from ..store import queue as calls_queue
from . import state as st
from .annotations import annotated
from .limits import BodyLimit
from .double_review import visible_events
from .security import HostGuard, audio_cache_lifespan, find_token
from .state import PermissionDenied, User

if TYPE_CHECKING:
    from ..store.assign import AssignmentRules

STATIC = Path(__file__).parent / "static"
MAX_PAGE = 100_000  # page numbers past this are 422, not an SQL overflow


class Event(BaseModel):
    kind: str = Field(max_length=64)
    target: str = Field("", max_length=256)
    value: Optional[str] = Field(None, max_length=4096)
    reason: Optional[str] = Field(None, max_length=8192)


class ItemDecision(BaseModel):
    verdict: Optional[str] = Field(None, max_length=16)  # agree | dispute
    points: Optional[float] = None
    reason: Optional[str] = Field(None, max_length=8192)


class Submission(BaseModel):
    """The whole scoring sheet of one call (提交复核): item id → the reviewer's verdict, points, reason."""
    items: dict[str, ItemDecision] = Field(default_factory=dict, max_length=500)
    comment: Optional[str] = Field(None, max_length=8192)


def create_app(store: Store, users: dict[str, User] | None = None, local_user: User | None = None, *,
               rules_dir: str | Path | None = None, tz: str = "Asia/Shanghai",
               appeal_days: float | None = 7, hosts: frozenset[str] | None = None,
               assignment: "AssignmentRules | None" = None) -> FastAPI:
    """The app. ``users`` maps token → user (tokens required); else everyone is ``local_user``.

    ``tz``: the time zone the pages show times in (IANA name; Beijing time by default).
    ``appeal_days``: how many days after the review its agent may appeal (None: no limit).

    Text reaches a user without the ``sensitive`` right only through
    :func:`qa_pipeline.redact.redact_data`, with the entity formats of ``rules_dir`` (the
    project's rules, as the batch used them; the defaults when None). ``hosts``: the Host names
    answered (:func:`.security.allowed_hosts`; loopback names when None)."""
    from ..redact import redact_data
    from ..rules import load_rules

    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from ..errors import ConfigError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone '{tz}'; use an IANA name such as Asia/Shanghai") from None
    audio_cache = Path(tempfile.mkdtemp(prefix="qa-review-audio-"))
    app = FastAPI(title="qa-pipeline review", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=audio_cache_lifespan(audio_cache))
    app.add_middleware(BodyLimit)
    app.add_middleware(HostGuard, hosts=hosts)  # outermost: Host check and security headers on every response
    entity_options = load_rules(rules_dir).entity_options()
    store.refresh_stats()  # the planner's statistics, so filtered queue pages pick the right index

    def masked(u: User, data: Any) -> Any:
        return data if u.sensitive else redact_data(data, entity_options)
    local_user = local_user or User("reviewer", "senior")

    def user(request: Request) -> User:
        if not users:
            return local_user
        token = request.query_params.get("token") or request.cookies.get("qa_token") or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        found = find_token(users, token)
        if found is None:
            raise HTTPException(401, "a valid access token is required (open the URL `qa review` printed)")
        return found

    @app.exception_handler(QAError)
    async def _qa_error(request: Request, exc: QAError):  # noqa: ANN202
        code = 403 if isinstance(exc, PermissionDenied) else 400
        return JSONResponse({"error": str(exc)}, status_code=code)

    def page(name: str, request: Request, u: User) -> Response:
        resp = HTMLResponse((STATIC / name).read_text(encoding="utf-8"))
        token = request.query_params.get("token")
        if users and token:
            resp.set_cookie("qa_token", token, httponly=True, samesite="strict")
        return resp

    @app.get("/", response_class=HTMLResponse)
    def queue_page(request: Request, u: User = Depends(user)):
        return page("queue.html", request, u)

    @app.get("/call/{call_id:path}", response_class=HTMLResponse)
    def call_page(call_id: str, request: Request, u: User = Depends(user)):
        return page("call.html", request, u)

    @app.get("/calibration", response_class=HTMLResponse)
    def calibration_page(request: Request, u: User = Depends(user)):
        return page("calibration.html", request, u)

    @app.get("/api/me")
    def me(u: User = Depends(user)):
        return {"name": u.name, "role": u.role, "sensitive": u.sensitive, "tz": tz, "appeal_days": appeal_days}

    rule_set = load_rules(rules_dir)
    titles = {rid: r.title for rid, r in rule_set.rules.items() if getattr(r, "title", None)}
    for section in (rule_set.checklist.sections if rule_set.checklist else ()):
        titles.update({i.manual: i.title for i in section.items if i.manual and i.title})

    @app.get("/api/titles")
    def check_titles(u: User = Depends(user)):
        """Check id → its title in the rule files (the pages show titles, not ids)."""
        return titles

    @app.get("/api/options")
    def options(u: User = Depends(user)):
        if not u.can("review"):
            raise PermissionDenied("only reviewers list agents, teams and checks")
        return {**calls_queue.queue_options(store), "sorts": list(calls_queue.SORTS)}

    @app.get("/api/queue")
    def queue(u: User = Depends(user), date_from: Optional[str] = Query(None, alias="from"),
              date_to: Optional[str] = Query(None, alias="to"), agent: Optional[str] = None,
              team: Optional[str] = None, check: Optional[str] = None, status: Optional[str] = None,
              fatal: Optional[bool] = None, flagged: Optional[bool] = None, min_score: Optional[float] = None,
              max_score: Optional[float] = None, sort: str = "priority", page: int = Query(1, ge=1, le=MAX_PAGE),
              size: int = Query(50, ge=1, le=200), mine: bool = False, assignee: Optional[str] = Query(None, max_length=128),
              unassigned: Optional[bool] = None, sample: Optional[str] = Query(None, max_length=64),
              queue: Optional[str] = Query(None, max_length=255), direction: Optional[str] = Query(None, max_length=16),
              q: Optional[str] = Query(None, max_length=255), text: Optional[str] = Query(None, max_length=200)):
        from ..reports import parse_day

        if sort not in calls_queue.SORTS:
            raise InputError(f"unknown sort '{sort}'; one of {', '.join(calls_queue.SORTS)}")
        f = calls_queue.QueueFilter(start=parse_day(date_from), end=parse_day(date_to),
                        own_agent=u.name if u.role == "agent" else None,  # agents see their own calls only
                        agent=agent, team=team, failed_check=check, fatal=fatal, flagged=flagged,
                        min_score=min_score, max_score=max_score, review_status=status,
                        assignee=u.name if mine else assignee, unassigned=unassigned, sample=sample, queue=queue,
                        direction=direction, call_id=q, text=text)
        page_ = calls_queue.queue_page(store, f, sort=sort, page=page, size=size)
        page_["items"] = masked(u, page_["items"])
        return page_

    def _scored(call_id: str, u: User) -> dict:
        row = st.scored_call(store, call_id)
        if row is None or (u.role == "agent" and row["agent_id"] != u.name):
            raise HTTPException(404, f"no scored call '{call_id}' in this database")
        return row

    @app.get("/api/calls/{call_id:path}/audio")
    def audio(call_id: str, channel: str = "both", u: User = Depends(user)):
        import soundfile as sf

        from ..audio import load_audio

        row = _scored(call_id, u)  # the path comes from the database, never from the request
        report = store.report(call_id) or {}
        if channel not in ("both", "agent", "customer"):
            raise HTTPException(400, "channel is both, agent or customer")
        key = hashlib.sha256(f"{call_id}|{row['content_sha256']}|{channel}".encode()).hexdigest()[:24]
        target = audio_cache / f"{key}.wav"
        if not target.exists():
            try:
                rec = load_audio(row["path"])
            except QAError as exc:
                raise HTTPException(410, f"the recording is no longer readable: {exc}") from None
            import numpy as np

            if rec.n_channels == 2 and channel != "both":
                left_is_agent = (report.get("audio") or {}).get("agent_channel", "left") == "left"
                idx = 0 if (channel == "agent") == left_is_agent else 1
                data = rec.channels[idx]
            else:
                data = np.stack(rec.channels, axis=1) if rec.n_channels == 2 else rec.channels[0]
            buf = io.BytesIO()
            sf.write(buf, data, rec.rate, format="WAV", subtype="PCM_16")
            target.write_bytes(buf.getvalue())
        return FileResponse(target, media_type="audio/wav")

    peaks_cache: dict[str, dict] = {}

    @app.get("/api/calls/{call_id:path}/peaks")
    def peaks(call_id: str, n: int = Query(500, ge=10, le=2000), u: User = Depends(user)):
        """The waveform for the timeline: per channel (agent, customer; one for mono) the loudest sample of each
        of ``n`` equal slices of the call, 0–1."""
        import numpy as np

        from ..audio import load_audio

        row = _scored(call_id, u)
        key = f"{call_id}|{row['content_sha256']}|{n}"
        if key not in peaks_cache:
            if row.get("format") == "transcript" or not row.get("sample_rate"):
                raise HTTPException(404, "this call was scored from a transcript: there is no waveform")
            try:
                rec = load_audio(row["path"])
            except QAError as exc:
                raise HTTPException(410, f"the recording is no longer readable: {exc}") from None
            report = store.report(call_id) or {}
            chans = list(rec.channels)
            if len(chans) == 2 and (report.get("audio") or {}).get("agent_channel", "left") != "left":
                chans.reverse()  # agent first
            out = []
            for ch in chans:
                x = np.abs(np.asarray(ch, dtype=np.float32))
                edges = np.linspace(0, len(x), n + 1).astype(int)
                out.append([round(float(x[a:b].max()) if b > a else 0.0, 3) for a, b in zip(edges[:-1], edges[1:])])
            if len(peaks_cache) > 256:
                peaks_cache.clear()
            peaks_cache[key] = {"n": n, "duration_s": len(chans[0]) / rec.rate, "channels": out}
        return peaks_cache[key]

    @app.get("/api/calls/{call_id:path}")
    def call(call_id: str, u: User = Depends(user)):
        row = _scored(call_id, u)
        report = store.report(call_id) or {}
        row = {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") else v) for k, v in row.items()
               if k not in ("path",)}
        history = visible_events(store, call_id, u, st.history(store, call_id))  # blind on calibration calls
        report = annotated(report, history, rule_set)  # corrections, swapped speakers, marked violations
        review = st.current(store, call_id, history)  # the events folded, with who works the call now
        return masked(u, {"call": row, "report": report, "review": review, "history": history,
                          "live_score": st.live_score(report, review)["total"], "me": me(u)})

    @app.post("/api/calls/{call_id:path}/events")
    def add_event(call_id: str, ev: Event, u: User = Depends(user)):
        row = _scored(call_id, u)
        reason = redact_data(ev.reason, entity_options) if row.get("redacted") else ev.reason  # a masked store stays masked
        return masked(u, st.record(store, call_id, u, ev.kind, ev.target, ev.value, reason, appeal_days=appeal_days,
                                   rules=rule_set))

    @app.post("/api/calls/{call_id:path}/review")
    def submit_review(call_id: str, sub: Submission, u: User = Depends(user)):
        """提交复核: every item's verdict and points, the comment and the reviewed status in one transaction."""
        row = _scored(call_id, u)

        def kept(text: Optional[str]) -> Optional[str]:
            return redact_data(text, entity_options) if text and row.get("redacted") else text

        decisions = []
        for item, d in sub.items.items():
            if d.verdict:
                decisions.append(("check", item, d.verdict, kept(d.reason)))
            if d.points is not None:
                decisions.append(("points", item, f"{d.points:g}", None))
        return masked(u, st.submit(store, call_id, u, decisions, kept(sub.comment), appeal_days=appeal_days,
                                   rules=rule_set))

    @app.get("/api/export.{fmt}")
    def export(fmt: str, u: User = Depends(user)):
        from .exports import review_summary_frame, reviews_frame, to_bytes

        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, "export as .csv or .xlsx")
        if not u.can("review"):
            raise PermissionDenied("only reviewers export reviews")
        calls = review_summary_frame(store) if fmt == "xlsx" else None
        events = reviews_frame(store)
        if not u.sensitive:
            events, calls = redact_data(events, entity_options), redact_data(calls, entity_options)
        data, media = to_bytes(events, fmt, calls=calls)
        return Response(data, media_type=media,
                        headers={"content-disposition": f'attachment; filename="qa-reviews.{fmt}"'})

    @app.get("/api/calibration")
    def calibration(u: User = Depends(user)):
        from .calibration import agreement

        if not u.can("review"):
            raise PermissionDenied("only reviewers see calibration data")
        return agreement(store)

    from .coaching_api import register as register_coaching

    register_coaching(app, store, user, page)  # /coaching: agents acknowledge coaching tasks
    from .double_review import register as register_double_review
    from .queue_api import register as register_queue

    register_queue(app, store, user, assignment)  # claim, release, assign, automatic assignment
    register_double_review(app, store, user)  # /api/calibration/double: blind double review statistics
    from .notifications import register as register_notifications

    register_notifications(app, store, user, masked, tz=tz, titles=titles)  # the 🔔 on every page
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
