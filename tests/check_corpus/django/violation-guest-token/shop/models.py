from django.contrib.auth.models import AbstractUser
from django.db import models


class Customer(AbstractUser):
    # guest checkout signs shoppers in with a placeholder account
    is_guest = models.BooleanField(default=False)
