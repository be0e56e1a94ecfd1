"""Contract tests with the REAL Help Scout clients (#21): `python-helpscout` 2.0.2 and `helpscout-mailbox` 1.2.0,
installed from PyPI as test dependencies and driven unmodified against a live server on 127.0.0.1.

Each client is pointed at us only through what it offers for that:
- python-helpscout: its `base_url` constructor argument (its token URL is `base_url + "oauth2/token"`).
- helpscout-mailbox: nothing. `BASE_URL` / `TOKEN_URL` are module constants read at call time and it makes its own
  `requests.Session`. So it is reached the way any `requests` program is redirected without touching its code:
  `requests`' documented environment, `HTTPS_PROXY` (a CONNECT proxy on 127.0.0.1, below) and `REQUESTS_CA_BUNDLE`
  (a certificate for api.helpscout.net made for this test). The proxy answers CONNECT to api.helpscout.net:443 only,
  ends TLS and pipes the bytes to the live server: nothing leaves the machine, and no name is ever resolved.

Which methods work is recorded in docs/helpscout-clients.md; each scenario below also checks our database.
"""

from __future__ import annotations

import base64
import select
import socket
import ssl
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import helpscout
import helpscout_mailbox
import pytest
import requests
from helpscout.exceptions import HelpScoutException
from oauth2_provider.models import AccessToken

from agents.models import Account, Agent
from agents.services import account_create, agent_create, oauth_client_create
from conversations.integration_api.mailboxes import mailbox_id_of
from conversations.models import Conversation, Media, Message
from conversations.services.starting import ThreadDraft, conversation_start
from devices.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)

HELPSCOUT_HOST = "api.helpscout.net"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


class Server:
    """The live server, an account with a bot, and an OAuth app of that account bound to the bot."""

    def __init__(self, url: str, account: Account, bot: Agent, client_id: str, secret: str):
        self.url, self.account, self.bot, self.client_id, self.secret = url, account, bot, client_id, secret


@pytest.fixture
def server(live_server, media_root, settings) -> Server:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HELPSCOUT_HOST]
    account = account_create(name="Shop", app_id="app_contract")
    bot = agent_create(username="syncbot", display_name="Sync bot", is_bot=True, accounts={account: "agent"})
    app, secret = oauth_client_create(account=account, name="Help Scout sync", bot=bot)
    return Server(live_server.url, account, bot, app.client_id, secret)


def make_conversations(account: Account, count: int, subject: str) -> None:
    """`count` conversations of one customer, made through the service `POST /conversations` uses."""
    customer = None
    for i in range(count):
        fields = None if customer else {"email": "bulk@example.com", "name": "Bulk"}
        threads = [ThreadDraft(kind="customer", text=f"Message {i}", author=None)]
        conversation_start(account=account, customer=customer, new_customer=fields, subject=subject, threads=threads)
        customer = customer or Customer.objects.get(account=account, email="bulk@example.com")


def latest_conversation(account: Account) -> Conversation:
    return Conversation.objects.filter(account=account).latest("pk")


# --- python-helpscout 2.0.2 --------------------------------------------------------------------------------------


def test_python_helpscout(server):
    hs = helpscout.HelpScout(app_id=server.client_id, app_secret=server.secret, base_url=f"{server.url}/api/v2/")

    # token (fetched on the first call) and mailboxes
    [mailbox] = hs.mailboxes.get()
    assert hs.access_token

    # create a conversation with a customer thread: 201, the client returns None (it reads no Resource-ID)
    body = {
        "subject": "Pens",
        "mailboxId": mailbox.id,
        "type": "chat",
        "customer": {"email": "alice@example.com", "firstName": "Alice"},
        "threads": [{"type": "customer", "customer": {"email": "alice@example.com"}, "text": "Do you sell pens?"}],
    }
    assert hs.conversations.post(data=body) is None
    conversation = latest_conversation(server.account)
    cid = conversation.public_id
    customer = Customer.objects.get(account=server.account, email="alice@example.com")
    assert conversation.subject == "Pens" and conversation.participants.get().customer == customer

    # a chat thread, a reply (the app's bot writes it) and a private note
    conv = hs.conversations[cid]
    assert conv.chats.post(data={"customer": {"id": customer.number}, "text": "Blue ones"}) is None
    assert conv.reply.post(data={"text": "We do"}) is None
    assert conv.notes.post(data={"text": "VIP"}) is None
    messages = list(conversation.messages.order_by("pk").values_list("text", "author_agent", "is_private"))
    assert messages == [
        ("Do you sell pens?", None, False),
        ("Blue ones", None, False),
        ("We do", server.bot.pk, False),
        ("VIP", server.bot.pk, True),
    ]

    # tag, snooze, close with PATCH
    # (Help Scout answers these two with 204; we answer 200 with the conversation, which the client hands back)
    tagged = conv.tags.put(data={"tags": ["vip", "pens"]})
    assert sorted(t["tag"] for t in tagged["tags"]) == ["pens", "vip"]
    assert sorted(conversation.labels.values_list("name", flat=True)) == ["pens", "vip"]
    until = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert conv.snooze.put(data={"snoozedUntil": until})["status"] == "pending"
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.SNOOZED and conversation.snoozed_until is not None
    close = {"op": "replace", "path": "/status", "value": "closed"}
    assert hs.conversations.patch(resource_id=cid, data=close) is None
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED

    # one conversation, read back
    read = hs.conversations.get(resource_id=cid)
    # (`id` is a string here, a number at Help Scout: see docs/helpscout-clients.md)
    assert (read.id, read.status, sorted(t["tag"] for t in read.tags)) == (cid, "closed", ["pens", "vip"])

    # more than two pages of conversations: the client follows `_links.next` (absolute) to the end
    make_conversations(server.account, 6, "Bulk")
    listed = hs.conversations.get(params={"status": "all", "size": 3})
    assert len(listed) == 7 == Conversation.objects.filter(account=server.account).count()
    assert len({c.id for c in listed}) == 7

    # more than two pages of threads
    for i in range(3):
        conv.notes.post(data={"text": f"Note {i}"})
    threads = conv.threads.get(params={"size": 3})
    bodies = [t.body for t in threads]  # newest first; the snooze left a note saying so
    assert bodies[:3] == ["Note 2", "Note 1", "Note 0"] and bodies[4:] == [
        "VIP",
        "We do",
        "Blue ones",
        "Do you sell pens?",
    ]
    assert bodies[3].startswith("Sync bot snoozed the conversation until")
    assert len(threads) == conversation.messages.count() == 8

    # upload an attachment to the reply, find it on the thread, download its data
    reply = conversation.messages.get(text="We do")
    upload = {"fileName": "invoice.pdf", "mimeType": "application/pdf", "data": base64.b64encode(PDF).decode()}
    assert conv.threads[reply.pk].attachments.post(data=upload) is None
    media = Media.objects.get()
    assert media.message_id == reply.pk
    [with_file] = [t for t in conv.threads.get() if t.id == reply.pk]
    [attachment] = with_file._embedded["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("invoice.pdf", len(PDF))
    # `.data.get()` cannot work with any server: the client's model iterates the base64 string as objects.
    # Its raw call `hit` (public, documented in its docstring) reads the same response.
    with pytest.raises(AttributeError):
        conv.attachments[attachment["id"]].data.get()
    [payload] = hs.hit(f"conversations/{cid}/attachments/{attachment['id']}/data", "get")
    assert base64.b64decode(payload["data"]) == PDF

    # an error is the client's exception, and nothing is written
    with pytest.raises(HelpScoutException):
        conv.notes.post(data={"text": "   "})
    assert conversation.messages.count() == 8


def test_python_helpscout_with_another_accounts_app_gets_404(server):
    make_conversations(server.account, 1, "Mine")
    cid = latest_conversation(server.account).public_id
    other = account_create(name="Other shop", app_id="app_other")
    app, secret = oauth_client_create(account=other, name="Other sync")
    hs = helpscout.HelpScout(app_id=app.client_id, app_secret=secret, base_url=f"{server.url}/api/v2/")
    with pytest.raises(HelpScoutException, match="404|not_found|Not found"):
        hs.conversations.get(resource_id=cid)
    assert hs.conversations.get() == []


# --- helpscout-mailbox 1.2.0, through requests' own proxy settings -----------------------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for api.helpscout.net (the test's CA bundle and the proxy's certificate)."""
    cert, key = folder / "helpscout.pem", folder / "helpscout.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
         "1", "-subj", f"/CN={HELPSCOUT_HOST}", "-addext", f"subjectAltName=DNS:{HELPSCOUT_HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _requests_to_us(buffer: bytes) -> tuple[bytes, bytes]:
    """The complete HTTP/1.1 requests at the start of `buffer`, their path `/v2/…` served from our `/api/v2/…` (as a
    reverse proxy in front of the server would map an API host's root), and what is left of `buffer`."""
    out = b""
    while b"\r\n\r\n" in buffer:
        head, rest = buffer.split(b"\r\n\r\n", 1)
        request_line, *headers = head.split(b"\r\n")
        fields = {name.strip().lower(): value.strip() for name, _, value in (h.partition(b":") for h in headers)}
        assert b"transfer-encoding" not in fields, "the clients send a Content-Length"
        length = int(fields.get(b"content-length", b"0"))
        if len(rest) < length:
            break
        method, target, version = request_line.split(b" ")
        assert target.startswith(b"/v2/"), target
        out += b"\r\n".join([b" ".join([method, b"/api" + target, version]), *headers]) + b"\r\n\r\n" + rest[:length]
        buffer = rest[length:]
    return out, buffer


def _pipe(tls: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Requests to the server, its answers back, until either side closes (or 10 idle seconds)."""
    pending = b""
    while True:
        readable = [tls] if tls.pending() else select.select([tls, upstream], [], [], 10)[0]
        if not readable:
            return
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            if source is tls:
                ready, pending = _requests_to_us(pending + data)
                upstream.sendall(ready)
            else:
                tls.sendall(data)


class ConnectProxy:
    """An HTTPS proxy on 127.0.0.1 that serves CONNECT api.helpscout.net:443 only, from the live server."""

    def __init__(self, target: tuple[str, int], cert: Path, key: Path):
        self.target = target
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.refused: list[str] = []
        self.tunnels = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 8192:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                head += chunk
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            if request_line.split()[:2] != ["CONNECT", f"{HELPSCOUT_HOST}:443"]:
                self.refused.append(request_line)
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.tunnels += 1
            try:
                with (
                    self.context.wrap_socket(conn, server_side=True) as tls,
                    socket.create_connection(self.target) as upstream,
                ):
                    _pipe(tls, upstream)
            except (OSError, ssl.SSLError):
                return

    def close(self) -> None:
        self.closed = True
        self.listener.close()


@pytest.fixture
def helpscout_net(server, tmp_path, monkeypatch):
    """`requests`, in this test only, reaches https://api.helpscout.net through the proxy and trusts its certificate."""
    cert, key = _certificate(tmp_path)
    parts = urlsplit(server.url)
    proxy = ConnectProxy((parts.hostname, parts.port), cert, key)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    # The guard: the client's own URLs go to the proxy on 127.0.0.1, never out of the machine.
    for url in (helpscout_mailbox.client.BASE_URL, helpscout_mailbox.client.TOKEN_URL):
        assert url.startswith(f"https://{HELPSCOUT_HOST}/")
        assert requests.utils.get_environ_proxies(url).get("https") == proxy.url
    yield proxy
    proxy.close()
    assert proxy.refused == []


def test_helpscout_mailbox(server, helpscout_net, monkeypatch):
    monkeypatch.setenv(helpscout_mailbox.APP_ID_ENVVAR, server.client_id)
    monkeypatch.setenv(helpscout_mailbox.APP_SECRET_ENVVAR, server.secret)
    hs = helpscout_mailbox.HelpScoutClient()  # fetches its token in the constructor
    assert (
        helpscout_net.tunnels == 1 and AccessToken.objects.get().application.oauth_client.client_id == server.client_id
    )
    mailbox_id = mailbox_id_of(server.account)  # the client has no mailbox method: the id is the /mailboxes one

    # create: an email conversation whose first thread is a `reply` to the customer (the app's bot writes it)
    cid = hs.create_conversation(mailbox_id, "Invoice", "bob@example.com", "Your invoice", tags=["billing"])
    conversation = Conversation.objects.get(account=server.account, public_id=str(cid))
    bob = Customer.objects.get(account=server.account, email="bob@example.com")
    assert conversation.subject == "Invoice" and conversation.participants.get().customer == bob
    assert list(conversation.messages.values_list("text", "author_agent")) == [("Your invoice", server.bot.pk)]
    assert list(conversation.labels.values_list("name", flat=True)) == ["billing"]
    read = hs.get_conversation(cid)
    assert (read["id"], read["subject"], read["primaryCustomer"]["id"]) == (str(cid), "Invoice", str(bob.uuid))

    # a reply and a private note; the note's text updated
    reply_id = hs.create_reply(cid, bob.number, "Paid yet?")
    note_id = hs.add_note(cid, "Called him")
    reply, note = Message.objects.get(pk=reply_id), Message.objects.get(pk=note_id)
    assert (reply.text, reply.author_agent, reply.is_private) == ("Paid yet?", server.bot, False)
    assert (note.text, note.author_agent, note.is_private) == ("Called him", server.bot, True)
    hs.update_thread_text(cid, note_id, "Called him twice")
    note.refresh_from_db()
    assert note.text == "Called him twice"

    # threads read back (the client reads one page: 50 threads here, as Help Scout)
    threads = hs.conversation_threads(cid)
    assert [t["id"] for t in threads] == [note_id, reply_id, conversation.messages.earliest("pk").pk]
    assert "Paid yet?" in hs.conversation_body(cid)

    # tags (merged with the ones there), snooze, close with PATCH
    hs.add_tags(cid, ["vip"])
    assert sorted(conversation.labels.values_list("name", flat=True)) == ["billing", "vip"]
    hs.snooze_conversation(cid, datetime.now(UTC) + timedelta(hours=2))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.SNOOZED and conversation.snoozed_until is not None
    hs.close_conversation(cid)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED

    # attachment: upload to the note, download its data through the attachment id on the thread
    hs.upload_attachment(cid, note_id, "invoice.pdf", PDF)
    assert Media.objects.get().message_id == note_id
    [attachment] = next(t for t in hs.conversation_threads(cid) if t["id"] == note_id)["_embedded"]["attachments"]
    assert attachment["mimeType"] == "application/pdf"
    assert hs.attachment_data(cid, attachment["id"]) == PDF

    # drafts: the client's `draft=True` and `send_draft` need Help Scout's drafts and schedules, which we refuse
    before = conversation.messages.count()
    with pytest.raises(helpscout_mailbox.HelpScoutError, match=r"\(400\).*\"path\":\"draft\""):
        hs.create_reply(cid, bob.number, "Draft", draft=True)
    with pytest.raises(helpscout_mailbox.HelpScoutError, match=r"\(404\)"):  # no schedules here
        hs.send_draft(cid, reply_id)
    assert conversation.messages.count() == before

    # search, paged by `page` with Help Scout's fixed 25 a page: more than two pages
    make_conversations(server.account, 55, "Customer Invoice")
    found = list(hs.search_conversations('subject:"Customer Invoice"', since=datetime.now(UTC).date()))
    assert len(found) == 55 == len({c["id"] for c in found})
    assert all(c["subject"] == "Customer Invoice" for c in found)
