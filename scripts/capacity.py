"""Scale on paper: where the pipeline throttles first, how long a burst takes to drain, what reaches the DLQ or
fails, and what it costs, from a model of the AWS quotas and a discrete-time simulation with token buckets.

    python scripts/capacity.py --uploads-per-day 1000000 [--peak-factor 3] [--workflow STANDARD|EXPRESS]
    python scripts/capacity.py --burst 100000/60 [--json]
    python scripts/capacity.py --backfill 100000000 --backfill-concurrency 20

Stages, in the order an upload meets them: (API Gateway's route throttle, for --path api) -> EventBridge
delivery (throttled deliveries retried with backoff until the rule target's maximum event age or retry count,
then the dead-letter queue) -> Step Functions StartExecution (token bucket) and state transitions (STANDARD,
token bucket) -> Lambda concurrency (reserved, or the account's, reached at the per-function scaling rate;
a throttled Invoke is retried by the workflow's Retry policy, then the execution fails) -> S3 requests per
prefix. Quotas default to AWS's documented values for us-east-1 (each cited where it is defined); override
any with --quota NAME=VALUE.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cost_model import PRICES, PRICES_AS_OF, per_million

# Documented defaults, us-east-1.
QUOTAS: dict[str, float] = {
    # Step Functions, "Quotas related to API action throttling" (Standard): StartExecution bucket size 1,300,
    # refill 300 per second in us-east-1, us-west-2, eu-west-1.
    "sfn_start_bucket": 1300,
    "sfn_start_refill": 300,
    # Same page, "Quotas related to state throttling": StateTransition bucket 5,000, refill 5,000/s (same regions).
    "sfn_transition_bucket": 5000,
    "sfn_transition_refill": 5000,
    # Express workflows: StartExecution bucket 6,000, refill 6,000/s; no state-transition throttling.
    "sfn_express_start_bucket": 6000,
    "sfn_express_start_refill": 6000,
    # Lambda, "Lambda quotas": 1,000 concurrent executions per account and region (default, raisable);
    # "Lambda scaling behavior": each function scales by 1,000 concurrent executions every 10 seconds.
    "lambda_account_concurrency": 1000,
    "lambda_scaling_per_10s": 1000,
    # EventBridge, "EventBridge quotas": target invocations 18,750 per second in us-east-1.
    "eventbridge_invocations": 18750,
    # Amazon S3, "Best practices design patterns: optimizing performance": 3,500 PUT/COPY/POST/DELETE and
    # 5,500 GET/HEAD requests per second per partitioned prefix.
    "s3_put_per_prefix": 3500,
    "s3_get_per_prefix": 5500,
    # API Gateway HTTP API: this project's route throttle (variables.tf defaults: 5/s, burst 10).
    "api_rate": 5,
    "api_burst": 10,
}
# What `make bench` measured (docs/performance.md): the core renders the default thumbnail of a 12-24
# MP JPEG in 50-75 ms at 2048 MB; with the S3 transfer of the original, 200 ms billed is the conservative figure
# the cost model uses.
MEASURED_DURATION_MS = 200.0
S3_TRANSFER_MS = 120.0  # added to a benchmark's render time when durations come from --measured
TRANSITIONS_PER_EXECUTION = 5  # ValidateInput -> Resize -> CheckResult -> AnnounceReady -> Resized
REPO_ROOT = Path(__file__).resolve().parent.parent


def _throttle_retry_delays() -> tuple[float, ...]:
    """The mean waits between the workflow's retries of a throttled Invoke, from the one retry policy
    (state_machine/transient_retry.json): full jitter waits half the interval on average."""
    rules = json.loads((REPO_ROOT / "state_machine" / "transient_retry.json").read_text())
    rule = next(r for r in rules if "Lambda.TooManyRequestsException" in r["ErrorEquals"])
    return tuple(
        min(rule["IntervalSeconds"] * rule["BackoffRate"] ** n, rule["MaxDelaySeconds"]) / 2
        for n in range(rule["MaxAttempts"])
    )


LAMBDA_RETRY_DELAYS = _throttle_retry_delays()
# EventBridge retries a throttled target with exponential backoff and jitter (its documented behaviour, the
# intervals are not); modelled as 1, 2, 4, ... up to 60 s. The rule target's limits are the Terraform defaults
# of modules/orchestration (event_max_age_seconds, event_max_retries; a test keeps them equal).
EVENTBRIDGE_MAX_AGE = 86400.0
EVENTBRIDGE_MAX_RETRIES = 185


@dataclass
class Scenario:
    arrivals_per_second: float = 0.0  # steady load (peak of the day)
    duration_seconds: float = 600.0  # how long the steady load lasts in the simulation
    burst: tuple[int, float] | None = None  # N uploads spread over S seconds, on top of the steady load
    workflow: str = "STANDARD"
    duration_ms: float = MEASURED_DURATION_MS
    variants: int = 1
    memory_mb: int = 2048
    architecture: str = "arm64"
    reserved_concurrency: int | None = 100
    via_api: bool = False
    eventbridge_backoff: bool = True
    quotas: dict[str, float] = field(default_factory=lambda: dict(QUOTAS))


@dataclass
class Stage:
    name: str
    load_per_second: float
    quota_per_second: float


@dataclass
class Result:
    bottleneck: str | None
    drain_seconds: float
    max_delay_seconds: float
    dlq_events: int
    failed_executions: int
    rejected_by_api: int
    peak_concurrency: float
    cost_per_million_usd: float
    stages: list[Stage]


class Bucket:
    """A token bucket: ``capacity`` tokens, refilled at ``rate`` per second."""

    def __init__(self, capacity: float, rate: float) -> None:
        self.capacity, self.rate, self.tokens = capacity, rate, capacity

    def refill(self, dt: float) -> None:
        self.tokens = min(self.capacity, self.tokens + self.rate * dt)

    def take(self, wanted: float) -> float:
        granted = min(wanted, math.floor(self.tokens))
        self.tokens -= granted
        return granted


def effective_duration_s(scenario: Scenario) -> float:
    # Lambda gives a full vCPU at 1,769 MB; below that this CPU-bound work slows in proportion.
    return scenario.duration_ms / 1000 * max(1.0, 1769 / scenario.memory_mb)


class Simulation:
    """Discrete time (``dt`` seconds a step); uploads move in cohorts ``[count, born, attempts, due]``."""

    def __init__(self, scenario: Scenario, dt: float) -> None:
        q = scenario.quotas
        self.scenario, self.dt = scenario, dt
        express = scenario.workflow == "EXPRESS"
        prefix = "sfn_express_start" if express else "sfn_start"
        self.start = Bucket(q[f"{prefix}_bucket"], q[f"{prefix}_refill"])
        self.transitions = None if express else Bucket(q["sfn_transition_bucket"], q["sfn_transition_refill"])
        self.api = Bucket(q["api_burst"], q["api_rate"])
        self.duration = effective_duration_s(scenario)
        self.events: list[list[float]] = []
        self.invokes: list[list[float]] = []
        self.running: list[tuple[float, float]] = []  # (count, finish time)
        self.dlq = self.failed = self.rejected = self.max_delay = self.drain = self.peak = 0.0

    def arrive(self, t: float, arriving: float) -> None:
        if self.scenario.via_api and arriving:
            self.api.refill(self.dt)
            accepted = min(arriving, self.api.tokens)
            self.api.tokens -= accepted
            self.rejected += arriving - accepted
            arriving = accepted
        if arriving:
            self.events.append([arriving, t, 0, t])

    def deliver(self, t: float) -> None:
        """EventBridge -> StartExecution (and, for STANDARD, the transitions an execution needs)."""
        self.start.refill(self.dt)
        if self.transitions:
            self.transitions.refill(self.dt)
        still: list[list[float]] = []
        for cohort in self.events:
            count, born, attempts, due = cohort
            if due > t:
                still.append(cohort)
                continue
            allowed = self.start.take(count)
            if self.transitions:
                wanted = allowed * TRANSITIONS_PER_EXECUTION
                allowed = min(allowed, self.transitions.take(wanted) / TRANSITIONS_PER_EXECUTION)
            if allowed:
                self.invokes.append([allowed, t, 0, t])
                self.max_delay, self.drain = max(self.max_delay, t - born), t
            rest = count - allowed
            if rest <= 1e-9:
                continue
            if t - born >= EVENTBRIDGE_MAX_AGE or attempts >= EVENTBRIDGE_MAX_RETRIES:
                self.dlq += rest
            else:
                backoff = min(2.0**attempts, 60.0) if self.scenario.eventbridge_backoff else self.dt
                still.append([rest, born, attempts + 1, t + backoff])
        self.events = still

    def invoke(self, t: float) -> None:
        """Lambda: concurrency reached at the scaling rate; a throttled Invoke is retried by the workflow."""
        q, scenario = self.scenario.quotas, self.scenario
        self.running = [(c, end) for c, end in self.running if end - t > self.dt / 2]  # float-safe
        in_flight = sum(c for c, _ in self.running)
        account = q["lambda_account_concurrency"]
        scaled = account if scenario.reserved_concurrency else min(account, q["lambda_scaling_per_10s"] * (1 + t // 10))
        limit = min(scenario.reserved_concurrency or account, scaled)
        waiting: list[list[float]] = []
        for cohort in self.invokes:
            count, born, attempts, due = cohort
            if due > t:
                waiting.append(cohort)
                continue
            started = min(count, max(0.0, limit - in_flight))
            if started:
                self.running.append((started, t + self.duration))
                in_flight += started
            rest = count - started
            if rest <= 1e-9:
                continue
            if attempts >= len(LAMBDA_RETRY_DELAYS):
                self.failed += rest
            else:
                waiting.append([rest, born, attempts + 1, t + LAMBDA_RETRY_DELAYS[int(attempts)]])
        self.invokes = waiting
        self.peak = max(self.peak, in_flight)

    @property
    def idle(self) -> bool:
        return not self.events and not self.invokes and not self.running


def simulate(scenario: Scenario, dt: float = 0.1, horizon: float = 7200.0) -> Result:
    sim = Simulation(scenario, dt)
    steady_end = scenario.duration_seconds if scenario.arrivals_per_second else 0.0
    burst_n, burst_s = scenario.burst or (0, 0.0)
    t = 0.0
    while t < horizon:
        arriving = scenario.arrivals_per_second * dt if t < steady_end else 0.0
        if burst_n and t < max(burst_s, dt):
            arriving += burst_n * dt / max(burst_s, dt)
        sim.arrive(t, arriving)
        sim.deliver(t)
        sim.invoke(t)
        t += dt
        if t > max(steady_end, burst_s) and sim.idle:
            break
    return _result(scenario, sim)


def _result(scenario: Scenario, sim: Simulation) -> Result:
    q = scenario.quotas
    burst_rate = scenario.burst[0] / max(scenario.burst[1], 0.1) if scenario.burst else 0.0
    load = scenario.arrivals_per_second + burst_rate
    express = scenario.workflow == "EXPRESS"
    concurrency = scenario.reserved_concurrency or q["lambda_account_concurrency"]
    stages = [
        Stage("eventbridge_delivery", load, q["eventbridge_invocations"]),
        Stage(
            "sfn_start_execution",
            load,
            q["sfn_express_start_refill"] if express else q["sfn_start_refill"],
        ),
        Stage("lambda_concurrency", load, concurrency / effective_duration_s(scenario)),
        Stage("s3_get_per_prefix", load * (2 + scenario.variants), q["s3_get_per_prefix"]),
        Stage("s3_put_per_prefix", load * scenario.variants, q["s3_put_per_prefix"]),
    ]
    if not express:
        stages.insert(2, Stage("sfn_state_transitions", load * TRANSITIONS_PER_EXECUTION, q["sfn_transition_refill"]))
    if scenario.via_api:
        stages.insert(0, Stage("api_route_throttle", load, q["api_rate"]))
    over = [s for s in stages if s.load_per_second > s.quota_per_second]
    binding = max(over, key=lambda s: s.load_per_second / s.quota_per_second).name if over else None
    cost = per_million(
        scenario.duration_ms, scenario.memory_mb, scenario.architecture, scenario.workflow, scenario.variants
    )
    return Result(
        bottleneck=binding,
        drain_seconds=round(sim.drain, 1),
        max_delay_seconds=round(sim.max_delay, 1),
        dlq_events=round(sim.dlq),
        failed_executions=round(sim.failed),
        rejected_by_api=round(sim.rejected),
        peak_concurrency=round(sim.peak, 1),
        cost_per_million_usd=round(cost.total, 2),
        stages=stages,
    )


def backfill(objects: int, max_concurrency: int, scenario: Scenario) -> dict[str, Any]:
    """A Distributed Map over ``objects``: ``max_concurrency`` EXPRESS children at a time, each one image."""
    q = scenario.quotas
    concurrency = scenario.reserved_concurrency or q["lambda_account_concurrency"]
    usable = min(max_concurrency, concurrency)
    duration = effective_duration_s(scenario)
    rate = usable / duration
    express_cost = per_million(scenario.duration_ms, scenario.memory_mb, scenario.architecture, "EXPRESS").total
    list_requests = -(-objects // 1000)  # listObjectsV2 returns 1,000 keys a page (an inventory report: 0)
    return {
        "objects": objects,
        "max_concurrency": max_concurrency,
        "lambda_concurrency_available": concurrency,
        "throttled": max_concurrency > concurrency,
        # What caps the rate first: the Map's MaxConcurrency, or the function's concurrency (then Lambda throttles,
        # and the children retry TooManyRequests as transient).
        "first_limit": "lambda concurrency (throttles)"
        if max_concurrency > concurrency
        else "backfill_max_concurrency",
        "images_per_second": round(rate, 1),
        "drain_hours": round(objects / rate / 3600, 1),
        "list_requests": list_requests,
        "cost_usd": round(objects / 1_000_000 * express_cost + list_requests * PRICES["s3_write"], 2),
    }


def measured_duration_ms(path: Path) -> float:
    """Median render time of `bench_resize.py --json` lines ("ms": {"ours": ...}), plus the S3 transfer."""
    renders = [json.loads(line)["ms"]["ours"] for line in path.read_text().splitlines() if line.startswith("{")]
    if not renders:
        raise SystemExit(f"capacity: {path} holds no bench_resize.py --json lines")
    return statistics.median(renders) + S3_TRANSFER_MS


def _burst(text: str) -> tuple[int, float]:
    try:
        count, seconds = text.split("/")
        return int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"burst must look like 100000/60 (uploads/seconds), got {text!r}") from None


def _quota(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    if name not in QUOTAS or not value:
        raise argparse.ArgumentTypeError(f"quota must be NAME=VALUE with NAME one of {sorted(QUOTAS)}")
    return name, float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads-per-day", type=float, default=0.0)
    parser.add_argument("--peak-factor", type=float, default=3.0, help="peak hour rate / the day's average rate")
    parser.add_argument("--burst", type=_burst, help="N uploads in S seconds, e.g. 100000/60")
    parser.add_argument("--workflow", choices=("STANDARD", "EXPRESS"), default="STANDARD")
    parser.add_argument("--duration-ms", type=float, default=MEASURED_DURATION_MS, help="per image at 2048 MB")
    parser.add_argument("--measured", type=Path, help="bench_resize.py --json output: use its median instead")
    parser.add_argument("--variants", type=int, default=1)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--architecture", choices=("arm64", "x86_64"), default="arm64")
    parser.add_argument("--reserved-concurrency", type=int, default=100, help="0: none (the account's pool)")
    parser.add_argument("--path", choices=("events", "api"), default="events", help="uploads, or POST /start")
    parser.add_argument("--quota", type=_quota, action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--backfill", type=int, metavar="OBJECTS", help="a Distributed Map backfill instead")
    parser.add_argument("--backfill-concurrency", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scenario = Scenario(
        arrivals_per_second=args.uploads_per_day / 86400 * args.peak_factor,
        burst=args.burst,
        workflow=args.workflow,
        duration_ms=measured_duration_ms(args.measured) if args.measured else args.duration_ms,
        variants=args.variants,
        memory_mb=args.memory_mb,
        architecture=args.architecture,
        reserved_concurrency=args.reserved_concurrency or None,
        via_api=args.path == "api",
        quotas={**QUOTAS, **dict(args.quota)},
    )
    if args.backfill:
        report: dict[str, Any] = backfill(args.backfill, args.backfill_concurrency, scenario)
    else:
        if not scenario.arrivals_per_second and not scenario.burst:
            parser.error("give --uploads-per-day, --burst or --backfill")
        result = simulate(scenario)
        report = asdict(result)
        report["cost_per_day_usd"] = round(args.uploads_per_day / 1_000_000 * result.cost_per_million_usd, 2)
    if args.json:
        print(json.dumps(report))
        return 0
    for name, value in report.items():
        if name == "stages":
            for stage in value:
                load, quota = stage["load_per_second"], stage["quota_per_second"]
                print(f"  {stage['name']:<22} {load:>12,.1f}/s of {quota:>10,.1f}/s ({load / quota:.0%})")
        else:
            print(f"{name}: {value}")
    print(f"(prices {PRICES_AS_OF})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
