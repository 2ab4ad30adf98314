from datetime import timedelta

WIDGET_TOKEN_TTL = timedelta(hours=24)  # the contract's maximum, not more
