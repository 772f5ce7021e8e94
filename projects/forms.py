from collections.abc import Iterator

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from projects.models import Project, TeamMembership


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name"]


class MemberRoleForm(forms.Form):
    user = forms.IntegerField()
    role = forms.ChoiceField(choices=TeamMembership.Role.choices, required=False)
    remove = forms.BooleanField(required=False)


class AlertSwitchesForm(forms.ModelForm):
    class Meta:
        from alerts.models import ProjectAlertSettings

        model = ProjectAlertSettings
        fields = ["alert_on_new_issue", "alert_on_regression", "alert_on_unmute"]
        labels = {
            "alert_on_new_issue": "Alert on a new issue",
            "alert_on_regression": "Alert when a resolved issue comes back",
            "alert_on_unmute": "Alert when a muted issue unmutes",
        }


class AlertSubscriptionsForm(forms.Form):
    """A member's own alert emails: one checkbox per project they can see, checked = send them.

    Unchecked is stored as an alerts.AlertOptOut row (the model has no per-kind opt-out: the
    project's switches decide the kinds, for everyone).
    """

    def __init__(self, user: AbstractBaseUser, projects: list[Project], *args, **kwargs) -> None:
        from alerts.models import AlertOptOut

        super().__init__(*args, **kwargs)
        self.user = user
        self.projects = {f"project_{project.pk}": project for project in projects}
        opted_out = set(
            AlertOptOut.objects.filter(user=user, project__in=projects).values_list(
                "project_id", flat=True
            )
        )
        for name, project in self.projects.items():
            self.fields[name] = forms.BooleanField(
                required=False, label=project.name, initial=project.pk not in opted_out
            )

    def rows(self) -> Iterator[tuple[Project, forms.BoundField]]:
        for name, project in self.projects.items():
            yield project, self[name]

    @transaction.atomic
    def save(self) -> None:
        from alerts.models import AlertOptOut

        wanted = [p.pk for name, p in self.projects.items() if self.cleaned_data[name]]
        unwanted = [p.pk for name, p in self.projects.items() if not self.cleaned_data[name]]
        AlertOptOut.objects.filter(user=self.user, project_id__in=wanted).delete()
        AlertOptOut.objects.bulk_create(
            [AlertOptOut(user=self.user, project_id=pk) for pk in unwanted],
            ignore_conflicts=True,
        )


class WebhookForm(forms.ModelForm):
    # A URL pasted without its scheme is taken as https, as chat services' hooks all are.
    url = forms.URLField(
        max_length=2000,
        assume_scheme="https",
        # Shown without a label of its own (one line beside the webhook table).
        widget=forms.URLInput(attrs={"aria-label": "Webhook URL", "placeholder": "https://…"}),
    )

    class Meta:
        from alerts.models import Webhook

        model = Webhook
        fields = ["kind", "url"]
        widgets = {"kind": forms.Select(attrs={"aria-label": "Webhook kind"})}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Use an http(s) URL.")
        return url


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=TeamMembership.Role.choices, initial="member")
