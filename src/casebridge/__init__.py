"""casebridge: support operations for a software vendor, its partners and their customers."""

__version__ = "0.1.0"
