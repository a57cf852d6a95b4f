"""The survey mail and its public pages: scanners record nothing, the tap does; bad links get
a plain page; an answer changed within 7 days stays one; RFC 8058 one-click opt-out."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from helpline.conversations import actions as conversation_actions
from helpline.core.events import EventName
from helpline.feedback import actions, tokens
from helpline.feedback.models import Answer, OptOut, Survey
from tests.desk.conftest import write_in
from tests.feedback.conftest import (
    answer_links,
    links_of,
    scheduled_survey,
    send_and_receive,
    solve,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailed(conversation, csat_policy, agent_north, smtp_server, django_capture_on_commit_callbacks):
    """(survey, the mail as received by the SMTP server)."""
    solve(agent_north, conversation, django_capture_on_commit_callbacks)
    survey = scheduled_survey(conversation)
    mail = send_and_receive(smtp_server, survey, survey.due_at)
    survey.refresh_from_db()
    return survey, mail


def path(url: str) -> str:
    return urlsplit(url).path


def test_the_mail_has_one_link_per_score_and_one_click_unsubscribe(mailed):
    survey, mail = mailed
    links = answer_links(mail)
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert len(set(links.values())) == 5
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert all(url.replace("&", "&amp;") in html or url in html for url in links.values())
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe in links_of(mail)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert f"[#{survey.conversation_id}]" in mail["Subject"]


def test_a_scanner_opening_every_link_records_nothing(mailed):
    survey, mail = mailed
    scanner = Client()
    for url in links_of(mail):
        for method in (scanner.get, scanner.head):
            assert method(path(url)).status_code == 200
    assert not Answer.objects.exists()
    assert not OptOut.objects.exists()
    survey.refresh_from_db()
    assert survey.status == "sent"
    page = scanner.get(path(answer_links(mail)[2])).content.decode()
    assert 'value="2" checked' in page and "data-autosubmit" in page


def test_the_tap_records_then_a_comment_and_a_change_keep_one_answer(
    mailed, agent_north, heard, admin
):
    survey, mail = mailed
    answered = heard(EventName.SURVEY_ANSWERED)
    url = path(answer_links(mail)[2])
    response = Client().post(url, {"score": "2"})
    assert response.status_code == 302 and response.url.endswith("/comment/")
    Client().post(response.url, {"comment": "Took a week"})
    # A later reassignment does not move the credit.
    conversation_actions.assign(admin, survey.conversation, assignee=admin)
    Client().post(path(answer_links(mail)[4]), {"score": "4"})
    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.changes) == (4, "Took a week", 1)
    assert answer.agent == agent_north
    assert [(e["score"], e["comment"], e["changed"]) for e in answered] == [
        (2, "", False),
        (2, "Took a week", False),
        (4, "Took a week", True),
    ]
    first = answered[0]
    assert first["customer_id"] == survey.customer_id
    assert first["conversation_id"] == survey.conversation_id
    assert first["agent_id"] == agent_north.pk and first["purpose"] == "contact"
    assert first["recovery_case_id"] is None and first["kind"] == "csat"


def test_after_seven_days_the_answer_cannot_change(mailed):
    survey, mail = mailed
    Client().post(path(answer_links(mail)[5]), {"score": "5"})
    Answer.objects.update(answered_at=timezone.now() - timedelta(days=7, minutes=1))
    response = Client().post(path(answer_links(mail)[1]), {"score": "1"})
    assert response.status_code == 410
    assert "7 days" in response.content.decode()
    assert Answer.objects.get().score == 5


def test_tampered_expired_and_other_surveys_tokens_are_refused_plainly(
    mailed, north, mailbox, settings
):
    survey, mail = mailed
    url = path(answer_links(mail)[3])
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = url.replace(token, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
    for bad in (tampered, f"/survey/{survey.pk}/not-a-token/"):
        response = Client().post(bad, {"score": "3"})
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    other = Survey.objects.create(cause="other", kind="csat", status="sent")
    response = Client().post(url.replace(f"/survey/{survey.pk}/", f"/survey/{other.pk}/"))
    assert response.status_code == 404 and "not valid" in response.content.decode()
    settings.HELPLINE_SURVEY_LINK_DAYS = 0
    old = signing.dumps({"s": survey.pk, "v": 3}, salt=tokens.ANSWER_SALT)
    import time

    time.sleep(1.1)
    response = Client().post(f"/survey/{survey.pk}/{old}/", {"score": "3"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not Answer.objects.exists()


def test_a_bad_score_is_a_clear_400(mailed):
    survey, mail = mailed
    response = Client().post(path(answer_links(mail)[3]), {"score": "9"})
    assert response.status_code == 400
    assert "a score from 1 to 5" in response.content.decode()
    assert not Answer.objects.exists()


def test_one_click_opt_out_means_never_surveyed_again(
    mailed, north, mailbox, agent_north, django_capture_on_commit_callbacks
):
    survey, mail = mailed
    unsubscribe = path(mail["List-Unsubscribe"].strip().strip("<>"))
    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, without cookies.
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert OptOut.objects.get().via == "one-click"
    later = write_in(north, "maria@example.com", "Another question", mailbox=mailbox)
    assert later.customer_id == survey.customer_id
    Survey.objects.filter(pk=survey.pk).update(sent_at=timezone.now() - timedelta(days=60))
    solve(agent_north, later, django_capture_on_commit_callbacks)
    assert scheduled_survey(later).status == "skipped"
    assert actions.send_due(timezone.now() + timedelta(days=1))["sent"] == 0


def test_pages_are_translated_by_the_survey_language(mailed):
    survey, mail = mailed
    Survey.objects.filter(pk=survey.pk).update(language="de")
    page = Client().get(path(answer_links(mail)[4])).content.decode()
    assert 'lang="de"' in page
    assert "Wie zufrieden waren Sie" in page
