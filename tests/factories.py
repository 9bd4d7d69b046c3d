import datetime

import factory
from django.contrib.auth import get_user_model

from contacts.models import Company, Person
from followups.models import FollowUp
from jobs.models import Job
from outreach.models import EnrichmentBatch, Outreach, Sequence, SequenceStep, Tag
from outreach.services import sort_keys
from sending.models import Mailbox
from workspaces.choices import Role
from workspaces.models import Membership, Workspace

TEST_DESK = "Test desk"


def default_workspace() -> Workspace:
    """The workspace every factory uses unless told otherwise (and the `user` fixture's)."""
    return Workspace.objects.get_or_create(name=TEST_DESK)[0]


def workspace_of(*parents: str):
    """A LazyAttribute: the workspace of the first parent given, else the test desk — so a row
    made for another workspace's company lands in that workspace too."""

    def pick(obj):
        for name in parents:
            parent = getattr(obj, name, None)
            if parent is not None:
                return parent.workspace
        return default_workspace()

    return factory.LazyAttribute(pick)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Workspace {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def membership(user, create, extracted, **kwargs):
        """Every user is an admin of the test desk unless told otherwise:
        `membership=False` (none), `membership__role="viewer"`, `membership__workspace=ws`."""
        if not create or extracted is False:
            return
        workspace = kwargs.get("workspace") or default_workspace()
        Membership.objects.update_or_create(
            user=user, defaults={"workspace": workspace, "role": kwargs.get("role", Role.ADMIN)}
        )
        user.__dict__.pop("_workspace_membership", None)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    workspace = factory.LazyFunction(default_workspace)
    name = factory.Sequence(lambda n: f"Company {n:04d}")
    domain = factory.Sequence(lambda n: f"company{n}.example.com")
    owner = factory.SubFactory(UserFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    workspace = workspace_of("company")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.com")


class SequenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sequence
        skip_postgeneration_save = True

    workspace = factory.LazyFunction(default_workspace)
    name = factory.Sequence(lambda n: f"Sequence {n:04d}")

    @factory.post_generation
    def steps(sequence, create, extracted, **kwargs):
        """`SequenceFactory(steps=2)`: that many email steps, a day apart (none by default)."""
        for position in range(1, (extracted or 0) + 1):
            SequenceStep.objects.create(
                sequence=sequence,
                position=position,
                delay_days=0 if position == 1 else 1,
                subject_template=f"Step {position}",
                body_template="Hello {{ first_name }}",
            )


class SequenceStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SequenceStep

    sequence = factory.SubFactory(SequenceFactory)
    position = factory.Sequence(lambda n: n + 1)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("workspace", "name")

    workspace = factory.LazyFunction(default_workspace)
    name = factory.Sequence(lambda n: f"tag{n}")


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    workspace = workspace_of("company")
    title = factory.Faker("job")
    company = factory.SubFactory(CompanyFactory)


class OutreachFactory(factory.django.DjangoModelFactory):
    """An outreach in its initial states; move it with services, or `state=` for tests."""

    class Meta:
        model = Outreach

    person = factory.SubFactory(PersonFactory)
    company = factory.LazyAttribute(lambda o: o.person.company if o.person else None)
    workspace = workspace_of("person", "company", "job", "sequence")
    channel = "email"

    @classmethod
    def _create(cls, model_class, *args, state=None, delivery=None, **kwargs):
        outreach = model_class(*args, **kwargs)
        sort_keys.copy_onto(outreach)  # as the services do before every save
        outreach.save()
        # The state fields are protected; tests put rows straight into a state via UPDATE.
        changes = {}
        if state:
            changes["current_state"] = state
        if delivery:
            changes["delivery_status"] = delivery
        if changes:
            model_class.objects.filter(pk=outreach.pk).update(**changes)
            outreach.refresh_from_db()
        return outreach


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    person = factory.SubFactory(PersonFactory)
    workspace = workspace_of("outreach", "person", "job")
    title = factory.Sequence(lambda n: f"Follow up {n}")
    due_at = factory.Faker("date_time_this_month", tzinfo=datetime.UTC)


class EnrichmentBatchFactory(factory.django.DjangoModelFactory):
    """A batch's progress row alone; run a batch through the services for its work."""

    class Meta:
        model = EnrichmentBatch

    actor = factory.SubFactory(UserFactory)
    workspace = factory.LazyFunction(default_workspace)
    total = 2


class MailboxFactory(factory.django.DjangoModelFactory):
    """A `local` mailbox (builds and stores, sends nothing) with no limits in the way: every
    day, all day, no minimum interval. Tests of limits set their own."""

    class Meta:
        model = Mailbox

    workspace = factory.LazyFunction(default_workspace)
    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Mailbox {n}")
    from_name = "Alice Adams"
    from_email = factory.Sequence(lambda n: f"sender{n}@example.com")
    kind = "local"
    daily_limit = 10_000
    min_interval_seconds = 0
    window_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    window_start = datetime.time(0, 0)
    window_end = datetime.time(23, 59, 59)
