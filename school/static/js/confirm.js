// Forms and buttons with data-confirm="question" ask before they submit: cancelling an
// enrolment, revoking a certificate and similar steps cannot be undone with one click.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const submitter = event.submitter;
    const question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
})();
