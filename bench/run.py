"""Benchmarks of the production server (not part of the test suite). See docs/performance.md.

Creates a fresh PostgreSQL database, fills it (bench/fill.py), starts gunicorn with the production settings
(2 workers) and Redis when reachable, then measures with wrk at 32 connections:
  ceiling (a bare view, /healthz, through the same server and middleware), the empty poll, GET messages for
  a customer with 10 and with 10,000 messages, POST messages (against the read ceiling and the write ceiling:
  a bare view that saves one small row with the ORM in `transaction.atomic`, `/bench/write` of bench/urls.py,
  served with bench/settings.py); and a mixed run of web visitors polling on the
  web SDK's schedule while agents reply, reporting the delivery latency. Prints a table, writes JSON.

    python bench/run.py                   # the full data set (5,000 customers, 500,000 messages)
    python bench/run.py --quick           # a small one, to try the script
    python bench/run.py --quick --only post_messages --database wa_bench --port 8911   # beside other runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOST, PORT = "127.0.0.1", 8901
CONNECTIONS = 32
WARMUP_SECONDS = 3
SLICE_SECONDS = 1  # the ceiling and a scenario alternate in slices this long
WEB_SCHEDULE = [2] * 5 + [5] * 5 + [10] * 5 + [30] * 5 + [60] * 5  # the web SDK's ladder (first steps)
TARGETS = {"empty_poll": 0.5, "get_messages_10": 0.3, "get_messages_10000": 0.3}
WRITE_TARGETS = {"post_messages": 0.3}  # × the write ceiling
READ_CEILING = ("", "/healthz")
WRITE_CEILING = ('wrk.method = "POST"\n', "/bench/write")
SETTINGS = "bench.settings"  # the production settings plus the write ceiling's view and table

WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50_us": %d, "p99_us": %d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
"""


def sh(*args: str, env: dict | None = None, capture: bool = True) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=capture, text=True, check=True)
    return result.stdout if capture else ""


def prepare_database(database: str, fill_args: list[str], *, reuse: bool = False) -> tuple[dict, dict]:
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{database}",
        "DJANGO_DEBUG": "false",
        "LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": SETTINGS,
    }
    if _redis_up():
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
        env["CACHE_KEY_PREFIX"] = f"bench{int(time.time())}"
    saved = ROOT / "bench" / "results" / f"fill-{database}.json"
    if reuse and saved.exists():
        data = json.loads(saved.read_text())
        # An earlier run may have answered the small customer (the mixed run): read its newest message id again.
        query = (
            "SELECT max(r.message_id) FROM conversations_receipt r JOIN devices_device d "
            f"ON d.customer_id = r.customer_id WHERE d.device_id = '{data['small_device']}'"
        )
        data["small_last_id"] = int(sh("psql", f"{base}/{database}", "-Atc", query).strip())
        sh(PYTHON, "manage.py", "migrate", "--run-syncdb", "--noinput", "-v0", env=env)  # the write ceiling's table
        print(f"reusing the database {database} ({data['messages']} messages when filled)", flush=True)
        return env, data
    sh(
        "psql",
        f"{base}/postgres",
        "-q",
        "-c",
        f"DROP DATABASE IF EXISTS {database}",
        "-c",
        f"CREATE DATABASE {database}",
    )
    sh(PYTHON, "manage.py", "migrate", "--run-syncdb", "--noinput", "-v0", env=env)
    print("filling the database…", flush=True)
    data = json.loads(sh(PYTHON, "bench/fill.py", *fill_args, env=env))
    print(f"  {data['customers']} customers, {data['messages']} messages in {data['seconds']} s", flush=True)
    # As autovacuum would have left the tables, and nothing of the fill still being written out while measuring.
    sh("psql", f"{base}/{database}", "-q", "-c", "VACUUM ANALYZE", "-c", "CHECKPOINT")
    saved.parent.mkdir(exist_ok=True)
    saved.write_text(json.dumps(data))
    return env, data


def _redis_up() -> bool:
    return (
        shutil.which("redis-cli") is not None
        and subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True).stdout.strip()
        == "PONG"
    )


def start_server(env: dict) -> subprocess.Popen:
    server_env = {
        **env,
        "BIND": f"{HOST}:{PORT}",
        "WEB_CONCURRENCY": "2",
        # wrk's connections split evenly: else one worker may accept all of them and serve them on one core
        # (measured: 102 and 1 CPU ticks of the two workers in a slice); see gunicorn.conf.py.
        "GUNICORN_WORKER_CONNECTIONS": str(CONNECTIONS // 2),
        "GUNICORN_ACCESS_LOG": "",
        "INTEGRATION_RATE_LIMIT_PER_MINUTE": "100000000",
        "WHITENOISE_USE_FINDERS": "false",
    }
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "messenger_project.wsgi"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return wait_healthy(server, f"http://{HOST}:{PORT}/healthz", seconds=30, what="the server")


def wait_healthy(server: subprocess.Popen, url: str, *, seconds: float, what: str) -> subprocess.Popen:
    """The started server, once `url` answers; killed, and the benchmark stopped, when it does not in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{what} did not start")


def _wrk(lua: str, path: str, seconds: int, *, latency: bool = True) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua + WRK_DONE)
    try:
        options = ["--latency"] if latency else []
        output = sh(
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            *options,
            "-s",
            script.name,
            f"http://{HOST}:{PORT}{path}",
        )
    finally:
        os.unlink(script.name)
    return json.loads(re.search(r"RESULT (\{.*\})", output).group(1))


def measure(name: str, lua: str, path: str, seconds: int, *, write_ceiling: bool = False) -> dict:
    """The scenario and the ceiling in alternating slices of SLICE_SECONDS, `seconds` of each in all; with
    `write_ceiling`, the write ceiling too (read ceiling, write ceiling, scenario, in turn).

    The machines this runs on lend their cores unevenly (the same bare view measured 450 and 1,300 req/s a minute
    apart, and from one second to the next): slices that alternate see nearly the same machine, and each slice
    records the CPU it had (`_ratio_per_cpu`). A warm-up run first (not recorded) lets every server thread open
    its database connection and prepare its statements, and touches the scenario's devices ("last seen", written
    once per 5 minutes).
    """
    _wrk(lua, path, WARMUP_SECONDS, latency=False)
    if write_ceiling:
        _wrk(*WRITE_CEILING, WARMUP_SECONDS, latency=False)
    runs, ceilings, writes = [], [], []
    for _ in range(max(1, seconds // SLICE_SECONDS)):
        ceilings.append(_with_cpu(lambda: _wrk(*READ_CEILING, SLICE_SECONDS, latency=False)))
        if write_ceiling:
            writes.append(_with_cpu(lambda: _wrk(*WRITE_CEILING, SLICE_SECONDS, latency=False)))
        runs.append(_with_cpu(lambda: _wrk(lua, path, SLICE_SECONDS)))

    def rate(raws: list[dict]) -> float:
        return round(sum(r["requests"] for r in raws) / (sum(r["duration_us"] for r in raws) / 1e6), 1)

    result = {
        "name": name,
        "rps": rate(runs),
        "ceiling_rps": rate(ceilings),
        "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 2),
        "p99_ms": round(max(r["p99_us"] for r in runs) / 1000, 2),
        "errors": sum(r["errors"] for r in runs),
        "non2xx": sum(r["non2xx"] for r in runs),
        # Per slice: the scenario's and the ceiling's req/s, and the CPU time each had (busy, idle, stolen).
        "slices": [
            {"rps": rate([r]), "ceiling_rps": rate([c]), "cpu": r["cpu"], "ceiling_cpu": c["cpu"]}
            for r, c in zip(runs, ceilings, strict=True)
        ],
    }
    result["ratio_raw"] = round(result["rps"] / result["ceiling_rps"], 2) if result["ceiling_rps"] else None
    # p50 in units of the ceiling's p50 measured next to it: comparable between scenarios measured minutes apart.
    result["p50_vs_ceiling"] = round(
        statistics.median(r["p50_us"] / max(c["p50_us"], 1) for r, c in zip(runs, ceilings, strict=True)), 2
    )
    result["ratio"] = _ratio_per_cpu(result["slices"])
    line = f"(ceiling meanwhile {result['ceiling_rps']} req/s"
    if write_ceiling:
        write_slices = [
            {"rps": rate([r]), "ceiling_rps": rate([w]), "cpu": r["cpu"], "ceiling_cpu": w["cpu"]}
            for r, w in zip(runs, writes, strict=True)
        ]
        result["write_ceiling_rps"] = rate(writes)
        result["write_errors"] = sum(w["errors"] + w["non2xx"] for w in writes)
        result["write_ratio_raw"] = round(result["rps"] / result["write_ceiling_rps"], 2)
        result["write_ratio"] = _ratio_per_cpu(write_slices)
        # The write ceiling itself against the read ceiling, slice by slice.
        result["write_ceiling_ratio"] = _ratio_per_cpu(
            [
                {"rps": rate([w]), "ceiling_rps": rate([c]), "cpu": w["cpu"], "ceiling_cpu": c["cpu"]}
                for w, c in zip(writes, ceilings, strict=True)
            ]
        )
        line += f", write ceiling {result['write_ceiling_rps']} req/s"
    print(
        f"  {name:<22} {result['rps']:>9} req/s  p50 {result['p50_ms']:>7} ms  p99 {result['p99_ms']:>7} ms"
        f"  {line})  non-2xx {result['non2xx']}",
        flush=True,
    )
    return result


def _ratio_per_cpu(slices: list[dict]) -> float | None:
    """The median over slices of the scenario's req/s per busy CPU over the ceiling's next to it.

    The machines lend their CPU unevenly from one second to the next: under the same load /proc/stat shows 5 % or
    40 % idle and up to 18 % stolen. A slice that got half the CPU serves half the requests; dividing by the CPU
    each slice had compares the two at equal CPU, and the median leaves out the slices the machine disturbed most."""
    ratios = [
        (s["rps"] / s["cpu"]["busy"]) / (s["ceiling_rps"] / s["ceiling_cpu"]["busy"])
        for s in slices
        if s["cpu"]["busy"] > 0 and s["ceiling_cpu"]["busy"] > 0 and s["ceiling_rps"] > 0
    ]
    return round(statistics.median(ratios), 2) if ratios else None


def _cpu_times() -> list[int]:
    """The machine's CPU time so far (/proc/stat, in ticks): user, nice, system, idle, iowait, irq, softirq, steal."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def _with_cpu(run: Callable[[], dict]) -> dict:
    """A wrk run with the share of the machine's CPU time that was busy, idle and stolen meanwhile."""
    before = _cpu_times()
    result = run()
    delta = [b - a for a, b in zip(before, _cpu_times(), strict=True)]
    total = sum(delta) or 1
    busy = delta[0] + delta[1] + delta[2] + delta[5] + delta[6]
    result["cpu"] = {
        "busy": round(busy / total, 2),
        "idle": round((delta[3] + delta[4]) / total, 2),
        "steal": round(delta[7] / total, 2),
    }
    return result


def _header(identification: str, device: str) -> str:
    return f'wrk.headers["x-iris-identification"] = "{identification}:{device}"\n'


def post_lua(identification: str, devices: list[str]) -> str:
    names = ", ".join(f'"{d}"' for d in devices[:500])
    return f"""
local devices = {{{names}}}
request = function()
  local device = devices[math.random(#devices)]
  return wrk.format("POST", "/clientApi/v1.9/messages",
    {{["x-iris-identification"] = "{identification}:" .. device, ["Content-Type"] = "text/plain;charset=UTF-8"}},
    '{{"message":"benchmark message"}}')
end
"""


# --- the mixed run: web visitors on the SDK's poll ladder while agents reply -----------------------------------


async def http(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection(HOST, PORT)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(payload) if payload.strip() else {}


async def mixed(data: dict, visitors: int, seconds: int, reply_every: float) -> dict:
    ident = data["identification"]
    sent: dict[int, float] = {}
    latencies: list[float] = []
    polls = 0
    stop = time.monotonic() + seconds

    async def visitor(device: str) -> None:
        nonlocal polls
        headers = {"x-iris-identification": f"{ident}:{device}"}
        _, page = await http("GET", "/clientApi/v1.9/messages", headers)
        last = max((m["id"] for m in page.get("data", [])), default=0)
        await asyncio.sleep(random.uniform(0, 2))
        for interval in WEB_SCHEDULE:
            if time.monotonic() >= stop:
                return
            await asyncio.sleep(interval)
            status, page = await http("GET", f"/clientApi/v1.9/messages/after:{last}", headers)
            polls += 1
            now = time.monotonic()
            for message in page.get("data", []):
                if message["id"] in sent:
                    latencies.append(now - sent.pop(message["id"]))
                last = max(last, message["id"])

    async def agents() -> None:
        headers = {"Authorization": f"Bearer {data['api_key']}", "Content-Type": "application/json"}
        body = json.dumps({"text": "An agent's answer"}).encode()
        while time.monotonic() < stop - 5:
            conversation = random.choice(data["conversations"][:visitors])
            started = time.monotonic()
            status, message = await http("POST", f"/api/v2/conversations/{conversation}/messages", headers, body)
            if status == 201:
                sent[message["id"]] = started
            await asyncio.sleep(reply_every)

    await asyncio.gather(agents(), *(visitor(d) for d in data["devices"][:visitors]))
    latencies.sort()
    return {
        "name": "mixed",
        "visitors": visitors,
        "polls": polls,
        "replies_seen": len(latencies),
        "delivery_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "delivery_p99_s": round(latencies[int(len(latencies) * 0.99) - 1], 2) if latencies else None,
    }


def worker_rss_mb(server: subprocess.Popen) -> list[float]:
    children = sh("pgrep", "-P", str(server.pid)).split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(round(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024, 1))
    return sizes


def main() -> None:
    global PORT  # noqa: PLW0603  (one server per run)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small data set and short runs")
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--database", default="bench")
    parser.add_argument("--port", type=int, default=PORT, help="the server's port (another run may hold the default)")
    parser.add_argument(
        "--reuse-database", action="store_true", help="measure the database an earlier run filled (after migrating)"
    )
    parser.add_argument(
        "--only", help="measure only these scenarios (comma-separated names; no mixed run): a quicker check"
    )
    args = parser.parse_args()
    PORT = args.port
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    fill_args = ["--customers", "600", "--messages", "30000", "--big", "10000"] if args.quick else []
    seconds = 5 if args.quick else args.seconds
    env, data = prepare_database(args.database, fill_args, reuse=args.reuse_database)
    server = start_server(env)
    try:
        ident = data["identification"]
        print(f"measuring ({CONNECTIONS} connections, {seconds} s each)…", flush=True)
        scenarios = [
            (
                "empty_poll",
                _header(ident, data["small_device"]),
                f"/clientApi/v1.9/messages/after:{data['small_last_id']}",
            ),
            ("get_messages_10", _header(ident, data["small_device"]), "/clientApi/v1.9/messages"),
            ("get_messages_10000", _header(ident, data["big_device"]), "/clientApi/v1.9/messages"),
            ("post_messages", post_lua(ident, data["devices"]), "/clientApi/v1.9/messages"),
        ]
        if args.only:
            wanted = args.only.split(",")
            unknown = set(wanted) - {s[0] for s in scenarios}
            if unknown:
                raise SystemExit(
                    f"--only: no scenario {', '.join(sorted(unknown))} (there are {', '.join(s[0] for s in scenarios)})"
                )
            scenarios = [s for s in scenarios if s[0] in wanted]
        results = [
            measure(name, lua, path, seconds, write_ceiling=name in WRITE_TARGETS) for name, lua, path in scenarios
        ]
        mix = None
        if not args.only:
            visitors = 100 if args.quick else 500
            print(f"mixed run: {visitors} web visitors on the SDK's poll schedule while agents reply…", flush=True)
            mix = asyncio.run(mixed(data, visitors=visitors, seconds=30 if args.quick else 90, reply_every=0.2))
        rss = worker_rss_mb(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(results, mix, rss, data, quick=args.quick)


def report(results: list[dict], mix: dict | None, rss: list[float], data: dict, *, quick: bool) -> None:
    by_name = {r["name"]: r for r in results}
    checks = {name: by_name[name]["ratio"] >= target for name, target in TARGETS.items() if name in by_name}
    for name, target in WRITE_TARGETS.items():
        if name in by_name:
            checks[f"{name}_vs_write_ceiling"] = by_name[name]["write_ratio"] >= target
    p50_ratio = p50_ratio_raw = None
    if "get_messages_10000" in by_name and "get_messages_10" in by_name:
        big, small = by_name["get_messages_10000"], by_name["get_messages_10"]
        p50_ratio_raw = big["p50_ms"] / max(small["p50_ms"], 0.01)
        p50_ratio = big["p50_vs_ceiling"] / max(small["p50_vs_ceiling"], 0.01)
        checks["p50_10000_within_1.2x_of_10"] = p50_ratio <= 1.2
    checks["worker_rss_at_most_150_mb"] = max(rss, default=0) <= 150
    print()
    print(f"{'scenario':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'ceiling':>10}{'× ceiling':>11}{'× per CPU':>11}")
    for r in results:
        print(
            f"{r['name']:<22}{r['rps']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['ceiling_rps']:>10}"
            f"{r['ratio_raw']:>11}{r['ratio']:>11}"
        )
    for r in results:
        if "write_ratio" in r:
            print(
                f"{r['name']} × write ceiling ({r['write_ceiling_rps']} req/s): {r['write_ratio_raw']} raw, "
                f"{r['write_ratio']} per CPU; write ceiling × read ceiling {r['write_ceiling_ratio']} per CPU"
            )
    if mix is not None:
        print(
            f"\nmixed: {mix['visitors']} visitors, {mix['polls']} polls, {mix['replies_seen']} replies seen; "
            f"delivery p50 {mix['delivery_p50_s']} s, p99 {mix['delivery_p99_s']} s"
        )
    if p50_ratio is not None:
        print(
            f"p50 GET messages 10,000 vs 10: {p50_ratio:.2f}× in units of the ceiling's p50 next to each "
            f"({p50_ratio_raw:.2f}× raw)"
        )
    print(f"worker RSS after the run: {rss} MB")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / time.strftime("%Y%m%d-%H%M%S.json")
    path.write_text(
        json.dumps(
            {
                "quick": quick,
                "customers": data["customers"],
                "messages": data["messages"],
                "connections": CONNECTIONS,
                "results": results,
                "mixed": mix,
                "worker_rss_mb": rss,
                "p50_10000_vs_10": round(p50_ratio, 2) if p50_ratio is not None else None,
                "p50_10000_vs_10_raw": round(p50_ratio_raw, 2) if p50_ratio_raw is not None else None,
                "checks": checks,
                "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            },
            indent=2,
        )
    )
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
