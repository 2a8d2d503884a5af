#!/usr/bin/env python3
"""What our Sentry set-up costs per request next to OpenTelemetry, Elastic APM, ddtrace, Logfire.

    .venv/bin/python scripts/bench_peers.py             # 40 rounds, ~15 min on an idle machine
    .venv/bin/python scripts/bench_peers.py --quick     # 3 rounds, for a first look
    .venv/bin/python scripts/bench_peers.py --configs off,prod,elastic --rounds 10

Measured as scripts/bench.py measures (its workers and rounds are reused): the ASGI app called
in-process, whole-process CPU per request, each batch's telemetry flushed to a local sink inside
the measured time, rotating order. Each configuration runs in several worker processes
(`--processes`, 4), used in turn from round to round: one process's code and memory layout can
make it a few per cent faster or slower than another of the same code (pyperf spawns many
processes for the same reason), which one process per configuration reads as the
configuration's cost. Each peer runs in its own virtualenv under .bench-venvs/
(created on first use: the project installed, shared dependencies pinned to .venv's versions)
and sends to its own sink on 127.0.0.1; a peer whose sink received nothing fails the run.
"""

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_peer_apps import PEERS  # noqa: E402
from scripts.bench_sinks import start_sink, stop_sink  # noqa: E402
from scripts.bench_support import CONFIGS, ENDPOINTS, sink_process  # noqa: E402

VENVS = ROOT / ".bench-venvs"
OURS = ["off", "prod", "stock", "errors-only", "prod-traces"]
DEFAULT = OURS + list(PEERS)


def peer_python(name: str) -> Path:
    """The peer's virtualenv, created or brought up to date; returns its interpreter."""
    peer = PEERS[name]
    home = VENVS / name
    python = home / "bin" / "python"
    freeze = [sys.executable, "-m", "pip", "freeze", "--exclude-editable"]
    pins = subprocess.run(freeze, capture_output=True, text=True, check=True).stdout
    constraints = VENVS / "constraints.txt"
    stamp = home / ".installed-from"
    wanted = hashlib.sha256(
        (pins + "\n".join(peer.packages)).encode() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"Installing {name} into {home} (once; a minute or two)", file=sys.stderr, flush=True)
    VENVS.mkdir(exist_ok=True)
    constraints.write_text(pins)
    if not python.exists():
        venv.create(home, with_pip=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(constraints), "-e", str(ROOT), *peer.packages], check=True)
    stamp.write_text(wanted)
    return python


def start_worker(name: str, python: Path | str, sink: str) -> subprocess.Popen:
    env = {**os.environ, **(PEERS[name].env(sink) if name in PEERS else {})}
    command = [str(python), __file__, "--worker", name, "--sink", sink]
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"worker {name} did not start")
    return proc


def worker(name: str, sink: str) -> None:
    """One configuration's worker: ours through bench.py's app, a peer's with Sentry off."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a client prints goes to stderr, not into the parent's protocol
    from scripts.bench import prepare_app, serve_batches

    if name in PEERS:
        peer = PEERS[name]
        if peer.early is not None:
            peer.early()
        flushes = []
        app, token, loop = prepare_app(
            "off", "", instrument=lambda app: flushes.append(peer.instrument(app, sink))
        )
        flush = flushes[0]
    else:
        import sentry_sdk

        app, token, loop = prepare_app(name, sink)
        flush = lambda: sentry_sdk.flush(timeout=30)  # noqa: E731
    serve_batches(name, app, token, loop, flush, out)
    flush()


def measure(configs: list[str], rounds: int, requests: int, processes: int) -> tuple[dict, dict]:
    """Run every configuration's workers, each configuration against its own sink; returns
    samples and counts."""
    from scripts.bench import run_rounds

    pythons = {name: peer_python(name) for name in configs if name in PEERS}
    sentry_counts: dict[str, int] = {}
    sinks: dict[str, subprocess.Popen] = {}
    workers: dict[str, list[subprocess.Popen]] = {}
    with sink_process(sentry_counts) as dsn:
        try:
            for index, name in enumerate(configs):
                if name in PEERS:
                    script = [str(pythons[name]), str(ROOT / "scripts" / "bench_sinks.py")]
                    sinks[name], port = start_sink([*script, PEERS[name].sink])
                    python, sink = pythons[name], f"http://127.0.0.1:{port}"
                else:  # ours: one Sentry sink, a project id per configuration
                    python, sink = Path(sys.executable), f"{dsn[:-2]}/{index + 1}"
                workers[name] = [start_worker(name, python, sink) for _ in range(processes)]
            samples = run_rounds(workers, rounds, requests)
        finally:
            for proc in (proc for procs in workers.values() for proc in procs):
                proc.stdin.close()
                proc.wait(timeout=60)
            counts = {name: stop_sink(proc) for name, proc in sinks.items()}
    for index, name in enumerate(configs):
        if name not in PEERS:
            mine = f"{index + 1} "
            items = sentry_counts.items()
            counts[name] = {k.removeprefix(mine): v for k, v in items if k.startswith(mine)}
    return samples, counts


def check_sinks(configs: list[str], counts: dict) -> None:
    """Fail when a configuration's sink lacks what proves it traced (or, errors only, watched)."""
    missing = []
    for name in configs:
        if name == "off":
            continue
        if name in PEERS:
            wanted = PEERS[name].expects
        else:
            traced = float(CONFIGS[name]["env"].get("SENTRY_TRACES_SAMPLE_RATE", 0)) > 0
            wanted = "transaction" if traced else "sessions"
        if not counts.get(name, {}).get(wanted):
            missing.append(f"{name} (no {wanted})")
    if missing:
        raise SystemExit(f"these sinks did not receive what they should, figures void: {missing}")


def spread(samples: dict, endpoint: str, name: str, base: str) -> tuple[float, float, float]:
    """Median and 25th/75th percentiles of the per-round ratios base CPU / config CPU."""
    ours, theirs = samples[(endpoint, base, "cpu")], samples[(endpoint, name, "cpu")]
    ratios = [b / c for b, c in zip(ours, theirs, strict=True)]
    if len(ratios) < 2:
        return ratios[0], ratios[0], ratios[0]
    low, median, high = statistics.quantiles(ratios, n=4, method="inclusive")
    return median, low, high


def label(name: str) -> str:
    return PEERS[name].label if name in PEERS else CONFIGS[name]["label"]


def print_report(
    samples: dict, counts: dict, configs: list[str], rounds: int, requests: int, processes: int
):
    base = configs[0]
    print(
        f"\nThroughput kept vs `{base}` (its CPU per request / the config's; higher is better),"
        f"\nmedian of {rounds} rotating rounds x {requests} requests [25th-75th percentile],"
        f" each configuration in {processes} worker processes used in turn,"
        " and the median CPU per request (whole process)\n"
    )
    print("| Config | " + " | ".join(ENDPOINTS) + " |")
    print("|---" * (len(ENDPOINTS) + 1) + "|")
    for name in configs:
        cells = []
        for endpoint in ENDPOINTS:
            median, low, high = spread(samples, endpoint, name, base)
            cpu = statistics.median(samples[(endpoint, name, "cpu")]) * 1e6
            cells.append(f"{median:.3f} [{low:.3f}-{high:.3f}] {cpu:.0f} us")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nWhat each sink received:\n")
    for name in configs:
        received = ", ".join(f"{k} {v}" for k, v in sorted(counts.get(name, {}).items()))
        print(f"  {name:<12} {label(name)}\n  {'':<12} {received or 'nothing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds x 100 requests")
    parser.add_argument("--rounds", type=int, help="rotating rounds (default 40, quick 3)")
    parser.add_argument("--requests", type=int, help="requests per round and config (200)")
    parser.add_argument("--configs", default=",".join(DEFAULT), help="first is the baseline")
    parser.add_argument(
        "--processes", type=int, default=4, help="worker processes per config, used in turn (4)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sink", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.sink)
    configs = args.configs.split(",")
    unknown = [name for name in configs if name not in PEERS and name not in CONFIGS]
    if unknown:
        parser.error(f"unknown configs {unknown}; ours: {list(CONFIGS)}; peers: {list(PEERS)}")
    rounds = args.rounds or (3 if args.quick else 40)
    requests = args.requests or (100 if args.quick else 200)
    samples, counts = measure(configs, rounds, requests, args.processes)
    print_report(samples, counts, configs, rounds, requests, args.processes)
    check_sinks(configs, counts)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
