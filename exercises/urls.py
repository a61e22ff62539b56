from django.urls import path

from exercises import views

app_name = "exercises"
urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("items/<slug:slug>/", views.item_detail, name="item"),
    path("items/<slug:slug>/draft", views.draft_save, name="draft"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("items/<slug:slug>/examples", views.examples_run, name="examples"),
    path("items/<slug:slug>/examples/<str:run_id>", views.examples_result, name="examples_result"),
]
