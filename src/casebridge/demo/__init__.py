"""The demo operating model: a vendor, partners and customers to explore casebridge with."""
