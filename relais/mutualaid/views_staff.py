"""Staff screens of the mutual-aid board (/gestion/entraide/…): moderation, relay, posting for a resident.

Moderation screens are for moderators and show only their team's listings (anything
else is a 404). Posting a listing for a resident is open to every staff member who
serves residents (counter, phone, digital advisors).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relais.accounts.models import Role, Team, TeamKind
from relais.accounts.permissions import PEOPLE_ROLES, has_role, staff_required
from relais.core.audit import people_viewed
from relais.core.forms import add_refusal
from relais.core.http import id_param, post_data
from relais.core.models import ContactChannel, Person
from relais.core.paging import CappedPaginator, paginate
from relais.mutualaid import selectors
from relais.mutualaid.forms import (
    ActingTeamForm,
    BoardSettingsForm,
    CloseForm,
    DecisionForm,
    ModeratorEditForm,
    NeighbourhoodForm,
    RelayForm,
    ReportDecisionForm,
    StaffFilterForm,
    StaffListingForm,
    StaffMessageForm,
    SuspendForm,
)
from relais.mutualaid.journal import Action
from relais.mutualaid.models import BoardError, ListingStatus, Neighbourhood, ReportStatus, TransitionError
from relais.mutualaid.privacy import public_name
from relais.mutualaid.services import conversations as conversation_services
from relais.mutualaid.services import listings as listing_services
from relais.mutualaid.services import moderation as moderation_services
from relais.mutualaid.services import settings as settings_services

MODERATOR = Role.MODERATOR
QUEUE_ROWS = 20  # rows of each part of the moderation queue (the oldest first)


def _teams(user):
    return Team.objects.filter(pk__in=selectors.moderated_team_ids(user)).order_by("name")


def _pk_or_404(value) -> int:
    """An id typed into a link or a form: anything but a number is a page that does not exist."""
    pk = id_param(value)
    if pk is None:
        raise Http404
    return pk


# ---------------------------------------------------------------- the queue


@staff_required(MODERATOR)
def moderation(request):
    context = selectors.queue(request.user)
    # Each part shows its oldest rows, and how many there are.
    teams = selectors.moderated_team_ids(request.user)
    # The residents whose messages have waited longest (all of them, by name: `relay_list`).
    context["relay"] = selectors.relay_longest_waiting(teams, QUEUE_ROWS)
    for key in ("pending", "unreviewed", "reports", "relay"):
        # Counted up to the kernel's cap ("plus de 1 000"), not over every row, along the
        # index that gives the part its order.
        counted = CappedPaginator(context.pop(f"{key}_counted", context[key]), QUEUE_ROWS, in_order=True)
        context[f"{key}_count"], context[f"{key}_count_label"] = counted.count, counted.count_label
        context[f"{key}_capped"] = counted.capped
        context[key] = list(context[key][:QUEUE_ROWS])
    context["relay"] = selectors.with_people(context["relay"], teams)
    context["queue_rows"] = QUEUE_ROWS
    shown = [listing.posted_by_id for listing in context["pending"] + context["unreviewed"]]
    shown += [report.reported_person.pk for report in context["reports"]]
    shown += [row["person"].pk for row in context["relay"]]
    moderation_services.staff_viewed(actor=request.user, action=Action.QUEUE_VIEWED, people=shown, request=request)
    return render(request, "mutualaid/staff/moderation.html", context)


@staff_required(MODERATOR)
def listing_list(request):
    form = StaffFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    listings = selectors.staff_listings(request.user).order_by("-created_at", "-pk")
    helped = None
    if filters.get("pour"):
        helped = get_object_or_404(Person.objects.active(), pk=filters["pour"])
        listings = listings.visible_on_board().exclude(posted_by=helped)
    elif filters.get("status"):
        listings = listings.filter(status=filters["status"])
    for name in ("kind", "category"):
        if filters.get(name):
            listings = listings.filter(**{name: filters[name]})
    if filters.get("quartier"):
        listings = listings.filter(neighbourhood=filters["quartier"])
    if filters.get("q"):
        listings = selectors.search(listings, filters["q"])
    page = paginate(request, listings, 30)
    moderation_services.staff_viewed(
        actor=request.user,
        action=Action.LISTING_LIST_VIEWED,
        person=helped,
        people=[listing.posted_by_id for listing in page],
        request=request,
        filters={k: str(v) for k, v in filters.items() if v},
    )
    return render(request, "mutualaid/staff/listing_list.html", {"form": form, "page_obj": page, "helped": helped})


@staff_required(MODERATOR)
@require_POST
def listings_letter(request):
    """Post the listings shown to the resident being helped (filters of the list page)."""
    form = StaffFilterForm(request.POST)
    if not form.is_valid() or not form.cleaned_data.get("pour"):
        raise Http404
    filters = form.cleaned_data
    person = get_object_or_404(Person.objects.active(), pk=filters["pour"])
    listings = selectors.staff_listings(request.user).visible_on_board().exclude(posted_by=person)
    for name in ("kind", "category"):
        if filters.get(name):
            listings = listings.filter(**{name: filters[name]})
    if filters.get("quartier"):
        listings = listings.filter(neighbourhood=filters["quartier"])
    if filters.get("q"):
        listings = selectors.search(listings, filters["q"])
    try:
        listing_services.listings_send_by_letter(
            person=person, listings=listings.order_by("-published_at")[:30], actor=request.user, request=request
        )
    except BoardError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Les annonces partiront par courrier à %(name)s avec le prochain lot.") % {"name": person.display_name},
        )
    return redirect(person)


def _listing_page(request, listing, form=None, close_form=None, status=200):
    conversations = list(listing.conversations.select_related("responder"))
    readable = set(selectors.staff_conversations(request.user).filter(listing=listing).values_list("pk", flat=True))
    for conversation in conversations:
        conversation.readable = conversation.pk in readable
    return render(
        request,
        "mutualaid/staff/listing_detail.html",
        {
            "listing": listing,
            "form": form or DecisionForm(),
            "decisions": listing.decisions.select_related("decided_by"),
            "reports": listing.reports.select_related("reporter", "message"),
            "conversations": conversations,
            "author_online": selectors.is_online(listing.posted_by),
            "suspended": selectors.is_suspended(listing.posted_by),
            "close_form": close_form or CloseForm(conversations=conversations),
        },
        status=status,
    )


@staff_required(MODERATOR)
def listing_detail(request, pk):
    listing = selectors.staff_listing(request.user, pk)
    # The page names those who answered and those who reported it, too.
    others = [c.responder_id for c in listing.conversations.all()] + [r.reporter_id for r in listing.reports.all()]
    moderation_services.staff_viewed(
        actor=request.user,
        action=Action.LISTING_VIEWED,
        obj=listing,
        person=listing.posted_by,
        people=others,
        request=request,
    )
    return _listing_page(request, listing)


@staff_required(MODERATOR)
@require_POST
def listing_decide(request, pk):
    listing = selectors.staff_listing(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            moderation_services.listing_moderate(
                listing=listing,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        except TransitionError:
            messages.error(request, _("Cette décision n'est plus possible : l'annonce a changé d'état."))
            return redirect("mutualaid:staff_listing", pk=listing.pk)
        else:
            messages.success(request, _("Décision enregistrée ; l'auteur est prévenu."))
            return redirect("mutualaid:moderation")
    return _listing_page(request, listing, form=form, status=400)


@staff_required(MODERATOR)
def listing_edit(request, pk):
    listing = selectors.staff_listing(request.user, pk)
    form = ModeratorEditForm(post_data(request), instance=listing, team_ids=selectors.moderated_team_ids(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            moderation_services.listing_edit_by_moderator(
                listing=listing,
                data=form.listing_data(),
                notice=form.cleaned_data["notice"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("L'annonce est modifiée ; l'auteur est prévenu."))
            return redirect("mutualaid:staff_listing", pk=listing.pk)
    return render(request, "mutualaid/staff/listing_edit.html", {"form": form, "listing": listing})


@staff_required(MODERATOR)
@require_POST
def listing_renew(request, pk):
    """A resident without internet asked (by phone, at the counter) to keep their listing up."""
    listing = selectors.staff_listing(request.user, pk)
    try:
        listing_services.listing_renew(listing=listing, actor=request.user, request=request, via="staff")
    except BoardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("L'annonce est prolongée de 30 jours."))
    return redirect("mutualaid:staff_listing", pk=listing.pk)


@staff_required(MODERATOR)
@require_POST
def listing_close(request, pk):
    """Close a listing for its author who has no internet (the outcome they told staff)."""
    listing = selectors.staff_listing(request.user, pk)
    if selectors.is_online(listing.posted_by):
        raise Http404  # residents with an account close their listings (and thank) themselves
    if not listing.can_close:
        messages.error(request, _("Cette annonce ne peut plus être terminée : elle a changé d'état."))
        return redirect("mutualaid:staff_listing", pk=listing.pk)
    conversations = list(listing.conversations.select_related("responder"))
    form = CloseForm(request.POST, conversations=conversations)
    if form.is_valid():
        try:
            listing_services.listing_close(
                listing=listing,
                outcome=form.cleaned_data["outcome"],
                thanks_to=form.conversations.get(form.cleaned_data.get("thanks_to") or ""),
                thanks_text=form.cleaned_data.get("thanks_text", ""),
                actor=request.user,
                request=request,
            )
        except TransitionError:  # closed by someone else meanwhile
            messages.error(request, _("Cette annonce ne peut plus être terminée : elle a changé d'état."))
            return redirect("mutualaid:staff_listing", pk=listing.pk)
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("L'annonce est terminée."))
            return redirect("mutualaid:staff_listing", pk=listing.pk)
    return _listing_page(request, listing, close_form=form, status=400)


# ---------------------------------------------------------------- posting and answering for a resident


@staff_required(*PEOPLE_ROLES)
def listing_create(request):
    """Post for a resident who asked at the counter, by phone or by post (channel and consent recorded)."""
    if not request.GET.get("personne"):
        return render(request, "mutualaid/staff/listing_create.html", {"person": None})
    person = get_object_or_404(Person.objects.active(), pk=_pk_or_404(request.GET["personne"]))
    form = StaffListingForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            listing = listing_services.listing_create(
                person=person,
                data=form.listing_data(),
                channel=form.cleaned_data["channel"],
                consent=form.cleaned_data["consent"],
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                request=request,
            )
        except (ValidationError, BoardError) as error:
            add_refusal(form, error)
        else:
            if listing.status == ListingStatus.PUBLISHED:
                messages.success(request, _("L'annonce est publiée. La personne est prévenue."))
            else:
                messages.success(
                    request,
                    _("L'annonce est enregistrée ; elle sera publiée après relecture. La personne est prévenue."),
                )
            if listing.team_id in selectors.moderated_team_ids(request.user):
                return redirect("mutualaid:staff_listing", pk=listing.pk)
            return redirect(person)
    moderation_services.staff_viewed(
        actor=request.user, action=Action.LISTING_POST_FORM_VIEWED, person=person, request=request
    )
    return render(request, "mutualaid/staff/listing_create.html", {"form": form, "person": person})


@staff_required(MODERATOR)
def respond_for(request, pk, person_pk):
    """A resident without internet answers a listing through a moderator."""
    listing = selectors.staff_listing(request.user, pk)
    person = get_object_or_404(Person.objects.active(), pk=person_pk)
    if selectors.is_online(person):
        raise Http404  # residents with an account answer themselves
    existing = listing.conversations.filter(responder=person).first()
    if existing is not None:
        return redirect("mutualaid:staff_conversation", pk=existing.pk)
    form = StaffMessageForm(post_data(request))
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
            messages.success(request, _("La réponse est envoyée à l'auteur de l'annonce."))
            return redirect("mutualaid:staff_conversation", pk=conversation.pk)
    moderation_services.staff_viewed(
        actor=request.user, action=Action.LISTING_RESPOND_FORM_VIEWED, obj=listing, person=person, request=request
    )
    return render(request, "mutualaid/staff/respond_for.html", {"form": form, "listing": listing, "person": person})


def _conversation_context(request, conversation, forms=None):
    listing = conversation.listing
    parties = []
    for party in (listing.posted_by, conversation.responder):
        online = selectors.is_online(party)
        form = (forms or {}).get(party.pk)
        if form is None and not online:
            form = StaffMessageForm(needs_safety=not conversation.read_safety(party), prefix=f"p{party.pk}")
        parties.append(
            {
                "person": party,
                "public_name": public_name(party),
                "role": _("auteur de l'annonce") if party.pk == listing.posted_by_id else _("a répondu"),
                "online": online,
                "shares": conversation.shares(party),
                "form": form,
            }
        )
    return {
        "conversation": conversation,
        "listing": listing,
        "messages_list": selectors.messages_for(conversation),
        "parties": parties,
    }


@staff_required(MODERATOR)
def conversation(request, pk):
    conversation = selectors.staff_conversation(request.user, pk)
    forms = {}
    if request.method == "POST":
        sender = get_object_or_404(
            Person,
            pk=_pk_or_404(request.POST.get("sender")),
            pk__in=[conversation.listing.posted_by_id, conversation.responder_id],
        )
        if selectors.is_online(sender):
            raise Http404  # residents with an account write themselves
        form = StaffMessageForm(request.POST, needs_safety=not conversation.read_safety(sender), prefix=f"p{sender.pk}")
        forms[sender.pk] = form
        if form.is_valid():
            try:
                conversation_services.message_send(
                    conversation=conversation,
                    sender=sender,
                    body=form.cleaned_data["body"],
                    safety_read=form.cleaned_data.get("safety", False),
                    actor=request.user,
                    submission_key=form.cleaned_data["submission_key"],
                    request=request,
                )
            except (ValidationError, BoardError) as error:
                add_refusal(form, error)
            else:
                messages.success(request, _("La réponse est envoyée."))
                return redirect("mutualaid:staff_conversation", pk=conversation.pk)
    for party in (conversation.listing.posted_by, conversation.responder):
        moderation_services.staff_viewed(
            actor=request.user, action=Action.CONVERSATION_VIEWED, obj=conversation, person=party, request=request
        )
    return render(request, "mutualaid/staff/conversation.html", _conversation_context(request, conversation, forms))


@staff_required(MODERATOR)
@require_POST
def contacts_share_for(request, pk, person_pk):
    """Record, for a resident without internet, that they agree to share their phone and e-mail."""
    conversation = selectors.staff_conversation(request.user, pk)
    person = get_object_or_404(
        Person, pk=person_pk, pk__in=[conversation.listing.posted_by_id, conversation.responder_id]
    )
    if selectors.is_online(person):
        raise Http404
    try:
        conversation_services.contacts_share(
            conversation=conversation, person=person, actor=request.user, request=request
        )
    except BoardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("L'accord de la personne est noté."))
    return redirect("mutualaid:staff_conversation", pk=conversation.pk)


# ---------------------------------------------------------------- relay for residents without internet


@staff_required(MODERATOR)
def relay_list(request):
    teams = selectors.moderated_team_ids(request.user)
    page = paginate(request, selectors.relay_rows(teams), 50)
    people = selectors.with_people(page, teams)
    # Each name and phone shown is a reading of that person's data: one entry each (one INSERT).
    people_viewed(
        actor=request.user, action=Action.RELAY_LIST_VIEWED, person_ids=[row["person"].pk for row in people],
        request=request,
    )  # fmt: skip
    return render(request, "mutualaid/staff/relay_list.html", {"people": people, "page_obj": page})


@staff_required(MODERATOR)
def relay_sheet(request, person_pk):
    """The sheet to read over the phone or print: the resident's listings, replies and agreed contacts."""
    person = get_object_or_404(Person.objects.active(), pk=person_pk)
    if request.method == "POST":
        form = RelayForm(request.POST)
        if form.is_valid():
            how = form.cleaned_data["how"]
            count = conversation_services.messages_relay(person=person, how=how, actor=request.user, request=request)
            if not count:
                messages.info(request, _("Aucun message n'attendait d'être transmis."))
            elif how == "message":
                messages.success(
                    request, _("Les messages sont envoyés à la personne (les courriers partent avec le prochain lot).")
                )
            else:
                messages.success(request, _("Les messages sont notés comme transmis par téléphone."))
            return redirect("mutualaid:relay_list")
    sheet = selectors.relay_sheet(request.user, person)
    moderation_services.staff_viewed(
        actor=request.user, action=Action.RELAY_SHEET_VIEWED, person=person, request=request
    )
    channel = selectors.relay_channel(person)
    return render(
        request,
        "mutualaid/staff/relay_sheet.html",
        {
            "person": person,
            **sheet,
            "can_send": channel != ContactChannel.PHONE,
            "channel_label": ContactChannel(channel).label.lower(),
        },
    )


# ---------------------------------------------------------------- reports


@staff_required(MODERATOR)
def report_detail(request, pk):
    report = get_object_or_404(selectors.staff_reports(request.user), pk=pk)
    form = ReportDecisionForm(post_data(request))
    if request.method == "POST" and report.status == ReportStatus.OPEN and form.is_valid():
        try:
            moderation_services.report_decide(
                report=report,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        except TransitionError:
            messages.info(request, _("Ce signalement a déjà été traité."))
            return redirect("mutualaid:moderation")
        else:
            messages.success(request, _("Décision enregistrée."))
            return redirect("mutualaid:moderation")
    # Both people the report is about are read here: the one reported, and who reported.
    people = [report.reported_person]
    if report.reporter is not None and report.reporter_id != people[0].pk:
        people.append(report.reporter)
    for person in people:
        moderation_services.staff_viewed(
            actor=request.user, action=Action.REPORT_VIEWED, obj=report, person=person, request=request
        )
    return render(
        request,
        "mutualaid/staff/report_detail.html",
        {
            "report": report,
            "form": form,
            "others": selectors.staff_reports(request.user)
            .filter(listing=report.listing, message=report.message)
            .exclude(pk=report.pk),
        },
    )


# ---------------------------------------------------------------- a resident's history


def _person_page(request, person, *, suspend_form=None, badge_form=None, unsuspend_form=None, status=200):
    history = selectors.person_history(request.user, person)
    teams = list(_teams(request.user))
    initial = {"team": selectors.acting_team(request.user, person)}
    return render(
        request,
        "mutualaid/staff/person.html",
        {
            "person": person,
            **history,
            "suspend_form": suspend_form or SuspendForm(teams=teams, initial=initial),
            "badge_form": badge_form or ActingTeamForm(teams=teams, initial=initial, prefix="badge"),
            "unsuspend_form": unsuspend_form or ActingTeamForm(teams=teams, initial=initial, prefix="lever"),
            "online": selectors.is_online(person),
        },
        status=status,
    )


@staff_required(MODERATOR)
def person_history(request, person_pk):
    person = get_object_or_404(Person.objects.active(), pk=person_pk)
    moderation_services.staff_viewed(
        actor=request.user, action=Action.PERSON_HISTORY_VIEWED, person=person, request=request
    )
    return _person_page(request, person)


# A decision about a resident (suspension, badge) is recorded against one of the moderator's
# teams: the one that asked (several teams: the form says which, preselected with the team in
# charge of the resident's listings). Its effect is board-wide all the same: a suspended
# resident is suspended in every neighbourhood, a badge shows on every listing.


@staff_required(MODERATOR)
@require_POST
def person_suspend(request, person_pk):
    person = get_object_or_404(Person.objects.active(), pk=person_pk)
    form = SuspendForm(request.POST, teams=_teams(request.user))
    if form.is_valid():
        ends_on = form.cleaned_data["ends_on"]
        ends_at = timezone.make_aware(datetime.datetime.combine(ends_on, datetime.time(23, 59))) if ends_on else None
        try:
            moderation_services.person_suspend(
                person=person,
                team=form.acting_team(),
                reason=form.cleaned_data["reason"],
                ends_at=ends_at,
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("La participation de la personne est suspendue ; elle est prévenue."))
            return redirect("mutualaid:staff_person", person_pk=person.pk)
    return _person_page(request, person, suspend_form=form, status=400)


@staff_required(MODERATOR)
@require_POST
def person_unsuspend(request, person_pk):
    person = get_object_or_404(Person.objects.active(), pk=person_pk)
    form = ActingTeamForm(request.POST, teams=_teams(request.user), prefix="lever")
    if not form.is_valid():
        return _person_page(request, person, unsuspend_form=form, status=400)
    if moderation_services.person_unsuspend(
        person=person, team=form.acting_team(), actor=request.user, request=request
    ):
        messages.success(request, _("La suspension est levée."))
    else:
        messages.error(request, _("Seule l'équipe qui a suspendu la personne peut lever sa suspension."))
    return redirect("mutualaid:staff_person", person_pk=person.pk)


@staff_required(MODERATOR)
@require_POST
def person_badge(request, person_pk):
    person = get_object_or_404(Person.objects.active(), pk=person_pk)
    form = ActingTeamForm(request.POST, teams=_teams(request.user), prefix="badge")
    if not form.is_valid():
        return _person_page(request, person, badge_form=form, status=400)
    if request.POST.get("give") == "1":
        moderation_services.badge_give(person=person, team=form.acting_team(), actor=request.user, request=request)
        messages.success(request, _("Le badge « A rencontré l'équipe de la mairie » est donné."))
    else:
        moderation_services.badge_revoke(person=person, team=form.acting_team(), actor=request.user, request=request)
        messages.success(request, _("Le badge est retiré."))
    return redirect("mutualaid:staff_person", person_pk=person.pk)


# ---------------------------------------------------------------- settings


@staff_required(MODERATOR, Role.ADMINISTRATOR)
def board_settings(request):
    """Publication mode and neighbourhoods, per moderation team."""
    if has_role(request.user, Role.ADMINISTRATOR):
        teams = list(Team.objects.filter(kind=TeamKind.MUTUAL_AID, is_active=True).order_by("name"))
    else:
        teams = list(_teams(request.user))
    team = next((t for t in teams if t.slug == request.GET.get("equipe")), teams[0] if teams else None)
    if team is None:
        return render(request, "mutualaid/staff/settings.html", {"team": None})
    settings_row = selectors.board_settings_for(team)
    form = BoardSettingsForm(post_data(request), instance=settings_row, prefix="mode")
    new_neighbourhood = NeighbourhoodForm(post_data(request), team=team, prefix="quartier")
    if request.method == "POST":
        if "mode-submit" in request.POST and form.is_valid():
            settings_services.board_settings_save(
                team=team,
                publish_first_for_met=form.cleaned_data["publish_first_for_met"],
                actor=request.user,
                request=request,
            )
            messages.success(request, _("Le mode de publication est enregistré."))
            return redirect(f"{request.path}?equipe={team.slug}")
        if "quartier-submit" in request.POST and new_neighbourhood.is_valid():
            settings_services.neighbourhood_save(form=new_neighbourhood, actor=request.user, request=request)
            messages.success(request, _("Le quartier est ajouté."))
            return redirect(f"{request.path}?equipe={team.slug}")
    return render(
        request,
        "mutualaid/staff/settings.html",
        {
            "teams": teams,
            "team": team,
            "form": form if "mode-submit" in request.POST else BoardSettingsForm(instance=settings_row, prefix="mode"),
            "new_neighbourhood": new_neighbourhood
            if "quartier-submit" in request.POST
            else NeighbourhoodForm(team=team, prefix="quartier"),
            "neighbourhoods": Neighbourhood.objects.filter(team=team),
        },
    )


@staff_required(MODERATOR, Role.ADMINISTRATOR)
def neighbourhood_edit(request, pk):
    if has_role(request.user, Role.ADMINISTRATOR):
        neighbourhood = get_object_or_404(Neighbourhood, pk=pk)
    else:
        neighbourhood = get_object_or_404(Neighbourhood, pk=pk, team__in=selectors.moderated_team_ids(request.user))
    form = NeighbourhoodForm(post_data(request), instance=neighbourhood)
    if request.method == "POST" and form.is_valid():
        settings_services.neighbourhood_save(form=form, actor=request.user, request=request)
        messages.success(request, _("Le quartier est enregistré."))
        return redirect(f"{reverse('mutualaid:settings')}?equipe={neighbourhood.team.slug}")
    return render(request, "mutualaid/staff/neighbourhood_form.html", {"form": form, "neighbourhood": neighbourhood})
