"""/api/locations/{id}/hours, closures and business-time: when a location is open.

Anyone who serves a location reads its hours; only admins and the location's managers
change them (an agent who serves it is told so, 403). A location the caller does not
serve does not exist (404).
"""

from datetime import date, datetime, time, timedelta

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AwareDatetime

from helpline.api.errors import FieldError
from helpline.api.schemas import ErrorOut, Ref
from helpline.core.models import Location, User
from helpline.hours import actions
from helpline.hours.calendar import NeverOpen, calendar_for
from helpline.hours.models import Closure, OpeningHours, Weekday
from helpline.hours.public_holidays import upcoming

router = Router(tags=["hours"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
HOLIDAYS_AHEAD_DAYS = 365
MAX_DURATION_MINUTES = 10 * 366 * 24 * 60
MAX_SPAN = timedelta(days=10 * 366)


class IntervalIn(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 is Monday, 6 is Sunday")
    opens: time = Field(..., description="Wall-clock time at the location, e.g. 09:00")
    closes: time = Field(..., description="00:00 means midnight at the end of the day")


class IntervalOut(IntervalIn):
    weekday_name: str

    @staticmethod
    def resolve_weekday_name(obj) -> str:
        return Weekday(obj.weekday).label


class HoursIn(Schema):
    intervals: list[IntervalIn] = Field(
        ...,
        max_length=actions.MAX_INTERVALS,
        description="Every interval of the week; several a day are fine. None: always open.",
    )


class HolidayOut(Schema):
    date: date
    name: str


class ClosureIn(Schema):
    starts_at: AwareDatetime  # within hours.actions' EARLIEST_YEAR and LATEST_YEAR
    ends_at: AwareDatetime
    reason: str = Field("", max_length=actions.MAX_REASON)


class ClosureOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime


class HoursOut(Schema):
    location: Ref
    timezone: str
    country: str
    region: str
    always_open: bool = Field(..., description="No weekly hours: business time is wall time")
    open_now: bool
    next_open: datetime | None = Field(..., description="Now, when open; null if never")
    intervals: list[IntervalOut]
    holidays: list[HolidayOut] = Field(..., description="Public holidays of the next 365 days")
    closures: list[ClosureOut] = Field(..., description="Closures that have not ended yet")


class BusinessTimeParams(Schema):
    start: AwareDatetime = Field(..., description="ISO 8601 with a time zone")
    end: AwareDatetime | None = Field(None, description="Give this for the business time elapsed")
    duration_minutes: int | None = Field(
        None, ge=0, le=MAX_DURATION_MINUTES, description="…or this, for when it falls due"
    )


class BusinessTimeOut(Schema):
    timezone: str
    start: datetime
    end: datetime | None
    elapsed_seconds: float | None = Field(..., description="Open time between start and end")
    duration_minutes: int | None
    due: datetime | None = Field(..., description="When duration_minutes of open time has passed")


def _location(user: User, location_id: int) -> Location:
    location = Location.objects.filter(pk=location_id).first()
    if location is None or not user.serves(location.pk):
        raise Http404("No such location")
    return location


def _location_to_manage(user: User, location_id: int) -> Location:
    location = _location(user, location_id)
    if not actions.may_manage_hours(user, location):
        raise HttpError(
            403, f"only an admin or a manager of {location.name} may change its hours and closures"
        )
    return location


def _hours(location: Location) -> dict:
    calendar = calendar_for(location)
    now = timezone.now()
    try:
        next_open = calendar.next_open(now)
    except NeverOpen:
        next_open = None
    today = now.astimezone(calendar.zone).date()
    holidays = upcoming(location.country.strip(), location.region.strip(), today)
    return {
        "location": location,
        "timezone": location.timezone,
        "country": location.country,
        "region": location.region,
        "always_open": calendar.always_open,
        "open_now": next_open == now,
        "next_open": next_open,
        "intervals": OpeningHours.objects.filter(location=location).order_by("weekday", "opens"),
        "holidays": [{"date": day, "name": name} for day, name in holidays],
        "closures": Closure.objects.filter(location=location, ends_at__gt=now).order_by(
            "starts_at", "id"
        ),
    }


@router.get("/locations/{int:location_id}/hours", response={200: HoursOut, **ERRORS})
def get_location_hours(request, location_id: int):
    return _hours(_location(request.auth, location_id))


@router.put("/locations/{int:location_id}/hours", response={200: HoursOut, **ERRORS})
def set_location_hours(request, location_id: int, payload: HoursIn):
    location = _location_to_manage(request.auth, location_id)
    intervals = [(i.weekday, i.opens, i.closes) for i in payload.intervals]
    actions.set_opening_hours(request.auth, location, intervals)
    return _hours(location)


@router.post("/locations/{int:location_id}/closures", response={201: ClosureOut, **ERRORS})
def add_closure(request, location_id: int, payload: ClosureIn):
    location = _location_to_manage(request.auth, location_id)
    closure = actions.add_closure(
        request.auth, location, payload.starts_at, payload.ends_at, payload.reason
    )
    return Status(201, Closure.objects.get(pk=closure.pk))  # as stored, in UTC like the rest


@router.delete(
    "/locations/{int:location_id}/closures/{int:closure_id}", response={204: None, **ERRORS}
)
def remove_closure(request, location_id: int, closure_id: int):
    location = _location_to_manage(request.auth, location_id)
    closure = Closure.objects.filter(pk=closure_id, location=location).first()
    if closure is None:
        raise Http404("No such closure")
    actions.remove_closure(request.auth, closure)
    return Status(204, None)


@router.get("/locations/{int:location_id}/business-time", response={200: BusinessTimeOut, **ERRORS})
def get_business_time(request, location_id: int, params: Query[BusinessTimeParams]):
    """Business time between `start` and `end`, or when `duration_minutes` of it ends."""
    location = _location(request.auth, location_id)
    if (params.end is None) == (params.duration_minutes is None):
        raise FieldError("end", "give either end or duration_minutes")
    for name in ("start", "end"):
        moment = getattr(params, name)
        if moment is not None and not (actions.EARLIEST_YEAR <= moment.year <= actions.LATEST_YEAR):
            raise FieldError(name, f"must be within {actions.EARLIEST_YEAR}–{actions.LATEST_YEAR}")
    if params.end is not None and params.end - params.start > MAX_SPAN:
        raise FieldError("end", "at most ten years after start")
    calendar = calendar_for(location)
    result = {
        "timezone": location.timezone,
        "start": params.start,
        "end": params.end,
        "elapsed_seconds": None,
        "duration_minutes": params.duration_minutes,
        "due": None,
    }
    if params.end is not None:
        result["elapsed_seconds"] = calendar.elapsed(params.start, params.end).total_seconds()
    else:
        try:
            result["due"] = calendar.add(params.start, timedelta(minutes=params.duration_minutes))
        except NeverOpen as exc:
            raise FieldError("duration_minutes", str(exc)) from None
    return result
