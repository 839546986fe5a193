/* Copy buttons (`button.copy-id[data-copy]`): put the id on the clipboard in one piece. Without
   a secure context (plain http to a host other than localhost) the clipboard API is missing,
   so the id is selected and copied with the older command instead. Buttons show only once this
   script runs (keel.css hides them until `html.can-copy`). */
(function () {
  "use strict";
  document.documentElement.classList.add("can-copy");

  function fallback(text) {
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    var ok = document.execCommand("copy");
    field.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    return navigator.clipboard ? navigator.clipboard.writeText(text) : fallback(text);
  }

  function say(button, word) {
    button.dataset.state = word;
    button.setAttribute("aria-label", word);
    setTimeout(function () {
      delete button.dataset.state;
      button.setAttribute("aria-label", "Copy " + button.dataset.copy);
    }, 1500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy-id[data-copy]");
    if (!button) { return; }
    copy(button.dataset.copy).then(function () { say(button, "copied"); },
      function () { say(button, "copy failed"); });
  });
})();
