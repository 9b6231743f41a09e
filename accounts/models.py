"""A Harver customer account (every integration, assessment and candidate belongs to exactly one)
and the staff's second sign-in factor."""

import secrets
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from harver_integration.crypto import EncryptedTextField

HARVER_ADMIN_GROUP = "Harver Admin"


class AccountQuerySet(models.QuerySet["Account"]):
    def visible_to(self, user: "AbstractBaseUser | AnonymousUser") -> "AccountQuerySet":
        """Superusers see every account; other staff only those they are members of."""
        if getattr(user, "is_superuser", False):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(members__pk=user.pk)


def validate_retention_days(days: int) -> None:
    """Within the bounds the platform allows (read when validating, so settings may change)."""
    low = settings.CANDIDATE_DATA_RETENTION_MIN_DAYS
    high = settings.CANDIDATE_DATA_RETENTION_MAX_DAYS
    if not low <= days <= high:
        raise ValidationError(f"Choose between {low} and {high} days.")


class Account(models.Model):
    name = models.CharField(
        "name", max_length=200, help_text="The customer's name, as Harver knows it."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="harver_accounts",
        blank=True,
        help_text="Staff users who may see and configure this account.",
    )
    candidate_data_retention_days = models.PositiveSmallIntegerField(
        "candidate data kept (days)",
        null=True,
        blank=True,
        validators=[validate_retention_days],
        help_text="Days after an assessment ended that the candidate's personal data is kept, "
        "then anonymised (scores stay). Blank: the platform's default.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="account_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def retention_days(self) -> int:
        """The account's own retention period, or the platform's default."""
        days = self.candidate_data_retention_days
        return int(days if days is not None else settings.CANDIDATE_DATA_RETENTION_DAYS)


class AccountContact(models.Model):
    """Someone at the customer who is told about the account's integration issues."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField("email")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "email"]
        constraints = [
            models.UniqueConstraint("account", Lower("email"), name="account_contact_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email


def new_totp_secret() -> str:
    """20 random bytes, hex-encoded: the size RFC 4226 recommends for HMAC-SHA1."""
    return secrets.token_hex(20)


class StaffTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, 30 s steps, 6 digits) a staff user signs in with.

    django-otp's own TOTP device stores its secret in plain text; this one keeps it encrypted with
    FIELD_ENCRYPTION_KEYS like every other stored secret. A device is `confirmed` once its owner
    has entered one code from the app; only confirmed devices sign anyone in. A code is accepted
    once (`last_step`), one step early or late at most, and failures slow further tries down.
    """

    STEP_SECONDS = 30
    DIGITS = 6
    TOLERANCE_STEPS = 1

    secret = EncryptedTextField(default=new_totp_secret, editable=False)
    last_step = models.BigIntegerField(
        default=-1, editable=False, help_text="The time step of the last code accepted."
    )

    class Meta(Device.Meta):
        verbose_name = "two-factor device"

    def _totp(self) -> TOTP:
        totp = TOTP(bytes.fromhex(self.secret), step=self.STEP_SECONDS, digits=self.DIGITS)
        totp.time = time.time()
        return totp

    def verify_token(self, token: object) -> bool:
        allowed, _reason = self.verify_is_allowed()
        code = str(token).strip()
        if not allowed or len(code) != self.DIGITS or not code.isascii() or not code.isdigit():
            if allowed:
                self.throttle_increment(commit=True)
            return False
        totp = self._totp()
        if not totp.verify(int(code), self.TOLERANCE_STEPS, self.last_step + 1):
            self.throttle_increment(commit=True)
            return False
        self.last_step = totp.t()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def get_throttle_factor(self) -> int:
        return 1

    @property
    def base32_secret(self) -> str:
        return b32encode(bytes.fromhex(self.secret)).decode()

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app reads from the QR code."""
        issuer = str(settings.OTP_TOTP_ISSUER).replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        query = urlencode(
            {
                "secret": self.base32_secret,
                "algorithm": "SHA1",
                "digits": self.DIGITS,
                "period": self.STEP_SECONDS,
            }
        )
        return f"otpauth://totp/{quote(label)}?{query}&issuer={quote(issuer)}"
