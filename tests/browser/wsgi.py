"""The browser tests' server: Relais as deployed, with the TOTP clock of totp_clock.py."""

from relais.wsgi import application  # noqa: F401  (sets Django up first)
from tests.browser.totp_clock import install

install()
