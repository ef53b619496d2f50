"""Generate member organisations, with two contact persons each, for benchmarks and load tests."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from partnership.models import Membership, Organisation, Partnership, Person

NAME_PREFIX = "Generated member"
EMAIL_DOMAIN = "generated.example"
CONTACTS_PER_ORGANISATION = 2
# EU member states, so that filtering the directory by country finds a realistic share of members.
COUNTRIES = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip
KINDS = [
    Organisation.Kind.CITY,
    Organisation.Kind.CITY,
    Organisation.Kind.CITY,
    Organisation.Kind.REGION,
    Organisation.Kind.MINISTRY,
    Organisation.Kind.OTHER,
]
BATCH_SIZE = 1000


def organisation_name(number: int) -> str:
    return f"{NAME_PREFIX} {number:05d}"


def contact_email(number: int, contact: int) -> str:
    return f"contact{contact}.member{number:05d}@{EMAIL_DOMAIN}"


def role_for(number: int) -> str:
    """Mostly partners, with some observers and experts, as in a real partnership."""
    if number % 25 == 0:
        return Membership.Role.EXPERT
    if number % 10 == 0:
        return Membership.Role.OBSERVER
    return Membership.Role.PARTNER


class Command(BaseCommand):
    help = (
        "Make N generated organisations members of a partnership, with two contact persons each. "
        "Running it again tops up to N and changes nothing that already exists. Works with DEBUG off: "
        "it creates no accounts and no passwords."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=500, help="How many generated members in all (default 500).")
        parser.add_argument(
            "--partnership", default="security", help="Short address (slug) of the partnership (default: security)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        if count < 0:
            raise CommandError("--count cannot be negative.")
        try:
            partnership = Partnership.objects.get(slug=options["partnership"])
        except Partnership.DoesNotExist:
            raise CommandError(
                f"No partnership with the short address {options['partnership']!r}; run load_demo first."
            ) from None
        created = generate(partnership=partnership, count=count)
        analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"{partnership.slug}: {count} generated members "
                f"(created {created['organisations']} organisations, {created['memberships']} memberships, "
                f"{created['people']} people)."
            )
        )


def analyze() -> None:
    """Refresh PostgreSQL's statistics, which bulk inserts leave stale until autovacuum gets round to it.

    Without them the planner takes the tables for nearly empty and picks plans (nested loops over
    sequential scans) that a database in use would never see, so measurements would depend on timing.
    """
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Organisation, Membership, Person, Membership.contacts.through)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


@transaction.atomic
def generate(*, partnership: Partnership, count: int) -> dict[str, int]:
    """Create whatever of the first `count` generated members is missing; returns how many rows of each kind.

    Bulk inserts, not services: this is synthetic load data, not anybody's change to the records,
    and the services' per-row validation and audit would make 10,000 members take minutes.
    """
    numbers = range(1, count + 1)
    names = [organisation_name(n) for n in numbers]
    existing = set(Organisation.objects.filter(name__in=names).values_list("name", flat=True))
    new_organisations = [
        Organisation(
            name=organisation_name(n),
            short_name=f"G{n:05d}",
            kind=KINDS[n % len(KINDS)],
            country=COUNTRIES[n % len(COUNTRIES)],
        )
        for n in numbers
        if organisation_name(n) not in existing
    ]
    Organisation.objects.bulk_create(new_organisations, batch_size=BATCH_SIZE)
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=names)}

    today = timezone.localdate()
    since = min(partnership.starts_on or today, today)
    memberships = {
        m.organisation_id: m
        for m in Membership.objects.filter(partnership=partnership, organisation__in=organisations.values())
    }
    new_memberships = [
        Membership(
            partnership=partnership, organisation=organisations[organisation_name(n)], role=role_for(n), since=since
        )
        for n in numbers
        if organisations[organisation_name(n)].pk not in memberships
    ]
    Membership.objects.bulk_create(new_memberships, batch_size=BATCH_SIZE)
    memberships.update({m.organisation_id: m for m in new_memberships})

    emails = {contact_email(n, c): n for n in numbers for c in range(1, CONTACTS_PER_ORGANISATION + 1)}
    existing_emails = set(Person.objects.filter(email__in=emails).values_list("email", flat=True))
    new_people = [
        Person(
            name=f"Contact {email.split('.')[0].removeprefix('contact')} of {organisation_name(n)}",
            email=email,
            organisation=organisations[organisation_name(n)],
            role_title="Urban security officer",
        )
        for email, n in emails.items()
        if email not in existing_emails
    ]
    Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)

    Contact = Membership.contacts.through
    links = [
        Contact(membership_id=memberships[person.organisation_id].pk, person_id=person.pk)
        for person in Person.objects.filter(email__in=emails).only("pk", "organisation_id")
        if person.organisation_id in memberships
    ]
    Contact.objects.bulk_create(links, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return {"organisations": len(new_organisations), "memberships": len(new_memberships), "people": len(new_people)}
