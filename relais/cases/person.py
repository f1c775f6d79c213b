from django.utils.translation import gettext_lazy as _

from relais.accounts.models import Role
from relais.accounts.permissions import has_role
from relais.cases import search_index
from relais.cases.selectors import cases_visible_to
from relais.cases.views_staff import RECORD_ROLES
from relais.core.extensions import ExportSection, LinkTarget, PersonSection
from relais.notifications.selectors import about


def sections(*, person, user):
    """The person's requests the user may open, and a way to record a new one."""
    visible = list(cases_visible_to(user).filter(person=person).select_related("form").order_by("-submitted_at")[:30])
    # The counter answers "where is my request?" on the phone: status only, not the file.
    others = (
        person.cases.exclude(pk__in=[c.pk for c in visible])
        .select_related("form", "team")
        .order_by("-submitted_at")[:30]
        if has_role(user, Role.RECEPTION)
        else []
    )
    can_record = has_role(user, *RECORD_ROLES)
    if not visible and not others and not can_record:
        return []
    return [
        PersonSection(
            _("Demandes"),
            "cases/staff/_person_cases.html",
            {"cases": visible, "others": others, "can_record": can_record},
            order=10,
        )
    ]


def resident_sections(*, person):
    cases = person.cases.select_related("form").order_by("-submitted_at")[:20]
    if not cases:
        return []
    return [PersonSection(_("Vos demandes"), "cases/_resident_cases.html", {"cases": cases}, order=10)]


def message_filter(*, user):
    """Staff who may open a case may read the messages sent about it."""
    return about(cases_visible_to(user))


def has_relation(*, user, person) -> bool:
    return cases_visible_to(user).filter(person=person).exists()


def link_target(*, view_name, kwargs):
    """A request's follow-up link (and its paper code) opens it while the request exists:
    once its retention has passed, the request is gone and the code stops working."""
    from relais.cases.models import Case

    if view_name not in ("cases:track", "cases:correct"):
        return None
    case = Case.objects.filter(reference=kwargs.get("reference"), token=kwargs.get("token")).first()
    if case is None:
        return LinkTarget(alive=False)
    return LinkTarget(
        alive=True,
        staff_url=case.get_absolute_url(),
        visible_to=lambda user: cases_visible_to(user).filter(pk=case.pk).exists(),
    )


def find_by_reference(*, user, query, request=None) -> str | None:
    """A reference typed in the staff search: the case, when the user may open it; for the
    counter, the person's page, which says where each of their requests is."""
    from relais.cases.models import Case
    from relais.cases.services import case_by_reference

    case = case_by_reference(cases_visible_to(user), query, actor=user, request=request)
    if case is not None:
        return case.get_absolute_url()
    if has_role(user, Role.RECEPTION):
        case = case_by_reference(Case.objects.all(), query, actor=user, request=request)
        if case is not None:
            return case.person.get_absolute_url()
    return None


# ---------------------------------------------------------------- the person's rights (core.rights)

ERASURE_KEEPS = [
    _(
        "Les demandes restent comptées (démarche, canal, état, dates) pour les statistiques, "
        "sans les réponses, les messages ni les documents."
    ),
]


def export(*, person):
    """The person's requests with their answers, the timeline they can see, and the
    documents (names and sizes; the files themselves are given by the team on request)."""
    from relais.cases.models import Draft

    cases = list(
        person.cases.select_related("form").prefetch_related("events", "documents").order_by("submitted_at", "pk")
    )
    case_fields = {
        "reference": _("Référence"),
        "form": _("Démarche"),
        "status": _("État"),
        "channel": _("Canal"),
        "submitted_at": _("Envoyée le"),
        "closed_at": _("Close le"),
        "location": _("Emplacement"),
        "answers": _("Réponses"),
        "events": _("Suivi"),
    }
    case_items = []
    documents = []
    for case in cases:
        events = [
            {"at": e.created_at, "what": e.get_kind_display(), "text": e.text}
            for e in case.events.all()
            if e.visible_to_resident
        ]
        case_items.append(
            {
                "reference": case.reference,
                "form": case.form.title,
                "status": case.get_status_display(),
                "channel": case.get_channel_display(),
                "submitted_at": case.submitted_at,
                "closed_at": case.closed_at,
                "location": case.location_text,
                "answers": [{"question": a.get("label", ""), "answer": a.get("display", "")} for a in case.answers],
                "events": events,
            }
        )
        documents += [
            {"case": case.reference, "name": d.name, "type": d.content_type, "size": d.size, "added_at": d.created_at}
            for d in case.documents.all()
        ]
    sections = []
    if case_items:
        sections.append(ExportSection("cases", _("Demandes"), case_fields, case_items))
    if documents:
        doc_fields = {
            "case": _("Demande"),
            "name": _("Nom du fichier"),
            "type": _("Type"),
            "size": _("Taille (octets)"),
            "added_at": _("Ajouté le"),
        }
        sections.append(ExportSection("documents", _("Documents"), doc_fields, documents))
    drafts = Draft.objects.filter(user_id=person.user_id, case__isnull=True) if person.user_id else []
    if drafts:
        draft_fields = {"form": _("Démarche"), "updated_at": _("Enregistré le"), "data": _("Contenu")}
        items = [{"form": d.form.title, "updated_at": d.updated_at, "data": d.data} for d in drafts]
        sections.append(ExportSection("drafts", _("Demandes commencées, pas encore envoyées"), draft_fields, items))
    return sections


def export_files(*, person):
    from relais.cases.models import Document

    documents = Document.objects.filter(case__person=person).select_related("case").order_by("pk")
    return [(f"documents/{d.case.reference}/{d.pk}-{_safe_name(d.name)}", d.file) for d in documents]


def _safe_name(name: str) -> str:
    """A file name that stays in its folder of the archive."""
    cleaned = "".join(c if c.isalnum() or c in ".-_ " else "_" for c in name).strip(". ")
    return cleaned[:100] or "document"


def open_records(*, person):
    from relais.cases.models import OPEN_STATUSES

    return [
        _("Demande %(reference)s en cours (%(form)s)") % {"reference": c.reference, "form": c.form.title}
        for c in person.cases.filter(status__in=OPEN_STATUSES).select_related("form")
    ]


def close_open_records(*, person, actor, reason):
    from relais.cases.models import OPEN_STATUSES, Status
    from relais.cases.services import case_change_status

    for case in person.cases.filter(status__in=OPEN_STATUSES):
        case_change_status(case=case, status=Status.CLOSED, actor=actor)


def erase(*, person):
    """Blank the answers, timeline texts and location; delete documents (files too) and
    unsent drafts. The request rows stay, for the statistics."""
    from relais.cases.models import CaseEvent, Correction, Document, Draft
    from relais.cases.models import _token as new_token

    cases = person.cases.all()
    count = 0
    for case in cases:
        answers = [{**a, "value": None, "display": ""} for a in case.answers]
        type(case).objects.filter(pk=case.pk).update(
            answers=answers,
            location_text="",
            latitude=None,
            longitude=None,
            search_text=case.reference.lower(),
            sender_digest="",
            token=new_token(),
        )
        count += 1
    search_index.forget_removed()  # the erased names out of SQLite's search index too
    CaseEvent.objects.filter(case__person=person).update(text="")
    Correction.objects.filter(case__person=person).update(reason="", old_answer=None)
    documents = list(Document.objects.filter(case__person=person))
    for document in documents:
        _delete_file(document.file)
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()
    drafts = list(Draft.objects.filter(user_id=person.user_id, case__isnull=True)) if person.user_id else []
    for draft in drafts:
        for upload in draft.files.all():
            _delete_file(upload.file)
        draft.delete()
    return {"cases": count, "documents": len(documents), "drafts": len(drafts)}


def _delete_file(file) -> None:
    """Remove the file once the erasure is committed (a rollback keeps it)."""
    from django.db import transaction

    if file and file.name:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))
