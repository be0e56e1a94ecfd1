// The account form's live preview: the web widget's own drawing code, fed with the form's current values.
(function () {
  "use strict";
  const FIELDS = {
    navBackgroundColor: "nav_background_color", navTextColor: "nav_text_color", backgroundColor: "background_color",
    userBackgroundColor: "user_background_color", userTextColor: "user_text_color", userTimeColor: "user_time_color",
    accountBackgroundColor: "account_background_color", accountTextColor: "account_text_color",
    accountTimeColor: "account_time_color", inputBackgroundColor: "input_background_color",
    inputTextColor: "input_text_color", inputFieldBackgroundColor: "input_field_background_color",
    inputFieldTextColor: "input_field_text_color", infoTextBackgroundColor: "info_text_background_color",
    infoTextColor: "info_text_color", dateColor: "date_color", balloonStyle: "balloon_style", font: "font",
    infoText: "info_text", name: "name",
  };

  function config(form) {
    const values = {};
    for (const [key, name] of Object.entries(FIELDS)) {
      const field = form.elements[name];
      if (field) values[key] = /^(font|balloonStyle)$/.test(key) ? Number(field.value) : field.value;
    }
    return values;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const container = document.getElementById("chat-preview");
    const form = document.getElementById("account_form");
    if (!container || !form || !window.SecureMessengerWidget) return;
    const draw = () => window.SecureMessengerWidget.preview(container, config(form));
    for (const picker of form.querySelectorAll(".hex-colour-picker")) {
      const text = document.getElementById(picker.dataset.for);
      picker.addEventListener("input", () => { text.value = picker.value.slice(1); draw(); });
      text.addEventListener("input", () => {
        if (/^[0-9a-fA-F]{6}$/.test(text.value)) picker.value = `#${text.value.toLowerCase()}`;
      });
    }
    form.addEventListener("input", draw);
    form.addEventListener("change", draw);
    draw();
  });
})();
