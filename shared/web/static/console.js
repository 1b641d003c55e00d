// The console's own behaviour, kept small: deadlines that count down, and the
// customer's signature drawn on a canvas (kept as a PNG data URL in a hidden field).
(function () {
  "use strict";

  function tickDeadlines(root) {
    var now = Date.now();
    root.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var minutes = Math.round((due - now) / 60000);
      var overdue = minutes < 0;
      el.classList.toggle("overdue", overdue);
      el.classList.toggle("due-soon", !overdue && minutes <= 60);
      var label = overdue ? el.getAttribute("data-overdue-label") : el.getAttribute("data-left-label");
      if (label) { el.textContent = label.replace("{n}", String(Math.abs(minutes))); }
    });
  }

  function signaturePad(canvas) {
    var field = document.getElementById(canvas.getAttribute("data-field"));
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false;
    function fit() {
      var r = canvas.getBoundingClientRect();
      canvas.width = r.width; canvas.height = r.height;
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
    });
    function end() {
      if (drawing && drawn && field) { field.value = canvas.toDataURL("image/png"); }
      drawing = false;
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointerleave", end);
    var clear = document.querySelector("[data-clear='" + canvas.id + "']");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
        if (field) { field.value = ""; }
      });
    }
    fit();
  }

  function init(root) {
    tickDeadlines(root);
    root.querySelectorAll("canvas.signature").forEach(signaturePad);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    setInterval(function () { tickDeadlines(document); }, 15000);
  });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
