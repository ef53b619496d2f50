"""A signed-in coordinator for the benchmark's admin pages, past the second factor: prints the session cookie
wrk sends."""

from __future__ import annotations

import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership import services
from partnership.models import Membership, Organisation, Partnership, Person

# The backend a password login records in the session (settings.AUTHENTICATION_BACKENDS).
LOGIN_BACKEND = "partnership.auth_backends.PortalBackend"


class Command(BaseCommand):
    help = "Create (once) a coordinator of a partnership and print a session cookie `name=value` for them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partnership", required=True, help="the partnership's slug")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        partnership = Partnership.objects.filter(slug=options["partnership"]).first()
        if partnership is None:
            raise CommandError(f"No partnership with the slug {options['partnership']!r}.")
        username = f"bench-coordinator-{partnership.slug}"
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            organisation = Organisation.objects.create(name=f"{partnership.name}: benchmark coordinating city")
            Membership.objects.create(
                partnership=partnership,
                organisation=organisation,
                role=Membership.Role.COORDINATOR,
                since=timezone.localdate() - datetime.timedelta(days=1),
            )
            Person.objects.create(organisation=organisation, user=user, name=username, email=f"{username}@example.org")
            services.coordinator_access_sync(organisation=organisation)
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = LOGIN_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # Staff pass a second factor (partnership.two_factor): the session has passed it with the benchmark's own
        # authenticator device, as django_otp.login records it.
        device, _created = TOTPDevice.objects.get_or_create(user=user, name="benchmark", defaults={"confirmed": True})
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        self.stdout.write(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
