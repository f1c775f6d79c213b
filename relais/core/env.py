"""Typed readers for environment variables (settings only).

Values come from the process environment, then from a `.env` file at the project root
(never overriding the environment). Helpers fail loudly when a value is malformed, so a
typo in production stops the start instead of running with a silent default.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from `path` into os.environ, without overriding."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (0/1), got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def envlangs(name: str, default: str = "") -> list[str]:
    """Language codes ("tr,uk"), lower-cased; a malformed one stops the start."""
    codes = [code.lower() for code in envlist(name, default)]
    for code in codes:
        if not _LANGUAGE_CODE.match(code):
            raise ImproperlyConfigured(f"{name} must list language codes such as tr,uk; got {code!r}")
        if len(code) > 10:  # the length a person's or a message text's language field holds
            raise ImproperlyConfigured(f"{name}: a language code has at most 10 characters; got {code!r}")
    return list(dict.fromkeys(codes))


def envsecret(name: str, *, required: bool, dev_default: str = "") -> str:
    """A secret: required in production, a fixed development value otherwise."""
    value = os.environ.get(name, "")
    if value:
        return value
    if required:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    return dev_default
