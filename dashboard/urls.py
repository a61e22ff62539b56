from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("health/", views.health, name="health"),
    path("courses/<slug:slug>/", views.gradebook, name="gradebook"),
    path("courses/<slug:slug>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("courses/<slug:slug>/statistics/", views.course_stats, name="course_stats"),
    path("courses/<slug:slug>/review/", views.review_overview, name="review_overview"),
    path("items/<slug:slug>/review/", views.review_item, name="review_item"),
    path("items/<slug:slug>/statistics/", views.item_stats, name="item_stats"),
    path("items/<slug:slug>/regrade/", views.item_regrade, name="item_regrade"),
    path("regrades/<int:pk>/", views.regrade_progress, name="regrade_progress"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/override", views.submission_override, name="submission_override"),
    path("submissions/<int:pk>/accept", views.submission_accept, name="submission_accept"),
    path("submissions/<int:pk>/accept/undo", views.submission_accept_undo, name="submission_accept_undo"),
    path("submissions/<int:pk>/regrade", views.submission_regrade, name="submission_regrade"),
    path("assessments/<int:pk>/settings/", views.assessment_settings, name="assessment_settings"),
    path("extensions/<int:pk>/delete", views.extension_delete, name="extension_delete"),
]
