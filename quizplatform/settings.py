"""Settings for the quiz platform, driven by environment variables (see README.md).

Development defaults are safe on a laptop; production (QUIZ_ENV=production) refuses to start
without a secret key and allowed hosts, and never creates demo users.
"""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from quizplatform.env import envbool, envint, envlist, envstr
from quizplatform.mailconfig import email_settings

# Django's generic classes (ModelAdmin[Submission], QuerySet[Item]) subscriptable at run time, as
# their types (django-stubs, mypy in `make lint`) are.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("QUIZ_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file and logs live here

QUIZ_ENV = envstr("QUIZ_ENV", "development")
PRODUCTION = QUIZ_ENV == "production"
DEMO_MODE = envbool("QUIZ_DEMO", not PRODUCTION)
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured("QUIZ_DEMO cannot be on under production settings")

DEBUG = envbool("DJANGO_DEBUG", not PRODUCTION)
SECRET_KEY = envstr("DJANGO_SECRET_KEY", "" if PRODUCTION else "dev-only-insecure-key-change-me")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "accounts",
    "exercises",
    "authoring",
    "dashboard",
    "integrity",
    "exams",
    "lti",
    "onboarding",
]

MIDDLEWARE = [
    "lti.middleware.PartitionedCookiesMiddleware",
    "quizplatform.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "quizplatform.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "exams.middleware.ExamMiddleware",
    "lti.middleware.LtiFramingMiddleware",
]

ROOT_URLCONF = "quizplatform.urls"
WSGI_APPLICATION = "quizplatform.wsgi.application"

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
                "dashboard.context_processors.staff",
            ],
        },
    },
]

# SQLite under var/ by default; PostgreSQL (or any database) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=envint("DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write the same file: WAL lets readers go on during a write,
    # IMMEDIATE transactions take the write lock up front instead of failing half way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

AUTH_USER_MODEL = "accounts.User"
# Log in with a username or an email address (one account per address).
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "exercises:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]  # static/build/: the editor bundle made by scripts/install.sh
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: a submission is source code or a text answer; nothing legitimate is larger.
QUIZ_MAX_CODE_BYTES = envint("QUIZ_MAX_CODE_BYTES", 64 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = QUIZ_MAX_CODE_BYTES * 4
# No form takes files: refuse them outright rather than spooling them to disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
# Submissions per user and minute, over the pages and the API alike (counted in the database, so
# every web process sees the same count); the API's throttle is a second, cheaper gate.
QUIZ_SUBMISSIONS_PER_MINUTE = envint("QUIZ_SUBMISSIONS_PER_MINUTE", 10)
# Free example runs (not graded) per user and minute (exercises.workspace).
QUIZ_EXAMPLE_RUNS_PER_MINUTE = envint("QUIZ_EXAMPLE_RUNS_PER_MINUTE", 6)
# Failed logins (pages and API token) before a username, or an address, has to wait.
QUIZ_LOGIN_FAILURES_PER_USER = envint("QUIZ_LOGIN_FAILURES_PER_USER", 5)
QUIZ_LOGIN_FAILURES_PER_IP = envint("QUIZ_LOGIN_FAILURES_PER_IP", 30)
QUIZ_LOGIN_LOCKOUT_SECONDS = envint("QUIZ_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# A submission that a worker took this many times without finishing (the worker died each time)
# gets a final status instead of killing workers for ever.
QUIZ_MAX_GRADE_TRIES = envint("QUIZ_MAX_GRADE_TRIES", 3)
# The sweeper sends a queued submission again when its message is this old (a Redis restart
# without its append-only file, a lost message); above the visibility timeout so a message
# that is merely waiting in a long queue is not duplicated every round (duplicates are harmless:
# the claim lets only one through).
QUIZ_REQUEUE_AFTER_SECONDS = envint("QUIZ_REQUEUE_AFTER_SECONDS", 900)

# Throttle counters (API throttles, failed logins) must be shared by every web process in
# production: Redis there (CACHE_URL), a per-process memory cache for development and tests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": envstr("CACHE_URL", "")}
    if envstr("CACHE_URL", "")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Exam mode (exams/) ---------------------------------------------------------------------------
# The header our own reverse proxy sets with the client's address (e.g. X-Forwarded-For; its
# rightmost entry is used). Empty: REMOTE_ADDR, the right choice when clients reach gunicorn directly.
QUIZ_TRUSTED_PROXY_HEADER = envstr("QUIZ_TRUSTED_PROXY_HEADER", "")
# After a student's deadline, the browser's last text is still taken this long (the network's delay);
# the sweeper submits the drafts of those whose browser did not come once it has passed.
QUIZ_EXAM_GRACE_SECONDS = envint("QUIZ_EXAM_GRACE_SECONDS", 20)

CONTENT_DIR = Path(envstr("QUIZ_CONTENT_DIR", str(BASE_DIR / "content")))

# --- Email, invitations, password reset (see quizplatform/mailconfig.py and README.md) ---------
_email = email_settings(production=PRODUCTION, var_dir=VAR_DIR)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]  # files under var/mail/ in development, SMTP in production
EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Deep Learning Quiz <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
# Links in mails point here when set (behind a proxy that rewrites the host), else to the host
# of the request that sent them.
QUIZ_SITE_URL = envstr("QUIZ_SITE_URL", "")
PASSWORD_RESET_TIMEOUT = envint("QUIZ_PASSWORD_RESET_HOURS", 24) * 3600
QUIZ_INVITATION_DAYS = envint("QUIZ_INVITATION_DAYS", 14)
# Reset requests: per requesting address and per email address, in a sliding window.
QUIZ_RESET_REQUESTS_PER_IP = envint("QUIZ_RESET_REQUESTS_PER_IP", 10)
QUIZ_RESET_REQUESTS_PER_ADDRESS = envint("QUIZ_RESET_REQUESTS_PER_ADDRESS", 3)
QUIZ_RESET_WINDOW_SECONDS = envint("QUIZ_RESET_WINDOW_SECONDS", 3600)
QUIZ_ROSTER_MAX_ROWS = envint("QUIZ_ROSTER_MAX_ROWS", 2000)
QUIZ_ROSTER_MAX_BYTES = envint("QUIZ_ROSTER_MAX_BYTES", 200 * 1024)

# --- Security (production) --------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # the code editor page reads it to send API requests
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "exams.access.ExamAccessPermission",  # exam mode: the same access rules as the pages
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": envstr("QUIZ_TOKEN_RATE", "20/min"),
        "submit": envstr("QUIZ_SUBMIT_RATE", "30/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Quiz platform API",
    "DESCRIPTION": "Submit answers and code to auto-graded items and read the feedback.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "redis://127.0.0.1:6389/0")
CELERY_RESULT_BACKEND = None  # results live in the database, not in Redis
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]  # never pickle
CELERY_TASK_DEFAULT_QUEUE = "grading"
CELERY_TASK_ROUTES = {
    "grader.grade_job": {"queue": "grading"},
    "exercises.tasks.record_job_event": {"queue": "results"},
}
# A grade is acknowledged only when it is done, so a worker that dies mid-grade leaves the
# message to be delivered again; the task itself is safe to run twice (it claims the row).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: a grade takes seconds, and prefetching would park
# submissions behind a busy process while another is idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged message after this long; above the longest grade (the hard
# limit below), or a slow grade would be handed to a second worker. It matters only when a whole
# worker dies: a dead pool process is noticed by its main process, which puts the message back at
# once. Kombu looks for overdue messages ~10 s after a worker starts, then every ~100 s, and the
# sweeper (requeue_stuck) covers a claim whose worker is gone, so nothing waits for ever.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 600)}
# The sandbox enforces per-item limits; these only catch a wedged harness.
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = envint("CELERY_HARD_TIME_LIMIT", 300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Off in tests that grade synchronously, never in production.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# --- LTI 1.3 (lti/) -------------------------------------------------------------------------------
# Scores go back to the LMS from a Celery task that needs the database and the tool's key: the
# queue of a process that has both (the recorder's, once grading workers hold no secrets).
LTI_QUEUE = envstr("LTI_QUEUE", "results")
# A score the LMS did not take is tried again after 2, 4, 8, 16 s (5 tries), then shown as failed.
LTI_SCORE_TRIES = envint("LTI_SCORE_TRIES", 5)
LTI_RETRY_BASE_SECONDS = envint("LTI_RETRY_BASE_SECONDS", 2)
# A pending score never queued (the broker was down) is queued again by the sweeper at its next
# round; one queued this long ago and never taken (its message lost) too.
LTI_RESEND_AFTER_SECONDS = envint("LTI_RESEND_AFTER_SECONDS", 300)
# Inside the LMS's iframe the site is a third party: its session and CSRF cookies must be
# SameSite=None (and therefore Secure, so HTTPS only) to reach it. On by default in production.
QUIZ_LTI_FRAMED = envbool("QUIZ_LTI_FRAMED", PRODUCTION)
if QUIZ_LTI_FRAMED:
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
