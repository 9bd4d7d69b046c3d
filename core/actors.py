"""Who makes a change: a signed-in user, or the system (None) for background work."""

from django.contrib.auth.models import AbstractBaseUser

Actor = AbstractBaseUser | None


def acting_user(actor: Actor) -> AbstractBaseUser | None:
    """The user to record as the author of a change; None for the system or an anonymous one."""
    return actor if actor is not None and actor.is_authenticated else None
