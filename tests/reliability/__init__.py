"""Reliability checks over real HTTP: database outages and concurrent writers.

HttpSession is a small cookie-keeping client on http.client (no dependency
added): one per simulated person, never following redirects, so every status
code the server answers is seen.
"""

import http.client
import re
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie

from django.conf import settings

from tests.factories import TOTP_SECRET
from tests.totp import totp_code

PASSWORD = "correct-horse-battery"  # the password of every factory user
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class HttpSession:
    """A browser-like session against base_url (http://host:port).

    https=True sends X-Forwarded-Proto: https, as a TLS-terminating proxy would,
    for the production settings (SECURE_SSL_REDIRECT, secure cookies, CSRF
    origin checks against https).
    """

    def __init__(self, base_url: str, *, https: bool = False, timeout: float = 60):
        parts = urllib.parse.urlsplit(base_url)
        self.host = parts.hostname
        self.port = parts.port
        self.https = https
        self.timeout = timeout
        self.origin = f"{'https' if https else 'http'}://{parts.netloc}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        headers = {"Accept": "text/html"}
        if self.https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, text)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        return self.request("POST", path, data)

    def csrf_token(self, path: str) -> str:
        """The CSRF token of the form on the page at path."""
        answer = self.get(path)
        match = CSRF_RE.search(answer.text)
        assert answer.status == 200 and match, (
            f"no form at {path}: {answer.status} {answer.text[:300]}"
        )
        return match.group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through allauth's login form."""
        token = self.csrf_token("/accounts/login/")
        answer = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": username, "password": password},
        )
        assert answer.status == 302, (
            f"{username} could not sign in: {answer.status} {answer.text[:300]}"
        )
        if answer.location.endswith("/2fa/authenticate/"):
            # Facilitators and admins: the authenticator app's code, second step.
            token = self.csrf_token(answer.location)
            answer = self.post(
                answer.location,
                {"csrfmiddlewaretoken": token, "code": totp_code(TOTP_SECRET)},
            )
            assert answer.status == 302, f"{username}: second step {answer.status}"
