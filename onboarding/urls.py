from django.urls import path

from onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("dashboard/courses/<slug:slug>/people/", views.people, name="people"),
    path("dashboard/courses/<slug:slug>/people/add", views.member_add, name="member_add"),
    path("dashboard/courses/<slug:slug>/people/<int:pk>/remove", views.member_remove, name="member_remove"),
    path("dashboard/courses/<slug:slug>/people/<int:pk>/invite", views.invitation_resend, name="invitation_resend"),
    path("dashboard/courses/<slug:slug>/roster/", views.roster_upload, name="roster_upload"),
    path("dashboard/courses/<slug:slug>/roster/<int:pk>/", views.roster_preview, name="roster_preview"),
    path("dashboard/courses/<slug:slug>/roster/<int:pk>/confirm", views.roster_confirm, name="roster_confirm"),
    path("dashboard/mail/", views.mail_outbox, name="mail_outbox"),
    path("invitation/<uidb64>/<token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
]
