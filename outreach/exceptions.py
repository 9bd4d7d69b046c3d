from core.errors import Conflict


class TransitionNotAllowed(Conflict):
    """The outreach's current state (or a condition) does not allow the transition."""
