"""The 🔔 on every page: ``GET /api/notifications`` (unread count and the newest, each with a Chinese text and
its time in the app's time zone) and ``POST /api/notifications/seen``. What reaches whom is decided by
``store/notify.py``; this turns a user into a reader, words the notifications and masks them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Optional
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, Field

from ..store import Store
from ..store.notify import Notification, Reader, inbox, mark_seen
from .state import User

RULINGS = {"upheld": "维持原评", "overturned": "申诉成立，已改判"}


class Seen(BaseModel):
    cursor: Optional[str] = Field(None, max_length=64)  # the one GET gave; none: everything up to now


def reader(u: User) -> Reader:
    """An agent reads about their own calls; a senior or admin about every appeal."""
    return Reader(u.name, agent=u.role == "agent", lead=u.can("rule"))


def wording(n: Notification, titles: dict[str, str]) -> str:
    """The notification in Chinese, e.g. ``王质检 复核了你的通话 t1，得分 85``."""
    call = n.call_id or ""
    if n.kind == "review":
        return f"{n.who} 复核了你的通话 {call}" + (f"，得分 {n.score:g}" if n.score is not None else "")
    if n.kind == "appeal":
        return f"{n.who} 对通话 {call} 提出申诉"
    if n.kind == "ruling":
        return f"{n.who} 裁决了通话 {call} 的申诉：{RULINGS.get(n.value or '', n.value or '')}"
    if n.kind == "assignment":
        return f"通话 {call} 已按分配规则分给你" if n.value == "auto" else f"{n.who} 将通话 {call} 分配给你"
    what = titles.get(n.value or "", n.value) if n.value else "综合表现"
    return f"{n.who} 给你布置了辅导任务：{what}"


def as_json(n: Notification, titles: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    local = n.at.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    link = "/coaching" if n.kind == "coaching" or not n.call_id else "/call/" + quote(n.call_id, safe="")
    return {"kind": n.kind, "call_id": n.call_id, "who": n.who, "at": local.strftime("%Y-%m-%d %H:%M"),
            "at_utc": n.at.isoformat() + "Z", "text": wording(n, titles), "link": link, "value": n.value,
            "title": titles.get(n.value or "") if n.kind == "coaching" else None, "score": n.score,
            "unread": n.unread}


def register(app: FastAPI, store: Store, user, masked: Callable[[User, Any], Any], *, tz: str,
             titles: dict[str, str]) -> None:
    """Add ``GET /api/notifications`` and ``POST /api/notifications/seen`` to ``app``."""
    zone = ZoneInfo(tz)

    @app.get("/api/notifications")
    def notifications(limit: int = Query(20, ge=1, le=100), u: User = Depends(user)):
        box = inbox(store, reader(u), limit=limit)
        items = masked(u, [as_json(n, titles, zone) for n in box.items])  # the cursor is no text: never masked
        return {"unread": box.unread, "cursor": box.cursor, "items": items}

    @app.post("/api/notifications/seen")
    def seen(body: Optional[Seen] = None, u: User = Depends(user)):
        mark_seen(store, reader(u), body.cursor if body else None)
        return {"unread": inbox(store, reader(u), limit=1).unread}
