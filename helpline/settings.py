"""Settings, read from the environment with defaults that run on a bare machine.

Everything lives in one data folder (``HELPLINE_DATA_DIR``): the SQLite
database, the Celery broker file, attachments and the generated secret key.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from helpline.core import broker
from helpline.realtime import redis_layer

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """A setting from the environment, or from the file named by NAME_FILE."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


DATA_DIR = Path(env("HELPLINE_DATA_DIR", str(Path.cwd() / "helpline-data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
_site = urlsplit(SITE_URL)
# Unset, the local names and SITE_URL's host.
_hosts = env("ALLOWED_HOSTS", f"127.0.0.1,localhost,testserver,{_site.hostname or ''}")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]

# Behind an HTTPS reverse proxy. uvicorn speaks plain HTTP, so an https SITE_URL means a
# proxy terminates TLS in front of Helpline: then its X-Forwarded-Proto says whether the
# browser's request was secure (HELPLINE_BEHIND_PROXY overrides; the proxy must set that
# header itself, never pass on the client's), the browser's https origin is trusted for
# CSRF, cookies are sent over HTTPS only and browsers are told to stay on HTTPS (HSTS).
_https = _site.scheme == "https"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("HELPLINE_BEHIND_PROXY", _https) else None
)
# A browser's Origin names no default port.
CSRF_TRUSTED_ORIGINS = [f"https://{_site.netloc.removesuffix(':443')}"] if _https else []
CSRF_TRUSTED_ORIGINS += [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = envint("HELPLINE_HSTS_SECONDS", 365 * 24 * 3600 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HELPLINE_HSTS_INCLUDE_SUBDOMAINS")

# Content-Security-Policy on every response (django-csp; Django 5.2 has none of its own):
# scripts, styles, images and connections from this site only, nothing inline. An inline
# <script> that cannot be a file carries nonce="{{ request.csp_nonce }}"; the nonce is added
# to the header of the responses that use it. A response that sets its own policy keeps it
# (attachments: "default-src 'none'; sandbox").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # Swagger UI draws its icons from data: URLs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        # The desk's WebSocket (helpline.realtime) on this site: CSP 3 browsers count the
        # same host's ws:/wss: as 'self'; older ones need it named (SITE_URL's).
        "connect-src": [SELF, f"{'wss' if _https else 'ws'}://{_site.netloc}"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The API's OpenAPI document and docs page (/api/openapi.json, /api/docs) are for admins;
# on, anyone may read them.
HELPLINE_API_DOCS_PUBLIC = envbool("HELPLINE_API_DOCS_PUBLIC")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Its Swagger UI files and template, so that /api/docs loads nothing from a CDN.
    "ninja",
    # Two-factor sign-in: TOTP devices (helpline.core.twofactor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "helpline.core",
    "helpline.customers",
    "helpline.conversations",
    "helpline.channels.email",
    "helpline.channels.phone",
    "helpline.channels.chat",
    "helpline.api",
    "helpline.search",
    "helpline.desk",
    "helpline.hours",
    "helpline.sla",
    "helpline.callbacks",
    "helpline.appointments",
    "helpline.webhooks",
    "helpline.insights",
    "helpline.recovery",
    "helpline.feedback",
    "helpline.reports",
    "helpline.timeaudit",
    "helpline.quality",
    "helpline.realtime",
    "helpline.demo",
    # Plugins: more Django apps, each of which may subscribe to the event bus (core.events).
    *[name.strip() for name in env("HELPLINE_EXTRA_APPS", "").split(",") if name.strip()],
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Serves collected static files from the web process (no separate web server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "helpline.desk.middleware.RefuseNulBytes",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Someone whose role requires two-factor sign-in sets it up before anything else.
    "helpline.desk.middleware.TwoFactorEnrolment",
    # Every time on a page in the signed-in person's zone (their setting or location's).
    "helpline.desk.middleware.ViewerTimeZone",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helpline.urls"
WSGI_APPLICATION = "helpline.wsgi.application"
ASGI_APPLICATION = "helpline.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'helpline.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE takes
        # the write lock at BEGIN so concurrent writers wait instead of failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "helpline.core.postgresql"
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # The desk's queries are short: compiling them (JIT) costs more than it saves, and on
    # SSDs an index lookup is nearly as cheap as a sequential read (bench/README.md, Desk).
    options["options"] = env("HELPLINE_POSTGRES_OPTIONS", "-c jit=off -c random_page_cost=1.1")
    # A page runs some twenty small queries, and PostgreSQL spent longer planning them than
    # running them: prepared on the connection after a few runs, each is planned once
    # (bench/README.md, "Prepared statements"). `HELPLINE_POSTGRES_PREPARED=0` turns it off,
    # as a pooler in transaction mode (PgBouncer without max_prepared_statements) needs.
    if envbool("HELPLINE_POSTGRES_PREPARED", True):
        options["server_side_binding"] = True
        options["prepare_threshold"] = envint("HELPLINE_POSTGRES_PREPARE_THRESHOLD", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["helpline.core.auth.UsernameOrEmailBackend"]
LOGIN_URL = "desk:sign-in"
LOGIN_REDIRECT_URL = "desk:inbox"
LOGOUT_REDIRECT_URL = "desk:sign-in"
# A working day, then sign in again; closing the browser does not sign out.
SESSION_COOKIE_AGE = envint("HELPLINE_SESSION_HOURS", 10) * 3600
# Failed sign-ins per account and per address before a pause of as many minutes.
HELPLINE_SIGN_IN_ATTEMPTS = envint("HELPLINE_SIGN_IN_ATTEMPTS", 5)
HELPLINE_SIGN_IN_LOCKOUT_MINUTES = envint("HELPLINE_SIGN_IN_LOCKOUT_MINUTES", 15)
HELPLINE_PASSWORD_RESETS_PER_HOUR = envint("HELPLINE_PASSWORD_RESETS_PER_HOUR", 5)
# Behind a reverse proxy that appends the client's address to X-Forwarded-For (nginx's
# $proxy_add_x_forwarded_for): use that last entry as the client's address for the sign-in
# limits and the sign-in audit. Off, REMOTE_ADDR; never on without such a proxy, since a
# client could then name any address.
HELPLINE_TRUST_X_FORWARDED_FOR = envbool("HELPLINE_TRUST_X_FORWARDED_FOR")
# Two-factor sign-in: minutes to type the code after the password; days the sign-in audit
# keeps its rows (the beat task forget-old-sign-ins deletes older ones).
HELPLINE_SIGN_IN_CODE_MINUTES = envint("HELPLINE_SIGN_IN_CODE_MINUTES", 5)
HELPLINE_SIGN_IN_AUDIT_DAYS = envint("HELPLINE_SIGN_IN_AUDIT_DAYS", 365)
# What authenticator apps show beside the account; the sign-in throttle above bounds code
# guesses, so django-otp's own growing delay (which refuses even a right code) is off.
OTP_TOTP_ISSUER = env("HELPLINE_TOTP_ISSUER", "Helpline")
OTP_TOTP_THROTTLE_FACTOR = 0
PASSWORD_RESET_TIMEOUT = 3600 * 2
# Who is viewing or typing in a conversation is forgotten after this many seconds.
HELPLINE_PRESENCE_SECONDS = envint("HELPLINE_PRESENCE_SECONDS", 30)
# The chat widget (helpline.channels.chat): an agent whose desk has not been seen for this
# long is offline; limits per visitor and per address against abuse.
HELPLINE_CHAT_ONLINE_SECONDS = envint("HELPLINE_CHAT_ONLINE_SECONDS", 60)
HELPLINE_CHAT_MESSAGES_PER_MINUTE = envint("HELPLINE_CHAT_MESSAGES_PER_MINUTE", 30)
HELPLINE_CHAT_CONNECTIONS_PER_IP = envint("HELPLINE_CHAT_CONNECTIONS_PER_IP", 20)
# How often an open inbox asks for new activity.
HELPLINE_INBOX_POLL_SECONDS = envint("HELPLINE_INBOX_POLL_SECONDS", 10)

# Sign-in throttling and who-is-viewing presence need one cache all web
# processes share: Redis when given, else the database (no extra service).
_REDIS_CACHE = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": env("CACHE_URL"),
}
CACHES = {
    "default": (
        _REDIS_CACHE
        if env("CACHE_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "helpline_cache",
        }
    ),
    # The chat's rate limits count every visitor's message and socket: in the database they
    # cost two write transactions a message. Without Redis they are kept in the server
    # process's memory: exact for the one process of the embedded default; with several
    # processes and no CACHE_URL each counts its own.
    "counters": (
        dict(_REDIS_CACHE)
        if env("CACHE_URL")
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "helpline-counters",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    ),
}

# The desk in real time (helpline.realtime): events reach the agents' sockets through a
# channel layer. Embedded, one process's memory (one web server process); with several
# server processes, Redis (CHANNEL_LAYERS_URL=redis://host:6379/3), so that an event
# published in one reaches the sockets held by the others.
# Several Helplines on one Redis database keep apart by their prefixes.
CHANNEL_LAYERS_URL = env("CHANNEL_LAYERS_URL")
CHANNEL_LAYERS = {
    "default": (
        redis_layer.config(CHANNEL_LAYERS_URL, env("HELPLINE_CHANNEL_PREFIX", "helpline"))
        if CHANNEL_LAYERS_URL
        else {"BACKEND": "helpline.realtime.layers.InMemoryLayer"}
    )
}
# Embedded, where a process other than the web server (the worker) sends its pushes: the
# web server's own address (`helpline start` sets it for its children; realtime/relay.py).
HELPLINE_REALTIME_RELAY_URL = env("HELPLINE_REALTIME_RELAY_URL")
# An open socket checks again this often that its session is still signed in and which
# locations its agent serves (a sign-out or a changed location takes effect within it).
HELPLINE_REALTIME_RECHECK_SECONDS = envint("HELPLINE_REALTIME_RECHECK_SECONDS", 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# The desk speaks English; mail to customers is written in their language
# (customers.models.Language), from the catalogues in helpline/locale.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates the same way in every page (helpline.desk.times); per language, English's here.
FORMAT_MODULE_PATH = ["helpline.formats"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing

# Attachments are private: they live outside any public URL and are served
# only through a permission-checking view.
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Outgoing mail.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "support@localhost")
HELPLINE_MAIL_DOMAIN = env("HELPLINE_MAIL_DOMAIN", "helpline.local")

# Inbound mail.
HELPLINE_MAX_EMAIL_BYTES = envint("HELPLINE_MAX_EMAIL_BYTES", 25 * 1024 * 1024)
HELPLINE_IMAP_POLL_SECONDS = envint("HELPLINE_IMAP_POLL_SECONDS", 60)
# Files an agent attaches to a note, or to a mail from a conversation without a mailbox
# (a mailbox has its own limit): the largest total per message.
HELPLINE_MAX_ATTACHMENT_BYTES = envint("HELPLINE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
# Attachment files no row points to (a killed import's) are removed once this old.
HELPLINE_ORPHAN_FILE_GRACE_MINUTES = envint("HELPLINE_ORPHAN_FILE_GRACE_MINUTES", 60)
HELPLINE_ORPHAN_FILE_SWEEP_SECONDS = envint("HELPLINE_ORPHAN_FILE_SWEEP_SECONDS", 24 * 3600)
HELPLINE_OUTBOX_RETRY_SECONDS = envint("HELPLINE_OUTBOX_RETRY_SECONDS", 60)
HELPLINE_OUTBOX_MAX_ATTEMPTS = envint("HELPLINE_OUTBOX_MAX_ATTEMPTS", 8)
HELPLINE_OUTBOX_CLAIM_SECONDS = envint("HELPLINE_OUTBOX_CLAIM_SECONDS", 300)

# The event bus's after-commit deliveries (core.events): a claim older than this belongs to
# a worker that died; tries before a delivery is "failed"; the first retry's delay (doubling);
# how long delivered rows are kept.
HELPLINE_EVENT_CLAIM_SECONDS = envint("HELPLINE_EVENT_CLAIM_SECONDS", 300)
HELPLINE_EVENT_MAX_ATTEMPTS = envint("HELPLINE_EVENT_MAX_ATTEMPTS", 8)
HELPLINE_EVENT_RETRY_SECONDS = envint("HELPLINE_EVENT_RETRY_SECONDS", 30)
HELPLINE_EVENT_KEEP_DAYS = envint("HELPLINE_EVENT_KEEP_DAYS", 7)
# Surveys (helpline.feedback): how long the links in a survey mail work, and how long an
# answer may be changed after it was first given.
HELPLINE_SURVEY_LINK_DAYS = envint("HELPLINE_SURVEY_LINK_DAYS", 30)
HELPLINE_SURVEY_CHANGE_DAYS = envint("HELPLINE_SURVEY_CHANGE_DAYS", 7)
# A location's walk-in survey page: answers one device may give in an hour.
HELPLINE_KIOSK_ANSWERS_PER_HOUR = envint("HELPLINE_KIOSK_ANSWERS_PER_HOUR", 5)

# Outbound webhooks (helpline.webhooks): each POST's socket timeout; tries before a delivery
# is "failed" (the back-off doubles from the first retry's delay, at most an hour apart: 12
# tries span about six hours); a claim older than this belongs to a worker that died (keep it
# above the timeout); how long sent deliveries stay in the log.
HELPLINE_WEBHOOK_TIMEOUT_SECONDS = envint("HELPLINE_WEBHOOK_TIMEOUT_SECONDS", 10)
HELPLINE_WEBHOOK_MAX_ATTEMPTS = envint("HELPLINE_WEBHOOK_MAX_ATTEMPTS", 12)
HELPLINE_WEBHOOK_RETRY_SECONDS = envint("HELPLINE_WEBHOOK_RETRY_SECONDS", 30)
HELPLINE_WEBHOOK_CLAIM_SECONDS = envint("HELPLINE_WEBHOOK_CLAIM_SECONDS", 120)
HELPLINE_WEBHOOK_KEEP_DAYS = envint("HELPLINE_WEBHOOK_KEEP_DAYS", 30)

# Phone calls: Twilio's status callbacks are signed with the account's auth token; without
# one, every request to /api/calls/twilio is refused. The signature covers the public URL
# Twilio called, which is built from SITE_URL (behind a proxy, set it to the public one).
HELPLINE_TWILIO_AUTH_TOKEN = env("HELPLINE_TWILIO_AUTH_TOKEN")
# Said to a caller nobody answered, when a <Dial action> reports it, before recording a
# voicemail; empty: such a call just ends.
HELPLINE_TWILIO_VOICEMAIL_GREETING = env("HELPLINE_TWILIO_VOICEMAIL_GREETING", "")
# Callbacks: after a try nobody answered, wait the next of these (the last one repeats;
# "next-morning" is the location's first opening after midnight); give up after so many.
HELPLINE_CALLBACK_BACKOFF = env("HELPLINE_CALLBACK_BACKOFF", "15m,1h,next-morning")
HELPLINE_CALLBACK_MAX_ATTEMPTS = envint("HELPLINE_CALLBACK_MAX_ATTEMPTS", 4)
# Appointments: how long a booked slot lasts, and how long before it the customer is reminded.
HELPLINE_APPOINTMENT_MINUTES = envint("HELPLINE_APPOINTMENT_MINUTES", 30)
HELPLINE_APPOINTMENT_REMINDER_HOURS = envint("HELPLINE_APPOINTMENT_REMINDER_HOURS", 24)

# Celery. Without a broker configured, a SQLite file in the data folder
# carries the queue (kombu's SQLAlchemy transport), so a bare machine runs a
# real worker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", f"sqla+sqlite:///{DATA_DIR / 'celery-broker.sqlite3'}")
CELERY_BROKER_TRANSPORT_OPTIONS = broker.transport_options(CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

# QA (helpline.quality): conversations picked per agent per week, and the text the draw's
# seed starts with (the same seed and the same conversations give the same picks).
HELPLINE_QA_PICKS_PER_WEEK = int(env("HELPLINE_QA_PICKS_PER_WEEK", "5"))
HELPLINE_QA_SEED = env("HELPLINE_QA_SEED", "helpline")
# The managers' weekly digest (helpline.reports.digest): sent on Monday from this hour on,
# in each recipient's own time zone (the beat task looks every hour).
HELPLINE_DIGEST_HOUR = envint("HELPLINE_DIGEST_HOUR", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

CELERY_BEAT_SCHEDULE = {
    "deliver-due-events": {"task": "helpline.core.tasks.sweep_events", "schedule": 30.0},
    "send-due-staff-email": {"task": "helpline.core.tasks.sweep_staff_email", "schedule": 60.0},
    "send-due-outbound": {
        "task": "helpline.channels.email.tasks.send_due_outbound",
        "schedule": 30.0,
    },
    "fetch-mailboxes": {
        "task": "helpline.channels.email.tasks.fetch_all_mailboxes",
        "schedule": float(HELPLINE_IMAP_POLL_SECONDS),
    },
    "sla-escalations": {"task": "helpline.sla.tasks.scan_escalations", "schedule": 60.0},
    "reopen-pending": {
        "task": "helpline.conversations.tasks.reopen_pending_due",
        "schedule": 60.0,
    },
    "send-due-webhooks": {"task": "helpline.webhooks.tasks.send_due_webhooks", "schedule": 30.0},
    "retrain-themes": {"task": "helpline.insights.tasks.retrain_themes", "schedule": 86400.0},
    "recovery-scan": {"task": "helpline.recovery.tasks.scan_recovery", "schedule": 60.0},
    # Hourly: each agent's last week is sampled once, soon after their Monday begins.
    "qa-pick-weekly": {"task": "helpline.quality.tasks.pick_weekly", "schedule": 3600.0},
    "forget-old-sign-ins": {
        "task": "helpline.core.tasks.forget_old_sign_ins",
        "schedule": 24 * 3600.0,
    },
    "send-due-surveys": {"task": "helpline.feedback.tasks.send_due_surveys", "schedule": 60.0},
    "appointment-reminders": {
        "task": "helpline.appointments.tasks.send_appointment_reminders",
        "schedule": 300.0,
    },
    # Hourly: each manager's digest goes once a week, Monday morning in their own zone.
    "weekly-digests": {"task": "helpline.reports.tasks.send_digests", "schedule": 3600.0},
    "remove-orphan-files": {
        "task": "helpline.conversations.tasks.remove_orphan_files",
        "schedule": float(HELPLINE_ORPHAN_FILE_SWEEP_SECONDS),
    },
}
