from django.urls import path

from lti import views

app_name = "lti"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    path("deep-link/", views.deep_link, name="deep_link"),
    path("admin/", views.admin_platforms, name="admin"),
    path("courses/<slug:slug>/", views.course_lti, name="course"),
    path("courses/<slug:slug>/roster-sync", views.roster_sync, name="roster_sync"),
    path("grades/<int:pk>/resend", views.grade_resend, name="grade_resend"),
]
