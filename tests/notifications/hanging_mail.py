"""An e-mail backend for the kill -9 test: the first send hangs (the worker is killed in
it), later ones are written to a file, one Message-ID per line."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        marker, log = Path(os.environ["HANG_MARKER"]), Path(os.environ["MAIL_LOG"])
        ids = [m.extra_headers.get("Message-ID", "") for m in messages]
        if not marker.exists():
            marker.write_text("\n".join(ids))
            time.sleep(3600)  # killed here
        with log.open("a") as fh:
            fh.writelines(f"{i}\n" for i in ids)
        return len(messages)
