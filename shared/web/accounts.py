"""Local staff accounts for the embedded console (CONTRACT "Console").

The accounts file holds, per staff id, the role, the branch (none for head office), a
display name and an argon2 password hash (``pwdlib``). Local accounts sign in only in
embedded mode, or where an operator configured an accounts file explicitly
(``AFTERSALES_ACCOUNTS_FILE``) for a site without an identity provider; a production
deployment signs staff in through its OpenID Connect provider instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pwdlib import PasswordHash

from ..auth import Actor

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "reference" / "accounts.json"
_HASHER = PasswordHash.recommended()


@lru_cache(maxsize=1)
def _dummy() -> str:
    """Verified when the user is unknown too, so a wrong id costs the same time as a wrong
    password and the answer does not tell which staff ids exist. Made at the first
    sign-in, not at import: an argon2 hash is 0.1 s of CPU and 64 MB of scratch memory
    that a service serving only tokens never needs (issue 17)."""
    return _HASHER.hash("not-a-password")


@dataclass(frozen=True)
class Account:
    user_id: str
    role: str
    branch: str | None
    name: str
    password_hash: str

    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, role=self.role, branch=self.branch)


@lru_cache(maxsize=4)
def load_accounts(path: Path | None = None) -> dict[str, Account]:
    raw = json.loads((path or DEFAULT_FILE).read_text(encoding="utf-8"))
    return {uid: Account(user_id=uid, role=a["role"], branch=a.get("branch"),
                         name=a.get("name", uid), password_hash=a["password_hash"])
            for uid, a in raw.items()}


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def authenticate(accounts: dict[str, Account], user: str, password: str) -> Account | None:
    """The account if ``password`` is its password, else None (constant work either way)."""
    account = accounts.get(user.strip())
    valid = _HASHER.verify(password, account.password_hash if account else _dummy())
    return account if account and valid else None
