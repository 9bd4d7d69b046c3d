"""Hooks: how a lower app lets a higher one take part in its writes without importing it.

Apps import each other in one direction only (see the README's Architecture section). When a
write of a lower app must also change a higher app's rows — a renamed company moves the sort keys
of its outreaches — the lower app declares a hook and calls it inside its transaction, and the
higher app registers its function in `AppConfig.ready`. Every registration is in an `apps.py`,
so the flow stays readable from one place.
"""

from collections.abc import Callable
from typing import Any


class Hook:
    """Functions called, in registration order, with the keyword arguments of the call."""

    def __init__(self, description: str):
        self.description = description
        self._functions: list[Callable[..., None]] = []

    def register(self, function: Callable[..., None]) -> Callable[..., None]:
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __call__(self, **kwargs: Any) -> None:
        for function in self._functions:
            function(**kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.description}: {len(self._functions)} registered>"


class Provider:
    """One function a higher app supplies for a lower app to ask (a read it cannot make itself).

    Asking before anything was registered is a programming error, not a silent empty answer.
    """

    def __init__(self, description: str):
        self.description = description
        self._function: Callable[..., Any] | None = None

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        self._function = function
        return function

    def __call__(self, **kwargs: Any) -> Any:
        if self._function is None:
            raise RuntimeError(f"Nothing provides {self.description}; is its app installed?")
        return self._function(**kwargs)

    def __repr__(self) -> str:
        return f"<Provider {self.description}>"
