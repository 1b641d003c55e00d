"""Sign-in through the company's OpenID Connect provider, and the provider's bearer tokens.

Enabled when ``AFTERSALES_OIDC_ISSUER`` is set (see ``shared.settings``):

* ``GET /login/oidc?next=`` starts the authorization code flow with PKCE (S256), a
  ``state`` and a ``nonce`` (Authlib's OAuth 2 client builds the request). The PKCE
  verifier, state, nonce, redirect URL and target page are kept in a short-lived
  (:data:`FLOW_MAX_AGE`) signed cookie (:data:`FLOW_COOKIE`; itsdangerous, with a key
  derived from ``AFTERSALES_JWT_SECRET`` as the session cookie's is), never on the server.
* ``GET /auth/callback`` checks the state, exchanges the code (with the verifier), verifies
  the ID token (signature against the provider's JWKS, RS256 or ES256; ``iss``, ``aud``,
  ``exp``, ``sub`` and the ``nonce``) and maps its claims to an :class:`Actor` with the
  rules of the service's own tokens (``shared.auth``): the role must be one of ``ROLES``,
  only head-office roles may be branchless, a branch must be one the services know. Then
  the console's session cookie is set as for a local account.
* ``Runtime.verify_token`` hands RS256/ES256 bearer tokens to :meth:`Provider.verify_bearer`
  (``iss``, ``aud`` = ``AFTERSALES_OIDC_AUDIENCE`` or the client id, ``exp``, ``sub``, the
  same claim mapping); the service's HS256 tokens keep working.

Keys: discovery and the JWKS are fetched (httpx) when the service starts
(:meth:`Provider.load`, from ``Runtime.start``) and cached. A token whose ``kid`` is not in
the cached set triggers one refetch; it is asynchronous on the sign-in callback, but
*synchronous* (timeout :data:`SYNC_FETCH_TIMEOUT`) in :meth:`Provider.verify_bearer`,
because ``verify_token`` is synchronous and called from the async auth dependency. That
blocks the event loop for at most that long, and at most once every
:data:`REFETCH_COOLDOWN` seconds (so tokens with made-up key ids cannot make the service
hammer the provider or stall): a key rotation costs one short pause, then the new set is
cached. If the provider cannot be reached at start, the service still starts, and the
first token (or sign-in) fetches the keys.

Refusals are :class:`OIDCError`, a ``jwt.InvalidTokenError`` (so a bearer refusal is 401
through ``shared.auth``) carrying the status the sign-in pages answer: 401 (not proven:
bad state, bad code, bad token), 403 (proven but not allowed: unknown role, missing or
unknown branch), 503 (the provider cannot be reached).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt as pyjwt
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from ..auth import HEAD_OFFICE_ROLES, ROLES, Actor

if TYPE_CHECKING:
    import httpx


@cache
def _authlib() -> tuple[Any, type[Exception]]:
    """Authlib's OAuth 2 client and its error, loaded with the first sign-in through the
    provider: 12 MB that a service without OIDC, or serving only bearer tokens, never
    carries (issue 17, memory)."""
    with warnings.catch_warnings():
        # Authlib 1.9 warns that its httpx integration will move to "httpx2"; this
        # project pins httpx, which the integration still supports. (Authlib installs an
        # "always" filter for its warnings when first imported, hence the import before
        # "ignore".)
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
    return AsyncOAuth2Client, OAuthError

log = logging.getLogger("aftersales.oidc")

FLOW_COOKIE = "aftersales_oidc"
FLOW_MAX_AGE = 600
ALGORITHMS = ("RS256", "ES256")
FETCH_TIMEOUT = 5.0
SYNC_FETCH_TIMEOUT = 2.0
REFETCH_COOLDOWN = 30.0
LEEWAY_SECONDS = 30
MAX_STAFF_ID = 64


class OIDCError(pyjwt.InvalidTokenError):
    """The provider's word was not good enough: ``status`` is what a sign-in page answers."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


class Unavailable(OIDCError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 503)


@dataclass(frozen=True)
class Flow:
    """What the browser carries between ``/login/oidc`` and ``/auth/callback``."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next: str

    def dump(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier,
                "redirect_uri": self.redirect_uri, "next": self.next}


class FlowCodec:
    """Signs the flow cookie with a key derived from the services' shared secret."""

    def __init__(self, secret: str) -> None:
        key = hmac.new(secret.encode(), b"aftersales console oidc flow", hashlib.sha256).digest()
        self._serializer = URLSafeTimedSerializer(key, salt="oidc-flow")

    def dump(self, flow: Flow) -> str:
        return self._serializer.dumps(flow.dump())

    def read(self, cookie: str | None) -> Flow | None:
        if not cookie or len(cookie) > 4000:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=FLOW_MAX_AGE)
            return Flow(**{k: str(data[k]) for k in
                           ("state", "nonce", "verifier", "redirect_uri", "next")})
        except (BadSignature, KeyError, TypeError, ValueError):
            return None


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by name; a dotted name that is not itself a claim reads nested objects."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


class Provider:
    """The configured OpenID Connect provider: its metadata, keys and claim rules."""

    def __init__(self, settings: Any) -> None:
        issuer = settings.oidc_issuer
        audience = settings.oidc_audience or settings.oidc_client_id
        if not audience:
            raise ValueError("AFTERSALES_OIDC_ISSUER is set: set AFTERSALES_OIDC_CLIENT_ID "
                             "(or AFTERSALES_OIDC_AUDIENCE for bearer tokens only)")
        if not _secure(issuer):
            raise ValueError(f"AFTERSALES_OIDC_ISSUER must be an https URL, not {issuer!r} "
                             "(plain http only on this machine's loopback)")
        self.issuer: str = issuer
        self.client_id: str | None = settings.oidc_client_id
        self.client_secret: str | None = settings.oidc_client_secret or None
        self.audience: str = audience
        self.redirect_url: str | None = settings.oidc_redirect_url
        self.scope: str = settings.oidc_scope
        self.role_claim: str = settings.oidc_role_claim
        self.branch_claim: str = settings.oidc_branch_claim
        self.user_claim: str = settings.oidc_user_claim
        self.flows = FlowCodec(settings.jwt_secret)
        self.metadata: dict[str, Any] | None = None
        self.keys: KeySet | None = None
        self.fetches = 0
        self._last_fetch = float("-inf")

    @classmethod
    def from_settings(cls, settings: Any) -> Provider | None:
        return cls(settings) if settings.oidc_issuer else None

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    # -- metadata and keys ---------------------------------------------------------
    def _accept_metadata(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or not isinstance(data.get("issuer"), str):
            raise Unavailable("the provider's discovery document is not valid")
        if data["issuer"].rstrip("/") != self.issuer.rstrip("/"):
            raise Unavailable(f"the provider says its issuer is {data['issuer']!r}, "
                              f"not {self.issuer!r}")
        for name in ("jwks_uri", "authorization_endpoint", "token_endpoint"):
            url = data.get(name)
            if name == "jwks_uri" and not isinstance(url, str):
                raise Unavailable("the provider's discovery document has no jwks_uri")
            if isinstance(url, str) and not _secure(url):
                raise Unavailable(f"the provider's {name} is not https")
        self.metadata = data
        return data

    def _accept_keys(self, data: Any) -> KeySet:
        try:
            keys = KeySet.import_key_set(data)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise Unavailable(f"the provider's key set is not valid: {exc}") from exc
        self.keys = keys
        return keys

    async def load(self, *, force: bool = False) -> KeySet:
        """Discovery and the key set, fetched now (or the cached set unless ``force``)."""
        if self.keys is not None and not force:
            return self.keys
        self._last_fetch = time.monotonic()
        self.fetches += 1
        import httpx  # only where a provider is configured: keep it off the startup path

        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT) as client:
                metadata = self.metadata
                if metadata is None:
                    metadata = self._accept_metadata(_json(await client.get(self.discovery_url)))
                return self._accept_keys(_json(await client.get(metadata["jwks_uri"])))
        except httpx.HTTPError as exc:
            raise Unavailable(f"the provider cannot be reached: {exc}") from exc

    def _load_sync(self) -> KeySet:
        """The same, synchronously with a short timeout (see the module's notes)."""
        self._last_fetch = time.monotonic()
        self.fetches += 1
        import httpx

        try:
            with httpx.Client(timeout=SYNC_FETCH_TIMEOUT) as client:
                metadata = self.metadata
                if metadata is None:
                    metadata = self._accept_metadata(_json(client.get(self.discovery_url)))
                return self._accept_keys(_json(client.get(metadata["jwks_uri"])))
        except httpx.HTTPError as exc:
            raise Unavailable(f"the provider cannot be reached: {exc}") from exc

    def _may_refetch(self) -> bool:
        return time.monotonic() - self._last_fetch >= REFETCH_COOLDOWN

    async def provider_metadata(self) -> dict[str, Any]:
        if self.metadata is None:
            await self.load(force=True)
        assert self.metadata is not None
        return self.metadata

    # -- tokens --------------------------------------------------------------------
    @staticmethod
    def is_provider_token(token: str) -> bool:
        """Whether ``token`` is signed with an algorithm of the provider (not HS256)."""
        try:
            return pyjwt.get_unverified_header(token).get("alg") in ALGORITHMS
        except pyjwt.InvalidTokenError:
            return False

    def _decode(self, token: str, keys: KeySet) -> dict[str, Any]:
        try:
            return dict(jwt.decode(token, keys, algorithms=list(ALGORITHMS)).claims)
        except InvalidKeyIdError:
            raise
        except (JoseError, ValueError, TypeError) as exc:
            raise OIDCError(f"the token's signature is not the provider's ({exc})") from exc

    def _check_claims(self, claims: dict[str, Any], *, audience: str,
                      nonce: str | None = None) -> None:
        assert self.metadata is not None
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": self.metadata["issuer"]},
            "aud": {"essential": True, "value": audience},
            "exp": {"essential": True}, "sub": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        try:
            jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **options).validate(claims)
        except JoseError as exc:
            raise OIDCError(f"the token is not valid here ({exc})") from exc
        if nonce is not None and isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1:
            if claims.get("azp") != audience:
                raise OIDCError("the token's authorized party is not this client")

    def verify_bearer(self, token: str, *, branches: Mapping[str, Any]) -> Actor:
        """The actor of a provider's bearer token (synchronous; see the module's notes)."""
        keys = self.keys
        if keys is None:
            if not self._may_refetch():
                raise Unavailable("the provider's keys could not be fetched; retrying later")
            keys = self._load_sync()
        try:
            claims = self._decode(token, keys)
        except InvalidKeyIdError as exc:
            if not self._may_refetch():
                raise OIDCError("the token's key is not one of the provider's") from exc
            try:
                claims = self._decode(token, self._load_sync())
            except InvalidKeyIdError as again:
                raise OIDCError("the token's key is not one of the provider's") from again
        self._check_claims(claims, audience=self.audience)
        return self.actor(claims, branches=branches)[0]

    async def verify_id_token(self, token: str, *, nonce: str) -> dict[str, Any]:
        """The claims of the ID token of a sign-in (asynchronous refetch on a new key)."""
        if self.client_id is None:
            raise OIDCError("no client id is configured", 503)
        keys = await self.load()
        try:
            claims = self._decode(token, keys)
        except InvalidKeyIdError as exc:
            if not self._may_refetch():
                raise OIDCError("the ID token's key is not one of the provider's") from exc
            try:
                claims = self._decode(token, await self.load(force=True))
            except InvalidKeyIdError as again:
                raise OIDCError("the ID token's key is not one of the provider's") from again
        self._check_claims(claims, audience=self.client_id, nonce=nonce)
        return claims

    def actor(self, claims: Mapping[str, Any], *,
              branches: Mapping[str, Any]) -> tuple[Actor, str]:
        """The actor and display name the claims stand for, by the tokens' rules."""
        user = _claim(claims, self.user_claim)
        if not isinstance(user, str) or not user.strip():
            user = claims.get("sub")
        if not isinstance(user, str) or not user.strip() or len(user) > MAX_STAFF_ID:
            raise OIDCError("the account has no staff id", 403)
        role = _claim(claims, self.role_claim)
        if isinstance(role, list):
            known = [r for r in role if isinstance(r, str) and r in ROLES]
            role = known[0] if len(known) == 1 else None
        if not isinstance(role, str) or role not in ROLES:
            raise OIDCError(f"the account has no role of this system ({self.role_claim})", 403)
        branch = _claim(claims, self.branch_claim)
        if isinstance(branch, list) and len(branch) == 1:
            branch = branch[0]
        if branch is not None and (not isinstance(branch, str) or not branch):
            raise OIDCError(f"the {self.branch_claim} claim must be a branch code", 403)
        if branch is None and role not in HEAD_OFFICE_ROLES:
            raise OIDCError(f"a {role} account must name its branch ({self.branch_claim})", 403)
        if branch is not None and branch not in branches:
            raise OIDCError(f"unknown branch {branch!r}", 403)
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip():
            name = user
        return Actor(user_id=user, role=role, branch=branch), name[:100]

    # -- the authorization code flow ---------------------------------------------------
    def _client(self, redirect_uri: str, metadata: Mapping[str, Any]) -> Any:
        method = "none"
        if self.client_secret:
            supported = metadata.get("token_endpoint_auth_methods_supported") or [
                "client_secret_basic"]
            method = ("client_secret_post" if "client_secret_basic" not in supported
                      and "client_secret_post" in supported else "client_secret_basic")
        client_class, _error = _authlib()
        return client_class(
            client_id=self.client_id, client_secret=self.client_secret, scope=self.scope,
            redirect_uri=redirect_uri, code_challenge_method="S256",
            token_endpoint_auth_method=method, timeout=FETCH_TIMEOUT,
        )

    async def begin(self, redirect_uri: str, next_path: str) -> tuple[str, Flow]:
        """The provider's authorization URL and the flow to keep in the cookie."""
        if self.client_id is None:
            raise OIDCError("no client id is configured", 503)
        metadata = await self.provider_metadata()
        endpoint = metadata.get("authorization_endpoint")
        if not isinstance(endpoint, str):
            raise Unavailable("the provider has no authorization endpoint")
        flow = Flow(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                    verifier=secrets.token_urlsafe(64), redirect_uri=redirect_uri,
                    next=next_path)
        async with self._client(redirect_uri, metadata) as client:
            url, _state = client.create_authorization_url(
                endpoint, state=flow.state, code_verifier=flow.verifier, nonce=flow.nonce)
        return url, flow

    async def finish(self, flow: Flow | None, params: Mapping[str, str], *,
                     branches: Mapping[str, Any]) -> tuple[Actor, str]:
        """Check the provider's answer against the flow; the actor who signed in."""
        if flow is None:
            raise OIDCError("the sign-in expired or was not started here")
        state = params.get("state") or ""
        if not secrets.compare_digest(state.encode(), flow.state.encode()):
            raise OIDCError("the sign-in's state does not match")
        if params.get("error"):
            raise OIDCError(f"the provider refused: {params['error'][:100]}")
        code = params.get("code")
        if not code or len(code) > 2000:
            raise OIDCError("the provider sent no code")
        metadata = await self.provider_metadata()
        endpoint = metadata.get("token_endpoint")
        if not isinstance(endpoint, str):
            raise Unavailable("the provider has no token endpoint")
        import httpx

        try:
            async with self._client(flow.redirect_uri, metadata) as client:
                answer = await client.fetch_token(
                    endpoint, grant_type="authorization_code", code=code,
                    code_verifier=flow.verifier, redirect_uri=flow.redirect_uri)
        except _authlib()[1] as exc:
            raise OIDCError(f"the provider refused the code: {exc.error}") from exc
        except httpx.HTTPError as exc:
            raise Unavailable(f"the provider cannot be reached: {exc}") from exc
        except ValueError as exc:  # not JSON
            raise OIDCError("the provider's token answer is not valid") from exc
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise OIDCError("the provider sent no ID token")
        claims = await self.verify_id_token(id_token, nonce=flow.nonce)
        return self.actor(claims, branches=branches)


def _json(response: httpx.Response) -> Any:
    response.raise_for_status()
    try:
        return response.json()
    except ValueError as exc:
        raise Unavailable(f"{response.url} did not answer JSON") from exc


def _secure(url: str) -> bool:
    """https, or plain http to this machine's loopback (a test's or a sidecar's provider)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
