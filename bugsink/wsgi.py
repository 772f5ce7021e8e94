"""The Django site as a WSGI application; bugsink/asgi.py serves it in a pool of threads.

The ingest endpoints are not part of it: they are a bare ASGI application (see bugsink/asgi.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
application = get_wsgi_application()
