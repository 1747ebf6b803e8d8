// proof.js — the session's proof: a secret the login (or share-link) answer hands to this
// page once, sent beside the cookie on every request (header) and socket (subprotocol).
// Browsers send a host's cookies to every port of it, so another server on this machine
// can receive the session cookie; it cannot read this origin's storage, so without the
// proof that cookie opens nothing. The owner's proof lives in localStorage (every tab of
// this origin shares the login); a guest's in this tab's sessionStorage, so a share link
// opened in the owner's browser makes that one tab a guest's and leaves the others alone.
// Keys carry the base path: two termgates under one origin keep their own.

// The base path as api.js's basePath() reads it; not imported, since api.js imports this.
const key = (who) => `termgate.proof.${who}:${new URL(document.baseURI).pathname}`;

function store(kind) {
  try {
    return kind === 'guest' ? sessionStorage : localStorage;
  } catch {
    return null; // storage disabled: the page works until it is reloaded
  }
}

let fallback = null; // the proof when storage is unavailable

/** Keep the proof of a session just started (`guest`: a share link's). */
export function keepProof(proof, { guest = false } = {}) {
  if (typeof proof !== 'string' || !proof) return;
  fallback = proof;
  try {
    if (guest) {
      store('guest')?.setItem(key('guest'), proof);
    } else {
      store('owner')?.setItem(key('owner'), proof);
      store('guest')?.removeItem(key('guest')); // this tab is the owner's again
    }
  } catch {
    /* quota or disabled storage: the in-memory copy serves this page */
  }
}

/** Forget this tab's proof (logged out, or the guest view ended). */
export function forgetProof() {
  fallback = null;
  try {
    if (store('guest')?.getItem(key('guest'))) store('guest').removeItem(key('guest'));
    else store('owner')?.removeItem(key('owner'));
  } catch {
    /* nothing stored */
  }
}

/** The proof this page sends: the tab's guest proof if it has one, else the owner's. */
export function currentProof() {
  try {
    return store('guest')?.getItem(key('guest')) || store('owner')?.getItem(key('owner')) || fallback;
  } catch {
    return fallback;
  }
}

/** Headers for a request under this page's session. */
export function proofHeaders() {
  const proof = currentProof();
  return proof ? { 'X-Termgate-Proof': proof } : {};
}

/** Subprotocols for a terminal socket: the server picks `termgate`, never echoing the proof. */
export function socketProtocols() {
  const proof = currentProof();
  return proof ? ['termgate', `termgate.proof.${proof}`] : ['termgate'];
}
