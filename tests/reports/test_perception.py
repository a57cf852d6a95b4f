"""The perception gap: the measured side against plain SQL over the base tables, the
staff's medians, the anonymity threshold, and who may see which group."""

import random
import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from helpline.core.models import Team
from helpline.feedback.models import Answer, Survey
from helpline.recovery.models import CaseStatus, Outcome, RecoveryCase
from helpline.reports import actions, perception
from helpline.reports.figures import Scope
from helpline.reports.models import SelfAssessment
from tests.reports.conftest import _add_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


ANSWER = {
    "csat_share": Decimal("85"),
    "first_reply_hours": Decimal("2"),
    "callback_reach_share": Decimal("90"),
    "first_contact_share": Decimal("70"),
    "recovery_share": Decimal("60"),
    "rating_responsiveness": 4,
    "rating_promises": 4,
    "rating_first_time": 4,
    "rating_courtesy": 5,
    "rating_recovery": 3,
}


def _answers_and_cases(history, rng):
    """CSAT answers on half the conversations and recovery cases on a fifth, in the last
    two months, credited to the conversation's team."""
    now = timezone.now()
    for i, c in enumerate(history.conversations[::2]):
        survey = Survey.objects.create(
            kind="csat", cause=f"test:{i}", conversation=c, customer=c.customer
        )
        Answer.objects.create(
            survey=survey,
            kind="csat",
            score=rng.randint(1, 5),
            customer=c.customer,
            conversation=c,
            location=c.location,
            team=c.team,
            agent=c.assignee,
            answered_at=now - timedelta(seconds=rng.randint(0, 50 * 86400)),
        )
    for c in history.conversations[1::5]:
        closed = now - timedelta(seconds=rng.randint(0, 50 * 86400))
        RecoveryCase.objects.create(
            customer=c.customer,
            conversation=c,
            location=c.location,
            status=CaseStatus.CLOSED,
            opened_at=closed - timedelta(days=1),
            due_at=closed,
            closed_at=closed,
            outcome=rng.choice(list(Outcome.values)),
        )


def _share(k, n):
    return k / n if n else None


def test_the_gap_equals_an_independent_computation(history):
    rng = random.Random(3)
    _answers_and_cases(history, rng)
    team = history.team
    today = timezone.localdate()
    # A period wide enough that no local-day boundary decides anything.
    start, end = today - timedelta(days=400), today + timedelta(days=1)
    people = [history.nora, history.olga, history.manager]
    for person in people:
        SelfAssessment.objects.create(
            user=person,
            team=team,
            location=history.north,
            period_start=start,
            period_end=end,
            **{**ANSWER, "csat_share": Decimal(rng.randint(50, 100))},
        )
    group = perception.gap(start, end, Scope(None), team=team)
    by_key = {g.dimension.key: g for g in group.gaps}

    # CSAT: answers of the team, 4 or 5 of all.
    scores = [
        s for (s,) in _rows("SELECT score FROM feedback_answer WHERE team_id = %s", [team.pk])
    ]
    assert by_key["csat"].figure.n == len(scores) > 0
    assert by_key["csat"].figure.value == _share(sum(s >= 4 for s in scores), len(scores))
    # The staff's median estimate.
    estimates = [
        float(v)
        for (v,) in _rows(
            "SELECT csat_share FROM reports_selfassessment WHERE team_id = %s", [team.pk]
        )
    ]
    assert by_key["csat"].estimate == statistics.median(estimates)

    # Solved on the first contact: solved or closed, at least one response (not an
    # automatic reply), exactly one; no generated conversation is ever reopened.
    solved = _rows(
        "SELECT c.id, (SELECT count(*) FROM conversations_message m WHERE m.conversation_id = c.id"
        " AND m.direction = 'outbound' AND m.kind != 'auto_reply')"
        " FROM conversations_conversation c"
        " WHERE c.team_id = %s AND c.status IN ('solved', 'closed') AND c.solved_at IS NOT NULL",
        [team.pk],
    )
    answered = [r for _, r in solved if r >= 1]
    first = by_key["first_contact"].figure
    assert first.n == len(answered)
    assert first.value == _share(sum(r == 1 for r in answered), len(answered))

    # Recovery: won back of the cases with a known outcome, on the team's conversations.
    outcomes = [
        o
        for (o,) in _rows(
            "SELECT r.outcome FROM recovery_recoverycase r JOIN conversations_conversation c"
            " ON c.id = r.conversation_id WHERE c.team_id = %s",
            [team.pk],
        )
    ]
    known = [o for o in outcomes if o in ("recovered", "not_recovered")]
    assert by_key["recovery"].figure.n == len(known)
    assert by_key["recovery"].figure.value == _share(known.count("recovered"), len(known))

    # First reply: the median (nearest rank) of the first waits' business seconds.
    waits = sorted(
        b
        for (b,) in _rows(
            "SELECT w.business_seconds FROM conversations_wait w JOIN conversations_conversation c"
            " ON c.id = w.conversation_id WHERE c.team_id = %s AND w.answered_at IS NOT NULL"
            " AND w.id = (SELECT w2.id FROM conversations_wait w2 WHERE w2.conversation_id ="
            " c.id ORDER BY w2.started_at, w2.id LIMIT 1)",
            [team.pk],
        )
    )
    reply = by_key["first_reply"].figure
    assert reply.n == len(waits)
    if waits:
        assert reply.value == waits[(len(waits) + 1) // 2 - 1]
    # The page names the largest gap first.
    assert group.ordered()[0] is group.largest


def test_three_answers_make_an_aggregate_two_do_not(history):
    today = timezone.localdate()
    start, end = perception.period_of(today)
    nora, olga, mona = history.nora, history.olga, history.manager
    history.team.members.add(nora, olga, mona)
    actions.answer_self_assessment(nora, {**ANSWER, "csat_share": Decimal("91")}, today)
    actions.answer_self_assessment(olga, {**ANSWER, "csat_share": Decimal("77")}, today)
    now = {"period": today.isoformat()}  # the default is the last period that has ended
    page = _client(nora).get("/reports/candor/", now)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="too-few"' in body
    assert "You estimate" not in body
    for said in ("91", "77"):  # neither in a card nor in the trend's "we said / customers"
        assert f"estimate {said}%" not in body and f"{said} % /" not in body
    group = perception.gap(start, end, Scope(None), team=history.team)
    assert not group.shown and all(g.estimate is None for g in group.gaps)

    actions.answer_self_assessment(mona, {**ANSWER, "csat_share": Decimal("80")}, today)
    body = _client(nora).get("/reports/candor/", now).content.decode()
    assert 'id="too-few"' not in body
    assert "You estimate 80%" in body  # the median of 91, 77 and 80
    assert 'alt="Chart: the largest gap over the last periods' in body
    # Answering again changes the answer; it never adds a second one.
    actions.answer_self_assessment(mona, {**ANSWER, "csat_share": Decimal("95")}, today)
    assert SelfAssessment.objects.filter(user=mona).count() == 1
    assert "You estimate 91%" in _client(olga).get("/reports/candor/", now).content.decode()
    # The last period that has ended had no answers: no estimates there.
    earlier = _client(olga).get("/reports/candor/").content.decode()
    assert 'id="too-few"' in earlier and 'id="this-period"' in earlier
    assert _client(olga).get("/reports/candor/?period=May").status_code == 404


def test_an_agent_sees_their_own_answer_and_their_teams_only(history):
    today = timezone.localdate()
    nora, sam = history.nora, history.sam
    history.team.members.add(nora)
    south_team = Team.objects.create(name="Mall desk", location=history.south)
    south_team.members.add(sam)
    client = _client(nora)
    page = client.get("/reports/self-assessment/")
    assert page.status_code == 200
    bad = client.post("/reports/self-assessment/", {**ANSWER, "csat_share": "140"})
    assert bad.status_code == 200 and 'id="csat_share-error"' in bad.content.decode()
    saved = client.post("/reports/self-assessment/", ANSWER)
    assert saved.status_code == 302
    assert SelfAssessment.objects.get(user=nora).team == history.team
    assert "Thank you" in client.get("/reports/self-assessment/").content.decode()
    # Another location's team, or a location, does not exist for her.
    assert client.get(f"/reports/candor/?team={south_team.pk}").status_code == 404
    assert client.get(f"/reports/candor/?location={history.north.pk}").status_code == 404
    assert client.get(f"/reports/candor/?team={history.team.pk}").status_code == 200
    # Sam does not see Nora's answer: his page shows his own form empty.
    other = _client(sam).get("/reports/self-assessment/").content.decode()
    assert 'id="answered"' not in other
    # The manager of North Street sees North's teams and location, not South's.
    manager = _client(history.manager)
    assert manager.get(f"/reports/candor/?location={history.north.pk}").status_code == 200
    assert manager.get(f"/reports/candor/?location={history.south.pk}").status_code == 404
    assert SelfAssessment.objects.filter(period_start=perception.period_of(today)[0]).count() == 1


def test_periods_follow_the_admin_setting():
    from datetime import date

    assert perception.period_of(date(2026, 5, 17), 1) == (date(2026, 5, 1), date(2026, 5, 31))
    assert perception.period_of(date(2026, 5, 17), 3) == (date(2026, 4, 1), date(2026, 6, 30))
    assert perception.period_of(date(2026, 12, 2), 3) == (date(2026, 10, 1), date(2026, 12, 31))
    actions.set_self_assessment_period(3)
    assert perception.period_months() == 3
    assert perception.previous_periods(date(2026, 5, 17), 2) == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
    ]


def test_an_agent_with_no_team_is_told_so(north):
    from helpline.core.models import Role

    loner = _add_user("lone", Role.AGENT, north)
    body = _client(loner).get("/reports/candor/").content.decode()
    assert 'id="no-group"' in body and 'id="answer-reminder"' in body


def test_calibration_pairs_predictions_with_the_customers_answers(history):
    from helpline.feedback.models import Prediction

    rng = random.Random(5)
    _answers_and_cases(history, rng)
    answers = list(Answer.objects.filter(team=history.team))
    expected = []
    for answer in answers:
        who = rng.choice([history.nora, history.olga])
        # An earlier guess, then the one that counts (the latest before the answer).
        for score in (1, rng.randint(1, 5)):
            prediction = Prediction.objects.create(
                conversation=answer.conversation, agent=who, kind="csat", score=score
            )
            Prediction.objects.filter(pk=prediction.pk).update(
                created_at=answer.answered_at - timedelta(minutes=10 - score)
            )
        expected.append((score, answer.score, who.username))
    today = timezone.localdate()
    f = perception.Filters(
        start=today - timedelta(days=400),
        end=today + timedelta(days=1),
        scope=Scope(None),
        team=history.team,
    )
    result = perception.calibration(f, history.manager)
    team = result["team"][0]
    assert team.n == len(expected) > 0
    mean = statistics.fmean
    assert team.over_confidence == pytest.approx(
        mean(p for p, _, _ in expected) - mean(a for _, a, _ in expected)
    )
    agents = {c.name: c for c in result["agent"]}
    nora = [(p, a) for p, a, who in expected if who == "nora"]
    assert agents["nora"].n == len(nora)
    # An agent sees her own calibration among agents, never a colleague's.
    assert [c.name for c in perception.calibration(f, history.nora)["agent"]] == ["nora"]
    history.team.members.add(history.nora)
    body = _client(history.nora).get("/reports/candor/").content.decode()
    assert 'id="calibration"' in body and ">olga <" not in body


def _api(user) -> Client:
    from helpline.core.tokens import issue_token

    return Client(headers={"Authorization": f"Bearer {issue_token(user)}"})


def test_the_api_gives_the_same_gap_and_only_ones_own_answers(history):
    today = timezone.localdate()
    start, end = perception.period_of(today)
    nora, olga, mona = history.nora, history.olga, history.manager
    history.team.members.add(nora, olga, mona)
    api = _api(nora)
    payload = {k: float(v) if isinstance(v, Decimal) else v for k, v in ANSWER.items()}
    bad = api.post(
        "/api/self-assessments", {**payload, "rating_courtesy": 9}, content_type="application/json"
    )
    assert bad.status_code in (400, 422)
    assert bad.json()["detail"][0]["field"] == "rating_courtesy"
    made = api.post("/api/self-assessments", payload, content_type="application/json")
    assert made.status_code == 201 and made.json()["period_start"] == start.isoformat()
    for person in (olga, mona):
        actions.answer_self_assessment(person, {**ANSWER, "csat_share": Decimal("60")}, today)
    mine = api.get("/api/self-assessments").json()
    assert len(mine) == 1 and mine[0]["csat_share"] == 85
    body = api.get(f"/api/reports/perception?team={history.team.pk}").json()
    group = perception.gap(start, end, Scope(None), team=history.team)
    assert body["shown"] and body["answers"] == 3
    by_key = {g["dimension"]: g for g in body["gaps"]}
    assert by_key["csat"]["estimate"] == 60
    assert by_key["csat"]["figure"]["n"] == group.gaps[0].figure.n
    assert body["gaps"][0]["dimension"] == group.ordered()[0].dimension.key
    assert {flag["key"] for flag in body["flags"]} >= {"reassigned", "reopened", "settings"}
    assert {row["by"] for row in body["calibration"]} <= {"agent", "team", "location"}
    assert api.get("/api/reports/perception?team=abc").json()["detail"][0]["field"] == "team"
    assert api.get("/api/reports/perception?period=May").json()["detail"][0]["field"] == "period"
    south = Team.objects.create(name="Mall desk", location=history.south)
    assert api.get(f"/api/reports/perception?team={south.pk}").status_code == 404
    assert (
        _api(history.sam).get(f"/api/reports/perception?team={history.team.pk}").status_code == 404
    )


def test_the_reminder_shows_until_one_answers(history):
    client = _client(history.olga)
    assert 'id="self-assessment-reminder"' in client.get("/reports/volume/").content.decode()
    actions.answer_self_assessment(history.olga, ANSWER, timezone.localdate())
    assert 'id="self-assessment-reminder"' not in client.get("/reports/volume/").content.decode()


def test_guardrails_flag_patterns_with_their_conversations(history, monkeypatch):
    from helpline.core.activity import record
    from helpline.reports import guardrails
    from helpline.reports.models import ConversationFact

    today = timezone.localdate()
    f = perception.Filters(
        start=today - timedelta(days=400), end=today + timedelta(days=1), scope=Scope(None)
    )
    now = timezone.now()
    # A bad rating, then a reassignment three days later (and one a month later: not soon).
    bad, late = history.conversations[0], history.conversations[2]
    for i, c in enumerate((bad, late)):
        survey = Survey.objects.create(kind="csat", cause=f"bad:{i}", conversation=c)
        Answer.objects.create(
            survey=survey, kind="csat", score=1, conversation=c, answered_at=now - timedelta(40)
        )
    record(history.manager, "conversation.assigned", bad, at=now - timedelta(days=37))
    record(history.manager, "conversation.assigned", late, at=now - timedelta(days=5))
    ids = set(guardrails.reassigned_after_bad_rating(f).values_list("pk", flat=True))
    assert ids == {bad.pk}
    # Solved, then reopened.
    solved = ConversationFact.objects.filter(solved_day__isnull=False)
    reopened = solved.first()
    ConversationFact.objects.filter(pk=reopened.pk).update(reopened=True)
    assert list(guardrails.solved_then_reopened(f).values_list("conversation_id", flat=True)) == [
        reopened.pk
    ]
    # Surveys for everyone's solved conversations but Nora's.
    monkeypatch.setattr(guardrails, "LEFT_OUT_MIN", 1)
    for i, fact in enumerate(solved.exclude(assignee=history.nora)):
        Survey.objects.create(kind="csat", cause=f"all:{i}", conversation_id=fact.pk)
    left_out = {agent for agent, _, _ in guardrails.left_out_agents(f)}
    assert left_out == {history.nora.pk}
    # The opening hours changed inside the period.
    record(history.admin, "location.hours_set", history.north)
    flags = {flag.key: flag for flag in guardrails.flags(f)}
    assert flags["settings"].count == 1 and flags["reassigned"].count == 1
    assert flags["left_out"].count == solved.filter(assignee=history.nora).count()
    # The drill-down lists the flagged conversations.
    client = _client(history.admin)
    page = client.get(
        "/reports/conversations/",
        {"figure": "guardrail", "kind": "reassigned", "start": f.start, "end": f.end},
    )
    assert page.status_code == 200 and f"/conversations/{bad.pk}/" in page.content.decode()


def test_an_admin_sets_the_period_length_in_the_admin_site(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = _client(admin)
    page = client.post("/admin/reports/selfassessmentsettings/add/", {"period_months": "3"})
    assert page.status_code == 302
    assert perception.period_months() == 3


def test_the_api_says_so_when_one_is_in_no_team(north):
    from helpline.core.models import Role

    body = _api(_add_user("lone", Role.AGENT, north)).get("/api/reports/perception").json()
    assert body["group"] == "" and body["gaps"] == [] and body["flags"] == []


def test_the_gap_is_said_plainly():
    from helpline.reports import figures

    # Wilson by hand: centre 0.6178, half-width 0.0467: 57.1–66.4 %.
    figure = figures._share("csat_good", "Customers rating us 4 or 5", 255, 412, "", {})
    said = perception.Gap(perception.BY_KEY["csat"], 85.0, 4.0, figure, 5)
    assert said.sentence() == (
        "You estimate 85% of customers rate us 4 or 5; customers: 62% (n = 412, 57–66%)."
    )
    assert said.size == pytest.approx((85 - 255 / 412 * 100) / (255 / 412 * 100))
    unknown = perception.Gap(perception.BY_KEY["csat"], None, None, figure, 2)
    assert unknown.sentence() == "Customers: 62% (n = 412, 57–66%)." and unknown.size is None
    wait = figures.Figure("w", "First response", 3 * 3600, 40, "seconds", "")
    slow = perception.Gap(perception.BY_KEY["first_reply"], 1.5, 4.0, wait, 3)
    assert slow.sentence().startswith("You estimate 1.5 h until our first reply")
    assert slow.size == pytest.approx(0.5)  # we think it is twice as quick as it is
