"""Every error is JSON of one shape: {"detail": [{"field": name or null, "message": text}]}."""

from django.db import DataError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError, ValidationError

from helpline.core.errors import ActionError
from helpline.customers.actions import IdentityTaken
from helpline.customers.identities import InvalidIdentity

# The first element of a ninja error location says where the value came from;
# for a body it is followed by the name of the payload argument.
# An address or number that is someone's already: one answer (409), whoever's it is, so that
# it tells nothing of another location's customers (docs/architecture.md, "Who sees a
# customer").
IN_USE = "already in use: an address or number belongs to one customer only"

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class FieldError(Exception):
    """A request value the API refuses, with the field to blame (400)."""

    def __init__(self, field: str | None, message: str, status: int = 400):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


def detail(field, message) -> dict:
    return {"detail": [{"field": field or None, "message": str(message)}]}


def field_of(location) -> str | None:
    parts = [str(p) for p in location]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and len(parts) > 1:
            parts = parts[1:]  # drop the payload argument's name
    # Query parameters gathered in one schema show up as ("query", "filters", "status").
    if len(parts) > 1 and parts[0] in ("filters", "page", "payload"):
        parts = parts[1:]
    return ".".join(parts) or None


def install(api) -> None:
    def validation(request, exc: ValidationError):
        errors = [
            {"field": field_of(error.get("loc", ())), "message": error.get("msg", "invalid")}
            for error in exc.errors
        ]
        return api.create_response(request, {"detail": errors}, status=422)

    def field_error(request, exc: FieldError):
        return api.create_response(request, detail(exc.field, exc.message), status=exc.status)

    def identity_taken(request, exc: IdentityTaken):
        return api.create_response(request, detail(exc.field, IN_USE), status=409)

    def action_error(request, exc: ActionError):
        return api.create_response(request, detail(exc.field, exc), status=400)

    def invalid_identity(request, exc: InvalidIdentity):
        return api.create_response(request, detail("value", exc), status=400)

    def not_found(request, exc: Http404):
        return api.create_response(request, detail(None, "Not found"), status=404)

    def unauthenticated(request, exc: AuthenticationError):
        response = api.create_response(request, detail(None, exc.message), status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    def refused_by_database(request, exc: DataError):
        # The safety net for a value no schema caught (a NUL byte, an out-of-range
        # number): the client's fault, so a 400, never a 500.
        return api.create_response(
            request, detail(None, "a value could not be stored as given"), status=400
        )

    def http_error(request, exc: HttpError):
        return api.create_response(request, detail(None, exc.message), status=exc.status_code)

    def not_allowed(request, exc: PermissionError):
        # An action refusing the person (only an admin changes policies): a 403 saying so.
        return api.create_response(request, detail(None, str(exc)), status=403)

    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(FieldError, field_error)
    api.add_exception_handler(ActionError, action_error)
    api.add_exception_handler(IdentityTaken, identity_taken)
    api.add_exception_handler(InvalidIdentity, invalid_identity)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(PermissionError, not_allowed)
    api.add_exception_handler(DataError, refused_by_database)
