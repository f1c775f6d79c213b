"""Small request helpers shared by views."""

from django.http import Http404, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


class OutOfReach(Http404):
    """What this user may not reach (another team's record, an action their role does not
    give): a service raises it and the visitor gets the same "page not found" as for a
    record that does not exist, so a refusal tells nothing of what exists. The one
    authorisation error of services; never Python's PermissionError (an OSError: a 500)."""


# Longer "next" addresses are not ones this site writes (its links carry the page they come from).
NEXT_MAX_LENGTH = 2000


def post_data(request):
    """The POST data to bind a form to, or None on other methods.

    `request.POST or None` would leave a form unbound (and silently re-shown without
    errors) when a POST carries no field at all.
    """
    return request.POST if request.method == "POST" else None


def files_data(request):
    return request.FILES if request.method == "POST" else None


def id_param(value) -> int | None:
    """An id typed into a link or a form, or None when it is not one: ASCII digits only
    ("²" is a digit to Python) and short enough for any database integer."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def safe_next(request, value, default: str) -> str:
    """Where to send a visitor after an action, from the address they sent back ("next",
    "retour"): a path of this site, else `default` (a URL name or a path).

    Never another host or scheme, never a character a header cannot carry, and never a
    view name: `redirect("x")` would look for a view called "x" and fail.
    """
    if (
        isinstance(value, str)
        and value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and len(value) <= NEXT_MAX_LENGTH
        and value.isprintable()
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return resolve_url(default)


def download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file to save, never kept in a cache (personal data exports)."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# The channel an agent is working on (at the counter, on the phone, opening the post): the
# next form that asks it starts there, whichever screen it is on.
_CHANNEL_KEY = "relais_staff_channel"


def remember_channel(request, channel: str) -> None:
    if hasattr(request, "session") and channel:
        request.session[_CHANNEL_KEY] = channel


def channel_to_preselect(request, allowed) -> str | None:
    """`?canal=` when the link says where the agent comes from, else the last channel used."""
    allowed = {str(value) for value in allowed}
    for channel in (request.GET.get("canal"), getattr(request, "session", {}).get(_CHANNEL_KEY)):
        if channel in allowed:
            return channel
    return None
