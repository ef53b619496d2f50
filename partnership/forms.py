from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm

from partnership import services
from partnership.models import ConsentRecord, Membership, Partnership, Person


class ProfileForm(forms.ModelForm):
    """A person's own details, language and consents."""

    consent_directory = forms.BooleanField(label=ConsentRecord.Purpose.DIRECTORY.label, required=False)
    consent_participant_list = forms.BooleanField(label=ConsentRecord.Purpose.PARTICIPANT_LIST.label, required=False)

    class Meta:
        model = Person
        fields = ["name", "email", "role_title", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.instance
        for purpose in ConsentRecord.Purpose:
            current = services.consent_current(person=person, purpose=purpose.value)
            self.fields[f"consent_{purpose.value}"].initial = bool(current and current.given)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save my details")))

    def clean_email(self) -> str:
        """The e-mail is unique whatever its case; say so at the field rather than above the form."""
        email = self.cleaned_data["email"].strip().lower()
        if Person.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A person with this e-mail address already exists."), code="unique")
        return email

    def consents(self) -> dict[str, bool]:
        return {purpose.value: self.cleaned_data[f"consent_{purpose.value}"] for purpose in ConsentRecord.Purpose}


class PortalPasswordResetForm(PasswordResetForm):
    """Password reset whose mail goes through the outbox instead of being sent in the request."""

    def get_users(self, email: str) -> Iterator[Any]:
        """Active accounts with this address, including those created for a person who never set a
        password (Django leaves those out), so an expired welcome link can be replaced."""
        UserModel = get_user_model()
        email_field = UserModel.get_email_field_name()
        users = UserModel._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        wanted = unicodedata.normalize("NFKC", email).casefold()
        return (
            user for user in users if unicodedata.normalize("NFKC", getattr(user, email_field)).casefold() == wanted
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        email = self.cleaned_data["email"]
        for user in self.get_users(email):
            # The stored address, not the typed one, which may only look the same (CVE-2019-19844).
            services.password_reset_mail_queue(user=user, to_email=user.email)


class DirectoryFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Membership.Role.choices])
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("All countries")), *countries]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class PartnershipImportForm(ImportForm):
    """The admin's import form for rows of one partnership: the choice offers only `partnerships` (those
    the user coordinates), so a forged id is a field error. Optional where the file may name it per row."""

    partnership = forms.ModelChoiceField(label=_("Import into partnership"), queryset=Partnership.objects.none())

    def __init__(self, *args: Any, partnerships: Any = None, partnership_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partnership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = partnerships if partnerships is not None else Partnership.objects.none()
        field.required = partnership_required
        if not partnership_required:
            field.help_text = _("Or leave it empty and name each row's partnership in a “partnership” column.")


class PartnershipConfirmImportForm(ConfirmImportForm):
    """The confirm step carries the partnership on; its choices are set again to the user's partnerships."""

    partnership = forms.ModelChoiceField(queryset=Partnership.objects.none(), widget=forms.HiddenInput, required=False)
