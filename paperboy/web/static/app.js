// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;

  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function showThemeButton(button) {
    var dark = currentTheme() === "dark";
    button.textContent = dark ? "Light theme" : "Dark theme";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
  }

  function setUpThemeToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    button.hidden = false;
    showThemeButton(button);
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("paperboy-theme", next); } catch (e) { /* not saved */ }
      showThemeButton(button);
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy BibTeX"; }, 2000);
        });
      });
    });
  }

  function typingInField(event) {
    var target = event.target;
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // "/" jumps to the search box; "j" and "k" move between paper titles.
  function setUpKeys() {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typingInField(event)) return;
      if (event.key === "/") {
        var search = document.getElementById("site-search");
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        return;
      }
      if (event.key !== "j" && event.key !== "k") return;
      var titles = Array.prototype.slice.call(document.querySelectorAll(".card-title a"));
      if (!titles.length) return;
      var index = titles.indexOf(document.activeElement);
      index = event.key === "j" ? Math.min(index + 1, titles.length - 1) : Math.max(index - 1, 0);
      titles[index].focus();
      event.preventDefault();
    });
  }

  setUpThemeToggle();
  setUpCopyButtons();
  setUpKeys();
})();
