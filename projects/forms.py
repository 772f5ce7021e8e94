from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.text import slugify

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
        from alerts.models import ProjectAlertSettings

        model = ProjectAlertSettings
        fields = ["alert_on_new_issue", "alert_on_regression", "alert_on_unmute"]
        labels = {
            "alert_on_new_issue": "Alert on a new issue",
            "alert_on_regression": "Alert when a resolved issue comes back",
            "alert_on_unmute": "Alert when a muted issue unmutes",
        }


class WebhookForm(forms.ModelForm):
    # A URL pasted without its scheme is taken as https, as chat services' hooks all are.
    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        from alerts.models import Webhook

        model = Webhook
        fields = ["kind", "url"]

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
