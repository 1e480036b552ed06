"""Display names for people, so views can write real mentions on every platform."""

from __future__ import annotations

from collections.abc import Mapping

from bot.messages import Mention
from rituals.refs import UserRef

Names = Mapping[UserRef, str]


def mention(user: UserRef, names: Names) -> Mention:
    return Mention(user, names.get(user, user.user_id))
