from django.urls import path, register_converter
from django.urls.converters import get_converters

from core.dashboard.converters import PublicIdConverter

from . import views
from .models import Webhook, WebhookDelivery

app_name = "integrations"

for _model in (Webhook, WebhookDelivery):
    if _model.PUBLIC_ID_PREFIX not in get_converters():
        register_converter(
            type(
                f"{_model.__name__}IdConverter",
                (PublicIdConverter,),
                {"prefix": _model.PUBLIC_ID_PREFIX},
            ),
            _model.PUBLIC_ID_PREFIX,
        )

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<whk:pk>/", views.webhook, name="webhook"),
    path("webhooks/<whk:pk>/rotate/", views.webhook_rotate, name="webhook-rotate"),
    path("webhooks/<whk:pk>/test/", views.webhook_test, name="webhook-test"),
    path("webhooks/<whk:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path(
        "webhooks/<whk:pk>/deliveries/<dlv:delivery_pk>/redeliver/",
        views.webhook_redeliver,
        name="webhook-redeliver",
    ),
]
