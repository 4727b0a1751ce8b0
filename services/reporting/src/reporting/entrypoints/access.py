"""Who may call the reporting service's routes (see `shared.platform.access`)."""

from shared.platform.access import Access

ACCESS = Access("reporting")
