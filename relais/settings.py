"""Relais settings: one file, every value from the environment (see .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from relais.accounts import oidc_config
from relais.core.env import envbool, envint, envlangs, envlist, envsecret, envstr, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
# RELAIS_DOTENV names the file to read (empty: none, as the test suite does).
if os.environ.get("RELAIS_DOTENV", ".env"):
    load_dotenv(BASE_DIR / os.environ.get("RELAIS_DOTENV", ".env"))

DEBUG = envbool("DEBUG", False)
# A demonstration instance with DEBUG off (a public demo): the demo partner application's
# published key works only when DEBUG or this is on (relais.api.keys), never in production.
RELAIS_DEMO = envbool("RELAIS_DEMO", False)
SECRET_KEY = envsecret("SECRET_KEY", required=not DEBUG, dev_default="dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
VAR_DIR = Path(envstr("RELAIS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite file and private uploads live here

INSTALLED_APPS = [
    "relais.core",
    "relais.accounts",
    "relais.people",
    "relais.directory",
    "relais.notifications",
    "relais.mandates",
    "relais.cases",
    "relais.mediation",
    "relais.mutualaid",
    "relais.stats",
    "relais.api",
    "relais.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are small but connections can be poor; Django's gzip pads its output
    # against BREACH. Static files come pre-compressed from WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    "relais.core.middleware.SecurityHeadersMiddleware",
    # Before anything reads the session or the database: a NUL character gets a 400 page.
    "relais.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Moves a session's expiry forward at most once a minute (relais/core/sessions.py).
    "relais.core.sessions.SessionKeepAliveMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "relais.accounts.middleware.StaffTwoFactorMiddleware",
]

# Benchmarks swap in bench.urls (Relais plus a bare "hello" view) to measure a baseline.
ROOT_URLCONF = envstr("RELAIS_URLCONF", "relais.urls")
WSGI_APPLICATION = "relais.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relais.core.context_processors.relais",
                "relais.accounts.context_processors.staff",
            ],
            "builtins": ["relais.core.templatetags.ui"],
        },
    }
]

# Database: SQLite by default (zero set-up), PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'relais.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Connections are kept DB_CONN_MAX_AGE seconds, as on PostgreSQL (a new one costs its
        # pragmas, ~3 ms a request). IMMEDIATE takes the write lock at BEGIN, so concurrent
        # writers queue on the busy timeout instead of failing with "database is locked"
        # mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (rate limits, the public-page version): shared by every app server, so that
# limits count across gunicorn workers and servers. Redis when REDIS_URL is set, else a
# table of the main database (created by `relais migrate`). Rendered public pages may stay
# in each process's memory ("pages"): they last a minute and a shared version number
# invalidates them everywhere at once.
REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "pages": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "relais.core.cache.DatabaseCache",
            "LOCATION": "relais_cache",
            # Past this, Django culls entries at random, rate-limit counters included.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "relais-pages",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }
    # Sessions stay in their own table: a cache in front of them adds nothing here (Django's
    # database sessions, read with plain SQL: relais/core/sessions.py).
    SESSION_ENGINE = "relais.core.sessions"

# Background work: django-tasks with its database backend, run by `relais db_worker`.
TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.backend.DatabaseBackend"),
    }
}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "people:after_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_ADAPTER = "relais.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # Failed logins (passwords and second-factor codes): 20 an hour per account from every
    # address ("key"), and a ceiling per address block ("ip", IPv6 by /64) generous enough
    # for a library's or the town hall's shared connection. AccountAdapter adds 5 per
    # 5 minutes per account and address block, which allauth cannot express.
    "login_failed": "100/m/ip,20/h/key",
    "login": "120/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = envstr("RELAIS_TOWN_NAME", "Relais")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_ADAPTER = "relais.accounts.adapter.MFAAdapter"

# Login with FranceConnect (residents) and ProConnect (staff) -----------------------------
# allauth's OpenID Connect provider, configured from the environment; each is off until its
# client id is set (no button, no URL). The linking rules are in relais/accounts/oidc.py.
# Callback URLs to declare at the provider: SITE_URL + /comptes/oidc/franceconnect/login/callback/
# and SITE_URL + /comptes/oidc/proconnect/login/callback/.
FRANCECONNECT_CLIENT_ID = envstr("FRANCECONNECT_CLIENT_ID")
FRANCECONNECT_SECRET = envstr("FRANCECONNECT_SECRET")
FRANCECONNECT_ISSUER = envstr("FRANCECONNECT_ISSUER", "https://oidc.franceconnect.gouv.fr/api/v2")
# birthdate and preferred_username (the usage name) only help to match an existing account.
FRANCECONNECT_SCOPES = envlist("FRANCECONNECT_SCOPES", oidc_config.FRANCECONNECT_SCOPES)
PROCONNECT_CLIENT_ID = envstr("PROCONNECT_CLIENT_ID")
PROCONNECT_SECRET = envstr("PROCONNECT_SECRET")
PROCONNECT_ISSUER = envstr("PROCONNECT_ISSUER", "https://auth.agentconnect.gouv.fr/api/v2")
PROCONNECT_SCOPES = envlist("PROCONNECT_SCOPES", oidc_config.PROCONNECT_SCOPES)
# acr (or amr) values asserted by ProConnect that stand for the staff second factor, e.g.
# "eidas2,eidas3". Empty: every ProConnect login still asks for Relais' own second factor.
PROCONNECT_ACCEPTED_ACR = envlist("PROCONNECT_ACCEPTED_ACR")
OIDC_APPS = []
if FRANCECONNECT_CLIENT_ID:
    if not FRANCECONNECT_SECRET:
        raise ImproperlyConfigured("FRANCECONNECT_SECRET must be set with FRANCECONNECT_CLIENT_ID")
    OIDC_APPS.append(
        oidc_config.franceconnect_app(
            client_id=FRANCECONNECT_CLIENT_ID,
            secret=FRANCECONNECT_SECRET,
            issuer=FRANCECONNECT_ISSUER,
            scopes=FRANCECONNECT_SCOPES,
        )
    )
if PROCONNECT_CLIENT_ID:
    if not PROCONNECT_SECRET:
        raise ImproperlyConfigured("PROCONNECT_SECRET must be set with PROCONNECT_CLIENT_ID")
    OIDC_APPS.append(
        oidc_config.proconnect_app(
            client_id=PROCONNECT_CLIENT_ID, secret=PROCONNECT_SECRET, issuer=PROCONNECT_ISSUER, scopes=PROCONNECT_SCOPES
        )
    )
# allauth's third-party accounts are installed only with a provider (no table, no URL else).
if OIDC_APPS:
    INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # allauth's provider plus a nonce and userinfo answered as a signed JWT (both providers do).
        "provider_class": "relais.accounts.oidc_provider.Provider",
        "APPS": OIDC_APPS,
    }
}
SOCIALACCOUNT_ADAPTER = "relais.accounts.oidc_provider.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# No third-party account is ever linked by allauth on its own: relais/accounts/oidc.py decides.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False

# Sessions end after inactivity (shared computers at the library and the counter).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
# Not on every request: SessionKeepAliveMiddleware writes the session again once a minute at
# most, so a session ends between one minute before and the idle time after the last request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Security (production values unless DEBUG)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the health check over plain HTTP: a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/deep$"]
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A form refused for its missing token gets the town's page, not Django's English "Forbidden".
CSRF_FAILURE_VIEW = "relais.core.views.csrf_failure"
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# The header only allows preloading; a town still chooses whether to submit its domain.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front of Relais that append to X-Forwarded-For: the client address (rate
# limits, audit journal) is read that many entries from the end. Never trust more.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Internationalisation: French first, English available, Arabic proves right-to-left.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English"), ("ar", "العربية")]
# Languages the town writes content in besides the interface's (procedures, forms, message
# texts; relais/core/content_language.py): "tr,uk". Residents read them from the links on a
# page ("Lire cette page en : Türkçe"); the interface stays in French, English or Arabic.
RELAIS_CONTENT_LANGUAGES = envlangs("RELAIS_CONTENT_LANGUAGES")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static files: WhiteNoise serves compressed, hashed files; no CDN, nothing external.
STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
RELAIS_LOGO_FILE = envstr("RELAIS_LOGO_FILE")
if RELAIS_LOGO_FILE:
    STATICFILES_DIRS.append(("town", str(Path(RELAIS_LOGO_FILE).parent)))
STORAGES = {
    # Uploaded files live outside the web root and are served only through views
    # that check permissions (later: case documents).
    "default": {
        "BACKEND": "relais.core.uploads.PrivateStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 3600 if not DEBUG else 0

# E-mail
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Relais <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Admin", a) for a in envlist("ADMINS")]

# Outbox: e-mails and SMS are tried this many times (1, 2, 4… minutes apart, at most 6 h)
# before the message goes by letter instead.
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 8)
# A send claimed by a worker that died (kill -9, power cut) is taken again after this many
# seconds, by the worker itself. Keep it above EMAIL_TIMEOUT and SMS_TIMEOUT.
OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 120)
# An e-mail or SMS that leaves this many minutes after it was written (an outage, a held
# outbox) starts with a line saying it was delayed and when it was written.
OUTBOX_LATE_NOTICE_MINUTES = envint("OUTBOX_LATE_NOTICE_MINUTES", 120)
# /healthz/deep answers 503 when no worker has shown a sign of life for this many seconds.
WORKER_HEARTBEAT_MAX_AGE = envint("WORKER_HEARTBEAT_MAX_AGE", 180)
# A background task still "running" this many minutes after its worker's last sign of life
# is run again (the worker died mid-task). Keep it above the longest task.
TASKS_STUCK_AFTER_MINUTES = envint("TASKS_STUCK_AFTER_MINUTES", 15)
# Webhooks (relais.api.webhooks) go to public https addresses only; on, http:// and private
# or loopback addresses are allowed too (development and tests only: SSRF otherwise).
RELAIS_WEBHOOKS_ALLOW_PRIVATE = envbool("RELAIS_WEBHOOKS_ALLOW_PRIVATE", False)
# If set, /healthz/deep answers only with ?token=… or the header X-Healthz-Token (it shows
# counts only, never personal data, so it may also stay open).
HEALTHZ_TOKEN = envstr("HEALTHZ_TOKEN")

# SMS: a dotted path to a backend in relais.notifications.sms; empty = no SMS (residents
# who prefer SMS get a letter or a call). Brevo is the real provider adapter.
SMS_BACKEND = envstr("SMS_BACKEND", "relais.notifications.sms.ConsoleBackend" if DEBUG else "")
SMS_FILE_PATH = envstr("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl"))
SMS_API_URL = envstr("SMS_API_URL", "https://api.brevo.com")
SMS_API_KEY = envstr("SMS_API_KEY")
SMS_SENDER = envstr("SMS_SENDER", "Mairie")[:11]
SMS_TIMEOUT = envint("SMS_TIMEOUT", 10)

# Key of the audit journal's MAC chain (core.auditchain). Empty: derived from SECRET_KEY.
# It must stay stable: entries sealed under another key no longer verify.
RELAIS_AUDIT_KEY = envstr("RELAIS_AUDIT_KEY")

# The town (theme and contact shown on every page)
RELAIS = {
    "TOWN_NAME": envstr("RELAIS_TOWN_NAME", "Valbrenne"),
    "TOWN_PHONE": envstr("RELAIS_TOWN_PHONE", "02 47 00 00 00"),
    "TOWN_ADDRESS": envstr("RELAIS_TOWN_ADDRESS", "Hôtel de ville, 1 place de la République, 37500 Valbrenne"),
    "TOWN_HOURS": envstr("RELAIS_TOWN_HOURS", "du lundi au vendredi, de 8 h 30 à 17 h 30"),
    "PRIMARY_COLOR": envstr("RELAIS_PRIMARY_COLOR", "#1d4e89"),
    "ACCENT_COLOR": envstr("RELAIS_ACCENT_COLOR", "#b3261e"),
    "LOGO": Path(RELAIS_LOGO_FILE).name if RELAIS_LOGO_FILE else "",
    "MEDIATION_BOOKINGS_PER_IP_HOUR": envint("RELAIS_MEDIATION_BOOKINGS_PER_IP_HOUR", 30),
    "MEDIATION_MAX_FUTURE_APPOINTMENTS": envint("RELAIS_MEDIATION_MAX_FUTURE_APPOINTMENTS", 3),
    "MAX_UPLOAD_MB": envint("RELAIS_MAX_UPLOAD_MB", 10),
    # Reception agents print every letter; by default they see its envelope, not what it says.
    "RECEPTION_READS_MESSAGES": envbool("RELAIS_RECEPTION_READS_MESSAGES", False),
    # How long a code printed on a letter or a receipt opens its page (renewed when reprinted).
    "PAPER_CODE_DAYS": envint("RELAIS_PAPER_CODE_DAYS", 365),
    "MAX_IMAGE_MEGAPIXELS": envint("RELAIS_MAX_IMAGE_MEGAPIXELS", 40),
    # Requests filed online without an account (0: no limit); staff recordings are never limited.
    "CASES_ONLINE_PER_IP_HOUR": envint("RELAIS_CASES_ONLINE_PER_IP_HOUR", 5),
    "CASES_ONLINE_PER_IP_DAY": envint("RELAIS_CASES_ONLINE_PER_IP_DAY", 20),
    "CASES_RECEIPTS_PER_CONTACT_DAY": envint("RELAIS_CASES_RECEIPTS_PER_CONTACT_DAY", 3),
    # Requests a partner application relays for people without an account (FixMyStreet
    # relays a whole town: a visitor's 5 an hour would stop it), counted per application.
    "CASES_API_PER_APPLICATION_HOUR": envint("RELAIS_CASES_API_PER_APPLICATION_HOUR", 200),
    "CASES_API_PER_APPLICATION_DAY": envint("RELAIS_CASES_API_PER_APPLICATION_DAY", 1000),
    # data·inclusion: who may use the town's services (INSEE codes, comma-separated); empty: not said.
    "DATAINCLUSION_ZONE": os.environ.get("RELAIS_DATAINCLUSION_ZONE", ""),
    "CASES_SPAM_BLOCK_DAYS": envint("RELAIS_CASES_SPAM_BLOCK_DAYS", 30),
    # Follow-up by reference (/suivi/): tries per visitor address an hour, and per reference a day.
    "CASES_LOOKUP_PER_IP_HOUR": envint("RELAIS_CASES_LOOKUP_PER_IP_HOUR", 10),
    "CASES_LOOKUP_PER_REFERENCE_DAY": envint("RELAIS_CASES_LOOKUP_PER_REFERENCE_DAY", 5),
    # …and in 30 days: then /suivi/ no longer opens that reference until the window passes.
    "CASES_LOOKUP_PER_REFERENCE_MONTH": envint("RELAIS_CASES_LOOKUP_PER_REFERENCE_MONTH", 15),
    "CASES_MAX_DOCUMENTS": envint("RELAIS_CASES_MAX_DOCUMENTS", 20),
    "CASES_MAX_DOCUMENTS_MB": envint("RELAIS_CASES_MAX_DOCUMENTS_MB", 50),
    # Street reports in public (cases.street): a form shows its reports only when it says so
    # too; 0 here hides them all (a pre-election period, for example).
    "STREET_REPORTS_PUBLIC": envbool("RELAIS_STREET_REPORTS_PUBLIC", True),
    # Cases of one form this close (metres) and this near in time (days) are shown as a group.
    "STREET_GROUP_METERS": envint("RELAIS_STREET_GROUP_METERS", 100),
    "STREET_GROUP_DAYS": envint("RELAIS_STREET_GROUP_DAYS", 30),
    # "Déjà signalé ?": published reports this close (metres) to the location typed.
    "STREET_NEARBY_METERS": envint("RELAIS_STREET_NEARBY_METERS", 250),
    # "Moi aussi" said from one connection (0: no limit).
    "STREET_ME_TOO_PER_IP_HOUR": envint("RELAIS_STREET_ME_TOO_PER_IP_HOUR", 30),
    # "Cette page vous a-t-elle été utile ?" answered from one connection (0: no limit).
    "CASES_FEEDBACK_PER_IP_HOUR": envint("RELAIS_CASES_FEEDBACK_PER_IP_HOUR", 30),
    # Map tiles (OpenStreetMap's format, {z}/{x}/{y}) from a server the town chooses; empty:
    # no tiles, the map is the town's plan or a plain grid, and no other host is contacted.
    "MAP_TILE_URL": envstr("RELAIS_MAP_TILE_URL"),
    "MAP_TILE_ATTRIBUTION": envstr("RELAIS_MAP_TILE_ATTRIBUTION", "© les contributeurs d'OpenStreetMap"),
    # The per-form funnel of online requests (cases.funnel): counts per day, step and device
    # class, no identifier, no cookie. 0 records nothing (the benchmark compares both).
    "FUNNEL": envbool("RELAIS_FUNNEL", True),
    # Reads of the public API (/api/v1/, no key) per visitor address and minute (0: no limit).
    "API_PUBLIC_PER_MINUTE": envint("RELAIS_API_PUBLIC_PER_MINUTE", 600),
}

# Retention periods, in days, one variable per kind of personal data: every
# RELAIS_<KIND>_RETENTION_DAYS set in the environment (relais/core/retention.py). A kind whose
# variable is unset keeps the default declared beside its models (README, "Retention");
# a period under the kind's floor, or a variable naming no kind, stops Relais from starting.
RELAIS_RETENTION = {
    name: envint(name, None)
    for name in sorted(os.environ)
    if name.startswith("RELAIS_") and name.endswith("_RETENTION_DAYS") and os.environ[name].strip()
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs every rendering step at INFO, and every missing glyph.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
