"""Account e-mails (login codes, password links) leave no usable secret in the outbox."""

import re
from unittest import mock

from django.core import mail
from django.test import Client
from django.urls import reverse

from relais.notifications.models import Message, MessageStatus
from relais.notifications.services import process_due


def secrets_in(message: Message) -> str:
    return message.body + message.html_body + message.sms_body


def test_a_password_link_is_wiped_once_sent(resident_with_email, reception_client):
    Client().post(reverse("account_reset_password"), {"email": resident_with_email.email})
    message = Message.objects.get(to_email=resident_with_email.email, template__startswith="account:")
    assert message.sensitive and "/comptes/password/reset/key/" in message.body  # queued: the worker needs it
    assert process_due() == {"sent": 1}
    link = re.search(r"https?://\S+/comptes/password/reset/key/\S+", mail.outbox[0].body).group(0)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert key not in secrets_in(message) and "reset/key" not in secrets_in(message)
    # Never shown to staff, even the counter that reads residents' messages.
    assert reception_client.get(reverse("notifications:message_detail", args=[message.pk])).status_code == 404
    # The resident still uses the link.
    response = Client().get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    assert response.status_code == 200 and "password1" in response.content.decode()


def test_a_login_code_is_wiped_once_sent(resident_with_email):
    client = Client()
    client.post(reverse("account_request_login_code"), {"email": resident_with_email.email})
    assert process_due() == {"sent": 1}
    code = re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", mail.outbox[0].body).group(0)
    message = Message.objects.get(to_email=resident_with_email.email, template__startswith="account:")
    assert message.status == MessageStatus.SENT
    assert code not in secrets_in(message) and code.replace("-", "") not in secrets_in(message)
    # The code still works for the resident who received it.
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_an_account_e_mail_given_up_keeps_no_secret(resident_with_email, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    Client().post(reverse("account_reset_password"), {"email": resident_with_email.email})
    with mock.patch("relais.notifications.services.EmailMultiAlternatives.send", side_effect=OSError("down")):
        assert process_due() == {"failed": 1}
    message = Message.objects.get(to_email=resident_with_email.email, template__startswith="account:")
    assert message.status == MessageStatus.FAILED
    assert "reset/key" not in secrets_in(message)
    assert not Message.objects.filter(fallback_of=message).exists()
