"""How account e-mails (login codes, password links) leave without accounts importing the
app that delivers them: notifications connects its outbox here in its AppConfig.ready().

Nothing connected is a configuration error, never a silent loss: sending raises, and the
system check `relais.E005` reports it (`relais check`, `runserver`, the test suite).
"""

from collections.abc import Callable

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

# send(*, to, subject, body, html_body, template, sensitive): queues the e-mail
_sender: Callable | None = None


def connect_sender(send: Callable) -> None:
    global _sender
    _sender = send


def send_account_email(*, to: str, subject: str, body: str, html_body: str, template: str, sensitive: bool) -> None:
    if _sender is None:
        raise ImproperlyConfigured("No sender of account e-mails is connected (relais.notifications not installed?).")
    _sender(to=to, subject=subject, body=body, html_body=html_body, template=template, sensitive=sensitive)


@register()
def sender_connected(app_configs, **kwargs):
    if _sender is None:
        return [
            Error(
                "No sender of account e-mails is connected: login codes and password links could not be sent.",
                hint="Install relais.notifications (its AppConfig.ready() connects the outbox).",
                id="relais.E005",
            )
        ]
    return []
