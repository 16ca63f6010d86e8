"""Cases: one case from the customer through the partner to the vendor and back, with an
engagement per relationship, a conversation with audiences and an append-only history."""
