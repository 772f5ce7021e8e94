from django import forms

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
    role = forms.ChoiceField(choices=TeamMembership.Role.choices, initial="member")
