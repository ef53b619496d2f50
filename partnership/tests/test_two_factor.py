"""Two-factor login (issue 12): staff pass a second factor before the admin and every staff page; partners only if
they opted in. Real TOTP codes computed from the device's key, real recovery codes, the real middleware."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from meetings.tests.factories import MeetingFactory
from partnership import two_factor
from partnership.models import AuditLog
from partnership.tests.factories import UserFactory
from partnership.tests.second_factor import code_for, totp_device

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"


def log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def app_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def staff_pages(partnership):
    meeting = MeetingFactory.create(partnership=partnership)
    return [
        "/admin/",
        reverse("meetings:manage", args=[meeting.pk]),
        reverse("actions:export", kwargs={"slug": partnership.slug, "fmt": "xlsx"}),
    ]


def test_staff_without_a_device_are_sent_to_set_one_up_from_every_staff_page(unverified_client, coordinator):
    assert coordinator.is_staff
    log_in(unverified_client, coordinator)
    for page in staff_pages(coordinator.person.organisation.memberships.get().partnership):
        response = unverified_client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor") + "?next=")
    assert unverified_client.get(reverse("two_factor")).status_code == 200


def test_staff_with_a_device_are_sent_to_verify_and_a_real_code_lets_them_in(unverified_client, coordinator):
    device = app_device(coordinator)
    log_in(unverified_client, coordinator)
    pages = staff_pages(coordinator.person.organisation.memberships.get().partnership)
    for page in pages:
        response = unverified_client.get(page)
        assert response["Location"].startswith(reverse("two_factor_verify") + "?next=")
    verify = reverse("two_factor_verify") + "?next=/admin/"
    response = unverified_client.post(verify, {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    for page in pages:
        assert unverified_client.get(page).status_code == 200


def test_a_wrong_code_is_refused_with_the_input_kept(unverified_client, coordinator):
    device = app_device(coordinator)
    log_in(unverified_client, coordinator)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = unverified_client.post(reverse("two_factor_verify"), {"code": wrong})
    assert response.status_code == 200
    assert "That code is wrong or has been used already" in response.content.decode()
    assert f'value="{wrong}"' in response.content.decode()
    assert unverified_client.get("/admin/").status_code == 302
    # The library's throttle: right after a wrong code even the right one waits.
    response = unverified_client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert "Too many wrong codes" in response.content.decode()


def test_a_code_used_once_is_refused_the_second_time(unverified_client, client, coordinator):
    device = app_device(coordinator)
    code = code_for(device)
    log_in(unverified_client, coordinator)
    assert unverified_client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    unverified_client.post(reverse("logout"))
    log_in(unverified_client, coordinator)
    response = unverified_client.post(reverse("two_factor_verify"), {"code": code})
    assert response.status_code == 200
    assert "has been used already" in response.content.decode()
    assert unverified_client.get("/admin/").status_code == 302


def test_a_recovery_code_works_once_only(unverified_client, coordinator, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    app_device(coordinator)
    codes = two_factor.recovery_codes_renew(user=coordinator)
    assert len(codes) == 10 and len(set(codes)) == 10
    log_in(unverified_client, coordinator)
    assert unverified_client.post(reverse("two_factor_verify"), {"code": codes[0]}).status_code == 302
    assert unverified_client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9
    unverified_client.post(reverse("logout"))
    log_in(unverified_client, coordinator)
    response = unverified_client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert "That recovery code is wrong or has been used already" in response.content.decode()
    assert unverified_client.get("/admin/").status_code == 302


def test_setting_up_an_app_shows_its_key_confirms_with_a_code_then_shows_recovery_codes_once(
    unverified_client, coordinator
):
    log_in(unverified_client, coordinator)
    page = unverified_client.get(reverse("two_factor_totp") + "?next=/admin/")
    html = page.content.decode()
    assert "<svg" in html and "otpauth" not in html.split("<svg")[0][-50:]
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None
    assert secret.group(1).replace(" ", "").startswith(__import__("base64").b32encode(device.bin_key).decode()[:8])
    wrong = unverified_client.post(reverse("two_factor_totp"), {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = unverified_client.post(reverse("two_factor_totp"), {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_codes"))
    codes_page = unverified_client.get(response["Location"]).content.decode()
    codes = re.findall(r'<li class="col">([a-z0-9]+)</li>', codes_page)
    assert len(codes) == 10
    assert 'href="/admin/"' in codes_page
    assert unverified_client.get(response["Location"]).status_code == 302, "shown once"
    assert unverified_client.get("/admin/").status_code == 200


def test_a_partner_without_a_device_is_unaffected(unverified_client, partner):
    log_in(unverified_client, partner)
    assert unverified_client.get(reverse("profile")).status_code == 200
    assert unverified_client.get(reverse("home")).status_code == 200


def test_a_partner_who_opted_in_must_verify_and_may_opt_out(unverified_client, partner):
    device = app_device(partner)
    two_factor.recovery_codes_renew(user=partner)
    log_in(unverified_client, partner)
    response = unverified_client.get(reverse("profile"))
    assert response["Location"].startswith(reverse("two_factor_verify"))
    unverified_client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    assert unverified_client.get(reverse("profile")).status_code == 200
    unverified_client.post(reverse("two_factor"), {"remove": device.persistent_id})
    assert not TOTPDevice.objects.filter(user=partner).exists()
    assert not StaticDevice.objects.filter(user=partner).exists()
    unverified_client.post(reverse("logout"))
    log_in(unverified_client, partner)
    assert unverified_client.get(reverse("profile")).status_code == 200


def test_staff_cannot_remove_their_last_factor_nor_someone_elses(client, coordinator, partner):
    client.force_login(coordinator)
    device = totp_device(coordinator)
    response = client.post(reverse("two_factor"), {"remove": device.persistent_id}, follow=True)
    assert "Staff keep at least one second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    others = app_device(partner)
    assert client.post(reverse("two_factor"), {"remove": others.persistent_id}).status_code == 404
    assert TOTPDevice.objects.filter(pk=others.pk).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http://testserver@evil.example/"])
def test_next_never_leads_off_site(unverified_client, coordinator, target):
    device = app_device(coordinator)
    log_in(unverified_client, coordinator)
    response = unverified_client.post(reverse("two_factor_verify"), {"code": code_for(device), "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_menu_offers_only_the_way_out_until_the_second_factor_is_passed(unverified_client, coordinator):
    device = app_device(coordinator)
    log_in(unverified_client, coordinator)
    page = unverified_client.get(reverse("two_factor_verify")).content.decode()
    assert "Log out" in page
    assert f'href="{reverse("meetings:list")}"' not in page and f'href="{reverse("notifications")}"' not in page
    unverified_client.post(reverse("two_factor_verify"), {"code": code_for(device)})
    page = unverified_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("meetings:list")}"' in page and f'href="{reverse("notifications")}"' in page


def test_the_way_out_stays_open_before_the_second_factor(unverified_client, coordinator):
    log_in(unverified_client, coordinator)
    for page in (reverse("privacy"), reverse("accessibility"), reverse("two_factor")):
        assert unverified_client.get(page).status_code == 200
    assert unverified_client.post(reverse("logout")).status_code == 302
    assert unverified_client.get("/admin/").status_code == 302


def test_a_superuser_resets_factors_with_an_audit_entry_and_staff_set_up_again(client, unverified_client, coordinator):
    device = app_device(coordinator)
    two_factor.recovery_codes_renew(user=coordinator)
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:partnership_person_changelist")
    response = client.post(
        changelist, {"action": "reset_second_factors", "_selected_action": [coordinator.person.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    entry = AuditLog.objects.get(verb="two_factor_reset")
    assert entry.actor == admin and entry.object_id == str(coordinator.person.pk)
    assert any("phone" in removed for removed in entry.changes["factors"][0])
    log_in(unverified_client, coordinator)
    assert unverified_client.get("/admin/")["Location"].startswith(reverse("two_factor") + "?")
    del device


def test_no_admin_page_shows_anyones_authenticator_key(client):
    """django-otp's admin pages (a device's key and QR code) are not there: factors are reset, never handed over."""
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    index = client.get(reverse("admin:index")).content.decode()
    assert "otp_totp" not in index and "otp_static" not in index
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_a_coordinator_cannot_reset_factors(client, coordinator, partner):
    device = app_device(partner)
    client.force_login(coordinator)
    changelist = reverse("admin:partnership_person_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "reset_second_factors" not in page.content.decode()
    client.post(changelist, {"action": "reset_second_factors", "_selected_action": [partner.person.pk]})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditLog.objects.filter(verb="two_factor_reset").exists()


def test_the_test_client_logs_staff_in_verified_and_a_plain_client_does_not(client, unverified_client, coordinator):
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 200
    unverified_client.force_login(coordinator)
    assert unverified_client.get("/admin/").status_code == 302


def test_demo_staff_have_the_printed_key_and_demo_code_prints_only_for_it(unverified_client):
    call_command("load_demo", "--allow-production", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_code", "coordinator", stdout=out)
    code = out.getvalue().split()[0]
    unverified_client.post(reverse("login"), {"username": "coordinator", "password": "demo"})
    assert unverified_client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    assert unverified_client.get("/admin/").status_code == 200
    with pytest.raises(CommandError):
        call_command("demo_code", "partner", stdout=io.StringIO())
    coordinator = TOTPDevice.objects.get(user__username="coordinator").user
    other = TOTPDevice.objects.create(user=coordinator, name="own phone", confirmed=True)
    TOTPDevice.objects.filter(user=coordinator).exclude(pk=other.pk).delete()
    with pytest.raises(CommandError):
        call_command("demo_code", "coordinator", stdout=io.StringIO())


def test_bench_login_gives_a_verified_session(client, partnership):
    from django.conf import settings

    out = io.StringIO()
    call_command("bench_login", "--partnership", partnership.slug, stdout=out)
    name, value = out.getvalue().strip().split("=", 1)
    assert name == settings.SESSION_COOKIE_NAME
    client.cookies[name] = value
    assert client.get("/admin/").status_code == 200
