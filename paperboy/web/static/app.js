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

  // A form acted on in place: posted with fetch and the CSRF header, no reload, the answer's
  // JSON handed to done(form, answer). Without this script (or if fetch fails to get JSON)
  // the form posts as usual and the page reloads. options: button and problem (selectors of
  // the button to disable and the element that shows what went wrong), failure (the message
  // when the answer says none), body (a form-encoded body, if the action needs one).
  // Listened for on the document, so cards appended later (a long day's next parts) act too.
  function actInPlace(selector, options, done) {
    if (!window.fetch) return;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches(selector)) return;
      event.preventDefault();
      var button = form.querySelector(options.button);
      var problem = form.querySelector(options.problem);
      var headers = { "Accept": "application/json", "X-CSRF-Token": csrfToken() };
      if (options.body) headers["Content-Type"] = "application/x-www-form-urlencoded";
      button.disabled = true;
      // getAttribute: a field named "action" in the form would shadow form.action.
      fetch(form.getAttribute("action"), {
        method: "POST", credentials: "same-origin", headers: headers, body: options.body
      }).then(function (response) {
        if (response.status === 401) { window.location.href = "/sign-in"; return null; }
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error ? body.error.message : options.failure);
          return body;
        });
      }).then(function (answer) {
        if (!answer) return;
        if (problem) problem.textContent = "";
        done(form, answer);
      }).catch(function (error) {
        if (problem) problem.textContent = error.message;
      }).then(function () {
        if (document.contains(button)) button.disabled = false;
      });
    });
  }

  function showSaved(form, answer) {
    var button = form.querySelector(".save-button");
    button.setAttribute("aria-pressed", answer.saved ? "true" : "false");
    button.textContent = answer.saved ? "Saved" : "Save";
    button.title = answer.saved ? "In your library: take it out" : "Save to your library";
  }

  function leaveTheList(form) {
    var item = form.closest("li.for-you-item");
    if (item) item.remove();
  }

  // Upvotes toggle and show the new count; Save buttons on cards and paper pages save or take
  // out; "Not interested" on the for-you page marks the paper and it leaves the list.
  function setUpInPlaceForms() {
    actInPlace("form.vote-form", { button: ".vote-button", problem: ".vote-problem",
                                   failure: "The vote did not go through." }, showVote);
    actInPlace("form.save-form", { button: ".save-button", problem: ".save-problem",
                                   failure: "Saving did not go through." }, showSaved);
    actInPlace("form.not-interested-form", { button: "button", problem: ".not-interested-problem",
                                             failure: "That did not go through.", body: "action=mark" },
               leaveTheList);
  }

  // A long day arrives in parts (web/pages.py DAY_PART). When the reader nears the end of the
  // list, the next part's page is fetched and its cards appended, so the day reads as one page;
  // a paper already shown (the order moved between fetches) is not shown twice. Without this
  // script, or if a fetch fails, the page links stay.
  function setUpMorePapers() {
    var more = document.querySelector(".more-papers[data-next]");
    var list = document.querySelector("ol.papers");
    if (!more || !list || !window.fetch || !window.IntersectionObserver || !window.DOMParser) return;
    var pages = document.querySelector(".pagination");
    var position = document.querySelector(".page-position");
    var total = more.getAttribute("data-total");
    var loading = false;
    function cardPath(item) {
      var link = item.querySelector(".card-title a");
      return link ? link.getAttribute("href") : null;
    }
    function showCount() {
      more.textContent = "Showing " + list.children.length + " of " + total + " papers; more load as you scroll.";
    }
    function giveUp(message) {
      observer.disconnect();
      more.textContent = message;
      if (pages) pages.hidden = false;
    }
    var observer = new IntersectionObserver(function (entries) {
      if (loading || !entries.some(function (entry) { return entry.isIntersecting; })) return;
      loading = true;
      more.textContent = "Loading more papers…";
      fetch(more.getAttribute("data-next"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        }).then(function (html) {
          var part = new DOMParser().parseFromString(html, "text/html");
          var shown = {};
          Array.prototype.forEach.call(list.children, function (item) { shown[cardPath(item)] = true; });
          part.querySelectorAll("ol.papers > li").forEach(function (item) {
            if (!shown[cardPath(item)]) list.appendChild(document.adoptNode(item));
          });
          var next = part.querySelector(".more-papers[data-next]");
          loading = false;
          if (!next) {
            observer.disconnect();
            more.remove();
            if (pages) pages.remove();
            return;
          }
          more.setAttribute("data-next", next.getAttribute("data-next"));
          showCount();
          // Observed afresh, so a status still in view asks for the part after at once.
          observer.unobserve(more);
          observer.observe(more);
        }).catch(function () {
          loading = false;
          giveUp("The next papers did not load; the page links below still work.");
        });
    }, { rootMargin: "0px 0px 1500px 0px" });
    if (pages) pages.hidden = true;
    if (position) position.hidden = true;
    more.hidden = false;
    showCount();
    observer.observe(more);
  }

  setUpThemeToggle();
  setUpCopyButtons();
  setUpKeys();
  setUpInPlaceForms();
  setUpMorePapers();
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
