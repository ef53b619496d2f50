"""The demo partnership of the seed: the Partnership for Security in Public Spaces, 2019."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from partnership import records_cache, services
from partnership.models import ConsentRecord, Membership, Organisation, Partnership, Person, Pillar, PriorityArea

DEMO_PASSWORD = "demo"  # noqa: S105 - printed by `make run`; load_demo refuses to run with DEBUG off
# The demo's staff pass the second factor with an authenticator app holding this printed key (`make run` prints
# it; `manage.py demo_code <username>` prints the current code for a demo device, and for no other).
DEMO_TOTP_SECRET = "DEMOSTAFFSECRETKEYFORTHEPORTAL22"  # noqa: S105 - base32, 20 bytes
DEMO_TOTP_DEVICE = "demo authenticator"

SECURITY = {
    "name": "Partnership for Security in Public Spaces",
    "slug": "security",
    "theme": "Security in public spaces",
    "starts_on": dt.date(2019, 1, 1),
    "ends_on": dt.date(2021, 12, 31),
    "is_public": True,
    "description": (
        "One of the partnerships of the Urban Agenda for the EU. Cities, regions, national ministries, "
        "EU bodies and city networks work together on security in public spaces: an Orientation Paper "
        "(presented at the Informal Ministerial Meeting in Bucharest, June 2019), then an Action Plan built "
        "from a long list of actions collected at the Florence meeting."
    ),
}
PRIORITY_AREAS = [
    "Urban planning and design",
    "Technology for smart and secure cities",
    "Managing security and sharing public space",
]
PILLARS = ["Better regulation", "Better funding", "Better knowledge"]

# name, short name, kind, country, website
ORGANISATIONS = [
    ("City of Nice", "Nice", "city", "FR", "https://www.nice.fr"),
    ("City of Madrid", "Madrid", "city", "ES", "https://www.madrid.es"),
    ("European Forum for Urban Security", "Efus", "network", "FR", "https://efus.eu"),
    ("Regione Toscana", "Tuscany", "region", "IT", "https://www.regione.toscana.it"),
    ("Ministry of Construction and Physical Planning", "MGIPU", "ministry", "HR", "https://mpgi.gov.hr"),
    ("City of Helsinki", "Helsinki", "city", "FI", "https://www.hel.fi"),
    ("City of Mechelen", "Mechelen", "city", "BE", ""),
    ("City of Michalovce", "Michalovce", "city", "SK", ""),
    ("City of Riga", "Riga", "city", "LV", ""),
    ("City of Piraeus", "Piraeus", "city", "GR", ""),
    ("Metropolitan City of Florence", "Florence", "region", "IT", ""),
    ("Eurocities", "Eurocities", "network", "BE", "https://eurocities.eu"),
    ("European Investment Bank", "EIB", "eu_body", "", "https://www.eib.org"),
    ("DG Regional and Urban Policy", "DG REGIO", "eu_body", "", ""),
    ("DG Migration and Home Affairs", "DG HOME", "eu_body", "", ""),
    ("Joint Research Centre", "JRC", "eu_body", "", ""),
    ("URBACT", "URBACT", "network", "", "https://urbact.eu"),
    ("City of Turin", "Turin", "city", "IT", ""),
    ("City of Lisbon", "Lisbon", "city", "PT", ""),
]
ROLES = {
    "Nice": Membership.Role.COORDINATOR,
    "Madrid": Membership.Role.COORDINATOR,
    "Efus": Membership.Role.COORDINATOR,
    "URBACT": Membership.Role.OBSERVER,
    "JRC": Membership.Role.EXPERT,
}
SECOND = {
    "name": "Partnership on Culture and Cultural Heritage",
    "slug": "culture",
    "theme": "Culture and cultural heritage",
    "starts_on": dt.date(2019, 3, 1),
    "ends_on": dt.date(2022, 6, 30),
    "is_public": False,
    "description": "A second, smaller partnership: its members and records stay separate from the first.",
}
SECOND_MEMBERS = {
    "Turin": Membership.Role.COORDINATOR,
    "Lisbon": Membership.Role.PARTNER,
    "Tuscany": Membership.Role.PARTNER,
}

# username, name, e-mail, organisation short name, role title, language
PEOPLE = [
    ("coordinator", "Claire Martin", "coordinator@nice.example", "Nice", "Head of urban security", "en"),
    ("partner", "Aino Virtanen", "partner@helsinki.example", "Helsinki", "Safety planner", "en"),
    ("ministry", "Ivana Horvat", "ministry@mgipu.example", "MGIPU", "Head of sector for spatial planning", "hr"),
    (None, "Javier López", "jlopez@madrid.example", "Madrid", "Security policy adviser", "en"),
    (None, "Elizaveta Laurent", "elaurent@efus.example", "Efus", "Programme manager", "en"),
    (None, "Giulia Bianchi", "gbianchi@toscana.example", "Tuscany", "Urban security officer", "it"),
    (None, "Pieter Janssens", "pjanssens@mechelen.example", "Mechelen", "Prevention coordinator", "en"),
    (None, "Marc Dupont", "mdupont@eib.example", "EIB", "Urban development specialist", "en"),
    (None, "Anna Kowalska", "akowalska@regio.example", "DG REGIO", "Policy officer", "en"),
    (None, "Luca Rossi", "lrossi@torino.example", "Turin", "Culture department", "it"),
]


@transaction.atomic
def load_partner_records() -> dict[str, Any]:
    """Create or update the demo records; running it again changes nothing."""
    security, _ = Partnership.objects.update_or_create(slug=SECURITY["slug"], defaults=SECURITY)
    culture, _ = Partnership.objects.update_or_create(slug=SECOND["slug"], defaults=SECOND)
    for position, name in enumerate(PRIORITY_AREAS):
        PriorityArea.objects.update_or_create(partnership=security, name=name, defaults={"position": position})
    for partnership in (security, culture):
        for position, name in enumerate(PILLARS):
            Pillar.objects.update_or_create(partnership=partnership, name=name, defaults={"position": position})
    PriorityArea.objects.update_or_create(partnership=culture, name="Cultural heritage in public space")

    organisations: dict[str, Organisation] = {}
    for name, short, kind, country, website in ORGANISATIONS:
        organisations[short], _ = Organisation.objects.update_or_create(
            name=name, defaults={"short_name": short, "kind": kind, "country": country, "website": website}
        )
    Organisation.objects.filter(pk=organisations["Florence"].pk).update(parent=organisations["Tuscany"])
    records_cache.forget_all_now_and_on_commit()  # no signal said so
    for short, organisation in organisations.items():
        if short in ("Turin", "Lisbon"):
            continue
        Membership.objects.update_or_create(
            partnership=security,
            organisation=organisation,
            defaults={"role": ROLES.get(short, Membership.Role.PARTNER), "since": security.starts_on},
        )
    for short, role in SECOND_MEMBERS.items():
        Membership.objects.update_or_create(
            partnership=culture, organisation=organisations[short], defaults={"role": role, "since": culture.starts_on}
        )

    User = get_user_model()
    people: dict[str, Person] = {}
    for username, name, email, org, title, language in PEOPLE:
        person, _ = Person.objects.update_or_create(
            email=email,
            defaults={"name": name, "organisation": organisations[org], "role_title": title, "language": language},
        )
        people[email] = person
        membership = Membership.objects.filter(organisation=person.organisation).order_by("partnership__slug").last()
        if membership is not None:
            membership.contacts.add(person)
        if username:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": email, "first_name": name})
            user.set_password(DEMO_PASSWORD)
            user.email = email
            user.save()
            if person.user_id != user.pk:
                person.user = user
                person.save(update_fields=["user"])
        if not person.consents.exists():
            ConsentRecord.objects.create(person=person, purpose="directory", given=True, text_version="2026-11")
    admin, _ = User.objects.get_or_create(
        username="admin", defaults={"email": "admin@portal.example", "is_staff": True, "is_superuser": True}
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    for organisation in organisations.values():
        services.coordinator_access_sync(organisation=organisation)
    demo_second_factors(usernames=[row[0] for row in PEOPLE if row[0]] + ["admin"])
    return {"security": security, "culture": culture, "organisations": organisations, "people": people}


def demo_totp_key() -> str:
    """The demo's authenticator key as django-otp stores it (hex)."""
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def demo_second_factors(*, usernames: list[str]) -> None:
    """Every demo staff user (the coordinators' and secretariat's people, the superuser) has the demo's
    authenticator app, so they pass the second factor with a code from the printed key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True), username__in=usernames)
    for user in staff:
        TOTPDevice.objects.update_or_create(
            user=user, name=DEMO_TOTP_DEVICE, defaults={"key": demo_totp_key(), "confirmed": True}
        )


def demo_otpauth_uri() -> str:
    return f"otpauth://totp/Partnership%20Portal%20demo?secret={DEMO_TOTP_SECRET}&issuer=Partnership%20Portal%20demo"
