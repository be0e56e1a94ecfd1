"""A real S3-compatible server for the media storage tests: moto's server mode on 127.0.0.1, started here (nothing
but PyPI packages), one bucket per test, and the `settings` fixture switching STORAGES["default"] to it."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from django.test import Client
from moto.server import ThreadedMotoServer

from agents.models import Account, Agent
from agents.services import api_key_create
from devices.models import Customer, Device
from messenger_project.media_storage import s3_storage
from tests.factories import make_account, make_agent
from tests.integration.helpers import Api, App

REGION = "us-east-1"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 over HTTP, in a thread of the test process, on a free port of 127.0.0.1."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class Bucket:
    """The test's bucket, read with boto3 beside the application (what is really stored, not what Django says)."""

    name: str
    client: object

    def keys(self) -> list[str]:
        return sorted(item["Key"] for item in self.client.list_objects_v2(Bucket=self.name).get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)


@pytest.fixture
def bucket(s3_endpoint: str) -> Bucket:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    name = f"media-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(name=name, client=client)


def use_s3(settings, *, bucket: str, endpoint_url: str) -> None:
    """STORAGES["default"] as the environment would make it (one attempt: a test of an outage needs no retries)."""
    storage = s3_storage(bucket=bucket, endpoint_url=endpoint_url, region=REGION, max_attempts=1, **CREDENTIALS)
    settings.STORAGES = {**settings.STORAGES, "default": storage}


@pytest.fixture
def s3_media(settings, bucket: Bucket, s3_endpoint: str) -> Bucket:
    """Media stored in the test's bucket: default_storage (and every FileField bound to it) now writes there."""
    use_s3(settings, bucket=bucket.name, endpoint_url=s3_endpoint)
    return bucket


@pytest.fixture
def s3_down(settings) -> None:
    """A bucket endpoint where nothing listens: every storage call fails to connect."""
    use_s3(settings, bucket="media-down", endpoint_url=f"http://127.0.0.1:{free_port()}")


# --- one company: its agent at the desk, its key, an app install and that install's customer ---------------------


@pytest.fixture
def account() -> Account:
    return make_account(name="Shop")


@pytest.fixture
def agent(account: Account) -> Agent:
    return make_agent(account=account)


@pytest.fixture
def desk(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def api(account: Account) -> Api:
    _, key = api_key_create(account=account, name="backend")
    return Api(client=Client(), account=account, key=key)


@pytest.fixture
def app(account: Account) -> App:
    return App(client=Client(), account=account, device_id="s3-device-1").register()


@pytest.fixture
def customer(app: App) -> Customer:
    return Device.objects.get(device_id=app.device_id).customer
