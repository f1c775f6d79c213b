import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
application = get_wsgi_application()

# Long-lived objects out of the garbage collector's walks (relais/core/serving.py).
from relais.core.serving import settle  # noqa: E402

settle()
