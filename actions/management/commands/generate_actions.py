"""Generate a large action long list over many partnerships, for benchmarks and load tests."""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from actions.models import Action, ActionEvent
from partnership.models import Membership, Organisation, Partnership, Pillar, PriorityArea

SLUG_PREFIX = "bench-"
MEMBERS_PER_PARTNERSHIP = 6
BATCH_SIZE = 2000
PRIORITY_AREAS = [
    "Urban planning and design",
    "Technology for smart and secure cities",
    "Managing security and sharing public space",
]
PILLARS = ["Better regulation", "Better funding", "Better knowledge"]
# Mostly the states a long list spends its life in; about a third is published, so visitors see a real list.
STATES = [
    (Action.State.LONG_LISTED, 30),
    (Action.State.UNDER_DISCUSSION, 25),
    (Action.State.ADOPTED, 30),
    (Action.State.IN_IMPLEMENTATION, 4),
    (Action.State.PUBLIC_FEEDBACK, 3),
    (Action.State.PROPOSED, 4),
    (Action.State.WITHDRAWN, 2),
    (Action.State.DROPPED, 2),
]
VERBS = [
    "Improve", "Map", "Protect", "Train staff for", "Redesign", "Monitor", "Light", "Assess risks in",
    "Co-design", "Fund", "Pilot sensors in", "Share guidance on", "Open up", "Secure",
]  # fmt: skip
PLACES = [
    "public squares", "transport hubs", "school surroundings", "parks", "shopping streets", "stadiums",
    "markets", "waterfronts", "night-time districts", "pedestrian zones", "places of worship", "festivals",
]  # fmt: skip
MEANS = [
    "with local communities", "through smart lighting", "with hostile vehicle mitigation", "by urban design",
    "with video analytics and privacy safeguards", "through citizen participation", "with private operators",
    "through a shared risk methodology", "with mobile barriers", "by training municipal police",
]  # fmt: skip
# Selective words: one city per action, so a city's name matches about 2% of a long list.
CITIES = [
    "Nice", "Madrid", "Florence", "Faenza", "Prato", "Zagreb", "Lisbon", "Porto", "Liège", "Helsinki",
    "Tallinn", "Riga", "Vilnius", "Warsaw", "Gdansk", "Brno", "Bratislava", "Ljubljana", "Sofia", "Varna",
    "Bucharest", "Cluj", "Athens", "Thessaloniki", "Valletta", "Nicosia", "Dublin", "Cork", "Antwerp", "Ghent",
    "Rotterdam", "Utrecht", "Malmö", "Aarhus", "Tampere", "Turin", "Bologna", "Seville", "Valencia", "Lyon",
    "Marseille", "Toulouse", "Munich", "Leipzig", "Graz", "Linz", "Pécs", "Debrecen", "Tartu", "Kaunas",
]  # fmt: skip
PROBLEMS = [
    "Crowded events leave public space exposed to vehicle attacks and panic.",
    "Residents feel unsafe after dark and avoid the area.",
    "Security measures are planned late and spoil the quality of the space.",
    "Cities lack the data to compare incidents and plan security.",
    "Funding for security in public spaces is scattered across programmes.",
    "Rules on surveillance differ between countries and slow cooperation.",
    "Operators of private spaces and the city do not share plans.",
]
LEVELS = [Action.Level.LOCAL, Action.Level.LOCAL, Action.Level.REGIONAL, Action.Level.NATIONAL, Action.Level.EU]


def bench_slug(label: int | str) -> str:
    return f"{SLUG_PREFIX}{label}"


class Command(BaseCommand):
    help = (
        "Top up the generated actions to N in all, spread over P benchmark partnerships (bench-1 ... bench-P, "
        "public, with priority areas, pillars and a few members, created as needed). Running it again changes "
        "nothing that exists. Works with DEBUG off: it creates no accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=100_000, help="Generated actions in all (default 100000).")
        parser.add_argument("--partnerships", type=int, default=20, help="Partnerships to spread them over (20).")

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        partnerships: int = options["partnerships"]
        if count < 0 or partnerships < 1:
            raise CommandError("--count cannot be negative and --partnerships must be at least 1.")
        created = generate(count=count, partnerships=partnerships)
        analyze()
        self.stdout.write(
            self.style.SUCCESS(f"{count} generated actions over {partnerships} partnerships (created {created}).")
        )


def analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk inserts, as a database in use would have them."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Action, ActionEvent, Partnership, Organisation, Membership)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


def ensure_partnership(label: str) -> tuple[Partnership, list[PriorityArea], list[Pillar], list[Organisation]]:
    """The public partnership bench-<label> with its priority areas, pillars and members, made if missing."""
    partnership, _ = Partnership.objects.get_or_create(
        slug=bench_slug(label),
        defaults={
            "name": f"Benchmark partnership {label}",
            "theme": "Security in public spaces",
            "is_public": True,
            "starts_on": timezone.localdate().replace(month=1, day=1),
        },
    )
    areas = [
        PriorityArea.objects.get_or_create(partnership=partnership, name=name, defaults={"position": position})[0]
        for position, name in enumerate(PRIORITY_AREAS)
    ]
    pillars = [
        Pillar.objects.get_or_create(partnership=partnership, name=name, defaults={"position": position})[0]
        for position, name in enumerate(PILLARS)
    ]
    members = []
    for member in range(1, MEMBERS_PER_PARTNERSHIP + 1):
        organisation, _ = Organisation.objects.get_or_create(
            name=f"Benchmark member {label}-{member}",
            defaults={
                "short_name": f"BM{label}-{member}"[:60],
                "kind": Organisation.Kind.CITY,
                "country": ["IT", "FR", "ES", "HR", "BE", "DE"][member % 6],
            },
        )
        role = Membership.Role.COORDINATOR if member == 1 else Membership.Role.PARTNER
        Membership.objects.get_or_create(
            partnership=partnership,
            organisation=organisation,
            defaults={"role": role, "since": partnership.starts_on or timezone.localdate()},
        )
        members.append(organisation)
    return partnership, areas, pillars, members


@transaction.atomic
def generate(*, count: int, partnerships: int) -> int:
    """Create the generated actions numbered above those that exist, up to `count`; returns how many.

    Bulk inserts, not services: synthetic load data, whose per-row validation and history would make
    100,000 actions take many minutes. Action n goes to partnership (n - 1) % P + 1 and has the code G-n.
    """
    setups = [ensure_partnership(str(number)) for number in range(1, partnerships + 1)]
    existing = Action.objects.filter(partnership__slug__startswith=SLUG_PREFIX, code__startswith="G-").count()
    rng = random.Random(existing)
    states = [state for state, _ in STATES]
    weights = [weight for _, weight in STATES]
    now = timezone.now()
    batch: list[Action] = []
    for n in range(existing + 1, count + 1):
        partnership, areas, pillars, members = setups[(n - 1) % partnerships]
        city = rng.choice(CITIES)
        place = rng.choice(PLACES)
        title = f"{rng.choice(VERBS)} {place} in {city} {rng.choice(MEANS)}"
        batch.append(
            Action(
                partnership=partnership,
                code=f"G-{n}",
                title=title[:250],
                problem=f"{rng.choice(PROBLEMS)} In {city} this concerns {place}; {rng.choice(PROBLEMS).lower()}",
                description=f"Security in public spaces: {title.lower()}. {rng.choice(PROBLEMS)}",
                priority_area=rng.choice(areas),
                pillar=rng.choice(pillars) if n % 7 else None,
                level=rng.choice(LEVELS),
                owner=members[n % len(members)],
                leader=members[(n + 1) % len(members)] if n % 3 else None,
                state=rng.choices(states, weights)[0],
                progress=rng.randrange(0, 101, 10),
                created_at=now,
            )
        )
        if len(batch) >= BATCH_SIZE:
            Action.objects.bulk_create(batch)
            batch = []
    Action.objects.bulk_create(batch)
    return max(count - existing, 0)
