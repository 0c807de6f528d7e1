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


def start_server(port: int, workers: int) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("vincula")
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
    args = ap.parse_args()

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
