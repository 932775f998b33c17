"""The config contract: names, defaults, secrets, and failing fast on bad values."""

import pytest

from shared.settings import CONFIG_VARIABLES, ConfigError, load_settings

CONTRACT = {
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "MAIL_FROM",
    "STAFF_EMAILS",
    "PUBLIC_BASE_URL",
    "LOG_LEVEL",
    "REGISTRATION_PORT",
    "SCHEDULING_PORT",
    "NOTIFICATIONS_PORT",
}


@pytest.fixture
def env(monkeypatch):
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pa55-xyz@db/pactesur")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    return monkeypatch


def test_contract_names_are_all_settings():
    assert CONTRACT <= set(CONFIG_VARIABLES)


def test_defaults(env):
    s = load_settings()
    assert (s.registration_port, s.scheduling_port, s.notifications_port) == (8001, 8002, 8003)
    assert s.staff_emails == () and s.smtp_starttls is False and s.log_level == "INFO"


def test_secrets_do_not_leak_in_repr(env):
    env.setenv("SMTP_PASSWORD", "hunter2")
    s = load_settings()
    assert "hunter2" not in repr(s) and "pa55-xyz" not in repr(s) and "s" * 32 not in repr(s)
    assert s.smtp_password.get_secret_value() == "hunter2" and s.dsn.endswith("/pactesur")


def test_staff_emails_are_comma_separated(env):
    env.setenv("STAFF_EMAILS", " a@efus.eu, b@efus.eu ,")
    assert load_settings().staff_emails == ("a@efus.eu", "b@efus.eu")


def test_a_cluster_address_list_reaches_faststream_as_three_servers(env):
    """FastStream's KafkaBroker reads a string as one address: the list must reach it split."""
    from faststream.kafka import KafkaBroker

    env.setenv("KAFKA_BOOTSTRAP_SERVERS", " kafka-1:9092, kafka-2:9092 ,kafka-3:9092")
    servers = load_settings().kafka_servers
    assert servers == ["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"]
    consumers = KafkaBroker(servers).config.broker_config.builder
    assert consumers.keywords["bootstrap_servers"] == servers


def test_missing_required_variables_fail_fast(monkeypatch):
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert all(name in str(caught.value) for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SECRET_KEY"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("KAFKA_BOOTSTRAP_SERVERS", "kafka"),
        ("SMTP_PORT", "70000"),
        ("STAFF_EMAILS", "not-an-address"),
        ("LOG_LEVEL", "chatty"),
        ("PUBLIC_BASE_URL", "not a url"),
        ("SECRET_KEY", "short"),
        ("STAFF_TOKENS", "marta:boss:" + "0" * 64),
        ("STAFF_TOKENS", "marta:admin:plaintext-token"),
    ],
)
def test_bad_values_are_named(env, name, value):
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_topic_replication_defaults_to_one_broker_and_min_isr_stays_within_it(env):
    s = load_settings()
    assert (s.kafka_replication_factor, s.kafka_min_insync_replicas) == (1, 1)
    env.setenv("KAFKA_REPLICATION_FACTOR", "3")
    env.setenv("KAFKA_MIN_INSYNC_REPLICAS", "2")
    assert (load_settings().kafka_replication_factor, load_settings().kafka_min_insync_replicas) == (3, 2)
    env.setenv("KAFKA_MIN_INSYNC_REPLICAS", "4")
    with pytest.raises(ConfigError, match="KAFKA_MIN_INSYNC_REPLICAS"):
        load_settings()
