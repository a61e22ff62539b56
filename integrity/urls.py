from django.urls import path

from integrity import views

app_name = "integrity"
urlpatterns = [
    path("courses/<slug:slug>/", views.course_overview, name="course"),
    path("items/<slug:slug>/", views.item_pairs, name="item"),
    path("items/<slug:slug>/pairs/<int:a>/<int:b>/", views.pair_detail, name="pair"),
    path("items/<slug:slug>/pairs/<int:a>/<int:b>/mark", views.pair_mark, name="pair_mark"),
]
