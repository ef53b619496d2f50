from django.urls import path

from meetings import announcement_views, export_views, follow_views, letter_views, ticket_views, travel_views, views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("manage/", letter_views.meetings_managed, name="managed"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/calendar.ics", views.meeting_ics, name="ics"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/write/", letter_views.write_to_participants, name="write"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/follow/", follow_views.follow, name="follow"),
    path("<int:pk>/announce/", announcement_views.announce, name="announce"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/check-in/scan/", ticket_views.check_in_scan, name="check_in_scan"),
    path("<int:pk>/participants/", export_views.participants_export, name="participants"),
    path("<int:pk>/travel/", travel_views.travel_request, name="travel"),
    path("<int:pk>/travel/requests/", travel_views.travel_list, name="travel_list"),
    path("<int:pk>/travel/requests.xlsx", travel_views.travel_export, name="travel_export"),
    path("<int:pk>/travel/requests/<int:travel_pk>/", travel_views.travel_detail, name="travel_detail"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("r/<str:token>/", views.personal_link, name="personal_link"),
    path("check-in/<str:token>/", ticket_views.ticket, name="ticket"),
    path("calendar/", views.calendar_feeds, name="calendar_feeds"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
