"""Who may do what: scoped API keys, their scopes, and dashboard sign-in."""
