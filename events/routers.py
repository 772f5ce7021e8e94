"""On SQLite the ingest spool lives in a database file of its own.

SQLite has one write lock per database file. With the spool beside everything else, a digest
batch (a long write transaction) would make every ingest request wait; in its own file, ingest
writes never wait for digestion. PostgreSQL locks rows, so there the spool stays in the main
database and this router stays out of the way.
"""

from django.conf import settings

SPOOL_ALIAS = "spool"


def spool_database() -> str:
    return SPOOL_ALIAS if SPOOL_ALIAS in settings.DATABASES else "default"


def _is_spool_model(model) -> bool:
    return model._meta.app_label == "events" and model._meta.model_name == "rawevent"


class SpoolRouter:
    def db_for_read(self, model, **hints):
        return spool_database() if _is_spool_model(model) else None

    def db_for_write(self, model, **hints):
        return spool_database() if _is_spool_model(model) else None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if SPOOL_ALIAS not in settings.DATABASES:
            return None
        is_spool = app_label == "events" and model_name == "rawevent"
        if db == SPOOL_ALIAS:
            return is_spool
        return False if is_spool else None
