"""The full-text expression for actions; the GIN index (migration 0002) is built on exactly this."""

from django.contrib.postgres.search import SearchVector


def action_search_vector() -> SearchVector:
    return SearchVector("code", "title", "problem", "description", config="simple")
