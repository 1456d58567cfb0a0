"""Coaching tasks on the review page: agents see their own tasks with the calls attached and acknowledge
them; reviewers see everyone's. The SQL lives in ``store/kpi.py``; this only checks who may do what."""

from __future__ import annotations

from typing import Optional

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel

from ..store import Store
from .state import PermissionDenied, User


class Ack(BaseModel):
    comment: Optional[str] = None


class NewTask(BaseModel):
    agent_id: str
    check_id: Optional[str] = None
    note: Optional[str] = None
    calls: list[str] = []


def _plain(task: dict) -> dict:
    return {k: (v.isoformat(sep=" ") if hasattr(v, "isoformat") else v) for k, v in task.items()}


def register(app: FastAPI, store: Store, user, page) -> None:
    """Add ``/coaching`` (the page), ``GET /api/coaching``, ``POST /api/coaching`` (a reviewer assigns a task)
    and ``POST /api/coaching/{id}/ack`` (the agent acknowledges it) to ``app``."""
    from ..redact import redact_text
    from ..store.kpi import acknowledge_task, create_task, get_task, list_tasks

    @app.get("/coaching")
    def coaching_page(request: Request, u: User = Depends(user)):
        return page("coaching.html", request, u)

    @app.get("/api/coaching")
    def tasks(agent: Optional[str] = None, u: User = Depends(user)):
        if u.role == "agent":
            agent = u.name  # an agent sees only their own tasks
        out = [_plain(t) for t in list_tasks(store, agent_id=agent)]
        for t in out:
            for k in ("note", "ack_comment"):
                if t.get(k) and not u.sensitive:
                    t[k] = redact_text(t[k])
        return {"tasks": out, "me": {"name": u.name, "role": u.role}}

    @app.post("/api/coaching")
    def assign(body: NewTask, u: User = Depends(user)):
        if not u.can("review"):
            raise PermissionDenied("only reviewers assign coaching tasks")
        task_id = create_task(store, agent_id=body.agent_id.strip(), check_id=(body.check_id or "").strip() or None,
                              note=body.note, assigned_by=u.name, call_ids=[c.strip() for c in body.calls if c.strip()])
        return _plain(get_task(store, task_id))

    @app.post("/api/coaching/{task_id}/ack")
    def ack(task_id: int, body: Ack, u: User = Depends(user)):
        task = get_task(store, task_id)
        if task is None:
            raise PermissionDenied(f"no coaching task {task_id}")
        if u.name != task["agent_id"]:
            raise PermissionDenied(f"only {task['agent_id']} acknowledges this task")
        return _plain(acknowledge_task(store, task_id, user=u.name, comment=body.comment))
