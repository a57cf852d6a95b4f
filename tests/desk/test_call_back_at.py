""" "Call back at…" on the conversation page: a callback on the worklist, due in opening hours
at the location's wall-clock time, and the customer's open callbacks beside the thread."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import Callback, Reason
from helpline.core.models import Activity
from helpline.customers import actions as customer_actions
from helpline.hours.actions import set_opening_hours
from helpline.hours.calendar import calendar_for
from tests.desk.conftest import write_in
from tests.desk.test_conversation_page import client_for, page_url

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MARIA = "+447700900123"
# Far enough ahead to be in the future whenever the suite runs; no bank holiday near.
MONDAY_10AM = datetime(2035, 3, 12, 10, 0, tzinfo=LONDON)
SATURDAY_10AM = datetime(2035, 3, 10, 10, 0, tzinfo=LONDON)


def call_back_url(conversation) -> str:
    return reverse("desk:conversation-call-back", args=[conversation.pk])


def local_input(moment: datetime) -> str:
    """What a datetime-local input sends: the wall-clock time, without an offset."""
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def office_hours(north):
    """North Street opens Monday to Friday, 09:00–17:00 London time."""
    set_opening_hours(None, north, [(day, time(9), time(17)) for day in range(5)])
    return north


@pytest.fixture
def conversation(office_hours, agent_north):
    """Maria wrote to North Street; her mobile number is known too."""
    conversation = write_in(office_hours, "maria@example.com", "Order 123", "Call me, please")
    customer_actions.add_identity(agent_north, conversation.customer, "phone", MARIA)
    return conversation


@pytest.fixture
def nora(agent_north):
    return client_for(agent_north)


# Putting a call back on the worklist ------------------------------------------------------


def test_a_call_back_at_a_time_in_opening_hours(conversation, agent_north, nora):
    response = nora.post(
        call_back_url(conversation),
        {"phone_number": MARIA, "other_number": "", "due_at": local_input(MONDAY_10AM)},
        follow=True,
    )

    callback = Callback.objects.get()
    assert response.redirect_chain == [(page_url(conversation), 302)]
    assert callback.due_at == MONDAY_10AM
    assert (callback.phone_number, callback.reason) == (MARIA, Reason.REQUESTED)
    assert (callback.conversation, callback.customer) == (conversation, conversation.customer)
    assert callback.location == conversation.location
    html = response.content.decode()
    # On Nora's clock, North Street's: no zone to name.
    assert f"Call back {MARIA} at 12 Mar 2035, 10:00." in html
    assert f'<a href="/callbacks/#callback-{callback.pk}">See the worklist</a>' in html
    created = Activity.objects.get(verb="callback.created")
    assert (created.actor, created.subject_id) == (agent_north, callback.pk)


def test_a_time_outside_opening_hours_moves_to_the_next_opening(conversation, nora):
    response = nora.post(
        call_back_url(conversation),
        {"phone_number": MARIA, "due_at": local_input(SATURDAY_10AM)},
        follow=True,
    )

    callback = Callback.objects.get()
    assert callback.due_at == datetime(2035, 3, 12, 9, 0, tzinfo=LONDON)
    assert (
        "at 12 Mar 2035, 09:00 (the first opening hour after the time asked)"
        in response.content.decode()
    )


def test_without_a_time_it_is_due_as_soon_as_the_location_is_open(conversation, nora):
    before = timezone.now()
    response = nora.post(call_back_url(conversation), {"phone_number": MARIA, "due_at": ""})

    callback = Callback.objects.get()
    assert response.status_code == 302
    calendar = calendar_for(conversation.location)
    assert callback.due_at == calendar.next_open(callback.due_at)  # inside opening hours
    assert before <= calendar.next_open(before) <= callback.due_at
    assert callback.due_at <= calendar.next_open(timezone.now())


def test_a_typed_number_wins_and_is_read_in_the_locations_country(conversation, nora):
    nora.post(
        call_back_url(conversation),
        {"phone_number": MARIA, "other_number": "07700 900456", "due_at": ""},
    )
    assert Callback.objects.get().phone_number == "+447700900456"


def test_the_time_is_the_locations_wall_clock_not_utc(south, agent_south):
    """South Mall keeps no hours (always open): 10:00 there is 09:00 UTC in March."""
    conversation = write_in(south, "sven@example.com", "Bestellung", "Rückruf bitte")
    client_for(agent_south).post(
        call_back_url(conversation),
        {"other_number": "+4915112345678", "due_at": "2035-03-12T10:00"},
    )
    assert Callback.objects.get().due_at == datetime(
        2035, 3, 12, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_an_open_callback_on_that_number_is_already_on_the_worklist(conversation, nora):
    earlier = callback_actions.create_callback(
        None, conversation.customer, MARIA, Reason.MISSED_CALL, due_at=MONDAY_10AM
    )

    response = nora.post(
        call_back_url(conversation),
        {"phone_number": MARIA, "due_at": local_input(MONDAY_10AM + timedelta(days=1))},
        follow=True,
    )

    assert list(Callback.objects.all()) == [earlier]
    html = response.content.decode()
    assert f"Already on the worklist: {MARIA} is due 12 Mar 2035, 10:00." in html
    assert Activity.objects.filter(verb="callback.created").count() == 1


# Refused ------------------------------------------------------------------------------------


def test_a_bad_number_is_refused_beside_the_field_and_the_input_kept(conversation, nora):
    response = nora.post(
        call_back_url(conversation),
        {"phone_number": MARIA, "other_number": "12ab", "due_at": local_input(MONDAY_10AM)},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert not Callback.objects.exists()
    assert '<details class="card composer" id="call-back" data-key="c" open>' in html
    assert 'id="callback-error" role="alert">not a phone number' in html
    assert (
        'name="other_number" inputmode="tel" autocomplete="off" value="12ab" aria-invalid="true"'
        in html
    )
    assert f'value="{local_input(MONDAY_10AM)}"' in html  # the time typed is kept


def test_no_number_at_all_names_the_number_field(north, agent_north):
    walk_in = write_in(north, "nobody@example.com", "Hello")
    response = client_for(agent_north).post(call_back_url(walk_in), {"due_at": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert "choose one of the customer&#x27;s numbers or type one" in html
    assert 'id="callback-other-number"' in html and 'id="callback-number"' not in html
    assert 'value="" aria-invalid="true" aria-describedby="callback-error"' in html


@pytest.mark.parametrize(
    "due_at, message",
    [("next tuesday", "give a date and a time"), ("2001-01-01T09:00", "that time has passed")],
)
def test_a_time_that_is_no_time_or_past_is_refused(conversation, nora, due_at, message):
    response = nora.post(call_back_url(conversation), {"phone_number": MARIA, "due_at": due_at})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'aria-describedby="callback-due-hint callback-error" aria-invalid="true"' in html
    assert not Callback.objects.exists()


def test_another_locations_conversation_does_not_exist(conversation, agent_south):
    response = client_for(agent_south).post(
        call_back_url(conversation), {"phone_number": MARIA, "due_at": ""}
    )
    assert response.status_code == 404
    assert not Callback.objects.exists()


def test_it_is_a_post_for_a_signed_in_agent(conversation, nora):
    assert nora.get(call_back_url(conversation)).status_code == 405
    response = Client().post(call_back_url(conversation), {"phone_number": MARIA})
    assert response.status_code == 302 and response.url.startswith("/sign-in/?next=")


# The form and the side panel ------------------------------------------------------------


def test_the_form_offers_the_customers_numbers_in_the_locations_time(conversation, nora):
    customer_actions.add_identity(None, conversation.customer, "phone", "+442071838750")

    html = nora.get(page_url(conversation)).content.decode()

    form = html[
        html.index('id="call-back"') : html.index("</details>", html.index('id="call-back"'))
    ]
    assert f'<option value="{MARIA}" selected>' in form
    assert '<option value="+442071838750">' in form
    assert '<label for="callback-number">' in form
    assert '<label for="callback-other-number">' in form
    assert '<label for="callback-due">' in form and "North Street time, Europe/London" in form
    assert 'type="datetime-local" id="callback-due" name="due_at"' in form
    assert "Empty: as soon as North Street is open." in form


def test_the_customers_open_callbacks_beside_the_thread(conversation, south, agent_north, nora):
    customer = conversation.customer
    due = callback_actions.create_callback(
        None, customer, MARIA, Reason.MISSED_CALL, due_at=MONDAY_10AM
    )
    callback_actions.record_attempt(agent_north, due, "no_answer")
    done = callback_actions.create_callback(None, customer, "+447700900999", Reason.VOICEMAIL)
    callback_actions.record_attempt(agent_north, done, "wrong_number")
    elsewhere = callback_actions.create_callback(
        None, customer, "+4915112345678", Reason.REQUESTED, location=south
    )

    html = nora.get(page_url(conversation)).content.decode()

    side = html[html.index('id="customer-callbacks"') :]
    side = side[: side.index("</section>")]
    due.refresh_from_db()
    local = timezone.localtime(due.due_at, LONDON)
    shown = f"{local.day} {local:%b %Y, %H:%M}"
    assert f'id="open-callback-{due.pk}"' in side
    assert f'<a href="tel:{MARIA}">{MARIA}</a>' in side
    assert shown in side and "1 of 4 tries" in side
    assert f"open-callback-{done.pk}" not in side  # done
    assert f"open-callback-{elsewhere.pk}" not in side  # South Mall's: not Nora's to see
    assert '<a href="/callbacks/" id="customer-callbacks-worklist">' in side


def test_no_open_callbacks_no_panel(conversation, nora):
    assert 'id="customer-callbacks"' not in nora.get(page_url(conversation)).content.decode()


def test_the_page_costs_the_same_for_one_or_many_open_callbacks(
    conversation, north, nora, django_assert_max_num_queries
):
    customer = conversation.customer
    callback_actions.create_callback(None, customer, MARIA, Reason.MISSED_CALL)
    nora.get(page_url(conversation))
    with django_assert_max_num_queries(18) as one:
        nora.get(page_url(conversation))
    for n in range(8):
        callback_actions.create_callback(None, customer, f"+44770090050{n}", Reason.VOICEMAIL)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = nora.get(page_url(conversation))
    assert len(response.context["open_callbacks"]) == 9
    assert response.content.decode().count('id="open-callback-') == 9


def test_the_page_offers_to_book_an_appointment_for_the_conversation(conversation, nora):
    html = nora.get(page_url(conversation)).content.decode()
    book = reverse("desk:appointment-new")
    assert f'href="{book}?conversation={conversation.pk}" id="book-appointment"' in html
