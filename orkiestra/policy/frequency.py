"""Frequency caps: how many marketing messages a contact may get on a channel in a rolling
window, and which message wins when several compete for the last slots.

Priority (higher wins) is decided among messages that are in flight at the same moment:
a message may take a free slot only if fewer messages of strictly higher priority are
waiting for a slot than there are slots left. So with one slot left, a priority-5 send
yields (`frequency_cap`) to a priority-9 send for the same contact and channel that has
been reserved but not yet decided, even if the priority-5 one asked first. A slot
already taken is never taken back: a message that arrives later cannot recall a message
that has gone out. Equal priorities are first come, first served.
"""

from __future__ import annotations

from typing import Literal

Decision = Literal["take", "full", "yield"]


def slot_decision(cap: int, used: int, higher_pending: int) -> Decision:
    """`used` slots taken in the window, `higher_pending` higher-priority sends waiting."""
    remaining = cap - used
    if remaining <= 0:
        return "full"
    if higher_pending >= remaining:
        return "yield"
    return "take"
