"""Two indexes of the outreach table leave out the rows no plan reads them for.

Moving a state (a batch transition, enrichment) is never a HOT update: `current_state` and
`delivery_status` are indexed, so every index of the table gets a new entry for every row moved,
17 of them until now, each at a random leaf page. On 1M rows a 10,000-row move dirtied 111,000
pages (99,800 of them full-page images in the WAL), against 14,500 with the primary key alone.

EXPLAIN of every filter and sort the API offers, with each value, showed all 17 indexes chosen
by some plan, so none is dropped. But two are only ever read for their rare values:

- `outreach_ws_delivery_idx` serves `delivery_status=` failed, aborted, canceled, running and
  performed; `pending` (73% of rows) is listed by walking `outreach_ws_created_idx` (or the sort's
  own index) and filtering, which finds a page of them at once. Its pending entries go.
- `outreach_ws_outcome_sent_idx` serves `outcome=` any value but `none` (91%), and the follow-up
  queue's stale list (`sent_at < …` and no outcome yet). Its entries for unsent outreaches
  without an outcome (86%: every outreach before it is sent, which is every one enrichment moves)
  go; the stale list's `sent_at < …` implies the `sent_at IS NOT NULL` arm, so it keeps its index.

Every other index serves a filter or sort nothing else can: the created-at order, the channel and
status filters and sorts, the person, company, sequence, job and tag filters (and the checks of
deleting one), and the six name sorts, one per direction because empty names come last in both.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0011_input_limits"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="outreach",
            name="outreach_ws_delivery_idx",
        ),
        migrations.RemoveIndex(
            model_name="outreach",
            name="outreach_ws_outcome_sent_idx",
        ),
        migrations.AddIndex(
            model_name="outreach",
            index=models.Index(
                condition=models.Q(("delivery_status", "pending"), _negated=True),
                fields=["workspace", "delivery_status", "id"],
                name="outreach_ws_delivery_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outreach",
            index=models.Index(
                condition=models.Q(
                    models.Q(("outcome", "none"), _negated=True),
                    ("sent_at__isnull", False),
                    _connector="OR",
                ),
                fields=["workspace", "outcome", "sent_at"],
                name="outreach_ws_outcome_sent_idx",
            ),
        ),
    ]
