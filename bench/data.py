"""The benchmark's data: migrations, the demo, the generated members, meetings and actions, and the static files.

Each step is a `manage.py` command in the production environment; the result is the list of pages to measure,
which needs the generated meetings' ids and a generated priority area's id.
"""

from __future__ import annotations

import argparse

from bench.commands import manage
from bench.common import step
from bench.database import priority_area_id
from bench.scenario import ACTIONS_PARTNERSHIP, FEW_NOTIFICATIONS, PARTNERSHIP, SignedIn


def prepare(env: dict[str, str], args: argparse.Namespace, database_url: str) -> tuple[str, str, int, SignedIn]:
    """Fill the database for the page measurements and collect the static files; the generated meetings' ids, a
    priority area's id and the signed-in users, which the pages to measure need."""
    step("migrate")
    manage(env, "migrate", "--no-input", "-v0")
    step("load the demo")
    manage(env, "load_demo", "--allow-production")
    step(f"generate {args.organisations} member organisations")
    manage(env, "generate_partners", "--count", str(args.organisations), "--partnership", PARTNERSHIP)
    step("generate a Florence-sized meeting and a 365-item meeting")
    florence = manage(env, "generate_meeting", "--items", "25", "--registrations", "40", capture=True).split()[-1]
    large = manage(env, "generate_meeting", "--items", "365", "--registrations", "40", capture=True).split()[-1]
    step(f"generate {args.actions} actions over {args.action_partnerships} partnerships")
    manage(env, "generate_actions", "--count", str(args.actions), "--partnerships", str(args.action_partnerships))
    area_id = priority_area_id(database_url, ACTIONS_PARTNERSHIP)
    step(f"sign in a coordinator of {ACTIONS_PARTNERSHIP}")
    cookie = manage(env, "bench_login", "--partnership", ACTIONS_PARTNERSHIP, capture=True).split()[-1]
    step(f"generate a meeting with {args.invitees} invitees; sign in a coordinator of {PARTNERSHIP} and the partner")
    crowded = manage(
        env, "generate_meeting", "--items", "25", "--registrations", str(args.invitees), capture=True
    ).split()[-1]
    manager = manage(env, "bench_login", "--partnership", PARTNERSHIP, capture=True).split()[-1]
    partner = manage(env, "bench_notifications", "--session", "partner", capture=True).split()[-1]
    step(f"give a partner {args.notifications} notifications")
    reader = manage(env, "bench_notifications", "--reader", str(args.notifications), capture=True).split()[-1]
    few = ("--reader", str(FEW_NOTIFICATIONS), "--name", "bench-reader-few")
    few_reader = manage(env, "bench_notifications", *few, capture=True).split()[-1]
    step("collectstatic")
    manage(env, "collectstatic", "--no-input", "-v0")
    signed_in = SignedIn(
        coordinator=cookie,
        partner=partner,
        manager=manager,
        reader=reader,
        few_reader=few_reader,
        crowded=crowded,
        invitees=args.invitees,
        notifications=args.notifications,
    )
    return florence, large, area_id, signed_in
