/* Small behaviours every admin page may use, kept out of the pages for the Content-Security-Policy. */
"use strict";

document.addEventListener("focusin", function (event) {
  const field = event.target;
  if (field instanceof HTMLInputElement && field.hasAttribute("data-select-on-focus")) {
    field.select();
  }
});
