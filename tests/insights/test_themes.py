"""Themes learned from the business's own text, named, merged, corrected, and counted."""

import random

import pytest

from helpline.conversations.receive import receive
from helpline.core.errors import ActionError
from helpline.core.events import deliver_due
from helpline.insights import actions, stats
from helpline.insights.models import Text, Theme
from tests.conftest import email_from
from tests.insights.conftest import answer

pytestmark = pytest.mark.django_db

SUBJECTS = {
    "delivery": [
        "my parcel delivery is late",
        "the courier delivery never arrived",
        "late delivery of my parcel again",
        "where is my parcel, delivery tracking says delayed",
        "parcel delivery delayed by the courier",
    ],
    "refund": [
        "I want a refund for my order",
        "refund still not paid back to my card",
        "when will my refund money arrive",
        "please refund the money for the returned item",
        "refund request for returned order money",
    ],
    "repair": [
        "screen broken after repair",
        "the repair did not fix the broken screen",
        "phone broken again after the repair",
        "repair failed, screen still broken",
        "broken speaker after your repair",
    ],
}


def customers_write(north, per_subject=12, seed=1):
    rng = random.Random(seed)
    n = 0
    for subject, lines in SUBJECTS.items():
        for _ in range(per_subject):
            n += 1
            receive(
                email_from(
                    f"c{n}@example.com", text=rng.choice(lines), location=north, subject=subject
                )
            )
    deliver_due()


def theme_of(text: str) -> Theme:
    return Text.objects.filter(message__text=text).first().theme


@pytest.fixture
def trained(north):
    customers_write(north)
    model = actions.retrain(k=3)
    assert model is not None
    return model


def test_training_finds_the_subjects_and_names_them_by_their_terms(trained):
    themes = list(Theme.objects.filter(model=trained))
    assert len(themes) == 3
    names = " | ".join(theme.name for theme in themes)
    for word in ("delivery", "refund", "repair"):
        assert word in names
    for subject, lines in SUBJECTS.items():
        found = {theme.pk for theme in Theme.objects.filter(texts__message__text__in=lines)}
        assert len(found) == 1, subject


def test_new_text_is_given_a_theme_as_it_arrives(north, trained, heard):
    message = receive(
        email_from(
            "new@example.com", text="My refund has not arrived, I want my money", location=north
        )
    ).message
    deliver_due()
    text = Text.objects.get(source_id=message.pk)
    assert "refund" in text.theme.terms
    assert text.theme_similarity > 0
    [themed] = heard["text.themed"]
    assert themed.payload == {
        "source": "message",
        "source_id": message.pk,
        "conversation_id": message.conversation_id,
        "customer_id": message.conversation.customer_id,
        "theme_id": text.theme_id,
        "theme_name": text.theme.name,
    }


def test_a_managers_name_survives_retraining(north, trained, lead):
    refund = theme_of(SUBJECTS["refund"][0])
    actions.rename_theme(lead, refund, "Refunds")
    customers_write(north, per_subject=4, seed=2)  # more text, a new training
    second = actions.retrain(k=3)
    assert second.pk != trained.pk
    refund.refresh_from_db()
    assert (refund.name, refund.model_id) == ("Refunds", second.pk)
    assert theme_of(SUBJECTS["refund"][0]).name == "Refunds"


def test_merged_themes_stay_together_through_retraining(north, trained, lead):
    refund, delivery = theme_of(SUBJECTS["refund"][0]), theme_of(SUBJECTS["delivery"][0])
    actions.rename_theme(lead, refund, "Money and parcels")
    actions.merge_themes(lead, [delivery], refund)
    assert theme_of(SUBJECTS["delivery"][0]) == refund
    actions.retrain(k=3)
    assert theme_of(SUBJECTS["delivery"][0]) == refund
    assert theme_of(SUBJECTS["refund"][0]) == refund
    refund.refresh_from_db()
    assert refund.name == "Money and parcels"
    names = [row.theme.name for row in stats.figures(lead)]
    assert "Money and parcels" in names and delivery.name not in names


def test_a_corrected_theme_is_kept_through_retraining(trained, lead):
    text = Text.objects.filter(message__text=SUBJECTS["repair"][0]).first()
    refund = theme_of(SUBJECTS["refund"][0])
    actions.correct_theme(lead, text, refund)
    actions.retrain(k=3)
    text.refresh_from_db()
    assert (text.theme, text.theme_set_by) == (refund, lead)


def test_only_managers_change_themes(trained, agent_north, lead, south):
    theme = Theme.objects.first()
    with pytest.raises(ActionError):
        actions.rename_theme(agent_north, theme, "Mine")
    with pytest.raises(ActionError) as refused:
        actions.merge_themes(lead, [theme], theme)
    assert refused.value.field == "themes"


def test_figures_per_theme_volume_bad_share_and_weeks(north, trained, lead):
    refund = theme_of(SUBJECTS["refund"][0])
    refund_texts = Text.objects.filter(theme=refund)
    first, second = refund_texts[0], refund_texts[1]
    answer(1, score=1, conversation=first.conversation, location=north)  # bad
    answer(2, kind="nps", score=10, conversation=second.conversation, location=north)  # good
    row = next(row for row in stats.figures(lead) if row.theme == refund)
    assert row.volume == refund_texts.count()
    assert (row.scored, row.bad, row.bad_share) == (2, 1, 0.5)
    assert sum(row.weeks) == row.volume and row.weeks[-1] == row.volume
    assert len(row.weeks) == stats.WEEKS


def test_too_little_text_trains_nothing(north):
    receive(email_from(text="hello there, a question about my bill", location=north))
    deliver_due()
    assert actions.retrain() is None
