"""The review page's users file: who may open it, with which role."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..safe_yaml import YamlLimitError, load_yaml
from .state import ROLES, User

MIN_TOKEN_CHARS = 16


def load_users(path: Path) -> dict[str, User]:
    """``users.yaml``: a list of ``{name, token, role, sensitive}`` (roles: agent, reviewer, senior, admin).

    Returns
    -------
    dict
        token → :class:`~qa_pipeline.review.state.User`.

    Raises
    ------
    ConfigError
        The file cannot be read, or a user lacks a name or token, has an unknown role or a short token.
    """
    try:
        data = load_yaml(path).data or {}
    except YamlLimitError as exc:
        raise ConfigError(f"{path}: cannot read the users file ({exc})") from None
    listed = data.get("users") if isinstance(data, dict) else None
    if listed is not None and not isinstance(listed, list):
        raise ConfigError(f"{path}: 'users:' must be a list of {{name, token, role}}")
    users = {}
    for i, u in enumerate(listed or [], 1):
        if not isinstance(u, dict) or not u.get("name") or not u.get("token"):
            raise ConfigError(f"{path}: user {i} needs a name and a token")
        role = u.get("role", "reviewer")
        if role not in ROLES:
            raise ConfigError(f"{path}: user '{u['name']}' has role '{role}'; use one of {', '.join(ROLES)}")
        if len(str(u["token"])) < MIN_TOKEN_CHARS:
            raise ConfigError(f"{path}: user '{u['name']}': a token must be at least {MIN_TOKEN_CHARS} characters")
        users[str(u["token"])] = User(str(u["name"]), role, bool(u.get("sensitive", False)))
    if not users:
        raise ConfigError(f"{path}: no users; list them under 'users:'")
    return users
