/* Progressive enhancement of the questionnaire: each answer is saved the moment it is chosen,
   and the progress bar follows. Without this script the page's buttons save the answers. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.querySelector("[data-save-status]");
  var bar = document.querySelector("[data-progress-bar]");
  var count = document.querySelector("[data-progress-count]");

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches('input[type="radio"][name^="item-"]')) {
      return;
    }
    var fieldset = input.closest("fieldset");
    if (fieldset) {
      fieldset.classList.remove("item--error");
    }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    data.append(input.name, input.value);
    data.append("action", "autosave");
    // Not form.action: the buttons named "action" shadow that property.
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (progress) {
        if (bar) {
          bar.max = progress.total;
          bar.value = progress.answered;
        }
        if (count) {
          count.textContent = progress.answered + " of " + progress.total + " answered";
        }
        say("Answer saved.");
      })
      .catch(function () {
        say("Not saved yet: your answers on this page are saved when you continue.");
      });
  });
})();
