// The check-in page's QR scanner: the back camera's frames go to the vendored jsQR decoder, and the
// first ticket found is posted to the server, which checks the person in. Without a camera (or without
// JavaScript) the name search below the scanner is the way in.
(function () {
  "use strict";
  var root = document.getElementById("qr-scan");
  if (!root || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var toggle = root.querySelector("[data-scan-toggle]");
  var video = root.querySelector("video");
  var status = root.querySelector("[data-scan-status]");
  var form = root.querySelector("form");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var LONGEST_SIDE = 720; // enough pixels for a ticket held at arm's length, few enough for an old phone
  var LAST = "check-in-last-ticket";
  // Back from a scan the camera goes on again, most likely still facing the same ticket: that one is not
  // posted a second time until the camera has been started by hand.
  var ignored = root.dataset.autostart ? window.sessionStorage.getItem(LAST) : null;

  function say(text) {
    status.textContent = text;
  }

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    video.hidden = true;
    toggle.textContent = root.dataset.start;
    toggle.setAttribute("aria-pressed", "false");
  }

  function look() {
    if (!stream) {
      return;
    }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      var scale = Math.min(1, LONGEST_SIDE / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
      if (code && code.data && code.data !== ignored) {
        stop();
        say(root.dataset.found);
        window.sessionStorage.setItem(LAST, code.data);
        form.elements.ticket.value = code.data;
        form.submit();
        return;
      }
    }
    window.setTimeout(look, 120);
  }

  function start() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        video.hidden = false;
        toggle.textContent = root.dataset.stop;
        toggle.setAttribute("aria-pressed", "true");
        say(root.dataset.scanning);
        return video.play();
      })
      .then(look)
      .catch(function () {
        stop();
        say(root.dataset.noCamera);
      });
  }

  toggle.hidden = false;
  toggle.setAttribute("aria-pressed", "false");
  toggle.addEventListener("click", function () {
    if (stream) {
      stop();
    } else {
      ignored = null;
      start();
    }
  });
  if (root.dataset.autostart) {
    start();
  }
})();
