"""Hermetic settings for the test suite, whatever .env the developer has.

This root conftest is read before pytest-django sets Django up, so these environment
variables decide the settings (`make test` sets the same ones).
"""

import os

for key, value in {
    "RELAIS_DOTENV": "",
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-not-for-production-use-0123456789",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}.items():
    os.environ.setdefault(key, value)
