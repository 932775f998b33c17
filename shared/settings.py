"""The configuration contract shared by every service (same names in README, compose and tests).

Settings are read from the environment only when `load_settings()` is called, never at import time.
Bad or missing values stop the process at start-up with one message naming every faulty variable.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AnyHttpUrl, EmailStr, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.security.auth import StaffToken, parse_staff_tokens
from shared.security.client_address import Network, networks

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
Port = Annotated[int, Field(ge=1, le=65535)]


class Settings(BaseSettings):
    """Every variable of the config contract; the env var name is the field name upper-cased."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    database_url: SecretStr
    kafka_bootstrap_servers: str
    kafka_replication_factor: int = Field(default=1, ge=1)
    """Replicas of each topic the services create. 1 for one broker (local runs, the default compose file);
    on a cluster 3, so a topic survives losing a broker. Read when the services create the topics
    (shared.messaging.kafka.ensure_topics); a topic that exists keeps its replicas."""
    kafka_min_insync_replicas: int = Field(default=1, ge=1)
    """`min.insync.replicas` of the topics the services create: with the producers' acks=all, a write
    counts once this many replicas have it. 1 for one broker; on a cluster of 3, 2 (one broker may be
    down and no acknowledged event is on one disk only). At most KAFKA_REPLICATION_FACTOR."""
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "PACTESUR 2 <no-reply@pactesur.efus.eu>"
    staff_emails: Annotated[tuple[EmailStr, ...], NoDecode] = ()
    staff_tokens: Annotated[tuple[StaffToken, ...], NoDecode] = ()
    secret_key: Annotated[SecretStr, Field(min_length=16)]
    public_base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8001")
    log_level: LogLevel = "INFO"
    bind_host: str = "127.0.0.1"
    registration_port: Port = 8001
    scheduling_port: Port = 8002
    notifications_port: Port = 8003
    service_processes: int = Field(default=1, ge=1, le=64)
    """Processes a service runs, sharing its port (each a full replica); one process uses one core."""
    public_rate_limit: int = Field(default=60, ge=0)
    """Requests per minute per client on public forms and APIs (registration), counted across every
    replica in PostgreSQL; 0 turns it off."""
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    """Addresses or CIDR ranges of the reverse proxies in front of the services: only from these is
    X-Forwarded-For believed (shared.security.client_address). Empty: the connection's peer is the client."""
    personal_data_key: Annotated[SecretStr | None, Field(min_length=16)] = None
    """Master key of the per-person data keys that seal personal fields in events (shared.privacy);
    empty: derived from SECRET_KEY. Every service must have the same one."""
    erased_key_grace_hours: float = Field(default=24.0, ge=0)
    """Hours an erased person's key still opens their PersonErased (so every service can act on it)
    before it is destroyed for good."""
    withdrawn_retention_days: int = Field(default=90, ge=0)
    """Days after a withdrawal, or after the call closes if that is later, before the withdrawn
    application's contact person is erased (registration's retention job)."""
    waitlisted_retention_days: int = Field(default=180, ge=0)
    """Days after a call closes before waitlisted applicants never offered a place are erased; never
    while a selected city of the call has not signed up (its place may still go to the waiting list).
    The applicants' consent names REJECTED_RETENTION_DAYS for every city not selected: keep this at most that."""
    rejected_retention_days: int = Field(default=180, ge=0)
    """Days after a call closes before rejected applicants' personal data is erased."""
    participant_retention_days: int = Field(default=365, ge=0)
    """Days after an activity ended before its participants' name, email, rank and accessibility needs
    become placeholders (scheduling); attendance and the report's counts stay."""
    delivery_body_retention_days: int = Field(default=90, ge=0)
    """Days after an email was sent, failed or suppressed before its subject, bodies, calendar and event
    are emptied in the delivery log (notifications); the row and its status stay."""
    scheduling_public_url: AnyHttpUrl | None = None
    """Public base URL of scheduling (its pages, ICS and decline links); default: see `public_url_of`."""
    notifications_public_url: AnyHttpUrl | None = None
    """Public base URL of notifications (its pages, unsubscribe links); default: see `public_url_of`."""
    scheduling_internal_url: AnyHttpUrl | None = None
    """Where registration calls scheduling's staff API (the subject access export); default: its public URL."""
    notifications_internal_url: AnyHttpUrl | None = None
    """Where registration calls notifications' staff API (the subject access export); default: its public URL."""
    notifications_max_send_rate: float = Field(default=20.0, ge=0)
    """Emails per second each notifications process sends at most (relay limits); 0 = unlimited."""
    notifications_smtp_connections: int = Field(default=4, ge=1, le=32)
    """SMTP connections each notifications process sends over at once (one recipient always uses the same)."""
    bounce_address: EmailStr | None = None
    """The address bounce reports go back to, e.g. bounces@pactesur.efus.eu: each email's envelope sender
    is then its own bounces+<delivery id>@… (VERP). Empty: the envelope sender is MAIL_FROM's address."""
    bounce_smtp_port: int = Field(default=0, ge=0, le=65535)
    """Notifications listens there (SMTP, on BIND_HOST) for bounce reports to the bounce address; 0: not."""
    bounce_webhook_secret: SecretStr | None = None
    """Shared secret of the bounce webhook (POST /api/v1/bounces, HMAC-SHA256 signed); empty: no webhook."""
    staff_notice_window_seconds: int = Field(default=300, ge=0)
    """A staff member gets at most one email of a kind per this many seconds: the notices that follow the
    first wait and go together as one email when the window ends; 0: each notice at once."""
    notifications_max_attempts: int = Field(default=8, ge=1)
    """Attempts before a transiently failing email is marked failed and dead-lettered."""
    notifications_retry_base_seconds: float = Field(default=5.0, gt=0)
    """First retry delay; doubles on each attempt (with jitter), capped at one hour."""

    @field_validator("database_url")
    @classmethod
    def _postgres_scheme(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _host_port_list(cls, value: str) -> str:
        servers = [s.strip() for s in value.split(",") if s.strip()]
        if not servers or any(":" not in s for s in servers):
            raise ValueError("must be a comma-separated list of host:port")
        return ",".join(servers)

    @field_validator("kafka_min_insync_replicas")
    @classmethod
    def _insync_within_replicas(cls, value: int, info: ValidationInfo) -> int:
        replicas = info.data.get("kafka_replication_factor")
        if replicas is not None and value > replicas:
            raise ValueError(f"must not exceed KAFKA_REPLICATION_FACTOR ({replicas}): no write could be acknowledged")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        networks(value)  # ValueError names the entry that is no address or range
        return value

    @field_validator("staff_emails", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(",") if s.strip())
        return value

    @field_validator("staff_tokens", mode="before")
    @classmethod
    def _staff_tokens(cls, value: object) -> object:
        return parse_staff_tokens(value) if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def proxy_networks(self) -> tuple[Network, ...]:
        return networks(self.trusted_proxies)

    @property
    def signing_key(self) -> bytes:
        """The key of signed links (shared.security.signing)."""
        return self.secret_key.get_secret_value().encode()

    @property
    def personal_data_master_key(self) -> str:
        chosen = self.personal_data_key or self.secret_key
        return chosen.get_secret_value()

    @property
    def kafka_servers(self) -> list[str]:
        """KAFKA_BOOTSTRAP_SERVERS as a list: FastStream's KafkaBroker takes a string as ONE address
        ("a:9092,b:9092" would be a host named "a:9092,b"), aiokafka's clients take either."""
        return self.kafka_bootstrap_servers.split(",")

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()

    def port_of(self, service: str) -> int:
        return getattr(self, f"{service}_port")

    def public_url_of(self, service: str) -> str:
        """Where people reach a service (no trailing slash): registration at PUBLIC_BASE_URL; another
        at its own *_PUBLIC_URL, else at PUBLIC_BASE_URL, on the service's own port when PUBLIC_BASE_URL
        names registration's port (local runs) and as is behind one reverse proxy (compose, Kubernetes)."""
        base = str(self.public_base_url).rstrip("/")
        configured = getattr(self, f"{service}_public_url", None) if service != "registration" else None
        if configured:
            return str(configured).rstrip("/")
        parts = urlsplit(base)
        if service != "registration" and parts.port == self.registration_port:
            parts = parts._replace(netloc=f"{parts.hostname}:{self.port_of(service)}")
        return urlunsplit(parts)

    def internal_url_of(self, service: str) -> str:
        """Where another service calls `service` (no trailing slash): its *_INTERNAL_URL (a container's
        name in compose, say), else its public URL."""
        configured = getattr(self, f"{service}_internal_url", None)
        return str(configured).rstrip("/") if configured else self.public_url_of(service)


class ConfigError(SystemExit):
    """Raised (as a clean exit) when the environment does not satisfy the config contract."""


def load_settings(**overrides: object) -> Settings:
    """Read the environment now; fail fast with a message naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        lines = [f"  {'_'.join(str(p) for p in e['loc'][:1]).upper()}: {e['msg']}" for e in error.errors()]
        raise ConfigError("Invalid configuration:\n" + "\n".join(lines)) from None


CONFIG_VARIABLES: tuple[str, ...] = tuple(name.upper() for name in Settings.model_fields)
