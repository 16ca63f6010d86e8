"""Parties: the vendor, partners, customers, their people, certifications and submitters."""
