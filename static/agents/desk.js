// The desk's live parts, in plain JavaScript. The event stream (/stream/desk, server-sent events) says when
// something changed; the page then reads it with the same requests its polls make: the conversation with a
// cursor, the inbox with an ETag, so a request that carries nothing new is cheap and a dropped network is caught
// up from the cursor, never duplicated. Without the stream (a buffering proxy, a blocked port) the polls run every
// second by themselves; with it, every 30 s as a safety net.
(function () {
  "use strict";
  const POLL_MS = 1000;
  const STREAMING_POLL_MS = 30000;
  const STREAM_RETRY_MS = 15000;
  const KICK_GAP_MS = 300;
  const TYPING_RESEND_MS = 10000;
  const TYPING_IDLE_MS = 4000;

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function connection(ok) {
    const banner = document.getElementById("connection");
    if (banner) banner.hidden = ok;
  }

  // A poll redirected to the login page means the session ended: go there instead of showing it in the page.
  function signedOut(response) {
    if (response.redirected) {
      location.assign(response.url);
      throw new Error("signed out");
    }
  }

  function post(url, body) {
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}});
  }

  // The stream, shared by the page's parts: each subscribes to the events it draws.
  const live = {open: false, handlers: {}, source: null};

  function stream() {
    const url = document.body.dataset.streamUrl;
    if (!url || !window.EventSource) return;
    const source = live.source = new EventSource(url, {withCredentials: true});
    for (const kind of ["ready", "message", "conversation", "typing", "reload"]) {
      source.addEventListener(kind, (event) => {
        if (kind === "ready") live.open = true;
        document.body.dataset.live = live.open ? "open" : "closed";
        const data = JSON.parse(event.data);
        for (const handler of live.handlers[kind] || []) handler(data);
      });
    }
    source.addEventListener("error", () => {
      live.open = false;  // the browser reconnects with Last-Event-ID by itself; the polls run meanwhile
      document.body.dataset.live = "closed";
      if (source.readyState === EventSource.CLOSED) setTimeout(stream, STREAM_RETRY_MS);
    });
  }

  function on(kinds, handler) {
    for (const kind of kinds) (live.handlers[kind] = live.handlers[kind] || []).push(handler);
  }

  // Runs `step` every second without the stream, every 30 s with it, and when `kick` is called: at once, or
  // KICK_GAP_MS after the last run (a busy account's events become a few reads a second, not one read each).
  function loop(step) {
    let timer = null;
    let running = null;
    let ranAt = 0;
    const run = () => {
      clearTimeout(timer);
      ranAt = Date.now();
      running = running || step().then(() => connection(true), () => connection(false))
        .finally(() => {
          running = null;
          timer = setTimeout(run, live.open ? STREAMING_POLL_MS : POLL_MS);
        });
      return running;
    };
    const kick = () => {
      const wait = KICK_GAP_MS - (Date.now() - ranAt);
      if (wait <= 0 || running) return running ? running.then(run) : run();
      clearTimeout(timer);
      timer = setTimeout(run, wait);
      return Promise.resolve();
    };
    timer = setTimeout(run, POLL_MS);
    return kick;
  }

  function inbox(section) {
    let etag = null;
    const url = new URL(section.dataset.pollUrl, location.href);
    url.searchParams.set("partial", "1");
    const kick = loop(async () => {
      const response = await fetch(url, {headers: etag ? {"If-None-Match": etag} : {}, credentials: "same-origin"});
      if (response.status === 304) return;
      signedOut(response);
      if (!response.ok) throw new Error(response.status);
      etag = response.headers.get("ETag");
      const rows = document.getElementById("inbox-rows");
      rows.innerHTML = await response.text();
      const counts = rows.querySelector("#inbox-counts");
      if (counts) {
        for (const node of document.querySelectorAll("[data-count]")) node.textContent = counts.dataset[node.dataset.count];
      }
    });
    on(["ready", "message", "conversation", "reload"], kick);
  }

  function conversation(root) {
    const timeline = document.getElementById("timeline");
    const typing = document.getElementById("customer-typing");
    let lastId = Number(root.dataset.lastId || 0);

    function append(html) {
      const holder = document.createElement("ol");
      holder.innerHTML = html;
      for (const item of Array.from(holder.children)) {
        const id = item.dataset.id || item.dataset.thread;
        const selector = item.dataset.id ? `[data-id="${id}"]` : `[data-thread="${id}"]`;
        if (!timeline.querySelector(selector)) timeline.appendChild(item);
      }
      timeline.lastElementChild && timeline.lastElementChild.scrollIntoView({block: "end"});
    }

    async function poll() {
      const response = await fetch(`${root.dataset.updatesUrl}?after=${lastId}`, {credentials: "same-origin"});
      signedOut(response);
      if (!response.ok) throw new Error(response.status);
      const update = await response.json();
      if (update.html) append(update.html);
      lastId = Math.max(lastId, update.last_id);
      typing.hidden = !update.typing;
      const status = document.getElementById("conversation-status");
      status.textContent = update.status;
      status.className = `status status-${update.status}`;
      document.getElementById("conversation-assignee").textContent = update.assignee || "nobody";
      for (const [id, mark] of Object.entries(update.delivery)) {
        const node = timeline.querySelector(`[data-delivery="${id}"]`);
        if (node) node.textContent = mark;
      }
    }
    if (timeline.lastElementChild) timeline.lastElementChild.scrollIntoView({block: "end"});
    const kick = loop(poll);
    const here = Number(root.dataset.conversationId);
    on(["ready", "reload"], kick);
    on(["message", "conversation"], (event) => { if (event.conversation === here) kick(); });
    on(["typing"], (event) => { if (event.conversation === here && event.who === "customer") typing.hidden = !event.typing; });

    const older = document.getElementById("load-older");
    if (older) older.addEventListener("click", async () => {
      const first = timeline.querySelector("[data-id]");
      const response = await fetch(`${root.dataset.olderUrl}?before=${first.dataset.id}`, {credentials: "same-origin"});
      const page = await response.json();
      timeline.insertAdjacentHTML("afterbegin", page.html);
      if (!page.has_older) older.remove();
    });

    const form = document.getElementById("reply-form");
    const text = document.getElementById("reply-text");
    const error = document.getElementById("reply-error");
    let typingSentAt = 0;
    let idleTimer = null;

    function sendTyping(state) {
      const body = new FormData();
      body.append("state", state);
      post(root.dataset.typingUrl, body).catch(() => {});
    }

    text.addEventListener("input", () => {
      if (Date.now() - typingSentAt > TYPING_RESEND_MS) {
        typingSentAt = Date.now();
        sendTyping("start");
      }
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => { typingSentAt = 0; sendTyping("stop"); }, TYPING_IDLE_MS);
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const response = await post(form.action, new FormData(form)).catch(() => null);
      const result = response ? await response.json().catch(() => ({ok: false})) : {ok: false, error: "No connection."};
      if (!result.ok) {
        error.textContent = result.error || "The reply was not sent.";
        error.hidden = false;
        return;
      }
      form.reset();
      clearTimeout(idleTimer);
      typingSentAt = 0;
      await kick();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    // Filters that apply as soon as they change (no inline handlers: the page's policy runs none).
    for (const field of document.querySelectorAll("[data-submit-on-change]")) {
      field.addEventListener("change", () => field.form.submit());
    }
    const inboxSection = document.querySelector(".inbox[data-poll-url]");
    if (inboxSection) inbox(inboxSection);
    const conversationRoot = document.querySelector(".conversation[data-updates-url]");
    if (conversationRoot) conversation(conversationRoot);
    if (inboxSection || conversationRoot) stream();
  });
})();
