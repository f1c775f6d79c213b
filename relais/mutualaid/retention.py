"""Retention of the mutual-aid board (core.retention): listings over (closed, expired,
hidden, refused) and their conversations go; the board's figures keep anonymous counts.
The moderation history about a person (suspensions and their reason, badges, decisions
about no listing) goes with its own rule, once it is over and the person is off the board."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relais.core.retention import DELETE, Rule, retain_counts
from relais.mutualaid.journal import Action

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
        .annotate(answered=Exists(Conversation.objects.filter(listing=OuterRef("pk"))))
        .order_by("pk")[:limit]
        .values(
            "pk",
            "team_id",
            "status",
            "outcome",
            "kind",
            "category",
            "posted_via",
            "posted_by_id",
            "over_at",
            "created_at",
            "neighbourhood_id",
            "answered",
        )
    )
    ids = [row["pk"] for row in listings]
    retain_counts(LISTING_COUNTS, ((row["team_id"], row["over_at"], _counted(row)) for row in listings))
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
            actor=None, action=Action.LISTING_PURGED, person=Person(pk=row["posted_by_id"]),
            details={"listing": row["pk"]},
        )  # fmt: skip
    Listing.objects.filter(pk__in=ids).delete()
    return len(ids)


def _counted(listing: dict) -> dict:
    """What the statistics count of a removed listing (mutualaid.selectors.listing_counts)."""
    return {
        "status": listing["status"],
        "outcome": listing["outcome"],
        "kind": listing["kind"],
        "category": listing["category"],
        # The month it was posted ("2026-03"): the counts themselves are kept by the month it ended.
        "posted": timezone.localtime(listing["created_at"]).strftime("%Y-%m"),
        "neighbourhood": listing["neighbourhood_id"],
        "posted_via": listing["posted_via"],
        "answered": listing["answered"],
    }


def suspensions_due(cutoff):
    """Suspensions over (lifted, or past their end) before `cutoff`; one without an end
    that was never lifted is kept."""
    from relais.mutualaid.models import Suspension

    return Suspension.objects.annotate(over_at=Coalesce("lifted_at", "ends_at")).filter(over_at__lt=cutoff)


def badges_due(cutoff):
    """Badges revoked before `cutoff`, or given before it to a person with nothing else left
    on the board (no listing, no conversation: their own rule removed them)."""
    from django.db.models import Q

    from relais.mutualaid.models import Badge, Conversation, Listing

    off_the_board = ~Exists(Listing.objects.filter(posted_by=OuterRef("person"))) & ~Exists(
        Conversation.objects.filter(responder=OuterRef("person"))
    )
    return Badge.objects.filter(
        Q(revoked_at__lt=cutoff) | Q(revoked_at__isnull=True, given_at__lt=cutoff) & off_the_board
    )


def decisions_due(cutoff):
    """Decisions about a person rather than a listing (suspend, lift, badge), made before
    `cutoff`, once the person has no suspension left (a suspension keeps its history)."""
    from relais.mutualaid.models import ModerationDecision, Suspension

    return ModerationDecision.objects.filter(listing__isnull=True, decided_at__lt=cutoff).exclude(
        Exists(
            Suspension.objects.filter(person=OuterRef("person")).exclude(pk__in=suspensions_due(cutoff).values("pk"))
        )
    )


def purge_moderation(*, cutoff, days, dry_run) -> int:
    """Delete the suspensions over, the badges of people off the board and the decisions
    about no listing; none of them is counted in the board's figures."""
    from relais.core.audit import audit_log
    from relais.core.models import Person

    kinds = (("suspension", suspensions_due), ("badge", badges_due), ("decision", decisions_due))
    if dry_run:
        return sum(due(cutoff).count() for _kind, due in kinds)
    removed = 0
    for kind, due in kinds:
        rows = list(due(cutoff).select_for_update(of=("self",)).order_by("pk").values_list("pk", "person_id"))
        for pk, person_id in rows:
            audit_log(
                actor=None, action=Action.MODERATION_PURGED, person=Person(pk=person_id),
                details={kind: pk},
            )  # fmt: skip
        due(cutoff).model.objects.filter(pk__in=[pk for pk, _person in rows]).delete()
        removed += len(rows)
    return removed


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
    ),
    Rule(
        kind="mutualaid.moderation",
        label=_("Suspensions, badges et décisions de modération sur une personne (entraide)"),
        setting="RELAIS_MUTUALAID_MODERATION_RETENTION_DAYS",
        default_days=365,
        floor_days=30,
        action=DELETE,
        purge=purge_moderation,
        order=45,
        starts=_(
            "depuis la fin de la suspension (levée ou échue) ; pour un badge, depuis son retrait, ou depuis qu'il "
            "a été donné si la personne n'a plus ni annonce ni conversation ; pour une décision, depuis la "
            "décision, une fois la personne sans suspension en cours"
        ),
        keeps=_(
            "Rien : ces données ne sont pas comptées dans les chiffres du tableau de bord. Une suspension "
            "sans fin et jamais levée est gardée."
        ),
        purpose=_("Protéger les voisins : suspendre un habitant qui abuse, signaler ceux que l'équipe a rencontrés."),
        legal_basis=_("Mission d'intérêt public (article 6-1-e du RGPD) : sécurité du service d'entraide."),
        data=_("Personne concernée, raison de la suspension, dates, badge, décisions et leur explication."),
        people=_("Habitants qui publient ou répondent sur le tableau d'entraide."),
        recipients=_("Les modérateurs de l'équipe d'entraide qui a décidé."),
        floor_reason=_("une suspension à peine finie peut encore être contestée ou renouvelée"),
    ),
]
