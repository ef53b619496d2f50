"""Root URLs: the project layer, which composes the apps."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from partnership import dashboard, notification_views, two_factor_views, views

admin.site.site_header = _("Partnership Portal administration")
admin.site.site_title = _("Partnership Portal")
admin.site.index_title = _("Coordination")

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("p/<slug:slug>/", views.partnership_detail, name="partnership_detail"),
    path("p/<slug:slug>/partners/", views.directory, name="directory"),
    path("p/<slug:slug>/announce/", notification_views.announcement_new, name="announcement_new"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("profile/", views.profile, name="profile"),
    path("profile/my-data.json", views.profile_data, name="profile_data"),
    path("profile/notifications/", notification_views.notification_preferences, name="notification_preferences"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path("account/two-factor/", two_factor_views.overview, name="two_factor"),
    path("account/two-factor/app/", two_factor_views.totp_setup, name="two_factor_totp"),
    path("account/two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("account/two-factor/recovery-codes/", two_factor_views.recovery_codes, name="two_factor_codes"),
    path("account/two-factor/passkey-registered/", two_factor_views.passkey_registered, name="two_factor_passkey"),
    path("account/two-factor/webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("health/", views.health, name="health"),
    path("ping/", views.ping, name="ping"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("meetings/", include("meetings.urls")),
    path("actions/", include("actions.urls")),
    path("surveys/", include("surveys.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
