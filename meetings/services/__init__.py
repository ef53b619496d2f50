"""Every write to meetings, by sub-domain: meetings (and their agenda), registrations (invitations, the
waitlist, check-in), reminders, documents (and minutes) and calendar feeds.

What callers use is re-exported here, so `from meetings import services; services.meeting_reschedule(...)`
reads the same whichever module holds it.
"""

from meetings.services.calendar_feeds import calendar_feed_create, calendar_feed_revoke
from meetings.services.documents import (
    document_add,
    document_delete,
    document_save,
    minutes_publish,
    minutes_save,
    sanitise_html,
)
from meetings.services.letters import letter_audience, letter_job_key, letter_request
from meetings.services.meetings import (
    agenda_item_delete,
    agenda_item_save,
    agenda_shift,
    meeting_cancel,
    meeting_create,
    meeting_held_undo,
    meeting_reschedule,
    meeting_save,
    meeting_transition,
)
from meetings.services.registrations import (
    guest_invite,
    invitations_resend,
    meeting_invite,
    registration_check_in,
    registration_decline,
    registration_for_member,
    registration_promote,
    registration_submit,
    registration_undo_check_in,
    waitlist_promote,
)
from meetings.services.reminders import (
    DEFAULT_REMINDERS,
    reminder_rule_delete,
    reminder_rule_save,
    reminder_rules_ensure_defaults,
    reminders_sweep,
)
from meetings.services.tickets import ticket_png, ticket_svg, ticket_token, ticket_url, ticket_wanted

__all__ = [
    "DEFAULT_REMINDERS",
    "agenda_item_delete",
    "agenda_item_save",
    "agenda_shift",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "document_add",
    "document_delete",
    "document_save",
    "guest_invite",
    "invitations_resend",
    "letter_audience",
    "letter_job_key",
    "letter_request",
    "meeting_cancel",
    "meeting_create",
    "meeting_held_undo",
    "meeting_invite",
    "meeting_reschedule",
    "meeting_save",
    "meeting_transition",
    "minutes_publish",
    "minutes_save",
    "registration_check_in",
    "registration_decline",
    "registration_for_member",
    "registration_promote",
    "registration_submit",
    "registration_undo_check_in",
    "reminder_rule_delete",
    "reminder_rule_save",
    "reminder_rules_ensure_defaults",
    "reminders_sweep",
    "sanitise_html",
    "ticket_png",
    "ticket_svg",
    "ticket_token",
    "ticket_url",
    "ticket_wanted",
    "waitlist_promote",
]
