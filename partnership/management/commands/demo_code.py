"""The current code of a demo staff user's authenticator app: the demo's printed key, and no other device's."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership.demo import DEMO_TOTP_DEVICE, demo_totp_key


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo staff user (only for the demo's own device)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        device = TOTPDevice.objects.filter(
            user__username=options["username"], name=DEMO_TOTP_DEVICE, key=demo_totp_key(), confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                f"{options['username']!r} has no demo authenticator: codes are printed for the demo's device only."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        seconds = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}  (valid for {seconds} more seconds)")
