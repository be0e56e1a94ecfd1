"""Help Scout's mailboxes: an account has exactly one, whose id is the account's id (stable for its life).

`mailboxId` is accepted wherever Help Scout requires it (a new conversation, `PATCH … move /mailboxId`, the list
filter `mailbox`); any other id is a `validation_failed` with the code `unknown_mailbox`, and
`GET /mailboxes/{other}` is 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import stored_id
from conversations.integration_api.openapi import READ_ERRORS, errors_of, example_of, ok_response, path_param
from conversations.integration_api.pages import hal_all, hal_list_serializer
from messenger_project.integration_api.errors import ApiError, FieldError, validation_failed
from messenger_project.integration_api.serializers import IsoDateTimeField, LinkSerializer

TAG_MAILBOXES = "Integration API: mailboxes"


def mailbox_id_of(account) -> int:
    return account.pk


def mailbox_refused(account, value, path: str) -> FieldError | None:
    """The field error of a `mailboxId` that is not the account's one mailbox, else None."""
    if stored_id(str(value)) == mailbox_id_of(account) and not isinstance(value, bool):
        return None
    return FieldError(path, "unknown_mailbox", "is not this account's mailbox", value)


def mailbox_check(account, value, path: str) -> None:
    refused = mailbox_refused(account, value, path)
    if refused is not None:
        raise validation_failed([refused])


class MailboxLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    conversations = LinkSerializer()


class MailboxSerializer(serializers.Serializer):
    """The account as Help Scout's mailbox."""

    id = serializers.IntegerField(source="pk", help_text="The account's id: the `mailboxId` everywhere.")
    name = serializers.CharField()
    slug = serializers.CharField(source="app_id", help_text="The account's appId.")
    email = serializers.SerializerMethodField(help_text="Always null: we receive no email.")
    createdAt = IsoDateTimeField(source="created_at")
    updatedAt = IsoDateTimeField(source="updated_at")
    _links = serializers.SerializerMethodField()

    def get_email(self, account) -> str | None:
        return None

    def get__links(self, account) -> MailboxLinksSerializer:
        request = self.context["request"]
        return {
            "self": {"href": request.build_absolute_uri(f"/api/v2/mailboxes/{account.pk}")},
            "conversations": {"href": request.build_absolute_uri(f"/api/v2/conversations?mailbox={account.pk}")},
        }


MailboxPageSerializer = hal_list_serializer("Mailbox", "mailboxes", MailboxSerializer)

MAILBOX = {
    "id": 1,
    "name": "Shop",
    "slug": "app_7Hq2kL",
    "email": None,
    "createdAt": "2024-05-01T10:00:00Z",
    "updatedAt": "2024-05-01T10:00:00Z",
    "_links": {
        "self": {"href": "https://messenger.example.com/api/v2/mailboxes/1"},
        "conversations": {"href": "https://messenger.example.com/api/v2/conversations?mailbox=1"},
    },
}


@extend_schema_view(
    get=extend_schema(
        operation_id="listMailboxes",
        summary="List mailboxes",
        description="The account's one mailbox, as a HAL page.",
        tags=[TAG_MAILBOXES],
        responses={
            200: ok_response(
                MailboxPageSerializer,
                "The mailbox.",
                example_of(
                    "One mailbox",
                    {
                        "_embedded": {"mailboxes": [MAILBOX]},
                        "page": {"size": 1, "totalElements": 1, "totalPages": 1, "number": 1},
                        "_links": {
                            "self": {"href": "https://messenger.example.com/api/v2/mailboxes?page=1"},
                            "first": {"href": "https://messenger.example.com/api/v2/mailboxes?page=1"},
                            "last": {"href": "https://messenger.example.com/api/v2/mailboxes?page=1"},
                        },
                    },
                ),
            ),
        },
    )
)
class MailboxListView(IntegrationAPIView):
    """The account's mailboxes: one."""

    def get(self, request):
        items = [MailboxSerializer(self.account, context={"request": request}).data]
        return Response(hal_all(request, key="mailboxes", items=items))


@extend_schema_view(
    get=extend_schema(
        operation_id="getMailbox",
        summary="Get the mailbox",
        description="Only the account's own mailbox id is found.",
        tags=[TAG_MAILBOXES],
        parameters=[path_param("mailbox_id", "The account's id.")],
        responses={
            200: ok_response(MailboxSerializer, "The mailbox.", example_of("Mailbox", MAILBOX)),
            **errors_of(*READ_ERRORS),
        },
    )
)
class MailboxDetailView(IntegrationAPIView):
    """The account's mailbox."""

    def get(self, request, mailbox_id: str):
        if stored_id(mailbox_id) != mailbox_id_of(self.account):
            raise ApiError(404, "not_found", "No such mailbox.")
        return Response(MailboxSerializer(self.account, context={"request": request}).data)
