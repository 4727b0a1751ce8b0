"""Who may call the leads service's routes (see `shared.platform.access`)."""

from shared.platform.access import Access

ACCESS = Access("leads")
