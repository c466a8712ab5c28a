// Attendance: warn before leaving a sheet with unsaved marks; session picker and
// confirmations without inline script (CSP).
(function () {
  "use strict";

  for (const form of document.querySelectorAll("form[data-att-form]")) {
    let dirty = false;
    form.addEventListener("change", () => { dirty = true; });
    form.addEventListener("input", () => { dirty = true; });
    form.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    const select = form.querySelector("select");
    if (select) select.addEventListener("change", () => form.submit());
  }

  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
})();
