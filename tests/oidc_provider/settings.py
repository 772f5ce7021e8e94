"""A real OpenID Provider for the single sign-on tests: django-oauth-toolkit in OIDC mode, run
by the test in a process of its own (`python -m django runserver`).

Everything it needs comes from one JSON file the test writes (TEST_OP_CONFIG): the RSA key the
test generated, the database path, the clients and the users with their claims. The users'
claims are read again at every token and userinfo request, so a test changes a user's groups
by rewriting the file.
"""

import json
import os
from pathlib import Path

CONFIG_PATH = Path(os.environ["TEST_OP_CONFIG"])
CONFIG = json.loads(CONFIG_PATH.read_text())

SECRET_KEY = CONFIG["secret_key"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.oidc_provider.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "tests.oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["database"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
LOGIN_URL = "/login/"
# The provider's session cookie must not be confused with the tracker's (both on 127.0.0.1).
SESSION_COOKIE_NAME = "op_sessionid"
CSRF_COOKIE_NAME = "op_csrftoken"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": CONFIG["rsa_private_key"],
    "PKCE_REQUIRED": True,  # refuses a client that does not send PKCE
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.validator.ClaimsFromConfig",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name and username",
        "email": "Your email address",
        "groups": "Your groups",
    },
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "REQUEST_APPROVAL_PROMPT": "force",  # the consent page at every sign-in
}
