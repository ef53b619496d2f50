from django.urls import path

from surveys import views

app_name = "surveys"
SECTION, QUESTION = {"part": "section"}, {"part": "question"}

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/deadline/", views.deadline, name="deadline"),
    path("<int:pk>/state/<slug:to_state>/", views.transition, name="transition"),
    path("<int:pk>/respondents/upload/", views.respondents_upload, name="upload"),
    path("<int:pk>/respondents/add/", views.respondent_add, name="respondent_add"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/build/", views.build, name="build"),
    path("<int:pk>/build/texts/", views.texts, name="build_texts"),
    path("<int:pk>/build/sections/add/", views.section_edit, name="section_add"),
    path("<int:pk>/build/sections/<int:section_id>/", views.section_edit, name="section_edit"),
    path(
        "<int:pk>/build/sections/<int:part_id>/delete/", views.part_delete, {"part": "section"}, name="section_delete"
    ),
    path("<int:pk>/build/questions/add/", views.question_edit, name="question_add"),
    path("<int:pk>/build/questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path(
        "<int:pk>/build/questions/<int:part_id>/delete/",
        views.part_delete,
        {"part": "question"},
        name="question_delete",
    ),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/chart-<int:question_id>.<slug:fmt>", views.result_chart, name="result_chart"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/export.csv", views.export, {"fmt": "csv"}, name="export"),
    path("<int:pk>/export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<int:pk>/export-<slug:layout>.<slug:fmt>", views.export, name="export_layout"),
    path("<int:pk>/exports/", views.export_list, name="exports"),
    path("<int:pk>/exports/<int:export_id>/download/", views.export_download, name="export_download"),
    path("<int:pk>/codebook.csv", views.codebook, name="codebook"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/answer/<int:number>/", views.section, name="section"),
    path("<int:pk>/answer/review/", views.review, name="review"),
    path("<int:pk>/thanks/", views.thanks, name="thanks"),
    path("<int:pk>/my-answers.txt", views.download_copy, name="download_copy"),
    path("s/<str:token>/", views.personal_link, name="personal_link"),
    path("o/<str:token>/", views.open_link, name="open_link"),
    path("opt-out/<str:token>/", views.opt_out, name="opt_out"),
]
