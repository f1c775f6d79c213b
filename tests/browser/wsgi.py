"""The browser tests' server: Relais as deployed, with the TOTP clock of totp_clock.py, and
a translated sentence's missing variable shown as a mark that the `axe` fixture reports
(tests/pagecheck.py) instead of an empty hole."""

from relais.wsgi import application  # noqa: F401  (sets Django up first)
from tests.browser.totp_clock import install
from tests.pagecheck import record_missing_translation_variables

install()
record_missing_translation_variables().__enter__()  # for the server's whole life
