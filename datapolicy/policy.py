"""The scrubbing rules of a project, read once per digest batch."""

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
