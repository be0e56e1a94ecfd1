"""Client API: the satisfaction prompt for our web widget (#20). Thin: parse, call the service, shape.

The Parley SDKs answer with the prompt's reply buttons (a plain message); our widget reads the prompt here
(`custom.satisfaction.id` of the prompt message names it) and answers with a rating and a comment.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations.client_api.base import ClientAPIView, json_object
from conversations.client_api.schema import JSON_ANY_TYPE_NOTE, answer, json_body, refusal, refusals
from conversations.services.satisfaction import ANSWER_WINDOW, satisfaction_answer, satisfaction_for_customer
from messenger_project.errors import ServiceError
from messenger_project.numbers import MAX_ID, is_digits


class ClientSatisfactionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    question = serializers.CharField(source="prompt.text", default="", help_text="The prompt message's text.")
    rating = serializers.IntegerField(allow_null=True, help_text="1 to 5; null until answered.")
    comment = serializers.CharField(allow_blank=True)
    askedAt = serializers.SerializerMethodField(help_text="Unix seconds.")
    answeredAt = serializers.SerializerMethodField(help_text="Unix seconds, or null.")
    expiresAt = serializers.SerializerMethodField(help_text="Unix seconds: no answer is taken after it.")

    def get_askedAt(self, rating) -> int:  # noqa: N802
        return int(rating.asked_at.timestamp())

    def get_answeredAt(self, rating) -> int | None:  # noqa: N802
        return int(rating.answered_at.timestamp()) if rating.answered_at else None

    def get_expiresAt(self, rating) -> int:  # noqa: N802
        return int((rating.asked_at + ANSWER_WINDOW).timestamp())


class ClientSatisfactionAnswerSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


EXAMPLE = {
    "id": 31,
    "question": "How would you rate our conversation?",
    "rating": None,
    "comment": "",
    "askedAt": 1718000000,
    "answeredAt": None,
    "expiresAt": 1718604800,
}
NOT_FOUND = refusals("Not found.", refusal("Not the caller's rating", "not_found"))


class SatisfactionView(ClientAPIView):
    """`GET satisfaction/{rating_id}` (the prompt and its answer) and `POST` (answer it: once, within 7 days)."""

    min_version = "1.9"

    def _rating(self, rating_id: str):
        if not is_digits(rating_id) or int(rating_id) > MAX_ID:
            raise ServiceError("not_found", status_code=404)
        return satisfaction_for_customer(customer=self.caller.customer, rating_id=int(rating_id))

    @extend_schema(
        operation_id="clientGetSatisfaction",
        summary="A satisfaction prompt (v1.9)",
        description="The caller's satisfaction prompt named by `custom.satisfaction.id` of its message, with its "
        "answer once given. Another customer's is 404.",
        responses={
            200: OpenApiResponse(ClientSatisfactionSerializer, "The prompt.", [answer("Pending", EXAMPLE)]),
            404: NOT_FOUND,
        },
    )
    def get(self, request, api_version: str, rating_id: str):
        return Response(ClientSatisfactionSerializer(self._rating(rating_id)).data)

    @extend_schema(
        operation_id="clientAnswerSatisfaction",
        summary="Answer a satisfaction prompt (v1.9)",
        description="A rating of 1 to 5 and an optional comment, once, within 7 days of the prompt. "
        + JSON_ANY_TYPE_NOTE,
        request=json_body(
            ClientSatisfactionAnswerSerializer, OpenApiExample("Rated", {"rating": 4, "comment": "Quick and friendly."})
        ),
        responses={
            200: OpenApiResponse(
                ClientSatisfactionSerializer,
                "The answered prompt.",
                [answer("Answered", EXAMPLE | {"rating": 4, "comment": "Quick.", "answeredAt": 1718000300})],
            ),
            400: refusals(
                "Bad request (the first notification is the code).",
                refusal("No rating", "validation_error", "rating: This field is required."),
            ),
            404: NOT_FOUND,
            409: refusals("Answered already.", refusal("Answered", "satisfaction_answered")),
            410: refusals("Too late.", refusal("Expired", "satisfaction_expired")),
        },
    )
    def post(self, request, api_version: str, rating_id: str):
        rating = self._rating(rating_id)
        payload = ClientSatisfactionAnswerSerializer(data=json_object(request.data))
        payload.is_valid(raise_exception=True)
        rating = satisfaction_answer(
            rating=rating, score=payload.validated_data["rating"], comment=payload.validated_data["comment"]
        )
        rating = satisfaction_for_customer(customer=self.caller.customer, rating_id=rating.pk)
        return Response(ClientSatisfactionSerializer(rating).data)
