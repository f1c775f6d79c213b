"""Request forms in the resident search: a form without a catalogue page (a street report)
is found by what it asks for. Forms linked to a fiche are reached through the fiche."""

from __future__ import annotations

from relais.directory import search


def _forms():
    from relais.cases.models import Form

    return Form.objects.published().filter(procedure__isnull=True)


def documents():
    for form in _forms().prefetch_related("fields").order_by("title", "pk"):
        fields = list(form.fields.all())
        questions = " ".join(f"{f.label} {f.help_text}" for f in fields)
        # The choices offered say what the form is for ("Trou dans la chaussée", "Éclairage").
        choices = " ".join(f.choices.replace("\n", " ") for f in fields)
        yield search.Document(
            kind=search.FORM,
            ref=form.pk,
            title=form.title,
            url=form.get_absolute_url(),
            summary=form.intro,
            fields={
                "title": search._every_language(form, "title"),
                "keywords": choices,
                "summary": search._every_language(form, "intro"),
                "body": f"{search._every_language(form, 'required_documents')} {questions}",
            },
        )


def version():
    from relais.cases.models import Form

    return search.aggregate_version(Form.objects.all())


def register() -> None:
    from relais.cases.models import Form, FormField

    search.register(search.Source("cases.forms", documents, version))
    search.watch(Form, FormField)
