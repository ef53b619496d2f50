"""Behind the documented reverse proxy, login throttling and the portal's own limits count each visitor, not the
proxy; a visitor cannot escape a limit with a forged X-Forwarded-For; password reset is limited per address and
per account (issue 12, finding 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from actions.models import Action, Comment
from actions.tests.factories import ActionFactory
from actions.views import FEEDBACK_LIMIT_PER_HOUR
from partnership.clients import client_address
from partnership.models import OutboundMessage
from partnership.tests.factories import member_user
from partnership.tokens import token_hash
from partnership.views import PASSWORD_RESETS_PER_ACCOUNT, PASSWORD_RESETS_PER_ADDRESS
from surveys.models import Survey
from surveys.tests.factories import SurveyFactory
from surveys.views.respondent import OPEN_LINK_LIMIT_PER_HOUR

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ANA, BORIS = "203.0.113.7", "198.51.100.9"


def via_proxy(visitor: str, forged: str = "") -> Client:
    """A browser whose requests reach the portal through one reverse proxy, which appends the visitor's address
    to whatever X-Forwarded-For the visitor sent."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged}, {visitor}" if forged else visitor)


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.2"),
        (0, "203.0.113.7", "10.0.0.2"),  # no proxy of ours: the header is the visitor's word
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the left entry was sent by the visitor
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: all of them are ours
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_believes_only_the_trusted_proxies(settings, proxies, forwarded, expected) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def login(client: Client, user: Any, password: str) -> Any:
    return client.post(reverse("login"), {"username": user.username, "password": password})


def test_a_lockout_behind_the_proxy_locks_out_the_attacker_not_the_user(settings, behind_proxy, partnership) -> None:
    settings.AXES_ENABLED = True
    user = member_user(partnership)
    attacker = via_proxy(ANA)
    answers = [login(attacker, user, f"wrong-{i}").status_code for i in range(settings.AXES_FAILURE_LIMIT)]
    assert answers[-1] == 429
    assert login(attacker, user, "secret-pass-123").status_code == 429

    owner = via_proxy(BORIS)
    assert login(owner, user, "secret-pass-123").status_code == 302
    assert "_auth_user_id" in owner.session


def test_a_forged_forwarded_address_does_not_escape_the_lockout(settings, behind_proxy, partnership) -> None:
    settings.AXES_ENABLED = True
    user = member_user(partnership)
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(via_proxy(ANA, forged=f"192.0.2.{i}"), user, f"wrong-{i}")
    assert login(via_proxy(ANA, forged="192.0.2.200"), user, "secret-pass-123").status_code == 429


def test_one_visitor_behind_the_proxy_does_not_use_up_the_feedback_limit_of_all(behind_proxy, partnership) -> None:
    consulted: Any = ActionFactory(partnership=partnership, state=Action.State.PUBLIC_FEEDBACK)
    path = reverse("actions:feedback", args=[consulted.pk])
    comment = {"name": "Ana", "email": "ana@example.org", "body": "Please add bike paths."}
    for i in range(FEEDBACK_LIMIT_PER_HOUR):
        assert via_proxy(ANA, forged=f"192.0.2.{i}").post(path, comment).status_code == 302

    assert via_proxy(ANA).post(path, comment).status_code == 429
    assert via_proxy(BORIS).post(path, comment).status_code == 302
    assert Comment.objects.filter(action=consulted).count() == FEEDBACK_LIMIT_PER_HOUR + 1


def test_one_visitor_behind_the_proxy_does_not_use_up_the_open_links_limit_of_all(behind_proxy, partnership) -> None:
    survey: Any = SurveyFactory(partnership=partnership)
    Survey.objects.filter(pk=survey.pk).update(
        state=Survey.State.OPEN, open_link_enabled=True, open_link_token=token_hash("open-link-for-addresses")
    )
    path = reverse("surveys:open_link", kwargs={"token": "open-link-for-addresses"})
    for _ in range(OPEN_LINK_LIMIT_PER_HOUR):
        assert via_proxy(ANA).post(path, {"website": ""}).status_code == 302

    assert via_proxy(ANA, forged="192.0.2.1").post(path, {"website": ""}).status_code == 429
    assert via_proxy(BORIS).post(path, {"website": ""}).status_code == 302


def reset(client: Client, email: str) -> Any:
    return client.post(reverse("password_reset"), {"email": email})


def password_reset_mails() -> int:
    return OutboundMessage.objects.filter(key__startswith="password-reset:").count()


def test_password_reset_is_limited_per_account_with_a_clear_message(behind_proxy, partnership) -> None:
    user = member_user(partnership)
    answers = [reset(via_proxy(f"192.0.2.{i}"), user.email).status_code for i in range(PASSWORD_RESETS_PER_ACCOUNT)]
    assert answers == [302] * PASSWORD_RESETS_PER_ACCOUNT
    assert password_reset_mails() == PASSWORD_RESETS_PER_ACCOUNT

    refused = reset(via_proxy(ANA), user.email.upper())
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.text
    assert f'value="{user.email.upper()}"' in refused.text, "keeps what the user typed"
    assert password_reset_mails() == PASSWORD_RESETS_PER_ACCOUNT


def test_password_reset_is_limited_per_address(behind_proxy, partnership) -> None:
    users = [member_user(partnership) for _ in range(PASSWORD_RESETS_PER_ADDRESS + 1)]
    visitor = via_proxy(ANA)
    answers = [reset(visitor, user.email).status_code for user in users]
    assert answers == [302] * PASSWORD_RESETS_PER_ADDRESS + [429]
    assert password_reset_mails() == PASSWORD_RESETS_PER_ADDRESS
    # Another visitor behind the same proxy is not held by it.
    assert reset(via_proxy(BORIS), users[-1].email).status_code == 302
    assert password_reset_mails() == PASSWORD_RESETS_PER_ADDRESS + 1
