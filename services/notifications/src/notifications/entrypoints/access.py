"""Who may call the notifications service's routes (see `shared.platform.access`)."""

from shared.platform.access import Access

ACCESS = Access("notifications")
