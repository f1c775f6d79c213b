"""Delivery against real peers: a local SMTP server that goes down and comes back, an
HTTP SMS provider, and the database task backend run by `db_worker`."""

import contextlib
import json
import threading
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from django.utils import timezone

from relais.core.models import ContactChannel
from relais.notifications import services
from relais.notifications.models import Message, MessageStatus
from tests.conftest import free_port


class Inbox(MessageHandler):
    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


@pytest.fixture
def smtp_server(settings):
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 3
    settings.EMAIL_USE_TLS = False
    yield controller, inbox
    with contextlib.suppress(AssertionError):  # not running
        controller.stop()


def test_messages_wait_during_an_smtp_outage_and_leave_when_it_ends(smtp_server, resident_with_email, reception_agent):
    controller, inbox = smtp_server
    # The server is down when the staff action happens: the action still succeeds.
    message = services.notify(
        person=resident_with_email,
        template="generic",
        context={"subject": "Récépissé", "text": "Reçu."},
        actor=reception_agent,
    )
    assert services.process_due() == {"retry": 1}
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    # The server comes back; the retry time comes.
    controller.start()
    Message.objects.filter(pk=message.pk).update(next_try_at=timezone.now())
    assert services.process_due() == {"sent": 1}
    assert len(inbox.received) == 1
    assert str(make_header(decode_header(inbox.received[0]["Subject"]))) == "Récépissé"
    assert inbox.received[0]["To"] == "marie.dupont@example.org"


class FakeBrevo(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeBrevo.received.append({"path": self.path, "api_key": self.headers["api-key"], **body})
        status = FakeBrevo.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"messageId": 4242} if status == 201 else {"message": "err"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def brevo(settings):
    server = HTTPServer(("127.0.0.1", free_port()), FakeBrevo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBrevo.answers, FakeBrevo.received = [], []
    settings.SMS_BACKEND = "relais.notifications.sms.BrevoBackend"
    settings.SMS_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.SMS_API_KEY, settings.SMS_SENDER = "secret-key", "Valbrenne"
    yield FakeBrevo
    server.shutdown()


def test_sms_through_the_http_provider_retries_a_server_error(brevo, resident_by_sms):
    brevo.answers = [503, 201]
    message = services.notify(person=resident_by_sms, template="generic", context={"subject": "S", "text": "Bonjour"})
    assert services.process_due() == {"retry": 1}
    Message.objects.filter(pk=message.pk).update(next_try_at=timezone.now())
    assert services.process_due() == {"sent": 1}
    message.refresh_from_db()
    assert message.provider_id == "4242"
    last = brevo.received[-1]
    assert last["path"] == "/v3/transactionalSMS/sms" and last["api_key"] == "secret-key"
    assert last["recipient"] == "33698765432" and last["sender"] == "Valbrenne" and "Bonjour" in last["content"]


def test_a_refused_sms_is_not_retried_and_the_resident_is_called_instead(brevo, resident_by_sms):
    brevo.answers = [400]
    message = services.notify(person=resident_by_sms, template="generic", context={"subject": "S", "text": "T"})
    assert services.process_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.fallback.channel == ContactChannel.PHONE and message.fallback.to_phone == "06 98 76 54 32"


def test_the_database_task_backend_queues_the_delivery_and_running_it_sends(
    settings, resident_with_email, django_capture_on_commit_callbacks
):
    """What `relais db_worker` does with a row of the task table, without its connection
    handling (it closes connections, which a test transaction cannot survive)."""
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(
            person=resident_with_email, template="generic", context={"subject": "Tâche", "text": "T"}
        )
    row = DBTaskResult.objects.get()
    assert row.args_kwargs["args"] == [message.pk]
    assert row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]) == "sent"
    assert [m.subject for m in mail.outbox] == ["Tâche"]
