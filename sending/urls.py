from django.urls import path

from . import views

app_name = "sending"

urlpatterns = [
    path("mailboxes/", views.mailboxes, name="mailboxes"),
    path("mailboxes/<mbx:pk>/", views.mailbox, name="mailbox"),
    path("mailboxes/<mbx:pk>/test/", views.mailbox_test, name="mailbox-test"),
    path("mailboxes/<mbx:pk>/delete/", views.mailbox_delete, name="mailbox-delete"),
    path("messages/<msg:pk>.eml", views.message_eml, name="message-eml"),
]
