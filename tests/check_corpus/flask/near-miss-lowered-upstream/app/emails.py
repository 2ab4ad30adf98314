def normalized_email(user):
    """The address as the chat widget expects it."""
    return (user["email"] or "").strip().lower()
