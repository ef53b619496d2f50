"""Generate a benchmark survey with many submitted responses, for benchmarks and load tests."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from partnership.models import Membership, Organisation, Partnership, Person
from surveys import services
from surveys.models import Answer, Choice, Question, Response, Section, Survey

PARTNERSHIP_SLUG = "bench-surveys"
SURVEY_TITLE = "Benchmark survey of local security needs"
OWNER_USERNAME = "bench-survey-owner"
BATCH_SIZE = 2000
Kind = Question.Kind
# 26 questions on five pages: every kind, each about three times, as a ministry's survey mixes them.
# The last question of page 1 is shown only when the yes/no before it is answered yes (about half the
# responses), so 10,000 responses carry about 255,000 answers.
PAGES: list[list[str]] = [
    [Kind.LIKERT, Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO, Kind.SHORT_TEXT],
    [Kind.MATRIX, Kind.RANKING, Kind.NUMBER, Kind.LONG_TEXT, Kind.LIKERT],
    [Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO, Kind.LIKERT, Kind.NUMBER],
    [Kind.MATRIX, Kind.RANKING, Kind.SINGLE, Kind.MULTIPLE, Kind.SHORT_TEXT],
    [Kind.LIKERT, Kind.YES_NO, Kind.NUMBER, Kind.LONG_TEXT, Kind.SINGLE, Kind.MATRIX],
]
PAGE_TITLES = [
    ("Urban planning and design", "Urbanističko planiranje i oblikovanje"),
    ("Technology for smart and secure cities", "Tehnologija za pametne i sigurne gradove"),
    ("Managing security and sharing public space", "Upravljanje sigurnošću i dijeljenje javnog prostora"),
    ("Cooperation with the police and operators", "Suradnja s policijom i operaterima"),
    ("Funding and training", "Financiranje i obuka"),
]
OPTIONS = [
    ("squares", "Squares", "Trgovi"),
    ("parks", "Parks", "Parkovi"),
    ("transport", "Public transport stops", "Stajališta javnog prijevoza"),
    ("schools", "Surroundings of schools", "Okolica škola"),
    ("waterfront", "Waterfronts", "Obale"),
    ("markets", "Markets", "Tržnice"),
]
REGIONS = ["City of Zagreb", "Split-Dalmatia", "Primorje-Gorski Kotar", "Osijek-Baranja", "Zadar", "Istria"]
KINDS = ["municipality", "city", "region", "other"]
TEXTS = [
    "More training for municipal wardens.",
    "Funding for lighting in parks.",
    "Guidance from the ministry on CCTV.",
    "A regional network of safety officers.",
    "Shared risk assessments with the police before large events.",
]


def bench_survey(*, create: bool = True) -> Survey:
    """The benchmark survey, built (open, 26 questions on five pages) if it does not exist yet."""
    survey = Survey.objects.filter(partnership__slug=PARTNERSHIP_SLUG, title=SURVEY_TITLE).first()
    if survey is not None:
        return survey
    if not create:
        raise CommandError("There is no benchmark survey yet: run `manage.py generate_survey_responses` first.")
    partnership, ministry = ensure_partnership()
    return _build(partnership, ministry)


def ensure_partnership() -> tuple[Partnership, Organisation]:
    """The benchmark partnership and the ministry that owns its surveys, made if missing."""
    partnership, _ = Partnership.objects.get_or_create(
        slug=PARTNERSHIP_SLUG,
        defaults={
            "name": "Benchmark partnership for surveys",
            "theme": "Security in public spaces",
            "starts_on": timezone.localdate().replace(month=1, day=1),
        },
    )
    ministry, _ = Organisation.objects.get_or_create(
        name="Benchmark ministry of construction",
        defaults={"short_name": "BMC", "kind": Organisation.Kind.MINISTRY, "country": "HR"},
    )
    Membership.objects.get_or_create(
        partnership=partnership,
        organisation=ministry,
        defaults={"role": Membership.Role.PARTNER, "since": partnership.starts_on or timezone.localdate()},
    )
    return partnership, ministry


def owner_user() -> Any:
    """An account of the owning ministry, without a usable password: the benchmarks act as it in-process."""
    _partnership, ministry = ensure_partnership()
    user, created = get_user_model().objects.get_or_create(
        username=OWNER_USERNAME, defaults={"email": "owner@bench-ministry.example"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Person.objects.get_or_create(
        user=user, defaults={"name": "Benchmark survey owner", "email": user.email, "organisation": ministry}
    )
    return user


@transaction.atomic
def _build(partnership: Partnership, ministry: Organisation) -> Survey:
    survey = Survey.objects.create(
        partnership=partnership,
        owner=ministry,
        country="HR",
        title=SURVEY_TITLE,
        introduction="Generated for benchmarks: 26 questions of every kind on five pages.",
        default_language="en",
        languages=["hr"],
        anonymity=Survey.Anonymity.CONFIDENTIAL,
        translations={"hr": {"title": "Upitnik o lokalnim sigurnosnim potrebama (mjerenje)"}},
    )
    number = 0
    for page, kinds in enumerate(PAGES):
        title_en, title_hr = PAGE_TITLES[page]
        section = Section.objects.create(
            survey=survey, position=page, title=title_en, translations={"hr": {"title": title_hr}}
        )
        previous: Question | None = None
        for position, kind in enumerate(kinds):
            number += 1
            conditional = page == 0 and position == 4
            question = Question.objects.create(
                section=section,
                position=position,
                kind=kind,
                text=f"Question {number}: {Kind(kind).label} about safety in public spaces?",
                help_text="Answer for your municipality as a whole.",
                required=not conditional and kind not in (Kind.LONG_TEXT, Kind.SHORT_TEXT),
                has_other=kind in (Kind.SINGLE, Kind.MULTIPLE) and page == 2,
                min_value=0 if kind == Kind.NUMBER else None,
                max_value=500 if kind == Kind.NUMBER else None,
                show_if_question=previous if conditional else None,
                show_if_value="yes" if conditional else "",
                translations={"hr": {"text": f"Pitanje {number} o sigurnosti u javnim prostorima?"}},
            )
            if kind in Question.CHOICE_KINDS:
                options = OPTIONS[:4] if kind in (Kind.MATRIX, Kind.RANKING) else OPTIONS
                Choice.objects.bulk_create(
                    Choice(question=question, position=i, value=value, label=en, translations={"hr": {"label": hr}})
                    for i, (value, en, hr) in enumerate(options)
                )
            previous = question
    return services.survey_transition(survey=survey, to_state=Survey.State.OPEN, by=None)


def answer_value(question: Question, values: list[str], rng: random.Random) -> Any:
    """A valid stored answer of the question's kind."""
    match question.kind:
        case Kind.LIKERT:
            return rng.randint(1, 5)
        case Kind.SINGLE:
            return rng.choice(values)
        case Kind.MULTIPLE:
            return rng.sample(values, rng.randint(1, 3))
        case Kind.YES_NO:
            return rng.random() < 0.5
        case Kind.MATRIX:
            return {value: rng.randint(1, 5) for value in values}
        case Kind.RANKING:
            return rng.sample(values, len(values))
        case Kind.NUMBER:
            return rng.randint(0, 40)
        case _:
            return rng.choice(TEXTS)


class Command(BaseCommand):
    help = (
        "Top up the benchmark survey (partnership bench-surveys: 26 questions of every kind on five pages) "
        "to N submitted responses, each answering every question. Running it again changes nothing that exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--responses", type=int, default=10_000, help="Submitted responses in all (10000).")

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["responses"]
        if count < 0:
            raise CommandError("--responses cannot be negative.")
        survey = bench_survey()
        owner_user()
        created = generate(survey=survey, count=count)
        analyze()
        answers = Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Survey {survey.pk}: {count} submitted responses (created {created}), {answers} answers."
            )
        )


@transaction.atomic
def generate(*, survey: Survey, count: int) -> int:
    """Create submitted responses above those that exist, up to `count`; returns how many.

    Bulk inserts, not services: synthetic load data (as through the open link, with no invitation),
    whose per-page validation would make 250,000 answers take many minutes.
    """
    existing = Response.objects.filter(survey=survey, submitted_at__isnull=False).count()
    questions = list(
        Question.objects.filter(section__survey=survey)
        .prefetch_related("choices")
        .order_by("section__position", "position")
    )
    choices = {q.pk: [c.value for c in q.choices.all()] for q in questions}
    rng = random.Random(existing)
    now = timezone.now()
    for offset in range(existing, count, BATCH_SIZE):
        size = min(BATCH_SIZE, count - offset)
        responses = Response.objects.bulk_create(
            [
                Response(
                    survey=survey,
                    language="hr" if n % 3 else "en",
                    region=REGIONS[n % len(REGIONS)],
                    respondent_kind=KINDS[n % len(KINDS)],
                    current_section=len(PAGES),
                    started_at=now - dt.timedelta(minutes=n % 5000 + 30),
                    submitted_at=now - dt.timedelta(minutes=n % 5000),
                    via_open_link=True,
                )
                for n in range(offset, offset + size)
            ]
        )
        answers = []
        for response in responses:
            shown_conditional = True
            for question in questions:
                if question.show_if_question_id is not None and not shown_conditional:
                    continue
                value = answer_value(question, choices[question.pk], rng)
                answers.append(Answer(response=response, question=question, value=value))
                if question.kind == Kind.YES_NO:
                    shown_conditional = bool(value)
        Answer.objects.bulk_create(answers, batch_size=10_000)
    return max(count - existing, 0)


def analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk inserts, as a database in use would have them."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Survey, Section, Question, Choice, Response, Answer)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
