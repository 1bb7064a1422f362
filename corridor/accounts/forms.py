"""Forms of the account pages: they parse input; the services decide."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _

from .models import User

_digest = User._meta.get_field("match_digest")


class PreferencesForm(forms.Form):
    """What a person chooses about the e-mails they get."""

    match_digest = forms.BooleanField(
        label=_digest.verbose_name, help_text=_digest.help_text, required=False
    )

    @classmethod
    def for_user(cls, user, data=None) -> "PreferencesForm":
        return cls(data, initial={"match_digest": user.match_digest})


class SignInForm(AuthenticationForm):
    """Django's sign-in form with labels from our own catalogue (Django's Urdu lacks them)."""

    username = UsernameField(label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
