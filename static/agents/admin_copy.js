// The admin's copy buttons: `<button type="button" data-copy>` copies the text of the element just before it
// (the secret shown in a <code>), or the button's own `data-copy` value when it has one. Bound here, not with an
// inline onclick: the site's Content-Security-Policy runs no inline handler.
(function () {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const source = button.previousElementSibling;
    const text = button.dataset.copy || (source ? source.textContent : "");
    if (text && navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
  });
})();
