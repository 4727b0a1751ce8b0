"""Who may call the notifications service's routes (see `shared.platform.access`)."""

from shared.platform.access import HEADS, Access

ACCESS = Access("notifications")

STAFF_OVERSIGHT = ACCESS.allow(keys=("read",), roles=HEADS)
"""The delivery log and the recipients (clients' addresses among them): read keys, heads, admins.

A manager has no records here to scope: what was sent about their leads and deals is in those.
"""
