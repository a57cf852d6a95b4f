"""Whose record is whose: an agent sees their own (another agent's timeline or review is
404), a manager their team's only, admins everyone's; the reply thread under a review."""

import pytest
from django.test import Client
from django.utils import timezone

from helpline.core.models import Activity
from helpline.quality import actions as qa
from helpline.quality import people as who
from helpline.quality.verbs import Verb
from tests.quality.conftest import answered

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewed(people, north, south, scorecard):
    understood, tone, identity = scorecard.criteria
    scores = {understood.pk: 4, tone.pk: 5, identity.pk: None}
    (noras,) = answered(north, people.nora, 1, "Nora")
    (sams,) = answered(south, people.sam, 1, "Sam")
    nora_pick = qa.choose(people.mona, noras, people.nora)
    sam_pick = qa.choose(people.sue, sams, people.sam)
    return {
        "nora": qa.review(people.mona, nora_pick, scores, "Clear"),
        "sam": qa.review(people.sue, sam_pick, scores, "Warm"),
    }


def test_who_manages_whom(people, lead):
    assert set(who.managed_by(people.mona)) == {people.nora, people.nils}
    assert set(who.managed_by(people.sue)) == {people.sam}
    assert not who.managed_by(people.nora).exists()
    assert lead not in who.managed_by(people.mona)  # a fellow manager is not her team
    assert who.manages(people.admin, people.sam)


def test_a_team_lead_manages_the_team_at_another_location(people, south):
    from helpline.core.models import Team

    team = Team.objects.create(name="Night shift", location=south, lead=people.mona)
    team.members.add(people.sam)
    assert who.manages(people.mona, people.sam)


@pytest.mark.parametrize(
    "viewer, subject, status",
    [
        ("nora", "nora", 200),
        ("nora", "nils", 404),
        ("nora", "sam", 404),
        ("mona", "nora", 200),
        ("mona", "nils", 200),
        ("mona", "sam", 404),
        ("sue", "nora", 404),
        ("admin", "sam", 200),
    ],
)
def test_timeline(people, viewer, subject, status):
    response = client_for(getattr(people, viewer)).get(
        f"/quality/agents/{getattr(people, subject).pk}/"
    )
    assert response.status_code == status


def test_reviews_are_seen_by_the_agent_their_manager_and_admins(people, reviewed):
    nora_page = f"/quality/picks/{reviewed['nora'].pick_id}/"
    assert client_for(people.nora).get(nora_page).status_code == 200
    assert client_for(people.mona).get(nora_page).status_code == 200
    assert client_for(people.admin).get(nora_page).status_code == 200
    assert client_for(people.nils).get(nora_page).status_code == 404
    assert client_for(people.sam).get(nora_page).status_code == 404
    assert client_for(people.sue).get(nora_page).status_code == 404
    overview = client_for(people.nils).get("/quality/").content.decode()
    assert "Nora 0" not in overview and "Sam 0" not in overview
    mine = client_for(people.nora).get("/quality/").content.decode()
    assert "Nora 0" in mine and "Sam 0" not in mine
    api = client_for(people.nora).get("/api/quality/reviews").json()
    assert [r["id"] for r in api["items"]] == [reviewed["nora"].pk]
    assert (
        client_for(people.nora).get(f"/api/quality/reviews/{reviewed['sam'].pk}").status_code == 404
    )


def test_an_agent_may_not_score_their_own_pick(people, reviewed, scorecard):
    pick_id = reviewed["nora"].pick_id
    data = {"criterion": [c.pk for c in scorecard.criteria], "score_0": "5", "score_1": "5"}
    data["score_2"] = "na"
    assert (
        client_for(people.nora).post(f"/quality/picks/{pick_id}/review/", data).status_code == 403
    )
    assert client_for(people.sue).post(f"/quality/picks/{pick_id}/review/", data).status_code == 404
    done = client_for(people.admin).post(f"/quality/picks/{pick_id}/review/", data)
    assert done.status_code == 302
    assert reviewed["nora"].pick.reviews.count() == 2  # the admin's is a second opinion


def test_the_desk_form_names_a_missing_answer(people, reviewed, scorecard):
    pick_id = reviewed["nora"].pick_id
    data = {"criterion": [c.pk for c in scorecard.criteria], "score_0": "5"}
    response = client_for(people.admin).post(f"/quality/picks/{pick_id}/review/", data)
    assert response.status_code == 400
    assert "score “Tone”" in response.content.decode()


def test_the_reply_thread(people, reviewed):
    review = reviewed["nora"]
    url = f"/quality/reviews/{review.pk}/replies/"
    assert (
        client_for(people.nora).post(url, {"text": "I checked the order first"}).status_code == 302
    )
    assert client_for(people.mona).post(url, {"text": "Good, say so next time"}).status_code == 302
    assert client_for(people.nils).post(url, {"text": "Me too"}).status_code == 404
    empty = client_for(people.nora).post(url, {"text": "  "})
    assert empty.status_code == 400 and "cannot be empty" in empty.content.decode()
    assert list(review.comments.values_list("author__username", "text")) == [
        ("nora", "I checked the order first"),
        ("mona", "Good, say so next time"),
    ]
    page = client_for(people.nora).get(f"/quality/picks/{review.pick_id}/").content.decode()
    assert page.index("I checked the order first") < page.index("Good, say so next time")
    assert Activity.objects.filter(verb=Verb.COMMENTED, subject_id=review.pk).count() == 2


def test_coaching_and_goals(people):
    url = f"/quality/agents/{people.nora.pk}/coaching/"
    data = {"notes": "Shorter replies", "goal_0": "Two-line answers", "follow_up_on": "2099-01-01"}
    refused = client_for(people.mona).post(url, data)
    assert refused.status_code == 400 and "from now" in refused.content.decode()
    data["follow_up_on"] = timezone.localdate().isoformat()
    assert client_for(people.nora).post(url, data).status_code == 403
    assert client_for(people.sue).post(url, data).status_code == 404
    assert client_for(people.mona).post(url, data).status_code == 302
    goal = people.nora.coaching_goals.get()
    assert goal.text == "Two-line answers" and goal.session.coach == people.mona
    assert client_for(people.nils).post(f"/quality/goals/{goal.pk}/done/").status_code == 404
    assert client_for(people.nora).post(f"/quality/goals/{goal.pk}/done/").status_code == 302
    goal.refresh_from_db()
    assert goal.done_by == people.nora and goal.done_at is not None


def test_an_agent_logs_their_own_training_only(people):
    own = client_for(people.nora).post(
        f"/quality/agents/{people.nora.pk}/trainings/", {"title": "Returns", "minutes": "٣"}
    )
    assert own.status_code == 400  # not ASCII digits: named beside the field
    ok = client_for(people.nora).post(
        f"/quality/agents/{people.nora.pk}/trainings/", {"title": "Returns", "minutes": "45"}
    )
    assert ok.status_code == 302 and people.nora.trainings.get().minutes == 45
    other = client_for(people.nora).post(
        f"/quality/agents/{people.nils.pk}/trainings/", {"title": "Returns"}
    )
    assert other.status_code == 404
