from collections.abc import Iterator

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from alerts.models import AlertOptOut, ProjectAlertSettings, Webhook
from projects.models import Project, Team, TeamMembership


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
        model = ProjectAlertSettings
        fields = [
            "alert_on_new_issue",
            "alert_on_regression",
            "alert_on_unmute",
            "alert_on_monitors",
        ]
        labels = {
            "alert_on_new_issue": "Alert on a new issue",
            "alert_on_regression": "Alert when a resolved issue comes back",
            "alert_on_unmute": "Alert when a muted issue unmutes",
            "alert_on_monitors": "Alert when a monitor goes down, recovers or misses a check-in",
        }


class AlertSubscriptionsForm(forms.Form):
    """A member's own alert emails: one checkbox per project they can see, checked = send them.

    Unchecked is stored as an alerts.AlertOptOut row (the model has no per-kind opt-out: the
    project's switches decide the kinds, for everyone).
    """

    def __init__(self, user: AbstractBaseUser, projects: list[Project], *args, **kwargs) -> None:
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
    # Member unless the admin chooses otherwise: admin rights are given deliberately.
    role = forms.ChoiceField(choices=TeamMembership.Role.choices, initial="member")


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "is_open"]
        labels = {"is_open": "Open team: any signed-in user may join it from the teams list"}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the team a name.")
        # The slug is made from the name once, when the team is created, and must be unique.
        if self.instance.pk is None:
            slug = slugify(name)[:100] or "team"
            if Team.objects.filter(slug=slug).exists():
                raise forms.ValidationError("A team with this (or a very similar) name exists.")
        return name


class NewProjectForm(forms.ModelForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)

    class Meta:
        model = Project
        fields = ["team", "name"]

    def __init__(self, *args, teams: QuerySet[Team], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only teams the user administers are choices: any other id is refused by validation.
        self.fields["team"].queryset = teams.order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        team, name = data.get("team"), (data.get("name") or "").strip()
        if team is not None and name:
            slug = slugify(name)[:100] or "project"
            if Project.objects.filter(team=team, slug=slug).exists():
                self.add_error("name", "This team already has a project with this name.")
        return data


class AddMemberForm(forms.Form):
    user = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=TeamMembership.Role.choices, initial="member")

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_user(self):
        ref = self.cleaned_data["user"].strip()
        users = get_user_model().objects.filter(is_active=True)
        found = list(users.filter(username=ref)[:1]) or list(users.filter(email__iexact=ref)[:2])
        if not found:
            raise forms.ValidationError(
                "No user has this username or email: invite them by email instead."
            )
        if len(found) > 1:
            raise forms.ValidationError("Several users have this email: use the username.")
        if TeamMembership.objects.filter(team=self.team, user=found[0]).exists():
            raise forms.ValidationError(f"{found[0].get_username()} is already in this team.")
        return found[0]
