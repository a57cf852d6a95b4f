"""The recovery rate, per location, owner and trigger, recomputed by an independent SQL query
on generated cases; and the recovery paradox report on data with and without a difference."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpline.conversations.models import Conversation
from helpline.core.models import Role, User
from helpline.customers.models import Customer
from helpline.recovery import reports
from helpline.recovery.models import (
    ContactScore,
    RecoveryCase,
    RecoveryTrigger,
    RootCause,
    TriggerKind,
)

pytestmark = pytest.mark.django_db

OUTCOMES = ["recovered", "not_recovered", "unknown", "waiting", ""]


@pytest.fixture
def generated(north, south):
    """300 cases at two locations, three owners, random triggers and outcomes."""
    rng = random.Random(12)
    owners = [
        User.objects.create_user(f"o{i}", f"o{i}@shop.test", "pw", role=Role.MANAGER)
        for i in range(3)
    ]
    causes = [RootCause.objects.create(name=n) for n in ("Courier", "Stock", "Training")]
    now = timezone.now()
    cases = []
    for i in range(300):
        customer = Customer.objects.create(name=f"C{i}", location=rng.choice([north, south]))
        outcome = rng.choice(OUTCOMES)
        closed = outcome != ""
        cases.append(
            RecoveryCase(
                customer=customer,
                location=customer.location if rng.random() > 0.05 else None,
                owner=rng.choice([*owners, None]),
                status="closed" if closed else "open",
                opened_at=now,
                due_at=now,
                closed_at=now if closed else None,
                root_cause=rng.choice(causes) if closed else None,
                outcome=outcome,
            )
        )
    cases = RecoveryCase.objects.bulk_create(cases)
    triggers = []
    for case in cases:
        for n, kind in enumerate(rng.sample(TriggerKind.values, rng.randint(1, 3))):
            triggers.append(RecoveryTrigger(case=case, kind=kind, key=f"{case.pk}:{n}", at=now))
    RecoveryTrigger.objects.bulk_create(triggers)
    return cases


def sql_rates(group_sql: str, join: str = "") -> dict:
    """{group: (recovered, not recovered, unknown, rate)} straight from the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {group_sql} AS g,
                   COUNT(DISTINCT CASE WHEN c.outcome = 'recovered' THEN c.id END),
                   COUNT(DISTINCT CASE WHEN c.outcome = 'not_recovered' THEN c.id END),
                   COUNT(DISTINCT CASE WHEN c.outcome = 'unknown' THEN c.id END)
            FROM recovery_recoverycase c {join}
            GROUP BY {group_sql}
            """
        )
        out = {}
        for g, rec, bad, unknown in cursor.fetchall():
            rate = rec / (rec + bad) if rec + bad else None
            out[g] = (rec, bad, unknown, rate)
        return out


def as_dict(rates) -> dict:
    return {r.key: (r.recovered, r.not_recovered, r.unknown, r.rate) for r in rates}


def test_the_rates_match_an_independent_query(generated):
    cases = RecoveryCase.objects.all()
    assert as_dict(reports.by_location(cases)) == sql_rates("c.location_id")
    assert as_dict(reports.by_owner(cases)) == sql_rates("c.owner_id")
    assert as_dict(reports.by_trigger(cases)) == sql_rates(
        "t.kind", "JOIN recovery_recoverytrigger t ON t.case_id = c.id"
    )
    closed_causes = {
        k: v
        for k, v in sql_rates(
            "c.root_cause_id",
        ).items()
        if k is not None
    }
    assert as_dict(reports.root_causes(cases)) == closed_causes
    overall = reports.overall(cases)
    ((_, whole),) = sql_rates("1").items()
    assert (overall.recovered, overall.not_recovered, overall.unknown, overall.rate) == whole
    assert overall.count == overall.recovered + overall.not_recovered


def test_an_agent_counts_only_their_locations(generated, agent_north, north):
    mine = RecoveryCase.objects.visible_to(agent_north)
    assert set(r.key for r in reports.by_location(mine)) == {north.pk}
    assert (
        reports.overall(mine).recovered
        == RecoveryCase.objects.filter(location=north, outcome="recovered").count()
    )


def _customer_with(north, *, outcome=None, came_back=False, scores=(), now, days_ago=120):
    customer = Customer.objects.create(name="x", location=north)
    at = now - timedelta(days=days_ago)
    if outcome:
        RecoveryCase.objects.create(
            customer=customer,
            location=north,
            status="closed",
            opened_at=at,
            due_at=at,
            closed_at=at,
            outcome=outcome,
            outcome_at=at,
        )
    else:
        Conversation.objects.create(
            customer=customer,
            location=north,
            created_at=at,
            last_message_at=at,
            solved_at=at,
            status="solved",
        )
    if came_back:
        later = at + timedelta(days=10)
        Conversation.objects.create(
            customer=customer, location=north, created_at=later, last_message_at=later
        )
    for n, score in enumerate(scores):
        ContactScore.objects.create(
            answer_id=customer.pk * 100 + n,
            customer=customer,
            kind="csat",
            score=score,
            answered_at=at + timedelta(days=20),
        )
    return customer


def test_the_paradox_says_no_difference_when_there_is_none(north):
    now = timezone.now()
    for outcome in ("recovered", None, "not_recovered"):
        for i in range(20):
            _customer_with(north, outcome=outcome, came_back=i % 2 == 0, scores=[4, 3], now=now)
    report = reports.paradox(RecoveryCase.objects.all(), now=now)
    assert [g.customers for g in report.groups] == [20, 20, 20]
    assert [g.contact_rate for g in report.groups] == [0.5, 0.5, 0.5]
    assert [g.mean_csat for g in report.groups] == [3.5, 3.5, 3.5]
    assert all("no difference" in line for line in report.findings), report.findings


def test_the_paradox_says_what_differs(north):
    now = timezone.now()
    for i in range(30):
        _customer_with(north, outcome="recovered", came_back=i < 5, scores=[5, 5, 4], now=now)
        _customer_with(north, outcome=None, came_back=i < 6, scores=[5, 4, 5], now=now)
        _customer_with(north, outcome="not_recovered", came_back=i < 25, scores=[1, 2, 2], now=now)
    # A case too recent for its 90 days to be over is left out.
    _customer_with(north, outcome="recovered", came_back=True, now=now, days_ago=30)
    report = reports.paradox(RecoveryCase.objects.all(), now=now)
    recovered, never, not_recovered = report.groups
    assert recovered.customers == 30
    assert "no difference" in report.findings[0]  # recovered vs never: contact
    assert "significant" in report.findings[2] and "no difference" not in report.findings[2]
    assert "significant" in report.findings[3] and "no difference" not in report.findings[3]
