"""The installed base: which systems each customer runs, on which version, managed by whom, and
whether that version is still supported."""
