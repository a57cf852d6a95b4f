// How long a reply took to write: from the moment the composer is first used (a field of
// the reply form gets the focus or is typed in) to sending it. The seconds go with the reply
// in a hidden field; the server ignores what is not a positive number and caps it
// (helpline/timeaudit/actions.py). Without this file the reply is sent without them.
"use strict";

(function () {
  function timeComposer(form) {
    const field = form.querySelector("input[name=composing_seconds]");
    if (!field) return;
    // After a refused send the page comes back with the time spent before it.
    const before = Number(field.value) || 0;
    let openedAt = null;
    function open() {
      if (openedAt === null) openedAt = performance.now();
    }
    form.addEventListener("focusin", open);
    form.addEventListener("input", open);
    if (form.contains(document.activeElement)) open(); // autofocus came first
    form.addEventListener("submit", function () {
      const spent = openedAt === null ? 0 : (performance.now() - openedAt) / 1000;
      field.value = String(before + Math.round(spent));
    });
  }

  function start() {
    document.querySelectorAll("form[data-composer-timed]").forEach(timeComposer);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
