/* Progressive enhancement of the questionnaire: each answer is saved the moment it is chosen,
   and the progress bar follows. Without this script the page's buttons save the answers.

   One save request is in flight at a time, carrying the latest value of every answer changed
   since the last one, and the page's own buttons wait for it: a slow save of an older value
   can never reach the server after a newer one. Its words come from the page (the form's data
   attributes, the server's progress label), so they are in the candidate's language. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  if (!form || !window.fetch || !window.URLSearchParams || !window.Promise) {
    return;
  }
  var status = document.querySelector("[data-save-status]");
  var bar = document.querySelector("[data-progress-bar]");
  var count = document.querySelector("[data-progress-count]");
  // Not form.action: the buttons named "action" shadow that property.
  var url = form.getAttribute("action") || window.location.href;
  var unsent = {};
  var inFlight = null;

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function show(progress) {
    if (bar) {
      bar.max = progress.total;
      bar.value = progress.answered;
    }
    if (count) {
      count.textContent = progress.label;
    }
    say(form.getAttribute("data-saved-message"));
  }

  function flush() {
    if (inFlight) {
      return inFlight;
    }
    var names = Object.keys(unsent);
    if (!names.length) {
      return Promise.resolve();
    }
    // A URL-encoded body, as the form itself posts: the server parses it several times faster
    // than a multipart one.
    var data = new URLSearchParams();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    data.append("action", "autosave");
    names.forEach(function (name) {
      data.append(name, unsent[name]);
    });
    unsent = {};
    inFlight = fetch(url, {
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
      .then(show)
      .catch(function () {
        say(form.getAttribute("data-unsaved-message"));
      })
      .then(function () {
        inFlight = null;
        return flush();
      });
    return inFlight;
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
    unsent[input.name] = input.value;
    flush();
  });

  form.addEventListener("submit", function (event) {
    if (!inFlight && !Object.keys(unsent).length) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    flush().then(function () {
      if (form.requestSubmit) {
        form.requestSubmit(submitter || undefined);
        return;
      }
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.submit();
    });
  });
})();
