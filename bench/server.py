"""Serve the demo town the way a town would: gunicorn, production settings, fresh database.

Used by the benchmarks (and by the browser tests, through `DemoServer`). Nothing here is
imported by Relais itself.
"""

from __future__ import annotations

import os
import platform
import resource
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a production instance (DEBUG off) on a throw-away directory."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(var_dir),
        "RELAIS_DOTENV": "",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "RELAIS_VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    env.update(extra)
    return env


def in_django(env: dict[str, str], code: str) -> str:
    """Run `code` in a new process set up as the server is (Django configured from `env`);
    returns what it printed."""
    program = f"import django, sys; sys.path.insert(0, {str(ROOT)!r}); django.setup(); " + code
    return subprocess.run(
        [sys.executable, "-c", program],
        env={**env, "DJANGO_SETTINGS_MODULE": "relais.settings"},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )


class DemoServer:
    """gunicorn serving a freshly migrated demo database; use as a context manager."""

    def __init__(
        self,
        var_dir: Path,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        prepare: bool = True,
        gunicorn_args: tuple[str, ...] = (),
    ):
        self.var_dir = Path(var_dir)
        self.workers = workers
        self.gunicorn_args = tuple(gunicorn_args)  # e.g. ("-k", "gthread", "--threads", "8")
        self.env = env or production_env(self.var_dir)
        self.prepare = prepare
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The health checks' own address (deploy/gunicorn.conf.py serves it with threads of its
        # own; other workers serve it as any address).
        self.health_port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> DemoServer:
        if self.prepare:
            for command in (["migrate", "--noinput"], ["demo_load", "--allow-without-debug"]):
                manage(self.env, *command)
            manage(self.env, "collectstatic", "--noinput")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log_path = self.var_dir / "gunicorn.log"
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "relais.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "-b",
                f"127.0.0.1:{self.health_port}",
                *self.gunicorn_args,
            ],
            env={**self.env, "GUNICORN_HEALTH_BIND": f"127.0.0.1:{self.health_port}"},
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("the server did not start: " + self.log_path.read_text())

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


class LoadGenerator:
    """Run a load generator (wrk, a pool of client threads…) and say what it cost.

    The load generator shares the machine's cores with the server: every benchmark reports
    the cores it used (CPU seconds per second of wall time), so a ratio or a p99 is never
    read without knowing how much of the machine the client took. Use as a context manager
    around the load (in-process client threads are counted through this process's own
    usage, subprocesses through the children's):

        with LoadGenerator() as load:
            run_wrk(...)
        load.cores   # e.g. 0.62

    Servers must be started before and stopped after the block: a child process that ends
    inside it would be counted as load generator.
    """

    def __enter__(self) -> LoadGenerator:
        self._start = time.perf_counter()
        self._self = resource.getrusage(resource.RUSAGE_SELF)
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._start
        now_self = resource.getrusage(resource.RUSAGE_SELF)
        now_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (
            now_self.ru_utime
            - self._self.ru_utime
            + now_self.ru_stime
            - self._self.ru_stime
            + now_children.ru_utime
            - self._children.ru_utime
            + now_children.ru_stime
            - self._children.ru_stime
        )
        self.wall = wall
        self.cpu_seconds = cpu
        self.cores = cpu / wall if wall > 0 else 0.0


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its children (a gunicorn
    master and its workers: the live ones, and those it replaced, which the kernel adds to
    its own count once they exit), read from /proc; 0.0 where /proc is missing."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0.0
    for candidate in pids:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent = int(fields[1])
        if candidate == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
        if candidate == pid:  # its children that exited (cutime, cstime)
            total += (int(fields[13]) + int(fields[14])) / tick
    return total


def postgres_pid(url: str) -> int | None:
    """The pid of the PostgreSQL server (postmaster) at `url`, when it runs on this machine
    (its processes are in /proc); else None. A backend's parent is the postmaster."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # read while the backend lives
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            # The same process seen from here (not another PID namespace's): a backend.
            if not Path(f"/proc/{backend}/cmdline").read_bytes().startswith(b"postgres:"):
                return None
            parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{parent}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return None
    return parent if b"postgres" in command else None


def load_average() -> str:
    """The 1-minute load average, for the report ("1.7"): other work widens the spread."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def machine() -> str:
    """One line describing where a measure was taken."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()} (speed now: {python_speed():.2f} s for 10⁷ additions in a Python loop)"
    )


def python_speed() -> float:
    """Seconds one core takes for 10⁷ additions in a Python loop, now: a shared machine's speed
    changes during a day (the same page measured 40 % slower in the afternoon), and this says
    in which state a table was measured. Lower is faster; best of three."""
    best = float("inf")
    for _ in range(3):
        began, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - began)
    return best


def write_section(title: str, body: str) -> None:
    """Replace (or add) the section `## title` of BENCHMARKS.md with `body`."""
    path = ROOT / "BENCHMARKS.md"
    text = (
        path.read_text() if path.exists() else "# Benchmarks\n\nEach section is rewritten by its benchmark command.\n"
    )
    header = f"## {title}\n"
    start = text.find(header)
    section = header + "\n" + body.rstrip() + "\n\n"
    if start == -1:
        text = text.rstrip() + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(header))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    path.write_text(text.rstrip() + "\n")


def staff_client(email: str):
    """A test client (in process) of a staff member logged in with password and second factor,
    as after a real login (Django must be set up)."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
    from django.test import Client

    from relais.accounts.models import User

    user = User.objects.get(email=email)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def staff_cookie(email: str) -> str:
    """The session cookie of such a login, for a load generator (`Cookie:` header)."""
    return f"sessionid={staff_client(email).cookies['sessionid'].value}"
