// Evaluation: a test attempt saves each answer as it changes, so a dropped connection or
// a closed tab loses nothing (the server keeps the answers; it never sends the key).
(function () {
  "use strict";

  const form = document.querySelector("form[data-eval-attempt]");
  if (!form) return;
  const url = form.dataset.evalAttempt;
  const token = form.querySelector("input[name=csrf_token]").value;
  const status = form.querySelector("[data-eval-status]");

  function save(fieldset) {
    const body = new URLSearchParams();
    body.append("position", fieldset.dataset.position);
    for (const input of fieldset.querySelectorAll("input:checked")) {
      body.append("chosen", input.value);
    }
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": token },
      body: body,
      credentials: "same-origin",
    }).then((response) => {
      status.textContent = response.ok ? status.dataset.saved : status.dataset.failed;
    }).catch(() => {
      status.textContent = status.dataset.failed;
    });
  }

  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (fieldset) save(fieldset);
  });
})();
