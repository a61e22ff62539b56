from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.views import LoginView

# The admin's own login page is a second door for guessing passwords: the same throttle.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", include("exercises.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("dashboard/similarity/", include("integrity.urls")),
    path("", include("exams.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("", include("onboarding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("authoring/", include("authoring.urls")),
    path("lti/", include("lti.urls")),
    path("api/v1/", include("exercises.api.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]

handler400 = "quizplatform.views.bad_request"
handler403 = "quizplatform.views.permission_denied"
handler404 = "quizplatform.views.page_not_found"
handler500 = "quizplatform.views.server_error"
