from django.urls import reverse

from relais.core.models import AuditEvent
from relais.directory.models import Organisation, Place, Procedure, Theme
from relais.directory.selectors import search_procedures


def procedure_data(**overrides):
    data = {
        "title": "Demander une place en crèche",
        "slug": "place-en-creche",
        "organisation": Organisation.objects.get(slug="mairie").pk,
        "themes": [Theme.objects.get(code="famille_scolarite").pk],
        "summary": "La mairie attribue les places dans les crèches municipales.",
        "easy_read": "",
        "audience": "",
        "documents": "Livret de famille\nJustificatif de domicile",
        "cost": "Selon vos revenus",
        "delay": "",
        "how_to": "",
        "external_url": "",
        "external_label": "",
        "counter": "on",
        "places": [Place.objects.get(slug=Place.objects.first().slug).pk],
        "keywords": "crèche, garde d'enfant, nounou",
        "published": "on",
    }
    data.update(overrides)
    return data


def test_administrator_adds_an_entry_residents_find_at_once(admin_client, administrator):
    response = admin_client.post(reverse("directory:catalogue_create", args=["fiches"]), procedure_data())
    assert response.status_code == 302
    proc = Procedure.objects.get(slug="place-en-creche")
    assert [p.title for p in search_procedures("nounou")[0]][:1] == [proc.title]
    assert AuditEvent.objects.filter(
        action="directory.procedure.created", object_id=str(proc.pk), actor=administrator
    ).exists()


def test_an_external_link_needs_its_text_and_the_form_keeps_the_input(admin_client):
    response = admin_client.post(
        reverse("directory:catalogue_create", args=["fiches"]), procedure_data(external_url="https://www.caf.fr")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez le texte du lien" in html
    assert "Demander une place en crèche" in html
    assert not Procedure.objects.filter(slug="place-en-creche").exists()


def test_invalid_opening_hours_are_explained(admin_client):
    place = Place.objects.first()
    url = reverse("directory:catalogue_edit", args=["lieux", place.pk])
    form = admin_client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, list):
            data[name] = value
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = form[name].value() if name not in ("courriels", "site_web") else "\n".join(value)
    data["horaires"] = "du lundi au vendredi"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "pas au format OpenStreetMap" in response.content.decode()
    data["horaires"] = "Mo-Fr 09:00-12:00"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    place.refresh_from_db()
    assert place.horaires == "Mo-Fr 09:00-12:00"


def test_every_catalogue_list_and_form_opens(admin_client):
    for kind in ["lieux", "fiches", "themes", "organismes"]:
        assert admin_client.get(reverse("directory:catalogue_list", args=[kind])).status_code == 200
        assert admin_client.get(reverse("directory:catalogue_create", args=[kind])).status_code == 200
    assert admin_client.get(reverse("directory:catalogue_list", args=["nope"])).status_code == 404
