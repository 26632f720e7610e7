"""Languages: .po catalogs and their checks, negotiation, the pseudo-locale, and
messages as values translated at render time. Pure."""
