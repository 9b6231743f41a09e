/* The integration screens' small behaviours: copy buttons, and the setup page's progress polling. */
"use strict";

(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const copied = document.execCommand("copy");
      document.body.removeChild(area);
      if (copied) {
        resolve();
      } else {
        reject(new Error("copy refused"));
      }
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      const label = button.textContent;
      button.addEventListener("click", function () {
        const source = document.getElementById(button.dataset.copyTarget);
        if (!source) {
          return;
        }
        copyText(source.value).then(
          function () {
            button.textContent = "Copied";
            button.classList.add("copied");
            window.setTimeout(function () {
              button.textContent = label;
              button.classList.remove("copied");
            }, 2000);
          },
          function () {
            source.select();
            button.textContent = "Press Ctrl+C";
          }
        );
      });
    });
  }

  const STATUS_TEXT = {done: "Done", running: "In progress…", failed: "Failed", pending: "Waiting"};
  const WAITING_HINT_AFTER_MILLISECONDS = 10000;

  function renderProgress(panel, progress) {
    let done = 0;
    progress.steps.forEach(function (step) {
      const item = panel.querySelector('[data-step="' + step.key + '"]');
      if (!item) {
        return;
      }
      item.dataset.status = step.status;
      item.querySelector(".step-status").textContent = STATUS_TEXT[step.status] || step.status;
      if (step.status === "done") {
        done += 1;
      }
    });
    panel.dataset.state = progress.state;
    document.getElementById("setup-bar").value = done;
    document.getElementById("setup-state").textContent = progress.state_label;
    document.getElementById("setup-failed").hidden = !progress.failed;
    document.getElementById("continue-to-overview").disabled = !progress.finished;
  }

  function setUpProgress() {
    const panel = document.getElementById("setup-progress");
    if (!panel) {
      return;
    }
    const url = panel.dataset.statusUrl;
    const every = parseInt(panel.dataset.pollMilliseconds, 10) || 1000;
    const started = Date.now();
    const done = panel.querySelectorAll('[data-status="done"]').length;
    document.getElementById("setup-bar").value = done;

    function poll() {
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (progress) {
          renderProgress(panel, progress);
          const waiting = progress.state === "pending";
          document.getElementById("setup-waiting-hint").hidden =
            !waiting || Date.now() - started < WAITING_HINT_AFTER_MILLISECONDS;
          if (!progress.finished && !progress.failed) {
            window.setTimeout(poll, every);
          }
        })
        .catch(function () {
          window.setTimeout(poll, every * 3);
        });
    }

    if (panel.dataset.state !== "ready" && panel.dataset.state !== "failed") {
      poll();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    setUpProgress();
  });
})();
