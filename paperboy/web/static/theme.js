// Runs in <head> before the page paints, so a saved theme never flashes the other one.
(function () {
  try {
    var saved = localStorage.getItem("paperboy-theme");
    if (saved === "dark" || saved === "light") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) { /* storage blocked: follow the system setting */ }
})();
