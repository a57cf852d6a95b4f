"""A failed callback is no dead end: it can be queued again (on a corrected number) or
dismissed with a reason, each logged, from the worklist's "Failed / never connected"."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helpline.callbacks import actions
from helpline.callbacks.models import Callback, CallbackStatus, Reason
from helpline.core.errors import ActionError
from helpline.core.models import Activity
from helpline.customers.actions import create_customer

pytestmark = pytest.mark.django_db

OLGA = "+447700900001"


@pytest.fixture
def failed(north, agent_north):
    customer = create_customer(None, name="Olga Berg", location=north)
    callback = actions.create_callback(None, customer, OLGA, Reason.MISSED_CALL)
    return actions.record_attempt(agent_north, callback, "wrong_number")


@pytest.fixture
def nora(agent_north):
    client = Client()
    client.force_login(agent_north)
    return client


def logged(verb: str, callback: Callback) -> list[dict]:
    return list(
        Activity.objects.filter(verb=verb, subject_type="callback", subject_id=callback.pk)
        .order_by("id")
        .values_list("data", flat=True)
    )


def test_queue_again_puts_it_back_with_fresh_tries(failed, agent_north, settings):
    settings.HELPLINE_CALLBACK_MAX_ATTEMPTS = 5
    before = timezone.now()
    callback = actions.queue_again(agent_north, failed)

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.OPEN
    assert (callback.attempts, callback.max_attempts) == (0, 5)
    assert callback.due_at >= before.replace(microsecond=0) and callback.closed_reason == ""
    assert [d["due_at"] for d in logged("callback.queued_again", callback)] == [
        str(callback.due_at)
    ]


def test_queue_again_on_a_corrected_number(failed, agent_north):
    callback = actions.queue_again(agent_north, failed, "07700 900 002")

    assert callback.phone_number == "+447700900002" and callback.status == CallbackStatus.OPEN
    [data] = logged("callback.queued_again", callback)
    assert (data["before"], data["phone_number"]) == (OLGA, "+447700900002")


@pytest.mark.parametrize(
    "number, words",
    [("12ab", "“12ab” is not a phone number"), ("", "")],
)
def test_a_bad_number_is_refused_in_words(failed, agent_north, number, words):
    if not number:  # no number: the same one again, which is fine
        assert actions.queue_again(agent_north, failed, number).status == CallbackStatus.OPEN
        return
    with pytest.raises(ActionError) as refused:
        actions.queue_again(agent_north, failed, number)
    assert words in str(refused.value) and refused.value.field == "phone_number"
    failed.refresh_from_db()
    assert failed.status == CallbackStatus.FAILED and failed.phone_number == OLGA


def test_a_number_already_on_the_worklist_is_not_queued_twice(failed, agent_north):
    actions.create_callback(None, failed.customer, "+447700900002", Reason.REQUESTED)
    with pytest.raises(ActionError, match="on the worklist already for Olga Berg"):
        actions.queue_again(agent_north, failed, "+447700900002")


def test_dismiss_closes_it_with_the_reason(failed, agent_north):
    callback = actions.dismiss(agent_north, failed, "  She  wrote in instead ")

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CLOSED
    assert callback.closed_reason == "dismissed by Nora: She wrote in instead"
    assert logged("callback.dismissed", callback) == [{"reason": "She wrote in instead"}]


def test_dismiss_needs_a_reason(failed, agent_north):
    with pytest.raises(ActionError, match="say why nobody will call back") as refused:
        actions.dismiss(agent_north, failed, "   ")
    assert refused.value.field == "reason"


def test_only_a_failed_callback_is_queued_again_or_dismissed(north, agent_north):
    customer = create_customer(None, name="Otto", location=north)
    open_one = actions.create_callback(None, customer, OLGA, Reason.MISSED_CALL)
    with pytest.raises(ActionError, match="is on the worklist already"):
        actions.queue_again(agent_north, open_one)
    with pytest.raises(ActionError, match="is on the worklist already"):
        actions.dismiss(agent_north, open_one, "no")


# The worklist page --------------------------------------------------------------------------


def test_the_failed_row_offers_call_again_edit_number_and_dismiss(failed, nora):
    page = nora.get(reverse("desk:callbacks")).text
    row = page[page.index(f'id="failed-{failed.pk}"') :]
    row = row[: row.index("</li>")]
    assert "Wrong number" in row
    assert f'action="{reverse("desk:callback-queue-again", args=[failed.pk])}"' in row
    assert f'action="{reverse("desk:callback-dismiss", args=[failed.pk])}"' in row
    assert ">Call again</button>" in row and "Edit number…" in row and "Dismiss…" in row
    assert f'value="{OLGA}"' in row  # the number to correct, filled in


def test_call_again_from_the_page(failed, nora):
    response = nora.post(reverse("desk:callback-queue-again", args=[failed.pk]))
    assert response.status_code == 302
    page = nora.get(response.url).text
    assert f"Olga Berg is back on the worklist: call {OLGA} from" in page
    assert f'id="callback-{failed.pk}"' in page and f'id="failed-{failed.pk}"' not in page


def test_edit_number_from_the_page(failed, nora):
    url = reverse("desk:callback-queue-again", args=[failed.pk])
    response = nora.post(url, {"phone_number": "+44 7700 900002"})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.phone_number == "+447700900002" and failed.status == CallbackStatus.OPEN


def test_a_bad_number_comes_back_beside_its_field(failed, nora):
    url = reverse("desk:callback-queue-again", args=[failed.pk])
    response = nora.post(url, {"phone_number": "12ab"})
    page = response.text
    assert response.status_code == 400
    assert '<details class="edit-number" open>' in page
    assert f'id="number-error-{failed.pk}" role="alert"><p>“12ab” is not a phone number' in page
    assert (
        f'value="12ab" aria-invalid="true" aria-describedby="number-error-{failed.pk}" autofocus>'
        in page
    )


def test_dismiss_from_the_page(failed, nora):
    url = reverse("desk:callback-dismiss", args=[failed.pk])
    refused = nora.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert '<details class="dismiss" open>' in refused.text
    response = nora.post(url, {"reason": "Customer wrote in"})
    assert response.status_code == 302
    page = nora.get(response.url).text
    assert "Dismissed the callback to Olga Berg." in page
    assert f'id="failed-{failed.pk}"' not in page


def test_someone_else_got_there_first(failed, nora, agent_north):
    actions.dismiss(agent_north, failed, "done")
    response = nora.post(reverse("desk:callback-queue-again", args=[failed.pk]), follow=True)
    assert "Not done: this callback is closed already." in response.text


def test_another_locations_failed_callback_does_not_exist(south, agent_north, nora):
    customer = create_customer(None, name="Sven", location=south)
    callback = actions.record_attempt(
        agent_north,
        actions.create_callback(None, customer, "+4915112345678", Reason.MISSED_CALL),
        "wrong_number",
    )
    assert (
        nora.post(reverse("desk:callback-dismiss", args=[callback.pk]), {"reason": "x"}).status_code
        == 404
    )
