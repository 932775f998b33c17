"""Real Apache Kafka (KRaft) run from Maven jars, for tests, `make run` and the bench.

No Docker: `ensure_kafka_jars` fetches the broker's jars with Maven (deploy/kafka/pom.xml) into a
cache, and `LocalKafka` runs `java ... kafka.Kafka server.properties` as a child process: one node,
broker and controller in one JVM. `LocalKafkaCluster` runs several such nodes in combined mode
(each node is a broker and one of the controller quorum's voters), as docker-compose's `cluster`
profile does: three JVMs instead of six, and a quorum that survives one node.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from deploy.local.processes import LocalServer, free_port, port_accepts, read_log_tail, start_child, stop_child

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
KAFKA_DEPLOY_DIR = REPOSITORY_ROOT / "deploy" / "kafka"
KAFKA_POM = KAFKA_DEPLOY_DIR / "pom.xml"
KAFKA_LOG4J_CONFIG = KAFKA_DEPLOY_DIR / "log4j2.yaml"
KAFKA_LIBS_ENV = "PACTESUR_KAFKA_LIBS"
MINIMUM_JAVA_VERSION = 17
JVM_OPTIONS = ("-Xms256m", "-Xmx512m", "-Djava.awt.headless=true")
_HOST = "127.0.0.1"


class LocalKafkaError(RuntimeError):
    """The local broker cannot be set up or started; the message says what to do."""


def default_kafka_libs_cache() -> Path:
    """`$PACTESUR_KAFKA_LIBS`, else `<repo>/.local/kafka-libs`."""
    configured = os.environ.get(KAFKA_LIBS_ENV)
    return Path(configured) if configured else REPOSITORY_ROOT / ".local" / "kafka-libs"


def ensure_kafka_jars(cache_dir: Path) -> Path:
    """Return `<cache_dir>/libs` holding the broker's jars, running Maven only when they are missing.

    `<cache_dir>/pom.sha256` records which pom.xml the jars come from, so editing the pom (a Kafka
    upgrade) refreshes them. The jars are fetched into a scratch directory that replaces `libs` only
    on success: two Kafka versions mixed on one classpath would fail in confusing ways. A file lock
    lets parallel test workers share the cache.
    """
    libs_dir = cache_dir / "libs"
    marker = cache_dir / "pom.sha256"
    wanted = hashlib.sha256(KAFKA_POM.read_bytes()).hexdigest()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if libs_dir.is_dir() and marker.is_file() and marker.read_text().strip() == wanted:
            return libs_dir
        _download_jars(cache_dir, libs_dir)
        marker.write_text(wanted + "\n")
    return libs_dir


def _download_jars(cache_dir: Path, libs_dir: Path) -> None:
    maven = shutil.which("mvn")
    if maven is None:
        raise LocalKafkaError(
            "Maven (`mvn`) is needed once to fetch the Kafka broker jars: install Maven and Java 17 "
            f"(Debian/Ubuntu: apt-get install maven openjdk-17-jre-headless), or point {KAFKA_LIBS_ENV} "
            "at a cache directory whose libs/ already holds them."
        )
    scratch = cache_dir / "libs.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    command = [
        maven, "-B", "-q", "-f", str(KAFKA_POM), "dependency:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={scratch}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LocalKafkaError(f"fetching the Kafka jars failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
    shutil.rmtree(libs_dir, ignore_errors=True)
    scratch.rename(libs_dir)


def find_java() -> str:
    """Path of a `java` of version 17 or later, or a LocalKafkaError saying what to install."""
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError(
            "`java` was not found: the local Kafka broker needs Java 17 or later "
            "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless) and Maven (apt-get install maven)."
        )
    version_text = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', version_text)
    if match is None or int(match.group(1)) < MINIMUM_JAVA_VERSION:
        raise LocalKafkaError(f"Kafka 4 needs Java {MINIMUM_JAVA_VERSION} or later; {java} is: {version_text.strip()}")
    return java


def new_cluster_id() -> str:
    """A KRaft cluster id, as `kafka-storage.sh random-uuid` prints it, without starting a JVM.

    Kafka ids are 16 random bytes in URL-safe base64 without padding; Kafka never hands out ids
    starting with "-" (they would read as a command-line option).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def broker_properties(
    *, port: int, controller_port: int, log_dir: Path, node_id: int = 1, voters: str | None = None, replicas: int = 1
) -> str:
    """server.properties of a KRaft node (broker and controller in one JVM) on loopback.

    Alone, the node is its quorum's only voter and every internal topic has one replica. In a
    cluster, `voters` lists every node's controller address and the internal topics (consumer
    offsets, transactions) get `replicas` replicas and a broker-wide `min.insync.replicas` of
    `replicas - 1`, as a production cluster of three (RF 3, min ISR 2) has them.
    Topics are not auto-created: the services create theirs at start-up with the right partition
    count, as production needs. The internal topics get one partition and no initial rebalance
    delay, which makes consumer groups start in milliseconds instead of seconds. The short broker
    session (default 9 s) matters after a crash (`LocalKafka.kill`): the restarted broker cannot
    register again (DUPLICATE_BROKER_REGISTRATION) until the session of its previous run expires.
    """
    min_insync = str(max(1, replicas - 1))
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": voters or f"{node_id}@{_HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{_HOST}:{port},CONTROLLER://{_HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{_HOST}:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "6",
        "auto.create.topics.enable": "false",
        "min.insync.replicas": min_insync,
        "offsets.topic.replication.factor": str(replicas),
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": min_insync,
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": min_insync,
        "group.initial.rebalance.delay.ms": "0",
        "broker.heartbeat.interval.ms": "500",
        "broker.session.timeout.ms": "3000",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


class LocalKafka(LocalServer):
    """One Kafka node (KRaft, broker and controller in one JVM) whose data lives in `data_dir`.

    Layout of `data_dir`: server.properties (rewritten at each start: the ports may change between
    runs of the same data, which a formatted KRaft directory accepts), cluster-id, kafka.log (the
    JVM's output), logs/ (the topics and the metadata log).
    Ports default to free ones chosen once per instance, so `restart()` keeps them. Alone, the node
    is a cluster of one; `LocalKafkaCluster` makes the nodes of a larger one (`node_id`, the quorum's
    `voters`, the shared `cluster_id`, the internal topics' `replicas`).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        controller_port: int | None = None,
        *,
        node_id: int = 1,
        voters: str | None = None,
        cluster_id: str | None = None,
        replicas: int = 1,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()  # absolute: the child runs with data_dir as its cwd
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.node_id = node_id
        self.voters = voters
        self.cluster_id = cluster_id
        self.replicas = replicas
        self.log_path = self.data_dir / "kafka.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{_HOST}:{self.port}"

    def start(self, timeout: float = 90, *, wait: bool = True) -> None:
        """Start the broker and, unless `wait` is False, block until it answers a metadata request.

        Must be called from the main thread (see `start_child`). Async callers that do not want to
        block their loop during the readiness wait pass `wait=False`, then `await wait_ready()`.
        """
        if self.is_running:
            return
        java = find_java()
        libs_dir = ensure_kafka_jars(default_kafka_libs_cache())
        properties = self._write_properties()
        self._format_storage_once(java, libs_dir, properties)
        command = [
            java, *JVM_OPTIONS, f"-Dlog4j2.configurationFile={KAFKA_LOG4J_CONFIG}",
            "-cp", f"{libs_dir}/*", "kafka.Kafka", str(properties),
        ]  # fmt: skip
        self._process = start_child(command, log_path=self.log_path, cwd=self.data_dir)
        if wait:
            _run_in_private_loop(self.wait_ready(timeout))

    async def wait_ready(self, timeout: float = 90) -> None:  # noqa: ASYNC109 - the error carries the log tail
        """Wait until this node's broker is registered and unfenced: a metadata response lists it."""
        try:
            await asyncio.wait_for(self._poll_until_ready(), timeout)
        except TimeoutError:
            raise self._start_failure(f"Kafka did not become ready within {timeout:.0f} s") from None

    async def _poll_until_ready(self) -> None:
        while True:
            if not self.is_running:
                raise self._start_failure(f"the Kafka JVM exited with code {self._process.returncode}")
            if port_accepts(_HOST, self.port) and self.node_id in await _brokers_in_metadata(self.bootstrap_servers):
                return
            await asyncio.sleep(0.2)

    def _write_properties(self) -> Path:
        log_dir = self.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        properties = self.data_dir / "server.properties"
        properties.write_text(
            broker_properties(
                port=self.port,
                controller_port=self.controller_port,
                log_dir=log_dir,
                node_id=self.node_id,
                voters=self.voters,
                replicas=self.replicas,
            )
        )
        return properties

    def _format_storage_once(self, java: str, libs_dir: Path, properties: Path) -> None:
        """Format the KRaft storage the first time; the cluster id is kept in the data dir."""
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        cluster_id_file = self.data_dir / "cluster-id"
        if not cluster_id_file.exists():
            cluster_id_file.write_text((self.cluster_id or new_cluster_id()) + "\n")
        command = [
            java, f"-Dlog4j2.configurationFile={KAFKA_LOG4J_CONFIG}", "-cp", f"{libs_dir}/*",
            "kafka.tools.StorageTool", "format", "--ignore-formatted",
            "-t", cluster_id_file.read_text().strip(), "-c", str(properties),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
        if result.returncode != 0:
            raise self._start_failure("formatting the Kafka storage failed")

    def _start_failure(self, reason: str) -> LocalKafkaError:
        if self.is_running:
            stop_child(self._process, timeout=10)
        return LocalKafkaError(f"{reason}; last lines of {self.log_path}:\n{read_log_tail(self.log_path)}")


class LocalKafkaCluster:
    """`size` Kafka nodes in combined mode on loopback, each in `data_dir/node-<id>`, for the tests
    and the bench that need replicated topics and a broker to lose.

    Every node is a broker and a voter of the controller quorum (`controller.quorum.voters` lists
    them all), so the cluster keeps working with one node down and stops electing leaders with a
    majority down, as a production cluster of three combined nodes does. The internal topics get
    min(size, 3) replicas. Ports are chosen once, so a node restarted after `kill()` comes back at
    the same address.
    """

    def __init__(self, data_dir: Path, size: int = 3) -> None:
        data_dir = Path(data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        cluster_id_file = data_dir / "cluster-id"
        if not cluster_id_file.exists():
            cluster_id_file.write_text(new_cluster_id() + "\n")
        cluster_id = cluster_id_file.read_text().strip()
        addresses = [(free_port(), free_port()) for _ in range(size)]
        voters = ",".join(f"{node_id}@{_HOST}:{controller}" for node_id, (_, controller) in enumerate(addresses, 1))
        self.nodes = [
            LocalKafka(
                data_dir / f"node-{node_id}",
                port,
                controller,
                node_id=node_id,
                voters=voters,
                cluster_id=cluster_id,
                replicas=min(size, 3),
            )
            for node_id, (port, controller) in enumerate(addresses, 1)
        ]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.bootstrap_servers for node in self.nodes)

    @property
    def pids(self) -> list[int]:
        return [pid for node in self.nodes for pid in node.pids]

    def node(self, node_id: int) -> LocalKafka:
        return self.nodes[node_id - 1]

    def start(self, timeout: float = 120, *, wait: bool = True) -> None:
        """Start every node that is not running; unless `wait` is False, block until all are ready.

        The nodes start together: none can finish starting before the quorum has a majority.
        """
        for node in self.nodes:
            node.start(wait=False)
        if wait:
            _run_in_private_loop(self.wait_ready(timeout))

    async def wait_ready(self, timeout: float = 120) -> None:  # noqa: ASYNC109 - each node's error carries its log
        """Wait until every running node's broker is registered and unfenced."""
        deadline = asyncio.get_running_loop().time() + timeout
        for node in self.nodes:
            if node.is_running:
                await node.wait_ready(max(1.0, deadline - asyncio.get_running_loop().time()))

    def stop(self, nodes: list[LocalKafka] | None = None, timeout: float = 20) -> None:
        """Stop `nodes` (all by default) gracefully: SIGTERM to each first, then wait for each, so
        that no node waits alone for a quorum that is leaving."""
        nodes = self.nodes if nodes is None else nodes
        for node in nodes:
            node.ask_to_stop()
        for node in nodes:
            node.stop(timeout)

    async def partition_leaders(self, topic_names: tuple[str, ...]) -> Counter[int]:
        """How many partitions of `topic_names` each node id leads now."""
        client = AIOKafkaClient(bootstrap_servers=self.bootstrap_servers, request_timeout_ms=5000)
        try:
            await client.bootstrap()
            metadata = await client.fetch_all_metadata()
        finally:
            await client.close()
        return Counter(
            metadata.leader_for_partition(TopicPartition(name, partition))
            for name in topic_names
            for partition in metadata.partitions_for_topic(name) or ()
        )

    async def leader_of_most_partitions(self, topic_names: tuple[str, ...]) -> LocalKafka:
        """The node that leads the most partitions of `topic_names`: the one whose loss costs most."""
        leaders = await self.partition_leaders(topic_names)
        node_id, _ = leaders.most_common(1)[0]
        return self.node(node_id)


async def _brokers_in_metadata(bootstrap_servers: str) -> set[int]:
    """The ids of the brokers a metadata response lists: registered and unfenced ones."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
    try:
        await client.bootstrap()
        return {broker.nodeId for broker in client.cluster.brokers()}
    except (KafkaError, OSError):
        return set()
    finally:
        await client.close()


def _run_in_private_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run `coroutine` to completion on a new event loop in a short-lived thread.

    A separate thread works whether or not the caller has a running loop (a pytest-asyncio session
    loop, `make run`), and leaves the caller's current-loop setting alone, which `asyncio.run` in the
    calling thread would reset.
    """
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:  # re-raised below, in the caller's thread
            errors.append(error)

    worker = threading.Thread(target=run, name="local-kafka-readiness")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
