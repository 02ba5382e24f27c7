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

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showVote(form, state) {
    var button = form.querySelector(".vote-button");
    var counter = form.querySelector(".count");
    var wasVoted = button.getAttribute("aria-pressed") === "true";
    // A list counts the upvotes of its own period, the answer those of all time: move the shown
    // number by the change, so it matches the list after a reload.
    var votes = parseInt(counter.textContent, 10);
    if (isNaN(votes)) votes = state.votes;
    else if (state.voted !== wasVoted) votes = Math.max(0, votes + (state.voted ? 1 : -1));
    var label = votes === 1 ? "upvote" : "upvotes";
    counter.textContent = String(votes);
    form.querySelector(".label").textContent = label;
    button.setAttribute("aria-pressed", state.voted ? "true" : "false");
    button.setAttribute("aria-label", "Upvote (" + votes + " " + label + ")");
    button.title = state.voted ? "Take back your upvote" : "Upvote";
  }

  // Upvote forms toggle in place: fetch with the CSRF header, show the new count, no reload.
  // Without this script (or if fetch fails to get JSON) the form posts and the page reloads.
  function setUpVoteButtons() {
    if (!window.fetch) return;
    document.querySelectorAll("form.vote-form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector(".vote-button");
        var problem = form.querySelector(".vote-problem");
        button.disabled = true;
        fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() }
        }).then(function (response) {
          if (response.status === 401) { window.location.href = "/sign-in"; return null; }
          return response.json().then(function (body) {
            if (!response.ok) throw new Error(body.error ? body.error.message : "The vote did not go through.");
            return body;
          });
        }).then(function (state) {
          if (state) { showVote(form, state); if (problem) problem.textContent = ""; }
        }).catch(function (error) {
          if (problem) problem.textContent = error.message;
        }).then(function () {
          button.disabled = false;
        });
      });
    });
  }

  setUpThemeToggle();
  setUpCopyButtons();
  setUpKeys();
  setUpVoteButtons();
})();

// Subscribe page: the saved-search fields matter only for "New papers matching a search",
// so they are disabled (and skipped by Tab) while "Trending papers" is chosen.
(function () {
  "use strict";
  var form = document.querySelector(".subscribe-form");
  if (!form) return;
  var saved = form.querySelector(".saved-search");
  var kinds = form.querySelectorAll('input[name="kind"]');
  if (!saved || !kinds.length) return;
  function update() {
    var search = form.querySelector('input[name="kind"]:checked');
    saved.disabled = !(search && search.value === "search");
  }
  kinds.forEach(function (input) { input.addEventListener("change", update); });
  update();
})();

// Save buttons on cards and paper pages: saved in place with fetch and the CSRF header, no
// reload. Without this script the form posts and comes back to the same page.
(function () {
  "use strict";
  if (!window.fetch) return;
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function show(form, saved) {
    var button = form.querySelector(".save-button");
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.textContent = saved ? "Saved" : "Save";
    button.title = saved ? "In your library: take it out" : "Save to your library";
  }
  document.querySelectorAll("form.save-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector(".save-button");
      var problem = form.querySelector(".save-problem");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": token() }
      }).then(function (response) {
        if (response.status === 401) { window.location.href = "/sign-in"; return null; }
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error ? body.error.message : "Saving did not go through.");
          return body;
        });
      }).then(function (state) {
        if (state) { show(form, state.saved); if (problem) problem.textContent = ""; }
      }).catch(function (error) {
        if (problem) problem.textContent = error.message;
      }).then(function () {
        button.disabled = false;
      });
    });
  });
})();

// "Not interested" on the for-you page: the paper is marked with fetch and the CSRF header and
// leaves the list in place. Without this script the form posts and the page comes back without it.
(function () {
  "use strict";
  if (!window.fetch) return;
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.querySelectorAll("form.not-interested-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      var problem = form.querySelector(".not-interested-problem");
      button.disabled = true;
      // getAttribute: the form's "action" field would shadow form.action.
      fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": token(),
                   "Content-Type": "application/x-www-form-urlencoded" },
        body: "action=mark"
      }).then(function (response) {
        if (response.status === 401) { window.location.href = "/sign-in"; return null; }
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error ? body.error.message : "That did not go through.");
          return body;
        });
      }).then(function (state) {
        if (!state) return;
        var item = form.closest("li.for-you-item");
        if (item) item.remove();
      }).catch(function (error) {
        if (problem) problem.textContent = error.message;
        button.disabled = false;
      });
    });
  });
})();
