"""The local infrastructure (no Docker) against the real thing: PostgreSQL, Kafka, SMTP, the mailbox page."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.local import kafka as local_kafka
from deploy.local.kafka import LocalKafka, LocalKafkaCluster, broker_properties, ensure_kafka_jars
from deploy.local.mailbox import create_mailbox_app
from deploy.local.postgres import LocalPostgres
from deploy.local.smtp_sink import ReceivedMail, SmtpSink

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
GREEK_SUBJECT = "Επιβεβαίωση εγγραφής"
POLISH_HUNGARIAN_SUBJECT = "Zażółć gęślą jaźń / Árvíztűrő tükörfúrógép"


def process_is_gone(pid: int) -> bool:
    """True when `pid` no longer runs (absent, or a zombie waiting for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state in {"Z", "X"}


def processes_mentioning(text: str) -> list[int]:
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return [pid for pid in pids if not process_is_gone(pid)]


# --- child processes ---------------------------------------------------------------------------


def test_child_dies_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent_script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from deploy.local.processes import start_child\n"
        "child = start_child(['sleep', '60'], log_path=Path(sys.argv[1]))\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_script, str(tmp_path / "child.log")],
        cwd=REPOSITORY_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    child_pid = int(parent.stdout.readline())
    assert not process_is_gone(child_pid)

    parent.kill()
    parent.wait()

    deadline = time.monotonic() + 5
    while not process_is_gone(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_is_gone(child_pid)


# --- PostgreSQL ----------------------------------------------------------------------------------


async def fetch_value(url: str, query: str) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def execute(url: str, statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statements)
    finally:
        await connection.close()


async def test_postgres_answers_and_keeps_its_data_across_a_restart(tmp_path: Path) -> None:
    postgres = LocalPostgres(tmp_path / "postgres", settings={"fsync": "off", "max_connections": "200"})
    postgres.start()
    try:
        assert await fetch_value(postgres.url, "select 1") == 1
        assert await fetch_value(postgres.url, "show max_connections") == "200"
        await execute(postgres.url, "create table kept (word text); insert into kept values ('Ελληνικά')")

        postgres.stop()
        assert not postgres.is_running
        postgres.start()

        assert await fetch_value(postgres.url, "select word from kept") == "Ελληνικά"
    finally:
        postgres.stop()


async def test_postgres_starts_again_after_being_killed(tmp_path: Path) -> None:
    postgres = LocalPostgres(tmp_path / "postgres", settings={"fsync": "off"})
    postgres.start()
    try:
        postgres.kill()
        pid_file = postgres.pgdata / "postmaster.pid"
        stale_lines = pid_file.read_text().split("\n")
        # A killed server's pid may be reused by another process of the same user; PostgreSQL alone would
        # then refuse to start ("lock file postmaster.pid already exists").
        unrelated_process = await asyncio.create_subprocess_exec("sleep", "30", user=postgres.system_user)
        try:
            pid_file.write_text("\n".join([str(unrelated_process.pid), *stale_lines[1:]]))
            postgres.start()
        finally:
            unrelated_process.kill()
            await unrelated_process.wait()

        assert await fetch_value(postgres.url, "select 1") == 1
    finally:
        postgres.stop()


# --- Kafka ---------------------------------------------------------------------------------------


async def test_kafka_carries_a_message_and_leaves_no_jvm_behind(tmp_path: Path) -> None:
    broker = LocalKafka(tmp_path / "kafka")
    broker.start()
    jvm_pid = broker.pid
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("infra-check", num_partitions=2, replication_factor=1)])
        finally:
            await admin.close()

        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait("infra-check", "Ώρα: 10:00".encode(), key=b"k1")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            "infra-check",
            bootstrap_servers=broker.bootstrap_servers,
            group_id="infra-check",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), 30)
        finally:
            await consumer.stop()
        assert record.value.decode() == "Ώρα: 10:00"
    finally:
        broker.stop()

    assert not broker.is_running
    assert process_is_gone(jvm_pid)
    assert processes_mentioning(str(broker.data_dir)) == []


def test_a_single_node_is_its_own_quorum_with_unreplicated_internal_topics(tmp_path: Path) -> None:
    settings = dict(
        line.split("=", 1) for line in broker_properties(port=1, controller_port=2, log_dir=tmp_path).splitlines()
    )
    assert settings["node.id"] == "1" and settings["controller.quorum.voters"] == "1@127.0.0.1:2"
    assert settings["offsets.topic.replication.factor"] == "1" and settings["min.insync.replicas"] == "1"


def test_cluster_nodes_share_one_quorum_and_replicate_the_internal_topics(tmp_path: Path) -> None:
    """Three combined nodes: every one a voter, one cluster id, internal topics RF 3 / min ISR 2."""
    cluster = LocalKafkaCluster(tmp_path / "cluster", size=3)
    assert [node.node_id for node in cluster.nodes] == [1, 2, 3]
    assert len({node.voters for node in cluster.nodes}) == 1 and cluster.nodes[0].voters.count("@") == 3
    assert {node.cluster_id for node in cluster.nodes} == {(tmp_path / "cluster" / "cluster-id").read_text().strip()}
    assert cluster.bootstrap_servers.count(",") == 2
    assert len({node.port for node in cluster.nodes} | {node.controller_port for node in cluster.nodes}) == 6
    node = cluster.node(2)
    text = broker_properties(
        port=node.port,
        controller_port=node.controller_port,
        log_dir=node.data_dir,
        node_id=node.node_id,
        voters=node.voters,
        replicas=node.replicas,
    )
    settings = dict(line.split("=", 1) for line in text.splitlines())
    assert settings["node.id"] == "2" and settings["controller.quorum.voters"] == node.voters
    assert settings["process.roles"] == "broker,controller"
    assert (settings["offsets.topic.replication.factor"], settings["transaction.state.log.min.isr"]) == ("3", "2")
    assert settings["min.insync.replicas"] == "2"
    assert LocalKafkaCluster(tmp_path / "cluster", size=3).nodes[0].cluster_id == node.cluster_id, "the id is kept"


def test_kafka_jars_are_fetched_once_and_again_when_the_pom_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "kafka-libs"
    libs = ensure_kafka_jars(cache)
    assert any(jar.name.startswith("kafka_2.13-") for jar in libs.glob("*.jar"))

    with monkeypatch.context() as no_maven:
        no_maven.setattr(local_kafka.shutil, "which", lambda name: None)
        assert ensure_kafka_jars(cache) == libs

    (cache / "pom.sha256").write_text("jars of an older pom.xml\n")
    (libs / "left-over-from-the-old-pom.jar").write_bytes(b"")
    ensure_kafka_jars(cache)

    assert not (libs / "left-over-from-the-old-pom.jar").exists()
    assert (cache / "pom.sha256").read_text().strip() != "jars of an older pom.xml"


def test_kafka_without_maven_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_kafka.shutil, "which", lambda name: None)
    with pytest.raises(local_kafka.LocalKafkaError, match="Java 17"):
        ensure_kafka_jars(tmp_path / "empty-cache")


# --- SMTP sink -----------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def multilingual_email(subject: str, recipient: str = "anna@example.org", language: str = "el") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "PACTESUR <noreply@pactesur.example>"
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = "<check-1@pactesur.example>"
    message.set_content(f"{subject}\nΚαλημέρα!")
    message.add_alternative(f"<p>{subject}</p><script>alert('in the html part')</script>", subtype="html")
    message["Content-Language"] = language  # after set_content, which drops every Content-* header
    return message


async def test_smtp_sink_keeps_a_utf8_message(smtp_sink: SmtpSink) -> None:
    await aiosmtplib.send(multilingual_email(GREEK_SUBJECT), hostname=smtp_sink.host, port=smtp_sink.port)

    [mail] = await smtp_sink.wait_for(lambda mail: mail.language == "el")

    assert mail.subject == GREEK_SUBJECT
    assert mail.rcpt_tos == ("anna@example.org",)
    assert mail.to == "anna@example.org"
    assert mail.message_id == "<check-1@pactesur.example>"
    assert "Καλημέρα!" in mail.text_body
    assert f"<p>{GREEK_SUBJECT}</p>" in mail.html_body


async def test_smtp_sink_decodes_8bit_smtputf8_content(smtp_sink: SmtpSink) -> None:
    raw = (
        "From: noreply@pactesur.example\r\nTo: józsef@példa.hu\r\n"
        f"Subject: {POLISH_HUNGARIAN_SUBJECT}\r\nContent-Language: hu\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Árvíztűrő tükörfúrógép\r\n"
    ).encode()
    await aiosmtplib.send(
        raw,
        sender="noreply@pactesur.example",
        recipients=["józsef@példa.hu"],
        hostname=smtp_sink.host,
        port=smtp_sink.port,
        mail_options=["SMTPUTF8", "BODY=8BITMIME"],
    )

    [mail] = smtp_sink.wait_for_sync(count=1, timeout=10)

    assert mail.raw == raw
    assert mail.subject == POLISH_HUNGARIAN_SUBJECT
    assert mail.rcpt_tos == ("józsef@példa.hu",)
    assert mail.text_body.strip() == "Árvíztűrő tükörfúrógép"


async def test_rcpt_rule_refuses_a_recipient_with_a_temporary_failure(smtp_sink: SmtpSink) -> None:
    smtp_sink.rcpt_rule = lambda address: "451 4.3.0 try later" if address.startswith("busy@") else None

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await aiosmtplib.send(multilingual_email("x", "busy@example.org"), hostname=smtp_sink.host, port=smtp_sink.port)

    assert [recipient.code for recipient in refused.value.recipients] == [451]
    assert smtp_sink.messages() == []


async def test_wait_for_reports_what_arrived_on_timeout(smtp_sink: SmtpSink) -> None:
    await aiosmtplib.send(multilingual_email("only this one"), hostname=smtp_sink.host, port=smtp_sink.port)

    with pytest.raises(TimeoutError, match="only this one"):
        await smtp_sink.wait_for(lambda mail: mail.language == "pl", timeout=0.3)


async def test_stored_mailbox_survives_a_restart(tmp_path: Path) -> None:
    sink = SmtpSink(store_dir=tmp_path / "mailbox")
    sink.start()
    try:
        await aiosmtplib.send(multilingual_email(GREEK_SUBJECT), hostname=sink.host, port=sink.port)
        [sent] = await sink.wait_for()
    finally:
        sink.stop()

    reopened = SmtpSink(store_dir=tmp_path / "mailbox")
    reopened.start()
    try:
        [kept] = reopened.messages()
    finally:
        reopened.stop()
    assert (kept.raw, kept.rcpt_tos, kept.received_at) == (sent.raw, sent.rcpt_tos, sent.received_at)


# --- mailbox page --------------------------------------------------------------------------------


async def test_mailbox_page_lists_messages_and_escapes_their_content(smtp_sink: SmtpSink) -> None:
    hostile = "<script>alert('subject')</script> " + POLISH_HUNGARIAN_SUBJECT
    smtp_sink.add(ReceivedMail("a@x", ("anna@example.org",), multilingual_email(GREEK_SUBJECT).as_bytes()))
    smtp_sink.add(ReceivedMail("a@x", ("piotr@example.org",), multilingual_email(hostile, language="pl").as_bytes()))
    transport = httpx.ASGITransport(app=create_mailbox_app(smtp_sink))
    async with httpx.AsyncClient(transport=transport, base_url="http://mailbox") as client:
        index = await client.get("/")
        detail = await client.get("/messages/1")
        raw = await client.get("/messages/1/raw")
        api = await client.get("/api/messages")
        missing = await client.get("/messages/7")

    assert index.status_code == 200
    assert "<script>" not in index.text
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in index.text
    assert index.text.index(POLISH_HUNGARIAN_SUBJECT) < index.text.index(GREEK_SUBJECT), "newest first"
    assert 'href="/messages/0"' in index.text

    assert "<script>" not in detail.text
    assert '<iframe sandbox="" ' in detail.text
    assert 'srcdoc="&lt;p&gt;&lt;script&gt;alert(&#39;subject&#39;)' in detail.text
    assert "script-src 'none'" in detail.headers["content-security-policy"]

    assert raw.headers["content-type"] == "text/plain; charset=utf-8"
    assert raw.content == smtp_sink.messages()[1].raw
    assert missing.status_code == 404
    assert [(entry["index"], entry["subject"], entry["language"]) for entry in json.loads(api.text)] == [
        (0, GREEK_SUBJECT, "el"),
        (1, hostile, "pl"),
    ]
