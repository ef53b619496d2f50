"""Full-text search of actions.

On PostgreSQL each action carries a stored, weighted `search_document` (code and title weigh most,
then the problem, then the description), kept current by a trigger (migration 0003 holds its SQL) so that every
way of writing an action (forms, the admin, imports, bulk_create, raw updates) updates it; a GIN
index serves the match and the rank reads the stored vector instead of recomputing it per row.
SQLite, the embedded default, leaves the column empty and searches plainly.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet

from actions.models import Action

CONFIG = "simple"  # the long list mixes languages; no stemming is better than the wrong one


def full_text(queryset: QuerySet[Action], text: str) -> QuerySet[Action]:
    """PostgreSQL: matches of a web-search style query (quoted phrases, OR, -word), ranked."""
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    return queryset.filter(search_document=query).annotate(rank=SearchRank(F("search_document"), query))


def plain(queryset: QuerySet[Action], text: str) -> QuerySet[Action]:
    """SQLite: every word in the code, title, problem or description."""
    for word in text.split():
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(problem__icontains=word)
            | Q(description__icontains=word)
            | Q(code__iexact=word)
        )
    return queryset
