"""Haven settings: one module, read from HAVEN_* environment variables.

Secrets may also be given as files (``HAVEN_SECRET_KEY_FILE``), so container secret mounts work.
``HAVEN_ENV`` is ``production`` (the default), ``development`` (``make run``) or ``test``;
only development and test may invent missing secrets, and they keep them under ``var/``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    """NAME's value; an empty value counts as unset, so ``HAVEN_X=`` never blanks a default."""
    return os.environ.get(name) or default


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


HAVEN_ENV = envstr("HAVEN_ENV", "production")
if HAVEN_ENV not in ("production", "development", "test"):
    raise ImproperlyConfigured("HAVEN_ENV must be production, development or test")
IS_PRODUCTION = HAVEN_ENV == "production"

VAR_DIR = Path(envstr("HAVEN_VAR_DIR", str(BASE_DIR / "var")))


def secret(name: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE.

    Outside production a missing secret is generated once and kept in var/dev-secrets/, so a
    fresh clone runs with no set-up; production refuses to start without it.
    """
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if path:
        value = Path(path).read_text().strip()
    if value:
        return value
    if IS_PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production")
    store = VAR_DIR / "dev-secrets"
    store.mkdir(parents=True, exist_ok=True)
    file = store / name.lower()
    if not file.exists():
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return file.read_text().strip()


SECRET_KEY = secret("HAVEN_SECRET_KEY")
# Keys the follow-up code verifier (HMAC-SHA256): without it a stolen database cannot even be
# used to test guesses of a code.
HAVEN_RECEIPT_KEY = secret("HAVEN_RECEIPT_KEY")
# Keys the pseudonymous client-address buckets used by the submission rate limit.
HAVEN_RATE_LIMIT_KEY = secret("HAVEN_RATE_LIMIT_KEY")
# Keys the blind indexes of identifiers in reports (usernames, email addresses, phone numbers,
# links; haven.linking): without it a copy of the database cannot be searched for a guessed one.
HAVEN_INDEX_KEY = secret("HAVEN_INDEX_KEY")

DEBUG = envbool("HAVEN_DEBUG", False)
ALLOWED_HOSTS = envlist(
    "HAVEN_ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,testserver"
)
CSRF_TRUSTED_ORIGINS = envlist("HAVEN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "haven.core",
    "haven.audit",
    "haven.sealing",
    "haven.reporting",
    "haven.triage",
    "haven.cases",
    "haven.linking",
    "haven.staff",
    "haven.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "haven.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "haven" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "haven.core.jinja.environment",
            "context_processors": ["haven.core.jinja.context"],
        },
    },
    {
        # Django's own template engine is kept only for the admin-less contrib views that need it.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

_database_url = envstr("HAVEN_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": envstr("HAVEN_SQLITE_PATH", str(VAR_DIR / "haven.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE: a transaction takes the write lock when it starts, so two
                # submissions or two audit appends queue instead of failing half-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first: new and changed passwords use it; older hashes are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes first: it refuses a locked-out username and address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:reports"

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "haven" / "locale"]
TIME_ZONE = envstr("HAVEN_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    # Outside production WhiteNoise serves from the apps' folders; it still wants the root.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Security headers. Every response carries these; NoStoreMiddleware adds Cache-Control.
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("HAVEN_SSL_REDIRECT", IS_PRODUCTION)
SECURE_HSTS_SECONDS = envint("HAVEN_HSTS_SECONDS", 31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_HSTS_PRELOAD = envbool("HAVEN_HSTS_PRELOAD", IS_PRODUCTION)
if envbool("HAVEN_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_COOKIES = envbool("HAVEN_SECURE_COOKIES", IS_PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
# A staff session ends 12 hours after sign-in whatever happens, and after 30 minutes without a
# request (haven.accounts.middleware.StaffSessionMiddleware enforces both).
HAVEN_STAFF_SESSION_SECONDS = envint("HAVEN_STAFF_SESSION_SECONDS", 12 * 60 * 60)
HAVEN_STAFF_IDLE_SECONDS = envint("HAVEN_STAFF_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = HAVEN_STAFF_SESSION_SECONDS
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "haven.core.views.csrf_failure"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("HAVEN_LOG_LEVEL", "INFO")},
    # Request lines carry no personal data (journey URLs hold none), but the default 4xx/5xx
    # warnings can echo request details; keep them at ERROR.
    # django-axes logs the username and address of every failed sign-in; the audit trail
    # records failures and lockouts without them.
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "ERROR"}},
}

# --- The service ---------------------------------------------------------------------------
HAVEN_SERVICE_NAME = envstr("HAVEN_SERVICE_NAME", "Report online child sexual abuse")
HAVEN_ORGANISATION_NAME = envstr("HAVEN_ORGANISATION_NAME", "Haven")
HAVEN_EMERGENCY_NUMBER = envstr("HAVEN_EMERGENCY_NUMBER", "999")
HAVEN_HELPLINE_NAME = envstr("HAVEN_HELPLINE_NAME", "NSPCC helpline")
HAVEN_HELPLINE_PHONE = envstr("HAVEN_HELPLINE_PHONE", "0808 800 5000")
HAVEN_HELPLINE_URL = envstr(
    "HAVEN_HELPLINE_URL",
    "https://www.nspcc.org.uk/keeping-children-safe/our-services/nspcc-helpline/",
)
HAVEN_CHILDLINE_PHONE = envstr("HAVEN_CHILDLINE_PHONE", "0800 1111")
HAVEN_EXIT_URL = envstr("HAVEN_EXIT_URL", "https://www.bbc.co.uk/weather")
HAVEN_REFERENCE_PREFIX = envstr("HAVEN_REFERENCE_PREFIX", "HVN")
# Audiences who may send a report without contact details (the follow-up code is then the way
# back). Default: everyone.
HAVEN_ANONYMOUS_AUDIENCES = envlist(
    "HAVEN_ANONYMOUS_AUDIENCES", "child,parent,member_of_public,professional"
)
HAVEN_DRAFT_IDLE_SECONDS = envint("HAVEN_DRAFT_IDLE_SECONDS", 60 * 60)
HAVEN_SUBMISSIONS_PER_WINDOW = envint("HAVEN_SUBMISSIONS_PER_WINDOW", 5)
HAVEN_SUBMISSION_WINDOW_SECONDS = envint("HAVEN_SUBMISSION_WINDOW_SECONDS", 60 * 60)
HAVEN_MIN_FILL_SECONDS = envint("HAVEN_MIN_FILL_SECONDS", 20)
# How many reverse proxies sit in front of the app; the client address is then taken from
# X-Forwarded-For, counting from the right. 0 means REMOTE_ADDR.
HAVEN_TRUSTED_PROXY_COUNT = envint("HAVEN_TRUSTED_PROXY_COUNT", 0)
# Key pairs for sealing reports: public halves (*.public) and, only where staff open reports,
# private halves (*.private). See docs/KEYS.md.
HAVEN_KEY_DIR = Path(envstr("HAVEN_KEY_DIR", str(VAR_DIR / "keys")))

# --- Staff sign-in: throttling, lockout, second factor ------------------------------------------
# A username tried from one address is locked out after this many wrong passwords in a row, for
# this long. Further attempts while locked out do not extend it, so an attacker cannot keep
# a colleague out for ever.
AXES_FAILURE_LIMIT = envint("HAVEN_SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(seconds=envint("HAVEN_SIGN_IN_LOCKOUT_SECONDS", 30 * 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Successful sign-ins are in the audit trail; axes need not keep its own log of them.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "haven.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "haven.accounts.services.client_address"
AXES_HTTP_RESPONSE_CODE = 429

OTP_TOTP_ISSUER = HAVEN_ORGANISATION_NAME
# Wrong codes make the next attempt wait 1, 2, 4, 8 ... seconds (django-otp's throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Passkeys are a second factor after the password, never a way to sign in without one.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = HAVEN_ORGANISATION_NAME
# The relying party is the host staff use (checked against ALLOWED_HOSTS), unless set here; the
# origins likewise (see haven.accounts.passkeys).
HAVEN_WEBAUTHN_RP_ID = envstr("HAVEN_WEBAUTHN_RP_ID")
HAVEN_WEBAUTHN_ORIGINS = envlist("HAVEN_WEBAUTHN_ORIGINS")
OTP_WEBAUTHN_RP_ID_CALLABLE = "haven.accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "haven.accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOWED_ORIGINS = HAVEN_WEBAUTHN_ORIGINS
if not HAVEN_WEBAUTHN_ORIGINS:
    # Haven's helper takes the origin from the request when none is configured.
    SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]
# How many one-time recovery codes a person is given at a time.
HAVEN_RECOVERY_CODES = envint("HAVEN_RECOVERY_CODES", 10)
