"""Retention of the mutual-aid board (core.retention): listings over (closed, expired,
hidden, refused) and their conversations go; the board's figures keep anonymous counts."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule, retain_counts

LISTING_COUNTS = "mutualaid.listing"
CONVERSATION_COUNTS = "mutualaid.conversation"
OFFLINE_AUTHOR_COUNTS = "mutualaid.offline_author"


def listings_due(cutoff):
    from relais.mutualaid.models import ConversationMessage, Listing, ListingStatus

    over = (ListingStatus.CLOSED, ListingStatus.EXPIRED, ListingStatus.HIDDEN, ListingStatus.REJECTED)
    return (
        Listing.objects.annotate(over_at=Coalesce("closed_at", "expires_at", "updated_at"))
        .filter(status__in=over, over_at__lt=cutoff, updated_at__lt=cutoff)
        .exclude(
            Exists(ConversationMessage.objects.filter(conversation__listing=OuterRef("pk"), created_at__gte=cutoff))
        )
    )


def purge_listings(*, cutoff, days, dry_run, limit=None) -> int:
    """Delete the listings over, with their conversations, reports and decisions, and the
    messages about them; the board's statistics keep anonymous counts of each."""
    from relais.core.audit import audit_log
    from relais.core.models import Channel, Person
    from relais.mutualaid.models import Conversation, Listing
    from relais.notifications.services import messages_delete_about

    due = listings_due(cutoff)
    if dry_run:
        return due.count()
    listings = list(
        due.select_for_update(of=("self",))
        .order_by("pk")[:limit]
        .values("pk", "team_id", "status", "outcome", "kind", "category", "posted_via", "posted_by_id", "over_at")
    )
    ids = [row["pk"] for row in listings]
    retain_counts(
        LISTING_COUNTS,
        (
            (
                row["team_id"],
                row["over_at"],
                {"status": row["status"], "outcome": row["outcome"], "kind": row["kind"], "category": row["category"]},
            )
            for row in listings
        ),
    )
    retain_counts(
        CONVERSATION_COUNTS,
        (
            (team, created_at, {})
            for team, created_at in Conversation.objects.filter(listing_id__in=ids).values_list(
                "listing__team_id", "created_at"
            )
        ),
    )
    # The board counts authors known offline once each: one who leaves no listing behind
    # in the team is counted from now on in the anonymous counts.
    offline = {(row["team_id"], row["posted_by_id"]) for row in listings if row["posted_via"] != Channel.ONLINE}
    kept = set(
        Listing.objects.exclude(pk__in=ids).exclude(posted_via=Channel.ONLINE).values_list("team_id", "posted_by_id")
    )
    retain_counts(OFFLINE_AUTHOR_COUNTS, ((team, cutoff, {}) for team, _p in offline - kept))
    for row in listings:
        messages_delete_about(related=Listing(pk=row["pk"]))
        audit_log(
            actor=None, action="mutualaid.listing_purged", person=Person(pk=row["posted_by_id"]),
            details={"listing": row["pk"]},
        )  # fmt: skip
    Listing.objects.filter(pk__in=ids).delete()
    return len(ids)


RULES = [
    Rule(
        kind="mutualaid",
        label=_("Annonces d'entraide terminées et leurs conversations"),
        setting="RELAIS_MUTUALAID_RETENTION_DAYS",
        default_days=365,
        floor_days=30,
        action=DELETE,
        purge=purge_listings,
        batched=True,
        order=40,
        starts=_("depuis la fin de l'annonce (terminée, expirée, masquée ou refusée) et le dernier message"),
        keeps=_(
            "Un décompte anonyme des annonces par état et résultat, et des conversations : les chiffres du tableau de bord ne changent pas."
        ),
        purpose=_("Mettre en relation des voisins qui s'entraident, sans montrer leurs coordonnées, et modérer."),
        legal_basis=_("Consentement de l'habitant à la publication (article 6-1-a du RGPD)."),
        data=_("Annonce (texte, quartier, catégorie), messages relayés, signalements, décisions de modération."),
        people=_("Habitants qui publient ou répondent ; modérateurs."),
        recipients=_("Les voisins en relation (sans coordonnées) ; les modérateurs de l'équipe d'entraide."),
        floor_reason=_("un signalement doit pouvoir être examiné après la fin de l'annonce"),
    )
]
