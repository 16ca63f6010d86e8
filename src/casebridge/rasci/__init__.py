"""RASCI: operating models' responsibility matrices, versioned, and the policy engine on them."""
