"""Staff pages of requests: the queue of a team, a case, recording a request from any
channel for a person, and the form builder of administrators."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from relais.accounts.models import Role
from relais.accounts.permissions import staff_person_or_404, staff_required
from relais.cases import selectors, services
from relais.cases.forms import (
    AnswerForm,
    AssignForm,
    BulkForm,
    CorrectionForm,
    DocumentForm,
    FormFieldForm,
    FormMetaForm,
    LocationForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RecordForm,
    RecordStartForm,
    ReplyForm,
    StatusForm,
)
from relais.cases.journal import Action
from relais.cases.models import Case, Form, FormField
from relais.cases.views_public import _file_response
from relais.core import access, content_language, pagecache
from relais.core.audit import audit_log
from relais.core.exports import table_response
from relais.core.forms import TranslationForm, add_refusal
from relais.core.http import channel_to_preselect, files_data, post_data, remember_channel, safe_next
from relais.core.models import Channel
from relais.core.templatetags.ui import error_summary
from relais.mandates.services import MandateRequired, mandate_refusal

WORKER_ROLES = selectors.WORKER_ROLES
RECORD_ROLES = (Role.RECEPTION, Role.CASE_WORKER, Role.MANAGER, Role.ADVISOR)
TAB_LABELS = {
    "nouvelles": gettext_lazy("Nouvelles"),
    "miennes": gettext_lazy("Mes dossiers"),
    "attente": gettext_lazy("En attente de l'habitant"),
    "retard": gettext_lazy("En retard"),
    "traitees": gettext_lazy("Traitées"),
    "toutes": gettext_lazy("Toutes"),
}


def _filter_fields(form) -> str:
    """The fields of the queue's filter panel. Their HTML depends only on the language, the
    choices offered (this team's forms, agents, places: read at each request) and what was
    typed: rendered once per process for each such combination (a click on a tab renders
    none of the ~40 options again), and again as soon as a choice changes."""
    if form.errors:
        return render_to_string("cases/staff/_queue_filter_fields.html", {"filter_form": form})
    return pagecache.remember(
        "cases:queue-filter-fields",
        lambda: render_to_string("cases/staff/_queue_filter_fields.html", {"filter_form": form}),
        form.is_bound and tuple((name, tuple(form.data.getlist(name))) for name in form.fields),
        tuple(
            (name, tuple((str(value), str(label)) for value, label in field.choices))
            for name, field in form.fields.items()
            if hasattr(field, "choices")
        ),
        version="",  # the parts are all the HTML depends on
    )


def _queue_filters(request):
    colleagues = list(selectors.colleagues(request.user))
    form = QueueFilterForm(request.GET or None, forms_qs=selectors.forms_of(request.user), assignees=colleagues)
    form.assignees = colleagues  # the bulk form offers the same
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})


@staff_required(*WORKER_ROLES)
def queue(request):
    tab = request.GET.get("onglet", "nouvelles")
    if tab not in selectors.TABS:
        tab = "nouvelles"
    filter_form, filters = _queue_filters(request)
    if filters.get("q") and request.GET.get("page") is None and access.looks_like_code(filters["q"]):
        # A resident's paper code, read on the phone: what it opens, if this agent may.
        try:
            found = access.staff_find(user=request.user, query=filters["q"], request=request)
        except access.StaffLookupRefused as refusal:
            found = None
            filter_form.add_error("q", refusal.message)  # beside the field, what was typed kept
        if found is not None:
            return redirect(found)
    if filters.get("q") and request.GET.get("page") is None and not filter_form.errors:
        # A whole reference, typed or read over the phone: straight to the case, whatever its
        # tab. The start of one ("2026-0001") lists the cases it begins.
        mine = Case.objects.filter(team_id__in=selectors.worker_team_ids(request.user))
        found = services.case_by_reference(mine, filters["q"], complete=True, actor=request.user, request=request)
        if found is not None:
            return redirect(found)
    counts = selectors.tab_counts(request.user)
    cases = selectors.queue(request.user, tab=tab, filters=filters)
    whole_tab = not any(value for key, value in filters.items() if key != "sort")
    page = selectors.page_of(
        cases, request.GET.get("page"), few=bool(filters.get("q")), count=counts[tab] if whole_tab else None
    )
    tabs = [(key, TAB_LABELS[key], counts[key]) for key in selectors.TABS]
    bulk = BulkForm(cases_qs=Case.objects.none(), assignees=filter_form.assignees)
    services.queue_viewed(actor=request.user, cases=page, tab=tab, request=request)
    return render(
        request,
        "cases/staff/queue.html",
        {
            "tab": tab,
            "tabs": tabs,
            "page_obj": page,
            "filter_form": filter_form,
            "filter_fields": _filter_fields(filter_form),
            "bulk_form": bulk,
        },
    )


@staff_required(*WORKER_ROLES)
@require_POST
def bulk(request):
    visible = Case.objects.filter(team_id__in=selectors.worker_team_ids(request.user))
    form = BulkForm(request.POST, cases_qs=visible, assignees=selectors.colleagues(request.user))
    if form.is_valid():
        done, refused = services.cases_bulk(
            cases=form.cleaned_data["cases"], action=form.cleaned_data["action"], actor=request.user, request=request
        )
        messages.success(request, _("%(n)s dossier(s) mis à jour.") % {"n": done})
        if refused:
            messages.warning(
                request,
                _("Ces dossiers ne pouvaient pas changer ainsi : %(refs)s.") % {"refs": ", ".join(refused)},
            )
    else:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), "cases:queue"))


@staff_required(*WORKER_ROLES)
def export(request, fmt):
    if fmt not in ("csv", "ods"):
        raise Http404
    tab = request.GET.get("onglet", "toutes")
    _form, filters = _queue_filters(request)
    cases = selectors.queue(request.user, tab=tab if tab in selectors.TABS else "toutes", filters=filters)
    header = [
        _("Référence"),
        _("Démarche"),
        _("État"),
        _("Canal"),
        _("Reçue le"),
        _("À traiter avant le"),
        _("Agent chargé"),
        _("Habitant"),
    ]
    rows, people = [], set()
    for c in cases.iterator(chunk_size=2000):
        people.add(c.person_id)
        rows.append(
            [
                c.reference,
                c.form.title,
                c.get_status_display(),
                c.get_channel_display(),
                timezone.localtime(c.submitted_at).replace(tzinfo=None),
                c.due_date,
                c.assignee.get_full_name() if c.assignee else "",
                c.person.display_name,
            ]
        )
    audit_log(
        actor=request.user,
        action=Action.QUEUE_EXPORTED,
        request=request,
        people=people,
        details={"format": fmt, "rows": len(rows), "tab": tab},
    )
    return table_response(fmt, f"dossiers-{timezone.localdate():%Y-%m-%d}", header, rows)


def _visible_case_or_404(request, reference) -> Case:
    try:
        return selectors.case_detail(selectors.cases_visible_to(request.user), reference)
    except Case.DoesNotExist:
        raise Http404 from None


@staff_required(*RECORD_ROLES)
def detail(request, reference):
    case = _visible_case_or_404(request, reference)
    worker = selectors.can_work(request.user, case)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        "status": StatusForm(request.POST if action == "status" else None, case=case),
        "assign": AssignForm(
            request.POST if action == "assign" else None, team=case.team, initial={"assignee": case.assignee_id}
        ),
        "note": NoteForm(request.POST if action == "note" else None),
        "message": MessageForm(request.POST if action == "message" else None),
        "document": DocumentForm(
            request.POST if action == "document" else None, request.FILES if action == "document" else None
        ),
        "reply": ReplyForm(
            request.POST if action == "reply" else None, request.FILES if action == "reply" else None, case=case
        ),
        "correction": CorrectionForm(
            request.POST if action == "correction" else None,
            case=case,
            initial={"field_key": request.GET.get("corriger", "")},
        ),
    }
    for name, form in forms.items():  # several forms share field names ("text"): each its own ids
        form.auto_id = f"id_{name}_%s"
    if action == "withdraw":
        return _withdraw_correction(request, case, worker)
    if action:
        allowed = {"document", "reply"} | ({"status", "assign", "note", "message", "correction"} if worker else set())
        form = forms.get(action)
        if action not in allowed or form is None:
            raise Http404
        if form.is_valid():
            try:
                _apply(action, form.cleaned_data, case, request)
            except MandateRequired as refused:  # a helper answering for the resident
                form.add_error(None, refused.message)
            except ValidationError as error:
                add_refusal(form, error)
            else:
                return redirect(case.get_absolute_url() + "#historique")
        case.refresh_from_db()  # shown again: as it is now (a correction may have just arrived)
    else:
        services.case_opened(case=case, actor=request.user, request=request)
    return render(
        request,
        "cases/staff/detail.html",
        {
            "case": case,
            "worker": worker,
            "forms": forms,
            "events": case.events.select_related("actor", "message", "correction_answer").prefetch_related("documents"),
            "corrections": case.corrections.pending() if worker else [],
            "correction_version": services.correction_version(case),
            "documents": case.documents.select_related("uploaded_by"),
            "may_mark_spam": worker and case.filed_online_without_account,
        },
    )


@staff_required(*WORKER_ROLES)
def spam(request, reference):
    """Mark a request sent online without an account as spam, after a confirmation page."""
    case = _visible_case_or_404(request, reference)
    if not selectors.can_work(request.user, case) or not case.filed_online_without_account:
        raise Http404
    if request.method == "POST":
        result = services.case_mark_spam(case=case, actor=request.user, request=request)
        text = _("La demande %(ref)s est supprimée comme indésirable.") % {"ref": result["reference"]}
        if result["blocked"]:
            text += " " + ngettext(
                "Son expéditeur ne peut plus faire de demande en ligne pendant %(days)s jour.",
                "Son expéditeur ne peut plus faire de demande en ligne pendant %(days)s jours.",
                result["days"],
            ) % {"days": result["days"]}
        messages.success(request, text)
        return redirect("cases:queue")
    services.case_opened_by_worker(case=case, actor=request.user, request=request)
    return render(
        request,
        "cases/staff/spam_confirm.html",
        {"case": case, "days": settings.RELAIS["CASES_SPAM_BLOCK_DAYS"], "documents": case.documents.count()},
    )


def _withdraw_correction(request, case: Case, worker: bool):
    """A worker withdraws a correction still asked (a second click changes nothing)."""
    if not worker:
        raise Http404
    correction = get_object_or_404(case.corrections, pk=request.POST.get("correction") or 0)
    services.correction_withdraw(correction=correction, actor=request.user, request=request)
    messages.success(request, _("La demande de correction est retirée."))
    return redirect(case.get_absolute_url() + "#correction-title")


def _apply(action: str, data: dict, case: Case, request) -> None:
    user = request.user
    if action == "status":
        services.case_change_status(
            case=case,
            status=data["status"],
            message=data["message"],
            seen_correction=data["correction_seen"],
            explain=True,
            actor=user,
            request=request,
        )
        messages.success(request, _("L'état du dossier est changé."))
    elif action == "assign":
        services.case_assign(case=case, assignee=data["assignee"], actor=user, request=request)
        messages.success(request, _("Le dossier est attribué."))
    elif action == "note":
        services.case_add_note(
            case=case, text=data["text"], actor=user, submission_key=data["submission_key"], request=request
        )
        messages.success(request, _("La note est ajoutée."))
    elif action == "message":
        services.case_message(
            case=case, text=data["text"], actor=user, submission_key=data["submission_key"], request=request
        )
        messages.success(request, _("Le message part par le moyen de contact de l'habitant."))
    elif action == "correction":
        services.correction_request(
            case=case,
            field_key=data["field_key"],
            reason=data["reason"],
            actor=user,
            submission_key=data["submission_key"],
            request=request,
        )
        messages.success(request, _("La demande de correction part par le moyen de contact de l'habitant."))
    elif action == "document":
        services.case_add_document(
            case=case, upload=data["document"], actor=user, submission_key=data["submission_key"], request=request
        )
        messages.success(request, _("Le document est ajouté."))
    elif action == "reply":
        services.case_resident_reply(
            case=case,
            text=data["text"],
            upload=data.get("document"),
            field_key=data.get("field_key") or "",
            actor=user,
            submission_key=data["submission_key"],
            request=request,
        )
        messages.success(request, _("La réponse est transmise au service."))


@staff_required(*RECORD_ROLES)
def document(request, reference, pk):
    case = _visible_case_or_404(request, reference)
    doc = get_object_or_404(case.documents, pk=pk)
    audit_log(
        actor=request.user,
        action=Action.CASE_DOCUMENT_VIEWED,
        obj=case,
        person=case.person,
        request=request,
        details={"document": doc.pk},
    )
    return _file_response(doc)


# ---------------------------------------------------------------- recording a request for a person


@staff_required(*RECORD_ROLES)
def record_start(request, person_pk):
    person = staff_person_or_404(request, person_pk, purpose="record a request")
    choosing = "form" in request.GET
    initial = {}
    offered = [value for value, _label in RecordStartForm(user=request.user).fields["channel"].choices]
    channel = channel_to_preselect(request, offered)
    if channel:
        initial["channel"] = channel
    form = RecordStartForm(request.GET if choosing else None, user=request.user, initial=initial)
    if choosing and form.is_valid():
        return redirect(
            reverse("cases:record", args=[person.pk, form.cleaned_data["form"].slug])
            + f"?canal={form.cleaned_data['channel']}"
        )
    return render(request, "cases/staff/record_start.html", {"person": person, "form": form})


@staff_required(*RECORD_ROLES)
def record(request, person_pk, slug):
    person = staff_person_or_404(request, person_pk, purpose="record a request")
    case_form = get_object_or_404(Form.objects.published(), slug=slug)
    start_form = RecordStartForm({"form": case_form.pk, "channel": request.GET.get("canal", "")}, user=request.user)
    if not start_form.is_valid():
        raise Http404
    channel = start_form.cleaned_data["channel"]
    on_behalf = channel == RecordStartForm.ON_BEHALF
    refusal = None
    if on_behalf:
        refusal = mandate_refusal(person=person, user=request.user, scope=case_form.mandate_scope)
    questions = list(case_form.fields.all())
    answers = AnswerForm(post_data(request), files_data(request), questions=questions, staff=True)
    location = LocationForm(post_data(request)) if case_form.asks_location else None
    extra = RecordForm(post_data(request), files_data(request))
    key = request.POST.get("submission_key", "")
    try:
        uuid.UUID(key)
    except ValueError:
        key = str(uuid.uuid4())
    if request.method == "POST" and refusal is None:
        valid = all([answers.is_valid(), extra.is_valid(), location is None or location.is_valid()])
        if valid:
            try:
                case = services.case_submit(
                    form=case_form,
                    person=person,
                    answers=answers.json_answers(),
                    uploads=answers.uploads(),
                    channel=Channel.ONLINE if on_behalf else channel,
                    recorded_by=request.user,
                    on_behalf=on_behalf,
                    submission_key=uuid.UUID(key),
                    location=location.cleaned_data if location else None,
                    place=extra.cleaned_data["place"],
                    scan=extra.cleaned_data["scan"],
                    request=request,
                )
            except MandateRequired as refused:  # the mandate ended while the form was being filled in
                answers.add_error(None, refused.message)
            except ValidationError as error:
                add_refusal(answers, error)
            else:
                remember_channel(request, channel)
                messages.success(
                    request,
                    _("La demande %(ref)s est enregistrée. Le récépissé part par le moyen de contact de la personne.")
                    % {"ref": case.reference},
                )
                if selectors.cases_visible_to(request.user).filter(pk=case.pk).exists():
                    return redirect(case)
                return redirect(person)
    return render(
        request,
        "cases/staff/record.html",
        {
            "person": person,
            "case_form": case_form,
            "channel_label": dict(start_form.fields["channel"].choices)[channel],
            "answers": answers,
            "location": location,
            "extra": extra,
            "submission_key": key,
            "refusal": refusal,
            "show_scan": channel in (Channel.POST, Channel.EMAIL),
        },
        status=403 if refusal else 200,
    )


# ---------------------------------------------------------------- form builder


@staff_required(Role.ADMINISTRATOR)
def form_list(request):
    forms = Form.objects.select_related("team", "procedure").order_by("title")
    return render(request, "cases/staff/form_list.html", {"forms": forms})


@staff_required(Role.ADMINISTRATOR)
def form_edit(request, slug=None):
    instance = get_object_or_404(Form, slug=slug) if slug else None
    meta = FormMetaForm(post_data(request), instance=instance)
    if request.method == "POST" and meta.is_valid():
        saved = services.form_save(form=meta, actor=request.user, request=request)
        messages.success(request, _("La démarche est enregistrée."))
        return redirect("cases:form_edit", slug=saved.slug)
    fields = instance.fields.all() if instance else []
    return render(
        request,
        "cases/staff/form_edit.html",
        {
            "meta": meta,
            "instance": instance,
            "fields": fields,
            "languages": content_language.translation_languages(),
        },
    )


@staff_required(Role.ADMINISTRATOR)
def form_translate(request, slug, lang):
    """The translation of a form (title, introduction, documents) and of its questions (label,
    help, choices) in one offered language, on one page."""
    case_form = get_object_or_404(Form, slug=slug)
    if lang == "fr" or not content_language.is_offered(lang):
        raise Http404
    data = post_data(request)
    form_part = TranslationForm(data, obj=case_form, lang=lang, fields=Form.TRANSLATED_FIELDS, prefix="demarche")
    question_parts = [
        (question, TranslationForm(data, obj=question, lang=lang, fields=fields, prefix=f"q{question.pk}"))
        for question in case_form.fields.all()
        for fields in [FormField.TRANSLATED_FIELDS if question.choices.strip() else ("label", "help_text")]
    ]
    every = [form_part, *(part for _q, part in question_parts)]
    valid = [part.is_valid() for part in every]  # every part checked: each shows its errors
    if request.method == "POST" and all(valid):
        services.form_translate(
            form=case_form,
            lang=lang,
            texts=form_part.texts(),
            questions={question: part.texts() for question, part in question_parts},
            actor=request.user,
            request=request,
        )
        messages.success(
            request,
            _("La traduction (%(language)s) est enregistrée.") % {"language": content_language.language_name(lang)},
        )
        return redirect("cases:form_edit", slug=slug)
    return render(
        request,
        "cases/staff/form_translate.html",
        {
            "case_form": case_form,
            "form_part": form_part,
            "question_parts": question_parts,
            "errors": error_summary(*every) if request.method == "POST" else "",
            "lang": lang,
            "language": content_language.language_name(lang),
            "languages": content_language.translation_languages(),
        },
    )


@staff_required(Role.ADMINISTRATOR)
def field_edit(request, slug, pk=None):
    case_form = get_object_or_404(Form, slug=slug)
    instance = get_object_or_404(FormField, pk=pk, form=case_form) if pk else None
    field_form = FormFieldForm(post_data(request), instance=instance, form=case_form)
    if request.method == "POST" and field_form.is_valid():
        services.field_save(field_form=field_form, actor=request.user, request=request)
        messages.success(request, _("La question est enregistrée."))
        return redirect("cases:form_edit", slug=slug)
    return render(
        request, "cases/staff/field_edit.html", {"case_form": case_form, "field_form": field_form, "instance": instance}
    )


@staff_required(Role.ADMINISTRATOR)
@require_POST
def field_action(request, slug, pk):
    case_form = get_object_or_404(Form, slug=slug)
    field = get_object_or_404(FormField, pk=pk, form=case_form)
    action = request.POST.get("action")
    if action == "delete":
        services.field_delete(field=field, actor=request.user, request=request)
        messages.success(request, _("La question est supprimée. Les demandes déjà reçues la gardent."))
    elif action in ("up", "down"):
        services.field_move(field=field, offset=-1 if action == "up" else 1, actor=request.user, request=request)
    return redirect(reverse("cases:form_edit", args=[slug]) + "#questions")
