from django.urls import path

from . import views

app_name = "sending"

urlpatterns = [
    path("mailboxes/", views.mailboxes, name="mailboxes"),
    path("mailboxes/<mbx:pk>/", views.mailbox, name="mailbox"),
    path("mailboxes/<mbx:pk>/test/", views.mailbox_test, name="mailbox-test"),
    path("mailboxes/<mbx:pk>/delete/", views.mailbox_delete, name="mailbox-delete"),
    path("mailboxes/<mbx:pk>/activate/", views.mailbox_activate, name="mailbox-activate"),
    path("outbox/", views.outbox, name="outbox"),
    path("messages/<msg:pk>.eml", views.message_eml, name="message-eml"),
    path("messages/<msg:pk>/mark-sent/", views.message_mark_sent, name="message-mark-sent"),
    path("messages/<msg:pk>/send-again/", views.message_send_again, name="message-send-again"),
    path("outreaches/<out:pk>/mailbox/", views.outreach_mailbox, name="outreach-mailbox"),
]
