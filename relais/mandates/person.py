from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import HELPER_ROLES, has_role, team_ids
from relais.core.extensions import ExportSection, LinkTarget, PersonSection
from relais.mandates.models import Mandate
from relais.mandates.selectors import mandates_visible_to
from relais.notifications.selectors import about


def sections(*, person, user):
    if not has_role(user, *HELPER_ROLES, Role.RECEPTION):
        return []
    return [
        PersonSection(
            _("Mandats"),
            "mandates/staff/_person_mandates.html",
            {
                "mandates": mandates_visible_to(user).filter(person=person),
                "can_create": has_role(user, *HELPER_ROLES),
            },
            order=20,
        )
    ]


def resident_sections(*, person):
    mandates = person.mandates.select_related("team").prefetch_related("scopes").order_by("-created_at")
    if not mandates:
        return []
    return [PersonSection(_("Vos mandats"), "mandates/_resident_mandates.html", {"mandates": mandates}, order=30)]


def message_filter(*, user):
    """Messages about a mandate: the staff who may see the mandate."""
    return about(mandates_visible_to(user))


def has_relation(*, user, person) -> bool:
    """A helping team with a mandate (any state) for the person."""
    return Mandate.objects.filter(person=person, team_id__in=team_ids(user, *HELPER_ROLES)).exists()


# ---------------------------------------------------------------- the person's rights (core.rights)

ERASURE_KEEPS = [
    _(
        "Les mandats et la preuve du consentement (texte présenté, façon de le recueillir, dates, "
        "formulaire signé) : la structure aidante doit pouvoir prouver qu'elle avait votre accord "
        "pour agir en votre nom, pendant la durée légale de conservation de ces preuves."
    ),
]


def export(*, person):
    mandates = person.mandates.select_related("team").prefetch_related("scopes").order_by("created_at")
    fields = {
        "team": _("Structure aidante"),
        "scopes": _("Domaines"),
        "duration": _("Durée"),
        "state": _("État"),
        "consent_method": _("Recueil du consentement"),
        "consent_text": _("Texte présenté"),
        "created_at": _("Créé le"),
        "activated_at": _("Consentement donné le"),
        "expires_at": _("Valable jusqu'au"),
        "revoked_at": _("Révoqué le"),
        "has_paper_scan": _("Formulaire signé numérisé"),
    }
    states = {"pending": _("en attente"), "active": _("actif"), "expired": _("expiré"), "revoked": _("révoqué")}
    items = [
        {
            "team": m.team.name,
            "scopes": m.scope_labels(),
            "duration": m.get_duration_display(),
            "state": states[m.state],
            "consent_method": m.get_consent_method_display(),
            "consent_text": m.consent_text,
            "created_at": m.created_at,
            "activated_at": m.activated_at,
            "expires_at": m.expires_at,
            "revoked_at": m.revoked_at,
            "has_paper_scan": bool(m.paper_scan),
        }
        for m in mandates
    ]
    return [ExportSection("mandates", _("Mandats et consentements"), fields, items)] if items else []


def export_files(*, person):
    """The signed consent forms, as scanned."""
    import os

    return [
        (f"mandats/{m.pk}-formulaire-signe{os.path.splitext(m.paper_scan.name)[1][:10]}", m.paper_scan)
        for m in person.mandates.exclude(paper_scan="")
    ]


def _open_mandates(person):
    return (Mandate.objects.active() | Mandate.objects.pending()).filter(person=person).select_related("team")


def open_records(*, person):
    return [_("Mandat donné à %(team)s, encore valable") % {"team": m.team.name} for m in _open_mandates(person)]


def close_open_records(*, person, actor, reason):
    from relais.mandates.models import RevokedVia
    from relais.mandates.services import mandate_revoke

    for mandate in _open_mandates(person):
        mandate_revoke(mandate=mandate, actor=actor, via=RevokedVia.COUNTER, reason=reason)


def erase(*, person):
    """Keep the consent proof; forget the codes and the private link."""
    from relais.mandates.models import _new_token

    count = 0
    for pk in person.mandates.values_list("pk", flat=True):
        Mandate.objects.filter(pk=pk).update(code_hash="", token=_new_token())
        count += 1
    return {"mandates_kept": count}


def link_target(*, view_name, kwargs):
    """A mandate's link (and its paper code) opens it while it is pending or active: once it
    has ended or was stopped, the code stops working."""
    if view_name != "mandates:resident":
        return None
    mandate = Mandate.objects.filter(token=kwargs.get("token")).first()
    if mandate is None:
        return LinkTarget(alive=False)
    return LinkTarget(
        alive=mandate.state in ("active", "pending"),
        staff_url=mandate.get_absolute_url(),
        visible_to=lambda user: mandates_visible_to(user).filter(pk=mandate.pk).exists(),
    )
