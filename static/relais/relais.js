/* Relais: small enhancements only. Every page works without this file. */
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-geolocate]").forEach(function (button) {
    if (!("geolocation" in navigator)) { return; }
    var form = button.form;
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = document.getElementById(button.getAttribute("aria-describedby"));
      if (status) { status.textContent = button.dataset.waiting; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(4);
        form.elements.lon.value = pos.coords.longitude.toFixed(4);
        form.submit();
      }, function () {
        if (status) { status.textContent = button.dataset.failed; }
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    if (!("geolocation" in navigator)) { return; }
    var form = button.form;
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) { status.textContent = button.dataset.waiting; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(5);
        form.elements.longitude.value = pos.coords.longitude.toFixed(5);
        if (status) { status.textContent = button.dataset.found; }
      }, function () {
        if (status) { status.textContent = button.dataset.failed; }
      }, { timeout: 10000, maximumAge: 60000 });
    });
  });
})();
