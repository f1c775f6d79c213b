"""Demo residents: people with and without an account, e-mail or phone."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from relais.core.models import Channel, ContactChannel, Person

DEMO_PASSWORD = "relais-demo"

RESIDENTS = [
    # A resident with an account and an e-mail address.
    dict(
        first_name="Marie",
        last_name="Dupont",
        birth_year=1984,
        email="marie.dupont@example.org",
        phone="0612345678",
        address="4 rue des Tilleuls",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.EMAIL,
        created_via=Channel.ONLINE,
        account=True,
    ),
    # No e-mail, no phone: everything by letter.
    dict(
        first_name="Jeanne",
        last_name="Martin",
        birth_year=1941,
        address="12 impasse du Moulin",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.LETTER,
        accessibility_needs="Malvoyante : courriers en gros caractères.",
        large_print=True,
        created_via=Channel.COUNTER,
    ),
    # A phone and SMS only.
    dict(
        first_name="Karim",
        last_name="Benali",
        birth_year=1990,
        phone="0698765432",
        preferred_channel=ContactChannel.SMS,
        preferred_language="ar",
        created_via=Channel.PHONE,
    ),
    # Two records of the same man, one from the counter and one from a phone call: to merge.
    dict(
        first_name="Jean",
        last_name="Moreau",
        birth_year=1952,
        phone="0247123456",
        address="3 place du Marché",
        postal_code="37500",
        commune="Valbrenne",
        preferred_channel=ContactChannel.PHONE,
        created_via=Channel.COUNTER,
    ),
    dict(
        first_name="Jean",
        last_name="MOREAU",
        phone="02 47 12 34 56",
        preferred_channel=ContactChannel.PHONE,
        created_via=Channel.PHONE,
    ),
]


def load(stdout):
    User = get_user_model()
    for data in RESIDENTS:
        data = dict(data)
        wants_account = data.pop("account", False)
        user = None
        if wants_account:
            user, created = User.objects.get_or_create(
                email=data["email"], defaults={"full_name": f"{data['first_name']} {data['last_name']}"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        lookup = {k: data[k] for k in ("first_name", "last_name", "created_via")}
        person = Person.objects.filter(**lookup).first()
        if person is None:
            person = Person(**data, user=user)
            person.full_clean()
            person.save()
    stdout.write(f"  residents: {Person.objects.count()}")
