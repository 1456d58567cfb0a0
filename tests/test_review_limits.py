"""The review app refuses oversized requests before parsing them (real app, real empty store)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.limits import MAX_BODY_BYTES
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

TOKEN = "t-reviewer-0123456789"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("limits") / "qa.db")
    return TestClient(create_app(store, {TOKEN: User("王质检", "reviewer")}))


def test_a_body_over_the_limit_is_413(client):
    big = {"kind": "comment", "value": "好" * MAX_BODY_BYTES}
    r = client.post("/api/calls/c1/events", headers={"authorization": f"Bearer {TOKEN}"}, json=big)
    assert r.status_code == 413 and "KiB" in r.json()["error"]


def test_a_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(100):
            yield b"x" * 4096

    r = client.post("/api/calls/c1/events", headers={"authorization": f"Bearer {TOKEN}",
                                                     "content-type": "application/json"}, content=chunks())
    assert r.status_code == 413


@pytest.mark.parametrize("field, size", [("kind", 65), ("target", 257), ("value", 4097), ("reason", 8193)])
def test_event_fields_are_bounded(client, field, size):
    event = {"kind": "comment", field: "x" * size}
    r = client.post("/api/calls/c1/events", headers={"authorization": f"Bearer {TOKEN}"}, json=event)
    assert r.status_code == 422


def test_a_small_body_reaches_the_app(client):
    r = client.post("/api/calls/c1/events", headers={"authorization": f"Bearer {TOKEN}"},
                    json={"kind": "comment", "value": "ok"})
    assert r.status_code not in (413, 422)
