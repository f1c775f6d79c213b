"""Steps of the backup drill, each run in its own process against a throw-away database
(the suite's test transaction would hide what the commands write): `file` files a request
(a case with a reference and an uploaded document), `state` prints what is there as JSON."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from relais.accounts.models import Team  # noqa: E402
from relais.cases.models import Case, Form  # noqa: E402
from relais.cases.services import reference_next  # noqa: E402
from relais.core.models import Person  # noqa: E402
from relais.notifications.models import Message  # noqa: E402


@transaction.atomic
def file_request(name: str) -> str:
    team, _ = Team.objects.get_or_create(slug="etat-civil", defaults={"name": "État civil"})
    form, _ = Form.objects.get_or_create(slug="acte", defaults={"title": "Acte de naissance", "team": team})
    person = Person.objects.create(first_name=name, last_name="Martin")
    case = Case.objects.create(
        reference=reference_next(), form=form, team=team, person=person, channel="counter",
        due_date=timezone.localdate(),
    )  # fmt: skip
    default_storage.save(f"cases/{case.reference}/piece.txt", ContentFile(f"pièce de {name}".encode()))
    # Its receipt waits in the outbox (no worker runs in the drill).
    Message.objects.create(
        person=person, channel="email", to_email=f"{name.lower()}@example.org", template="case_received",
        subject=f"Demande {case.reference}", body="Votre demande est enregistrée.",
    )  # fmt: skip
    return case.reference


def state() -> dict:
    return {
        "people": sorted(Person.objects.values_list("first_name", flat=True)),
        "references": sorted(Case.objects.values_list("reference", flat=True)),
        "outbox": sorted(Message.objects.values_list("status", flat=True)),
        "files": sorted(
            f"{folder}/{name}"
            for folder in default_storage.listdir("cases")[0]
            for name in default_storage.listdir(f"cases/{folder}")[1]
        )
        if default_storage.exists("cases")
        else [],
    }


if __name__ == "__main__":
    if sys.argv[1] == "file":
        print(json.dumps([file_request(name) for name in sys.argv[2:]]))
    else:
        print(json.dumps(state()))
