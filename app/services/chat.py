"""Chatting with the AI coach inside a coaching session."""

from sqlalchemy.orm import Session

from app.clients.openai_client import AIClient
from app.models import Message, User
from app.services import ai, coaching


def post_message(
    db: Session, client: AIClient, *, user: User, session_id: int, content: str
) -> Message:
    """Send the user's message to the coach; store both it and the reply, return the reply.

    Both are stored together or not at all: when the coach fails, the request rolls back and
    the client can simply send the same message again.
    """
    session = coaching.get_session(db, user=user, session_id=session_id)
    reply = ai.chat_reply(client, history=list(session.messages), content=content)
    session.messages.append(Message(role="user", content=content))
    answer = Message(role="assistant", content=reply)
    session.messages.append(answer)
    db.flush()
    return answer
