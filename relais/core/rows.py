"""What the staff lists that build their rows in Python share (the queue, the unreachable
messages): Django's admin builds its change list this way (`items_for_result`), because the
template engine's cost per cell — a variable, a filter, a `{% url %}` — is most of a page of
50 rows."""

from __future__ import annotations

from collections.abc import Callable

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

_SAMPLE = 987654321


def reverser(name: str) -> Callable[[object], str]:
    """The address of URL `name` for any one argument, for one `reverse()` per page instead
    of one per row: `detail = reverser("notifications:message_detail"); detail(m.pk)`."""
    head, tail = reverse(name, args=[_SAMPLE]).split(str(_SAMPLE))
    return lambda value: f"{head}{value}{tail}"


def csrf_input(request) -> SafeString:
    """What `{% csrf_token %}` writes in a form."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
