"""Service levels: business calendars and clocks (in progress: the calendar arithmetic)."""
