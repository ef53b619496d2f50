"""A stored, weighted search document per action, kept by a trigger and served by a GIN index.

The trigger runs on PostgreSQL only; SQLite, which searches plainly, keeps the column empty.
The expression index of 0002 is dropped: matching and ranking now read the stored column.
An index in the long list's default order lets its first page be read without sorting.
"""

import django.contrib.postgres.search
from django.db import migrations, models



def document_sql(row: str) -> str:
    """Code and title weigh most (A), then the problem (B), then the description (C)."""
    return " || ".join(
        f"setweight(to_tsvector('simple', coalesce({row}.{column}, '')), '{weight}')"
        for column, weight in (("code", "A"), ("title", "A"), ("problem", "B"), ("description", "C"))
    )


FUNCTION = f"""
CREATE OR REPLACE FUNCTION actions_action_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_document := {document_sql("NEW")};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER actions_action_search_document
BEFORE INSERT OR UPDATE OF code, title, problem, description, search_document ON actions_action
FOR EACH ROW EXECUTE FUNCTION actions_action_search_document();
"""
BACKFILL = f"UPDATE actions_action SET search_document = {document_sql('actions_action')};"
INDEX = "CREATE INDEX action_search_document_gin ON actions_action USING gin (search_document);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS action_search_gin;")
    schema_editor.execute(FUNCTION)
    schema_editor.execute(TRIGGER)
    schema_editor.execute(BACKFILL)
    schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS action_search_document_gin;")
    schema_editor.execute("DROP TRIGGER IF EXISTS actions_action_search_document ON actions_action;")
    schema_editor.execute("DROP FUNCTION IF EXISTS actions_action_search_document();")
    schema_editor.execute(
        "CREATE INDEX action_search_gin ON actions_action USING gin (to_tsvector('simple'::regconfig, "
        "COALESCE(code, '') || ' ' || COALESCE(title, '') || ' ' || COALESCE(problem, '') || ' ' "
        "|| COALESCE(description, '')));"
    )


class Migration(migrations.Migration):
    dependencies = [("actions", "0002_search_index")]

    operations = [
        migrations.AddField(
            model_name="action",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["partnership", "code", "title"], name="action_long_list_order"),
        ),
    ]
