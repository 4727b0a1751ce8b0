"""Who may call the deals service's routes (see `shared.platform.access`)."""

from shared.platform.access import Access

ACCESS = Access("deals")
