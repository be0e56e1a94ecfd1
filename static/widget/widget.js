/*
 * Secure Messenger web chat widget. Plain modern JavaScript, no build step, no third-party code.
 * It talks only to the client API, as the official Parley web SDK does, and reads its event stream
 * (/stream/client) to show replies as they come; where the stream cannot connect it polls by itself.
 *
 * Embed:
 *   <script>window.SecureMessenger = {identification: "…", apiBase: "https://chat.example.com",
 *                                     authorization: "<token of a registered visitor, optional>"};</script>
 *   <script src="https://chat.example.com/static/widget/widget.js" defer></script>
 * or with data attributes on the script tag: data-identification, data-api-base, data-authorization.
 * `streamUrl` (data-stream-url) names the event stream when it is not `{apiBase}/stream/client`.
 *
 * The widget draws itself inside a shadow root (with widget.css linked there), so the host page's style sheets
 * neither reach it nor are reached by it. Its language is the page's <html lang> when we speak it, else the
 * account's (GET config `language`), else English.
 */
(function () {
  "use strict";

  const POLL_LADDER = [2, 5, 10, 30, 60, 300, 900, 1800, 7200, 18000, 21600]; // seconds, 5 times each
  const OPEN_POLL_MAX_SECONDS = 10; // while the chat is open, never longer between polls
  const STREAM_RETRY_MAX_MS = 60000; // a stream that cannot connect is tried again after 2, 4, … up to 60 s
  const TYPING_RESEND_MS = 10000;
  const TYPING_IDLE_MS = 5000;
  const FONTS = {1: "system-ui, sans-serif", 2: "Helvetica, Arial, sans-serif", 3: "Georgia, serif",
                 4: "'Trebuchet MS', system-ui, sans-serif", 5: "ui-monospace, monospace"};
  const RADII = {1: "2px", 2: "14px", 3: "18px 18px 18px 4px"};

  // --- Translations: a small catalog, English the source. `t("Today")`, `t("{name} is typing…", {name})`.
  const CATALOG = {
    nl: {
      "Open chat": "Chat openen",
      "Hide chat": "Chat verbergen",
      "Open chat, {count} unread": "Chat openen, {count} ongelezen",
      "Close chat": "Chat sluiten",
      "Chat": "Chat",
      "Messages": "Berichten",
      "Type a message": "Typ een bericht",
      "Type a message…": "Typ een bericht…",
      "Send message": "Bericht versturen",
      "Send": "Versturen",
      "Attach an image": "Afbeelding toevoegen",
      "Send an image": "Afbeelding versturen",
      "typing…": "typt…",
      "{name} is typing…": "{name} typt…",
      "Today": "Vandaag",
      "Yesterday": "Gisteren",
      "Unable to load media": "Kan de bijlage niet laden",
      "The message was not sent. Please try again.": "Het bericht is niet verstuurd. Probeer het opnieuw.",
      "The image is larger than 10 MB.": "De afbeelding is groter dan 10 MB.",
      "Only images can be sent.": "Alleen afbeeldingen kunnen worden verstuurd.",
      "The image was not sent.": "De afbeelding is niet verstuurd.",
      "Conversation closed": "Gesprek gesloten",
      "Conversation reopened": "Gesprek heropend",
      "This conversation has been closed. Write a message to start a new one.":
        "Dit gesprek is gesloten. Stuur een bericht om een nieuw gesprek te beginnen.",
      "Before we start": "Voordat we beginnen",
      "Leave your email address so that we can also answer you by email.":
        "Laat uw e-mailadres achter, dan kunnen we u ook per e-mail antwoorden.",
      "Name": "Naam",
      "Email address": "E-mailadres",
      "Start chat": "Chat starten",
      "Please enter a valid email address.": "Vul een geldig e-mailadres in.",
      "Something went wrong. Please try again.": "Er ging iets mis. Probeer het opnieuw.",
      "Rate this conversation": "Beoordeel dit gesprek",
      "Your rating": "Uw beoordeling",
      "{rating} out of 5": "{rating} van de 5",
      "Comment (optional)": "Opmerking (optioneel)",
      "Send rating": "Beoordeling versturen",
      "Thanks for your rating!": "Bedankt voor uw beoordeling!",
    },
  };

  function languageOf(pageLang, accountLang) {
    for (const candidate of [pageLang, accountLang]) {
      const code = String(candidate || "").toLowerCase().split(/[-_]/)[0];
      if (code === "en" || CATALOG[code]) return code;
    }
    return "en";
  }

  function translator(lang) {
    const strings = CATALOG[lang] || {};
    return (text, values) => String(strings[text] || text).replace(/\{(\w+)\}/g, (_, key) => String((values || {})[key]));
  }

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
    return /^[0-9a-fA-F]{6}$/.test(value || "") ? `#${value.toLowerCase()}` : fallback;
  }

  // --- Contrast (WCAG 2): every text colour of the account is checked against its background, and moved towards
  // black or white (keeping its hue) until it reaches AA: 4.5:1, or 3:1 for large text (the 19 px bold heading).
  function rgbOf(colour) {
    const n = parseInt(colour.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function luminance(colour) {
    const [r, g, b] = rgbOf(colour).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  }

  function mix(colour, target, share) {
    const [a, b] = [rgbOf(colour), rgbOf(target)];
    return "#" + a.map((v, i) => Math.round(v + (b[i] - v) * share).toString(16).padStart(2, "0")).join("");
  }

  /** `text` when it reads well on `background`, else the nearest shade of it towards black or white that does. */
  function readable(text, background, minimum = 4.5) {
    if (contrast(text, background) >= minimum) return text;
    const towards = contrast("#000000", background) >= contrast("#ffffff", background) ? "#000000" : "#ffffff";
    for (let share = 0.1; share < 1; share += 0.1) {
      const shade = mix(text, towards, share);
      if (contrast(shade, background) >= minimum) return shade;
    }
    return towards;
  }

  /** Apply the account's chat config (GET config) as CSS variables on the widget root. */
  function applyLook(root, config) {
    const set = (name, value) => root.style.setProperty(name, value);
    const navBg = hex(config.navBackgroundColor, "#415581");
    const bg = hex(config.backgroundColor, "#eeeeee");
    const userBg = hex(config.userBackgroundColor, "#ffffff");
    const agentBg = hex(config.accountBackgroundColor, "#415581");
    const inputBg = hex(config.inputBackgroundColor, "#415581");
    const fieldBg = hex(config.inputFieldBackgroundColor, "#ffffff");
    const infoBg = hex(config.infoTextBackgroundColor, "#eeeeee");
    set("--sm-nav-bg", navBg);
    set("--sm-nav-text", readable(hex(config.navTextColor, "#ffffff"), navBg, 3)); // heading: 19 px bold
    set("--sm-nav-text-small", readable(hex(config.navTextColor, "#ffffff"), navBg)); // the pre-chat form's button
    set("--sm-bg", bg);
    set("--sm-user-bg", userBg);
    set("--sm-user-text", readable(hex(config.userTextColor, "#4a5e83"), userBg));
    set("--sm-user-link", readable(hex(config.userTextLinkColor, "#2b7a34"), userBg));
    set("--sm-user-time", readable(hex(config.userTimeColor, "#2b7a34"), userBg));
    set("--sm-agent-bg", agentBg);
    set("--sm-agent-text", readable(hex(config.accountTextColor, "#ffffff"), agentBg));
    set("--sm-agent-link", readable(hex(config.accountTextLinkColor, "#a7f0b0"), agentBg));
    set("--sm-agent-time", readable(hex(config.accountTimeColor, "#a7f0b0"), agentBg));
    set("--sm-input-bg", inputBg);
    set("--sm-input-text", readable(hex(config.inputTextColor, "#ffffff"), inputBg));
    set("--sm-field-bg", fieldBg);
    set("--sm-field-text", readable(hex(config.inputFieldTextColor, "#000000"), fieldBg));
    set("--sm-placeholder", readable(hex(config.inputFieldPlaceholderColor, "#666666"), fieldBg));
    set("--sm-info-bg", infoBg);
    set("--sm-info-text", readable(hex(config.infoTextColor, "#415581"), infoBg));
    set("--sm-date", readable(hex(config.dateColor, "#4a5e83"), bg));
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

  function timeLabel(seconds, lang) {
    return new Date(seconds * 1000).toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"});
  }

  function dayKey(seconds) {
    const d = new Date(seconds * 1000);
    return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
  }

  /** "Today", "Yesterday" or the date, in the widget's language. */
  function dayLabel(seconds, t, lang) {
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    const key = dayKey(seconds);
    if (key === dayKey(today.getTime() / 1000)) return t("Today");
    if (key === dayKey(yesterday.getTime() / 1000)) return t("Yesterday");
    const date = new Date(seconds * 1000);
    const options = {weekday: "long", day: "numeric", month: "long"};
    if (date.getFullYear() !== today.getFullYear()) options.year = "numeric";
    return date.toLocaleDateString(lang, options);
  }

  function initials(name) {
    const words = String(name || "").trim().split(/\s+/).filter(Boolean);
    if (!words.length) return "?";
    const letters = words.length === 1 ? words[0].slice(0, 1) : words[0].slice(0, 1) + words[words.length - 1].slice(0, 1);
    return letters.toUpperCase();
  }

  /** The agent's avatar image, or their initials in a circle (also when the image cannot load). */
  function avatar(agent) {
    const fallback = () => el("span", {class: "sm-avatar sm-initials", "aria-hidden": "true"}, initials(agent.name));
    if (!agent.avatar) return fallback();
    const image = el("img", {class: "sm-avatar", src: agent.avatar, alt: ""});
    image.addEventListener("error", () => image.replaceWith(fallback()));
    return image;
  }

  /** A close or reopen of the conversation, as the desk records it: a silent system message (typeId 5). */
  function conversationEvent(message) {
    const custom = message.custom && !Array.isArray(message.custom) ? message.custom : {};
    return message.typeId === 5 && (custom.action === "close" || custom.action === "reopen") ? custom.action : null;
  }

  /** One message bubble; `loadMedia(media)` resolves to an object URL (downloads need the identification). */
  function bubble(message, loadMedia, t, lang, survey) {
    const event = conversationEvent(message);
    if (event) {
      return el("li", {class: "sm-event", "data-id": message.id, "data-time": message.time, "data-event": event},
        t(event === "close" ? "Conversation closed" : "Conversation reopened"));
    }
    const own = message.typeId === 1;
    const item = el("li", {class: `sm-message ${own ? "sm-own" : "sm-agent"}`, "data-id": message.id,
                           "data-time": message.time});
    if (!own && message.agent) {
      item.append(el("div", {class: "sm-author"}, avatar(message.agent), el("span", {}, message.agent.name)));
    }
    if (message.title) item.append(el("strong", {class: "sm-title"}, message.title));
    if (message.media) {
      const label = message.media.description || message.media.filename || "file";
      if (message.media.mimeType.startsWith("image/")) {
        const image = el("img", {class: "sm-image", alt: label});
        loadMedia(message.media).then((url) => { image.src = url; }).catch(() => { image.alt = t("Unable to load media"); });
        item.append(image);
      } else {
        const link = el("a", {class: "sm-file", href: "#", download: label}, label);
        loadMedia(message.media).then((url) => { link.href = url; }).catch(() => { link.textContent = t("Unable to load media"); });
        item.append(link);
      }
    }
    if (message.message) item.append(textNode(message.message));
    const rating = satisfactionIdOf(message);
    if (rating && survey) { item.dataset.survey = String(rating); item.append(survey(rating)); }
    for (const button of rating && survey ? [] : message.buttons || []) {
      item.append(el("a", {class: "sm-button", href: button.payload, target: "_blank", rel: "noopener"}, button.title));
    }
    item.append(el("time", {class: "sm-time", datetime: new Date(message.time * 1000).toISOString()},
      timeLabel(message.time, lang)));
    return item;
  }

  // --- Satisfaction (#20): the prompt an agent's close posts (`custom.satisfaction.id`) shows as five stars, an
  // optional comment and a send button; its answer goes to `satisfaction/{id}`, and "Thanks" replaces the form.
  function satisfactionIdOf(message) {
    const custom = message.custom && !Array.isArray(message.custom) ? message.custom : {};
    return custom.satisfaction && Number.isInteger(custom.satisfaction.id) ? custom.satisfaction.id : null;
  }

  /** The survey of prompt `id`: `api.get(id)` and `api.answer(id, rating, comment)` resolve to its state. */
  function satisfactionSurvey(id, api, t) {
    const box = el("div", {class: "sm-survey", role: "group", "aria-label": t("Rate this conversation")});
    const thanks = (state) => box.replaceChildren(
      el("p", {class: "sm-survey-stars", role: "img", "aria-label": t("{rating} out of 5", {rating: state.rating})},
        "★".repeat(state.rating) + "☆".repeat(5 - state.rating)),
      el("p", {class: "sm-survey-thanks", role: "status"}, t("Thanks for your rating!")));
    const show = (state) => {
      if (state.rating) { thanks(state); return; }
      if (state.expiresAt && state.expiresAt * 1000 < Date.now()) { box.remove(); return; }
      let chosen = 0;
      const stars = [1, 2, 3, 4, 5].map((n) => el("button", {type: "button", class: "sm-star", "aria-pressed": "false",
        "aria-label": t("{rating} out of 5", {rating: n}), onclick: () => choose(n)}, "☆"));
      const comment = el("textarea", {class: "sm-survey-comment", rows: "2", maxlength: "2000",
        "aria-label": t("Comment (optional)"), placeholder: t("Comment (optional)")});
      const send = el("button", {type: "button", class: "sm-survey-send", disabled: true}, t("Send rating"));
      const error = el("p", {class: "sm-survey-error", role: "alert", hidden: true});
      const choose = (n) => {
        chosen = n;
        stars.forEach((star, i) => {
          star.textContent = i < n ? "★" : "☆";
          star.setAttribute("aria-pressed", String(i + 1 === n));
        });
        send.disabled = false;
      };
      send.addEventListener("click", () => {
        send.disabled = true;
        api.answer(id, chosen, comment.value.trim()).then(thanks).catch((failure) => {
          if (failure.code === "satisfaction_answered") { api.get(id).then(show).catch(() => {}); return; }
          error.textContent = t("Something went wrong. Please try again.");
          error.hidden = false;
          send.disabled = false;
        });
      });
      box.replaceChildren(el("p", {class: "sm-survey-question"}, t("Your rating")),
        el("div", {class: "sm-stars"}, ...stars), comment, error, send);
    };
    show({rating: null});
    api.get(id).then(show).catch(() => {});
    return box;
  }

  /** A separator before the first message of each day; recomputed after every change of the list. */
  function separateDays(list, t, lang) {
    list.querySelectorAll(":scope > .sm-day").forEach((node) => node.remove());
    let previous = null;
    for (const item of Array.from(list.children)) {
      const seconds = Number(item.dataset.time);
      if (!seconds) continue;
      const key = dayKey(seconds);
      if (key !== previous) item.before(el("li", {class: "sm-day"}, el("span", {}, dayLabel(seconds, t, lang))));
      previous = key;
    }
  }

  /** The chat window (without the launcher), shared by the widget and the admin's live preview. */
  function chatWindow({title, t, onClose, onSend, onAttach, onType}) {
    const list = el("ol", {class: "sm-list", "aria-live": "polite", "aria-label": t("Messages")});
    const typing = el("p", {class: "sm-typing", hidden: true}, t("typing…"));
    const sticky = el("p", {class: "sm-sticky", hidden: true});
    const welcome = el("p", {class: "sm-welcome", hidden: true});
    const offline = el("p", {class: "sm-offline", role: "status", hidden: true});
    const closed = el("p", {class: "sm-closed", role: "status", hidden: true},
      t("This conversation has been closed. Write a message to start a new one."));
    const error = el("p", {class: "sm-error", role: "alert", hidden: true});
    const input = el("textarea", {class: "sm-input", rows: "1", "aria-label": t("Type a message"),
                                  placeholder: t("Type a message…")});
    const file = el("input", {type: "file", accept: "image/png,image/jpeg,image/gif", hidden: true,
                              "aria-label": t("Send an image")});
    const header = el("header", {class: "sm-header"},
      el("h2", {class: "sm-heading"}, title),
      el("button", {type: "button", class: "sm-close", "aria-label": t("Close chat"), onclick: onClose}, "×"));
    const form = el("form", {class: "sm-compose"},
      el("button", {type: "button", class: "sm-attach", "aria-label": t("Attach an image"),
                    onclick: () => file.click()}, "+"),
      input, file,
      el("button", {type: "submit", class: "sm-send", "aria-label": t("Send message")}, t("Send")));
    form.addEventListener("submit", (event) => { event.preventDefault(); onSend && onSend(input); });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", () => onType && onType());
    file.addEventListener("change", () => { if (file.files[0] && onAttach) onAttach(file.files[0]); file.value = ""; });
    const body = el("div", {class: "sm-body"},
      el("div", {class: "sm-scroll"}, welcome, list, typing), closed, error, form);
    const panel = el("section", {class: "sm-window", role: "dialog", "aria-label": title},
      header, offline, sticky, body);
    return {panel, body, list, typing, sticky, welcome, offline, closed, error, input, form};
  }

  /** True when the `email` field holds an address; otherwise `error` says so, the field is marked and focused. */
  function emailChecked(email, error, t) {
    error.hidden = true;
    email.removeAttribute("aria-invalid");
    if (email.value.trim() && email.checkValidity()) return true;
    error.textContent = t("Please enter a valid email address.");
    error.hidden = false;
    email.setAttribute("aria-invalid", "true");
    email.focus();
    return false;
  }

  /** The optional pre-chat form (GET config `preChatForm`): the visitor's email address and name. */
  function preChatForm({t, onSubmit}) {
    const error = el("p", {id: "sm-prechat-error", class: "sm-error", role: "alert", hidden: true});
    const email = el("input", {id: "sm-prechat-email", class: "sm-field", type: "email", name: "email",
                               autocomplete: "email", required: true, "aria-describedby": "sm-prechat-error"});
    const name = el("input", {id: "sm-prechat-name", class: "sm-field", type: "text", name: "name",
                              autocomplete: "name"});
    const form = el("form", {class: "sm-prechat", novalidate: true},
      el("h3", {class: "sm-prechat-title"}, t("Before we start")),
      el("p", {class: "sm-prechat-intro"}, t("Leave your email address so that we can also answer you by email.")),
      el("label", {for: "sm-prechat-name"}, t("Name")), name,
      el("label", {for: "sm-prechat-email"}, t("Email address")), email,
      error,
      el("button", {type: "submit", class: "sm-primary"}, t("Start chat")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!emailChecked(email, error, t)) return;
      try {
        await onSubmit({email: email.value.trim(), name: name.value.trim()});
      } catch (failure) {
        error.textContent = t("Something went wrong. Please try again.");
        error.hidden = false;
      }
    });
    return {form, first: name};
  }

  // --- Business hours (#20). Outside them GET config says `online: false`, `opensAt` (the next opening, UTC) and the
  // offline text as `stickyMessage`. The window then shows that text and when we are back, in the visitor's own time
  // and language, and offers to leave an email address (stored as the pre-chat form stores it: the device's
  // `userAdditionalInformation`), unless the visitor is logged in or gave one already. The visitor can still write.
  Object.assign(CATALOG.nl, {
    "We're back today at {time}.": "We zijn vandaag om {time} weer bereikbaar.",
    "We're back {day} at {time}.": "We zijn {day} om {time} weer bereikbaar.",
    "Leave your email address and we'll answer you by email.":
      "Laat uw e-mailadres achter, dan antwoorden we u per e-mail.",
    "Send email address": "E-mailadres versturen",
    "Thank you. We'll answer you at {email}.": "Dank u. We antwoorden u op {email}.",
  });

  /** "We're back today at 09:00." / "We're back Monday at 09:00.": `opensAt` in the visitor's time zone. */
  function backAtLabel(opensAt, t, lang, now = new Date()) {
    const when = new Date(opensAt);
    if (Number.isNaN(when.getTime())) return "";
    const time = when.toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"});
    if (when.toDateString() === now.toDateString()) return t("We're back today at {time}.", {time});
    const week = when - now < 6 * 86400000;
    const day = when.toLocaleDateString(lang, week ? {weekday: "long"} : {weekday: "long", day: "numeric", month: "long"});
    return t("We're back {day} at {time}.", {day, time});
  }

  /** The closed chat's offer: an email field; `onSubmit(email)` stores it, then the offer thanks the visitor. */
  function emailOffer({t, onSubmit}) {
    const error = el("p", {id: "sm-hours-email-error", class: "sm-error", role: "alert", hidden: true});
    const email = el("input", {id: "sm-hours-email", class: "sm-field", type: "email", name: "email",
                               autocomplete: "email", required: true, "aria-describedby": "sm-hours-email-error"});
    const form = el("form", {class: "sm-hours-offer", novalidate: true},
      el("label", {for: "sm-hours-email"}, t("Leave your email address and we'll answer you by email.")),
      el("div", {class: "sm-hours-row"}, email, el("button", {type: "submit", class: "sm-primary", "aria-label": t("Send email address")},
        t("Send"))),
      error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!emailChecked(email, error, t)) return;
      const value = email.value.trim();
      try {
        await onSubmit(value);
        form.replaceChildren(el("p", {class: "sm-hours-thanks", role: "status"},
          t("Thank you. We'll answer you at {email}.", {email: value})));
      } catch (failure) {
        error.textContent = t("Something went wrong. Please try again.");
        error.hidden = false;
      }
    });
    return form;
  }

  /** The admin's preview: the same window and bubbles, drawn from a config object and sample messages. */
  function preview(container, config) {
    container.replaceChildren();
    const lang = "en";
    const t = translator(lang);
    const root = el("div", {class: "sm-root sm-preview"});
    applyLook(root, config);
    const view = chatWindow({title: config.name || "Chat", t});
    const now = Math.floor(Date.now() / 1000);
    const samples = [
      {id: 1, time: now - 120, typeId: 1, message: "Hello, I have a question about my order."},
      {id: 2, time: now - 60, typeId: 2, agent: {id: 1, name: "Sanne", avatar: null}, message: "Happy to help! Which order?"},
    ];
    samples.forEach((m) => view.list.append(bubble(m, () => Promise.reject(new Error("preview")), t, lang)));
    separateDays(view.list, t, lang);
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
      this.preChatKey = `secure-messenger-prechat:${this.identification}`;
      this.deviceId = localStorage.getItem(this.deviceKey) || crypto.randomUUID();
      localStorage.setItem(this.deviceKey, this.deviceId);
      this.lastId = 0;
      this.oldestId = null;
      this.open = false;
      this.registered = false;
      this.ladderStep = 0;
      this.timer = null;
      this.polls = 0; // completed poll rounds (tests wait on it)
      this.streamUrl = options.streamUrl || (options.apiBase || "").replace(/\/$/, "") + "/stream/client";
      this.streamId = null; // the newest message id the stream sent (it resumes from there)
      this.streamFailures = 0;
      this.pageExtras = {};
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
      const config = await this.register().then(() => this.call("GET", "/config")).then((p) => p.data);
      this.lang = languageOf(document.documentElement.lang, config.language);
      this.t = translator(this.lang);
      const t = this.t;
      this.host = el("div", {"data-secure-messenger": "", lang: this.lang});
      const shadow = this.host.attachShadow({mode: "open"});
      const stylesheet = el("link", {rel: "stylesheet", href: (this.scriptBase || "") + "/static/widget/widget.css"});
      const styled = new Promise((resolve) => {
        stylesheet.addEventListener("load", resolve);
        stylesheet.addEventListener("error", resolve);
      });
      this.root = el("div", {class: "sm-root", hidden: true});
      applyLook(this.root, config);
      this.badge = el("span", {class: "sm-badge", hidden: true, "aria-hidden": "true"});
      this.launcher = el("button", {type: "button", class: "sm-launcher", "aria-label": t("Open chat"),
                                    "aria-expanded": "false", onclick: () => this.toggle(!this.open)}, icon(), this.badge);
      this.view = chatWindow({
        title: config.name || t("Chat"),
        t,
        onClose: () => this.toggle(false),
        onSend: (input) => this.sendText(input),
        onAttach: (file) => this.sendImage(file),
        onType: () => this.typed(),
      });
      this.view.panel.hidden = true;
      if (config.preChatForm && !this.authorization && !localStorage.getItem(this.preChatKey)) {
        this.preChat = preChatForm({t, onSubmit: (answers) => this.submitPreChat(answers)});
        this.view.body.hidden = true;
        this.view.panel.append(this.preChat.form);
      }
      this.root.addEventListener("keydown", (event) => { if (event.key === "Escape" && this.open) this.toggle(false); });
      this.showHours(config);
      this.view.list.parentElement.addEventListener("scroll", (event) => {
        if (event.target.scrollTop < 40) this.loadOlder();
      });
      this.root.append(this.view.panel, this.launcher);
      shadow.append(stylesheet, this.root);
      document.body.append(this.host);
      await styled;
      this.root.hidden = false;
      window.addEventListener("focus", () => this.wake());
      document.addEventListener("visibilitychange", () => { if (!document.hidden) this.wake(); });
      await this.refreshUnseen();
      this.schedule();
      this.stream();
    }

    async register(extra) {
      await this.call("POST", "/devices", {type: 3, version: "2.0.0", referer: location.href, ...extra});
      this.registered = true;
    }

    /** The pre-chat form's answers reach the customer as the device's `userAdditionalInformation`. */
    async submitPreChat({email, name}) {
      await this.register({userAdditionalInformation: name ? {email, name} : {email}});
      localStorage.setItem(this.preChatKey, "1");
      this.preChat.form.remove();
      this.preChat = null;
      this.view.body.hidden = false;
      this.view.input.focus();
      if (!this.lastId) this.loadLatest().catch((error) => this.recover(error)); else this.wake();
    }

    /** Business hours: while closed, the notice and (see `emailOffer`) the email offer; the config asked again
     * when we open. */
    showHours(config) {
      const view = this.view;
      const closed = config.online === false;
      this.hoursText = closed ? config.stickyMessage || config.offlineMessage || "" : null;
      clearTimeout(this.hoursTimer);
      if (this.hoursOffer) { this.hoursOffer.remove(); this.hoursOffer = null; }
      view.offline.hidden = !closed;
      view.offline.classList.toggle("sm-hours-closed", closed);
      if (!closed) return;
      const backAt = config.opensAt ? backAtLabel(config.opensAt, this.t, this.lang) : "";
      view.offline.replaceChildren(el("span", {class: "sm-offline-text"}, this.hoursText),
        backAt ? el("span", {class: "sm-back-at"}, backAt) : null);
      if (!this.authorization && !this.preChat && !localStorage.getItem(this.preChatKey)) {
        this.hoursOffer = emailOffer({t: this.t, onSubmit: (email) => this.leaveEmail(email)});
        view.offline.after(this.hoursOffer);
      }
      if (config.opensAt) {
        const wait = Math.min(Math.max(Date.parse(config.opensAt) - Date.now() + 1000, 1000), 2147483647);
        this.hoursTimer = setTimeout(() => this.refreshHours().catch(() => {}), wait);
      }
    }

    async refreshHours() {
      this.showHours((await this.call("GET", "/config")).data);
      if (this.open) this.wake();
    }

    async leaveEmail(email) {
      await this.register({userAdditionalInformation: {email}});
      localStorage.setItem(this.preChatKey, "1");
    }

    toggle(open) {
      const t = this.t;
      this.open = open;
      this.view.panel.hidden = !open;
      this.root.classList.toggle("sm-open", open);
      this.launcher.setAttribute("aria-expanded", String(open));
      this.launcher.setAttribute("aria-label", open ? t("Hide chat") : t("Open chat"));
      if (open) {
        if (this.preChat) { this.preChat.first.focus(); return; }
        this.view.input.focus();
        if (!this.lastId) this.loadLatest().catch((error) => this.recover(error)); else this.wake();
      } else {
        this.launcher.focus();
      }
    }

    render(page, {prepend = false} = {}) {
      const list = this.view.list;
      const shown = (m) => m.typeId <= 2 || conversationEvent(m);
      const fresh = page.data.filter((m) => !list.querySelector(`[data-id="${m.id}"]`) && shown(m));
      const nodes = fresh.slice().reverse().map((m) => bubble(m, (media) => this.loadMedia(media), this.t, this.lang,
        (id) => satisfactionSurvey(id, this.satisfactionApi(), this.t)));
      if (prepend) list.prepend(...nodes); else list.append(...nodes);
      for (const m of page.data) {
        this.lastId = Math.max(this.lastId, m.id);
        this.oldestId = this.oldestId === null ? m.id : Math.min(this.oldestId, m.id);
      }
      if (nodes.length) separateDays(list, this.t, this.lang);
      // Closed while the newest thing the visitor sees is the close: the next message starts a new conversation.
      let last = list.querySelector(":scope > li:last-child");
      if (last && last.dataset.survey) last = last.previousElementSibling; // the close's prompt (#20) follows it
      const closed = Boolean(last && last.dataset.event === "close");
      this.view.closed.hidden = !closed;
      if (!prepend) this.pageExtras = {stickyMessage: page.stickyMessage, welcomeMessage: page.welcomeMessage};
      this.view.sticky.hidden = !page.stickyMessage || page.stickyMessage === this.hoursText; // shown once
      this.view.sticky.replaceChildren(...textNode(page.stickyMessage).childNodes);
      this.view.welcome.hidden = !page.welcomeMessage;
      this.view.welcome.replaceChildren(...textNode(page.welcomeMessage).childNodes);
      const typing = Boolean(page.agent && page.agent.isTyping && !closed);
      this.view.typing.hidden = !typing;
      if (typing) this.view.typing.textContent = this.t("{name} is typing…", {name: page.agent.name});
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

    refreshUnseen() {
      return this.call("GET", "/messages/unseen/count").catch(() => null).then((result) => {
        if (result) this.setBadge(result.data.count);
      });
    }

    setBadge(count) {
      const t = this.t;
      this.badge.hidden = !count;
      this.badge.textContent = count > 9 ? "9+" : String(count);
      this.launcher.setAttribute("aria-label", count ? t("Open chat, {count} unread", {count})
        : (this.open ? t("Hide chat") : t("Open chat")));
    }

    // --- Polling: the one place that asks the server what is new.
    //   poll()     asks once: the messages after the newest one held while open, the unseen count while closed;
    //   delay()    how long until the next poll: the ladder of spec §6.3, at most 10 s while the chat is open;
    //   schedule() sets the timer for the next poll;
    //   wake()     polls now and starts the ladder again: after a sent message, on focus, when the tab shows, when
    //              the chat opens; a stream of server events is meant to call it too.
    async poll() {
      if (this.open && !this.preChat) {
        this.render(await this.call("GET", this.lastId ? `/messages/after:${this.lastId}` : "/messages"));
      } else {
        await this.refreshUnseen();
      }
    }

    delay() {
      const seconds = POLL_LADDER[Math.min(Math.floor(this.ladderStep / 5), POLL_LADDER.length - 1)];
      return (this.open ? Math.min(seconds, OPEN_POLL_MAX_SECONDS) : seconds) * 1000;
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(async () => {
        this.ladderStep += 1;
        try { await this.poll(); } catch (error) { this.recover(error); }
        this.polls += 1;
        this.schedule();
      }, this.delay());
    }

    wake() {
      this.ladderStep = 0;
      clearTimeout(this.timer);
      this.poll().catch((error) => this.recover(error)).finally(() => this.schedule());
    }

    // --- The event stream: /stream/client, server-sent events read with fetch (it needs the client API's headers).
    // It carries each new message as a poll shows it, agent typing and changes of the conversation; the polls
    // above go on meanwhile (at most 10 s apart while open) and alone while it cannot connect. A stream that
    // ends is opened again with the newest message id held (`Last-Event-ID`): nothing is missed or shown twice.
    stream() {
      if (this.streaming || !window.ReadableStream || !window.TextDecoderStream) return;
      this.streaming = new AbortController();
      const newest = Math.max(this.lastId, this.streamId || 0);
      const headers = this.headers(this.streamId !== null || this.lastId ? {"Last-Event-ID": String(newest)} : {});
      fetch(this.streamUrl, {headers, signal: this.streaming.signal, cache: "no-store"})
        .then(async (response) => {
          if (!response.ok || !response.body) throw new Error(`stream ${response.status}`);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const {value, done} = await reader.read();
            if (done) return;
            buffer += value.replace(/\r\n/g, "\n");
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              this.streamEvent(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
          }
        })
        .catch(() => {})
        .finally(() => {
          this.streaming = null;
          this.root.dataset.live = "closed";
          this.streamFailures += 1;
          const wait = Math.min(STREAM_RETRY_MAX_MS, 1000 * 2 ** Math.min(this.streamFailures, 6));
          this.streamTimer = setTimeout(() => this.stream(), wait);
        });
    }

    streamEvent(block) {
      let kind = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (!data) return;
      const payload = JSON.parse(data);
      if (kind === "ready") {
        this.streamId = Math.max(this.streamId || 0, payload.lastEventId);
        this.streamFailures = 0;
        this.root.dataset.live = "open";
      } else if (kind === "message") {
        this.streamId = Math.max(this.streamId || 0, payload.id);
        if (this.open && !this.preChat && this.lastId) this.render({data: [payload], agent: null, ...this.pageExtras});
        else if (this.open) this.wake();
        else this.refreshUnseen();
      } else if (kind === "typing" && this.open && this.view.closed.hidden) {
        this.view.typing.hidden = !payload.typing;
        if (payload.typing) this.view.typing.textContent = this.t("{name} is typing…", {name: payload.agent.name});
      } else if (kind === "conversation" || kind === "reload") {
        this.wake();
      }
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
        this.wake();
      } catch (error) {
        this.showError(this.t("The message was not sent. Please try again."));
      }
    }

    async sendImage(file) {
      const t = this.t;
      this.showError("");
      try {
        const form = new FormData();
        form.append("media", file, file.name);
        const upload = await this.call("POST", "/media", form);
        await this.call("POST", "/messages", {media: {id: upload.data.media, description: file.name}});
        this.wake();
      } catch (error) {
        this.showError(error.code === "media_too_large" ? t("The image is larger than 10 MB.")
          : error.code === "invalid_media_type" ? t("Only images can be sent.") : t("The image was not sent."));
      }
    }

    /** The satisfaction prompt's calls (#20): read it, answer it; each resolves to the prompt's state. */
    satisfactionApi() {
      return {
        get: (id) => this.call("GET", `/satisfaction/${id}`).then((p) => p.data),
        answer: (id, rating, comment) => this.call("POST", `/satisfaction/${id}`, {rating, comment}).then((p) => p.data),
      };
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
      streamUrl: given.streamUrl || data.streamUrl || "",
      scriptBase: script ? new URL(script.src).origin : "",
    };
  }

  const options = optionsFromPage();
  window.SecureMessengerWidget = {preview, Widget, readable, contrast};
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
