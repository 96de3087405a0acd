"""Haven settings: one module, read from HAVEN_* environment variables.

Secrets may also be given as files (``HAVEN_SECRET_KEY_FILE``), so container secret mounts work.
``HAVEN_ENV`` is ``production`` (the default), ``development`` (``make run``) or ``test``;
only development and test may invent missing secrets, and they keep them under ``var/``.
"""

from __future__ import annotations

import json
import os
import secrets
import zoneinfo
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Pure parsers, and who sends reports; haven.triage.rules needs no settings to import
# (tests/test_triage_settings.py).
from haven.core.parsing import parse_text_map
from haven.triage.rules import (
    Audience,
    Target,
    parse_bank_holidays,
    parse_time_targets,
    parse_triage_bands,
)

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


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more, not {number}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    """NAME as a comma-separated list. Unlike text, a list set to "" is empty, not the default:
    ``HAVEN_ANONYMOUS_AUDIENCES=`` means nobody may report without contact details."""
    value = os.environ.get(name)
    text = default if value is None else value
    return [item.strip() for item in text.split(",") if item.strip()]


def envurl(name: str, default: str) -> str:
    """A web address other services' pages are reached by: http or https, nothing else."""
    value = envstr(name, default)
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise ImproperlyConfigured(f"{name} must be a web address starting https://, not {value!r}")
    return value


def envphone(name: str, default: str) -> str:
    """A phone number people can read and tap: digits and spaces, an optional leading +."""
    value = envstr(name, default)
    digits = value.removeprefix("+").replace(" ", "")
    if not digits.isascii() or not digits.isdigit():
        raise ImproperlyConfigured(
            f"{name} must be a phone number such as 0800 1111, not {value!r}"
        )
    return value


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
    "django_tasks",
    "django_tasks_db",
    "haven.core",
    "haven.audit",
    "haven.sealing",
    "haven.reporting",
    "haven.triage",
    "haven.cases",
    "haven.linking",
    "haven.referrals",
    "haven.staff",
    "haven.partners",
    "haven.accounts",
    "haven.notify",
    "haven.devtools",
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
    # Inside every middleware that sets a header, so the 405 page it renders keeps them all.
    "haven.core.middleware.MethodNotAllowedMiddleware",
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
            # The staff menu comes from the staff app: core knows nothing of roles.
            "context_processors": ["haven.core.jinja.context", "haven.staff.navigation.context"],
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
    # Connections are kept for a minute, and checked before a kept one is used again: without
    # the check, the first request after a database restart failed with a server error.
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    }
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
    "haven.accounts.backends.StaffPasswordBackend",
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:queue"  # accounts.views.home_for decides, by role

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "haven" / "locale"]
TIME_ZONE = envstr("HAVEN_TIME_ZONE", "Europe/London")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as _exc:
    raise ImproperlyConfigured(
        f"HAVEN_TIME_ZONE must be a time zone name such as Europe/London, not {TIME_ZONE!r}"
    ) from _exc
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
SECURE_HSTS_SECONDS = envint("HAVEN_HSTS_SECONDS", 31536000 if IS_PRODUCTION else 0, minimum=0)
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
HAVEN_STAFF_SESSION_SECONDS = envint("HAVEN_STAFF_SESSION_SECONDS", 12 * 60 * 60, minimum=60)
HAVEN_STAFF_IDLE_SECONDS = envint("HAVEN_STAFF_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_COOKIE_AGE = HAVEN_STAFF_SESSION_SECONDS
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
# A session cookie: nothing Haven sets may outlive the browser on a shared device (Django's
# default is a year). Finishing or leaving a report deletes it with the draft's cookie.
CSRF_COOKIE_AGE = None
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

HAVEN_LOG_LEVEL = envstr("HAVEN_LOG_LEVEL", "INFO").upper()
if HAVEN_LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"HAVEN_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {HAVEN_LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Query strings can hold what staff searched for (/staff/audit/?reference=...): the
    # development server's request lines are logged without them (gunicorn's access log leaves
    # them out through its format, in gunicorn.conf.py).
    "filters": {"no_query_strings": {"()": "haven.core.request_logs.DropQueryStrings"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": HAVEN_LOG_LEVEL},
    # Request paths carry no personal data (journey URLs hold none), but the default 4xx/5xx
    # warnings can echo request details; keep them at ERROR.
    # django-axes logs the username and address of every failed sign-in; the audit trail
    # records failures and lockouts without them.
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "ERROR"},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["no_query_strings"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# --- The service ---------------------------------------------------------------------------
HAVEN_SERVICE_NAME = envstr("HAVEN_SERVICE_NAME", "Report online child sexual abuse")
HAVEN_ORGANISATION_NAME = envstr("HAVEN_ORGANISATION_NAME", "Haven")
HAVEN_EMERGENCY_NUMBER = envphone("HAVEN_EMERGENCY_NUMBER", "999")
HAVEN_HELPLINE_NAME = envstr("HAVEN_HELPLINE_NAME", "NSPCC helpline")
HAVEN_HELPLINE_PHONE = envphone("HAVEN_HELPLINE_PHONE", "0808 800 5000")
HAVEN_HELPLINE_URL = envurl(
    "HAVEN_HELPLINE_URL",
    "https://www.nspcc.org.uk/keeping-children-safe/our-services/nspcc-helpline/",
)
HAVEN_CHILDLINE_PHONE = envphone("HAVEN_CHILDLINE_PHONE", "0800 1111")
# Where the pages send people for help Haven does not give (docs/CONFIGURATION.md).
HAVEN_CHILDLINE_URL = envurl("HAVEN_CHILDLINE_URL", "https://www.childline.org.uk/")
HAVEN_REPORT_REMOVE_URL = envurl(
    "HAVEN_REPORT_REMOVE_URL",
    "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/report-remove/",
)
HAVEN_IWF_URL = envurl("HAVEN_IWF_URL", "https://report.iwf.org.uk/")
HAVEN_REPORT_HARMFUL_CONTENT_URL = envurl(
    "HAVEN_REPORT_HARMFUL_CONTENT_URL", "https://reportharmfulcontent.com/"
)
HAVEN_ACTION_FRAUD_URL = envurl("HAVEN_ACTION_FRAUD_URL", "https://www.actionfraud.police.uk/")
HAVEN_POLICE_NON_EMERGENCY_NUMBER = envphone("HAVEN_POLICE_NON_EMERGENCY_NUMBER", "101")
HAVEN_NAPAC_URL = envurl("HAVEN_NAPAC_URL", "https://napac.org.uk/")
HAVEN_NAPAC_PHONE = envphone("HAVEN_NAPAC_PHONE", "0808 801 0331")
HAVEN_REVENGE_PORN_HELPLINE_URL = envurl(
    "HAVEN_REVENGE_PORN_HELPLINE_URL", "https://revengepornhelpline.org.uk/"
)
HAVEN_REVENGE_PORN_HELPLINE_PHONE = envphone("HAVEN_REVENGE_PORN_HELPLINE_PHONE", "0345 6000 459")
HAVEN_EXIT_URL = envurl("HAVEN_EXIT_URL", "https://www.bbc.co.uk/weather")
HAVEN_REFERENCE_PREFIX = envstr("HAVEN_REFERENCE_PREFIX", "HVN")
# A reference is at most 24 characters: the prefix, a dash and nine more (XXXX-XXXX).
if (
    not (1 <= len(HAVEN_REFERENCE_PREFIX) <= 14)
    or not HAVEN_REFERENCE_PREFIX.isascii()
    or not HAVEN_REFERENCE_PREFIX.isalnum()
):
    raise ImproperlyConfigured(
        f"HAVEN_REFERENCE_PREFIX must be 1 to 14 letters or digits, not {HAVEN_REFERENCE_PREFIX!r}"
    )
# Audiences who may send a report without contact details (the follow-up code is then the way
# back). Default: everyone.
AUDIENCES = tuple(Audience.values)
HAVEN_ANONYMOUS_AUDIENCES = envlist("HAVEN_ANONYMOUS_AUDIENCES", ",".join(AUDIENCES))
for _audience in HAVEN_ANONYMOUS_AUDIENCES:
    if _audience not in AUDIENCES:
        raise ImproperlyConfigured(
            f"HAVEN_ANONYMOUS_AUDIENCES: unknown audience {_audience!r}; use {', '.join(AUDIENCES)}"
        )
HAVEN_DRAFT_IDLE_SECONDS = envint("HAVEN_DRAFT_IDLE_SECONDS", 60 * 60, minimum=1)
# Checking on a report with its reference and follow-up code (reporting/checking.py): wrong
# tries allowed per reference and per client address in each window, and how long a visit
# after an accepted check lasts unused.
HAVEN_CHECK_FAILURES_PER_REFERENCE = envint("HAVEN_CHECK_FAILURES_PER_REFERENCE", 5, minimum=1)
HAVEN_CHECK_FAILURES_PER_ADDRESS = envint("HAVEN_CHECK_FAILURES_PER_ADDRESS", 20, minimum=1)
HAVEN_CHECK_WINDOW_SECONDS = envint("HAVEN_CHECK_WINDOW_SECONDS", 60 * 60, minimum=60)
HAVEN_CHECK_IDLE_SECONDS = envint("HAVEN_CHECK_IDLE_SECONDS", 15 * 60, minimum=60)
# How often the background worker deletes the drafts that have been idle too long.
HAVEN_DRAFT_PURGE_SECONDS = envint("HAVEN_DRAFT_PURGE_SECONDS", 5 * 60, minimum=10)
HAVEN_SUBMISSIONS_PER_WINDOW = envint("HAVEN_SUBMISSIONS_PER_WINDOW", 5, minimum=1)
HAVEN_SUBMISSION_WINDOW_SECONDS = envint("HAVEN_SUBMISSION_WINDOW_SECONDS", 60 * 60, minimum=1)
HAVEN_MIN_FILL_SECONDS = envint("HAVEN_MIN_FILL_SECONDS", 20, minimum=0)
# How many reverse proxies sit in front of the app; the client address is then taken from
# X-Forwarded-For, counting from the right. 0 means REMOTE_ADDR.
HAVEN_TRUSTED_PROXY_COUNT = envint("HAVEN_TRUSTED_PROXY_COUNT", 0, minimum=0)
# Key pairs for sealing reports: public halves (*.public) and, only where staff open reports,
# private halves (*.private). See docs/KEYS.md.
HAVEN_KEY_DIR = Path(envstr("HAVEN_KEY_DIR", str(VAR_DIR / "keys")))

# --- Triage --------------------------------------------------------------------------------------
# Parsed here, so a mistyped date, band or target stops the server at start-up instead of being
# ignored; haven.triage.services reads the parsed values (docs/CONFIGURATION.md, "Triage").


_Parsed = TypeVar("_Parsed")


def envparsed(name: str, parse: Callable[[str], _Parsed]) -> _Parsed:
    try:
        return parse(envstr(name))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from exc


# Days that are not working days, besides Saturdays and Sundays: comma-separated ISO dates.
HAVEN_BANK_HOLIDAYS = envparsed("HAVEN_BANK_HOLIDAYS", parse_bank_holidays)
# Overrides of the first-read, threshold-decision and first-contact targets per band (JSON).
HAVEN_TIME_TARGETS = envparsed("HAVEN_TIME_TARGETS", parse_time_targets)
# The organisation's own words for the starting messages to a reporter (JSON: {"read": "…"}).
# The names are staff/message_templates.py's (a test holds the two together).
MESSAGE_TEMPLATE_NAMES = ("read", "question", "next", "closing")
HAVEN_MESSAGE_TEMPLATES = envparsed(
    "HAVEN_MESSAGE_TEMPLATES", lambda text: parse_text_map(text, names=MESSAGE_TEMPLATE_NAMES)
)
# Overrides of the band each triage rule raises a report to (JSON).
HAVEN_TRIAGE_BANDS = envparsed("HAVEN_TRIAGE_BANDS", parse_triage_bands)

# --- Four-eyes approvals -------------------------------------------------------------------------
# The changes a second person (a supervisor) must approve before they are made; every one is on
# unless switched off, as JSON: {"lower_priority": false}. The kinds are cases.models.ApprovalKind.
APPROVAL_KINDS = ("close_below_threshold", "lower_priority", "close_p1_p2")


def parse_approvals(text: str) -> dict[str, bool]:
    approvals = dict.fromkeys(APPROVAL_KINDS, True)
    if not text.strip():
        return approvals
    try:
        overrides = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from exc
    if not isinstance(overrides, dict):
        raise ValueError('must be an object such as {"lower_priority": false}')
    for kind, needed in overrides.items():
        if kind not in approvals:
            raise ValueError(f"unknown approval {kind!r} (they are {', '.join(APPROVAL_KINDS)})")
        if not isinstance(needed, bool):
            raise ValueError(f"{kind} must be true or false, not {needed!r}")
        approvals[kind] = needed
    return approvals


HAVEN_APPROVALS = envparsed("HAVEN_APPROVALS", parse_approvals)

# --- Referrals to partner agencies --------------------------------------------------------------
# Which referrals a supervisor approves before they are sent: all, not_p1 (a P1 case's referral
# goes at once, and a supervisor reviews it afterwards) or none.
HAVEN_REFERRAL_APPROVAL = envstr("HAVEN_REFERRAL_APPROVAL", "not_p1")
if HAVEN_REFERRAL_APPROVAL not in ("all", "not_p1", "none"):
    raise ImproperlyConfigured("HAVEN_REFERRAL_APPROVAL must be all, not_p1 or none")


def parse_acknowledge_targets(text: str) -> dict[str, Target]:
    """How soon an agency acknowledges a referral: {"urgent": "4h", "standard": "1wd"}, either
    left out keeping its default (Working Together 2023: one working day)."""
    targets = {"urgent": Target.parse("4h"), "standard": Target.parse("1wd")}
    if not text.strip():
        return targets
    try:
        given = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from exc
    if not isinstance(given, dict):
        raise ValueError('must be an object such as {"urgent": "2h"}')
    for name, value in given.items():
        if name not in targets:
            raise ValueError(f"unknown target {name!r} (they are urgent, standard)")
        targets[name] = Target.parse(value)
    return targets


HAVEN_REFERRAL_ACKNOWLEDGE = envparsed("HAVEN_REFERRAL_ACKNOWLEDGE", parse_acknowledge_targets)

# --- Staff sign-in: throttling, lockout, second factor ------------------------------------------
# A username tried from one address is locked out after this many wrong passwords in a row, for
# this long. Further attempts while locked out do not extend it, so an attacker cannot keep
# a colleague out for ever.
AXES_FAILURE_LIMIT = envint("HAVEN_SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=envint("HAVEN_SIGN_IN_LOCKOUT_SECONDS", 30 * 60, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Successful sign-ins are in the audit trail; axes need not keep its own log of them.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "haven.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "haven.accounts.sessions.client_address"
# Any text typed as a username is counted; one no account can have is kept as its digest.
AXES_USERNAME_CALLABLE = "haven.accounts.services.axes_username"
AXES_HTTP_RESPONSE_CODE = 429

OTP_TOTP_ISSUER = HAVEN_ORGANISATION_NAME
# Wrong second-factor codes are throttled by haven.accounts.throttle: a wait of 1, 2, 4 ...
# seconds per account and address, never longer than this; and at most this many wrong app
# codes in this window per account from browsers it does not know, and as many again per
# browser that has passed its second factor within the device lifetime (its device cookie).
# docs/SECURITY.md has the arithmetic.
HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS = envint("HAVEN_SECOND_FACTOR_MAX_WAIT_SECONDS", 60, minimum=1)
HAVEN_SECOND_FACTOR_FAILURE_LIMIT = envint("HAVEN_SECOND_FACTOR_FAILURE_LIMIT", 10, minimum=1)
HAVEN_SECOND_FACTOR_WINDOW_SECONDS = envint(
    "HAVEN_SECOND_FACTOR_WINDOW_SECONDS", 24 * 60 * 60, minimum=1
)
HAVEN_SECOND_FACTOR_DEVICE_SECONDS = envint(
    "HAVEN_SECOND_FACTOR_DEVICE_SECONDS", 90 * 24 * 60 * 60, minimum=1
)
# django-otp's own throttling doubles the wait without end, so that someone who knows a
# password could keep its owner out for days: it is off, and Haven's throttle replaces it.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
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
HAVEN_RECOVERY_CODES = envint("HAVEN_RECOVERY_CODES", 10, minimum=1)

# --- The audit trail's checkpoints -------------------------------------------------------------
# Signed checkpoints of the audit chain's head are appended to a file outside the database, so
# that removing the newest events and moving the head back is found by verify_audit_chain even
# when done by a database superuser (docs/SECURITY.md, "The audit trail"). The key signs them
# (HMAC-SHA256) and is never in the database.
HAVEN_AUDIT_CHECKPOINT_KEY = secret("HAVEN_AUDIT_CHECKPOINT_KEY")
if len(HAVEN_AUDIT_CHECKPOINT_KEY) < 32:
    raise ImproperlyConfigured("HAVEN_AUDIT_CHECKPOINT_KEY must be at least 32 characters")
HAVEN_AUDIT_CHECKPOINT_FILE = Path(
    envstr("HAVEN_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.log"))
)
if not HAVEN_AUDIT_CHECKPOINT_FILE.is_absolute():
    raise ImproperlyConfigured("HAVEN_AUDIT_CHECKPOINT_FILE must be an absolute path")
# A checkpoint of a commit's newest audit event after every commit that crossed a multiple of
# this; 0: none, and only checkpoint_audit_chain (run every minute) writes them.
HAVEN_AUDIT_CHECKPOINT_EVERY = envint("HAVEN_AUDIT_CHECKPOINT_EVERY", 1, minimum=0)

# --- Notices: telling someone there is something new, with no content (haven.notify) ----------
# console (a file under var/, nothing sent; the default outside production, refused in it),
# smtp (email through EMAIL_* below; the default in production) or govuk_notify (GOV.UK
# Notify: HAVEN_NOTIFY_API_KEY and template ids).
HAVEN_NOTIFIER = envstr("HAVEN_NOTIFIER", "smtp" if IS_PRODUCTION else "console")
if HAVEN_NOTIFIER not in ("console", "smtp", "govuk_notify"):
    raise ImproperlyConfigured("HAVEN_NOTIFIER must be console, smtp or govuk_notify")
if IS_PRODUCTION and HAVEN_NOTIFIER == "console":
    raise ImproperlyConfigured(
        "HAVEN_NOTIFIER=console sends nothing: production needs smtp or govuk_notify"
    )
HAVEN_NOTICE_FILE = Path(envstr("HAVEN_NOTICE_FILE", str(VAR_DIR / "notices.log")))
# The words of a notice. By default they name nothing of what the service is about: the phone
# or inbox of a child may be read by the person harming them (issue 8, section 4).
HAVEN_NOTICE_SUBJECT = envstr("HAVEN_NOTICE_SUBJECT", "An update")
HAVEN_NOTICE_REPORTER_TEXT = envstr(
    "HAVEN_NOTICE_REPORTER_TEXT",
    "There is an update about your report. Check it with your reference and code.",
)
HAVEN_NOTICE_ADVISOR_TEXT = envstr(
    "HAVEN_NOTICE_ADVISOR_TEXT", "There is a reply on a case you hold. Sign in to read it."
)
HAVEN_NOTICE_PARTNER_TEXT = envstr(
    "HAVEN_NOTICE_PARTNER_TEXT", "There is a referral for your team. Sign in to read it."
)
HAVEN_NOTICE_ADVISOR_REFERRAL_TEXT = envstr(
    "HAVEN_NOTICE_ADVISOR_REFERRAL_TEXT",
    "There is news of a referral you made. Sign in to read it.",
)
_notify_key_file = envstr("HAVEN_NOTIFY_API_KEY_FILE")
HAVEN_NOTIFY_API_KEY = (
    Path(_notify_key_file).read_text().strip()
    if _notify_key_file
    else envstr("HAVEN_NOTIFY_API_KEY")
)
HAVEN_NOTIFY_TEMPLATE_REPORTER_EMAIL = envstr("HAVEN_NOTIFY_TEMPLATE_REPORTER_EMAIL")
HAVEN_NOTIFY_TEMPLATE_REPORTER_SMS = envstr("HAVEN_NOTIFY_TEMPLATE_REPORTER_SMS")
HAVEN_NOTIFY_TEMPLATE_ADVISOR_EMAIL = envstr("HAVEN_NOTIFY_TEMPLATE_ADVISOR_EMAIL")
HAVEN_NOTIFY_TEMPLATE_PARTNER_EMAIL = envstr("HAVEN_NOTIFY_TEMPLATE_PARTNER_EMAIL")
HAVEN_NOTIFY_TEMPLATE_ADVISOR_REFERRAL_EMAIL = envstr(
    "HAVEN_NOTIFY_TEMPLATE_ADVISOR_REFERRAL_EMAIL"
)
if HAVEN_NOTIFIER == "govuk_notify" and not HAVEN_NOTIFY_API_KEY:
    raise ImproperlyConfigured(
        "HAVEN_NOTIFIER=govuk_notify needs HAVEN_NOTIFY_API_KEY (or HAVEN_NOTIFY_API_KEY_FILE)"
    )
# Email for the smtp notifier: Django's own settings, from the environment.
EMAIL_HOST = envstr("HAVEN_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("HAVEN_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = envstr("HAVEN_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("HAVEN_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("HAVEN_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = envint("HAVEN_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = envstr("HAVEN_EMAIL_FROM", "no-reply@localhost")

# --- Background work (django-tasks, with its database backend: no other server) ---------------
# Tasks are rows in the database, written in the transaction of the change that needs them, and
# run by `manage.py db_worker` (make run starts one beside the server). A task holds ids, never
# personal data: a notice's address is unsealed by the worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
