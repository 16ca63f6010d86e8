"""casebridge settings: one module, every value from the environment.

docs/configuration.md lists each variable. Production mode (CASEBRIDGE_MODE=production) refuses
to start without an explicit SECRET_KEY and turns on the secure cookie and header settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CASEBRIDGE_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from error


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


MODE = os.environ.get("CASEBRIDGE_MODE", "development").strip().lower()
if MODE not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"CASEBRIDGE_MODE must be development, production or test, not {MODE!r}"
    )
PRODUCTION = MODE == "production"
DEBUG = env_bool("CASEBRIDGE_DEBUG", default=MODE == "development")
DEMO_MODE = env_bool("CASEBRIDGE_DEMO", default=not PRODUCTION)


def _local_secret_key() -> str:
    """A key generated once into var/ so local sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production mode")
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production mode")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "casebridge.core",
    "casebridge.parties",
    "casebridge.rasci",
    "casebridge.installed_base",
    "casebridge.sla",
    "casebridge.cases",
    "casebridge.rca",
    "casebridge.notifications",
    "casebridge.identity",
    "casebridge.reports",
    "casebridge.api",
    "casebridge.ui",
    "casebridge.demo",
    "casebridge.bench",
    # After casebridge.ui, whose templates override allauth's to look like the portal.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.usersessions",
]

MIDDLEWARE = [
    # /healthz and /readyz answer first: a probe calling a node by its address gets through host
    # validation and the HTTPS redirect (casebridge.core.health).
    "casebridge.core.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "casebridge.core.http.RequestLimitsMiddleware",
    "casebridge.ui.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "casebridge.ui.middleware.ViewerTimeZoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "casebridge.ui.middleware.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "casebridge.config.urls"
WSGI_APPLICATION = "casebridge.config.wsgi.application"

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
                "casebridge.ui.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# SQLite under var/ by default (WAL, IMMEDIATE transactions so writers queue instead of failing
# on lock upgrades); PostgreSQL through psycopg 3 when DATABASE_URL says postgres://.
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'casebridge.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
if MODE == "test":
    # The suite never touches the deployment's database: SQLite in memory unless told otherwise.
    DATABASE_URL = os.environ.get("CASEBRIDGE_TEST_DATABASE_URL") or "sqlite:///:memory:"


def database_config(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {error}") from error
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        }
        name = str(config["NAME"])
        if name and name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
    elif engine in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}:
        config["ENGINE"] = "django.db.backends.postgresql"
        config["CONN_HEALTH_CHECKS"] = True
        # Parameters bound on the server, and a statement run five times on a connection is
        # prepared there: PostgreSQL then skips planning it (3-4 ms for a case read with its
        # joins, more than running it). Behind a transaction-mode pooler that cannot keep
        # prepared statements, set DATABASE_PREPARE_THRESHOLD=0.
        threshold = env_int("DATABASE_PREPARE_THRESHOLD", 5)
        config["OPTIONS"] = {
            "server_side_binding": threshold > 0,
            "prepare_threshold": threshold if threshold > 0 else None,
        }
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at SQLite or PostgreSQL, not {engine.rsplit('.', 1)[-1]}"
        )
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared cache and sessions -------------------------------------------------------------------
# One node needs nothing: a local-memory cache per process. Several nodes share Redis (or Valkey)
# through Django's own Redis backend, so the API rate limit counts a token's requests across
# every web process. Everything durable stays in the database; the cache may be lost at any time.
CASEBRIDGE_CACHE_URL = os.environ.get("CASEBRIDGE_CACHE_URL", "").strip()
#: Milliseconds a cache call may take before it counts as failed (a dead Redis must not stall
#: requests: the rate limit then counts in the process, sessions fall back to the database).
CASEBRIDGE_CACHE_TIMEOUT_MS = env_int("CASEBRIDGE_CACHE_TIMEOUT_MS", 250)


def cache_config(url: str, *, timeout_ms: int, prefix: str) -> dict:
    """Django's CACHES for ``url``: Redis when given, else a local-memory cache per process."""
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "casebridge"}
    if not url:
        return {"default": local, "local": local}
    if url.split("://", 1)[0] not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            "CASEBRIDGE_CACHE_URL must be a redis://, rediss:// or unix:// address, "
            f"not {url.split('://', 1)[0]!r}"
        )
    if timeout_ms < 1:
        raise ImproperlyConfigured(
            f"CASEBRIDGE_CACHE_TIMEOUT_MS must be at least 1, not {timeout_ms}"
        )
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    seconds = timeout_ms / 1000
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "socket_connect_timeout": seconds,
                "socket_timeout": seconds,
                # One immediate retry on a fresh connection: a pooled connection that a Redis
                # restart cut is replaced at once; a Redis that is down costs two refusals.
                "retry": Retry(NoBackoff(), 1),
            },
        },
        "local": {**local, "LOCATION": "casebridge-local"},
    }


CACHES = cache_config(
    CASEBRIDGE_CACHE_URL,
    timeout_ms=CASEBRIDGE_CACHE_TIMEOUT_MS,
    prefix=os.environ.get("CASEBRIDGE_CACHE_KEY_PREFIX", "casebridge"),
)
#: "database" (the default: one row per session, shared by every node) or "cached_db" (the
#: shared cache in front of the database, which stays the truth; needs CASEBRIDGE_CACHE_URL).
CASEBRIDGE_SESSION_STORE = os.environ.get("CASEBRIDGE_SESSION_STORE", "database").strip().lower()
#: How long a cached copy of a session may outlive a sign-out the cache did not hear of.
CASEBRIDGE_SESSION_CACHE_SECONDS = env_int("CASEBRIDGE_SESSION_CACHE_SECONDS", 300)
if CASEBRIDGE_SESSION_STORE == "database":
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
elif CASEBRIDGE_SESSION_STORE == "cached_db":
    if not CASEBRIDGE_CACHE_URL:
        raise ImproperlyConfigured(
            "CASEBRIDGE_SESSION_STORE=cached_db needs a shared cache (CASEBRIDGE_CACHE_URL): "
            "a cache per process would keep a signed-out session alive in the others"
        )
    SESSION_ENGINE = "casebridge.core.sessions"
else:
    raise ImproperlyConfigured(
        f"CASEBRIDGE_SESSION_STORE must be database or cached_db, not {CASEBRIDGE_SESSION_STORE!r}"
    )

# --- People and sign-in ---------------------------------------------------------------------------
AUTH_USER_MODEL = "parties.Person"
AUTHENTICATION_BACKENDS = ["casebridge.parties.auth.PersonBackend"]
LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "ui:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if MODE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Accounts, two-factor and single sign-on (django-allauth; docs/security.md) ------------------
# Nobody signs up: people come in by invitation (casebridge.identity) or, where their
# organisation allows it, through its own identity provider. Sign-in is by e-mail address; the
# failure limits above are counted by PersonBackend, not by allauth.
ACCOUNT_ADAPTER = "casebridge.ui.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "casebridge.ui.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # an invitation, or the organisation's IdP, proves it
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "casebridge: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    # Counted by casebridge's own limits (parties/auth.py) in the database, across workers.
    "login": None,
    "login_failed": None,
    "reset_password": None,
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter decides, per organisation
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("CASEBRIDGE_SSO_TIMEOUT", 10)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_TOLERANCE = 1  # a code of the previous or next 30 seconds too (clocks drift)
MFA_TOTP_ISSUER = os.environ.get("CASEBRIDGE_MFA_ISSUER", "casebridge")
# Security keys need a secure origin; http://127.0.0.1 and localhost are allowed outside
# production so the demo can try them.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# Sessions are recorded when someone signs in (not touched on every request: no query added).
USERSESSIONS_TRACK_ACTIVITY = False
#: Who must use a second factor: any of vendor_staff, organisation_admins,
#: authorised_submitters (or "none"). The demo walks without second factors unless told.
CASEBRIDGE_MFA_REQUIRED_FOR = [
    item
    for item in env_list(
        "CASEBRIDGE_MFA_REQUIRED_FOR",
        ["none"] if DEMO_MODE else ["vendor_staff", "organisation_admins", "authorised_submitters"],
    )
    if item != "none"
]
_MFA_GROUPS = {"vendor_staff", "organisation_admins", "authorised_submitters"}
if set(CASEBRIDGE_MFA_REQUIRED_FOR) - _MFA_GROUPS:
    raise ImproperlyConfigured(
        "CASEBRIDGE_MFA_REQUIRED_FOR takes vendor_staff, organisation_admins, "
        f"authorised_submitters or none, not {CASEBRIDGE_MFA_REQUIRED_FOR!r}"
    )
CASEBRIDGE_INVITATION_DAYS = env_int("CASEBRIDGE_INVITATION_DAYS", 7)
#: How long a password-reset link works (Django's PASSWORD_RESET_TIMEOUT, in seconds).
PASSWORD_RESET_TIMEOUT = env_int("CASEBRIDGE_PASSWORD_RESET_MINUTES", 60) * 60
ACCOUNT_FORMS = {
    "login": "casebridge.ui.forms.SignInForm",
    "reset_password": "casebridge.ui.forms.PasswordResetForm",
}

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
#: The interface speaks English today; a person's choice is kept for the translations to come.
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("de", "Deutsch"), ("fr", "Français")]
TIME_ZONE = os.environ.get("CASEBRIDGE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    # CASEBRIDGE_STORAGE_BACKEND names another Django storage, e.g. an S3-compatible one
    # (storages.backends.s3.S3Storage, configured by its own AWS_* variables).
    "default": {
        "BACKEND": os.environ.get(
            "CASEBRIDGE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- E-mail --------------------------------------------------------------------------------------
# Outside production mail is written to files (one per message) under var/mail, so a demo or a
# development server never sends it and never floods the terminal with it.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casebridge@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
#: The domain of message ids and reply addresses (replies thread onto their case).
CASEBRIDGE_MAIL_DOMAIN = os.environ.get(
    "CASEBRIDGE_MAIL_DOMAIN", DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
)
CASEBRIDGE_BASE_URL = os.environ.get("CASEBRIDGE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CASEBRIDGE_MAIL_MAX_BYTES = env_int("CASEBRIDGE_MAIL_MAX_BYTES", 25 * 1024 * 1024)
# The mail servers whose Authentication-Results headers (their authserv-id, normally the host
# name) inbound mail trusts; see docs/integration.md.
CASEBRIDGE_MAIL_TRUSTED_MTAS = [
    name.lower() for name in env_list("CASEBRIDGE_MAIL_TRUSTED_MTAS", [])
]
CASEBRIDGE_CONSULT_HOURS = env_int("CASEBRIDGE_CONSULT_HOURS", 24)
#: The wall-clock deadline of one webhook attempt (lookup, connection, TLS, request, answer).
CASEBRIDGE_WEBHOOK_TIMEOUT = env_int("CASEBRIDGE_WEBHOOK_TIMEOUT", 10)
CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES = env_int("CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES", 64 * 1024)
CASEBRIDGE_WEBHOOK_MAX_ATTEMPTS = env_int("CASEBRIDGE_WEBHOOK_MAX_ATTEMPTS", 8)
CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = env_bool("CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE", default=False)
#: Threads of `casebridge worker` that send webhooks (their own task queue).
CASEBRIDGE_WEBHOOK_CONCURRENCY = env_int("CASEBRIDGE_WEBHOOK_CONCURRENCY", 2)

# --- Background work -----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if MODE == "test"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default", "webhooks"],
    }
}
#: Threads `casebridge worker` runs per task queue: e-mail, the outbox and the periodic jobs on
#: "default"; webhook sending on "webhooks", so a slow receiver never delays the rest.
CASEBRIDGE_WORKER_THREADS = {"default": 1, "webhooks": CASEBRIDGE_WEBHOOK_CONCURRENCY}
CASEBRIDGE_OUTBOX_MAX_ATTEMPTS = env_int("CASEBRIDGE_OUTBOX_MAX_ATTEMPTS", 12)
CASEBRIDGE_OUTBOX_LEASE_SECONDS = env_int("CASEBRIDGE_OUTBOX_LEASE_SECONDS", 300)
CASEBRIDGE_OUTBOX_BACKOFF_SECONDS = env_int("CASEBRIDGE_OUTBOX_BACKOFF_SECONDS", 15)
CASEBRIDGE_OUTBOX_BACKOFF_CAP_SECONDS = env_int("CASEBRIDGE_OUTBOX_BACKOFF_CAP_SECONDS", 3600)
#: Finished task results (the database task queue's rows) are deleted after this many days.
CASEBRIDGE_TASK_RESULT_DAYS = env_int("CASEBRIDGE_TASK_RESULT_DAYS", 14)
#: How often each `casebridge worker` records that it is alive (a row per worker process).
CASEBRIDGE_WORKER_HEARTBEAT_SECONDS = env_int("CASEBRIDGE_WORKER_HEARTBEAT_SECONDS", 10)
#: Readiness calls the outbox lagging when a due delivery has waited longer than this.
CASEBRIDGE_OUTBOX_LAG_SECONDS = env_int("CASEBRIDGE_OUTBOX_LAG_SECONDS", 300)
#: While this file exists the node's readiness answers 503, so the proxy drains it (empty: never).
CASEBRIDGE_DRAIN_FILE = os.environ.get("CASEBRIDGE_DRAIN_FILE", str(VAR_DIR / "draining"))


def env_job_intervals(name: str) -> dict[str, int]:
    """``JOB=SECONDS,JOB=SECONDS``: periodic jobs run at another interval than registered."""
    intervals: dict[str, int] = {}
    for item in env_list(name, []):
        job, _, seconds = item.partition("=")
        if not job.strip() or not seconds.strip().isdigit() or int(seconds) < 1:
            raise ImproperlyConfigured(
                f"{name} takes JOB=SECONDS pairs (seconds at least 1), not {item!r}"
            )
        intervals[job.strip()] = int(seconds)
    return intervals


#: Checked against the registered jobs by `casebridge check` (an unknown name is an error).
CASEBRIDGE_JOB_INTERVALS = env_job_intervals("CASEBRIDGE_JOB_INTERVALS")


def background_work_problems(
    *, lease: int, webhook_timeout: int, webhook_concurrency: int, max_answer_bytes: int
) -> list[str]:
    """What is wrong with the background-work settings (also a `casebridge check` error).

    A claim (outbox delivery, webhook delivery, a receiver held by a worker) lasts the lease; an
    attempt still running when it ends would be claimed again and posted twice, so the lease
    must leave as long again as the webhook deadline for the bookkeeping around it."""
    problems = []
    if webhook_timeout < 1:
        problems.append(f"CASEBRIDGE_WEBHOOK_TIMEOUT must be at least 1, not {webhook_timeout}")
    if lease < 2 * max(webhook_timeout, 1):
        problems.append(
            f"CASEBRIDGE_OUTBOX_LEASE_SECONDS ({lease}) must be at least twice "
            f"CASEBRIDGE_WEBHOOK_TIMEOUT ({webhook_timeout}): a webhook still being sent would "
            "be claimed again and posted twice"
        )
    if webhook_concurrency < 1:
        problems.append(
            f"CASEBRIDGE_WEBHOOK_CONCURRENCY must be at least 1, not {webhook_concurrency}"
        )
    if max_answer_bytes < 0:
        problems.append(
            f"CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES must not be negative, not {max_answer_bytes}"
        )
    return problems


_problems = background_work_problems(
    lease=CASEBRIDGE_OUTBOX_LEASE_SECONDS,
    webhook_timeout=CASEBRIDGE_WEBHOOK_TIMEOUT,
    webhook_concurrency=CASEBRIDGE_WEBHOOK_CONCURRENCY,
    max_answer_bytes=CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES,
)
if _problems:
    raise ImproperlyConfigured("; ".join(_problems))

# --- Domain defaults -----------------------------------------------------------------------------
CASEBRIDGE_CERTIFICATION_WARNING_DAYS = env_int("CASEBRIDGE_CERTIFICATION_WARNING_DAYS", 30)
CASEBRIDGE_DEFAULT_PHONE_REGION = os.environ.get("CASEBRIDGE_DEFAULT_PHONE_REGION", "NL")
CASEBRIDGE_API_PAGE_SIZE = env_int("CASEBRIDGE_API_PAGE_SIZE", 50)
#: The most cases one bulk action in a queue may change (each is its own write).
CASEBRIDGE_BULK_LIMIT = env_int("CASEBRIDGE_BULK_LIMIT", 50)
CASEBRIDGE_MAX_UPLOAD_BYTES = env_int("CASEBRIDGE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
CASEBRIDGE_REOPEN_WINDOW_DAYS = env_int("CASEBRIDGE_REOPEN_WINDOW_DAYS", 14)
CASEBRIDGE_BLOCK_UNQUALIFIED_PARTNERS = env_bool("CASEBRIDGE_BLOCK_UNQUALIFIED_PARTNERS", True)
CASEBRIDGE_RCA_DUE_DAYS = env_int("CASEBRIDGE_RCA_DUE_DAYS", 5)
CASEBRIDGE_API_RATE_PER_MINUTE = env_int("CASEBRIDGE_API_RATE_PER_MINUTE", 600)
CASEBRIDGE_API_TOKEN_DAYS = env_int("CASEBRIDGE_API_TOKEN_DAYS", 90)
CASEBRIDGE_API_TOKEN_MAX_DAYS = env_int("CASEBRIDGE_API_TOKEN_MAX_DAYS", 365)
CASEBRIDGE_LOGIN_MAX_FAILURES = env_int("CASEBRIDGE_LOGIN_MAX_FAILURES", 5)
CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
CASEBRIDGE_LOGIN_LOCKOUT_MINUTES = env_int("CASEBRIDGE_LOGIN_LOCKOUT_MINUTES", 15)
CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ACCOUNT", 20)
CASEBRIDGE_LOGIN_MAX_DELAY_SECONDS = env_int("CASEBRIDGE_LOGIN_MAX_DELAY_SECONDS", 60)
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For).
CASEBRIDGE_TRUSTED_PROXIES = env_int("CASEBRIDGE_TRUSTED_PROXIES", 0)
CASEBRIDGE_RCA_CALENDAR = os.environ.get("CASEBRIDGE_RCA_CALENDAR", "business-hours")

# --- Security ------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
#: Sent with every HTML page (ui.middleware.ContentSecurityPolicyMiddleware): scripts, styles,
#: fonts and requests from this server only, never inline; data: images (Swagger UI's icons);
#: no plugins, no <base>, forms post here, no framing.
CASEBRIDGE_CONTENT_SECURITY_POLICY = os.environ.get(
    "CASEBRIDGE_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CASEBRIDGE_MAX_REQUEST_BYTES", 5 * 1024 * 1024)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CASEBRIDGE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- API -----------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = CASEBRIDGE_API_PAGE_SIZE
NINJA_PAGINATION_MAX_LIMIT = env_int("CASEBRIDGE_API_MAX_PAGE_SIZE", 200)
