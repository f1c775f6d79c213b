"""The outbox: every message to a resident is written here first, then delivered.

- `notify` renders a message in the resident's language, picks the channel, stores it and
  asks a background task to send it once the surrounding transaction commits: the staff
  action that caused it never waits for, nor fails because of, a mail server.
- `notify_later` only keeps the message's place in the outbox (one row, written in the
  transaction that causes it: rolled back with it, committed with it); the worker writes
  its text and calendar file just after the commit (`messages_write`, with the writer the
  app registered for its template) and sends it. For hot paths (the registration rush):
  nothing is rendered while a lock is held.
- `deliver` sends one e-mail or SMS, with retries and growing delays; after the last try
  the message is kept as failed and a copy goes by letter (or to the "to call" list), and
  staff see it in the "could not reach" list until someone resends it.
- A message with an `expires_at` (a reminder) is never sent after that moment: it becomes
  "expired". One that leaves late (an outage) says it was delayed.
- `hold_queued` keeps every waiting message from the worker (after a restore) until staff
  release or discard them.
- Letters are collected into print batches; calls are recorded by staff.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import smtplib
from collections import Counter
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from relais.core import access
from relais.core.audit import audit_log
from relais.core.models import ContactChannel
from relais.core.pdf import html_to_document, html_to_pdf, write_pdf
from relais.notifications import channels, letters, texts
from relais.notifications.journal import Action
from relais.notifications.models import LetterBatch, Message, MessageStatus, MessageTemplate
from relais.notifications.selectors import batch_envelopes, messages_readable_by
from relais.notifications.sms import SMSError, SMSPermanentError, get_backend, segments, to_gsm

logger = logging.getLogger(__name__)


def lease() -> datetime.timedelta:
    """How long a claimed send is reserved: after it, a worker that died is assumed dead
    and any worker (or `outbox_process`) takes the message again."""
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


class SecretUndeliverable(ValueError):
    """A sensitive message (a code) that no e-mail or SMS can carry: it is not sent at all
    (callers check the destination first and tell the person what to give instead)."""


class PermanentFailure(Exception):
    pass


def backoff(attempts: int) -> datetime.timedelta:
    """Delay before the next try: 1, 2, 4… minutes, at most 6 hours."""
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _schedule(message_id: int, run_after: datetime.datetime | None = None) -> None:
    """Ask a worker to deliver after commit (`relais outbox_process` is the safety net)."""
    from relais.notifications.tasks import deliver_message

    def enqueue():
        task = deliver_message
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return
            task = task.using(run_after=run_after)
        try:
            task.enqueue(message_id)
        except Exception:  # the message is safe in the outbox; the sweeper will send it
            logger.exception("could not enqueue delivery of message %s", message_id)

    transaction.on_commit(enqueue)


def _related(obj) -> tuple[str, str]:
    return (obj._meta.label_lower, str(obj.pk)) if obj is not None else ("", "")


def _html(body: str, subject: str, language: str) -> str:
    """The HTML e-mail: Relais's own words (the town's name, the footer) in the interface
    language the person falls back to; a text written in a content-only language (Turkish)
    is marked as such, only where it is."""
    from relais.core.content_language import direction, interface_language

    chrome = interface_language(language)
    body_lang = language if language != chrome else ""
    with translation.override(chrome):
        return render_to_string(
            "notifications/email/message.html",
            {
                "subject": subject,
                "body": body,
                "town": settings.RELAIS,
                "body_lang": body_lang,
                "body_dir": direction(body_lang) if body_lang else "",
            },
        )


@transaction.atomic
def notify(
    *,
    person,
    template: str,
    context: dict | None = None,
    related=None,
    actor=None,
    channel: str | None = None,
    dedupe_key: str | None = None,
    attachments: list[dict] | tuple = (),
    sensitive: bool = False,
    expires_at: datetime.datetime | None = None,
) -> Message:
    """Queue a message to `person` on their channel (or `channel` if usable).

    A message with `expires_at` (a reminder: the start of what it reminds of) is never
    delivered after that moment; it is kept as "expired" instead.

    A `sensitive` message holds a secret for the resident alone (a consent code): staff
    never see its text, it is wiped once sent, and it never falls back to a letter or a call.

    `dedupe_key` makes the call idempotent: a second call with the same key returns the
    first message. `attachments` are small text files: {"filename", "content_type", "content"}.
    """
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    related_type, related_id = _related(related)
    message = _store(
        **_written(
            person=person, template=template, context=context, channel=channel, sensitive=sensitive,
            attachments=attachments,
        ),
        related_type=related_type,
        related_id=related_id,
        dedupe_key=dedupe_key,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        sensitive=sensitive,
        expires_at=expires_at,
    )  # fmt: skip
    audit_log(
        actor=actor,
        action=Action.MESSAGE_QUEUED,
        obj=message,
        person=person,
        details={"template": template, "channel": message.channel},
    )
    return message


def _written(*, person, template: str, context, channel, sensitive: bool, attachments) -> dict:
    """The channel, destination and texts of a message to `person` (no query but the
    administrators' version of the template)."""
    if sensitive:
        # A secret goes by e-mail or SMS only: never on paper or read out by staff.
        chosen, where = channels.choose(person, channel, exclude=(ContactChannel.LETTER, ContactChannel.PHONE))
        if chosen not in (ContactChannel.EMAIL, ContactChannel.SMS) or not where:
            raise SecretUndeliverable(f"No e-mail or SMS reaches person {person.pk} for {template}.")
    else:
        chosen, where = channels.choose(person, channel)
    language = texts.message_language(template, person.preferred_language)
    full_context = {**texts.base_context(person), **(context or {})}
    rendered = texts.render(template, full_context, language)
    return {
        "person": person,
        "channel": chosen,
        "where": where,
        "template": template,
        "language": language,
        "subject": rendered.subject,
        "body": rendered.body,
        "sms_body": rendered.sms,
        "attachments": attachments,
    }


# ---------------------------------------------------------------- written after the commit

# template code -> writer(message) returning {"context": {...}, "attachments": [...]} for
# `notify_later`'s messages; raises LookupError when what the message was about is gone.
_WRITERS: dict = {}


def register_writer(template: str, writer) -> None:
    """Let the worker write the messages `notify_later` queued with `template` (an app
    registers its writers in its AppConfig.ready: the worker imports no view)."""
    _WRITERS[template] = writer


def notify_later(*, person, template: str, related, actor=None, dedupe_key: str | None = None) -> Message:
    """Keep a message's place in the outbox: one INSERT in the caller's transaction, so a
    rolled-back action sends nothing and a committed one is never forgotten. The worker
    (`messages_write`, at each of its turns, and `process_due`) writes its text and
    attachments with the writer registered for `template`, then sends it as `notify` would.

    `dedupe_key` must be new (it names a record created in this same transaction)."""
    if template not in _WRITERS:
        raise LookupError(f"no writer registered for {template!r}")
    related_type, related_id = _related(related)
    return Message.objects.create(
        person=person,
        channel=channels.choose(person)[0],  # for the lists until it is written; chosen again then
        template=template,
        language=person.preferred_language or settings.LANGUAGE_CODE,
        subject="",
        body="",
        status=MessageStatus.WRITING,
        related_type=related_type,
        related_id=related_id,
        dedupe_key=dedupe_key,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


def messages_write(*, limit: int = 200) -> int:
    """Write the messages `notify_later` queued (oldest first) and schedule their sends;
    returns how many were written. Safe with several workers: each message is taken in its
    own transaction, once."""
    ids = list(Message.objects.filter(status=MessageStatus.WRITING).order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(_write(message_id) for message_id in ids)


@transaction.atomic
def _write(message_id: int) -> bool:
    taken = Message.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        pk=message_id, status=MessageStatus.WRITING
    )
    message = taken.select_related("person", "created_by").first()
    if message is None:
        return False  # another worker took it
    try:
        spec = _WRITERS[message.template](message)
    except LookupError as gone:  # what it was about is gone meanwhile (erased, purged)
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.CANCELLED, last_error=str(gone)[:1000])
        return False
    fields = _written(
        person=message.person,
        template=message.template,
        context=spec.get("context"),
        channel=None,
        sensitive=False,
        attachments=spec.get("attachments", ()),
    )
    written = _store_fields(**fields)
    written["status"] = MessageStatus.QUEUED
    written["next_try_at"] = timezone.now()
    Message.objects.filter(pk=message.pk).update(**written)
    audit_log(
        actor=message.created_by,
        action=Action.MESSAGE_QUEUED,
        obj=message,
        person=message.person,
        details={"template": message.template, "channel": written["channel"]},
    )
    if written["channel"] in (ContactChannel.EMAIL, ContactChannel.SMS):
        _schedule(message.pk)
    return True


def _store(**fields):
    """Create the outbox row (`_store_fields`) and, for automatic channels, schedule its send."""
    person = fields.pop("person", None)
    others = {name: fields.pop(name) for name in list(fields) if name not in _STORE_ARGS}
    message = Message.objects.create(**_store_fields(person=person, **fields), person=person, **others)
    if message.channel in (ContactChannel.EMAIL, ContactChannel.SMS):
        _schedule(message.pk)
    return message


_STORE_ARGS = {"channel", "where", "subject", "body", "sms_body", "language", "attachments", "template"}


def _store_fields(
    *,
    person=None,
    channel: str,
    where: str,
    subject: str,
    body: str,
    sms_body: str,
    language: str,
    attachments=(),
    template: str,
) -> dict:
    """The columns of an outbox row for `channel`.

    A letter never prints a private link: whoever handles the print batch would hold the
    key to the resident's page. Each one becomes a short code (core.access).
    """  # fmt: skip
    paper_codes = []
    if channel == ContactChannel.LETTER and person is not None:
        with translation.override(language):
            body, paper_codes = access.replace_private_links(body, person=person)
    return {
        "channel": channel,
        "template": template,
        "to_email": where if channel == ContactChannel.EMAIL else "",
        "to_phone": where if channel in (ContactChannel.SMS, ContactChannel.PHONE) else "",
        "to_address": where if channel == ContactChannel.LETTER else "",
        "language": language,
        "subject": subject,
        "body": body,
        # Kept whatever the channel: a fallback to SMS sends the short text.
        "sms_body": (sms_body or "")[:480],
        "html_body": _html(body, subject, language) if channel == ContactChannel.EMAIL else "",
        "attachments": list(attachments) if channel == ContactChannel.EMAIL else [],
        "paper_codes": paper_codes,
    }


@transaction.atomic
def send_email(
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    template: str = "account",
    sensitive: bool = False,
    dedupe_key: str | None = None,
) -> Message:
    """An e-mail to an address rather than a person (account e-mails: codes, password links).

    `dedupe_key` makes the call idempotent, as for `notify` (a monthly digest: one per
    recipient and month).

    A `sensitive` one holds a secret (a login code, a password link): as for `send`, staff
    never see its text and it is wiped once sent or given up.
    """
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            message = Message.objects.create(
                channel=ContactChannel.EMAIL,
                dedupe_key=dedupe_key,
                to_email=to,
                template=template,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                subject=subject[:200],
                body=body,
                html_body=html_body,
                sensitive=sensitive,
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        # Two runs at once (a cron and an administrator): the other one's message stands.
        return Message.objects.get(dedupe_key=dedupe_key)
    _schedule(message.pk)
    return message


def email_message_id(message: Message) -> str:
    """The SMTP Message-ID of `message`, the same at every try: a receiving server that got
    a copy before our worker died (or before a timeout) can drop the second one. The time it
    was written is part of it: after a restore, numbers are given again to new messages, and
    a new message must never pass for a duplicate of an old one."""
    written = int(message.created_at.timestamp() * 1_000_000)
    return f"<relais-message-{message.pk}.{written}@{urlsplit(settings.SITE_URL).hostname or 'relais'}>"


def _send_email(message: Message) -> str:
    message_id = email_message_id(message)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for item in message.attachments:
        email.attach(item["filename"], item["content"], item.get("content_type", "application/octet-stream"))
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"address refused: {error.recipients}") from error
    return message_id


def sms_text(message: Message) -> str:
    """The text an SMS goes with: its short text (else the start of the long one), written in
    the GSM alphabet so that it costs as few SMS as it can (`sms.to_gsm`)."""
    return to_gsm(message.sms_body or message.body[:480])


def _send_sms(message: Message) -> str:
    backend = get_backend()
    if backend is None:
        raise PermanentFailure("no SMS provider configured")
    try:
        return backend.send(to=message.to_phone, text=sms_text(message))
    except SMSPermanentError as error:
        raise PermanentFailure(str(error)) from error


# What is left of a sensitive message once sent or given up.
WIPED = {"body": "••••••", "sms_body": "", "html_body": ""}


def late_notice(message: Message, now: datetime.datetime) -> str:
    """The line a late message starts with ("" when it is on time)."""
    late_after = datetime.timedelta(minutes=settings.OUTBOX_LATE_NOTICE_MINUTES)
    if message.created_at is None or now - message.created_at < late_after:
        return ""
    with translation.override(message.language):
        written = formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
        return gettext("Ce message part en retard : il a été écrit le %(date)s.") % {"date": written}


def _with_late_notice(message: Message, now: datetime.datetime) -> dict:
    """The texts to send, with the late line when the message leaves late (kept as sent)."""
    notice = late_notice(message, now)
    if not notice or message.sensitive:
        return {}
    body = f"{notice}\n\n{message.body}"
    texts_sent = {"body": body, "sms_body": f"{notice} {message.sms_body}"[:480] if message.sms_body else ""}
    if message.html_body:
        texts_sent["html_body"] = _html(body, message.subject, message.language)
    return texts_sent


@transaction.atomic
def _expire(message: Message) -> bool:
    """Mark one waiting message expired (False when it was no longer waiting)."""
    if not Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(status=MessageStatus.EXPIRED):
        return False
    audit_log(
        actor=None,
        action=Action.MESSAGE_EXPIRED,
        obj=message,
        person=message.person,
        details={"channel": message.channel, "template": message.template},
    )
    return True


def messages_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark every waiting message past its `expires_at` as expired (e-mails, SMS, letters not
    yet in a print batch, calls not yet made): none is sent any more. Idempotent."""
    now = now or timezone.now()
    stale = list(
        Message.objects.filter(status=MessageStatus.QUEUED, expires_at__lte=now, batch__isnull=True).select_related(
            "person"
        )
    )
    return sum(_expire(message) for message in stale)


def deliver(message_id: int) -> str:
    """Try to send one queued e-mail or SMS whose time has come; returns what happened."""
    now = timezone.now()
    claimed = (
        Message.objects.due(now).filter(pk=message_id).update(next_try_at=now + lease(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return "not due"
    message = Message.objects.select_related("person").get(pk=message_id)
    if message.expires_at is not None and message.expires_at <= now:
        _expire(message)
        return "expired"
    sender = _send_email if message.channel == ContactChannel.EMAIL else _send_sms
    late = _with_late_notice(message, now)
    for field, value in late.items():
        setattr(message, field, value)
    try:
        provider_id = sender(message)
    except PermanentFailure as error:
        _give_up(message, str(error))
        return "failed"
    except Exception as error:  # any other failure is retried too: a message is never stuck or lost
        if not isinstance(error, smtplib.SMTPException | SMSError | OSError):
            logger.exception("unexpected error sending message %s", message.pk)
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _give_up(message, str(error))
            return "failed"
        retry_at = timezone.now() + backoff(message.attempts)
        Message.objects.filter(pk=message.pk).update(next_try_at=retry_at, last_error=str(error)[:1000])
        _schedule(message.pk, run_after=retry_at)
        logger.warning("message %s not sent (try %s): %s", message.pk, message.attempts, error)
        return "retry"
    sent = {
        "status": MessageStatus.SENT,
        "sent_at": timezone.now(),
        "provider_id": provider_id[:200],
        "last_error": "",
        **late,
    }
    if message.channel == ContactChannel.SMS:
        sent["sms_segments"] = segments(sms_text(message))  # what the provider bills (statistics)
    if message.sensitive:
        sent.update(WIPED)
    Message.objects.filter(pk=message.pk).update(**sent)
    return "sent"


@transaction.atomic
def _give_up(message: Message, error: str) -> None:
    """Keep the message as failed and send its content by another channel (a secret is
    wiped instead: it never goes another way, nor is it sent again)."""
    failed = {"status": MessageStatus.FAILED, "last_error": error[:1000]}
    if message.sensitive:
        failed.update(WIPED)
    Message.objects.filter(pk=message.pk).update(**failed)
    audit_log(
        actor=None,
        action=Action.MESSAGE_FAILED,
        obj=message,
        person=message.person,
        details={"channel": message.channel, "error": error[:200]},
    )
    if message.person is None or message.sensitive:
        return  # nobody to write to, or a secret that must not go on paper
    previous = Message.objects.filter(fallback_of=message).first()
    if previous is not None:
        # Sent again by staff, who cancelled the copy: failing again, the copy goes after all.
        if previous.status == MessageStatus.CANCELLED:
            Message.objects.filter(pk=previous.pk).update(status=MessageStatus.QUEUED, next_try_at=timezone.now())
            if previous.channel in (ContactChannel.EMAIL, ContactChannel.SMS):
                _schedule(previous.pk)
        return
    channel, where = channels.choose(message.person, ContactChannel.LETTER, exclude=(message.channel,))
    _store(
        person=message.person,
        channel=channel,
        where=where,
        template=message.template,
        language=message.language,
        subject=message.subject,
        body=message.body,
        sms_body=message.sms_body,
        attachments=message.attachments,
        related_type=message.related_type,
        related_id=message.related_id,
        fallback_of=message,
    )


def process_due(*, limit: int = 200) -> dict[str, int]:
    """Deliver every due message now (the sweeper behind the tasks; also used by tests).

    Due includes a message whose worker died mid-send once its lease has run out."""
    counts: dict[str, int] = {}
    written = messages_write(limit=limit)
    if written:
        counts["written"] = written
    expired = messages_expire()
    if expired:
        counts["expired"] = expired
    ids = list(Message.objects.due().order_by("next_try_at").values_list("pk", flat=True)[:limit])
    for message_id in ids:
        result = deliver(message_id)
        counts[result] = counts.get(result, 0) + 1
    return counts


def messages_delete_about(*, related) -> dict[str, int]:
    """Remove every message about `related` (call inside the transaction that removes it):
    those still queued are never sent. Returns {status: count} of what was removed, for the
    journal; a copy sent another way (fallback) goes before the message it replaces."""
    related_type, related_id = _related(related)
    about = Message.objects.filter(related_type=related_type, related_id=related_id)
    removed = dict(Counter(about.values_list("status", flat=True)))
    while True:
        count, _detail = about.filter(fallback__isnull=True).delete()
        if not count:
            break
    return removed


# ---------------------------------------------------------------- staff actions


class CannotResend(ValueError):
    """Why a message cannot be sent again, in words for staff."""


FALLBACK_CANCELLED = "cancelled"  # the letter or call waiting instead is no longer needed
FALLBACK_ALREADY_GONE = "kept"  # the letter was printed or the call made: it stays as it is


@transaction.atomic
def message_retry(*, message: Message, actor, request: HttpRequest | None = None) -> str:
    """Send a failed e-mail or SMS again, from the first try, to the address the resident's
    record holds now (staff fix the address first; staff who see only its envelope send it
    only to the address it was going to).

    Allowed even when a copy went another way: a letter or call still waiting is cancelled
    (it comes back if this send fails again); one already printed or made stays. Returns
    what became of that copy ("" when there was none)."""
    message = Message.objects.select_for_update(of=("self",)).select_related("person").get(pk=message.pk)
    if (
        message.status != MessageStatus.FAILED
        or message.channel not in (ContactChannel.EMAIL, ContactChannel.SMS)
        or message.person_id is None
        or message.sensitive
    ):
        raise CannotResend(gettext("Ce message ne peut pas être renvoyé."))
    where = channels.destination(message.person, message.channel)
    if not where:
        raise CannotResend(
            gettext("La fiche de la personne n'a pas d'adresse utilisable pour ce moyen : corrigez-la d'abord.")
            if message.channel == ContactChannel.EMAIL
            else gettext("La fiche de la personne n'a pas de numéro de portable : corrigez-la d'abord.")
        )
    stored = message.to_email if message.channel == ContactChannel.EMAIL else message.to_phone
    if where != stored and not _may_readdress(actor, message):
        # Staff who see only the envelope (the counter, for another team's message) send it again
        # only where it was going: re-addressed to a record they can edit, it would hand a
        # content they may not read to an address of their choosing.
        raise CannotResend(
            gettext(
                "Ce message vient d'une autre équipe et l'adresse de la fiche a changé depuis : "
                "demandez à l'équipe qui l'a écrit de le renvoyer."
            )
        )
    fallback_result = ""
    fallback = Message.objects.select_for_update().filter(fallback_of=message).first()
    if fallback is not None:
        waiting = fallback.status == MessageStatus.QUEUED and fallback.batch_id is None
        if waiting:
            fallback.status = MessageStatus.CANCELLED
            fallback.save(update_fields=["status"])
        fallback_result = FALLBACK_CANCELLED if waiting else FALLBACK_ALREADY_GONE
    address = {"to_email": where} if message.channel == ContactChannel.EMAIL else {"to_phone": where}
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.QUEUED, attempts=0, next_try_at=timezone.now(), **address
    )
    audit_log(
        actor=actor,
        action=Action.MESSAGE_RETRIED,
        obj=message,
        person=message.person,
        request=request,
        details={"fallback": fallback_result} if fallback_result else {},
    )
    _schedule(message.pk)
    return fallback_result


def _may_readdress(actor, message: Message) -> bool:
    return actor is None or messages_readable_by(actor).filter(pk=message.pk).exists()


def messages_resend(*, messages, actor, request: HttpRequest | None = None) -> dict[str, int]:
    """Send again each of `messages` that can be (after an outage): {"resent", "skipped"}.

    One transaction per message, so one that cannot be sent does not stop the others."""
    counts = {"resent": 0, "skipped": 0}
    for message in messages:
        try:
            message_retry(message=message, actor=actor, request=request)
        except CannotResend:
            counts["skipped"] += 1
        else:
            counts["resent"] += 1
    return counts


# ---------------------------------------------------------------- holding the outbox


@transaction.atomic
def hold_queued(*, reason: str, actor=None) -> int:
    """Keep every waiting message (e-mail, SMS, letter not yet printed, call) from being sent
    until staff release or discard it: after a restore, some were perhaps sent already.
    Returns how many were held."""
    # A message the worker has still to write (`notify_later`) is held too: it may have been
    # written and sent from the copy that was lost. Its empty text tells `outbox_release`.
    held = Message.objects.filter(status__in=(MessageStatus.QUEUED, MessageStatus.WRITING), batch__isnull=True).update(
        status=MessageStatus.HELD, held_reason=reason[:200]
    )
    audit_log(actor=actor, action=Action.OUTBOX_HELD, details={"messages": held, "reason": reason[:200]})
    return held


@transaction.atomic
def outbox_release(*, discard: bool = False, actor=None, request: HttpRequest | None = None) -> int:
    """Let the held messages go (sent from now, each at its turn) or discard them (cancelled,
    kept in the history). Returns how many."""
    held = Message.objects.select_for_update().filter(status=MessageStatus.HELD)
    ids = list(held.values_list("pk", flat=True))
    if discard:
        Message.objects.filter(pk__in=ids).update(status=MessageStatus.CANCELLED)
    else:
        unwritten = Message.objects.filter(pk__in=ids, subject="", body="", sms_body="")
        unwritten.update(status=MessageStatus.WRITING)  # the worker writes them, then sends
        Message.objects.filter(pk__in=ids, status=MessageStatus.HELD).update(
            status=MessageStatus.QUEUED, next_try_at=timezone.now()
        )
        for message_id in Message.objects.filter(
            pk__in=ids, channel__in=[ContactChannel.EMAIL, ContactChannel.SMS]
        ).values_list("pk", flat=True):
            _schedule(message_id)
    audit_log(
        actor=actor,
        action=Action.OUTBOX_DISCARDED if discard else Action.OUTBOX_RELEASED,
        request=request,
        details={"messages": len(ids)},
    )
    return len(ids)


@transaction.atomic
def call_record(*, message: Message, actor, reached: bool, notes: str = "", request: HttpRequest | None = None):
    """A staff member called the resident (or tried to) and gave them the message."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.QUEUED or message.channel != ContactChannel.PHONE:
        raise ValueError("This message is not waiting for a call.")
    stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    line = f"{stamp} – {actor.get_full_name()} – {'joint' if reached else 'pas de réponse'}" + (
        f" : {notes}" if notes else ""
    )
    message.call_notes = "\n".join(filter(None, [message.call_notes, line]))
    message.attempts += 1
    message.handled_by = actor
    fields = ["call_notes", "attempts", "handled_by"]
    if reached:
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        fields += ["status", "sent_at"]
    message.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=Action.MESSAGE_CALLED if reached else Action.MESSAGE_CALL_UNANSWERED,
        obj=message,
        person=message.person,
        request=request,
    )
    return message


def letter_html(messages) -> str:
    """One HTML document holding every letter: one envelope per resident and address (the
    address block once, then each of their letters), each envelope from a new page."""
    return _envelopes_html(letters.envelopes_of(messages))


def _envelopes_html(envelopes) -> str:
    return render_to_string(
        "notifications/pdf/letters.html",
        {"envelopes": envelopes, "town": settings.RELAIS, "site_url": settings.SITE_URL},
    )


def letters_pdf(envelopes) -> tuple[bytes, list[int]]:
    """The PDF of `envelopes` and how many pages each one takes (what goes in each envelope)."""
    document = html_to_document(_envelopes_html(envelopes))
    starts = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            starts.setdefault(anchor, number)
    firsts = [starts.get(envelope.anchor, 0) for envelope in envelopes] + [len(document.pages)]
    return write_pdf(document), [after - first for first, after in itertools.pairwise(firsts)]


def letter_pdf(message: Message) -> bytes:
    return html_to_pdf(letter_html([message]))


@transaction.atomic
def letters_batch_create(*, actor, request: HttpRequest | None = None) -> LetterBatch | None:
    """Put every letter waiting into a new print batch (None when there is none). A resident's
    letters share one envelope: the batch counts its envelopes, each message stays its own."""
    messages_expire()  # a reminder whose appointment has begun is not printed
    waiting = list(Message.objects.letters_to_print().select_for_update().only("pk", "person_id", "to_address"))
    if not waiting:
        return None
    batch = LetterBatch.objects.create(
        created_by=actor if actor is not None and actor.is_authenticated else None,
        envelopes=letters.count_envelopes(waiting),
    )
    Message.objects.filter(pk__in=[m.pk for m in waiting]).update(batch=batch, status=MessageStatus.PRINTED)
    audit_log(
        actor=actor,
        action=Action.LETTER_BATCH_CREATED,
        obj=batch,
        request=request,
        details={"letters": len(waiting), "envelopes": batch.envelopes},
    )
    return batch


@transaction.atomic
def letters_batch_download(*, batch: LetterBatch, actor, request: HttpRequest | None = None) -> bytes:
    """The batch as one PDF, rendered once and kept, so every download prints the same pages."""
    batch = LetterBatch.objects.select_for_update().get(pk=batch.pk)
    envelopes = batch_envelopes(batch)
    fields = ["pdf", "downloaded_at"]
    if not batch.pdf:
        from django.core.files.base import ContentFile

        pdf, batch.envelope_pages = letters_pdf(envelopes)
        batch.pdf.save(f"lot-{batch.pk}.pdf", ContentFile(pdf), save=False)
        fields.append("envelope_pages")
    batch.downloaded_at = batch.downloaded_at or timezone.now()
    batch.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=Action.LETTER_BATCH_DOWNLOADED,
        obj=batch,
        request=request,
        people={m.person_id for envelope in envelopes for m in envelope.letters},
    )
    with batch.pdf.open("rb") as fh:
        return fh.read()


@transaction.atomic
def letters_batch_mark_posted(*, batch: LetterBatch, actor, request: HttpRequest | None = None) -> None:
    batch = LetterBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.is_posted:
        return
    if batch.downloaded_at is None:
        raise ValueError("A batch must be printed before it is posted.")
    now = timezone.now()
    batch.posted_at, batch.posted_by = now, actor
    batch.save(update_fields=["posted_at", "posted_by"])
    batch.letters.filter(status__in=[MessageStatus.QUEUED, MessageStatus.PRINTED]).update(
        status=MessageStatus.SENT, sent_at=now
    )
    audit_log(actor=actor, action=Action.LETTER_BATCH_POSTED, obj=batch, request=request)


@transaction.atomic
def template_save(
    *, code: str, language: str, subject: str, body: str, sms: str, actor, request: HttpRequest | None = None
) -> MessageTemplate:
    for source in (subject, body, sms):
        texts.check_source(source)
    template, _ = MessageTemplate.objects.update_or_create(
        code=code, language=language, defaults={"subject": subject, "body": body, "sms": sms, "updated_by": actor}
    )
    audit_log(actor=actor, action=Action.TEMPLATE_SAVED, obj=template, request=request)
    return template


@transaction.atomic
def template_reset(*, code: str, language: str, actor, request: HttpRequest | None = None) -> None:
    deleted, _ = MessageTemplate.objects.filter(code=code, language=language).delete()
    if deleted:
        audit_log(actor=actor, action=Action.TEMPLATE_RESET, request=request, details={"code": code, "lang": language})
