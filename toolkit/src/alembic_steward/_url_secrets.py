"""Which parts of a database URL are secret besides its password field, and hiding them.

A password can also travel in the query string (`?password=...`, libpq's `sslpassword`, a
driver's `api_key`) or inside an option that is itself a list of settings (`options=-c
password=...`); a URL shown with only `user:***@` hidden printed those as written.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus, unquote_plus

# A parameter whose name says it holds a secret: password, passwd, pass, pwd, passphrase,
# sslpassword, secret, token, sslkey, api_key, ... in any case and in any dialect's spelling.
SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|credential", re.IGNORECASE)
# A secret argument in free text: `name=value` (libpq's conninfo, a driver's echo), or
# `'name': 'value'` (a dict's repr, bytes too). Narrower than SECRET_NAME: prose and code carry
# `primary_key=True` and `passive_deletes=True`, which are no secrets.
SECRET_ARGUMENT_NAME = (
    r"[\w.-]*(?:password|passwd|pwd|passphrase|secret|token|credential)[\w.-]*"
    r"|pass|(?:ssl|api|access|private|secret)[_-]?key"
)
SECRET_ARGUMENT = re.compile(
    rf"""(\b(?:{SECRET_ARGUMENT_NAME})['"]?\s*(?:=|:(?=\s*b?['"]))\s*b?)"""
    r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&,;)\]}'"]+?(?=[.:]*(?:[\s&,;)\]}'"]|$)))""",
    re.IGNORECASE,
)
# A secret query parameter inside any text holding a URL: the broad SECRET_NAME rule applies.
# The value ends at the next parameter or space; punctuation ending the sentence stays.
SECRET_QUERY_PARAMETER = re.compile(
    r"([?&][^=&\s'\"]*(?:pass|pwd|secret|token|key|credential)[^=&\s'\"]*=)"
    r"([^&\s'\"]+?)(?=[.,:;)\]]*(?:[&\s'\"]|$))",
    re.IGNORECASE,
)
HIDDEN = "***"


def is_secret_name(name: str) -> bool:
    """Whether a URL parameter named ``name`` holds a secret (``sslpassword``, ``api_key``)."""
    return SECRET_NAME.search(name) is not None


def hide_secret_arguments(text: str) -> str:
    """Replace the value of every secret argument and secret query parameter in ``text``."""
    text = SECRET_QUERY_PARAMETER.sub(rf"\1{HIDDEN}", text)
    return SECRET_ARGUMENT.sub(hidden_argument, text)


def hidden_argument(match: re.Match[str]) -> str:
    key, value = match.groups()
    quote_mark = value[0] if value[0] in "'\"" else ""
    return f"{key}{quote_mark}{HIDDEN}{quote_mark}"


def hide_query_secrets(url: str) -> str:
    """``url`` with the value of each secret query parameter replaced by ``***``, and the
    secret settings inside any other parameter (`options=-c password=...`) too."""
    base, separator, query = url.partition("?")
    if not separator:
        return url
    shown = []
    for parameter in query.split("&"):
        name, equals, value = parameter.partition("=")
        if not equals:
            shown.append(parameter)
        elif is_secret_name(unquote_plus(name)):
            shown.append(f"{name}={HIDDEN}")
        else:
            decoded = unquote_plus(value)
            hidden = hide_secret_arguments(decoded)
            shown.append(parameter if hidden == decoded else f"{name}={quote_plus(hidden, '*')}")
    return f"{base}?{'&'.join(shown)}"
