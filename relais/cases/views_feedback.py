""" "Cette page vous a-t-elle été utile ?": the Oui/Non buttons' target and the page that
follows (thanks, or the reasons), all without JavaScript and without a cookie for the
Oui/Non answer itself. The rules are in cases.feedback."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from relais.cases import feedback
from relais.cases.models import FeedbackReason, PageFeedback
from relais.core.forms import add_refusal
from relais.core.http import post_data

TOKEN_MAX_LENGTH = 64


class SeeOther(HttpResponseRedirect):
    status_code = 303


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Pourquoi cette page ne vous a-t-elle pas aidé ?"),
        choices=FeedbackReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choisissez une raison."),
                        "invalid_choice": gettext_lazy("Choisissez une raison dans la liste.")},
    )  # fmt: skip
    # No maxlength: a browser would cut what is typed without a word; the service refuses
    # a comment too long with a message beside the field, keeping the text.
    comment = forms.CharField(
        label=gettext_lazy("Votre commentaire"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "1 000 caractères au plus. N'écrivez pas votre nom, votre téléphone ni votre adresse : "
            "ils seraient masqués. Personne ne vous répondra ici."
        ),
    )


def _cross_site(request) -> bool:
    """The browser says the POST comes from another site.

    The Oui/Non target is exempt from Django's CSRF check because the fiche that carries the
    buttons is served from the anonymous page cache (relais.core.pagecache), where a page may
    hold no CSRF token. That is acceptable here: the answer is anonymous, changes no account
    and nothing else, and is rate limited per connection. Still, what browsers tell is
    honoured: a `Sec-Fetch-Site: cross-site` or an `Origin` of another site is refused (a
    request without either, from an old browser or a script, is let through)."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", ()):
        return False
    parts = urlsplit(origin)
    try:
        return not parts.netloc or parts.netloc.lower() != request.get_host().lower()
    except Exception:  # noqa: BLE001 - a host Django refuses: the request is not ours
        return True


def _refused(request, *, status: int, reason: str, back_url: str = ""):
    response = render(request, "cases/feedback_refused.html", {"reason": reason, "back_url": back_url}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    response["X-Robots-Tag"] = "noindex"
    return response


def _safe_back(url: str) -> str:
    """The page the answer came from, when it is one of this site's paths."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url and len(url) < 2000 else ""


@csrf_exempt
@never_cache
def feedback_answer(request):
    """Oui or Non, posted from a fiche or a request page: recorded (or changed), then on to
    the thanks or the reasons (303)."""
    if request.method != "POST":
        return _refused(request, status=405, reason="method")
    if _cross_site(request):
        return _refused(request, status=403, reason="cross_site")
    useful = request.POST.get("useful", "")
    if useful not in ("oui", "non"):
        return _refused(request, status=400, reason="no_answer")
    try:
        page = feedback.page_resolve(
            page=request.POST.get("page", ""),
            draft_key=request.POST.get("draft", ""),
            step=request.POST.get("step", ""),
            user=request.user,
        )
    except feedback.FeedbackRefused:
        return _refused(request, status=400, reason="unknown_page")
    try:
        answer = feedback.feedback_record(page=page, useful=useful == "oui", request=request)
    except feedback.FeedbackLimited:
        return _refused(request, status=429, reason="limited", back_url=_page_url(page.procedure, page.form, ""))
    return SeeOther(reverse("cases:feedback_detail", args=[answer.token]))


def _page_url(procedure, form, step: str, draft_key=None) -> str:
    """The page an answer is about, to go back to."""
    if form is None:
        return procedure.get_absolute_url() if procedure is not None else reverse("directory:home")
    if draft_key and step:
        key = str(draft_key)
        if step.startswith("question-"):
            return reverse("cases:question", args=[form.slug, key, int(step.removeprefix("question-"))])
        if step in ("location", "contact", "check"):
            return reverse(f"cases:{step}", args=[form.slug, key])
    return form.get_absolute_url()


def _back_url(answer: PageFeedback) -> str:
    return _page_url(answer.procedure, answer.form, answer.step, answer.draft_key)


@csrf_exempt
@never_cache
def feedback_detail(request, token):
    """After Oui: thanks. After Non: the reasons and a comment; once saved, thanks, and for
    "J'ai besoin qu'une personne m'aide", where and when to find one, right there.

    No CSRF token (so no cookie, not even Django's): the unguessable token in the address is
    what another site cannot forge, and what browsers say is cross-site is refused."""
    if len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    answer = PageFeedback.objects.select_related("procedure", "form__procedure").filter(token=token).first()
    if answer is None or feedback.link_expired(answer):
        raise Http404
    context = {"answer": answer, "back_url": _back_url(answer), "subject": answer.procedure or answer.form}
    if answer.useful:
        if request.method == "POST":
            return SeeOther(request.path)
        return _page(request, "cases/feedback_thanks.html", context)
    editing = request.method == "POST" or request.GET.get("modifier") == "1" or not answer.reason
    if not editing:
        places = feedback.help_places(answer) if answer.reason == FeedbackReason.NEED_SOMEONE else []
        return _page(request, "cases/feedback_saved.html", {**context, "places": places})
    # The comment saved is not shown back: whoever shares the connection shares the link.
    form = ReasonForm(post_data(request), initial={"reason": answer.reason or None})
    status = 200
    if request.method == "POST":
        if _cross_site(request):
            return _refused(request, status=403, reason="cross_site", back_url=context["back_url"])
        if form.is_valid():
            try:
                feedback.feedback_explain(
                    feedback=answer,
                    reason=form.cleaned_data["reason"],
                    comment=form.cleaned_data["comment"],
                    user=request.user,
                    request=request,
                )
            except feedback.FeedbackLimited:
                return _refused(request, status=429, reason="limited", back_url=context["back_url"])
            except forms.ValidationError as error:
                add_refusal(form, error)
            else:
                return SeeOther(request.path)
        status = 400
    return _page(request, "cases/feedback_reasons.html", {**context, "form": form}, status=status)


def _page(request, template, context, status=200):
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
