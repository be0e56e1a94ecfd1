"""Help Scout's search syntax of `?query=` (conversations and customers), parsed into a Django `Q`.

What is understood (Help Scout's documented forms, the common part of them):

    (subject:"late order")            a field and a value; quotes keep spaces, bare values end at a space or `)`
    (email:"a@b.com") (body:"text")   conversations: subject, email / customerEmail, body, tag, number / id
    firstName:"Ann" lastName:"Lee"    customers: firstName, lastName, email, name
    refund                            a plain word or "phrase": anywhere the resource searches by default
    a AND b, a OR b, NOT a, a b       AND binds before OR; two terms side by side mean AND; parentheses group

Matching is case-insensitive containment (`email` an exact address when it has an `@`, else containment). Anything
else — an unknown field, an unclosed quote or parenthesis, a dangling AND — is a `QuerySyntaxError`, which the views
answer as 400 `validation_failed` on `query.query`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db.models import Q

from conversations.models import ConversationLabel, Message, Participant

MAX_QUERY_LENGTH = 500
MAX_TERMS = 20

_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<quoted>[^"]*)"|(?P<word>[^\s()"]+))')


class QuerySyntaxError(ValueError):
    pass


Field = Callable[[str], Q]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise QuerySyntaxError("an unclosed quote")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], fields: dict[str, Field], default: Field):
        self.tokens, self.at, self.fields, self.default, self.terms = tokens, 0, fields, default, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("the query ends too early")
        self.at += 1
        return token

    def expression(self) -> Q:
        result = self.conjunction()
        while self.peek() == ("word", "OR"):
            self.take()
            result = result | self.conjunction()
        return result

    def conjunction(self) -> Q:
        result = self.factor()
        while (token := self.peek()) is not None and token[0] != "close" and token != ("word", "OR"):
            if token == ("word", "AND"):
                self.take()
            result = result & self.factor()
        return result

    def factor(self) -> Q:
        kind, value = self.take()
        if kind == "open":
            inner = self.expression()
            if self.take()[0] != "close":  # pragma: no cover - expression() stops only at `)` or the end
                raise QuerySyntaxError("a parenthesis is not closed")
            return inner
        if kind == "close" or (kind == "word" and value in {"AND", "OR"}):
            raise QuerySyntaxError(f"unexpected {value!r}")
        if kind == "word" and value == "NOT":
            return ~self.factor()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"at most {MAX_TERMS} terms")
        if kind == "word" and ":" in value:
            name, _, rest = value.partition(":")
            if name not in self.fields:
                raise QuerySyntaxError(f"no field {name!r} (known: {', '.join(sorted(self.fields))})")
            if not rest:
                following = self.take()
                if following[0] not in {"quoted", "word"}:
                    raise QuerySyntaxError(f"{name}: has no value")
                rest = following[1]
            if not rest.strip():
                raise QuerySyntaxError(f"{name}: has no value")
            return self.fields[name](rest.strip())
        if not value.strip():
            raise QuerySyntaxError("an empty phrase")
        return self.default(value.strip())


def search_q(text: str, *, fields: dict[str, Field], default: Field) -> Q:
    """The `Q` of a Help Scout search `text`; QuerySyntaxError when it is not one."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"at most {MAX_QUERY_LENGTH} characters")
    tokens = _tokens(text)
    if not tokens:
        raise QuerySyntaxError("the query is empty")
    parser = _Parser(tokens, fields, default)
    result = parser.expression()
    if parser.peek() is not None:
        raise QuerySyntaxError("a parenthesis closes that was not opened")
    return result


# --- conversations ---------------------------------------------------------------------------------------------


def _conversations_where(model, **lookups) -> Q:
    return Q(pk__in=model.objects.filter(**lookups).values("conversation_id"))


def _customer_email(value: str) -> Q:
    if "@" in value:
        return _conversations_where(Participant, customer__email__iexact=value)
    return _conversations_where(Participant, customer__email__icontains=value)


def _body(value: str) -> Q:
    return _conversations_where(Message, text__icontains=value)


def _tag(value: str) -> Q:
    return _conversations_where(ConversationLabel, label__name__iexact=" ".join(value.split()))


def _number(value: str) -> Q:
    return Q(pk=int(value)) | Q(public_id=value) if value.isdigit() and len(value) < 19 else Q(public_id=value)


def _anywhere(value: str) -> Q:
    return (
        Q(subject__icontains=value)
        | _body(value)
        | _customer_email(value)
        | _conversations_where(Participant, customer__name__icontains=value)
    )


CONVERSATION_FIELDS: dict[str, Field] = {
    "subject": lambda v: Q(subject__icontains=v),
    "email": _customer_email,
    "customerEmail": _customer_email,
    "body": _body,
    "tag": _tag,
    "number": _number,
    "id": _number,
}


def conversation_search_q(text: str) -> Q:
    """Conversations: `subject`, `email`/`customerEmail`, `body`, `tag`, `number`/`id`; a plain word searches the
    subject, the messages' text and the customers' emails and names."""
    return search_q(text, fields=CONVERSATION_FIELDS, default=_anywhere)


# --- customers -------------------------------------------------------------------------------------------------


def _email_of_customer(value: str) -> Q:
    if "@" in value:
        return Q(email__iexact=value) | Q(extra_emails__icontains=value)
    return Q(email__icontains=value) | Q(extra_emails__icontains=value)


def _name_of_customer(value: str) -> Q:
    return Q(name__icontains=value) | Q(first_name__icontains=value) | Q(last_name__icontains=value)


CUSTOMER_FIELDS: dict[str, Field] = {
    "email": _email_of_customer,
    "firstName": lambda v: Q(first_name__icontains=v),
    "lastName": lambda v: Q(last_name__icontains=v),
    "name": _name_of_customer,
}


def customer_search_q(text: str) -> Q:
    """Customers: `email`, `firstName`, `lastName`, `name`; a plain word searches names and emails."""
    return search_q(text, fields=CUSTOMER_FIELDS, default=lambda v: _name_of_customer(v) | _email_of_customer(v))
