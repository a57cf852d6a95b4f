// The public survey page: a link from the mail chose a score, and the person's tap opened
// this page; submit the answer at once (a GET never records, so scanners record nothing).
// Without JavaScript the page shows the same form with a button.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form && form.querySelector("input[name=score]:checked")) {
    form.removeAttribute("data-autosubmit");
    form.classList.add("sending");
    form.submit();
  }
})();
