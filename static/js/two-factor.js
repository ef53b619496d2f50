// After django-otp-webauthn registered a passkey, tell the portal (which shows the recovery codes after a first factor).
document.addEventListener("otp_webauthn.register_complete", () => {
  const form = document.getElementById("passkey-registered-form");
  if (form) form.submit();
});
