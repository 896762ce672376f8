"""Smoke test of the generated Python client against a running suite, through the gateway.

With nothing but the client's typed models and endpoint functions (`atvsld_client`,
made by clients/generate from openapi/atvsld.json), it

  1. checks each service's readiness under its gateway prefix,
  2. reads the accident statistics of the year as `labor_authority`,
  3. registers an establishment as `admin`,
  4. declares, as that establishment (`enterprise`), an accident with one fatal and one
     seriously injured worker, and checks the derived severity and duties,
  5. verifies the filing receipt the declaration answered with,
  6. reads the statistics again and asserts what the declaration added: one case, one
     fatal case, one death, one serious casualty, one woman, the costs and days off, and
     the row of the commune,
  7. reads them as `viewer` and checks that cells under 5 persons are hidden.

It compares figures before and after (step 2 and 6), so it also holds on a suite that
already has data. Tokens are signed with `atvsld token` (the development key of the
`atvsld up` data folder). clients/run-smoke starts everything and runs this; by hand:

    PYTHONPATH=clients/out/python python clients/smoke.py --base-url http://127.0.0.1:8080 \
        --atvsld target/debug/atvsld --data-dir data
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
import uuid
from typing import TypeVar

from atvsld_client import AuthenticatedClient, Client
from atvsld_client.api.accident_statistics import incidents_get_accident_statistics
from atvsld_client.api.accidents import incidents_declare_accident, incidents_get_accident
from atvsld_client.api.establishments import incidents_create_establishment
from atvsld_client.api.operations import health_stats_readyz, incidents_readyz, tasks_readyz
from atvsld_client.api.receipts import incidents_verify_receipt
from atvsld_client.models import (
    AccidentDeclaration,
    AccidentResponse,
    AccidentStatistics,
    CasualtyDeclaration,
    ContractType,
    Costs,
    CreateEstablishmentRequest,
    EmployerRef,
    EstablishmentResponse,
    Gender,
    IncidentsCounters,
    IncidentsGroupBy,
    IncidentsHeadcount,
    Place,
    ProblemDetails,
    Receipt,
    ReceiptVerification,
    Sector,
    Severity,
    Status,
)
from atvsld_client.types import Response

# The README's example establishment (a valid tax code of the registry's sample data).
TAX_CODE = "0100047516"
COMMUNE = "01273"
ICT = datetime.timezone(datetime.timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh

T = TypeVar("T")


class SmokeFailure(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SmokeFailure(what)
    print(f"  ok  {what}")


def expect(response: Response[T | ProblemDetails], statuses: set[int], kind: type[T], what: str) -> T:
    """The parsed body of a successful answer, or a failure that shows the problem details."""
    parsed = response.parsed
    if isinstance(parsed, ProblemDetails):
        raise SmokeFailure(f"{what}: {response.status_code} {parsed.code}: {parsed.detail} {parsed.errors}")
    if response.status_code not in statuses or not isinstance(parsed, kind):
        raise SmokeFailure(f"{what}: unexpected {response.status_code}: {response.content[:500]!r}")
    print(f"  ok  {what} ({response.status_code})")
    return parsed


def token(atvsld: str, data_dir: str, role: str, org: str | None = None) -> str:
    command = [atvsld, "token", "--role", role, "--ttl", "15m", "--sub", f"smoke-{role}", "--data-dir", data_dir]
    if org:
        command += ["--org", org]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout.strip()


def totals(client: AuthenticatedClient, period: str, what: str) -> IncidentsCounters:
    stats = expect(
        incidents_get_accident_statistics.sync_detailed(client=client, period=period), {200}, AccidentStatistics, what
    )
    figures = stats.total.figures
    if not isinstance(figures, IncidentsCounters):
        raise SmokeFailure(f"{what}: total figures missing ({stats.total.suppressed=})")
    return figures


def run(base_url: str, atvsld: str, data_dir: str) -> None:
    headers = {"Accept-Language": "en"}

    def authed(role: str, org: str | None = None) -> AuthenticatedClient:
        return AuthenticatedClient(
            base_url=base_url,
            token=token(atvsld, data_dir, role, org),
            headers=headers,
            raise_on_unexpected_status=True,
        )

    print("readiness through the gateway")
    anonymous = Client(base_url=base_url, headers=headers, raise_on_unexpected_status=True)
    for name, probe in (("incidents", incidents_readyz), ("health-stats", health_stats_readyz), ("tasks", tasks_readyz)):
        check(probe.sync_detailed(client=anonymous).status_code == 200, f"/{name}/readyz answers 200")

    admin = authed("admin")
    authority = authed("labor_authority")
    employer = authed("enterprise", TAX_CODE)
    viewer = authed("viewer")

    # Yesterday morning in Cao Bằng: in the past, and its year is the statistics period.
    occurred = (datetime.datetime.now(ICT) - datetime.timedelta(days=1)).replace(
        hour=8, minute=30, second=0, microsecond=0
    )
    period = str(occurred.year)

    print(f"accident statistics {period} before")
    before = totals(authority, period, f"statistics {period} read")

    print("establishment")
    establishment = expect(
        incidents_create_establishment.sync_detailed(
            client=admin,
            idempotency_key=str(uuid.uuid4()),
            body=CreateEstablishmentRequest(
                tax_code=TAX_CODE,
                name="Công ty TNHH Khai khoáng Cao Bằng",
                vsic_code="07100",
                ownership_type="2",
                commune_code=COMMUNE,
                headcount=IncidentsHeadcount(total=120, female=30, hazardous=80),
                address="Số 1 Hoàng Đình Giong, Phường Thục Phán",
                # A second run against the same suite finds this record instead of failing.
                external_ref=f"smoke-{TAX_CODE}",
            ),
        ),
        {200, 201},
        EstablishmentResponse,
        "establishment registered",
    )
    check(establishment.tax_code == TAX_CODE, f"establishment {establishment.id} has tax code {TAX_CODE}")
    check(establishment.vsic_section == "B", "VSIC 07100 is in section B (mining)")

    print("accident declaration (as the employer)")
    declaration = AccidentDeclaration(
        sector=Sector.WITH_LABOUR_RELATION,
        occurred_at=occurred,
        notified_at=occurred + datetime.timedelta(minutes=40),
        police_notified_at=occurred + datetime.timedelta(minutes=50),
        place=Place(address="Khai trường mỏ, tổ 5", commune_code=COMMUNE),
        description="Sạt lở đất đá tại khai trường khi đang bốc xúc (smoke test).",
        employer=EmployerRef(tax_code=TAX_CODE),
        cause_codes=["1", "3"],
        casualties=[
            CasualtyDeclaration(
                personal_id="004090012345",
                full_name="Nông Văn A",
                gender=Gender.MALE,
                birth_year=1990,
                contract_type=ContractType.INDEFINITE,
                severity=Severity.FATAL,
                occupation_code="8111",
                injury_codes=["11"],
                costs=Costs(medical_thousand_vnd=15000, compensation_thousand_vnd=200000, wages_thousand_vnd=0),
            ),
            CasualtyDeclaration(
                personal_id="004195012346",
                full_name="Hoàng Thị B",
                gender=Gender.FEMALE,
                birth_year=1995,
                contract_type=ContractType.FIXED_TERM,
                severity=Severity.SERIOUS,
                days_off=30,
                costs=Costs(medical_thousand_vnd=8000, wages_thousand_vnd=4500),
            ),
        ],
        external_ref=f"smoke-{uuid.uuid4()}",
    )
    accident = expect(
        incidents_declare_accident.sync_detailed(client=employer, body=declaration, idempotency_key=str(uuid.uuid4())),
        {201},
        AccidentResponse,
        "accident declared",
    )
    check(accident.case_severity == Severity.FATAL, "case severity is fatal")
    check(accident.status == Status.DECLARED, "status is declared")
    check(accident.requires_immediate_declaration, "a death must be declared at once")
    check(accident.establishment_tax_code == TAX_CODE, "the accident is the establishment's")
    check(
        sorted(c.severity for c in accident.casualties) == [Severity.FATAL, Severity.SERIOUS],
        "two casualties: fatal and serious",
    )
    check(accident.occurred_at == occurred, f"occurred_at round-trips ({accident.occurred_at.isoformat()})")

    again = expect(
        incidents_get_accident.sync_detailed(accident.id, client=employer),
        {200},
        AccidentResponse,
        "the employer reads its accident",
    )
    check(again.version == accident.version, f"version {again.version}")

    receipt = accident.receipt
    if not isinstance(receipt, Receipt):
        raise SmokeFailure("the declaration answered without a filing receipt")
    verification = expect(
        incidents_verify_receipt.sync_detailed(client=authority, body=receipt),
        {200},
        ReceiptVerification,
        f"receipt {receipt.reference} verified",
    )
    check(verification.valid, "the receipt is valid")

    print(f"accident statistics {period} after")
    after = totals(authority, period, f"statistics {period} read again")
    expected = {
        "cases": 1,
        "cases_fatal": 1,
        "casualties": 2,
        "fatal": 1,
        "serious": 1,
        "minor": 0,
        "female": 1,
        "days_off": 30,
        "cost_medical_thousand_vnd": 23000,
        "cost_compensation_thousand_vnd": 200000,
        "cost_wages_thousand_vnd": 4500,
    }
    for field, added in expected.items():
        was, now = getattr(before, field), getattr(after, field)
        check(now - was == added, f"total.{field}: {was} -> {now} (expected +{added})")

    by_commune = expect(
        incidents_get_accident_statistics.sync_detailed(
            client=authority, period=period, group_by=IncidentsGroupBy.COMMUNE
        ),
        {200},
        AccidentStatistics,
        f"statistics {period} by commune read",
    )
    row = next((r for r in by_commune.rows if r.key == COMMUNE), None)
    check(
        row is not None and isinstance(row.figures, IncidentsCounters) and row.figures.cases_fatal >= 1,
        f"commune {COMMUNE} has the fatal case",
    )

    print("accident statistics as viewer")
    seen = expect(
        incidents_get_accident_statistics.sync_detailed(client=viewer, period=period),
        {200},
        AccidentStatistics,
        f"statistics {period} read as viewer",
    )
    if after.casualties < 5:
        check(seen.total.suppressed and seen.total.figures is None, f"{after.casualties} persons: total hidden")
    else:
        check(not seen.total.suppressed, f"{after.casualties} persons: total shown")


def main() -> int:
    parser = argparse.ArgumentParser(description="Smoke test of the generated Python client.")
    parser.add_argument("--base-url", required=True, help="the gateway, e.g. http://127.0.0.1:8080")
    parser.add_argument("--atvsld", default="atvsld", help="the atvsld binary (signs the tokens)")
    parser.add_argument("--data-dir", default="data", help="the data folder of `atvsld up`")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        run(args.base_url, args.atvsld, args.data_dir)
    except SmokeFailure as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"smoke: passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
