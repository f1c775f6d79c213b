"""A WSGI application for the tests of deploy/gunicorn.conf.py: /held waits until the file
named by GATE_FILE exists, then answers its process id; anything else answers at once."""

import os
import time


def application(environ, start_response):
    if environ["PATH_INFO"] == "/held":
        gate = os.environ["GATE_FILE"]
        for _ in range(600):  # 60 s at most: a failing test must not hang the suite
            if os.path.exists(gate):
                break
            time.sleep(0.1)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
