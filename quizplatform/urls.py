from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("", include("exercises.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("authoring/", include("authoring.urls")),
    path("api/v1/", include("exercises.api.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
