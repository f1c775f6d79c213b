"""Paper never hands out a key: short codes instead of private links on letters and receipts.

A private link (a request's follow-up page, an appointment, a registration, a mandate…)
opens personal data to whoever holds it. On paper — a letter in a print batch, a receipt
handed over at the counter — Relais prints instead a short address, a 12-digit code that
reads aloud like a phone number and carries a check digit (a typo is caught before any
look-up), and a QR code of the same address. The code alone opens nothing: the page asks
one detail the resident knows and the paper does not show — their birth year, else the
last 4 digits of their phone, else (when Relais knows neither) their postcode. Wrong
answers lock the code for a while, every address is rate-limited, and each success and
failure is journaled.

Which links are private is declared by the apps: an AppConfig lists the URL names of its
private pages in `private_links`.
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relais.core import extensions, ratelimit
from relais.core.audit import audit_log
from relais.core.extensions import LinkTarget
from relais.core.journal import Action
from relais.core.models import AccessCode, Person
from relais.core.text import phone_digits

CODE_LENGTH = 12
MAX_FAILURES = 5  # wrong answers in a row before the code rests
LOCK = datetime.timedelta(hours=1)
LOOKUPS_PER_HOUR = 20  # codes typed per visitor address and hour
ANSWERS_PER_HOUR = 30  # answers per visitor address and hour, whatever the code

# Damm's quasigroup: one check digit catches every single wrong digit and every swap of
# two neighbouring digits, the two mistakes people make when they copy or dictate numbers.
_DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
]


def _damm(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def new_code() -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH - 1))
    return body + str(_damm(body))


def normalize(text: str) -> str:
    """The digits of a code as typed: spaces, dashes and dots ignored."""
    return re.sub(r"[\s.\-–]", "", text or "")


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isdigit() and _damm(code) == 0


def spaced(code: str) -> str:
    """4821 7730 9512: how a code is printed and read aloud."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def entry_address() -> str:
    """The short address printed on paper, where a code is typed: without "https://",
    which browsers add themselves (relais.valbrenne.fr/code/)."""
    return urlsplit(settings.SITE_URL).netloc + urlsplit(settings.SITE_URL).path + reverse("core:access_code")


def code_url(code: str) -> str:
    """The address a QR code holds: the code already typed in."""
    return settings.SITE_URL + reverse("core:access_detail", args=[code])


# ---------------------------------------------------------------- which links are private


@cache
def private_link_names() -> frozenset[str]:
    names = set()
    for config in apps.get_app_configs():
        if config.name.startswith("relais."):
            names.update(getattr(config, "private_links", ()))
    return frozenset(names)


def private_path(url: str) -> str | None:
    """The path of `url` if it is one of this site's private pages, else None."""
    if not url.startswith(settings.SITE_URL + "/"):
        return None
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return path if match.view_name in private_link_names() else None


# ---------------------------------------------------------------- codes


def code_for(*, person: Person, target: str) -> AccessCode:
    """The paper code that opens `target` (a private page's path) for `person`: the same
    code for every letter about the same page, its validity renewed each time it is printed."""
    expires = timezone.now() + datetime.timedelta(days=settings.RELAIS["PAPER_CODE_DAYS"])
    existing = AccessCode.objects.filter(person=person, target=target).first()
    if existing is not None:
        if existing.expires_at < expires:
            AccessCode.objects.filter(pk=existing.pk).update(expires_at=expires)
            existing.expires_at = expires
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return AccessCode.objects.create(person=person, target=target, code=new_code(), expires_at=expires)
        except IntegrityError:
            # The same page got its code at the same moment, or (rarely) the digits were taken.
            existing = AccessCode.objects.filter(person=person, target=target).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not draw a free paper code")


_URL = re.compile(r"https?://[^\s<>\"']+")
# Longest link printed on paper, as typed (without "https://"): beyond it, nobody copies it right.
PAPER_LINK_MAX = 40


def _site_path(url: str) -> str | None:
    """The path (and query) of `url` if it is a page of this site, else None."""
    if url != settings.SITE_URL and not url.startswith(settings.SITE_URL + "/"):
        return None
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def replace_private_links(text: str, *, person: Person) -> tuple[str, list[dict]]:
    """`text` for paper (call with the resident's language active): each private link of
    this site becomes the short address and a code, any other link of this site is printed
    without "https://", and one still longer than PAPER_LINK_MAX gets a code too (the page
    asks to log in if it needs to). Returns the text and the codes used."""
    codes: list[dict] = []

    def replace(match: re.Match) -> str:
        url = match.group(0).rstrip(".,;:!?)")
        tail = match.group(0)[len(url) :]
        path = private_path(url)
        if path is None:
            site_path = _site_path(url)
            if site_path is None:
                return match.group(0)
            typed = url.split("://", 1)[1]
            if len(typed) <= PAPER_LINK_MAX:
                return typed + tail
            path = site_path
        code = code_for(person=person, target=path)
        if code.code not in {c["code"] for c in codes}:
            codes.append({"code": code.code, "url": code_url(code.code)})
        # No-break spaces: a code split over two lines is misread.
        code_text = spaced(code.code).replace(" ", "\u00a0")
        wording = _("%(address)s avec le code %(code)s") % {"address": entry_address(), "code": code_text}
        return wording + tail

    return _URL.sub(replace, text), codes


def _known(code_text: str) -> AccessCode | None:
    """The code row `code_text` names (well-formed and known), alive or not."""
    code = normalize(code_text)
    if not is_well_formed(code):
        return None
    return AccessCode.objects.filter(code=code).select_related("person").first()


def _alive(access: AccessCode, target: LinkTarget | None) -> bool:
    """A code whose page an app owns lives exactly as long as the link does (a request's
    follow-up page lasts its whole retention, years); any other code, its days."""
    if target is not None:
        return target.alive
    return access.expires_at > timezone.now()


def find(code_text: str) -> AccessCode | None:
    """A valid code: well-formed, known, and its link still opens its page (a code expires
    with its link: appointment past, mandate ended, request gone), else None."""
    found = _known(code_text)
    if found is None or not _alive(found, extensions.link_target(found.target)):
        return None
    return found


def needs_account(target: str) -> bool:
    """Whether the page at `target` is read logged in (its view asks for a login): a code
    for it helps only a resident who has an account."""
    try:
        match = resolve(target.split("?", 1)[0])
    except Resolver404:
        return False
    # Django's login_required (user_passes_test) marks the views it wraps.
    return hasattr(match.func, "redirect_field_name")


def looks_like_code(text: str) -> bool:
    """Whether a staff search is a paper code (12 digits, spaces or not, check digit right)."""
    return is_well_formed(normalize(text))


class StaffLookupRefused(Exception):
    """A paper code typed by an agent opens nothing for them; `message` says why, in plain
    French, beside the search field (never what the code points to)."""

    message = ""

    def __init__(self, code: str = ""):
        super().__init__(code)


class NotInYourTeam(StaffLookupRefused):
    """The code is valid, but what it opens is not for this agent."""

    @property
    def message(self):
        return _("Ce code est valable, mais ce qu'il ouvre n'est pas suivi par votre équipe.")


class CodeNoLongerValid(StaffLookupRefused):
    """The code was given, but its link no longer opens its page (or it was never given)."""

    @property
    def message(self):
        return _("Ce code n'est plus valable : ce qu'il ouvrait est terminé ou n'existe plus.")


class CodeOpensNoRecord(StaffLookupRefused):
    """The code stands for a page of the site that is no record of a team (a long public
    address printed as a code): there is nothing to open for staff."""

    @property
    def message(self):
        return _(
            "Ce code mène à une page du site, pas à un dossier : il n'y a rien à ouvrir ici. "
            "L'habitant peut taper le code sur le site."
        )


class TooManyLookups(StaffLookupRefused):
    @property
    def message(self):
        return _("Trop de codes tapés en une heure. Réessayez plus tard.")


STAFF_LOOKUPS_PER_HOUR = 60  # codes typed per agent and hour (a code is a key to one record)


def staff_find(*, user, query: str, request: HttpRequest | None = None) -> str | None:
    """The staff page of what the paper code `query` opens — a resident reads their code on
    the phone and the agent types it. None when `query` is not a well-formed code; a
    StaffLookupRefused (NotInYourTeam, CodeNoLongerValid, CodeOpensNoRecord, TooManyLookups)
    when it opens nothing for this agent. Journaled either way, in the resident's journal
    when the code is known (a refusal shows nothing on screen but is theirs to know)."""
    if not looks_like_code(query):
        return None
    if not ratelimit.hit("access:staff_lookup", f"user:{user.pk}", limit=STAFF_LOOKUPS_PER_HOUR, window=3600):
        audit_log(
            actor=user,
            action=Action.ACCESS_CODE_STAFF_LOOKUP,
            request=request,
            details={"opened": False, "refused": "too_many"},
        )
        raise TooManyLookups()
    access = _known(query)
    target = extensions.link_target(access.target) if access is not None else None
    page = ""
    if access is None or not _alive(access, target):
        refusal = CodeNoLongerValid
    elif target is None or not target.staff_url:
        refusal = CodeOpensNoRecord
    else:
        page = target.staff_page_for(user)
        refusal = None if page else NotInYourTeam
    details = {"opened": refusal is None}
    if refusal is not None:
        details["refused"] = {
            CodeNoLongerValid: "no_longer_valid",
            CodeOpensNoRecord: "no_record",
            NotInYourTeam: "not_in_team",
        }[refusal]
    audit_log(
        actor=user,
        action=Action.ACCESS_CODE_STAFF_LOOKUP,
        obj=access,
        person=access.person if access is not None else None,
        request=request,
        details=details,
    )
    if refusal is not None:
        raise refusal(access.code if access is not None else "")
    return page


# ---------------------------------------------------------------- the detail only the resident knows


@dataclass(frozen=True)
class Question:
    kind: str
    label: str
    help_text: str
    max_length: int


def question_for(person: Person) -> Question:
    """The detail asked: one the paper does not show (the postcode is on the envelope, so
    it is asked only when Relais knows neither a birth year nor a phone)."""
    if person.birth_year:
        return Question("birth_year", _("Votre année de naissance"), _("Quatre chiffres, par exemple 1958."), 4)
    if len(phone_digits(person.phone)) >= 4:
        return Question(
            "phone",
            _("Les 4 derniers chiffres de votre numéro de téléphone"),
            _("Le numéro que vous avez donné à la mairie."),
            4,
        )
    return Question("postal_code", _("Votre code postal"), _("Cinq chiffres, par exemple 37500."), 5)


def _expected(person: Person, kind: str) -> str:
    if kind == "birth_year":
        return str(person.birth_year or "")
    if kind == "phone":
        return phone_digits(person.phone)[-4:]
    return re.sub(r"\s", "", person.postal_code or "")


class Refused(Exception):
    """The answer was not accepted; `message` says why, in plain French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def visitor_may_look_up(request: HttpRequest) -> bool:
    """Count one code typed by this visitor; False when they typed too many this hour."""
    return ratelimit.hit("access:lookup", ratelimit.visitor(request), limit=LOOKUPS_PER_HOUR, window=3600)


def verify(*, access: AccessCode, answer: str, request: HttpRequest | None = None) -> str:
    """Check the resident's answer for `access`; returns the page to open, or raises Refused."""
    phone = settings.RELAIS["TOWN_PHONE"]
    if not ratelimit.hit("access:answer", ratelimit.visitor(request), limit=ANSWERS_PER_HOUR, window=3600):
        raise Refused(
            _("Trop d'essais depuis cette connexion. Réessayez dans une heure, ou appelez la mairie au %(phone)s.")
            % {"phone": phone}
        )
    now = timezone.now()
    with transaction.atomic():
        access = AccessCode.objects.select_for_update(of=("self",)).select_related("person").get(pk=access.pk)
        if access.locked_until and access.locked_until > now:
            raise Refused(
                _(
                    "Trop de réponses fausses pour ce code : il est bloqué pendant une heure. "
                    "Vous pouvez aussi appeler la mairie au %(phone)s."
                )
                % {"phone": phone}
            )
        question = question_for(access.person)
        given = re.sub(r"\s", "", answer or "")
        expected = _expected(access.person, question.kind)
        if expected and secrets.compare_digest(given, expected):
            AccessCode.objects.filter(pk=access.pk).update(failures=0, locked_until=None, used_at=now)
            audit_log(
                actor=None,
                action=Action.ACCESS_CODE_USED,
                obj=access,
                person=access.person,
                request=request,
                details={"page": access.target.split("/")[1] if "/" in access.target else ""},
            )
            return access.target
        failures = access.failures + 1
        locked = failures >= MAX_FAILURES
        AccessCode.objects.filter(pk=access.pk).update(
            failures=0 if locked else F("failures") + 1, locked_until=now + LOCK if locked else None
        )
        audit_log(
            actor=None,
            action=Action.ACCESS_CODE_REFUSED,
            obj=access,
            person=access.person,
            request=request,
            details={"locked": locked},
        )
    if locked:
        raise Refused(
            _("Ce n'est pas la bonne réponse, et c'était le dernier essai : le code est bloqué pendant une heure.")
        )
    raise Refused(_("Ce n'est pas la bonne réponse. Vérifiez et réessayez."))
