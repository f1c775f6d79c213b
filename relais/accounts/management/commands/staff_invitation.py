"""Issue the invitation code a staff login enters before enrolling its first second factor.

For the first administrator (`relais createsuperuser`), whom no administrator can invite
from the staff pages yet, or when the staff pages cannot be reached. Running it needs
access to the server, which is trusted as an administrator is.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relais.accounts import services
from relais.accounts.models import User


class Command(BaseCommand):
    help = "Issue (or re-issue) the one-time invitation code of a staff login and print it."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No login with the address {email}.")
        try:
            invitation, code = services.staff_invitation_issue(user=user, actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        expires = invitation.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.stdout.write(f"Code d'invitation de {user.email} : {code} (valable jusqu'au {expires}, une seule fois)")
