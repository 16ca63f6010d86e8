"""An HTTP load driver for the API, bounded in requests and time, on loopback only.

It prepares through the ORM (the same database as the server it drives): API tokens for a
partner's authorised submitter (one per connection, so the per-token rate limit measures
nothing here) and a vendor engineer, and the partner's customers and open cases. Then, one
operation at a time with ``concurrency`` clients in flight, it times: open a case, read a case,
the partner's queue (in progress, P3, soonest SLA due first, 50), the vendor's queue, add a
comment, escalate (cases opened and started for it). Every answer must be the success status;
any other counts as an error and fails the run.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from casebridge.bench.generator import COMPONENTS, GUIDELINES
from casebridge.cases.models import Case
from casebridge.parties.models import AuthorisedSubmitter, CustomerRelationship, Person
from casebridge.parties.tokens import api_token_create

SCOPES = ["read", "write", "exchange"]  # the load reads, writes and exchanges

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
INCIDENT = {
    **GUIDELINES,
    "reproducible": True,
    "users_affected": 40,
    "causes_ruled_out": ["tenant", "teams", "network", "sbc", "firewall"],
    "occurred_at": "2026-06-01T09:30:00+00:00",
}


class LoadError(Exception):
    """The load cannot run (not loopback, no data set, server unreachable)."""


@dataclass
class Operation:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@dataclass
class Report:
    url: str
    concurrency: int
    operations: list[Operation]

    @property
    def failed(self) -> int:
        return sum(sum(op.errors.values()) for op in self.operations)


@dataclass
class Cast:
    partner_tokens: list[str]
    vendor_tokens: list[str]
    customers: list[int]
    open_cases: list[int]


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise LoadError(f"{url}: the load driver only drives http:// on loopback")


def prepare(concurrency: int, seed: int) -> Cast:
    """Tokens and targets from the data set (``casebridge bench generate``)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible choice of targets)
    submitter = (
        AuthorisedSubmitter.objects.filter(active=True, person__is_active=True)
        .exclude(verified_at=None)
        .select_related("person__organisation")
        .order_by("id")
        .first()
    )
    vendor = (
        Person.objects.filter(organisation__kind="vendor", support_level="l3_expert")
        .order_by("id")
        .first()
    )
    if submitter is None or vendor is None:
        raise LoadError("no data set here: run `casebridge bench generate` first")
    partner = submitter.person.organisation
    customers = list(
        CustomerRelationship.objects.filter(partner=partner).values_list("customer_id", flat=True)
    )
    open_cases = list(
        Case.objects.filter(partner=partner, closed_at__isnull=True).values_list("pk", flat=True)
    ) or list(Case.objects.filter(partner=partner).values_list("pk", flat=True)[:500])
    if not customers or not open_cases:
        raise LoadError(f"{partner.name} has no customers or cases to load")
    rng.shuffle(open_cases)
    return Cast(
        partner_tokens=[
            api_token_create(actor=submitter.person, name=f"bench load {n}", scopes=SCOPES)[1]
            for n in range(concurrency)
        ],
        vendor_tokens=[
            api_token_create(actor=vendor, name=f"bench load vendor {n}", scopes=SCOPES)[1]
            for n in range(concurrency)
        ],
        customers=customers,
        open_cases=open_cases,
    )


async def _drive(
    client: httpx.AsyncClient,
    operation: Operation,
    tokens: list[str],
    make: Callable[[int], tuple[str, str, dict[str, Any] | None, dict[str, str]]],
    expect: int,
    requests: int,
    seconds: float,
) -> list[Any]:
    """Run ``requests`` calls (or until ``seconds`` pass) with one client per token."""
    results: list[Any] = []
    counter = iter(range(requests))
    deadline = time.perf_counter() + seconds

    async def worker(token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        for n in counter:
            if time.perf_counter() > deadline:
                return
            method, path, body, extra = make(n)
            started = time.perf_counter()
            try:
                response = await client.request(
                    method, path, json=body, headers={**headers, **extra}
                )
            except httpx.HTTPError as error:
                name = type(error).__name__
                operation.errors[name] = operation.errors.get(name, 0) + 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != expect:
                key = f"{response.status_code}: {response.text[:120]}"
                operation.errors[key] = operation.errors.get(key, 0) + 1
                continue
            operation.latencies_ms.append(elapsed)
            results.append(response.json())

    started = time.perf_counter()
    await asyncio.gather(*(worker(token) for token in tokens))
    operation.seconds = time.perf_counter() - started
    return results


async def _run(url: str, cast: Cast, requests: int, seconds: float, seed: int) -> list[Operation]:
    rng = random.Random(seed)  # noqa: S311 (reproducible choice of targets)
    limits = httpx.Limits(max_connections=len(cast.partner_tokens) * 2)
    operations = []
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:
        response = await client.get("/api/v1/health/integrations")
        if response.status_code >= 500:
            raise LoadError(f"{url} answered {response.status_code}")

        def new_case(n: int) -> tuple[str, str, dict[str, Any], dict[str, str]]:
            body = {
                "customer_id": cast.customers[n % len(cast.customers)],
                "title": f"Load test case {n}",
                "description": "Callers hear silence after the menu.",
                "category": "incident",
                "impact": "medium",
                "urgency": "medium",
                "component": COMPONENTS[0],
                **INCIDENT,
            }
            return "POST", "/api/v1/cases", body, {}

        create = Operation("create case")
        created = await _drive(
            client, create, cast.partner_tokens, new_case, 201, requests, seconds
        )
        operations.append(create)
        mine = [case["id"] for case in created]

        read = Operation("get case")
        targets = cast.open_cases
        await _drive(
            client,
            read,
            cast.partner_tokens,
            lambda n: ("GET", f"/api/v1/cases/{targets[n % len(targets)]}", None, {}),
            200,
            requests,
            seconds,
        )
        operations.append(read)

        for name, tokens, query in (
            (
                "partner queue (in progress, P3, by SLA due, 50)",
                cast.partner_tokens,
                "status=in_progress&priority=P3&sort=due&limit=50",
            ),
            (
                "vendor queue (investigating, by SLA due, 50)",
                cast.vendor_tokens,
                "engagement=vendor&status=investigating&sort=due&limit=50",
            ),
        ):
            queue = Operation(name)
            await _drive(
                client,
                queue,
                tokens,
                lambda n, query=query: ("GET", f"/api/v1/cases?{query}", None, {}),
                200,
                requests,
                seconds,
            )
            operations.append(queue)

        comment = Operation("add comment")
        await _drive(
            client,
            comment,
            cast.partner_tokens,
            lambda n: (
                "POST",
                f"/api/v1/cases/{targets[rng.randrange(len(targets))]}/comments",
                {"audience": "partner_internal", "body": f"Checked the trace, step {n}."},
                {},
            ),
            201,
            requests,
            seconds,
        )
        operations.append(comment)

        # Escalate the cases opened above, once each is in progress.
        start = Operation("start work (before escalating)")
        started = await _drive(
            client,
            start,
            cast.partner_tokens,
            lambda n: ("POST", f"/api/v1/cases/{mine[n]}/actions/start", {}, {}),
            200,
            len(mine),
            seconds,
        )
        operations.append(start)  # its failures would otherwise leave nothing to escalate
        ready = [case["id"] for case in started]
        escalate = Operation("escalate")
        await _drive(
            client,
            escalate,
            cast.partner_tokens,
            lambda n: ("POST", f"/api/v1/cases/{ready[n]}/actions/escalate", {}, {}),
            200,
            len(ready),
            seconds,
        )
        operations.append(escalate)
    return operations


def run_load(
    *, url: str, concurrency: int = 8, requests: int = 400, seconds: float = 60.0, seed: int = 1
) -> Report:
    _check_url(url)
    cast = prepare(concurrency, seed)
    try:
        operations = asyncio.run(_run(url.rstrip("/"), cast, requests, seconds, seed))
    except httpx.HTTPError as error:
        raise LoadError(f"{url}: {error}") from error
    return Report(url=url, concurrency=concurrency, operations=operations)


def render(report: Report, style: str = "md") -> str:
    rows = [
        {
            "operation": op.name,
            "requests": len(op.latencies_ms),
            "errors": sum(op.errors.values()),
            "per_second": round(op.throughput, 1),
            "p50_ms": round(op.percentile(0.50), 2),
            "p95_ms": round(op.percentile(0.95), 2),
            "p99_ms": round(op.percentile(0.99), 2),
            "median_ms": round(statistics.median(op.latencies_ms), 2) if op.latencies_ms else 0,
            "error_samples": op.errors,
        }
        for op in report.operations
    ]
    if style == "json":
        return json.dumps({"concurrency": report.concurrency, "operations": rows}, indent=2)
    lines = [
        f"concurrency {report.concurrency} against {report.url}",
        "",
        "| operation | requests | errors | per second | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['operation']} | {row['requests']} | {row['errors']} | {row['per_second']} "
            f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} |"
        )
    for row in rows:
        for error, count in row["error_samples"].items():
            lines.append(f"\n{row['operation']}: {count} times {error}")
    return "\n".join(lines) + "\n"
