from django.urls import path

from actions import follow_views, merge_views, views

app_name = "actions"

urlpatterns = [
    path("p/<slug:slug>/", views.long_list, name="long_list"),
    path("p/<slug:slug>/new/", views.create, name="create"),
    path("p/<slug:slug>/ranking/", views.ranking, name="ranking"),
    path("p/<slug:slug>/plan/", views.action_plan, name="plan"),
    path("p/<slug:slug>/export.<str:fmt>", views.export, name="export"),
    path("p/<slug:slug>/open-data.<str:fmt>", views.open_data, name="open_data"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/feedback/", views.public_feedback, name="feedback"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/merge/", merge_views.merge, name="merge"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/follow/", follow_views.follow, name="follow"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
]
