// When the passkey library reports a passkey added, go where the page says comes next (the
// recovery codes after a first passkey, or the account page). Without JavaScript there is no
// passkey to add, so nothing here is needed for the page to work.
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const button = document.getElementById("passkey-register-button");
  const next = button && button.dataset.doneUrl;
  if (next && next.startsWith("/")) {
    window.location.assign(next);
  }
});
