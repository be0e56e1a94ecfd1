/*
 * Secure Messenger web chat widget. Plain modern JavaScript, no build step, no third-party code.
 * It talks only to the client API, as the official Parley web SDK does.
 *
 * Embed:
 *   <script>window.SecureMessenger = {identification: "…", apiBase: "https://chat.example.com",
 *                                     authorization: "<token of a registered visitor, optional>"};</script>
 *   <script src="https://chat.example.com/static/widget/widget.js" defer></script>
 * or with data attributes on the script tag: data-identification, data-api-base, data-authorization.
 */
(function () {
  "use strict";

  const POLL_LADDER = [2, 5, 10, 30, 60, 300, 900, 1800, 7200, 18000, 21600]; // seconds, 5 times each
  const TYPING_RESEND_MS = 10000;
  const TYPING_IDLE_MS = 5000;
  const FONTS = {1: "system-ui, sans-serif", 2: "Helvetica, Arial, sans-serif", 3: "Georgia, serif",
                 4: "'Trebuchet MS', system-ui, sans-serif", 5: "ui-monospace, monospace"};
  const RADII = {1: "2px", 2: "14px", 3: "18px 18px 18px 4px"};

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child.nodeType ? child : String(child));
    }
    return node;
  }

  function hex(value, fallback) {
    return /^[0-9a-fA-F]{6}$/.test(value || "") ? `#${value}` : fallback;
  }

  /** Apply the account's chat config (GET config) as CSS variables on the widget root. */
  function applyLook(root, config) {
    const set = (name, value) => root.style.setProperty(name, value);
    set("--sm-nav-bg", hex(config.navBackgroundColor, "#415581"));
    set("--sm-nav-text", hex(config.navTextColor, "#ffffff"));
    set("--sm-bg", hex(config.backgroundColor, "#eeeeee"));
    set("--sm-user-bg", hex(config.userBackgroundColor, "#ffffff"));
    set("--sm-user-text", hex(config.userTextColor, "#4a5e83"));
    set("--sm-user-time", hex(config.userTimeColor, "#52d160"));
    set("--sm-agent-bg", hex(config.accountBackgroundColor, "#415581"));
    set("--sm-agent-text", hex(config.accountTextColor, "#ffffff"));
    set("--sm-agent-time", hex(config.accountTimeColor, "#52d160"));
    set("--sm-input-bg", hex(config.inputBackgroundColor, "#415581"));
    set("--sm-input-text", hex(config.inputTextColor, "#ffffff"));
    set("--sm-field-bg", hex(config.inputFieldBackgroundColor, "#ffffff"));
    set("--sm-field-text", hex(config.inputFieldTextColor, "#000000"));
    set("--sm-info-bg", hex(config.infoTextBackgroundColor, "#eeeeee"));
    set("--sm-info-text", hex(config.infoTextColor, "#415581"));
    set("--sm-date", hex(config.dateColor, "#4a5e83"));
    set("--sm-radius", RADII[config.balloonStyle] || RADII[2]);
    set("--sm-font", FONTS[config.font] || FONTS[1]);
  }

  /** Text with **bold**, links and line breaks, built as DOM nodes: the text is never parsed as HTML. */
  function textNode(text, tag = "div") {
    const wrapper = el(tag, {class: "sm-text"});
    String(text || "").split(/(\*\*[^*]+\*\*|https?:\/\/[^\s<]+)/g).forEach((part) => {
      if (/^\*\*[^*]+\*\*$/.test(part)) wrapper.append(el("strong", {}, part.slice(2, -2)));
      else if (/^https?:\/\//.test(part)) wrapper.append(el("a", {href: part, target: "_blank", rel: "noopener noreferrer"}, part));
      else part.split("\n").forEach((line, n) => { if (n) wrapper.append(el("br")); wrapper.append(line); });
    });
    return wrapper;
  }

  function icon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
    svg.append(path);
    return svg;
  }

  function timeLabel(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }

  /** One message bubble; `loadMedia(media)` resolves to an object URL (downloads need the identification). */
  function bubble(message, loadMedia) {
    const own = message.typeId === 1;
    const item = el("li", {class: `sm-message ${own ? "sm-own" : "sm-agent"}`, "data-id": message.id});
    if (!own && message.agent) {
      item.append(el("div", {class: "sm-author"},
        message.agent.avatar ? el("img", {class: "sm-avatar", src: message.agent.avatar, alt: ""}) : null,
        message.agent.name));
    }
    if (message.title) item.append(el("strong", {class: "sm-title"}, message.title));
    if (message.media) {
      const label = message.media.description || message.media.filename || "file";
      if (message.media.mimeType.startsWith("image/")) {
        const image = el("img", {class: "sm-image", alt: label});
        loadMedia(message.media).then((url) => { image.src = url; }).catch(() => { image.alt = "Unable to load media"; });
        item.append(image);
      } else {
        const link = el("a", {class: "sm-file", href: "#", download: label}, label);
        loadMedia(message.media).then((url) => { link.href = url; }).catch(() => { link.textContent = "Unable to load media"; });
        item.append(link);
      }
    }
    if (message.message) item.append(textNode(message.message));
    for (const button of message.buttons || []) {
      item.append(el("a", {class: "sm-button", href: button.payload, target: "_blank", rel: "noopener"}, button.title));
    }
    item.append(el("time", {class: "sm-time", datetime: new Date(message.time * 1000).toISOString()},
      timeLabel(message.time)));
    return item;
  }

  /** The chat window (without the launcher), shared by the widget and the admin's live preview. */
  function chatWindow({title, onClose, onSend, onAttach, onType}) {
    const list = el("ol", {class: "sm-list", "aria-live": "polite", "aria-label": "Messages"});
    const typing = el("p", {class: "sm-typing", hidden: true}, "typing…");
    const sticky = el("p", {class: "sm-sticky", hidden: true});
    const welcome = el("p", {class: "sm-welcome", hidden: true});
    const offline = el("p", {class: "sm-offline", role: "status", hidden: true});
    const error = el("p", {class: "sm-error", role: "alert", hidden: true});
    const input = el("textarea", {class: "sm-input", rows: "1", "aria-label": "Type a message",
                                  placeholder: "Type a message…"});
    const file = el("input", {type: "file", accept: "image/png,image/jpeg,image/gif", hidden: true,
                              "aria-label": "Send an image"});
    const header = el("header", {class: "sm-header"},
      el("h2", {class: "sm-heading"}, title),
      el("button", {type: "button", class: "sm-close", "aria-label": "Close chat", onclick: onClose}, "×"));
    const form = el("form", {class: "sm-compose"},
      el("button", {type: "button", class: "sm-attach", "aria-label": "Attach an image",
                    onclick: () => file.click()}, "+"),
      input, file,
      el("button", {type: "submit", class: "sm-send", "aria-label": "Send message"}, "Send"));
    form.addEventListener("submit", (event) => { event.preventDefault(); onSend && onSend(input); });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", () => onType && onType());
    file.addEventListener("change", () => { if (file.files[0] && onAttach) onAttach(file.files[0]); file.value = ""; });
    const panel = el("section", {class: "sm-window", role: "dialog", "aria-label": title},
      header, offline, sticky, el("div", {class: "sm-scroll"}, welcome, list, typing), error, form);
    return {panel, list, typing, sticky, welcome, offline, error, input};
  }

  /** The admin's preview: the same window and bubbles, drawn from a config object and sample messages. */
  function preview(container, config) {
    container.replaceChildren();
    const root = el("div", {class: "sm-root sm-preview"});
    applyLook(root, config);
    const view = chatWindow({title: config.name || "Chat"});
    const now = Math.floor(Date.now() / 1000);
    const samples = [
      {id: 1, time: now - 120, typeId: 1, message: "Hello, I have a question about my order."},
      {id: 2, time: now - 60, typeId: 2, agent: {id: 1, name: "Sanne", avatar: null}, message: "Happy to help! Which order?"},
    ];
    samples.forEach((m) => view.list.append(bubble(m, () => Promise.reject(new Error("preview")))));
    if (config.infoText) { view.welcome.textContent = config.infoText; view.welcome.hidden = false; }
    root.append(view.panel);
    container.append(root);
  }

  class Widget {
    constructor(options) {
      this.identification = options.identification;
      this.base = (options.apiBase || "").replace(/\/$/, "") + "/clientApi/v1.9";
      this.authorization = options.authorization || "";
      this.scriptBase = options.scriptBase || "";
      this.deviceKey = `secure-messenger-device:${this.identification}`;
      this.deviceId = localStorage.getItem(this.deviceKey) || crypto.randomUUID();
      localStorage.setItem(this.deviceKey, this.deviceId);
      this.lastId = 0;
      this.oldestId = null;
      this.open = false;
      this.registered = false;
      this.ladderStep = 0;
      this.timer = null;
      this.typingSentAt = 0;
      this.mediaUrls = new Map();
    }

    headers(extra) {
      return {"x-iris-identification": `${this.identification}:${this.deviceId}`,
              "Authorization": this.authorization, ...extra};
    }

    async call(method, path, body) {
      const isForm = body instanceof FormData;
      const response = await fetch(this.base + path, {
        method, body: body === undefined ? undefined : (isForm ? body : JSON.stringify(body)),
        headers: this.headers(isForm || body === undefined ? {} : {"Content-Type": "text/plain;charset=UTF-8"}),
      });
      const payload = await response.json().catch(() => ({status: "ERROR", notifications: []}));
      if (payload.status === "ERROR") {
        const error = new Error((payload.notifications[0] || {}).message || "request_failed");
        error.code = error.message;
        throw error;
      }
      return payload;
    }

    loadMedia(media) {
      const path = `/media/${media.year}/${media.month}/${media.day}/${media.filename}`;
      if (!this.mediaUrls.has(path)) {
        this.mediaUrls.set(path, fetch(this.base + path, {headers: this.headers()}).then((r) => {
          if (!r.ok) throw new Error("media");
          return r.blob();
        }).then((blob) => URL.createObjectURL(blob)));
      }
      return this.mediaUrls.get(path);
    }

    async start() {
      this.stylesheet();
      const config = await this.register().then(() => this.call("GET", "/config")).then((p) => p.data);
      this.root = el("div", {class: "sm-root"});
      applyLook(this.root, config);
      this.badge = el("span", {class: "sm-badge", hidden: true, "aria-hidden": "true"});
      this.launcher = el("button", {type: "button", class: "sm-launcher", "aria-label": "Open chat",
                                    "aria-expanded": "false", onclick: () => this.toggle(!this.open)}, icon(), this.badge);
      this.view = chatWindow({
        title: config.name || "Chat",
        onClose: () => this.toggle(false),
        onSend: (input) => this.sendText(input),
        onAttach: (file) => this.sendImage(file),
        onType: () => this.typed(),
      });
      this.view.panel.hidden = true;
      this.root.addEventListener("keydown", (event) => { if (event.key === "Escape" && this.open) this.toggle(false); });
      if (config.offlineMessage) { this.view.offline.textContent = config.offlineMessage; this.view.offline.hidden = false; }
      this.view.list.parentElement.addEventListener("scroll", (event) => {
        if (event.target.scrollTop < 40) this.loadOlder();
      });
      this.root.append(this.view.panel, this.launcher);
      document.body.append(this.root);
      window.addEventListener("focus", () => this.restartPolling());
      document.addEventListener("visibilitychange", () => { if (!document.hidden) this.restartPolling(); });
      await this.refreshUnseen();
      this.schedule();
    }

    stylesheet() {
      if (document.querySelector("link[data-secure-messenger]")) return;
      const href = (this.scriptBase || "") + "/static/widget/widget.css";
      document.head.append(el("link", {rel: "stylesheet", href, "data-secure-messenger": "1"}));
    }

    async register() {
      await this.call("POST", "/devices", {type: 3, version: "2.0.0", referer: location.href});
      this.registered = true;
    }

    toggle(open) {
      this.open = open;
      this.view.panel.hidden = !open;
      this.launcher.setAttribute("aria-expanded", String(open));
      this.launcher.setAttribute("aria-label", open ? "Hide chat" : "Open chat");
      if (open) {
        this.view.input.focus();
        if (!this.lastId) this.loadLatest(); else this.restartPolling();
      } else {
        this.launcher.focus();
      }
    }

    render(page, {prepend = false} = {}) {
      const list = this.view.list;
      const fresh = page.data.filter((m) => !list.querySelector(`[data-id="${m.id}"]`) && m.typeId <= 2);
      const nodes = fresh.slice().reverse().map((m) => bubble(m, (media) => this.loadMedia(media)));
      if (prepend) list.prepend(...nodes); else list.append(...nodes);
      for (const m of page.data) {
        this.lastId = Math.max(this.lastId, m.id);
        this.oldestId = this.oldestId === null ? m.id : Math.min(this.oldestId, m.id);
      }
      this.view.sticky.hidden = !page.stickyMessage;
      this.view.sticky.replaceChildren(...textNode(page.stickyMessage).childNodes);
      this.view.welcome.hidden = !page.welcomeMessage;
      this.view.welcome.replaceChildren(...textNode(page.welcomeMessage).childNodes);
      this.view.typing.hidden = !(page.agent && page.agent.isTyping);
      if (page.agent && page.agent.isTyping) this.view.typing.textContent = `${page.agent.name} is typing…`;
      if (!prepend && nodes.length) nodes[nodes.length - 1].scrollIntoView({block: "end"});
      const unseen = page.data.filter((m) => m.status < 4).map((m) => m.id);
      if (this.open && unseen.length) this.call("PUT", "/messages/status/4", {messageIds: unseen}).catch(() => {});
      if (this.open) this.setBadge(0);
      return nodes.length;
    }

    async loadLatest() {
      this.render(await this.call("GET", "/messages"));
    }

    async loadOlder() {
      if (this.loadingOlder || this.oldestId === null || this.noOlder) return;
      this.loadingOlder = true;
      try {
        const page = await this.call("GET", `/messages/before:${this.oldestId}`);
        if (!page.data.length) this.noOlder = true;
        else this.render(page, {prepend: true});
      } finally {
        this.loadingOlder = false;
      }
    }

    async poll() {
      if (this.open) {
        const page = await this.call("GET", this.lastId ? `/messages/after:${this.lastId}` : "/messages");
        this.render(page);
      } else {
        await this.refreshUnseen();
      }
    }

    async refreshUnseen() {
      const result = await this.call("GET", "/messages/unseen/count").catch(() => null);
      if (result) this.setBadge(result.data.count);
    }

    setBadge(count) {
      this.badge.hidden = !count;
      this.badge.textContent = count > 9 ? "9+" : String(count);
      this.launcher.setAttribute("aria-label", count ? `Open chat, ${count} unread` : (this.open ? "Hide chat" : "Open chat"));
    }

    schedule() {
      clearTimeout(this.timer);
      const seconds = POLL_LADDER[Math.min(Math.floor(this.ladderStep / 5), POLL_LADDER.length - 1)];
      this.timer = setTimeout(async () => {
        this.ladderStep += 1;
        try { await this.poll(); } catch (error) { this.recover(error); }
        this.schedule();
      }, seconds * 1000);
    }

    restartPolling() {
      this.ladderStep = 0;
      clearTimeout(this.timer);
      this.poll().catch((error) => this.recover(error)).finally(() => this.schedule());
    }

    recover(error) {
      if (error.code === "device_not_registered") this.register().catch(() => {});
      if (error.code === "device_requires_authorization") {
        this.deviceId = crypto.randomUUID();
        localStorage.setItem(this.deviceKey, this.deviceId);
        this.register().catch(() => {});
      }
    }

    showError(message) {
      this.view.error.textContent = message;
      this.view.error.hidden = !message;
    }

    async sendText(input) {
      const text = input.value.trim();
      if (!text) return;
      this.showError("");
      try {
        await this.call("POST", "/messages", {message: text, referer: location.href});
        input.value = "";
        this.typingSentAt = 0;
        this.restartPolling();
      } catch (error) {
        this.showError("The message was not sent. Please try again.");
      }
    }

    async sendImage(file) {
      this.showError("");
      try {
        const form = new FormData();
        form.append("media", file, file.name);
        const upload = await this.call("POST", "/media", form);
        await this.call("POST", "/messages", {media: {id: upload.data.media, description: file.name}});
        this.restartPolling();
      } catch (error) {
        this.showError(error.code === "media_too_large" ? "The image is larger than 10 MB."
          : error.code === "invalid_media_type" ? "Only images can be sent." : "The image was not sent.");
      }
    }

    typed() {
      if (Date.now() - this.typingSentAt > TYPING_RESEND_MS) {
        this.typingSentAt = Date.now();
        this.call("POST", "/services/event/startTyping").catch(() => {});
      }
      clearTimeout(this.idle);
      this.idle = setTimeout(() => {
        this.typingSentAt = 0;
        this.call("POST", "/services/event/stopTyping").catch(() => {});
      }, TYPING_IDLE_MS);
    }
  }

  function optionsFromPage() {
    const script = document.currentScript;
    const data = script ? script.dataset : {};
    const given = window.SecureMessenger && window.SecureMessenger.identification ? window.SecureMessenger : {};
    return {
      identification: given.identification || data.identification,
      apiBase: given.apiBase || data.apiBase || (script ? new URL(script.src).origin : ""),
      authorization: given.authorization || data.authorization || "",
      scriptBase: script ? new URL(script.src).origin : "",
    };
  }

  const options = optionsFromPage();
  window.SecureMessengerWidget = {preview, Widget};
  if (options.identification) {
    const start = () => {
      const widget = new Widget(options);
      window.SecureMessengerWidget.instance = widget;
      widget.start().catch((error) => console.error("Secure Messenger widget:", error));
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
