"""Pure building blocks every domain may import: the aggregate base, time zones, shared enums."""
