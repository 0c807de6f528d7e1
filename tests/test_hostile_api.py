"""Hostile requests to the service: each gets a clear Problem answer naming what was wrong and
the limit it hit, or a correct answer, and none may hold the server longer than its limits.

Most cases go through the app in process (TestClient); the ones about connections, timeouts and
clients that leave run against the real server (uvicorn with api/server.py's protocol) on a
loopback port, with short limits.
"""
from __future__ import annotations

import json
import logging
import socket
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from engine.territory import provider
from tests.conftest import running_server

GROUP: dict[str, Any] = {
    "id": "g-1", "country": "MX", "territory": "12029", "locality": "rural", "organisation": "informal",
    "as_of": "2017-06-30", "members": [{"age": 34, "sex": "F", "prospera": True, "poverty": True}] * 5}
LIMITS = Settings(max_body_bytes=200_000, max_batch=50, max_batch_members=300, max_suggestions=3,
                  isolate_engine=False)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(LIMITS)) as c:
        yield c


def post_raw(client: TestClient, body: bytes, path: str = "/v1/eligibility", **headers: str) -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


# --------------------------------------------------------------------------- bodies that are not JSON


def test_json_nested_100000_levels_is_malformed_json_not_a_generic_400(client: TestClient) -> None:
    r = post_raw(client, b"[" * 100_000 + b"]" * 100_000)
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"
    assert "demasiada profundidad" in r.json()["message"]
    english = post_raw(client, b'{"a":' * 5000 + b"1" + b"}" * 5000, **{"accept-language": "en"})
    assert english.json()["message"] == "the body is not JSON that can be read: lists or objects are nested too deeply"


def test_invalid_utf8_body_is_malformed_json_with_the_byte(client: TestClient) -> None:
    r = post_raw(client, b'{"id": "caf\xe9", "territory": "12029"}', **{"accept-language": "en"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    assert r.json()["message"] == "the body is not UTF-8 text (byte 0xe9 at position 11)"


def test_json_syntax_error_in_spanish_and_english(client: TestClient) -> None:
    es = post_raw(client, b'{"id": "x",')
    en = client.post("/v1/eligibility?lang=en", content=b'{"id": "x",', headers={"content-type": "application/json"})
    assert es.json()["code"] == en.json()["code"] == "malformed_json"
    assert es.json()["message"].startswith("el cuerpo no es JSON válido en el carácter 11")
    assert en.json()["message"].startswith("the body is not valid JSON at character 11")


def test_bad_content_length_is_400_naming_it(client: TestClient) -> None:
    r = post_raw(client, b"{}", **{"content-length": "12abc"})
    assert r.status_code == 400 and r.json()["code"] == "bad_content_length"
    assert "12abc" in r.json()["message"]


def test_oversized_body_names_the_limit(client: TestClient) -> None:
    r = post_raw(client, b" " * 200_001, **{"accept-language": "en"})
    assert r.status_code == 413
    assert r.json()["message"] == "the request body is larger than 200,000 bytes, the most the service accepts"


# --------------------------------------------------------------------------- query parameters


@pytest.mark.parametrize("as_of", ["0", "1", "1e3", "2017-6-30", "20170630", "2017-02-30"])
def test_as_of_that_is_not_a_date_is_refused(client: TestClient, as_of: str) -> None:
    r = client.post("/v1/eligibility", params={"as_of": as_of}, json=GROUP)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.as_of"


def test_repeated_program_gives_one_determination(client: TestClient) -> None:
    r = client.post("/v1/eligibility?program=proinpro&program=proinpro&program=3x1-migrantes&program=proinpro",
                    json=GROUP)
    assert [d["program"] for d in r.json()["determinations"]] == ["proinpro", "3x1-migrantes"]
    batch = client.post("/v1/eligibility/batch?program=proinpro&program=proinpro", json={"groups": [GROUP]})
    assert [d["program"] for d in batch.json()["results"][0]["result"]["determinations"]] == ["proinpro"]


# --------------------------------------------------------------------------- what a batch may buy


def test_batch_over_the_member_limit_says_the_limit_and_the_count(client: TestClient) -> None:
    groups = [{**GROUP, "id": f"g{i}", "members": [{}] * 100} for i in range(4)]
    r = client.post("/v1/eligibility/batch?lang=en", json={"groups": groups})
    assert r.status_code == 422 and r.json()["code"] == "batch_too_large"
    assert r.json()["message"] == "groups: at most 300 members in all per request; this one has 400"
    es = client.post("/v1/eligibility/batch", json={"groups": groups}).json()
    assert es["message"] == "groups: a lo sumo 300 integrantes en total por solicitud; esta tiene 400"


def test_batch_at_the_member_limit_is_judged(client: TestClient) -> None:
    groups = [{**GROUP, "id": f"g{i}", "members": [{}] * 100} for i in range(3)]
    r = client.post("/v1/eligibility/batch", json={"groups": groups})
    assert r.status_code == 200 and [i["group_id"] for i in r.json()["results"]] == ["g0", "g1", "g2"]


def test_batch_over_the_group_limit_says_the_limit_and_the_count(client: TestClient) -> None:
    groups = [{"id": f"g{i}", "territory": "12029"} for i in range(51)]
    r = client.post("/v1/eligibility/batch?lang=en", json={"groups": groups})
    assert r.status_code == 422
    assert r.json()["message"] == "groups: at most 50 groups per request; this one has 51"


def unknown_codes(n: int) -> list[str]:
    """Unknown codes one letter off a real one (`12O29`), so each has close matches."""
    codes = sorted(provider("MX").table)[:n]
    return [c[:2] + "O" + c[3:] for c in codes]


def test_batch_of_unknown_territories_gets_close_matches_only_within_the_budget(client: TestClient) -> None:
    groups = [{"id": f"g{i}", "territory": code} for i, code in enumerate(unknown_codes(40))]
    t0 = time.perf_counter()
    items = client.post("/v1/eligibility/batch", json={"groups": groups}).json()["results"]
    elapsed = time.perf_counter() - t0
    assert [bool(i["error"]["suggestions"]) for i in items] == [True] * 3 + [False] * 37
    assert items[0]["error"]["suggestions"][0] == sorted(provider("MX").table)[0]
    assert all(i["error"]["code"] == "unknown_territory" for i in items)
    assert elapsed < 10  # 40 suggestion searches took about 1.3 s before the budget


def test_single_group_over_50_members_is_answered_like_a_small_one(client: TestClient) -> None:
    big = {**GROUP, "members": GROUP["members"] * 40}  # 200 members: judged in a worker thread
    body = client.post("/v1/eligibility", json=big).json()
    assert body["group_id"] == "g-1" and len(body["determinations"]) == 5


# --------------------------------------------------------------------------- headers and methods


def test_security_headers_on_pages_json_and_refusals(client: TestClient) -> None:
    for r in (client.get("/"), client.get("/v1/programs"), client.get("/nowhere"),
              post_raw(client, b" " * 200_001)):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp


def test_docs_and_report_carry_their_own_narrow_policy(client: TestClient) -> None:
    docs = client.get("/docs").headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in docs and "unsafe-eval" not in docs
    report = client.get("/report").headers["content-security-policy"]
    assert "script-src 'none'" in report and "frame-ancestors 'none'" in report


@pytest.mark.parametrize("path", ["/", "/healthz", "/v1/programs", "/v1/programs/proinpro", "/docs",
                                  "/openapi.json", "/static/page.css", "/v1/territories/MX/12029"])
def test_head_on_a_get_route_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_or_get_on_a_post_route_is_405_naming_the_allowed_method(client: TestClient) -> None:
    r = client.get("/v1/eligibility", params={"lang": "en"})
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert r.json()["hint"] == "allowed methods: POST"
    assert client.head("/v1/eligibility").status_code == 405


# --------------------------------------------------------------------------- the real server

SERVER_LIMITS = LIMITS.model_copy(update={
    "header_timeout": 0.5, "body_timeout": 0.5, "max_header_bytes": 4096, "keep_alive_timeout": 1,
    "max_connections": 20, "max_concurrent_requests": 5, "max_batch": 1000, "max_batch_members": 20_000, "max_body_bytes": 2_000_000})


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    with running_server(SERVER_LIMITS) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def read_all(sock: socket.socket, timeout: float) -> bytes:
    """What the server sends until it closes the connection (or `timeout` passes)."""
    sock.settimeout(timeout)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except TimeoutError:
        pass
    return out


def problem_of(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_connection_that_sends_nothing_is_closed_after_the_header_timeout(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        t0 = time.monotonic()
        raw = read_all(sock, 5)
        elapsed = time.monotonic() - t0
    status, body = problem_of(raw)
    assert status == 408 and body["code"] == "header_timeout" and "0.5 s" in body["message"]
    assert 0.4 < elapsed < 3


def test_headers_sent_slowly_are_cut_off_at_the_header_timeout(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        t0 = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        for _ in range(10):  # a header line every 0.2 s: never complete
            time.sleep(0.2)
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        raw = read_all(sock, 5)
    assert problem_of(raw)[0] == 408 and time.monotonic() - t0 < 4


def test_headers_over_the_size_limit_are_431(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000)
        status, body = problem_of(read_all(sock, 5))
    assert status == 431 and "4,096 bytes" in body["message"]


def test_body_that_stalls_is_408_after_the_body_timeout(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        sock.sendall(b"POST /v1/eligibility HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"id\": ")
        t0 = time.monotonic()
        status, body = problem_of(read_all(sock, 5))
    assert status == 408 and body["code"] == "body_timeout" and "0.5 s" in body["message"]
    assert time.monotonic() - t0 < 3


def test_keep_alive_connection_still_serves_requests_within_the_limits(server: tuple[str, int]) -> None:
    host, port = server
    with httpx.Client(base_url=f"http://{host}:{port}") as c:
        for _ in range(3):
            assert c.get("/healthz").status_code == 200
            time.sleep(0.3)  # idle, but less than the keep-alive timeout


def test_stalled_connections_under_the_cap_do_not_keep_requests_out(server: tuple[str, int]) -> None:
    host, port = server
    stalled = [socket.create_connection(server) for _ in range(15)]
    try:
        assert httpx.get(f"http://{host}:{port}/healthz").status_code == 200
    finally:
        for s in stalled:
            s.close()


def test_connections_over_the_cap_are_503_and_closed_at_once(server: tuple[str, int]) -> None:
    stalled = [socket.create_connection(server) for _ in range(20)]
    try:
        with socket.create_connection(server) as extra:
            t0 = time.monotonic()
            status, body = problem_of(read_all(extra, 5))
            assert time.monotonic() - t0 < 0.4  # not left to the header timeout
        assert status == 503 and body["code"] == "server_busy"
        assert body["message"].startswith("el servicio tiene ya 20 conexiones abiertas")
    finally:
        for s in stalled:
            s.close()


def test_requests_over_the_concurrency_limit_get_503_until_stalled_bodies_time_out(
        server: tuple[str, int]) -> None:
    host, port = server
    stalled = []
    for _ in range(5):  # requests whose body never comes: each holds a request slot
        s = socket.create_connection(server)
        s.sendall(b"POST /v1/eligibility HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        stalled.append(s)
    try:
        time.sleep(0.1)
        r = httpx.get(f"http://{host}:{port}/healthz", headers={"accept-language": "en"})
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.json() == {"status": 503, "code": "server_busy", "hint": None, "suggestions": [], "errors": [],
                            "message": "the service is already handling 5 requests at once in this process, "
                                       "its maximum; try again shortly"}
        time.sleep(1.0)  # past the body timeout: the stalled requests are answered 408
        assert httpx.get(f"http://{host}:{port}/healthz").status_code == 200
    finally:
        for s in stalled:
            s.close()


def test_batch_stops_when_its_client_disconnects(server: tuple[str, int], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vincula.api")
    groups = [{**GROUP, "id": f"g{i}", "members": [{}] * 20} for i in range(1000)]
    body = json.dumps({"groups": groups}).encode()
    with socket.create_connection(server) as sock:
        sock.sendall(b"POST /v1/eligibility/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        time.sleep(0.5)
    deadline = time.monotonic() + 20
    while not any("batch stopped" in r.message for r in caplog.records):
        assert time.monotonic() < deadline, "the batch went on after its client had gone"
        time.sleep(0.05)
    stopped = next(r.getMessage() for r in caplog.records if "batch stopped" in r.message)
    judged = int(stopped.split()[3])
    assert 0 < judged < 1000 and "of 1000 groups" in stopped


def test_ndjson_batch_stops_when_its_client_disconnects(server: tuple[str, int],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vincula.api")
    host, port = server
    groups = [{**GROUP, "id": f"g{i}", "members": [{}] * 20} for i in range(1000)]
    with httpx.Client(base_url=f"http://{host}:{port}") as c, c.stream(
            "POST", "/v1/eligibility/batch", json={"groups": groups},
            headers={"accept": "application/x-ndjson"}) as r:
        first = json.loads(next(r.iter_lines()))
        assert first["index"] == 0
    deadline = time.monotonic() + 20
    while not any("batch stopped" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "the stream went on after its client had gone"
        time.sleep(0.05)


def test_serve_with_an_invalid_setting_names_the_variable_and_exits_2() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "VINCULA_MAX_BATCH": "5000", "VINCULA_BODY_TIMEOUT": "soon"}
    run = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--port", "1"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "VINCULA_MAX_BATCH: Input should be less than or equal to 1000" in run.stderr
    assert "VINCULA_BODY_TIMEOUT" in run.stderr


def test_batch_json_answer_equals_the_single_group_answers(client: TestClient) -> None:
    # the batch's JSON is written item by item; it must read as the single endpoint's answers
    groups = [GROUP, {**GROUP, "id": "g-2", "territory": "13O01"}, {**GROUP, "id": "g-3", "members": []}]
    batch = client.post("/v1/eligibility/batch?lang=en", json={"groups": groups}).json()
    assert [i["index"] for i in batch["results"]] == [0, 1, 2]
    for item, group in zip(batch["results"], groups, strict=True):
        single = client.post("/v1/eligibility?lang=en", json=group)
        if single.status_code == 200:
            assert item["result"] == single.json() and item["error"] is None
        else:
            assert item["error"] == single.json() and item["result"] is None


def test_every_message_id_the_service_uses_is_in_the_catalogue() -> None:
    import re
    from pathlib import Path

    from engine.messages import catalogue

    root = Path(__file__).resolve().parents[1] / "api"
    used = {key for path in root.rglob("*.py")
            for key in re.findall(r"""\bt\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8"))}
    assert used and not used - set(catalogue()), sorted(used - set(catalogue()))
