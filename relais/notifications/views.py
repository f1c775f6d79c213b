from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relais.accounts.models import Role
from relais.accounts.permissions import staff_required
from relais.core.audit import audit_log
from relais.core.http import post_data
from relais.notifications import selectors, services, texts
from relais.notifications.forms import CallForm, TemplateForm
from relais.notifications.models import LetterBatch, Message, MessageStatus

# The outbox screen: reception agents print, post and call; managers follow what failed
# about their teams' records. Each sees only the messages they may (selectors).
OUTBOX_ROLES = (Role.RECEPTION, Role.MANAGER)
# Print batches hold every team's letters: only those who print them open them.
PRINT_ROLES = (Role.RECEPTION,)

# ---------------------------------------------------------------- letters and calls


@staff_required(*OUTBOX_ROLES)
def outbox(request):
    summary = selectors.outbox_summary(request.user)
    people = {m.person_id for m in summary["to_call"]} | {m.person_id for m in summary["failed"]}
    audit_log(actor=request.user, action="outbox.viewed", request=request, people=people)
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
    audit_log(actor=request.user, action="message.viewed", obj=message, person=message.person, request=request)
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
        action="message.viewed",
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
    audit_log(actor=request.user, action="message.printed", obj=message, person=message.person, request=request)
    response = HttpResponse(services.letter_pdf(message), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="courrier-{message.pk}.pdf"'
    return response


@staff_required(*OUTBOX_ROLES)
@require_POST
def message_retry(request, pk):
    message = get_object_or_404(selectors.messages_readable_by(request.user), pk=pk, status=MessageStatus.FAILED)
    try:
        services.message_retry(message=message, actor=request.user, request=request)
    except ValueError:
        messages.error(request, _("Ce message ne peut pas être renvoyé."))
    else:
        messages.success(request, _("Le message va être renvoyé."))
    return redirect("notifications:outbox")


# ---------------------------------------------------------------- message texts


@staff_required(Role.ADMINISTRATOR)
def template_list(request):
    defaults = sorted(texts.all_defaults().values(), key=lambda d: str(d.name))
    return render(
        request, "notifications/staff/template_list.html", {"defaults": defaults, "languages": settings.LANGUAGES}
    )


@staff_required(Role.ADMINISTRATOR)
def template_edit(request, code, language):
    default = texts.all_defaults().get(code)
    if default is None or language not in dict(settings.LANGUAGES):
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
    return render(
        request,
        "notifications/staff/template_form.html",
        {
            "default": default,
            "form": form,
            "preview": preview,
            "language": language,
            "languages": settings.LANGUAGES,
            "sample": sorted(default.sample),
        },
    )
