"""Stand-ins for the outside services the marketplace calls (payment provider, mail server)."""
