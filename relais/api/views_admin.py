"""The administrator's screens for partner applications: keys, scopes, webhooks and their log.

A raw key or webhook secret is shown once: the action keeps it a few minutes in the cache
under the form's submission key (and the administrator's and application's ids), never in
a URL nor in the session, and redirects to the reveal page for that submission key, which
takes it out of the cache as it shows it. A double click (same submission key: the service
returns the first record and no secret) lands on the same reveal page: whichever of the
two redirects the browser follows shows the secret, once; after that the page says it was
already shown.
"""

from __future__ import annotations

import datetime
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from relais.accounts.models import Role
from relais.accounts.permissions import staff_required
from relais.api import services, webhooks
from relais.api.forms import ApplicationEditForm, ApplicationForm, KeyRotateForm, WebhookForm
from relais.api.models import Application, ApplicationKey, WebhookDelivery, WebhookEndpoint
from relais.core.forms import add_refusal
from relais.core.http import post_data

REVEAL_KEPT = 300  # seconds a secret waits in the cache for its reveal page
DELIVERIES_SHOWN = 50

administrator = staff_required(Role.ADMINISTRATOR)


def _slot(request, application: Application, token: str) -> str:
    return f"api-reveal:{request.user.pk}:{application.pk}:{token}"


def _reveal(request, application: Application, kind: str, value: str | None, submission_key, **extra):
    """Keep the secret for its reveal page (keyed by the submission key); redirect there."""
    token = str(submission_key or uuid.uuid4())
    if value:
        shown = {"kind": kind, "value": value, **extra}
        cache.set(_slot(request, application, token), shown, REVEAL_KEPT)
    url = reverse("api_admin:application_reveal", args=[application.pk])
    return redirect(f"{url}?{urlencode({'k': token})}")


def _application(pk) -> Application:
    return get_object_or_404(Application.objects.select_related("team"), pk=pk)


@administrator
def application_list(request):
    keys = ApplicationKey.objects.order_by("-created_at")
    applications = (
        Application.objects.select_related("team")
        .prefetch_related(Prefetch("keys", queryset=keys))
        .annotate(last_used_at=Max("keys__last_used_at"))
        .order_by("revoked_at", "name")
    )
    return render(request, "api/admin/application_list.html", {"applications": applications})


@administrator
@never_cache
def application_create(request):
    form = ApplicationForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application, raw = services.application_create(
                name=data["name"], scopes=data["scopes"], team=data["team"], role=data["role"] or "",
                contact_email=data["contact_email"], rate_limit=data["rate_limit"], actor=request.user,
                submission_key=data.get("submission_key"), request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_refusal(form, error)
        else:
            return _reveal(request, application, "key", raw, data.get("submission_key"))
    return render(request, "api/admin/application_form.html", {"form": form})


@administrator
@never_cache
def application_reveal(request, pk):
    """The key (or webhook secret) just made, shown once; then gone from the cache."""
    application = _application(pk)
    token = request.GET.get("k", "")[:64]
    slot = _slot(request, application, token)
    shown = cache.get(slot) if token else None
    if shown is not None and not cache.delete(slot):
        shown = None  # another page took it out first
    return render(request, "api/admin/reveal.html", {"application": application, "shown": shown})


@administrator
def application_detail(request, pk):
    application = _application(pk)
    form = ApplicationEditForm(
        post_data(request),
        initial={"contact_email": application.contact_email, "scopes": application.scopes,
                 "rate_limit": application.rate_limit},
    )  # fmt: skip
    if request.method == "POST" and application.is_active and form.is_valid():
        try:
            services.application_update(application=application, actor=request.user, request=request,
                                        **form.cleaned_data)  # fmt: skip
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Les droits de l'application sont enregistrés."))
            return redirect("api_admin:application_detail", pk=application.pk)
    return render(
        request,
        "api/admin/application_detail.html",
        {
            "application": application,
            "form": form,
            "rotate_form": KeyRotateForm(),
            "keys": application.keys.select_related("created_by"),
            "webhooks": application.webhooks.all(),
            "events": dict(webhooks.events_for(application)),
        },
    )


@administrator
@require_POST
@never_cache
def key_rotate(request, pk):
    application = _application(pk)
    form = KeyRotateForm(request.POST)
    key = form.cleaned_data.get("submission_key") if form.is_valid() else None
    try:
        raw = services.key_rotate(application=application, actor=request.user, submission_key=key, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("api_admin:application_detail", pk=application.pk)
    return _reveal(request, application, "key", raw, key, rotated=True)


@administrator
@require_POST
def key_revoke(request, pk, key_pk):
    application = _application(pk)
    key = get_object_or_404(application.keys, pk=key_pk)
    services.key_revoke(key=key, actor=request.user, request=request)
    messages.success(request, _("La clé %(prefix)s… ne marche plus.") % {"prefix": key.prefix})
    return redirect("api_admin:application_detail", pk=application.pk)


@administrator
def application_revoke(request, pk):
    """GET: what revoking does, and a button; POST: revoke (again: nothing more happens)."""
    application = _application(pk)
    if request.method == "POST":
        if application.is_active:
            services.application_revoke(application=application, actor=request.user, request=request)
        messages.success(request, _("L'application « %(name)s » est révoquée.") % {"name": application.name})
        return redirect("api_admin:application_detail", pk=application.pk)
    return render(request, "api/admin/application_revoke.html", {"application": application})


@administrator
@never_cache
def webhook_create(request, pk):
    application = _application(pk)
    if not application.is_active:
        return redirect("api_admin:application_detail", pk=application.pk)
    form = WebhookForm(post_data(request), application=application)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_create(
                application=application, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
                actor=request.user, submission_key=form.cleaned_data.get("submission_key"), request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_refusal(form, error)
        else:
            return _reveal(request, application, "secret", secret, form.cleaned_data.get("submission_key"),
                           endpoint=endpoint.pk, url=endpoint.url)  # fmt: skip
    return render(request, "api/admin/webhook_form.html", {"application": application, "form": form})


def _endpoint(pk, webhook_pk) -> WebhookEndpoint:
    # By its own id only (a foreign key compared to a huge number would reach the database).
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("application"), pk=webhook_pk)
    if endpoint.application_id != pk:
        raise Http404
    return endpoint


@administrator
def webhook_detail(request, pk, webhook_pk):
    """The address, its events (editable), and its delivery log."""
    endpoint = _endpoint(pk, webhook_pk)
    application = endpoint.application
    form = WebhookForm(
        post_data(request),
        application=application,
        editing=True,
        initial={"url": endpoint.url, "events": endpoint.events, "is_active": endpoint.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.webhook_update(
                endpoint=endpoint, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
                is_active=form.cleaned_data["is_active"], actor=request.user, request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("L'adresse de rappel est enregistrée."))
            return redirect("api_admin:webhook_detail", pk=application.pk, webhook_pk=endpoint.pk)
    deliveries = list(endpoint.deliveries.order_by("-created_at")[:DELIVERIES_SHOWN])
    now = timezone.now()
    for delivery in deliveries:
        delivery.stuck = webhooks.is_stuck(delivery, now=now)
        for attempt in delivery.attempt_log:  # shown in local time, as the other dates
            try:
                attempt["when"] = timezone.localtime(datetime.datetime.fromisoformat(attempt["at"]))
            except (KeyError, TypeError, ValueError):
                attempt["when"] = None
    return render(
        request,
        "api/admin/webhook_detail.html",
        {"application": application, "endpoint": endpoint, "form": form, "deliveries": deliveries,
         "shown": DELIVERIES_SHOWN},
    )  # fmt: skip


@administrator
@require_POST
def webhook_delete(request, pk, webhook_pk):
    if not WebhookEndpoint.objects.filter(pk=webhook_pk).exists() and Application.objects.filter(pk=pk).exists():
        return redirect("api_admin:application_detail", pk=pk)  # a second click: already deleted
    endpoint = _endpoint(pk, webhook_pk)
    webhooks.webhook_delete(endpoint=endpoint, actor=request.user, request=request)
    messages.success(request, _("L'adresse de rappel est supprimée."))
    return redirect("api_admin:application_detail", pk=pk)


@administrator
@require_POST
def delivery_resend(request, pk, delivery_pk):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=delivery_pk)
    if delivery.endpoint.application_id != pk:
        raise Http404
    webhooks.delivery_resend(delivery=delivery, actor=request.user, request=request)
    messages.success(request, _("L'envoi est relancé."))
    return redirect("api_admin:webhook_detail", pk=pk, webhook_pk=delivery.endpoint_id)
