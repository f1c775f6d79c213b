"""A resident downloads their own data from "Mon compte" (rules in core.rights; the staff
side of the person's rights is in relais.people.views_rights)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.cache import never_cache

from relais.core import rights
from relais.core.http import download
from relais.core.models import Person


@never_cache
@login_required
def account_data(request, fmt):
    """A resident downloads everything the town holds about them (journaled)."""
    person = Person.objects.active().filter(user=request.user).first()
    if person is None:
        raise Http404
    body, content_type, filename = rights.person_data_export(
        person=person, actor=request.user, fmt=fmt, reason="resident download", request=request
    )
    return download(body, content_type, filename)
