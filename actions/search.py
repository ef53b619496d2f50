"""Full-text search of actions.

On PostgreSQL each action carries a stored, weighted `search_document` (code and title weigh most,
then the problem, then the description), kept current by a trigger (migration 0003 holds its SQL) so that every
way of writing an action (forms, the admin, imports, bulk_create, raw updates) updates it; a GIN
index serves the match and the rank reads the stored vector instead of recomputing it per row.
SQLite, the embedded default, leaves the column empty and searches plainly.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet

from actions.models import Action

CONFIG = "simple"  # the long list mixes languages; no stemming is better than the wrong one


def full_text(queryset: QuerySet[Action], text: str) -> QuerySet[Action]:
    """PostgreSQL: matches of a web-search style query (quoted phrases, OR, -word), ranked."""
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    return queryset.filter(search_document=query).annotate(rank=SearchRank(F("search_document"), query))


# A quoted phrase (its closing quote optional, as PostgreSQL allows), with an optional leading minus, or a word.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _matching(term: str) -> Q:
    return Q(title__icontains=term) | Q(problem__icontains=term) | Q(description__icontains=term) | Q(code__iexact=term)


def plain(queryset: QuerySet[Action], text: str) -> QuerySet[Action]:
    """SQLite: the web-search syntax PostgreSQL reads, matched plainly in the code, title, problem or description.

    Every word and every "quoted phrase" must appear; `a or b` wants either; `-word` and `-"a phrase"` must not.
    """
    terms: list[tuple[str, bool, bool]] = []  # (term, excluded, is the word "or")
    negate_next = False
    for minus, phrase, word in _TOKEN.findall(text):
        if word == "-":
            negate_next = True
            continue
        if word:
            if word.startswith("-"):
                minus, word = "-", word[1:]
            term = word.replace('"', "")
        else:
            term = " ".join(phrase.split())
        if term:
            excluded = bool(minus) or negate_next
            terms.append((term, excluded, bool(word) and not excluded and term.lower() == "or"))
            negate_next = False
    conditions: list[Q] = []
    either = False
    for position, (term, excluded, is_or) in enumerate(terms):
        if is_or and conditions and position + 1 < len(terms):
            either = True
            continue
        condition = ~_matching(term) if excluded else _matching(term)
        if either:
            conditions[-1] |= condition
        else:
            conditions.append(condition)
        either = False
    for condition in conditions:
        queryset = queryset.filter(condition)
    return queryset
