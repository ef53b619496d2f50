"""Settings for the partnership portal.

Every setting that depends on the environment is read here, once, with its default, so the
project loads with no environment at all (SQLite, eager Celery, console e-mail, DEBUG off).
"""

import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The key every checkout shares: fine for DEBUG and the tests; with DEBUG off, check --deploy fails on it and
# the WSGI application and the Celery worker refuse to start (partnership.checks).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Urban Agenda Partnership Portal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_countries",
    "import_export",
    "django_celery_beat",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "partnership.apps.PartnershipConfig",
    "meetings.apps.MeetingsConfig",
    "actions.apps.ActionsConfig",
    "surveys.apps.SurveysConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "partnership.two_factor.SecondFactorMiddleware",
    "partnership.access.AccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnership.urls"
WSGI_APPLICATION = "partnership.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "partnership.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections (checked before reuse): a new PostgreSQL connection per request costs
# more than most pages' queries. Set CONN_MAX_AGE=0 behind a transaction-pooling PgBouncer.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves requests while a worker or the sweeps write beside it: WAL lets readers
    # go on during a write, a writer waits up to SQLITE_BUSY_SECONDS for another instead of failing with
    # "database is locked", and a transaction takes the write lock when it begins, so two transactions
    # that read and then write never deadlock (SQLite would fail one at once, whatever the timeout).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_BUSY_SECONDS", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "partnership.cache_backends.RedisCache"  # one redis-py client per pool
# Two installs sharing one Redis keep apart by prefix: CACHE_KEY_PREFIX, or CACHE_URL's ?key_prefix=, which
# django-environ passes on lower-cased, where Django's cache never reads it.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default=CACHES["default"].pop("key_prefix", ""))
# Sessions are read from the shared cache (Redis) and written through to the database: a signed-in page does not
# query its session. A cache of each process's own (locmem) could keep a session that another process ended (a
# logout), so without a shared cache sessions stay in the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"].endswith("LocMemCache")
    else "django.contrib.sessions.backends.cached_db"
)

# The partner records every page reads (the signed-in user's account and roles, the partnerships, their priority
# areas and pillars) are kept in the shared cache this long at most (partnership.records_cache): a change to any of
# them makes every page read them again at once. Off with a cache of each process's own, which would not hear of
# another process's change.
RECORDS_CACHE_SECONDS = (
    0 if CACHES["default"]["BACKEND"].endswith("LocMemCache") else env.int("RECORDS_CACHE_SECONDS", default=300)
)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "partnership.auth_backends.PortalBackend",
]

# Two-factor login (partnership.two_factor): staff and superusers, and anyone who set a factor up, pass a second
# factor after the password: an authenticator app's code (TOTP), a passkey or security key (WebAuthn) or a
# one-time recovery code. The TOTP code's issuer is the site's name; each wrong code doubles the wait before the next.
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_TOTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = env.int("OTP_STATIC_THROTTLE_FACTOR", default=1)
# A passkey belongs to one host name (the relying party, never an IP address): SITE_URL's host, or "localhost"
# under DEBUG; changing it later makes every registered passkey unusable. The browser's origin must be one of
# OTP_WEBAUTHN_ALLOWED_ORIGINS (https, or http on localhost): SITE_URL's, read on localhost if it names 127.0.0.1.
_SITE_ORIGIN = SITE_URL.replace("://127.0.0.1", "://localhost", 1)
OTP_WEBAUTHN_RP_ID = env.str(
    "OTP_WEBAUTHN_RP_ID", default="localhost" if DEBUG else (urlsplit(_SITE_ORIGIN).hostname or "localhost")
)
OTP_WEBAUTHN_RP_NAME = env.str("OTP_WEBAUTHN_RP_NAME", default=SITE_NAME)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("OTP_WEBAUTHN_ALLOWED_ORIGINS", default=[_SITE_ORIGIN])
# The passkey is a second factor after the password, never a login of its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling: lock an account and address pair out after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# How many reverse proxies of ours stand in front of the portal: X-Forwarded-For is believed that far
# (partnership.clients), for login throttling and the portal's own limits; 0 uses the direct address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "partnership.clients.client_address"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hr", _("Croatian")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as each language writes them where Django's formats do not ("4 gennaio 2027"): partnership/formats.
FORMAT_MODULE_PATH = ["partnership.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Documents, exports and stored import files go through the default storage: a local folder, or an
# S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set, so that several web machines and the workers
# share them. The bucket stays private: the portal hands each file out after its permission check.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
# Seconds a signed address of a stored file stays valid; 0 streams files through the portal instead.
FILES_SIGNED_URL_SECONDS = env.int("FILES_SIGNED_URL_SECONDS", default=0)
DEFAULT_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": FILES_SIGNED_URL_SECONDS or 60,
            # Two uploads of "agenda.pdf" must not overwrite each other, as they do not on disk.
            "file_overwrite": False,
            # A file read from the bucket spills to a temporary file past this size instead of memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
    # The admin's small imports keep the uploaded file between "check" and "confirm", which another
    # web machine may answer: keep it in the shared storage, not in this machine's temporary folder.
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console by default; EMAIL_URL=smtp://user:pass@host:port (or smtp+tls://) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Partnership Portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The domain in Message-ID headers derived from outbox keys.
MESSAGE_ID_DOMAIN = env.str("MESSAGE_ID_DOMAIN", default="portal.local")

# Celery: without a broker, tasks run eagerly in the same process right after the commit.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "partnership.tasks.outbox_sweep", "schedule": 20.0},
    "coordinator-access": {"task": "partnership.tasks.coordinator_access_sweep", "schedule": 3600.0},
    "meeting-reminders": {"task": "meetings.tasks.reminders_sweep", "schedule": 60.0},
    "survey-reminders": {"task": "surveys.tasks.reminders_sweep", "schedule": 60.0},
    "survey-erase-respondents": {"task": "surveys.tasks.erase_expired_respondents", "schedule": 24 * 3600.0},
    "survey-exports-purge": {"task": "surveys.tasks.survey_exports_purge", "schedule": 24 * 3600.0},
    "jobs-sweep": {"task": "partnership.tasks.jobs_sweep", "schedule": 20.0},
    "import-files-sweep": {"task": "partnership.tasks.import_files_sweep", "schedule": 24 * 3600.0},
    "spent-form-tokens-purge": {"task": "partnership.tasks.spent_form_tokens_purge", "schedule": 24 * 3600.0},
    "survey-exports-sweep": {"task": "surveys.tasks.survey_exports_sweep", "schedule": 20.0},
    # Hourly, though each partnership's digest job is keyed by the day and each mail by user and day: the digest
    # goes out once a day, in the first run after midnight, and a run missed while Beat was down is made up.
    "notification-digests": {"task": "partnership.tasks.digests_start", "schedule": 3600.0},
}

# The outbox. A claim is a lease, renewed right before each send: a row in "sending" whose claim is
# older than this is taken back by the sweep (a dead worker). It must outlast an SMTP hand-off
# (EMAIL_TIMEOUT) with as much again to spare, which partnership.checks verifies.
OUTBOX_RECLAIM_AFTER_SECONDS = env.int("OUTBOX_RECLAIM_AFTER_SECONDS", default=60)
# A due row handed to the broker and claimed by no worker after this long is handed again (a broker
# restarted empty lost it); the claim still lets only one task send it. With the sweep every 20 s, a lost
# hand-off is made good within about 50 s.
OUTBOX_HANDOFF_LEASE_SECONDS = env.int("OUTBOX_HANDOFF_LEASE_SECONDS", default=30)
# A refused attempt is retried after 10 s, then 20, 40, ... up to an hour between attempts: a short outage
# costs seconds, and the sixteen attempts span about seven hours before a message is marked failed.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=16)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=10)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
# Many messages at once (a survey's invitations) go in tasks of this many, over one SMTP connection each.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=50)

# Background jobs (partnership.jobs): a worker holds a job for this long and renews it as it reports progress,
# so a killed worker's job is taken over within about a minute; a job handed to the broker and not taken
# this long is handed again (the broker may have lost it); a job lost this many times is marked failed.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
JOB_HANDOFF_SECONDS = env.int("JOB_HANDOFF_SECONDS", default=60)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=5)

# Meetings: check-in opens this many hours before the first day of a meeting begins on the venue's clock
# (0: at midnight there) and closes a day after the meeting ends; a check-in, and marking a meeting held, can be
# undone by its coordinators for UNDO_HOURS afterwards.
MEETING_CHECK_IN_OPENS_HOURS = env.int("MEETING_CHECK_IN_OPENS_HOURS", default=0)
MEETING_UNDO_HOURS = env.int("MEETING_UNDO_HOURS", default=24)

# The bell's unread count is kept in the cache this long at most; a new or read notification clears it at once.
NOTIFICATION_COUNT_CACHE_SECONDS = env.int("NOTIFICATION_COUNT_CACHE_SECONDS", default=60)

# Consent texts: bump the version when the wording changes, so old consents are known for what they were.
CONSENT_TEXT_VERSION = "2026-11"

# Who answers for the personal data the portal holds, and for its accessibility: named, with a contact address and
# the date of each text, on the privacy notice and the accessibility statement. Set them for each installation.
DATA_CONTROLLER = env.str("DATA_CONTROLLER", default="the technical secretariat of the partnership")
DATA_CONTROLLER_EMAIL = env.str("DATA_CONTROLLER_EMAIL", default="privacy@example.org")
PRIVACY_NOTICE_DATE = datetime.date.fromisoformat(env.str("PRIVACY_NOTICE_DATE", default="2026-12-05"))
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default=DATA_CONTROLLER_EMAIL)
ACCESSIBILITY_STATEMENT_DATE = datetime.date.fromisoformat(
    env.str("ACCESSIBILITY_STATEMENT_DATE", default="2026-12-05")
)

# Security. In production (DEBUG off) cookies are secure, HSTS is on and HTTP redirects to HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# An import of more rows than this is checked and imported by a worker (partnership.importing.jobs), never
# inside the request's timeout; its stored file is deleted after the import, or after this many days.
IMPORT_IN_REQUEST_ROWS = env.int("IMPORT_IN_REQUEST_ROWS", default=2000)
IMPORT_FILE_DAYS = env.int("IMPORT_FILE_DAYS", default=3)
# A create form's one-time token, once spent, is kept this long to turn a resent post into the first one's page
# (partnership.once); then Beat deletes it.
FORM_TOKEN_DAYS = env.int("FORM_TOKEN_DAYS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Without a broker, tasks run in the web process: a line for each would bury the page log (and the demo's
        # logins that `make run` prints); a worker logs its tasks at INFO as usual.
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}
