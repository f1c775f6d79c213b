"""Retention of requests (core.retention): closed requests and their documents, drafts
nobody sent and their files. What the statistics count stays as anonymous counts."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relais.cases.journal import Action
from relais.core.retention import ANONYMISE, DELETE, Rule, delete_files_on_commit, retain_counts

CASE_COUNTS = "cases.case"


def closed_cases_due(cutoff):
    from relais.cases.models import DONE_STATUSES, Case

    return Case.objects.filter(status__in=DONE_STATUSES, closed_at__lt=cutoff)


def purge_closed_cases(*, cutoff, days, dry_run, limit=None) -> int:
    """Delete closed requests past the period, with their timeline, documents and files,
    the messages about them and their draft; each leaves one anonymous count (team, month
    filed, form, channel, final status, sent with help, under a mandate) so that figures by
    form, channel or month stay."""
    from relais.cases.models import Case, Document, Draft, DraftFile
    from relais.core.audit import audit_log
    from relais.notifications.services import messages_delete_about

    due = closed_cases_due(cutoff)
    if dry_run:
        return due.count()
    cases = list(
        due.select_for_update()
        .order_by("pk")[:limit]
        .values(
            "pk",
            "reference",
            "team_id",
            "form_id",
            "channel",
            "status",
            "submitted_at",
            "person_id",
            "recorded_by_id",
            "acting_under_id",
        )
    )
    ids = [c["pk"] for c in cases]
    files = list(Document.objects.filter(case_id__in=ids).values_list("file", flat=True))
    files += DraftFile.objects.filter(draft__case_id__in=ids).values_list("file", flat=True)
    for row in cases:
        messages_delete_about(related=Case(pk=row["pk"]))
        audit_log(
            actor=None,
            action=Action.CASE_PURGED,
            person=_person(row["person_id"]),
            details={"reference": row["reference"], "form": row["form_id"]},
        )
    retain_counts(
        CASE_COUNTS,
        ((c["team_id"], c["submitted_at"], _counted(c)) for c in cases),
    )
    Draft.objects.filter(case_id__in=ids).delete()
    Case.objects.filter(pk__in=ids).delete()
    delete_files_on_commit(files)
    return len(ids)


def _counted(case: dict) -> dict:
    """What the statistics count of a removed request (cases.selectors.case_counts)."""
    return {
        "form": case["form_id"],
        "channel": case["channel"],
        "status": case["status"],
        # Sent by an agent or a helper rather than by the resident alone; under a mandate.
        "helped": case["recorded_by_id"] is not None or case["acting_under_id"] is not None,
        "mandate": case["acting_under_id"] is not None,
    }


def _person(pk):
    from relais.core.models import Person

    return Person(pk=pk)


def purge_drafts(*, cutoff, days, dry_run, limit=None) -> int:
    from relais.cases.models import Draft, DraftFile

    old = Draft.objects.filter(Q(updated_at__lt=cutoff), case__isnull=True)
    if dry_run:
        return old.count()
    ids = list(old.order_by("pk").values_list("pk", flat=True)[:limit])
    delete_files_on_commit(list(DraftFile.objects.filter(draft_id__in=ids).values_list("file", flat=True)))
    Draft.objects.filter(pk__in=ids).delete()
    return len(ids)


_REQUESTS = {
    "purpose": _(
        "Recevoir et traiter les demandes des habitants (démarches), quel que soit le canal : en ligne, "
        "au guichet, par téléphone, par courrier ou par courriel."
    ),
    "legal_basis": _("Mission d'intérêt public et obligations légales de la commune (article 6-1-c et 6-1-e du RGPD)."),
    "people": _("Habitants qui font une demande ; agents qui la traitent ; aidants sous mandat."),
    "recipients": _("Agents du service qui traite la démarche ; l'habitant lui-même."),
}


def blank_feedback_digests(*, cutoff, days, dry_run) -> int:
    from relais.cases.feedback import blank_past_digests

    return blank_past_digests(cutoff=cutoff, days=days, dry_run=dry_run)


def erase_feedback_comments(*, cutoff, days, dry_run) -> int:
    from relais.cases.feedback import erase_old_comments

    return erase_old_comments(cutoff=cutoff, days=days, dry_run=dry_run)


_FEEDBACK = {
    "purpose": _(
        "Savoir quelles pages et quelles démarches en ligne les habitants trouvent difficiles, "
        "pour les simplifier (« Cette page vous a-t-elle été utile ? »)."
    ),
    "legal_basis": _("Mission d'intérêt public de la commune (article 6-1-e du RGPD)."),
    "people": _("Visiteurs des fiches et des formulaires de demande qui répondent à la question."),
    "recipients": _("Agents chargés du catalogue des démarches et responsables d'équipe."),
}

RULES = [
    Rule(
        kind="cases.drafts",
        label=_("Demandes en ligne commencées mais jamais envoyées, et leurs fichiers"),
        setting="RELAIS_DRAFTS_RETENTION_DAYS",
        default_days=30,
        floor_days=7,
        action=DELETE,
        purge=purge_drafts,
        batched=True,
        order=10,
        starts=_("depuis la dernière modification du brouillon"),
        keeps=_("Rien."),
        data=_("Réponses déjà saisies au formulaire, fichiers joints."),
        floor_reason=_("l'habitant doit pouvoir reprendre sa demande plus tard"),
        **_REQUESTS,
    ),
    Rule(
        kind="cases.closed",
        label=_("Demandes terminées, leurs échanges et leurs documents"),
        setting="RELAIS_CASES_RETENTION_DAYS",
        default_days=3 * 365,
        floor_days=365,
        action=DELETE,
        purge=purge_closed_cases,
        batched=True,
        order=20,
        starts=_("depuis la clôture de la demande (acceptée, refusée ou classée sans suite)"),
        keeps=_("Un décompte anonyme par mois, démarche, canal et décision : les statistiques ne changent pas."),
        data=_(
            "Réponses au formulaire, pièces justificatives, échanges avec l'habitant, notes internes, lieu signalé."
        ),
        floor_reason=_(
            "une décision peut être contestée (recours de deux mois, délais de jugement) ; "
            "la commune verse aux archives ce que la loi lui demande de garder plus longtemps"
        ),
        **_REQUESTS,
    ),
    Rule(
        kind="cases.page_feedback_digests",
        label=_("Empreinte de la connexion et lien au brouillon des réponses « Cette page vous a-t-elle été utile ? »"),
        setting="RELAIS_PAGE_FEEDBACK_DIGESTS_RETENTION_DAYS",
        default_days=1,
        floor_days=1,
        action=ANONYMISE,
        purge=blank_feedback_digests,
        order=22,
        starts=_("depuis le jour de la réponse (effacée chaque nuit)"),
        keeps=_(
            "La réponse (oui ou non), sa raison et son commentaire, sans rien qui la relie à une connexion, "
            "à une demande ou à une personne. Le lien de la réponse ne fonctionne plus."
        ),
        data=_(
            "Empreinte chiffrée (non réversible) de l'adresse de connexion, du jour et de la page, "
            "qui permet de changer sa réponse le jour même sans cookie ; identifiant du brouillon de demande "
            "d'où la réponse a été donnée."
        ),
        **_FEEDBACK,
    ),
    Rule(
        kind="cases.page_feedback_comments",
        label=_("Commentaires laissés avec « Cette page vous a-t-elle été utile ? »"),
        setting="RELAIS_PAGE_FEEDBACK_COMMENTS_RETENTION_DAYS",
        default_days=365,
        floor_days=30,
        action=ANONYMISE,
        purge=erase_feedback_comments,
        order=24,
        starts=_("depuis la dernière modification de la réponse"),
        keeps=_("La réponse (oui ou non) et sa raison, comptées dans les démarches à simplifier."),
        data=_(
            "Commentaire libre, où les numéros de téléphone, les adresses électroniques et postales et le nom "
            "de l'habitant sont masqués avant l'enregistrement."
        ),
        floor_reason=_("les équipes doivent pouvoir lire les commentaires avant de simplifier une démarche"),
        **_FEEDBACK,
    ),
]
