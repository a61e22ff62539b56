from django.urls import path

from exercises.api import views

urlpatterns = [
    path("auth/token", views.TokenView.as_view(), name="api-token"),
    path("items/<slug:slug>/submissions", views.SubmissionCreateView.as_view(), name="api-submission-create"),
    path("submissions/<int:pk>", views.SubmissionDetailView.as_view(), name="api-submission"),
]
