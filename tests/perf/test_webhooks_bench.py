"""The bench's webhooks scenario: a batch's cost with 0, 1 and 3 endpoints and one worker's
deliveries a second, in make bench's report and from its own command; nothing is kept."""

import io

import pytest
from django.core.management import call_command

from demo.bench import scenarios
from demo.bench.report import backend_markdown
from demo.bench.webhooks import run_webhooks
from integrations.models import Webhook, WebhookDelivery, WebhookEvent
from outreach.models import Outreach

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_webhooks_scenario_reports_and_keeps_nothing(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False  # the bench allows its own local receiver
    bench = scenarios.prepare(repeat=1, naive_repeat=1, per_object_up_to=1, explain=False)
    run_webhooks(bench, batch=20, deliveries=5)
    [result] = bench.results
    assert [row["endpoints"] for row in result["batch"]] == [0, 1, 3]
    assert [row["deliveries_written"] for row in result["batch"]] == [0, 20, 60]
    assert result["delivery"]["sent"] == 5 and result["delivery"]["per_second"] > 0
    table = backend_markdown({"rows": {}, "database": "test", "results": [result], "vendor": "x"})
    assert "Webhooks: a batch transition of 20: 0 endpoint(s)" in table
    assert "delivered 5 of 5 to a local receiver" in table
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()
    assert not WebhookEvent.objects.exists() and not Outreach.objects.exists()


def test_the_command_prints_the_same_measurements():
    out = io.StringIO()
    call_command("bench_webhooks", batch=20, deliveries=5, repeat=1, stdout=out)
    text = out.getvalue()
    assert "3 endpoint(s):" in text and "60 deliveries written" in text
    assert "delivered 5 of 5" in text
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()
