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
        // A handler answering false is done (its conversation pane was swapped out): it is dropped.
        live.handlers[kind] = (live.handlers[kind] || []).filter((handler) => handler(data) !== false);
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
  // `alive` (optional) ends the loop once false: a conversation pane swapped out of the page stops polling.
  function loop(step, alive) {
    let timer = null;
    let running = null;
    let ranAt = 0;
    const run = () => {
      clearTimeout(timer);
      if (alive && !alive()) return Promise.resolve();
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

  // The list pane: its rows are read again when the stream says something changed (an ETag makes an unchanged
  // list a 304). Ticked boxes, the chosen row and the keyboard's place survive each refresh.
  function inbox(section) {
    let etag = null;
    let seen = null;  // conversation id -> unread, as last drawn: what is new since is worth a notification
    const url = new URL(section.dataset.pollUrl, location.href);
    url.searchParams.set("partial", "1");
    const rows = document.getElementById("inbox-rows");
    if (!rows) return;  // search results: no live rows
    const bulk = document.getElementById("bulk-form");
    const picked = new Set(Array.from(rows.querySelectorAll(".pick:checked"), (box) => box.value));

    function drawBulk() {
      const shown = new Set(Array.from(rows.querySelectorAll(".pick"), (box) => box.value));
      for (const id of Array.from(picked)) if (!shown.has(id)) picked.delete(id);  // gone from the list: not sent
      for (const box of rows.querySelectorAll(".pick")) box.checked = picked.has(box.value);
      if (!bulk) return;
      bulk.hidden = picked.size === 0;
      document.getElementById("bulk-count").textContent = bulk.dataset.countText
        ? bulk.dataset.countText.replace("%s", picked.size) : String(picked.size);
    }
    if (bulk) {
      const action = bulk.elements.action;
      const name = document.getElementById("bulk-label");
      const drawAction = () => { name.hidden = action.value !== "label"; name.required = !name.hidden; };
      action.addEventListener("change", drawAction);
      drawAction();
    }
    rows.addEventListener("change", (event) => {
      if (!event.target.classList.contains("pick")) return;
      if (event.target.checked) picked.add(event.target.value); else picked.delete(event.target.value);
      drawBulk();
    });

    function drawCounts() {
      const counts = rows.querySelector("#inbox-counts");
      if (!counts) return;
      for (const node of document.querySelectorAll("[data-count]")) node.textContent = counts.dataset[node.dataset.count];
      title.unread = Number(counts.dataset.unread || 0);
      title.draw();
      const now = new Map(Array.from(rows.querySelectorAll("tr[data-conversation]"),
        (row) => [row.dataset.conversation, row]));
      if (seen) {
        for (const [id, row] of now) {
          const unread = Number((row.querySelector(".badge") || {}).textContent || 0);
          const before = seen.get(id);
          const mine = row.dataset.assignee === document.body.dataset.agent;
          const fresh = before === undefined && !row.dataset.assignee;
          if (unread > (before || 0) && (mine || fresh)) alert_(row, fresh);
        }
      }
      seen = new Map(Array.from(now, ([id, row]) => [id, Number((row.querySelector(".badge") || {}).textContent || 0)]));
    }

    const kick = loop(async () => {
      const response = await fetch(url, {headers: etag ? {"If-None-Match": etag} : {}, credentials: "same-origin"});
      if (response.status === 304) return;
      signedOut(response);
      if (!response.ok) throw new Error(response.status);
      etag = response.headers.get("ETag");
      const focused = document.activeElement && document.activeElement.closest("tr[data-conversation]");
      const focusedId = focused && focused.dataset.conversation;
      rows.innerHTML = await response.text();
      if (window.htmx) htmx.process(rows);  // the new rows' links open in the middle pane too
      select(currentConversation());
      drawBulk();
      drawCounts();
      if (focusedId) {
        const again = rows.querySelector(`tr[data-conversation="${focusedId}"] a`);
        if (again) again.focus({preventScroll: true});
      }
    });
    drawBulk();
    drawCounts();
    on(["ready", "message", "conversation", "reload"], kick);
    document.addEventListener("desk:changed", kick);
  }

  // The open conversation's row is marked in the list (it may scroll out of view; it stays marked).
  function currentConversation() {
    const root = document.querySelector(".conversation[data-conversation-id]");
    return root ? root.dataset.conversationId : null;
  }

  function select(id) {
    for (const row of document.querySelectorAll("#inbox-rows tr[data-conversation]")) {
      const here = row.dataset.conversation === id;
      row.classList.toggle("selected", here);
      const link = row.querySelector("a");
      if (here) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current");
    }
  }

  // The tab's title carries the unread count of the list: "(3) Inbox · Secure Messenger".
  const title = {
    unread: 0,
    base: document.title.replace(/^\(\d+\) /, ""),
    draw() { document.title = (this.unread ? `(${this.unread}) ` : "") + this.base; },
  };

  // Notifications, as the agent chose (body data-notify-*): a desktop notification and a short tone for a new
  // conversation, or a new message in one assigned to them, while the desk is not in front of them.
  let audio = null;
  function alert_(row, fresh) {
    if (document.hasFocus() && !document.hidden) return;
    const name = (row.querySelector("a") || {}).textContent || "";
    const text = (row.querySelector(".preview") || {}).textContent || "";
    const body = document.body.dataset;
    if (body.notifyBrowser === "on" && window.Notification && Notification.permission === "granted") {
      const note = new Notification(fresh ? (body.textNewConversation || "New conversation") + ": " + name : name,
        {body: text.trim(), tag: `conversation-${row.dataset.conversation}`});
      note.addEventListener("click", () => { window.focus(); row.querySelector("a").click(); });
    }
    if (body.notifySound === "on" && window.AudioContext) {
      audio = audio || new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    }
    document.body.dataset.alerted = String(Number(document.body.dataset.alerted || 0) + 1);  // for tests
  }

  // Snooze times are meant in the agent's own time zone: the forms carry the browser's.
  function browserTimeZone(root) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    for (const field of root.querySelectorAll("[data-browser-tz]")) field.value = zone;
    // …and shown in it (the server writes its own time zone's, for a page without JavaScript).
    for (const time of root.querySelectorAll("time[data-local]")) {
      time.textContent = new Date(time.dateTime).toLocaleString(document.documentElement.lang,
        {day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
    }
  }

  function conversation(root) {
    browserTimeZone(root);
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
    const alive = () => root.isConnected;
    const kick = loop(poll, alive);
    const here = Number(root.dataset.conversationId);
    on(["ready", "reload"], () => alive() && (kick(), true));
    on(["message", "conversation"], (event) => {
      if (!alive()) return false;
      if (event.conversation === here) kick();
    });
    on(["typing"], (event) => {
      if (!alive()) return false;
      if (event.conversation === here && event.who === "customer") typing.hidden = !event.typing;
    });

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

    const writingNote = () => form.elements.private && form.elements.private.value === "on";
    text.addEventListener("input", () => {
      if (writingNote()) return;  // a note is no answer the customer should see coming
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
      mode();
      clearTimeout(idleTimer);
      typingSentAt = 0;
      await kick();
      document.dispatchEvent(new Event("desk:changed"));
    });
    text.addEventListener("keydown", (event) => { if (event.key === "Escape" && list.hidden) text.blur(); });

    // Reply or private note: the composer says which, a note is yellow, like its lines in the timeline.
    const label = document.getElementById("reply-label");
    const send = document.getElementById("reply-send");
    function mode() {
      const note = form.elements.private.value === "on";
      form.classList.toggle("note", note);
      label.textContent = note ? label.dataset.note : label.dataset.reply;
      send.textContent = note ? send.dataset.note : send.dataset.reply;
      text.placeholder = note ? text.dataset.notePlaceholder : text.dataset.replyPlaceholder;
    }
    form.addEventListener("change", (event) => {
      if (event.target.name !== "private") return;
      mode();
      if (writingNote() && typingSentAt) {
        clearTimeout(idleTimer);
        typingSentAt = 0;
        sendTyping("stop");
      }
    });

    // Canned replies: "/" at the start of the box lists the account's, narrowed as the shortcut is typed;
    // arrows move, Enter or Tab puts the text in (placeholders already filled in by the server), Escape closes.
    const list = document.getElementById("canned-list");
    const source = document.getElementById("canned-replies");
    const canned = source ? JSON.parse(source.textContent) : [];
    let matches = [];
    let active = 0;
    function close() {
      list.hidden = true;
      text.setAttribute("aria-expanded", "false");
      text.removeAttribute("aria-activedescendant");
    }
    function draw() {
      list.replaceChildren(...matches.map((reply, index) => {
        const option = document.createElement("li");
        option.id = `canned-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(index === active));
        const key = document.createElement("strong");
        key.textContent = `/${reply.shortcut}`;
        const preview = document.createElement("span");
        preview.textContent = ` ${reply.title || reply.text}`;
        option.append(key, preview);
        option.addEventListener("mousedown", (event) => { event.preventDefault(); pick(index); });
        return option;
      }));
      list.hidden = matches.length === 0;
      text.setAttribute("aria-expanded", String(!list.hidden));
      if (!list.hidden) text.setAttribute("aria-activedescendant", `canned-${active}`);
    }
    function pick(index) {
      text.value = matches[index].text;
      close();
      text.focus();
      text.setSelectionRange(text.value.length, text.value.length);
    }
    text.addEventListener("input", () => {
      const typed = /^\/(\S*)$/.exec(text.value);
      if (!typed || !canned.length) return close();
      const prefix = typed[1].toLowerCase();
      matches = canned.filter((reply) => reply.shortcut.toLowerCase().startsWith(prefix));
      active = 0;
      draw();
    });
    text.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        draw();
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    }, true);
    text.addEventListener("blur", close);
  }

  // Keyboard: j/k move through the list, Enter opens (the link's own), r reply, e close, a assign to me, / search,
  // ? the list of shortcuts. Never while typing in a field, never with a modifier key.
  function keyboard() {
    const dialog = document.getElementById("shortcuts");
    const opener = document.getElementById("shortcuts-open");
    if (opener && dialog) opener.addEventListener("click", () => dialog.showModal());
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      const target = event.target;
      if (target.closest("input, textarea, select, [contenteditable=true]") || (dialog && dialog.open)) return;
      const click = (selector) => { const node = document.querySelector(selector); if (node) node.click(); return !!node; };
      let done = true;
      switch (event.key) {
        case "j": case "k": done = move(event.key === "j" ? 1 : -1); break;
        case "r": { const box = document.getElementById("reply-text"); if (box) box.focus(); else done = false; break; }
        case "e": done = click(".actions [data-shortcut=e]"); break;
        case "a": done = click(".actions [data-shortcut=a]"); break;
        case "/": { const box = document.getElementById("desk-search"); if (box) box.focus(); break; }
        case "?": if (dialog) dialog.showModal(); break;
        default: done = false;
      }
      if (done) event.preventDefault();
    });
  }

  function move(step) {
    const links = Array.from(document.querySelectorAll("#inbox-rows tr[data-conversation] a, .results .found a"));
    if (!links.length) return false;
    const at = links.indexOf(document.activeElement);
    const from = at >= 0 ? at : links.findIndex((link) => link.getAttribute("aria-current") === "true");
    const next = links[Math.min(links.length - 1, Math.max(0, from < 0 ? 0 : from + step))];
    next.focus();
    next.scrollIntoView({block: "nearest"});
    return true;
  }

  // Notification settings save as they change. Turning desktop notifications on asks the browser's permission
  // (once: the browser remembers the answer); refused, the box unticks and says where to allow them.
  function preferences() {
    const form = document.getElementById("prefs-form");
    if (!form) return;
    form.querySelector("button[type=submit]").hidden = true;
    const blocked = document.getElementById("prefs-blocked");
    form.addEventListener("change", async (event) => {
      const box = event.target;
      blocked.hidden = true;
      if (box.name === "notify_browser" && box.checked) {
        const answer = window.Notification
          ? (Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission)
          : "denied";
        if (answer !== "granted") {
          box.checked = false;
          blocked.hidden = false;
          return;
        }
      }
      const response = await post(form.action, new FormData(form)).catch(() => null);
      if (!response || !response.ok) return;
      const saved = await response.json();
      document.body.dataset.notifyBrowser = saved.notify_browser ? "on" : "off";
      document.body.dataset.notifySound = saved.notify_sound ? "on" : "off";
    });
  }

  // Availability (#20): the top bar's choice saves as it changes. While the agent uses the page (a key, a click, a
  // touch) a sign of life goes to the server once a minute, so the worker does not set them away for being idle;
  // its answer brings back an availability changed meanwhile (away after idle time, another tab).
  const PRESENCE_EVERY_MS = 60 * 1000;

  function availability() {
    const form = document.getElementById("availability-form");
    if (!form) return;
    const select = form.querySelector("select");
    const dot = document.getElementById("availability-dot");
    form.querySelector("button[type=submit]").hidden = true;
    const show = (state) => {
      select.value = state.availability;
      dot.className = `presence presence-${state.availability}`;
    };
    select.addEventListener("change", async () => {
      const response = await post(form.action, new FormData(form)).catch(() => null);
      if (response && response.ok) show(await response.json());
    });
    let active = false;
    for (const kind of ["keydown", "pointerdown", "wheel", "touchstart"]) {
      document.addEventListener(kind, () => { active = true; }, {passive: true, capture: true});
    }
    setInterval(async () => {
      if (!active || document.hidden) return;
      active = false;
      const response = await post(form.dataset.presenceUrl, new FormData()).catch(() => null);
      if (response && response.ok) show(await response.json());
    }, PRESENCE_EVERY_MS);
  }

  // A phone shows one pane at a time (desk.css): the conversation's "Customer" and "← Conversation" buttons switch.
  function panes() {
    document.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-pane-to]");
      const desk = document.getElementById("desk");
      if (!button || !desk) return;
      desk.dataset.pane = button.dataset.paneTo;
      const pane = button.dataset.paneTo === "customer" ? document.getElementById("customer-pane") : null;
      if (pane) pane.querySelector("button, a, [tabindex]").focus();
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
    keyboard();
    panes();
    preferences();
    availability();
    // htmx put another conversation in the middle pane: run it, mark it in the list, show it (on a phone).
    document.body.addEventListener("htmx:afterSettle", (event) => {
      if (event.detail.target.id !== "work") return;
      const root = document.querySelector(".conversation[data-updates-url]");
      const desk = document.getElementById("desk");
      if (root) {
        conversation(root);
        select(root.dataset.conversationId);
        title.base = `${root.dataset.title} · Secure Messenger`;
        title.draw();
        if (desk) desk.dataset.pane = "conversation";
      }
      document.dispatchEvent(new Event("desk:changed"));
    });
  });
})();
