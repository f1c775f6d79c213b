"""The mutual-aid board on the staff person page and on the resident's "Mon compte" page."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import PEOPLE_ROLES, has_role
from relais.core.extensions import LinkTarget, PersonSection
from relais.core.pagecache import public_pages_changed
from relais.mutualaid import selectors
from relais.mutualaid.journal import Action
from relais.mutualaid.models import Badge, Block, Conversation, Listing, ThankYou
from relais.mutualaid.privacy import public_name


def sections(*, person, user):
    """Moderators: the person's listings in their teams, open reports and a link to the history.
    Other staff who serve residents: a link to post a listing for them."""
    if not has_role(user, *PEOPLE_ROLES):
        return []
    context = {"can_moderate": has_role(user, Role.MODERATOR)}
    if context["can_moderate"]:
        history = selectors.person_history(user, person)
        context.update(
            listings=history["listings"][:10],
            open_reports=[r for r in history["reports_about"] if r.status == "open"],
            suspension=history["suspension"],
            badge=history["badge"],
            waiting=selectors.waiting_relay_count(user, person),
        )
    return [PersonSection(_("Entraide"), "mutualaid/staff/_person_section.html", context, order=60)]


def message_filter(*, user):
    return selectors.messages_about_moderated_records(user)


def has_relation(*, user, person) -> bool:
    return selectors.moderated_relation(user=user, person=person)


def resident_sections(*, person):
    conversations = list(selectors.conversations_of(person)[:5])
    for conversation in conversations:
        conversation.other_name = public_name(conversation.other(person))
        conversation.unread = conversation.unread_for(person)
    return [
        PersonSection(
            _("Entraide entre voisins"),
            "mutualaid/_account_section.html",
            {"listings": selectors.listings_of(person)[:5], "conversations": conversations},
            order=60,
        )
    ]


@transaction.atomic
def merge_conflicts(*, duplicate, kept) -> None:
    """Prepare `duplicate`'s board records to move to `kept` without breaking a unique rule.

    `core.services.person_merge` moves every row pointing at the duplicate with one UPDATE
    per relation; a row that would then exist twice (the same badge, the same block, an
    answer to the same listing) must be folded first. Meant to be called by person_merge
    before it moves rows.
    """
    now = timezone.now()
    # The two records are one person: what they exchanged with each other would become a
    # conversation with oneself (and a thank-you note to oneself, which the database refuses).
    between = Q(sender=duplicate, recipient=kept) | Q(sender=kept, recipient=duplicate)
    ThankYou.objects.filter(between).delete()
    Conversation.objects.filter(
        Q(responder=duplicate, listing__posted_by=kept) | Q(responder=kept, listing__posted_by=duplicate)
    ).delete()
    for badge in Badge.objects.filter(person=duplicate, revoked_at__isnull=True):
        if Badge.objects.filter(person=kept, kind=badge.kind, revoked_at__isnull=True).exists():
            Badge.objects.filter(pk=badge.pk).update(revoked_at=now)
    Block.objects.filter(Q(blocker=duplicate, blocked=kept) | Q(blocker=kept, blocked=duplicate)).delete()
    kept_blocks = Block.objects.filter(blocker=kept).values("blocked")
    Block.objects.filter(blocker=duplicate, blocked__in=kept_blocks).delete()
    kept_blockers = Block.objects.filter(blocked=kept).values("blocker")
    Block.objects.filter(blocked=duplicate, blocker__in=kept_blockers).delete()
    for conversation in Conversation.objects.filter(responder=duplicate):
        target = Conversation.objects.filter(listing=conversation.listing_id, responder=kept).first()
        if target is None:
            continue
        conversation.messages.update(conversation=target)
        for note in conversation.thanks.all():
            if target.thanks.filter(sender=note.sender_id).exists():
                note.delete()
            else:
                ThankYou.objects.filter(pk=note.pk).update(conversation=target)
        Conversation.objects.filter(pk=target.pk).update(
            last_message_at=max(target.last_message_at, conversation.last_message_at)
        )
        conversation.delete()


# ---------------------------------------------------------------- the person's rights (core.rights)

ERASURE_KEEPS = [
    _(
        "Les annonces restent comptées (type, catégorie, quartier, dates, résultat) sans leur texte ; "
        "les messages des voisins restent à leurs auteurs, les vôtres sont vidés."
    ),
]


def export(*, person):
    from relais.core.extensions import ExportSection
    from relais.mutualaid.models import ConversationMessage, Report

    sections = []
    listings = Listing.objects.filter(posted_by=person).select_related("neighbourhood").order_by("created_at")
    if listings:
        fields = {
            "kind": _("Type"),
            "category": _("Catégorie"),
            "neighbourhood": _("Quartier"),
            "title": _("Titre"),
            "text": _("Texte"),
            "status": _("État"),
            "created_at": _("Déposée le"),
            "closed_at": _("Terminée le"),
        }
        items = [
            {
                "kind": li.get_kind_display(),
                "category": li.get_category_display(),
                "neighbourhood": li.neighbourhood.name if li.neighbourhood_id else "",
                "title": li.title,
                "text": li.text,
                "status": li.get_status_display(),
                "created_at": li.created_at,
                "closed_at": li.closed_at,
            }
            for li in listings
        ]
        sections.append(ExportSection("listings", _("Annonces d'entraide"), fields, items))
    # Relayed messages: the other neighbour is never named (the board shows no identity).
    messages = (
        ConversationMessage.objects.filter(Q(sender=person) | Q(recipient=person))
        .select_related("conversation__listing")
        .order_by("created_at", "pk")
    )
    if messages:
        fields = {"at": _("Date"), "listing": _("Annonce"), "direction": _("Sens"), "text": _("Message")}
        items = [
            {
                "at": m.created_at,
                "listing": m.conversation.listing.title,
                "direction": _("envoyé") if m.sender_id == person.pk else _("reçu"),
                "text": m.body,
            }
            for m in messages
        ]
        sections.append(ExportSection("relayed_messages", _("Messages d'entraide"), fields, items))
    reports = Report.objects.filter(reporter=person).order_by("created_at")
    if reports:
        fields = {"at": _("Date"), "reason": _("Motif"), "details": _("Précisions")}
        items = [{"at": r.created_at, "reason": r.get_reason_display(), "details": r.details} for r in reports]
        sections.append(ExportSection("reports", _("Signalements faits"), fields, items))
    suspensions = person.mutualaid_suspensions.order_by("starts_at")
    if suspensions:
        fields = {"starts_at": _("Début"), "ends_at": _("Fin"), "reason": _("Motif")}
        items = [{"starts_at": s.starts_at, "ends_at": s.ends_at, "reason": s.reason} for s in suspensions]
        sections.append(ExportSection("suspensions", _("Suspensions de l'entraide"), fields, items))
    return sections


def _open_listings(person):
    from relais.mutualaid.models import ListingStatus

    return Listing.objects.filter(posted_by=person, status__in=[ListingStatus.PENDING, ListingStatus.PUBLISHED])


def open_records(*, person):
    return [_("Annonce « %(title)s » en ligne ou en attente") % {"title": li.title} for li in _open_listings(person)]


def close_open_records(*, person, actor, reason):
    """Take the listings off the board (no outcome: nobody said whether it worked)."""
    from relais.core.audit import audit_log
    from relais.mutualaid.models import ListingStatus

    now = timezone.now()
    for listing in _open_listings(person):
        Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.CLOSED, closed_at=now)
        audit_log(actor=actor, action=Action.LISTING_CLOSED, obj=listing, person=person, details={"erasure": True})
    public_pages_changed()  # an update() sends no signal: the listings leave the board at once


def erase(*, person):
    from relais.mutualaid.models import ConversationMessage, ModerationDecision, Report, Suspension

    listings = Listing.objects.filter(posted_by=person).update(
        title="", text="", availability="", moderation_notice="", search_text=""
    )
    messages = ConversationMessage.objects.filter(sender=person).update(body="")
    ThankYou.objects.filter(sender=person).update(text="")
    Report.objects.filter(reporter=person).update(details="")
    Suspension.objects.filter(person=person).update(reason="")
    ModerationDecision.objects.filter(person=person).update(reason="")
    Block.objects.filter(blocker=person).delete()
    return {"listings": listings, "relayed_messages": messages}


def link_target(*, view_name, kwargs):
    """A renewal link (and its paper code) works while the link does (it is signed, tied to
    one expiry date, and ages out); a conversation's while the conversation exists."""
    from django.urls import reverse

    from relais.mutualaid.services.links import renew_link

    if view_name == "mutualaid:renew":
        link = renew_link(kwargs.get("token", ""))
        if link is None:
            return LinkTarget(alive=False)
        listing = link.listing
        return LinkTarget(
            alive=True,
            staff_url=reverse("mutualaid:staff_listing", args=[listing.pk]),
            visible_to=lambda user: selectors.staff_listings(user).filter(pk=listing.pk).exists(),
        )
    if view_name == "mutualaid:conversation":
        conversation = Conversation.objects.filter(pk=kwargs.get("pk")).first()
        if conversation is None:
            return LinkTarget(alive=False)
        return LinkTarget(
            alive=True,
            staff_url=reverse("mutualaid:staff_conversation", args=[conversation.pk]),
            visible_to=lambda user: selectors.staff_conversations(user).filter(pk=conversation.pk).exists(),
        )
    return None
