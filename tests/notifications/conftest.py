import json
from pathlib import Path

import pytest

from relais.core.models import ContactChannel, Person


@pytest.fixture
def sms_log(settings, tmp_path) -> Path:
    """SMS sent during the test, as JSON lines."""
    settings.SMS_BACKEND = "relais.notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return Path(settings.SMS_FILE_PATH)


def read_sms(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def resident_by_sms(db):
    return Person.objects.create(
        first_name="Karim", last_name="Benali", phone="06 98 76 54 32", preferred_channel=ContactChannel.SMS
    )
