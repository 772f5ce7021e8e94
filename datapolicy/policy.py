"""A project's data policy as the pipeline reads it: scrubbing rules once per digest batch,
whether attachments are kept once per request that carries some."""

from datapolicy.models import DataPolicy
from datapolicy.scrub import DEFAULT_RULES, Rules


def scrub_rules_for(project_id: int) -> Rules:
    """The project's rules: the built-in deny-list plus its own additions and keep-list."""
    policy = DataPolicy.objects.filter(project_id=project_id).first()
    if policy is None:
        return DEFAULT_RULES
    if not (policy.scrub_extra.strip() or policy.scrub_keep.strip()) and policy.ip_mode == "keep":
        return DEFAULT_RULES
    return Rules.build(policy.extra_rules(), policy.keep_rules(), policy.ip_mode)


def attachments_wanted(project_id: int) -> bool:
    """False when the project turned attachment storage off (its data page)."""
    stored = DataPolicy.objects.filter(project_id=project_id).values_list(
        "store_attachments", flat=True
    )
    return next(iter(stored), True)
