from django.urls import path

from authoring import views

app_name = "authoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.course_import, name="import"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
    path("courses/<slug:slug>/export.zip", views.course_export, name="export"),
    path("courses/<slug:slug>/items/new/", views.item_new, name="item_new"),
    path("items/<slug:slug>/edit/", views.item_edit, name="item_edit"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="discard"),
    path("drafts/<int:pk>/validate/", views.draft_validate, name="validate"),
    path("drafts/<int:pk>/validation/", views.draft_validation, name="validation"),
    path("drafts/<int:pk>/preview/", views.draft_preview, name="preview"),
    path("drafts/<int:pk>/publish/", views.draft_publish, name="publish"),
    path("drafts/<int:pk>/published/", views.draft_published, name="published"),
]
