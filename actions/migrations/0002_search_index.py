"""A GIN index on the full-text expression of actions; PostgreSQL only (SQLite searches plainly)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# The expression as it was; migration 0003 replaces this index by a stored search document.
INDEX = GinIndex(
    SearchVector("code", "title", "problem", "description", config="simple"), name="action_search_gin"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("actions", "Action"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("actions", "Action"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
