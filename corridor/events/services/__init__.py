"""Every write to events that has a rule (STYLE.md §2): one module per part, all names here."""

from .common import (  # noqa: F401
    acts_for,
    can_create_event,
    can_organise,
    event_bounds,
    requests_close_at,
    zone_of,
)
from .events import *  # noqa: F403
from .registrations import *  # noqa: F403
from .requests import *  # noqa: F403
from .schedule import *  # noqa: F403
from .sessions import *  # noqa: F403
