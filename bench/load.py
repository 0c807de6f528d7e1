"""Load benchmark: single-group eligibility requests against `vincula serve` on loopback.

Starts the server in its own process (or uses --url), then, from this process, keeps 1, 16 and 64
clients busy for a fixed time each, every client sending POST /v1/eligibility with one group
(different fixture groups in turn) and waiting for the answer. Reports throughput and latency
percentiles, plus the in-process evaluation rate (engine.check without HTTP) for comparison.

    .venv/bin/python bench/load.py                      # 2 server workers, 10 s per level
    .venv/bin/python bench/load.py --workers 1 --seconds 5 --clients 1 16
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # a server already running
    .venv/bin/python bench/load.py --client httpx        # async httpx instead of wrk

Two load generators: `wrk` (C, one thread; used when installed: `apt-get install wrk`) costs the
shared 2 CPUs little, so it measures the server; the async httpx client is pure Python and takes
a good part of a core itself at a few hundred requests per second, so its figures include that.

With `--hostile`, measures instead what hostile clients cost the server (a real `vincula serve
--workers 1`, so one process holds all the work): 500 connections that send nothing, 100 that
stall in a 1.9 MB body, a 1,000-group batch at the member limit, the issue's 50 groups of 500
members, 100 unknown territories, and a batch whose client leaves after half a second; per
scenario the time, the answer's size and the server's resident memory (process and engine
child), sampled every 50 ms. `--baseline DIR` runs the same against a checkout of an earlier
commit (e.g. `git worktree add /tmp/base <commit>`), side by side:

    .venv/bin/python bench/load.py --hostile [--baseline /tmp/base]

Not a test: numbers depend on the machine. The figures are recorded in bench/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def groups() -> list[dict]:
    """Fixture groups as JSON bodies (dates as ISO text)."""
    from engine.groups import load_groups
    found = load_groups(ROOT / "fixtures" / "groups")
    return [json.loads(g.model_dump_json(exclude_none=True)) for g in found]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run_level(url: str, bodies: list[bytes], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    # TCP_NODELAY: httpx writes headers and body separately; with Nagle's algorithm the body then
    # waits for the server's delayed ACK (40 ms on Linux), which would measure the kernel, not us.
    transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=[
        (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as client:
        # warm the connections so the timed window measures steady state
        await asyncio.gather(*(client.get("/healthz") for _ in range(clients)))
        stop = time.perf_counter() + seconds

        async def worker(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop:
                body = bodies[i % len(bodies)]
                i += clients
                t0 = time.perf_counter()
                r = await client.post("/v1/eligibility", content=body,
                                      headers={"content-type": "application/json"})
                await r.aread()
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1
        t_start = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        elapsed = time.perf_counter() - t_start
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    return {"clients": clients, "requests": len(ms), "errors": errors, "seconds": round(elapsed, 2),
            "rps": round(len(ms) / elapsed, 1), "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2), "p99_ms": round(percentile(ms, 99), 2),
            "mean_ms": round(statistics.fmean(ms), 2) if ms else None}


WRK_SCRIPT = """
local bodies = {%s}
local i = %d
request = function()
  i = i + 1
  return wrk.format("POST", "/v1/eligibility", {["Content-Type"] = "application/json"},
                    bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKJSON %%d %%d %%d %%d %%f %%f %%f %%f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


def run_level_wrk(url: str, bodies: list[bytes], clients: int, seconds: float) -> dict:
    lua = ",\n".join("[==[" + b.decode() + "]==]" for b in bodies)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % (lua, 0))
        script = f.name
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "10s",
                              "-s", script, url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON"))
    n, dur_us, errors, non2xx, p50, p95, p99, mean = line.split()[1:]
    elapsed = int(dur_us) / 1e6
    return {"clients": clients, "requests": int(n), "errors": int(errors) + int(non2xx),
            "seconds": round(elapsed, 2), "rps": round(int(n) / elapsed, 1),
            "p50_ms": round(float(p50) / 1000, 2), "p95_ms": round(float(p95) / 1000, 2),
            "p99_ms": round(float(p99) / 1000, 2), "mean_ms": round(float(mean) / 1000, 2)}


def in_process_rate(seconds: float) -> dict:
    from engine.eligibility import EligibilityEngine, shared_matcher
    from engine.schema import Group
    engine = EligibilityEngine(matcher=shared_matcher())
    parsed = [Group.model_validate(g) for g in groups()]
    for g in parsed:  # compile every ruleset first
        engine.check(g)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        engine.check(parsed[n % len(parsed)])
        n += 1
    elapsed = time.perf_counter() - t0
    return {"checks": n, "per_second": round(n / elapsed, 1),
            "ms_per_check": round(1000 * elapsed / n, 3), "programmes": len(engine.programmes)}


def start_server(port: int, workers: int, code: Path = ROOT) -> subprocess.Popen:
    """`vincula serve` of the checkout `code` (its api/ and engine/ come first on the path)."""
    cmd = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(cmd, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                time.sleep(1.0 if workers > 1 else 0.2)  # let every worker finish start-up
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
    proc.terminate()
    raise SystemExit("server did not answer /healthz within 60 s")


# --------------------------------------------------------------------------- hostile clients


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the engine's process), in MB."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Peak resident memory of the server while a scenario runs."""

    def __init__(self, pid: int) -> None:
        import threading
        self.pid, self.peak, self.start = pid, 0.0, rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def healthz_ms(url: str) -> str:
    """How a well-behaved client fares meanwhile: status and time of GET /healthz."""
    t0 = time.perf_counter()
    try:
        r = httpx.get(url + "/healthz", timeout=10)
        return f"{r.status_code} in {1000 * (time.perf_counter() - t0):.0f} ms"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__} after {time.perf_counter() - t0:.1f} s"


def open_count(socks: list[socket.socket]) -> int:
    """How many of `socks` the server has not closed."""
    import select
    readable, _, _ = select.select(socks, [], [], 0)
    closed = 0
    for s in readable:
        try:
            if s.recv(65536, socket.MSG_PEEK) == b"" or s.recv(65536):
                closed += 1
        except OSError:
            closed += 1
    return len(socks) - closed


def scenario_stalled(url: str, pid: int, port: int) -> dict:
    socks = []
    with Sampler(pid) as mem:
        for _ in range(500):
            socks.append(socket.create_connection(("127.0.0.1", port)))
        t0 = time.monotonic()
        during = healthz_ms(url)
        still = {}
        for at in (5, 12, 25):
            time.sleep(max(0, t0 + at - time.monotonic()))
            still[f"open_after_{at}s"] = open_count(socks)
        after = healthz_ms(url)
    for s in socks:
        s.close()
    return {"connections": 500, **still, "healthz_during": during, "healthz_after": after,
            "rss_mb": f"{mem.start:.0f} -> peak {mem.peak:.0f}"}


def scenario_stalled_bodies(url: str, pid: int, port: int) -> dict:
    size = 1_900_000
    head = (b"POST /v1/eligibility HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % size)
    socks = []
    with Sampler(pid) as mem:
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(head + b" " * (size - 10))
            socks.append(s)
        t0 = time.monotonic()
        during = healthz_ms(url)
        while open_count(socks) and time.monotonic() - t0 < 60:
            time.sleep(0.2)
        closed_in = time.monotonic() - t0
    for s in socks:
        s.close()
    return {"connections": 100, "body_mb_each": 1.9, "healthz_during": during,
            "all_closed_after_s": round(closed_in, 1),
            "rss_mb": f"{mem.start:.0f} -> peak {mem.peak:.0f}", "rss_after_mb": round(rss_mb(pid))}


def scenario_batch(url: str, pid: int, name: str, groups: list[dict], **headers: str) -> dict:
    body = json.dumps({"groups": groups}).encode()
    with Sampler(pid) as mem:
        t0 = time.perf_counter()
        r = httpx.post(url + "/v1/eligibility/batch", content=body, timeout=600,
                       headers={"content-type": "application/json", **headers})
        elapsed = time.perf_counter() - t0
    extra = {} if r.status_code == 200 else {"code": r.json().get("code"), "message": r.json().get("message")}
    return {"scenario": name, "request_kb": round(len(body) / 1024), "status": r.status_code,
            "seconds": round(elapsed, 2), "response_mb": round(len(r.content) / 1e6, 2),
            "rss_mb": f"{mem.start:.0f} -> peak {mem.peak:.0f}", **extra}


def scenario_disconnect(url: str, pid: int, port: int, groups: list[dict]) -> dict:
    body = json.dumps({"groups": groups}).encode()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /v1/eligibility/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        time.sleep(0.5)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(10)
    return {"left_after_s": 0.5, "server_cpu_s_in_next_10s": round(cpu_seconds(pid) - cpu0, 2),
            "healthz_after": healthz_ms(url), "waited_s": round(time.monotonic() - t0, 1)}


def hostile(code: Path, port: int) -> dict:
    proc = start_server(port, 1, code)
    url = f"http://127.0.0.1:{port}"
    member = {"age": 34, "sex": "F", "prospera": True, "poverty": True}
    at_limit = [{"id": f"g{i}", "territory": "12029", "as_of": "2017-06-30", "members": [member] * 20}
                for i in range(1000)]
    empty_500 = [{"id": f"g{i}", "territory": "12029", "members": [{}] * 500} for i in range(50)]
    unknown = [{"id": f"g{i}", "territory": f"{i:03d}x9"} for i in range(100)]
    out: dict = {"code": str(code)}
    try:
        out["batch_1000x20"] = scenario_batch(url, proc.pid, "1,000 groups x 20 members", at_limit)
        out["batch_1000x20_ndjson"] = scenario_batch(url, proc.pid, "same, NDJSON", at_limit,
                                                     accept="application/x-ndjson")
        out["batch_50x500_empty"] = scenario_batch(url, proc.pid, "50 groups x 500 empty members", empty_500)
        out["unknown_territories"] = scenario_batch(url, proc.pid, "100 unknown territories", unknown)
        out["disconnect"] = scenario_disconnect(url, proc.pid, port, at_limit)
        out["stalled_connections"] = scenario_stalled(url, proc.pid, port)
        out["stalled_bodies"] = scenario_stalled_bodies(url, proc.pid, port)
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="use a server that is already running")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--workers", type=int, default=2, help="server processes when starting one")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--seconds", type=float, default=10.0, help="per concurrency level")
    ap.add_argument("--client", choices=["wrk", "httpx"],
                    default="wrk" if shutil.which("wrk") else "httpx",
                    help="load generator (default: wrk when installed)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--hostile", action="store_true", help="hostile clients instead of load (see above)")
    ap.add_argument("--baseline", type=Path, help="with --hostile: also run a checkout of an earlier commit")
    args = ap.parse_args()
    if args.hostile:
        runs = [hostile(ROOT, args.port)]
        if args.baseline:
            runs.insert(0, hostile(args.baseline.resolve(), args.port + 1))
        print(json.dumps(runs, indent=2))
        return

    bodies = [json.dumps(g).encode() for g in groups()]
    proc = None if args.url else start_server(args.port, args.workers)
    url = args.url or f"http://127.0.0.1:{args.port}"
    try:
        asyncio.run(run_level(url, bodies, 4, 1.0))  # warm-up, not reported
        if args.client == "wrk":
            levels = [run_level_wrk(url, bodies, c, args.seconds) for c in args.clients]
        else:
            levels = [asyncio.run(run_level(url, bodies, c, args.seconds)) for c in args.clients]
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    local = in_process_rate(min(args.seconds, 5.0))
    report = {"url": url, "client": args.client, "server_workers": None if args.url else args.workers,
              "cpus": os.cpu_count(),
              "groups": len(bodies), "levels": levels, "in_process": local}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"vincula load benchmark — {url}, client: {args.client}, "
          f"server workers: {report['server_workers']}, "
          f"{report['cpus']} CPUs, {len(bodies)} distinct groups, {args.seconds:g} s per level")
    print(f"{'clients':>7} {'requests':>9} {'errors':>6} {'req/s':>8} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for lv in levels:
        print(f"{lv['clients']:>7} {lv['requests']:>9} {lv['errors']:>6} {lv['rps']:>8} "
              f"{lv['p50_ms']:>7} {lv['p95_ms']:>7} {lv['p99_ms']:>7}")
    print(f"in-process: {local['per_second']} checks/s ({local['ms_per_check']} ms per group, "
          f"{local['programmes']} programmes each), one thread")


if __name__ == "__main__":
    main()
