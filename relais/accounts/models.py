from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Residents may have one; staff always do. Not a Person (see core.Person)."""

    email = models.EmailField(_("adresse électronique"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(
        _("accès à l'administration Django"),
        default=False,
        help_text=_("Réservé aux administrateurs techniques."),
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # The technical account of a partner application (api.Application): the actor of what
    # the application does, named after it in the journal; it can never log in.
    is_application = models.BooleanField(_("compte d'application"), default=False, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_full_name(self):
        return self.full_name or self.email

    @property
    def is_team_member(self) -> bool:
        """Whether this login belongs to the staff (any team membership)."""
        return self.memberships.exists()


class Role(models.TextChoices):
    RECEPTION = "reception", _("Agent d'accueil")
    CASE_WORKER = "case_worker", _("Instructeur")
    ADVISOR = "advisor", _("Conseiller numérique")
    MODERATOR = "moderator", _("Modérateur")
    MANAGER = "manager", _("Responsable")
    ADMINISTRATOR = "administrator", _("Administrateur")
    # An elected official or a director: reads the whole town's statistics, nothing else.
    OFFICIAL = "official", _("Élu ou direction (statistiques)")


class TeamKind(models.TextChoices):
    SERVICE = "service", _("Service municipal")
    RECEPTION = "reception", _("Accueil")
    MEDIATION = "mediation", _("Médiation numérique")
    MUTUAL_AID = "mutual_aid", _("Entraide")
    ADMINISTRATION = "administration", _("Administration de Relais")


class Team(models.Model):
    """A municipal service or a mediation structure; permissions are scoped by team.

    `team.places`: the places where the team works (declared by directory on `Place.teams`).
    """

    name = models.CharField(_("nom"), max_length=150, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=TeamKind.choices, default=TeamKind.SERVICE)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("adresse électronique de l'équipe"), blank=True)
    phone = models.CharField(_("téléphone de l'équipe"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("équipe")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:team_detail", args=[self.slug])


class Membership(models.Model):
    """A staff user's role in one team (one role per team)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appartenance")
        ordering = ["team__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_one_role_per_team")]

    def __str__(self):
        return f"{self.user} – {self.team} ({self.get_role_display()})"


class StaffInvitation(models.Model):
    """A one-time code an administrator hands to a new agent (in person or by phone).

    A staff login may enrol its first second factor only after entering it, so that a
    leaked password alone never lets someone else enrol their own authenticator. Only a
    hash of the code is kept; the code is shown once, to the administrator who issued it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_invitations")
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation d'agent")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="staff_invitation_one_open_per_user",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def hash_code(code: str) -> str:
        """The stored form of a code, keyed with SECRET_KEY so that the table alone does not
        let anyone try codes offline. Case, spaces and dashes do not count."""
        normalised = "".join(c for c in code.upper() if c.isalnum())
        return salted_hmac("relais.accounts.StaffInvitation", normalised, algorithm="sha256").hexdigest()

    def is_open(self) -> bool:
        """Neither used, revoked nor expired."""
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class IdentityLinkStatus(models.TextChoices):
    PENDING = "pending", _("À vérifier")
    CONFIRMED = "confirmed", _("Confirmé")
    REFUSED = "refused", _("Refusé")


class IdentityLinkRequest(models.Model):
    """A FranceConnect identity whose e-mail is an account's but whose names are not.

    Nothing is merged on its own: the login is held until a reception agent, who has seen
    an identity document, confirms that both are the same person (relais/accounts/oidc.py).
    """

    provider = models.CharField(_("service d'identification"), max_length=30)
    uid = models.CharField(_("identifiant chez le service"), max_length=255)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_link_requests")
    email = models.EmailField(_("adresse électronique transmise"))
    given_name = models.CharField(_("prénoms transmis"), max_length=150, blank=True)
    family_name = models.CharField(_("nom de naissance transmis"), max_length=150, blank=True)
    usage_name = models.CharField(_("nom d'usage transmis"), max_length=150, blank=True)
    birthdate = models.CharField(_("date de naissance transmise"), max_length=10, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=IdentityLinkStatus.choices, default=IdentityLinkStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("rapprochement d'identité")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "uid"],
                condition=models.Q(status="pending"),
                name="identity_link_one_pending_per_identity",
            )
        ]

    def __str__(self):
        return f"{self.provider}: {self.user}"

    def get_absolute_url(self):
        return reverse("accounts:identity_link", args=[self.pk])
