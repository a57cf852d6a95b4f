"""The public survey pages: no sign-in, the signed link is the credential.

Mail security scanners open every link of a mail, so a GET never records anything: it shows
the survey with the link's score chosen. The person's tap is a POST (survey.js submits the
form at once; without JavaScript there is a button). Then the page asks for a comment.

The forms carry no CSRF token: they change nothing but the survey their signed URL names,
which a forger would need the link for anyway, and a phone that refuses cookies must still
be able to answer.
"""

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from helpline.core.errors import ActionError
from helpline.core.models import Location
from helpline.feedback import actions, kiosk, tokens
from helpline.feedback.models import ENDS, QUESTIONS, Answer, Kind, Survey, SurveyStatus, scale

# How a refused link is explained, by reason, and the HTTP status of the page.
REFUSED_STATUS = {
    "tampered": 404,
    "other": 404,
    "expired": 410,
    "too_late": 410,
    "withdrawn": 410,
    "not_sent": 404,
}


def _language(request: HttpRequest, survey: Survey | None) -> str:
    if survey is not None and survey.language:
        return survey.language
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def _page(request, template: str, context: dict, language: str, status: int = 200):
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the link is the credential
    response["X-Robots-Tag"] = "noindex"
    return response


def refused(request, reason: str, survey: Survey | None = None):
    return _page(
        request,
        "feedback/refused.html",
        {"reason": reason, "change_days": settings.HELPLINE_SURVEY_CHANGE_DAYS},
        _language(request, survey),
        status=REFUSED_STATUS.get(reason, 404),
    )


def _scale_context(kind: str, chosen: int | None) -> dict:
    low, high = ENDS[Kind(kind)]
    return {
        "question": QUESTIONS[Kind(kind)],
        "scores": list(scale(kind)),
        "chosen": chosen,
        "low": low,
        "high": high,
        "wide": kind == Kind.NPS,
    }


def _survey_from(survey_id: int, token: str):
    """(survey, link) or raise BadToken."""
    link = tokens.read_answer_token(token, survey_id)
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise tokens.BadToken("other")
    return survey, link


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, survey_id: int, token: str) -> HttpResponse:
    try:
        survey, link = _survey_from(survey_id, token)
    except tokens.BadToken as bad:
        return refused(request, bad.reason)
    language = _language(request, survey)
    existing = Answer.objects.filter(survey=survey).first()
    if survey.status == SurveyStatus.WITHDRAWN:
        return refused(request, "withdrawn", survey)
    if survey.status not in (SurveyStatus.SENT, SurveyStatus.ANSWERED):
        return refused(request, "not_sent", survey)
    if existing and timezone.now() > existing.answered_at + actions.change_window():
        return refused(request, "too_late", survey)
    error = None
    chosen = link.score if link.score is not None else (existing.score if existing else None)
    if request.method == "POST":
        try:
            with translation.override(language):
                actions.answer(survey, request.POST.get("score"))
        except actions.SurveyClosed as closed:
            return refused(request, closed.reason, survey)
        except ActionError as problem:
            error = problem
            status = 400
        else:
            return redirect("survey:comment", survey_id=survey.pk, token=token)
    else:
        status = 200
    return _page(
        request,
        "feedback/answer.html",
        {
            **_scale_context(survey.kind, chosen),
            "survey": survey,
            "existing": existing,
            "error": error,
            # The page submits itself when the link chose a score that is not the answer yet.
            # Not for someone signed in to the desk: an agent opening the customer's link
            # from the timeline must not answer for them by accident.
            "autosubmit": link.score is not None
            and (existing is None or existing.score != link.score)
            and error is None
            and not request.user.is_authenticated,
            "signed_in": request.user.is_authenticated,
        },
        language,
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def comment(request: HttpRequest, survey_id: int, token: str) -> HttpResponse:
    try:
        survey, _link = _survey_from(survey_id, token)
    except tokens.BadToken as bad:
        return refused(request, bad.reason)
    language = _language(request, survey)
    existing = Answer.objects.filter(survey=survey).first()
    if existing is None:
        return redirect("survey:answer", survey_id=survey.pk, token=token)
    if timezone.now() > existing.answered_at + actions.change_window():
        return refused(request, "too_late", survey)
    error, saved, status = None, False, 200
    if request.method == "POST":
        try:
            existing = actions.comment(survey, request.POST.get("comment", ""))
            saved = True
        except actions.SurveyClosed as closed:
            return refused(request, closed.reason, survey)
        except ActionError as problem:
            error, status = problem, 400
    return _page(
        request,
        "feedback/comment.html",
        {
            "survey": survey,
            "answer": existing,
            "saved": saved,
            "error": error,
            "token": token,
            "text": request.POST.get("comment", existing.comment),
            "change_days": settings.HELPLINE_SURVEY_CHANGE_DAYS,
        },
        language,
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a scanner opens it too); POST opts out: the page's button, or a mail
    client's RFC 8058 one-click POST (body List-Unsubscribe=One-Click)."""
    try:
        customer_id, survey_id = tokens.read_opt_out_token(token)
    except tokens.BadToken as bad:
        return refused(request, bad.reason)
    survey = Survey.objects.filter(pk=survey_id).first() if survey_id else None
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        actions.opt_out(customer_id, "one-click" if one_click else "page", survey_id)
        done = True
    return _page(request, "feedback/unsubscribe.html", {"done": done}, _language(request, survey))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def kiosk_page(request: HttpRequest, location_id: int, token: str) -> HttpResponse:
    """A location's walk-in survey: no personal data asked, rate-limited per device."""
    location = Location.objects.filter(pk=location_id).first()
    if location is None or not kiosk.valid(location, token):
        raise Http404("no such kiosk")
    language = request.GET.get("lang") or _language(request, None)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    kind = kiosk.kind_for(location)
    thanks, status = False, 200
    error: ActionError | str | None = None
    if request.method == "POST":
        if not kiosk.take_slot(request, location):
            error, status = "slow_down", 429
        else:
            try:
                actions.kiosk_answer(
                    location, kind, request.POST.get("score"), request.POST.get("comment", "")
                )
                thanks = True
            except ActionError as problem:
                error, status = problem, 400
    return _page(
        request,
        "feedback/kiosk.html",
        {**_scale_context(kind, None), "location": location, "thanks": thanks, "error": error},
        language,
        status=status,
    )


def kiosk_qr(location: Location, url: str) -> str:
    """The kiosk page's QR code as an SVG document."""
    return segno.make(url, error="m").svg_inline(scale=6, title=location.name)
