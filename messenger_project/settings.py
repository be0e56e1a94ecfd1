"""Secure Messenger settings: one module, every difference between deployments comes from the environment.

With no environment at all the project runs on SQLite, a local-memory cache and media on the local disk.
The variables are listed in README.md and .env.example.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.conf import global_settings

from messenger_project.media_storage import media_storage_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():  # optional; real environment variables win
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The default is flagged by `manage.py check --deploy` (security.W009): set DJANGO_SECRET_KEY in production.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-only-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",  # the integration API's client-credentials tokens (agents.models.OAuthClient)
    "agents",  # before django_tasks_db: its `db_worker` command adds the delivery sweep to theirs
    "devices",
    "conversations",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "messenger_project.request_id.RequestIdMiddleware",
    "messenger_project.error_pages.OutageMiddleware",  # database unreachable: 503 in each surface's body
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy: see CONTENT_SECURITY_POLICY below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "messenger_project.client_api.middleware.ClientAPIMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: the desk answers a pane, not a page, to htmx
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "messenger_project.urls"

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
            ],
        },
    },
]

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"  # form widgets may use templates/ (the colour picker)

WSGI_APPLICATION = "messenger_project.wsgi.application"
ASGI_APPLICATION = "messenger_project.asgi.application"

# --- Database: SQLite file by default, PostgreSQL (psycopg 3) with DATABASE_URL=postgres://…
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Server-side binding lets psycopg prepare a statement after its 5th run on a connection: PostgreSQL then
    # skips planning, which cost more than executing the hot paths' joins. Turn off behind a transaction-pooling
    # pgbouncer (prepared statements do not survive a change of server connection).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web server, worker, tests) write to one file: wait for the lock, use WAL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: typing state, quotas and lookups. Local memory by default, Redis with REDIS_URL (or CACHE_URL).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "messenger_project.cache.RedisCache",  # Django's, with its clients kept (see the module)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="sm"),
            # redis-py's pool options: an outage costs a request at most these, then it answers without the cache.
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.25),
                "socket_timeout": env.float("REDIS_TIMEOUT", default=1.0),
            },
        }
    }
else:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://secure-messenger")}
# A poll with nothing new answered from the shared cache alone (conversations/poll_state.py). It needs a cache
# that every process shares: on by default with Redis; with local memory only for one process (runserver, tests).
EMPTY_POLL_FROM_CACHE = env.bool("EMPTY_POLL_FROM_CACHE", default=bool(REDIS_URL))
# Each process's own short-lived copies of what every client request reads (the account of an identification):
# they spare the shared cache a round trip and may lag a change made elsewhere by a few seconds.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "process-local",
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}

# --- Live updates: the event streams of the desk and our widget (messenger_project/live_bus.py, docs/architecture.md).
# Redis pub/sub carries events between processes; without it the bus is in-process (one process serves all).
LIVE_BUS_URL = env("LIVE_BUS_URL", default=REDIS_URL)
LIVE_BUS_CHANNEL = f"{env('CACHE_KEY_PREFIX', default='sm')}:live"
LIVE_BUS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
LIVE_BUS_TIMEOUT = env.float("REDIS_TIMEOUT", default=1.0)
# Where pages and the widget open their streams: "" is this site (a proxy routes /stream/ to the stream process);
# `make serve` sets the stream process's own address.
STREAM_URL = env("STREAM_URL", default="").rstrip("/")

AUTH_USER_MODEL = "agents.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "en-us"
# The desk speaks the agent's browser language when it is one of these (conversations/desk/views.py); the APIs keep
# to English, whatever a client asks: their messages are part of the contract.
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise serves them in every mode) and media.
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (make run, tests) whitenoise finds files in the apps and static/ directly.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS  # while developing, files edited after start are served whole
MEDIA_URL = "media/"  # never served as public static files: media goes through access-checked views
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads: the local disk, or a private S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set (docs/storage.md).
STORAGES = {
    "default": media_storage_config(env),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads of 10 MiB must fit (client API media); bigger bodies are refused by the views themselves.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=12 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security headers for deployments behind HTTPS (see README, "Production").
# Behind the reverse proxy: the scheme from X-Forwarded-Proto, the client's address from X-Forwarded-For's last entry.
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# …and the host from X-Forwarded-Host (still checked against ALLOWED_HOSTS): the API's absolute links (#21).
USE_X_FORWARDED_HOST = BEHIND_PROXY
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every page: the desk, the admin, the API docs, the demo. Scripts and style
# sheets come from our origin, or are inline with this request's nonce (`nonce="{{ request.csp_nonce }}"`); never an
# inline handler or `javascript:` URL. Images may be `data:` (the admin's and Swagger UI's icons) or `blob:` (the
# widget shows downloaded media through object URLs). Media answers carry their own policy, which allows nothing
# (conversations/media_serving.py); the middleware leaves a policy a view set alone.
# Redoc adds two style elements as its bundle loads, before it can be given the nonce: allowed by their hashes (an
# empty one, and perfect-scrollbar's rules in drf-spectacular-sidecar's Redoc 2.5.4; tests/browser_widget/test_csp.py
# tells when an update changes them). Its search runs in a worker it makes from a `blob:` URL.
REDOC_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE, *REDOC_STYLE_HASHES],
        "worker-src": [SELF, "blob:"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        # The desk's event stream: this site, or the stream process's address (`make serve`: its own port).
        "connect-src": [SELF, *([STREAM_URL] if STREAM_URL else [])],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Background work: django-tasks with the durable database backend (worker: `manage.py db_worker`).
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# Deliveries (push, webhooks, email): a worker holds one this long at most; then it is due again.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=60)
# How often each worker looks for deliveries whose lease ran out or whose task was lost.
DELIVERY_SWEEP_SECONDS = env.float("DELIVERY_SWEEP_SECONDS", default=15)
# The desk: an online agent with no sign of life (a key, a click) for this long becomes away (the worker's sweep).
DESK_AWAY_AFTER_SECONDS = env.int("DESK_AWAY_AFTER_SECONDS", default=15 * 60)
# `/readyz` answers 503 (and the deliveries admin warns) when no task worker has beaten for this long; 0: no check.
WORKER_MISSING_AFTER_SECONDS = env.int("WORKER_MISSING_AFTER_SECONDS", default=120)
# A due delivery no task has taken for this long is queued again.
DELIVERY_REQUEUE_AFTER_SECONDS = env.int("DELIVERY_REQUEUE_AFTER_SECONDS", default=120)
# Outgoing HTTP (webhooks, push): the whole answer must come within this many seconds (spec §8.8: 10 s).
DELIVERY_HTTP_TIMEOUT_SECONDS = env.float("DELIVERY_HTTP_TIMEOUT_SECONDS", default=10)
# Webhook URLs must be https and public; self-hosters may allow private and loopback targets (plain http too).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
# Push services; tests and private relays point these elsewhere.
FCM_BASE_URL = env("FCM_BASE_URL", default="https://fcm.googleapis.com")
APNS_BASE_URL = env("APNS_BASE_URL", default="https://api.push.apple.com")
APNS_SANDBOX_BASE_URL = env("APNS_SANDBOX_BASE_URL", default="https://api.sandbox.push.apple.com")

# --- Email (missed-message emails): EMAIL_URL=smtp://user:password@host:587 (or smtp+tls://, smtp+ssl://).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Secure Messenger <messenger@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds: a stuck mail server must not hold a worker

# --- APIs
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
# OAuth2 client credentials for the integration API (README "OAuth2 client credentials"; agents.models.OAuthClient).
# Only the client-credentials grant is served (POST /api/v2/oauth2/token); DOT's own /o/ pages are not mounted.
# Tokens last 2 days as Help Scout's do; at rest only their SHA-256 checksum is kept (RFC 9700 §4), client
# secrets are hashed with the password hasher. Every RFC 9700 gate is on: nothing here uses the legacy flows.
# Django's hashers for logins, then the one of OAuth app secrets (random, not chosen: see agents/hashers.py).
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "agents.hashers.ClientSecretHasher"]
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named: agents' migration depends on it
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 172800,
    "CLIENT_SECRET_HASHER": "oauth_secret_pbkdf2_sha256",
    "OAUTH2_VALIDATOR_CLASS": "agents.oauth.TenantOAuth2Validator",
    # oauthlib's server of the client-credentials grant alone: any other grant is `unsupported_grant_type` before
    # anything is checked (the password grant would otherwise try desk logins' passwords).
    "OAUTH2_SERVER_CLASS": "oauthlib.oauth2.BackendApplicationServer",
    "SCOPES": {"integration": "The integration API of the app's account"},
    "DEFAULT_SCOPES": ["integration"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Secure Messenger API",
    "DESCRIPTION": "Client API (Parley v1.9 compatible) and the server-to-server integration API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Each API's schema hooks: conversations/{client_api,integration_api}/schema.py.
    "COMPONENT_SPLIT_REQUEST": True,  # upload fields as binary in request bodies
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conversations.client_api.schema.postprocess",
        "conversations.integration_api.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.integration_api.schema.CONVERSATION_STATUS_CHOICES",
        "MessageTypeEnum": "conversations.integration_api.schema.MESSAGE_TYPE_CHOICES",
        "EntryStatusEnum": "conversations.integration_api.schema.ENTRY_STATUS_CHOICES",
        "HelpScoutThreadTypeEnum": "conversations.integration_api.conversations.THREAD_TYPES",
        "HelpScoutConversationTypeEnum": "conversations.integration_api.conversations.CONVERSATION_TYPES",
        "ContactEntryTypeEnum": "conversations.integration_api.customers.ENTRY_TYPES",
    },
    "TAGS": [
        {"name": "Client API", "description": "What the Parley SDKs call: `/clientApi/v{1.6–1.9}/…`."},
        {
            "name": "Integration API: users",
            "description": "Conversation users: create, search, get, delete. Also served at the root "
            "(`/external/users`, `/external/users/search`, `/external/users/{id}`), with the same keys, answers and "
            "errors.",
        },
        {
            "name": "Integration API: v1 upserts",
            "description": "TalkJS's REST shapes: users, conversations, participants and messages, with string ids "
            "and Unix-millisecond timestamps.",
        },
        {"name": "Integration API: conversations", "description": "Chat threads, conversations and merges."},
        {"name": "Integration API: messages", "description": "Messages, bot replies and typing."},
        {"name": "Integration API: attachments", "description": "Attachment downloads."},
        {"name": "Integration API: webhooks", "description": "Signed events to bots and integrations."},
        {"name": "Integration API: routing", "description": "Teams, and a bot's handover to people."},
        {"name": "Integration API: reports", "description": "The figures of the desk's reports."},
        {"name": "Integration API: mailboxes", "description": "Help Scout's mailboxes: the account's one."},
        {"name": "Integration API: customers", "description": "Help Scout's customers: create, get, search, update."},
        {"name": "Integration API: authentication", "description": "OAuth2 client credentials: a bearer token."},
    ],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ClientToken": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Client API, registered users only: the raw token made by the integrator's backend "
                "(no `Bearer` prefix).",
            }
        }
    },
}

# --- Integration API
# Plain HTTP is refused except from loopback clients while this is on (development and tests).
INTEGRATION_ALLOW_INSECURE_LOOPBACK = env.bool("INTEGRATION_ALLOW_INSECURE_LOOPBACK", default=True)
INTEGRATION_RATE_LIMIT_PER_MINUTE = env.int("INTEGRATION_RATE_LIMIT_PER_MINUTE", default=600)

# --- Product settings
# Accept a device id of at least this many characters (seed 004) and at most the column size.
DEVICE_ID_MIN_LENGTH = 10

# One JSON object per line in production; readable lines while developing (DJANGO_DEBUG) or on request.
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "messenger_project.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
