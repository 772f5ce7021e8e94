"""Cached renderings of a status page are keyed by its `content_version`: bump it on change.

Any change to what a page shows (the page, its categories, regions, services, incidents and
their updates, the severity of a monitor behind one of its services) bumps the version with a
single UPDATE, so the next request renders afresh in every process, whatever the cache backend.
"""

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from statuspages import fast_cache, hosts
from statuspages.models import (
    Category,
    Incident,
    IncidentUpdate,
    Region,
    Service,
    StatusPage,
)


def bump(page_ids) -> None:
    StatusPage.objects.filter(pk__in=list(page_ids)).update(
        content_version=F("content_version") + 1
    )
    # This process's copies go at once; other processes' within their second (fast_cache.py).
    fast_cache.clear()


@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Region)
@receiver([post_save, post_delete], sender=Service)
@receiver([post_save, post_delete], sender=Incident)
def _page_part_changed(sender, instance, **kwargs) -> None:
    bump([instance.page_id])


@receiver([post_save, post_delete], sender=IncidentUpdate)
def _update_changed(sender, instance, **kwargs) -> None:
    bump(Incident.objects.filter(pk=instance.incident_id).values_list("page_id", flat=True))


@receiver(post_save, sender=StatusPage)
def _page_changed(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) == {"content_version"}:
        return
    hosts.reload()
    bump([instance.pk])


@receiver(m2m_changed, sender=Incident.services.through)
@receiver(m2m_changed, sender=Incident.regions.through)
@receiver(m2m_changed, sender=Service.regions.through)
@receiver(m2m_changed, sender=Service.monitors.through)
def _links_changed(sender, instance, action, **kwargs) -> None:
    if action.startswith("post_") and hasattr(instance, "page_id"):
        bump([instance.page_id])


def monitor_changed(sender, instance, update_fields=None, **kwargs) -> None:
    """A monitor's severity shows on the pages of the services it is behind."""
    if update_fields is not None and not {"severity", "is_down"} & set(update_fields):
        return
    pages = Service.objects.filter(monitors=instance).values_list("page_id", flat=True)
    bump(pages)


def connect_monitors() -> None:
    from monitors.models import Monitor

    post_save.connect(monitor_changed, sender=Monitor, dispatch_uid="statuspages-monitor")
