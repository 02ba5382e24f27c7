"""What members do with papers: submit, upvote, comment; and what admins do: moderate."""
