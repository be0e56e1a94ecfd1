"""Benchmark of the event streams (#18; not part of the test suite). See docs/performance.md, "#18: event streams".

Creates a fresh PostgreSQL database with one account and N customers, each with a registered device and a
conversation (bench/fill.py, bulk inserts), then starts, as production would:
  - ONE stream process: `uvicorn messenger_project.asgi:application` (production settings), which serves
    `/stream/client`;
  - gunicorn (bench/run.py's `start_server`, 2 workers) serving the integration API;
  - Redis between them: the live bus (`LIVE_BUS_URL`), on its own channel (`CACHE_KEY_PREFIX`).
Client processes (asyncio, separate from the server) hold the streams open, one per customer, with the widget's
header (`x-iris-identification: {identification}:{device id}`), parse the server-sent events and record when each
`message` event arrives. The ramp opens streams up to 500, 1,000, 2,000 and 5,000 (keeping those already open); at
each step an agent (the integration API's bearer key) posts 20 messages a second into random open customers'
conversations for ~20 s. Reported per step: delivery latency (the POST returned → `message` event received; also
from the message's `createdAt` and from the POST's start) p50/p99/max, messages delivered/expected, the stream
process's RSS (VmRSS) and CPU (utime+stime over the sending window). Diagnoses: --diagnose (GC pauses, event-loop
lag), --trace-memory (tracemalloc), --what-if-cache-per-thread (an experiment; see docs/performance.md).

    python bench/streams.py                          # 500 → 5,000 streams
    python bench/streams.py --quick                  # 200 → 500 streams, 10 s steps: to try the script
    python bench/streams.py --max 2000 --json /tmp/streams.json --database sb_bench --port 8931
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import run as bench_run  # noqa: E402  (the database, the fill and gunicorn, as bench/run.py makes them)

PYTHON = sys.executable
HOST = "127.0.0.1"
STEPS = (500, 1000, 2000, 5000)
QUICK_STEPS = (200, 500)
RATE = 20  # messages a second
OPEN_CONCURRENCY = 50  # streams being opened at once by one client process
GRACE_SECONDS = 10  # after the last send, how long to wait for the last events
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the client processes: hold streams open, record the `message` events -------------------------------------


class ClientWorker:
    """Streams of one client process. Commands on stdin, one JSON object a line; answers on stdout likewise:
    {"open": [device ids]} opens them and answers when each stream sent `ready`; {"dump": true} answers with the
    message events received since the last dump; {"stop": true} ends the process."""

    def __init__(self, port: int, identification: str):
        self.port, self.identification = port, identification
        self.received: list[tuple[int, float, str]] = []  # (message id, receive time, device)
        self.events: dict[str, int] = {}
        self.ended: list[str] = []  # streams that ended while they should have stayed open
        self.tasks: list[asyncio.Task] = []

    async def stream(self, device: str, ready: asyncio.Future) -> None:
        try:
            reader, writer = await asyncio.open_connection(HOST, self.port)
            request = (
                f"GET /stream/client HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: text/event-stream\r\n"
                f"x-iris-identification: {self.identification}:{device}\r\n\r\n"
            )
            writer.write(request.encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            if status != 200:
                ready.set_result(f"HTTP {status}")
                writer.close()
                return
            chunked = b"transfer-encoding: chunked" in head.lower()
            buffer = b""
            while True:
                if chunked:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    if size == 0:
                        break
                    data = (await reader.readexactly(size + 2))[:-2]
                else:
                    data = await reader.read(65536)
                    if not data:
                        break
                now = time.time()
                buffer += data
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self.frame(block, now, device, ready)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            if not ready.done():
                ready.set_result(f"{type(error).__name__}: {error}")
                return
        if not ready.done():
            ready.set_result("ended before ready")
        else:
            self.ended.append(device)

    def frame(self, block: bytes, now: float, device: str, ready: asyncio.Future) -> None:
        fields: dict[str, str] = {}
        for line in block.decode().split("\n"):
            if line.startswith(":"):
                fields.setdefault("comment", line)
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        kind = fields.get("event") or ("retry" if "retry" in fields else "comment" if "comment" in fields else "?")
        self.events[kind] = self.events.get(kind, 0) + 1
        if kind == "message":
            self.received.append((int(fields["id"]), now, device))
        elif kind == "ready" and not ready.done():
            ready.set_result(None)

    async def open(self, devices: list[str]) -> dict:
        started = time.monotonic()
        gate = asyncio.Semaphore(OPEN_CONCURRENCY)
        failures: list[str] = []

        async def one(device: str) -> None:
            async with gate:
                ready = asyncio.get_running_loop().create_future()
                self.tasks.append(asyncio.create_task(self.stream(device, ready)))
                error = await ready
                if error is not None:
                    failures.append(f"{device}: {error}")

        await asyncio.gather(*(one(d) for d in devices))
        return {
            "opened": len(devices) - len(failures),
            "failures": failures[:10],
            "failed": len(failures),
            "seconds": round(time.monotonic() - started, 2),
        }

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            command = json.loads(line)
            if "open" in command:
                answer = await self.open(command["open"])
            elif "dump" in command:
                answer = {"received": self.received, "events": self.events, "ended": self.ended}
                self.received, self.ended, self.events = [], [], {}
            else:
                return
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()


class Clients:
    """The client processes, seen from the benchmark: devices spread over them in turn."""

    def __init__(self, count: int, port: int, identification: str):
        self.processes = [
            subprocess.Popen(
                [PYTHON, __file__, "--client-worker", "--port", str(port), "--identification", identification],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]

    def ask(self, commands: list[dict]) -> list[dict]:
        for process, command in zip(self.processes, commands, strict=True):
            process.stdin.write(json.dumps(command) + "\n")
            process.stdin.flush()
        return [json.loads(process.stdout.readline()) for process in self.processes]

    def open(self, devices: list[str]) -> dict:
        shares = [devices[i :: len(self.processes)] for i in range(len(self.processes))]
        answers = self.ask([{"open": share} for share in shares])
        return {
            "opened": sum(a["opened"] for a in answers),
            "failed": sum(a["failed"] for a in answers),
            "failures": [f for a in answers for f in a["failures"]][:10],
            "seconds": max(a["seconds"] for a in answers),
        }

    def dump(self) -> dict:
        answers = self.ask([{"dump": True}] * len(self.processes))
        events: dict[str, int] = {}
        for answer in answers:
            for kind, count in answer["events"].items():
                events[kind] = events.get(kind, 0) + count
        return {
            "received": [r for a in answers for r in a["received"]],
            "events": events,
            "ended": [e for a in answers for e in a["ended"]],
        }

    def cpu_seconds(self) -> float:
        return sum(_cpu_ticks(p.pid) for p in self.processes) / CLK_TCK

    def stop(self) -> None:
        for process in self.processes:
            try:
                process.stdin.write(json.dumps({"stop": True}) + "\n")
                process.stdin.flush()
            except OSError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- the stream process ------------------------------------------------------------------------------------------


# --trace-memory: the same server under tracemalloc; SIGUSR1 writes what grew since the last snapshot (by line and by
# traceback) to bench/results/streams-memory-PORT.txt. A diagnosis only: tracing slows the process and adds to its RSS.
TRACED_SERVER = """
import os, signal, sys, tracemalloc, uvicorn
tracemalloc.start(12)
if os.environ.get("STREAMS_WHAT_IF_CACHE_PER_THREAD"):  # --what-if-cache-per-thread: not how the app runs
    import django; django.setup()
    from asgiref.local import Local
    from django.core.cache import caches
    caches._connections = Local(thread_critical=True)
previous = [tracemalloc.take_snapshot()]
def dump(*_):
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    with open(sys.argv[2], "a") as out:
        total = sum(s.size for s in snapshot.statistics("filename"))
        out.write(f"=== traced {total / 2**20:.1f} MiB\\n--- by line, growth since the last dump\\n")
        for stat in snapshot.compare_to(previous[0], "lineno")[:25]:
            out.write(f"{stat}\\n")
        out.write("--- by traceback, growth since the last dump (top 6)\\n")
        for stat in snapshot.compare_to(previous[0], "traceback")[:6]:
            out.write(f"{stat.size_diff / 1024:.0f} KiB in {stat.count_diff} blocks\\n")
            out.write("\\n".join(stat.traceback.format(limit=12)) + "\\n")
    previous[0] = snapshot
signal.signal(signal.SIGUSR1, dump)
uvicorn.run("messenger_project.asgi:application", host="127.0.0.1", port=int(sys.argv[1]), access_log=False,
            log_level="warning")
"""


# --diagnose: the same server (uvicorn.run, the same options) with two probes: the garbage collector's pauses (gc
# callbacks: count, total and longest per generation) and the event loop's lag (a task that sleeps 20 ms and records
# how late it wakes). SIGUSR1 appends what was seen since the last signal to bench/results/streams-diagnosis-PORT.jsonl,
# with the number of objects the collector tracks.
DIAGNOSED_SERVER = """
import asyncio, gc, json, os, signal, sys, time, uvicorn
from messenger_project.asgi import application
if os.environ.get("STREAMS_WHAT_IF_CACHE_PER_THREAD"):  # --what-if-cache-per-thread: not how the app runs
    from asgiref.local import Local
    from django.core.cache import caches
    caches._connections = Local(thread_critical=True)
pauses, lags, started, probe = {}, [], {}, []
def on_gc(phase, info):
    if phase == "start":
        started["at"] = time.perf_counter()
    elif "at" in started:
        p = pauses.setdefault(info["generation"], [0, 0.0, 0.0])
        took = time.perf_counter() - started.pop("at")
        p[0] += 1; p[1] += took; p[2] = max(p[2], took)
gc.callbacks.append(on_gc)
async def lag():
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.02)
        lags.append(loop.time() - before - 0.02)
async def app(scope, receive, send):
    if not probe:
        probe.append(asyncio.get_running_loop().create_task(lag()))
    await application(scope, receive, send)
def dump(*_):
    ordered = sorted(lags) or [0.0]
    line = {
        "objects": len(gc.get_objects()),
        "gc": {f"gen{g}": {"count": c, "total_s": round(t, 3), "max_s": round(m, 3)}
               for g, (c, t, m) in sorted(pauses.items())},
        "loop_lag_p99_s": round(ordered[int(len(ordered) * 0.99) - 1 if len(ordered) > 1 else 0], 4),
        "loop_lag_max_s": round(ordered[-1], 4),
        "loop_lag_over_100ms": sum(1 for v in ordered if v > 0.1),
    }
    pauses.clear(); lags.clear()
    with open(sys.argv[2], "a") as out:
        out.write(json.dumps(line) + "\\n")
signal.signal(signal.SIGUSR1, dump)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
"""


def diagnosis_file(port: int) -> Path:
    return ROOT / "bench" / "results" / f"streams-diagnosis-{port}.jsonl"


def diagnosis(server: subprocess.Popen, *, args_port: int) -> dict:
    """What the diagnosed server saw since the last call (its probes, on SIGUSR1)."""
    path = diagnosis_file(args_port)
    lines = len(path.read_text().splitlines())
    os.kill(server.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = path.read_text().splitlines()
        if len(found) > lines:
            return json.loads(found[-1])
        time.sleep(0.2)
    return {}


def start_stream_server(
    env: dict, port: int, *, trace_memory: bool = False, diagnose: bool = False
) -> subprocess.Popen:
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        "messenger_project.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if trace_memory:
        command = [PYTHON, "-c", TRACED_SERVER, str(port), str(memory_file(port))]
        memory_file(port).write_text("")
    elif diagnose:
        command = [PYTHON, "-c", DIAGNOSED_SERVER, str(port), str(diagnosis_file(port))]
        diagnosis_file(port).write_text("")
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**env, "WHITENOISE_USE_FINDERS": "false"},
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "bench" / "results" / f"uvicorn-{port}.log", "w"),  # noqa: SIM115
    )
    # traced, Django takes ~50 s to start here
    seconds = 120 if trace_memory else 30
    return bench_run.wait_healthy(server, f"http://{HOST}:{port}/healthz", seconds=seconds, what="the stream process")


def memory_file(port: int) -> Path:
    return ROOT / "bench" / "results" / f"streams-memory-{port}.txt"


def _cpu_ticks(pid: int) -> int:
    """utime + stime of a process (its threads included), in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- the agents' side: the integration API at RATE messages a second ---------------------------------------------


async def send(data: dict, customers: int, seconds: float, rate: float) -> tuple[dict, list[str]]:
    """Post `rate` messages a second (open loop: each on its schedule, whatever the earlier ones take) into random
    conversations among the first `customers`; returns {message id: (device, started, returned, created)} and the
    errors (`created`: the message's `createdAt`, taken when it was saved, just before the commit)."""
    headers = {"Authorization": f"Bearer {data['api_key']}", "Content-Type": "application/json"}
    body = json.dumps({"text": "An agent's answer, live"}).encode()
    sent: dict[int, tuple[str, float, float, float]] = {}
    errors: list[str] = []

    async def one(index: int) -> None:
        conversation, device = data["conversations"][index], data["devices"][index]
        started = time.time()
        try:
            status, message = await bench_run.http(
                "POST", f"/api/v2/conversations/{conversation}/messages", headers, body
            )
        except OSError as error:
            errors.append(str(error))
            return
        if status == 201:
            returned = time.time()
            created = datetime.fromisoformat(message["createdAt"]).timestamp() if "createdAt" in message else started
            sent[message["id"]] = (device, started, returned, created)
        else:
            errors.append(f"HTTP {status}")

    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for n in range(int(seconds * rate)):
        await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
        tasks.append(asyncio.create_task(one(random.randrange(customers))))
    await asyncio.gather(*tasks)
    return sent, errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


# --- the ramp ------------------------------------------------------------------------------------------------------


def step(
    n: int,
    opened: int,
    data: dict,
    clients: Clients,
    server: subprocess.Popen,
    gunicorn: subprocess.Popen,
    seconds: float,
    rate: float,
    trace_memory: bool = False,
    diagnose: bool = False,
    port: int = 0,
) -> dict:
    result: dict = {"streams": n}
    # Open the streams this step adds (those of earlier steps stay open).
    ticks, wall = _cpu_ticks(server.pid), time.monotonic()
    opening = clients.open(data["devices"][opened:n])
    result["open"] = {
        "added": n - opened,
        "failed": opening["failed"],
        "failures": opening["failures"],
        "seconds": opening["seconds"],
        "per_second": round((n - opened) / max(opening["seconds"], 0.01), 1),
        "server_cpu_pct": round((_cpu_ticks(server.pid) - ticks) / CLK_TCK / (time.monotonic() - wall) * 100, 1),
    }
    clients.dump()  # drop what opening sent (nothing but `ready` and pings)
    time.sleep(2)  # let the opening settle (the pool's threads, the last pings)
    result["rss_idle_mb"] = _rss_mb(server.pid)
    if trace_memory:  # wait for the snapshot (many seconds): it stops the event loop meanwhile
        size = memory_file(port).stat().st_size
        os.kill(server.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 180
        while memory_file(port).stat().st_size == size and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(2)
    # Send for `seconds`, measuring the stream process meanwhile.
    if diagnose:
        result["diagnosis_opening"] = diagnosis(server, args_port=port)  # what opening cost; the probes start again
    machine_before = bench_run._cpu_times()
    ticks, api_ticks, client_cpu = _cpu_ticks(server.pid), _gunicorn_ticks(gunicorn), clients.cpu_seconds()
    wall = time.monotonic()
    sent, errors = asyncio.run(send(data, n, seconds, rate))
    elapsed = time.monotonic() - wall
    cpu_pct = (_cpu_ticks(server.pid) - ticks) / CLK_TCK / elapsed * 100
    api_pct = (_gunicorn_ticks(gunicorn) - api_ticks) / CLK_TCK / elapsed * 100
    client_pct = (clients.cpu_seconds() - client_cpu) / elapsed * 100
    delta = [b - a for a, b in zip(machine_before, bench_run._cpu_times(), strict=True)]
    machine_busy = (delta[0] + delta[1] + delta[2] + delta[5] + delta[6]) / (sum(delta) or 1)
    result["rss_mb"] = _rss_mb(server.pid)
    # Wait for the last events, then collect.
    received: dict[int, tuple[float, str]] = {}
    wrong_device = duplicates = 0
    dump = {"events": {}, "ended": []}
    deadline = time.monotonic() + GRACE_SECONDS
    while True:
        part = clients.dump()
        for kind, count in part["events"].items():
            dump["events"][kind] = dump["events"].get(kind, 0) + count
        dump["ended"] += part["ended"]
        for message_id, at, device in part["received"]:
            if message_id in received:
                duplicates += 1
                continue
            received[message_id] = (at, device)
        if all(m in received for m in sent) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    from_created, from_return, from_start, missed, messages = [], [], [], [], []
    for message_id, (device, started, returned, created) in sent.items():
        if message_id not in received:
            missed.append(message_id)
            continue
        at, got_device = received[message_id]
        if got_device != device:
            wrong_device += 1
        from_created.append(at - created)
        from_return.append(at - returned)
        from_start.append(at - started)
        messages.append([message_id, round(started, 4), round(created, 3), round(returned, 4), round(at, 4)])
    post = [returned - started for _, started, returned, _ in sent.values()]
    result.update(
        {
            "seconds": round(elapsed, 1),
            "expected": len(sent),
            "delivered": len(from_return),
            "missed": missed[:20],
            "missed_count": len(missed),
            "send_errors": len(errors),
            "send_error_samples": errors[:5],
            "wrong_device": wrong_device,
            "duplicates": duplicates,
            "unexpected_messages": len([m for m in received if m not in sent]),
            "streams_ended": len(dump["ended"]),
            "events": dump["events"],
            "latency_s": _summary(from_return),
            "latency_from_created_s": _summary(from_created),
            "latency_from_send_start_s": _summary(from_start),
            "post_s": _summary(post),
            "cpu_pct": round(cpu_pct, 1),
            "api_cpu_pct": round(api_pct, 1),
            "clients_cpu_pct": round(client_pct, 1),
            "machine_busy": round(machine_busy, 2),
            "threads": _threads(server.pid),
            "fds": _fds(server.pid),
            "messages": messages,  # [id, send started, createdAt, send returned, event received] (Unix time)
        }
    )
    if diagnose:
        result["diagnosis"] = diagnosis(server, args_port=port)
    lat = result["latency_s"]
    print(
        f"  {n:>6} streams  p50 {_ms(lat['p50'])}  p99 {_ms(lat['p99'])}  max {_ms(lat['max'])}  "
        f"delivered {result['delivered']}/{result['expected']}  RSS {result['rss_mb']} MB  "
        f"CPU {result['cpu_pct']} %  (opened {result['open']['added']} in {result['open']['seconds']} s, "
        f"machine busy {round(machine_busy * 100)} %)",
        flush=True,
    )
    return result


def _gunicorn_ticks(gunicorn: subprocess.Popen) -> int:
    pids = [gunicorn.pid, *bench_run.sh("pgrep", "-P", str(gunicorn.pid)).split()]
    return sum(_cpu_ticks(int(pid)) for pid in pids)


def _summary(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p99": None, "max": None, "min": None}
    return {
        "p50": round(statistics.median(values), 4),
        "p99": round(percentile(values, 0.99), 4),
        "max": round(max(values), 4),
        "min": round(min(values), 4),
    }


def _ms(seconds: float | None) -> str:
    return f"{'–' if seconds is None else round(seconds * 1000)} ms".rjust(8)


def report(steps: list[dict], args: argparse.Namespace, data: dict, baseline_rss: float) -> dict:
    print()
    print("Delivery latency (p50/p99/max) = the `message` event received by the customer's stream − the integration")
    print("API's POST returned. The message is committed inside the POST and its event published at that commit, a")
    print("little before the view answers (it still resets typing and reads the message back): the event often")
    print("overtakes the response, hence figures near 0 or below. 'p99 created' = − the message's `createdAt` (saved")
    print("before the commit: includes the commit and the rest of the view); 'p99 send' = − the POST's start.")
    print(
        f"{'streams':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'p99 created':>13}{'p99 send':>10}{'delivered':>11}"
        f"{'RSS MB':>8}{'idle RSS':>10}{'CPU %':>7}{'API CPU %':>11}{'loop lag':>10}{'opened/s':>10}"
    )
    for s in steps:
        lat, full, created = s["latency_s"], s["latency_from_send_start_s"], s["latency_from_created_s"]
        lag = s.get("diagnosis", {}).get("loop_lag_max_s")
        print(
            f"{s['streams']:>8}{_ms(lat['p50'])[:-3]:>8}{_ms(lat['p99'])[:-3]:>8}{_ms(lat['max'])[:-3]:>8}"
            f"{_ms(created['p99'])[:-3]:>13}{_ms(full['p99'])[:-3]:>10}"
            f"{str(s['delivered']) + '/' + str(s['expected']):>11}"
            f"{s['rss_mb']:>8}{s['rss_idle_mb']:>10}{s['cpu_pct']:>7}{s['api_cpu_pct']:>11}"
            f"{'' if lag is None else _ms(lag)[:-3]:>10}{s['open']['per_second']:>10}"
        )
    for s in steps:
        if "diagnosis" in s:
            d = s["diagnosis"]
            print(
                f"  {s['streams']} streams: {d.get('objects')} objects tracked by the GC; during the sending: "
                f"{d.get('gc')}; event loop lag p99 {d.get('loop_lag_p99_s')} s, max {d.get('loop_lag_max_s')} s"
            )
    print(f"stream process RSS before any stream: {baseline_rss} MB")
    if len(steps) > 1:
        first, last = steps[0], steps[-1]
        per_stream_kb = (last["rss_idle_mb"] - first["rss_idle_mb"]) * 1024 / (last["streams"] - first["streams"])
        print(f"RSS growth {first['streams']} → {last['streams']} streams: {per_stream_kb:.1f} KB per stream")
    problems = []
    for s in steps:
        if s["missed_count"] or s["send_errors"] or s["open"]["failed"] or s["wrong_device"] or s["streams_ended"]:
            problems.append(
                f"  {s['streams']} streams: missed {s['missed_count']} {s['missed'][:5]}, send errors "
                f"{s['send_errors']} {s['send_error_samples'][:2]}, open failures {s['open']['failed']} "
                f"{s['open']['failures'][:2]}, wrong device {s['wrong_device']}, streams ended {s['streams_ended']}"
            )
    print("\n".join(["problems:", *problems]) if problems else "every message was delivered, to its customer only")
    last = steps[-1]
    checks = {
        f"p99_at_most_1s_at_{last['streams']}": last["latency_s"]["p99"] is not None and last["latency_s"]["p99"] <= 1,
        f"rss_at_most_300_mb_at_{last['streams']}": last["rss_mb"] <= 300,
        "all_delivered": not any(s["missed_count"] for s in steps),
    }
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    return {
        "quick": args.quick,
        "rate_per_second": args.rate,
        "seconds_per_step": args.seconds,
        "client_processes": args.clients,
        "baseline_rss_mb": baseline_rss,
        "steps": steps,
        "checks": checks,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_before": os.getloadavg()},
        "customers": data["customers"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 and 500 streams, 10 s each")
    parser.add_argument("--max", type=int, help="the most streams (5,000; --quick 500): the ramp stops there")
    parser.add_argument("--seconds", type=float, default=None, help="sending time per step (20 s; --quick 10 s)")
    parser.add_argument("--rate", type=float, default=RATE, help="messages a second")
    parser.add_argument("--database", default="sb_bench")
    parser.add_argument("--port", type=int, default=8931, help="the stream process's port")
    parser.add_argument("--api-port", type=int, default=8932, help="gunicorn's port (the integration API)")
    parser.add_argument("--clients", type=int, default=1, help="client processes holding the streams")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--prefix", default="sb-bench", help="CACHE_KEY_PREFIX (the bus channel is PREFIX:live)")
    parser.add_argument("--json", help="write the figures there (default bench/results/streams-<time>.json)")
    parser.add_argument(
        "--trace-memory", action="store_true", help="the stream process under tracemalloc (a diagnosis: see the code)"
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="the stream process with GC-pause and event-loop-lag probes (see the code)",
    )
    parser.add_argument(
        "--what-if-cache-per-thread",
        action="store_true",
        help="with --diagnose: Django's cache handler per thread instead of per async context (an experiment, "
        "not the application as it runs: see docs/performance.md)",
    )
    parser.add_argument("--client-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--identification", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_worker:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(ClientWorker(args.port, args.identification).main())
        return
    ladder = QUICK_STEPS if args.quick else STEPS
    top = args.max or ladder[-1]
    steps = [s for s in ladder if s < top] + [top]
    args.seconds = args.seconds or (10 if args.quick else 20)
    customers = max(steps) + 2  # fill.py's first two customers are its big and small ones: not used here
    os.environ["REDIS_URL"] = args.redis
    if not bench_run._redis_up():
        raise SystemExit("Redis is needed (the live bus between gunicorn and the stream process)")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    env, data = bench_run.prepare_database(
        args.database, ["--customers", str(customers), "--messages", str(customers * 2 + 10), "--big", "10"]
    )
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "messenger_project.settings",
            "REDIS_URL": args.redis,
            "LIVE_BUS_URL": args.redis,
            "CACHE_KEY_PREFIX": args.prefix,
        }
    )
    bench_run.PORT = args.api_port
    if args.what_if_cache_per_thread:
        args.diagnose = not args.trace_memory
        env["STREAMS_WHAT_IF_CACHE_PER_THREAD"] = "1"
    for port in (args.port, args.api_port):
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                raise SystemExit(f"port {port} is taken (another run?): choose another with --port / --api-port")
    gunicorn = bench_run.start_server(env)
    server = clients = None
    results: list[dict] = []
    try:
        server = start_stream_server(env, args.port, trace_memory=args.trace_memory, diagnose=args.diagnose)
        clients = Clients(args.clients, args.port, data["identification"])
        time.sleep(1)
        baseline_rss = _rss_mb(server.pid)
        print(
            f"stream process pid {server.pid} (uvicorn, RSS {baseline_rss} MB); {args.rate:g} messages/s for "
            f"{args.seconds:g} s at each of {', '.join(map(str, steps))} streams…",
            flush=True,
        )
        opened = 0
        for n in steps:
            results.append(
                step(
                    n,
                    opened,
                    data,
                    clients,
                    server,
                    gunicorn,
                    args.seconds,
                    args.rate,
                    args.trace_memory,
                    args.diagnose,
                    args.port,
                )
            )
            opened = n
    finally:
        if clients is not None:
            clients.stop()
        processes = [p for p in (server, gunicorn) if p is not None]
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    if not results:
        raise SystemExit("no step was measured")
    out = report(results, args, data, baseline_rss)
    path = Path(args.json) if args.json else ROOT / "bench" / "results" / time.strftime("streams-%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps(out, indent=2))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
