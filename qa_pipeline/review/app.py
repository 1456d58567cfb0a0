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
from typing import Any, Optional

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from ..errors import InputError, QAError
from ..store import Store
from ..store import tables as t
from . import state as st
from .state import PermissionDenied, User

STATIC = Path(__file__).parent / "static"
SORTS = {
    "priority": lambda c, r: [c.fatal.desc(), c.flagged.desc(), c.score.asc(), c.started_at.desc()],
    "score": lambda c, r: [c.score.asc(), c.call_id],
    "-score": lambda c, r: [c.score.desc(), c.call_id],
    "started_at": lambda c, r: [c.started_at.asc(), c.call_id],
    "-started_at": lambda c, r: [c.started_at.desc(), c.call_id],
    "agent": lambda c, r: [c.agent_id.asc(), c.started_at.desc()],
    "likely": lambda c, r: [t.call_ranks.c.p_confirmed.desc().nulls_last(), c.fatal.desc(), c.score.asc()],
}


class Event(BaseModel):
    kind: str
    target: str = ""
    value: Optional[str] = None
    reason: Optional[str] = None


def _mask(obj: Any, options) -> Any:
    from ..redact import redact_text

    if isinstance(obj, dict):
        return {k: (redact_text(v, options) if isinstance(v, str) and k in ("text", "raw_text", "quote", "heard",
                                                                              "summary", "word") else _mask(v, options))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mask(v, options) for v in obj]
    return obj


def create_app(store: Store, users: dict[str, User] | None = None, local_user: User | None = None) -> FastAPI:
    """The app. ``users`` maps token → user (tokens required); else everyone is ``local_user``."""
    from ..rules import load_rules

    app = FastAPI(title="qa-pipeline review", docs_url=None, redoc_url=None, openapi_url=None)
    entity_options = load_rules().entity_options()
    audio_cache = Path(tempfile.mkdtemp(prefix="qa-review-audio-"))
    local_user = local_user or User("reviewer", "senior")

    def user(request: Request) -> User:
        if not users:
            return local_user
        token = request.query_params.get("token") or request.cookies.get("qa_token") or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        if token not in users:
            raise HTTPException(401, "a valid access token is required (open the URL `qa review` printed)")
        return users[token]

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
        return {"name": u.name, "role": u.role, "sensitive": u.sensitive}

    @app.get("/api/options")
    def options(u: User = Depends(user)):
        c, k = t.calls.c, t.checks.c
        with store._connect() as conn:
            agents = conn.execute(sa.select(c.agent_id, sa.func.max(c.agent_name)).where(c.status == "scored")
                                  .group_by(c.agent_id).order_by(c.agent_id)).all()
            teams = conn.execute(sa.select(c.team).where(c.status == "scored").distinct().order_by(c.team)).scalars()
            checks = conn.execute(sa.select(k.check_id).where(k.status != "manual").distinct().order_by(k.check_id)
                                  ).scalars()
            return {"agents": [{"id": a, "name": n} for a, n in agents if a], "teams": [x for x in teams if x],
                    "checks": list(checks), "sorts": list(SORTS)}

    @app.get("/api/queue")
    def queue(u: User = Depends(user), date_from: Optional[str] = Query(None, alias="from"),
              date_to: Optional[str] = Query(None, alias="to"), agent: Optional[str] = None,
              team: Optional[str] = None, check: Optional[str] = None, status: Optional[str] = None,
              fatal: Optional[bool] = None, flagged: Optional[bool] = None, min_score: Optional[float] = None,
              max_score: Optional[float] = None, sort: str = "priority", page: int = Query(1, ge=1),
              size: int = Query(50, ge=1, le=200)):
        from ..reports import Period, parse_day

        c, r = t.calls.c, t.call_reviews.c
        review_status = sa.func.coalesce(r.status, "pending")
        conds = [c.status == "scored", Period(parse_day(date_from), parse_day(date_to)).where(c.started_at)]
        if u.role == "agent":
            conds.append(c.agent_id == u.name)  # agents see their own calls only
        if agent:
            conds.append(c.agent_id == agent)
        if team:
            conds.append(c.team == team)
        if check:
            k = t.checks.c
            conds.append(sa.exists().where(k.call_id == c.call_id, k.check_id == check, k.status == "fail"))
        if fatal is not None:
            conds.append(c.fatal == fatal)
        if flagged is not None:
            conds.append(c.flagged == flagged)
        if min_score is not None:
            conds.append(c.score >= min_score)
        if max_score is not None:
            conds.append(c.score <= max_score)
        base = t.calls.outerjoin(t.call_reviews, r.call_id == c.call_id).outerjoin(
            t.call_ranks, t.call_ranks.c.call_id == c.call_id)
        where = sa.and_(*conds)
        facet_q = sa.select(review_status.label("s"), sa.func.count(), sa.func.sum(sa.cast(c.flagged, sa.Integer)),
                            sa.func.sum(sa.cast(c.fatal, sa.Integer))).select_from(base).where(where).group_by("s")
        if status:
            conds.append(review_status == status)
        if sort not in SORTS:
            raise InputError(f"unknown sort '{sort}'; one of {', '.join(SORTS)}")
        q = (sa.select(c.call_id, c.agent_id, c.agent_name, c.team, c.started_at, c.duration_s, c.score, c.flagged,
                       c.fatal, c.flag_reasons, review_status.label("review_status"), r.final_score, r.reviewer,
                       t.call_ranks.c.p_confirmed)
             .select_from(base).where(sa.and_(*conds)).order_by(*SORTS[sort](c, r))
             .limit(size).offset((page - 1) * size))
        with store._connect() as conn:
            facets = conn.execute(facet_q).all()
            total = conn.execute(sa.select(sa.func.count()).select_from(base).where(sa.and_(*conds))).scalar_one()
            rows = [dict(x) for x in conn.execute(q).mappings()]
        for x in rows:
            x["started_at"] = x["started_at"].isoformat(sep=" ") if x["started_at"] else None
        by_status = {s: n for s, n, _, _ in facets}
        return {"total": total, "page": page, "size": size, "items": rows,
                "counts": {"all": sum(by_status.values()), "flagged": sum(f or 0 for _, _, f, _ in facets),
                           "fatal": sum(x or 0 for _, _, _, x in facets), "by_status": by_status}}

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

    @app.get("/api/calls/{call_id:path}")
    def call(call_id: str, u: User = Depends(user)):
        row = _scored(call_id, u)
        report = store.report(call_id) or {}
        if not report.get("redacted") and not u.sensitive:
            report = _mask(report, entity_options)
        row = {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") else v) for k, v in row.items()
               if k not in ("path",)}
        history = st.history(store, call_id)
        return {"call": row, "report": report, "review": st.fold(history), "history": history, "me": me(u)}

    @app.post("/api/calls/{call_id:path}/events")
    def add_event(call_id: str, ev: Event, u: User = Depends(user)):
        _scored(call_id, u)
        return st.record(store, call_id, u, ev.kind, ev.target, ev.value, ev.reason)

    @app.get("/api/export.{fmt}")
    def export(fmt: str, u: User = Depends(user)):
        from .exports import review_summary_frame, reviews_frame, to_bytes

        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, "export as .csv or .xlsx")
        if not u.can("review"):
            raise PermissionDenied("only reviewers export reviews")
        calls = review_summary_frame(store) if fmt == "xlsx" else None
        data, media = to_bytes(reviews_frame(store, redact=not u.sensitive), fmt, calls=calls)
        return Response(data, media_type=media,
                        headers={"content-disposition": f'attachment; filename="qa-reviews.{fmt}"'})

    @app.get("/api/calibration")
    def calibration(u: User = Depends(user)):
        from .calibration import agreement

        return agreement(store)

    from .coaching_api import register as register_coaching

    register_coaching(app, store, user, page)  # /coaching: agents acknowledge coaching tasks
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
