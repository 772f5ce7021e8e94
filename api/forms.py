from django import forms

from api.scopes import DEFAULT_SCOPES, SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="What the token is for.")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope}: {what}") for scope, what in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_SCOPES),
    )
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Empty: never expires."
    )

    def __init__(self, *args, user, ask_password: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if ask_password:
            self.fields["password"] = forms.CharField(
                widget=forms.PasswordInput,
                help_text="Your sign-in is older than 15 minutes: confirm your password.",
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
