"""The site: settings, URLs, the ASGI application, the Celery application, the server's workers.

The Celery application (bugsink/celery.py) is created by the settings, not here: the gunicorn
master imports this package for its worker class only (bugsink/gunicorn_worker.py), and should
not load Celery. `celery -A bugsink` still finds the application in bugsink/celery.py.
"""
