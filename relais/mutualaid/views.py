"""Resident pages of the mutual-aid board (/entraide/…). Staff screens are in views_staff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relais.core import ratelimit
from relais.core.forms import add_refusal
from relais.core.http import post_data
from relais.core.models import Channel, Person
from relais.core.pagecache import public_page
from relais.core.services import person_for_account
from relais.mutualaid import selectors
from relais.mutualaid.forms import (
    BoardFilterForm,
    CloseForm,
    ListingEditForm,
    ListingForm,
    MessageForm,
    ReportForm,
    ThanksForm,
)
from relais.mutualaid.models import Block, BoardError, ConversationMessage, ListingStatus, ThankYou, TransitionError
from relais.mutualaid.privacy import public_name
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import links as link_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services

ANONYMOUS_REPORTS_PER_HOUR = 5


def _viewer(request) -> Person | None:
    """The resident behind the login, if any (never created just for reading a page)."""
    if not request.user.is_authenticated:
        return None
    return Person.objects.active().filter(user=request.user).first()


def _resident(request) -> Person:
    """The resident behind the login, created on first need (posting, answering)."""
    return person_for_account(user=request.user)


def _own_listing(request, pk):
    person = _viewer(request)
    listing = selectors.listing_for(pk, person)
    if person is None or listing.posted_by_id != person.pk:
        raise Http404
    return person, listing


# ---------------------------------------------------------------- reading the board


@require_GET
@public_page
def board(request):
    """The board. Its listings are kept rendered (public_cache in the template) under the
    public-content version, the address (filters, page) and the people the visitor's blocks
    hide: they are read only when that rendering is not kept."""
    form = SimpleLazyObject(lambda: BoardFilterForm(request.GET or None))

    def filters():
        return form.cleaned_data if form.is_valid() else {}

    def page():
        listings = selectors.board(
            kind=filters().get("kind", ""),
            category=filters().get("category", ""),
            neighbourhood=filters().get("quartier"),
            q=filters().get("q", "").strip(),
            viewer=_viewer(request),
        )
        return Paginator(listings, 20).get_page(request.GET.get("page"))

    return render(
        request,
        "mutualaid/board.html",
        {
            "form": form,
            "page_obj": SimpleLazyObject(page),
            "filtered": SimpleLazyObject(lambda: any(filters().values())),
            "is_open": SimpleLazyObject(lambda: selectors.neighbourhoods().exists()),
            "hidden_authors": selectors.hidden_authors(request.user),
        },
    )


@require_GET
@public_page
def guide(request):
    return render(request, "mutualaid/guide.html")


@require_GET
@public_page
def listing_detail(request, pk):
    viewer = _viewer(request)
    listing = selectors.listing_for(pk, viewer)
    is_author = viewer is not None and listing.posted_by_id == viewer.pk
    conversation = None
    if viewer is not None and not is_author:
        conversation = listing.conversations.filter(responder=viewer).first()
    return render(
        request,
        "mutualaid/listing_detail.html",
        {
            "listing": listing,
            "author_name": public_name(listing.posted_by),
            "is_author": is_author,
            "conversation": conversation,
            "conversations": listing.conversations.select_related("responder") if is_author else [],
            "thanks": selectors.thanks_shown_for(listing.posted_by)[:3],
            "decisions": selectors.decisions_told_to_author(listing)[:3] if is_author else [],
        },
    )


# ---------------------------------------------------------------- a resident's own listings


@login_required
def listing_create(request):
    form = ListingForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            listing = listing_services.listing_create(
                person=_resident(request),
                data=form.listing_data(),
                channel=Channel.ONLINE,
                consent=form.cleaned_data["rules"],
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            if listing.status == ListingStatus.PUBLISHED:
                messages.success(request, _("Votre annonce est publiée."))
            else:
                messages.success(
                    request,
                    _("Votre annonce est bien reçue. L'équipe d'entraide la relit avant de la publier."),
                )
            return redirect(listing)
    return render(request, "mutualaid/listing_form.html", {"form": form})


@login_required
def listing_edit(request, pk):
    _person, listing = _own_listing(request, pk)
    if listing.status not in (ListingStatus.PENDING, ListingStatus.PUBLISHED):
        messages.info(request, _("Cette annonce ne peut plus être modifiée."))
        return redirect(listing)
    form = ListingEditForm(post_data(request), instance=listing)
    if request.method == "POST" and form.is_valid():
        try:
            listing_services.listing_update(
                listing=listing, data=form.listing_data(), actor=request.user, request=request
            )
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            listing.refresh_from_db()
            if listing.status == ListingStatus.PENDING:
                messages.success(
                    request, _("Vos modifications sont enregistrées. L'annonce sera relue avant d'être publiée.")
                )
            else:
                messages.success(request, _("Vos modifications sont enregistrées."))
            return redirect(listing)
    return render(request, "mutualaid/listing_form.html", {"form": form, "listing": listing})


@login_required
@require_POST
def listing_renew(request, pk):
    _person, listing = _own_listing(request, pk)
    try:
        listing = listing_services.listing_renew(listing=listing, actor=request.user, request=request, via="page")
    except BoardError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Votre annonce est prolongée jusqu'au %(date)s.")
            % {"date": formats.date_format(timezone.localtime(listing.expires_at), "j F Y")},
        )
    return redirect(listing)


def renew_by_link(request, token):
    """The link of the reminder: one button, no login needed (the signed link is the proof).

    The link renews once: it is tied to the expiry date it was sent for."""
    link = link_services.renew_link(token)
    if link is None:
        return render(request, "mutualaid/renew.html", {"listing": None}, status=404)
    listing = link.listing
    if request.method == "POST":
        try:
            listing = listing_services.listing_renew(
                listing=listing, actor=request.user, request=request, via="link", for_expiry=link.expires
            )
        except BoardError as error:
            return render(request, "mutualaid/renew.html", {"listing": listing, "refusal": str(error)}, status=409)
        return render(request, "mutualaid/renew.html", {"listing": listing, "done": True})
    refusal = selectors.renew_refusal(listing, for_expiry=link.expires)
    return render(request, "mutualaid/renew.html", {"listing": listing, "refusal": refusal})


@login_required
def listing_close(request, pk):
    _person, listing = _own_listing(request, pk)
    if not listing.can_close:
        messages.info(request, _("Cette annonce est déjà terminée."))
        return redirect(listing)
    conversations = list(listing.conversations.select_related("responder"))
    form = CloseForm(post_data(request), conversations=conversations)
    if request.method == "POST" and form.is_valid():
        try:
            listing_services.listing_close(
                listing=listing,
                outcome=form.cleaned_data["outcome"],
                thanks_to=form.conversations.get(form.cleaned_data.get("thanks_to") or ""),
                thanks_text=form.cleaned_data.get("thanks_text", ""),
                actor=request.user,
                request=request,
            )
        except (ValidationError, BoardError, TransitionError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Votre annonce est terminée. Merci d'avoir participé à l'entraide."))
            return redirect("mutualaid:my_board")
    return render(request, "mutualaid/listing_close.html", {"form": form, "listing": listing})


@login_required
def my_board(request):
    person = _resident(request)
    conversations = list(selectors.conversations_of(person))
    for conversation in conversations:
        conversation.other_name = public_name(conversation.other(person))
        conversation.unread = conversation.unread_for(person)
    return render(
        request,
        "mutualaid/my_board.html",
        {
            "person": person,
            "listings": selectors.listings_of(person),
            "conversations": conversations,
            "thanks": selectors.thanks_received(person),
            "blocks": selectors.blocks_of(person),
            "suspended": selectors.is_suspended(person),
        },
    )


# ---------------------------------------------------------------- conversations


@login_required
def respond(request, pk):
    person = _resident(request)
    listing = selectors.listing_for(pk, person)
    if listing.posted_by_id == person.pk:
        return redirect(listing)
    existing = listing.conversations.filter(responder=person).first()
    if existing is not None:
        return redirect(existing)
    form = MessageForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            conversation = conversation_services.conversation_start(
                listing=listing,
                responder=person,
                body=form.cleaned_data["body"],
                safety_read=form.cleaned_data["safety"],
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Votre message est envoyé. Vous serez prévenu quand on vous répondra."))
            return redirect(conversation)
    return render(
        request,
        "mutualaid/respond.html",
        {"form": form, "listing": listing, "author_name": public_name(listing.posted_by)},
    )


@login_required
def conversation(request, pk):
    person = _resident(request)
    conversation = selectors.conversation_for(pk, person)
    form = MessageForm(post_data(request), needs_safety=not conversation.read_safety(person))
    if request.method == "POST" and form.is_valid():
        try:
            conversation_services.message_send(
                conversation=conversation,
                sender=person,
                body=form.cleaned_data["body"],
                safety_read=form.cleaned_data.get("safety", False),
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Votre message est envoyé."))
            return redirect(conversation)
    if request.method == "GET":
        conversation_services.conversation_mark_read(conversation=conversation, person=person)
    other = conversation.other(person)
    return render(
        request,
        "mutualaid/conversation.html",
        {
            "conversation": conversation,
            "listing": conversation.listing,
            "messages_list": selectors.messages_for(conversation, viewer=person),
            "person": person,
            "other": other,
            "other_name": public_name(other),
            "i_share": conversation.shares(person),
            "other_shares": conversation.shares(other),
            "blocked": selectors.blocked_between(person, other),
            "my_thanks": conversation.thanks.filter(sender=person).first(),
            "form": form,
        },
    )


@login_required
@require_POST
def contacts_share(request, pk):
    person = _resident(request)
    conversation = selectors.conversation_for(pk, person)
    try:
        both = conversation_services.contacts_share(
            conversation=conversation, person=person, actor=request.user, request=request
        )
    except BoardError as error:
        messages.error(request, str(error))
    else:
        if both:
            messages.success(request, _("Vous avez accepté tous les deux : vos coordonnées sont maintenant visibles."))
        else:
            messages.success(
                request, _("C'est noté. Vos coordonnées seront montrées seulement si l'autre personne accepte aussi.")
            )
    return redirect(conversation)


@login_required
@require_POST
def block(request, pk):
    person = _resident(request)
    conversation = selectors.conversation_for(pk, person)
    other = conversation.other(person)
    moderation_services.block_create(blocker=person, blocked=other, actor=request.user, request=request)
    messages.success(
        request,
        _("%(name)s est bloqué : cette personne ne peut plus vous écrire et ses annonces ne vous sont plus montrées.")
        % {"name": public_name(other)},
    )
    return redirect("mutualaid:my_board")


@login_required
@require_POST
def unblock(request, pk):
    person = _resident(request)
    block = get_object_or_404(Block, pk=pk, blocker=person)
    moderation_services.block_remove(block=block, actor=request.user, request=request)
    messages.success(request, _("Cette personne n'est plus bloquée."))
    return redirect("mutualaid:my_board")


@login_required
def thanks(request, pk):
    person = _resident(request)
    conversation = selectors.conversation_for(pk, person)
    if conversation.thanks.filter(sender=person).exists():
        messages.info(request, _("Vous avez déjà remercié cette personne."))
        return redirect(conversation)
    form = ThanksForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            conversation_services.thanks_send(
                conversation=conversation,
                sender=person,
                text=form.cleaned_data["text"],
                actor=request.user,
                request=request,
            )
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Votre mot de remerciement est envoyé."))
            return redirect(conversation)
    return render(
        request,
        "mutualaid/thanks.html",
        {"form": form, "conversation": conversation, "other_name": public_name(conversation.other(person))},
    )


@login_required
@require_POST
def thanks_show(request, pk):
    person = _resident(request)
    note = get_object_or_404(ThankYou, pk=pk, recipient=person)
    shown = request.POST.get("shown") == "1"
    conversation_services.thanks_show(thanks=note, shown=shown, actor=request.user, request=request)
    if shown:
        messages.success(request, _("Ce mot est maintenant affiché sur vos annonces."))
    else:
        messages.success(request, _("Ce mot n'est plus affiché."))
    return redirect("mutualaid:my_board")


# ---------------------------------------------------------------- reports


def _anonymous_report_allowed(request) -> bool:
    """A few reports an hour per address for visitors without an account (against floods)."""
    return ratelimit.hit("mutualaid:reports", ratelimit.visitor(request), limit=ANONYMOUS_REPORTS_PER_HOUR, window=3600)


def report_listing(request, pk):
    viewer = _viewer(request)
    listing = selectors.listing_for(pk, viewer)
    form = ReportForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        if viewer is None and not _anonymous_report_allowed(request):
            form.add_error(
                None, _("Trop de signalements depuis cet appareil. Appelez la mairie, ou réessayez plus tard.")
            )
        else:
            moderation_services.report_create(
                listing=listing,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                reporter=viewer,
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
            messages.success(
                request, _("Merci. Votre signalement est transmis à l'équipe d'entraide, qui va l'examiner.")
            )
            return redirect("mutualaid:board")
    return render(
        request,
        "mutualaid/report.html",
        {"form": form, "listing": listing, "author_name": public_name(listing.posted_by)},
    )


@login_required
def report_message(request, pk):
    person = _resident(request)
    message = get_object_or_404(
        ConversationMessage.objects.select_related("conversation__listing", "sender"),
        pk=pk,
        recipient=person,
        hidden_at__isnull=True,
    )
    form = ReportForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        moderation_services.report_create(
            listing=message.conversation.listing,
            message=message,
            reason=form.cleaned_data["reason"],
            details=form.cleaned_data["details"],
            reporter=person,
            actor=request.user,
            submission_key=form.cleaned_data["submission_key"],
            request=request,
        )
        messages.success(request, _("Merci. Votre signalement est transmis à l'équipe d'entraide, qui va l'examiner."))
        return redirect(message.conversation)
    return render(
        request,
        "mutualaid/report.html",
        {
            "form": form,
            "listing": message.conversation.listing,
            "reported_message": message,
            "author_name": public_name(message.sender),
        },
    )
