from django.urls import path

from . import views

app_name = "replies"

urlpatterns = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<inb:pk>/", views.inbound, name="inbound"),
    path("inbox/<inb:pk>.eml", views.inbound_eml, name="inbound-eml"),
]
