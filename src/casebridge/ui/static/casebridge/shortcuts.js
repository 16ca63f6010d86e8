// Keyboard shortcuts of the portal: j / k move through a list's cases, Enter opens the one
// chosen, a assigns it (or the open case) to me, r goes to the reply, / to the search box,
// ? shows the list. Keys typed into a field, or with Ctrl, Alt or Cmd, are left alone.
(function () {
  "use strict";
  var current = -1;

  function rows() {
    return Array.prototype.filter.call(
      document.querySelectorAll("main table tbody tr"),
      function (row) { return row.querySelector("a.case-number"); }
    );
  }

  function choose(index) {
    var all = rows();
    if (!all.length) { return; }
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("kb-current"); });
    current = index;
    var row = all[index];
    row.classList.add("kb-current");
    row.querySelector("a.case-number").focus();
    row.scrollIntoView({block: "nearest"});
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function assign() {
    var row = rows()[current];
    var form = row ? row.querySelector("form[data-shortcut=assign]") : null;
    form = form || document.querySelector("main form[data-shortcut=assign]");
    if (form) { form.requestSubmit(); return true; }
    return false;
  }

  function focusFirst(selector) {
    var element = document.querySelector(selector);
    if (!element) { return false; }
    element.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var help = document.getElementById("shortcuts");
    var handled = false;
    switch (event.key) {
      case "j": choose(current + 1); handled = true; break;
      case "k": choose(current - 1); handled = true; break;
      case "a": handled = assign(); break;
      case "r": handled = focusFirst("[data-shortcut=reply]"); break;
      case "/": handled = focusFirst("[data-shortcut=search]"); break;
      case "?":
        if (help && typeof help.showModal === "function") { help.showModal(); handled = true; }
        break;
      default: break;
    }
    if (handled) { event.preventDefault(); }
  });
})();
