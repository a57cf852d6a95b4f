"""Picking conversations: per agent per week, badly rated and recovery conversations more
likely, once per week whoever asks, the same picks from the same seed."""

from collections import Counter

import pytest
from django.utils import timezone

from helpline.core.models import Activity
from helpline.feedback.models import Answer, Survey
from helpline.quality import actions as qa
from helpline.quality.models import Pick, PickReason, WeeklySample
from helpline.quality.sampling import choose, week_of
from helpline.quality.verbs import Verb
from helpline.recovery import actions as recovery
from tests.quality.conftest import answered


def test_the_same_seed_gives_the_same_picks_in_any_order():
    pool = {i: 1.0 for i in range(1, 40)}
    first = choose(pool, 5, "helpline:7:2026-11-30")
    assert choose(dict(reversed(list(pool.items()))), 5, "helpline:7:2026-11-30") == first
    assert len(set(first)) == 5
    assert choose(pool, 5, "helpline:7:2026-12-07") != first


def test_heavier_candidates_are_picked_more_often():
    pool = {i: 1.0 for i in range(20)} | {100: 4.0, 101: 4.0}
    counts = Counter(picked for seed in range(600) for picked in choose(pool, 3, f"s{seed}"))
    heavy = (counts[100] + counts[101]) / 2
    light = sum(counts[i] for i in range(20)) / 20
    assert heavy > 2.5 * light


def _bad_answer(conversation):
    survey = Survey.objects.create(
        cause=f"t:{conversation.pk}",
        kind="csat",
        status="answered",
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
    )
    Answer.objects.create(
        survey=survey,
        kind="csat",
        score=1,
        customer=conversation.customer,
        conversation=conversation,
        location=conversation.location,
        answered_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_week_is_picked_once_per_agent(people, north, settings):
    settings.HELPLINE_QA_PICKS_PER_WEEK = 3
    noras = answered(north, people.nora, 6, "Nora")
    nils = answered(north, people.nils, 2, "Nils")
    _bad_answer(noras[0])
    recovery.trigger(
        "low_csat",
        key="t",
        customer_id=noras[1].customer_id,
        conversation_id=noras[1].pk,
        location_id=north.pk,
    )
    week = week_of(timezone.localtime(timezone.now(), people.nora.zone()))

    sample, made = qa.pick_week(people.mona, people.nora, week)
    assert made and sample.pool == 6
    picks = list(sample.picks.all())
    assert len(picks) == 3
    assert {p.conversation_id for p in picks} <= {c.pk for c in noras}  # only hers
    assert {p.agent_id for p in picks} == {people.nora.pk}
    reasons = {c.pk: r for c, r in [(noras[0], "rated_badly"), (noras[1], "recovery")]}
    for pick in picks:
        assert pick.reason == reasons.get(pick.conversation_id, PickReason.RANDOM)

    # Again, by the beat task or another manager: nothing new.
    again, made_again = qa.pick_week(None, people.nora, week)
    assert again.pk == sample.pk and not made_again
    assert Pick.objects.filter(agent=people.nora).count() == 3
    assert Activity.objects.filter(verb=Verb.WEEK_PICKED).count() == 1

    # Nils's week is his own sample.
    his, _ = qa.pick_week(None, people.nils, week)
    assert {p.conversation_id for p in his.picks.all()} == {c.pk for c in nils}
    assert WeeklySample.objects.count() == 2


@pytest.mark.django_db
def test_the_same_seed_picks_the_same_conversations_again(people, north):
    answered(north, people.nora, 8)
    week = week_of(timezone.localtime(timezone.now(), people.nora.zone()))
    sample, _ = qa.pick_week(None, people.nora, week, base_seed="audit", per_week=3)
    first = sorted(sample.picks.values_list("conversation_id", flat=True))
    assert sample.seed == f"audit:{people.nora.pk}:{week.isoformat()}"
    sample.delete()  # the picks go with it
    redone, _ = qa.pick_week(None, people.nora, week, base_seed="audit", per_week=3)
    assert sorted(redone.picks.values_list("conversation_id", flat=True)) == first


@pytest.mark.django_db
def test_a_manager_picks_for_their_team_only(people, north, south):
    answered(north, people.nora, 2, "Nora")
    answered(south, people.sam, 2, "Sam")
    with pytest.raises(PermissionError):
        qa.pick_last_week(people.nora)
    with pytest.raises(PermissionError):
        qa.pick_week(people.mona, people.sam, week_of(timezone.now()))
    qa.pick_last_week(people.mona)
    assert set(WeeklySample.objects.values_list("agent__username", flat=True)) == {
        "nora",
        "nils",
    }


@pytest.mark.django_db
def test_the_beat_task_samples_every_agents_last_week_once(people, north):
    from helpline.quality.tasks import pick_weekly

    answered(north, people.nora, 2)  # this week's: next week's task picks them
    first = pick_weekly()
    assert first == {"weeks_sampled": 3, "picked": 0}  # Nora, Nils and Sam; nothing replied
    assert pick_weekly() == {"weeks_sampled": 0, "picked": 0}
    for sample in WeeklySample.objects.select_related("agent"):
        assert sample.week == qa.last_week(sample.agent)  # on each agent's own clock
