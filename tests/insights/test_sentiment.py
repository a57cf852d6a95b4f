"""Sentiment of what customers write, read by a worker after commit (deliver_due)."""

import pytest

from helpline.conversations.models import MessageKind
from helpline.conversations.receive import receive
from helpline.core.events import deliver_due
from helpline.insights import actions, sentiment
from helpline.insights.models import Source, SurveyScore, Text
from tests.conftest import email_from
from tests.insights.conftest import answer

pytestmark = pytest.mark.django_db

ANGRY = "This is the worst service ever. I am furious, the repair failed again and nobody helps!"


def write(north, text, address="maria@example.com", **extra):
    message = receive(email_from(address, text=text, location=north, **extra)).message
    deliver_due()
    return message


def test_a_customers_message_is_scored_after_commit_with_its_model(north, heard):
    message = write(north, ANGRY)
    text = Text.objects.get(source=Source.MESSAGE, source_id=message.pk)
    assert text.language == "en"
    assert text.compound is not None and text.compound <= -0.6
    assert text.model.startswith("vaderSentiment 3.")
    assert text.location == north and text.customer_id == message.conversation.customer_id
    [scored] = heard["text.scored"]
    assert scored.payload == {
        "source": "message",
        "source_id": message.pk,
        "conversation_id": message.conversation_id,
        "customer_id": message.conversation.customer_id,
        "location_id": north.pk,
        "language": "en",
        "compound": text.compound,
        "model": text.model,
    }


def test_only_the_new_text_is_read_not_the_quoted_history(north):
    quoted = f"Thank you so much, that was great help!\n\n> {ANGRY}\n> {ANGRY}"
    message = write(
        north, "Thank you so much, that was great help!", full_text=quoted, subject="Re: repair"
    )
    text = Text.objects.get(source_id=message.pk)
    assert text.compound is not None and text.compound > 0.5


def test_a_language_vader_does_not_cover_is_unknown_not_a_number(north, heard):
    message = write(north, "Das ist der schlechteste Service, den ich je erlebt habe. Furchtbar!")
    text = Text.objects.get(source_id=message.pk)
    assert (text.language, text.compound) == ("de", None)
    assert sentiment.label(text.compound) == "unknown"
    assert heard["text.scored"][0]["compound"] is None


def test_robots_mail_is_not_the_customers_voice(north):
    write(
        north, "I am out of the office until Monday. Terrible weather.", kind=MessageKind.AUTO_REPLY
    )
    write(north, "Undeliverable: mailbox full", kind=MessageKind.BOUNCE, address="mailer@x.test")
    assert not Text.objects.exists()


def test_a_second_delivery_changes_nothing(north, heard):
    message = write(north, ANGRY)
    actions.analyse_message(message.pk)  # the event delivered again (at least once)
    assert Text.objects.count() == 1
    assert len(heard["text.scored"]) == 1


def test_a_survey_comment_is_scored_and_its_score_kept(north, heard):
    conversation = write(north, "Where is my parcel?").conversation
    answer(
        7,
        score=1,
        comment="Rude agent, awful experience.",
        conversation=conversation,
        location=north,
    )
    text = Text.objects.get(source=Source.SURVEY_ANSWER, source_id=7)
    assert text.compound is not None and text.compound < -0.5
    assert text.conversation == conversation and text.location == north
    score = SurveyScore.objects.get(answer_id=7)
    assert (score.kind, score.score, score.bad) == ("csat", 1, True)
    assert heard["text.scored"][-1]["source"] == "survey_answer"

    # Changed within its 7 days: the score and the reading follow, still one of each.
    answer(
        7,
        score=5,
        comment="Actually they fixed it, great job!",
        changed=True,
        conversation=conversation,
        location=north,
    )
    text.refresh_from_db()
    assert text.compound > 0.5
    assert SurveyScore.objects.get(answer_id=7).bad is False
    assert Text.objects.filter(source=Source.SURVEY_ANSWER).count() == 1


def test_a_kiosk_answer_without_comment_keeps_only_its_score(north):
    answer(8, kind="nps", score=6, comment="  ", location=north)
    assert not Text.objects.exists()
    assert SurveyScore.objects.get(answer_id=8).bad is True  # NPS 6 is a detractor


@pytest.mark.parametrize(
    ("kind", "score", "bad"),
    [
        ("csat", 2, True),
        ("csat", 3, False),
        ("nps", 6, True),
        ("nps", 7, False),
        ("ces", 3, True),
        ("ces", 4, False),
    ],
)
def test_bad_scores(kind, score, bad):
    assert actions.is_bad(kind, score) is bad


def test_a_merge_of_customers_moves_their_texts_and_its_undoing_moves_them_back(north, admin):
    from helpline.customers import actions as customer_actions

    first = write(north, ANGRY, address="mia@example.com").conversation.customer
    second = write(
        north, "Thanks, all good now!", address="mia.b@example.com"
    ).conversation.customer
    merge = customer_actions.merge(admin, first, second)
    assert set(Text.objects.values_list("customer_id", flat=True)) == {second.pk}
    customer_actions.unmerge(admin, merge)
    assert Text.objects.get(message__text=ANGRY).customer_id == first.pk
