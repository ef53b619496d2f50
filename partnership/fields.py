"""Form fields the portal's forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# The largest id a database row can have (a signed 64-bit integer, PostgreSQL's and SQLite's).
MAX_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, with a number past any row's id answered as the invalid choice it is: SQLite, the embedded
    default, cannot even bind one to the query that looks the choices up."""

    def _check_values(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else []:
            text = str(item).strip().lstrip("+-")
            if text.isdigit() and int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(item)[:30]}
                )
        return super()._check_values(value)  # type: ignore[misc]
