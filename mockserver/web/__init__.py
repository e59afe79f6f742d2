"""The web pages: landing, inbox, requests, state, controls (served by the fake itself, no CDN)."""
