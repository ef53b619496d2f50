"""Load the demo partnership; refuses to run with DEBUG off unless told --allow-production."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from actions import demo as actions_demo
from meetings import demo as meetings_demo
from partnership import demo, outbox
from partnership.models import OutboundMessage
from surveys import demo as surveys_demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo partnership of the seed. Running it twice changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo data and demo passwords even with DEBUG off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo has well-known passwords. "
                "Run with DEBUG=1, or pass --allow-production if you really mean it."
            )
        started = timezone.now()
        with transaction.atomic():
            records = demo.load_partner_records()
            meetings = meetings_demo.load_meetings(records)
            actions_demo.load_actions(records, meetings)
            surveys_demo.load_surveys(records)
            # The demo's invitations go to example addresses: keep them in the outbox, unsent.
            demo_mail = OutboundMessage.objects.filter(created_at__gte=started, status=OutboundMessage.Status.PENDING)
            demo_ids = list(demo_mail.values_list("pk", flat=True))
            outbox.messages_cancel_matching(messages=demo_mail)
            OutboundMessage.objects.filter(pk__in=demo_ids).update(last_error="Demo data: not sent.")
        self.stdout.write(self.style.SUCCESS("Demo partnership loaded."))
        self.stdout.write(
            "Demo logins (password for all: demo):\n"
            "  coordinator  – Claire Martin, City of Nice (coordinator; uses the admin at /admin/)\n"
            "  partner      – Aino Virtanen, City of Helsinki (partner)\n"
            "  ministry     – Ivana Horvat, Croatian Ministry of Construction and Physical Planning "
            "(runs the Croatian survey at /surveys/)\n"
            "  admin        – superuser\n"
            "Staff (coordinator, admin) pass a second factor after the password: add this key to an authenticator "
            f"app ({demo.DEMO_TOTP_SECRET}, or scan {demo.demo_otpauth_uri()}),\n"
            "or print the current code with `python manage.py demo_code coordinator`."
        )
