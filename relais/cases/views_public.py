"""Resident pages of requests: start, one question per page with a draft saved at each
step, contact details, a "check your answers" page, then the receipt and the follow-up
page reached from a private link (no account needed)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relais.accounts.models import Role
from relais.accounts.permissions import has_role
from relais.cases import funnel, selectors, services, street_selectors
from relais.cases.forms import (
    AnswerForm,
    ContactForm,
    CorrectionAnswerForm,
    LocationForm,
    LookupForm,
    ReplyForm,
    display,
    from_json,
)
from relais.cases.models import Case, Device, Draft, FieldKind, Form, FormField
from relais.core.content_language import (
    QUERY_PARAMETER,
    is_offered,
    language_query,
    localized,
    page_language,
    requested_language,
)
from relais.core.forms import add_refusal
from relais.core.http import files_data, post_data
from relais.core.models import Person
from relais.core.pdf import large_print_asked


def _form_or_404(request, slug) -> Form:
    form = get_object_or_404(Form.objects.select_related("team"), slug=slug)
    if not form.published and not has_role(request.user, Role.ADMINISTRATOR):
        raise Http404
    return form


def _steps(form: Form, user) -> list[tuple[str, int]]:
    """The pages of a request, in order: ("question", n) or a named step ("location",
    "contact", "check"). The order is the funnel's (cases.funnel.steps_of), between
    "start" and "sent"; a visitor with an account has no "contact" page."""
    pages = []
    for name in funnel.steps_of(form):
        if name.startswith(funnel.QUESTION_PREFIX) or name == funnel.QUESTIONS:
            pages.append(("question", sum(1 for page, _n in pages if page == "question")))
        elif name == funnel.CONTACT and user.is_authenticated:
            continue
        elif name not in (funnel.START, funnel.SENT):
            pages.append((name, 0))
    return pages


def _shown(form: Form, draft: Draft, step: str, *, fields=None) -> dict | None:
    """Count a step page shown in the form's funnel; the device hint's image addresses while
    the draft's device class is unknown (cases/_device_hint.html), else None."""
    funnel.step_shown(draft, step, form=form, fields=fields)
    if draft.device or draft.funnel_at is None or not funnel.enabled():
        return None
    return {d: reverse("cases:device_hint", args=[form.slug, draft.key, d]) for d in (Device.PHONE, Device.LARGE)}


def _step_url(form: Form, draft: Draft, step: tuple[str, int]) -> str:
    name, n = step
    if name == "question":
        return reverse("cases:question", args=[form.slug, draft.key, n + 1])
    return reverse(f"cases:{name}", args=[form.slug, draft.key])


def _next_page(request, form, step) -> tuple[str, int]:
    if request.GET.get("retour") == "verifier":
        return ("check", 0)
    steps = _steps(form, request.user)
    return steps[steps.index(step) + 1]


def _next_url(request, form, draft, step) -> str:
    return _step_url(form, draft, _next_page(request, form, step))


def _funnel_name(form: Form, page: tuple[str, int], fields=None) -> str:
    """The funnel step (cases.funnel) of a page ("question", n) or ("check", 0)…"""
    name, n = page
    if name != "question":
        return name
    if not form.one_question_per_page:
        return funnel.QUESTIONS
    fields = list(form.fields.all()) if fields is None else fields
    return funnel.QUESTION_PREFIX + fields[n].key


def _previous_url(request, form, draft, step) -> str:
    steps = _steps(form, request.user)
    index = steps.index(step)
    return _step_url(form, draft, steps[index - 1]) if index else form.get_absolute_url() + language_query(request)


def _draft_or_404(request, form: Form, key) -> Draft:
    draft = get_object_or_404(Draft, key=key, form=form)
    if draft.user_id and draft.user_id != getattr(request.user, "pk", None):
        raise Http404
    _keep_draft_language(request, draft)
    return draft


def _keep_draft_language(request, draft: Draft | None) -> None:
    """The content language the request was started in (`?langue=tr` on its start page) holds
    on every later page, whatever the links carry."""
    kept = (draft.data or {}).get(QUERY_PARAMETER) if draft is not None else None
    if is_offered(kept):
        request.content_language = kept


def _sent(draft: Draft):
    """A draft already sent leads to its case (back button, second click)."""
    if draft.case_id:
        case = draft.case
        return redirect(case.get_tracking_url())
    return None


@require_GET
def online_forms(request):
    forms = Form.objects.published().select_related("team").order_by("title")
    return render(request, "cases/online_forms.html", {"forms": forms})


@never_cache
def start(request, slug):
    form = _form_or_404(request, slug)
    needs_login = form.requires_account and not request.user.is_authenticated
    if request.method == "POST":
        if needs_login:
            return redirect_to_login(request.get_full_path())
        asked = request.GET.get(QUERY_PARAMETER, "")
        draft = services.draft_start(
            form=form,
            user=request.user,
            data={QUERY_PARAMETER: asked} if is_offered(asked) and asked != page_language() else {},
            device=funnel.device_from_hints(request),
        )
        return redirect(_step_url(form, draft, _steps(form, request.user)[0]))
    return render(
        request,
        "cases/start.html",
        {"form": form, "needs_login": needs_login, "questions": form.fields.all()},
    )


@never_cache
def question(request, slug, key, n):
    form = _form_or_404(request, slug)
    draft = _draft_or_404(request, form, key)
    if (sent := _sent(draft)) is not None:
        return sent
    all_questions = list(form.fields.all())
    if form.one_question_per_page:
        if not 1 <= n <= len(all_questions):
            raise Http404
        questions = [all_questions[n - 1]]
        step = ("question", n - 1)
        funnel_step = funnel.QUESTION_PREFIX + questions[0].key
    else:
        if n != 1:
            raise Http404
        questions, step, funnel_step = all_questions, ("question", 0), funnel.QUESTIONS
    saved = draft.data.get("answers", {})
    has_files = set(draft.files.values_list("field_key", flat=True))
    initial = {q.key: from_json(q, saved.get(q.key)) for q in questions if q.kind != FieldKind.FILE}
    answer_form = AnswerForm(
        post_data(request),
        files_data(request),
        questions=questions,
        has_files=has_files,
        initial=initial,
        lang=requested_language(request),
    )
    if request.method == "POST" and answer_form.is_valid():
        try:
            services.draft_save_answers(
                draft=draft,
                answers=answer_form.json_answers(),
                uploads=answer_form.uploads(),
                reached=_funnel_name(form, _next_page(request, form, step), all_questions),
            )
        except ValidationError as error:  # e.g. the request's documents would weigh too much
            add_refusal(answer_form, error)
        else:
            return redirect(_next_url(request, form, draft, step))
    return render(
        request,
        "cases/question.html",
        {
            "form": form,
            "draft": draft,
            "answer_form": answer_form,
            "single": form.one_question_per_page,
            "step_number": n,
            "step_count": len(all_questions) if form.one_question_per_page else 1,
            "back_url": _previous_url(request, form, draft, step),
            "files": {f.field_key: f for f in draft.files.all()},
            "device_hint": _shown(form, draft, funnel_step, fields=all_questions),
        },
    )


@never_cache
def location(request, slug, key):
    form = _form_or_404(request, slug)
    draft = _draft_or_404(request, form, key)
    if not form.asks_location:
        raise Http404
    if (sent := _sent(draft)) is not None:
        return sent
    location_form = LocationForm(post_data(request), initial=draft.data.get("location", {}))
    if request.method == "POST" and location_form.is_valid():
        nearby = street_selectors.reports_near(form=form, location=location_form.cleaned_data, limit=1)
        services.draft_save(
            draft=draft,
            location=location_form.cleaned_data,
            # With reports nearby the resident sees "Déjà signalé ?" first: the next step is
            # counted when its page is shown, if they go on (not when they say "moi aussi").
            reached="" if nearby else _funnel_name(form, _next_page(request, form, ("location", 0))),
        )
        if nearby:
            # "Déjà signalé ?" (cases.views_street) before going on
            query = "?retour=verifier" if request.GET.get("retour") == "verifier" else ""
            return redirect(reverse("cases:street_nearby", args=[form.slug, draft.key]) + query)
        return redirect(_next_url(request, form, draft, ("location", 0)))
    return render(
        request,
        "cases/location.html",
        {
            "form": form,
            "draft": draft,
            "location_form": location_form,
            "back_url": _previous_url(request, form, draft, ("location", 0)),
            "device_hint": _shown(form, draft, funnel.LOCATION),
        },
    )


@never_cache
def contact(request, slug, key):
    form = _form_or_404(request, slug)
    draft = _draft_or_404(request, form, key)
    if request.user.is_authenticated:
        return redirect("cases:check", slug=slug, key=key)
    if (sent := _sent(draft)) is not None:
        return sent
    contact_form = ContactForm(post_data(request), initial=draft.data.get("contact", {}))
    if request.method == "POST" and contact_form.is_valid():
        services.draft_save(draft=draft, contact=contact_form.cleaned_data, reached=funnel.CHECK)
        return redirect("cases:check", slug=slug, key=key)
    return render(
        request,
        "cases/contact.html",
        {
            "form": form,
            "draft": draft,
            "contact_form": contact_form,
            "back_url": _previous_url(request, form, draft, ("contact", 0)),
            "device_hint": _shown(form, draft, funnel.CONTACT),
        },
    )


def _chosen(question: FormField, value, lang: str):
    """A choice answer as the resident chose it: the choices' labels in `lang`, each marked
    with its language (the value kept is the French text)."""
    labels = dict(question.choice_labels(lang))
    chosen = value if isinstance(value, list) else [value]
    return format_html_join(", ", "{}", ((labels[v].html if v in labels else v,) for v in chosen))


def _review(form: Form, draft: Draft, lang: str, fields: list[FormField]) -> list[dict]:
    saved = draft.data.get("answers", {})
    files = {f.field_key: f for f in draft.files.all()}
    rows = []
    for i, q in enumerate(fields):
        value = files[q.key].name if q.kind == FieldKind.FILE and q.key in files else saved.get(q.key)
        step = i if form.one_question_per_page else 0
        rows.append(
            {
                "question": q,
                "display": _chosen(q, value, lang)
                if q.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and value
                else display(q, value),
                "missing": q.required and value in (None, "", []),
                "url": reverse("cases:question", args=[form.slug, draft.key, step + 1]) + "?retour=verifier",
            }
        )
    return rows


@never_cache
def check(request, slug, key):
    form = _form_or_404(request, slug)
    draft = _draft_or_404(request, form, key)
    if (sent := _sent(draft)) is not None:
        return sent
    lang = requested_language(request)
    fields = list(form.fields.all())
    rows = _review(form, draft, lang, fields)
    contact_data = draft.data.get("contact")
    contact_url = reverse("cases:contact", args=[form.slug, draft.key]) + "?retour=verifier"
    location_url = reverse("cases:location", args=[form.slug, draft.key]) + "?retour=verifier"
    errors = [
        {
            # The question is town-written: marked with its language inside the sentence.
            "message": mark_safe(  # noqa: S308 - the sentence is escaped, the question is escaped by `html`
                escape(_("Répondez à la question « %(q)s ».")) % {"q": localized(r["question"], "label", lang).html}
            ),
            "href": r["url"],
        }
        for r in rows
        if r["missing"]
    ]
    if form.asks_location and not draft.data.get("location"):
        errors.append({"message": _("Indiquez où se trouve le problème."), "href": location_url})
    if not request.user.is_authenticated and not contact_data:
        errors.append({"message": _("Indiquez vos coordonnées."), "href": contact_url})
    status = 200
    if request.method == "POST" and not errors:
        try:
            case = services.draft_send(draft=draft, user=request.user, request=request)
        except services.OnlineRequestRefused as refused:
            # Nothing was created; the draft keeps every answer for later, or for an agent.
            errors.extend({"message": message, "href": ""} for message in refused.messages)
            status = 403 if refused.code == "blocked" else 429
        except ValidationError as error:
            errors.extend({"message": message, "href": ""} for message in error.messages)
        else:
            messages.success(request, _("Votre demande est envoyée."))
            return redirect(case.get_tracking_url())
    if request.method == "POST" and errors and status == 200:
        status = 400
    return render(
        request,
        "cases/check.html",
        {
            "form": form,
            "draft": draft,
            "rows": rows,
            "contact": contact_data,
            "location": draft.data.get("location"),
            "errors": errors,
            "contact_url": contact_url,
            "location_url": location_url,
            "back_url": _previous_url(request, form, draft, ("check", 0)),
            "device_hint": _shown(form, draft, funnel.CHECK, fields=fields),
        },
        status=status,
    )


@require_GET
def device_hint(request, slug, key, device):
    """The device hint's image (cases/_device_hint.html): the browser fetches the phone or the
    large one, as its width says, once; the draft's device class is set from it. Always the
    same transparent GIF, never cached, no cookie, no session: a bad address stores nothing."""
    funnel.device_told(slug=slug, key=key, device=device)
    response = HttpResponse(funnel.TRANSPARENT_GIF, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- follow-up (private link)


def _tracked_or_404(reference, token) -> Case:
    case = Case.objects.select_related("form", "team", "person").filter(reference=reference, token=token).first()
    if case is None:
        raise Http404
    return case


@never_cache
def track(request, reference, token):
    case = _tracked_or_404(reference, token)
    reply_form = ReplyForm(post_data(request), files_data(request), case=case)
    if request.method == "POST" and reply_form.is_valid():
        try:
            services.case_resident_reply(
                case=case,
                text=reply_form.cleaned_data["text"],
                upload=reply_form.cleaned_data.get("document"),
                field_key=reply_form.cleaned_data.get("field_key") or "",
                actor=request.user,
                submission_key=reply_form.cleaned_data["submission_key"],
                request=request,
            )
        except ValidationError as error:  # e.g. the request holds as many documents as it may
            add_refusal(reply_form, error)
        else:
            messages.success(request, _("Votre réponse est envoyée au service."))
            return redirect(case.get_tracking_url())
    return render(request, "cases/track.html", _track_context(case, reply_form=reply_form))


def _track_context(case: Case, *, reply_form=None) -> dict:
    """The follow-up page: read-only (no form, no link to a file or a correction) without
    a reply form, as opened from /suivi/."""
    return {
        "case": case,
        "events": selectors.resident_timeline(case),
        "documents": selectors.resident_documents(case),
        "reply_form": reply_form,
        "read_only": reply_form is None,
        "corrections": case.corrections.pending() if case.is_open and reply_form is not None else [],
    }


def _question_of(case: Case, answer: dict) -> FormField:
    """The question of `answer` as the resident saw it (its copy in the case), with the
    choices the form offers today; not saved."""
    live = case.form.fields.filter(key=answer["key"]).first()
    kind = answer.get("kind") or FieldKind.TEXT
    choices = live.choices if live is not None and live.kind == kind else ""
    if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and not choices:
        kind = FieldKind.TEXT  # the question's choices are gone: the answer is typed
    return FormField(
        form=case.form,
        key=answer["key"],
        label=answer.get("label", ""),
        help_text=answer.get("help_text", ""),
        kind=kind,
        required=True,
        choices=choices,
    )


@never_cache
def correct(request, reference, token, pk):
    """Just the question a case worker asked to correct, then the follow-up page."""
    case = _tracked_or_404(reference, token)
    correction = get_object_or_404(case.corrections.select_related("answer_event"), pk=pk)
    answer = case.answer(correction.field_key)
    if answer is None:
        raise Http404
    if correction.answered_at is not None:
        messages.info(request, _("Cette réponse est déjà corrigée. Merci."))
        return redirect(case.get_tracking_url())
    if not correction.is_open or not case.is_open:
        messages.info(
            request, _("Cette correction n'est plus demandée : le service l'a retirée ou a pris sa décision.")
        )
        return redirect(case.get_tracking_url())
    _keep_draft_language(request, Draft.objects.filter(case=case).first())
    question = _question_of(case, answer)
    initial = {} if question.kind == FieldKind.FILE else {question.key: from_json(question, answer.get("value"))}
    answer_form = CorrectionAnswerForm(
        post_data(request), files_data(request), questions=[question], initial=initial, lang=requested_language(request)
    )
    if request.method == "POST" and answer_form.is_valid():
        try:
            services.correction_answer(
                correction=correction,
                value=answer_form.json_answers().get(question.key),
                upload=answer_form.uploads().get(question.key),
                actor=request.user,
                submission_key=answer_form.cleaned_data["submission_key"],
                request=request,
            )
        except ValidationError as error:  # e.g. the request's documents would weigh too much
            add_refusal(answer_form, error)
        else:
            messages.success(request, _("Votre réponse corrigée est envoyée au service. Merci."))
            return redirect(case.get_tracking_url())
    return render(
        request,
        "cases/correct.html",
        {"case": case, "correction": correction, "answer": answer, "answer_form": answer_form},
        status=400 if answer_form.errors else 200,
    )


# ---------------------------------------------------------------- follow-up by reference (/suivi/)


@never_cache
def lookup(request):
    """The reference and one detail the resident gave open the follow-up page."""
    # A reference may come in the link of the "page not found" (?reference=2026-00123), or
    # from a read-only page whose time is up.
    form = LookupForm(post_data(request), initial={"reference": request.GET.get("reference", "")[:40]})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_lookup(
                reference=form.cleaned_data["reference"], detail=form.cleaned_data["detail"], request=request
            )
        except services.LookupRefused as refused:
            form.add_error(None, refused.messages)
            status = 429 if refused.code == "rate_limited" else 400
        else:
            # Never the private link: a read-only page, for this browser session only.
            request.session.cycle_key()
            services.lookup_grant(request.session, case)
            return redirect("cases:lookup_track", case.reference)
    elif request.method == "POST":
        status = 400
    return render(request, "cases/lookup.html", {"form": form}, status=status)


@never_cache
@require_GET
def lookup_track(request, reference):
    """The follow-up page, read-only, for a session that just opened it at /suivi/ (for
    30 minutes); otherwise back to /suivi/, the reference typed in."""
    case = services.lookup_granted(request.session, reference)
    if case is None:
        return redirect(reverse("cases:lookup") + "?" + urlencode({"reference": reference[:40]}))
    services.case_viewed_by_reference(case=case, request=request)
    return render(request, "cases/track.html", _track_context(case))


@require_GET
def track_document(request, reference, token, pk):
    case = _tracked_or_404(reference, token)
    document = get_object_or_404(selectors.resident_documents(case), pk=pk)
    return _file_response(document)


@require_GET
def receipt(request, reference, token):
    case = _tracked_or_404(reference, token)
    pdf = services.receipt_pdf(case, large_print=large_print_asked(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="recepisse-{case.reference}.pdf"'
    return response


def _file_response(document) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_cases(request):
    person = Person.objects.active().filter(user=request.user).first()
    cases = person.cases.select_related("form").order_by("-submitted_at") if person else []
    return render(request, "cases/my_cases.html", {"cases": cases})
