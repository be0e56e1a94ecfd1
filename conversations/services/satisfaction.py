"""Satisfaction ratings (CSAT, #20): asked when an agent closes a session, answered by the customer.

- Asked: `satisfaction_ask` when a person (not a bot, not the API without an agent, not a spam mark, not a merge)
  closes a session with a customer in it while the account has `csat_enabled`. It records a `SatisfactionRating`
  (whom it counts for: the session's assignee and team as it closed) and posts the question into the closed thread.
- Answered: in our widget (the client API's `satisfaction/{id}`: a rating and a comment), or by tapping one of the
  prompt's reply buttons in a Parley SDK, which posts the button's payload ("1" … "5") as an ordinary message
  (`customer_message_receive` takes it as the answer while the rating is pending).
- Once: a rating is answered once, within `ANSWER_WINDOW` of being asked; a second answer is refused
  (`satisfaction_answered`), an answer too late too (`satisfaction_expired`). A comment cannot follow a tapped
  button: mobile customers rate, widget customers may also comment.
- The answer leaves a private line at the desk ("Rated 4/5: …") and sends `satisfaction.rated` to the webhooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from agents.delivery.webhooks import webhook_event_emit
from agents.models import Agent
from conversations.events import Event, conversation_data, thread_data
from conversations.live import conversation_live
from conversations.models import Conversation, Media, Message, SatisfactionRating, Thread
from conversations.representations import satisfaction_v2
from conversations.services.locks import conversation_lock
from conversations.services.posting import customer_message_send, message_post
from devices.models import Customer
from messenger_project.errors import ServiceError
from messenger_project.timestamps import iso

ANSWER_WINDOW = timedelta(days=7)
DEFAULT_QUESTION = "How would you rate our conversation?"
SCORES = range(1, 6)
# The prompt's reply buttons. The Parley SDKs show a reply button's `title` on the button and post its `payload` as
# the customer's message (client API §4.6): stars read as a rating on every SDK (a bare "4" could be a count), and
# the posted "4" reads plainly in the desk's timeline and is what `customer_message_receive` recognises.
PROMPT_BUTTONS = [{"title": "★" * score, "payload": str(score), "type": "reply"} for score in SCORES]
PAYLOADS = {button["payload"] for button in PROMPT_BUTTONS}


def satisfaction_ask(*, conversation: Conversation, thread: Thread | None, agent: Agent) -> SatisfactionRating | None:
    """Ask the customer of the session `thread` (just closed by `agent`) for a rating; None when nothing is asked.

    Runs in the closing transaction. The prompt is the closing agent's message (typeId 2: the only kind every SDK
    shows with its buttons), posted into the closed thread: it reopens nothing, starts no routing, and is never a
    first response (`automatic`)."""
    account = conversation.account
    if (
        not account.csat_enabled
        or thread is None
        or agent.is_bot
        or thread.status != Thread.Status.CLOSED
        or thread.close_reason != Thread.CloseReason.AGENT
        or conversation.primary_customer_id is None
        or SatisfactionRating.objects.filter(thread=thread).exists()
    ):
        return None
    rating = SatisfactionRating.objects.create(
        account=account,
        conversation=conversation,
        thread=thread,
        customer_id=conversation.primary_customer_id,
        agent_id=thread.assignee_id,
        team_id=thread.team_id,
        asked_at=timezone.now(),
    )
    rating.prompt = message_post(
        conversation=conversation,
        author=agent,
        thread=thread,
        text=account.csat_question or DEFAULT_QUESTION,
        buttons=PROMPT_BUTTONS,
        custom={"satisfaction": {"id": rating.pk}},
        origin=Message.Origin.DESK,
        automatic=True,
    )
    rating.save(update_fields=["prompt"])
    return rating


def satisfaction_answer(
    *, rating: SatisfactionRating, score: int, comment: str = "", now: datetime | None = None
) -> SatisfactionRating:
    """Store the customer's answer: once, within the window. ServiceError: invalid_rating (400),
    satisfaction_answered (409), satisfaction_expired (410)."""
    if score not in SCORES or len(comment) > 2000:
        raise ServiceError("invalid_rating")
    now = now or timezone.now()
    with transaction.atomic():
        # The lock order of posting: the conversation first (the private line below locks it too), then the rating.
        conversation_lock(Conversation(pk=rating.conversation_id), refuse_merged=False)
        rating = SatisfactionRating.objects.select_for_update().select_related("conversation").get(pk=rating.pk)
        if rating.rating is not None:
            raise ServiceError("satisfaction_answered", status_code=409)
        if now > rating.asked_at + ANSWER_WINDOW:
            raise ServiceError("satisfaction_expired", status_code=410)
        rating.rating, rating.comment, rating.answered_at = score, comment.strip(), now
        rating.save(update_fields=["rating", "comment", "answered_at"])
        conversation = rating.conversation
        message_post(
            conversation=conversation,
            author=None,
            thread=rating.thread,
            silent=True,
            private=True,
            text=f"Rated {score}/5" + (f": {rating.comment}" if rating.comment else ""),
            origin=Message.Origin.DESK,
            custom={"action": "satisfaction", "agentId": None},
        )
        _rated_event(rating)
    return rating


def _rated_event(rating: SatisfactionRating) -> None:
    conversation = rating.conversation

    def data() -> dict:
        return {
            "conversation": conversation_data(conversation),
            "thread": thread_data(rating.thread),
            "satisfaction": {
                **satisfaction_v2(rating),
                "askedAt": iso(rating.asked_at),
                "agentId": rating.agent_id,
                "teamId": rating.team_id,
            },
        }

    webhook_event_emit(account_id=conversation.account_id, event=Event.SATISFACTION_RATED, data=data)
    conversation_live(conversation=conversation, event=Event.SATISFACTION_RATED)


def satisfaction_pending_for(*, customer: Customer, now: datetime | None = None) -> SatisfactionRating | None:
    """The rating a reply button's payload answers: the newest unanswered one, still in its window, of the
    customer's current conversation while it stays closed (a customer who wrote since has moved on)."""
    if customer.current_conversation_id is None:
        return None
    return (
        SatisfactionRating.objects.filter(
            customer=customer,
            conversation_id=customer.current_conversation_id,
            conversation__status=Conversation.Status.CLOSED,
            rating__isnull=True,
            asked_at__gte=(now or timezone.now()) - ANSWER_WINDOW,
        )
        .select_related("thread")
        .order_by("-asked_at", "-pk")
        .first()
    )


def customer_message_receive(
    *, customer: Customer, text: str = "", media: Sequence[Media] = (), silent: bool = False, referrer: str = ""
) -> Message:
    """A message from the customer's app. Exactly a prompt button's payload while a rating is pending: the answer,
    posted into the rated (closed) thread, which stays closed and unqueued. Anything else: `customer_message_send`
    (a message into a closed conversation reopens it, as always)."""
    answers = text.strip() in PAYLOADS and not media and not silent  # no query for any other message
    rating = satisfaction_pending_for(customer=customer) if answers else None
    if rating is not None:
        try:
            with transaction.atomic():
                message = message_post(
                    conversation=rating.conversation,
                    author=customer,
                    thread=rating.thread,
                    text=text,
                    referrer=referrer,
                    automatic=True,
                )
                satisfaction_answer(rating=rating, score=int(text.strip()))
                return message
        except ServiceError:  # answered or expired meanwhile (or merged): nothing written, an ordinary message then
            pass
    return customer_message_send(customer=customer, text=text, media=media, silent=silent, referrer=referrer)


def satisfaction_for_customer(*, customer: Customer, rating_id: int) -> SatisfactionRating:
    """The customer's own rating (another's, or none: `not_found`, 404)."""
    rating = SatisfactionRating.objects.filter(pk=rating_id, customer=customer).select_related("prompt").first()
    if rating is None:
        raise ServiceError("not_found", status_code=404)
    return rating
