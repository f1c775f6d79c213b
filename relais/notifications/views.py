from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from relais.accounts.models import Role
from relais.accounts.permissions import looks_people_up, staff_required
from relais.core import content_language
from relais.core.audit import audit_log
from relais.core.http import post_data
from relais.core.paging import paginate
from relais.notifications import selectors, services, texts, worker
from relais.notifications.forms import CallForm, HeldForm, RecipientSearchForm, ResendSinceForm, TemplateForm
from relais.notifications.journal import Action
from relais.notifications.models import LetterBatch, Message, MessageStatus
from relais.notifications.sms import measure as sms_measure

# The outbox screen: reception agents print, post and call; managers follow what failed
# about their teams' records. Each sees only the messages they may (selectors).
OUTBOX_ROLES = (Role.RECEPTION, Role.MANAGER)
# Print batches hold every team's letters: only those who print them open them.
PRINT_ROLES = (Role.RECEPTION,)

# ---------------------------------------------------------------- letters and calls


@staff_required(*OUTBOX_ROLES)
def outbox(request):
    summary = selectors.outbox_summary(request.user)
    summary["to_call"] = paginate(request, summary["to_call"], 50)
    people = {m.person_id for m in summary["to_call"]}  # the only people the page names
    audit_log(actor=request.user, action=Action.OUTBOX_VIEWED, request=request, people=people)
    return render(request, "notifications/staff/outbox.html", {**summary, "call_form": CallForm()})


@staff_required(*PRINT_ROLES)
@require_POST
def batch_create(request):
    batch = services.letters_batch_create(actor=request.user, request=request)
    if batch is None:
        messages.info(request, _("Aucun courrier n'attend d'être imprimé."))
    else:
        messages.success(
            request,
            _("Le lot n° %(n)s est prêt : téléchargez-le, imprimez-le, postez-le, puis indiquez-le ici.")
            % {"n": batch.pk},
        )
    return redirect("notifications:outbox")


@staff_required(*PRINT_ROLES)
def batch_pdf(request, pk):
    batch = get_object_or_404(LetterBatch, pk=pk)
    pdf = services.letters_batch_download(batch=batch, actor=request.user, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="courriers-lot-{batch.pk}.pdf"'
    return response


@staff_required(*PRINT_ROLES)
@require_POST
def batch_posted(request, pk):
    batch = get_object_or_404(LetterBatch, pk=pk)
    try:
        services.letters_batch_mark_posted(batch=batch, actor=request.user, request=request)
    except ValueError:
        messages.error(request, _("Téléchargez et imprimez le lot avant de le marquer comme posté."))
    else:
        messages.success(request, _("Le lot n° %(n)s est marqué comme posté.") % {"n": batch.pk})
    return redirect("notifications:outbox")


@staff_required(*PRINT_ROLES)
def batch_recipients(request, pk):
    """Who a batch writes to, one line per envelope in date order, searchable by name: the
    counter answers "did you send me a letter?" and checks the envelopes (printable)."""
    batch = get_object_or_404(LetterBatch.objects.annotate(messages=Count("letters")), pk=pk)
    form = RecipientSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    envelopes = selectors.batch_recipients(batch, query)
    audit_log(
        actor=request.user,
        action=Action.LETTER_BATCH_RECIPIENTS_VIEWED,
        obj=batch,
        request=request,
        people={letter.person_id for envelope in envelopes for letter in envelope.letters},
        details={"search": True} if query else {},
    )
    return render(
        request,
        "notifications/staff/batch_recipients.html",
        {"batch": batch, "envelopes": envelopes, "form": form, "query": query},
    )


@staff_required(*OUTBOX_ROLES)
def call(request, pk):
    message = get_object_or_404(selectors.messages_readable_by(request.user).to_call().select_related("person"), pk=pk)
    form = CallForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.call_record(
                message=message,
                actor=request.user,
                reached=form.cleaned_data["reached"],
                notes=form.cleaned_data["notes"],
                request=request,
            )
        except ValueError:
            messages.info(request, _("Un collègue vient de noter cet appel."))
        else:
            messages.success(request, _("L'appel est noté."))
        return redirect("notifications:outbox")
    audit_log(actor=request.user, action=Action.MESSAGE_VIEWED, obj=message, person=message.person, request=request)
    return render(request, "notifications/staff/call.html", {"message": message, "form": form})


# ---------------------------------------------------------------- one message


def _message_or_404(request, queryset, pk, *, content: bool = True) -> tuple[Message, selectors.Access]:
    """A message to a resident and how much of it the staff member may see (404 when
    nothing, or when `content` is needed and only the envelope may be seen)."""
    message = get_object_or_404(queryset, pk=pk)
    access = selectors.message_access(request.user, message)
    if access is None or (content and access is not selectors.Access.CONTENT):
        raise Http404
    return message, access


@staff_required()
def message_detail(request, pk):
    message, access = _message_or_404(request, Message.objects.select_related("person", "batch"), pk, content=False)
    readable = access is selectors.Access.CONTENT
    audit_log(
        actor=request.user,
        action=Action.MESSAGE_VIEWED,
        obj=message,
        person=message.person,
        request=request,
        details={} if readable else {"envelope_only": True},
    )
    return render(request, "notifications/staff/message_detail.html", {"message": message, "readable": readable})


@staff_required()
def message_letter(request, pk):
    """A single letter as PDF (to hand over at the counter or re-post): its content, so
    only for staff who may read it."""
    message, _access = _message_or_404(request, Message.objects.select_related("person").filter(channel="letter"), pk)
    audit_log(actor=request.user, action=Action.MESSAGE_PRINTED, obj=message, person=message.person, request=request)
    response = HttpResponse(services.letter_pdf(message), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="courrier-{message.pk}.pdf"'
    return response


@staff_required(*OUTBOX_ROLES)
@require_POST
def message_retry(request, pk):
    message = get_object_or_404(selectors.messages_listed_for(request.user), pk=pk, status=MessageStatus.FAILED)
    try:
        fallback = services.message_retry(message=message, actor=request.user, request=request)
    except services.CannotResend as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _RESENT[fallback])
    return redirect("notifications:unreachable")


_RESENT = {
    "": _lazy("Le message va être renvoyé."),
    services.FALLBACK_CANCELLED: _lazy(
        "Le message va être renvoyé. Le courrier ou l'appel prévu à la place est annulé ; "
        "il sera refait si ce nouvel envoi échoue."
    ),
    services.FALLBACK_ALREADY_GONE: _lazy(
        "Le message va être renvoyé. Le courrier ou l'appel déjà fait à la place reste compté : "
        "la personne recevra les deux."
    ),
}


# ---------------------------------------------------------------- could not reach


UNREACHABLE_ROWS = 50  # per page, in each of the two lists


def _unreachable_page(request, resend_form, status=200):
    lists = selectors.unreachable(request.user)
    # By pages of 50 each (`?page=` and `?remplaces=`), counted up to the kernel's cap.
    nobody = paginate(request, lists["nobody"], UNREACHABLE_ROWS)
    replaced = paginate(request, lists["replaced"], UNREACHABLE_ROWS, param="remplaces")
    audit_log(
        actor=request.user,
        action=Action.OUTBOX_UNREACHABLE_VIEWED,
        request=request,
        people={m.person_id for m in [*nobody, *replaced]},
    )
    return render(
        request,
        "notifications/staff/unreachable.html",
        {
            "nobody": nobody,
            "replaced": replaced,
            "resend_form": resend_form,
            "edits_people": looks_people_up(request.user),
        },
        status=status,
    )


@staff_required(*OUTBOX_ROLES)
def unreachable(request):
    """Residents whom a message could not reach: why, their other contact details, resend."""
    return _unreachable_page(request, ResendSinceForm())


@staff_required(*OUTBOX_ROLES)
@require_POST
def resend_since(request):
    """After an outage: send again every failed message (that this staff member sees) since a time."""
    form = ResendSinceForm(request.POST)
    if not form.is_valid():
        return _unreachable_page(request, form, status=400)
    lists = selectors.unreachable(request.user)
    since = form.cleaned_data["since"]
    failed = [*lists["nobody"].filter(created_at__gte=since), *lists["replaced"].filter(created_at__gte=since)]
    counts = services.messages_resend(messages=failed, actor=request.user, request=request)
    messages.success(
        request,
        ngettext("%(n)s message va être renvoyé.", "%(n)s messages vont être renvoyés.", counts["resent"])
        % {"n": counts["resent"]},
    )
    if counts["skipped"]:
        messages.warning(
            request,
            ngettext(
                "%(n)s message n'a pas pu être renvoyé : la fiche de la personne n'a pas d'adresse utilisable.",
                "%(n)s messages n'ont pas pu être renvoyés : la fiche des personnes n'a pas d'adresse utilisable.",
                counts["skipped"],
            )
            % {"n": counts["skipped"]},
        )
    return redirect("notifications:unreachable")


# ---------------------------------------------------------------- held outbox (after a restore)


@staff_required(Role.ADMINISTRATOR)
def held(request):
    """Messages held back (after a restore): send them or not, all at once."""
    form = HeldForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        discard = form.cleaned_data["decision"] == "discard"
        count = services.outbox_release(discard=discard, actor=request.user, request=request)
        if discard:
            messages.success(
                request, ngettext("%(n)s message est annulé.", "%(n)s messages sont annulés.", count) % {"n": count}
            )
        else:
            messages.success(
                request, ngettext("%(n)s message va partir.", "%(n)s messages vont partir.", count) % {"n": count}
            )
        return redirect("notifications:held")
    summary = selectors.held_summary()
    return render(
        request, "notifications/staff/held.html", {**summary, "form": form}, status=400 if form.errors else 200
    )


# ---------------------------------------------------------------- monitoring


@require_GET
@never_cache
def healthz_deep(request):
    """For a monitor: the worker's last heartbeat and the outbox backlog, as counts only (no
    personal data). 503 when no worker has beaten for WORKER_HEARTBEAT_MAX_AGE seconds, so
    a dead worker is seen. Closed by HEALTHZ_TOKEN when the town sets one."""
    token = settings.HEALTHZ_TOKEN
    if token:
        given = request.GET.get("token") or request.headers.get("X-Healthz-Token") or ""
        if not constant_time_compare(given, token):
            return JsonResponse({"status": "forbidden"}, status=403)
    try:
        health = worker.outbox_health()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    status = "ok" if health["worker_alive"] else "worker_down"
    return JsonResponse({"status": status, "database": "ok", **health}, status=200 if health["worker_alive"] else 503)


# ---------------------------------------------------------------- message texts


@staff_required(Role.ADMINISTRATOR)
def template_list(request):
    defaults = sorted(texts.all_defaults().values(), key=lambda d: str(d.name))
    return render(
        request,
        "notifications/staff/template_list.html",
        {"defaults": defaults, "languages": content_language.offered_languages()},
    )


@staff_required(Role.ADMINISTRATOR)
def template_edit(request, code, language):
    default = texts.all_defaults().get(code)
    if default is None or not content_language.is_offered(language):
        raise Http404
    subject, body, sms = texts.texts_for(code, language)
    sample = {
        **texts.base_context(None),
        "person": {"first_name": "Jeanne", "last_name": "Martin", "display_name": "Jeanne Martin"},
        **default.sample,
    }
    form = TemplateForm(
        post_data(request),
        initial={"subject": subject, "body": body, "sms": sms},
        allowed=texts.allowed_variables(default),
        sample=sample,
    )
    preview = None
    if request.method == "POST" and "reset" in request.POST:
        services.template_reset(code=code, language=language, actor=request.user, request=request)
        messages.success(request, _("Le texte d'origine est rétabli."))
        return redirect("notifications:template_edit", code=code, language=language)
    if request.method == "POST" and form.is_valid() and "preview" not in request.POST:
        services.template_save(code=code, language=language, actor=request.user, request=request, **form.cleaned_data)
        messages.success(request, _("Le modèle est enregistré."))
        return redirect("notifications:template_edit", code=code, language=language)
    source = form.cleaned_data if form.is_bound and form.is_valid() else {"subject": subject, "body": body, "sms": sms}
    preview = {k: texts.render_text(v, sample) for k, v in source.items()}
    # Counted on the preview and after saving (the page shows the saved text): a warning above
    # two SMS, never a refusal.
    sms_size = sms_measure(preview["sms"]) if preview["sms"] else None
    return render(
        request,
        "notifications/staff/template_form.html",
        {
            "default": default,
            "form": form,
            "preview": preview,
            "language": language,
            "languages": content_language.offered_languages(),
            "sample": sorted(default.sample),
            "sms_size": sms_size,
            "sms_too_long": _SMS_TOO_LONG % {"n": sms_size.segments} if sms_size and sms_size.too_long else "",
        },
    )


_SMS_TOO_LONG = _lazy(
    "Avec les valeurs d'exemple, ce SMS part en %(n)s morceaux, facturés chacun comme un SMS : "
    "raccourcissez-le si vous le pouvez (un SMS tient en 160 caractères, ou 70 avec un caractère spécial)."
)
