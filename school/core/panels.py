"""Feature panels on /my and on the event page (issue 15): no query from inside a template.

Each feature registers ONE loader per page; the page's view runs them all up front and
passes their results to the template as `panels` (feature → data). The loaders share what
the view loaded once: on /my the person's enrolments (events, programmes and sessions
loaded), on the event page the viewer's active enrolment of the event (or None).

    @panels.my("certificates")
    def _mine(enrollments, user): ...      # -> what certificates/_my_panel.html shows

    @panels.event("certificates")
    def _here(event, enrollment, user): ...  # -> what certificates/_event_panel.html shows

A panel's template reads `panels[feature]` when the view gave `panels`, else calls its
template global (which runs the same loader).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MY: dict[str, Callable[[list, Any], Any]] = {}
EVENT: dict[str, Callable[[Any, Any, Any], Any]] = {}


def my(feature: str):
    """Register `feature`'s /my loader: (the person's enrolments, the person) -> data."""
    def register(loader):
        MY[feature] = loader
        return loader
    return register


def event(feature: str):
    """Register `feature`'s event-page loader: (event, viewer's enrolment, viewer) -> data."""
    def register(loader):
        EVENT[feature] = loader
        return loader
    return register


def load_my(enrollments: list, user) -> dict[str, Any]:
    return {feature: loader(enrollments, user) for feature, loader in MY.items()}


def load_event(event_, enrollment, user) -> dict[str, Any]:
    return {feature: loader(event_, enrollment, user) for feature, loader in EVENT.items()}
