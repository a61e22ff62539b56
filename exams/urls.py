from django.urls import path

from exams import views

app_name = "exams"
urlpatterns = [
    path("exam/assessments/<int:pk>/code/", views.access_code, name="code"),
    path("exam/assessments/<int:pk>/config.seb", views.seb_config, name="seb_config"),
    path("exam/items/<slug:slug>/final", views.final_submit, name="final"),
    path("dashboard/assessments/<int:pk>/exam/", views.exam_settings, name="settings"),
    path("dashboard/assessments/<int:pk>/exam/log/", views.exam_log, name="log"),
    path("dashboard/assessments/<int:pk>/exam/log/<int:user_id>/", views.student_log, name="student_log"),
]
