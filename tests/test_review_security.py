"""The review app's guards (real app, real empty SQLite store): Host header, security headers, odd query
parameters, who may read what, constant-time tokens, the audio cache removed at shutdown."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qa_pipeline.review.app import create_app
from qa_pipeline.review.security import allowed_hosts, find_token, host_name
from qa_pipeline.review.state import User
from qa_pipeline.store import Store

TOKENS = {"t-reviewer-0123456789": User("王质检", "reviewer"), "t-agent-A001-0123456789": User("A001", "agent")}
REV = {"authorization": "Bearer t-reviewer-0123456789"}
AGT = {"authorization": "Bearer t-agent-A001-0123456789"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("security") / "qa.db")


@pytest.fixture(scope="module")
def client(store):
    return TestClient(create_app(store, TOKENS, hosts=allowed_hosts("127.0.0.1")))


@pytest.fixture(scope="module")
def local(store):
    return TestClient(create_app(store), base_url="http://127.0.0.1:8765")


@pytest.mark.parametrize("host, code", [
    ("127.0.0.1:8765", 200), ("localhost:8765", 200), ("[::1]:8765", 200), ("LOCALHOST", 200),
    ("evil.example", 400), ("evil.example:8765", 400), ("127.0.0.1.evil.example", 400), ("", 400),
], ids=["ipv4", "localhost", "ipv6", "case", "rebinding", "rebinding-port", "suffix", "empty"])
def test_only_the_bound_and_loopback_names_are_answered(local, host, code):
    r = local.get("/api/me", headers={"host": host})
    assert r.status_code == code, r.text
    if code == 400:
        assert "Host" in r.json()["error"]


@pytest.mark.parametrize("path, headers", [
    ("/", {}), ("/api/me", {}), ("/static/queue.js", {}), ("/api/queue?page=abc", {}), ("/nowhere", {}),
    ("/api/me", {"host": "evil.example"}),
], ids=["page", "api", "static", "422", "404", "bad-host"])
def test_every_response_carries_the_security_headers(local, path, headers):
    r = local.get(path, headers=headers)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("query", [
    "page=99999999999999999999", "page=100001", "page=0", "page=-1", "page=١٢", "page=１２", "size=-5", "size=0",
    "size=10000", "size=1e3", "min_score=nan", "max_score=inf", "min_score=１", "from=2026-13-45", "from=２０２６-01-01",
    "sort=../../etc", "fatal=maybe", "page=1&page=2", "agent=%00", "team=" + "组" * 3000,
], ids=lambda q: q[:24])
def test_odd_query_parameters_never_500(client, query):
    r = client.get(f"/api/queue?{query}", headers=REV)
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 400, 422), r.text
    if r.status_code == 200:
        body = r.json()
        assert 1 <= body["size"] <= 200 and body["page"] >= 1


@pytest.mark.parametrize("path, agent_code, reviewer_code", [
    ("/api/options", 403, 200), ("/api/calibration", 403, 200), ("/api/queue", 200, 200),
    ("/api/export.csv", 403, 200),
], ids=["options", "calibration", "queue", "export"])
def test_agents_may_not_read_reviewer_data(client, path, agent_code, reviewer_code):
    assert client.get(path, headers=AGT).status_code == agent_code
    assert client.get(path, headers=REV).status_code == reviewer_code


@pytest.mark.parametrize("token, who", [
    ("t-reviewer-0123456789", "王质检"), ("t-reviewer-012345678", None), ("t-reviewer-01234567890", None),
    ("", None), ("t-agent-A001-0123456789", "A001"), ("T-REVIEWER-0123456789", None), ("令牌令牌令牌令牌令牌令牌", None),
], ids=["exact", "prefix", "longer", "empty", "agent", "case", "unicode"])
def test_tokens_are_matched_exactly(client, token, who):
    found = find_token(TOKENS, token)
    assert (found.name if found else None) == who
    r = client.get("/api/me", headers={"authorization": f"Bearer {token}"} if token.isascii() else {},
                   params={} if token.isascii() else {"token": token})
    assert r.status_code == (200 if who else 401)


@pytest.mark.parametrize("header, name", [("127.0.0.1:8765", "127.0.0.1"), ("[::1]:8765", "[::1]"), ("[::1]", "[::1]"),
                                          ("Example.COM", "example.com"), ("::1", "::1")])
def test_host_name_drops_the_port(header, name):
    assert host_name(header) == name


def test_the_decoded_audio_cache_is_removed_when_the_app_stops(store):
    import glob
    import tempfile

    before = set(glob.glob(f"{tempfile.gettempdir()}/qa-review-audio-*"))
    app = create_app(store)
    made = set(glob.glob(f"{tempfile.gettempdir()}/qa-review-audio-*")) - before
    assert len(made) == 1
    with TestClient(app) as c:
        assert c.get("/api/me").status_code == 200
    assert not any(glob.os.path.exists(p) for p in made)


@pytest.mark.parametrize("kwargs, shown, hidden", [
    ({}, "?token=abcd…", "abcdefghijklmnopqrstuvwx"),
    ({"print_url": True}, "?token=abcdefghijklmnopqrstuvwx", None),
], ids=["prefix", "print-url"])
def test_qa_review_prints_only_the_tokens_start(kwargs, shown, hidden):
    from qa_pipeline.cli.review import review_url_message

    line = review_url_message("127.0.0.1", 8765, "abcdefghijklmnopqrstuvwx", **kwargs)
    assert shown in line and (hidden is None or hidden not in line)


def test_the_full_url_goes_to_a_file_only_its_owner_reads(tmp_path):
    import stat

    from qa_pipeline.cli.review import review_url_message

    target = tmp_path / "review-url"
    target.write_text("old")
    target.chmod(0o644)
    line = review_url_message("127.0.0.1", 8765, "abcdefghijklmnopqrstuvwx", url_file=target)
    assert "abcdefghijklmnopqrstuvwx" not in line and str(target) in line
    assert target.read_text().strip() == "http://127.0.0.1:8765/?token=abcdefghijklmnopqrstuvwx"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
