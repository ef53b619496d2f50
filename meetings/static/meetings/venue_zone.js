// The admin's meeting page reads every date and time in the zone chosen in its zone field; each
// date-time label names that zone, and follows the field when another zone is chosen.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.getElementById("id_timezone");
  if (!zone) {
    return;
  }
  zone.addEventListener("change", () => {
    for (const label of document.querySelectorAll(".venue-zone")) {
      label.textContent = zone.value;
    }
  });
});
