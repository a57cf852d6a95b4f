"""/api/sla-policies: service level targets. Everyone signed in reads them; admins change them.

A match criterion (priority, channel, location_id) that is null matches anything, and a
target that is null is no target. Changing a policy recomputes every open conversation's
clocks in the background.
"""

from django.http import Http404
from ninja import Field, Router, Schema, Status

from helpline.api.schemas import ChannelName, ErrorOut, PriorityName
from helpline.sla import actions
from helpline.sla.models import MAX_CHAT_SECONDS, MAX_TARGET_MINUTES, SlaPolicy

router = Router(tags=["service levels"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Minutes = Field(None, ge=1, le=MAX_TARGET_MINUTES, description="Business minutes; null: none")


class PolicyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    position: int | None = Field(None, ge=0, le=2**31 - 1)
    priority: PriorityName | None = None
    channel: ChannelName | None = None
    location_id: int | None = None
    first_response_minutes: int | None = Minutes
    next_response_minutes: int | None = Minutes
    resolution_minutes: int | None = Minutes
    chat_first_response_seconds: int | None = Field(
        None, ge=1, le=MAX_CHAT_SECONDS, description="A chat's first answer, business seconds"
    )
    warn_at_percent: int | None = Field(None, ge=0, le=99, description="0: no warning")
    raise_priority_to: PriorityName | None = None
    reassign_to_team_id: int | None = None


class PolicyIn(PolicyPatch):
    name: str = Field(..., min_length=1, max_length=200)
    position: int = Field(0, ge=0, le=2**31 - 1)
    warn_at_percent: int = Field(80, ge=0, le=99, description="0: no warning")


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    priority: str | None
    channel: str | None
    location_id: int | None
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    chat_first_response_seconds: int | None
    warn_at_percent: int
    raise_priority_to: str | None
    reassign_to_team_id: int | None

    @staticmethod
    def resolve_priority(obj) -> str | None:
        return obj.priority or None

    @staticmethod
    def resolve_channel(obj) -> str | None:
        return obj.channel or None

    @staticmethod
    def resolve_raise_priority_to(obj) -> str | None:
        return obj.raise_priority_to or None


def _values(payload: Schema, *, partial: bool) -> dict:
    given = payload.model_dump(exclude_unset=partial)
    renamed = {"location_id": "location", "reassign_to_team_id": "reassign_to_team"}
    return {renamed.get(name, name): value for name, value in given.items()}


def _policy(policy_id: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise Http404("No such policy")
    return policy


@router.get("/sla-policies", response={200: list[PolicyOut], **ERRORS})
def list_sla_policies(request):
    """Every policy, in the order they are tried: the first that matches applies."""
    return SlaPolicy.objects.order_by("position", "id")


@router.get("/sla-policies/{int:policy_id}", response={200: PolicyOut, **ERRORS})
def get_sla_policy(request, policy_id: int):
    return _policy(policy_id)


@router.post("/sla-policies", response={201: PolicyOut, **ERRORS})
def create_sla_policy(request, payload: PolicyIn):
    policy = actions.create_policy(request.auth, **_values(payload, partial=False))
    return Status(201, policy)


@router.patch("/sla-policies/{int:policy_id}", response={200: PolicyOut, **ERRORS})
def update_sla_policy(request, policy_id: int, payload: PolicyPatch):
    policy = _policy(policy_id)
    return actions.update_policy(request.auth, policy, **_values(payload, partial=True))


@router.delete("/sla-policies/{int:policy_id}", response={204: None, **ERRORS})
def delete_sla_policy(request, policy_id: int):
    actions.delete_policy(request.auth, _policy(policy_id))
    return Status(204, None)
