"""What the library routes share: the refusals they answer, signed-in checks, downloads."""

from __future__ import annotations

from fastapi.responses import Response

from paperboy.domain.library import LibraryInputError
from paperboy.services.library.exports import MEDIA_TYPES
from paperboy.web.community_responses import REFUSALS

# Anything a library action can refuse with: community errors (NotFound 404, NotAllowed 403),
# rate limits (429) and a tag, note or name that does not fit (LibraryInputError, 400).
LIBRARY_REFUSALS = (*REFUSALS, LibraryInputError)


def private(response: Response) -> Response:
    """A reader's own data: never kept by a shared cache, never sent on as a Referer."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def export_response(text: str, file_format: str) -> Response:
    media_type, extension = MEDIA_TYPES[file_format]
    response = Response(text, media_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="paperboy-library.{extension}"'
    return private(response)
